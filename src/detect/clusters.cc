// Leiden clusters (igraph 0.10) on the kept edges, natively each pair's largest weight over
// behaviours and windows (in the compatible modes their sum), with the statistics of
// docs/contract.md §5.5 and a ranking by evidence.
#include <igraph/igraph.h>
#include <tbb/parallel_sort.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "base/uint128.h"
#include "detect/internal.h"

namespace groundswell::detect_internal {
namespace {

struct IgraphGuard {
  igraph_t graph;
  igraph_vector_int_t edges, membership;
  igraph_vector_t weights, node_weights;
  bool graph_ok = false;
  IgraphGuard() {
    igraph_vector_int_init(&edges, 0);
    igraph_vector_int_init(&membership, 0);
    igraph_vector_init(&weights, 0);
    igraph_vector_init(&node_weights, 0);
  }
  ~IgraphGuard() {
    if (graph_ok) igraph_destroy(&graph);
    igraph_vector_int_destroy(&edges);
    igraph_vector_int_destroy(&membership);
    igraph_vector_destroy(&weights);
    igraph_vector_destroy(&node_weights);
  }
  IgraphGuard(const IgraphGuard&) = delete;
  IgraphGuard& operator=(const IgraphGuard&) = delete;
};

std::size_t behaviour_slot(const DetectionResult& r, Behaviour b) {
  for (std::size_t i = 0; i < r.behaviours.size(); ++i)
    if (r.behaviours[i] == b) return i;
  return 0;
}

// The weight of each unordered pair of account ranks in the network Leiden partitions: in
// native mode the largest of its kept edges' weights over behaviours and windows (one
// copy-pasted post with a link and a hashtag is a text, similar_text, link and hashtag
// co-action at once, and a sum would count it four times); in the compatible modes their sum
// (cnt's directed edges are symmetrized). Counts each account's coordination degree on the way.
std::map<std::pair<std::uint32_t, std::uint32_t>, double> leiden_pair_weights(
    const DetectOptions& opt, DetectionResult& r) {
  std::map<std::pair<std::uint32_t, std::uint32_t>, double> pair_weight;
  for (const Edge& e : r.edges) {
    if (!e.significant || e.source == e.target) continue;
    std::uint32_t x = e.source, y = e.target;
    if (r.account_rank[y] < r.account_rank[x]) std::swap(x, y);
    double& w = pair_weight[{r.account_rank[x], r.account_rank[y]}];
    w = opt.compat == CompatMode::kNone ? std::max(w, e.weight) : w + e.weight;
  }
  std::vector<std::uint32_t> account_of_rank(r.account_rank.size());
  for (std::uint32_t a = 0; a < account_of_rank.size(); ++a) account_of_rank[r.account_rank[a]] = a;
  for (const auto& [k, w] : pair_weight) {
    ++r.coordination_degree[account_of_rank[k.first]];
    ++r.coordination_degree[account_of_rank[k.second]];
  }
  return pair_weight;
}

// Leiden communities of the summed network (docs/detection.md, "Clusters"): each community's
// accounts in rank order; sets DetectionResult::leiden_quality.
Status leiden_communities(const std::map<std::pair<std::uint32_t, std::uint32_t>, double>& pair_weight,
                          const DetectOptions& opt, DetectionResult& r,
                          std::vector<std::vector<std::uint32_t>>& members) {
  std::vector<std::uint32_t> account_of_rank(r.account_rank.size());
  for (std::uint32_t a = 0; a < account_of_rank.size(); ++a) account_of_rank[r.account_rank[a]] = a;
  std::vector<std::uint32_t> vertex_rank;  // vertex -> rank, ascending
  for (const auto& [k, w] : pair_weight) {
    vertex_rank.push_back(k.first);
    vertex_rank.push_back(k.second);
  }
  std::sort(vertex_rank.begin(), vertex_rank.end());
  vertex_rank.erase(std::unique(vertex_rank.begin(), vertex_rank.end()), vertex_rank.end());
  auto vertex_of = [&](std::uint32_t rank) {
    return static_cast<igraph_integer_t>(
        std::lower_bound(vertex_rank.begin(), vertex_rank.end(), rank) - vertex_rank.begin());
  };
  // igraph's default error handler aborts the process; report failures as a Status instead.
  struct HandlerScope {
    igraph_error_handler_t* previous = igraph_set_error_handler(igraph_error_handler_ignore);
    ~HandlerScope() { igraph_set_error_handler(previous); }
  } handler_scope;
  IgraphGuard g;
  const auto n_vertices = static_cast<igraph_integer_t>(vertex_rank.size());
  igraph_vector_int_resize(&g.edges, static_cast<igraph_integer_t>(pair_weight.size() * 2));
  igraph_vector_resize(&g.weights, static_cast<igraph_integer_t>(pair_weight.size()));
  igraph_vector_resize(&g.node_weights, n_vertices);
  igraph_vector_null(&g.node_weights);
  double total = 0;
  igraph_integer_t k = 0;
  for (const auto& [key, w] : pair_weight) {
    igraph_integer_t u = vertex_of(key.first), v = vertex_of(key.second);
    VECTOR(g.edges)[2 * k] = u;
    VECTOR(g.edges)[2 * k + 1] = v;
    VECTOR(g.weights)[k] = w;
    VECTOR(g.node_weights)[u] += w;
    VECTOR(g.node_weights)[v] += w;
    total += w;
    ++k;
  }
  if (igraph_create(&g.graph, &g.edges, n_vertices, IGRAPH_UNDIRECTED) != IGRAPH_SUCCESS)
    return Status::Internal("igraph_create failed");
  g.graph_ok = true;
  // Modularity through the CPM-style Leiden of igraph: node strengths as node weights and
  // resolution 1/(2m) (docs/detection.md, "Clusters").
  igraph_rng_seed(igraph_rng_default(), static_cast<igraph_uint_t>(opt.seed));
  igraph_integer_t nb_clusters = 0;
  igraph_real_t quality = 0;
  if (igraph_community_leiden(&g.graph, &g.weights, &g.node_weights, 1.0 / (2.0 * total), 0.01,
                              false, -1, &g.membership, &nb_clusters, &quality) != IGRAPH_SUCCESS)
    return Status::Internal("igraph_community_leiden failed");
  r.leiden_quality = quality;
  members.assign(static_cast<std::size_t>(nb_clusters), {});
  for (igraph_integer_t v = 0; v < n_vertices; ++v)
    members[static_cast<std::size_t>(VECTOR(g.membership)[v])].push_back(
        account_of_rank[vertex_rank[static_cast<std::size_t>(v)]]);
  return Status::Ok();

}

// A cluster's statistics from its internal kept edges: behaviours, weight, creation spread,
// and with ClusterDetail::kFull the messages and their times, median delay, share of activity
// and top objects. `seen` is all false on entry and on return (one buffer for every cluster).
void describe_cluster(const Dataset& d, const DetectOptions& opt, const DetectionResult& r,
                      const std::vector<std::size_t>& internal, ClusterDetail detail,
                      std::vector<bool>& seen, Cluster& c) {
  std::vector<bool> seen_behaviour(kBehaviourCount, false);
  for (std::size_t i : internal) {
    const Edge& e = r.edges[i];
    c.weight += e.weight;
    ++c.internal_edges;
    seen_behaviour[static_cast<std::size_t>(e.behaviour)] = true;
  }
  for (int b = 0; b < kBehaviourCount; ++b)
    if (seen_behaviour[static_cast<std::size_t>(b)])
      c.behaviours.push_back(static_cast<Behaviour>(b));
  c.created_spread_days = created_spread_days(d, c.accounts);
  if (detail != ClusterDetail::kFull) return;

  // Distinct messages marked in `seen` (unmarked again below), delays, and each (behaviour,
  // object, message) packed in one integer, which sorts several times faster than a tuple.
  std::vector<std::uint32_t> msgs;
  std::vector<double> delays;
  std::vector<Uint128> object_msgs;
  auto add = [&](std::uint32_t m) {
    if (seen[m]) return;
    seen[m] = true;
    msgs.push_back(m);
  };
  for (std::size_t i : internal) {
    const Edge& e = r.edges[i];
    const Uint128 bb = Uint128{static_cast<std::uint8_t>(e.behaviour)} << 64;
    for (std::uint64_t x = e.evidence_begin; x < e.evidence_end; ++x) {
      const EvidencePair& p = r.evidence[x];
      add(p.source_msg);
      add(p.target_msg);
      delays.push_back(
          std::abs(static_cast<double>(d.msg_time[p.source_msg] - d.msg_time[p.target_msg])) /
          1000.0);
      const Uint128 o = bb | (Uint128{p.object} << 32);
      object_msgs.push_back(o | p.source_msg);
      object_msgs.push_back(o | p.target_msg);
    }
  }
  c.messages = msgs.size();
  for (auto m : msgs) {
    seen[m] = false;
    if (c.first_time == kNoTime || d.msg_time[m] < c.first_time) c.first_time = d.msg_time[m];
    if (c.last_time == kNoTime || d.msg_time[m] > c.last_time) c.last_time = d.msg_time[m];
  }
  c.median_delay_s = median_of(delays);
  c.share_of_activity =
      d.messages() ? static_cast<double>(c.messages) / static_cast<double>(d.messages()) : 0;
  tbb::parallel_sort(object_msgs.begin(), object_msgs.end());  // plain values: any thread count
  object_msgs.erase(std::unique(object_msgs.begin(), object_msgs.end()), object_msgs.end());
  std::vector<TopObject> objects;
  for (std::size_t s = 0; s < object_msgs.size();) {
    const Uint128 group = object_msgs[s] >> 32;
    std::size_t e = s;
    while (e < object_msgs.size() && object_msgs[e] >> 32 == group) ++e;
    TopObject t;
    t.behaviour = static_cast<Behaviour>(static_cast<std::uint8_t>(group >> 32));
    t.key = r.objects[behaviour_slot(r, t.behaviour)][static_cast<std::uint32_t>(group)];
    t.messages = e - s;
    t.example_msg = static_cast<std::uint32_t>(object_msgs[s]);
    objects.push_back(std::move(t));
    s = e;
  }
  // Objects that show the same key are one (a hashtag's days, natively): merged.
  std::sort(objects.begin(), objects.end(), [](const TopObject& x, const TopObject& y) {
    if (x.behaviour != y.behaviour) return x.behaviour < y.behaviour;
    if (x.key != y.key) return x.key < y.key;
    return x.example_msg < y.example_msg;
  });
  std::size_t kept = 0;
  for (std::size_t i = 0; i < objects.size(); ++i) {
    if (kept > 0 && objects[kept - 1].behaviour == objects[i].behaviour &&
        objects[kept - 1].key == objects[i].key) {
      objects[kept - 1].messages += objects[i].messages;
      continue;
    }
    if (kept != i) objects[kept] = std::move(objects[i]);
    ++kept;
  }
  objects.resize(kept);
  std::sort(objects.begin(), objects.end(), [](const TopObject& x, const TopObject& y) {
    if (x.messages != y.messages) return x.messages > y.messages;
    if (x.behaviour != y.behaviour) return x.behaviour < y.behaviour;
    return x.key < y.key;
  });
  if (objects.size() > static_cast<std::size_t>(std::max(0, opt.top_objects)))
    objects.resize(static_cast<std::size_t>(std::max(0, opt.top_objects)));
  c.top_objects = std::move(objects);
}

// Cluster p-values: the summed weight of each cluster's internal edges against the same sum
// in each null replicate (native mode with the null model on).
void cluster_p_values(const DetectOptions& opt, const DetectionResult& r,
                      const std::vector<std::vector<std::size_t>>& internal,
                      std::vector<Cluster>& clusters) {
  if (opt.null_replicates > 0 && opt.compat == CompatMode::kNone && !r.null_weights.empty()) {
    const auto replicates = static_cast<std::size_t>(opt.null_replicates);
    for (std::size_t ci = 0; ci < clusters.size(); ++ci) {
      // Integer weights summed as doubles: exact, so the order of the sum does not matter.
      std::vector<double> sums(replicates, 0.0);
      for (std::size_t i : internal[ci]) {
        const std::uint32_t row = r.edges[i].null_row;
        if (row == UINT32_MAX) continue;
        const std::uint32_t* w = r.null_weights.data() + std::size_t{row} * replicates;
        for (std::size_t x = 0; x < replicates; ++x) sums[x] += w[x];
      }
      cluster_p_value(sums, clusters[ci].weight, clusters[ci]);
    }
  }
}

// Clusters ranked by evidence into DetectionResult::clusters, numbered 1..K in that order, and
// each member's cluster id.
void number_by_evidence(DetectionResult& r, std::vector<Cluster>& clusters) {
  // Ranked by evidence: p-value (its logarithm, which stays apart where the p-value itself is
  // held at the smallest double), then summed weight, size, and the first account's id.
  std::vector<std::size_t> order(clusters.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    const Cluster& a = clusters[x];
    const Cluster& b = clusters[y];
    bool an = std::isnan(a.p_value), bn = std::isnan(b.p_value);
    if (an != bn) return bn;
    if (!an && a.p_log10 != b.p_log10) return a.p_log10 < b.p_log10;
    if (a.weight != b.weight) return a.weight > b.weight;
    if (a.accounts.size() != b.accounts.size()) return a.accounts.size() > b.accounts.size();
    return r.account_rank[a.accounts.front()] < r.account_rank[b.accounts.front()];
  });
  for (std::size_t i = 0; i < order.size(); ++i) {
    Cluster c = std::move(clusters[order[i]]);
    c.id = static_cast<std::uint32_t>(i + 1);
    for (auto a : c.accounts) r.account_cluster[a] = c.id;
    r.clusters.push_back(std::move(c));
  }
}

}  // namespace

