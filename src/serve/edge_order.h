// The order a cluster page lists the links between its members in (docs/serve.md): for one
// stored detection, each cluster's kept internal edges — both ends members of that cluster —
// strongest first (weight descending, then source, target and behaviour), as rowids of
// detection_edges. The store has no index that gives this order (a cluster is not a column
// of detection_edges), and sorting every kept edge of a large cluster on each page costs
// seconds at 10M messages; this order is read once per detection (one pass over its kept
// edges and members) and kept for the server's life, so a page reads only its own rows by
// rowid. A stored detection never changes, so the order never goes stale.
//
//   Result<ClusterEdgeOrder> order = ClusterEdgeOrder::load(db, detection);
//   std::span<const std::int64_t> rows = order->edges(6);   // rowids, strongest first
//
// Memory: 8 bytes per kept internal edge, 16 per cluster.
// Thread-safety: immutable after load(); share freely between threads for reading.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "groundswell/status.h"
#include "store/sqlite.h"

namespace groundswell {

class ClusterEdgeOrder {
 public:
  static Result<ClusterEdgeOrder> load(Db& db, std::int64_t detection);

  // The kept edges between two members of `cluster`, strongest first; empty for a cluster
  // with none or no such cluster.
  std::span<const std::int64_t> edges(std::int64_t cluster) const;
  std::size_t total() const { return rowid_.size(); }

 private:
  std::vector<std::int64_t> cluster_;  // cluster ids with edges, ascending
  std::vector<std::size_t> start_;     // cluster_[i]'s rowids: rowid_[start_[i], start_[i+1])
  std::vector<std::int64_t> rowid_;
};

}  // namespace groundswell
