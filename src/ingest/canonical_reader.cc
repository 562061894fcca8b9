// The `canonical` format: groundswell's own JSON lines or CSV, one message a line, with the
// field names of the canonical model (docs/formats.md). Lines with "type": "account" carry
// account metadata instead of a message.
#include <fmt/format.h>

#include <charconv>

#include "base/time.h"
#include "ingest/json_line.h"
#include "ingest/json_records.h"
#include "ingest/reader_factories.h"

namespace groundswell {
namespace {

// Canonical fields read the same way from a JSON object or a CSV row.
class FieldSource {
 public:
  virtual ~FieldSource() = default;
  // False if absent/empty; sets `wrong_type` when present with a type that is not text/number.
  virtual bool text(std::string_view key, std::string& out, bool& wrong_type) = 0;
  virtual bool list(std::string_view key, std::vector<std::string>& out) = 0;
  virtual bool counter(std::string_view key, std::int64_t& out) = 0;
};

class JsonFields : public FieldSource {
 public:
  explicit JsonFields(simdjson::dom::element obj) : obj_(obj) {}
  bool text(std::string_view key, std::string& out, bool& wrong_type) override {
    out.clear();
    return json_string_or_number(obj_, key, out, wrong_type) && !out.empty();
  }
  bool list(std::string_view key, std::vector<std::string>& out) override {
    return json_string_list(obj_, key, out);
  }
  bool counter(std::string_view key, std::int64_t& out) override {
    simdjson::dom::element v;
    // "reactions" may be an object emoji -> count; the total is its sum.
    if (key == "reactions" && !obj_.at_key(key).get(v) && v.is_object()) {
      std::int64_t sum = 0;
      for (auto [k, c] : simdjson::dom::object(v)) {
        std::int64_t n;
        if (c.get_int64().get(n) || n < 0) return false;
        sum += n;
      }
      out = sum;
      return true;
    }
    return json_counter(obj_, key, out);
  }
  simdjson::dom::element obj_;
};

class CsvFields : public FieldSource {
 public:
  CsvFields(const CsvReader::Record& rec, const CsvHeader& header) : rec_(rec), header_(header) {}
  bool text(std::string_view key, std::string& out, bool& wrong_type) override {
    wrong_type = false;
    int i = header_.index(key);
    if (i < 0) return false;
    out.assign(rec_.field(static_cast<std::size_t>(i)));
    return !out.empty();
  }
  bool list(std::string_view key, std::vector<std::string>& out) override {
    out.clear();
    int i = header_.index(key);
    if (i >= 0) split_list_cell(rec_.field(static_cast<std::size_t>(i)), out);
    return true;
  }
  bool counter(std::string_view key, std::int64_t& out) override {
    out = kAbsent;
    int i = header_.index(key);
    if (i < 0) return true;
    std::string_view s = rec_.field(static_cast<std::size_t>(i));
    if (s.empty()) return true;
    std::int64_t x = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
    if (ec != std::errc() || p != s.data() + s.size() || x < 0) return false;
    out = x;
    return true;
  }

