// Input files as byte streams: plain, gzip (.gz, also concatenated members) or zstd (.zst),
// recognised by their magic bytes rather than their names. The stream hashes the raw bytes
// (xxh3-128, for the files table) and counts raw bytes consumed (for progress).
//
// expand_inputs() turns the command line's files, directories (recursive) and globs into a
// sorted list of regular files.
//
// Thread-safety: an InputStream belongs to one thread.
#pragma once

#include <zlib.h>
#include <zstd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "base/hash.h"
#include "groundswell/status.h"

namespace groundswell {

enum class Compression { kNone, kGzip, kZstd };

class InputStream {
 public:
  InputStream() = default;
  ~InputStream();
  InputStream(const InputStream&) = delete;
  InputStream& operator=(const InputStream&) = delete;

  Status open(const std::string& path);
  // Bytes [begin, end) of an uncompressed file, as a stream of their own (a piece of a file
  // read in pieces): raw_size() is the range's; no digest and no check of changes (the read of
  // the whole file that cut it does both).
  Status open_range(const std::string& path, std::uint64_t begin, std::uint64_t end);
  // A stream of `data` itself (copied), for sniffing a file's first bytes like a file.
  void open_memory(std::string_view data);
  const std::string& path() const { return path_; }
  Compression compression() const { return compression_; }
  std::uint64_t raw_size() const { return raw_size_; }

  // Reads up to `n` decompressed bytes into `buf`; returns the count, 0 at the end. A
  // decompression error or a truncated compressed stream sets error() and returns 0.
  std::size_t read(char* buf, std::size_t n);
  // The first up to `n` decompressed bytes, without consuming them.
  std::string_view peek(std::size_t n);

  const std::string& error() const { return error_; }
  // Raw bytes consumed so far; updated as the stream is read (readable from other threads).
  const std::atomic<std::uint64_t>& raw_consumed() const { return raw_consumed_; }
  // xxh3-128 of the raw bytes as 32 hex digits; complete once the stream has been read to its
  // end (the rest of the file is hashed then if the reader stopped early).
  std::string digest();
  // "" when the file is as it was when opened; otherwise how it changed while it was read
  // (size or modification time; a file being written or replaced by a download). Call after
  // digest(), which reads the file to its end.
  std::string change_while_read() const;

 private:
  std::size_t read_raw(char* buf, std::size_t n);
  std::size_t read_decompressed(char* buf, std::size_t n);

  std::string path_;
  std::FILE* file_ = nullptr;
  Compression compression_ = Compression::kNone;
  std::uint64_t raw_size_ = 0;
  std::int64_t opened_mtime_ns_ = 0;  // st_mtim when opened
  bool regular_ = false;              // a regular file (sizes and times mean something)
  std::atomic<std::uint64_t> raw_consumed_{0};
  XXH3_state_t* hash_ = nullptr;
  std::string error_;
  bool raw_eof_ = false;
  bool ranged_ = false;  // open_range(): reads stop after range_left_ bytes
  std::uint64_t range_left_ = 0;

  std::vector<char> raw_buf_;
  std::size_t raw_pos_ = 0, raw_len_ = 0;
  z_stream zs_{};
  bool zs_init_ = false, zs_member_end_ = false;
  ZSTD_DCtx* zstd_ = nullptr;
  bool zstd_frame_open_ = false;

  std::string peeked_;
  std::size_t peek_pos_ = 0;
};

// Files, directories (recursively) and glob patterns to a sorted, de-duplicated file list.
// Hidden files and files named like the store's own (*.db, *.db-wal) inside directories are
// skipped; a named path that does not exist is an error naming it.
Result<std::vector<std::string>> expand_inputs(const std::vector<std::string>& inputs);

}  // namespace groundswell
