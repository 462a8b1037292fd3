// reconnect.hpp — the feed's "never silently dies" pieces: a liveness bound on a connection
// and the back-off between reconnection attempts. Pure; the clock and the randomness are
// passed in, so tests replay exact schedules.
#pragma once

#include <cstdint>

namespace scalper::net {

// No frame (data or heartbeat) within `bound_ms` of the last one means the peer is gone,
// whatever TCP believes: a half-open connection looks healthy to the kernel for minutes.
class Liveness {
 public:
  Liveness(std::int64_t bound_ms, std::int64_t now_ms) noexcept
      : bound_ms_(bound_ms), last_rx_ms_(now_ms) {}

  void on_receive(std::int64_t now_ms) noexcept { last_rx_ms_ = now_ms; }
  void set_bound(std::int64_t bound_ms) noexcept { bound_ms_ = bound_ms; }
  [[nodiscard]] bool dead(std::int64_t now_ms) const noexcept {
    return now_ms - last_rx_ms_ >= bound_ms_;
  }
  [[nodiscard]] std::int64_t deadline_ms() const noexcept { return last_rx_ms_ + bound_ms_; }

 private:
  std::int64_t bound_ms_;
  std::int64_t last_rx_ms_;
};

// Capped exponential back-off with jitter. Attempt n (0-based) waits a delay drawn uniformly
// from [cap_n / 2, cap_n], cap_n = min(max_ms, initial_ms × 2^n): never zero (no reconnect
// storm against an exchange that just dropped everyone), never above max_ms, and spread so
// that many clients dropped together do not return together. reset() after a connection has
// proved itself (the caller decides when: e.g. namespace connected and a heartbeat seen).
class Backoff {
 public:
  Backoff(std::int64_t initial_ms, std::int64_t max_ms, std::uint64_t seed) noexcept;

  // The delay before the next attempt; counts the attempt.
  [[nodiscard]] std::int64_t next_delay_ms() noexcept;
  void reset() noexcept { attempts_ = 0; }
  [[nodiscard]] std::uint32_t attempts() const noexcept { return attempts_; }

 private:
  std::uint64_t next_random() noexcept;

  std::int64_t initial_ms_;
  std::int64_t max_ms_;
  std::uint64_t rng_;
  std::uint32_t attempts_ = 0;
};

}  // namespace scalper::net
