#include "ingest/reader.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "base/utf8.h"

namespace groundswell {

namespace {
constexpr std::size_t kChunk = 1 << 20;
constexpr std::string_view kBom = "\xEF\xBB\xBF";
}  // namespace

// ---- ChunkedReader, LineReader ------------------------------------------------------------

bool ChunkedReader::fill() {
  if (eof_) return false;
  if (pos_ > 0) {
    std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
    base_offset_ += pos_;
    end_ -= pos_;
    pos_ = 0;
  }
  if (buf_.size() < end_ + kChunk) buf_.resize(end_ + kChunk);
  std::size_t got = in_.read(buf_.data() + end_, kChunk);
  if (got == 0) {
    eof_ = true;
    return false;
  }
  end_ += got;
  if (!started_) {
    started_ = true;
    if (std::string_view(buf_.data(), end_).starts_with(kBom)) pos_ = kBom.size();
  }
  return true;
}

LineReader::LineReader(InputStream& in, std::uint64_t max_line_bytes)
    : ChunkedReader(in), max_(max_line_bytes) {}

bool LineReader::next(Line& line) {
  line = Line{};
  std::size_t scan = pos_;
  for (;;) {
    const char* nl = static_cast<const char*>(std::memchr(buf_.data() + scan, '\n', end_ - scan));
    if (nl) {
      std::size_t stop = static_cast<std::size_t>(nl - buf_.data());
      line.number = ++line_no_;
      line.offset = base_offset_ + pos_;
      std::size_t len = stop - pos_;
      line.length = len;
      if (len > max_) {
        line.too_long = true;
        line.text = std::string_view(buf_.data() + pos_, 256);
      } else {
        std::size_t tlen = len;
        if (tlen && buf_[pos_ + tlen - 1] == '\r') --tlen;
        line.text = std::string_view(buf_.data() + pos_, tlen);
      }
      pos_ = stop + 1;
      return true;
    }
    if (end_ - pos_ > max_) {
      // Too long to keep: remember its start, then discard chunks until its end.
      line.number = ++line_no_;
      line.offset = base_offset_ + pos_;
      long_head_.assign(buf_.data() + pos_, 256);
      std::uint64_t length = end_ - pos_;
      pos_ = end_;
      for (;;) {
        if (!fill()) break;
        const char* e = static_cast<const char*>(std::memchr(buf_.data(), '\n', end_));
        if (e) {
          std::size_t stop = static_cast<std::size_t>(e - buf_.data());
          length += stop;
          pos_ = stop + 1;
          break;
        }
        length += end_;
        pos_ = end_;
      }
      line.too_long = true;
      line.length = length;
      line.text = long_head_;
      return true;
    }
    std::size_t scanned = end_ - pos_;
    if (!fill()) {
      if (end_ > pos_) {  // last line without a newline
        line.number = ++line_no_;
        line.offset = base_offset_ + pos_;
        std::size_t len = end_ - pos_;
        line.length = len;
        if (len && buf_[pos_ + len - 1] == '\r') --len;
        line.text = std::string_view(buf_.data() + pos_, len);
        pos_ = end_;
        return true;
      }
      return false;
    }
    scan = pos_ + scanned;
  }
}

// ---- CsvReader ------------------------------------------------------------------------------

CsvReader::CsvReader(InputStream& in, std::uint64_t max_record_bytes, char delimiter)
    : ChunkedReader(in), max_(max_record_bytes), delim_(delimiter) {}

bool CsvReader::next(Record& rec) {
  rec.data.clear();
  rec.ends.clear();
  rec.problem = Record::Problem::kNone;
  if (pos_ == end_ && !fill()) return false;
  rec.line = line_no_;
  rec.offset = base_offset_ + pos_;
  // The parse restarts from the record's start whenever the buffer must grow, so the state
  // lives in locals; `i` indexes buf_ relative to pos_.
  std::size_t i = pos_;
  bool in_quotes = false, field_start = true, too_long = false;
  std::uint64_t lines_in_record = 0;
  for (;;) {
    if (i == end_) {
      std::size_t consumed = i - pos_;
      if (too_long) {
        pos_ = i;
        consumed = 0;
      }
      // fill() moves the unread bytes to the front of the buffer, also when it finds no more.
      bool more = fill();
      i = pos_ + consumed;
      if (!more) {
        // End of stream inside the record (a last line without a newline, or a truncation).
        if (in_quotes) rec.problem = Record::Problem::kUnterminatedQuote;
        if (too_long) rec.problem = Record::Problem::kTooLong;
        rec.ends.push_back(rec.data.size());
        if (!too_long) raw_.assign(buf_.data() + pos_, end_ - pos_);
        rec.raw = raw_;
        pos_ = end_;
        line_no_ += lines_in_record + 1;
        return true;
      }
      continue;
    }
    if (!too_long && i - pos_ > max_) {
      // Too long to keep: remember its start and skip to the end of the record, keeping
      // neither its bytes nor its field boundaries (a megabyte of commas would otherwise
      // buffer megabytes of boundaries; found by fuzzing).
      too_long = true;
      raw_.assign(buf_.data() + pos_, std::min<std::size_t>(256, i - pos_));
      rec.data.clear();
      rec.ends.clear();
    }
    char c = buf_[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 == end_) {
          // Need the next byte to tell "" from a closing quote.
          std::size_t consumed = i - pos_;
          bool more = fill();
          i = pos_ + consumed;
          if (more) continue;
          in_quotes = false;
          ++i;
          continue;
        }
        if (buf_[i + 1] == '"') {
          if (!too_long) rec.data.push_back('"');
          i += 2;
          continue;
        }
        in_quotes = false;
        ++i;
        continue;
      }
      if (c == '\n') ++lines_in_record;
      if (!too_long) rec.data.push_back(c);
      ++i;
      continue;
    }
    if (c == '"' && field_start) {
      in_quotes = true;
      field_start = false;
      ++i;
      continue;
    }
    if (c == delim_) {
      if (!too_long) rec.ends.push_back(rec.data.size());
      field_start = true;
      ++i;
      continue;
    }
    if (c == '\n' || c == '\r') {
      std::size_t stop = i;
      ++i;
      if (c == '\r') {
        if (i == end_) {
          std::size_t consumed = i - pos_, stop_at = stop - pos_;
          fill();
          i = pos_ + consumed;
          stop = pos_ + stop_at;
        }
        if (i < end_ && buf_[i] == '\n') ++i;
      }
      rec.ends.push_back(rec.data.size());
      if (!too_long) raw_.assign(buf_.data() + pos_, stop - pos_);
      rec.raw = raw_;
      pos_ = i;
      line_no_ += lines_in_record + 1;
      if (too_long) rec.problem = Record::Problem::kTooLong;
      return true;
    }
    field_start = false;
    if (!too_long) rec.data.push_back(c);
    ++i;
  }
}

