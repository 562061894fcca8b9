// groundswell serve against a real server on a loopback port: a store made by the main job
// from generated data plus hostile accounts (tests/data/serve/hostile.jsonl), every API
// answer checked against the store itself, paging walked to its end, and the safety rules
// (loopback Host only, the access token, JSON-only POST from this origin, no file reads,
// Content-Security-Policy) tried from outside.
#include "serve/serve.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <simdjson.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "base/log.h"
#include "eval/generate.h"
#include "pipeline/commands.h"
#include "serve/index.h"
#include "serve/jobs.h"
#include "store/dataset.h"
#include "store/schema.h"
#include "store/store.h"
#include "store/test_dataset.h"
#include "text/normalize.h"

namespace groundswell {
namespace {

namespace fs = std::filesystem;

const std::string kHostile = std::string(GS_SOURCE_DIR) + "/tests/data/serve/hostile.jsonl";
// The report's XSS test strings (tests/browser/payloads.mjs), planted in hostile.jsonl.
const std::vector<std::string> kPayloads = {
    "<script>window.__pwned=1</script>",
    "<img src=x onerror=\"window.__pwned=1\">",
    "</script><script>window.__pwned=1</script>",
};

// Percent-encodes a query value (every byte but unreserved ASCII).
std::string encode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
      out.push_back(static_cast<char>(c));
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

class ServeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    set_log_settings({LogFormat::kText, /*quiet=*/true});
    dir_ =
        new fs::path(fs::temp_directory_path() / ("gs-serve-test-" + std::to_string(::getpid())));
    fs::remove_all(*dir_);
    GenerateOptions g;
    g.seed = 5;  // a seed whose small data set has a cluster the group test made
    g.messages = messages_for_scale("small").value();
    g.scale = "small";
    g.out_dir = (*dir_ / "gen").string();
    ASSERT_TRUE(generate_dataset(g).ok());
    RunOptions run;
    run.input.inputs = {(*dir_ / "gen" / "data").string(), kHostile};
    run.out_dir = (*dir_ / "out").string();
    run.actors_path = (*dir_ / "gen" / "actors.toml").string();
    run.progress = false;
    Status s = run_command(run);
    ASSERT_TRUE(s.ok()) << s.message();
    db_ = new std::string((*dir_ / "out" / "groundswell.db").string());
    ServeOptions o;
    o.db_path = *db_;
    o.port = 0;
    auto server = Server::start(o);
    ASSERT_TRUE(server.ok()) << server.status().message();
    server_ = server->release();
    ASSERT_TRUE(server_->wait_until_indexed());
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    if (dir_) fs::remove_all(*dir_);
    delete dir_;
    delete db_;
  }

  struct Reply {
    int status = 0;
    std::string body;
    httplib::Headers headers;
    simdjson::dom::element json;
  };
  // GET (or POST with a JSON body) on the server, the answer parsed.
  Reply call(const std::string& path, const std::string& post = "",
             const httplib::Headers& headers = {}, int port = 0) {
    httplib::Client c("127.0.0.1", port ? port : server_->port());
    c.set_read_timeout(60, 0);
    auto res =
        post.empty() ? c.Get(path, headers) : c.Post(path, headers, post, "application/json");
    Reply r;
    if (!res) {
      ADD_FAILURE() << "no answer to " << path;
      return r;
    }
    r.status = res->status;
    r.body = res->body;
    r.headers = res->headers;
    buffers_.emplace_back(std::make_unique<simdjson::padded_string>(r.body));
    parsers_.emplace_back(std::make_unique<simdjson::dom::parser>());
    if (parsers_.back()->parse(*buffers_.back()).get(r.json))
      ADD_FAILURE() << path << " answered something that is not JSON: " << r.body.substr(0, 200);
    return r;
  }
  Reply ok(const std::string& path) {
    Reply r = call(path);
    EXPECT_EQ(r.status, 200) << path << ": " << r.body.substr(0, 300);
    return r;
  }

  static std::string sql_text(const std::string& path, const std::string& query) {
    auto store = Store::open(path, true);
    EXPECT_TRUE(store.ok());
    Stmt s;
    EXPECT_TRUE(store->db().prepare(query, s).ok()) << query;
    return s.step() == Stmt::kRow ? std::string(s.column_text(0)) : std::string();
  }

  // The rows of a query whose one column is text, in its order.
  static std::vector<std::string> sql_rows(const std::string& query) {
    std::vector<std::string> rows;
    auto store = Store::open(*db_, true);
    EXPECT_TRUE(store.ok());
    Stmt s;
    EXPECT_TRUE(store->db().prepare(query, s).ok()) << query;
    while (s.step() == Stmt::kRow) rows.emplace_back(s.column_text(0));
    return rows;
  }

  std::int64_t sql(const std::string& query) {
    auto store = Store::open(*db_, true);
    EXPECT_TRUE(store.ok());
    auto v = store->db().query_int64(query);
    EXPECT_TRUE(v.ok()) << query;
    return v.ok() ? *v : -1;
  }

  // Every page of a cluster's links, walked to the end, lists its kept internal edges in the
  // order the store's own sort gives: strongest first, then source, target, behaviour.
  void expect_cluster_edges_as_stored(std::int64_t detection, std::int64_t cluster) {
    const std::vector<std::string> stored = sql_rows(fmt::format(
        "SELECT e.source || ' ' || e.target || ' ' || e.behaviour FROM detection_edges e JOIN "
        "detection_cluster_accounts a ON a.detection_id = e.detection_id AND a.account = "
        "e.source JOIN detection_cluster_accounts b ON b.detection_id = e.detection_id AND "
        "b.account = e.target WHERE e.detection_id = {0} AND a.cluster_id = {1} AND "
        "b.cluster_id = {1} AND e.kept = 1 ORDER BY e.weight DESC, e.source, e.target, "
        "e.behaviour",
        detection, cluster));
    std::vector<std::string> listed;
    std::string next = "0";
    while (!next.empty() && listed.size() <= stored.size()) {
      Reply e = ok(fmt::format("/api/clusters/{}/edges?detection={}&limit=3&offset={}", cluster,
                               detection, next));
      EXPECT_EQ(num(e.json["total"]), static_cast<std::int64_t>(stored.size()));
      for (auto x : e.json["edges"].get_array())
        listed.push_back(fmt::format("{} {} {}", num(x["source"]["id"]), num(x["target"]["id"]),
                                     str(x["behaviour"])));
      next = e.json["next"].is_null() ? "" : std::to_string(num(e.json["next"]));
    }
    EXPECT_EQ(listed, stored) << "detection " << detection << ", cluster " << cluster;
  }

  static std::int64_t num(simdjson::dom::element e) {
    std::int64_t v = 0;
    if (e.get_int64().get(v)) {
      double d = 0;
      if (!e.get_double().get(d)) v = static_cast<std::int64_t>(d);
    }
    return v;
  }
  static std::string str(simdjson::dom::element e) {
    std::string_view v;
    return e.get_string().get(v) ? std::string() : std::string(v);
  }

  static fs::path* dir_;
  static std::string* db_;
  static Server* server_;
  std::vector<std::unique_ptr<simdjson::padded_string>> buffers_;
  std::vector<std::unique_ptr<simdjson::dom::parser>> parsers_;
};

fs::path* ServeTest::dir_ = nullptr;
std::string* ServeTest::db_ = nullptr;
Server* ServeTest::server_ = nullptr;

TEST_F(ServeTest, StatusCountsWhatTheStoreHolds) {
  Reply r = ok("/api/status");
  EXPECT_EQ(num(r.json["messages"]), sql("SELECT count(*) FROM messages WHERE kind = 0"));
  EXPECT_EQ(num(r.json["accounts"]), sql("SELECT count(*) FROM accounts"));
  EXPECT_EQ(num(r.json["schema_version"]), current_schema_version());
  EXPECT_EQ(num(r.json["detection"]), sql("SELECT max(id) FROM detections"));
  EXPECT_EQ(str(r.json["index"]["stage"]), "ready");
}

