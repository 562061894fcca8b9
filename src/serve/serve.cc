#include "serve/serve.h"

#include <fmt/format.h>
#include <httplib.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <random>
#include <thread>

#include "base/log.h"
#include "base/resources.h"
#include "pipeline/commands.h"
#include "serve/assets.h"
#include "serve/explorer.h"
#include "serve/index.h"
#include "serve/jobs.h"
#include "serve/support.h"
#include "signals/signals.h"
#include "store/dataset.h"
#include "store/store.h"

namespace groundswell {
namespace {

// Scripts only from this server, data only from its API, styles from its stylesheet (and the
// style attributes charts set), nothing framed, no forms, no base URL: markup that slipped
// into the page could neither run nor send anything anywhere.
constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' "
    "data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

std::string random_token() {
  std::random_device device;  // the kernel's random source
  std::string token;
  for (int i = 0; i < 4; ++i) {
    std::uint64_t v = (static_cast<std::uint64_t>(device()) << 32) | device();
    token += fmt::format("{:016x}", v);
  }
  return token;
}

bool same_token(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

std::string cookie_value(const std::string& header, std::string_view name) {
  std::string_view rest = header;
  while (!rest.empty()) {
    auto semi = rest.find(';');
    std::string_view part = rest.substr(0, semi);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.size() > name.size() && part.substr(0, name.size()) == name &&
        part[name.size()] == '=')
      return std::string(part.substr(name.size() + 1));
    if (semi == std::string_view::npos) break;
    rest.remove_prefix(semi + 1);
  }
  return {};
}

bool loopback_host(std::string_view host, int port) {
  for (std::string_view name : {"127.0.0.1", "localhost", "[::1]"}) {
    if (host == name || host == fmt::format("{}:{}", name, port)) return true;
  }
  return false;
}

void send_json(httplib::Response& res, const ApiResponse& r) {
  res.status = r.status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(r.body, "application/json; charset=utf-8");
}

// The one HTML page: an empty frame the bundled script fills. No inline script or style, so the
// Content-Security-Policy can allow scripts from this server only.
constexpr std::string_view kPage =
    "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>groundswell</title>\n<link rel=\"icon\" href=\"data:,\">\n"
    "<link rel=\"stylesheet\" href=\"/serve.css\">\n</head>\n"
    "<body>\n<main id=\"gs-app\"><p>Loading...</p></main>\n"
    "<noscript>This page needs JavaScript; the JSON API (/api/status, docs/serve.md) works "
    "without it.</noscript>\n<script src=\"/serve.js\"></script>\n</body>\n</html>\n";

void send_asset(httplib::Response& res, std::string_view body, const char* type) {
  // Revalidated on every load, so a newer groundswell on the same port is never mixed with
  // an older bundle.
  res.set_header("Cache-Control", "no-cache");
  res.set_content(body.data(), body.size(), type);
}

}  // namespace

struct Server::Impl {
  ServeOptions options;
  httplib::Server http;
  std::unique_ptr<Explorer> explorer;
  std::unique_ptr<DetectionJobs> jobs;
  std::unique_ptr<SupportFigures> support;
  std::thread listener, indexer;
  std::atomic<bool> listener_done{false};
  int port = 0;
  std::mutex mutex;
  std::condition_variable indexed_cv;
  bool indexed = false, index_ok = false, stopped = false;

