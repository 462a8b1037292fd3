#include <scalper/net/http_client.hpp>

#include <arpa/inet.h>

#include <cstring>

#include "scalper/timing/clock.hpp"

namespace scalper::net {
std::string_view to_string(HttpFailure f) noexcept {
  switch (f) {
    case HttpFailure::Timeout: return "timeout";
    case HttpFailure::ConnectionLost: return "connection lost";
    case HttpFailure::BadResponse: return "bad response";
  }
  return "?";
}

HttpClient::HttpClient(EventLoop& loop, HttpClientConfig config, HttpClientListener& listener)
    : config_(std::move(config)),
      listener_(listener),
      // The send buffer holds one request (no pipelining); the receive buffer one response.
      stream_(loop, *this, config_.tls,
              StreamBuffers{config_.response_bytes, config_.request_bytes}),
      parser_(config_.limits),
      backoff_(config_.backoff_initial_ms, config_.backoff_max_ms, config_.seed),
      request_(config_.request_bytes) {}

std::int64_t HttpClient::now() const {
  return config_.clock_ms != nullptr ? config_.clock_ms() : timing::mono_ms();
}

void HttpClient::start(std::int64_t now_ms) {
  stopping_ = false;
  connect_now(now_ms);
}

void HttpClient::stop() {
  stopping_ = true;
  end_connection("stopped");
  state_ = HttpClientState::Idle;
  deadline_ms_ = INT64_MAX;
}

void HttpClient::connect_now(std::int64_t now_ms) {
  was_open_ = false;
  state_ = HttpClientState::Connecting;
  deadline_ms_ = now_ms + config_.connect_timeout_ms;
  if (const int rc =
          stream_.open(config_.address, config_.tls_host, ntohs(config_.address.sin_port));
      rc < 0) {
    on_stream_closed("socket: " + std::string(std::strerror(-rc)));
  }
}

// Closes the stream; on_stream_closed() fails a request in flight and schedules the reconnect.
void HttpClient::end_connection(std::string_view why) { stream_.close(why); }

void HttpClient::tick(std::int64_t now_ms) {
  if (now_ms < deadline_ms_) return;
  switch (state_) {
    case HttpClientState::Idle:
    case HttpClientState::Ready: return;
    case HttpClientState::Connecting: return end_connection("connect timed out");
    case HttpClientState::Busy:
      // The answer may still come, but this connection can no longer tell whose it is.
      fail_request(HttpFailure::Timeout, "no response within the request's timeout");
      return end_connection("request timed out");
    case HttpClientState::Backoff:
      if (stream_.quiescent()) connect_now(now_ms);
      return;
  }
}

std::int64_t HttpClient::next_deadline_ms() const noexcept {
  return state_ == HttpClientState::Idle || state_ == HttpClientState::Ready ? INT64_MAX
                                                                             : deadline_ms_;
}

bool HttpClient::send(std::span<const char> request, std::uint64_t tag, std::int64_t timeout_ms,
                      std::int64_t now_ms) {
  if (state_ != HttpClientState::Ready) return false;
  if (!stream_.write({reinterpret_cast<const std::uint8_t*>(request.data()), request.size()})) {
    return false;
  }
  parser_.reset();
  tag_ = tag;
  state_ = HttpClientState::Busy;
  deadline_ms_ = now_ms + timeout_ms;
  return true;
}

void HttpClient::fail_request(HttpFailure failure, std::string_view why) {
  if (state_ != HttpClientState::Busy) return;
  state_ = HttpClientState::Connecting;  // no longer Busy: the stream is about to close
  listener_.on_http_failure(tag_, failure, why);
}

// ---- the stream's events --------------------------------------------------------------------

void HttpClient::on_stream_open() {
  ++connects_;
  was_open_ = true;
  backoff_.reset();  // this connection proved itself
  state_ = HttpClientState::Ready;
  deadline_ms_ = INT64_MAX;
  listener_.on_http_ready();
}

std::size_t HttpClient::on_stream_data(std::span<std::uint8_t> data) {
  if (state_ != HttpClientState::Busy) {
    // Bytes nobody asked for: the stream is out of step (or the server is not HTTP).
    end_connection("unsolicited bytes from the server");
    return 0;
  }
  const HttpParseResult r = parser_.parse({reinterpret_cast<char*>(data.data()), data.size()});
  if (r.need_more()) return 0;  // the parser keeps its place; the bytes stay where they are
  if (r.failed()) {
    const std::string why = "response: " + std::string(to_string(r.error));
    fail_request(HttpFailure::BadResponse, why);
    end_connection(why);
    return 0;
  }
  // A connection about to close takes no new request, even from inside the callback.
  const bool keep = parser_.keep_alive();
  state_ = keep ? HttpClientState::Ready : HttpClientState::Connecting;
  deadline_ms_ = INT64_MAX;
  listener_.on_http_response(tag_, parser_);
  if (!keep) {
    end_connection("the server closes the connection after its response");
    return 0;
  }
  return r.consumed;
}

void HttpClient::on_stream_closed(std::string_view why) {
  last_error_ = std::string(why);
  fail_request(HttpFailure::ConnectionLost, why);
  if (stopping_) {
    state_ = HttpClientState::Idle;
    deadline_ms_ = INT64_MAX;
  } else {
    // A connection that worked is replaced at once, so that the next order finds one ready;
    // failures to connect back off.
    state_ = HttpClientState::Backoff;
    deadline_ms_ = was_open_ ? now() : now() + backoff_.next_delay_ms();
  }
  was_open_ = false;
  listener_.on_http_disconnected(why);
}

}  // namespace scalper::net
