#include "store/dataset.h"

#include <fmt/format.h>
#include <simdjson.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_sort.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <numeric>
#include <optional>
#include <span>

#include "base/hash.h"
#include "base/log.h"
#include "base/uint128.h"
#include "base/utf8.h"
#include "store/dataset_cache.h"
#include "store/store.h"
#include "text/normalize.h"

namespace groundswell {

std::size_t Dataset::bytes() const {
  std::size_t b = account_row.size() * (8 * 4) + account_platform.bytes() + account_id.bytes() +
                  account_handle.bytes() + account_display_name.bytes() +
                  account_description.bytes() + account_kind.bytes();
  b += msg_row.size() * (8 + 4 + 8 + 4 + 6 * 8 + 8 + 2 + 2);
  b += msg_platform.bytes() + msg_chat_id.bytes() + msg_message_id.bytes() + msg_shares.bytes() +
       msg_reply_to.bytes() + msg_quotes.bytes() + msg_media_key.bytes() + msg_lang.bytes() +
       msg_text.bytes();
  return b;
}

TextKey text_key(std::string_view text, std::string& scratch) {
  TextKey k;
  if (text.empty()) return k;
  normalize_key(text, NormalizeOptions{}, scratch);
  if (scratch.empty()) return k;
  const auto capped = [](std::size_t v) {
    return static_cast<std::uint16_t>(std::min<std::size_t>(v, kTextKeyCountCap));
  };
  k.hash = XXH3_64bits_withSeed(scratch.data(), scratch.size(), kTextKeySeed);
  k.bytes = capped(scratch.size());
  k.tokens = capped(key_token_count(scratch));
  return k;
}

void compute_text_keys(Dataset& d) {
  const std::size_t n = d.messages();
  d.msg_text_key.assign(n, 0);
  d.msg_text_key_bytes.assign(n, 0);
  d.msg_text_key_tokens.assign(n, 0);
  if (d.msg_text.size() != n) return;
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, 4096),
                    [&](const tbb::blocked_range<std::size_t>& r) {
                      std::string scratch;
                      for (std::size_t m = r.begin(); m != r.end(); ++m) {
                        const TextKey k = text_key(d.msg_text[m], scratch);
                        d.msg_text_key[m] = k.hash;
                        d.msg_text_key_bytes[m] = k.bytes;
                        d.msg_text_key_tokens[m] = k.tokens;
                      }
                    });
}

void StringColumn::permute(std::span<const std::uint32_t> order) {
  StringColumn out;
  out.offsets_.reserve(order.size() + 1);
  std::uint64_t end = 0;
  out.offsets_.push_back(end);
  for (const std::uint32_t i : order) out.offsets_.push_back(end += offsets_[i + 1] - offsets_[i]);
  out.chars_.resize(end);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, order.size(), 4096),
                    [&](const tbb::blocked_range<std::size_t>& r) {
                      for (std::size_t k = r.begin(); k != r.end(); ++k)
                        out.set(k, (*this)[order[k]]);
                    });
  *this = std::move(out);
}