 private:
  const CsvReader::Record& rec_;
  const CsvHeader& header_;
};

// Fills `m` or `a` from canonical fields; returns a reject reason or "". Sets `is_account`
// for account lines.
std::string read_canonical(FieldSource& f, MessageRecord& m, AccountRecord& a, bool& is_account,
                           std::int64_t tz_offset_s) {
  std::string tmp;
  bool wrong = false;
  auto want_text = [&](std::string_view key, std::string& out) -> std::string {
    if (!f.text(key, out, wrong) && wrong)
      return fmt::format("field '{}' must be a string or a number", key);
    return {};
  };
  std::string reason;
  is_account = f.text("type", tmp, wrong) && tmp == "account";
  if (is_account) {
    a.clear();
    for (auto [key, out] : {std::pair{"platform", &a.platform}, {"account_id", &a.account_id},
                            {"handle", &a.handle}, {"display_name", &a.display_name},
                            {"description", &a.description}}) {
      if (!(reason = want_text(key, *out)).empty()) return reason;
    }
    if (a.platform.empty()) a.platform = "canonical";
    if (a.account_id.empty()) return "missing required field 'account_id'";
    if (f.text("created_at", tmp, wrong)) {
      ParsedTime t;
      if (!parse_time(tmp, t, tz_offset_s))
        return fmt::format("field 'created_at': '{}' is not a time stamp", tmp);
      a.created_at = t.ms;
    }
    for (auto [key, out] : {std::pair{"followers", &a.followers}, {"following", &a.following},
                            {"posts", &a.posts}}) {
      if (!f.counter(key, *out)) return fmt::format("field '{}' must be a non-negative integer", key);
    }
    if (f.text("verified", tmp, wrong)) a.verified = (tmp == "true" || tmp == "1") ? 1 : 0;
    if (f.text("kind", tmp, wrong)) {
      if (tmp == "user") a.kind = AccountKind::kUser;
      else if (tmp == "channel") a.kind = AccountKind::kChannel;
      else if (tmp == "group") a.kind = AccountKind::kGroup;
      else if (tmp == "bot") a.kind = AccountKind::kBot;
    }
    return {};
  }
  m.clear();
  for (auto [key, out] :
       {std::pair{"platform", &m.platform}, {"chat_id", &m.chat_id}, {"message_id", &m.message_id},
        {"account_id", &m.account_id}, {"account_handle", &m.account_handle},
        {"display_name", &m.display_name}, {"text", &m.text}, {"lang", &m.lang},
        {"reply_to", &m.reply_to}, {"shares", &m.shares}, {"quotes", &m.quotes},
        {"media_key", &m.media_key}}) {
    if (!(reason = want_text(key, *out)).empty()) return reason;
  }
  if (m.platform.empty()) m.platform = "canonical";
  if (m.message_id.empty()) return "missing required field 'message_id'";
  if (m.account_id.empty()) return "missing required field 'account_id'";
  if (!f.text("time", tmp, wrong)) {
    return wrong ? "field 'time' must be a string or a number" : "missing required field 'time'";
  }
  if (!(reason = parse_time_field(tmp, "time", m, tz_offset_s)).empty()) return reason;
  for (auto [key, out] : {std::pair{"urls", &m.urls}, {"hashtags", &m.hashtags},
                          {"mentions", &m.mentions}}) {
    if (!f.list(key, *out)) return fmt::format("field '{}' must be a list of strings", key);
  }
  for (auto [key, out] :
       {std::pair{"views", &m.views}, {"forwards", &m.forwards}, {"replies", &m.replies},
        {"reactions", &m.reactions}, {"likes", &m.likes}, {"retweets", &m.retweets},
        {"quotes_count", &m.quotes_count}}) {
    if (!f.counter(key, *out)) return fmt::format("field '{}' must be a non-negative integer", key);
  }
  if (f.text("kind", tmp, wrong)) {
    if (tmp == "event") m.kind = RecordKind::kEvent;
    else if (tmp != "post") return fmt::format("field 'kind' must be 'post' or 'event', not '{}'", tmp);
  }
  return {};
}

class CanonicalJsonReader : public Reader {
 public:
  Status read(InputStream& in, ReadContext& ctx) override {
    return JsonRecordLoop::run(in, ctx, this, &record);
  }

 private:
  static std::string record(void* self, simdjson::dom::element obj, const Position& where,
                            ReadContext& ctx) {
    auto* r = static_cast<CanonicalJsonReader*>(self);
    JsonFields fields(obj);
    bool is_account = false;
    std::string reason = read_canonical(fields, r->m_, r->a_, is_account, ctx.tz_offset_s);
    if (!reason.empty()) return reason;
    if (is_account) ctx.sink->account(r->a_);
    else ctx.sink->message(r->m_, where);
    return {};
  }

  MessageRecord m_;
  AccountRecord a_;
};

class CanonicalCsvReader : public CsvRowReader<CanonicalCsvReader> {
 public:
  std::string row(const CsvReader::Record& rec, const CsvHeader& header, ReadContext& ctx) {
    CsvFields fields(rec, header);
    bool is_account = false;
    std::string reason = read_canonical(fields, m_, a_, is_account, ctx.tz_offset_s);
    if (!reason.empty()) return reason;
    if (is_account) ctx.sink->account(a_);
    else ctx.sink->message(m_, Position{ctx.file, rec.line, rec.offset});
    return {};
  }

 private:
  MessageRecord m_;
  AccountRecord a_;
};

// JSON (lines or documents) or CSV, decided by the first non-blank byte.
class CanonicalReader : public Reader {
 public:
  Status read(InputStream& in, ReadContext& ctx) override {
    if (ctx.json_lines || looks_like_json(in.peek(4096)))
      return CanonicalJsonReader().read(in, ctx);
    return CanonicalCsvReader().read(in, ctx);
  }
};

}  // namespace

std::unique_ptr<Reader> make_canonical_reader() { return std::make_unique<CanonicalReader>(); }

// A CSV header naming the canonical key fields.
int sniff_canonical(std::string_view head, std::string_view) {
  if (looks_like_json(head)) return 0;
  if (head.starts_with("\xEF\xBB\xBF")) head.remove_prefix(3);
  std::size_t i = head.find_first_not_of(" \t\r\n");
  if (i == std::string_view::npos) return 0;
  std::string_view first = head.substr(i, head.find('\n', i) - i);
  return first.find("message_id") != std::string_view::npos &&
                 first.find("account_id") != std::string_view::npos &&
                 first.find("time") != std::string_view::npos &&
                 first.find("user_id") == std::string_view::npos
             ? 80
             : 0;
}

// A message (message_id and account_id) or an account line ("type": "account").
int sniff_canonical_record(simdjson::dom::element r) {
  simdjson::dom::element v;
  if (r.at_key("account_id").get(v)) return 0;
  std::string_view type;
  if (!r.at_key("message_id").get(v)) return 90;
  return !r.at_key("type").get(v) && !v.get_string().get(type) && type == "account" ? 90 : 0;
}

}  // namespace groundswell
