// JSON records of a stream in any layout people save them in: JSON lines (one value a line),
// or whole JSON documents — a pretty-printed object (`json.dump(..., indent=2)` of an API
// response), a JSON array of records, several documents one after another. A top-level
// object is one record; a top-level array holds one record per element (an element that is
// itself an array is read element by element too, one level). Memory is bounded by the
// largest record (ReadContext::max_record_bytes), never by the file.
//
// The layout is decided from the first bytes (json_layout): lines when the first non-blank
// line holds one whole JSON value, or when most of the first lines do (a JSON-lines file
// whose first line is broken); a document otherwise. In lines, a broken line is rejected
// alone and reading resumes at the next line. In a document, records are cut out by a
// bracket-and-string state machine (JsonValueCutter), so a record that never closes runs to
// the end of the file and is rejected as truncated.
//
//   JsonRecordLoop::run(in, ctx, this, &on_object);  // on_object gets every object record
//
// Thread-safety: instances belong to one thread; functions are pure.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "groundswell/model.h"
#include "groundswell/status.h"
#include "ingest/input.h"
#include "ingest/reader.h"

namespace groundswell {

enum class JsonLayout { kLines, kDocument };

// The layout of a stream whose first decompressed bytes are `head`. `whole` says that `head`
// is the entire stream (its last line is then complete without a newline).
JsonLayout json_layout(std::string_view head, bool whole);
// The layout a reader takes a stream for, from its first bytes (peeked, not consumed).
JsonLayout json_stream_layout(InputStream& in);

// Cuts one JSON value out of a byte stream, starting at buf_[pos_]: an object or array to its
// matching bracket (tracking strings and escapes), a string to its closing quote, a scalar to
// the next separator. `\xHH` escapes inside strings — invalid JSON that Telegram Desktop
// exports contain — are rewritten to `\u00HH`. A value longer than the limit keeps its
// first 256 bytes and is skipped to its end; a value cut off by the end of the stream is
// marked truncated.
class JsonValueCutter : protected ChunkedReader {
 public:
  struct Cut {
    std::string_view text;     // the value's JSON (valid until the next cut)
    std::uint64_t offset = 0;  // byte offset of its first byte in the decompressed stream
    std::uint64_t line = 0;    // 1-based line of its first byte
    std::uint64_t length = 0;  // bytes, also when too long or truncated
    bool too_long = false;     // text holds the first 256 bytes only
    bool truncated = false;    // the stream ended inside the value
    bool not_object = false;   // the value does not start with '{'
  };

 protected:
  JsonValueCutter(InputStream& in, std::uint64_t max_value_bytes)
      : ChunkedReader(in), max_(max_value_bytes) {}
  // buf_[pos_] == first and is not whitespace.
  void capture(Cut& e, char first);

  std::uint64_t max_;
  std::uint64_t line_ = 1;

 private:
  std::string value_;  // the value being cut out (reused)
};

// The records of a stream in either layout, as raw JSON texts with their positions.
class JsonRecordSource : private JsonValueCutter {
 public:
  // `lines`: read the stream as JSON lines without judging its layout.
  JsonRecordSource(InputStream& in, std::uint64_t max_record_bytes, bool lines = false);

  using Record = Cut;
  // False at the end of the stream.
  bool next(Record& r);
  JsonLayout layout() const { return layout_; }
  // Set when a document's top-level array is still open at the end of the stream.
  const std::string& error() const { return error_; }

 private:
  bool next_in_document(Record& r);

  JsonLayout layout_;
  std::optional<LineReader> lines_;
  int array_depth_ = 0;  // document layout: open top-level arrays (0 or 1)
  std::string error_;
};

// Runs through the JSON records of a stream, handing every object to `fn`. Handles what every
// JSON reader must: records that are too long or truncated, blank lines, malformed JSON,
// arrays (each element is a record), values that are not objects, invalid UTF-8 (repaired and
// counted in ctx), stream errors, ctx.stopped(). `fn` returns "" on success or a reject
// reason (the loop rejects the record with its excerpt).
class JsonRecordLoop {
 public:
  using RecordFn = std::string (*)(void* self, simdjson::dom::element root, const Position& where,
                                   ReadContext& ctx);
  static Status run(InputStream& in, ReadContext& ctx, void* self, RecordFn fn);
};

// Up to `max_records` objects of the first records of `head` that parse, for format
// detection: a record that does not parse (a broken or pathological line) is skipped; an
// array record gives its elements. The elements stay valid while the sample lives.
class JsonSample {
 public:
  explicit JsonSample(std::string_view head, std::size_t max_records = 8);
  std::size_t size() const { return records_.size(); }
  simdjson::dom::element operator[](std::size_t i) const { return records_[i]; }

 private:
  std::vector<std::unique_ptr<simdjson::dom::parser>> parsers_;
  std::vector<simdjson::dom::element> records_;
};

}  // namespace groundswell
