#include "serve/support.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <utility>

#include "base/json_writer.h"
#include "base/log.h"
#include "base/time.h"
#include "pipeline/commands.h"
#include "pipeline/support_figures.h"
#include "serve/jobs.h"
#include "store/store.h"

namespace groundswell {
namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The names of the account at row `id`, as the account pages show them.
Status write_account_names(Db& db, std::int64_t id, JsonWriter& w) {
  Stmt s;
  GS_RETURN_IF_ERROR(db.prepare(
      "SELECT platform, account_id, handle, display_name FROM accounts WHERE id = ?", s));
  s.bind_int64(1, id);
  if (s.step() != Stmt::kRow) return Status::Ok();  // not in this store: the id alone
  w.key("platform").value(s.column_text(0));
  w.key("account_id").value(s.column_text(1));
  w.key("handle").value(s.column_text(2));
  w.key("display_name").value(s.column_text(3));
  return Status::Ok();
}

// The drivers of the stored document, each top account named from the store.
Status write_named_drivers(Db& db, simdjson::dom::array drivers, JsonWriter& w) {
  w.begin_array();
  for (simdjson::dom::element d : drivers) {
    simdjson::dom::object driver;
    if (d.get_object().get(driver)) return Status::Internal("a stored driver is not an object");
    w.begin_object();
    for (auto [key, value] : driver) {
      w.key(key);
      simdjson::dom::array top;
      if (key != "top" || value.get_array().get(top)) {
        w.raw(simdjson::minify(value));
        continue;
      }
      w.begin_array();
      for (simdjson::dom::element c : top) {
        simdjson::dom::object contributor;
        if (c.get_object().get(contributor))
          return Status::Internal("a stored contributor is not an object");
        w.begin_object();
        for (auto [k, v] : contributor) {
          w.key(k).raw(simdjson::minify(v));
          std::int64_t id = 0;
          if (k == "id" && !v.get_int64().get(id))
            GS_RETURN_IF_ERROR(write_account_names(db, id, w));
        }
        w.end_object();
      }
      w.end_array();
    }
    w.end_object();
  }
  w.end_array();
  return Status::Ok();
}

// The API's answer for stored (or just computed) figures: where they come from, then the
// document, its top accounts named.
Result<std::string> figures_answer(Db& db, const StoredSupportFigures& s, bool stored) {
  simdjson::dom::parser parser;
  simdjson::dom::object doc;
  if (parser.parse(simdjson::padded_string(s.figures)).get(doc))
    return Status::Internal(fmt::format(
        "the support figures stored for detection {} are not a JSON object", s.key.detection));
  JsonWriter w(false);
  w.begin_object();
  w.key("available").value(true).key("state").value("done");
  w.key("detection").value(s.key.detection);
  // The file's name only: the page has no business with the server's directories.
  w.key("actors_file").value(std::filesystem::path(s.key.actors_file).filename().string());
  w.key("stored").value(stored);
  w.key("computed_at").value(s.created_at);
  w.key("run");
  if (s.key.run_id)
    w.value(*s.key.run_id);
  else
    w.null();
  for (auto [key, value] : doc) {
    w.key(key);
    simdjson::dom::array drivers;
    if (key == "drivers" && !value.get_array().get(drivers))
      GS_RETURN_IF_ERROR(write_named_drivers(db, drivers, w));
    else
      w.raw(simdjson::minify(value));
  }
  w.end_object();
  return w.take();
}

}  // namespace

SupportFigures::SupportFigures(std::string db_path, std::string actors_path, bool writable)
    : db_path_(std::move(db_path)), actors_path_(std::move(actors_path)), writable_(writable) {
  if (actors_path_.empty()) return;
  auto sha = actors_file_sha256(actors_path_);
  if (sha) {
    actors_sha256_ = std::move(*sha);
  } else {
    log_warn("serve: " + sha.status().message());
    // The page has the file's name only, never the server's directories.
    actors_error_ = fmt::format("cannot read the actors file {}",
                                std::filesystem::path(actors_path_).filename().string());
  }
}

SupportFigures::~SupportFigures() {
  if (thread_.joinable()) thread_.join();
}

bool SupportFigures::computing() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return current_ != 0;
}

