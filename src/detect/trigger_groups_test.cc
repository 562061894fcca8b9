// The group test of a source's re-sharers (docs/detection.md, "The group test"): sleepers
// too sparse for any pair of them to be an edge are found as a group, fans of the same
// source who answer on their own clock are not.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <random>

#include "base/file.h"
#include "detect/internal.h"
#include "detect/verdict.h"
#include "store/test_dataset.h"

namespace groundswell {
namespace {

namespace fs = std::filesystem;
using testing::TestMessage;

// Two weeks of one movement's account posting twice a day. Its fans re-share about half of
// its posts 20 s to 4 min after each, each fan on its own clock; `sleepers` accounts each
// re-share a third of its posts within 30 s of one signal per post that comes 2-25 minutes
// after it, so any two of them meet on about one post, below min_repetition. A background of
// ordinary accounts re-shares other authors' posts hours later.
struct World {
  Dataset data;
  std::map<std::string, std::string> group;  // account id -> fans, sleepers, organic
};

World make_world(std::uint64_t seed, int sleepers) {
  std::mt19937_64 rng(seed);
  auto uniform = [&](double lo, double hi) {
    return lo + (hi - lo) * std::uniform_real_distribution<double>(0, 1)(rng);
  };
  const TimeMs t0 = 1'709'251'200'000, hour = 3'600'000, minute = 60'000, second = 1'000;
  std::vector<TestMessage> msgs;
  World w;
  int id = 0;
  auto add = [&](const std::string& account, TimeMs t, const std::string& shares) {
    TestMessage m;
    m.platform = "twitter";
    m.account_id = account;
    m.handle = account;
    m.message_id = std::to_string(++id);
    m.time = t;
    m.shares = shares;
    if (shares.empty()) m.text = "post " + m.message_id;
    msgs.push_back(m);
    return m.message_id;
  };
  for (int p = 0; p < 28; ++p) {
    const TimeMs t = t0 + p * 12 * hour + static_cast<TimeMs>(uniform(0, 2 * hour));
    const std::string post = add("movement", t, "");
    for (int f = 0; f < 20; ++f)
      if (uniform(0, 1) < 0.5)
        add(fmt::format("fan{:02}", f), t + static_cast<TimeMs>(uniform(20, 240) * second), post);
    const TimeMs signal = t + static_cast<TimeMs>(uniform(2, 25) * minute);
    for (int k = 0; k < sleepers; ++k)
      if (uniform(0, 1) < 1.0 / 3)
        add(fmt::format("sleeper{:02}", k), signal + static_cast<TimeMs>(uniform(0, 30) * second),
            post);
  }
  for (int a = 0; a < 40; ++a) {
    const std::string author = fmt::format("author{:02}", a);
    for (int p = 0; p < 3; ++p) {
      const TimeMs t = t0 + static_cast<TimeMs>(uniform(0, 14 * 24) * hour);
      const std::string post = add(author, t, "");
      for (int k = 0; k < 2; ++k)
        add(fmt::format("org{:02}", (a * 7 + p * 3 + k) % 60),
            t + static_cast<TimeMs>(uniform(1, 6) * hour), post);
    }
  }
  for (int f = 0; f < 20; ++f) w.group[fmt::format("fan{:02}", f)] = "fans";
  for (int k = 0; k < sleepers; ++k) w.group[fmt::format("sleeper{:02}", k)] = "sleepers";
  for (int a = 0; a < 60; ++a) w.group[fmt::format("org{:02}", a)] = "organic";
  w.data = testing::make_dataset(msgs);
  for (std::size_t a = 0; a < w.data.accounts(); ++a)
    w.data.account_created_at[a] = t0 - static_cast<TimeMs>(uniform(30, 15 * 365)) * 24 * hour;
  return w;
}

std::uint32_t account_index(const Dataset& d, std::string_view id) {
  for (std::size_t a = 0; a < d.accounts(); ++a)
    if (d.account_id[a] == id) return static_cast<std::uint32_t>(a);
  return kNoAccount;
}

TEST(GroupTest, FindsSleepersThatNoPairTestSeesAndLeavesFansAlone) {
  for (std::uint64_t seed : {1, 2, 3}) {
    SCOPED_TRACE(fmt::format("seed {}", seed));
    World w = make_world(seed, 10);
    DetectOptions opt;
    opt.behaviours = {Behaviour::kShare};
    opt.seed = seed;
    auto r = detect(w.data, opt);
    ASSERT_TRUE(r.ok()) << r.status().message();
    judge_clusters(w.data, *r, {}, opt.window_ms);
    std::map<std::string, int> discounted, flagged;
    for (std::size_t a = 0; a < w.data.accounts(); ++a) {
      if (r->account_cluster[a] == 0) continue;
      const Cluster& c = r->clusters[r->account_cluster[a] - 1];
      const std::string& g = w.group[std::string(w.data.account_id[a])];
      discounted[g] += c.verdict == Verdict::kInauthentic;
      flagged[g] += c.evidence.fired_source != UINT32_MAX;
    }
    EXPECT_GE(discounted["sleepers"], 6);
    EXPECT_EQ(discounted["fans"], 0);
    EXPECT_EQ(discounted["organic"], 0);
    EXPECT_EQ(flagged["fans"] + flagged["organic"], 0);
    // The group's own clusters: no internal edges, the movement as the source that fired
    // them, the reason in plain words.
    int own = 0;
    for (const Cluster& c : r->clusters) {
      if (c.internal_edges != 0) continue;
      ++own;
      EXPECT_EQ(c.verdict, Verdict::kInauthentic);
      EXPECT_EQ(c.evidence.fired_share, 1.0);
      EXPECT_EQ(w.data.account_id[c.evidence.fired_source], "movement");
      EXPECT_TRUE(std::isnan(c.p_value));
      EXPECT_LE(c.evidence.fired_p, opt.fdr);
      EXPECT_NE(c.verdict_reasons.find("re-share posts of @movement with the same partners"),
                std::string::npos);
      EXPECT_GT(c.messages, 0u);
      EXPECT_EQ(c.reshares.size(), c.messages);  // the evidence file's messages
      ASSERT_FALSE(c.top_objects.empty());
      for (std::uint32_t a : c.accounts)
        EXPECT_EQ(w.group[std::string(w.data.account_id[a])], "sleepers");
    }
    EXPECT_GE(own, 1);
  }
}

// The evidence file of a cluster of the group test's own lists its members' re-shares, each
// with the post it re-shared.
TEST(GroupTest, EvidenceFileListsTheReShares) {
  World w = make_world(1, 10);
  DetectOptions opt;
  opt.behaviours = {Behaviour::kShare};
  auto r = detect(w.data, opt);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const fs::path out = fs::path(GS_BINARY_DIR) / "detect_test_tmp" / "group_evidence";
  fs::remove_all(out);
  ASSERT_TRUE(write_detection_outputs(w.data, *r, opt, out).ok());
  int own = 0;
  for (const Cluster& c : r->clusters) {
    if (!is_group_test_cluster(c)) continue;
    ++own;
    const std::string json =
        read_whole_file(out / "evidence" / fmt::format("cluster-{}.json", c.id)).value_or("");
    EXPECT_NE(json.find("\"p_method\": \"group_test\""), std::string::npos);
    for (std::uint32_t m : c.reshares) {
      const std::string id = fmt::format("\"message_id\": \"{}\"", w.data.msg_message_id[m]);
      const auto at = json.find(id);
      ASSERT_NE(at, std::string::npos) << id;
      EXPECT_NE(json.find(fmt::format("\"object\": \"{}\"", w.data.msg_shares[m]), at),
                std::string::npos);
    }
  }
  EXPECT_GE(own, 1);
}

TEST(GroupTest, TestsEachSourceAndOnlyReSharersOfTwoPostsOrMore) {
  World w = make_world(4, 10);
  MessageIndex originals(w.data);
  std::vector<std::uint64_t> hash(w.data.accounts());
  for (std::size_t a = 0; a < hash.size(); ++a) hash[a] = a * 0x9e3779b97f4a7c15ULL + 1;
  const auto t = detect_internal::group_test(w.data, originals, hash, 60'000, 99, 1);
  // The background authors have 3 posts each: below the five the test needs.
  ASSERT_EQ(t.sources.size(), 1u);
  const auto& s = t.sources[0];
  EXPECT_EQ(s.source, account_index(w.data, "movement"));
  EXPECT_EQ(s.posts, 28u);
  EXPECT_LE(s.p, 0.01);
  EXPECT_EQ(s.replicates, 99u);
  for (std::size_t i = 0; i < s.accounts.size(); ++i) {
    const std::string& g = w.group[std::string(w.data.account_id[s.accounts[i]])];
    if (g == "fans") {
      EXPECT_GT(s.account_p[i], 0.001);
    }
  }
  // Without the sleepers nothing is left to find: the replicates stop early.
  World fans = make_world(4, 0);
  MessageIndex fans_originals(fans.data);
  const auto u = detect_internal::group_test(fans.data, fans_originals, hash, 60'000, 99, 1);
  ASSERT_EQ(u.sources.size(), 1u);
  EXPECT_GT(u.sources[0].p, 0.05);
  EXPECT_LT(u.sources[0].replicates, 99u);
  // The same p-values for the same seed.
  const auto again = detect_internal::group_test(w.data, originals, hash, 60'000, 99, 1);
  EXPECT_EQ(again.sources[0].account_p, s.account_p);
}

TEST(GroupTest, OffWithoutTheNullModel) {
  World w = make_world(1, 10);
  DetectOptions opt;
  opt.behaviours = {Behaviour::kShare};
  opt.null_replicates = 0;
  auto r = detect(w.data, opt);
  ASSERT_TRUE(r.ok());
  for (const Cluster& c : r->clusters) EXPECT_EQ(c.evidence.fired_source, UINT32_MAX);
}

}  // namespace
}  // namespace groundswell
