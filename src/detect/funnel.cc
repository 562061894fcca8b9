// The funnel of each behaviour (docs/detection.md, "The funnel"): how many pairs co-acted at
// all, reached min_repetition, passed each null before and after FDR control, and were
// kept; and the strongest pairs that were not kept, with the step that stopped each. Counts
// only: nothing here changes which edges are kept.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "detect/internal.h"
#include "dist/communicator.h"

namespace groundswell {

std::string_view funnel_step_name(FunnelStep step) {
  switch (step) {
    case FunnelStep::kKept: return "kept";
    case FunnelStep::kRepetition: return "repetition";
    case FunnelStep::kTimeNull: return "time_null";
    case FunnelStep::kCooccurrenceNull: return "cooccurrence_null";
    case FunnelStep::kBothNulls: return "both_nulls";
    case FunnelStep::kStimulusNull: return "stimulus_null";
    case FunnelStep::kFollower: return "follower";
    case FunnelStep::kFdr: return "fdr";
  }
  return "fdr";
}

namespace detect_internal {
namespace {

constexpr std::size_t kTestedCandidates = 20;  // per behaviour, before the near misses

// Benjamini–Hochberg adjusted p-values of `p` in a family of m >= p.size() hypotheses (the
// others counted with p = 1): q_(i) = min over j >= i of m p_(j) / j, at most 1. An edge is
// kept by BH at level q exactly when its adjusted p-value is at most q.
std::vector<double> bh_adjusted(const std::vector<double>& p, double m) {
  std::vector<std::size_t> order(p.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return p[x] < p[y]; });
  std::vector<double> q(p.size(), 1.0);
  double running = 1.0;
  for (std::size_t k = order.size(); k-- > 0;) {
    running = std::min(running, m * p[order[k]] / static_cast<double>(k + 1));
    q[order[k]] = std::min(1.0, running);
  }
  return q;
}

std::uint64_t distinct_accounts(std::vector<std::uint32_t>& ids) {
  std::sort(ids.begin(), ids.end());
  return static_cast<std::uint64_t>(std::unique(ids.begin(), ids.end()) - ids.begin());
}

}  // namespace

void edge_and_near_miss_p_values(const ActionTable& table, const NullModel& model,
                                 const DetectOptions& options, BehaviourEdges& be,
                                 double rows_up_to, PValues need) {
  const std::size_t n = be.edges.size();
  // Tested beside the edges, in their room when it was left for them (concatenate_partitions).
  be.edges.insert(be.edges.end(), be.near_misses.begin(), be.near_misses.end());
  edge_p_values(table, model, options, be.edges, be.null_weights, rows_up_to,
                need == PValues::kUpToRows ? n : 0);
  std::copy(be.edges.begin() + static_cast<std::ptrdiff_t>(n), be.edges.end(), be.near_misses.begin());
  be.edges.resize(n);
  // Rows are in edge order: the edges' rows come before the near misses'.
  std::size_t rows = 0;
  for (const Edge& e : be.edges) rows += e.null_row != UINT32_MAX;
  if (options.null_replicates > 0)
    be.null_weights.resize(rows * static_cast<std::size_t>(options.null_replicates));
  for (Edge& e : be.near_misses) e.null_row = UINT32_MAX;
}

bool p_values_below(const ActionTable& table, const NullModel& model,
                    const DetectOptions& options, const BehaviourEdges& above,
                    int above_min_repetition, const ShareOrigins* origins, BehaviourEdges& be,
                    double rows_up_to, PValues need) {
  if (options.null_replicates <= 0) return false;
  const auto R = static_cast<std::size_t>(options.null_replicates);
  const auto reach = static_cast<std::uint32_t>(std::max(0, above_min_repetition));
  // Each edge's source in `above` (SIZE_MAX: tested here); every edge of `above` used once.
  std::vector<std::size_t> from(be.edges.size(), SIZE_MAX);
  std::size_t k = 0;
  bool lined_up = true;
  for (std::size_t i = 0; i < be.edges.size() && lined_up; ++i) {
    const Edge& e = be.edges[i];
    if (e.objects < reach) continue;
    if (k == above.edges.size()) {
      lined_up = false;
      break;
    }
    const Edge& a = above.edges[k];
    // A row may be missing only where no result at this FDR level reads it
    // (Detector::membership_up_to).
    lined_up = a.source == e.source && a.target == e.target && a.objects == e.objects &&
               a.pairs == e.pairs && !(a.null_row == UINT32_MAX && may_be_kept(a, options.fdr));
    from[i] = k++;
  }
  lined_up = lined_up && k == above.edges.size();
  // Distributed, rank 0 alone holds the edges: its answer decides for every rank, which then
  // test the same edges together (or all of them, as without `above`).
  if (table.comm != nullptr) {
    dist::Bytes answer(1, lined_up ? std::byte{1} : std::byte{0});
    table.comm->broadcast(answer, 0);
    lined_up = !answer.empty() && answer.front() == std::byte{1};
  }
  if (!lined_up) return false;

  BehaviourEdges rest;
  rest.near_misses = std::move(be.near_misses);
  rest.edges.reserve(static_cast<std::size_t>(std::count(from.begin(), from.end(), SIZE_MAX)) +
                     rest.near_misses.size());
  for (std::size_t i = 0; i < be.edges.size(); ++i)
    if (from[i] == SIZE_MAX) rest.edges.push_back(be.edges[i]);
  edge_and_near_miss_p_values(table, model, options, rest, rows_up_to, need);
  if (origins != nullptr) stimulus_p_values(table, model, options, *origins, rest.edges);
  be.near_misses = std::move(rest.near_misses);
  be.null_weights.clear();
  // Each edge becomes its tested copy — the same pair and co-actions with the tests filled
  // in, whatever fields the tests write — keeping its own evidence range and, where its test
  // kept one at or below rows_up_to, a row here.
  for (std::size_t i = 0, j = 0; i < be.edges.size(); ++i) {
    const Edge& t = from[i] == SIZE_MAX ? rest.edges[j++] : above.edges[from[i]];
    const std::span<const std::uint32_t> weights =
        from[i] == SIZE_MAX ? std::span<const std::uint32_t>(rest.null_weights)
                            : std::span<const std::uint32_t>(above.null_weights);
    Edge& e = be.edges[i];
    const std::uint64_t begin = e.evidence_begin, end = e.evidence_end;
    e = t;
    e.evidence_begin = begin;
    e.evidence_end = end;
    e.null_row = t.null_row == UINT32_MAX || !may_be_kept(t, rows_up_to)
                     ? UINT32_MAX
                     : append_null_row(t.null_row, weights, R, be.null_weights);
  }
  return true;
}

BehaviourFunnel start_funnel(Behaviour behaviour, const BehaviourEdges& be) {
  BehaviourFunnel f;
  f.behaviour = behaviour;
  f.actions = be.actions;
  f.objects = be.objects;
  f.crowded_actions = be.crowded_actions;
  f.co_acting_pairs = be.candidate_pairs;
  f.pairs_by_objects = be.pairs_by_objects;
  f.edges = be.edges.size();
  for (const Edge& e : be.near_misses) f.candidates.push_back({e, NAN, NAN, FunnelStep::kRepetition});
  return f;
}

void finish_funnel(const DetectOptions& opt, DetectionResult& r) {
  const bool tested = opt.compat == CompatMode::kNone && opt.null_replicates > 0;
  // Time-shift null: one family over every tested edge of every behaviour.
  std::vector<std::size_t> timed;
  std::vector<double> p;
  for (std::size_t i = 0; i < r.edges.size(); ++i)
    if (!std::isnan(r.edges[i].p_value)) {
      timed.push_back(i);
      p.push_back(r.edges[i].p_value);
    }
  std::vector<double> q_time(r.edges.size(), NAN);
  {
    const std::vector<double> q = bh_adjusted(p, static_cast<double>(p.size()));
    for (std::size_t k = 0; k < timed.size(); ++k) q_time[timed[k]] = q[k];
  }
  std::vector<double> q_cooc(r.edges.size(), NAN);
  for (BehaviourFunnel& f : r.funnel) {
    f.tested = tested;
    // Co-occurrence null: one family per behaviour over every pair that co-acted at all.
    std::vector<std::size_t> mine;
    for (std::size_t i = 0; i < r.edges.size(); ++i)
      if (r.edges[i].behaviour == f.behaviour && r.edges[i].window_ms == f.window_ms)
        mine.push_back(i);
    std::vector<std::size_t> cooc;
    p.clear();
    for (std::size_t i : mine)
      if (!std::isnan(r.edges[i].p_cooccurrence)) {
        cooc.push_back(i);
        p.push_back(r.edges[i].p_cooccurrence);
      }
    f.cooccurrence_tested = tested && f.behaviour != Behaviour::kSimilarText;
    if (f.cooccurrence_tested) {
      const double m = static_cast<double>(std::max<std::uint64_t>(f.co_acting_pairs, p.size()));
      const std::vector<double> q = bh_adjusted(p, m);
      for (std::size_t k = 0; k < cooc.size(); ++k) q_cooc[cooc[k]] = q[k];
    }
    std::vector<std::uint32_t> in_edges, in_kept;
    // The edges that failed, as indices: only the kTestedCandidates nearest the line become
    // candidates (at 10M messages a copy of every failed edge was 1.4 GB at the run's peak).
    std::vector<std::size_t> failed;
    for (std::size_t i : mine) {
      const Edge& e = r.edges[i];
      in_edges.push_back(e.source);
      in_edges.push_back(e.target);
      if (e.significant) {
        ++f.kept;
        in_kept.push_back(e.source);
        in_kept.push_back(e.target);
      }
      if (!tested) continue;
      f.time_nominal += e.p_value <= opt.fdr;
      f.time_fdr += q_time[i] <= opt.fdr;
      if (f.cooccurrence_tested) {
        f.cooccurrence_nominal += e.p_cooccurrence <= opt.fdr;
        f.cooccurrence_fdr += q_cooc[i] <= opt.fdr;
      }
      if (!e.significant) failed.push_back(i);
    }
    f.edges = mine.size();
    f.accounts_in_edges = distinct_accounts(in_edges);
    f.accounts_kept = distinct_accounts(in_kept);
    // Nearest the line first: the larger adjusted p-value, then weight, then account order
    // (a total order: one edge per pair in a behaviour and window).
    auto worst_q = [&](std::size_t i) {
      return std::max(q_time[i], std::isnan(q_cooc[i]) ? 0.0 : q_cooc[i]);
    };
    const std::size_t k = std::min(kTestedCandidates, failed.size());
    std::partial_sort(failed.begin(), failed.begin() + static_cast<std::ptrdiff_t>(k), failed.end(),
                      [&](std::size_t i, std::size_t j) {
                        const Edge& x = r.edges[i];
                        const Edge& y = r.edges[j];
                        if (worst_q(i) != worst_q(j)) return worst_q(i) < worst_q(j);
                        if (x.weight != y.weight) return x.weight > y.weight;
                        if (x.source != y.source)
                          return r.account_rank[x.source] < r.account_rank[y.source];
                        return r.account_rank[x.target] < r.account_rank[y.target];
                      });
    std::vector<FunnelCandidate> candidates;
    candidates.reserve(k + f.candidates.size());
    for (std::size_t n = 0; n < k; ++n) {
      const std::size_t i = failed[n];
      const Edge& e = r.edges[i];
      const bool time_ok = q_time[i] <= opt.fdr;
      const bool cooc_ok = !f.cooccurrence_tested || q_cooc[i] <= opt.fdr;
      FunnelCandidate c{e, q_time[i], q_cooc[i], FunnelStep::kFdr};
      c.edge.evidence_begin = c.edge.evidence_end = 0;
      c.stopped = !time_ok && !cooc_ok          ? FunnelStep::kBothNulls
                  : !time_ok                    ? FunnelStep::kTimeNull
                  : !cooc_ok                    ? FunnelStep::kCooccurrenceNull
                  : e.p_order <= opt.fdr || e.led_meetings > 0 ? FunnelStep::kFollower
                  : !std::isnan(e.p_stimulus)  ? FunnelStep::kStimulusNull
                                               : FunnelStep::kFdr;
      candidates.push_back(c);
    }
    candidates.insert(candidates.end(), f.candidates.begin(), f.candidates.end());  // near misses
    f.candidates = std::move(candidates);
  }
}

}  // namespace detect_internal
}  // namespace groundswell
