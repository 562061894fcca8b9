// Assembles the report's data document (src/report/report_data.h, docs/report.md) from what
// a run produced: the store's provenance, the analysis dataset, the detection result and,
// when actors were given, the support estimates. Deterministic: no clock, sorted inputs.
//
// Thread-safety: pure function of its arguments (reads the store).
#pragma once

#include <optional>
#include <string>

#include "detect/detect.h"
#include "estimate/estimate.h"
#include "signals/signals.h"
#include "report/report_data.h"
#include "store/dataset.h"
#include "store/store.h"

namespace groundswell {

struct ReportLimits {
  std::size_t max_nodes = 3000;           // strongest accounts by coordination degree
  std::size_t max_edges = 20000;          // strongest edges among them
  std::size_t max_evidence = 300;         // messages per cluster in the page
  std::size_t max_members = 200;          // per cluster
  std::size_t max_reject_samples = 50;
  // overview
  std::size_t max_top_accounts = 20;
  std::size_t max_top_objects = 10;  // per behaviour
  std::size_t max_languages = 12;    // the rest summed as "other"
  std::size_t max_gaps = 10;         // longest stretches of at least an hour without a post
  std::size_t max_reject_reasons = 10;
};

// The data overview (docs/report.md, `overview`): posts, accounts and events per platform and
// day, the most active accounts, the most shared objects per behaviour, languages, time
// coverage and gaps, rejected records by reason. From the dataset, plus the store's service
// events and rejects. Deterministic.
Result<ReportOverview> build_overview(Store& store, const Dataset& data,
                                      const DetectionResult& detection,
                                      const ReportLimits& limits = {});

// When the run behind a report was made, as report.html and summary.json state it (ISO 8601
// UTC): SOURCE_DATE_EPOCH (Unix seconds, https://reproducible-builds.org/specs/
// source-date-epoch/) when that is set, so outputs can be made byte-reproducible; else
// runs.started_at of `run_id`, or without one of the run that stored the latest detection
// (the `report` command), or of the latest run. "" for a store without runs.
// InvalidArgument when SOURCE_DATE_EPOCH is set but not a non-negative integer.
Result<std::string> run_timestamp(Store& store, std::optional<std::int64_t> run_id);

// Meta, provenance, network, clusters and the detection assumptions. Scores (one per
// account, NaN = none) colour the network and fill mean_score when given. `generated_at` is
// meta.generated_at (run_timestamp()).
Result<ReportData> build_report_data(Store& store, const Dataset& data,
                                     const DetectionResult& detection,
                                     const DetectOptions& options,
                                     const std::vector<double>* scores = nullptr,
                                     const ReportLimits& limits = {},
                                     std::string generated_at = {});

// The funnel (docs/report.md, `funnel`): per behaviour the pairs that co-acted, reached
// min_repetition, passed each null and were kept; the candidates that were not kept; and
// `peer` (peer_comparison(), empty when not compared). Names come from `data`, so call it
// with the dataset the rest of the report uses (pseudonymized or not).
ReportFunnel build_funnel(const Dataset& data, const DetectionResult& detection,
                          const DetectOptions& options, const std::vector<PeerCount>& peer);

// Headline, series, share of voice, what drives the heavy-tailed totals (accounts named
// from `data`, so pass the dataset the rest of the report uses, pseudonymized or not),
// sensitivity, signal histograms and the estimation's assumptions.
void add_estimate_to_report(const Estimate& estimate, const SignalTable& signals,
                            const Dataset& data, ReportData& report);

}  // namespace groundswell
