// The commands of docs/contract.md §7 as library functions: the CLI (tools/groundswell_main.cc)
// only parses options into these structs and calls one function; tests call the same functions.
// `run` is the main job and chains the stages: ingest → detect/signals → estimate → report.
//
// Thread-safety: one command at a time per database.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "detect/detect.h"
#include "estimate/estimate.h"
#include "groundswell/status.h"
#include "pipeline/pseudonymize.h"

namespace groundswell {

class Store;

struct InputOptions {
  std::vector<std::string> inputs;
  std::string format;      // "" = auto-detect per file
  bool strict = false;
  std::string dataset;     // qualifies dataset-local message ids; "" = each file's stem
  std::string tz = "UTC";  // zone of local times in sources that give none (--tz)
  std::uint64_t transaction_records = 200000;  // IngestOptions::transaction_records
};

// Detection options as the CLI takes them: names and durations as text, parsed once by
// resolve_detect_options(); numbers straight into `options`, whose defaults are the
// library's (detect/detect.h).
struct DetectCliOptions {
  std::string behaviours;  // comma-separated; "" = every behaviour the data supports
  std::string window;      // a duration ("90s", "5m"); "" = DetectOptions's default
  // Comma-separated durations ("10m,30m"), "none" for W alone; unset = the default.
  std::optional<std::string> slow_windows;
  std::string compat;      // "", none, coortweet, cnt
  std::optional<int> min_repetition;  // unset: the mode's default (DetectOptions::defaults)
  DetectOptions options;
};
// Fills `cli.options` from the text fields and validates it (DetectOptions::validate).
[[nodiscard]] Status resolve_detect_options(DetectCliOptions& cli);

// Support estimation as the CLI takes it (docs/signals-and-estimation.md §3, §5).
struct SupportCliOptions {
  std::string supporters = "visible";  // visible | own-words
  bool sample = false;  // the data is a sample of a platform: intervals carry sampling too
};

struct RunOptions {
  InputOptions input;
  std::string out_dir;
  std::string db_path;  // default: <out_dir>/groundswell.db
  std::string actors_path;
  DetectCliOptions detect;
  SupportCliOptions support;
  bool sensitivity = true;  // re-detect at neighbouring settings for the sensitivity table
  bool progress = true;
  // --pseudonymize (docs/privacy.md): every file in out_dir, and out_dir/groundswell.db as a
  // pseudonymized export; the raw store then lives at db_path, by default
  // <out_dir>.private/groundswell.db.
  PseudonymKeySources pseudonymize;
};

// The main job: ingest into <out>/groundswell.db, detect coordination, estimate support (with
// --actors; the figures are also stored beside the detection, table detection_support), and
// write every output of docs/contract.md §8 there.
Status run_command(RunOptions options);

struct DetectCommandOptions {
  std::string db_path;
  std::string out_dir;  // "" = results only in the database
  DetectCliOptions detect;
  // Files in out_dir pseudonymized (the database stays raw); a key asked for without
  // out_dir is a usage error.
  PseudonymKeySources pseudonymize;
};
Status detect_command(DetectCommandOptions options);

// What `detect --db FILE` does, without output files, in a store the caller opened for
// writing: signals, detection with the clusters' verdicts, the result stored as a new
// detection under a `detect` row in runs. `stage` (optional) is told each stage as it starts:
// loading, signals, detecting, storing. Returns the new detection's id. groundswell serve's
// re-runs use it, so they store what `detect` stores.
Result<std::int64_t> detect_into_store(Store& store, const DetectOptions& options,
                                       const std::function<void(std::string_view)>& stage = {});

struct ReportCommandOptions {
  std::string db_path;
  std::string out_dir;
  std::string actors_path;  // "" = the one the latest run used, if it still exists
  // Files in out_dir pseudonymized, and out_dir/groundswell.db written as a pseudonymized
  // export of the database.
  PseudonymKeySources pseudonymize;
};
// Regenerates report.html (and the detection outputs) from a database, with the detection
// parameters recorded by its latest detection: detection is deterministic, so this
// reproduces what `run` wrote. With an actors file the report also has the support
// estimates.
Status report_command(ReportCommandOptions options);

struct EstimateCommandOptions {
  std::string db_path;
  std::string actors_path;
  std::string out_dir;  // "" = the headline in the log only
  SupportCliOptions support;
  PseudonymKeySources pseudonymize;  // files in out_dir; asked for without out_dir: an error
};
// Support per actor (docs/contract.md §5.7) from a database: signals, clusters at the recorded
// detection parameters, estimates; writes support.csv and sensitivity.csv to out_dir when given.
Status estimate_command(const EstimateCommandOptions& options);

// The actors file of the latest `run` that named one, if it is still there ("" if none).
std::string recorded_actors_path(Store& store);

// Support per actor at the parameters of stored detection `detection_id`, as `estimate`
// computes it: signals, that detection reproduced (deterministic) with its neighbouring
// settings for the intervals, estimates; as the document detection_support stores
// (support_figures_json() in pipeline/support_figures.h). Writes nothing, so a read-only store
// will do. groundswell serve uses it for a detection whose figures are not stored.
Result<std::string> support_figures_at_detection(Store& store, const std::string& actors_path,
                                                 std::int64_t detection_id);

struct EvalCommandOptions {
  std::string truth_path;  // truth.json written by groundswell-generate
  std::string out_dir;     // the run's output folder: read, and eval.json written there
};
// Scores a run's results against generated ground truth (docs/generator.md): the scores as
// text on `out`, and out_dir/eval.json.
Status eval_command(const EvalCommandOptions& options, std::ostream& out);

struct IngestCommandOptions {
  InputOptions input;
  std::string db_path;
  std::string rejects_path;  // "" = beside the database, named after it (X.rejects.jsonl)
  bool progress = true;
};
Status ingest_command(const IngestCommandOptions& options);

// What is in a database: schema, runs, files, counts, platforms, time span, rejects.
Status inspect_command(const std::string& db_path, std::ostream& out);

// Every format name of docs/contract.md §2 with what it reads and whether it is available.
void formats_command(std::ostream& out);

}  // namespace groundswell