namespace {

std::int64_t count_or_absent(const Stmt& s, int i) {
  return s.column_is_null(i) ? kAbsent : s.column_int64(i);
}

// Lists are stored as JSON arrays of strings by MessageWriter.
void add_list(ListColumn& col, std::string_view json, simdjson::dom::parser& parser,
              std::string& scratch) {
  col.begin_row();
  if (!json.empty()) {
    scratch.assign(json);
    simdjson::dom::element doc;
    if (parser.parse(scratch).get(doc) == simdjson::SUCCESS) {
      simdjson::dom::array arr;
      if (doc.get_array().get(arr) == simdjson::SUCCESS) {
        for (auto v : arr) {
          std::string_view sv;
          if (v.get_string().get(sv) == simdjson::SUCCESS) col.add(sv);
        }
      }
    }
  }
  col.end_row();
}

// Whether row x of d goes before row y: by time, then by id, messages without a time last.
auto time_before(const Dataset& d) {
  return [&d](std::uint32_t x, std::uint32_t y) {
    const bool nx = d.msg_time[x] == kNoTime, ny = d.msg_time[y] == kNoTime;
    if (nx != ny) return ny;
    if (d.msg_time[x] != d.msg_time[y]) return d.msg_time[x] < d.msg_time[y];
    return d.msg_row[x] < d.msg_row[y];
  };
}

// Every message column but the text made of the rows `order` names, in that order, one column
// at a time, so the extra memory is one column's; the text keys too when they are there.
void gather(Dataset& d, std::span<const std::uint32_t> order) {
  auto permute = [&](auto& v) {
    std::remove_reference_t<decltype(v)> out;
    out.reserve(order.size());
    for (std::uint32_t i : order) out.push_back(v[i]);
    v = std::move(out);
  };
  permute(d.msg_row);
  permute(d.msg_account);
  permute(d.msg_time);
  permute(d.msg_time_resolution_ms);
  for (auto* v : {&d.msg_views, &d.msg_forwards, &d.msg_replies, &d.msg_reactions, &d.msg_likes,
                  &d.msg_retweets})
    permute(*v);
  for (auto* c : {&d.msg_platform, &d.msg_chat_id, &d.msg_message_id, &d.msg_shares,
                  &d.msg_reply_to, &d.msg_quotes, &d.msg_media_key, &d.msg_lang})
    c->permute(order);
  for (auto* c : {&d.msg_urls, &d.msg_hashtags, &d.msg_mentions}) c->permute(order);
  if (!d.msg_text_key.empty()) {  // keys worked out before the order (IngestedColumns)
    permute(d.msg_text_key);
    permute(d.msg_text_key_bytes);
    permute(d.msg_text_key_tokens);
  }
}

// Messages in (time, id) order, messages without a time last. Rows arrive in id order. Returns
// the order (row i of the result was row order[i]); the text column is left to the caller.
std::vector<std::uint32_t> sort_by_time(Dataset& d) {
  const std::size_t n = d.messages();
  std::vector<std::uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  if (std::is_sorted(order.begin(), order.end(), time_before(d))) return order;
  // time_before() as one integer per row, sorted in place of indices compared through the
  // columns (a cache miss per comparison): no time above every time, then the time (its bits
  // ordered as unsigned), then the row's place, which is its id's order (rows arrive in it).
  std::vector<Uint128> keys(n);
  tbb::parallel_for(std::size_t{0}, n, [&](std::size_t i) {
    const TimeMs t = d.msg_time[i];
    const Uint128 high =
        t == kNoTime ? Uint128{1} << 64 : Uint128{static_cast<std::uint64_t>(t) ^ (1ULL << 63)};
    keys[i] = (high << 32) | i;
  });
  tbb::parallel_sort(keys.begin(), keys.end());
  for (std::size_t i = 0; i < n; ++i) order[i] = static_cast<std::uint32_t>(keys[i]);
  release(keys);
  gather(d, order);
  return order;
}

}  // namespace

namespace {

// Each account's dense index from its accounts.id. The accounts are read in id order
// (read_accounts), so an id's index is its place among their ids: found at once where the ids
// run without gaps (as a store's do unless accounts were deleted), else by binary search.
class AccountIndex {
 public:
  explicit AccountIndex(std::span<const std::int64_t> rows) : rows_(rows) {}
  std::uint32_t operator()(std::int64_t id) const {
    if (rows_.empty()) return kNoAccount;
    const std::uint64_t guess =
        static_cast<std::uint64_t>(id) - static_cast<std::uint64_t>(rows_.front());
    if (guess < rows_.size() && rows_[guess] == id) return static_cast<std::uint32_t>(guess);
    const auto it = std::lower_bound(rows_.begin(), rows_.end(), id);
    return it != rows_.end() && *it == id ? static_cast<std::uint32_t>(it - rows_.begin())
                                          : kNoAccount;
  }