TEST_F(ServeTest, SearchFindsPersianNamesWrittenWithArabicLetters) {
  // hostile1 is named "علي رضائي" (Arabic yeh, yeh with hamza); people type Persian letters.
  // (The generated data has people of that name too: all of them match the whole name.)
  auto match_of = [&](const std::string& q, const std::string& account) {
    Reply r = ok("/api/search?limit=200&q=" + encode(q));
    for (auto hit : r.json["results"].get_array())
      if (str(hit["account"]["account_id"]) == account) return str(hit["match"]);
    return std::string("none");
  };
  EXPECT_EQ(match_of("علی رضایی", "hostile1"), "name");
  // A word of the name is enough, and handles with an Arabic kaf answer the Persian one.
  EXPECT_EQ(match_of("رضایی", "hostile1"), "word");
  Reply r;
  r = ok("/api/search?q=" + encode("@کاربر_ک"));
  EXPECT_EQ(str(r.json["results"].at(0)["account"]["account_id"]), "hostile4");
  EXPECT_EQ(str(r.json["results"].at(0)["match"]), "handle");
}

TEST_F(ServeTest, SearchRanksExactIdFirstAndPages) {
  Reply r = ok("/api/search?q=hostile3");
  EXPECT_EQ(str(r.json["results"].at(0)["account"]["account_id"]), "hostile3");
  EXPECT_EQ(str(r.json["results"].at(0)["match"]), "id");
  r = ok("/api/search?q=canonical:HOSTILE2");
  EXPECT_EQ(str(r.json["results"].at(0)["account"]["account_id"]), "hostile2");
  // "hostile" matches the five ids; two pages of three give all five once.
  std::set<std::string> seen;
  Reply p1 = ok("/api/search?q=hostile&limit=3");
  EXPECT_EQ(num(p1.json["total"]), 5);
  for (auto hit : p1.json["results"].get_array()) seen.insert(str(hit["account"]["account_id"]));
  Reply p2 = ok("/api/search?q=hostile&limit=3&offset=" + std::to_string(num(p1.json["next"])));
  for (auto hit : p2.json["results"].get_array()) seen.insert(str(hit["account"]["account_id"]));
  EXPECT_EQ(seen.size(), 5u);
  EXPECT_TRUE(p2.json["next"].is_null());
}

TEST_F(ServeTest, AccountPageMatchesTheStore) {
  const std::int64_t row = sql("SELECT id FROM accounts WHERE account_id = 'hostile2'");
  Reply r = ok("/api/accounts/" + std::to_string(row));
  EXPECT_EQ(str(r.json["account"]["display_name"]), kPayloads[1]);
  EXPECT_EQ(str(r.json["account"]["description"]), kPayloads[0] + " bio");
  const std::int64_t posts =
      sql("SELECT count(*) FROM messages WHERE kind = 0 AND account = " + std::to_string(row));
  EXPECT_EQ(num(r.json["messages"]), posts);
  std::int64_t per_day = 0;
  for (auto d : r.json["timeline"].get_array()) per_day += num(d["messages"]);
  EXPECT_EQ(per_day, posts);
  EXPECT_EQ(r.json["signals"]["items"].get_array().size(), 12u);
  // Its posts per UTC hour and weekday (0 = Monday), as the stored times give them.
  const std::string timed =
      "SELECT count(*) FROM messages WHERE kind = 0 AND account = " + std::to_string(row) +
      " AND time_ms IS NOT NULL AND ";
  auto hours = r.json["signals"]["figures"]["hour_profile"].get_array();
  ASSERT_EQ(hours.size(), 24u);
  std::int64_t hour = 0, timed_posts = 0;
  for (auto v : hours) {
    EXPECT_EQ(num(v), sql(timed + fmt::format("time_ms / 3600000 % 24 = {}", hour++)));
    timed_posts += num(v);
  }
  EXPECT_GT(timed_posts, 0);
  auto weekdays = r.json["signals"]["figures"]["weekday_profile"].get_array();
  ASSERT_EQ(weekdays.size(), 7u);
  std::int64_t weekday = 0;
  for (auto v : weekdays)
    EXPECT_EQ(num(v), sql(timed + fmt::format("(time_ms / 86400000 + 3) % 7 = {}", weekday++)));
  // Its cluster and its partners in the latest detection, as the detection tables have them.
  EXPECT_EQ(num(r.json["cluster"]["cluster_id"]),
            sql("SELECT cluster_id FROM detection_cluster_accounts WHERE account = " +
                std::to_string(row) + " AND detection_id = (SELECT max(id) FROM detections)"));
  std::int64_t edges = 0;
  for (auto b : r.json["partners"].get_array()) edges += num(b["edges"]);
  EXPECT_EQ(edges, sql("SELECT count(*) FROM detection_edges WHERE detection_id = (SELECT max(id) "
                       "FROM detections) AND (source = " +
                       std::to_string(row) + " OR target = " + std::to_string(row) + ")"));
  EXPECT_EQ(call("/api/accounts/999999999").status, 404);
  EXPECT_EQ(call("/api/accounts/x").status, 404);
}

TEST_F(ServeTest, AccountMessagesPageThroughEveryPostInTimeOrder) {
  const std::int64_t row =
      sql("SELECT account FROM messages WHERE kind = 0 GROUP BY account ORDER BY count(*) DESC "
          "LIMIT 1");
  const std::int64_t posts =
      sql("SELECT count(*) FROM messages WHERE kind = 0 AND account = " + std::to_string(row));
  ASSERT_GT(posts, 7);
  std::set<std::int64_t> ids;
  std::int64_t last_time = INT64_MIN;
  std::string cursor;
  int pages = 0;
  do {
    Reply r = ok("/api/accounts/" + std::to_string(row) + "/messages?limit=7" +
                 (cursor.empty() ? "" : "&cursor=" + cursor));
    EXPECT_EQ(num(r.json["total"]), posts);
    auto list = r.json["messages"].get_array();
    EXPECT_LE(list.size(), 7u);
    for (auto m : list) {
      EXPECT_TRUE(ids.insert(num(m["id"])).second) << "message listed twice";
      EXPECT_GE(num(m["time_ms"]), last_time);
      last_time = num(m["time_ms"]);
      EXPECT_EQ(num(m["account"]), row);
    }
    cursor = r.json["next"].is_null() ? "" : str(r.json["next"]);
    ++pages;
  } while (!cursor.empty() && pages < 1000);
  EXPECT_EQ(static_cast<std::int64_t>(ids.size()), posts);
  EXPECT_EQ(call("/api/accounts/1/messages?cursor=nonsense").status, 400);
  EXPECT_EQ(call("/api/accounts/1/messages?limit=0").status, 400);
  EXPECT_EQ(call("/api/accounts/1/messages?limit=201").status, 400);
}

