#include "pipeline/commands.h"

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <simdjson.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <numeric>
#include <optional>
#include <ostream>

#include "base/json_writer.h"
#include "base/log.h"
#include "base/output_file.h"
#include "base/resources.h"
#include "base/time.h"
#include "groundswell/version.h"
#include "ingest/ingest.h"
#include "ingest/reader.h"
#include "estimate/actors.h"
#include "detect/verdict.h"
#include "estimate/estimate.h"
#include "eval/evaluate.h"
#include "pipeline/analysis_to_report.h"
#include "pipeline/distributed.h"
#include "pipeline/pseudonymize.h"
#include "pipeline/support_figures.h"
#include "signals/signals.h"
#include "report/html.h"
#include "store/dataset.h"
#include "store/dataset_cache.h"
#include "store/store.h"

namespace groundswell {

namespace fs = std::filesystem;

namespace {

Result<std::int64_t> tz_offset(const std::string& tz) {
  std::int64_t off = 0;
  if (!parse_utc_offset(tz, off))
    return Status::InvalidArgument(
        fmt::format("--tz '{}': give UTC or an offset such as +03:30 or -05:00", tz));
  return off;
}

std::string input_parameters_json(const InputOptions& in, std::string_view actors) {
  JsonWriter w(false);
  w.begin_object().key("inputs").begin_array();
  for (const auto& i : in.inputs) w.value(i);
  w.end_array().key("format").value(in.format).key("strict").value(in.strict).key("tz").value(in.tz);
  if (!in.dataset.empty()) w.key("dataset").value(in.dataset);
  if (!actors.empty()) {
    std::error_code ec;
    auto abs = fs::absolute(actors, ec);
    w.key("actors").value(ec ? std::string(actors) : abs.string());
  }
  w.end_object();
  return w.take();
}

// <db without .db>.rejects.jsonl beside the database: groundswell.db -> groundswell.rejects.jsonl.
std::string rejects_path_for(const std::string& db_path) {
  fs::path p(db_path);
  if (p.extension() == ".db") p.replace_extension();
  p += ".rejects.jsonl";
  return p.string();
}

Result<IngestSummary> ingest_into(Store& store, const InputOptions& in, std::string command,
                                  std::string rejects_path, bool progress,
                                  std::string_view actors = "",
                                  bool rejects_of_earlier_runs = false,
                                  IngestedMessages* columns = nullptr) {
  auto off = tz_offset(in.tz);
  if (!off) return off.status();
  IngestOptions o;
  o.inputs = in.inputs;
  o.format = in.format;
  o.strict = in.strict;
  o.dataset = in.dataset;
  o.tz_offset_s = *off;
  if (in.transaction_records == 0)
    return Status::InvalidArgument("--transaction-records: give at least 1");
  o.transaction_records = in.transaction_records;
  o.rejects_path = std::move(rejects_path);
  o.rejects_of_earlier_runs = rejects_of_earlier_runs;
  o.progress = progress;
  o.command = std::move(command);
  o.parameters_json = input_parameters_json(in, actors);
  o.columns = columns;
  o.share_with_ranks = true;
  return ingest(store, o);
}

void log_ingest_summary(const IngestSummary& s) {
  const auto& c = s.counts;
  log_info(fmt::format(
      "read {} records from {} files in {:.2f} s: {} stored ({} messages, {} events), {} "
      "duplicates ({} merged with differences), {} rejected",
      c.records_read, s.files, s.seconds, c.stored, c.messages, c.events, c.duplicates,
      c.conflicts, c.rejected));
}

// The `input` block of summary.json (docs/contract.md §8).
void write_input_block(JsonWriter& w, const IngestSummary& s) {
  const auto& c = s.counts;
  w.key("input").begin_object()
      .key("files").value(s.files)
      .key("bytes").value(s.bytes)
      .key("records_read").value(c.records_read)
      .key("stored").value(c.stored)
      .key("duplicates").value(c.duplicates)
      .key("conflicts").value(c.conflicts)
      .key("rejected").value(c.rejected)
      .key("messages").value(c.messages)
      .key("events").value(c.events)
      .key("accounts").value(s.accounts)
      .key("account_records").value(c.account_records)
      .key("utf8_repaired").value(c.utf8_repaired)
      .key("warnings").begin_array();
  for (const auto& warning : s.warnings) w.value(warning);
  w.end_array().end_object();
}

}  // namespace

Status resolve_detect_options(DetectCliOptions& cli) {
  auto c = parse_compat(cli.compat);
  if (!c) return Status::InvalidArgument("--compat: " + c.status().message());
  cli.options.compat = *c;
  cli.options.min_repetition =
      cli.min_repetition.value_or(DetectOptions::defaults(*c).min_repetition);
  if (!cli.behaviours.empty()) {
    auto b = parse_behaviours(cli.behaviours);
    if (!b) return Status::InvalidArgument("--behaviour: " + b.status().message());
    cli.options.behaviours = *b;
  }
  if (!cli.window.empty()) {
    std::int64_t w = parse_duration_ms(cli.window);
    if (w < 0)
      return Status::InvalidArgument(
          fmt::format("--window '{}': give a duration such as 90, 90s, 5m or 2h", cli.window));
    cli.options.window_ms = w;
  }
  if (cli.slow_windows) {
    cli.options.slow_windows.clear();
    if (*cli.slow_windows != "none") {
      for (std::string_view rest = *cli.slow_windows; !rest.empty();) {
        const std::size_t comma = rest.find(',');
        const std::string one(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        const std::int64_t w = parse_duration_ms(one);
        if (w <= 0)
          return Status::InvalidArgument(fmt::format(
              "--slow-windows '{}': give durations such as 10m,30m, or none", *cli.slow_windows));
        cli.options.slow_windows.push_back(w);
      }
    }
  }
  return cli.options.validate();
}

namespace {

// The `parameters` and `detection` blocks of summary.json.
void write_detection_blocks(JsonWriter& w, const DetectOptions& o, const DetectionResult& r) {
  w.key("parameters");
  write_parameters_summary(w, o, r.behaviours);
  std::uint64_t kept = 0;
  for (const auto& e : r.edges) kept += e.significant ? 1 : 0;
  std::uint64_t coordinated = 0;
  for (auto c : r.account_cluster) coordinated += c != 0 ? 1 : 0;
  w.key("detection").begin_object()
      .key("edges").value(kept)
      .key("edges_tested").value(r.tested_edges)
      .key("clusters").value(static_cast<std::uint64_t>(r.clusters.size()))
      .key("coordinated_accounts").value(coordinated)
      .key("crowded_actions").value(r.crowded_actions)
      .end_object();
}

struct Analysis {
  Dataset data;
  SignalTable signals;
  DetectionResult detection;  // once stored: its kept edges only (keep_only_kept_edges)
  std::optional<Estimate> estimate;
  std::unique_ptr<NameScrubber> scrubber;  // under --pseudonymize, once outputs are written
  std::string generated_at;                // when the run was made (run_timestamp)
  std::vector<PeerCount> peer;             // CooRTweet's rule on the same data (native runs)
  // Detection at the main settings and each neighbouring one (report and summary.json).
  std::vector<ReportDetectionSensitivityRow> detection_sensitivity;
  std::optional<std::int64_t> detection_id;  // as stored (AnalysisPlan::store_detection)
};

ReportDetectionSensitivityRow sensitivity_row(std::string parameter, double value, bool baseline,
                                              const DetectionResult& r) {
  ReportDetectionSensitivityRow row;
  row.parameter = std::move(parameter);
  row.value = value;
  row.baseline = baseline;
  row.edges_tested = static_cast<std::int64_t>(r.pair_edges);
  for (const auto& e : r.edges) row.edges_kept += e.significant;
  row.clusters = static_cast<std::int64_t>(r.clusters.size());
  for (auto c : r.account_cluster) row.coordinated_accounts += c != 0;
  return row;
}

// The main settings' row beside each parameter's variants, variants in increasing value.
// Similarity rows only when similar_text was run.
std::vector<ReportDetectionSensitivityRow> sensitivity_table(
    const DetectOptions& o, const DetectionResult& main, const ReportDetectionSensitivityRow& at_main,
    std::vector<ReportDetectionSensitivityRow> variants) {
  std::vector<ReportDetectionSensitivityRow> out;
  const bool similar = std::find(main.behaviours.begin(), main.behaviours.end(),
                                 Behaviour::kSimilarText) != main.behaviours.end();
  const std::pair<const char*, double> params[] = {
      {"window_s", static_cast<double>(o.window_ms) / 1000},
      {"min_repetition", static_cast<double>(o.min_repetition)},
      {"similarity", o.similarity},
      {"fdr", o.fdr}};
  for (const auto& [name, value] : params) {
    if (std::string_view(name) == "similarity" && !similar) continue;
    std::vector<ReportDetectionSensitivityRow> rows;
    for (const auto& v : variants)
      if (v.parameter == name) rows.push_back(v);
    if (rows.empty()) continue;
    ReportDetectionSensitivityRow row = at_main;
    row.parameter = name;
    row.value = value;
    rows.push_back(std::move(row));
    std::stable_sort(rows.begin(), rows.end(),
                     [](const auto& x, const auto& y) { return x.value < y.value; });
    out.insert(out.end(), rows.begin(), rows.end());
  }
  return out;
}

// The clusters of one detection as the estimation stage takes them: judged inauthentic ones
// are discounted, organic ones keep their members, undetermined ones count as one voice.
ClusterAssignment assignment_of(std::string label, const DetectionResult& r, double fdr) {
  std::vector<double> p;
  std::vector<ClusterTreatment> treatment;
  for (const auto& c : r.clusters) {
    p.push_back(c.p_value);
    treatment.push_back(c.verdict == Verdict::kInauthentic ? ClusterTreatment::kDiscount
                        : c.verdict == Verdict::kOrganic   ? ClusterTreatment::kKeep
                                                           : ClusterTreatment::kOneVoice);
  }
  return make_cluster_assignment(std::move(label), r.account_cluster, p, fdr, treatment);
}

// A verdict for every cluster of one detection, from the account signals (verdict.h);
// `originals`, when given, indexes the messages (else built for this call).
void judge(const Dataset& data, const SignalTable& signals, const DetectOptions& options,
           DetectionResult& r, const MessageIndex* originals, StimulusMemo* memo = nullptr) {
  std::vector<double> handles(signals.accounts.size());
  for (std::size_t a = 0; a < handles.size(); ++a)
    handles[a] = signals.accounts[a].score[static_cast<std::size_t>(Signal::kHandlePattern)];
  VerdictOptions vo;
  vo.seed = options.seed;
  vo.originals = originals;
  vo.memo = memo;
  judge_clusters(data, r, AccountEvidence{signals.score, handles}, options.window_ms, vo);
}

// What the analysis after ingest does and where its results go.
struct AnalysisPlan {
  DetectOptions detect;
  std::string actors_path;  // "" = no support estimates
  // With actors: re-detect at the neighbouring settings for the sensitivity table of
  // docs/contract.md §5.7.
  bool sensitivity = true;
  fs::path out_dir;  // "" = no output files
  std::optional<std::int64_t> run_id;  // the run the results belong to (none: report, estimate)
  // Store the detection in the database: false when reproducing a stored one (report,
  // estimate).
  bool store_detection = true;
  const Pseudonymizer* pseudonymizer = nullptr;  // output files pseudonymized with it
  EstimateOptions estimate;  // its seed is the detection's
  // Told each stage as it starts (loading, signals, detecting, storing), when set.
  std::function<void(std::string_view stage)> stage;
  // The posts the ingest just before collected (`run`): the columns are built from them.
  IngestedMessages* ingested = nullptr;
};

// The estimate's options from the CLI's words.
Result<EstimateOptions> resolve_support_options(const SupportCliOptions& cli) {
  EstimateOptions eo;
  auto d = parse_supporter_definition(cli.supporters);
  if (!d) return d.status();
  eo.supporters = *d;
  eo.sample = cli.sample;
  return eo;
}

// The analysis stages after ingest: signals, detection, estimation (with actors), and every
// output file.
Result<Analysis> analyse(Store& store, const AnalysisPlan& plan) {
  const DetectOptions& options = plan.detect;
  const fs::path& out = plan.out_dir;
  const Pseudonymizer* pseudonymizer = plan.pseudonymizer;
  Analysis a;
  auto when = run_timestamp(store, plan.run_id);
  if (!when) return when.status();
  a.generated_at = std::move(*when);
  std::optional<ActorSet> actors;
  if (!plan.actors_path.empty()) {
    auto loaded = load_actors_file(plan.actors_path);
    if (!loaded) return loaded.status();
    actors = std::move(*loaded);
  }
  auto stage = [&](std::string_view name) {
    if (plan.stage) plan.stage(name);
  };
  stage("loading");
  log_info("loading the analysis data");
  StageClock clock;
  DatasetOptions loading;
  loading.ingested = plan.ingested;
  auto data = load_dataset(store, loading);
  if (!data) return data.status();
  a.data = std::move(*data);
  // Distributed: the other ranks load the same data and share the detection (docs/distributed.md).
  const SharedDataset shared(store.path().string(), a.data);
  log_info(clock.lap("loading"));
  stage("signals");
  auto sig = shared.signals(a.data);
  if (!sig) return sig.status();
  a.signals = std::move(*sig);
  log_info(clock.lap("signals"));
  // What detection never reads is out of memory until the estimate (at 10M messages 0.6 GB
  // of engagement counts, languages, quotes, time resolutions and profile fields), when the
  // columns file beside the store holds the columns in memory.
  std::optional<ColumnsAside> aside;
  if (auto opened = columns_aside(store, a.data); opened.ok()) {
    aside = std::move(*opened);
    aside->take(a.data, ColumnGroup::kOutsideDetection);
  }
  stage("detecting");
  log_info(fmt::format("detecting coordination among {} accounts, {} messages", a.data.accounts(),
                       a.data.messages()));
  // What a peer tool's permissive rule reports on the same data, for the report's funnel:
  // computed before detection, while every column it reads is in memory and nothing of
  // detection's is (at 10M messages its actions, after detection, were the run's peak).
  const bool peer = options.compat == CompatMode::kNone && !out.empty();
  PeerRule peer_found;
  if (peer) {
    peer_found = peer_rule(a.data, options, detected_behaviours(a.data, options));
    log_info(clock.lap("peer comparison"));
  }
  // Detection again at neighbouring settings: for the estimates' sensitivity table (with
  // actors) and the report's (with output files), so a reader sees whether a result, or the
  // lack of one, holds up. One Detector reuses the work the variants share.
  const bool reuse = plan.sensitivity && options.compat == CompatMode::kNone &&
                     (actors || !out.empty());
  const std::vector<DetectVariant> variants =
      reuse ? sensitivity_variants(options) : std::vector<DetectVariant>{};
  std::optional<Detector> detector;
  // The variants above the main min_repetition are views of the main test. Testing from
  // the variant below it as well would hold all its pairs for the whole run: at 10M messages
  // that took detection from 9.7 to 14.5 GB (docs/detection.md).
  // Replicate rows are kept only up to the highest FDR level asked for (the variants' 0.1).
  // One near-duplicate search, at the lowest similarity, serves every similarity variant and
  // the main settings (docs/detection.md, "Scale and determinism").
  double variants_fdr = 0, lowest_similarity = options.similarity;
  for (const auto& v : variants) {
    variants_fdr = std::max(variants_fdr, v.options.fdr);
    lowest_similarity = std::min(lowest_similarity, v.options.similarity);
  }
  // Without variants a Detector still lets the columns below go out of memory while it
  // works (at 10M messages `detect` peaked 1.1 GB higher than `run`'s detection without it);
  // it is let go as soon as the main detection is judged.
  if (reuse || (aside && options.compat == CompatMode::kNone))
    detector.emplace(a.data, widest_window(options, variants), options.min_repetition,
                     std::max(options.fdr, variants_fdr), lowest_similarity);
  // The message text is read by the estimate and the output files, not by the tests, the
  // clusters, the verdicts or the variants: it goes out of memory as soon as the main
  // detection has read it (at 10M messages, 1.6 GB beside every behaviour's edges, where the
  // run's memory peaked). The variants find what they need of it in the Detector (the first
  // near-duplicate search and the text behaviours' actions and edges).
  if (detector && aside) {
    // The near-duplicate search reads the messages' text, times, accounts and shares: the
    // columns detection reads beside those are out of memory meanwhile (1.1 GB at 10M
    // messages, beside the search's 2.7 GB).
    detector->around_search(
        [&] {
          aside->take(a.data, ColumnGroup::kMessageKeys);
          aside->take(a.data, ColumnGroup::kObjects);
        },
        [&] {
          GS_RETURN_IF_ERROR(aside->restore(a.data, ColumnGroup::kMessageKeys));
          return aside->restore(a.data, ColumnGroup::kObjects);
        });
    detector->after_reading_text([&](std::span<const Behaviour>) {
      log_info(fmt::format("message text ({:.2f} GB) out of memory until the estimate",
                           static_cast<double>(a.data.msg_text.bytes()) / 1e9));
      aside->take(a.data, ColumnGroup::kText);
    });
    // The messages' links, hashtags, mentions, replies and media are read by the actions
    // alone, which the Detector keeps for the variants (none of which rebuilds them): out of
    // memory from the main detection's tests to the estimate (at 10M messages 0.7 GB beside
    // every behaviour's edges, where the run's memory peaked).
    detector->after_building_actions([&] { aside->take(a.data, ColumnGroup::kObjects); });
  }
  auto det = detector ? detector->detect(options) : detect(a.data, options);
  if (!det) return det.status();
  a.detection = std::move(*det);
  // The variants' judgements reuse the stimulus nulls of the clusters they share with it.
  StimulusMemo stimulus_memo;
  judge(a.data, a.signals, options, a.detection, detector ? &detector->originals() : nullptr,
        &stimulus_memo);
  if (!reuse) detector.reset();
  log_info(fmt::format("{} clusters, {} edges kept of {} tested", a.detection.clusters.size(),
                       a.detection.significant_edges, a.detection.tested_edges));
  log_info(clock.lap("detection"));
  if (peer) {
    a.peer = peer_comparison(peer_found, a.detection);
    peer_found = PeerRule();
    for (const PeerCount& c : a.peer)
      log_info(c.computed
                   ? fmt::format("for comparison, CooRTweet's rule ({} s, min participation {}, no "
                                 "significance test) gives {} {} edges among {} accounts",
                                 static_cast<double>(options.window_ms) / 1000.0,
                                 kPeerMinParticipation, c.edges, behaviour_name(c.behaviour),
                                 c.accounts)
                   : fmt::format("for comparison, CooRTweet's rule was not run on {}: {} message "
                                 "pairs within the window",
                                 behaviour_name(c.behaviour), c.message_pairs));
  }
  // Stored before any pseudonymization (the store keeps the raw analysis) and before the
  // variants run, so that the main result can drop what only the store shows.
  if (plan.store_detection) {
    stage("storing");
    auto stored = store_detection(store, a.data, a.detection, options, plan.run_id);
    if (!stored) return stored.status();
    a.detection_id = *stored;
    log_info(clock.lap("storing the detection"));
  }
  std::vector<ClusterAssignment> scenarios;
  if (actors) scenarios.push_back(assignment_of("default", a.detection, options.fdr));
  const ReportDetectionSensitivityRow main_row = sensitivity_row("", 0, true, a.detection);
  // Once stored, only the kept edges and their evidence are read (docs/architecture.md,
  // "Detection at several settings"): at 10M messages nine in ten of some 2M tested edges,
  // freed before the variants run.
  keep_only_kept_edges(a.detection);
  if (reuse) {
    // The variants ask for membership only, at their FDR levels: what the main run's cached
    // edges hold beyond that is freed for them.
    detector->membership_up_to(variants_fdr);
    // The variants run in the order that lets the Detector free most before the largest of
    // them: those that move the window (which read every behaviour's actions and the
    // near-duplicate search), then the similarity (the search), the repetition (the actions)
    // and the FDR level (neither). Their rows and scenarios keep the variants' order.
    const auto needs = [&](const DetectVariant& v) {
      const bool window = v.options.window_ms != options.window_ms;
      const bool search = window || v.options.similarity != options.similarity;
      const bool actions = window || v.options.min_repetition != options.min_repetition;
      return search ? (actions ? 0 : 1) : (actions ? 2 : 3);
    };
    std::vector<std::size_t> order(variants.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
      return needs(variants[x]) < needs(variants[y]);
    });
    std::vector<ReportDetectionSensitivityRow> rows(variants.size());
    std::vector<std::optional<ClusterAssignment>> variant_scenarios(variants.size());
    bool released_searches = false, released_actions = false;
    for (const std::size_t i : order) {
      const DetectVariant& v = variants[i];
      // Once no variant left moves the window or the similarity, the near-duplicate searches
      // go; once none moves the window or the repetition, the actions too (what a later
      // call would need of them it rebuilds, so results never change).
      if (needs(v) >= 2 && !released_searches) {
        detector->release_near_duplicates();
        released_searches = true;
      }
      if (needs(v) >= 3 && !released_actions) {
        detector->release_actions();
        released_actions = true;
      }
      log_info(fmt::format("sensitivity: detecting again with {}", v.label));
      // A variant's row and scenario need its clusters' members and verdicts, not the
      // statistics of their messages.
      auto alt = detector->detect(v.options, ClusterDetail::kMembership);
      if (!alt) return alt.status();
      rows[i] = sensitivity_row(v.parameter, v.value, false, *alt);
      log_info(fmt::format("sensitivity, {}: {} clusters, {} accounts", v.label, rows[i].clusters,
                           rows[i].coordinated_accounts));
      if (actors && v.estimate_scenario) {
        judge(a.data, a.signals, v.options, *alt, &detector->originals(), &stimulus_memo);
        variant_scenarios[i] = assignment_of(v.label, *alt, v.options.fdr);
      }
      log_info(clock.lap("sensitivity, " + v.label));
    }
    for (auto& sc : variant_scenarios)
      if (sc) scenarios.push_back(std::move(*sc));
    detector.reset();  // its cached actions and edges are not needed past this point
    a.detection_sensitivity = sensitivity_table(options, a.detection, main_row, std::move(rows));
  }
  if (aside) {
    for (const ColumnGroup g :
         {ColumnGroup::kText, ColumnGroup::kOutsideDetection, ColumnGroup::kObjects})
      if (aside->aside(g)) GS_RETURN_IF_ERROR(aside->restore(a.data, g));
    aside.reset();
  }
  if (actors) {
    EstimateInputs in;
    in.data = &a.data;
    in.actors = &*actors;
    in.score = a.signals.score;
    in.scenarios = std::move(scenarios);
    EstimateOptions eo = plan.estimate;
    eo.seed = options.seed;
    auto est = estimate_support(in, eo);
    if (!est) return est.status();
    a.estimate = std::move(*est);
    log_info(clock.lap("estimation"));
  }
  if (plan.store_detection && a.estimate) {
    // The support figures beside the detection they discount, so what reads the store
    // (groundswell serve's actor pages) never computes them again.
    auto sha = actors_file_sha256(plan.actors_path);
    if (!sha) return sha.status();
    auto kept = store_support_figures(
        store, {*a.detection_id, *sha, fs::path(plan.actors_path).filename().string(), plan.run_id},
        support_figures_json(*a.estimate, a.data));
    if (!kept) return kept.status();
    log_info(clock.lap("storing the support figures"));
  }
  if (!out.empty()) {
    AccountScores scores{a.signals.score, a.signals.reasons};
    if (pseudonymizer) {
      a.scrubber = std::make_unique<NameScrubber>(a.data, *pseudonymizer);
      pseudonymize_reasons(scores.reasons, a.data, *pseudonymizer);
      pseudonymize(a.data, *pseudonymizer, *a.scrubber);
      pseudonymize(a.detection, a.data, *pseudonymizer, *a.scrubber);
    }
    // The detection's and the estimate's files are written on a thread of their own while the
    // report is built and written: both only read the analysis, and only the report reads the
    // store (at 10M messages the two took 20 s one after the other).
    auto files = std::async(std::launch::async, [&]() -> Status {
      GS_RETURN_IF_ERROR(write_detection_outputs(a.data, a.detection, options, out, &scores));
      if (a.estimate) GS_RETURN_IF_ERROR(write_estimate_outputs(*a.estimate, out, &a.data));
      return Status::Ok();
    });
    auto report = build_report_data(store, a.data, a.detection, options, &a.signals.score, {},
                                    a.generated_at);
    if (!report) {
      GS_RETURN_IF_ERROR(files.get());
      return report.status();
    }
    if (pseudonymizer) {
      pseudonymize_provenance(report->provenance, *a.scrubber);
      if (report->overview)
        for (auto& reason : report->overview->reject_reasons) reason.name = (*a.scrubber)(reason.name);
      report->meta.parameters.emplace_back("pseudonymized", true);
      report->meta.parameters.emplace_back("key_fingerprint", pseudonymizer->fingerprint());
    }
    report->funnel = build_funnel(a.data, a.detection, options, a.peer);
    report->detection_sensitivity = a.detection_sensitivity;
    if (a.estimate) add_estimate_to_report(*a.estimate, a.signals, a.data, *report);
    const Status written = write_report_html(report_data_to_json(*report), out / "report.html");
    GS_RETURN_IF_ERROR(files.get());
    GS_RETURN_IF_ERROR(written);
    log_info(clock.lap("output files and report"));
  }
  return a;
}

// Where the raw store and raw rejects go under --pseudonymize: beside --db when given, else
// the sibling folder <out>.private, so nothing raw lands in the folder users publish.
Result<fs::path> raw_store_dir(const fs::path& out, const std::string& db_path) {
  std::error_code ec;
  fs::path dir;
  if (!db_path.empty()) {
    dir = fs::absolute(db_path, ec).parent_path();
  } else {
    fs::path o = fs::absolute(out, ec).lexically_normal();
    if (o.filename().empty()) o = o.parent_path();
    dir = o.string() + ".private";
  }
  if (ec) return Status::IoError(fmt::format("cannot resolve {}: {}", out.string(), ec.message()));
  if (!db_path.empty()) {
    fs::path published = fs::weakly_canonical(fs::absolute(out, ec), ec);
    fs::path rel = fs::weakly_canonical(dir, ec).lexically_relative(published);
    if (!rel.empty() && *rel.begin() != "..")
      return Status::InvalidArgument(
          "--pseudonymize: the raw store (--db) must not be inside --out, the folder to publish");
  }
  fs::create_directories(dir, ec);
  if (ec) return Status::IoError(fmt::format("cannot create {}: {}", dir.string(), ec.message()));
  return dir;
}

// Raw records ingested into a pseudonymized export would mix raw and pseudonymized names in
// the file meant for publishing.
Status refuse_export_as_raw_store(const std::string& db_path) {
  std::error_code ec;
  if (fs::exists(db_path, ec) && is_pseudonymized_export(db_path))
    return Status::InvalidArgument(fmt::format(
        "{} is a pseudonymized export: ingest into the raw store instead (give --db, or another "
        "--out)",
        db_path));
  return Status::Ok();
}

// The key of a command's --pseudonymize, resolved from where the user put it
// (resolve_pseudonym_key) and logged; "" when outputs are not pseudonymized. A key asked for
// by option where the command writes no files is a usage error; one only in the environment
// is then ignored.
Result<std::string> pseudonym_key(const PseudonymKeySources& sources, bool writes_files) {
  auto key = resolve_pseudonym_key(sources);
  if (!key) return key.status();
  if (key->explicitly_asked && !writes_files)
    return Status::InvalidArgument(
        "--pseudonymize applies to the files written with --out; give --out DIR");
  if (!key->warning.empty()) log_warn(key->warning);
  if (!writes_files) return std::string();
  if (!key->key.empty()) log_info(fmt::format("pseudonymization key from {}", key->from));
  return std::move(key->key);
}

void log_headline(const Estimate& e) {
  for (const auto& h : e.headline)
    log_info(fmt::format("{}: {:.0f} accounts visible; {:.0f} after removing coordinated and "
                         "inauthentic activity (interval {:.0f}–{:.0f})",
                         h.name, h.raw_accounts, h.accounts.value, h.accounts.ci_low,
                         h.accounts.ci_high));
}

}  // namespace

Status run_command(RunOptions options) {
  if (options.input.inputs.empty()) return Status::InvalidArgument("run: give at least one INPUT");
  if (options.out_dir.empty()) return Status::InvalidArgument("run: --out DIR is required");
  GS_RETURN_IF_ERROR(resolve_detect_options(options.detect));
  std::error_code ec;
  fs::create_directories(options.out_dir, ec);
  if (ec) return Status::IoError(fmt::format("cannot create {}: {}", options.out_dir, ec.message()));
  fs::path out(options.out_dir);
  // summary.json is written last and only by a run that finished: its absence tells a reader
  // that the folder's other files may be from an unfinished run.
  fs::remove(out / "summary.json", ec);
  if (ec)
    return Status::IoError(
        fmt::format("cannot remove {}: {}", (out / "summary.json").string(), ec.message()));
  auto key = pseudonym_key(options.pseudonymize, /*writes_files=*/true);
  if (!key) return key.status();
  std::optional<Pseudonymizer> pseudonymizer;
  if (!key->empty()) pseudonymizer.emplace(*key);
  auto support = resolve_support_options(options.support);
  if (!support) return support.status();
  std::string db_path = options.db_path.empty() ? (out / "groundswell.db").string() : options.db_path;
  std::string rejects_path = (out / "rejects.jsonl").string();
  if (pseudonymizer) {
    auto private_dir = raw_store_dir(out, options.db_path);
    if (!private_dir) return private_dir.status();
    if (options.db_path.empty()) db_path = (*private_dir / "groundswell.db").string();
    rejects_path = rejects_path_for(db_path);
    if (!is_pseudonymized_export(out / "groundswell.db"))
      return Status::InvalidArgument(fmt::format(
          "{} holds raw data of an earlier run; under --pseudonymize that file becomes the "
          "pseudonymized export: move it away (or pass it as --db)",
          (out / "groundswell.db").string()));
    log_info(fmt::format("pseudonymizing outputs (key fingerprint {}); the raw store is {}",
                         pseudonymizer->fingerprint(), db_path));
  }
  GS_RETURN_IF_ERROR(refuse_export_as_raw_store(db_path));
  auto store = Store::open(db_path);
  if (!store) return store.status();
  if (!options.actors_path.empty() && !fs::exists(options.actors_path))
    return Status::NotFound(fmt::format("--actors {}: no such file", options.actors_path));
  // The posts the ingest stores are kept for the analysis to build its columns from
  // (docs/architecture.md, "Analysis data").
  IngestedMessages ingested;
  auto summary = ingest_into(*store, options.input, "run", rejects_path, options.progress,
                             options.actors_path, false, &ingested);
  if (!summary) return summary.status();
  log_ingest_summary(*summary);
  AnalysisPlan plan;
  plan.ingested = &ingested;
  plan.detect = options.detect.options;
  plan.actors_path = options.actors_path;
  plan.sensitivity = options.sensitivity;
  plan.estimate = *support;
  plan.out_dir = out;
  plan.run_id = summary->run_id;
  plan.pseudonymizer = pseudonymizer ? &*pseudonymizer : nullptr;
  auto analysis = analyse(*store, plan);
  if (!analysis) return analysis.status();
  std::string published_db = db_path;
  if (pseudonymizer) {
    const NameScrubber& scrub = *analysis->scrubber;
    GS_RETURN_IF_ERROR(write_pseudonymized_rejects(rejects_path, out / "rejects.jsonl", scrub));
    published_db = (out / "groundswell.db").string();
    GS_RETURN_IF_ERROR(export_pseudonymized_store(*store, published_db, *pseudonymizer, scrub));
    for (auto& warning : summary->warnings) warning = scrub(warning);
  }

  JsonWriter w;
  w.begin_object().key("version").value(kVersion);
  w.key("generated_at").value(analysis->generated_at);
  write_input_block(w, *summary);
  write_detection_blocks(w, options.detect.options, analysis->detection);
  if (!analysis->detection_sensitivity.empty()) {
    w.key("detection_sensitivity").begin_array();
    for (const auto& row : analysis->detection_sensitivity)
      w.begin_object()
          .key("parameter").value(row.parameter)
          .key("value").value(row.value)
          .key("baseline").value(row.baseline)
          .key("edges_tested").value(row.edges_tested)
          .key("edges").value(row.edges_kept)
          .key("clusters").value(row.clusters)
          .key("coordinated_accounts").value(row.coordinated_accounts)
          .end_object();
    w.end_array();
  }
  if (analysis->estimate) {
    w.key("actors");
    write_actors_json(*analysis->estimate, w);
    log_headline(*analysis->estimate);
  }
  w.key("database").value(published_db);
  if (pseudonymizer)
    w.key("pseudonymization").begin_object().key("pseudonymized").value(true)
        .key("key_fingerprint").value(pseudonymizer->fingerprint()).end_object();
  w.key("finished").value(true);
  w.end_object();
  std::string text = w.take();
  text.push_back('\n');
  GS_RETURN_IF_ERROR(write_output_file(out / "summary.json", text));
  sync_directory(out);
  log_info(fmt::format("results in {}/ (summary.json, groundswell.db, edges.csv, clusters.csv, "
                       "accounts.csv, network.gexf, network.graphml, evidence/, rejects.jsonl)",
                       options.out_dir));
  log_info(fmt::format("report: {}", (out / "report.html").string()));
  return Status::Ok();
}

namespace {

// `detect`: a new detection stored in the open store under a `detect` run, with output files
// in `out_dir` when given. Returns the detection's id.
Result<std::int64_t> detect_run(Store& store, const DetectOptions& options,
                                const fs::path& out_dir, const Pseudonymizer* pseudonymizer,
                                const std::function<void(std::string_view)>& stage) {
  auto run = store.begin_run("detect", options.to_json());
  if (!run) return run.status();
  auto t0 = std::chrono::steady_clock::now();
  AnalysisPlan plan;
  plan.detect = options;
  plan.sensitivity = false;
  plan.out_dir = out_dir;
  plan.run_id = *run;
  plan.pseudonymizer = pseudonymizer;
  plan.stage = stage;
  auto analysis = analyse(store, plan);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!analysis) {
    (void)store.finish_run(*run, "failed", "{}", secs);
    return analysis.status();
  }
  JsonWriter stats(false);
  stats.begin_object();
  stats.key("detection").value(*analysis->detection_id);
  write_detection_blocks(stats, options, analysis->detection);
  stats.end_object();
  GS_RETURN_IF_ERROR(store.finish_run(*run, "ok", stats.str(), secs));
  return *analysis->detection_id;
}

}  // namespace

