#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "scalper/engine/decimal.hpp"

namespace scalper {
namespace {

constexpr std::int64_t kMaxRaw = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMinRaw = std::numeric_limits<std::int64_t>::min();

struct Parsed {
  DecimalStatus status;
  std::int64_t raw;
};

Parsed parse(std::string_view text, Rounding rounding = Rounding::Exact) {
  Decimal d = Decimal::from_raw(-777);  // sentinel: a failed parse must leave it alone
  const DecimalStatus s = parse_decimal(text, d, rounding);
  return {s, d.raw()};
}

std::int64_t raw_of(std::string_view text, Rounding rounding = Rounding::Exact) {
  const Parsed p = parse(text, rounding);
  EXPECT_EQ(p.status, DecimalStatus::Ok) << "text: \"" << text << "\"";
  return p.raw;
}

DecimalStatus status_of(std::string_view text, Rounding rounding = Rounding::Exact) {
  return parse(text, rounding).status;
}

std::string fmt(Decimal d) {
  char buf[kDecimalTextMax];
  return std::string(buf, format_decimal(d, buf));
}

std::string fmt_fixed(Decimal d, int places) {
  char buf[kDecimalTextMax];
  return std::string(buf, format_decimal_fixed(d, places, buf));
}

Decimal raw(std::int64_t r) { return Decimal::from_raw(r); }

Decimal dec(std::string_view text) { return raw(raw_of(text)); }

// ---- parsing: accepted forms ---------------------------------------------------------------

TEST(DecimalParse, ReadsPlainNumbers) {
  EXPECT_EQ(raw_of("0"), 0);
  EXPECT_EQ(raw_of("1"), 100'000'000);
  EXPECT_EQ(raw_of("3900"), 390'000'000'000);
  EXPECT_EQ(raw_of("3862.5"), 386'250'000'000);
  EXPECT_EQ(raw_of("0.01"), 1'000'000);
  EXPECT_EQ(raw_of("0.00000001"), 1);
  EXPECT_EQ(raw_of("12345678.87654321"), 1'234'567'887'654'321);
}

TEST(DecimalParse, ReadsSignsWhenLeading) {
  EXPECT_EQ(raw_of("-2.5"), -250'000'000);
  EXPECT_EQ(raw_of("+2.5"), 250'000'000);
  EXPECT_EQ(raw_of("-0"), 0);
  EXPECT_EQ(raw_of("-0.00000001"), -1);
}

TEST(DecimalParse, ReadsExponentsInEitherCase) {
  EXPECT_EQ(raw_of("1e-5"), 1'000);
  EXPECT_EQ(raw_of("3.8625E3"), 386'250'000'000);
  EXPECT_EQ(raw_of("1E+2"), 10'000'000'000);
  EXPECT_EQ(raw_of("1e2"), 10'000'000'000);
  EXPECT_EQ(raw_of("1e-8"), 1);
  EXPECT_EQ(raw_of("1e0"), 100'000'000);
  EXPECT_EQ(raw_of("-2.5e-1"), -25'000'000);
}

TEST(DecimalParse, ReadsBareFractionsAndBareIntegersWithPoint) {
  EXPECT_EQ(raw_of(".5"), 50'000'000);
  EXPECT_EQ(raw_of("5."), 500'000'000);
  EXPECT_EQ(raw_of("-.5"), -50'000'000);
  EXPECT_EQ(raw_of("5.e1"), 5'000'000'000);
  EXPECT_EQ(raw_of(".5e1"), 500'000'000);
}

TEST(DecimalParse, IgnoresLeadingAndTrailingZeros) {
  EXPECT_EQ(raw_of("000000000000000000000000000003900.5"), 390'050'000'000);
  EXPECT_EQ(raw_of("1.500000000000000000000000000000000"), 150'000'000);
  EXPECT_EQ(raw_of("0.000000010000000000000000000000000"), 1);
  EXPECT_EQ(raw_of("00.00"), 0);
}

TEST(DecimalParse, ReadsLongDigitStringsOfZeros) {
  const std::string zeros(10'000, '0');
  EXPECT_EQ(raw_of(zeros), 0);
  EXPECT_EQ(raw_of("0." + zeros), 0);
  EXPECT_EQ(raw_of(zeros + "1." + zeros), 100'000'000);
  EXPECT_EQ(raw_of("1" + zeros + "e-10000"), 100'000'000);
  EXPECT_EQ(raw_of("0." + zeros + "1e10001"), 100'000'000);
}

TEST(DecimalParse, AcceptsAnyExponentOnZero) {
  EXPECT_EQ(raw_of("0e999999999999999999999999"), 0);
  EXPECT_EQ(raw_of("0e-999999999999999999999999"), 0);
  EXPECT_EQ(raw_of("0.000e+12345678901234567890"), 0);
}

TEST(DecimalParse, ReadsExtremeRawValuesExactly) {
  EXPECT_EQ(raw_of("92233720368.54775807"), kMaxRaw);
  EXPECT_EQ(raw_of("-92233720368.54775808"), kMinRaw);
  EXPECT_EQ(raw_of("9223372036854775807e-8"), kMaxRaw);
  EXPECT_EQ(raw_of("-0.9223372036854775808e11"), kMinRaw);
}

// ---- parsing: refused forms ----------------------------------------------------------------

TEST(DecimalParse, ReportsEmptyOnlyForNoCharacters) {
  EXPECT_EQ(status_of(""), DecimalStatus::Empty);
  EXPECT_EQ(status_of("+"), DecimalStatus::BadSyntax);
  EXPECT_EQ(status_of("-"), DecimalStatus::BadSyntax);
  EXPECT_EQ(status_of("."), DecimalStatus::BadSyntax);
}

TEST(DecimalParse, RefusesJunkWithBadSyntaxAndLeavesOutputAlone) {
  for (std::string_view junk :
       {" 1",  "1 ",   "\t1",  "1\n",   "1e",    "1e+",  "1e-", "e5",   "E5",       ".e5",
        "--1", "+-1",  "-+1",  "1-",    "nan",   "NaN",  "inf", "-inf", "infinity", "0x10",
        "1,5", "1..5", "1.5.", "1e5.5", "1e5e5", "1ee5", "+.",  "-.",   "1_000",    "١"}) {
    const Parsed p = parse(junk);
    EXPECT_EQ(p.status, DecimalStatus::BadSyntax) << "text: \"" << junk << "\"";
    EXPECT_EQ(p.raw, -777) << "text: \"" << junk << "\"";
  }
  EXPECT_EQ(parse(std::string_view("1\0", 2)).status, DecimalStatus::BadSyntax);
}

TEST(DecimalParse, RefusesOverflowByOneUnit) {
  EXPECT_EQ(status_of("92233720368.54775808"), DecimalStatus::Overflow);
  EXPECT_EQ(status_of("-92233720368.54775809"), DecimalStatus::Overflow);
  EXPECT_EQ(status_of("92233720369"), DecimalStatus::Overflow);
  EXPECT_EQ(status_of("100000000000"), DecimalStatus::Overflow);
  EXPECT_EQ(status_of("99999999999999999999999999999999"), DecimalStatus::Overflow);
  EXPECT_EQ(parse("92233720368.54775808").raw, -777);
}

TEST(DecimalParse, RefusesHugeExponentsOnNonZero) {
  EXPECT_EQ(status_of("1e11"), DecimalStatus::Overflow);
  EXPECT_EQ(status_of("1e999999"), DecimalStatus::Overflow);
  EXPECT_EQ(status_of("1e1000000"), DecimalStatus::Overflow);
  EXPECT_EQ(status_of("-1e99999999999999999999999999"), DecimalStatus::Overflow);
  EXPECT_EQ(status_of("0.00001e99999999999999999999999999", Rounding::HalfEven),
            DecimalStatus::Overflow);
}

TEST(DecimalParse, TreatsHugeNegativeExponentsAsTooPreciseOrZero) {
  EXPECT_EQ(status_of("1e-9"), DecimalStatus::TooPrecise);
  EXPECT_EQ(status_of("1e-99999999999999999999"), DecimalStatus::TooPrecise);
  EXPECT_EQ(raw_of("1e-99999999999999999999", Rounding::HalfEven), 0);
  EXPECT_EQ(raw_of("-9e-99999999999999999999", Rounding::HalfEven), 0);
}

// The exponent is only clamped when the answer no longer depends on it: a digit string longer
// than the clamp must still be placed exactly.
TEST(DecimalParse, PlacesDigitsExactlyWhenTheExponentIsBeyondAMillion) {
  const std::string zeros(1'000'010, '0');
  EXPECT_EQ(raw_of("0." + zeros + "1e1000011"), 100'000'000);
  EXPECT_EQ(raw_of("1" + zeros + "e-1000010"), 100'000'000);
}

// ---- parsing: rounding ----------------------------------------------------------------

TEST(DecimalParse, RefusesExtraDigitsInExactMode) {
  EXPECT_EQ(status_of("0.000000001"), DecimalStatus::TooPrecise);
  EXPECT_EQ(status_of("0.000000005"), DecimalStatus::TooPrecise);
  EXPECT_EQ(status_of("3900.123456789"), DecimalStatus::TooPrecise);
  EXPECT_EQ(status_of("1.0000000000000000000001"), DecimalStatus::TooPrecise);
  EXPECT_EQ(parse("0.000000001").raw, -777);
}

TEST(DecimalParse, AcceptsExtraZeroDigitsInExactMode) {
  EXPECT_EQ(raw_of("0.000000010"), 1);
  EXPECT_EQ(raw_of("1.00000000000000000000"), 100'000'000);
}

TEST(DecimalParse, RoundsTiesToEvenInHalfEvenMode) {
  EXPECT_EQ(raw_of("0.000000005", Rounding::HalfEven), 0);
  EXPECT_EQ(raw_of("0.000000015", Rounding::HalfEven), 2);
  EXPECT_EQ(raw_of("0.000000025", Rounding::HalfEven), 2);
  EXPECT_EQ(raw_of("0.000000035", Rounding::HalfEven), 4);
  EXPECT_EQ(raw_of("-0.000000015", Rounding::HalfEven), -2);
  EXPECT_EQ(raw_of("-0.000000025", Rounding::HalfEven), -2);
  EXPECT_EQ(raw_of("2.5e-8", Rounding::HalfEven), 2);
  EXPECT_EQ(raw_of("3.5e-8", Rounding::HalfEven), 4);
}

TEST(DecimalParse, RoundsAboveAndBelowHalfInHalfEvenMode) {
  EXPECT_EQ(raw_of("0.000000004", Rounding::HalfEven), 0);
  EXPECT_EQ(raw_of("0.000000006", Rounding::HalfEven), 1);
  EXPECT_EQ(raw_of("0.0000000049999999", Rounding::HalfEven), 0);
  EXPECT_EQ(raw_of("1.999999999", Rounding::HalfEven), 200'000'000);
  EXPECT_EQ(raw_of("0.12345678499", Rounding::HalfEven), 12'345'678);
  EXPECT_EQ(raw_of("12345e-12", Rounding::HalfEven), 1);
}

TEST(DecimalParse, LetsStickyDigitsBreakTies) {
  EXPECT_EQ(raw_of("0.0000000050000001", Rounding::HalfEven), 1);
  EXPECT_EQ(raw_of("0.0000000250000000000000001", Rounding::HalfEven), 3);
  EXPECT_EQ(raw_of("0.00000000500000000000", Rounding::HalfEven), 0);
}

TEST(DecimalParse, RoundsDigitsFarBelowTheLastPlaceByStickinessOnly) {
  // The first dropped place is a zero here, so any tail stays below half.
  EXPECT_EQ(raw_of("0.0000000009", Rounding::HalfEven), 0);
  EXPECT_EQ(raw_of("0.00000001000000000009", Rounding::HalfEven), 1);
  EXPECT_EQ(raw_of("9e-10", Rounding::HalfEven), 0);
  EXPECT_EQ(raw_of("5e-9", Rounding::HalfEven), 0);
  EXPECT_EQ(raw_of("6e-9", Rounding::HalfEven), 1);
}

TEST(DecimalParse, RefusesRoundingPastTheRange) {
  EXPECT_EQ(status_of("92233720368.547758075", Rounding::HalfEven), DecimalStatus::Overflow);
  EXPECT_EQ(raw_of("92233720368.547758074", Rounding::HalfEven), kMaxRaw);
  EXPECT_EQ(raw_of("-92233720368.547758084", Rounding::HalfEven), kMinRaw);
  EXPECT_EQ(raw_of("-92233720368.547758085", Rounding::HalfEven), kMinRaw);  // tie, even
  EXPECT_EQ(status_of("-92233720368.5477580850001", Rounding::HalfEven), DecimalStatus::Overflow);
  EXPECT_EQ(status_of("-92233720368.547758086", Rounding::HalfEven), DecimalStatus::Overflow);
  EXPECT_EQ(status_of("92233720368.5477580799", Rounding::HalfEven), DecimalStatus::Overflow);
}

// ---- arithmetic -----------------------------------------------------------------------------

TEST(DecimalArithmetic, MultipliesExactlyWhenTheProductFits) {
  Decimal out;
  ASSERT_TRUE(mul_checked(dec("3900"), dec("0.01"), out));
  EXPECT_EQ(out.raw(), raw_of("39"));
  ASSERT_TRUE(mul_checked(dec("-2.5"), dec("4"), out));
  EXPECT_EQ(out.raw(), raw_of("-10"));
  ASSERT_TRUE(mul_checked(dec("-2.5"), dec("-0.5"), out));
  EXPECT_EQ(out.raw(), raw_of("1.25"));
  ASSERT_TRUE(mul_checked(raw(kMaxRaw), dec("1"), out));
  EXPECT_EQ(out.raw(), kMaxRaw);
  ASSERT_TRUE(mul_checked(raw(kMinRaw), dec("1"), out));
  EXPECT_EQ(out.raw(), kMinRaw);
}

TEST(DecimalArithmetic, RoundsProductsHalfEven) {
  Decimal out;
  ASSERT_TRUE(mul_checked(raw(1), dec("0.5"), out));  // 0.5 units -> 0
  EXPECT_EQ(out.raw(), 0);
  ASSERT_TRUE(mul_checked(raw(3), dec("0.5"), out));  // 1.5 -> 2
  EXPECT_EQ(out.raw(), 2);
  ASSERT_TRUE(mul_checked(raw(5), dec("0.5"), out));  // 2.5 -> 2
  EXPECT_EQ(out.raw(), 2);
  ASSERT_TRUE(mul_checked(raw(-3), dec("0.5"), out));  // -1.5 -> -2
  EXPECT_EQ(out.raw(), -2);
  ASSERT_TRUE(mul_checked(raw(1), raw(1), out));  // 1e-16 -> 0
  EXPECT_EQ(out.raw(), 0);
  ASSERT_TRUE(mul_checked(raw(7), dec("0.1"), out));  // 0.7 -> 1
  EXPECT_EQ(out.raw(), 1);
}

TEST(DecimalArithmetic, RefusesProductOverflowAndLeavesOutputAlone) {
  Decimal out = raw(-777);
  EXPECT_FALSE(mul_checked(raw(kMaxRaw), dec("1.00000001"), out));
  EXPECT_FALSE(mul_checked(raw(kMinRaw), dec("-1"), out));
  EXPECT_FALSE(mul_checked(raw(kMinRaw), raw(kMinRaw), out));
  EXPECT_FALSE(mul_checked(dec("1000000"), dec("1000000"), out));
  EXPECT_EQ(out.raw(), -777);
}

TEST(DecimalArithmetic, DividesWithHalfEvenRounding) {
  Decimal out;
  ASSERT_TRUE(div_checked(dec("39"), dec("0.01"), out));
  EXPECT_EQ(out.raw(), raw_of("3900"));
  ASSERT_TRUE(div_checked(dec("1"), dec("3"), out));
  EXPECT_EQ(out.raw(), 33'333'333);
  ASSERT_TRUE(div_checked(dec("2"), dec("3"), out));
  EXPECT_EQ(out.raw(), 66'666'667);
  ASSERT_TRUE(div_checked(dec("-2"), dec("3"), out));
  EXPECT_EQ(out.raw(), -66'666'667);
  ASSERT_TRUE(div_checked(raw(1), dec("2"), out));  // 0.5 units -> 0
  EXPECT_EQ(out.raw(), 0);
  ASSERT_TRUE(div_checked(raw(3), dec("2"), out));  // 1.5 -> 2
  EXPECT_EQ(out.raw(), 2);
  ASSERT_TRUE(div_checked(raw(5), dec("-2"), out));  // -2.5 -> -2
  EXPECT_EQ(out.raw(), -2);
  ASSERT_TRUE(div_checked(raw(kMinRaw), dec("1"), out));
  EXPECT_EQ(out.raw(), kMinRaw);
  ASSERT_TRUE(div_checked(raw(kMinRaw), raw(kMinRaw), out));
  EXPECT_EQ(out.raw(), raw_of("1"));
}

TEST(DecimalArithmetic, RefusesDivisionByZeroAndOverflow) {
  Decimal out = raw(-777);
  EXPECT_FALSE(div_checked(dec("1"), Decimal{}, out));
  EXPECT_FALSE(div_checked(Decimal{}, Decimal{}, out));
  EXPECT_FALSE(div_checked(raw(kMinRaw), dec("-1"), out));
  EXPECT_FALSE(div_checked(raw(kMaxRaw), dec("0.5"), out));
  EXPECT_FALSE(div_checked(dec("1000"), raw(1), out));
  EXPECT_EQ(out.raw(), -777);
}

TEST(DecimalArithmetic, AddsWithOverflowCheck) {
  Decimal out = raw(-777);
  ASSERT_TRUE(add_checked(dec("0.1"), dec("0.2"), out));
  EXPECT_EQ(out.raw(), raw_of("0.3"));
  ASSERT_TRUE(add_checked(raw(kMaxRaw), raw(kMinRaw), out));
  EXPECT_EQ(out.raw(), -1);
  out = raw(-777);
  EXPECT_FALSE(add_checked(raw(kMaxRaw), raw(1), out));
  EXPECT_FALSE(add_checked(raw(kMinRaw), raw(-1), out));
  EXPECT_EQ(out.raw(), -777);
}

// ---- formatting ---------------------------------------------------------------------------

TEST(DecimalFormat, WritesShortestTextWithOneFractionalDigitAtLeast) {
  EXPECT_EQ(fmt(dec("3900")), "3900.0");
  EXPECT_EQ(fmt(dec("0.01")), "0.01");
  EXPECT_EQ(fmt(dec("-2.5")), "-2.5");
  EXPECT_EQ(fmt(dec("0.00000001")), "0.00000001");
  EXPECT_EQ(fmt(dec("-0.00000001")), "-0.00000001");
  EXPECT_EQ(fmt(Decimal{}), "0.0");
  EXPECT_EQ(fmt(dec("3862.5")), "3862.5");
  EXPECT_EQ(fmt(dec("10.10101")), "10.10101");
  EXPECT_EQ(fmt(dec("12345678.87654321")), "12345678.87654321");
}

TEST(DecimalFormat, WritesTheRangeLimits) {
  EXPECT_EQ(fmt(raw(kMaxRaw)), "92233720368.54775807");
  EXPECT_EQ(fmt(raw(kMinRaw)), "-92233720368.54775808");
  EXPECT_LT(fmt(raw(kMinRaw)).size(), kDecimalTextMax);
}

TEST(DecimalFormat, ReadsBackEveryFormattedValue) {
  for (std::int64_t r : {std::int64_t{0}, std::int64_t{1}, std::int64_t{-1}, std::int64_t{10},
                         std::int64_t{99'999'999}, std::int64_t{100'000'001}, kMaxRaw, kMinRaw,
                         kMaxRaw - 1, kMinRaw + 1, std::int64_t{390'000'000'000}}) {
    EXPECT_EQ(raw_of(fmt(raw(r))), r);
  }
}

TEST(DecimalFormatFixed, WritesExactlyThePlacesAsked) {
  const Decimal d = dec("1.23456789");
  EXPECT_EQ(fmt_fixed(d, 0), "1");
  EXPECT_EQ(fmt_fixed(d, 1), "1.2");
  EXPECT_EQ(fmt_fixed(d, 2), "1.23");
  EXPECT_EQ(fmt_fixed(d, 3), "1.235");
  EXPECT_EQ(fmt_fixed(d, 4), "1.2346");
  EXPECT_EQ(fmt_fixed(d, 5), "1.23457");
  EXPECT_EQ(fmt_fixed(d, 6), "1.234568");
  EXPECT_EQ(fmt_fixed(d, 7), "1.2345679");
  EXPECT_EQ(fmt_fixed(d, 8), "1.23456789");
  EXPECT_EQ(fmt_fixed(dec("3900"), 2), "3900.00");
  EXPECT_EQ(fmt_fixed(dec("0.05"), 8), "0.05000000");
}

TEST(DecimalFormatFixed, RoundsHalfAwayFromZero) {
  EXPECT_EQ(fmt_fixed(dec("1.005"), 2), "1.01");
  EXPECT_EQ(fmt_fixed(dec("1.015"), 2), "1.02");
  EXPECT_EQ(fmt_fixed(dec("1.0049999"), 2), "1.00");
  EXPECT_EQ(fmt_fixed(dec("-1.005"), 2), "-1.01");
  EXPECT_EQ(fmt_fixed(dec("2.5"), 0), "3");
  EXPECT_EQ(fmt_fixed(dec("-2.5"), 0), "-3");
  EXPECT_EQ(fmt_fixed(dec("0.995"), 2), "1.00");
  EXPECT_EQ(fmt_fixed(dec("9.9999999"), 2), "10.00");
}

TEST(DecimalFormatFixed, DropsTheSignWhenNegativeRoundsToZero) {
  EXPECT_EQ(fmt_fixed(dec("-0.004"), 2), "0.00");
  EXPECT_EQ(fmt_fixed(dec("-0.00000001"), 2), "0.00");
  EXPECT_EQ(fmt_fixed(dec("-0.4"), 0), "0");
  EXPECT_EQ(fmt_fixed(dec("-0.005"), 2), "-0.01");
}

TEST(DecimalFormatFixed, WritesTheRangeLimits) {
  EXPECT_EQ(fmt_fixed(raw(kMaxRaw), 8), "92233720368.54775807");
  EXPECT_EQ(fmt_fixed(raw(kMinRaw), 8), "-92233720368.54775808");
  EXPECT_EQ(fmt_fixed(raw(kMaxRaw), 2), "92233720368.55");
  EXPECT_EQ(fmt_fixed(raw(kMinRaw), 0), "-92233720369");
}

TEST(DecimalFormatFixed, ClampsPlacesOutsideZeroToEight) {
  const Decimal d = dec("1.23456789");
  EXPECT_EQ(fmt_fixed(d, -3), "1");
  EXPECT_EQ(fmt_fixed(d, 12), "1.23456789");
}

TEST(DecimalStatusText, NamesEveryStatus) {
  EXPECT_EQ(to_string(DecimalStatus::Ok), "ok");
  EXPECT_EQ(to_string(DecimalStatus::TooPrecise), "more than 8 decimal places");
  EXPECT_NE(to_string(DecimalStatus::Overflow), "?");
  EXPECT_NE(to_string(DecimalStatus::Empty), "?");
  EXPECT_NE(to_string(DecimalStatus::BadSyntax), "?");
}

}  // namespace
}  // namespace scalper
