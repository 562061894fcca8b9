// The commands as library functions: each takes its options struct and owns its checks, so
// the command line and any other caller get the same refusals.
#include "pipeline/commands.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <string>

#include "base/file.h"
#include "base/log.h"
#include "eval/generate.h"
#include "pipeline/support_figures.h"
#include "store/store.h"

namespace groundswell {
namespace {

namespace fs = std::filesystem;

const std::string kCntInput = "tests/data/reference/cnt/coretweet_test_input.csv";

fs::path temp_dir(const std::string& name) {
  fs::path p = fs::path(GS_BINARY_DIR) / "commands_test_tmp" / name;
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

// The toolkit's test input ingested into a fresh database.
std::string ingested_db(const fs::path& dir) {
  IngestCommandOptions in;
  in.input.inputs = {kCntInput};
  in.db_path = (dir / "groundswell.db").string();
  in.progress = false;
  EXPECT_TRUE(ingest_command(in).ok());
  return in.db_path;
}

TEST(DetectCliOptions, TheModeChoosesTheDefaultRepetitionAndAGivenOneStays) {
  DetectCliOptions cli;
  ASSERT_TRUE(resolve_detect_options(cli).ok());
  EXPECT_EQ(cli.options.min_repetition, 3);
  EXPECT_EQ(cli.options.window_ms, DetectOptions{}.window_ms);
  DetectCliOptions cnt;
  cnt.compat = "cnt";
  cnt.window = "5m";
  ASSERT_TRUE(resolve_detect_options(cnt).ok());
  EXPECT_EQ(cnt.options.min_repetition, 2);
  EXPECT_EQ(cnt.options.window_ms, 300'000);
  cnt.min_repetition = 4;
  ASSERT_TRUE(resolve_detect_options(cnt).ok());
  EXPECT_EQ(cnt.options.min_repetition, 4);
}

TEST(DetectCliOptions, RefusesWhatTheLibraryRefuses) {
  DetectCliOptions cli;
  cli.options.fdr = 1;
  Status s = resolve_detect_options(cli);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), cli.options.validate().message());
  DetectCliOptions window;
  window.window = "soon";
  EXPECT_NE(resolve_detect_options(window).message().find("--window 'soon'"), std::string::npos);
  DetectCliOptions compat;
  compat.compat = "gephi";
  EXPECT_NE(resolve_detect_options(compat).message().find("--compat"), std::string::npos);
}

TEST(CommandPseudonymize, AKeyAskedForWithoutOutputFilesIsAUsageError) {
  fs::path dir = temp_dir("no_out");
  std::string db = ingested_db(dir);
  DetectCommandOptions detect;
  detect.db_path = db;
  detect.pseudonymize.command_line = "k3y";
  Status s = detect_command(detect);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("give --out DIR"), std::string::npos) << s.message();
  EstimateCommandOptions estimate;
  estimate.db_path = db;
  estimate.actors_path = (dir / "actors.toml").string();
  estimate.pseudonymize.key_file = (dir / "missing-key").string();
  EXPECT_EQ(estimate_command(estimate).code(), StatusCode::kInvalidArgument);
  // Only in the environment: not asked for here, so detection runs without it.
  detect.pseudonymize = {};
  detect.pseudonymize.environment = "k3y";
  EXPECT_TRUE(detect_command(detect).ok());
}

TEST(CommandPseudonymize, ReportWithAKeyWritesPseudonymsAndAnExport) {
  fs::path dir = temp_dir("report");
  std::string db = ingested_db(dir);
  DetectCommandOptions detect;
  detect.db_path = db;
  ASSERT_TRUE(detect_command(detect).ok());
  ReportCommandOptions report;
  report.db_path = db;
  report.out_dir = (dir / "published").string();
  report.pseudonymize.environment = "k3y";
  ASSERT_TRUE(report_command(report).ok());
  EXPECT_TRUE(is_pseudonymized_export(dir / "published" / "groundswell.db"));
  std::string accounts = read_whole_file(dir / "published" / "accounts.csv").value_or("");
  EXPECT_NE(accounts.find(",a_"), std::string::npos) << accounts;
  // The same folder as the raw store: the export would replace it.
  report.out_dir = dir.string();
  EXPECT_EQ(report_command(report).code(), StatusCode::kInvalidArgument);
}

// `run --actors` stores its support figures beside its detection (detection_support), as
// support.csv has them, so what reads the store never computes them again; `detect` stores a
// detection without them.
TEST(RunCommand, StoresTheSupportFiguresBesideItsDetection) {
  set_log_settings({LogFormat::kText, /*quiet=*/true});
  fs::path dir = temp_dir("run-support");
  GenerateOptions g;
  g.seed = 5;
  g.messages = messages_for_scale("small").value();
  g.scale = "small";
  g.out_dir = (dir / "gen").string();
  ASSERT_TRUE(generate_dataset(g).ok());
  RunOptions run;
  run.input.inputs = {(dir / "gen" / "data").string()};
  run.out_dir = (dir / "out").string();
  run.actors_path = (dir / "gen" / "actors.toml").string();
  run.sensitivity = false;  // --no-sensitivity: the intervals at the detection's own settings
  run.progress = false;
  ASSERT_TRUE(run_command(run).ok());
  auto store = Store::open(dir / "out" / "groundswell.db");
  ASSERT_TRUE(store.ok()) << store.status().message();
  auto sha = actors_file_sha256(run.actors_path);
  ASSERT_TRUE(sha.ok());
  auto stored = read_support_figures(store->db(), 1, *sha);
  ASSERT_TRUE(stored.ok()) << stored.status().message();
  ASSERT_TRUE(stored->has_value());
  const StoredSupportFigures& f = **stored;
  EXPECT_EQ(f.key.actors_file, "actors.toml");
  EXPECT_EQ(f.key.run_id,
            store->db().query_int64("SELECT id FROM runs WHERE command = 'run'").value());
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_FALSE(parser.parse(f.figures).get(doc));
  // --no-sensitivity: the intervals range over the detection's own settings only.
  EXPECT_EQ(simdjson::minify(doc["scenarios"]), R"(["default"])");
  // One row per row of support.csv (and its header).
  const std::string csv = read_whole_file(dir / "out" / "support.csv").value_or("");
  const auto lines = static_cast<std::size_t>(std::count(csv.begin(), csv.end(), '\n'));
  EXPECT_EQ(doc["rows"].get_array().size() + 1, lines);
  EXPECT_GT(doc["actors"].get_array().size(), 0u);
  // Another actors file is another row; without one, the latest from any.
  EXPECT_FALSE(read_support_figures(store->db(), 1, std::string(64, '0')).value().has_value());
  EXPECT_TRUE(read_support_figures(store->db(), 1, "").value().has_value());
  // A detection of `detect` has none.
  DetectCommandOptions detect;
  detect.db_path = (dir / "out" / "groundswell.db").string();
  ASSERT_TRUE(detect_command(detect).ok());
  EXPECT_FALSE(read_support_figures(store->db(), 2, "").value().has_value());
  EXPECT_EQ(store->db().query_int64("SELECT count(*) FROM detection_support").value(), 1);
}

TEST(EvalCommand, NeedsTheTruthAndTheRunFolder) {
  std::ostringstream out;
  EXPECT_EQ(eval_command({}, out).code(), StatusCode::kInvalidArgument);
  fs::path dir = temp_dir("eval");
  EXPECT_FALSE(eval_command({(dir / "truth.json").string(), dir.string()}, out).ok());
  EXPECT_FALSE(fs::exists(dir / "eval.json"));
}

}  // namespace
}  // namespace groundswell