 private:
  std::span<const std::int64_t> rows_;
};

// The messages of one id range, read in id order: every column but the text, and each text's
// length in bytes.
struct MessagePart {
  std::int64_t lo = 0, hi = 0;   // ids, inclusive
  std::size_t rows_at_most = 0;  // the rows its ids can hold, at most the store's messages
  Dataset d;                     // message columns only
  std::vector<std::uint32_t> text_length;
};

// The message columns a load reads, from column 0 (the id) to 20 (retweets) of kMessageColumns;
// 21 is the text's length in bytes.
constexpr std::string_view kMessageColumns =
    "id, account, time_ms, time_resolution_ms, platform, chat_id, message_id, shares, reply_to, "
    "quotes, media_key, lang, urls, hashtags, mentions, views, forwards, replies, reactions, "
    "likes, retweets, length(CAST(text AS BLOB))";

// The row `s` has stepped to (kMessageColumns) appended to d's message columns but the text.
void add_message_row(const Stmt& s, const AccountIndex& index_of, Dataset& d,
                     simdjson::dom::parser& parser, std::string& scratch) {
  d.msg_row.push_back(s.column_int64(0));
  d.msg_account.push_back(s.column_is_null(1) ? kNoAccount : index_of(s.column_int64(1)));
  d.msg_time.push_back(s.column_is_null(2) ? kNoTime : s.column_int64(2));
  d.msg_time_resolution_ms.push_back(
      s.column_is_null(3) ? 0 : static_cast<std::int32_t>(s.column_int64(3)));
  d.msg_platform.push_back(s.column_text(4));
  d.msg_chat_id.push_back(s.column_text(5));
  d.msg_message_id.push_back(s.column_text(6));
  d.msg_shares.push_back(s.column_text(7));
  d.msg_reply_to.push_back(s.column_text(8));
  d.msg_quotes.push_back(s.column_text(9));
  d.msg_media_key.push_back(s.column_text(10));
  d.msg_lang.push_back(s.column_text(11));
  add_list(d.msg_urls, s.column_text(12), parser, scratch);
  add_list(d.msg_hashtags, s.column_text(13), parser, scratch);
  add_list(d.msg_mentions, s.column_text(14), parser, scratch);
  d.msg_views.push_back(count_or_absent(s, 15));
  d.msg_forwards.push_back(count_or_absent(s, 16));
  d.msg_replies.push_back(count_or_absent(s, 17));
  d.msg_reactions.push_back(count_or_absent(s, 18));
  d.msg_likes.push_back(count_or_absent(s, 19));
  d.msg_retweets.push_back(count_or_absent(s, 20));
}

Status read_messages(Db& db, const AccountIndex& index_of, MessagePart& part) {
  Dataset& d = part.d;
  // Room for every row the range can hold (no more than the store's messages), so no column
  // of fixed-size values grows: room not filled is address space, not memory. The strings'
  // bytes grow as they come (summing their lengths first took a scan of its own, a fifth of
  // the CPU of loading narrow rows).
  const std::size_t n = part.rows_at_most;
  for (auto* v : {&d.msg_row, &d.msg_time, &d.msg_views, &d.msg_forwards, &d.msg_replies,
                  &d.msg_reactions, &d.msg_likes, &d.msg_retweets})
    v->reserve(n);
  d.msg_account.reserve(n);
  d.msg_time_resolution_ms.reserve(n);
  for (auto* c : {&d.msg_platform, &d.msg_chat_id, &d.msg_message_id, &d.msg_shares,
                  &d.msg_reply_to, &d.msg_quotes, &d.msg_media_key, &d.msg_lang})
    c->reserve(n);
  for (auto* c : {&d.msg_urls, &d.msg_hashtags, &d.msg_mentions}) c->reserve(n);
  part.text_length.reserve(n);
  Stmt s;
  // Read in id order (the table's own order, no SQLite sort: sorting 10M rows with every
  // column in SQLite's sorter held several GB at once) and put in time order afterwards.
  GS_RETURN_IF_ERROR(db.prepare(fmt::format("SELECT {} FROM messages WHERE kind = 0 AND id "
                                            "BETWEEN ?1 AND ?2 ORDER BY id",
                                            kMessageColumns),
                                s));
  s.bind_int64(1, part.lo);
  s.bind_int64(2, part.hi);
  simdjson::dom::parser parser;
  std::string scratch;
  Stmt::StepResult r;
  while ((r = s.step()) == Stmt::kRow) {
    add_message_row(s, index_of, d, parser, scratch);
    part.text_length.push_back(
        static_cast<std::uint32_t>(std::max<std::int64_t>(0, s.column_int64(21))));
  }
  if (r == Stmt::kError) return Status::IoError("database: " + s.error());
  return Status::Ok();
}

// The texts of the messages with ids in [lo, hi] into their sorted places: the message read
// k-th in id order (first = how many the earlier ranges hold) goes to row position[first + k];
// the range must hold n messages.
Status read_texts(Db& db, std::int64_t lo, std::int64_t hi, std::size_t n, std::size_t first,
                  std::span<const std::uint32_t> position, StringColumn& text) {
  Stmt s;
  GS_RETURN_IF_ERROR(db.prepare(
      "SELECT text FROM messages WHERE kind = 0 AND id BETWEEN ?1 AND ?2 ORDER BY id", s));
  s.bind_int64(1, lo);
  s.bind_int64(2, hi);
  std::size_t k = 0;
  Stmt::StepResult r;
  while ((r = s.step()) == Stmt::kRow) {
    if (k >= n || !text.set(position[first + k], s.column_text(0)))
      return Status::IoError("database: messages changed while being loaded");
    ++k;
  }
  if (r == Stmt::kError) return Status::IoError("database: " + s.error());
  if (k != n) return Status::IoError("database: messages changed while being loaded");
  return Status::Ok();
}

// The vector `of(part)` of every part appended to `out` in part order, each freed once copied.
template <typename T, typename Of>
void append_parts(std::vector<T>& out, std::vector<MessagePart>& parts, Of of) {
  std::size_t n = 0;
  for (auto& p : parts) n += of(p).size();
  out.reserve(out.size() + n);
  for (auto& p : parts) {
    std::vector<T>& v = of(p);
    out.insert(out.end(), v.begin(), v.end());
    std::vector<T>().swap(v);
  }
}

// The parts' message columns concatenated into d's in part order (id order), each part's
// column freed once copied, so the extra memory is one column's.
void concatenate(std::vector<MessagePart>& parts, Dataset& d) {
  auto vectors = [&](auto member) {
    append_parts(
        d.*member, parts, [&](MessagePart & p) -> auto& { return p.d.*member; });
  };
  auto strings = [&](StringColumn Dataset::*member) {
    StringColumn& out = d.*member;
    std::size_t n = 0, chars = 0;
    for (const auto& p : parts) {
      n += (p.d.*member).size();
      chars += (p.d.*member).chars();
    }
    out.reserve(n, chars);
    for (auto& p : parts) {
      out.append(p.d.*member);
      release(p.d.*member);
    }
  };
  auto lists = [&](ListColumn Dataset::*member) {
    ListColumn& out = d.*member;
    std::size_t n = 0, items = 0, chars = 0;
    for (const auto& p : parts) {
      n += (p.d.*member).size();
      items += (p.d.*member).items();
      chars += (p.d.*member).chars();
    }
    out.reserve(n, items, chars);
    for (auto& p : parts) {
      out.append(p.d.*member);
      release(p.d.*member);
    }
  };
  vectors(&Dataset::msg_row);
  vectors(&Dataset::msg_account);
  vectors(&Dataset::msg_time);
  vectors(&Dataset::msg_time_resolution_ms);
  for (auto m : {&Dataset::msg_platform, &Dataset::msg_chat_id, &Dataset::msg_message_id,
                 &Dataset::msg_shares, &Dataset::msg_reply_to, &Dataset::msg_quotes,
                 &Dataset::msg_media_key, &Dataset::msg_lang})
    strings(m);
  for (auto m : {&Dataset::msg_urls, &Dataset::msg_hashtags, &Dataset::msg_mentions}) lists(m);
  for (auto m : {&Dataset::msg_views, &Dataset::msg_forwards, &Dataset::msg_replies,
                 &Dataset::msg_reactions, &Dataset::msg_likes, &Dataset::msg_retweets})
    vectors(m);
}

// What the cache file must have been built from: the store's data version, the number of
// messages and accounts and their largest ids, read in the load's transaction. The data
// version catches every change groundswell makes and every update or delete (triggers); the
// counts and largest ids catch rows inserted by other programs, wherever their ids fall. No data
// version (a read-only store of a schema before version 7): no cache.
//
// With `known` (a key read moments before in this process, e.g. by the connection a parallel
// load starts from) that agrees on every other field, its number of messages is taken rather
// than counted again: counting the rows of `messages` reads the whole table when the message
// key's index is not there (a store after a single bulk load, docs/schema.md, "Bulk load").
std::optional<DatasetCacheKey> cache_key(Db& db, int schema_version,
                                         const DatasetCacheKey* known = nullptr) {
  auto has = db.query_int64(
      "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'store_state'");
  if (!has || *has == 0) return std::nullopt;
  DatasetCacheKey key;
  Stmt s;
  if (!db.prepare("SELECT data_version, (SELECT max(id) FROM messages), "
                  "(SELECT max(id) FROM accounts), (SELECT count(*) FROM accounts) "
                  "FROM store_state WHERE id = 1",
                  s)
           .ok() ||
      s.step() != Stmt::kRow)
    return std::nullopt;
  key.data_version = std::string(s.column_text(0));
  key.max_message_id = s.column_is_null(1) ? 0 : s.column_int64(1);
  key.max_account_id = s.column_is_null(2) ? 0 : s.column_int64(2);
  key.account_rows = s.column_int64(3);
  key.schema_version = schema_version;
  if (key.data_version.empty()) return std::nullopt;
  if (known != nullptr) {
    key.message_rows = known->message_rows;
    if (key == *known) return key;
  }
  auto rows = db.query_int64("SELECT count(*) FROM messages");
  if (!rows) return std::nullopt;
  key.message_rows = *rows;
  return key;
}

// Every account into d's account columns, in id order.
Status read_accounts(Db& db, Dataset& d) {
  Stmt s;
  GS_RETURN_IF_ERROR(db.prepare(
      "SELECT id, platform, account_id, handle, display_name, description, kind, created_at, "
      "followers, following FROM accounts ORDER BY id",
      s));
  Stmt::StepResult r;
  while ((r = s.step()) == Stmt::kRow) {
    d.account_row.push_back(s.column_int64(0));
    d.account_platform.push_back(s.column_text(1));
    d.account_id.push_back(s.column_text(2));
    d.account_handle.push_back(s.column_text(3));
    d.account_display_name.push_back(s.column_text(4));
    d.account_description.push_back(s.column_text(5));
    d.account_kind.push_back(s.column_text(6));
    d.account_created_at.push_back(s.column_is_null(7) ? kNoTime : s.column_int64(7));
    d.account_followers.push_back(count_or_absent(s, 8));
    d.account_following.push_back(count_or_absent(s, 9));
  }
  if (r == Stmt::kError) return Status::IoError("database: " + s.error());
  return Status::Ok();
}

// Reads the columns from the store. With `key` (the store's cache key in the caller's read
// transaction) and a file to open, the messages are read in id ranges, one per thread, each by
// a read-only connection of its own whose snapshot must have the same key (else, as without a
// key, every range is read by the caller's connection). The result is the same either way.
Result<Dataset> load_from_store(Store& store, const DatasetOptions& options,
                                const std::optional<DatasetCacheKey>& key) {
  Dataset d;
  Db& db = store.db();
  GS_RETURN_IF_ERROR(read_accounts(db, d));
  const AccountIndex index_of(d.account_row);
  // Id ranges of about equal size, one per thread (SQLite reads one row at a time per
  // connection: at 10M messages the load was one core's work).
  std::vector<MessagePart> parts;
  {
    Stmt s;
    // Each aggregate on its own: SQLite finds a lone min() or max() of the key at the end of
    // the table and counts the rows page by page, but scans every row for min() and max()
    // together.
    GS_RETURN_IF_ERROR(
        db.prepare("SELECT (SELECT min(id) FROM messages), (SELECT max(id) FROM "
                   "messages), (SELECT count(*) FROM messages)",
                   s));
    if (s.step() != Stmt::kRow) return Status::IoError("database: " + s.error());
    const std::int64_t lo = s.column_is_null(0) ? 1 : s.column_int64(0);
    const std::int64_t hi = s.column_is_null(1) ? 0 : s.column_int64(1);
    const auto rows = static_cast<std::uint64_t>(std::max<std::int64_t>(0, s.column_int64(2)));
    const bool parallel = key && !store.path().empty() && hi > lo;
    const std::int64_t k = parallel ? std::max(1, tbb::this_task_arena::max_concurrency()) : 1;
    const std::int64_t step = (hi - lo + k) / k;
    for (std::int64_t i = 0; i < k; ++i) {
      MessagePart p;
      p.lo = lo + i * step;
      p.hi = i + 1 == k ? std::max(hi, lo) : lo + (i + 1) * step - 1;
      const std::uint64_t span =
          static_cast<std::uint64_t>(p.hi) - static_cast<std::uint64_t>(p.lo);
      p.rows_at_most = static_cast<std::size_t>(std::min(rows, span + 1));
      parts.push_back(std::move(p));
    }
  }
  // Each part's work on a connection of its own, in a read transaction whose snapshot must
  // be the caller's (the same key). When it is not (another program wrote the store since the
  // caller's transaction began), when a connection cannot be opened, or with a single part,
  // the parts are read one after the other on the caller's connection, `reset` undoing what
  // the parallel attempt did.
  auto on_each_part = [&](auto&& work, auto&& reset) -> Status {
    if (parts.size() > 1) {
      std::vector<Status> status(parts.size());
      std::atomic<bool> changed{false};
      tbb::parallel_for(std::size_t{0}, parts.size(), [&](std::size_t i) {
        Db own;
        status[i] = [&]() -> Status {
          if (!own.open(store.path().string(), /*read_only=*/true).ok() ||
              !own.exec("BEGIN").ok()) {
            changed = true;
            return Status::Ok();
          }
          const auto seen = cache_key(own, key->schema_version, &*key);
          if (!seen || !(*seen == *key)) {
            changed = true;
            return Status::Ok();
          }
          GS_RETURN_IF_ERROR(work(own, i));
          return own.exec("COMMIT");
        }();
      });
      for (const Status& st : status) GS_RETURN_IF_ERROR(st);
      if (!changed) return Status::Ok();
      for (std::size_t i = 0; i < parts.size(); ++i) reset(i);
    }
    for (std::size_t i = 0; i < parts.size(); ++i) GS_RETURN_IF_ERROR(work(db, i));
    return Status::Ok();
  };
  GS_RETURN_IF_ERROR(
      on_each_part([&](Db& conn, std::size_t i) { return read_messages(conn, index_of, parts[i]); },
                   [&](std::size_t i) {
                     release(parts[i].d);
                     parts[i].text_length.clear();
                   }));
  // Each part's row count and first row (its text pass checks and places them), kept while
  // its columns move into d.
  std::vector<std::size_t> part_rows, first(parts.size(), 0);
  std::vector<bool> part_has_text;
  for (const auto& p : parts) {
    part_rows.push_back(p.text_length.size());
    part_has_text.push_back(std::any_of(p.text_length.begin(), p.text_length.end(),
                                        [](std::uint32_t bytes) { return bytes > 0; }));
  }
  for (std::size_t i = 1; i < parts.size(); ++i) first[i] = first[i - 1] + part_rows[i - 1];
  std::vector<std::uint32_t> text_length;  // bytes, in id order
  append_parts(
      text_length, parts, [](MessagePart & p) -> auto& { return p.text_length; });
  concatenate(parts, d);
  const std::vector<std::uint32_t> order = sort_by_time(d);
  {
    // The text, the largest column, is read last straight into its sorted place: allocated
    // once, never permuted.
    std::vector<std::uint32_t> sorted_length(order.size()), position(order.size());
    for (std::uint32_t i = 0; i < order.size(); ++i) {
      sorted_length[i] = text_length[order[i]];
      position[order[i]] = i;
    }
    std::vector<std::uint32_t>().swap(text_length);
    d.msg_text.layout(sorted_length);
    std::vector<std::uint32_t>().swap(sorted_length);
    // A part read again rewrites the same rows; a part whose texts are all empty (as narrow
    // rows of shares have) holds them already.
    GS_RETURN_IF_ERROR(on_each_part(
        [&](Db& conn, std::size_t i) {
          if (!part_has_text[i]) return Status::Ok();
          return read_texts(conn, parts[i].lo, parts[i].hi, part_rows[i], first[i], position,
                            d.msg_text);
        },
        [](std::size_t) {}));
  }
  compute_text_keys(d);
  // Without the text, its keys stay: the text was read for them and is dropped.
  if (!options.load_text) {
    release(d.msg_text);
    d.msg_text.layout(std::vector<std::uint32_t>(d.messages(), 0));
  }
  return d;
}

}  // namespace

