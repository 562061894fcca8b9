#include "estimate/estimate.h"

#include <fmt/format.h>
#include <igraph/igraph.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <numeric>
#include <random>
#include <unordered_map>

#include "base/output_file.h"
#include "base/time.h"

namespace groundswell {
namespace {

__extension__ typedef unsigned __int128 Uint128;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::int64_t kDayMs = 86'400'000;

// Additive quantities summed per (actor, period bin) cell.
enum Q : int {
  kAccounts = 0,
  kMessages,
  kViews,
  kForwards,
  kReactions,
  kReplies,
  kEngagement,
  kEngagementViewed,  // engagement of messages that report views (ER's numerator)
  kQ
};
using QVec = std::array<double, kQ>;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

std::string bin_label(const std::string& period, std::int64_t day) {
  std::int64_t y = 0;
  unsigned m = 0, d = 0;
  if (period == "day") {
    civil_from_days(day, y, m, d);
    return fmt::format("{:04d}-{:02d}-{:02d}", y, m, d);
  }
  if (period == "month") {
    civil_from_days(day, y, m, d);
    return fmt::format("{:04d}-{:02d}", y, m);
  }
  // ISO 8601 week: the week belongs to the year of its Thursday.
  std::int64_t weekday = ((day + 3) % 7 + 7) % 7;  // Monday = 0
  std::int64_t thursday = day - weekday + 3;
  civil_from_days(thursday, y, m, d);
  std::int64_t week = (thursday - days_from_civil(y, 1, 1)) / 7 + 1;
  return fmt::format("{:04d}-W{:02d}", y, week);
}

// Value at quantile q of sorted data (linear interpolation, R type 7).
double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return kNaN;
  double h = (static_cast<double>(sorted.size()) - 1) * q;
  auto lo = static_cast<std::size_t>(std::floor(h));
  std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

double ratio_pct(double num, double den) { return den > 0 ? num / den * 100 : kNaN; }

// Contribution of one bootstrap unit to one cell.
struct UnitEntry {
  std::uint32_t cell;
  QVec q;
};

struct Units {
  std::vector<std::uint32_t> start;  // CSR over entries
  std::vector<UnitEntry> entries;
  std::size_t count() const { return start.empty() ? 0 : start.size() - 1; }
};

// Per (account, cell) sums of the supporting messages, sorted by (account, cell).
struct AccountCell {
  std::uint32_t account, cell;
  QVec q;
};

Units build_units(const std::vector<AccountCell>& ac, std::size_t accounts,
                  const std::vector<std::uint8_t>& active, const ClusterAssignment& assign,
                  std::span<const double> score, double threshold, bool only_cell_filter,
                  const std::vector<std::uint8_t>& cell_keep) {
  auto cluster_of = [&](std::size_t a) -> std::int32_t {
    if (a >= assign.cluster_of_account.size()) return -1;
    std::int32_t c = assign.cluster_of_account[a];
    if (c < 0 || static_cast<std::size_t>(c) >= assign.significant.size() ||
        !assign.significant[static_cast<std::size_t>(c)])
      return -1;
    return c;
  };
  // Unit ids: accounts outside significant clusters in account order, then clusters by id.
  std::vector<std::int64_t> unit_of(accounts, -1);
  std::map<std::int32_t, std::uint32_t> cluster_unit;
  std::uint32_t n_units = 0;
  for (std::size_t a = 0; a < accounts; ++a)
    if (active[a] && cluster_of(a) < 0) unit_of[a] = n_units++;
  for (std::size_t a = 0; a < accounts; ++a) {
    std::int32_t c = cluster_of(a);
    if (active[a] && c >= 0) cluster_unit.emplace(c, 0);
  }
  for (auto& [c, u] : cluster_unit) u = n_units++;
  for (std::size_t a = 0; a < accounts; ++a) {
    std::int32_t c = cluster_of(a);
    if (c >= 0 && active[a]) unit_of[a] = cluster_unit[c];
  }

  std::vector<std::vector<UnitEntry>> per_unit(n_units);
  // Cluster cells: sums and number of supporting members, averaged afterwards.
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::pair<QVec, int>> cluster_cells;
  for (const AccountCell& e : ac) {
    if (only_cell_filter && !cell_keep[e.cell]) continue;
    std::int32_t c = cluster_of(e.account);
    std::int64_t u = unit_of[e.account];
    if (u < 0) continue;
    if (c < 0) {
      double s = e.account < score.size() ? score[e.account] : kNaN;
      if (s == s && s > threshold) continue;  // discounted: contributes nothing
      per_unit[static_cast<std::size_t>(u)].push_back({e.cell, e.q});
    } else {
      auto& [sum, n] = cluster_cells[{static_cast<std::uint32_t>(u), e.cell}];
      for (int k = 0; k < kQ; ++k)
        sum[static_cast<std::size_t>(k)] += e.q[static_cast<std::size_t>(k)];
      ++n;
    }
  }
  for (auto& [key, v] : cluster_cells) {
    QVec q{};
    for (int k = 0; k < kQ; ++k)
      q[static_cast<std::size_t>(k)] = v.first[static_cast<std::size_t>(k)] / v.second;
    q[kAccounts] = v.first[kAccounts] > 0 ? 1 : 0;  // the cluster is one voice
    per_unit[key.first].push_back({key.second, q});
  }
  Units units;
  units.start.push_back(0);
  for (auto& list : per_unit) {
    units.entries.insert(units.entries.end(), list.begin(), list.end());
    units.start.push_back(static_cast<std::uint32_t>(units.entries.size()));
  }
  return units;
}

// Citation index: PageRank (× 100) on the directed graph "a forwards/retweets or mentions b".
std::vector<double> citation_pagerank(const Dataset& d) {
  const std::size_t na = d.accounts();
  std::vector<double> rank(na, 0.0);
  if (na == 0) return rank;
  std::unordered_map<std::string, std::uint32_t> by_id, by_handle, by_msg;
  auto lower = [](std::string_view s) {
    std::string o(s);
    if (!o.empty() && o[0] == '@') o.erase(0, 1);
    for (char& c : o)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return o;
  };
  for (std::size_t a = 0; a < na; ++a) {
    auto idx = static_cast<std::uint32_t>(a);
    by_id.emplace(std::string(d.account_platform[a]) + '\0' + std::string(d.account_id[a]), idx);
    if (!d.account_handle[a].empty())
      by_handle.emplace(std::string(d.account_platform[a]) + '\0' + lower(d.account_handle[a]),
                        idx);
  }
  for (std::size_t m = 0; m < d.messages(); ++m)
    if (d.msg_account[m] != kNoAccount)
      by_msg.emplace(std::string(d.msg_platform[m]) + '\0' + std::string(d.msg_message_id[m]),
                     d.msg_account[m]);
  std::map<std::pair<std::uint32_t, std::uint32_t>, double> edges;
  for (std::size_t m = 0; m < d.messages(); ++m) {
    std::uint32_t from = d.msg_account[m];
    if (from == kNoAccount) continue;
    std::string plat(d.msg_platform[m]);
    std::string_view sh = d.msg_shares[m];
    if (!sh.empty()) {
      std::uint32_t to = kNoAccount;
      auto it = by_msg.find(plat + '\0' + std::string(sh));
      if (it != by_msg.end())
        to = it->second;
      else {
        std::string_view src = sh.substr(0, sh.find_first_of("/@"));
        auto jt = by_id.find(plat + '\0' + std::string(src));
        if (jt != by_id.end())
          to = jt->second;
        else if ((jt = by_handle.find(plat + '\0' + lower(src))) != by_handle.end())
          to = jt->second;
      }
      if (to != kNoAccount && to != from) edges[{from, to}] += 1;
    }
    for (std::size_t k = 0; k < d.msg_mentions.count(m); ++k) {
      auto jt = by_handle.find(plat + '\0' + lower(d.msg_mentions.item(m, k)));
      if (jt != by_handle.end() && jt->second != from) edges[{from, jt->second}] += 1;
    }
  }
  if (edges.empty()) return rank;
  // Only accounts that cite or are cited take part, so the index is a share of the citation
  // network, not diluted by every silent account.
  std::vector<std::int64_t> node_of(na, -1);
  std::vector<std::uint32_t> account_of_node;
  for (const auto& [e, weight] : edges)
    for (std::uint32_t a : {e.first, e.second})
      if (node_of[a] < 0) {
        node_of[a] = 0;
      }
  for (std::size_t a = 0; a < na; ++a)
    if (node_of[a] == 0) {
      node_of[a] = static_cast<std::int64_t>(account_of_node.size());
      account_of_node.push_back(static_cast<std::uint32_t>(a));
    }
  igraph_vector_int_t ev;
  igraph_vector_t w, res;
  igraph_vector_int_init(&ev, static_cast<igraph_integer_t>(edges.size() * 2));
  igraph_vector_init(&w, static_cast<igraph_integer_t>(edges.size()));
  igraph_vector_init(&res, 0);
  igraph_integer_t i = 0;
  for (const auto& [e, weight] : edges) {
    VECTOR(ev)[2 * i] = node_of[e.first];
    VECTOR(ev)[2 * i + 1] = node_of[e.second];
    VECTOR(w)[i] = weight;
    ++i;
  }
  igraph_t g;
  igraph_real_t value = 0;
  const auto nodes = static_cast<igraph_integer_t>(account_of_node.size());
  if (igraph_create(&g, &ev, nodes, IGRAPH_DIRECTED) == IGRAPH_SUCCESS) {
    if (igraph_pagerank(&g, IGRAPH_PAGERANK_ALGO_PRPACK, &res, &value, igraph_vss_all(), 1, 0.85,
                        &w, nullptr) == IGRAPH_SUCCESS)
      for (igraph_integer_t v = 0; v < nodes; ++v)
        rank[account_of_node[static_cast<std::size_t>(v)]] = VECTOR(res)[v] * 100;
    igraph_destroy(&g);
  }
  igraph_vector_destroy(&res);
  igraph_vector_destroy(&w);
  igraph_vector_int_destroy(&ev);
  return rank;
}

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

std::string csv_number(double v) {
  if (!std::isfinite(v)) return "";
  if (v == std::round(v) && std::fabs(v) < 1e15) return fmt::format("{:.0f}", v);
  return fmt::format("{:.6g}", v);
}

}  // namespace

ClusterAssignment make_cluster_assignment(std::string label,
                                          std::span<const std::uint32_t> account_cluster,
                                          std::span<const double> cluster_p_values, double alpha) {
  ClusterAssignment a;
  a.label = std::move(label);
  a.cluster_of_account.resize(account_cluster.size(), -1);
  std::uint32_t max_id = 0;
  for (std::size_t i = 0; i < account_cluster.size(); ++i) {
    // detection numbers clusters 1..K with 0 = none; here cluster k-1 is detection's k.
    if (account_cluster[i] > 0) {
      a.cluster_of_account[i] = static_cast<std::int32_t>(account_cluster[i] - 1);
      max_id = std::max(max_id, account_cluster[i]);
    }
  }
  a.significant.assign(max_id, 1);
  for (std::size_t c = 0; c < max_id && c < cluster_p_values.size(); ++c) {
    double p = cluster_p_values[c];
    a.significant[c] = (p != p || p < alpha) ? 1 : 0;
  }
  return a;
}

Result<Estimate> estimate_support(const EstimateInputs& in, const EstimateOptions& opt) {
  if (!in.data || !in.actors) return Status::InvalidArgument("estimate_support: no data or actors");
  if (opt.bootstrap_replicates < 0) return Status::InvalidArgument("bootstrap replicates < 0");
  if (!(opt.ci_level > 0 && opt.ci_level < 1))
    return Status::InvalidArgument("ci level not in (0,1)");
  for (const std::string& p : opt.periods)
    if (p != "all" && p != "day" && p != "week" && p != "month")
      return Status::InvalidArgument("unknown period '" + p + "' (all, day, week, month)");
  const Dataset& d = *in.data;
  const std::size_t na = d.accounts(), nm = d.messages(), nactors = in.actors->actors.size();
  if (!in.score.empty() && in.score.size() != na)
    return Status::InvalidArgument("scores: one per account expected");
  std::vector<ClusterAssignment> scenarios = in.scenarios;
  if (scenarios.empty()) scenarios.push_back(ClusterAssignment{});
  for (const auto& s : scenarios)
    if (!s.cluster_of_account.empty() && s.cluster_of_account.size() != na)
      return Status::InvalidArgument("cluster assignment '" + s.label +
                                     "': one entry per account expected");

  Result<ActorMatcher> matcher = ActorMatcher::create(*in.actors, d);
  if (!matcher.ok()) return matcher.status();
  std::vector<std::uint64_t> mask = matcher->support_masks(d);

  // Period bins: complete ranges from the first to the last timed message.
  std::int64_t first_day = INT64_MAX, last_day = INT64_MIN;
  for (std::size_t m = 0; m < nm; ++m)
    if (d.msg_time[m] != kNoTime) {
      std::int64_t day = floor_div(d.msg_time[m], kDayMs);
      first_day = std::min(first_day, day);
      last_day = std::max(last_day, day);
    }
  struct Bin {
    std::string period, label;
  };
  std::vector<Bin> bins;
  std::vector<std::vector<std::uint32_t>> day_bin(opt.periods.size());  // per period: day -> bin
  std::vector<std::int64_t> all_bin(opt.periods.size(), -1);
  for (std::size_t p = 0; p < opt.periods.size(); ++p) {
    const std::string& period = opt.periods[p];
    if (period == "all") {
      all_bin[p] = static_cast<std::int64_t>(bins.size());
      bins.push_back({period, "all"});
      continue;
    }
    if (first_day > last_day) continue;
    std::string prev;
    for (std::int64_t day = first_day; day <= last_day; ++day) {
      std::string label = bin_label(period, day);
      if (label != prev) {
        bins.push_back({period, label});
        prev = label;
      }
      day_bin[p].push_back(static_cast<std::uint32_t>(bins.size() - 1));
    }
  }
  const std::size_t nbins = bins.size(), ncells = nactors * nbins;
  auto cell_of = [&](std::size_t actor, std::size_t bin) {
    return static_cast<std::uint32_t>(actor * nbins + bin);
  };

  // Per (account, cell) sums; messages without an account are a fixed addition.
  std::vector<AccountCell> ac;
  std::vector<QVec> fixed(ncells, QVec{});
  std::vector<std::uint8_t> active(na, 0);
  for (std::size_t m = 0; m < nm; ++m)
    if (d.msg_account[m] != kNoAccount) active[d.msg_account[m]] = 1;
  std::vector<std::uint32_t> msg_bins;
  for (std::size_t m = 0; m < nm; ++m) {
    if (mask[m] == 0) continue;
    QVec q{};
    auto pos = [](std::int64_t v) { return v > 0 ? static_cast<double>(v) : 0.0; };
    // Only an account's own words make it a supporter; forwarding or retweeting a
    // supporting post still counts as a message (docs/signals-and-estimation.md §3).
    q[kAccounts] = (opt.forwarders_are_supporters || d.msg_shares[m].empty()) ? 1 : 0;
    q[kMessages] = 1;
    q[kViews] = pos(d.msg_views[m]);
    q[kForwards] = pos(d.msg_forwards[m]) + pos(d.msg_retweets[m]);
    q[kReactions] = pos(d.msg_reactions[m]) + pos(d.msg_likes[m]);
    q[kReplies] = pos(d.msg_replies[m]);
    q[kEngagement] = q[kForwards] + q[kReactions] + q[kReplies];
    q[kEngagementViewed] = d.msg_views[m] >= 0 ? q[kEngagement] : 0;
    msg_bins.clear();
    for (std::size_t p = 0; p < opt.periods.size(); ++p) {
      if (all_bin[p] >= 0)
        msg_bins.push_back(static_cast<std::uint32_t>(all_bin[p]));
      else if (d.msg_time[m] != kNoTime)
        msg_bins.push_back(
            day_bin[p][static_cast<std::size_t>(floor_div(d.msg_time[m], kDayMs) - first_day)]);
    }
    for (std::size_t k = 0; k < nactors; ++k) {
      if (!(mask[m] >> k & 1)) continue;
      for (std::uint32_t b : msg_bins) {
        std::uint32_t cell = cell_of(k, b);
        if (d.msg_account[m] == kNoAccount) {
          for (int i = 0; i < kQ; ++i)
            fixed[cell][static_cast<std::size_t>(i)] += q[static_cast<std::size_t>(i)];
        } else {
          ac.push_back({d.msg_account[m], cell, q});
        }
      }
    }
  }
  std::sort(ac.begin(), ac.end(), [](const AccountCell& x, const AccountCell& y) {
    return x.account != y.account ? x.account < y.account : x.cell < y.cell;
  });
  {  // merge duplicates; an account counts once per cell
    std::vector<AccountCell> merged;
    for (const AccountCell& e : ac) {
      if (!merged.empty() && merged.back().account == e.account && merged.back().cell == e.cell) {
        for (int i = 0; i < kQ; ++i)
          merged.back().q[static_cast<std::size_t>(i)] += e.q[static_cast<std::size_t>(i)];
      } else {
        merged.push_back(e);
      }
      merged.back().q[kAccounts] = std::min(1.0, merged.back().q[kAccounts]);
    }
    ac.swap(merged);
  }

  // Raw sums.
  std::vector<QVec> raw = fixed;
  for (const AccountCell& e : ac)
    for (int i = 0; i < kQ; ++i)
      raw[e.cell][static_cast<std::size_t>(i)] += e.q[static_cast<std::size_t>(i)];

  // Adjusted point estimate (main scenario) and bootstrap.
  const std::vector<std::uint8_t> no_filter;
  Units units =
      build_units(ac, na, active, scenarios[0], in.score, opt.score_threshold, false, no_filter);
  std::vector<QVec> adj = fixed;
  for (const UnitEntry& e : units.entries)
    for (int i = 0; i < kQ; ++i)
      adj[e.cell][static_cast<std::size_t>(i)] += e.q[static_cast<std::size_t>(i)];

  const std::size_t R = static_cast<std::size_t>(opt.bootstrap_replicates);
  const std::size_t U = units.count();
  // Replicate sums of the cells of bins [rep_lo, rep_lo + rep_bins), all actors:
  // rep[(r * nactors * rep_bins + k * rep_bins + (b - rep_lo)) * kQ + q], as float. Bins are
  // processed in chunks so memory stays bounded for long periods and many actors; every
  // chunk replays the same draws (the generator is reseeded), so chunking changes nothing.
  const std::size_t bytes_per_bin = std::max<std::size_t>(1, R * nactors * kQ * sizeof(float));
  const std::size_t chunk_bins =
      std::max<std::size_t>(2, opt.replicate_memory_bytes / bytes_per_bin);
  std::vector<float> rep;
  std::size_t rep_lo = 0, rep_bins = 0;
  auto load_bins = [&](std::size_t lo, std::size_t hi) {
    rep_lo = lo;
    rep_bins = hi - lo;
    const std::size_t local_cells = nactors * rep_bins;
    rep.assign(R * local_cells * kQ, 0.0f);
    std::mt19937_64 rng(opt.seed);
    std::vector<std::uint32_t> weight(U);
    std::vector<double> acc(local_cells * kQ);
    auto local = [&](std::size_t cell) -> std::int64_t {
      std::size_t k = cell / nbins, b = cell % nbins;
      if (b < rep_lo || b >= rep_lo + rep_bins) return -1;
      return static_cast<std::int64_t>(k * rep_bins + (b - rep_lo));
    };
    for (std::size_t r = 0; r < R; ++r) {
      std::fill(weight.begin(), weight.end(), 0);
      for (std::size_t i = 0; i < U; ++i) {
        // Lemire's multiply-shift: the same draw on every standard library.
        auto x = static_cast<Uint128>(rng()) * U;
        ++weight[static_cast<std::size_t>(x >> 64)];
      }
      for (std::size_t k = 0; k < nactors; ++k)
        for (std::size_t b = 0; b < rep_bins; ++b)
          for (int i = 0; i < kQ; ++i)
            acc[(k * rep_bins + b) * kQ + static_cast<std::size_t>(i)] =
                fixed[cell_of(k, rep_lo + b)][static_cast<std::size_t>(i)];
      for (std::size_t u = 0; u < U; ++u) {
        if (weight[u] == 0) continue;
        for (std::uint32_t j = units.start[u]; j < units.start[u + 1]; ++j) {
          const UnitEntry& e = units.entries[j];
          std::int64_t lc = local(e.cell);
          if (lc < 0) continue;
          for (int i = 0; i < kQ; ++i)
            acc[static_cast<std::size_t>(lc) * kQ + static_cast<std::size_t>(i)] +=
                weight[u] * e.q[static_cast<std::size_t>(i)];
        }
      }
      for (std::size_t k = 0; k < local_cells * kQ; ++k)
        rep[r * local_cells * kQ + k] = static_cast<float>(acc[k]);
    }
  };
  const double lo_q = (1 - opt.ci_level) / 2, hi_q = 1 - lo_q;
  std::vector<double> scratch;
  // Interval of a derived statistic f(replicate sums of cell table) over replicates.
  auto interval = [&](auto&& f) -> std::pair<double, double> {
    if (R == 0) return {kNaN, kNaN};
    scratch.clear();
    for (std::size_t r = 0; r < R; ++r) {
      double v = f([&](std::size_t cell, int q) {
        std::size_t k = cell / nbins, b = cell % nbins;
        assert(b >= rep_lo && b < rep_lo + rep_bins);
        std::size_t lc = r * nactors * rep_bins + k * rep_bins + (b - rep_lo);
        return static_cast<double>(rep[lc * kQ + static_cast<std::size_t>(q)]);
      });
      if (v == v) scratch.push_back(v);
    }
    if (scratch.empty()) return {kNaN, kNaN};
    std::sort(scratch.begin(), scratch.end());
    return {quantile(scratch, lo_q), quantile(scratch, hi_q)};
  };

  // Sources: subscribers and ERR inputs.
  const std::vector<std::uint64_t>& source_mask = matcher->source_masks();
  Estimate est;
  est.citation_index = citation_pagerank(d);
  est.bootstrap_replicates = opt.bootstrap_replicates;
  est.seed = opt.seed;
  est.score_threshold = opt.score_threshold;
  // Per (actor, bin, source account): views of the source's own posts and posts with views.
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::pair<double, double>>
      source_views;  // (cell, acct)
  for (std::size_t m = 0; m < nm; ++m) {
    std::uint32_t a = d.msg_account[m];
    if (a == kNoAccount || source_mask[a] == 0 || d.msg_views[m] < 0) continue;
    for (std::size_t k = 0; k < nactors; ++k) {
      if (!(source_mask[a] >> k & 1)) continue;
      for (std::size_t p = 0; p < opt.periods.size(); ++p) {
        std::int64_t b = all_bin[p];
        if (b < 0) {
          if (d.msg_time[m] == kNoTime) continue;
          b = day_bin[p][static_cast<std::size_t>(floor_div(d.msg_time[m], kDayMs) - first_day)];
        }
        auto& [views, posts] = source_views[{cell_of(k, static_cast<std::size_t>(b)), a}];
        views += static_cast<double>(d.msg_views[m]);
        posts += 1;
      }
    }
  }
  std::vector<double> subscribers(nactors, 0), citation(nactors, 0);
  std::vector<std::uint8_t> has_subscribers(nactors, 0);
  for (std::size_t a = 0; a < na; ++a)
    for (std::size_t k = 0; k < nactors; ++k)
      if (source_mask[a] >> k & 1) {
        citation[k] += est.citation_index[a];
        if (d.account_followers[a] >= 0) {
          subscribers[k] += static_cast<double>(d.account_followers[a]);
          has_subscribers[k] = 1;
        }
      }
  std::vector<double> err_num(ncells, 0), err_den(ncells, 0);
  for (const auto& [key, v] : source_views) {
    std::int64_t f = d.account_followers[key.second];
    if (f <= 0) continue;
    err_num[key.first] += v.first / v.second;
    err_den[key.first] += static_cast<double>(f);
  }

  static constexpr std::pair<const char*, int> kAdditive[] = {
      {"accounts", kAccounts},    {"messages", kMessages},   {"views", kViews},
      {"forwards", kForwards},    {"reactions", kReactions}, {"replies", kReplies},
      {"engagement", kEngagement}};
  auto add_row = [&](std::size_t k, std::size_t b, std::string metric, double raw_v, double adj_v,
                     std::pair<double, double> ci) {
    est.rows.push_back({in.actors->actors[k].name, bins[b].label, std::move(metric), raw_v, adj_v,
                        ci.first, ci.second});
  };
  const std::pair<double, double> no_ci{kNaN, kNaN};
  std::int64_t all_b = -1;
  for (std::size_t b = 0; b < nbins; ++b)
    if (bins[b].period == "all") all_b = static_cast<std::int64_t>(b);
  for (std::size_t c0 = 0; c0 < nbins; c0 += chunk_bins - 1) {
    const std::size_t c1 = std::min(nbins, c0 + chunk_bins - 1);
    load_bins(c0 > 0 ? c0 - 1 : 0, c1);  // the bin before: growth needs it
    for (std::size_t k = 0; k < nactors; ++k) {
      for (std::size_t b = c0; b < c1; ++b) {
        const std::size_t cell = cell_of(k, b);
        for (auto [name, q] : kAdditive)
          add_row(k, b, name, raw[cell][static_cast<std::size_t>(q)],
                  adj[cell][static_cast<std::size_t>(q)],
                  interval([&](auto get) { return get(cell, q); }));
        add_row(k, b, "er", ratio_pct(raw[cell][kEngagementViewed], raw[cell][kViews]),
                ratio_pct(adj[cell][kEngagementViewed], adj[cell][kViews]), interval([&](auto get) {
                  return ratio_pct(get(cell, kEngagementViewed), get(cell, kViews));
                }));
        for (auto [name, q] :
             {std::pair{"sov_accounts", int{kAccounts}}, std::pair{"sov_messages", int{kMessages}},
              std::pair{"sov_engagement", int{kEngagement}}}) {
          double raw_total = 0, adj_total = 0;
          for (std::size_t j = 0; j < nactors; ++j) {
            raw_total += raw[cell_of(j, b)][static_cast<std::size_t>(q)];
            adj_total += adj[cell_of(j, b)][static_cast<std::size_t>(q)];
          }
          add_row(k, b, name, ratio_pct(raw[cell][static_cast<std::size_t>(q)], raw_total),
                  ratio_pct(adj[cell][static_cast<std::size_t>(q)], adj_total),
                  interval([&](auto get) {
                    double total = 0;
                    for (std::size_t j = 0; j < nactors; ++j) total += get(cell_of(j, b), q);
                    return ratio_pct(get(cell, q), total);
                  }));
        }
        if (has_subscribers[k]) add_row(k, b, "subscribers", subscribers[k], kNaN, no_ci);
        if (err_den[cell] > 0)
          add_row(k, b, "err", ratio_pct(err_num[cell], err_den[cell]), kNaN, no_ci);
        if (bins[b].period == "all") {
          add_row(k, b, "citation_index", citation[k], kNaN, no_ci);
        } else if (b > 0 && bins[b - 1].period == bins[b].period) {
          const std::size_t prev = cell_of(k, b - 1);
          for (auto [name, q] : {std::pair{"accounts_growth_pct", int{kAccounts}},
                                 std::pair{"messages_growth_pct", int{kMessages}}}) {
            auto growth = [](double now, double before) {
              return before > 0 ? (now - before) / before * 100 : kNaN;
            };
            add_row(k, b, name,
                    growth(raw[cell][static_cast<std::size_t>(q)],
                           raw[prev][static_cast<std::size_t>(q)]),
                    growth(adj[cell][static_cast<std::size_t>(q)],
                           adj[prev][static_cast<std::size_t>(q)]),
                    interval([&](auto get) { return growth(get(cell, q), get(prev, q)); }));
          }
        }
      }
    }
    // Headline (period "all").
    if (all_b >= static_cast<std::int64_t>(c0) && all_b < static_cast<std::int64_t>(c1))
      for (std::size_t k = 0; k < nactors; ++k) {
        ActorHeadline h;
        h.name = in.actors->actors[k].name;
        if (all_b >= 0) {
          const std::size_t cell = cell_of(k, static_cast<std::size_t>(all_b));
          h.raw_accounts = raw[cell][kAccounts];
          h.raw_messages = raw[cell][kMessages];
          h.raw_views = raw[cell][kViews];
          h.raw_engagement = raw[cell][kEngagement];
          auto fill = [&](ActorHeadline::Interval& iv, int q) {
            iv.value = adj[cell][static_cast<std::size_t>(q)];
            std::tie(iv.ci_low, iv.ci_high) = interval([&](auto get) { return get(cell, q); });
          };
          fill(h.accounts, kAccounts);
          fill(h.messages, kMessages);
          fill(h.engagement, kEngagement);
        }
        est.headline.push_back(h);
      }
  }
  if (est.headline.empty())  // no "all" period requested: names only
    for (const Actor& a : in.actors->actors) est.headline.push_back({.name = a.name});
  std::sort(est.rows.begin(), est.rows.end(), [](const SupportRow& x, const SupportRow& y) {
    if (x.actor != y.actor) return x.actor < y.actor;
    if (x.period != y.period) return x.period < y.period;
    return x.metric < y.metric;
  });

  // Sensitivity: every scenario × every score threshold, period "all".
  if (all_b >= 0) {
    std::vector<std::uint8_t> keep(ncells, 0);
    for (std::size_t k = 0; k < nactors; ++k) keep[cell_of(k, static_cast<std::size_t>(all_b))] = 1;
    for (const ClusterAssignment& sc : scenarios) {
      for (double thr : opt.sensitivity_thresholds) {
        Units u = build_units(ac, na, active, sc, in.score, thr, true, keep);
        std::vector<QVec> sum(ncells, QVec{});
        for (std::size_t k = 0; k < nactors; ++k) {
          std::size_t cell = cell_of(k, static_cast<std::size_t>(all_b));
          sum[cell] = fixed[cell];
        }
        for (const UnitEntry& e : u.entries)
          for (int i = 0; i < kQ; ++i)
            sum[e.cell][static_cast<std::size_t>(i)] += e.q[static_cast<std::size_t>(i)];
        for (std::size_t k = 0; k < nactors; ++k) {
          std::size_t cell = cell_of(k, static_cast<std::size_t>(all_b));
          est.sensitivity.push_back({in.actors->actors[k].name, sc.label, thr, sum[cell][kAccounts],
                                     sum[cell][kMessages], sum[cell][kEngagement]});
        }
      }
    }
  }

  std::size_t sig_clusters = 0;
  for (std::uint8_t s : scenarios[0].significant) sig_clusters += s;
  est.assumptions = {
      "A message counts as support for an actor when it comes from one of the actor's own "
      "accounts or channels, or when it uses one of the actor's hashtags, words, phrases or "
      "patterns and none of the actor's opposition markers.",
      "Raw figures are what the platform shows: every supporting message, every account that "
      "posted one, and the views, forwards, reactions and replies reported for them.",
      fmt::format("Adjusted figures leave out accounts in the {} coordinated cluster{} found to "
                  "be statistically significant and accounts whose inauthenticity score is above "
                  "{:g}; each coordinated cluster still counts as one voice, with the messages "
                  "and engagement of its average member.",
                  sig_clusters, sig_clusters == 1 ? "" : "s", opt.score_threshold),
      fmt::format("Ranges are {:g}% bootstrap intervals from {} resamples of the accounts "
                  "(a coordinated cluster is resampled as one unit; seed {}). They show how much "
                  "the figure depends on which accounts happened to be in the data, not how "
                  "wrong the rules above might be.",
                  opt.ci_level * 100, opt.bootstrap_replicates, opt.seed),
      "The sensitivity table shows how the adjusted figures move when the score threshold and "
      "the coordination settings change; a figure that moves a lot rests on those choices.",
      "Views of a Telegram channel post include views of its forwarded copies, and the data "
      "cannot tell a bought subscriber from a real one except through a very low view rate "
      "(ERR).",
  };
  return est;
}

Status write_support_csv(const Estimate& e, const std::filesystem::path& path) {
  std::string out = "actor,period,metric,raw,adjusted,ci_low,ci_high\r\n";
  for (const SupportRow& r : e.rows)
    out += csv_field(r.actor) + ',' + csv_field(r.period) + ',' + csv_field(r.metric) + ',' +
           csv_number(r.raw) + ',' + csv_number(r.adjusted) + ',' + csv_number(r.ci_low) + ',' +
           csv_number(r.ci_high) + "\r\n";
  return write_output_file(path, out);
}

Status write_sensitivity_csv(const Estimate& e, const std::filesystem::path& path) {
  std::string out = "actor,scenario,score_threshold,accounts,messages,engagement\r\n";
  for (const SensitivityRow& r : e.sensitivity)
    out += csv_field(r.actor) + ',' + csv_field(r.scenario) + ',' +
           csv_number(r.score_threshold) + ',' + csv_number(r.accounts) + ',' +
           csv_number(r.messages) + ',' + csv_number(r.engagement) + "\r\n";
  return write_output_file(path, out);
}

Status write_estimate_outputs(const Estimate& e, const std::filesystem::path& out_dir) {
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return Status::IoError("cannot create " + out_dir.string() + ": " + ec.message());
  GS_RETURN_IF_ERROR(write_support_csv(e, out_dir / "support.csv"));
  return write_sensitivity_csv(e, out_dir / "sensitivity.csv");
}

void write_actors_json(const Estimate& e, JsonWriter& w) {
  w.begin_array();
  for (const ActorHeadline& h : e.headline) {
    w.begin_object();
    w.key("name").value(h.name);
    w.key("raw").begin_object();
    w.key("accounts").value(h.raw_accounts);
    w.key("messages").value(h.raw_messages);
    w.key("views").value(h.raw_views);
    w.key("engagement").value(h.raw_engagement);
    w.end_object();
    w.key("adjusted").begin_object();
    for (auto [name, iv] : {std::pair{"accounts", &h.accounts}, std::pair{"messages", &h.messages},
                            std::pair{"engagement", &h.engagement}}) {
      w.key(name).begin_object();
      w.key("value").value(iv->value);
      w.key("ci_low").value(iv->ci_low);
      w.key("ci_high").value(iv->ci_high);
      w.end_object();
    }
    w.end_object();
    w.end_object();
  }
  w.end_array();
}

}  // namespace groundswell