TEST_F(ServeTest, EvidenceShowsBothMessagesWithTheirOffset) {
  const std::int64_t row = sql("SELECT id FROM accounts WHERE account_id = 'hostile1'");
  Reply p = ok("/api/accounts/" + std::to_string(row) + "/partners?behaviour=link");
  ASSERT_GE(p.json["partners"].get_array().size(), 1u);
  auto edge = p.json["partners"].at(0);
  const std::int64_t source = num(edge["source"]), target = num(edge["target"]);
  Reply e =
      ok(fmt::format("/api/evidence?source={}&target={}&behaviour=link&limit=2", source, target));
  EXPECT_EQ(num(e.json["total"]), num(edge["pairs"]));
  std::int64_t seen = 0;
  std::string next = "0";
  while (next != "") {
    Reply page =
        ok(fmt::format("/api/evidence?source={}&target={}&behaviour=link&limit=2&offset={}", source,
                       target, next));
    for (auto pair : page.json["pairs"].get_array()) {
      ++seen;
      EXPECT_EQ(num(pair["source"]["account"]), source);
      EXPECT_EQ(num(pair["target"]["account"]), target);
      double offset = 0;
      ASSERT_FALSE(pair["offset_s"].get_double().get(offset));
      EXPECT_DOUBLE_EQ(offset, static_cast<double>(num(pair["target"]["time_ms"]) -
                                                   num(pair["source"]["time_ms"])) /
                                   1000.0);
      EXPECT_EQ(str(pair["source"]["urls"].at(0)), str(pair["target"]["urls"].at(0)));
    }
    next = page.json["next"].is_null() ? "" : std::to_string(num(page.json["next"]));
  }
  EXPECT_EQ(seen, num(edge["pairs"]));
  // An account with no edge at all: its pair with hostile1 is not an edge. (Row ids follow the
  // sorted input paths, so which accounts are rows 1 and 2 depends on where the test runs.)
  const std::int64_t lone = sql(
      "SELECT min(id) FROM accounts WHERE id NOT IN (SELECT source FROM detection_edges) AND id "
      "NOT IN (SELECT target FROM detection_edges)");
  ASSERT_GT(lone, 0);
  EXPECT_EQ(call(fmt::format("/api/evidence?source={}&target={}&behaviour=link",
                             std::min(row, lone), std::max(row, lone)))
                .status,
            404);
  EXPECT_EQ(call("/api/evidence?behaviour=link").status, 400);
}

TEST_F(ServeTest, ClusterPageMembersAndInternalEdges) {
  const std::int64_t cluster =
      sql("SELECT cluster_id FROM detection_cluster_accounts m JOIN accounts a ON a.id = m.account "
          "WHERE a.account_id = 'hostile1' AND m.detection_id = (SELECT max(id) FROM detections)");
  Reply c = ok("/api/clusters/" + std::to_string(cluster));
  EXPECT_EQ(num(c.json["members"]), 5);
  EXPECT_GE(c.json["cluster"]["top_objects"].get_array().size(), 1u);
  std::int64_t per_day = 0;
  for (auto d : c.json["timeline"].get_array()) per_day += num(d["messages"]);
  EXPECT_EQ(per_day, sql("SELECT count(*) FROM messages WHERE kind = 0 AND account IN (SELECT id "
                         "FROM accounts WHERE account_id LIKE 'hostile%')"));
  std::set<std::int64_t> members;
  std::string cursor;
  do {
    Reply m = ok("/api/clusters/" + std::to_string(cluster) + "/members?limit=2" +
                 (cursor.empty() ? "" : "&cursor=" + cursor));
    for (auto x : m.json["members"].get_array()) members.insert(num(x["account"]["id"]));
    cursor = m.json["next"].is_null() ? "" : str(m.json["next"]);
  } while (!cursor.empty());
  EXPECT_EQ(members.size(), 5u);
  Reply e = ok("/api/clusters/" + std::to_string(cluster) + "/edges?limit=200");
  ASSERT_GT(num(e.json["total"]), 0);
  double previous = 1e300;
  for (auto x : e.json["edges"].get_array()) {
    EXPECT_TRUE(members.count(num(x["source"]["id"])) && members.count(num(x["target"]["id"])));
    double w = 0;
    ASSERT_FALSE(x["weight"].get_double().get(w));
    EXPECT_LE(w, previous);
    previous = w;
  }
  const std::int64_t latest = sql("SELECT max(id) FROM detections");
  for (std::int64_t k = 1; k <= sql("SELECT clusters FROM detections ORDER BY id DESC LIMIT 1");
       ++k)
    expect_cluster_edges_as_stored(latest, k);
  EXPECT_EQ(num(ok("/api/clusters/424242/edges").json["total"]), 0);
  // The list of clusters pages by id to the end.
  std::int64_t listed = 0;
  cursor.clear();
  do {
    Reply l = ok("/api/clusters?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor));
    listed += static_cast<std::int64_t>(l.json["clusters"].get_array().size());
    cursor = l.json["next"].is_null() ? "" : str(l.json["next"]);
  } while (!cursor.empty());
  EXPECT_EQ(listed, sql("SELECT clusters FROM detections ORDER BY id DESC LIMIT 1"));
  EXPECT_EQ(call("/api/clusters/424242").status, 404);
}

// A cluster the group test made (docs/detection.md, "The group test") has no links between
// members; its page lists their re-posts of the source's posts instead: every one that SQL
// finds by the re-post's reference key, in time order, each with the post and the delay.
TEST_F(ServeTest, GroupTestClusterListsItsMembersRepostsOfTheSource) {
  const std::int64_t detection = sql("SELECT min(id) FROM detections");
  const std::int64_t cluster = sql(fmt::format(
      "SELECT coalesce(min(cluster_id), -1) FROM detection_clusters WHERE detection_id = {} AND "
      "json_extract(verdict_evidence, '$.fired_source') IS NOT NULL",
      detection));
  ASSERT_GT(cluster, 0) << "no cluster of the group test in the data: the test would be empty";
  const std::int64_t source = sql(fmt::format(
      "SELECT json_extract(verdict_evidence, '$.fired_source') FROM detection_clusters WHERE "
      "detection_id = {} AND cluster_id = {}",
      detection, cluster));
  const std::vector<std::string> stored = sql_rows(fmt::format(
      "SELECT p.id || ' ' || r.id || ' ' || (r.time_ms - p.time_ms) FROM messages r JOIN "
      "messages p ON p.platform = r.platform AND r.shares = CASE WHEN p.chat_id <> '' THEN "
      "p.chat_id || '/' || p.message_id ELSE p.message_id END WHERE p.account = {} AND "
      "r.account <> p.account AND r.account IN (SELECT account FROM detection_cluster_accounts "
      "WHERE detection_id = {} AND cluster_id = {}) ORDER BY r.time_ms, r.id",
      source, detection, cluster));
  ASSERT_GE(stored.size(), 2u);
  std::vector<std::string> listed;
  std::string next = "0";
  while (!next.empty() && listed.size() <= stored.size()) {
    Reply r = ok(fmt::format("/api/clusters/{}/reposts?detection={}&limit=3&offset={}", cluster,
                             detection, next));
    EXPECT_EQ(num(r.json["source"]["id"]), source);
    EXPECT_EQ(num(r.json["total"]), static_cast<std::int64_t>(stored.size()));
    for (auto x : r.json["pairs"].get_array()) {
      double offset = 0;
      EXPECT_FALSE(x["offset_s"].get_double().get(offset));
      EXPECT_EQ(num(x["source"]["account"]), source);
      listed.push_back(fmt::format("{} {} {}", num(x["source"]["id"]), num(x["target"]["id"]),
                                   std::llround(offset * 1000)));
    }
    next = r.json["next"].is_null() ? "" : std::to_string(num(r.json["next"]));
  }
  EXPECT_EQ(listed, stored);
  // A cluster the group test did not flag lists none.
  const std::int64_t other =
      sql(fmt::format("SELECT min(cluster_id) FROM detection_clusters WHERE detection_id = {} AND "
                      "json_extract(verdict_evidence, '$.fired_source') IS NULL",
                      detection));
  Reply none = ok(fmt::format("/api/clusters/{}/reposts?detection={}", other, detection));
  EXPECT_TRUE(none.json["source"].is_null());
  EXPECT_EQ(num(none.json["total"]), 0);
}

TEST_F(ServeTest, LinkPageListsEveryAccountThatSharedIt) {
  // The URL as written (with its tracking parameter) finds every message, in time order.
  Reply r = ok("/api/objects?behaviour=link&key=" +
               encode("https://hostile.example.org/story/2?utm_source=share"));
  EXPECT_EQ(num(r.json["total"]), 5);
  EXPECT_EQ(num(r.json["accounts"]), 5);
  std::int64_t previous = INT64_MIN;
  for (auto x : r.json["messages"].get_array()) {
    EXPECT_GE(num(x["message"]["time_ms"]), previous);
    previous = num(x["message"]["time_ms"]);
    EXPECT_EQ(str(x["message"]["account_id"]).rfind("hostile", 0), 0u);
  }
  EXPECT_EQ(num(r.json["messages"].at(0)["offset_s"]), 0);
  // By message: the hashtag of one message, spelt as detection normalizes it.
  const std::int64_t msg = sql("SELECT id FROM messages WHERE message_id = 'h1'");
  Reply h = ok(fmt::format("/api/objects?behaviour=hashtag&message={}", msg));
  EXPECT_EQ(str(h.json["key"]), normalize_hashtag("آزادی"));
  EXPECT_GE(num(h.json["total"]), 25);
  // Every message of a generated link, checked against the stored lists.
  auto store = Store::open(*db_, true);
  ASSERT_TRUE(store.ok());
  Stmt s;
  ASSERT_TRUE(store->db()
                  .prepare("SELECT json_extract(urls, '$[0]') FROM messages WHERE urls LIKE "
                           "'[\"http%' AND message_id NOT LIKE 'h%' GROUP BY 1 ORDER BY "
                           "count(*) DESC LIMIT 1",
                           s)
                  .ok());
  ASSERT_EQ(s.step(), Stmt::kRow);
  const std::string url(s.column_text(0));
  Reply u = ok("/api/objects?behaviour=link&limit=200&key=" + encode(url));
  std::string canonical;
  native_object_key(Behaviour::kLink, url, canonical);
  std::int64_t expected = 0;
  ASSERT_TRUE(
      store->db().prepare("SELECT urls FROM messages WHERE kind = 0 AND urls IS NOT NULL", s).ok());
  simdjson::dom::parser parser;
  std::string key;
  while (s.step() == Stmt::kRow) {
    simdjson::padded_string text(s.column_text(0));
    simdjson::dom::element doc;
    if (parser.parse(text).get(doc)) continue;
    for (auto item : doc.get_array()) {
      std::string_view v;
      if (item.get_string().get(v)) continue;
      native_object_key(Behaviour::kLink, v, key);
      if (key == canonical) {
        ++expected;
        break;
      }
    }
  }
  EXPECT_EQ(num(u.json["total"]), expected);
  EXPECT_EQ(call("/api/objects?behaviour=post&key=x").status, 400);
  EXPECT_EQ(call("/api/objects?behaviour=link").status, 400);
}

TEST_F(ServeTest, HostileTextComesBackExactlyAsStored) {
  const std::int64_t row = sql("SELECT id FROM accounts WHERE account_id = 'hostile1'");
  Reply r = ok("/api/accounts/" + std::to_string(row) + "/messages?limit=200");
  std::set<std::string> texts;
  for (auto m : r.json["messages"].get_array()) texts.insert(str(m["text"]));
  bool payload = false;
  for (const auto& t : texts)
    for (const auto& p : kPayloads) payload |= t.find(p) != std::string::npos;
  EXPECT_TRUE(payload);
  Reply a = ok("/api/accounts/" + std::to_string(row));
  EXPECT_EQ(str(a.json["account"]["handle"]), kPayloads[0]);
  EXPECT_EQ(r.headers.find("Content-Type")->second, "application/json; charset=utf-8");
}

TEST_F(ServeTest, EveryAnswerCarriesTheSecurityHeaders) {
  for (const std::string path : {"/api/status", "/api/nothing", "/nothing", "/api/accounts/1"}) {
    Reply r = call(path);
    auto csp = r.headers.find("Content-Security-Policy");
    ASSERT_NE(csp, r.headers.end()) << path;
    EXPECT_NE(csp->second.find("default-src 'none'"), std::string::npos);
    EXPECT_NE(csp->second.find("script-src 'self'"), std::string::npos);
    EXPECT_EQ(csp->second.find("unsafe-eval"), std::string::npos);
    EXPECT_EQ(r.headers.find("X-Content-Type-Options")->second, "nosniff");
  }
}

// Splits one line of support.csv (RFC 4180: fields with commas or quotes are quoted).
std::vector<std::string> csv_fields(std::string line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();  // CRLF line ends
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"')
      out.back() += '"', ++i;
    else if (c == '"')
      quoted = !quoted;
    else if (c == ',' && !quoted)
      out.emplace_back();
    else
      out.back() += c;
  }
  return out;
}

