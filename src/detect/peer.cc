// What a peer tool's permissive rule reports on the same data (docs/detection.md, "Peer
// comparison"): CooRTweet's edges, computed by the coortweet mode, next to the native result.
#include <algorithm>

#include "detect/internal.h"

namespace groundswell {

namespace {

// CooRTweet's rule at the run's window: the coortweet mode with its default min_participation
// and no significance test.
DetectOptions peer_options(const DetectOptions& options) {
  DetectOptions opt = options;
  opt.compat = CompatMode::kCoortweet;
  opt.min_repetition = kPeerMinParticipation;
  opt.null_replicates = 0;
  return opt;
}

// Message pairs on one object at most W apart: what CooRTweet pairs before its filters.
std::uint64_t window_pairs(const detect_internal::ActionTable& t, TimeMs window) {
  std::uint64_t pairs = 0;
  for (std::size_t o = 0; o < t.objects(); ++o) {
    const std::uint64_t s = t.object_start[o], e = t.object_start[o + 1];
    std::uint64_t hi = s;
    for (std::uint64_t i = s; i < e; ++i) {
      hi = std::max(hi, i + 1);
      while (hi < e && t.actions[hi].time - t.actions[i].time <= window) ++hi;
      pairs += hi - i - 1;
    }
  }
  return pairs;
}

}  // namespace

PeerRule::PeerRule() = default;
PeerRule::~PeerRule() = default;
PeerRule::PeerRule(PeerRule&&) noexcept = default;
PeerRule& PeerRule::operator=(PeerRule&&) noexcept = default;

PeerRule peer_rule(const Dataset& data, const DetectOptions& options,
                   std::span<const Behaviour> behaviours, std::uint64_t max_pairs) {
  using namespace detect_internal;
  const DetectOptions opt = peer_options(options);
  const std::vector<std::uint32_t> rank = account_byte_order(data);
  PeerRule out;
  for (Behaviour b : behaviours) {
    if (b == Behaviour::kSimilarText || b == Behaviour::kPost) continue;  // no CooRTweet rule
    PeerCount c;
    c.behaviour = b;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> edges;
    {
      const ActionTable t = extract_actions(data, b, opt);
      c.message_pairs = window_pairs(t, opt.window_ms);
      if (c.message_pairs <= max_pairs) {
        c.computed = true;
        coortweet_counts(data, t, opt, rank, c, edges);
      }
    }
    out.counts_.push_back(c);
    out.edges_.push_back(std::move(edges));
  }
  return out;
}

std::vector<PeerCount> peer_comparison(const PeerRule& rule, const DetectionResult& native) {
  std::vector<PeerCount> out = rule.counts_;
  for (std::size_t i = 0; i < out.size(); ++i) {
    PeerCount& c = out[i];
    if (!c.computed) continue;
    // Native edges of this behaviour by (source, target): both orient pairs by account rank.
    std::vector<std::pair<std::uint32_t, std::uint32_t>> reached, kept;
    for (const Edge& e : native.edges) {
      if (e.behaviour != c.behaviour) continue;
      reached.emplace_back(e.source, e.target);
      if (e.significant) kept.emplace_back(e.source, e.target);
    }
    std::sort(reached.begin(), reached.end());
    std::sort(kept.begin(), kept.end());
    for (const auto& key : rule.edges_[i]) {
      c.native_edges += std::binary_search(reached.begin(), reached.end(), key);
      c.native_kept += std::binary_search(kept.begin(), kept.end(), key);
    }
  }
  return out;
}

std::vector<PeerCount> peer_comparison(const Dataset& data, const DetectionResult& native,
                                       const DetectOptions& options, std::uint64_t max_pairs) {
  return peer_comparison(peer_rule(data, options, native.behaviours, max_pairs), native);
}

}  // namespace groundswell
