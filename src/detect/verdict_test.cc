#include "detect/verdict.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "store/test_dataset.h"

namespace groundswell {
namespace {

using testing::TestMessage;

// A month of retweets: a background of ordinary accounts re-sharing many authors' posts
// hours later; fans of an outlet retweeting its posts 20-240 s after each, every fan on its
// own; "sleepers" retweeting another source's posts within a minute of one signal per post
// that comes 2-25 minutes after it; and accounts created within three days that retweet a
// third source's every post within seconds.
struct World {
  Dataset data;
  std::map<std::string, std::string> group;  // account id -> fans, sleepers, burst, organic
};

World make_world(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto uniform = [&](double lo, double hi) {
    return lo + (hi - lo) * std::uniform_real_distribution<double>(0, 1)(rng);
  };
  auto chance = [&](double p) { return uniform(0, 1) < p; };
  const TimeMs t0 = 1'709'251'200'000, day = 86'400'000, minute = 60'000, second = 1'000;
  std::vector<TestMessage> msgs;
  World w;
  int id = 0;
  auto post = [&](const std::string& account, TimeMs t) {
    TestMessage m;
    m.platform = "twitter";
    m.account_id = account;
    m.handle = account;
    m.message_id = std::to_string(++id);
    m.time = t;
    m.text = "post " + m.message_id;
    msgs.push_back(m);
    return m.message_id;
  };
  auto retweet = [&](const std::string& account, const std::string& original, TimeMs t) {
    TestMessage m;
    m.platform = "twitter";
    m.account_id = account;
    m.handle = account;
    m.message_id = std::to_string(++id);
    m.time = t;
    m.shares = original;
    msgs.push_back(m);
  };
  std::vector<std::pair<std::string, TimeMs>> background;
  for (int a = 0; a < 60; ++a)
    for (int p = 0; p < 10; ++p) {
      TimeMs t = t0 + static_cast<TimeMs>(uniform(0, 28)) * day + static_cast<TimeMs>(uniform(0, day));
      background.emplace_back(post(fmt::format("author{:02}", a), t), t);
    }
  auto background_retweets = [&](const std::string& account, int n) {
    for (int k = 0; k < n; ++k) {
      const auto& [orig, t] = background[static_cast<std::size_t>(uniform(0, 599.99))];
      retweet(account, orig, t + static_cast<TimeMs>(uniform(1, 6) * 3'600'000));
    }
  };
  for (int a = 0; a < 150; ++a) {
    w.group[fmt::format("org{:03}", a)] = "organic";
    background_retweets(fmt::format("org{:03}", a), 15);
  }
  for (int p = 0; p < 40; ++p) {
    const TimeMs t = t0 + p * 6 * 3'600'000 + 3 * minute;
    const std::string outlet = post("outlet", t);
    for (int f = 0; f < 25; ++f)
      if (chance(0.7))
        retweet(fmt::format("fan{:02}", f), outlet, t + static_cast<TimeMs>(uniform(20, 240) * second));
    const TimeMs s = t + 3 * 3'600'000;
    const std::string source = post("sleeper_source", s);
    const TimeMs signal = s + static_cast<TimeMs>(uniform(2, 25) * minute);
    for (int k = 0; k < 16; ++k)
      if (chance(0.5))
        retweet(fmt::format("sleeper{:02}", k), source, signal + static_cast<TimeMs>(uniform(0, 60) * second));
    if (p < 30) {
      const TimeMs b = t + 90 * minute;
      const std::string target = post("burst_source", b);
      for (int k = 0; k < 12; ++k)
        retweet(fmt::format("burst{:02}", k), target, b + static_cast<TimeMs>(uniform(2, 10) * second));
    }
  }
  for (int f = 0; f < 25; ++f) {
    w.group[fmt::format("fan{:02}", f)] = "fans";
    background_retweets(fmt::format("fan{:02}", f), 8);
  }
  for (int k = 0; k < 16; ++k) {
    w.group[fmt::format("sleeper{:02}", k)] = "sleepers";
    background_retweets(fmt::format("sleeper{:02}", k), 8);
  }
  for (int k = 0; k < 12; ++k) {
    w.group[fmt::format("burst{:02}", k)] = "burst";
    background_retweets(fmt::format("burst{:02}", k), 8);
  }
  w.data = testing::make_dataset(msgs);
  for (std::size_t a = 0; a < w.data.accounts(); ++a) {
    const std::string id_a(w.data.account_id[a]);
    const bool burst = w.group[id_a] == "burst";
    w.data.account_created_at[a] =
        burst ? t0 - 100 * day + static_cast<TimeMs>(uniform(0, 3 * day))
              : t0 - static_cast<TimeMs>(uniform(30, 15 * 365)) * day;
  }
  return w;
}

TEST(Verdicts, FansAreOrganicTriggerFiredAndBurstCreatedGroupsInauthentic) {
  for (std::uint64_t seed : {1, 2, 3}) {
    World w = make_world(seed);
    DetectOptions opt;
    opt.behaviours = {Behaviour::kShare};
    auto r = detect(w.data, opt);
    ASSERT_TRUE(r.ok()) << r.status().message();
    judge_clusters(w.data, *r, {}, opt.window_ms);
    // Verdicts by group: every clustered member of a group gets its group's verdict.
    std::map<std::string, std::map<std::string, int>> verdicts;
    for (std::size_t a = 0; a < w.data.accounts(); ++a) {
      if (r->account_cluster[a] == 0) continue;
      const Cluster& c = r->clusters[r->account_cluster[a] - 1];
      ++verdicts[w.group[std::string(w.data.account_id[a])]][std::string(verdict_name(c.verdict))];
    }
    SCOPED_TRACE(fmt::format("seed {}", seed));
    EXPECT_GE(verdicts["fans"]["organic"], 20);
    EXPECT_EQ(verdicts["fans"]["inauthentic"], 0);
    EXPECT_GE(verdicts["sleepers"]["inauthentic"], 12);
    EXPECT_EQ(verdicts["sleepers"]["organic"], 0);
    EXPECT_EQ(verdicts["burst"]["inauthentic"], 12);
    EXPECT_EQ(verdicts["organic"]["inauthentic"], 0);
    // The reasons name what decided.
    for (const Cluster& c : r->clusters) {
      const std::string first(w.data.account_id[c.accounts.front()]);
      if (w.group[first] == "fans") {
        EXPECT_NE(c.verdict_reasons.find("re-share posts of @outlet"), std::string::npos);
        EXPECT_GT(c.evidence.stimulus_p, 0.05);
      }
      if (w.group[first] == "sleepers") {
        EXPECT_NE(c.verdict_reasons.find("fired by one trigger"), std::string::npos);
        EXPECT_LE(c.evidence.stimulus_p, 0.01);
      }
      if (w.group[first] == "burst") {
        EXPECT_NE(c.verdict_reasons.find("created within 14 days"), std::string::npos);
      }
    }
  }
}

// Judging detections of one data set with a memo of the stimulus nulls (as run judges its
// sensitivity variants) gives the verdicts of judging each alone, and a cluster met again is
// not tested again.
TEST(Verdicts, AStimulusMemoChangesNoVerdict) {
  World w = make_world(1);
  DetectOptions opt;
  opt.behaviours = {Behaviour::kShare};
  auto alone = detect(w.data, opt);
  ASSERT_TRUE(alone.ok()) << alone.status().message();
  DetectionResult first = *alone, again = *alone;
  judge_clusters(w.data, *alone, {}, opt.window_ms);
  StimulusMemo memo;
  VerdictOptions vo;
  vo.memo = &memo;
  judge_clusters(w.data, first, {}, opt.window_ms, vo);
  const std::size_t tested = memo.size();
  EXPECT_GT(tested, 0u);
  judge_clusters(w.data, again, {}, opt.window_ms, vo);
  EXPECT_EQ(memo.size(), tested);  // every test found in the memo
  for (const DetectionResult* r : {&first, &again}) {
    ASSERT_EQ(r->clusters.size(), alone->clusters.size());
    for (std::size_t c = 0; c < alone->clusters.size(); ++c) {
      EXPECT_EQ(r->clusters[c].verdict, alone->clusters[c].verdict);
      EXPECT_EQ(r->clusters[c].verdict_reasons, alone->clusters[c].verdict_reasons);
      const double p = alone->clusters[c].evidence.stimulus_p;
      if (std::isnan(p)) {
        EXPECT_TRUE(std::isnan(r->clusters[c].evidence.stimulus_p));
      } else {
        EXPECT_EQ(r->clusters[c].evidence.stimulus_p, p);
      }
    }
  }
}

TEST(Verdicts, AccountSignalsDecideWithoutAStimulus) {
  World w = make_world(4);
  DetectOptions opt;
  opt.behaviours = {Behaviour::kShare};
  auto r = detect(w.data, opt);
  ASSERT_TRUE(r.ok());
  // Scores and handles: the fans look machine-made now; they are judged on that.
  std::vector<double> score(w.data.accounts(), 0.1), handle(w.data.accounts(), 0.0);
  for (std::size_t a = 0; a < w.data.accounts(); ++a)
    if (w.group[std::string(w.data.account_id[a])] == "fans") score[a] = 0.9, handle[a] = 1.0;
  judge_clusters(w.data, *r, {score, handle}, opt.window_ms);
  bool seen = false;
  for (const Cluster& c : r->clusters)
    if (w.group[std::string(w.data.account_id[c.accounts.front()])] == "fans") {
      seen = true;
      EXPECT_EQ(c.verdict, Verdict::kInauthentic);
      EXPECT_NE(c.verdict_reasons.find("score above 0.7"), std::string::npos);
      EXPECT_NE(c.verdict_reasons.find("machine-made handles"), std::string::npos);
      EXPECT_NEAR(c.evidence.mean_score, 0.9, 1e-9);
    }
  EXPECT_TRUE(seen);
  // Judging is deterministic.
  auto again = detect(w.data, opt);
  ASSERT_TRUE(again.ok());
  judge_clusters(w.data, *again, {score, handle}, opt.window_ms);
  ASSERT_EQ(again->clusters.size(), r->clusters.size());
  for (std::size_t i = 0; i < r->clusters.size(); ++i) {
    EXPECT_EQ(again->clusters[i].verdict_reasons, r->clusters[i].verdict_reasons);
    EXPECT_EQ(again->clusters[i].evidence.stimulus_p, r->clusters[i].evidence.stimulus_p);
  }
}

}  // namespace
}  // namespace groundswell