  // Reads the store into the in-memory index (serve/index.h) on its own thread.
  void build_index() {
    auto fail = [&](const Status& s) {
      log_error("serve: cannot index the store: " + s.message());
      explorer->set_index_state({"failed", 0, s.message()});
      std::lock_guard<std::mutex> lock(mutex);
      indexed = true;
      indexed_cv.notify_all();
    };
    StageClock clock;
    // The cluster pages' edge order first: a few seconds per detection, and cluster pages
    // answer before the rest is read.
    explorer->set_index_state({"loading", 0, ""});
    if (Status s = explorer->prepare_stored_detections(); !s.ok()) return fail(s);
    log_info(clock.lap("serve: cluster edges of the stored detections"));
    auto store = Store::open(options.db_path, /*read_only=*/true);
    if (!store) return fail(store.status());
    auto data = load_dataset(*store);
    if (!data) return fail(data.status());
    log_info(clock.lap("serve: reading the store"));
    explorer->set_index_state({"signals", 0, ""});
    auto signals = compute_signals(*data);
    if (!signals) return fail(signals.status());
    log_info(clock.lap("serve: account signals"));
    explorer->set_index_state({"indexes", 0, ""});
    auto index = ServeIndex::build(*data, std::move(*signals), [&](double f) {
      explorer->set_index_state({"indexes", f, ""});
    });
    if (!index) return fail(index.status());
    release(*data);  // the columns are not needed once indexed
    explorer->set_index(std::make_shared<const ServeIndex>(std::move(*index)));
    log_info(clock.lap("serve: indexes"));
    {
      std::lock_guard<std::mutex> lock(mutex);
      indexed = true;
      index_ok = true;
      indexed_cv.notify_all();
    }
    // The actor page's figures at the latest detection, which it shows first: computed once
    // now and stored if the store does not hold them (a store written before schema 9, a
    // re-run) and can be written, after the index so the two never hold the store's columns
    // in memory at once.
    auto latest = store->db().query_int64("SELECT coalesce(max(id), 0) FROM detections");
    if (latest && !stopping()) support->prepare(*latest);
  }

  bool stopping() {
    std::lock_guard<std::mutex> lock(mutex);
    return stopped;
  }

  // The checks every request passes before it is routed (see serve.h).
  httplib::Server::HandlerResponse admit(const httplib::Request& req, httplib::Response& res) {
    auto refuse = [&](int status, std::string_view why) {
      JsonWriter w(false);
      w.begin_object().key("error").value(why).end_object();
      res.status = status;
      res.set_content(w.str(), "application/json; charset=utf-8");
      return httplib::Server::HandlerResponse::Handled;
    };
    if (!options.listen_given && !loopback_host(req.get_header_value("Host"), port))
      return refuse(403, "this server answers only to 127.0.0.1 and localhost");
    if (!options.token.empty()) {
      std::string given;
      const std::string auth = req.get_header_value("Authorization");
      if (auth.rfind("Bearer ", 0) == 0) given = auth.substr(7);
      if (given.empty()) given = cookie_value(req.get_header_value("Cookie"), "gs_token");
      const bool in_query = req.has_param("token");
      if (given.empty() && in_query) given = req.get_param_value("token");
      if (!same_token(given, options.token))
        return refuse(401, "this server needs its access token (printed when it started)");
      if (in_query && req.method == "GET" && req.path == "/") {
        // Trade the token in the address for a cookie, and drop it from the address bar.
        res.set_header("Set-Cookie",
                       "gs_token=" + options.token + "; HttpOnly; SameSite=Strict; Path=/");
        res.set_redirect("/", 303);
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    if (req.method == "POST") {
      const std::string origin = req.get_header_value("Origin");
      if (!origin.empty() && origin != "http://" + req.get_header_value("Host"))
        return refuse(403, "requests from other sites are refused");
      if (req.get_header_value("Content-Type").rfind("application/json", 0) != 0)
        return refuse(415, "send the parameters as application/json");
    } else if (req.method != "GET" && req.method != "HEAD") {
      return refuse(405, "only GET and POST");
    }
    return httplib::Server::HandlerResponse::Unhandled;
  }

  void route() {
    http.new_task_queue = [n = options.http_threads] {
      return new httplib::ThreadPool(static_cast<std::size_t>(std::max(2, n)));
    };
    // Answers go out at once: with Nagle's algorithm a response written in two parts (headers,
    // body) waited for the browser's delayed acknowledgement, 40 ms on a kept-alive connection.
    http.set_tcp_nodelay(true);
    http.set_payload_max_length(64 * 1024);
    http.set_read_timeout(10, 0);
    http.set_write_timeout(30, 0);
    http.set_default_headers({
        {"Content-Security-Policy", kContentSecurityPolicy},
        {"X-Content-Type-Options", "nosniff"},
        {"Referrer-Policy", "no-referrer"},
        {"X-Frame-Options", "DENY"},
        {"Cross-Origin-Opener-Policy", "same-origin"},
        {"Cross-Origin-Resource-Policy", "same-origin"},
    });
    http.set_pre_routing_handler(
        [this](const httplib::Request& req, httplib::Response& res) { return admit(req, res); });
    auto api = [this](const httplib::Request& req, httplib::Response& res) {
      ApiQuery query;
      for (const auto& [k, v] : req.params) query.emplace(k, v);
      send_json(res, explorer->handle(req.method, req.path, query, req.body));
    };
    http.Get("/api/.*", api);
    http.Post("/api/.*", api);
    // The page and its two bundles, from memory; views are chosen by the address's hash.
    http.Get("/", [](const httplib::Request&, httplib::Response& res) {
      send_asset(res, kPage, "text/html; charset=utf-8");
    });
    http.Get("/serve.js", [](const httplib::Request&, httplib::Response& res) {
      send_asset(res, serve_js(), "text/javascript; charset=utf-8");
    });
    http.Get("/serve.css", [](const httplib::Request&, httplib::Response& res) {
      send_asset(res, serve_css(), "text/css; charset=utf-8");
    });
    http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
      if (!res.body.empty()) return;
      JsonWriter w(false);
      w.begin_object().key("error").value(res.status == 404 ? "not found" : "refused").end_object();
      res.set_content(w.str(), "application/json; charset=utf-8");
    });
    http.set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
          std::string what = "internal error";
          try {
            if (ep) std::rethrow_exception(ep);
          } catch (const std::exception& e) {
            what = std::string("internal error: ") + e.what();
          } catch (...) {
          }
          log_error("serve: " + what);
          res.status = 500;
          JsonWriter w(false);
          w.begin_object().key("error").value(what).end_object();
          res.set_content(w.str(), "application/json; charset=utf-8");
        });
  }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { stop(); }