Status detect_command(DetectCommandOptions options) {
  if (options.db_path.empty()) return Status::InvalidArgument("detect: --db FILE is required");
  GS_RETURN_IF_ERROR(resolve_detect_options(options.detect));
  auto key = pseudonym_key(options.pseudonymize, /*writes_files=*/!options.out_dir.empty());
  if (!key) return key.status();
  if (!fs::exists(options.db_path))
    return Status::NotFound(fmt::format("no database at {}", options.db_path));
  auto store = Store::open(options.db_path);
  if (!store) return store.status();
  std::optional<Pseudonymizer> pseudonymizer;
  if (!key->empty()) pseudonymizer.emplace(*key);
  auto id = detect_run(*store, options.detect.options, options.out_dir,
                       pseudonymizer ? &*pseudonymizer : nullptr, {});
  return id.status();
}

Result<std::int64_t> detect_into_store(Store& store, const DetectOptions& options,
                                       const std::function<void(std::string_view)>& stage) {
  GS_RETURN_IF_ERROR(options.validate());
  return detect_run(store, options, {}, nullptr, stage);
}

namespace {

// The options of stored detection `id` (the latest when absent), as DetectOptions::to_json()
// recorded them.
Result<DetectOptions> recorded_detect_options(Store& store,
                                              std::optional<std::int64_t> id = std::nullopt) {
  Stmt s;
  GS_RETURN_IF_ERROR(store.db().prepare(
      id ? "SELECT parameters FROM detections WHERE id = ?"
         : "SELECT parameters FROM detections ORDER BY id DESC LIMIT 1",
      s));
  if (id) s.bind_int64(1, *id);
  if (s.step() != Stmt::kRow) {
    if (id) return Status::NotFound(fmt::format("no detection {} in the database", *id));
    return DetectOptions{};  // never detected: the defaults
  }
  return DetectOptions::from_json(s.column_text(0));
}

// report and estimate: the analysis at a stored detection's options (the latest by default),
// which reproduces it (detection is deterministic) without storing it again.
Result<Analysis> reproduce_detection(Store& store, const std::string& actors_path,
                                     const fs::path& out_dir, const Pseudonymizer* pseudonymizer,
                                     std::optional<std::int64_t> detection_id = std::nullopt,
                                     const EstimateOptions& estimate = {}) {
  auto recorded = recorded_detect_options(store, detection_id);
  if (!recorded) return recorded.status();
  AnalysisPlan plan;
  plan.detect = std::move(*recorded);
  plan.actors_path = actors_path;
  plan.out_dir = out_dir;
  plan.store_detection = false;
  plan.pseudonymizer = pseudonymizer;
  plan.estimate = estimate;
  return analyse(store, plan);
}

}  // namespace

