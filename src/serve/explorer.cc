#include "serve/explorer.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <optional>
#include <unordered_map>

#include "base/json_writer.h"
#include "base/time.h"
#include "groundswell/version.h"
#include "store/store.h"

namespace groundswell {

// ---------------------------------------------------------------------------------------
// Read-only connections, each with its prepared statements, lent to one request at a time.

class Explorer::Pool {
 public:
  struct Conn {
    Db db;
    std::unordered_map<std::string, Stmt> cache;
    // A reset statement for `sql`, prepared on first use on this connection.
    Result<Stmt*> prepared(std::string_view sql) {
      auto it = cache.find(std::string(sql));
      if (it == cache.end()) {
        Stmt s;
        GS_RETURN_IF_ERROR(db.prepare(sql, s));
        it = cache.emplace(std::string(sql), std::move(s)).first;
      } else {
        it->second.reset();
      }
      return &it->second;
    }
  };

  explicit Pool(std::string path) : path_(std::move(path)) {}

  Result<std::unique_ptr<Conn>> take() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!free_.empty()) {
        auto c = std::move(free_.back());
        free_.pop_back();
        return c;
      }
    }
    auto c = std::make_unique<Conn>();
    GS_RETURN_IF_ERROR(c->db.open(path_, /*read_only=*/true));
    GS_RETURN_IF_ERROR(c->db.exec("PRAGMA query_only=1; PRAGMA cache_size=-16384"));
    return c;
  }
  void give_back(std::unique_ptr<Conn> c) {
    for (auto& entry : c->cache) entry.second.reset();
    std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(std::move(c));
  }

 private:
  std::string path_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Conn>> free_;
};

namespace {

ApiResponse error(int status, std::string_view message) {
  JsonWriter w(false);
  w.begin_object().key("error").value(message).end_object();
  return {status, w.take()};
}

ApiResponse from_status(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
      return error(400, s.message());
    case StatusCode::kNotFound:
      return error(404, s.message());
    default:
      return error(500, s.message());
  }
}

