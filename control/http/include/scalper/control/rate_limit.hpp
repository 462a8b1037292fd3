// rate_limit.hpp — per-client token buckets for scalper-control's API.
//
// Each client address has a bucket of `burst` requests that refills at `per_second`; a request
// takes one token or is refused with the seconds until one is back (the Retry-After of a 429).
// The clock is the caller's (milliseconds, monotonic), so tests step it instead of sleeping.
// The table is bounded: past `max_clients` addresses, the one idle longest is forgotten (a full
// bucket again, which is what an idle client would have by now anyway, or close to it).
//
// Threading: one thread (the server's). Allocation: when a new address is seen.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace scalper::control {

struct RateLimitConfig {
  std::uint32_t per_second = 50;  // sustained requests per client
  std::uint32_t burst = 100;      // requests a client may make at once
  std::size_t max_clients = 4096;
};

class RateLimiter {
 public:
  explicit RateLimiter(RateLimitConfig config) : config_(config) {}

  // True: admitted. False: refused, and `retry_after_s` (at least 1) says when to come back.
  [[nodiscard]] bool admit(std::string_view client, std::int64_t now_ms,
                           std::uint32_t& retry_after_s);
  [[nodiscard]] std::size_t clients() const noexcept { return buckets_.size(); }

 private:
  struct Bucket {
    // Tokens in thousandths: integer arithmetic, no rounding drift.
    std::int64_t milli_tokens = 0;
    std::int64_t updated_ms = 0;
  };
  void forget_the_idlest();

  RateLimitConfig config_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace scalper::control