struct IngestedMessages::Parser {
  simdjson::dom::parser parser;
  std::string scratch;
};

IngestedMessages::IngestedMessages() : parser_(std::make_unique<Parser>()) {}
IngestedMessages::~IngestedMessages() = default;
IngestedMessages::IngestedMessages(IngestedMessages&&) noexcept = default;
IngestedMessages& IngestedMessages::operator=(IngestedMessages&&) noexcept = default;

void IngestedMessages::add(std::int64_t row, std::int64_t account_row, const MessageRecord& m,
                           const PreparedMessage& p) {
  if (abandoned_) return;
  // Rows in id order only, as a load reads them.
  if (row <= last_row_) return abandon();
  last_row_ = row;
  ++rows_;
  if (m.kind != RecordKind::kPost) return;
  // What the store gives back of each value MessageWriter binds (read_messages): an absent
  // value is NULL, read as "" or kAbsent; the time's resolution only with a time.
  Dataset& d = d_;
  d.msg_row.push_back(row);
  accounts_.push_back(account_row);
  d.msg_time.push_back(m.time);
  d.msg_time_resolution_ms.push_back(m.time == kNoTime ? 0 : m.time_resolution_ms);
  d.msg_platform.push_back(m.platform);
  d.msg_chat_id.push_back(m.chat_id);
  d.msg_message_id.push_back(m.message_id);
  d.msg_shares.push_back(m.shares);
  d.msg_reply_to.push_back(m.reply_to);
  d.msg_quotes.push_back(m.quotes);
  d.msg_media_key.push_back(m.media_key);
  d.msg_lang.push_back(m.lang);
  // A list as a load reads its stored JSON: valid UTF-8, that JSON gives back the record's
  // items exactly, so they are taken as they are; otherwise it is parsed, as a load does.
  const auto list = [&](ListColumn& col, const std::vector<std::string>& items,
                        const std::string& json) {
    if (!is_valid_utf8(json)) return add_list(col, json, parser_->parser, parser_->scratch);
    col.begin_row();
    for (const std::string& v : items) col.add(v);
    col.end_row();
  };
  list(d.msg_urls, m.urls, p.urls);
  list(d.msg_hashtags, m.hashtags, p.hashtags);
  list(d.msg_mentions, m.mentions, p.mentions);
  const auto count = [](std::int64_t v) { return v >= 0 ? v : kAbsent; };
  d.msg_views.push_back(count(m.views));
  d.msg_forwards.push_back(count(m.forwards));
  d.msg_replies.push_back(count(m.replies));
  d.msg_reactions.push_back(count(m.reactions));
  d.msg_likes.push_back(count(m.likes));
  d.msg_retweets.push_back(count(m.retweets));
  d.msg_text.push_back(m.text);
  if (keyed_ && !p.text_keyed) {  // worked out for every post when the columns are built
    keyed_ = false;
    release(d.msg_text_key);
    release(d.msg_text_key_bytes);
    release(d.msg_text_key_tokens);
  }
  if (keyed_) {
    d.msg_text_key.push_back(p.text_key.hash);
    d.msg_text_key_bytes.push_back(p.text_key.bytes);
    d.msg_text_key_tokens.push_back(p.text_key.tokens);
  }
}

