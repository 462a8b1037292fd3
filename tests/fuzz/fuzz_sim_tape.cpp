// fuzz_sim_tape.cpp — libFuzzer target for the trade-tape CSV parser (--trades-csv).
//
// Input: any bytes as a tape. It must parse or fail with "line N: ..." / the empty-tape
// message; parsed trades must have non-decreasing times, positive prices, non-negative
// quantities and a non-empty pair.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <scalper/sim/tape.hpp>

namespace {
void check(bool ok) {
  if (!ok) __builtin_trap();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto r = scalper::sim::parse_trade_tape(text);
  if (auto* error = std::get_if<std::string>(&r)) {
    check(error->rfind("line ", 0) == 0 || *error == "no trades in the tape");
    return 0;
  }
  const auto& trades = std::get<std::vector<scalper::sim::TapeTrade>>(r);
  check(!trades.empty());
  for (std::size_t i = 0; i < trades.size(); ++i) {
    check(!trades[i].pair.empty());
    check(trades[i].price.is_positive());
    check(!trades[i].quantity.is_negative());
    if (i > 0) check(trades[i].time_ms >= trades[i - 1].time_ms);
  }
  return 0;
}
