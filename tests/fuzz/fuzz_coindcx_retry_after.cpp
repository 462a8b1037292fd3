// fuzz_coindcx_retry_after.cpp — libFuzzer target for the one header the order gateway reads
// itself: Retry-After (feed/coindcx rate_limiter.hpp), and what the limiter does with it.
//
// Input: the header value's bytes. retry_after_ms must answer -1 or a whole number of seconds
// in ms, never negative otherwise, and agree with a slow reference (digits only, optional
// surrounding spaces and tabs, at most 9 digits). The limiter it feeds must then pause for
// exactly that long (or its back-off without a value), and never report a time before now.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "scalper/feed/rate_limiter.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

std::int64_t reference(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  if (v.empty() || v.size() > 9) return -1;
  std::int64_t seconds = 0;
  for (const char c : v) {
    if (c < '0' || c > '9') return -1;
    seconds = seconds * 10 + (c - '0');
  }
  return seconds * 1'000;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view value(reinterpret_cast<const char*>(data), size);
  const std::int64_t ms = scalper::feed::retry_after_ms(value);
  check(ms == reference(value));
  check(ms == -1 || (ms >= 0 && ms % 1'000 == 0));

  scalper::feed::RateLimits limits;
  scalper::feed::RateLimiter limiter(limits);
  constexpr std::int64_t now = 1'000'000;
  limiter.on_rejected_for_rate(now, ms);
  const std::int64_t expected = ms >= 0 ? now + ms : now + limits.backoff_429_initial_ms;
  check(limiter.paused_until_ms() == expected);
  check(limiter.next_available_ms(now) >= now);
  check(!limiter.try_acquire(expected - 1) || ms == 0);
  return 0;
}