// Two answers of /api/actors hold the same figures: every value, numbers to 1e-12 (the citation
// index's PageRank differs between computations in its last digits), but where they came from.
void expect_same_figures(simdjson::dom::element a, simdjson::dom::element b,
                         const std::string& path = "") {
  if (a.is_object()) {
    ASSERT_TRUE(b.is_object()) << path;
    for (auto [key, value] : a.get_object()) {
      if (path.empty() && (key == "stored" || key == "run" || key == "computed_at")) continue;
      simdjson::dom::element other;
      ASSERT_FALSE(b[key].get(other)) << path << "." << key << " missing";
      expect_same_figures(value, other, path + "." + std::string(key));
    }
  } else if (a.is_array()) {
    ASSERT_TRUE(b.is_array()) << path;
    ASSERT_EQ(a.get_array().size(), b.get_array().size()) << path;
    std::size_t i = 0;
    for (auto x = a.get_array().begin(), y = b.get_array().begin(); x != a.get_array().end();
         ++x, ++y, ++i)
      expect_same_figures(*x, *y, fmt::format("{}[{}]", path, i));
  } else if (a.is_number()) {
    ASSERT_TRUE(b.is_number()) << path;
    const double x = a.get_double().value(), y = b.get_double().value();
    EXPECT_LE(std::abs(x - y), 1e-12 * std::max(1.0, std::abs(x))) << path << ": " << x << " " << y;
  } else {
    EXPECT_EQ(simdjson::minify(a), simdjson::minify(b)) << path;
  }
}

// A figure as written to a CSV file of the run (six significant digits; empty for NaN).
double figure(simdjson::dom::element e) {
  double d = 0;
  return e.is_null() || e.get_double().get(d) ? std::nan("") : d;
}
bool same_figure(double a, const std::string& csv) {
  if (csv.empty()) return std::isnan(a);
  const double v = std::stod(csv);
  return std::abs(a - v) <= 1e-5 * std::max(1.0, std::abs(v));
}

// The rows of an answer's array are the rows of a CSV file the run wrote, in its order and no
// other: `columns` by name, the first `text` of them compared as text, the others as figures.
// Returns how many rows.
std::size_t expect_rows_as_in_csv(const fs::path& csv, simdjson::dom::element array,
                                  const std::vector<std::string>& columns, std::size_t text) {
  std::ifstream in(csv);
  std::string line;
  EXPECT_TRUE(std::getline(in, line)) << csv;
  EXPECT_EQ(csv_fields(line).size(), columns.size()) << line;
  simdjson::dom::array rows;
  EXPECT_FALSE(array.get(rows)) << csv;
  std::size_t n = 0;
  auto row = rows.begin();
  while (std::getline(in, line)) {
    if (row == rows.end()) {
      ADD_FAILURE() << "fewer rows than " << csv << ": " << line;
      return n;
    }
    const auto f = csv_fields(line);
    EXPECT_EQ(f.size(), columns.size()) << line;
    simdjson::dom::element e = *row;
    for (std::size_t i = 0; i < columns.size() && i < f.size(); ++i) {
      std::string_view v;
      if (i < text)
        EXPECT_EQ(e[columns[i]].get_string().get(v) ? "" : v, f[i]) << columns[i] << ": " << line;
      else
        EXPECT_TRUE(same_figure(figure(e[columns[i]]), f[i])) << columns[i] << ": " << line;
    }
    ++row;
    ++n;
  }
  EXPECT_EQ(row, rows.end()) << "more rows than " << csv;
  return n;
}

