// fuzz_decimal.cpp — libFuzzer target for parse_decimal, format_decimal and the checked maths.
//
// Input: decimal text, optionally "a,b" for the arithmetic checks. Every accepted value must
// format to text that reads back to itself; both rounding modes must agree where they overlap.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>

#include "scalper/engine/decimal.hpp"

namespace {

using scalper::Decimal;
using scalper::DecimalStatus;
using scalper::Rounding;

__extension__ using Int128 = __int128;
__extension__ using UInt128 = unsigned __int128;
constexpr std::int64_t kMinRaw = std::numeric_limits<std::int64_t>::min();

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void check_text_round_trip(Decimal d) {
  char buf[scalper::kDecimalTextMax];
  const std::size_t n = scalper::format_decimal(d, buf);
  check(n > 0 && n < scalper::kDecimalTextMax);
  Decimal back;
  check(scalper::parse_decimal({buf, n}, back) == DecimalStatus::Ok && back == d);

  const std::size_t fixed = scalper::format_decimal_fixed(d, Decimal::kScale, buf);
  check(fixed < scalper::kDecimalTextMax);
  check(scalper::parse_decimal({buf, fixed}, back) == DecimalStatus::Ok && back == d);
}

void check_parse(std::string_view text) {
  Decimal exact = Decimal::from_raw(-1);
  Decimal rounded = Decimal::from_raw(-1);
  const DecimalStatus se = scalper::parse_decimal(text, exact, Rounding::Exact);
  const DecimalStatus sr = scalper::parse_decimal(text, rounded, Rounding::HalfEven);
  check(sr != DecimalStatus::TooPrecise);
  switch (se) {
    case DecimalStatus::Ok:
      check(sr == DecimalStatus::Ok && rounded == exact);
      check_text_round_trip(exact);
      break;
    case DecimalStatus::TooPrecise:
      check(sr == DecimalStatus::Ok || sr == DecimalStatus::Overflow);
      if (sr == DecimalStatus::Ok) check_text_round_trip(rounded);
      break;
    case DecimalStatus::Empty:
    case DecimalStatus::BadSyntax:
      check(sr == se && exact.raw() == -1 && rounded.raw() == -1);
      break;
    case DecimalStatus::Overflow:
      // Exact mode can stop at the first digit it cannot keep (TooPrecise) before it sees the
      // magnitude, so only this direction holds.
      check(sr == DecimalStatus::Overflow && exact.raw() == -1);
      break;
  }
}

void check_arithmetic(Decimal a, Decimal b) {
  Decimal ab, ba;
  const bool mul_ok = scalper::mul_checked(a, b, ab);
  check(mul_ok == scalper::mul_checked(b, a, ba));
  if (mul_ok) check(ab == ba);
  // Half-even is symmetric around zero, so negating an operand negates the product.
  if (mul_ok && a.raw() != kMinRaw && ab.raw() != kMinRaw) {
    Decimal neg;
    check(scalper::mul_checked(-a, b, neg) && neg == -ab);
  }
  const bool add_ok = scalper::add_checked(a, b, ab);
  check(add_ok == scalper::add_checked(b, a, ba));
  if (add_ok) check(ab == ba && ab.raw() - b.raw() == a.raw());
  Decimal q;
  if (scalper::div_checked(a, b, q)) {
    check(!b.is_zero());
    // q is a/b rounded to a unit: q*b lies within |b|/2 of a (both scaled by 10^8).
    const Int128 lhs = static_cast<Int128>(q.raw()) * b.raw();
    const Int128 rhs = static_cast<Int128>(a.raw()) * Decimal::kOne;
    const UInt128 diff =
        lhs > rhs ? static_cast<UInt128>(lhs - rhs) : static_cast<UInt128>(rhs - lhs);
    const UInt128 abs_b = b.raw() < 0 ? static_cast<UInt128>(-static_cast<Int128>(b.raw()))
                                      : static_cast<UInt128>(b.raw());
    check(diff * 2 <= abs_b);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_parse(text);
  const std::size_t comma = text.find(',');
  if (comma != std::string_view::npos) {
    Decimal a, b;
    if (scalper::parse_decimal(text.substr(0, comma), a, Rounding::HalfEven) == DecimalStatus::Ok &&
        scalper::parse_decimal(text.substr(comma + 1), b, Rounding::HalfEven) ==
            DecimalStatus::Ok) {
      check_arithmetic(a, b);
    }
  }
  return 0;
}
