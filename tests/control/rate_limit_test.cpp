// The per-client token bucket (control/http rate_limit.hpp) on a stepped clock.
#include <gtest/gtest.h>

#include <string>

#include "scalper/control/rate_limit.hpp"

namespace scalper::control {
namespace {

TEST(RateLimiter, ABurstThenRefusalWithWhenToComeBackThenRefill) {
  RateLimiter r({/*per_second=*/2, /*burst=*/3, /*max_clients=*/16});
  std::uint32_t retry = 0;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(r.admit("10.0.0.1", 1'000, retry)) << i;
  EXPECT_FALSE(r.admit("10.0.0.1", 1'000, retry));
  EXPECT_EQ(retry, 1u);
  EXPECT_TRUE(r.admit("10.0.0.2", 1'000, retry)) << "another client has its own bucket";
  EXPECT_FALSE(r.admit("10.0.0.1", 1'499, retry)) << "half a token is not a token";
  EXPECT_TRUE(r.admit("10.0.0.1", 1'500, retry)) << "2/s: one token back after 500 ms";
  EXPECT_FALSE(r.admit("10.0.0.1", 1'500, retry));
  EXPECT_TRUE(r.admit("10.0.0.1", 60'000, retry));
  for (int i = 0; i < 2; ++i) EXPECT_TRUE(r.admit("10.0.0.1", 60'000, retry)) << "refilled to 3";
  EXPECT_FALSE(r.admit("10.0.0.1", 60'000, retry));
}

TEST(RateLimiter, ASlowRateSaysSecondsToWait) {
  RateLimiter r({/*per_second=*/0, /*burst=*/1, /*max_clients=*/16});
  std::uint32_t retry = 0;
  EXPECT_TRUE(r.admit("a", 0, retry));
  EXPECT_FALSE(r.admit("a", 0, retry));
  EXPECT_GE(retry, 1u);
}

TEST(RateLimiter, TheTableStaysBoundedForgettingTheIdlest) {
  RateLimiter r({/*per_second=*/1, /*burst=*/1, /*max_clients=*/4});
  std::uint32_t retry = 0;
  for (int i = 0; i < 100; ++i) {
    EXPECT_TRUE(r.admit("client-" + std::to_string(i), i, retry));
    EXPECT_LE(r.clients(), 4u);
  }
  EXPECT_FALSE(r.admit("client-99", 99, retry)) << "the newest is still remembered";
}

}  // namespace
}  // namespace scalper::control
