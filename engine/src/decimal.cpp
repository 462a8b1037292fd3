#include "scalper/engine/decimal.hpp"

#include <cstdint>
#include <limits>

namespace scalper {
namespace {

__extension__ using Int128 = __int128;  // GCC/Clang builtin: exact products of two int64s

constexpr std::uint64_t kMagnitudeLimit = std::uint64_t{1} << 63;  // |INT64_MIN|
// The exponent saturates here. The bound is beyond any text length, so a saturated exponent
// still puts every digit of a non-zero number above 10^19 or below 10^-1 of raw: the answer
// (overflow, or zero with rounding) is the one the true exponent would give. Digit loops are
// bounded by the text; the scale-up loop by overflow after 19 steps.
constexpr std::int64_t kExponentLimit = 1'000'000'000'000'000;

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// Multiplies `acc` by 10 and adds `digit`, refusing to pass kMagnitudeLimit.
constexpr bool push_digit(std::uint64_t& acc, unsigned digit) noexcept {
  if (acc > (kMagnitudeLimit - digit) / 10) return false;
  acc = acc * 10 + digit;
  return true;
}

// Rounds q (quotient) half-even given the remainder r of a division by d (all magnitudes).
constexpr bool round_half_even_up(Int128 q, Int128 r, Int128 d) noexcept {
  const Int128 twice = r * 2;
  if (twice > d) return true;
  if (twice < d) return false;
  return (q & 1) != 0;
}

// Divides a signed 128-bit value by a positive divisor, rounding half-even; false on overflow.
bool narrow_div(Int128 num, Int128 den, Decimal& out) noexcept {
  const bool negative = (num < 0) != (den < 0);
  const Int128 n = num < 0 ? -num : num;
  const Int128 d = den < 0 ? -den : den;
  Int128 q = n / d;
  if (round_half_even_up(q, n % d, d)) ++q;
  if (q > static_cast<Int128>(kMagnitudeLimit) ||
      (!negative && q == static_cast<Int128>(kMagnitudeLimit))) {
    return false;
  }
  out = Decimal::from_raw(static_cast<std::int64_t>(negative ? -q : q));
  return true;
}

std::size_t write_unsigned(std::uint64_t v, char* buf) noexcept {
  char tmp[24];
  std::size_t n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  for (std::size_t i = 0; i < n; ++i) buf[i] = tmp[n - 1 - i];
  return n;
}

std::uint64_t magnitude(std::int64_t raw) noexcept {
  return raw < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(raw)
                 : static_cast<std::uint64_t>(raw);
}

}  // namespace

// Idea: collect the digits as one digit string D and its power-of-ten offset k, so that
// raw = D × 10^k. Digits whose place falls below 10^0 of raw are the ones beyond 8 decimals:
// the first decides the rounding, the rest only whether anything non-zero was dropped.
DecimalStatus parse_decimal(std::string_view text, Decimal& out, Rounding rounding) noexcept {
  if (text.empty()) return DecimalStatus::Empty;
  std::size_t i = 0;
  bool negative = false;
  if (text[i] == '+' || text[i] == '-') {
    negative = text[i] == '-';
    ++i;
  }
  const std::size_t int_begin = i;
  while (i < text.size() && is_digit(text[i])) ++i;
  const std::size_t int_end = i;
  std::size_t frac_begin = i, frac_end = i;
  if (i < text.size() && text[i] == '.') {
    ++i;
    frac_begin = i;
    while (i < text.size() && is_digit(text[i])) ++i;
    frac_end = i;
  }
  if (int_end == int_begin && frac_end == frac_begin) return DecimalStatus::BadSyntax;
  std::int64_t exponent = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
      exp_negative = text[i] == '-';
      ++i;
    }
    if (i == text.size() || !is_digit(text[i])) return DecimalStatus::BadSyntax;
    while (i < text.size() && is_digit(text[i])) {
      if (exponent < kExponentLimit) exponent = exponent * 10 + (text[i] - '0');
      ++i;
    }
    if (exp_negative) exponent = -exponent;
  }
  if (i != text.size()) return DecimalStatus::BadSyntax;

  const std::size_t int_len = int_end - int_begin;
  const std::size_t frac_len = frac_end - frac_begin;
  const std::size_t total = int_len + frac_len;
  auto digit_at = [&](std::size_t k) -> unsigned {
    const char c = k < int_len ? text[int_begin + k] : text[frac_begin + (k - int_len)];
    return static_cast<unsigned>(c - '0');
  };
  // Place of digit j in raw units is 10^(k + total - 1 - j), where:
  const std::int64_t k = exponent + Decimal::kScale - static_cast<std::int64_t>(frac_len);

  std::uint64_t acc = 0;
  std::size_t j = 0;
  // Leading zeros never overflow and never matter.
  while (j < total && digit_at(j) == 0) ++j;
  if (j == total) {
    out = Decimal{};
    return DecimalStatus::Ok;
  }
  // Digits at place >= 0: those with index j <= k + total - 1 (the index of the 10^0 digit).
  const std::int64_t last_kept = k + static_cast<std::int64_t>(total) - 1;
  for (; j < total && static_cast<std::int64_t>(j) <= last_kept; ++j) {
    if (!push_digit(acc, digit_at(j))) return DecimalStatus::Overflow;
  }
  // Scale up when every digit was kept and the exponent asks for more.
  for (std::int64_t p = 0; p < k; ++p) {
    if (!push_digit(acc, 0)) return DecimalStatus::Overflow;
  }
  // Dropped digits: round or refuse.
  if (j < total) {
    unsigned first = 0;
    bool sticky = false;
    // The 10^-1 digit decides the rounding. When it is not the next digit here, it is a zero:
    // implied by the exponent (last_kept < -1) or skipped as a leading zero.
    if (last_kept + 1 == static_cast<std::int64_t>(j)) {
      first = digit_at(j++);
    }
    for (; j < total; ++j) sticky |= digit_at(j) != 0;
    if (first != 0 || sticky) {
      if (rounding == Rounding::Exact) return DecimalStatus::TooPrecise;
      const bool up = first > 5 || (first == 5 && (sticky || (acc & 1) != 0));
      if (up) {
        if (acc >= kMagnitudeLimit) return DecimalStatus::Overflow;
        ++acc;
      }
    }
  }
  if (acc == kMagnitudeLimit && !negative) return DecimalStatus::Overflow;
  const std::int64_t raw =
      negative ? static_cast<std::int64_t>(std::uint64_t{0} - acc) : static_cast<std::int64_t>(acc);
  out = Decimal::from_raw(raw);
  return DecimalStatus::Ok;
}

