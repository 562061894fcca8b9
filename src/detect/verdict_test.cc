#include "detect/verdict.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
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

// Benjamini–Hochberg bounds the share of false edges, so beside thousands of true ones a few
// pairs of ordinary accounts that met three times by chance are kept. Such a cluster is organic
// when chance among all the pairs that co-acted gives its edges; a cluster of many edges that
// are each as weak is not, and neither is one whose members show manufacture.
TEST(Verdicts, ClustersChanceGivesAreOrganic) {
  std::vector<TestMessage> msgs;
  for (int a = 0; a < 16; ++a) {
    TestMessage m;
    m.account_id = fmt::format("acc{:02}", a);
    m.message_id = std::to_string(a);
    m.time = 1'709'251'200'000 + a;
    msgs.push_back(m);
  }
  const Dataset d = testing::make_dataset(msgs);
  ASSERT_EQ(d.accounts(), 16u);
  DetectionResult r;
  r.funnel.push_back({.behaviour = Behaviour::kShare, .window_ms = 60'000, .co_acting_pairs = 20'000});
  r.account_cluster.assign(d.accounts(), 0);
  auto cluster = [&](std::vector<std::uint32_t> members) {
    Cluster c;
    c.id = static_cast<std::uint32_t>(r.clusters.size() + 1);
    for (std::uint32_t a : members) r.account_cluster[a] = c.id;
    c.accounts = std::move(members);
    r.clusters.push_back(c);
  };
  auto edge = [&](std::uint32_t a, std::uint32_t b, double p_time, double p_cooccurrence) {
    Edge e;
    e.source = a;
    e.target = b;
    e.window_ms = 60'000;
    e.weight = 3;
    e.p_value = p_time;
    e.p_cooccurrence = p_cooccurrence;
    r.edges.push_back(e);
  };
  // 1: a pair as strong as chance gives twice among 20,000 pairs (1e-4 x 20,000 = 2).
  cluster({0, 1});
  edge(0, 1, 1.65e-7, 1e-4);
  // 2: a pair chance gives 0.002 times.
  cluster({2, 3});
  edge(2, 3, 1e-8, 1e-7);
  // 3: six accounts joined by all 15 of their pairs, each edge as weak as cluster 1's.
  cluster({4, 5, 6, 7, 8, 9});
  for (std::uint32_t a = 4; a < 10; ++a)
    for (std::uint32_t b = a + 1; b < 10; ++b) edge(a, b, 1.65e-7, 1e-4);
  // 4: as weak as cluster 1, but its members score as inauthentic.
  cluster({10, 11});
  edge(10, 11, 1.65e-7, 1e-4);
  // 5: an edge that was not tested (no null model): nothing to weigh against chance.
  cluster({12, 13});
  edge(12, 13, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN());
  // 6: a similar_text pair, whose co-occurrence p-value is reported but was never a test it
  // was kept on: only its time-shift p-value counts (1e-8 x 20,000).
  r.funnel.push_back(
      {.behaviour = Behaviour::kSimilarText, .window_ms = 60'000, .co_acting_pairs = 20'000});
  cluster({14, 15});
  edge(14, 15, 1e-8, 0.5);
  r.edges.back().behaviour = Behaviour::kSimilarText;
  std::vector<double> score(d.accounts(), 0.2);
  score[10] = score[11] = 0.9;
  judge_clusters(d, r, {score, {}}, 60'000);

  const Cluster& chance = r.clusters[0];
  EXPECT_EQ(chance.verdict, Verdict::kOrganic);
  EXPECT_NEAR(chance.evidence.chance_p, 1 - std::exp(-2.0), 1e-6);
  EXPECT_NE(chance.verdict_reasons.find("no more than chance gives"), std::string::npos)
      << chance.verdict_reasons;
  EXPECT_EQ(r.clusters[1].verdict, Verdict::kUndetermined);
  EXPECT_NEAR(r.clusters[1].evidence.chance_p, 1 - std::exp(-0.002), 1e-9);
  EXPECT_EQ(r.clusters[2].verdict, Verdict::kUndetermined);  // 15 edges where chance gives 2
  EXPECT_LT(r.clusters[2].evidence.chance_p, 1e-6);
  EXPECT_EQ(r.clusters[3].verdict, Verdict::kInauthentic);
  EXPECT_EQ(r.clusters[4].verdict, Verdict::kUndetermined);
  EXPECT_TRUE(std::isnan(r.clusters[4].evidence.chance_p));
  EXPECT_EQ(r.clusters[5].verdict, Verdict::kUndetermined);
  EXPECT_NEAR(r.clusters[5].evidence.chance_p, 1 - std::exp(-2e-4), 1e-9);
}

}  // namespace
}  // namespace groundswell
