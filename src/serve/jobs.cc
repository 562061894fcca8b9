#include "serve/jobs.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <chrono>

#include "base/log.h"
#include "base/time.h"
#include "pipeline/commands.h"
#include "store/store.h"

namespace groundswell {
namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

ApiResponse error(int status, std::string_view message) {
  JsonWriter w(false);
  w.begin_object().key("error").value(message).end_object();
  return {status, w.take()};
}

// The options a re-run may set: every name DetectOptions::to_json() records.
constexpr std::string_view kOptionNames[] = {"behaviours",
                                             "window_s",
                                             "min_repetition",
                                             "similarity",
                                             "compat",
                                             "null_replicates",
                                             "fdr",
                                             "seed",
                                             "max_crowd",
                                             "crowd_neighbours",
                                             "min_text_tokens",
                                             "coortweet_edge_weight",
                                             "top_objects"};

// `base` (a to_json() record) with the options the request names put in their place, as one
// JSON object for DetectOptions::from_json(). Unknown names are refused, so a misspelt
// parameter never silently runs the base's value; behaviours may also come as "share,link".
Result<std::string> merge_options(std::string_view base, simdjson::dom::object request) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::dom::object recorded;
  if (parser.parse(base.data(), base.size()).get(doc) || doc.get_object().get(recorded))
    return Status::Internal("the base detection's parameters are not a JSON object");
  JsonWriter w(false);
  w.begin_object();
  for (auto [key, value] : request) {
    if (key == "base") continue;
    if (std::find(std::begin(kOptionNames), std::end(kOptionNames), key) == std::end(kOptionNames))
      return Status::InvalidArgument(fmt::format("unknown parameter '{}'", std::string_view(key)));
    w.key(key);
    std::string_view list;
    if (key == "behaviours" && !value.get_string().get(list)) {
      w.begin_array();
      while (!list.empty()) {
        auto comma = list.find(',');
        std::string_view name = list.substr(0, comma);
        while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
        while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
        if (!name.empty()) w.value(name);
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      }
      w.end_array();
    } else {
      w.raw(simdjson::minify(value));
    }
  }
  for (auto [key, value] : recorded) {
    if (request[key].error() != simdjson::NO_SUCH_FIELD) continue;
    w.key(key).raw(simdjson::minify(value));
  }
  w.end_object();
  return w.take();
}

}  // namespace

DetectionJobs::DetectionJobs(std::string db_path, std::function<void(std::int64_t)> stored)
    : db_path_(std::move(db_path)), stored_(std::move(stored)) {}

DetectionJobs::~DetectionJobs() {
  if (thread_.joinable()) thread_.join();
}

bool DetectionJobs::running() const { return busy_.load(); }

ApiResponse DetectionJobs::submit(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::padded_string text(body);
  simdjson::dom::element root;
  simdjson::dom::object request;
  if (body.size() > 65536 || parser.parse(text).get(root) || root.get_object().get(request))
    return error(400, "the request must be a JSON object of detection parameters");
  // The starting point: the parameters of the detection named `base`, or of the latest.
  std::int64_t base = 0;
  if (auto b = request["base"]; !b.error()) {
    if (b.get_int64().get(base) || base < 1) return error(400, "base must be a detection number");
  }
  std::string recorded = DetectOptions{}.to_json();
  {
    auto store = Store::open(db_path_, /*read_only=*/true);
    if (!store) return error(500, store.status().message());
    Stmt s;
    Status st =
        store->db().prepare(base ? "SELECT id, parameters FROM detections WHERE id = ?"
                                 : "SELECT id, parameters FROM detections ORDER BY id DESC LIMIT 1",
                            s);
    if (!st.ok()) return error(500, st.message());
    if (base) s.bind_int64(1, base);
    if (s.step() == Stmt::kRow) {
      base = s.column_int64(0);
      // Read back and written again: an older record gains the names it lacked.
      auto options = DetectOptions::from_json(s.column_text(1));
      if (!options)
        return error(500, fmt::format("detection {}: {}", base, options.status().message()));
      recorded = options->to_json();
    } else if (base) {
      return error(404, fmt::format("no detection {}", base));
    }
  }
  auto merged = merge_options(recorded, request);
  if (!merged) return error(400, merged.status().message());
  auto parsed = DetectOptions::from_json(*merged);
  if (!parsed) return error(400, parsed.status().message());
  const DetectOptions options = *parsed;

  std::lock_guard<std::mutex> lock(mutex_);
  if (busy_.load()) return error(409, "a detection run is already in progress; wait for it to end");
  if (thread_.joinable()) thread_.join();
  Job job;
  job.id = static_cast<std::int64_t>(jobs_.size()) + 1;
  job.state = "running";
  job.stage = "opening";
  job.step = 1;
  job.started = now_s();
  job.parameters = options.to_json();
  job.base = base;
  jobs_.push_back(job);
  busy_.store(true);
  thread_ = std::thread([this, options] { run(options); });
  JsonWriter w(false);
  write_job(w, jobs_.back());
  return {202, w.take()};
}