std::optional<std::int64_t> parse_int(std::string_view s) {
  std::int64_t v = 0;
  if (s.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// "2024-03-01": the UTC day of a time.
std::string day_of(TimeMs t) {
  const TimeMs day = 86'400'000;
  return format_time_iso(t - (((t % day) + day) % day)).substr(0, 10);
}

// A keyset cursor over messages in (time, id) order: "time_ms:id" (time "-" when absent).
struct MessageKey {
  TimeMs time = kNoTime;
  std::int64_t row = 0;
};
std::string cursor_of(const MessageKey& k) {
  return k.time == kNoTime ? fmt::format("-:{}", k.row) : fmt::format("{}:{}", k.time, k.row);
}
std::optional<MessageKey> parse_cursor(std::string_view s) {
  auto colon = s.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto r = parse_int(s.substr(colon + 1));
  if (!r) return std::nullopt;
  if (s.substr(0, colon) == "-") return MessageKey{kNoTime, *r};
  auto t = parse_int(s.substr(0, colon));
  if (!t) return std::nullopt;
  return MessageKey{*t, *r};
}
bool key_less(const MessageKey& a, const MessageKey& b) {
  // Messages without a time sort last, as in the dataset.
  const bool na = a.time == kNoTime, nb = b.time == kNoTime;
  if (na != nb) return nb;
  if (a.time != b.time) return a.time < b.time;
  return a.row < b.row;
}

// JSON text stored in a column (lists, top objects, parameters), parsed and re-written, so
// that whatever the column holds, the response stays valid JSON (null when it is not JSON).
class JsonText {
 public:
  void value(JsonWriter& w, std::string_view json) {
    simdjson::dom::element doc;
    if (parse(json, doc))
      w.raw(simdjson::minify(doc));
    else
      w.null();
  }
  // Pairs [[a, b], ...] of integers (edge evidence).
  std::vector<std::pair<std::int64_t, std::int64_t>> pairs(std::string_view json) {
    std::vector<std::pair<std::int64_t, std::int64_t>> out;
    simdjson::dom::element doc;
    simdjson::dom::array a;
    if (!parse(json, doc) || doc.get_array().get(a)) return out;
    for (auto p : a) {
      simdjson::dom::array two;
      std::int64_t x = 0, y = 0;
      if (p.get_array().get(two) || two.size() != 2 || two.at(0).get_int64().get(x) ||
          two.at(1).get_int64().get(y))
        continue;
      out.emplace_back(x, y);
    }
    return out;
  }
  // The integer field `key` of a JSON object, if it is one.
  std::optional<std::int64_t> integer(std::string_view json, std::string_view key) {
    simdjson::dom::element doc;
    std::int64_t v = 0;
    if (!parse(json, doc) || doc.at_key(key).get_int64().get(v)) return std::nullopt;
    return v;
  }

 private:
  bool parse(std::string_view json, simdjson::dom::element& doc) {
    if (json.empty()) return false;
    padded_ = simdjson::padded_string(json);
    return !parser_.parse(padded_).get(doc);
  }
  simdjson::dom::parser parser_;
  simdjson::padded_string padded_;
};

void time_or_null(JsonWriter& w, const Stmt& s, int i) {
  if (s.column_is_null(i))
    w.null();
  else
    w.value(format_time_iso(s.column_int64(i)));
}
// Seconds from `from` to `to`, or null when either time is unknown.
void seconds_or_null(JsonWriter& w, TimeMs from, TimeMs to) {
  if (from != kNoTime && to != kNoTime)
    w.value(static_cast<double>(to - from) / 1000.0);
  else
    w.null();
}
void finite_or_null(JsonWriter& w, double v) {
  if (std::isfinite(v))
    w.value(v);
  else
    w.null();
}

bool is_json_column(std::string_view name) {
  return name == "top_objects" || name == "parameters" || name == "stats" || name == "urls" ||
         name == "hashtags" || name == "mentions" || name == "reactions_detail" ||
         name == "verdict_evidence" || name.ends_with("_json");
}

// Every column of the current row by name and SQLite type: columns a later schema adds (a
// cluster verdict, ...) reach the page without a change here. Times (`*_time_ms`) gain an
// ISO twin, columns named in `times` (ms) are written as ISO times; JSON columns as values.
void write_row(JsonWriter& w, Stmt& s, JsonText& json,
               std::initializer_list<std::string_view> skip = {},
               std::initializer_list<std::string_view> times = {}) {
  const int n = sqlite3_column_count(s.raw());
  for (int i = 0; i < n; ++i) {
    std::string_view name = sqlite3_column_name(s.raw(), i);
    if (std::find(skip.begin(), skip.end(), name) != skip.end()) continue;
    w.key(name);
    if (std::find(times.begin(), times.end(), name) != times.end()) {
      time_or_null(w, s, i);
      continue;
    }
    switch (sqlite3_column_type(s.raw(), i)) {
      case SQLITE_NULL:
        w.null();
        break;
      case SQLITE_INTEGER:
        w.value(s.column_int64(i));
        break;
      case SQLITE_FLOAT:
        w.value(s.column_double(i));
        break;
      default:
        if (is_json_column(name))
          json.value(w, s.column_text(i));
        else
          w.value(s.column_text(i));
    }
    if (name.ends_with("_time_ms")) {
      w.key(std::string(name.substr(0, name.size() - 3)));
      time_or_null(w, s, i);
    }
  }
}

constexpr std::string_view kAccountSql =
    "SELECT id, platform, account_id, handle, display_name FROM accounts WHERE id = ?";

// A message with its author's names; `time_ms` gains its ISO twin `time`, `kind` is 0 for a
// post and 1 for a service event.
constexpr std::string_view kMessageSql =
    "SELECT m.id, m.platform, m.chat_id, m.message_id, m.account, a.account_id, a.handle, "
    "a.display_name, m.time_ms, m.kind, m.text, m.lang, m.reply_to, m.shares, m.quotes, m.urls, "
    "m.hashtags, m.mentions, m.media_key, m.views, m.forwards, m.replies, m.reactions, m.likes, "
    "m.retweets FROM messages m LEFT JOIN accounts a ON a.id = m.account WHERE m.id = ?";

const std::vector<Behaviour>& all_behaviours() {
  static const std::vector<Behaviour> all = [] {
    std::vector<Behaviour> v;
    for (int i = 0; i < kBehaviourCount; ++i) v.push_back(static_cast<Behaviour>(i));
    return v;
  }();
  return all;
}

std::optional<Behaviour> behaviour_of(std::string_view name) {
  for (Behaviour b : all_behaviours())
    if (behaviour_name(b) == name) return b;
  return std::nullopt;
}

// Closes an answer paged by offset: "next" is the offset after this page (`end`), or null on
// the last page of `total` rows.
ApiResponse finish_offset_page(JsonWriter& w, std::size_t end, std::size_t total) {
  w.key("next");
  if (end < total)
    w.value(static_cast<std::uint64_t>(end));
  else
    w.null();
  w.end_object();
  return {200, w.take()};
}

}  // namespace

// ---------------------------------------------------------------------------------------
// One request: its connection, its parameters, the index as it was when it started.

struct Explorer::Request {
  Pool* pool = nullptr;
  std::unique_ptr<Pool::Conn> conn;
  const ApiQuery* query = nullptr;
  std::shared_ptr<const ServeIndex> index;
  JsonText json;

  Request() = default;
  Request(const Request&) = delete;
  Request& operator=(const Request&) = delete;
  ~Request() {
    if (conn) pool->give_back(std::move(conn));
  }

  Result<Stmt*> sql(std::string_view text) { return conn->prepared(text); }

  std::optional<std::string_view> param(std::string_view name) const {
    auto it = query->find(name);
    if (it == query->end()) return std::nullopt;
    return std::string_view(it->second);
  }
  // An integer parameter: `fallback` when absent, an error when malformed or out of range.
  Result<std::int64_t> integer(std::string_view name, std::int64_t fallback, std::int64_t lo = 0,
                               std::int64_t hi = INT64_MAX) const {
    auto p = param(name);
    if (!p || p->empty()) return fallback;
    auto v = parse_int(*p);
    if (!v || *v < lo || *v > hi)
      return Status::InvalidArgument(
          fmt::format("parameter '{}' must be an integer from {} to {}", name, lo, hi));
    return *v;
  }
  Result<std::size_t> limit() const {
    auto v = integer("limit", static_cast<std::int64_t>(kDefaultPage), 1,
                     static_cast<std::int64_t>(kMaxPage));
    if (!v) return v.status();
    return static_cast<std::size_t>(*v);
  }
  Result<std::size_t> offset() const {
    auto v = integer("offset", 0, 0, 1'000'000'000);
    if (!v) return v.status();
    return static_cast<std::size_t>(*v);
  }

  // The detection asked for (`detection=N`), else the latest; 0 when the store has none.
  Result<std::int64_t> detection(std::string_view name = "detection") {
    auto asked = integer(name, 0, 1);
    if (!asked) return asked.status();
    auto s =
        sql(*asked ? "SELECT id FROM detections WHERE id = ?" : "SELECT max(id) FROM detections");
    if (!s) return s.status();
    if (*asked) (*s)->bind_int64(1, *asked);
    if ((*s)->step() != Stmt::kRow || (*s)->column_is_null(0)) {
      if (*asked) return Status::NotFound(fmt::format("no detection {}", *asked));
      return std::int64_t{0};
    }
    return (*s)->column_int64(0);
  }

  // The rows of `s` (which asks for limit + 1) as an array of objects under `name`, then
  // "next": the key (column `key_column`) of the last row written when another page follows.
  void keyset_rows(JsonWriter& w, std::string_view name, Stmt& s, std::size_t limit, int key_column,
                   std::initializer_list<std::string_view> skip = {}) {
    w.key(name).begin_array();
    std::size_t rows = 0;
    std::int64_t last = 0;
    bool more = false;
    while (s.step() == Stmt::kRow) {
      if (rows == limit) {
        more = true;
        break;
      }
      w.begin_object();
      write_row(w, s, json, skip);
      w.end_object();
      last = s.column_int64(key_column);
      ++rows;
    }
    w.end_array().key("next");
    if (more)
      w.value(std::to_string(last));
    else
      w.null();
  }

  // Every column of the row `text` finds by its one parameter, `id`, as an object (then
  // more(w) adds fields); null when there is none.
  template <typename More>
  Status row_object(JsonWriter& w, std::string_view text, std::int64_t id, More more) {
    auto s = sql(text);
    if (!s) return s.status();
    (*s)->bind_int64(1, id);
    if ((*s)->step() != Stmt::kRow) {
      w.null();
      return Status::Ok();
    }
    w.begin_object();
    write_row(w, **s, json);
    more(w);
    w.end_object();
    return Status::Ok();
  }

  // {id, platform, account_id, handle, display_name[, messages, score]} of accounts.id `row`.
  Status account_brief(JsonWriter& w, std::int64_t row) {
    return row_object(w, kAccountSql, row, [&](JsonWriter& out) {
      auto i = index ? index->account_index(row) : std::nullopt;
      if (!i) return;
      out.key("messages").value(static_cast<std::int64_t>(index->account_message_count(*i)));
      out.key("score");
      finite_or_null(out, index->signals().score[*i]);
    });
  }

  // The message with messages.id `id`, every field.
  Status message(JsonWriter& w, std::int64_t id) {
    return row_object(w, kMessageSql, id, [](JsonWriter&) {});
  }

  // A page of messages by their index positions (from ServeIndex). With `offsets`, each is
  // wrapped as {offset_s, message}: seconds from `origin` (null when either time is unknown).
  Status message_page(JsonWriter& w, std::span<const std::uint32_t> page, bool offsets = false,
                      TimeMs origin = kNoTime) {
    w.begin_array();
    for (std::uint32_t m : page) {
      if (offsets) {
        w.begin_object().key("offset_s");
        seconds_or_null(w, origin, index->message_time(m));
        w.key("message");
      }
      GS_RETURN_IF_ERROR(message(w, index->message_row(m)));
      if (offsets) w.end_object();
    }
    w.end_array();
    return Status::Ok();
  }

  // Keyset paging over a list of message indices in (time, id) order: the page after the
  // `cursor` parameter, and the cursor of the next page ("" at the end).
  Result<std::pair<std::span<const std::uint32_t>, std::string>> keyset_page(
      std::span<const std::uint32_t> list) const {
    auto lim = limit();
    if (!lim) return lim.status();
    std::size_t begin = 0;
    if (auto c = param("cursor"); c && !c->empty()) {
      auto key = parse_cursor(*c);
      if (!key) return Status::InvalidArgument("parameter 'cursor' is malformed");
      auto it = std::upper_bound(
          list.begin(), list.end(), *key, [&](const MessageKey& k, std::uint32_t m) {
            return key_less(k, {index->message_time(m), index->message_row(m)});
          });
      begin = static_cast<std::size_t>(it - list.begin());
    }
    const std::size_t end = std::min(list.size(), begin + *lim);
    std::string next;
    if (end < list.size() && end > begin)
      next = cursor_of({index->message_time(list[end - 1]), index->message_row(list[end - 1])});
    return std::make_pair(list.subspan(begin, end - begin), next);
  }

  // Posts per UTC day of the given message lists, as [{day, messages}] in day order.
  void timeline(JsonWriter& w, const std::vector<std::span<const std::uint32_t>>& lists) const {
    std::vector<std::int64_t> days;
    for (auto list : lists)
      for (std::uint32_t m : list) {
        const TimeMs t = index->message_time(m);
        if (t != kNoTime) days.push_back((t >= 0 ? t : t - 86'399'999) / 86'400'000);
      }
    std::sort(days.begin(), days.end());
    w.begin_array();
    for (std::size_t i = 0; i < days.size();) {
      std::size_t j = i;
      while (j < days.size() && days[j] == days[i]) ++j;
      w.begin_object().key("day").value(day_of(days[i] * 86'400'000));
      w.key("messages").value(static_cast<std::int64_t>(j - i)).end_object();
      i = j;
    }
    w.end_array();
  }
};

// ---------------------------------------------------------------------------------------

Explorer::Explorer(std::string db_path)
    : db_path_(std::move(db_path)), pool_(std::make_unique<Pool>(db_path_)) {}

Explorer::~Explorer() = default;

void Explorer::set_index(std::shared_ptr<const ServeIndex> index) {
  std::lock_guard<std::mutex> lock(mutex_);
  index_ = std::move(index);
  state_ = IndexState{"ready", 1.0, ""};
}

void Explorer::set_index_state(const IndexState& state) {
  std::lock_guard<std::mutex> lock(mutex_);
  state_ = state;
}

void Explorer::set_job_hooks(JobHooks hooks) {
  std::lock_guard<std::mutex> lock(mutex_);
  hooks_ = std::move(hooks);
}

std::shared_ptr<const ServeIndex> Explorer::index() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return index_;
}

IndexState Explorer::index_state() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return state_;
}

