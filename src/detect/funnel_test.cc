// The funnel and the peer comparison (docs/detection.md, "The funnel", "Peer comparison") on
// CooRTweet's real German-election URL shares.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

#include "detect/detect.h"
#include "store/test_dataset.h"

namespace groundswell {
namespace {

const std::string kGerman = "tests/data/reference/coortweet/german_urls_input.csv";

using PairKey = std::pair<std::uint32_t, std::uint32_t>;

TEST(Funnel, CountsAddUpAndAgreeWithTheEdges) {
  Dataset d = testing::read_coortweet(kGerman);
  DetectOptions opt;
  opt.behaviours = {Behaviour::kShare};
  opt.slow_windows.clear();  // one funnel: share at W
  auto r = detect(d, opt);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->funnel.size(), 1u);
  const BehaviourFunnel& f = r->funnel[0];
  EXPECT_EQ(f.behaviour, Behaviour::kShare);
  EXPECT_EQ(f.actions, 41100u);
  EXPECT_TRUE(f.tested);
  EXPECT_TRUE(f.cooccurrence_tested);
  EXPECT_EQ(f.co_acting_pairs, r->candidate_pairs);
  ASSERT_EQ(f.pairs_by_objects.size(), 10u);
  EXPECT_EQ(std::accumulate(f.pairs_by_objects.begin(), f.pairs_by_objects.end(), std::uint64_t{0}),
            f.co_acting_pairs);
  // Pairs with 3 or more objects are exactly the edges (min_repetition 3).
  EXPECT_EQ(std::accumulate(f.pairs_by_objects.begin() + 2, f.pairs_by_objects.end(), std::uint64_t{0}),
            f.edges);
  EXPECT_EQ(f.edges, r->edges.size());
  std::uint64_t kept = 0;
  for (const Edge& e : r->edges) kept += e.significant;
  EXPECT_EQ(f.kept, kept);
  EXPECT_GT(f.kept, 0u);
  // Kept means both adjusted p-values at most q, so kept <= each count after FDR <= nominal.
  EXPECT_LE(f.kept, f.time_fdr);
  EXPECT_LE(f.kept, f.cooccurrence_fdr);
  EXPECT_LE(f.time_fdr, f.time_nominal);
  EXPECT_LE(f.cooccurrence_fdr, f.cooccurrence_nominal);
  EXPECT_LE(f.accounts_kept, f.accounts_in_edges);
  // Candidates: the failed tested edges first, with the step their adjusted p-values give.
  std::size_t tested = 0;
  for (const FunnelCandidate& c : f.candidates) {
    if (c.stopped == FunnelStep::kRepetition) break;
    ++tested;
    EXPECT_FALSE(c.edge.significant);
    const bool time_fail = c.q_value > opt.fdr, cooc_fail = c.q_cooccurrence > opt.fdr;
    EXPECT_EQ(c.stopped, time_fail && cooc_fail ? FunnelStep::kBothNulls
                         : time_fail            ? FunnelStep::kTimeNull
                                                : FunnelStep::kCooccurrenceNull);
    EXPECT_GE(c.q_value, c.edge.p_value);
  }
  EXPECT_EQ(tested, std::min<std::size_t>(20, f.edges - f.kept));
}

// A pair that just missed min_repetition is the same pair with the same p-values as an edge
// once the threshold is one lower: the near misses are the strongest of those.
TEST(Funnel, NearMissesAreTheStrongestPairsBelowTheThreshold) {
  Dataset d = testing::read_coortweet(kGerman);
  DetectOptions opt;
  opt.behaviours = {Behaviour::kShare};
  opt.slow_windows.clear();  // the funnel at W
  Detector detector(d);
  auto three = detector.detect(opt);
  ASSERT_TRUE(three.ok());
  opt.min_repetition = 2;
  auto two = detector.detect(opt);
  ASSERT_TRUE(two.ok());
  std::map<PairKey, const Edge*> edges;
  for (const Edge& e : two->edges) edges[{e.source, e.target}] = &e;
  std::vector<const FunnelCandidate*> near;
  for (const FunnelCandidate& c : three->funnel[0].candidates)
    if (c.stopped == FunnelStep::kRepetition) near.push_back(&c);
  ASSERT_EQ(near.size(), 10u);
  const std::uint64_t with_two = three->funnel[0].pairs_by_objects[1];
  ASSERT_GE(with_two, 10u);
  for (const FunnelCandidate* c : near) {
    EXPECT_EQ(c->edge.objects, 2u);
    auto it = edges.find({c->edge.source, c->edge.target});
    ASSERT_NE(it, edges.end());
    EXPECT_EQ(c->edge.pairs, it->second->pairs);
    EXPECT_EQ(c->edge.p_value, it->second->p_value);
    EXPECT_EQ(c->edge.p_cooccurrence, it->second->p_cooccurrence);
    EXPECT_EQ(c->edge.median_delay_s, it->second->median_delay_s);
  }
  // Exactly the 10 strongest pairs with two objects: most message pairs, then account order.
  std::vector<const Edge*> want;
  for (const Edge& e : two->edges)
    if (e.objects == 2) want.push_back(&e);
  const auto& rank = two->account_rank;
  std::sort(want.begin(), want.end(), [&](const Edge* x, const Edge* y) {
    if (x->pairs != y->pairs) return x->pairs > y->pairs;
    if (x->source != y->source) return rank[x->source] < rank[y->source];
    return rank[x->target] < rank[y->target];
  });
  for (std::size_t i = 0; i < near.size(); ++i) {
    EXPECT_EQ(near[i]->edge.source, want[i]->source) << i;
    EXPECT_EQ(near[i]->edge.target, want[i]->target) << i;
  }
}

TEST(Funnel, WithoutSignificanceOnlyRepetitionIsCounted) {
  Dataset d = testing::read_coortweet(kGerman);
  DetectOptions opt;
  opt.behaviours = {Behaviour::kShare};
  opt.null_replicates = 0;
  auto r = detect(d, opt);
  ASSERT_TRUE(r.ok());
  const BehaviourFunnel& f = r->funnel[0];
  EXPECT_FALSE(f.tested);
  EXPECT_EQ(f.kept, f.edges);
  EXPECT_EQ(f.time_fdr + f.cooccurrence_fdr, 0u);
  for (const FunnelCandidate& c : f.candidates) {
    EXPECT_EQ(c.stopped, FunnelStep::kRepetition);
    EXPECT_TRUE(std::isnan(c.edge.p_value));
  }
}

// CooRTweet's own result on this file at 30 s and min_participation 2 (the reference output
// in tests/data/reference): 1,453 edges, 5,658 pairs, 506 accounts.
TEST(PeerComparison, ReproducesCooRTweetsCountsAndSetsThemBesideTheNativeResult) {
  Dataset d = testing::read_coortweet(kGerman);
  DetectOptions opt;
  opt.behaviours = {Behaviour::kShare};
  opt.window_ms = 30'000;
  auto r = detect(d, opt);
  ASSERT_TRUE(r.ok());
  auto peer = peer_comparison(d, *r, opt);
  ASSERT_EQ(peer.size(), 1u);
  const PeerCount& c = peer[0];
  EXPECT_TRUE(c.computed);
  EXPECT_EQ(c.edges, 1453u);
  EXPECT_EQ(c.pairs, 5658u);
  EXPECT_EQ(c.accounts, 506u);
  EXPECT_GE(c.message_pairs, c.pairs);
  EXPECT_GT(c.single_object, 0u);
  EXPECT_LE(c.native_kept, c.native_edges);
  std::uint64_t kept = 0;
  for (const Edge& e : r->edges) kept += e.significant;
  EXPECT_LE(c.native_kept, kept);
  // The counts are those of the coortweet mode's own edges at the same settings.
  DetectOptions ct = opt;
  ct.compat = CompatMode::kCoortweet;
  ct.min_repetition = kPeerMinParticipation;
  auto own = detect(d, ct);
  ASSERT_TRUE(own.ok());
  ASSERT_EQ(own->edges.size(), c.edges);
  std::set<std::pair<std::uint32_t, std::uint32_t>> reached, native_kept;
  for (const Edge& e : r->edges) {
    reached.emplace(e.source, e.target);
    if (e.significant) native_kept.emplace(e.source, e.target);
  }
  std::uint64_t single = 0, in_reached = 0, in_kept = 0;
  for (const Edge& e : own->edges) {
    single += e.objects == 1;
    in_reached += reached.count({e.source, e.target});
    in_kept += native_kept.count({e.source, e.target});
  }
  EXPECT_EQ(c.single_object, single);
  EXPECT_EQ(c.native_edges, in_reached);
  EXPECT_EQ(c.native_kept, in_kept);
  EXPECT_GT(c.native_kept, 0u);
  // Too many message pairs: counted, not computed.
  auto capped = peer_comparison(d, *r, opt, c.message_pairs - 1);
  EXPECT_FALSE(capped[0].computed);
  EXPECT_EQ(capped[0].message_pairs, c.message_pairs);
  EXPECT_EQ(capped[0].edges, 0u);
}

}  // namespace
}  // namespace groundswell
