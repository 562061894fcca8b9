// The report's funnel (docs/report.md, `funnel`): what detection tested, how many pairs
// passed each step, the strongest candidates that were not kept, and what CooRTweet's
// permissive rule reports on the same data.
#include <cmath>

#include "base/time.h"
#include "pipeline/analysis_to_report.h"

namespace groundswell {
namespace {

std::optional<double> finite_or_none(double v) {
  return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
}

ReportFunnelAccount funnel_account(const Dataset& d, std::uint32_t a) {
  return {std::string(d.account_id[a]), std::string(d.account_handle[a]),
          std::string(d.account_display_name[a]), std::string(d.account_platform[a])};
}

}  // namespace

ReportFunnel build_funnel(const Dataset& d, const DetectionResult& r, const DetectOptions& o,
                          const std::vector<PeerCount>& peer) {
  ReportFunnel f;
  f.compat = o.compat == CompatMode::kNone ? "none" : o.compat == CompatMode::kCoortweet ? "coortweet" : "cnt";
  f.window_s = static_cast<double>(o.window_ms) / 1000.0;
  f.min_repetition = o.min_repetition;
  f.fdr = o.fdr;
  f.null_replicates = o.null_replicates;
  f.clusters = static_cast<std::int64_t>(r.clusters.size());
  for (std::uint32_t c : r.account_cluster) f.coordinated_accounts += c != 0;
  for (const BehaviourFunnel& b : r.funnel) {
    const std::string name(behaviour_name(b.behaviour, r.compat));
    ReportBehaviourFunnel rb;
    rb.behaviour = name;
    rb.actions = static_cast<std::int64_t>(b.actions);
    rb.objects = static_cast<std::int64_t>(b.objects);
    rb.crowded_actions = static_cast<std::int64_t>(b.crowded_actions);
    rb.co_acting_pairs = static_cast<std::int64_t>(b.co_acting_pairs);
    for (std::uint64_t n : b.pairs_by_objects) rb.pairs_by_objects.push_back(static_cast<std::int64_t>(n));
    rb.edges = static_cast<std::int64_t>(b.edges);
    rb.accounts_in_edges = static_cast<std::int64_t>(b.accounts_in_edges);
    rb.tested = b.tested;
    rb.cooccurrence_tested = b.cooccurrence_tested;
    rb.time_nominal = static_cast<std::int64_t>(b.time_nominal);
    rb.time_fdr = static_cast<std::int64_t>(b.time_fdr);
    rb.cooccurrence_nominal = static_cast<std::int64_t>(b.cooccurrence_nominal);
    rb.cooccurrence_fdr = static_cast<std::int64_t>(b.cooccurrence_fdr);
    rb.kept = static_cast<std::int64_t>(b.kept);
    rb.accounts_kept = static_cast<std::int64_t>(b.accounts_kept);
    f.behaviours.push_back(std::move(rb));
    for (const FunnelCandidate& c : b.candidates) {
      const Edge& e = c.edge;
      ReportCandidate rc;
      rc.behaviour = name;
      rc.a = funnel_account(d, e.source);
      rc.b = funnel_account(d, e.target);
      rc.objects = e.objects;
      rc.pairs = static_cast<std::int64_t>(e.pairs);
      rc.median_delay_s = finite_or_none(e.median_delay_s);
      rc.first_time = format_time_iso(e.first_time);
      rc.last_time = format_time_iso(e.last_time);
      rc.p_value = finite_or_none(e.p_value);
      rc.q_value = finite_or_none(c.q_value);
      rc.p_cooccurrence = finite_or_none(e.p_cooccurrence);
      rc.q_cooccurrence = finite_or_none(c.q_cooccurrence);
      if (!std::isnan(e.p_cooccurrence)) rc.common_objects = e.common_objects;
      rc.expected_common = finite_or_none(e.expected_common);
      rc.stopped = std::string(funnel_step_name(c.stopped));
      f.candidates.push_back(std::move(rc));
    }
  }
  if (!peer.empty()) {
    f.peer_rule = "CooRTweet";
    f.peer_min_participation = kPeerMinParticipation;
    for (const PeerCount& c : peer)
      f.peer.push_back({std::string(behaviour_name(c.behaviour)), c.computed,
                        static_cast<std::int64_t>(c.message_pairs), static_cast<std::int64_t>(c.edges),
                        static_cast<std::int64_t>(c.accounts), static_cast<std::int64_t>(c.pairs),
                        static_cast<std::int64_t>(c.single_object),
                        static_cast<std::int64_t>(c.native_edges),
                        static_cast<std::int64_t>(c.native_kept)});
  }
  return f;
}

}  // namespace groundswell