void CsvHeader::assign(const CsvReader::Record& rec) {
  names_.clear();
  for (std::size_t i = 0; i < rec.size(); ++i) {
    std::string_view f = rec.field(i);
    while (!f.empty() && std::isspace(static_cast<unsigned char>(f.front()))) f.remove_prefix(1);
    while (!f.empty() && std::isspace(static_cast<unsigned char>(f.back()))) f.remove_suffix(1);
    std::string n(f);
    for (auto& ch : n) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    names_.push_back(std::move(n));
  }
}

int CsvHeader::index(std::string_view name) const {
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (names_[i].size() != name.size()) continue;
    bool eq = true;
    for (std::size_t k = 0; k < name.size() && eq; ++k)
      eq = names_[i][k] == std::tolower(static_cast<unsigned char>(name[k]));
    if (eq) return static_cast<int>(i);
  }
  return -1;
}

void split_list_cell(std::string_view cell, std::vector<std::string>& out) {
  out.clear();
  auto trim = [](std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
  };
  cell = trim(cell);
  if (cell.empty()) return;
  if (cell.front() == '[' && cell.back() == ']') {
    cell = cell.substr(1, cell.size() - 2);
    // Items separated by commas, each possibly quoted with ' or ".
    std::size_t i = 0;
    while (i < cell.size()) {
      while (i < cell.size() && (std::isspace(static_cast<unsigned char>(cell[i])) || cell[i] == ','))
        ++i;
      if (i >= cell.size()) break;
      std::string item;
      if (cell[i] == '\'' || cell[i] == '"') {
        char q = cell[i++];
        while (i < cell.size() && cell[i] != q) {
          if (cell[i] == '\\' && i + 1 < cell.size()) ++i;
          item.push_back(cell[i++]);
        }
        ++i;
      } else {
        std::size_t j = cell.find(',', i);
        if (j == std::string_view::npos) j = cell.size();
        item.assign(trim(cell.substr(i, j - i)));
        i = j;
      }
      if (!item.empty()) out.push_back(std::move(item));
    }
    return;
  }
  std::size_t i = 0;
  while (i < cell.size()) {
    while (i < cell.size() && std::isspace(static_cast<unsigned char>(cell[i]))) ++i;
    std::size_t j = i;
    while (j < cell.size() && !std::isspace(static_cast<unsigned char>(cell[j]))) ++j;
    if (j > i) out.emplace_back(cell.substr(i, j - i));
    i = j;
  }
}

