// Support figures for `groundswell serve`'s actor pages (docs/serve.md): per actor, visible
// support and what remains once coordinated and inauthentic activity is discounted, with the
// breakdown by route and per period, what drives the heavy-tailed totals, and the support
// under the neighbouring detection settings — what `run --actors` computed for a detection.
//
//   SupportFigures support(db_path, actors_path, /*writable=*/true);
//   support.prepare(latest);            // at start: computes them unless stored
//   ApiResponse r = support.get(3, db); // the figures; {"state": "computing", ...} meanwhile
//
// The figures are read from the store (table detection_support, pipeline/support_figures.h):
// `run --actors` stores them with its detection. For a detection without them for this actors
// file (a store written before schema 9, a re-run, another actors file) they are computed once
// on a thread of their own — signals, that detection reproduced with its neighbouring settings,
// estimates (support_figures_at_detection in pipeline/commands.h) — and stored when the store
// is writable, else kept in memory for the server's life. Until then the answer is their state.
// One detection at a time, never beside a detection run (analysis_lock() in serve/jobs.h).
// Without an actors file, the figures stored for a detection (from whichever actors file, the
// latest) are still shown; none are computed.
//
// Thread-safety: all members may be called from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "serve/explorer.h"
#include "store/sqlite.h"

namespace groundswell {

class SupportFigures {
 public:
  // `actors_path` "" = no actors file. `writable`: figures computed here are stored.
  SupportFigures(std::string db_path, std::string actors_path, bool writable);
  // Waits for a computation in progress.
  ~SupportFigures();
  SupportFigures(const SupportFigures&) = delete;
  SupportFigures& operator=(const SupportFigures&) = delete;

  // The figures at detection `detection`, read through `db` (a read-only connection): 200 with
  // {"available": true, "state": "done", "detection", "actors_file", "stored" (false: computed
  // by this server and kept in memory, the store being read-only), "computed_at", "run" (the
  // run that computed them; null: a server), and the stored document: "replicates", "sample",
  // "score_threshold", "scenarios", "assumptions", "actors" as in summary.json, "drivers" as
  // the report's (each top account with its row "id" and its names), "rows" as in
  // support.csv, "sensitivity" as in sensitivity.csv}; 202 with {"state": "computing" |
  // "waiting", "seconds", "stored_detections"} while they are computed (waiting: another
  // detection's come first, or a detection run holds the analysis); 200 with "failed" and
  // "error", or {"available": false, "state": "no_actors"} without an actors file or stored
  // figures.
  ApiResponse get(std::int64_t detection, Db& db);
  // Starts computing `detection`'s figures unless they are stored, known or being computed,
  // there is no actors file, or the store is read-only (they would be lost with the server;
  // computed when asked for then). The server calls it for the latest detection once indexed.
  void prepare(std::int64_t detection);
  // True while figures are being computed (or wait to be).
  bool computing() const;

 private:
  // Starts computing `detection` if nothing is being computed; under mutex_.
  void start(std::int64_t detection);
  void compute(std::int64_t detection);

  std::string db_path_, actors_path_;
  std::string actors_sha256_;  // of the actors file as the server found it at start
  std::string actors_error_;   // why it could not be read ("" = read)
  bool writable_;
  mutable std::mutex mutex_;
  std::map<std::int64_t, std::string> done_;    // detection -> the answer's JSON
  std::map<std::int64_t, std::string> failed_;  // detection -> why
  std::int64_t current_ = 0;                    // the detection being computed (0 = none)
  std::string stage_;                           // waiting, computing
  double started_ = 0;
  std::thread thread_;
};

}  // namespace groundswell
