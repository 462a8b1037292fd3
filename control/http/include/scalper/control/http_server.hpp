// http_server.hpp — scalper-control's HTTP server: Boost.Beast on one thread of its own.
//
// What every request goes through, in this order, before a route's handler sees it:
//   1. a connection past `max_connections` is answered 503 and closed (memory stays bounded);
//   2. a body over `max_body` (64 KiB) is answered 413 without being read, and the connection
//      closed;
//   3. X-Request-Id: the client's, if it is 1–64 characters of [A-Za-z0-9._-], else a new one;
//      echoed in the answer and in the access log;
//   4. the client's token bucket (rate_limit.hpp): 429 with Retry-After when it is empty;
//   5. a token in the URL (?token=, ?access_token=, ?api_token=) is refused with 400 before
//      anything else looks at it: URLs end up in logs and browser histories;
//   6. the route: 404 for an unknown path, 405 (with Allow) for a known path and another method;
//   7. under `protected_prefix` (/api/v1/), `Authorization: Bearer <token>` compared in constant
//      time (api_token.hpp): 401 with WWW-Authenticate when missing or wrong;
//   8. the handler; an exception from it is a 500 whose body says nothing of it.
// Errors are JSON, {"detail": "..."}, as the original API's were. Every request ends in one
// access-log record (method, path without the query, status, microseconds, request id, client).
//
// Routes are registered before start(): a method and a pattern whose `{name}` segments match
// one non-empty path segment each, handed to the handler in `params` ("/api/v1/bots/{id}").
//
// Threading: route() and start() before the server runs; handlers run on the server's thread,
// one at a time, and must not block it for long. stop() from any other thread. Allocation: yes
// (the control plane, never the core's path).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scalper/control/api_token.hpp"
#include "scalper/control/rate_limit.hpp"

namespace scalper::control {

struct HttpRequest {
  std::string method;  // "GET"
  std::string path;    // without the query
  std::string query;   // after '?', undecoded
  std::string body;
  std::string client;  // the peer's address
  std::string request_id;
  std::map<std::string, std::string, std::less<>> params;  // the pattern's {name} segments
  std::vector<std::pair<std::string, std::string>> headers;

  // The first header of that name (any case); empty when absent.
  [[nodiscard]] std::string_view header(std::string_view name) const noexcept;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// {"detail": "<detail>"} with that status.
[[nodiscard]] HttpResponse json_error(int status, std::string_view detail);

struct AccessRecord {
  std::string_view method;
  std::string_view path;
  int status = 0;
  std::int64_t duration_us = 0;
  std::string_view request_id;
  std::string_view client;
};

struct HttpServerConfig {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8080;  // 0: any free port (tests)
  std::size_t max_body = 64 * 1024;
  std::size_t max_connections = 256;
  std::int64_t idle_timeout_ms = 30'000;  // a connection with no request for this long closes
  RateLimitConfig rate;
  std::string protected_prefix = "/api/v1/";
  std::shared_ptr<const ApiToken> token;        // required under protected_prefix
  std::function<std::int64_t()> now_ms;         // monotonic; nullptr: the steady clock
  std::function<void(const AccessRecord&)> access_log;  // nullptr: none
};

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  explicit HttpServer(HttpServerConfig config);
  ~HttpServer();  // stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void route(std::string method, std::string pattern, Handler handler);
  // Binds and starts the server's thread. False with `error` ("127.0.0.1:8080: Address already
  // in use") when it cannot listen.
  [[nodiscard]] bool start(std::string& error);
  // The bound port (the chosen one when config.port was 0).
  [[nodiscard]] std::uint16_t port() const noexcept;
  // Closes the listener and every connection, and joins the thread. Idempotent.
  void stop();

 private:
  struct Impl;
  friend class Session;  // one connection (http_server.cpp)
  std::unique_ptr<Impl> impl_;
};

}  // namespace scalper::control
