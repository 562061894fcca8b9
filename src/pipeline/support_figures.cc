#include "pipeline/support_figures.h"

#include <fmt/format.h>

#include <chrono>

#include "base/file.h"
#include "base/json_writer.h"
#include "base/sha256.h"
#include "base/time.h"
#include "store/sqlite.h"
#include "store/store.h"

namespace groundswell {
namespace {

// The headline interval of an actor's heavy-tailed total (kDriverMetrics), or null.
const ActorHeadline::Interval* headline_interval(const Estimate& e, const std::string& actor,
                                                 const std::string& metric) {
  for (const ActorHeadline& h : e.headline) {
    if (h.name != actor) continue;
    if (metric == "views") return &h.views;
    if (metric == "reactions") return &h.reactions;
    if (metric == "engagement") return &h.engagement;
  }
  return nullptr;
}

// What drives each heavy-tailed total, as the report's `drivers` has it; each top account as
// its row in the store (accounts.id), so a reader names it from the store it reads.
void write_drivers(const Estimate& e, const Dataset& data, JsonWriter& w) {
  w.key("drivers").begin_array();
  for (const TotalDrivers& d : e.drivers) {
    w.begin_object().key("actor").value(d.actor).key("metric").value(d.metric);
    w.key("raw").value(d.raw);
    if (const auto* iv = headline_interval(e, d.actor, d.metric)) {
      w.key("adjusted").value(iv->value);
      w.key("ci_low").value(iv->ci_low);
      w.key("ci_high").value(iv->ci_high);
    }
    w.key("top_share_pct").value(d.top_share_pct);
    w.key("uncertain_accounts").value(d.uncertain_accounts);
    w.key("uncertain_share_pct").value(d.uncertain_share_pct);
    w.key("top").begin_array();
    for (const Contributor& c : d.top) {
      w.begin_object();
      if (c.account < data.accounts()) w.key("id").value(data.account_row[c.account]);
      w.key("raw").value(c.raw);
      w.key("share_pct").value(c.share_pct);
      w.key("adjusted").value(c.adjusted);
      w.key("adjusted_low").value(c.adjusted_low);
      w.key("adjusted_high").value(c.adjusted_high);
      w.end_object();
    }
    w.end_array().end_object();
  }
  w.end_array();
}

}  // namespace

std::string support_figures_json(const Estimate& e, const Dataset& data) {
  JsonWriter w(false);
  w.begin_object();
  w.key("replicates").value(static_cast<std::int64_t>(e.replicates));
  w.key("sample").value(e.sample);
  w.key("ci_level").value(e.ci_level);
  w.key("seed").value(e.seed);
  w.key("score_threshold").value(e.score_threshold);
  w.key("supporters").value(to_string(e.supporters));
  // The detection settings the intervals range over: the detection's own, then neighbours.
  w.key("scenarios").begin_array();
  for (const std::string& s : e.scenarios) w.value(s);
  w.end_array();
  w.key("assumptions").begin_array();
  for (const std::string& a : e.assumptions) w.value(a);
  w.end_array();
  w.key("actors");
  write_actors_json(e, w);
  write_drivers(e, data, w);
  w.key("rows").begin_array();
  for (const SupportRow& r : e.rows) {
    w.begin_object();
    w.key("actor").value(r.actor).key("period").value(r.period).key("metric").value(r.metric);
    w.key("raw").value(r.raw).key("adjusted").value(r.adjusted);
    w.key("ci_low").value(r.ci_low).key("ci_high").value(r.ci_high);
    w.end_object();
  }
  w.end_array();
  w.key("sensitivity").begin_array();
  for (const SensitivityRow& r : e.sensitivity) {
    w.begin_object();
    w.key("actor").value(r.actor).key("scenario").value(r.scenario);
    w.key("score_threshold").value(r.score_threshold);
    w.key("accounts").value(r.accounts).key("messages").value(r.messages);
    w.key("engagement").value(r.engagement);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return w.take();
}

Result<std::string> actors_file_sha256(const std::string& path) {
  auto bytes = read_whole_file(path);
  if (!bytes) return Status::NotFound(fmt::format("cannot read the actors file {}", path));
  std::string hex;
  for (std::uint8_t b : sha256(*bytes)) hex += fmt::format("{:02x}", b);
  return hex;
}

Result<std::string> store_support_figures(Store& store, const SupportFiguresKey& key,
                                          std::string_view figures) {
  Stmt s;
  GS_RETURN_IF_ERROR(store.db().prepare(
      "INSERT OR REPLACE INTO detection_support (detection_id, actors_sha256, actors_file, "
      "run_id, created_at, figures) VALUES (?, ?, ?, ?, ?, ?)",
      s));
  s.bind_int64(1, key.detection);
  s.bind_text(2, key.actors_sha256);
  s.bind_text(3, key.actors_file);
  if (key.run_id)
    s.bind_int64(4, *key.run_id);
  else
    s.bind_null(4);
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  std::string created_at = format_time_iso(now);
  s.bind_text(5, created_at);
  s.bind_text(6, figures);
  if (s.step() != Stmt::kDone) return Status::IoError("database: " + s.error());
  return created_at;
}

Result<std::optional<StoredSupportFigures>> read_support_figures(Db& db, std::int64_t detection,
                                                                 std::string_view actors_sha256) {
  auto table = db.query_int64(
      "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'detection_support'");
  if (!table) return table.status();
  if (*table == 0) return std::optional<StoredSupportFigures>();
  Stmt s;
  GS_RETURN_IF_ERROR(db.prepare(
      actors_sha256.empty() ? "SELECT actors_sha256, actors_file, run_id, created_at, figures FROM "
                              "detection_support WHERE detection_id = ? ORDER BY created_at DESC, "
                              "rowid DESC LIMIT 1"
                            : "SELECT actors_sha256, actors_file, run_id, created_at, figures FROM "
                              "detection_support WHERE detection_id = ? AND actors_sha256 = ?",
      s));
  s.bind_int64(1, detection);
  if (!actors_sha256.empty()) s.bind_text(2, actors_sha256);
  switch (s.step()) {
    case Stmt::kDone:
      return std::optional<StoredSupportFigures>();
    case Stmt::kError:
      return Status::IoError("database: " + s.error());
    case Stmt::kRow:
      break;
  }
  StoredSupportFigures out;
  out.key.detection = detection;
  out.key.actors_sha256 = std::string(s.column_text(0));
  out.key.actors_file = std::string(s.column_text(1));
  if (!s.column_is_null(2)) out.key.run_id = s.column_int64(2);
  out.created_at = std::string(s.column_text(3));
  out.figures = std::string(s.column_text(4));
  return std::optional<StoredSupportFigures>(std::move(out));
}

}  // namespace groundswell
