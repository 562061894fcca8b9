// The commands of spec §7 as library functions: the CLI (tools/groundswell_main.cc) only
// parses options into these structs and calls one function; tests call the same functions.
// `run` is the main job and chains the stages: ingest → detect/signals → estimate → report.
//
// Thread-safety: one command at a time per database.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "detect/detect.h"
#include "groundswell/status.h"

namespace groundswell {

struct InputOptions {
  std::vector<std::string> inputs;
  std::string format;      // "" = auto-detect per file
  bool strict = false;
  std::string tz = "UTC";  // zone of local times in sources that give none (--tz)
};

// Detection options as the CLI takes them: names and durations as text, parsed once by
// resolve_detect_options(); numbers straight into `options`, whose defaults are the
// library's (detect/detect.h).
struct DetectCliOptions {
  std::string behaviours;  // comma-separated; "" = every behaviour the data supports
  std::string window;      // a duration ("90s", "5m"); "" = DetectOptions's default
  std::string compat;      // "", none, coortweet, cnt
  std::optional<int> min_repetition;  // unset: the mode's default (DetectOptions::defaults)
  DetectOptions options;
};
// Fills `cli.options` from the text fields and validates it (DetectOptions::validate).
[[nodiscard]] Status resolve_detect_options(DetectCliOptions& cli);

struct RunOptions {
  InputOptions input;
  std::string out_dir;
  std::string db_path;  // default: <out_dir>/groundswell.db
  std::string actors_path;
  DetectCliOptions detect;
  bool sensitivity = true;  // re-detect at neighbouring settings for the sensitivity table
  bool progress = true;
  // --pseudonymize KEY (docs/privacy.md): every file in out_dir, and out_dir/groundswell.db
  // as a pseudonymized export; the raw store then lives at db_path, by default
  // <out_dir>.private/groundswell.db.
  std::string pseudonymize_key;
};

// The main job: ingest into <out>/groundswell.db, detect coordination, estimate support (with
// --actors), and write every output of spec §8 there.
Status run_command(RunOptions options);

struct DetectCommandOptions {
  std::string db_path;
  std::string out_dir;  // "" = results only in the database
  DetectCliOptions detect;
  std::string pseudonymize_key;  // files in out_dir pseudonymized (the database stays raw)
};
Status detect_command(DetectCommandOptions options);

// Regenerates report.html (and the detection outputs) from a database, with the detection
// parameters recorded by its latest detection: detection is deterministic, so this
// reproduces what `run` wrote.
// With an actors file (given, or the one the latest run used if it still exists) the report
// also has the support estimates. With a pseudonymize_key the files are pseudonymized and
// out_dir/groundswell.db is written as a pseudonymized export of the database.
Status report_command(const std::string& db_path, const std::string& out_dir,
                      std::string actors_path = "", const std::string& pseudonymize_key = "");

// Support per actor (spec §5.7) from a database: signals, clusters at the recorded detection
// parameters, estimates; writes support.csv and sensitivity.csv to out_dir when given.
Status estimate_command(const std::string& db_path, const std::string& actors_path,
                        const std::string& out_dir, const std::string& pseudonymize_key = "");

struct IngestCommandOptions {
  InputOptions input;
  std::string db_path;
  std::string rejects_path;  // "" = next to the database
  bool progress = true;
};
Status ingest_command(const IngestCommandOptions& options);

// What is in a database: schema, runs, files, counts, platforms, time span, rejects.
Status inspect_command(const std::string& db_path, std::ostream& out);

// Every format name of spec §2 with what it reads and whether it is available.
void formats_command(std::ostream& out);

}  // namespace groundswell
