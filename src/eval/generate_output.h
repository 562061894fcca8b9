// What the writers of groundswell-generate share: a buffered output file compressed as it is
// written, the counts kept per file for truth.json, the two JSON styles of the formats
// (Python's json.dumps for Telethon and twarc2, Telegram Desktop's pretty printer), and a
// channel post's reactions, which the Desktop export and Telethon report alike.
//
// Thread-safety: plain values; an OutFile belongs to one writer.
#pragma once

#include <zlib.h>
#include <zstd.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "base/output_file.h"
#include "eval/generate.h"
#include "eval/generate_text.h"

namespace groundswell::gen {

// A buffered output file, optionally compressed as it is written (gzip or zstd streams, both
// deterministic: the gzip header carries no time stamp).
class OutFile {
 public:
  OutFile() = default;
  OutFile(const OutFile&) = delete;
  OutFile& operator=(const OutFile&) = delete;
  ~OutFile();
  // Creates `path` (and its directory) for writing; `buffer` bytes are kept before a flush.
  Status open(const std::filesystem::path& path, std::size_t buffer,
              Compression compression = Compression::kNone);
  // What a writer appends to; written out by maybe_flush() once it holds `buffer` bytes.
  std::string& buf() { return buf_; }
  void maybe_flush() {
    if (buf_.size() >= limit_) flush();
  }
  void flush() { write_out(false); }
  // Writes the rest, ends the compressed stream and puts the file in place (OutputFile).
  Status close();
  // Bytes on disk.
  std::int64_t bytes() const { return bytes_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  void put(const char* data, std::size_t n);
  void write_out(bool finish);

  std::optional<OutputFile> file_;
  Status status_;
  std::filesystem::path path_;
  std::string buf_;
  std::size_t limit_ = 1 << 16;
  std::int64_t bytes_ = 0;
  bool failed_ = false;
  Compression compression_ = Compression::kNone;
  z_stream zlib_{};
  bool zlib_open_ = false;
  ZSTD_CCtx* zstd_ = nullptr;
  std::string out_;  // compressed bytes on their way to the file
};

// What one output file holds, for truth.json and the summary (GeneratedFile).
struct FileCounter {
  std::string rel_path;
  std::string format;
  std::int64_t records = 0, events = 0, lines = 0, accounts = 0, included_tweets = 0, bytes = 0;
};

// The fields of one JSON object as a writer appends them to `o`, in one of the two styles
// below: what stands between two fields, the spaces before each key, and whether a string
// escapes every non-ASCII character. The writer puts the braces around the fields itself.
template <typename Style>
struct JsonFields {
  std::string& o;
  int indent = 0;  // spaces before each key (Telegram Desktop's style only)
  bool first = true;
  void key(std::string_view k) {
    if (!first) o += Style::kSeparator;
    first = false;
    o.append(static_cast<std::size_t>(indent), ' ');
    o += '"';
    o += k;
    o += "\": ";
  }
  void str(std::string_view k, std::string_view v) {
    key(k);
    append_json_string(o, v, Style::kAsciiOnly);
  }
  void num(std::string_view k, std::int64_t v) {
    key(k);
    append_int(o, v);
  }
  void unum(std::string_view k, std::uint64_t v) {
    key(k);
    append_uint(o, v);
  }
  void boolean(std::string_view k, bool v) {
    key(k);
    o += v ? "true" : "false";
  }
  void null(std::string_view k) {
    key(k);
    o += "null";
  }
  void raw(std::string_view k, std::string_view v) {
    key(k);
    o += v;
  }
};

// Python's json.dumps as Telethon and twarc2 write it: one line, ", " and ": " separators,
// every non-ASCII character escaped.
struct PyJsonStyle {
  static constexpr std::string_view kSeparator = ", ";
  static constexpr bool kAsciiOnly = true;
};
using PyJson = JsonFields<PyJsonStyle>;

// Telegram Desktop's pretty printer: a field a line, indented one space per level,
// "key": value, UTF-8 as it is.
struct DesktopJsonStyle {
  static constexpr std::string_view kSeparator = ",\n";
  static constexpr bool kAsciiOnly = false;
};
using DesktopJson = JsonFields<DesktopJsonStyle>;

// The file name suffix of a compressed file: ".gz", ".zst" or "".
std::string compressed_suffix(Compression compression);

// A channel post's reactions: up to three kinds, their emoji into `emoji` and counts into
// `counts`, from the post's views and a seed; returns how many kinds.
std::size_t reaction_count(std::int64_t views, std::uint64_t seed, std::int64_t* counts,
                           const char** emoji);

}  // namespace groundswell::gen