namespace {

// "/api/accounts/42/messages" -> {"accounts", "42", "messages"}.
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    auto slash = path.find('/');
    std::string_view part = path.substr(0, slash);
    if (!part.empty()) parts.push_back(part);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

}  // namespace

ApiResponse Explorer::handle(std::string_view method, std::string_view path, const ApiQuery& query,
                             std::string_view body) {
  auto parts = split_path(path);
  if (parts.empty() || parts[0] != "api") return error(404, "no such endpoint");
  parts.erase(parts.begin());
  JobHooks hooks;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    hooks = hooks_;
  }
  if (method == "POST") {
    if (parts.size() == 1 && parts[0] == "detections") {
      if (!hooks.submit) return error(403, "re-running detection is not available on this server");
      return hooks.submit(body);
    }
    return error(405, "only GET here");
  }
  if (method != "GET") return error(405, "only GET and POST");
  if (parts.size() == 2 && parts[0] == "jobs") {
    if (!hooks.job) return error(404, "no jobs on this server");
    return hooks.job(parts[1]);
  }

  Request r;
  r.pool = pool_.get();
  r.query = &query;
  r.index = index();
  auto conn = pool_->take();
  if (!conn) return from_status(conn.status());
  r.conn = std::move(*conn);

  auto id_at = [&](std::size_t i) -> std::optional<std::int64_t> {
    if (parts.size() <= i) return std::nullopt;
    return parse_int(parts[i]);
  };
  const std::size_t n = parts.size();
  if (n == 1 && parts[0] == "status") return status(r);
  if (n == 1 && parts[0] == "search") return search(r);
  if (n == 1 && parts[0] == "evidence") return evidence(r);
  if (n == 1 && parts[0] == "objects") return object(r);
  if (n == 1 && parts[0] == "detections") return detections(r);
  if (n == 1 && parts[0] == "clusters") return clusters(r);
  if (n == 1 && parts[0] == "compare") return compare(r);
  if (n == 2 && parts[0] == "compare" && parts[1] == "accounts") return compare_accounts(r);
  if (n == 1 && parts[0] == "actors") return actors(r, hooks);
  if (parts[0] == "accounts" && n >= 2) {
    auto row = id_at(1);
    if (!row) return error(404, "accounts are addressed by their number (accounts.id)");
    if (n == 2) return account(r, *row);
    if (n == 3 && parts[2] == "messages") return account_messages(r, *row);
    if (n == 3 && parts[2] == "partners") return account_partners(r, *row);
  }
  if (parts[0] == "messages" && n == 2) {
    auto id = id_at(1);
    if (!id) return error(404, "messages are addressed by their number (messages.id)");
    return message(r, *id);
  }
  if (parts[0] == "clusters" && n >= 2) {
    auto c = id_at(1);
    if (!c) return error(404, "clusters are addressed by their number");
    if (n == 2) return cluster(r, *c);
    if (n == 3 && parts[2] == "members") return cluster_members(r, *c);
    if (n == 3 && parts[2] == "edges") return cluster_edges(r, *c);
    if (n == 3 && parts[2] == "reposts") return cluster_reposts(r, *c);
  }
  return error(404, "no such endpoint");
}

// ---------------------------------------------------------------------------------------

