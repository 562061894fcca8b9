// Format readers and their registry.
//
// A reader turns one InputStream into canonical records (include/groundswell/model.h) pushed
// to a RecordSink, rejecting what it cannot read with a reason and a position. Readers
// stream: memory per record is bounded by ReadContext::max_record_bytes, and a longer record
// is skipped and rejected rather than buffered. A reader polls ReadContext::stopped() between
// records so --strict can end a file at its first reject.
//
// Each format has a FormatInfo entry: its name (docs/contract.md §2), what it reads, its fields, a
// content sniffer for auto-detection and a factory. Formats whose reader is not yet written
// are listed with `available = false`.
//
// Thread-safety: a reader instance belongs to one thread; the registry is immutable.
#pragma once

#include <simdjson.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "groundswell/model.h"
#include "groundswell/status.h"
#include "ingest/input.h"

namespace groundswell {

struct ReadContext {
  std::string_view file;
  RecordSink* sink = nullptr;
  std::int64_t tz_offset_s = 0;
  std::uint64_t max_record_bytes = 64ull << 20;
  const std::atomic<bool>* stop = nullptr;
  std::uint64_t utf8_repaired = 0;  // records whose invalid UTF-8 was replaced
  // The stream is a piece of a JSON-lines file cut at line ends: JSON readers read it as lines
  // whatever its first bytes look like (the layout was judged from the file's head).
  bool json_lines = false;

  bool stopped() const { return stop && stop->load(std::memory_order_relaxed); }
};

class Reader {
 public:
  virtual ~Reader() = default;
  // Reads the whole stream. A non-ok Status is for failures that end the file (I/O); bad
  // records are rejected through the sink and reading goes on.
  virtual Status read(InputStream& in, ReadContext& ctx) = 0;
};

struct FormatInfo {
  std::string_view name;
  std::string_view description;
  std::string_view fields;  // what the reader maps, for `groundswell formats`
  bool available;
  // Confidence 0..100 that a file whose first decompressed bytes are `head`, at `path`, is
  // this format, judged from its text (a CSV header, a JSON document's keys); nullptr when
  // the format is recognised only by its records.
  int (*sniff)(std::string_view head, std::string_view path);
  // Confidence 0..100 that one JSON record (an object that parsed) is of this format; nullptr
  // for formats that are not JSON records.
  int (*sniff_record)(simdjson::dom::element record);
  std::unique_ptr<Reader> (*make)();
  // Ids unique only within one dataset (a file or --dataset), not platform-wide: the store
  // qualifies the message keys by the dataset name.
  bool dataset_keys = false;
  // Its reader reads JSON with JsonRecordLoop, each record on its own but for the accounts
  // (below): a JSON-lines file of it can be cut at line ends and its pieces read on several
  // threads (ingest.cc).
  bool json_records = false;
  // Its reader gives each account once per file (SeenAccounts): of a file read in pieces, the
  // writer drops the accounts that a later piece gives again, by the same rule.
  bool accounts_once = false;
};

std::span<const FormatInfo> formats();
const FormatInfo* find_format(std::string_view name);
// The best available format for a file whose first decompressed bytes are `head`, or nullptr
// when none recognises it. Text sniffers (CSV headers, Telegram Desktop's document) decide
// first; for JSON, the first records of `head` that parse decide, in order: the first record
// that some format recognises names the format (records that do not parse, stream notices,
// error pages are skipped). docs/formats.md, "Auto-detection".
const FormatInfo* detect_format(std::string_view head, std::string_view path);
// True when `head` starts (after a BOM and blanks) like JSON: '{' or '['.
bool looks_like_json(std::string_view head);

// ---- building blocks shared by readers ---------------------------------------------------

// The refill buffer both line and CSV readers stand on: unread bytes [pos_, end_) of buf_,
// base_offset_ the stream offset of buf_[0]; a UTF-8 BOM at the start of the stream skipped.
class ChunkedReader {
 protected:
  explicit ChunkedReader(InputStream& in) : in_(in) {}
  // Keeps the unread part (moving it to the front, also when nothing more comes), reads one
  // more chunk. False at the end of the stream.
  bool fill();

