// The pseudonymized database export (docs/privacy.md): a VACUUM INTO copy of the raw store
// rewritten in place through one SQL function, gs_pseudonym(kind, value), that calls the
// same Pseudonymizer as the file outputs, so the database and the files agree.
#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <system_error>
#include <vector>

#include "base/json_writer.h"
#include "base/output_file.h"
#include "pipeline/pseudonymize.h"
#include "store/dataset_cache.h"

namespace groundswell {
namespace {

namespace fs = std::filesystem;

struct Context {
  const Pseudonymizer* p;
  const NameScrubber* scrubber;
};

// A JSON array of strings with every item rewritten; anything else comes back withheld.
template <typename F>
std::string rewrite_json_array(std::string_view json, F&& f) {
  thread_local simdjson::dom::parser parser;  // one per thread: it allocates on first use
  simdjson::dom::array array;
  std::string text(json);
  if (parser.parse(text).get(array)) return std::string("[]");
  std::vector<std::string> items;
  for (auto item : array) {
    std::string_view v;
    if (!item.get(v)) items.push_back(f(v));
  }
  std::string out;
  append_json_string_array(out, items);
  return out;
}

// detection_clusters.top_objects: [{behaviour, object, messages}, ...].
std::string rewrite_top_objects(std::string_view json, const Pseudonymizer& p,
                                const NameScrubber& scrubber) {
  thread_local simdjson::dom::parser parser;  // one per thread: it allocates on first use
  simdjson::dom::array array;
  std::string text(json);
  if (parser.parse(text).get(array)) return std::string("[]");
  JsonWriter w(false);
  w.begin_array();
  for (auto item : array) {
    std::string_view behaviour, object;
    std::int64_t messages = 0;
    if (item["behaviour"].get(behaviour) || item["object"].get(object)) continue;
    if (item["messages"].get(messages)) messages = 0;
    auto b = parse_behaviours(behaviour);
    std::string key = b && b->size() == 1 ? p.object_key(b->front(), object)
                                          : p.account_id(object);  // unknown: hide it whole
    if (b && b->size() == 1 &&
        (b->front() == Behaviour::kLink || b->front() == Behaviour::kText ||
         b->front() == Behaviour::kSimilarText))
      key = scrubber.ids_in(key);
    w.begin_object().key("behaviour").value(behaviour).key("object").value(key)
        .key("messages").value(messages).end_object();
  }
  w.end_array();
  return w.take();
}

void gs_pseudonym(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  if (argc != 2 || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
    sqlite3_result_null(ctx);
    return;
  }
  const auto* c = static_cast<const Context*>(sqlite3_user_data(ctx));
  auto text_of = [](sqlite3_value* v) {
    const auto* s = reinterpret_cast<const char*>(sqlite3_value_text(v));
    return s ? std::string_view(s, static_cast<std::size_t>(sqlite3_value_bytes(v)))
             : std::string_view();
  };
  std::string_view kind = text_of(argv[0]);
  const Pseudonymizer& p = *c->p;
  if (kind == "digest") {
    sqlite3_result_int64(ctx, p.digest(sqlite3_value_int64(argv[1])));
    return;
  }
  std::string_view value = text_of(argv[1]);
  std::string out;
  if (kind == "id") out = p.account_id(value);
  else if (kind == "handle") out = p.handle(value);
  else if (kind == "chat") out = p.chat_id(value);
  else if (kind == "key") out = p.item_key(value);
  else if (kind == "text") out = c->scrubber->text(value);
  else if (kind == "mentions") out = rewrite_json_array(value, [&](std::string_view v) { return p.mention(v); });
  else if (kind == "urls") out = rewrite_json_array(value, [&](std::string_view v) { return c->scrubber->text(v); });
  else if (kind == "top_objects") out = rewrite_top_objects(value, p, *c->scrubber);
  else if (kind == "scrub") out = (*c->scrubber)(p.text(value));
  else if (kind == "reasons") out = (*c->scrubber)(value);
  else {
    sqlite3_result_error(ctx, "gs_pseudonym: unknown kind", -1);
    return;
  }
  sqlite3_result_text(ctx, out.data(), static_cast<int>(out.size()), SQLITE_TRANSIENT);
}

std::string sql_quote(std::string_view s) {
  std::string out = "'";
  for (char ch : s) {
    if (ch == '\'') out.push_back('\'');
    out.push_back(ch);
  }
  out.push_back('\'');
  return out;
}

// The export rewrites the tables and columns it knows. A table or an accounts/messages column
// added to the schema later may name accounts: the export refuses to run until this file has
// been reviewed for it, rather than publish it raw.
Status check_known_schema(Db& db) {
  static const std::vector<std::string_view> tables = {
      "runs", "files", "accounts", "messages", "rejects", "detections", "detection_edges",
      "detection_clusters", "detection_cluster_accounts",
      // Figures per actor and accounts as accounts.id only; the actors file's name is scrubbed.
      "detection_support",
      "store_state"};  // a random data version, no names (the export gives it a new one)
  static const std::vector<std::string_view> account_columns = {
      "id", "platform", "account_id", "handle", "display_name", "created_at", "followers",
      "following", "posts", "description", "verified", "kind"};
  static const std::vector<std::string_view> message_columns = {
      "id", "platform", "dataset", "chat_id", "message_id", "account", "time_ms", "time_resolution_ms",
      "kind", "text", "lang", "reply_to", "shares", "quotes", "urls", "hashtags", "mentions",
      "media_key", "views", "forwards", "replies", "reactions", "likes", "retweets",
      "quotes_count", "reactions_detail", "digest", "file_id", "line", "byte_offset"};
  auto known = [](const std::vector<std::string_view>& list, std::string_view name) {
    return std::find(list.begin(), list.end(), name) != list.end();
  };
  Stmt s;
  GS_RETURN_IF_ERROR(db.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'", s));
  while (s.step() == Stmt::kRow)
    if (!known(tables, s.column_text(0)))
      return Status::Internal(fmt::format(
          "the pseudonymized export does not know table '{}' yet (src/pipeline/"
          "pseudonymize_export.cc); refusing to publish it unreviewed",
          s.column_text(0)));
  for (auto [table, columns] : {std::pair{"accounts", &account_columns},
                                std::pair{"messages", &message_columns}}) {
    GS_RETURN_IF_ERROR(db.prepare(fmt::format("SELECT name FROM pragma_table_info('{}')", table), s));
    while (s.step() == Stmt::kRow)
      if (!known(*columns, s.column_text(0)))
        return Status::Internal(fmt::format(
            "the pseudonymized export does not know column {}.{} yet (src/pipeline/"
            "pseudonymize_export.cc); refusing to publish it unreviewed",
            table, s.column_text(0)));
  }
  return Status::Ok();
}

// The export at `out`: the raw store copied, then rewritten in one transaction.
Status build_export(Store& raw, const fs::path& out, const Pseudonymizer& p,
                    const NameScrubber& scrubber) {
  GS_RETURN_IF_ERROR(raw.db().exec("VACUUM INTO " + sql_quote(out.string())));
  auto exported = Store::open(out);
  if (!exported) return exported.status();
  Db& db = exported->db();
  // Old values must not survive in free pages of the file that users publish.
  GS_RETURN_IF_ERROR(db.exec("PRAGMA secure_delete = ON"));
  Context context{&p, &scrubber};
  if (sqlite3_create_function(db.raw(), "gs_pseudonym", 2,
                              SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY, &context,
                              gs_pseudonym, nullptr, nullptr) != SQLITE_OK)
    return Status::Internal("cannot register gs_pseudonym: " + db.error());
  {
    Transaction tx(db);
    GS_RETURN_IF_ERROR(tx.begin_status());
    GS_RETURN_IF_ERROR(db.exec(kNewDataVersion));
    GS_RETURN_IF_ERROR(db.exec(
        "UPDATE accounts SET account_id = gs_pseudonym('id', account_id), "
        "handle = gs_pseudonym('handle', handle), display_name = gs_pseudonym('handle', handle), "
        "description = NULL"));
    GS_RETURN_IF_ERROR(db.exec(
        "UPDATE messages SET chat_id = gs_pseudonym('chat', chat_id), "
        "dataset = gs_pseudonym('scrub', dataset), "
        "reply_to = gs_pseudonym('key', reply_to), shares = gs_pseudonym('key', shares), "
        "quotes = gs_pseudonym('key', quotes), text = gs_pseudonym('text', text), "
        "urls = gs_pseudonym('urls', urls), mentions = gs_pseudonym('mentions', mentions), "
        "digest = gs_pseudonym('digest', digest)"));
    GS_RETURN_IF_ERROR(db.exec(fmt::format(
        "UPDATE rejects SET file = gs_pseudonym('scrub', file), "
        "reason = gs_pseudonym('scrub', reason), excerpt = {}",
        sql_quote(kWithheldExcerpt))));
    GS_RETURN_IF_ERROR(db.exec("UPDATE files SET path = gs_pseudonym('scrub', path)"));
    // The actors file names raw handles; the export's accounts no longer match it.
    GS_RETURN_IF_ERROR(db.exec(
        "UPDATE runs SET parameters = gs_pseudonym('scrub', CASE WHEN json_valid(parameters) "
        "THEN json_remove(parameters, '$.actors') ELSE parameters END), "
        "stats = gs_pseudonym('scrub', stats)"));
    GS_RETURN_IF_ERROR(
        db.exec("UPDATE detection_support SET actors_file = gs_pseudonym('scrub', actors_file)"));
    GS_RETURN_IF_ERROR(db.exec(
        "UPDATE detection_clusters SET top_objects = gs_pseudonym('top_objects', top_objects), "
        "verdict_reasons = gs_pseudonym('reasons', verdict_reasons)"));
    // Planner statistics (sqlite_stat4) sample raw index keys.
    std::vector<std::string> stats;
    Stmt s;
    GS_RETURN_IF_ERROR(db.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'sqlite_stat%'", s));
    while (s.step() == Stmt::kRow) stats.emplace_back(s.column_text(0));
    for (const auto& table : stats) GS_RETURN_IF_ERROR(db.exec("DELETE FROM " + table));
    JsonWriter w(false);
    w.begin_object().key("pseudonymized").value(true).key("key_fingerprint").value(p.fingerprint())
        .end_object();
    auto run = exported->begin_run("export", w.str());
    if (!run) return run.status();
    GS_RETURN_IF_ERROR(exported->finish_run(*run, "ok", "{}", 0));
    GS_RETURN_IF_ERROR(tx.commit());
  }
  GS_RETURN_IF_ERROR(db.exec("VACUUM"));
  // One self-contained file to publish: no -wal/-shm beside it.
  GS_RETURN_IF_ERROR(db.exec("PRAGMA journal_mode = DELETE"));
  return Status::Ok();
}

}  // namespace

bool is_pseudonymized_export(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return true;
  Db db;
  if (!db.open(path.string(), /*read_only=*/true).ok()) return false;
  auto n = db.query_int64(
      "SELECT count(*) FROM runs WHERE command = 'export' AND "
      "json_extract(parameters, '$.pseudonymized') = 1",
      0);
  return n.ok() && *n > 0;
}

Status export_pseudonymized_store(Store& raw, const fs::path& out, const Pseudonymizer& p,
                                  const NameScrubber& scrubber) {
  std::error_code ec;
  if (fs::exists(out, ec)) {
    if (!is_pseudonymized_export(out))
      return Status::InvalidArgument(fmt::format(
          "{} holds a database that is not a pseudonymized export (raw data of an earlier run?); "
          "move it away, or give --db to keep the raw store elsewhere",
          out.string()));
  }
  GS_RETURN_IF_ERROR(check_known_schema(raw.db()));
  // Built under a temporary name and renamed over `out` once pseudonymized and closed: the
  // published name never holds raw data nor a half-written export. An interrupted export
  // leaves the hidden temporary, which the next one replaces.
  const fs::path temp = temporary_path_for(out);
  auto remove_temp = [&] {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
      fs::remove(temp.string() + suffix, ec);
  };
  remove_temp();
  Status built = build_export(raw, temp, p, scrubber);
  if (!built.ok()) {
    remove_temp();
    return built;
  }
  // A journal left beside the old export must not be applied to the new one, nor analysis
  // columns saved beside an earlier file of that name (store/dataset_cache.h) stay in the
  // folder to publish.
  for (const char* suffix : {"-wal", "-shm", "-journal"}) fs::remove(out.string() + suffix, ec);
  fs::remove(dataset_cache_path(out), ec);
  return replace_with_temporary(temp, out);
}

}  // namespace groundswell
