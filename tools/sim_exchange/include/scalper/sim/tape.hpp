// tape.hpp — a CSV of trades the simulator can replay instead of its random walk.
//
// Format, one trade per line: time_ms,pair,price,quantity (e.g. "1705516361108,B-ID_USDT,
// 0.3473,40"). A first line starting with a letter is a header and skipped; blank lines and
// lines starting with '#' are ignored. Times must not go backwards; prices and quantities are
// decimals read from their text. Replayed, each trade moves its pair's last price (and prints
// that trade), with the gaps between trades kept (scaled by --replay-speed).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <scalper/engine/decimal.hpp>

namespace scalper::sim {

struct TapeTrade {
  std::int64_t time_ms = 0;
  std::string pair;
  Decimal price;
  Decimal quantity;
};

// The trades, or an error "line N: what is wrong". Never throws.
[[nodiscard]] std::variant<std::string, std::vector<TapeTrade>> parse_trade_tape(
    std::string_view text);

}  // namespace scalper::sim
