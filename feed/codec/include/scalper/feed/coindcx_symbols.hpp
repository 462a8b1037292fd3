// coindcx_symbols.hpp — CoinDCX Futures names to and from ours: instrument pairs, order
// statuses, sides.
//
// Pairs are `<ecode>-<BASE>_<QUOTE>` ("B-ETH_USDT"); ours are "BASE/QUOTE" ("ETH/USDT", at
// most kMaxTickerLength chars). Anything else is refused rather than passed through: a symbol
// we cannot map would otherwise name an instrument nobody trades (the original passed unknown
// forms through unchanged). Statuses and sides are compared case-insensitively and accept
// every spelling the exchange documents (docs/architecture.md §7.4: `cancelled` in payloads,
// `CANCELED` in the list-orders table, `init` in spot terminology).
//
// Pure functions: no allocation, no exceptions, any thread.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "scalper/engine/types.hpp"

namespace scalper::feed {

// The exchange code every documented futures instrument carries ("B-").
inline constexpr std::string_view kCoinDcxFuturesEcode = "B";

// "B-ETH_USDT" -> "ETH/USDT". Refuses (false, `out` cleared) anything that is not an ecode of
// letters, '-', an upper-case alphanumeric BASE, '_', an upper-case alphanumeric QUOTE, or whose
// result would be longer than kMaxTickerLength.
[[nodiscard]] bool coindcx_pair_to_symbol(std::string_view pair, Symbol& out) noexcept;

// "ETH/USDT" -> "B-ETH_USDT" written into `out` (no terminator). Returns the length written,
// or 0 when the symbol is not BASE/QUOTE of upper-case alphanumerics within kMaxTickerLength,
// or when `out` is too small.
[[nodiscard]] std::size_t symbol_to_coindcx_pair(std::string_view symbol,
                                                 std::span<char> out) noexcept;

// Case-insensitive: init/initial, open, partially_filled, filled, partially_cancelled or
// partially_canceled, cancelled or canceled, rejected, untriggered. False (out untouched) for
// anything else.
[[nodiscard]] bool parse_coindcx_status(std::string_view text, ExchangeStatus& out) noexcept;

// Case-insensitive buy / sell. False (out untouched) for anything else.
[[nodiscard]] bool parse_coindcx_side(std::string_view text, Side& out) noexcept;

}  // namespace scalper::feed