#define GS_TRY(var, expr)                                       \
  auto var##_result = (expr);                                   \
  if (!var##_result) return from_status(var##_result.status()); \
  auto& var = *var##_result

#define GS_TRY_STATUS(expr)                     \
  do {                                          \
    ::groundswell::Status gs_s_ = (expr);       \
    if (!gs_s_.ok()) return from_status(gs_s_); \
  } while (0)

namespace {

ApiResponse needs_index(const IndexState& state) {
  JsonWriter w(false);
  w.begin_object()
      .key("error")
      .value(state.stage == "failed"
                 ? "the server could not index the store: " + state.error
                 : std::string("the server is still reading the store; try again in a moment"))
      .key("index")
      .begin_object()
      .key("stage")
      .value(state.stage)
      .key("fraction")
      .value(state.fraction)
      .end_object()
      .end_object();
  return {state.stage == "failed" ? 500 : 503, w.take()};
}

}  // namespace

ApiResponse Explorer::status(Request& r) {
  JsonWriter w(false);
  const IndexState state = index_state();
  w.begin_object().key("version").value(kVersion);
  std::string name = db_path_;
  if (auto slash = name.find_last_of('/'); slash != std::string::npos)
    name = name.substr(slash + 1);
  w.key("database").value(name);
  GS_TRY(version, r.conn->db.query_int64("PRAGMA user_version"));
  w.key("schema_version").value(version);
  GS_TRY(accounts, r.conn->db.query_int64("SELECT count(*) FROM accounts"));
  w.key("accounts").value(accounts);
  w.key("messages");
  if (r.index)
    w.value(static_cast<std::uint64_t>(r.index->messages()));
  else
    w.null();
  GS_TRY(latest, r.detection());
  w.key("detection");
  if (latest)
    w.value(latest);
  else
    w.null();
  w.key("index")
      .begin_object()
      .key("stage")
      .value(state.stage)
      .key("fraction")
      .value(state.fraction);
  if (!state.error.empty()) w.key("error").value(state.error);
  w.end_object();
  JobHooks hooks;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    hooks = hooks_;
  }
  w.key("rerun").value(static_cast<bool>(hooks.submit));
  w.key("job");
  if (hooks.current)
    hooks.current(w);
  else
    w.null();
  w.key("behaviours").begin_array();
  for (Behaviour b : all_behaviours()) w.value(behaviour_name(b));
  w.end_array();
  w.end_object();
  return {200, w.take()};
}

ApiResponse Explorer::search(Request& r) {
  if (!r.index) return needs_index(index_state());
  auto q = r.param("q");
  if (!q || q->empty()) return error(400, "give q: an account id, handle or name");
  if (q->size() > 256) return error(400, "q is longer than 256 bytes");
  GS_TRY(limit, r.limit());
  GS_TRY(offset, r.offset());
  SearchResult found = r.index->search(*q, limit, offset);
  JsonWriter w(false);
  // Counted exactly up to kSearchCount hits; beyond, "total" is null and "at_least" says how
  // many are known.
  w.begin_object().key("query").value(*q).key("total");
  if (found.total)
    w.value(static_cast<std::uint64_t>(*found.total));
  else
    w.null();
  w.key("at_least").value(static_cast<std::uint64_t>(found.at_least));
  w.key("offset").value(static_cast<std::uint64_t>(offset));
  w.key("results").begin_array();
  for (const SearchHit& h : found.hits) {
    w.begin_object().key("match").value(search_match_name(h.match)).key("account");
    GS_TRY_STATUS(r.account_brief(w, r.index->account_row(h.account)));
    w.end_object();
  }
  w.end_array();
  w.key("next");
  if (found.more)
    w.value(static_cast<std::uint64_t>(offset + found.hits.size()));
  else
    w.null();
  w.end_object();
  return {200, w.take()};
}

ApiResponse Explorer::account(Request& r, std::int64_t row) {
  GS_TRY(s, r.sql("SELECT * FROM accounts WHERE id = ?"));
  s->bind_int64(1, row);
  if (s->step() != Stmt::kRow) return error(404, fmt::format("no account {}", row));
  JsonWriter w(false);
  w.begin_object().key("account").begin_object();
  write_row(w, *s, r.json, {}, {"created_at"});
  w.end_object();

  std::optional<std::uint32_t> a;
  if (r.index) a = r.index->account_index(row);
  w.key("index_ready").value(static_cast<bool>(r.index));
  if (a) {
    auto posts = r.index->messages_of(*a);
    w.key("messages").value(static_cast<std::uint64_t>(posts.size()));
    w.key("first_time");
    if (!posts.empty() && r.index->message_time(posts.front()) != kNoTime)
      w.value(format_time_iso(r.index->message_time(posts.front())));
    else
      w.null();
    w.key("last_time");
    TimeMs last = kNoTime;
    for (auto it = posts.rbegin(); it != posts.rend() && last == kNoTime; ++it)
      last = r.index->message_time(*it);
    if (last != kNoTime)
      w.value(format_time_iso(last));
    else
      w.null();
    w.key("timeline");
    r.timeline(w, {posts});
    const SignalTable& sig = r.index->signals();
    const AccountSignals& as = sig.accounts[*a];
    w.key("signals").begin_object().key("score");
    finite_or_null(w, sig.score[*a]);
    w.key("reasons").value(sig.reasons[*a]);
    w.key("threshold").value(0.7);
    w.key("items").begin_array();
    for (int k = 0; k < kSignalCount; ++k) {
      w.begin_object().key("name").value(signal_name(static_cast<Signal>(k)));
      w.key("score");
      finite_or_null(w, as.score[static_cast<std::size_t>(k)]);
      w.key("strength").value(sig.options.strength[static_cast<std::size_t>(k)]);
      w.end_object();
    }
    w.end_array();
    w.key("figures").begin_object();
    w.key("burst_accounts").value(as.burst_accounts);
    w.key("office_offset").value(format_utc_offset(as.office_offset_minutes));
    for (auto [name, value] :
         {std::pair<const char*, double>{"median_age_days", as.median_age_days},
          {"posts_per_day", as.posts_per_day},
          {"burstiness", as.burstiness},
          {"gap_entropy", as.gap_entropy},
          {"office_fraction", as.office_fraction},
          {"lunch_dip", as.lunch_dip},
          {"forward_share", as.forward_share},
          {"duplicate_share", as.duplicate_share},
          {"follower_ratio", as.follower_ratio},
          {"channel_err", as.channel_err}}) {
      w.key(name);
      finite_or_null(w, value);
    }
    // Posts per UTC hour and per UTC weekday (0 = Monday).
    std::array<std::int64_t, 24> hours{};
    std::array<std::int64_t, 7> weekdays{};
    for (std::uint32_t m : posts) {
      const TimeMs t = r.index->message_time(m);
      if (t == kNoTime) continue;
      const std::int64_t hour = floor_div(t, 3'600'000);
      ++hours[static_cast<std::size_t>(hour - floor_div(hour, 24) * 24)];
      ++weekdays[static_cast<std::size_t>(weekday_of(t))];
    }
    w.key("hour_profile").begin_array();
    for (auto v : hours) w.value(v);
    w.end_array().key("weekday_profile").begin_array();
    for (auto v : weekdays) w.value(v);
    w.end_array().end_object().end_object();
  }

  GS_TRY(detection, r.detection());
  w.key("detection");
  if (detection)
    w.value(detection);
  else
    w.null();
  w.key("cluster");
  if (detection) {
    GS_TRY(c, r.sql("SELECT m.coordination_degree, c.* FROM detection_cluster_accounts m JOIN "
                    "detection_clusters c ON c.detection_id = m.detection_id AND c.cluster_id = "
                    "m.cluster_id WHERE m.detection_id = ? AND m.account = ?"));
    c->bind_int64(1, detection);
    c->bind_int64(2, row);
    if (c->step() == Stmt::kRow) {
      w.begin_object();
      write_row(w, *c, r.json, {"detection_id"});
      w.end_object();
    } else {
      w.null();
    }
    GS_TRY(b, r.sql("SELECT behaviour, count(*) AS edges, sum(kept) AS kept FROM (SELECT "
                    "behaviour, kept FROM detection_edges WHERE detection_id = ?1 AND source = ?2 "
                    "UNION ALL SELECT behaviour, kept FROM detection_edges WHERE detection_id = ?1 "
                    "AND target = ?2) GROUP BY behaviour ORDER BY behaviour"));
    b->bind_int64(1, detection);
    b->bind_int64(2, row);
    w.key("partners").begin_array();
    while (b->step() == Stmt::kRow) {
      w.begin_object();
      write_row(w, *b, r.json);
      w.end_object();
    }
    w.end_array();
  } else {
    w.null().key("partners").begin_array().end_array();
  }
  w.end_object();
  return {200, w.take()};
}

