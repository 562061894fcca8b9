#include "serve/support.h"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <utility>

#include "base/json_writer.h"
#include "base/log.h"
#include "estimate/estimate.h"
#include "pipeline/commands.h"
#include "serve/jobs.h"
#include "store/store.h"

namespace groundswell {
namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

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

// What drives each heavy-tailed total, as the report's `drivers` has it, with each top
// account's row so the page links to its account page.
void write_drivers(const SupportAtDetection& s, JsonWriter& w) {
  const Estimate& e = s.estimate;
  w.key("drivers").begin_array();
  for (std::size_t i = 0; i < e.drivers.size(); ++i) {
    const TotalDrivers& d = e.drivers[i];
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
    for (std::size_t j = 0; j < d.top.size(); ++j) {
      const Contributor& c = d.top[j];
      w.begin_object();
      if (i < s.contributors.size() && j < s.contributors[i].size() &&
          s.contributors[i][j].row != 0) {
        const NamedContributor& n = s.contributors[i][j];
        w.key("id").value(n.row);
        w.key("platform").value(n.platform);
        w.key("account_id").value(n.account_id);
        w.key("handle").value(n.handle);
        w.key("display_name").value(n.display_name);
      }
      w.key("raw")
          .value(c.raw)
          .key("share_pct")
          .value(c.share_pct)
          .key("adjusted")
          .value(c.adjusted)
          .key("adjusted_low")
          .value(c.adjusted_low)
          .key("adjusted_high")
          .value(c.adjusted_high)
          .end_object();
    }
    w.end_array().end_object();
  }
  w.end_array();
}

std::string figures_json(std::int64_t detection, const std::string& actors_path,
                         const SupportAtDetection& s) {
  const Estimate& e = s.estimate;
  JsonWriter w(false);
  w.begin_object()
      .key("available")
      .value(true)
      .key("state")
      .value("done")
      .key("detection")
      .value(detection)
      // The file's name only: the page has no business with the server's directories.
      .key("actors_file")
      .value(std::filesystem::path(actors_path).filename().string())
      .key("replicates")
      .value(static_cast<std::int64_t>(e.replicates))
      .key("sample")
      .value(e.sample)
      .key("score_threshold")
      .value(e.score_threshold);
  w.key("assumptions").begin_array();
  for (const std::string& a : e.assumptions) w.value(a);
  w.end_array();
  w.key("actors");
  write_actors_json(e, w);
  write_drivers(s, w);
  w.key("rows").begin_array();
  for (const SupportRow& r : e.rows) {
    w.begin_object()
        .key("actor")
        .value(r.actor)
        .key("period")
        .value(r.period)
        .key("metric")
        .value(r.metric)
        .key("raw")
        .value(r.raw)
        .key("adjusted")
        .value(r.adjusted)
        .key("ci_low")
        .value(r.ci_low)
        .key("ci_high")
        .value(r.ci_high)
        .end_object();
  }
  w.end_array().end_object();
  return w.take();
}

}  // namespace

SupportFigures::SupportFigures(std::string db_path, std::string actors_path)
    : db_path_(std::move(db_path)), actors_path_(std::move(actors_path)) {}

SupportFigures::~SupportFigures() {
  if (thread_.joinable()) thread_.join();
}

ApiResponse SupportFigures::get(std::int64_t detection) {
  JsonWriter w(false);
  if (actors_path_.empty()) {
    w.begin_object()
        .key("available")
        .value(false)
        .key("state")
        .value("no_actors")
        .key("detection")
        .value(detection)
        .end_object();
    return {200, w.take()};
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto it = done_.find(detection); it != done_.end()) return {200, it->second};
  w.begin_object().key("available").value(true).key("detection").value(detection);
  if (auto it = failed_.find(detection); it != failed_.end()) {
    w.key("state").value("failed").key("error").value(it->second).end_object();
    return {200, w.take()};
  }
  if (current_ == 0) {
    // Idle: compute this detection's figures now.
    if (thread_.joinable()) thread_.join();
    current_ = detection;
    stage_ = "waiting";
    started_ = now_s();
    thread_ = std::thread([this, detection] { compute(detection); });
  }
  const bool mine = current_ == detection;
  w.key("state").value(mine ? stage_ : "waiting");
  if (!mine) w.key("computing").value(current_);
  w.key("seconds").value(now_s() - started_).end_object();
  return {202, w.take()};
}

void SupportFigures::compute(std::int64_t detection) {
  std::string body, error;
  {
    // Never beside a detection run: both use every core and igraph's process-wide state.
    std::lock_guard<std::mutex> analysis(analysis_lock());
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stage_ = "computing";
    }
    log_info(fmt::format("serve: support figures at detection {}", detection));
    auto store = Store::open(db_path_, /*read_only=*/true);
    Result<SupportAtDetection> e = store ? estimate_at_detection(*store, actors_path_, detection)
                                         : Result<SupportAtDetection>(store.status());
    if (e)
      body = figures_json(detection, actors_path_, *e);
    else
      error = e.status().message();
  }
  if (!error.empty())
    log_error(fmt::format("serve: support figures at detection {}: {}", detection, error));
  std::lock_guard<std::mutex> lock(mutex_);
  if (error.empty())
    done_[detection] = std::move(body);
  else
    failed_[detection] = std::move(error);
  current_ = 0;
  stage_.clear();
}

}  // namespace groundswell