  InputStream& in_;
  std::string buf_;
  std::size_t pos_ = 0, end_ = 0;
  std::uint64_t base_offset_ = 0;
  bool eof_ = false, started_ = false;
};

// Splits a stream into lines ('\n', with a trailing '\r' removed; a UTF-8 BOM at the start of
// the stream is skipped). Lines longer than the limit are reported as `too_long` and skipped
// without buffering them whole.
class LineReader : private ChunkedReader {
 public:
  LineReader(InputStream& in, std::uint64_t max_line_bytes);

  struct Line {
    std::string_view text;
    std::uint64_t number = 0;  // 1-based
    std::uint64_t offset = 0;  // byte offset of the line start in the decompressed stream
    bool too_long = false;     // text holds the first bytes only
    std::uint64_t length = 0;  // full length, also when too long
  };
  // False at the end of the stream.
  bool next(Line& line);

 private:
  std::uint64_t max_;
  std::uint64_t line_no_ = 0;
  std::string long_head_;
};

// RFC 4180 CSV: quoted fields with "" escapes and embedded newlines, CRLF or LF, a UTF-8 BOM
// at the start skipped. Records longer than the limit are skipped and reported.
class CsvReader : private ChunkedReader {
 public:
  CsvReader(InputStream& in, std::uint64_t max_record_bytes, char delimiter = ',');

  struct Record {
    std::uint64_t line = 0;    // 1-based line where the record starts
    std::uint64_t offset = 0;  // byte offset of the record start
    std::size_t size() const { return ends.size(); }
    std::string_view field(std::size_t i) const {
      std::size_t b = i == 0 ? 0 : ends[i - 1];
      return std::string_view(data).substr(b, ends[i] - b);
    }
    std::string data;                  // fields concatenated
    std::vector<std::size_t> ends;     // end offset of each field in data
    std::string_view raw;              // the record's raw text (valid until the next call)
    enum class Problem { kNone, kTooLong, kUnterminatedQuote } problem = Problem::kNone;
  };
  bool next(Record& rec);

 private:
  std::uint64_t max_;
  char delim_;
  std::uint64_t line_no_ = 1;
  std::string raw_;
};

// Header lookup: column index by name (case-insensitive, surrounding spaces ignored), -1 if
// absent.
class CsvHeader {
 public:
  void assign(const CsvReader::Record& rec);
  int index(std::string_view name) const;
  std::size_t size() const { return names_.size(); }

 private:
  std::vector<std::string> names_;
};

// Splits list cells: "[a, b]", "['a', 'b']", JSON arrays, or space-separated values.
void split_list_cell(std::string_view cell, std::vector<std::string>& out);

// Excerpt for a reject: the first 200 bytes, cut on a character boundary, repaired UTF-8.
std::string reject_excerpt(std::string_view raw);

}  // namespace groundswell

namespace groundswell {

// Runs through a CSV file with a header row, handing each well-formed data row to `row`.
// Handles what every CSV reader must: rejects records that are too long, have an unterminated
// quote or the wrong number of fields; repairs invalid UTF-8 (counted in ctx); skips blank
// lines; stops when ctx says so. `row` returns an empty string on success or a reject reason.
class CsvRowLoop {
 public:
  using RowFn = std::string (*)(void* self, const CsvReader::Record& rec, const CsvHeader& header,
                                ReadContext& ctx);
  static Status run(InputStream& in, ReadContext& ctx, void* self, RowFn row,
                    CsvHeader& header);
};

// A CSV reader with a header row: Derived supplies
//   std::string row(const CsvReader::Record&, const CsvHeader&, ReadContext&)
// returning "" or a reject reason; CsvRowLoop does the rest.
template <typename Derived>
class CsvRowReader : public Reader {
 public:
  Status read(InputStream& in, ReadContext& ctx) override {
    CsvHeader header;
    return CsvRowLoop::run(
        in, ctx, this,
        [](void* self, const CsvReader::Record& rec, const CsvHeader& h, ReadContext& c) {
          return static_cast<Derived*>(static_cast<CsvRowReader*>(self))->row(rec, h, c);
        },
        header);
  }
};

// Fills `m.time` from a cell or JSON string; returns a reject reason or "".
std::string parse_time_field(std::string_view value, std::string_view field, MessageRecord& m,
                             std::int64_t tz_offset_s);

}  // namespace groundswell