ApiResponse Explorer::account_messages(Request& r, std::int64_t row) {
  if (!r.index) return needs_index(index_state());
  auto a = r.index->account_index(row);
  if (!a) return error(404, fmt::format("no account {}", row));
  auto posts = r.index->messages_of(*a);
  GS_TRY(page, r.keyset_page(posts));
  JsonWriter w(false);
  w.begin_object().key("account").value(row);
  w.key("total").value(static_cast<std::uint64_t>(posts.size()));
  w.key("messages");
  GS_TRY_STATUS(r.message_page(w, page.first));
  w.key("next");
  if (page.second.empty())
    w.null();
  else
    w.value(page.second);
  w.end_object();
  return {200, w.take()};
}

ApiResponse Explorer::account_partners(Request& r, std::int64_t row) {
  GS_TRY(detection, r.detection());
  GS_TRY(limit, r.limit());
  GS_TRY(offset, r.offset());
  auto behaviour = r.param("behaviour");
  const bool all = !behaviour || behaviour->empty();
  JsonWriter w(false);
  w.begin_object().key("account").value(row).key("detection");
  if (!detection) {
    w.null().key("total").value(0).key("partners").begin_array().end_array();
    w.key("next").null().end_object();
    return {200, w.take()};
  }
  w.value(detection);
  // Both ends of the edge through the two indexes (source, target), strongest kept first.
  const std::string where = all ? "" : " AND behaviour = ?3";
  GS_TRY(count, r.sql("SELECT (SELECT count(*) FROM detection_edges WHERE detection_id = ?1 AND "
                      "source = ?2" +
                      where +
                      ") + (SELECT count(*) FROM detection_edges WHERE "
                      "detection_id = ?1 AND target = ?2" +
                      where + ")"));
  count->bind_int64(1, detection);
  count->bind_int64(2, row);
  if (!all) count->bind_text(3, *behaviour);
  const std::int64_t total = count->step() == Stmt::kRow ? count->column_int64(0) : 0;
  const std::string columns =
      "source, target, behaviour, weight, pairs, objects, median_delay_s, p_value, kept, "
      "first_time_ms, last_time_ms";
  GS_TRY(s, r.sql("SELECT target AS partner, " + columns +
                  " FROM detection_edges WHERE detection_id = ?1 AND source = ?2" + where +
                  " UNION ALL SELECT source AS partner, " + columns +
                  " FROM detection_edges WHERE detection_id = ?1 AND target = ?2" + where +
                  " ORDER BY kept DESC, weight DESC, partner, behaviour LIMIT ?4 OFFSET ?5"));
  s->bind_int64(1, detection);
  s->bind_int64(2, row);
  if (!all) s->bind_text(3, *behaviour);
  s->bind_int64(4, static_cast<std::int64_t>(limit));
  s->bind_int64(5, static_cast<std::int64_t>(offset));
  w.key("total").value(total).key("offset").value(static_cast<std::uint64_t>(offset));
  w.key("partners").begin_array();
  std::size_t rows = 0;
  Stmt::StepResult step;
  while ((step = s->step()) == Stmt::kRow) {
    w.begin_object().key("partner");
    GS_TRY_STATUS(r.account_brief(w, s->column_int64(0)));
    write_row(w, *s, r.json, {"partner"});
    w.end_object();
    ++rows;
  }
  if (step == Stmt::kError) return error(500, "database: " + s->error());
  w.end_array();
  return finish_offset_page(w, offset + rows, static_cast<std::size_t>(total));
}

ApiResponse Explorer::evidence(Request& r) {
  GS_TRY(detection, r.detection());
  if (!detection) return error(404, "the store holds no detection");
  GS_TRY(source, r.integer("source", -1, 0));
  GS_TRY(target, r.integer("target", -1, 0));
  auto behaviour = r.param("behaviour");
  if (source < 0 || target < 0 || !behaviour)
    return error(400, "give source, target and behaviour: the edge whose evidence to show");
  GS_TRY(limit, r.limit());
  GS_TRY(offset, r.offset());
  GS_TRY(s, r.sql("SELECT behaviour, weight, pairs, objects, median_delay_s, mean_delay_s, "
                  "p_value, kept, first_time_ms, last_time_ms, evidence FROM detection_edges WHERE "
                  "detection_id = ? AND source = ? AND target = ? AND behaviour = ?"));
  s->bind_int64(1, detection);
  s->bind_int64(2, source);
  s->bind_int64(3, target);
  s->bind_text(4, *behaviour);
  if (s->step() != Stmt::kRow) return error(404, "no such edge in this detection");
  JsonWriter w(false);
  w.begin_object().key("detection").value(detection).key("edge").begin_object();
  write_row(w, *s, r.json, {"evidence"});
  auto pairs = r.json.pairs(s->column_text(10));
  w.key("source");
  GS_TRY_STATUS(r.account_brief(w, source));
  w.key("target");
  GS_TRY_STATUS(r.account_brief(w, target));
  w.end_object();
  w.key("total").value(static_cast<std::uint64_t>(pairs.size()));
  w.key("offset").value(static_cast<std::uint64_t>(offset));
  w.key("pairs").begin_array();
  // Message times come with the messages; the offset is target minus source.
  GS_TRY(t, r.sql("SELECT time_ms FROM messages WHERE id = ?"));
  auto time_of = [&](std::int64_t id) -> TimeMs {
    t->reset();
    t->bind_int64(1, id);
    if (t->step() != Stmt::kRow || t->column_is_null(0)) return kNoTime;
    return t->column_int64(0);
  };
  for (std::size_t i = offset; i < pairs.size() && i < offset + limit; ++i) {
    w.begin_object();
    w.key("offset_s");
    seconds_or_null(w, time_of(pairs[i].first), time_of(pairs[i].second));
    w.key("source");
    GS_TRY_STATUS(r.message(w, pairs[i].first));
    w.key("target");
    GS_TRY_STATUS(r.message(w, pairs[i].second));
    w.end_object();
  }
  w.end_array();
  return finish_offset_page(w, offset + limit, pairs.size());
}

ApiResponse Explorer::message(Request& r, std::int64_t id) {
  JsonWriter w(false);
  w.begin_object().key("message");
  GS_TRY_STATUS(r.message(w, id));
  w.end_object();
  std::string body = w.take();
  if (body == "{\"message\":null}") return error(404, fmt::format("no message {}", id));
  return {200, std::move(body)};
}

