#include "scalper/feed/rate_limiter.hpp"

#include <algorithm>
#include <charconv>

namespace scalper::feed {

// A ring of `limit` send times, all "long ago" at first: a full burst may go at once.
RateLimiter::Window::Window(std::uint32_t limit, std::int64_t length)
    : sent_ms(std::max<std::uint32_t>(limit, 1), INT64_MIN / 2), length_ms(length) {}

// One ms past a window (and the margin) after the oldest of the last `limit` sends: a server
// that counts the window's both ends inclusively still sees at most `limit`.
std::int64_t RateLimiter::Window::free_at_ms() const noexcept {
  return sent_ms[next] + length_ms + 1;
}

void RateLimiter::Window::record(std::int64_t now_ms) noexcept {
  sent_ms[next] = now_ms;
  next = (next + 1) % sent_ms.size();
}

RateLimiter::RateLimiter(const RateLimits& limits)
    : limits_(limits),
      second_(limits.per_second, 1'000 + limits.margin_ms),
      minute_(limits.per_minute, 60'000 + limits.margin_ms) {}

bool RateLimiter::try_acquire(std::int64_t now_ms) noexcept {
  if (next_available_ms(now_ms) > now_ms) return false;
  second_.record(now_ms);
  minute_.record(now_ms);
  return true;
}

std::int64_t RateLimiter::next_available_ms(std::int64_t now_ms) noexcept {
  return std::max({now_ms, second_.free_at_ms(), minute_.free_at_ms(), paused_until_ms_});
}

void RateLimiter::on_rejected_for_rate(std::int64_t now_ms, std::int64_t retry_after) noexcept {
  ++consecutive_429_;
  std::int64_t pause = retry_after;
  if (pause < 0) {
    pause = limits_.backoff_429_initial_ms;
    for (std::uint32_t i = 1; i < consecutive_429_ && pause < limits_.backoff_429_max_ms; ++i) {
      pause *= 2;
    }
    pause = std::min(pause, limits_.backoff_429_max_ms);
  }
  paused_until_ms_ = std::max(paused_until_ms_, now_ms + pause);
}

std::int64_t retry_after_ms(std::string_view v) noexcept {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  if (v.empty() || v.size() > 9) return -1;
  // delay-seconds is 1*DIGIT: from_chars alone would take "-0" (found by fuzz_coindcx_retry_after).
  if (v.front() < '0' || v.front() > '9') return -1;
  std::int64_t seconds = 0;
  const auto r = std::from_chars(v.data(), v.data() + v.size(), seconds);
  if (r.ec != std::errc{} || r.ptr != v.data() + v.size() || seconds < 0) return -1;
  return seconds * 1'000;
}

}  // namespace scalper::feed
