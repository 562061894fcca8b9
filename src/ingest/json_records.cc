#include "ingest/json_records.h"

#include <fmt/format.h>

#include <array>
#include <cstring>

#include "ingest/json_line.h"

namespace groundswell {
namespace {

constexpr std::size_t kLayoutBytes = 1 << 20;  // enough for the first lines of any real file
constexpr std::size_t kLayoutLines = 16;
constexpr std::size_t kExcerptBytes = 256;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// The bytes a value's structure depends on outside strings (JsonValueCutter::capture).
constexpr std::array<bool, 256> kStructural = [] {
  std::array<bool, 256> t{};
  for (unsigned char c : {'"', '{', '[', '}', ']', '\n'}) t[c] = true;
  return t;
}();
bool ends_scalar(char c) { return is_space(c) || c == ',' || c == ']' || c == '}'; }

// True when `line` (trimmed) is one whole JSON object or array: its brackets, outside
// strings, close for the first time at its last byte.
bool whole_value(std::string_view line) {
  while (!line.empty() && is_space(line.front())) line.remove_prefix(1);
  while (!line.empty() && is_space(line.back())) line.remove_suffix(1);
  if (line.empty() || (line.front() != '{' && line.front() != '[')) return false;
  int depth = 0;
  bool in_str = false, esc = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (in_str) {
      if (esc) esc = false;
      else if (c == '\\') esc = true;
      else if (c == '"') in_str = false;
      continue;
    }
    if (c == '"') {
      in_str = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return i + 1 == line.size();
      if (depth < 0) return false;
    }
  }
  return false;
}

}  // namespace

JsonLayout json_layout(std::string_view head, bool whole) {
  if (head.starts_with("\xEF\xBB\xBF")) head.remove_prefix(3);
  bool first = true, first_whole = false;
  std::size_t lines = 0, whole_lines = 0;
  while (!head.empty() && lines < kLayoutLines) {
    std::size_t nl = head.find('\n');
    if (nl == std::string_view::npos && !whole) break;  // an incomplete last line
    std::string_view line = head.substr(0, nl);
    head.remove_prefix(nl == std::string_view::npos ? head.size() : nl + 1);
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    bool w = whole_value(line);
    if (first) {
      first = false;
      first_whole = w;
      if (w) return JsonLayout::kLines;
      continue;
    }
    ++lines;
    whole_lines += w;
  }
  // A first line that is not a whole value: a document begins there, or a JSON-lines file
  // begins with a broken line and most of the lines after it are whole.
  return !first_whole && lines > 0 && whole_lines * 2 > lines ? JsonLayout::kLines
                                                             : JsonLayout::kDocument;
}

// Copies spans of the buffer into value_ rather than single bytes; the string fast path skips
// to the next quote or backslash.
void JsonValueCutter::capture(Cut& e, char first) {
  e.offset = base_offset_ + pos_;
  e.line = line_;
  value_.clear();
  bool too_long = false, in_str = false, esc = false;
  bool scalar = first != '{' && first != '[' && first != '"';
  e.not_object = first != '{';
  int depth = 0;
  std::size_t span = pos_;
  auto flush = [&](std::size_t upto) {
    if (!too_long) {
      value_.append(buf_.data() + span, upto - span);
      if (value_.size() > max_) {
        too_long = true;
        value_.resize(kExcerptBytes);
      }
    }
    span = upto;
  };
  for (;;) {
    if (pos_ == end_) {
      flush(pos_);
      bool more = fill();
      span = pos_;  // fill() moves the unread bytes to the buffer's start
      if (!more) {
        e.truncated = !scalar;
        break;
      }
      continue;
    }
    char c = buf_[pos_];
    if (in_str) {
      if (esc) {
        esc = false;
        if (c == 'x') {
          flush(pos_);
          if (!too_long) value_.append("u00");
          ++pos_;
          span = pos_;
          continue;
        }
        ++pos_;
        continue;
      }
      // The next quote or backslash: memchr (vectorized) rather than a byte loop, a window at a
      // time so that a string of many escapes is still scanned once.
      const char* p = buf_.data() + pos_;
      const char* stop = buf_.data() + end_;
      for (;;) {
        const char* window = stop - p > 256 ? p + 256 : stop;
        const void* quote = std::memchr(p, '"', static_cast<std::size_t>(window - p));
        const char* limit = quote ? static_cast<const char*>(quote) : window;
        const void* backslash = std::memchr(p, '\\', static_cast<std::size_t>(limit - p));
        if (backslash) {
          p = static_cast<const char*>(backslash);
          break;
        }
        p = limit;
        if (quote || p == stop) break;
      }
      pos_ = static_cast<std::size_t>(p - buf_.data());
      if (pos_ == end_) continue;
      ++pos_;
      if (*p == '\\') {
        esc = true;
      } else {
        in_str = false;
        if (depth == 0) break;
      }
      continue;
    }
    if (scalar) {
      // The first byte always belongs to the value, so the scan always advances.
      if (ends_scalar(c) && base_offset_ + pos_ > e.offset) break;
      ++pos_;
      continue;
    }
    if (!kStructural[static_cast<unsigned char>(c)]) {
      // Indentation and scalars between strings: skip to the next byte that matters.
      const char* p = buf_.data() + pos_ + 1;
      const char* stop = buf_.data() + end_;
      while (p < stop && !kStructural[static_cast<unsigned char>(*p)]) ++p;
      pos_ = static_cast<std::size_t>(p - buf_.data());
      continue;
    }
    ++pos_;
    bool closed = false;
    switch (c) {
      case '"': in_str = true; break;
      case '{':
      case '[': ++depth; break;
      case '}':
      case ']': closed = --depth == 0; break;
      case '\n': ++line_; break;
      default: break;
    }
    if (closed) break;
  }
  flush(pos_);
  e.length = base_offset_ + pos_ - e.offset;
  e.too_long = too_long;
  e.text = value_;
}