std::string reject_excerpt(std::string_view raw) {
  std::string out;
  repair_utf8(utf8_prefix(raw, 200), out);
  return out;
}

}  // namespace groundswell

#include <fmt/format.h>

#include "base/time.h"

namespace groundswell {

namespace {

// Every field on its own: the record's concatenated bytes can be valid while a field is not,
// when a character's lead byte ends one field and its continuation bytes start the next.
bool fields_are_valid_utf8(const CsvReader::Record& rec) {
  if (!is_valid_utf8(rec.data)) return false;
  for (std::size_t i = 0; i + 1 < rec.size(); ++i) {
    std::size_t end = rec.ends[i];
    // A boundary can only split a character if the byte after it is a continuation byte.
    if (end < rec.data.size() && (static_cast<unsigned char>(rec.data[end]) & 0xC0) == 0x80)
      return false;
  }
  return true;
}

}  // namespace

Status CsvRowLoop::run(InputStream& in, ReadContext& ctx, void* self, RowFn row,
                       CsvHeader& header) {
  CsvReader csv(in, ctx.max_record_bytes);
  CsvReader::Record rec;
  std::string repaired;
  bool have_header = false;
  while (!ctx.stopped() && csv.next(rec)) {
    Position where{ctx.file, rec.line, rec.offset};
    if (rec.problem == CsvReader::Record::Problem::kTooLong) {
      ctx.sink->reject(where, fmt::format("record longer than {} bytes", ctx.max_record_bytes),
                       reject_excerpt(rec.raw));
      continue;
    }
    if (rec.problem == CsvReader::Record::Problem::kUnterminatedQuote) {
      ctx.sink->reject(where, "CSV: quoted field not closed before the end of the file",
                       reject_excerpt(rec.raw));
      continue;
    }
    if (rec.size() == 1 && rec.field(0).empty()) continue;  // blank line
    if (!fields_are_valid_utf8(rec)) {
      // Repair the field bytes in place; field boundaries are unchanged in count, so redo the
      // split on the repaired text field by field.
      std::vector<std::size_t> ends;
      std::string fixed, part;
      for (std::size_t i = 0; i < rec.size(); ++i) {
        repair_utf8(rec.field(i), part);
        fixed += part;
        ends.push_back(fixed.size());
      }
      rec.data = std::move(fixed);
      rec.ends = std::move(ends);
      ++ctx.utf8_repaired;
    }
    if (!have_header) {
      header.assign(rec);
      have_header = true;
      continue;
    }
    if (rec.size() != header.size()) {
      ctx.sink->reject(where,
                       fmt::format("CSV: expected {} fields as in the header, found {}",
                                   header.size(), rec.size()),
                       reject_excerpt(rec.raw));
      continue;
    }
    std::string reason = row(self, rec, header, ctx);
    if (!reason.empty()) ctx.sink->reject(where, reason, reject_excerpt(rec.raw));
  }
  if (!in.error().empty()) {
    ctx.sink->reject(Position{ctx.file, 0, 0}, in.error(), "");
  }
  return Status::Ok();
}

std::string parse_time_field(std::string_view value, std::string_view field, MessageRecord& m,
                             std::int64_t tz_offset_s) {
  if (value.empty()) return fmt::format("missing required field '{}'", field);
  ParsedTime t;
  if (!parse_time(value, t, tz_offset_s)) {
    return fmt::format("field '{}': '{}' is not a time stamp between 1970 and 2100", field,
                       utf8_prefix(value, 60));
  }
  m.time = t.ms;
  m.time_resolution_ms = t.resolution_ms;
  return {};
}

}  // namespace groundswell
