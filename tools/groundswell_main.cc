// groundswell command line: parses options into the stage option structs and calls one
// library function per command (src/pipeline/commands.h). Exit codes (docs/contract.md §6): 0 ok,
// 1 usage, 2 bad input under --strict, 3 internal error.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <tbb/global_control.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <thread>

#include "base/log.h"
#include "dist/communicator.h"
#include "groundswell/version.h"
#include "pipeline/commands.h"
#include "pipeline/distributed.h"
#include "pipeline/pseudonymize.h"
#include "serve/serve.h"

namespace gs = groundswell;

#ifdef GS_JEMALLOC
// jemalloc's options, read when it starts (before main); MALLOC_CONF in the environment
// overrides them. Transparent huge pages on every mapping (one fault per 2 MB: at 10M messages
// a run took 23M faults in small pages), one arena per core (four, jemalloc's default, held
// more memory in partly used huge pages). Where a new huge page is slow to fault in,
// MALLOC_CONF=thp:default (docs/architecture.md, "Memory allocation").
extern "C" {
// NOLINTNEXTLINE: the name is jemalloc's
const char* malloc_conf = "thp:always,metadata_thp:auto,percpu_arena:percpu";
}
#endif

namespace {

struct Common {
  int threads = 0;
  bool quiet = false;
  std::string log_format = "text";
  std::string pseudonymize_key;
  std::string pseudonymize_key_file;
};

void add_common(CLI::App* cmd, Common& c) {
  cmd->add_option("--threads", c.threads, "Worker threads (0 = all cores)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_flag("--quiet", c.quiet, "Only errors on stderr");
  cmd->add_option("--log-format", c.log_format, "Messages on stderr as text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
}

// Only for commands that write outputs: there the key makes every published file
// pseudonymized (docs/privacy.md). The key may also come from GROUNDSWELL_PSEUDONYM_KEY.
void add_pseudonymize(CLI::App* cmd, Common& c) {
  cmd->add_option("--pseudonymize", c.pseudonymize_key,
                  "Replace account ids and handles in every output by a keyed hash (HMAC-SHA256 "
                  "with KEY; same key, same pseudonyms); the key itself is never written. "
                  "Others on the machine can see a key given here: prefer "
                  "--pseudonymize-key-file or the variable GROUNDSWELL_PSEUDONYM_KEY")
      ->type_name("KEY");
  cmd->add_option("--pseudonymize-key-file", c.pseudonymize_key_file,
                  "--pseudonymize with the key read from FILE (a final line break is ignored)")
      ->type_name("FILE");
}

void add_detect(CLI::App* cmd, gs::DetectCliOptions& d) {
  auto& o = d.options;
  cmd->add_option("--behaviour", d.behaviours,
                  "Behaviours to link accounts by: share, link, domain, hashtag, mention, reply, "
                  "text, similar_text, media, post (default: share, link, reply, text, "
                  "similar_text, media and hashtag by the day, those the data supports; with "
                  "--compat all)");
  cmd->add_option("--window", d.window,
                  "Co-action window W: actions at most W apart, inclusive (90, 90s, 5m, 2h)")
      ->default_str(fmt::format("{}s", o.window_ms / 1000));
  cmd->add_option("--slow-windows", d.slow_windows,
                  "Wider windows at which share, link, text and similar_text are detected too, "
                  "for campaigns acting minutes apart (comma-separated, increasing; none = W "
                  "alone; not in --compat)")
      ->default_str(fmt::format("{}m,{}m", o.slow_windows.at(0) / 60'000,
                                o.slow_windows.at(1) / 60'000));
  cmd->add_option("--min-repetition", d.min_repetition,
                  fmt::format("Co-actions (distinct objects) an edge needs [default: {}; {} with "
                              "--compat]",
                              o.min_repetition,
                              gs::DetectOptions::defaults(gs::CompatMode::kCnt).min_repetition));
  cmd->add_option("--similarity", o.similarity, "Jaccard threshold for similar_text")
      ->capture_default_str();
  cmd->add_option("--compat", d.compat, "Reproduce a peer tool exactly: coortweet or cnt");
  cmd->add_option("--null-replicates", o.null_replicates,
                  "Replicates of the time-shift null model (0 = no significance test)")
      ->capture_default_str();
  cmd->add_option("--fdr", o.fdr, "Benjamini-Hochberg false discovery rate for edges")
      ->capture_default_str();
  cmd->add_option("--seed", o.seed, "Seed of the null model and clustering")->capture_default_str();
  cmd->add_option("--max-crowd", o.max_crowd,
                  "An action among more than this many on the same object within W pairs with "
                  "only its nearest neighbours (0 = no cap)")
      ->capture_default_str();
  cmd->add_option("--crowd-neighbours", o.crowd_neighbours,
                  "Nearest actions in time on each side an action in a crowd still pairs with")
      ->capture_default_str();
}

void add_support(CLI::App* cmd, gs::SupportCliOptions& s) {
  cmd->add_option("--supporters", s.supporters,
                  "Who counts as a supporter: visible (sources, own supporting words, and "
                  "re-posts of supporting posts) or own-words (re-posts do not count)")
      ->capture_default_str();
  cmd->add_flag("--sample", s.sample,
                "The data is a sample of a platform, not the whole population of interest: "
                "intervals also carry sampling uncertainty (accounts redrawn, clusters as units)");
}

void add_input(CLI::App* cmd, gs::InputOptions& in) {
  cmd->add_option("INPUT", in.inputs, "Files, directories (recursive) or globs")->required();
  cmd->add_option("--format", in.format, "Force a format (see `groundswell formats`)");
  cmd->add_flag("--strict", in.strict, "Exit with code 2 at the first rejected record");
  cmd->add_option("--dataset", in.dataset,
                  "Name qualifying the message ids of coortweet, cnt and canonical files "
                  "(default: each file's name without extensions)");
  cmd->add_option("--tz", in.tz, "Zone of local times in sources without one (UTC, +03:30)")
      ->capture_default_str();
  cmd->add_option("--transaction-records", in.transaction_records,
                  "Records stored per transaction: a killed ingest loses at most one "
                  "transaction's (a re-run stores them); more are faster")
      ->capture_default_str();
}

int finish(const gs::Status& s) {
  if (s.ok()) return 0;
  gs::log_error(s.message());
  return s.exit_code();
}

}  // namespace

int main(int argc, char** argv) {
  // Under mpirun or srun, every process parses the same command line; rank 0 runs the
  // command and the others serve its partitioned stages (docs/distributed.md).
  gs::dist::Session mpi(argc, argv);
  CLI::App app{fmt::format(
      "groundswell {} — how much online support is real, and how much was manufactured",
      gs::kVersion)};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(gs::kVersion));
  Common common;

  gs::RunOptions run;
  auto* run_cmd = app.add_subcommand("run", "The main job: ingest, detect, estimate, report");
  add_input(run_cmd, run.input);
  run_cmd->add_option("--out", run.out_dir, "Output folder")->required();
  run_cmd->add_option("--db", run.db_path, "Database file (default: OUT/groundswell.db)");
  run_cmd->add_option("--actors", run.actors_path,
                      "Actors file (TOML): whose support to measure (docs/signals-and-estimation.md)");
  add_detect(run_cmd, run.detect);
  add_support(run_cmd, run.support);
  bool no_sensitivity = false;
  run_cmd->add_flag("--no-sensitivity", no_sensitivity,
                    "Skip re-detecting at neighbouring window, similarity and FDR settings");
  add_common(run_cmd, common);
  add_pseudonymize(run_cmd, common);

  gs::EstimateCommandOptions estimate;
  auto* estimate_cmd = app.add_subcommand("estimate", "Estimate raw and adjusted support per actor");
  estimate_cmd->add_option("--db", estimate.db_path, "Database file")->required();
  estimate_cmd->add_option("--actors", estimate.actors_path, "Actors file (TOML)")->required();
  estimate_cmd->add_option("--out", estimate.out_dir, "Write support.csv and sensitivity.csv here");
  add_support(estimate_cmd, estimate.support);
  add_common(estimate_cmd, common);
  add_pseudonymize(estimate_cmd, common);

  gs::DetectCommandOptions detect;
  auto* detect_cmd = app.add_subcommand("detect", "Detect coordinated accounts in a database");
  detect_cmd->add_option("--db", detect.db_path, "Database file")->required();
  detect_cmd->add_option("--out", detect.out_dir, "Write edges.csv, clusters.csv, ... here");
  add_detect(detect_cmd, detect.detect);
  add_common(detect_cmd, common);
  add_pseudonymize(detect_cmd, common);

  gs::IngestCommandOptions ingest;
  auto* ingest_cmd = app.add_subcommand("ingest", "Read inputs into a database");
  add_input(ingest_cmd, ingest.input);
  ingest_cmd->add_option("--db", ingest.db_path, "Database file")->required();
  ingest_cmd->add_option("--rejects", ingest.rejects_path,
                         "Where to write rejected records (default: beside the database, X.db -> X.rejects.jsonl)");
  add_common(ingest_cmd, common);

  gs::ReportCommandOptions report;
  auto* report_cmd = app.add_subcommand("report", "Write report.html from a database");
  report_cmd->add_option("--db", report.db_path, "Database file")->required();
  report_cmd->add_option("--out", report.out_dir, "Output folder")->required();
  report_cmd->add_option("--actors", report.actors_path,
                         "Actors file (default: the one the latest run used, if it still exists)");
  add_common(report_cmd, common);
  add_pseudonymize(report_cmd, common);

  gs::EvalCommandOptions eval;
  auto* eval_cmd = app.add_subcommand(
      "eval", "Score a run's results against generated ground truth (truth.json)");
  eval_cmd->add_option("--truth", eval.truth_path, "truth.json from groundswell-generate")->required();
  eval_cmd->add_option("--out", eval.out_dir, "The run's output folder")->required();
  add_common(eval_cmd, common);

  std::string inspect_db;
  auto* inspect_cmd = app.add_subcommand("inspect", "What is in a database");
  inspect_cmd->add_option("--db", inspect_db, "Database file")->required();
  add_common(inspect_cmd, common);

  gs::ServeOptions serve;
  auto* serve_cmd = app.add_subcommand(
      "serve", "Explore a database in the browser: actors, clusters, accounts, messages; re-run detection");
  serve_cmd->add_option("--db", serve.db_path, "Database file")->required();
  serve_cmd->add_option("--port", serve.port, "Port to listen on (0 = any free port)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  serve_cmd->add_option("--listen", serve.listen,
                        "Address to listen on instead of 127.0.0.1 only; every request then needs "
                        "the access token printed at start")
      ->type_name("ADDR");
  serve_cmd->add_option("--actors", serve.actors_path,
                        "Actors file for the support figures of the actor pages (default: the "
                        "one the latest run used)");
  bool serve_read_only = false;
  serve_cmd->add_flag("--read-only", serve_read_only,
                      "Never write to the database (no re-running detection from the page)");
  add_common(serve_cmd, common);

  auto* formats_cmd = app.add_subcommand("formats", "Input formats and their fields");
  add_common(formats_cmd, common);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 1;
  }

  // Past a file size limit (ulimit -f) a write then fails with EFBIG and the command stops
  // with an error naming the file, instead of the process dying of SIGXFSZ.
  std::signal(SIGXFSZ, SIG_IGN);
  gs::set_log_settings({common.log_format == "json" ? gs::LogFormat::kJson : gs::LogFormat::kText,
                        common.quiet});
  int threads = common.threads > 0 ? common.threads
                                   : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                            static_cast<std::size_t>(threads));
  if (gs::dist::world().rank() != 0) {
    // Rank 0 speaks for the job; the others report only errors.
    gs::set_log_settings({gs::log_settings().format, true});
    return gs::serve_other_rank();
  }
  gs::OtherRanks others;
  run.sensitivity = !no_sensitivity;
  // The key is resolved, checked and logged by the command (docs/privacy.md).
  const char* env = std::getenv(std::string(gs::kPseudonymKeyVariable).c_str());
  const gs::PseudonymKeySources key{common.pseudonymize_key_file, env ? env : "",
                                    common.pseudonymize_key};
  run.pseudonymize = key;
  detect.pseudonymize = key;
  report.pseudonymize = key;
  estimate.pseudonymize = key;
  serve.listen_given = serve_cmd->count("--listen") > 0;
  serve.rerun = !serve_read_only;
  try {
    if (*run_cmd) return finish(gs::run_command(run));
    if (*detect_cmd) return finish(gs::detect_command(detect));
    if (*report_cmd) return finish(gs::report_command(report));
    if (*estimate_cmd) return finish(gs::estimate_command(estimate));
    if (*ingest_cmd) return finish(gs::ingest_command(ingest));
    if (*inspect_cmd) return finish(gs::inspect_command(inspect_db, std::cout));
    if (*serve_cmd) return finish(gs::serve_command(serve));
    if (*eval_cmd) return finish(gs::eval_command(eval, std::cout));
    if (*formats_cmd) {
      gs::formats_command(std::cout);
      return 0;
    }
  } catch (const std::exception& e) {
    gs::log_error(fmt::format("internal error: {}", e.what()));
    return 3;
  }
  return 1;
}
