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
// Errors are IoError statuses naming the target path and the system's reason ("cannot write
// out/edges.csv: No space left on device"). A file that is destroyed without commit(), or
// whose write failed, leaves no temporary file behind; a killed process leaves at most the
// hidden temporary, which the next write of the same target replaces.
//
// Thread-safety: an OutputFile belongs to one thread; different targets may be written from
// different threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "groundswell/status.h"

namespace groundswell {

class OutputFile {
 public:
  // Creates (truncating) the temporary file for `path`; the folder must exist.
  static Result<OutputFile> create(std::filesystem::path path);

  OutputFile(OutputFile&& other) noexcept;
  OutputFile& operator=(OutputFile&& other) noexcept;
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  ~OutputFile();  // without commit(): the temporary file is removed, the target left alone

  // Appends bytes (buffered). The first failure sticks: later writes and commit() return it.
  Status write(std::string_view bytes);
  // Writes out the buffer, flushes the file to disk, closes it and renames it over the target.
  Status commit();
  // Gives up: removes the temporary file. Idempotent.
  void abandon();

  const std::filesystem::path& path() const { return path_; }
  std::uint64_t bytes_written() const { return bytes_; }

 private:
  OutputFile() = default;
  Status flush_buffer();
  Status fail(std::string_view what, int error_number);

  std::filesystem::path path_, temp_;
  int fd_ = -1;
  std::string buffer_;
  std::uint64_t bytes_ = 0;
  Status error_;
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