JsonLayout json_stream_layout(InputStream& in) {
  std::string_view head = in.peek(kLayoutBytes);
  return json_layout(head, head.size() < kLayoutBytes);
}

JsonRecordSource::JsonRecordSource(InputStream& in, std::uint64_t max_record_bytes, bool lines)
    : JsonValueCutter(in, max_record_bytes) {
  layout_ = lines ? JsonLayout::kLines : json_stream_layout(in);
  if (layout_ == JsonLayout::kLines) lines_.emplace(in, max_record_bytes);
}

bool JsonRecordSource::next(Record& r) {
  r = Record{};
  if (layout_ == JsonLayout::kDocument) return next_in_document(r);
  LineReader::Line line;
  while (lines_->next(line)) {
    if (line.text.find_first_not_of(" \t") == std::string_view::npos && !line.too_long) continue;
    r.text = line.text;
    r.line = line.number;
    r.offset = line.offset;
    r.length = line.length;
    r.too_long = line.too_long;
    return true;
  }
  return false;
}

bool JsonRecordSource::next_in_document(Record& r) {
  for (;;) {
    if (pos_ == end_ && !fill()) {
      if (array_depth_ > 0 && error_.empty())
        error_ = "the file ends before its top-level array closes (truncated file?)";
      return false;
    }
    char c = buf_[pos_];
    if (is_space(c)) {
      if (c == '\n') ++line_;
      ++pos_;
      continue;
    }
    // Separators between records; a stray ',' between top-level documents is skipped too.
    if (c == ',') {
      ++pos_;
      continue;
    }
    if (array_depth_ > 0 && c == ']') {
      --array_depth_;
      ++pos_;
      continue;
    }
    if (array_depth_ == 0 && c == '[') {
      ++array_depth_;
      ++pos_;
      continue;
    }
    capture(r, c);
    return true;
  }
}

Status JsonRecordLoop::run(InputStream& in, ReadContext& ctx, void* self, RecordFn fn) {
  JsonRecordSource records(in, ctx.max_record_bytes, ctx.json_lines);
  JsonRecordSource::Record r;
  JsonRecordParser parser;
  simdjson::dom::element root;
  std::string error;
  while (!ctx.stopped() && records.next(r)) {
    Position where{ctx.file, r.line, r.offset};
    if (r.too_long) {
      ctx.sink->reject(where,
                       fmt::format("record of {} bytes is longer than the limit of {} bytes",
                                   r.length, ctx.max_record_bytes),
                       r.text);
      continue;
    }
    if (r.truncated) {
      ctx.sink->reject(where, "the file ends inside this record (truncated file)", r.text);
      continue;
    }
    bool repaired = false;
    if (!parser.parse(r.text, root, error, repaired)) {
      ctx.sink->reject(where, error, r.text);
      continue;
    }
    if (repaired) ++ctx.utf8_repaired;
    if (root.is_object()) {
      std::string reason = fn(self, root, where, ctx);
      if (!reason.empty()) ctx.sink->reject(where, reason, r.text);
      continue;
    }
    simdjson::dom::array items;
    if (root.get_array().get(items)) {
      ctx.sink->reject(where, "JSON: expected an object or an array of objects", r.text);
      continue;
    }
    for (simdjson::dom::element item : items) {
      if (ctx.stopped()) break;
      if (!item.is_object()) {
        ctx.sink->reject(where, "JSON: expected an object or an array of objects",
                         simdjson::minify(item));
        continue;
      }
      std::string reason = fn(self, item, where, ctx);
      if (!reason.empty()) ctx.sink->reject(where, reason, simdjson::minify(item));
    }
  }
  if (!records.error().empty()) ctx.sink->warn(Position{ctx.file, 0, 0}, records.error());
  if (!in.error().empty()) ctx.sink->reject(Position{ctx.file, 0, 0}, in.error(), "");
  return Status::Ok();
}

JsonSample::JsonSample(std::string_view head, std::size_t max_records) {
  InputStream mem;
  mem.open_memory(head);
  JsonRecordSource source(mem, head.size() + 1);
  JsonRecordSource::Record r;
  std::string error;
  for (int examined = 0; examined < 64 && records_.size() < max_records && source.next(r);
       ++examined) {
    if (r.too_long || r.truncated) continue;
    auto parser = std::make_unique<simdjson::dom::parser>();
    simdjson::dom::element root;
    if (parser->parse(simdjson::padded_string(r.text)).get(root)) continue;
    if (root.is_object()) {
      records_.push_back(root);
    } else if (root.is_array()) {
      for (simdjson::dom::element item : simdjson::dom::array(root)) {
        if (item.is_object() && records_.size() < max_records) records_.push_back(item);
      }
    }
    parsers_.push_back(std::move(parser));
  }
}

}  // namespace groundswell
