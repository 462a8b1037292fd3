// auth.hpp — CoinDCX request signing and the per-key rate limit, as the simulator checks them.
//
// Signature (docs/architecture.md §7.2): lowercase hex HMAC-SHA256, keyed with the API secret,
// over the exact body bytes. The stream's private join signs the compact JSON
// {"channel":"coindcx"}.
// Rate limit (§7.7, an assumption the docs suggest): 16 requests per second and 960 per minute
// per key, as sliding windows (no burst at a window edge), with the clock passed in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace scalper::sim {

// Lowercase hex HMAC-SHA256(secret, message).
[[nodiscard]] std::string hmac_sha256_hex(std::string_view secret, std::string_view message);

// Compares a presented signature with the expected one in time independent of where they
// differ, so a client cannot learn a valid signature byte by byte from response times.
[[nodiscard]] bool signature_matches(std::string_view expected_hex,
                                     std::string_view presented_hex) noexcept;

// The private channel's join signature for a secret.
[[nodiscard]] std::string join_signature(std::string_view secret);

// Sliding-window limiter: allows at most `limit` events in any window of `window_ms`.
// Keeps the last `limit` admission times in a ring; admission is O(1).
class SlidingWindowLimiter {
 public:
  SlidingWindowLimiter(std::size_t limit, std::int64_t window_ms);

  // Admits (and records) an event at now_ms, or refuses it without recording.
  [[nodiscard]] bool admit(std::int64_t now_ms);
  // When the next event would be admitted (now_ms if already admissible).
  [[nodiscard]] std::int64_t next_admission_ms(std::int64_t now_ms) const noexcept;
  void reset() noexcept;

 private:
  std::vector<std::int64_t> times_;  // ring of the last `limit` admissions
  std::size_t head_ = 0;             // oldest entry once full
  std::size_t count_ = 0;
  std::int64_t window_ms_;
};

// Both CoinDCX windows for one key. A refused request counts against neither.
class RateLimit {
 public:
  RateLimit(std::size_t per_second, std::size_t per_minute)
      : second_(per_second, 1000), minute_(per_minute, 60'000) {}

  [[nodiscard]] bool admit(std::int64_t now_ms) {
    if (second_.next_admission_ms(now_ms) > now_ms) return false;
    if (minute_.next_admission_ms(now_ms) > now_ms) return false;
    (void)second_.admit(now_ms);
    (void)minute_.admit(now_ms);
    return true;
  }
  // Whole seconds until the request would pass, for the Retry-After header (at least 1).
  [[nodiscard]] std::int64_t retry_after_s(std::int64_t now_ms) const noexcept;
  void reset() noexcept {
    second_.reset();
    minute_.reset();
  }

 private:
  SlidingWindowLimiter second_;
  SlidingWindowLimiter minute_;
};

}  // namespace scalper::sim