void IngestedMessages::abandon() {
  abandoned_ = true;
  release(d_);
  release(accounts_);
  release(merged_);
}

struct IngestedColumns {
  // Whether `in` holds every message of the store as `key` names it: sealed, and no other
  // writer since (the data version changes with every transaction that writes or any update
  // or delete; the count and the largest id with rows inserted by other programs).
  static bool usable(const IngestedMessages& in, const DatasetCacheKey& key) {
    return !in.abandoned_ && !in.data_version_.empty() && in.data_version_ == key.data_version &&
           in.last_row_ == key.max_message_id && in.rows_ == key.message_rows;
  }

  // The columns load_from_store() reads, from `in` and the store's accounts, in the caller's
  // read transaction; the posts merged into are read from the store again.
  static Result<Dataset> build(Db& db, const DatasetOptions& options, IngestedMessages& in) {
    // The posts' columns become the result's; the accounts are read in beside them.
    Dataset d = std::move(in.d_);
    GS_RETURN_IF_ERROR(read_accounts(db, d));
    const AccountIndex index_of(d.account_row);
    const std::size_t n = d.msg_row.size();
    d.msg_account.reserve(n);
    for (std::int64_t a : in.accounts_) d.msg_account.push_back(a < 0 ? kNoAccount : index_of(a));
    release(in.accounts_);
    // Row j of the result is row source[j]: itself, or its merged values read again and
    // appended after the n rows (events merged into are not among the posts).
    std::vector<std::uint32_t> source(n);
    std::iota(source.begin(), source.end(), 0u);
    std::sort(in.merged_.begin(), in.merged_.end());
    in.merged_.erase(std::unique(in.merged_.begin(), in.merged_.end()), in.merged_.end());
    if (!in.merged_.empty()) {
      Stmt s;
      GS_RETURN_IF_ERROR(db.prepare(
          fmt::format("SELECT {}, text FROM messages WHERE kind = 0 AND id = ?1", kMessageColumns),
          s));
      for (std::int64_t row : in.merged_) {
        const auto at = std::lower_bound(d.msg_row.begin(), d.msg_row.begin() + n, row);
        if (at == d.msg_row.begin() + n || *at != row) continue;
        s.reset();
        s.bind_int64(1, row);
        if (s.step() != Stmt::kRow)
          return Status::IoError("database: a stored message was not found again");
        source[static_cast<std::size_t>(at - d.msg_row.begin())] =
            static_cast<std::uint32_t>(d.msg_row.size());
        add_message_row(s, index_of, d, in.parser_->parser, in.parser_->scratch);
        d.msg_text.push_back(s.column_text(22));
        if (in.keyed_) {
          const TextKey k = text_key(s.column_text(22), in.parser_->scratch);
          d.msg_text_key.push_back(k.hash);
          d.msg_text_key_bytes.push_back(k.bytes);
          d.msg_text_key_tokens.push_back(k.tokens);
        }
      }
    }
    release(in.merged_);
    const auto before = time_before(d);
    if (source.size() != d.msg_row.size() ||
        !std::is_sorted(source.begin(), source.end(), before)) {
      tbb::parallel_sort(source.begin(), source.end(), before);
      gather(d, source);  // with the text keys, when they came with the posts
      d.msg_text.permute(source);
    }
    if (!in.keyed_) compute_text_keys(d);
    if (!options.load_text) {
      release(d.msg_text);
      d.msg_text.layout(std::vector<std::uint32_t>(d.messages(), 0));
    }
    return d;
  }
};

