// `groundswell serve` (docs/serve.md): a local web application over one store, to go from an
// actor or a cluster down to any account and message, and to re-run detection with other
// parameters. An HTTP server (cpp-httplib) answers the JSON API of explorer.h and serves the
// front end bundled into the binary (web/src/serve, embedded like the report's), so it works
// offline and reads no file but the store.
//
//   ServeOptions o;
//   o.db_path = "out/groundswell.db";
//   Status s = serve_command(o);          // blocks until SIGINT or SIGTERM
//
//   auto server = Server::start(o);       // tests: o.port = 0 picks a free port
//   server.value()->wait_until_indexed();
//   httplib::Client c("127.0.0.1", server.value()->port());
//
// Safe by default:
//  - it listens on 127.0.0.1 only and refuses requests whose Host header names anything but
//    the loopback address (a web page cannot reach it through DNS rebinding);
//  - another address needs `listen`, and then a random access token (printed at start) must
//    come with every request: `?token=` once (it becomes an HttpOnly, SameSite=Strict
//    cookie), the cookie, or `Authorization: Bearer TOKEN`;
//  - POST requests need a JSON body and, when the browser names an Origin, this server's;
//  - the store is read through read-only connections; the one write is a new detection run
//    (jobs.h), and migrating an older store's schema at start as every command does;
//  - every response carries a strict Content-Security-Policy (scripts only from the server
//    itself, no connection anywhere else, no frames, no forms) and nosniff; the front end
//    puts data into the page only as text;
//  - no request names a file: the page and its bundle come from memory, the API takes
//    numbers and keys, never paths.
//
// Thread-safety: a Server's members may be called from any thread; stop() once.
#pragma once

#include <memory>
#include <string>

#include "groundswell/status.h"

namespace groundswell {

struct ServeOptions {
  std::string db_path;
  std::string listen = "127.0.0.1";  // address to bind
  bool listen_given = false;         // --listen was given: every request needs the token
  int port = 8080;                   // 0: any free port
  std::string token;                 // "" with listen_given: a random one
  bool rerun = true;                 // allow re-running detection from the page; false: the
                                     // store is only ever opened read-only
  int http_threads = 8;
  // The actors file behind the actor pages' support figures; "" = the one the latest `run`
  // used, if it is still there (none: the pages say so).
  std::string actors_path;
};

class Server {
 public:
  // Binds, starts answering, and starts reading the store into the in-memory index; pages that
  // need the index answer 503 with its progress until it is ready.
  static Result<std::unique_ptr<Server>> start(ServeOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const;
  const std::string& token() const;  // "" when none is required
  std::string url() const;           // http://ADDR:PORT/ (with ?token= when required)
  // True while the store is being indexed, a detection run is in progress or support figures
  // are being computed.
  bool busy() const;
  // Blocks until the index is built or failed to build; false on failure.
  bool wait_until_indexed();
  void stop();

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Starts a server, prints its address (and token), and serves until SIGINT or SIGTERM.
Status serve_command(ServeOptions options);

}  // namespace groundswell