void DetectionJobs::set_stage(const char* stage, int step) {
  std::lock_guard<std::mutex> lock(mutex_);
  jobs_.back().stage = stage;
  jobs_.back().step = step;
}

std::mutex& analysis_lock() {
  static std::mutex m;
  return m;
}

void DetectionJobs::run(DetectOptions options) {
  std::unique_lock<std::mutex> analysis(analysis_lock(), std::try_to_lock);
  if (!analysis.owns_lock()) {
    // Support figures are being computed (serve/support.h): the run starts when they are done.
    set_stage("waiting", 1);
    analysis.lock();
    set_stage("opening", 1);
  }
  auto fail = [&](const Status& s) {
    log_error("detection run from the browser failed: " + s.message());
    std::lock_guard<std::mutex> lock(mutex_);
    jobs_.back().state = "failed";
    jobs_.back().error = s.message();
    jobs_.back().finished = now_s();
    busy_.store(false);
  };
  auto store = Store::open(db_path_);
  if (!store) return fail(store.status());
  log_info(fmt::format("detection run from the browser: {}", options.to_json()));
  // What `detect --db` does (pipeline/commands.h): signals, detection, the clusters' verdicts,
  // stored as a new detection under a `detect` run.
  auto id = detect_into_store(*store, options, [&](std::string_view stage) {
    static constexpr std::string_view kStages[] = {"loading", "signals", "detecting", "storing"};
    for (int i = 0; i < 4; ++i)
      if (stage == kStages[i]) set_stage(kStages[i].data(), i + 2);
  });
  if (!id) return fail(id.status());
  log_info(fmt::format("detection {} stored", *id));
  if (stored_) stored_(*id);
  std::lock_guard<std::mutex> lock(mutex_);
  Job& j = jobs_.back();
  j.state = "done";
  j.stage = "done";
  j.step = j.steps;
  j.detection = *id;
  j.finished = now_s();
  busy_.store(false);
}

void DetectionJobs::write_job(JsonWriter& w, const Job& j) const {
  const double end = j.finished > 0 ? j.finished : now_s();
  w.begin_object()
      .key("id")
      .value(j.id)
      .key("state")
      .value(j.state)
      .key("stage")
      .value(j.stage)
      .key("step")
      .value(j.step)
      .key("steps")
      .value(j.steps)
      .key("seconds")
      .value(end - j.started)
      .key("base");
  if (j.base)
    w.value(j.base);
  else
    w.null();
  w.key("parameters").raw(j.parameters);
  w.key("detection");
  if (j.detection)
    w.value(j.detection);
  else
    w.null();
  if (!j.error.empty()) w.key("error").value(j.error);
  w.end_object();
}

ApiResponse DetectionJobs::job(std::string_view id) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::size_t n = 0;
  for (char c : id) {
    if (c < '0' || c > '9' || n > jobs_.size()) return error(404, "no such job");
    n = n * 10 + static_cast<std::size_t>(c - '0');
  }
  if (n < 1 || n > jobs_.size()) return error(404, "no such job");
  JsonWriter w(false);
  write_job(w, jobs_[n - 1]);
  return {200, w.take()};
}

void DetectionJobs::write_current(JsonWriter& w) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (jobs_.empty())
    w.null();
  else
    write_job(w, jobs_.back());
}

}  // namespace groundswell
