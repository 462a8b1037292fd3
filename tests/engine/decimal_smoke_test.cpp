#include <gtest/gtest.h>

#include "scalper/engine/decimal.hpp"

namespace scalper {
namespace {

TEST(DecimalSmoke, ParsesAndFormatsAPrice) {
  Decimal d;
  ASSERT_EQ(parse_decimal("3862.5", d), DecimalStatus::Ok);
  EXPECT_EQ(d.raw(), 386'250'000'000);
  char buf[kDecimalTextMax];
  EXPECT_EQ(std::string_view(buf, format_decimal(d, buf)), "3862.5");
}

}  // namespace
}  // namespace scalper
