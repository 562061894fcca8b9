// The report data document (docs/report.md, "Data contract") as C++ values, and its JSON
// form. The analysis fills a ReportData; report_data_to_json() writes the JSON that
// write_report_html() embeds and the front end reads. Using these types instead of writing
// JSON by hand keeps field names and types in step with the front end: a unit test checks
// them against the browser test's fixture.
//
//   ReportData data;
//   data.meta.version = GS_VERSION;
//   data.headline.push_back({.actor = "Example Front", .metric = "accounts", .raw = 1118,
//                            .adjusted = 958, .ci_low = 930, .ci_high = 990});
//   Status s = write_report_html(report_data_to_json(data), out / "report.html");
//
// Promises: output is deterministic (fields in a fixed order, vectors in the order given,
// so sort them first); empty optional text fields and unset optionals are left out or
// written as null as the contract says; NaN and infinities become null.
// Thread-safety: plain values; serializing is a pure function.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace groundswell {

// A parameter's value as shown in the report.
using ReportValue = std::variant<std::int64_t, double, bool, std::string>;

struct ReportMeta {
  std::string title;         // empty: "groundswell report"
  std::string version;
  std::string generated_at;  // ISO 8601 UTC
  std::optional<std::uint64_t> seed;
  std::string period;        // day, week or month: the bin of `series`
  std::vector<std::pair<std::string, ReportValue>> parameters;
  // What the intervals of adjusted figures are, in a few words ("range over 63 reasonable
  // classifications", "95% interval over 1,000 resamples"); empty: no estimate.
  std::string interval;
};

struct ReportInputFile {
  std::string path;
  std::string format;
  std::int64_t records_read = 0;
  std::int64_t stored = 0;
  std::int64_t duplicates = 0;
  std::int64_t rejected = 0;
};

struct ReportRejectSample {
  std::string file;
  std::string position;  // "line 12", "byte 1838201"
  std::string reason;
  std::string excerpt;   // at most 200 bytes of the record
};

struct ReportProvenance {
  std::vector<ReportInputFile> files;
  std::vector<std::pair<std::string, std::int64_t>> totals;  // messages, events, accounts, ...
  std::vector<ReportRejectSample> reject_samples;
};

// One figure of `headline` (period empty) or `series` (period = bin start, YYYY-MM-DD).
struct ReportSupportRow {
  std::string actor;
  std::string metric;  // accounts, messages, engagement, views, ...
  std::string period;
  std::optional<double> raw;
  std::optional<double> adjusted;
  std::optional<double> ci_low;
  std::optional<double> ci_high;
};

// Percentages (0-100) of the sum over actors.
struct ReportShareOfVoiceRow {
  std::string actor;
  std::string metric;
  std::optional<double> raw;
  std::optional<double> adjusted;
};

struct ReportNode {
  std::string id;  // unique in the network
  std::string label;
  std::string handle;
  std::string platform;
  std::optional<std::int64_t> cluster;
  std::optional<double> score;
  std::optional<std::int64_t> messages;
};

struct ReportEdge {
  std::string source;
  std::string target;
  std::string behaviour;
  double weight = 0;
  std::optional<double> p_value;  // null when significance is off
};

struct ReportNetwork {
  std::vector<ReportNode> nodes;
  std::vector<ReportEdge> edges;
  // Set when nodes/edges hold only the strongest part of a larger network.
  std::optional<std::int64_t> nodes_total;
  std::optional<std::int64_t> edges_total;
};

struct ReportSharedObject {
  std::string behaviour;
  std::string object;
  std::int64_t count = 0;
};

struct ReportClusterMember {
  std::string account;
  std::string handle;
  std::string label;
  std::string platform;
  std::optional<double> score;
  std::optional<std::int64_t> messages;
};

struct ReportEvidenceMessage {
  std::string message_id;
  std::string account;
  std::string handle;
  std::string chat;
  std::string time;  // ISO 8601 UTC
  std::string text;
  std::string url;
  std::string behaviour;
};