Result<std::unique_ptr<Server>> Server::start(ServeOptions options) {
  if (options.db_path.empty()) return Status::InvalidArgument("serve: --db FILE is required");
  if (options.port < 0 || options.port > 65535)
    return Status::InvalidArgument("serve: --port must be from 0 to 65535");
  auto impl = std::make_unique<Impl>();
  {
    // Opening for writing brings an older store's schema up to date (the columns and indexes
    // the pages use); a store that cannot be written is served read-only, without re-runs,
    // if its schema is this build's (Store::open refuses any other read-only).
    auto probe = Store::open_any_version(options.db_path);
    if (!probe) return probe.status();
    if (options.rerun) {
      auto writable = Store::open(options.db_path);
      if (!writable) {
        if (writable.status().code() == StatusCode::kInvalidArgument) return writable.status();
        log_warn(
            fmt::format("serve: {} cannot be written ({}); serving it read-only, without "
                        "re-running detection",
                        options.db_path, writable.status().message()));
        options.rerun = false;
      }
    }
    if (!options.rerun) GS_RETURN_IF_ERROR(Store::open(options.db_path, true).status());
    // Support figures need the actors file; without --actors, the one the latest run used.
    if (options.actors_path.empty()) options.actors_path = recorded_actors_path(*probe);
  }
  if (options.listen_given && options.token.empty()) options.token = random_token();
  if (!options.listen_given) options.token.clear();
  impl->options = options;
  impl->explorer = std::make_unique<Explorer>(options.db_path);
  Explorer::JobHooks hooks;
  if (options.rerun) {
    Explorer* explorer = impl->explorer.get();
    impl->jobs = std::make_unique<DetectionJobs>(options.db_path, [explorer](std::int64_t id) {
      if (Status s = explorer->prepare_detection(id); !s.ok())
        log_warn("serve: cluster edges of detection " + std::to_string(id) + ": " + s.message());
    });
    DetectionJobs* jobs = impl->jobs.get();
    hooks.submit = [jobs](std::string_view body) { return jobs->submit(body); };
    hooks.job = [jobs](std::string_view id) { return jobs->job(id); };
    hooks.current = [jobs](JsonWriter& w) { jobs->write_current(w); };
  }
  // Stored support figures are shown with or without an actors file; with one, those a
  // detection lacks are computed (and stored unless read-only).
  impl->support =
      std::make_unique<SupportFigures>(options.db_path, options.actors_path, options.rerun);
  SupportFigures* support = impl->support.get();
  hooks.support = [support](std::int64_t detection, Db& db) { return support->get(detection, db); };
  impl->explorer->set_job_hooks(std::move(hooks));
  impl->route();
  if (options.port == 0) {
    impl->port = impl->http.bind_to_any_port(options.listen);
    if (impl->port <= 0)
      return Status::IoError(fmt::format("serve: cannot listen on {}", options.listen));
  } else {
    if (!impl->http.bind_to_port(options.listen, options.port))
      return Status::IoError(fmt::format("serve: cannot listen on {}:{} (in use? try --port)",
                                         options.listen, options.port));
    impl->port = options.port;
  }
  Impl* p = impl.get();
  impl->listener = std::thread([p] {
    p->http.listen_after_bind();
    p->listener_done = true;
  });
  impl->indexer = std::thread([p] { p->build_index(); });
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

int Server::port() const { return impl_->port; }

const std::string& Server::token() const { return impl_->options.token; }

std::string Server::url() const {
  std::string host = impl_->options.listen;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  std::string u = fmt::format("http://{}:{}/", host, impl_->port);
  if (!impl_->options.token.empty()) u += "?token=" + impl_->options.token;
  return u;
}

bool Server::busy() const {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    if (!impl_->indexed) return true;
  }
  return (impl_->jobs && impl_->jobs->running()) || impl_->support->computing();
}