ApiResponse Explorer::clusters(Request& r) {
  GS_TRY(detection, r.detection());
  GS_TRY(limit, r.limit());
  GS_TRY(after, r.integer("cursor", 0, 0));
  JsonWriter w(false);
  w.begin_object().key("detection");
  if (!detection) {
    w.null().key("total").value(0).key("clusters").begin_array().end_array();
    w.key("next").null().end_object();
    return {200, w.take()};
  }
  w.value(detection);
  GS_TRY(count, r.sql("SELECT count(*) FROM detection_clusters WHERE detection_id = ?"));
  count->bind_int64(1, detection);
  w.key("total").value(count->step() == Stmt::kRow ? count->column_int64(0) : 0);
  GS_TRY(s, r.sql("SELECT * FROM detection_clusters WHERE detection_id = ? AND cluster_id > ? "
                  "ORDER BY cluster_id LIMIT ?"));
  s->bind_int64(1, detection);
  s->bind_int64(2, after);
  s->bind_int64(3, static_cast<std::int64_t>(limit) + 1);
  r.keyset_rows(w, "clusters", *s, limit, 1, {"detection_id"});
  w.end_object();
  return {200, w.take()};
}

ApiResponse Explorer::cluster(Request& r, std::int64_t cluster_id) {
  GS_TRY(detection, r.detection());
  if (!detection) return error(404, "the store holds no detection");
  GS_TRY(s, r.sql("SELECT * FROM detection_clusters WHERE detection_id = ? AND cluster_id = ?"));
  s->bind_int64(1, detection);
  s->bind_int64(2, cluster_id);
  if (s->step() != Stmt::kRow)
    return error(404, fmt::format("no cluster {} in detection {}", cluster_id, detection));
  JsonWriter w(false);
  w.begin_object().key("detection").value(detection).key("cluster").begin_object();
  write_row(w, *s, r.json, {"detection_id"});
  w.end_object();
  // Members' figures from the index: mean score, posts per day of all members.
  GS_TRY(m, r.sql("SELECT account FROM detection_cluster_accounts WHERE detection_id = ? AND "
                  "cluster_id = ? ORDER BY account"));
  m->bind_int64(1, detection);
  m->bind_int64(2, cluster_id);
  std::vector<std::int64_t> members;
  while (m->step() == Stmt::kRow) members.push_back(m->column_int64(0));
  w.key("members").value(static_cast<std::uint64_t>(members.size()));
  w.key("index_ready").value(static_cast<bool>(r.index));
  if (r.index) {
    std::vector<std::span<const std::uint32_t>> lists;
    double score_sum = 0;
    std::size_t scored = 0;
    for (std::int64_t row : members) {
      auto a = r.index->account_index(row);
      if (!a) continue;
      lists.push_back(r.index->messages_of(*a));
      double sc = r.index->signals().score[*a];
      if (std::isfinite(sc)) {
        score_sum += sc;
        ++scored;
      }
    }
    w.key("mean_score");
    if (scored)
      w.value(score_sum / static_cast<double>(scored));
    else
      w.null();
    w.key("timeline");
    r.timeline(w, lists);
  }
  w.end_object();
  return {200, w.take()};
}

ApiResponse Explorer::cluster_members(Request& r, std::int64_t cluster_id) {
  GS_TRY(detection, r.detection());
  if (!detection) return error(404, "the store holds no detection");
  GS_TRY(limit, r.limit());
  GS_TRY(after, r.integer("cursor", 0, 0));
  GS_TRY(s, r.sql("SELECT account, coordination_degree FROM detection_cluster_accounts WHERE "
                  "detection_id = ? AND cluster_id = ? AND account > ? ORDER BY account LIMIT ?"));
  s->bind_int64(1, detection);
  s->bind_int64(2, cluster_id);
  s->bind_int64(3, after);
  s->bind_int64(4, static_cast<std::int64_t>(limit) + 1);
  std::vector<std::pair<std::int64_t, std::int64_t>> rows;
  while (s->step() == Stmt::kRow) rows.emplace_back(s->column_int64(0), s->column_int64(1));
  const bool more = rows.size() > limit;
  if (more) rows.pop_back();
  JsonWriter w(false);
  w.begin_object().key("detection").value(detection).key("cluster").value(cluster_id);
  w.key("members").begin_array();
  for (const auto& [row, degree] : rows) {
    w.begin_object().key("coordination_degree").value(degree).key("account");
    GS_TRY_STATUS(r.account_brief(w, row));
    w.end_object();
  }
  w.end_array().key("next");
  if (more)
    w.value(std::to_string(rows.back().first));
  else
    w.null();
  w.end_object();
  return {200, w.take()};
}

ApiResponse Explorer::cluster_edges(Request& r, std::int64_t cluster_id) {
  GS_TRY(detection, r.detection());
  if (!detection) return error(404, "the store holds no detection");
  GS_TRY(limit, r.limit());
  GS_TRY(offset, r.offset());
  // Kept edges between two members, strongest first, in the order read once per detection
  // (edge_order.h); the page reads its own rows by rowid.
  GS_TRY(order, edge_order(r.conn->db, detection));
  const std::span<const std::int64_t> list = order->edges(cluster_id);
  GS_TRY(s, r.sql("SELECT source, target, behaviour, weight, pairs, objects, median_delay_s, "
                  "p_value FROM detection_edges WHERE rowid = ?"));
  JsonWriter w(false);
  w.begin_object().key("detection").value(detection).key("cluster").value(cluster_id);
  w.key("edges").begin_array();
  const std::size_t end = std::min(list.size(), offset + limit);
  for (std::size_t i = offset; i < end; ++i) {
    s->reset();
    s->bind_int64(1, list[i]);
    if (s->step() != Stmt::kRow) return error(500, "database: " + s->error());
    w.begin_object().key("source");
    GS_TRY_STATUS(r.account_brief(w, s->column_int64(0)));
    w.key("target");
    GS_TRY_STATUS(r.account_brief(w, s->column_int64(1)));
    write_row(w, *s, r.json, {"source", "target"});
    w.end_object();
  }
  w.end_array();
  w.key("total").value(static_cast<std::uint64_t>(list.size()));
  w.key("offset").value(static_cast<std::uint64_t>(offset));
  return finish_offset_page(w, std::max(end, offset), list.size());
}