std::string recorded_actors_path(Store& store) {
  Stmt s;
  if (!store.db().prepare("SELECT parameters FROM runs WHERE command = 'run' ORDER BY id DESC", s).ok())
    return {};
  simdjson::dom::parser parser;
  while (s.step() == Stmt::kRow) {
    std::string text(s.column_text(0));
    simdjson::dom::element root;
    std::string_view path;
    if (parser.parse(text).get(root) || root["actors"].get(path) || path.empty()) continue;
    if (fs::exists(path)) return std::string(path);
  }
  return {};
}

Result<std::string> support_figures_at_detection(Store& store, const std::string& actors_path,
                                                 std::int64_t detection_id) {
  if (actors_path.empty()) return Status::InvalidArgument("support figures need an actors file");
  auto analysis = reproduce_detection(store, actors_path, {}, nullptr, detection_id);
  if (!analysis) return analysis.status();
  if (!analysis->estimate) return Status::Internal("the analysis made no support estimate");
  return support_figures_json(*analysis->estimate, analysis->data);
}

Status report_command(ReportCommandOptions options) {
  if (options.db_path.empty() || options.out_dir.empty())
    return Status::InvalidArgument("report: --db FILE and --out DIR are required");
  auto key = pseudonym_key(options.pseudonymize, /*writes_files=*/true);
  if (!key) return key.status();
  if (!fs::exists(options.db_path))
    return Status::NotFound(fmt::format("no database at {}", options.db_path));
  std::optional<Pseudonymizer> pseudonymizer;
  fs::path export_path = fs::path(options.out_dir) / "groundswell.db";
  if (!key->empty()) {
    pseudonymizer.emplace(*key);
    std::error_code same;
    if (fs::exists(export_path) && fs::equivalent(options.db_path, export_path, same))
      return Status::InvalidArgument(
          "report --pseudonymize writes OUT/groundswell.db as the export: give another --out "
          "than the database's folder");
    if (!is_pseudonymized_export(export_path))
      return Status::InvalidArgument(fmt::format(
          "{} holds a database that is not a pseudonymized export; move it away first",
          export_path.string()));
  }
  auto store = Store::open(options.db_path);
  if (!store) return store.status();
  if (options.actors_path.empty()) options.actors_path = recorded_actors_path(*store);
  std::error_code ec;
  fs::create_directories(options.out_dir, ec);
  if (ec) return Status::IoError(fmt::format("cannot create {}: {}", options.out_dir, ec.message()));
  auto analysis = reproduce_detection(*store, options.actors_path, options.out_dir,
                                      pseudonymizer ? &*pseudonymizer : nullptr);
  if (!analysis) return analysis.status();
  if (pseudonymizer) {
    GS_RETURN_IF_ERROR(
        export_pseudonymized_store(*store, export_path, *pseudonymizer, *analysis->scrubber));
    log_info(fmt::format("pseudonymized database: {}", export_path.string()));
  }
  log_info(fmt::format("report: {}", (fs::path(options.out_dir) / "report.html").string()));
  return Status::Ok();
}