bool Server::wait_until_indexed() {
  std::unique_lock<std::mutex> lock(impl_->mutex);
  impl_->indexed_cv.wait(lock, [&] { return impl_->indexed; });
  return impl_->index_ok;
}

void Server::stop() {
  if (!impl_) return;
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    if (impl_->stopped) return;
    impl_->stopped = true;
  }
  // httplib (0.11) stops only a server whose accept loop has started: a stop right after
  // start would be lost and the join below wait for ever. Wait for the loop, or for the
  // listener to have given up.
  while (!impl_->http.is_running() && !impl_->listener_done)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  impl_->http.stop();
  if (impl_->listener.joinable()) impl_->listener.join();
  if (impl_->indexer.joinable()) impl_->indexer.join();
}

Status serve_command(ServeOptions options) {
  // SIGINT and SIGTERM are taken by sigwait below: blocked here, before any thread starts, so
  // every thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  auto server = Server::start(std::move(options));
  if (!server) return server.status();
  Server& s = **server;
  std::printf("groundswell serve: %s\n", s.url().c_str());
  if (!s.token().empty())
    std::printf(
        "Every request needs the access token above: open the link once (it sets a "
        "cookie), or send 'Authorization: Bearer %s'.\n",
        s.token().c_str());
  std::printf(
      "Reading the store into memory; pages that need it say so until it is done. "
      "Ctrl-C stops.\n");
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop_signals, &sig);
  log_info("serve: stopping");
  if (s.busy()) {
    // Reading the store or a detection run can take minutes; neither needs finishing: the
    // store keeps every committed transaction (the run stays marked "running").
    log_info("serve: abandoning the work in progress");
    std::fflush(stdout);
    std::_Exit(0);
  }
  s.stop();
  return Status::Ok();
}

}  // namespace groundswell