TEST_F(ServeTest, ActorFiguresAreTheRunsSupportFigures) {
  // `run --actors` stored them with its detection: the first request reads them, nothing is
  // computed.
  Reply r = call("/api/actors?detection=1");
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
  ASSERT_EQ(str(r.json["state"]), "done") << r.body.substr(0, 300);
  EXPECT_TRUE(r.json["stored"].get_bool().value());
  EXPECT_EQ(num(r.json["run"]), sql("SELECT id FROM runs WHERE command = 'run'"));
  EXPECT_EQ(sql("SELECT count(*) FROM detection_support WHERE detection_id = 1 AND run_id = "
                "(SELECT id FROM runs WHERE command = 'run') AND actors_file = 'actors.toml'"),
            1);
  // The default run detects again at the neighbouring settings: the intervals range over them.
  std::vector<std::string> scenarios;
  for (simdjson::dom::element x : r.json["scenarios"].get_array()) scenarios.push_back(str(x));
  ASSERT_GT(scenarios.size(), 1u);
  EXPECT_EQ(scenarios.front(), "default");
  EXPECT_EQ(str(r.json["actors_file"]), "actors.toml");  // its name, never its directory
  // Every row of the support.csv `run` wrote, at the same detection parameters, and no other.
  EXPECT_GT(expect_rows_as_in_csv(
                *dir_ / "out" / "support.csv", r.json["rows"],
                {"actor", "period", "metric", "raw", "adjusted", "ci_low", "ci_high"}, 3),
            10u);
  std::string line;
  simdjson::dom::array actors;
  ASSERT_FALSE(r.json["actors"].get(actors));
  EXPECT_GT(actors.size(), 0u);
  // What drives each heavy-tailed total: the accounts contributors.csv names, in its order,
  // with their figures, each linked to its account page.
  simdjson::dom::array drivers;
  ASSERT_FALSE(r.json["drivers"].get(drivers));
  std::map<std::pair<std::string, std::string>, simdjson::dom::array> tops;
  for (simdjson::dom::element d : drivers) {
    EXPECT_FALSE(d["adjusted"].is_null());
    EXPECT_LE(figure(d["ci_low"]), figure(d["adjusted"]));
    EXPECT_GE(figure(d["ci_high"]), figure(d["adjusted"]));
    ASSERT_FALSE(d["top"].get(tops[{str(d["actor"]), str(d["metric"])}]));
  }
  EXPECT_EQ(tops.size(), 3 * actors.size());  // views, reactions, engagement per actor
  std::ifstream contributors(*dir_ / "out" / "contributors.csv");
  ASSERT_TRUE(std::getline(contributors, line));
  std::size_t named = 0;
  while (std::getline(contributors, line)) {
    auto f = csv_fields(line);
    ASSERT_EQ(f.size(), 11u) << line;
    ASSERT_TRUE(tops.contains({f[0], f[1]})) << line;
    const simdjson::dom::array top = tops[{f[0], f[1]}];
    const std::size_t rank = std::stoul(f[2]);
    ASSERT_LE(rank, top.size()) << line;
    simdjson::dom::element c = top.at(rank - 1);
    EXPECT_EQ(str(c["platform"]), f[3]) << line;
    EXPECT_EQ(str(c["account_id"]), f[4]) << line;
    EXPECT_EQ(str(c["handle"]), f[5]) << line;
    EXPECT_TRUE(same_figure(figure(c["raw"]), f[6])) << line;
    EXPECT_TRUE(same_figure(figure(c["share_pct"]), f[7])) << line;
    EXPECT_TRUE(same_figure(figure(c["adjusted"]), f[8])) << line;
    EXPECT_TRUE(same_figure(figure(c["adjusted_low"]), f[9])) << line;
    EXPECT_TRUE(same_figure(figure(c["adjusted_high"]), f[10])) << line;
    std::int64_t id = 0;
    ASSERT_FALSE(c["id"].get(id)) << line;
    Reply account = ok(fmt::format("/api/accounts/{}", id));
    EXPECT_EQ(str(account.json["account"]["account_id"]), f[4]) << line;
    ++named;
  }
  EXPECT_GT(named, 0u);
  // Support under the neighbouring settings: the rows of the sensitivity.csv `run` wrote.
  const std::size_t nsens = expect_rows_as_in_csv(
      *dir_ / "out" / "sensitivity.csv", r.json["sensitivity"],
      {"actor", "scenario", "score_threshold", "accounts", "messages", "engagement"}, 2);
  // Per actor and score threshold (six): each scenario, then the other supporter definition and
  // undetermined clusters removed or kept.
  EXPECT_EQ(nsens, (scenarios.size() + 3) * actors.size() * 6);
  // Asked again, the same answer, from memory.
  EXPECT_EQ(call("/api/actors?detection=1").body, r.body);
  EXPECT_EQ(call("/api/actors?detection=999").status, 404);
}

