// Output files that appear whole or not at all. Every file groundswell writes for its users
// (summary.json, the CSVs, the network files, evidence, report.html, rejects.jsonl, the
// pseudonymized export, generated data) goes through here: the bytes go to a temporary file
// beside the target (".NAME.tmp" in the same folder, so the rename never crosses file
// systems), which is flushed to disk and renamed over the target only once complete. A reader
// of the folder therefore sees the previous file or the complete new one, never a truncated
// one, whether the process is killed, the disk fills up or a write fails.
//
//   GS_RETURN_IF_ERROR(write_output_file(out / "edges.csv", text));
//
//   auto f = OutputFile::create(out / "rejects.jsonl");   // streamed
//   if (!f) return f.status();
//   GS_RETURN_IF_ERROR(f->write(line));
//   GS_RETURN_IF_ERROR(f->commit());
//
// A stage that writes many files (detect's evidence: one per cluster) writes them as one
// OutputBatch, which flushes them to disk together instead of one by one (a flush costs a
// journal commit, milliseconds each): every file of the batch is written to its temporary
// and closed, then commit() flushes all of them, renames all of them into place, and flushes
// each of their folders once. When commit() returns, the batch is on disk; before, each
// target holds its old file or, once its rename ran, the complete new one.
//
//   OutputBatch batch;
//   GS_RETURN_IF_ERROR(batch.write(out / "edges.csv", edges));
//   auto f = batch.create(out / "evidence" / "cluster-1.json");   // streamed, as above
//   ...; GS_RETURN_IF_ERROR(f->commit());   // finishes the temporary; not in place yet
//   GS_RETURN_IF_ERROR(batch.commit());     // all of them in place, on disk
//
// A file that only caches what can be built again, and whose reader checks it whole (the
// analysis columns beside a store: length and checksums), is created with Flush::kNone: it is
// renamed into place without waiting for the disk. A killed process still leaves the old file
// or the complete new one; after a power failure it may be empty or damaged, which its reader
// refuses and builds again. (At 10M messages the file is 3.6 GB; without the flush the load
// that writes it fell from 18.3-18.9 s to 16.5-17.1 s.)
//
// Errors are IoError statuses naming the target path and the system's reason ("cannot write
// out/edges.csv: No space left on device"). A file that is destroyed without commit(), or
// whose write failed, leaves no temporary file behind, and neither does a batch destroyed
// without commit() or one whose file failed (its commit() returns that file's error and puts
// nothing in place); a killed process leaves at most the hidden temporaries, which the next
// write of the same targets replaces.
//
// Thread-safety: an OutputFile, and an OutputBatch with its files, belong to one thread;
// different targets may be written from different threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "groundswell/status.h"

namespace groundswell {

class OutputBatch;

// Whether commit() waits for the bytes to reach the disk (see the top of this file).
enum class Flush : std::uint8_t { kDisk, kNone };

class OutputFile {
 public:
  // Creates (truncating) the temporary file for `path`; the folder must exist.
  static Result<OutputFile> create(std::filesystem::path path, Flush flush = Flush::kDisk);

  OutputFile(OutputFile&& other) noexcept;
  OutputFile& operator=(OutputFile&& other) noexcept;
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  ~OutputFile();  // without commit(): the temporary file is removed, the target left alone

  // Appends bytes (buffered). The first failure sticks: later writes and commit() return it.
  Status write(std::string_view bytes);
  // Writes out the buffer, flushes the file to disk, closes it and renames it over the target.
  // For a file of a batch: writes out the buffer and closes the temporary, which the batch's
  // commit() flushes and renames.
  Status commit();
  // Gives up: removes the temporary file. Idempotent.
  void abandon();

  const std::filesystem::path& path() const { return path_; }
  std::uint64_t bytes_written() const { return bytes_; }

 private:
  friend class OutputBatch;
  OutputFile() = default;
  Status flush_buffer();
  Status fail(std::string_view what, int error_number);

  std::filesystem::path path_, temp_;
  int fd_ = -1;
  std::string buffer_;
  std::uint64_t bytes_ = 0;
  Status error_;
  OutputBatch* batch_ = nullptr;
  Flush flush_ = Flush::kDisk;
};

// Files committed together: see the top of this file. Each target joins at most once; the
// batch outlives its files (it cannot move, as they point to it). The flush is one syncfs(2)
// per file system the files are on, which also writes out other programs' pending data on
// that file system; Linux reports a write-back error of the batch's files through it since
// 5.8. Each folder of the batch is kept open from its first file to the commit.
class OutputBatch {
 public:
  OutputBatch() = default;
  OutputBatch(const OutputBatch&) = delete;
  OutputBatch& operator=(const OutputBatch&) = delete;
  ~OutputBatch();  // without commit(): every finished temporary is removed, no target touched

  // A file of this batch, as OutputFile::create().
  Result<OutputFile> create(std::filesystem::path path);
  // The whole file at once, as write_output_file(). A target that holds these bytes already
  // (a regular file with no other name) is left in place, its time of modification set to
  // now, and flushed with the batch like the files written.
  Status write(const std::filesystem::path& path, std::string_view bytes);
  // Flushes every finished file to disk, renames each over its target and flushes their
  // folders. A file still open (created, not committed) is not part of it and cannot commit
  // afterwards. On a failure before any rename (a failed file, a failed flush) no target
  // changes and no temporary is left; a rename that fails stops the batch there, with the
  // files before it in place and no temporary left.
  Status commit();
  // Gives up: removes the finished temporaries. Idempotent.
  void abandon();

  std::size_t files() const { return finished_.size(); }  // finished, not committed yet
  std::size_t unchanged() const { return kept_; }  // write()s that found their bytes in place

 private:
  friend class OutputFile;
  struct Finished {
    std::filesystem::path temp, path;
  };
  struct Folder {
    std::filesystem::path path;
    int fd = -1;  // -1: could not be opened; its files are flushed one by one
  };
  const Folder* folder_of(const std::filesystem::path& folder) const;
  const Folder& join_folder(const std::filesystem::path& folder);  // opened on first use
  bool keep_if_unchanged(const std::filesystem::path& path, std::string_view bytes);
  Status fail(Status error);
  void close_folders();

  std::vector<Finished> finished_;
  std::vector<Folder> folders_;
  Status error_;  // the first failure of one of its files
  std::size_t kept_ = 0;
  bool committed_ = false;
};

// The whole file at once, through OutputFile.
Status write_output_file(const std::filesystem::path& path, std::string_view bytes);

// Where OutputFile keeps `path` while it is written: ".NAME.tmp" in the same folder. For
// writers that are not byte streams (SQLite's VACUUM INTO) and finish with
// replace_with_temporary().
std::filesystem::path temporary_path_for(const std::filesystem::path& path);
// Flushes `temporary` to disk and renames it over `path`; on failure removes `temporary`.
Status replace_with_temporary(const std::filesystem::path& temporary,
                              const std::filesystem::path& path);

// Flushes a folder's entries (the renames into it) to disk; failures are ignored, since some
// file systems cannot sync a directory. Called once after the last file of a job.
void sync_directory(const std::filesystem::path& dir);

}  // namespace groundswell
