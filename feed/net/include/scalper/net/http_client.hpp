// http_client.hpp — one pre-connected HTTP/1.1 keep-alive connection for order entry, on the
// EventLoop, over plain TCP or TLS (a Stream).
//
//   HttpClient c(loop, config, listener);
//   c.start(now);                              // connects at once; on_http_ready() when open
//   RequestWriter w(c.request_buffer());       // the gateway writes and signs in place
//   c.send(w.finish_body(...).message, tag, timeout_ms, now);
//   listener.on_http_response(tag, parser)     // status, headers, body (views for the call)
//   listener.on_http_failure(tag, why, text)   // no response: the outcome is UNKNOWN
//
// One request at a time (no pipelining: a late or lost answer would make every later one
// ambiguous). A failure never means "the server did not act": a timeout, a connection lost
// while waiting or an unparseable answer may follow an order that is live. The layer above
// resolves it (futures orders carry no client id: by listing open orders). HTTP error statuses
// (4xx, 5xx, 429) are responses, not failures: the caller reads them.
//
// The connection is kept open and re-opened at once when it ends after having worked (the
// server's idle timeout, "Connection: close", a timed-out request whose connection cannot be
// reused), so that the next order finds it ready; repeated failures to connect back off
// (capped, jittered). on_http_ready() runs after every (re)connect.
//
// Cost per request: the request is copied once from request_buffer() into the stream's send
// buffer (a few hundred bytes; it keeps the gateway's sign-in-place layout independent of the
// transport's ring), the response is parsed in place in the receive buffer. No allocation per
// request (tested). Responses delimited by the peer closing (no Content-Length, not chunked)
// are not read: they count as a lost connection; exchanges' APIs do not send them.
//
// One thread: the loop's. The owner calls tick(now_ms) by next_deadline_ms().
#pragma once

#include <netinet/in.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <scalper/net/event_loop.hpp>
#include <scalper/net/http.hpp>
#include <scalper/net/reconnect.hpp>
#include <scalper/net/stream.hpp>
#include <scalper/net/tls.hpp>

namespace scalper::net {

enum class HttpFailure : std::uint8_t {
  Timeout,         // no complete response within the request's timeout
  ConnectionLost,  // the connection ended before the response was complete
  BadResponse,     // the response broke HTTP/1.1 (or our limits)
};

[[nodiscard]] std::string_view to_string(HttpFailure f) noexcept;

class HttpClientListener {
 public:
  // Connected (first time or again) and idle: a request may be sent.
  virtual void on_http_ready() = 0;
  // The response to request `tag`. Views are valid during the call only.
  virtual void on_http_response(std::uint64_t tag, const ResponseParser& response) = 0;
  // Request `tag` got no usable response; whether the server acted on it is unknown.
  virtual void on_http_failure(std::uint64_t tag, HttpFailure failure, std::string_view why) = 0;
  // The connection ended (a reconnect follows). For the log.
  virtual void on_http_disconnected(std::string_view /*why*/) {}

 protected:
  HttpClientListener() = default;
  HttpClientListener(const HttpClientListener&) = default;
  HttpClientListener& operator=(const HttpClientListener&) = default;
  virtual ~HttpClientListener() = default;
};

struct HttpClientConfig {
  sockaddr_in address{};      // IPv4 for now (the exchange's resolved address)
  TlsContext* tls = nullptr;  // https when set (must outlive the client)
  std::string tls_host;       // the name the certificate must match (and SNI)
  std::size_t request_bytes = std::size_t{16} * 1024;    // request_buffer() size
  std::size_t response_bytes = std::size_t{256} * 1024;  // the largest response, whole
  HttpLimits limits;                                     // header count and size, body size
  std::int64_t connect_timeout_ms = 5'000;               // TCP connect + TLS handshake
  std::int64_t backoff_initial_ms = 50;                  // after a failed connect
  std::int64_t backoff_max_ms = 5'000;
  std::uint64_t seed = 1;                // back-off jitter
  std::int64_t (*clock_ms)() = nullptr;  // monotonic ms; nullptr: steady_clock
};

enum class HttpClientState : std::uint8_t {
  Idle,        // not started, or stopped
  Connecting,  // TCP connect and TLS handshake
  Ready,       // open, no request in flight
  Busy,        // a request is in flight
  Backoff,     // disconnected, waiting to reconnect
};

class HttpClient final : private StreamListener {
 public:
  HttpClient(EventLoop& loop, HttpClientConfig config, HttpClientListener& listener);
  ~HttpClient() override = default;
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  void start(std::int64_t now_ms);
  // Closes without reconnecting; a request in flight fails with ConnectionLost. Destroy the
  // client only once quiescent().
  void stop();
  [[nodiscard]] bool quiescent() const noexcept { return stream_.quiescent(); }
  // Request timeouts, connect timeout, reconnect time.
  void tick(std::int64_t now_ms);
  [[nodiscard]] std::int64_t next_deadline_ms() const noexcept;

  // Where the next request is written (RequestWriter over it); reusable after send().
  [[nodiscard]] std::span<char> request_buffer() noexcept { return request_; }
  // Sends a whole request (usually a subspan of request_buffer()). False, with nothing sent,
  // unless ready() and the request fits the send buffer. Its answer, or its failure, is
  // reported with `tag`; no answer within timeout_ms is a Timeout.
  bool send(std::span<const char> request, std::uint64_t tag, std::int64_t timeout_ms,
            std::int64_t now_ms);

  [[nodiscard]] bool ready() const noexcept { return state_ == HttpClientState::Ready; }
  [[nodiscard]] HttpClientState state() const noexcept { return state_; }
  [[nodiscard]] std::uint32_t connects() const noexcept { return connects_; }
  [[nodiscard]] std::string_view last_error() const noexcept { return last_error_; }
  [[nodiscard]] const Stream& stream() const noexcept { return stream_; }

 private:
  void on_stream_open() override;
  std::size_t on_stream_data(std::span<std::uint8_t> data) override;
  void on_stream_closed(std::string_view why) override;

  void connect_now(std::int64_t now_ms);
  void end_connection(std::string_view why);
  void fail_request(HttpFailure failure, std::string_view why);
  [[nodiscard]] std::int64_t now() const;

  HttpClientConfig config_;
  HttpClientListener& listener_;
  Stream stream_;
  ResponseParser parser_;
  Backoff backoff_;
  std::vector<char> request_;
  HttpClientState state_ = HttpClientState::Idle;
  bool stopping_ = false;
  bool was_open_ = false;                 // the current connection reached Ready
  std::uint64_t tag_ = 0;                 // of the request in flight (Busy)
  std::int64_t deadline_ms_ = INT64_MAX;  // connect, request or reconnect deadline
  std::uint32_t connects_ = 0;
  std::string last_error_;
};

}  // namespace scalper::net
