// Support figures for `groundswell serve`'s actor pages (docs/serve.md): per actor, visible
// support and what remains once coordinated and inauthentic activity is discounted, with the
// breakdown by route and per period — what `groundswell estimate` computes, for the
// detection the page looks at.
//
//   SupportFigures support(db_path, actors_path);
//   ApiResponse r = support.get(3);  // {"state": "computing", ...} at first, then the figures
//
// The store does not hold these figures: they follow from the store, the actors file and a
// detection's parameters (detection is deterministic), so the first request for a detection
// starts computing them on a thread of their own (signals, that detection reproduced with its
// neighbouring settings, estimates; estimate_at_detection in pipeline/commands.h) and answers
// its state; later requests answer the figures, kept for the server's life. One detection at a
// time, never beside a detection run (analysis_lock() in serve/jobs.h). Nothing is written.
//
// Thread-safety: all members may be called from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "serve/explorer.h"

namespace groundswell {

class SupportFigures {
 public:
  // `actors_path` "" = no actors file: every answer says so.
  SupportFigures(std::string db_path, std::string actors_path);
  // Waits for a computation in progress.
  ~SupportFigures();
  SupportFigures(const SupportFigures&) = delete;
  SupportFigures& operator=(const SupportFigures&) = delete;

  // The figures at detection `detection` ({"available": true, "state": "done", "detection",
  // "actors_file", "replicates", "sample", "score_threshold", "assumptions", "actors" as in
  // summary.json, "drivers" as the report's (each top account with its row "id"), "rows" as in
  // support.csv}), or {"state": "computing" | "waiting" | "failed",
  // "seconds", "error"} while they are not ready (waiting: another detection is being
  // computed first, or a detection run holds the analysis).
  ApiResponse get(std::int64_t detection);

 private:
  void compute(std::int64_t detection);

  std::string db_path_, actors_path_;
  std::mutex mutex_;
  std::map<std::int64_t, std::string> done_;    // detection -> the answer's JSON
  std::map<std::int64_t, std::string> failed_;  // detection -> why
  std::int64_t current_ = 0;                    // the detection being computed (0 = none)
  std::string stage_;                           // waiting, computing
  double started_ = 0;
  std::thread thread_;
};

}  // namespace groundswell