Result<Dataset> load_dataset(Store& store, const DatasetOptions& options) {
  Db& db = store.db();
  // One read transaction: the columns and the key naming them from one snapshot.
  GS_RETURN_IF_ERROR(db.exec("SAVEPOINT load_dataset"));
  std::optional<DatasetCacheKey> key;
  // The key also lets the store be read by several connections (load_from_store).
  if (!store.path().empty()) key = cache_key(db, store.schema_version());
  const std::filesystem::path cache = dataset_cache_path(store.path());
  // What the ingest before collected is spent by this load, used or not.
  IngestedMessages ingested;
  if (options.ingested) std::swap(ingested, *options.ingested);
  const bool from_ingest = key && IngestedColumns::usable(ingested, *key);
  if (key && options.cache && !from_ingest) {
    auto cached = read_dataset_cache(cache, *key, options.load_text);
    if (cached) {
      (void)db.exec("RELEASE load_dataset");
      cached->stored_message_rows = key->message_rows;
      return cached;
    }
  }
  auto d = from_ingest ? IngestedColumns::build(db, options, ingested)
                       : load_from_store(store, options, key);
  (void)db.exec("RELEASE load_dataset");
  if (d && key) d->stored_message_rows = key->message_rows;
  // Only a command that may write the store writes beside it. A file that cannot be written
  // (a read-only folder, a full disk) only costs the next load its time: said once a process.
  if (d && key && options.cache && !store.read_only()) {
    const Status saved = write_dataset_cache(cache, *key, *d, options.load_text);
    static std::atomic<bool> warned{false};
    if (!saved.ok() && !warned.exchange(true))
      log_warn(
          fmt::format("analysis columns not saved beside the store ({}); the next load "
                      "reads the store again",
                      saved.message()));
  }
  return d;
}

Result<ColumnsAside> columns_aside(Store& store, const Dataset& d) {
  if (store.path().empty()) return Status::NotFound("a store in memory has no columns file");
  const std::filesystem::path path = dataset_cache_path(store.path());
  // The file's number of messages is taken when the store agrees with it on the rest of its
  // key (no count of the messages): open() then checks that the file holds d's columns.
  auto written = read_dataset_cache_key(path);
  if (!written) return written.status();
  auto key = cache_key(store.db(), store.schema_version(), &*written);
  if (!key) return Status::NotFound("the store names no data version");
  return ColumnsAside::open(path, *key, d);
}

}  // namespace groundswell
