// What a peer tool's permissive rule reports on the same data (docs/detection.md, "Peer
// comparison"): CooRTweet's edges, computed by the coortweet mode, next to the native result.
#include <algorithm>
#include <optional>

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

PeerTextActions::PeerTextActions() = default;
PeerTextActions::~PeerTextActions() = default;
PeerTextActions::PeerTextActions(PeerTextActions&&) noexcept = default;
PeerTextActions& PeerTextActions::operator=(PeerTextActions&&) noexcept = default;

PeerTextActions peer_text_actions(const Dataset& data, const DetectOptions& options,
                                  std::span<const Behaviour> behaviours, std::uint64_t max_pairs) {
  PeerTextActions out;
  using namespace detect_internal;
  if (std::find(behaviours.begin(), behaviours.end(), Behaviour::kText) == behaviours.end())
    return out;
  const DetectOptions opt = peer_options(options);
  out.table_ = std::make_unique<ActionTable>(extract_actions(data, Behaviour::kText, opt));
  out.message_pairs_ = window_pairs(*out.table_, opt.window_ms);
  // Normalizing every distinct text again (at 10M messages some seconds) only for a rule
  // that will be computed.
  if (out.message_pairs_ <= max_pairs) out.self_named_ = named_by_own_id(data, *out.table_, opt);
  return out;
}

std::vector<PeerCount> peer_comparison(const Dataset& data, const DetectionResult& native,
                                       const DetectOptions& options, const PeerTextActions* text,
                                       std::uint64_t max_pairs) {
  using namespace detect_internal;
  const DetectOptions opt = peer_options(options);
  std::vector<PeerCount> out;
  for (Behaviour b : native.behaviours) {
    if (b == Behaviour::kSimilarText || b == Behaviour::kPost) continue;  // no CooRTweet rule
    PeerCount c;
    c.behaviour = b;
    std::optional<ActionTable> extracted;
    const bool taken = b == Behaviour::kText && text != nullptr && text->table_;
    if (!taken) extracted = extract_actions(data, b, opt);
    const ActionTable& t = taken ? *text->table_ : *extracted;
    c.message_pairs = taken ? text->message_pairs_ : window_pairs(t, opt.window_ms);
    // Taken with a lower max_pairs than this one, the text's rule cannot be computed here
    // (a table with pairs has actions, so its flags are empty only when not worked out).
    const bool named = !taken || text->self_named_.size() == t.actions.size();
    if (c.message_pairs <= max_pairs && named) {
      c.computed = true;
      // Native edges of this behaviour by (source, target): both orient pairs by account rank.
      std::vector<std::pair<std::uint32_t, std::uint32_t>> reached, kept;
      for (const Edge& e : native.edges) {
        if (e.behaviour != b) continue;
        reached.emplace_back(e.source, e.target);
        if (e.significant) kept.emplace_back(e.source, e.target);
      }
      std::sort(reached.begin(), reached.end());
      std::sort(kept.begin(), kept.end());
      coortweet_counts(data, t, opt, native.account_rank, reached, kept,
                       taken ? std::span<const std::uint8_t>(text->self_named_)
                             : std::span<const std::uint8_t>(),
                       c);
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace groundswell
