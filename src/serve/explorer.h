// The JSON API of `groundswell serve` over one store (docs/serve.md lists every endpoint):
// accounts and their messages, signals, clusters and co-action partners; clusters with their
// members, objects, timeline and evidence; every message carrying a link, hashtag or text;
// detections and their comparison. Independent of HTTP: the server (serve.h) passes each
// request's method, path, query and body to handle() and sends back what it returns.
//
//   Explorer api(db_path);                                   // read-only connections
//   api.set_index(std::make_shared<const ServeIndex>(...));  // once built (pages that need
//                                                            // it answer 503 until then)
//   ApiResponse r = api.handle("GET", "/api/accounts/42", {{"detection", "3"}}, "");
//
// Reads only: every connection is opened read-only with PRAGMA query_only, and no endpoint
// takes a file name. Lists are paged: `limit` (at most kMaxPage) and an opaque `cursor`
// returned as `next` (keyset: the last row's key), or `offset` for lists computed per request.
// Queries use the store's indexes (schema v4) or the in-memory ServeIndex, never a scan of
// the messages table.
//
// Thread-safety: handle() may be called from many threads at once (a pool of connections);
// set_index() and the job hooks are safe to call concurrently with it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/json_writer.h"
#include "serve/edge_order.h"
#include "serve/index.h"
#include "store/sqlite.h"

namespace groundswell {

struct ApiResponse {
  int status = 200;
  std::string body;  // JSON
};

using ApiQuery = std::map<std::string, std::string, std::less<>>;

inline constexpr std::size_t kMaxPage = 200;
inline constexpr std::size_t kDefaultPage = 50;

// What the index builder reports while the server starts.
struct IndexState {
  std::string stage = "starting";  // loading, signals, indexes, ready, failed
  double fraction = 0;             // of the current stage, when known
  std::string error;
};

class Explorer {
 public:
  explicit Explorer(std::string db_path);
  ~Explorer();
  Explorer(const Explorer&) = delete;
  Explorer& operator=(const Explorer&) = delete;

  ApiResponse handle(std::string_view method, std::string_view path, const ApiQuery& query,
                     std::string_view body);

  void set_index(std::shared_ptr<const ServeIndex> index);
  void set_index_state(const IndexState& state);

  // Reads what a detection's cluster pages need (edge_order.h) ahead of their first request:
  // the server does it for every stored detection when it starts and for each new one; a
  // detection not prepared is read on its first cluster page.
  Status prepare_detection(std::int64_t detection);
  Status prepare_stored_detections();

  // Re-running detection (jobs.h) plugs in here: POST /api/detections calls `submit` with the
  // request body, GET /api/jobs/ID calls `job`. Without them those endpoints answer 403.
  struct JobHooks {
    std::function<ApiResponse(std::string_view body)> submit;
    std::function<ApiResponse(std::string_view id)> job;
    std::function<void(JsonWriter&)> current;  // writes the latest job's state as a value
    // GET /api/actors at a detection (serve/support.h), with a read-only connection to read
    // stored figures through; unset = no support figures.
    std::function<ApiResponse(std::int64_t detection, Db& db)> support;
  };
  void set_job_hooks(JobHooks hooks);

 private:
  class Pool;
  struct Request;
  std::shared_ptr<const ServeIndex> index() const;
  IndexState index_state() const;
  // The cluster edge order of `detection`, read through `db` on first use and kept.
  Result<std::shared_ptr<const ClusterEdgeOrder>> edge_order(Db& db, std::int64_t detection);

  ApiResponse status(Request& r);
  ApiResponse search(Request& r);
  ApiResponse account(Request& r, std::int64_t row);
  ApiResponse account_messages(Request& r, std::int64_t row);
  ApiResponse account_partners(Request& r, std::int64_t row);
  ApiResponse evidence(Request& r);
  ApiResponse message(Request& r, std::int64_t id);
  ApiResponse clusters(Request& r);
  ApiResponse cluster(Request& r, std::int64_t cluster_id);
  ApiResponse cluster_members(Request& r, std::int64_t cluster_id);
  ApiResponse cluster_edges(Request& r, std::int64_t cluster_id);
  ApiResponse cluster_reposts(Request& r, std::int64_t cluster_id);
  ApiResponse object(Request& r);
  ApiResponse detections(Request& r);
  ApiResponse compare(Request& r);
  ApiResponse compare_accounts(Request& r);
  ApiResponse actors(Request& r, const JobHooks& hooks);

  std::string db_path_;
  std::unique_ptr<Pool> pool_;
  mutable std::mutex mutex_;
  std::shared_ptr<const ServeIndex> index_;
  IndexState state_;
  JobHooks hooks_;
  std::map<std::int64_t, std::shared_ptr<const ClusterEdgeOrder>> edge_orders_;  // under mutex_
  std::mutex edge_order_mutex_;  // held while one is read, so each is read once
};

}  // namespace groundswell
