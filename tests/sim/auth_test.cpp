// Signing and rate limiting as the simulator enforces them.
#include <gtest/gtest.h>

#include <scalper/sim/auth.hpp>

namespace scalper::sim {
namespace {

// The signing vectors of docs/architecture.md §7.2 (HMAC computed independently, dummy secret).
TEST(Signature, MatchesTheComputedJoinVector) {
  EXPECT_EQ(join_signature("YYYY"),
            "c8f94ab0ff0372da5b20dfa616c8a1abd06341fa2c0ea19559decc4c8485b989");
}

TEST(Signature, MatchesTheComputedRestBodyVector) {
  EXPECT_EQ(
      hmac_sha256_hex("YYYY",
                      R"({"timestamp":1705647376759,"id":"c87ca633-6218-44ea-900b-e86981358cbd"})"),
      "1928512fa37f4053e5322e84c1a568b609484a517b3a7136bc92fa26be573717");
}

TEST(Signature, ComparesWholeStringsOnly) {
  const std::string good = hmac_sha256_hex("s", "body");
  EXPECT_TRUE(signature_matches(good, good));
  EXPECT_FALSE(signature_matches(good, good.substr(0, 63)));
  std::string flipped = good;
  flipped[10] = flipped[10] == 'a' ? 'b' : 'a';
  EXPECT_FALSE(signature_matches(good, flipped));
  EXPECT_FALSE(signature_matches("", ""));
  // Upper-case hex is a different string: the exchange documents lower case.
  std::string upper = good;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_FALSE(signature_matches(good, upper));
}

TEST(SlidingWindowLimiter, AdmitsTheLimitThenRefusesUntilTheOldestLeaves) {
  SlidingWindowLimiter lim(3, 1000);
  EXPECT_TRUE(lim.admit(0));
  EXPECT_TRUE(lim.admit(100));
  EXPECT_TRUE(lim.admit(200));
  EXPECT_FALSE(lim.admit(999));
  EXPECT_EQ(lim.next_admission_ms(999), 1000);
  EXPECT_TRUE(lim.admit(1000));   // the one at 0 left the window
  EXPECT_FALSE(lim.admit(1099));  // 100, 200, 1000 are inside
  EXPECT_TRUE(lim.admit(1100));
}

TEST(SlidingWindowLimiter, NoBurstAtAWindowEdge) {
  // A fixed window would allow 3 at 999 and 3 more at 1000; a sliding one does not.
  SlidingWindowLimiter lim(3, 1000);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(lim.admit(999));
  EXPECT_FALSE(lim.admit(1000));
  EXPECT_FALSE(lim.admit(1998));
  EXPECT_TRUE(lim.admit(1999));
}

TEST(RateLimit, SixteenPerSecondAndNineHundredSixtyPerMinute) {
  RateLimit rate(16, 960);
  std::int64_t now = 0;
  int admitted = 0;
  // Offer 40 requests per second for a minute: the second window caps each second at 16,
  // and the minute window caps the minute at 960 (= 16 × 60, so both bind together here).
  for (int s = 0; s < 60; ++s) {
    for (int i = 0; i < 40; ++i) {
      now = s * 1000 + i * 25;
      if (rate.admit(now)) ++admitted;
    }
  }
  EXPECT_EQ(admitted, 960);
  EXPECT_FALSE(rate.admit(59'999));
}

TEST(RateLimit, MinuteWindowBindsOnItsOwn) {
  RateLimit rate(1000, 5);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(rate.admit(i));
  EXPECT_FALSE(rate.admit(10));
  EXPECT_EQ(rate.retry_after_s(10), 60);  // the first one leaves at 60 000 ms
  EXPECT_TRUE(rate.admit(60'000));
}

TEST(RateLimit, RefusedRequestsDoNotCount) {
  RateLimit rate(2, 100);
  EXPECT_TRUE(rate.admit(0));
  EXPECT_TRUE(rate.admit(0));
  for (int i = 0; i < 50; ++i) EXPECT_FALSE(rate.admit(500));
  EXPECT_TRUE(rate.admit(1000));
  EXPECT_TRUE(rate.admit(1000));
}

}  // namespace
}  // namespace scalper::sim