// A store without the figures (written before schema 9, migrated when the server starts): the
// server computes those of the latest detection once, after its index, and stores them; they
// are what `run` stored, and the next server only reads them. Read-only, it computes them into
// memory and writes nothing. Without an actors file, stored figures are still shown.
TEST_F(ServeTest, ActorFiguresMissingFromTheStoreAreComputedOnceAndStored) {
  Reply from_run = ok("/api/actors?detection=1");
  ASSERT_EQ(str(from_run.json["state"]), "done");
  // Copies of the store without the table's rows, or as schema version 8 wrote it: without
  // the table.
  auto copy = [&](const std::string& name, bool version_8) {
    const fs::path path = *dir_ / name;
    fs::remove(path);
    Db db;
    EXPECT_TRUE(db.open(*db_, /*read_only=*/true).ok());
    EXPECT_TRUE(db.exec(fmt::format("VACUUM INTO '{}'", path.string())).ok());
    Db out;
    EXPECT_TRUE(out.open(path.string(), false).ok());
    EXPECT_TRUE(out.exec(version_8 ? "DROP TABLE detection_support; PRAGMA user_version=8"
                                   : "DELETE FROM detection_support")
                    .ok());
    return path.string();
  };
  auto rows = [](const std::string& path, const std::string& where) {
    auto store = Store::open(path, /*read_only=*/true);
    EXPECT_TRUE(store.ok());
    auto v = store->db().query_int64("SELECT count(*) FROM detection_support WHERE " + where);
    return v.ok() ? *v : -1;
  };
  // Waits for the answer of a server still computing them.
  auto figures = [&](int port) {
    Reply a;
    for (int i = 0; i < 1500; ++i) {
      a = call("/api/actors?detection=1", "", {}, port);
      if (a.status != 202) break;
      EXPECT_TRUE(str(a.json["state"]) == "computing" || str(a.json["state"]) == "waiting")
          << a.body;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return a;
  };

  const std::string writable = copy("version-8.db", /*version_8=*/true);
  ServeOptions o;
  o.db_path = writable;
  o.port = 0;
  {
    auto server = Server::start(o);  // the actors file is the one the run recorded
    ASSERT_TRUE(server.ok()) << server.status().message();
    EXPECT_EQ(Store::open(writable, true)->schema_version(), current_schema_version());
    ASSERT_TRUE((*server)->wait_until_indexed());
    // Nobody asked: computed once the index is built, and stored.
    for (int i = 0; i < 1500 && rows(writable, "1") == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_EQ(rows(writable,
                   "detection_id = 1 AND run_id IS NULL AND actors_file = "
                   "'actors.toml'"),
              1);
    Reply computed = figures((*server)->port());
    ASSERT_EQ(computed.status, 200) << computed.body.substr(0, 300);
    EXPECT_TRUE(computed.json["stored"].get_bool().value());
    EXPECT_TRUE(computed.json["run"].is_null());
    expect_same_figures(from_run.json, computed.json);
  }
  {
    // The next server reads them, read-only as well: nothing computed again.
    o.rerun = false;
    auto server = Server::start(o);
    ASSERT_TRUE(server.ok()) << server.status().message();
    Reply again = call("/api/actors?detection=1", "", {}, (*server)->port());
    ASSERT_EQ(again.status, 200) << again.body.substr(0, 300);
    EXPECT_EQ(str(again.json["computed_at"]),
              sql_text(writable, "SELECT created_at FROM detection_support"));
    expect_same_figures(from_run.json, again.json);
  }
  {
    // Read-only over a store without them: computed into memory, nothing written.
    const std::string read_only = copy("read-only.db", /*version_8=*/false);
    o.db_path = read_only;
    auto server = Server::start(o);
    ASSERT_TRUE(server.ok()) << server.status().message();
    Reply computed = figures((*server)->port());
    ASSERT_EQ(computed.status, 200) << computed.body.substr(0, 300);
    EXPECT_FALSE(computed.json["stored"].get_bool().value());
    expect_same_figures(from_run.json, computed.json);
    (*server)->stop();
    EXPECT_EQ(rows(read_only, "1"), 0);
  }
  {
    // No actors file (the run's is gone): the stored figures are still shown; none computed.
    Db db;
    ASSERT_TRUE(db.open(writable, false).ok());
    ASSERT_TRUE(db.exec("UPDATE runs SET parameters = json_set(parameters, '$.actors', "
                        "'/nonexistent/actors.toml') WHERE command = 'run'")
                    .ok());
    o.db_path = writable;
    auto server = Server::start(o);
    ASSERT_TRUE(server.ok()) << server.status().message();
    Reply shown = call("/api/actors?detection=1", "", {}, (*server)->port());
    ASSERT_EQ(shown.status, 200) << shown.body.substr(0, 300);
    expect_same_figures(from_run.json, shown.json);
    ASSERT_TRUE(db.exec("DELETE FROM detection_support").ok());
    (*server)->stop();
    auto none = Server::start(o);
    ASSERT_TRUE(none.ok()) << none.status().message();
    Reply missing = call("/api/actors?detection=1", "", {}, (*none)->port());
    EXPECT_EQ(missing.status, 200);
    EXPECT_EQ(str(missing.json["state"]), "no_actors") << missing.body;
  }
}

TEST_F(ServeTest, ThePageAndItsBundlesComeFromTheBinary) {
  httplib::Client c("127.0.0.1", server_->port());
  auto page = c.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  // One script, from this server: no inline script for the policy to allow.
  EXPECT_NE(page->body.find("<script src=\"/serve.js\"></script>"), std::string::npos);
  EXPECT_EQ(page->body.find("<script>"), std::string::npos);
  EXPECT_NE(page->get_header_value("Content-Security-Policy").find("script-src 'self'"),
            std::string::npos);
  auto js = c.Get("/serve.js");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->status, 200);
  EXPECT_EQ(js->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_GT(js->body.size(), 10000u) << "web/dist/serve.js was not embedded";
  EXPECT_NE(js->body.find("/api/status"), std::string::npos);
  auto css = c.Get("/serve.css");
  ASSERT_TRUE(css);
  EXPECT_EQ(css->status, 200);
  EXPECT_EQ(css->get_header_value("Content-Type"), "text/css; charset=utf-8");
  EXPECT_GT(css->body.size(), 100u);
}

TEST_F(ServeTest, NoRequestReadsAFileOutsideTheStore) {
  for (const std::string path :
       {"/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/api/../../etc/passwd",
        "/api/objects?behaviour=link&key=file:///etc/passwd", "/etc/passwd", "//etc/passwd"}) {
    httplib::Client c("127.0.0.1", server_->port());
    auto res = c.Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->body.find("root:"), std::string::npos) << path;
    if (path.find("objects") == std::string::npos) {
      EXPECT_EQ(res->status, 404) << path;
    }
  }
}

TEST_F(ServeTest, RefusesOtherHostsOriginsAndNonJsonPosts) {
  EXPECT_EQ(call("/api/status", "", {{"Host", "attacker.example:80"}}).status, 403);
  EXPECT_EQ(
      call("/api/status", "", {{"Host", "localhost:" + std::to_string(server_->port())}}).status,
      200);
  httplib::Client c("127.0.0.1", server_->port());
  auto form = c.Post("/api/detections", "window_s=1", "application/x-www-form-urlencoded");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->status, 415);
  EXPECT_EQ(call("/api/detections", "{}", {{"Origin", "http://attacker.example"}}).status, 403);
  auto del = c.Delete("/api/detections");
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 405);
  EXPECT_EQ(call("/api/detections", R"({"window_sec": 30})").status, 400);
  EXPECT_EQ(call("/api/detections", R"({"fdr": 2})").status, 400);
  EXPECT_EQ(call("/api/detections", "[1,2]").status, 400);
}

TEST_F(ServeTest, ReadsNeverWriteTheStore) {
  const std::int64_t runs = sql("SELECT count(*) FROM runs");
  const auto size = fs::file_size(*db_);
  for (const std::string path : {"/api/status", "/api/clusters", "/api/detections",
                                 "/api/search?q=a", "/api/accounts/1", "/api/clusters/1/edges"})
    call(path);
  EXPECT_EQ(sql("SELECT count(*) FROM runs"), runs);
  EXPECT_EQ(fs::file_size(*db_), size);
}

TEST_F(ServeTest, RerunStoresANewDetectionBesideTheOldAndCompares) {
  const std::int64_t before = sql("SELECT max(id) FROM detections");
  Reply s =
      call("/api/detections", fmt::format(R"({{"base": {}, "window_s": 30, "min_repetition": 4,
                                                    "behaviours": ["link", "share"]}})",
                                          before));
  ASSERT_EQ(s.status, 202) << s.body;
  const std::string job = std::to_string(num(s.json["id"]));
  Reply j;
  for (int i = 0; i < 600; ++i) {
    j = ok("/api/jobs/" + job);
    if (str(j.json["state"]) != "running") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(str(j.json["state"]), "done") << j.body;
  const std::int64_t after = num(j.json["detection"]);
  EXPECT_EQ(after, sql("SELECT max(id) FROM detections"));
  EXPECT_GT(after, before);
  EXPECT_EQ(sql(fmt::format("SELECT count(*) FROM detections WHERE id = {} AND "
                            "json_extract(parameters, '$.window_s') = 30 AND "
                            "json_extract(parameters, '$.min_repetition') = 4 AND "
                            "json_array_length(parameters, '$.behaviours') = 2",
                            after)),
            1);
  EXPECT_EQ(sql(fmt::format("SELECT count(*) FROM runs r JOIN detections d ON d.run_id = r.id "
                            "WHERE d.id = {} AND r.command = 'detect' AND r.status = 'ok'",
                            after)),
            1);
  // The old detection is still there and still answers; the new one's cluster pages list its
  // own links.
  ok(fmt::format("/api/clusters?detection={}", before));
  for (std::int64_t c = 1;
       c <= sql(fmt::format("SELECT clusters FROM detections WHERE id = {}", after)); ++c)
    expect_cluster_edges_as_stored(after, c);
  Reply c = ok(fmt::format("/api/compare?a={}&b={}", before, after));
  const std::int64_t in_a = sql(fmt::format(
      "SELECT count(*) FROM detection_cluster_accounts WHERE detection_id = {}", before));
  const std::int64_t in_b = sql(fmt::format(
      "SELECT count(*) FROM detection_cluster_accounts WHERE detection_id = {}", after));
  const std::int64_t both = sql(fmt::format(
      "SELECT count(*) FROM detection_cluster_accounts x JOIN detection_cluster_accounts y ON "
      "y.account = x.account WHERE x.detection_id = {} AND y.detection_id = {}",
      before, after));
  EXPECT_EQ(num(c.json["accounts"]["a"]), in_a);
  EXPECT_EQ(num(c.json["accounts"]["b"]), in_b);
  EXPECT_EQ(num(c.json["accounts"]["both"]), both);
  Reply only = ok(fmt::format("/api/compare/accounts?a={}&b={}&side=a&limit=200", before, after));
  EXPECT_EQ(num(only.json["total"]), in_a - both);
  EXPECT_EQ(call("/api/jobs/99").status, 404);
}