ApiResponse Explorer::cluster_reposts(Request& r, std::int64_t cluster_id) {
  if (!r.index) return needs_index(index_state());
  GS_TRY(detection, r.detection());
  if (!detection) return error(404, "the store holds no detection");
  GS_TRY(limit, r.limit());
  GS_TRY(offset, r.offset());
  GS_TRY(s, r.sql("SELECT verdict_evidence FROM detection_clusters WHERE detection_id = ? AND "
                  "cluster_id = ?"));
  s->bind_int64(1, detection);
  s->bind_int64(2, cluster_id);
  if (s->step() != Stmt::kRow)
    return error(404, fmt::format("no cluster {} in detection {}", cluster_id, detection));
  // The source the group test flagged members of (accounts.id), if it flagged any.
  const std::int64_t source_row =
      s->column_is_null(0) ? -1 : r.json.integer(s->column_text(0), "fired_source").value_or(-1);
  const std::optional<std::uint32_t> source = r.index->account_index(source_row);
  // Every member's re-posts of the source's posts, in (time, id) order.
  std::vector<std::uint32_t> reposts;
  if (source) {
    GS_TRY(m, r.sql("SELECT account FROM detection_cluster_accounts WHERE detection_id = ? AND "
                    "cluster_id = ?"));
    m->bind_int64(1, detection);
    m->bind_int64(2, cluster_id);
    while (m->step() == Stmt::kRow) {
      auto a = r.index->account_index(m->column_int64(0));
      if (!a) continue;
      for (std::uint32_t x : r.index->messages_of(*a)) {
        auto post = r.index->reposted(x);
        if (post && r.index->message_account(*post) == *source) reposts.push_back(x);
      }
    }
    std::sort(reposts.begin(), reposts.end());
  }
  JsonWriter w(false);
  w.begin_object().key("detection").value(detection).key("cluster").value(cluster_id);
  w.key("source");
  if (source)
    GS_TRY_STATUS(r.account_brief(w, source_row));
  else
    w.null();
  w.key("total").value(static_cast<std::uint64_t>(reposts.size()));
  w.key("offset").value(static_cast<std::uint64_t>(offset));
  w.key("pairs").begin_array();
  for (std::size_t i = offset; i < reposts.size() && i < offset + limit; ++i) {
    const std::uint32_t x = reposts[i], post = *r.index->reposted(x);
    w.begin_object().key("offset_s");
    seconds_or_null(w, r.index->message_time(post), r.index->message_time(x));
    w.key("source");
    GS_TRY_STATUS(r.message(w, r.index->message_row(post)));
    w.key("target");
    GS_TRY_STATUS(r.message(w, r.index->message_row(x)));
    w.end_object();
  }
  w.end_array();
  return finish_offset_page(w, offset + limit, reposts.size());
}

Result<std::shared_ptr<const ClusterEdgeOrder>> Explorer::edge_order(Db& db,
                                                                     std::int64_t detection) {
  auto cached = [&]() -> std::shared_ptr<const ClusterEdgeOrder> {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = edge_orders_.find(detection);
    return it == edge_orders_.end() ? nullptr : it->second;
  };
  if (auto order = cached()) return order;
  std::lock_guard<std::mutex> reading(edge_order_mutex_);
  if (auto order = cached()) return order;  // read meanwhile by another request
  auto loaded = ClusterEdgeOrder::load(db, detection);
  if (!loaded) return loaded.status();
  auto order = std::make_shared<const ClusterEdgeOrder>(std::move(*loaded));
  std::lock_guard<std::mutex> lock(mutex_);
  edge_orders_.emplace(detection, order);
  return order;
}

Status Explorer::prepare_detection(std::int64_t detection) {
  auto conn = pool_->take();
  if (!conn) return conn.status();
  auto order = edge_order((*conn)->db, detection);
  pool_->give_back(std::move(*conn));
  return order.status();
}

Status Explorer::prepare_stored_detections() {
  std::vector<std::int64_t> ids;
  {
    auto conn = pool_->take();
    if (!conn) return conn.status();
    Stmt s;
    Status st = (*conn)->db.prepare("SELECT id FROM detections ORDER BY id DESC", s);
    while (st.ok() && s.step() == Stmt::kRow) ids.push_back(s.column_int64(0));
    s = Stmt();
    pool_->give_back(std::move(*conn));
    GS_RETURN_IF_ERROR(st);
  }
  // The latest first: it is the one pages open by default.
  for (std::int64_t id : ids) GS_RETURN_IF_ERROR(prepare_detection(id));
  return Status::Ok();
}

ApiResponse Explorer::object(Request& r) {
  if (!r.index) return needs_index(index_state());
  auto name = r.param("behaviour");
  if (!name)
    return error(400, "give behaviour (link, domain, hashtag, mention, share, reply, text, media)");
  auto b = behaviour_of(*name);
  if (!b || !ServeIndex::indexed(*b))
    return error(400, fmt::format("behaviour '{}' has no object pages; use link, domain, "
                                  "hashtag, mention, share, reply, text or media",
                                  *name));
  std::string key;
  if (auto k = r.param("key"); k && !k->empty()) {
    if (k->size() > 65536) return error(400, "key is longer than 64 KiB");
    key.assign(*k);
  } else {
    // The object of one message: its text, share, reply or media key, or its first link,
    // hashtag or mention (item=N for another).
    GS_TRY(id, r.integer("message", -1, 0));
    if (id < 0) return error(400, "give key (the object) or message (a message carrying it)");
    GS_TRY(item, r.integer("item", 0, 0, 10000));
    GS_TRY(s, r.sql("SELECT text, shares, reply_to, media_key, urls, hashtags, mentions FROM "
                    "messages WHERE id = ?"));
    s->bind_int64(1, id);
    if (s->step() != Stmt::kRow) return error(404, fmt::format("no message {}", id));
    auto list_item = [&](int column) -> std::string {
      simdjson::dom::parser p;
      simdjson::padded_string text(s->column_text(column));
      simdjson::dom::element doc;
      simdjson::dom::array a;
      std::string_view v;
      if (p.parse(text).get(doc) || doc.get_array().get(a) ||
          a.at(static_cast<std::size_t>(item)).get_string().get(v))
        return {};
      return std::string(v);
    };
    switch (*b) {
      case Behaviour::kText:
        key = s->column_text(0);
        break;
      case Behaviour::kShare:
        key = s->column_text(1);
        break;
      case Behaviour::kReply:
        key = s->column_text(2);
        break;
      case Behaviour::kMedia:
        key = s->column_text(3);
        break;
      case Behaviour::kLink:
      case Behaviour::kDomain:
        key = list_item(4);
        break;
      case Behaviour::kHashtag:
        key = list_item(5);
        break;
      case Behaviour::kMention:
        key = list_item(6);
        break;
      default:
        break;
    }
    if (key.empty()) return error(404, fmt::format("message {} has no {}", id, *name));
  }
  std::string canonical;
  native_object_key(*b, key, canonical);
  const std::span<const std::uint32_t> list = r.index->object_messages(*b, key);
  // Distinct authors: one flag per account (a hashtag can have a million posts).
  std::vector<bool> seen(r.index->accounts());
  std::size_t accounts = 0;
  for (std::uint32_t m : list) {
    const std::uint32_t a = r.index->message_account(m);
    if (a != kNoAccount && !seen[a]) {
      seen[a] = true;
      ++accounts;
    }
  }
  GS_TRY(page, r.keyset_page(list));
  JsonWriter w(false);
  w.begin_object().key("behaviour").value(*name).key("key").value(canonical);
  w.key("total").value(static_cast<std::uint64_t>(list.size()));
  w.key("accounts").value(static_cast<std::uint64_t>(accounts));
  const TimeMs first = list.empty() ? kNoTime : r.index->message_time(list.front());
  w.key("first_time");
  if (first != kNoTime)
    w.value(format_time_iso(first));
  else
    w.null();
  w.key("last_time");
  if (!list.empty() && r.index->message_time(list.back()) != kNoTime)
    w.value(format_time_iso(r.index->message_time(list.back())));
  else
    w.null();
  w.key("messages");
  GS_TRY_STATUS(r.message_page(w, page.first, /*offsets=*/true, first));
  w.key("next");
  if (page.second.empty())
    w.null();
  else
    w.value(page.second);
  w.end_object();
  return {200, w.take()};
}