struct ReportCluster {
  std::int64_t id = 0;
  std::int64_t accounts = 0;
  std::int64_t messages = 0;
  std::vector<std::string> behaviours;
  std::string first_time;
  std::string last_time;
  std::optional<double> median_delay_s;
  std::optional<double> p_value;
  std::optional<double> p_log10;  // log10 of p_value, finite where p_value underflows
  std::string p_method;  // monte_carlo, tail (beyond every replicate); group_test (no p-value:
                         // the group test's own cluster); "" = untested
  std::optional<double> mean_score;
  std::string verdict;          // inauthentic, organic, undetermined (docs/detection.md)
  std::string verdict_reasons;  // the sentences that decided it
  std::vector<ReportSharedObject> top_objects;
  std::vector<ReportClusterMember> members;  // empty: the page lists the network's nodes
  std::vector<ReportEvidenceMessage> evidence;
};

struct ReportHistogramBin {
  double lo = 0;
  double hi = 0;
  std::int64_t count = 0;
};

struct ReportSignal {
  std::string name;
  std::string label;
  std::string unit;
  std::string description;
  std::optional<double> threshold;
  bool log_x = false;
  std::vector<ReportHistogramBin> bins;
};

struct ReportSensitivityRow {
  std::string parameter;
  ReportValue value;
  std::string actor;
  std::string metric;
  std::optional<double> adjusted;
  std::optional<double> ci_low;
  std::optional<double> ci_high;
  bool baseline = false;
};

// ---- overview: what the data is, before anything was detected in it

// Posts, service events and distinct posting accounts of one platform on one UTC day.
struct ReportDailyRow {
  std::string platform;
  std::string day;  // YYYY-MM-DD
  std::int64_t messages = 0;
  std::int64_t events = 0;
  std::int64_t accounts = 0;
};

struct ReportPlatformRow {
  std::string platform;
  std::int64_t messages = 0;
  std::int64_t events = 0;
  std::int64_t accounts = 0;  // distinct accounts with a post
};

struct ReportTopAccount {
  std::string account;
  std::string handle;
  std::string label;
  std::string platform;
  std::int64_t messages = 0;
  std::int64_t reposts = 0;      // of them, reposts (retweets, forwards)
  std::int64_t active_days = 0;  // distinct UTC days with a post
  std::string first_time;
  std::string last_time;
  std::optional<std::int64_t> cluster;
};

// An object (re-posted post, URL, domain, hashtag, media) with how many messages acted on it
// and how many distinct accounts.
struct ReportObjectCount {
  std::string behaviour;
  std::string object;
  std::int64_t messages = 0;
  std::int64_t accounts = 0;
};

// Per behaviour: actions, distinct objects, accounts that acted at all.
struct ReportBehaviourUse {
  std::string behaviour;
  std::int64_t actions = 0;
  std::int64_t objects = 0;
  std::int64_t accounts = 0;
};

struct ReportCount {
  std::string name;
  std::int64_t count = 0;
};

// A stretch without any post, between two consecutive dated posts.
struct ReportGap {
  std::string from;  // ISO 8601 UTC
  std::string to;
  double hours = 0;
};

struct ReportOverview {
  std::string first_time;  // earliest and latest post
  std::string last_time;
  std::int64_t messages = 0;  // posts, dated or not
  std::int64_t undated = 0;   // posts without a time (left out of detection)
  std::int64_t days = 0;      // UTC days from the first to the last post
  std::int64_t active_days = 0;
  std::vector<ReportPlatformRow> platforms;
  std::vector<ReportDailyRow> daily;  // by day, then platform
  std::vector<ReportTopAccount> top_accounts;
  std::vector<ReportBehaviourUse> behaviours;
  std::vector<ReportObjectCount> top_objects;  // per behaviour, most messages first
  std::vector<ReportCount> languages;          // most posts first; "" = not given
  std::vector<ReportGap> gaps;                 // longest first
  std::int64_t rejected = 0;
  std::vector<ReportCount> reject_reasons;  // most first; numbers in reasons written as N
};

// ---- funnel: what detection tested, and where candidates stopped

struct ReportFunnelAccount {
  std::string account;
  std::string handle;
  std::string label;
  std::string platform;
};

// One pair of accounts that was not kept, and the step that stopped it.
struct ReportCandidate {
  std::string behaviour;
  ReportFunnelAccount a, b;
  std::int64_t objects = 0;  // distinct objects co-acted on within the window
  std::int64_t pairs = 0;    // message pairs within the window
  std::optional<double> median_delay_s;
  std::string first_time;
  std::string last_time;
  std::optional<double> p_value, q_value;                // time-shift null, raw and BH-adjusted
  std::optional<double> p_cooccurrence, q_cooccurrence;  // co-occurrence null
  std::optional<std::int64_t> common_objects;  // objects both acted on at any time
  std::optional<double> expected_common;       // ... expected by activity and popularity
  std::string stopped;  // repetition, time_null, cooccurrence_null, both_nulls, fdr
};

