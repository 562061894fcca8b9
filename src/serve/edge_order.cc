#include "serve/edge_order.h"

#include <algorithm>
#include <string>
#include <tuple>

namespace groundswell {
namespace {

struct KeptEdge {
  std::int64_t cluster;
  double weight;
  std::int64_t source, target;
  std::uint32_t behaviour;  // rank of the behaviour's name in byte order
  std::int64_t rowid;
};

}  // namespace

Result<ClusterEdgeOrder> ClusterEdgeOrder::load(Db& db, std::int64_t detection) {
  // accounts.id -> cluster, in account order.
  std::vector<std::pair<std::int64_t, std::int64_t>> member;
  {
    Stmt s;
    GS_RETURN_IF_ERROR(db.prepare(
        "SELECT account, cluster_id FROM detection_cluster_accounts WHERE detection_id = ? ORDER "
        "BY account",
        s));
    s.bind_int64(1, detection);
    Stmt::StepResult step;
    while ((step = s.step()) == Stmt::kRow)
      member.emplace_back(s.column_int64(0), s.column_int64(1));
    if (step == Stmt::kError) return Status::IoError("database: " + s.error());
  }
  auto cluster_of = [&](std::int64_t account) -> std::int64_t {
    auto it = std::lower_bound(member.begin(), member.end(), std::make_pair(account, INT64_MIN));
    return it != member.end() && it->first == account ? it->second : -1;
  };

  std::vector<KeptEdge> kept;
  std::vector<std::string> names;  // behaviour names as read, ranked after the pass
  {
    Stmt s;
    GS_RETURN_IF_ERROR(
        db.prepare("SELECT rowid, source, target, behaviour, weight FROM detection_edges WHERE "
                   "detection_id = ? AND kept = 1",
                   s));
    s.bind_int64(1, detection);
    Stmt::StepResult step;
    while ((step = s.step()) == Stmt::kRow) {
      const std::int64_t source = s.column_int64(1), target = s.column_int64(2);
      const std::int64_t c = cluster_of(source);
      if (c < 0 || cluster_of(target) != c) continue;
      std::string_view name = s.column_text(3);
      auto it = std::find(names.begin(), names.end(), name);
      if (it == names.end()) it = names.insert(names.end(), std::string(name));
      kept.push_back({c, s.column_double(4), source, target,
                      static_cast<std::uint32_t>(it - names.begin()), s.column_int64(0)});
    }
    if (step == Stmt::kError) return Status::IoError("database: " + s.error());
  }
  // Behaviours compare by name (as SQL's ORDER BY behaviour does).
  std::vector<std::uint32_t> rank(names.size());
  for (std::size_t i = 0; i < names.size(); ++i)
    rank[i] = static_cast<std::uint32_t>(
        std::count_if(names.begin(), names.end(), [&](const auto& n) { return n < names[i]; }));
  for (auto& e : kept) e.behaviour = rank[e.behaviour];
  std::sort(kept.begin(), kept.end(), [](const KeptEdge& a, const KeptEdge& b) {
    return std::tie(a.cluster, b.weight, a.source, a.target, a.behaviour, a.rowid) <
           std::tie(b.cluster, a.weight, b.source, b.target, b.behaviour, b.rowid);
  });

  ClusterEdgeOrder order;
  order.rowid_.reserve(kept.size());
  for (std::size_t i = 0; i < kept.size(); ++i) {
    if (i == 0 || kept[i].cluster != kept[i - 1].cluster) {
      order.cluster_.push_back(kept[i].cluster);
      order.start_.push_back(i);
    }
    order.rowid_.push_back(kept[i].rowid);
  }
  order.start_.push_back(kept.size());
  return order;
}

std::span<const std::int64_t> ClusterEdgeOrder::edges(std::int64_t cluster) const {
  auto it = std::lower_bound(cluster_.begin(), cluster_.end(), cluster);
  if (it == cluster_.end() || *it != cluster) return {};
  const auto i = static_cast<std::size_t>(it - cluster_.begin());
  return std::span<const std::int64_t>(rowid_.data() + start_[i], start_[i + 1] - start_[i]);
}

}  // namespace groundswell