ApiResponse SupportFigures::get(std::int64_t detection, Db& db) {
  auto error = [](const Status& s) {
    JsonWriter w(false);
    w.begin_object().key("error").value(s.message()).end_object();
    return ApiResponse{500, w.take()};
  };
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto it = done_.find(detection); it != done_.end()) return {200, it->second};
  }
  // Stored for this actors file (without one: for any, the latest).
  if (actors_path_.empty() || !actors_sha256_.empty()) {
    auto stored = read_support_figures(db, detection, actors_sha256_);
    if (!stored) return error(stored.status());
    if (*stored) {
      auto answer = figures_answer(db, **stored, /*stored=*/true);
      if (!answer) return error(answer.status());
      std::lock_guard<std::mutex> lock(mutex_);
      return {200, done_.emplace(detection, std::move(*answer)).first->second};
    }
  }
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
  w.begin_object().key("available").value(true).key("detection").value(detection);
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto it = done_.find(detection); it != done_.end()) return {200, it->second};
  if (!actors_error_.empty()) failed_.emplace(detection, actors_error_);
  if (auto it = failed_.find(detection); it != failed_.end()) {
    w.key("state").value("failed").key("error").value(it->second).end_object();
    return {200, w.take()};
  }
  start(detection);
  const bool mine = current_ == detection;
  w.key("state").value(mine ? stage_ : "waiting");
  if (!mine) w.key("computing").value(current_);
  w.key("seconds").value(now_s() - started_);
  // Detections whose figures for this actors file are stored: the page offers them meanwhile.
  w.key("stored_detections").begin_array();
  Stmt s;
  if (db.prepare("SELECT DISTINCT detection_id FROM detection_support WHERE actors_sha256 = ? "
                 "ORDER BY detection_id DESC",
                 s)
          .ok()) {
    s.bind_text(1, actors_sha256_);
    while (s.step() == Stmt::kRow) w.value(s.column_int64(0));
  }
  w.end_array().end_object();
  return {202, w.take()};
}

void SupportFigures::prepare(std::int64_t detection) {
  // Read-only, they could not be kept beyond this server's life: computed when asked for.
  if (!writable_ || actors_path_.empty() || !actors_error_.empty() || detection <= 0) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (done_.contains(detection) || failed_.contains(detection) || current_ != 0) return;
  }
  auto store = Store::open(db_path_, /*read_only=*/true);
  if (!store) {
    log_warn("serve: support figures: " + store.status().message());
    return;
  }
  auto stored = read_support_figures(store->db(), detection, actors_sha256_);
  if (!stored) {
    log_warn("serve: support figures: " + stored.status().message());
    return;
  }
  if (*stored) return;  // read on the first request
  log_info(fmt::format(
      "serve: the support figures at detection {} are not stored for {}: computing them once",
      detection, std::filesystem::path(actors_path_).filename().string()));
  std::lock_guard<std::mutex> lock(mutex_);
  start(detection);
}

void SupportFigures::start(std::int64_t detection) {
  if (current_ != 0) return;
  if (thread_.joinable()) thread_.join();  // the previous computation, finished
  current_ = detection;
  stage_ = "waiting";
  started_ = now_s();
  thread_ = std::thread([this, detection] { compute(detection); });
}

void SupportFigures::compute(std::int64_t detection) {
  std::string answer, error;
  {
    // Never beside a detection run: both use every core and igraph's process-wide state.
    std::lock_guard<std::mutex> analysis(analysis_lock());
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stage_ = "computing";
    }
    log_info(fmt::format("serve: computing the support figures at detection {}", detection));
    const auto t0 = std::chrono::steady_clock::now();
    auto store = Store::open(db_path_, /*read_only=*/true);
    Result<std::string> figures =
        store ? support_figures_at_detection(*store, actors_path_, detection)
              : Result<std::string>(store.status());
    StoredSupportFigures row;
    row.key = {detection, actors_sha256_, std::filesystem::path(actors_path_).filename().string(),
               std::nullopt};
    bool stored = false;
    if (figures) {
      row.figures = std::move(*figures);
      if (writable_) {
        // Once: later requests, and later servers, read them.
        auto out = Store::open(db_path_);
        auto created = out ? store_support_figures(*out, row.key, row.figures)
                           : Result<std::string>(out.status());
        if (created) {
          stored = true;
          row.created_at = std::move(*created);
        } else {
          log_warn(fmt::format("serve: cannot store the support figures at detection {}: {}",
                               detection, created.status().message()));
        }
      }
      if (!stored) row.created_at = format_time_iso(static_cast<TimeMs>(now_s() * 1000));
      auto a = figures_answer(store->db(), row, stored);
      if (a)
        answer = std::move(*a);
      else
        error = a.status().message();
    } else {
      error = figures.status().message();
    }
    log_info(
        fmt::format("serve: support figures at detection {} {} in {:.1f} s", detection,
                    error.empty() ? (stored ? "computed and stored" : "computed") : "failed",
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()));
  }
  if (!error.empty())
    log_error(fmt::format("serve: support figures at detection {}: {}", detection, error));
  std::lock_guard<std::mutex> lock(mutex_);
  if (error.empty())
    done_[detection] = std::move(answer);
  else
    failed_[detection] = std::move(error);
  current_ = 0;
  stage_.clear();
}

}  // namespace groundswell