Status estimate_command(const EstimateCommandOptions& options) {
  if (options.db_path.empty() || options.actors_path.empty())
    return Status::InvalidArgument("estimate: --db FILE and --actors FILE are required");
  auto key = pseudonym_key(options.pseudonymize, /*writes_files=*/!options.out_dir.empty());
  if (!key) return key.status();
  if (!fs::exists(options.db_path))
    return Status::NotFound(fmt::format("no database at {}", options.db_path));
  auto store = Store::open(options.db_path);
  if (!store) return store.status();
  std::optional<Pseudonymizer> pseudonymizer;
  if (!key->empty()) pseudonymizer.emplace(*key);
  auto support = resolve_support_options(options.support);
  if (!support) return support.status();
  auto analysis = reproduce_detection(*store, options.actors_path, options.out_dir,
                                      pseudonymizer ? &*pseudonymizer : nullptr, std::nullopt,
                                      *support);
  if (!analysis) return analysis.status();
  if (analysis->estimate) log_headline(*analysis->estimate);
  return Status::Ok();
}

Status eval_command(const EvalCommandOptions& options, std::ostream& out) {
  if (options.truth_path.empty() || options.out_dir.empty())
    return Status::InvalidArgument("eval: --truth FILE and --out DIR are required");
  auto e = evaluate(options.truth_path, options.out_dir);
  if (!e) return e.status();
  out << evaluation_to_text(*e);
  return write_output_file(fs::path(options.out_dir) / "eval.json", evaluation_to_json(*e));
}

