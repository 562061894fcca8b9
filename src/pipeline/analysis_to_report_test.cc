#include "pipeline/analysis_to_report.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "ingest/ingest.h"

namespace groundswell {
namespace {

namespace fs = std::filesystem;

fs::path temp_dir(const std::string& name) {
  fs::path p = fs::path(GS_BINARY_DIR) / "analysis_to_report_test_tmp" / name;
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

// A store ingested from canonical JSON lines written by the test.
struct TestStore {
  fs::path dir;
  std::optional<Store> store;
  Dataset data;
  std::int64_t run_id = 0;

  explicit TestStore(const std::string& name, const std::string& lines) : dir(temp_dir(name)) {
    std::ofstream(dir / "in.jsonl") << lines;
    auto s = Store::open((dir / "groundswell.db").string());
    EXPECT_TRUE(s.ok()) << s.status().message();
    store.emplace(std::move(*s));
    IngestOptions in;
    in.inputs = {(dir / "in.jsonl").string()};
    in.format = "canonical";
    in.progress = false;
    auto summary = ingest(*store, in);
    EXPECT_TRUE(summary.ok()) << summary.status().message();
    run_id = summary->run_id;
    auto d = load_dataset(*store);
    EXPECT_TRUE(d.ok()) << d.status().message();
    data = std::move(*d);
  }
};

std::string post(const std::string& platform, const std::string& id, const std::string& account,
                 const std::string& time, const std::string& extra = "") {
  return R"({"platform":")" + platform + R"(","message_id":")" + id + R"(","chat_id":"c","account_id":")" +
         account + R"(","time":")" + time + "\"" + extra + "}\n";
}

TEST(Overview, CountsPostsEventsAccountsObjectsLanguagesGapsAndRejects) {
  std::string lines;
  // Day 1: three twitter posts by two accounts, one telegram post; day 2 after a 30-hour gap.
  lines += post("twitter", "1", "alice", "2024-03-01T08:00:00Z",
                R"(,"lang":"de","shares":"orig9","urls":["https://Example.org/a?utm_source=x"])");
  lines += post("twitter", "2", "alice", "2024-03-01T09:00:00Z",
                R"(,"lang":"de","urls":["https://example.org/a"],"hashtags":["#Wahl"])");
  lines += post("twitter", "3", "bob", "2024-03-01T10:00:00Z",
                R"(,"lang":"en","urls":["https://example.org/a"],"hashtags":["#wahl"])");
  lines += post("telegram", "4", "chan", "2024-03-01T11:00:00Z", R"(,"text":"hello")");
  lines += post("twitter", "5", "bob", "2024-03-02T17:00:00Z", R"(,"lang":"de","shares":"orig9")");
  lines += post("telegram", "6", "chan", "2024-03-02T18:00:00Z", R"(,"kind":"event")");
  // Rejected: two absurd times (reasons that differ only in numbers), one without an account.
  lines += post("twitter", "7", "carol", "1850-01-01T00:00:00Z");
  lines += post("twitter", "8", "carol", "1861-12-31T00:00:00Z");
  lines += "{\"platform\":\"twitter\",\"message_id\":\"9\",\"time\":\"2024-03-01T08:00:00Z\"}\n";
  TestStore t("overview", lines);
  DetectOptions opt;
  opt.null_replicates = 0;
  auto r = detect(t.data, opt);
  ASSERT_TRUE(r.ok()) << r.status().message();
  // The store's rows with its event: the overview reads the events from the store.
  EXPECT_EQ(t.data.stored_message_rows, 6);
  auto ov = build_overview(*t.store, t.data, *r);
  ASSERT_TRUE(ov.ok()) << ov.status().message();

  EXPECT_EQ(ov->messages, 5);
  EXPECT_EQ(ov->undated, 0);
  EXPECT_EQ(ov->first_time, "2024-03-01T08:00:00Z");
  EXPECT_EQ(ov->last_time, "2024-03-02T17:00:00Z");
  EXPECT_EQ(ov->days, 2);
  EXPECT_EQ(ov->active_days, 2);
  ASSERT_EQ(ov->platforms.size(), 2u);
  EXPECT_EQ(ov->platforms[0].platform, "telegram");
  EXPECT_EQ(ov->platforms[0].messages, 1);
  EXPECT_EQ(ov->platforms[0].events, 1);
  EXPECT_EQ(ov->platforms[1].platform, "twitter");
  EXPECT_EQ(ov->platforms[1].messages, 4);
  EXPECT_EQ(ov->platforms[1].accounts, 2);
  // Day rows by day, then platform; the event's day has no telegram post.
  ASSERT_EQ(ov->daily.size(), 4u);
  EXPECT_EQ(ov->daily[0].day, "2024-03-01");
  EXPECT_EQ(ov->daily[0].platform, "telegram");
  EXPECT_EQ(ov->daily[1].platform, "twitter");
  EXPECT_EQ(ov->daily[1].messages, 3);
  EXPECT_EQ(ov->daily[1].accounts, 2);
  EXPECT_EQ(ov->daily[2].day, "2024-03-02");
  EXPECT_EQ(ov->daily[2].platform, "telegram");
  EXPECT_EQ(ov->daily[2].messages, 0);
  EXPECT_EQ(ov->daily[2].events, 1);
  EXPECT_EQ(ov->daily[3].messages, 1);

  ASSERT_EQ(ov->top_accounts.size(), 3u);
  EXPECT_EQ(ov->top_accounts[0].account, "alice");  // 2 posts, before bob by id
  EXPECT_EQ(ov->top_accounts[0].messages, 2);
  EXPECT_EQ(ov->top_accounts[0].reposts, 1);
  EXPECT_EQ(ov->top_accounts[0].active_days, 1);
  EXPECT_EQ(ov->top_accounts[1].account, "bob");
  EXPECT_EQ(ov->top_accounts[1].active_days, 2);
  EXPECT_EQ(ov->top_accounts[1].first_time, "2024-03-01T10:00:00Z");
  EXPECT_EQ(ov->top_accounts[1].last_time, "2024-03-02T17:00:00Z");

  // As detection counts them: the link of the repost is not a link action of alice's.
  auto top = [&](const std::string& behaviour) {
    for (const auto& o : ov->top_objects)
      if (o.behaviour == behaviour) return o;
    return ReportObjectCount{};
  };
  EXPECT_EQ(top("share").object, "orig9");
  EXPECT_EQ(top("share").messages, 2);
  EXPECT_EQ(top("share").accounts, 2);
  EXPECT_EQ(top("link").messages, 2);
  EXPECT_EQ(top("link").accounts, 2);
  EXPECT_EQ(top("domain").object, "example.org");
  EXPECT_EQ(top("hashtag").messages, 2);  // #Wahl and #wahl are one hashtag

  ASSERT_EQ(ov->languages.size(), 3u);
  EXPECT_EQ(ov->languages[0].name, "de");
  EXPECT_EQ(ov->languages[0].count, 3);

  ASSERT_FALSE(ov->gaps.empty());
  EXPECT_EQ(ov->gaps[0].from, "2024-03-01T11:00:00Z");
  EXPECT_EQ(ov->gaps[0].to, "2024-03-02T17:00:00Z");
  EXPECT_DOUBLE_EQ(ov->gaps[0].hours, 30);

  EXPECT_EQ(ov->rejected, 3);
  ASSERT_EQ(ov->reject_reasons.size(), 2u);
  EXPECT_EQ(ov->reject_reasons[0].count, 2);
  EXPECT_NE(ov->reject_reasons[0].name.find("N"), std::string::npos) << ov->reject_reasons[0].name;
  EXPECT_EQ(ov->reject_reasons[0].name.find_first_of("0123456789"), std::string::npos)
      << ov->reject_reasons[0].name;
  EXPECT_EQ(ov->reject_reasons[1].count, 1);

  // The report's totals: every post and every service event of the store, and its rejects.
  auto rd = build_report_data(*t.store, t.data, *r, opt);
  ASSERT_TRUE(rd.ok()) << rd.status().message();
  const std::map<std::string, std::int64_t> totals(rd->provenance.totals.begin(),
                                                   rd->provenance.totals.end());
  EXPECT_EQ(totals.at("messages"), 5);
  EXPECT_EQ(totals.at("events"), 1);
  EXPECT_EQ(totals.at("rejects"), 3);
}

// A cluster of the group test's own has no internal edges: the report shows its members'
// re-shares of the source's posts as its evidence, as its evidence file lists them.
TEST(ReportClusters, TheGroupTestsOwnClusterShowsTheReShares) {
  std::string lines;
  lines += post("twitter", "1", "movement", "2024-03-01T08:00:00Z", R"(,"text":"rally")");
  lines += post("twitter", "2", "movement", "2024-03-02T08:00:00Z", R"(,"text":"march")");
  lines += post("twitter", "11", "s1", "2024-03-01T08:05:00Z", R"(,"shares":"1")");
  lines += post("twitter", "12", "s2", "2024-03-01T08:05:20Z", R"(,"shares":"1")");
  lines += post("twitter", "13", "s1", "2024-03-02T08:07:00Z", R"(,"shares":"2")");
  lines += post("twitter", "14", "s2", "2024-03-02T08:07:30Z", R"(,"shares":"2")");
  TestStore t("group_cluster", lines);
  DetectOptions opt;
  opt.null_replicates = 0;
  auto r = detect(t.data, opt);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_TRUE(r->clusters.empty());  // two posts: below min_repetition, no edge
  Cluster c;
  c.id = 1;
  c.evidence.fired_share = 1;
  for (std::uint32_t a = 0; a < t.data.accounts(); ++a) {
    if (t.data.account_id[a] != "s1" && t.data.account_id[a] != "s2") continue;
    c.accounts.push_back(a);
    r->account_cluster[a] = c.id;
  }
  std::vector<std::string> reshares;
  for (std::uint32_t m = 0; m < t.data.messages(); ++m) {
    if (t.data.msg_shares[m].empty()) continue;
    c.reshares.push_back(m);
    reshares.emplace_back(t.data.msg_message_id[m]);
  }
  c.messages = c.reshares.size();
  ASSERT_TRUE(is_group_test_cluster(c));
  r->clusters.push_back(c);
  auto rd = build_report_data(*t.store, t.data, *r, opt);
  ASSERT_TRUE(rd.ok()) << rd.status().message();
  ASSERT_EQ(rd->clusters.size(), 1u);
  const ReportCluster& shown = rd->clusters[0];
  EXPECT_EQ(shown.p_method, "group_test");
  std::vector<std::string> evidence;
  for (const auto& e : shown.evidence) {
    evidence.push_back(e.message_id);
    EXPECT_EQ(e.behaviour, "share");
  }
  EXPECT_EQ(evidence, reshares);  // every re-share, in time order
}

TEST(RunTimestamp, RunRecordOrSourceDateEpoch) {
  TestStore t("timestamp", post("twitter", "1", "alice", "2024-03-01T08:00:00Z"));
  unsetenv("SOURCE_DATE_EPOCH");
  auto when = run_timestamp(*t.store, t.run_id);
  ASSERT_TRUE(when.ok());
  EXPECT_GE(when->size(), 20u) << *when;
  EXPECT_EQ(when->substr(0, 2), "20");
  EXPECT_EQ(when->back(), 'Z');
  // Without a run id: the latest run (no detection stored yet).
  auto latest = run_timestamp(*t.store, std::nullopt);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(*latest, *when);
  setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
  auto fixed = run_timestamp(*t.store, t.run_id);
  ASSERT_TRUE(fixed.ok());
  EXPECT_EQ(*fixed, "2023-11-14T22:13:20Z");
  setenv("SOURCE_DATE_EPOCH", "17e8", 1);
  EXPECT_FALSE(run_timestamp(*t.store, t.run_id).ok());
  setenv("SOURCE_DATE_EPOCH", "", 1);
  EXPECT_FALSE(run_timestamp(*t.store, t.run_id).ok());
  unsetenv("SOURCE_DATE_EPOCH");
}

}  // namespace
}  // namespace groundswell