double created_spread_days(const Dataset& d, std::span<const std::uint32_t> accounts) {
  TimeMs lo = kNoTime, hi = kNoTime;
  std::size_t known = 0;
  for (auto a : accounts) {
    const TimeMs t = d.account_created_at[a];
    if (t == kNoTime) continue;
    ++known;
    if (lo == kNoTime || t < lo) lo = t;
    if (hi == kNoTime || t > hi) hi = t;
  }
  return known >= 2 ? static_cast<double>(hi - lo) / 86'400'000.0
                    : std::numeric_limits<double>::quiet_NaN();
}

Status build_clusters(const Dataset& d, const DetectOptions& opt, ClusterDetail detail,
                      DetectionResult& r) {
  const std::size_t n_accounts = d.accounts();
  r.account_cluster.assign(n_accounts, 0);
  r.coordination_degree.assign(n_accounts, 0);
  r.clusters.clear();
  const auto pair_weight = leiden_pair_weights(opt, r);
  if (pair_weight.empty()) return Status::Ok();
  std::vector<std::vector<std::uint32_t>> members;
  GS_RETURN_IF_ERROR(leiden_communities(pair_weight, opt, r, members));

  std::vector<std::uint32_t> community(n_accounts, UINT32_MAX);
  std::vector<Cluster> clusters;
  for (auto& m : members) {
    if (m.size() < 2) continue;
    Cluster c;
    c.accounts = m;  // already in rank order
    for (auto a : m) community[a] = static_cast<std::uint32_t>(clusters.size());
    clusters.push_back(std::move(c));
  }
  // Internal kept edges per cluster.
  std::vector<std::vector<std::size_t>> internal(clusters.size());
  for (std::size_t i = 0; i < r.edges.size(); ++i) {
    const Edge& e = r.edges[i];
    if (!e.significant) continue;
    std::uint32_t cs = community[e.source];
    if (cs == UINT32_MAX || cs != community[e.target]) continue;
    internal[cs].push_back(i);
  }
  std::vector<bool> seen(detail == ClusterDetail::kFull ? d.messages() : 0, false);
  for (std::size_t ci = 0; ci < clusters.size(); ++ci)
    describe_cluster(d, opt, r, internal[ci], detail, seen, clusters[ci]);
  cluster_p_values(opt, r, internal, clusters);
  number_by_evidence(r, clusters);
  return Status::Ok();
}

}  // namespace groundswell::detect_internal