struct ReportBehaviourFunnel {
  std::string behaviour;
  std::int64_t actions = 0;
  std::int64_t objects = 0;
  std::int64_t crowded_actions = 0;
  std::int64_t co_acting_pairs = 0;
  std::vector<std::int64_t> pairs_by_objects;  // [k-1]: k objects; the last: that many or more
  std::int64_t edges = 0;
  std::int64_t accounts_in_edges = 0;
  bool tested = false;
  bool cooccurrence_tested = false;
  std::int64_t time_nominal = 0;
  std::int64_t time_fdr = 0;
  std::int64_t cooccurrence_nominal = 0;
  std::int64_t cooccurrence_fdr = 0;
  std::int64_t kept = 0;
  std::int64_t accounts_kept = 0;
};

// What CooRTweet's permissive rule reports on the same data.
struct ReportPeerCount {
  std::string behaviour;
  bool computed = false;
  std::int64_t message_pairs = 0;
  std::int64_t edges = 0;
  std::int64_t accounts = 0;
  std::int64_t pairs = 0;
  std::int64_t single_object = 0;
  std::int64_t native_edges = 0;
  std::int64_t native_kept = 0;
};

struct ReportFunnel {
  std::string compat;  // none, coortweet, cnt
  double window_s = 0;
  std::int64_t min_repetition = 0;
  double fdr = 0;
  std::int64_t null_replicates = 0;
  std::int64_t clusters = 0;
  std::int64_t coordinated_accounts = 0;
  std::vector<ReportBehaviourFunnel> behaviours;
  std::vector<ReportCandidate> candidates;  // per behaviour, nearest the line first
  std::string peer_rule;                    // "" when not compared
  std::int64_t peer_min_participation = 0;
  std::vector<ReportPeerCount> peer;
};

// Detection at the main settings (baseline) and with one setting moved: what is found, with
// or without actors.
struct ReportDetectionSensitivityRow {
  std::string parameter;  // window_s, min_repetition, similarity, fdr
  double value = 0;
  bool baseline = false;
  std::int64_t edges_tested = 0;
  std::int64_t edges_kept = 0;
  std::int64_t clusters = 0;
  std::int64_t coordinated_accounts = 0;
};

// One account among the top contributors of a total.
struct ReportContributor {
  std::string account;
  std::string handle;
  std::string label;
  std::string platform;
  double raw = 0;        // its part of the raw total
  double share_pct = 0;  // of the raw total
  // What it adds to the adjusted total: under the main classification, and the least and the
  // most over the reasonable classifications.
  double adjusted = 0, adjusted_low = 0, adjusted_high = 0;
};

// What drives one heavy-tailed total (views, reactions, engagement) of one actor: the
// accounts that dominate it, and how much of it the reasonable classifications disagree about.
struct ReportTotalDrivers {
  std::string actor;
  std::string metric;
  double raw = 0;  // the raw total
  std::optional<double> adjusted, ci_low, ci_high;
  double top_share_pct = 0;  // the listed accounts' share of the raw total
  std::int64_t uncertain_accounts = 0;
  double uncertain_share_pct = 0;
  std::vector<ReportContributor> top;  // largest first
};

struct ReportData {
  ReportMeta meta;
  std::optional<ReportOverview> overview;
  std::optional<ReportFunnel> funnel;
  ReportProvenance provenance;
  std::vector<ReportSupportRow> headline;
  std::vector<ReportSupportRow> series;
  std::vector<ReportShareOfVoiceRow> share_of_voice;
  std::vector<ReportTotalDrivers> drivers;
  ReportNetwork network;
  std::vector<ReportCluster> clusters;
  std::vector<ReportSignal> signals;
  std::vector<ReportSensitivityRow> sensitivity;
  std::vector<ReportDetectionSensitivityRow> detection_sensitivity;
  std::vector<std::string> assumptions;
};

// Compact JSON (no indentation) of the whole document.
std::string report_data_to_json(const ReportData& data);

}  // namespace groundswell
