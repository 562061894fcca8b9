// Re-running detection from `groundswell serve` (docs/serve.md): POST /api/detections with
// other parameters starts a detection run on a thread of its own — what `detect --db` does
// (detect_into_store in pipeline/commands.h): the analysis data loaded, the account signals,
// detection and each cluster's verdict, the result stored as a new detection beside the
// earlier ones (a `detect` row in runs) — while the pages keep answering from read-only
// connections (WAL: readers never wait for the writer). GET /api/jobs/N reports its stage.
//
//   DetectionJobs jobs(db_path);
//   ApiResponse r = jobs.submit(R"({"base": 1, "window_s": 30, "fdr": 0.01})");
//   ApiResponse s = jobs.job("1");   // {"state": "running", "stage": "detecting", ...}
//
// The request names the detection whose parameters it starts from (`base`, default the
// latest) and the ones it changes, with the names detections record: window_s, behaviours
// (array or comma-separated), min_repetition, fdr, similarity, null_replicates, seed,
// max_crowd, crowd_neighbours, min_text_tokens. One run at a time (a second answers 409):
// detection uses every core, and igraph's random generator is process-wide.
//
// Thread-safety: all members may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/json_writer.h"
#include "detect/detect.h"
#include "serve/explorer.h"

namespace groundswell {

// Held by whatever runs detection in the server — a detection run, support figures
// (serve/support.h) — so only one does at a time: each uses every core, and igraph's random
// generator is process-wide.
std::mutex& analysis_lock();

class DetectionJobs {
 public:
  // `stored` (optional) is called from the run's thread with each new detection's id once it
  // is stored, before the job reports done.
  explicit DetectionJobs(std::string db_path,
                         std::function<void(std::int64_t detection)> stored = {});
  // Waits for a run in progress (see abandon()).
  ~DetectionJobs();
  DetectionJobs(const DetectionJobs&) = delete;
  DetectionJobs& operator=(const DetectionJobs&) = delete;

  ApiResponse submit(std::string_view body);
  ApiResponse job(std::string_view id);
  void write_current(JsonWriter& w);  // the latest job as a JSON value (null if none)
  bool running() const;

 private:
  struct Job {
    std::int64_t id = 0;
    std::string state = "queued";  // queued, running, done, failed
    std::string stage;             // waiting, opening, loading, signals, detecting, storing
    int step = 0, steps = 5;
    double started = 0, finished = 0;  // seconds since the epoch
    std::string parameters;            // JSON of the options
    std::int64_t base = 0, detection = 0;
    std::string error;
  };
  void run(DetectOptions options);
  void set_stage(const char* stage, int step);
  void write_job(JsonWriter& w, const Job& j) const;

  std::string db_path_;
  std::function<void(std::int64_t)> stored_;
  mutable std::mutex mutex_;
  std::vector<Job> jobs_;  // of this server's life, in order; ids are 1-based positions
  std::thread thread_;
  std::atomic<bool> busy_{false};
};

}  // namespace groundswell
