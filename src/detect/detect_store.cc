// Persists a DetectionResult in the detection_* tables of schema v2 (cluster verdicts since
// v5), in one transaction.
#include <charconv>
#include <chrono>
#include <cmath>
#include <future>
#include <string>
#include <vector>

#include "base/json_writer.h"
#include "base/time.h"
#include "detect/detect.h"
#include "detect/internal.h"
#include "detect/verdict.h"
#include "store/sqlite.h"
#include "store/store.h"

namespace groundswell {
namespace {

void bind_time(Stmt& s, int i, TimeMs t) {
  if (t == kNoTime)
    s.bind_null(i);
  else
    s.bind_int64(i, t);
}
void bind_real(Stmt& s, int i, double v) {
  if (std::isnan(v))
    s.bind_null(i);
  else
    s.bind_double(i, v);
}

void finite_or_null(JsonWriter& w, double v) {
  if (std::isfinite(v))
    w.value(v);
  else
    w.null();
}

// The figures a verdict rests on (ClusterEvidence), with the top source as accounts.id.
std::string verdict_evidence_json(const ClusterEvidence& e, const Dataset& d) {
  JsonWriter w(false);
  w.begin_object();
  for (auto [name, v] : {std::pair<const char*, double>{"burst_share", e.burst_share},
                         {"high_score_share", e.high_score_share},
                         {"mean_score", e.mean_score},
                         {"patterned_share", e.patterned_share},
                         {"single_source_share", e.single_source_share},
                         {"stimulus_p", e.stimulus_p},
                         {"chance_p", e.chance_p},
                         {"fired_share", e.fired_share},
                         {"fired_p", e.fired_p}}) {
    w.key(name);
    finite_or_null(w, v);
  }
  w.key("stimulus_posts").value(static_cast<std::uint64_t>(e.stimulus_posts));
  w.key("top_source");
  if (e.top_source < d.account_row.size())
    w.value(d.account_row[e.top_source]);
  else
    w.null();
  w.key("fired_posts").value(static_cast<std::uint64_t>(e.fired_posts));
  w.key("fired_source");
  if (e.fired_source < d.account_row.size())
    w.value(d.account_row[e.fired_source]);
  else
    w.null();
  w.end_object();
  return w.take();
}

// The stored evidence of edges [first, first + out.size()): each edge's pairs of messages as
// a JSON array of [source id, target id] (messages.id).
void evidence_json(const Dataset& d, const DetectionResult& r, std::size_t first,
                   std::vector<std::string>& out) {
  const auto append = [](std::string& s, std::int64_t v) {
    char buf[24];
    s.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
  };
  for (std::size_t i = 0; i < out.size(); ++i) {
    const Edge& x = r.edges[first + i];
    std::string& s = out[i];
    s.assign("[");
    for (std::uint64_t k = x.evidence_begin; k < x.evidence_end; ++k) {
      s.append(k != x.evidence_begin ? ",[" : "[");
      append(s, d.msg_row[r.evidence[k].source_msg]);
      s.push_back(',');
      append(s, d.msg_row[r.evidence[k].target_msg]);
      s.push_back(']');
    }
    s.push_back(']');
  }
}

Status step_done(Stmt& s) {
  if (s.step() != Stmt::kDone) return Status::IoError("database: " + s.error());
  s.reset();
  return Status::Ok();
}

}  // namespace

Result<std::int64_t> store_detection(Store& store, const Dataset& d, const DetectionResult& r,
                                     const DetectOptions& opt, std::optional<std::int64_t> run_id) {
  return detect_internal::store_detection_in_blocks(store, d, r, opt, run_id,
                                                    detect_internal::kEvidenceBlock);
}

Result<std::int64_t> detect_internal::store_detection_in_blocks(Store& store, const Dataset& d,
                                                                const DetectionResult& r,
                                                                const DetectOptions& opt,
                                                                std::optional<std::int64_t> run_id,
                                                                std::size_t block) {
  Db& db = store.db();
  Transaction tx(db);
  GS_RETURN_IF_ERROR(tx.begin_status());
  Stmt s;
  GS_RETURN_IF_ERROR(db.prepare(
      "INSERT INTO detections (run_id, created_at, compat, parameters, seed, edges, kept_edges, "
      "clusters, leiden_quality) VALUES (?,?,?,?,?,?,?,?,?)",
      s));
  if (run_id)
    s.bind_int64(1, *run_id);
  else
    s.bind_null(1);
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  s.bind_text(2, format_time_iso(now));
  s.bind_text(3, compat_name(r.compat));
  s.bind_text(4, opt.to_json());
  s.bind_int64(5, static_cast<std::int64_t>(r.seed));
  s.bind_int64(6, static_cast<std::int64_t>(r.edges.size()));
  s.bind_int64(7, static_cast<std::int64_t>(r.significant_edges));
  s.bind_int64(8, static_cast<std::int64_t>(r.clusters.size()));
  s.bind_double(9, r.leiden_quality);
  GS_RETURN_IF_ERROR(step_done(s));
  const std::int64_t id = db.last_insert_rowid();

  Stmt e;
  GS_RETURN_IF_ERROR(db.prepare(
      "INSERT INTO detection_edges (detection_id, source, target, behaviour, weight, pairs, "
      "objects, median_delay_s, mean_delay_s, first_time_ms, last_time_ms, p_value, kept, "
      "evidence) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
      e));
  // The evidence text of the next block of edges is written on another thread while a block
  // is inserted (at 10M messages, 2.2M edges: a third of the time was their formatting).
  block = std::max<std::size_t>(block, 1);
  const std::size_t edges = r.edges.size();
  std::vector<std::string> evidence(std::min(edges, block)), ahead;
  evidence_json(d, r, 0, evidence);
  for (std::size_t first = 0; first < edges; first += block) {
    std::future<void> next;
    if (const std::size_t after = first + block; after < edges) {
      ahead.resize(std::min(edges - after, block));
      next = std::async(std::launch::async, [&, after] { evidence_json(d, r, after, ahead); });
    }
    for (std::size_t i = first; i < first + evidence.size(); ++i) {
      const Edge& x = r.edges[i];
      e.bind_int64(1, id);
      e.bind_int64(2, d.account_row[x.source]);
      e.bind_int64(3, d.account_row[x.target]);
      e.bind_text(4, behaviour_name(x.behaviour, r.compat));
      e.bind_double(5, x.weight);
      e.bind_int64(6, static_cast<std::int64_t>(x.pairs));
      e.bind_int64(7, x.objects);
      e.bind_double(8, x.median_delay_s);
      e.bind_double(9, x.mean_delay_s);
      bind_time(e, 10, x.first_time);
      bind_time(e, 11, x.last_time);
      bind_real(e, 12, x.p_value);
      e.bind_int64(13, x.significant ? 1 : 0);
      e.bind_text(14, evidence[i - first]);
      GS_RETURN_IF_ERROR(step_done(e));  // a block being written is waited for (~future)
    }
    if (next.valid()) next.get();
    evidence.swap(ahead);
  }

  Stmt c, m;
  GS_RETURN_IF_ERROR(db.prepare(
      "INSERT INTO detection_clusters (detection_id, cluster_id, accounts, messages, behaviours, "
      "first_time_ms, last_time_ms, median_delay_s, share_of_activity, weight, p_value, "
      "top_objects, created_spread_days, verdict, verdict_reasons, verdict_evidence) VALUES "
      "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
      c));
  GS_RETURN_IF_ERROR(
      db.prepare("INSERT INTO detection_cluster_accounts (detection_id, cluster_id, account, "
                 "coordination_degree) VALUES (?,?,?,?)",
                 m));
  for (const Cluster& x : r.clusters) {
    c.bind_int64(1, id);
    c.bind_int64(2, x.id);
    c.bind_int64(3, static_cast<std::int64_t>(x.accounts.size()));
    c.bind_int64(4, static_cast<std::int64_t>(x.messages));
    std::string behaviours;
    for (auto b : x.behaviours) {
      if (!behaviours.empty()) behaviours.push_back(';');
      behaviours.append(behaviour_name(b, r.compat));
    }
    c.bind_text(5, behaviours);
    bind_time(c, 6, x.first_time);
    bind_time(c, 7, x.last_time);
    c.bind_double(8, x.median_delay_s);
    c.bind_double(9, x.share_of_activity);
    c.bind_double(10, x.weight);
    bind_real(c, 11, x.p_value);
    JsonWriter w(false);
    w.begin_array();
    for (const auto& t : x.top_objects) {
      w.begin_object();
      w.key("behaviour").value(behaviour_name(t.behaviour, r.compat));
      w.key("object").value(t.key);
      w.key("messages").value(t.messages);
      w.end_object();
    }
    w.end_array();
    c.bind_text(12, w.str());
    bind_real(c, 13, x.created_spread_days);
    c.bind_text(14, verdict_name(x.verdict));
    c.bind_text(15, x.verdict_reasons);
    c.bind_text(16, verdict_evidence_json(x.evidence, d));
    GS_RETURN_IF_ERROR(step_done(c));
    for (auto a : x.accounts) {
      m.bind_int64(1, id);
      m.bind_int64(2, x.id);
      m.bind_int64(3, d.account_row[a]);
      m.bind_int64(4, r.coordination_degree[a]);
      GS_RETURN_IF_ERROR(step_done(m));
    }
  }
  GS_RETURN_IF_ERROR(tx.commit());
  return id;
}

}  // namespace groundswell