// Detection and support figures take turns (analysis_lock): a re-run asked for while the
// analysis is held says it waits, then runs.
TEST_F(ServeTest, ARerunWaitsForTheAnalysisInProgressAndSaysSo) {
  std::unique_lock<std::mutex> held(analysis_lock());
  Reply s = call("/api/detections", R"({"behaviours": ["share"]})");
  ASSERT_EQ(s.status, 202) << s.body;
  const std::string job = "/api/jobs/" + std::to_string(num(s.json["id"]));
  Reply j;
  for (int i = 0; i < 300; ++i) {
    j = ok(job);
    if (str(j.json["stage"]) == "waiting") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(str(j.json["stage"]), "waiting") << j.body;
  EXPECT_EQ(str(j.json["state"]), "running");
  held.unlock();
  for (int i = 0; i < 600 && str(j.json["state"]) == "running"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    j = ok(job);
  }
  EXPECT_EQ(str(j.json["state"]), "done") << j.body;
}

TEST_F(ServeTest, ClustersCarryTheRunsVerdictsAndReRunsJudgeTheirsTheSameWay) {
  // The main job's detection: each cluster's verdict and reasons as clusters.csv has them.
  std::map<std::string, std::pair<std::string, std::string>> csv;  // cluster -> (verdict, why)
  {
    std::ifstream in(*dir_ / "out" / "clusters.csv");
    std::string line;
    ASSERT_TRUE(std::getline(in, line));
    const auto header = csv_fields(line);
    auto column = [&](std::string_view name) {
      return static_cast<std::size_t>(std::find(header.begin(), header.end(), name) -
                                      header.begin());
    };
    const std::size_t id = column("cluster_id"), verdict = column("verdict"),
                      reasons = column("verdict_reasons");
    ASSERT_LT(reasons, header.size()) << "clusters.csv has no verdict_reasons";
    while (std::getline(in, line)) {
      const auto f = csv_fields(line);
      ASSERT_EQ(f.size(), header.size()) << line;
      csv[f[id]] = {f[verdict], f[reasons]};
    }
  }
  ASSERT_FALSE(csv.empty());
  auto verdicts = [&](std::int64_t detection) {
    std::map<std::string, std::pair<std::string, std::string>> out;
    std::string cursor;
    do {
      Reply r = ok(fmt::format("/api/clusters?detection={}&limit=2{}", detection,
                               cursor.empty() ? "" : "&cursor=" + cursor));
      for (auto c : r.json["clusters"].get_array()) {
        out[std::to_string(num(c["cluster_id"]))] = {str(c["verdict"]), str(c["verdict_reasons"])};
        EXPECT_TRUE(c["verdict_evidence"].is_object());
      }
      cursor = r.json["next"].is_null() ? "" : str(r.json["next"]);
    } while (!cursor.empty());
    return out;
  };
  const std::int64_t first = sql("SELECT min(id) FROM detections");
  EXPECT_EQ(verdicts(first), csv);
  std::set<std::string> kinds;
  for (const auto& [id, v] : csv) kinds.insert(v.first);
  EXPECT_GT(kinds.size(), 1u) << "every cluster has the same verdict: a weak test";

  // A re-run from the page at the main run's parameters judges its clusters the same way.
  Reply s = call("/api/detections", fmt::format(R"({{"base": {}}})", first));
  ASSERT_EQ(s.status, 202) << s.body;
  Reply j;
  for (int i = 0; i < 600; ++i) {
    j = ok("/api/jobs/" + std::to_string(num(s.json["id"])));
    if (str(j.json["state"]) != "running") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(str(j.json["state"]), "done") << j.body;
  EXPECT_EQ(num(j.json["step"]), num(j.json["steps"]));
  EXPECT_EQ(verdicts(num(j.json["detection"])), csv);
}

TEST(ServeToken, EveryRequestNeedsTheTokenWhenListeningBeyondLoopback) {
  const fs::path dir = fs::temp_directory_path() / ("gs-serve-token-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  RunOptions run;
  run.input.inputs = {kHostile};
  run.out_dir = dir.string();
  run.progress = false;
  ASSERT_TRUE(run_command(run).ok());
  ServeOptions o;
  o.db_path = (dir / "groundswell.db").string();
  o.port = 0;
  o.listen_given = true;  // --listen 127.0.0.1: the token rules apply
  auto server = Server::start(o);
  ASSERT_TRUE(server.ok()) << server.status().message();
  Server& s = **server;
  ASSERT_EQ(s.token().size(), 64u);
  EXPECT_NE(s.url().find("?token=" + s.token()), std::string::npos);
  httplib::Client c("127.0.0.1", s.port());
  auto none = c.Get("/api/status");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  auto wrong = c.Get("/api/status", {{"Authorization", "Bearer " + std::string(64, '0')}});
  EXPECT_EQ(wrong->status, 401);
  auto bearer = c.Get("/api/status", {{"Authorization", "Bearer " + s.token()}});
  EXPECT_EQ(bearer->status, 200);
  // The link printed at start trades the token for a cookie and leaves the address clean.
  auto link = c.Get("/?token=" + s.token());
  ASSERT_TRUE(link);
  EXPECT_EQ(link->status, 303);
  EXPECT_EQ(link->get_header_value("Location"), "/");
  const std::string cookie = link->get_header_value("Set-Cookie");
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  auto with_cookie = c.Get("/api/status", {{"Cookie", cookie.substr(0, cookie.find(';'))}});
  EXPECT_EQ(with_cookie->status, 200);
  auto query = c.Get("/api/status?token=" + s.token());
  EXPECT_EQ(query->status, 200);
  s.stop();
  fs::remove_all(dir);
}

// A store of schema version 5 (before the clusters' verdicts): served read-only it cannot be
// migrated and is refused, naming the file and both versions; served as usual it is migrated.
TEST(ServeOlderStore, ReadOnlyIsRefusedAndWritableIsMigrated) {
  const fs::path dir = fs::temp_directory_path() / ("gs-serve-v5-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path db_path = dir / "v5.db";
  {
    Db db;
    ASSERT_TRUE(db.open(db_path.string(), false).ok());
    for (std::size_t v = 0; v < 5; ++v) ASSERT_TRUE(db.exec(schema_migrations()[v]).ok());
    ASSERT_TRUE(db.exec("PRAGMA user_version=5").ok());
  }
  ServeOptions o;
  o.db_path = db_path.string();
  o.port = 0;
  o.rerun = false;  // --read-only
  auto refused = Server::start(o);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find(db_path.string() +
                                            " has schema version 5, older "
                                            "than this groundswell's (" +
                                            std::to_string(current_schema_version()) + ")"),
            std::string::npos)
      << refused.status().message();
  o.rerun = true;
  auto server = Server::start(o);
  ASSERT_TRUE(server.ok()) << server.status().message();
  (*server)->stop();
  auto store = Store::open(db_path, /*read_only=*/true);
  ASSERT_TRUE(store.ok()) << store.status().message();
  EXPECT_EQ(store->schema_version(), current_schema_version());
  fs::remove_all(dir);
}

TEST(ServeIndexSearch, NormalizesLikeDetection) {
  // Arabic and Persian letter forms, digits and case fold to one key, as in detection.
  Dataset d;
  for (int i = 0; i < 3; ++i) d.account_row.push_back(i + 1);
  d.account_platform.push_back("telegram");
  d.account_platform.push_back("telegram");
  d.account_platform.push_back("twitter");
  d.account_id.push_back("user1");
  d.account_id.push_back("user2");
  d.account_id.push_back("user3");
  d.account_handle.push_back("Sara_۱۲");  // Persian digits
  d.account_handle.push_back("");
  d.account_handle.push_back("@کريم");
  d.account_display_name.push_back("Sara");
  d.account_display_name.push_back("مريم كريمي");
  d.account_display_name.push_back("");
  for (int i = 0; i < 3; ++i) {
    d.account_description.push_back("");
    d.account_kind.push_back("");
    d.account_created_at.push_back(kNoTime);
    d.account_followers.push_back(kAbsent);
    d.account_following.push_back(kAbsent);
  }
  SignalTable signals;
  signals.accounts.resize(3);
  signals.score.assign(3, 0.0);
  signals.reasons.assign(3, "");
  auto ix = ServeIndex::build(d, signals);
  ASSERT_TRUE(ix.ok()) << ix.status().message();
  auto first = [&](std::string_view q) {
    auto r = ix->search(q, 10, 0);
    return r.hits.empty() ? std::int64_t{-1} : ix->account_row(r.hits[0].account);
  };
  EXPECT_EQ(first("sara_12"), 1);
  EXPECT_EQ(first("@SARA_12"), 1);
  EXPECT_EQ(first("کریمی"), 2);  // a word of the name, Persian yeh and kaf
  EXPECT_EQ(first("کریم"), 3);   // exact handle beats a word of a name
  EXPECT_EQ(first("twitter:user3"), 3);
  EXPECT_EQ(first("telegram:user3"), -1);
  EXPECT_EQ(ix->search("user", 10, 0).total, 3u);
  EXPECT_EQ(ix->search("   ", 10, 0).total, 0u);
}

TEST(ServeIndexSearch, PagesEveryMatchOnceBestFirstAndCountsUpToACap) {
  // 1,500 accounts matching "reza" in every way a search can (exact id, handle and name, a
  // handle prefix, a word of a name or handle, inside a word), with 1 to 7 posts each, and
  // one on another platform.
  std::vector<testing::TestMessage> in;
  auto add = [&](std::string platform, std::string id, std::string handle, std::string name,
                 int posts) {
    for (int p = 0; p < posts; ++p) {
      testing::TestMessage m;
      m.platform = platform;
      m.account_id = id;
      m.handle = handle;
      m.display_name = name;
      m.chat_id = "c";
      m.message_id = fmt::format("{}-{}", id, p);
      m.time = 1'700'000'000'000 + static_cast<TimeMs>(in.size()) * 1000;
      in.push_back(m);
    }
  };
  for (int i = 0; i < 1500; ++i) {
    const std::string n = std::to_string(i);
    switch (i % 4) {
      case 0:
        add("telegram", "id" + n, "u" + n, "Reza Karimi " + n, 1 + i % 7);
        break;
      case 1:
        add("telegram", "id" + n, "ali" + n, "Alireza " + n, 1 + i % 7);
        break;
      case 2:
        add("telegram", "id" + n, "Reza_" + n, "Sara", 1 + i % 7);
        break;
      default:
        add("telegram", "id" + n, "mina_reza" + n, "Mina", 1 + i % 7);
    }
  }
  add("telegram", "reza", "someone", "Someone", 1);
  add("telegram", "x1", "reza", "X", 1);
  add("telegram", "x2", "y2", "REZA", 2);
  add("twitter", "t1", "reza_t", "Reza", 3);
  add("telegram", "nobody", "nobody", "Nobody", 9);
  Dataset d = testing::make_dataset(in);
  SignalTable signals;
  signals.accounts.resize(d.accounts());
  signals.score.assign(d.accounts(), 0.0);
  signals.reasons.assign(d.accounts(), "");
  auto ix = ServeIndex::build(d, signals);
  ASSERT_TRUE(ix.ok()) << ix.status().message();

  // The ranking by the rules, account by account: best match, then most posts, then account.
  auto reference = [&](std::string_view query, std::string_view platform) {
    std::string key, field;
    normalize_key(query, NormalizeOptions{}, key);
    std::vector<std::pair<int, std::uint32_t>> ranked;
    std::vector<std::uint32_t> posts(d.accounts(), 0);
    for (std::uint32_t a : d.msg_account) ++posts[a];
    for (std::uint32_t a = 0; a < d.accounts(); ++a) {
      if (!platform.empty() && d.account_platform[a] != platform) continue;
      std::array<std::string, 3> f;
      normalize_key(d.account_id[a], NormalizeOptions{}, f[0]);
      normalize_key(d.account_handle[a], NormalizeOptions{}, f[1]);
      normalize_key(d.account_display_name[a], NormalizeOptions{}, f[2]);
      int m = 6;
      auto word = [&](const std::string& s) {
        for (std::size_t i = s.find(key); i != std::string::npos; i = s.find(key, i + 1))
          if (i == 0 || s[i - 1] == ' ' || s[i - 1] == '_') return true;
        return false;
      };
      if (f[0] == key)
        m = 0;
      else if (f[1] == key)
        m = 1;
      else if (f[2] == key)
        m = 2;
      else if (f[1].starts_with(key))
        m = 3;
      else if (word(f[1]) || word(f[2]))
        m = 4;
      else if (f[0].find(key) != std::string::npos || f[1].find(key) != std::string::npos ||
               f[2].find(key) != std::string::npos)
        m = 5;
      if (m < 6) ranked.emplace_back(m, a);
    }
    std::sort(ranked.begin(), ranked.end(), [&](const auto& x, const auto& y) {
      if (x.first != y.first) return x.first < y.first;
      if (posts[x.second] != posts[y.second]) return posts[x.second] > posts[y.second];
      return x.second < y.second;
    });
    return ranked;
  };
  for (const auto& [query, platform] :
       std::vector<std::pair<std::string, std::string>>{{"reza", ""},
                                                        {"REZA", ""},
                                                        {"twitter:reza", "twitter"},
                                                        {"reza karimi 1", ""},
                                                        {"mina_reza14", ""},
                                                        {"eza", ""},
                                                        {"nothing like it", ""}}) {
    const auto want =
        reference(platform.empty() ? query : query.substr(platform.size() + 1), platform);
    std::vector<std::pair<int, std::uint32_t>> got;
    for (std::size_t offset = 0, limit = 200;; offset += limit) {
      SearchResult r = ix->search(query, limit, offset);
      for (const SearchHit& h : r.hits) got.emplace_back(static_cast<int>(h.match), h.account);
      EXPECT_EQ(r.more, offset + limit < want.size()) << query << " at " << offset;
      // Counted exactly while at most kSearchCount hits are known (or the page reaches past).
      const bool counted = want.size() < std::max(offset + limit + 1, kSearchCount + 1);
      EXPECT_EQ(r.total.has_value(), counted) << query << " at " << offset;
      if (r.total) {
        EXPECT_EQ(*r.total, want.size()) << query;
      }
      EXPECT_LE(r.at_least, want.size()) << query;
      EXPECT_GE(r.at_least, std::min(want.size(), kSearchCount + 1)) << query;
      if (!r.more) break;
    }
    EXPECT_EQ(got, want) << query;
  }
  EXPECT_GT(reference("reza", "").size(), kSearchCount);
  EXPECT_EQ(reference("reza", "").front().second, *ix->account_index(1501));  // id "reza"
}

}  // namespace
}  // namespace groundswell
