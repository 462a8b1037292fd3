// rate_limiter.hpp — the client side of an exchange's request limits: sliding windows that keep
// us under the limit before the exchange has to say so, and that honour it when it does (HTTP
// 429 with or without Retry-After).
//
// CoinDCX documents "16/sec, 960/min" per key (docs/architecture.md §7.7) without saying how it
// counts. A sliding window is the strictest reading: never more than 16 requests in ANY
// second, nor 960 in any minute. A token bucket would not do: refilling at 16/s, it lets 16
// go at once and 16 more within the same second, which a sliding-window server refuses (the
// tests caught exactly that against the simulator). Each window keeps the send times of its
// last N requests in a ring; a request may go when the N-th most recent is a window old.
// A 429 blocks every request until Retry-After has passed (or, without the header, for a
// back-off that doubles with each consecutive 429, capped), because the exchange's view of
// our rate is the one that counts.
//
// Pure: the caller passes the monotonic time in ms. The rings are allocated at construction;
// nothing allocates after. One thread.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace scalper::feed {

struct RateLimits {
  std::uint32_t per_second = 16;
  std::uint32_t per_minute = 960;
  // Added to each window: the exchange counts when it reads a request, and a burst it reads
  // over tens of milliseconds spreads later in its window than in ours. Without a margin the
  // request that opens our next window can land in its current one (seen against the
  // simulator under load: one 429 in forty).
  std::int64_t margin_ms = 100;
  std::int64_t backoff_429_initial_ms = 1'000;  // a 429 without Retry-After
  std::int64_t backoff_429_max_ms = 60'000;
};

class RateLimiter {
 public:
  explicit RateLimiter(const RateLimits& limits);  // allocates the windows

  // Records a request now if both windows have room and no 429 pause is running.
  [[nodiscard]] bool try_acquire(std::int64_t now_ms) noexcept;
  // When try_acquire can next succeed (now_ms if it can now).
  [[nodiscard]] std::int64_t next_available_ms(std::int64_t now_ms) noexcept;

  // The exchange answered 429. retry_after_ms < 0: the response had no usable Retry-After.
  void on_rejected_for_rate(std::int64_t now_ms, std::int64_t retry_after_ms) noexcept;
  // Any answer other than 429: the consecutive-429 back-off starts over.
  void on_accepted() noexcept { consecutive_429_ = 0; }

  [[nodiscard]] std::int64_t paused_until_ms() const noexcept { return paused_until_ms_; }

 private:
  // The send times of the last `limit` requests, oldest at `next` once the ring is full.
  struct Window {
    Window(std::uint32_t limit, std::int64_t length_ms);  // length includes the margin
    [[nodiscard]] std::int64_t free_at_ms() const noexcept;  // when one more may go
    void record(std::int64_t now_ms) noexcept;

    std::vector<std::int64_t> sent_ms;
    std::size_t next = 0;
    std::int64_t length_ms;
  };

  RateLimits limits_;
  Window second_;
  Window minute_;
  std::int64_t paused_until_ms_ = 0;
  std::uint32_t consecutive_429_ = 0;
};

// Retry-After as delay-seconds (RFC 9110 §10.2.3) in ms; -1 when absent or not a plain number
// (an HTTP-date is not worth a clock dependency here: the caller's back-off applies).
[[nodiscard]] std::int64_t retry_after_ms(std::string_view header_value) noexcept;

}  // namespace scalper::feed
