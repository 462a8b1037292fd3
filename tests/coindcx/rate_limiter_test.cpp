// RateLimiter: sliding windows of one second and one minute (never more than the limit in
// any window), and a 429 with and without Retry-After. The clock is the test's.
#include <gtest/gtest.h>

#include <deque>

#include "scalper/feed/rate_limiter.hpp"

namespace scalper::feed {
namespace {

int acquire_all(RateLimiter& r, std::int64_t now) {
  int n = 0;
  while (r.try_acquire(now)) ++n;
  return n;
}

TEST(RateLimiter, AllowsTheBurstThenWaitsForTheWindowToPass) {
  RateLimits limits;
  limits.margin_ms = 0;
  RateLimiter r(limits);
  EXPECT_EQ(acquire_all(r, 0), 16);
  EXPECT_EQ(r.next_available_ms(0), 1'001);
  EXPECT_FALSE(r.try_acquire(1'000)) << "a server counting both ends would see 17";
  EXPECT_EQ(acquire_all(r, 1'001), 16);
}

TEST(RateLimiter, TheMarginWidensEveryWindow) {
  RateLimiter r(RateLimits{});  // 100 ms by default
  EXPECT_EQ(acquire_all(r, 0), 16);
  EXPECT_EQ(r.next_available_ms(0), 1'101);
  EXPECT_FALSE(r.try_acquire(1'100));
  EXPECT_TRUE(r.try_acquire(1'101));
}

TEST(RateLimiter, NeverExceedsTheLimitInAnySlidingSecondOrMinute) {
  RateLimits limits;
  limits.per_second = 16;
  limits.per_minute = 100;
  limits.margin_ms = 0;
  RateLimiter r(limits);
  std::deque<std::int64_t> sent;
  for (std::int64_t t = 0; t < 130'000; t += 7) {  // a client that always wants to send
    while (r.try_acquire(t)) sent.push_back(t);
  }
  ASSERT_GE(sent.size(), 200u);
  for (std::size_t i = 0; i < sent.size(); ++i) {
    std::size_t in_second = 0;
    std::size_t in_minute = 0;
    for (std::size_t j = i; j < sent.size() && sent[j] <= sent[i] + 1'000; ++j) ++in_second;
    for (std::size_t j = i; j < sent.size() && sent[j] <= sent[i] + 60'000; ++j) ++in_minute;
    ASSERT_LE(in_second, 16u) << "at " << sent[i];
    ASSERT_LE(in_minute, 100u) << "at " << sent[i];
  }
  // And it does use what it is allowed: 100 per minute over the two minutes and a bit.
  EXPECT_EQ(sent.size(), 300u);
}

TEST(RateLimiter, RetryAfterBlocksEveryRequestUntilItPasses) {
  RateLimiter r(RateLimits{});
  ASSERT_TRUE(r.try_acquire(0));
  r.on_rejected_for_rate(100, 2'000);
  EXPECT_EQ(r.paused_until_ms(), 2'100);
  EXPECT_EQ(r.next_available_ms(150), 2'100);
  EXPECT_FALSE(r.try_acquire(2'099));
  EXPECT_TRUE(r.try_acquire(2'100));
}

TEST(RateLimiter, A429WithoutRetryAfterBacksOffDoublingAndResetsOnSuccess) {
  RateLimits limits;
  limits.backoff_429_initial_ms = 100;
  limits.backoff_429_max_ms = 350;
  RateLimiter r(limits);
  r.on_rejected_for_rate(0, -1);
  EXPECT_EQ(r.paused_until_ms(), 100);
  r.on_rejected_for_rate(1'000, -1);
  EXPECT_EQ(r.paused_until_ms(), 1'200);
  r.on_rejected_for_rate(2'000, -1);
  EXPECT_EQ(r.paused_until_ms(), 2'350) << "capped";
  r.on_accepted();
  r.on_rejected_for_rate(3'000, -1);
  EXPECT_EQ(r.paused_until_ms(), 3'100) << "back to the initial pause";
}

TEST(RetryAfter, ReadsDelaySecondsOnly) {
  EXPECT_EQ(retry_after_ms("2"), 2'000);
  EXPECT_EQ(retry_after_ms(" 30 "), 30'000);
  EXPECT_EQ(retry_after_ms("0"), 0);
  EXPECT_EQ(retry_after_ms(""), -1);
  EXPECT_EQ(retry_after_ms("-1"), -1);
  EXPECT_EQ(retry_after_ms("-0"), -1) << "delay-seconds has no sign";
  EXPECT_EQ(retry_after_ms("+5"), -1);
  EXPECT_EQ(retry_after_ms("1.5"), -1);
  EXPECT_EQ(retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT"), -1);
  EXPECT_EQ(retry_after_ms("9999999999"), -1);
}

}  // namespace
}  // namespace scalper::feed
