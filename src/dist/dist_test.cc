// The communicator at any number of processes: run alone by ctest (one process, where every
// collective returns its own input) and under `mpirun -np 3` (ctest: dist.mpi3).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "detect/detect.h"
#include "detect/internal.h"
#include "dist/communicator.h"
#include "signals/signals.h"
#include "store/message_index.h"
#include "store/test_dataset.h"

namespace groundswell::dist {
namespace {

Bytes text(std::string_view s) {
  Bytes b;
  append(b, std::span<const char>(s.data(), s.size()));
  return b;
}

std::string as_text(const Bytes& b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

TEST(Communicator, AllToAllDeliversEachBufferToItsRank) {
  Communicator& c = world();
  std::vector<Bytes> out(static_cast<std::size_t>(c.size()));
  for (int d = 0; d < c.size(); ++d)
    out[static_cast<std::size_t>(d)] = text(std::to_string(c.rank()) + "->" + std::to_string(d));
  auto got = c.all_to_all(std::move(out));
  ASSERT_EQ(got.size(), static_cast<std::size_t>(c.size()));
  for (int s = 0; s < c.size(); ++s)
    EXPECT_EQ(as_text(got[static_cast<std::size_t>(s)]),
              std::to_string(s) + "->" + std::to_string(c.rank()));
}

TEST(Communicator, AllToAllCarriesEmptyAndUnevenBuffers) {
  Communicator& c = world();
  std::vector<Bytes> out(static_cast<std::size_t>(c.size()));
  // Rank r sends r * 1000 + d bytes of value d to rank d (rank 0 sends nothing to rank 0).
  for (int d = 0; d < c.size(); ++d)
    out[static_cast<std::size_t>(d)].assign(static_cast<std::size_t>(c.rank() * 1000 + d),
                                            static_cast<std::byte>(d));
  auto got = c.all_to_all(std::move(out));
  for (int s = 0; s < c.size(); ++s) {
    const Bytes& b = got[static_cast<std::size_t>(s)];
    EXPECT_EQ(b.size(), static_cast<std::size_t>(s * 1000 + c.rank()));
    EXPECT_TRUE(std::all_of(b.begin(), b.end(),
                            [&](std::byte x) { return x == static_cast<std::byte>(c.rank()); }));
  }
}

TEST(Communicator, GatherCollectsOnRootInRankOrder) {
  Communicator& c = world();
  auto got = c.gather(text("rank " + std::to_string(c.rank())), 0);
  if (c.rank() != 0) {
    EXPECT_TRUE(got.empty());
    return;
  }
  ASSERT_EQ(got.size(), static_cast<std::size_t>(c.size()));
  for (int s = 0; s < c.size(); ++s)
    EXPECT_EQ(as_text(got[static_cast<std::size_t>(s)]), "rank " + std::to_string(s));
}

TEST(Communicator, BroadcastGivesRootsBytesToAll) {
  Communicator& c = world();
  Bytes b = c.rank() == 0 ? text("from the root") : text("stale");
  c.broadcast(b, 0);
  EXPECT_EQ(as_text(b), "from the root");
}

TEST(Communicator, SumsAreExactOverRanks) {
  Communicator& c = world();
  const auto n = static_cast<std::uint64_t>(c.size());
  std::vector<std::uint64_t> big = {static_cast<std::uint64_t>(c.rank()) + 1, 1ull << 40};
  c.all_reduce_sum(big);
  EXPECT_EQ(big[0], n * (n + 1) / 2);
  EXPECT_EQ(big[1], n << 40);
  std::vector<std::uint32_t> small = {7, static_cast<std::uint32_t>(c.rank())};
  c.reduce_sum(small, 0);
  if (c.rank() == 0) {
    EXPECT_EQ(small[0], 7 * n);
    EXPECT_EQ(small[1], n * (n - 1) / 2);
  } else {
    EXPECT_EQ(small[0], 7u);  // untouched off the root
  }
}

// The stimulus null of share edges at a slow window, sharded over the ranks, gives every edge
// the p-value one process gives it: 30 channels' posts re-shared by 120 fans minutes later
// (independent delays) and by 10 accounts fired together (a common delay per post); and so do
// the edges when their pair records are made in many passes.
TEST(ShardedDetection, StimulusNullGivesOneProcessPValues) {
  using namespace detect_internal;
  using groundswell::testing::TestMessage;
  std::mt19937_64 rng(7);
  const TimeMs t0 = 1'700'000'000'000, minute = 60'000;
  std::vector<TestMessage> in;
  auto add = [&](std::string account, std::string id, TimeMs t, std::string shares) {
    TestMessage m;
    m.account_id = std::move(account);
    m.message_id = std::move(id);
    m.time = t;
    m.shares = std::move(shares);
    if (m.shares.empty()) m.text = "news";
    in.push_back(std::move(m));
  };
  std::uniform_int_distribution<TimeMs> delay(2 * minute, 30 * minute);
  std::bernoulli_distribution joins(0.3);
  int id = 0;
  for (int c = 0; c < 30; ++c)
    for (int k = 0; k < 12; ++k) {
      const std::string post = fmt::format("post-{}-{}", c, k);
      const TimeMs posted = t0 + (c * 12 + k) * 37 * minute;
      add(fmt::format("channel{}", c), post, posted, "");
      for (int f = 0; f < 120; ++f)
        if ((f % 30 == c || f % 7 == c % 7) && joins(rng))
          add(fmt::format("fan{}", f), std::to_string(++id), posted + delay(rng), post);
      const TimeMs fired = posted + delay(rng);
      for (int b = 0; b < 10; ++b)
        if (c < 10 && joins(rng))
          add(fmt::format("bot{}", b), std::to_string(++id), fired + b * 1000, post);
    }
  const Dataset d = groundswell::testing::make_dataset(in);
  DetectOptions opt;
  opt.behaviours = {Behaviour::kShare};
  opt.window_ms = 10 * minute;
  opt.min_repetition = 2;
  const NullModel model = make_null_model(d);
  const std::vector<std::uint32_t> rank = account_byte_order(d);
  const MessageIndex originals(d);
  auto stimulus = [&](Communicator* comm, std::uint64_t budget) {
    ActionTable t = extract_actions(d, Behaviour::kShare, opt, comm);
    BehaviourEdges be = native_edges(d, t, opt, rank, budget);
    edge_and_near_miss_p_values(t, model, opt, be);
    stimulus_p_values(t, model, opt, share_origins(d, t, originals), be.edges);
    return be.edges;
  };
  const std::vector<Edge> alone = stimulus(nullptr, kPairRecordBudget);
  const std::vector<Edge> sharded = stimulus(&world(), kPairRecordBudget);
  // The pair records made in many passes on every rank (a budget of a few hundred records).
  const std::vector<Edge> passes = stimulus(&world(), 10'000);
  if (world().rank() != 0) return;  // rank 0 holds the edges
  ASSERT_EQ(alone.size(), sharded.size());
  ASSERT_EQ(alone.size(), passes.size());
  std::size_t between = 0;
  for (std::size_t i = 0; i < alone.size(); ++i) {
    EXPECT_EQ(alone[i].source, sharded[i].source) << i;
    EXPECT_EQ(alone[i].target, sharded[i].target) << i;
    EXPECT_EQ(alone[i].p_stimulus, sharded[i].p_stimulus) << i;
    EXPECT_EQ(alone[i].source, passes[i].source) << i;
    EXPECT_EQ(alone[i].target, passes[i].target) << i;
    EXPECT_EQ(alone[i].p_value, passes[i].p_value) << i;
    EXPECT_EQ(alone[i].p_stimulus, passes[i].p_stimulus) << i;
    between += alone[i].p_stimulus > 0.02 && alone[i].p_stimulus < 1;
  }
  // The test means something: fan pairs fit the null, bot pairs do not.
  EXPECT_GT(alone.size(), 100u);
  EXPECT_GT(between, 20u);
  std::size_t bots_rejected = 0;
  for (const Edge& e : alone)
    bots_rejected += d.account_id[e.source].starts_with("bot") &&
                     d.account_id[e.target].starts_with("bot") && e.p_stimulus <= 0.02;
  EXPECT_GE(bots_rejected, 20u);
}

// Hashtag posts on the clock in crowds, sharded over the ranks: one hashtag's days are objects
// on different ranks, and a post is on the clock by its account's posts on the other days.
// 60 schedulers post #cause in one 90-second slot a day among 200 accounts posting it at any
// time, with a crowd cap of 20: the edges are those of one process, and they are more than
// the crowd's nearest neighbours give.
TEST(ShardedDetection, HashtagPostsOnTheClockPairAsInOneProcess) {
  using namespace detect_internal;
  using groundswell::testing::TestMessage;
  std::mt19937_64 rng(11);
  const TimeMs day = 86'400'000, minute = 60'000, t0 = 19'675 * day;
  std::vector<TestMessage> in;
  auto tweet = [&](std::string account, TimeMs t) {
    TestMessage m;
    m.account_id = std::move(account);
    m.message_id = std::to_string(in.size() + 1);
    m.time = t;
    m.text = "own words";
    m.hashtags = {"#cause"};
    in.push_back(std::move(m));
  };
  std::uniform_int_distribution<TimeMs> slot(0, 90'000), anytime(0, day - 1);
  std::bernoulli_distribution joins(0.8);
  for (int d = 0; d < 12; ++d) {
    for (int b = 0; b < 60; ++b)
      if (joins(rng)) tweet(fmt::format("sched{}", b), t0 + d * day + 600 * minute + slot(rng));
    for (int a = 0; a < 200; ++a) tweet(fmt::format("org{}", a), t0 + d * day + anytime(rng));
  }
  const Dataset d = groundswell::testing::make_dataset(in);
  DetectOptions opt;
  opt.behaviours = {Behaviour::kHashtag};
  opt.max_crowd = 20;
  opt.crowd_neighbours = 1;
  const std::vector<std::uint32_t> rank = account_byte_order(d);
  auto edges = [&](Communicator* comm) {
    ActionTable t = extract_actions(d, Behaviour::kHashtag, opt, comm);
    BehaviourEdges be = native_edges(d, t, opt, rank);
    return std::pair(be.edges, be.crowded_actions);
  };
  const auto [alone, crowded] = edges(nullptr);
  const auto [sharded, sharded_crowded] = edges(&world());
  if (world().rank() != 0) return;  // rank 0 holds the edges
  EXPECT_EQ(crowded, sharded_crowded);
  ASSERT_EQ(alone.size(), sharded.size());
  for (std::size_t i = 0; i < alone.size(); ++i) {
    EXPECT_EQ(alone[i].source, sharded[i].source) << i;
    EXPECT_EQ(alone[i].target, sharded[i].target) << i;
    EXPECT_EQ(alone[i].weight, sharded[i].weight) << i;
    EXPECT_EQ(alone[i].pairs, sharded[i].pairs) << i;
  }
  // Nearest neighbours alone link each scheduler to a few others; on the clock, nearly every
  // pair of the 60 meets on at least 3 days.
  EXPECT_GT(crowded, 500u);
  EXPECT_GT(alone.size(), 1'500u);
}

// Signals over the ranks (each a share of the texts and a block of the accounts) equal one
// process's: 200 accounts, a quarter of them posting copies of the same 20 texts, the rest
// their own words, at human or clockwork times.
TEST(ShardedSignals, EveryAccountsSignalsAsInOneProcess) {
  using groundswell::testing::TestMessage;
  std::mt19937_64 rng(3);
  const TimeMs t0 = 1'700'000'000'000;
  std::uniform_int_distribution<TimeMs> anytime(0, 30 * 86'400'000LL);
  std::vector<TestMessage> in;
  for (int a = 0; a < 200; ++a)
    for (int k = 0; k < 30; ++k) {
      TestMessage m;
      m.account_id = fmt::format("acct{}", a);
      m.handle = a % 4 == 0 ? fmt::format("user{}8812345", a) : fmt::format("name_{}", a);
      m.message_id = fmt::format("{}-{}", a, k);
      m.time = a % 4 == 0 ? t0 + k * 3'600'000LL : t0 + anytime(rng);
      m.text = a % 4 == 0 ? fmt::format("the same campaign message number {} for all", k % 20)
                          : fmt::format("my own thoughts {} on day {}", a, k);
      in.push_back(std::move(m));
    }
  // Each account's messages spread over every rank's share of the texts.
  std::shuffle(in.begin(), in.end(), rng);
  const Dataset d = groundswell::testing::make_dataset(in);
  auto alone = compute_signals(d);
  auto shared = compute_signals(d, {}, &world());
  ASSERT_TRUE(alone.ok());
  ASSERT_TRUE(shared.ok());
  if (world().rank() != 0) return;  // rank 0 holds the whole table
  std::size_t copied = 0;
  for (std::size_t a = 0; a < d.accounts(); ++a) {
    // Field by field (padding bytes may differ): equal, or both not available.
    auto same = [](double x, double y) { return x == y || (std::isnan(x) && std::isnan(y)); };
    const AccountSignals &x = alone->accounts[a], &y = shared->accounts[a];
    for (std::size_t k = 0; k < x.score.size(); ++k) EXPECT_TRUE(same(x.score[k], y.score[k])) << a;
    for (auto [u, v] : {std::pair{x.median_age_days, y.median_age_days},
                        {x.posts_per_day, y.posts_per_day},
                        {x.burstiness, y.burstiness},
                        {x.gap_entropy, y.gap_entropy},
                        {x.office_fraction, y.office_fraction},
                        {x.lunch_dip, y.lunch_dip},
                        {x.forward_share, y.forward_share},
                        {x.duplicate_share, y.duplicate_share},
                        {x.follower_ratio, y.follower_ratio},
                        {x.channel_err, y.channel_err}})
      EXPECT_TRUE(same(u, v)) << a;
    EXPECT_EQ(x.burst_accounts, y.burst_accounts) << a;
    EXPECT_EQ(x.office_offset_minutes, y.office_offset_minutes) << a;
    EXPECT_TRUE(same(alone->score[a], shared->score[a])) << a;
    EXPECT_EQ(alone->reasons[a], shared->reasons[a]) << a;
    copied += alone->accounts[a].duplicate_share > 0.5;
  }
  EXPECT_EQ(copied, 50u);  // the copy-paste accounts, whichever rank normalized their texts
}

TEST(Bytes, ValuesAndStringsReadBackInOrder) {
  Bytes b;
  append_value<std::uint32_t>(b, 42);
  append_string(b, "héllo");
  std::vector<double> v = {1.5, -2.25};
  append(b, std::span<const double>(v));
  Reader r(b);
  EXPECT_EQ(r.value<std::uint32_t>(), 42u);
  EXPECT_EQ(r.string(), "héllo");
  std::vector<double> back;
  r.values(back, 2);
  EXPECT_EQ(back, v);
  EXPECT_TRUE(r.done());
}

}  // namespace
}  // namespace groundswell::dist

// Collectives need MPI started before the tests and stopped after them.
int main(int argc, char** argv) {
  groundswell::dist::Session session(argc, argv);
  ::testing::InitGoogleTest(&argc, argv);
  // Only rank 0 prints, so a run under mpirun reads as one.
  if (groundswell::dist::world().rank() != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  return RUN_ALL_TESTS();
}