bool mul_checked(Decimal a, Decimal b, Decimal& out) noexcept {
  std::int64_t small = 0;
  if (!__builtin_mul_overflow(a.raw(), b.raw(), &small)) {
    // Fast path (price × quantity of real orders lands here): a 64-bit division by a constant
    // is a multiply, where the 128-bit one below is a library call.
    std::int64_t q = small / Decimal::kOne;
    const std::int64_t r = small % Decimal::kOne;
    const std::int64_t twice = (r < 0 ? -r : r) * 2;
    if (twice > Decimal::kOne || (twice == Decimal::kOne && (q & 1) != 0)) q += small < 0 ? -1 : 1;
    out = Decimal::from_raw(q);
    return true;
  }
  const Int128 product = static_cast<Int128>(a.raw()) * b.raw();
  return narrow_div(product, Decimal::kOne, out);
}

bool div_checked(Decimal a, Decimal b, Decimal& out) noexcept {
  if (b.is_zero()) return false;
  const Int128 num = static_cast<Int128>(a.raw()) * Decimal::kOne;
  return narrow_div(num, b.raw(), out);
}

bool add_checked(Decimal a, Decimal b, Decimal& out) noexcept {
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a.raw(), b.raw(), &sum)) return false;
  out = Decimal::from_raw(sum);
  return true;
}

std::size_t format_decimal(Decimal d, char* buf) noexcept {
  const std::uint64_t mag = magnitude(d.raw());
  std::size_t n = 0;
  if (d.is_negative()) buf[n++] = '-';
  n += write_unsigned(mag / Decimal::kOne, buf + n);
  buf[n++] = '.';
  std::uint64_t frac = mag % Decimal::kOne;
  if (frac == 0) {
    buf[n++] = '0';
    return n;
  }
  int digits = Decimal::kScale;
  while (frac % 10 == 0) {
    frac /= 10;
    --digits;
  }
  // Left-pad the fractional digits with zeros to `digits` places.
  char tmp[Decimal::kScale];
  for (int p = digits - 1; p >= 0; --p) {
    tmp[p] = static_cast<char>('0' + frac % 10);
    frac /= 10;
  }
  for (int p = 0; p < digits; ++p) buf[n++] = tmp[p];
  return n;
}

std::size_t format_decimal_fixed(Decimal d, int places, char* buf) noexcept {
  if (places < 0) places = 0;
  if (places > Decimal::kScale) places = Decimal::kScale;
  std::uint64_t unit = 1;
  for (int p = places; p < Decimal::kScale; ++p) unit *= 10;
  std::uint64_t mag = magnitude(d.raw());
  // Half away from zero, on the magnitude.
  std::uint64_t scaled = mag / unit;
  if ((mag % unit) * 2 >= unit && unit > 1) ++scaled;
  std::uint64_t pow = 1;
  for (int p = 0; p < places; ++p) pow *= 10;
  std::size_t n = 0;
  if (d.is_negative() && scaled != 0) buf[n++] = '-';
  n += write_unsigned(scaled / pow, buf + n);
  if (places > 0) {
    buf[n++] = '.';
    std::uint64_t frac = scaled % pow;
    for (int p = places - 1; p >= 0; --p) {
      buf[n + static_cast<std::size_t>(p)] = static_cast<char>('0' + frac % 10);
      frac /= 10;
    }
    n += static_cast<std::size_t>(places);
  }
  return n;
}

}  // namespace scalper