ApiResponse Explorer::detections(Request& r) {
  GS_TRY(limit, r.limit());
  GS_TRY(before, r.integer("cursor", INT64_MAX, 1));
  GS_TRY(s,
         r.sql("SELECT d.id, d.run_id, d.created_at, d.compat, d.parameters, d.seed, d.edges, "
               "d.kept_edges, d.clusters, d.leiden_quality, (SELECT count(*) FROM "
               "detection_cluster_accounts m WHERE m.detection_id = d.id) AS coordinated_accounts, "
               "r.command, r.status, r.seconds FROM detections d LEFT JOIN runs r ON r.id = "
               "d.run_id WHERE d.id < ? ORDER BY d.id DESC LIMIT ?"));
  s->bind_int64(1, before);
  s->bind_int64(2, static_cast<std::int64_t>(limit) + 1);
  JsonWriter w(false);
  w.begin_object();
  r.keyset_rows(w, "detections", *s, limit, 0);
  w.end_object();
  return {200, w.take()};
}

namespace {

// accounts.id -> cluster id of one detection's clustered accounts, in account order.
Result<std::vector<std::pair<std::int64_t, std::int64_t>>> memberships(Stmt& s,
                                                                       std::int64_t detection) {
  s.bind_int64(1, detection);
  std::vector<std::pair<std::int64_t, std::int64_t>> out;
  Stmt::StepResult step;
  while ((step = s.step()) == Stmt::kRow) out.emplace_back(s.column_int64(0), s.column_int64(1));
  if (step == Stmt::kError) return Status::IoError("database: " + s.error());
  s.reset();
  return out;
}

constexpr std::string_view kMembershipSql =
    "SELECT account, cluster_id FROM detection_cluster_accounts WHERE detection_id = ? ORDER BY "
    "account";

}  // namespace

ApiResponse Explorer::compare(Request& r) {
  GS_TRY(a, r.detection("a"));
  GS_TRY(b, r.detection("b"));
  if (!a || !b || !r.param("a") || !r.param("b"))
    return error(400, "give a and b: the two detections to compare");
  JsonWriter w(false);
  w.begin_object();
  GS_TRY(d, r.sql("SELECT id, created_at, parameters, edges, kept_edges, clusters FROM detections "
                  "WHERE id = ?"));
  for (auto [name, id] : {std::pair<const char*, std::int64_t>{"a", a}, {"b", b}}) {
    d->reset();
    d->bind_int64(1, id);
    if (d->step() != Stmt::kRow) return error(404, fmt::format("no detection {}", id));
    w.key(name).begin_object();
    write_row(w, *d, r.json);
    w.end_object();
  }
  GS_TRY(s, r.sql(kMembershipSql));
  GS_TRY(ma, memberships(*s, a));
  GS_TRY(mb, memberships(*s, b));
  // Accounts clustered in both, in a only, in b only (both lists are in account order).
  std::size_t both = 0;
  std::unordered_map<std::int64_t, std::int64_t> cluster_b;
  for (auto& [acc, c] : mb) cluster_b.emplace(acc, c);
  std::map<std::int64_t, std::map<std::int64_t, std::int64_t>>
      overlap;  // a cluster -> b cluster -> n
  std::map<std::int64_t, std::int64_t> size_a, size_b;
  for (auto& [acc, c] : ma) {
    ++size_a[c];
    auto it = cluster_b.find(acc);
    if (it != cluster_b.end()) {
      ++both;
      ++overlap[c][it->second];
    }
  }
  for (auto& [acc, c] : mb) ++size_b[c];
  w.key("accounts").begin_object();
  w.key("a").value(static_cast<std::uint64_t>(ma.size()));
  w.key("b").value(static_cast<std::uint64_t>(mb.size()));
  w.key("both").value(static_cast<std::uint64_t>(both));
  w.key("only_a").value(static_cast<std::uint64_t>(ma.size() - both));
  w.key("only_b").value(static_cast<std::uint64_t>(mb.size() - both));
  w.end_object();
  // Each cluster of a with the cluster of b sharing most of its accounts (Jaccard index).
  w.key("clusters").begin_array();
  for (auto& [ca, n] : size_a) {
    w.begin_object().key("a_cluster").value(ca).key("a_accounts").value(n);
    std::int64_t best = 0, shared = 0;
    double jaccard = 0;
    if (auto it = overlap.find(ca); it != overlap.end()) {
      for (auto& [cb, k] : it->second) {
        double j = static_cast<double>(k) / static_cast<double>(n + size_b[cb] - k);
        if (j > jaccard) {
          jaccard = j;
          best = cb;
          shared = k;
        }
      }
    }
    w.key("b_cluster");
    if (best)
      w.value(best);
    else
      w.null();
    w.key("b_accounts");
    if (best)
      w.value(size_b[best]);
    else
      w.null();
    w.key("shared").value(shared).key("jaccard").value(jaccard).end_object();
  }
  w.end_array();
  w.end_object();
  return {200, w.take()};
}

ApiResponse Explorer::compare_accounts(Request& r) {
  GS_TRY(a, r.detection("a"));
  GS_TRY(b, r.detection("b"));
  if (!a || !b || !r.param("a") || !r.param("b"))
    return error(400, "give a and b: the two detections to compare");
  auto side = r.param("side").value_or("a");
  if (side != "a" && side != "b") return error(400, "side is a (clustered only in a) or b");
  GS_TRY(limit, r.limit());
  GS_TRY(offset, r.offset());
  GS_TRY(s, r.sql(kMembershipSql));
  GS_TRY(ma, memberships(*s, a));
  GS_TRY(mb, memberships(*s, b));
  const auto& mine = side == "a" ? ma : mb;
  const auto& other = side == "a" ? mb : ma;
  std::vector<std::pair<std::int64_t, std::int64_t>> only;
  std::size_t j = 0;
  for (const auto& [acc, c] : mine) {
    while (j < other.size() && other[j].first < acc) ++j;
    if (j < other.size() && other[j].first == acc) continue;
    only.emplace_back(acc, c);
  }
  JsonWriter w(false);
  w.begin_object().key("side").value(side).key("total").value(
      static_cast<std::uint64_t>(only.size()));
  w.key("offset").value(static_cast<std::uint64_t>(offset));
  w.key("accounts").begin_array();
  for (std::size_t i = offset; i < only.size() && i < offset + limit; ++i) {
    w.begin_object().key("cluster").value(only[i].second).key("account");
    GS_TRY_STATUS(r.account_brief(w, only[i].first));
    w.end_object();
  }
  w.end_array();
  return finish_offset_page(w, offset + limit, only.size());
}

ApiResponse Explorer::actors(Request& r, const JobHooks& hooks) {
  // Support figures at the selected detection: stored, or computed once (serve/support.h).
  GS_TRY(detection, r.detection());
  if (!detection || !hooks.support) {
    JsonWriter w(false);
    w.begin_object()
        .key("available")
        .value(false)
        .key("state")
        .value(detection ? "no_actors" : "no_detection")
        .end_object();
    return {200, w.take()};
  }
  return hooks.support(detection, r.conn->db);
}

}  // namespace groundswell
