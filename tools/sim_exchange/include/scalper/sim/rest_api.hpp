// rest_api.hpp — the CoinDCX Futures REST surface over an Exchange, transport-free.
//
// Request in (method, target, the two auth headers, body bytes), reply out (status, JSON),
// plus the stream events the call caused. Private calls are checked the way the exchange
// does (docs/architecture.md §7.2): API key known, rate limit, HMAC-SHA256 of the exact body
// bytes, `timestamp` present and fresh; then the body is validated field by field, each
// failure a 400 naming the field. Paths, bodies and reply shapes follow §7.3 and the examples
// in tests/data/coindcx/.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <scalper/sim/auth.hpp>
#include <scalper/sim/market.hpp>

namespace scalper::sim {

struct HttpRequest {
  std::string method;     // "GET", "POST", ...
  std::string target;     // path and query, as sent
  std::string api_key;    // X-AUTH-APIKEY
  std::string signature;  // X-AUTH-SIGNATURE
  std::string body;
};

struct HttpReply {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // The call took effect but must never be answered (fault "hang_next_create": the REST
  // timeout with the order live that clients have to resolve by listing).
  bool hang = false;
  // Set by a successful create: the pair, for the wire-to-wire latency bookkeeping.
  std::string created_pair;
};

struct ApiConfig {
  std::string api_key = "sim-key";
  std::string api_secret = "sim-secret";
  std::size_t rate_per_second = 16;
  std::size_t rate_per_minute = 960;
  std::int64_t max_timestamp_age_ms = 10'000;  // create-order's documented 10 s
  std::int64_t max_timestamp_skew_ms = 5'000;  // how far ahead of our clock we accept
};

// Faults the REST side injects on demand; each counter is consumed one call at a time.
struct RestFaults {
  int fail_5xx = 0;           // the next N private calls answer 503 and do nothing
  int fail_429 = 0;           // the next N private calls answer 429 and do nothing
  int hang_creates = 0;       // the next N creates take effect but are never answered
  std::int64_t delay_ms = 0;  // every reply is held this long (applied by the server)
};

[[nodiscard]] HttpReply error_reply(int status, std::string_view message);

class CoinDcxApi {
 public:
  CoinDcxApi(Exchange& exchange, ApiConfig config);

  [[nodiscard]] HttpReply handle(const HttpRequest& req, std::int64_t now_ms,
                                 Exchange::Events& out);

  RestFaults& faults() noexcept { return faults_; }
  [[nodiscard]] const RestFaults& faults() const noexcept { return faults_; }
  [[nodiscard]] const ApiConfig& config() const noexcept { return config_; }
  // Authenticated private calls answered so far, by path under the futures prefix
  // ("/orders/cancel"): what a test reads to see which requests a client chose to make.
  [[nodiscard]] const std::map<std::string, std::uint64_t, std::less<>>& calls() const noexcept {
    return calls_;
  }
  void reset() {
    faults_ = RestFaults{};
    rate_.reset();
    calls_.clear();
  }

 private:
  HttpReply handle_private(std::string_view path, const HttpRequest& req, std::int64_t now_ms,
                           Exchange::Events& out);
  HttpReply handle_public(std::string_view path, std::string_view query) const;

  Exchange& exchange_;
  ApiConfig config_;
  RateLimit rate_;
  RestFaults faults_;
  std::map<std::string, std::uint64_t, std::less<>> calls_;
};

// Query string helpers (also used by the control API).
[[nodiscard]] std::string url_decode(std::string_view s);
// Value of the first `key` (or `key[]`) parameter in a query string; "" when absent.
[[nodiscard]] std::string query_param(std::string_view query, std::string_view key);

}  // namespace scalper::sim