Status ingest_command(const IngestCommandOptions& options) {
  if (options.input.inputs.empty()) return Status::InvalidArgument("ingest: give at least one INPUT");
  if (options.db_path.empty()) return Status::InvalidArgument("ingest: --db FILE is required");
  GS_RETURN_IF_ERROR(refuse_export_as_raw_store(options.db_path));
  auto store = Store::open(options.db_path);
  if (!store) return store.status();
  // The rejects file is named after the database, so two databases in one folder never share
  // (or empty) each other's; it lists the rejects of every ingest into that database.
  std::string rejects = options.rejects_path;
  if (rejects.empty()) rejects = rejects_path_for(options.db_path);
  auto summary = ingest_into(*store, options.input, "ingest", rejects, options.progress, "",
                             /*rejects_of_earlier_runs=*/true);
  if (!summary) return summary.status();
  log_ingest_summary(*summary);
  return Status::Ok();
}

Status inspect_command(const std::string& db_path, std::ostream& out) {
  // Counts what every schema version holds, so an older or newer store is shown as it is.
  auto store = Store::open_any_version(db_path);
  if (!store) return store.status();
  Db& db = store->db();
  auto count = [&](std::string_view sql) {
    auto v = db.query_int64(sql);
    return v ? *v : -1;
  };
  fmt::print(out, "database       {}\n", db_path);
  fmt::print(out, "schema version {}\n", store->schema_version());
  fmt::print(out, "messages       {}\n", count("SELECT count(*) FROM messages WHERE kind = 0"));
  fmt::print(out, "events         {}\n", count("SELECT count(*) FROM messages WHERE kind = 1"));
  fmt::print(out, "accounts       {}\n", count("SELECT count(*) FROM accounts"));
  fmt::print(out, "rejects        {}\n", count("SELECT count(*) FROM rejects"));
  auto lo = count("SELECT min(time_ms) FROM messages");
  auto hi = count("SELECT max(time_ms) FROM messages");
  if (lo > 0 || hi > 0)
    fmt::print(out, "time span      {} .. {}\n", format_time_iso(lo), format_time_iso(hi));
  Stmt s;
  GS_RETURN_IF_ERROR(db.prepare(
      "SELECT platform, count(*), count(DISTINCT account) FROM messages GROUP BY platform "
      "ORDER BY platform",
      s));
  fmt::print(out, "\nplatform             messages   accounts\n");
  while (s.step() == Stmt::kRow)
    fmt::print(out, "{:<18} {:>10} {:>10}\n", s.column_text(0), s.column_int64(1), s.column_int64(2));
  GS_RETURN_IF_ERROR(db.prepare(
      "SELECT id, command, started_at, status, coalesce(seconds, 0) FROM runs ORDER BY id", s));
  fmt::print(out, "\nrun  command    started                   status    seconds\n");
  while (s.step() == Stmt::kRow)
    fmt::print(out, "{:<4} {:<10} {:<25} {:<9} {:.2f}\n", s.column_int64(0), s.column_text(1),
               s.column_text(2), s.column_text(3), s.column_double(4));
  GS_RETURN_IF_ERROR(db.prepare(
      "SELECT path, format, coalesce(records_read, 0), coalesce(stored, 0), "
      "coalesce(duplicates, 0), coalesce(rejected, 0), completed FROM files ORDER BY id",
      s));
  fmt::print(out, "\nfile (format): read stored duplicates rejected\n");
  while (s.step() == Stmt::kRow)
    fmt::print(out, "{} ({}): {} {} {} {}{}\n", s.column_text(0), s.column_text(1),
               s.column_int64(2), s.column_int64(3), s.column_int64(4), s.column_int64(5),
               s.column_int64(6) ? "" : " (interrupted)");
  return Status::Ok();
}

void formats_command(std::ostream& out) {
  for (const auto& f : formats()) {
    fmt::print(out, "{:<16} {}{}\n", f.name, f.description, f.available ? "" : " [reader to come]");
    fmt::print(out, "{:<16}   fields: {}\n", "", f.fields);
  }
}

}  // namespace groundswell
