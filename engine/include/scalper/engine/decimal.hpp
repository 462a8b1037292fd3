// decimal.hpp — exact fixed-point money: prices, quantities, fees and PnL.
//
// A Decimal is a signed 64-bit count of 10^-8 units (8 fractional digits, as the original
// system's decimal(20,8) columns). Range: ±92,233,720,368.54775807. Text is the only way in
// from the outside (parse_decimal); no double ever touches a Decimal.
//
// Threading: value type, no shared state. Allocation: none.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace scalper {

class Decimal {
 public:
  static constexpr int kScale = 8;
  static constexpr std::int64_t kOne = 100'000'000;

  constexpr Decimal() noexcept = default;

  [[nodiscard]] static constexpr Decimal from_raw(std::int64_t raw) noexcept {
    Decimal d;
    d.raw_ = raw;
    return d;
  }
  // Whole units; callers keep |units| below 92e9 (compile-time literals in tests and config).
  [[nodiscard]] static constexpr Decimal from_units(std::int64_t units) noexcept {
    return from_raw(units * kOne);
  }

  [[nodiscard]] constexpr std::int64_t raw() const noexcept { return raw_; }
  [[nodiscard]] constexpr bool is_zero() const noexcept { return raw_ == 0; }
  [[nodiscard]] constexpr bool is_positive() const noexcept { return raw_ > 0; }
  [[nodiscard]] constexpr bool is_negative() const noexcept { return raw_ < 0; }

  friend constexpr auto operator<=>(Decimal, Decimal) noexcept = default;

  // Unchecked: the engine validates magnitudes at its inputs (see add_checked for the rest).
  friend constexpr Decimal operator+(Decimal a, Decimal b) noexcept {
    return from_raw(a.raw_ + b.raw_);
  }
  friend constexpr Decimal operator-(Decimal a, Decimal b) noexcept {
    return from_raw(a.raw_ - b.raw_);
  }
  constexpr Decimal operator-() const noexcept { return from_raw(-raw_); }
  constexpr Decimal& operator+=(Decimal b) noexcept {
    raw_ += b.raw_;
    return *this;
  }
  constexpr Decimal& operator-=(Decimal b) noexcept {
    raw_ -= b.raw_;
    return *this;
  }

 private:
  std::int64_t raw_ = 0;
};

enum class DecimalStatus : std::uint8_t {
  Ok,
  Empty,       // no characters
  BadSyntax,   // not [+-]digits[.digits][(e|E)[+-]digits]
  Overflow,    // magnitude beyond the 64-bit range
  TooPrecise,  // non-zero digits beyond 8 decimal places (exact mode only)
};

enum class Rounding : std::uint8_t {
  Exact,     // refuse digits that do not fit: prices and quantities we send
  HalfEven,  // round to 8 places: fees and averages the exchange computes in binary
};

// Parses decimal text with an optional exponent ("3862.5", "-0.01", "1e-5", "3.8625E3").
// Leading/trailing whitespace, "nan", "inf" and hex are refused. Never allocates, never throws.
[[nodiscard]] DecimalStatus parse_decimal(std::string_view text, Decimal& out,
                                          Rounding rounding = Rounding::Exact) noexcept;

[[nodiscard]] constexpr std::string_view to_string(DecimalStatus s) noexcept {
  switch (s) {
    case DecimalStatus::Ok: return "ok";
    case DecimalStatus::Empty: return "empty";
    case DecimalStatus::BadSyntax: return "not a decimal number";
    case DecimalStatus::Overflow: return "out of range";
    case DecimalStatus::TooPrecise: return "more than 8 decimal places";
  }
  return "?";
}

// a × b rounded half-even to 8 places. Returns false (out untouched) on overflow.
[[nodiscard]] bool mul_checked(Decimal a, Decimal b, Decimal& out) noexcept;
// a ÷ b rounded half-even to 8 places. Returns false on overflow or b == 0.
[[nodiscard]] bool div_checked(Decimal a, Decimal b, Decimal& out) noexcept;
[[nodiscard]] bool add_checked(Decimal a, Decimal b, Decimal& out) noexcept;

// Longest text format_*() write, sign and terminator included.
inline constexpr std::size_t kDecimalTextMax = 32;

// Shortest text that reads back to the same value, with at least one fractional digit:
// 3900 -> "3900.0", 0.01 -> "0.01", -2.5 -> "-2.5" (what the original's float repr printed).
// Writes no terminator; returns the number of chars written (buffer must hold kDecimalTextMax).
std::size_t format_decimal(Decimal d, char* buf) noexcept;
// Exactly `places` (0..8) fractional digits, rounded half away from zero: 1.005 -> "1.01".
std::size_t format_decimal_fixed(Decimal d, int places, char* buf) noexcept;

}  // namespace scalper
