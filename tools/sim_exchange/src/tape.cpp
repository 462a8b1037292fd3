#include <scalper/sim/tape.hpp>

#include <charconv>

namespace scalper::sim {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// Splits a line on commas into exactly `n` fields; false when the count differs.
bool split(std::string_view line, std::string_view (&fields)[4]) {
  std::size_t i = 0;
  while (true) {
    const auto comma = line.find(',');
    if (i == 4) return false;
    fields[i++] = trim(line.substr(0, comma));
    if (comma == std::string_view::npos) break;
    line.remove_prefix(comma + 1);
  }
  return i == 4;
}

}  // namespace

std::variant<std::string, std::vector<TapeTrade>> parse_trade_tape(std::string_view text) {
  std::vector<TapeTrade> trades;
  std::size_t line_no = 0;
  bool seen_content = false;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const std::string_view line = trim(text.substr(0, nl));
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    auto fail = [&](std::string_view what) {
      return "line " + std::to_string(line_no) + ": " + std::string(what);
    };
    if (line.empty() || line.front() == '#') continue;
    const bool first = !seen_content;
    seen_content = true;
    const bool is_header = (line.front() >= 'a' && line.front() <= 'z') ||
                           (line.front() >= 'A' && line.front() <= 'Z');
    if (is_header && first) continue;  // only the first line may be a header
    std::string_view f[4];
    if (!split(line, f)) return fail("want 4 fields: time_ms,pair,price,quantity");
    TapeTrade t;
    auto [ptr, ec] = std::from_chars(f[0].data(), f[0].data() + f[0].size(), t.time_ms);
    if (ec != std::errc{} || ptr != f[0].data() + f[0].size() || t.time_ms < 0) {
      return fail("time_ms '" + std::string(f[0]) + "' is not a non-negative integer");
    }
    if (!trades.empty() && t.time_ms < trades.back().time_ms) return fail("time goes backwards");
    if (f[1].empty()) return fail("pair is empty");
    t.pair = std::string(f[1]);
    if (parse_decimal(f[2], t.price, Rounding::HalfEven) != DecimalStatus::Ok ||
        !t.price.is_positive()) {
      return fail("price '" + std::string(f[2]) + "' is not a positive decimal");
    }
    if (parse_decimal(f[3], t.quantity, Rounding::HalfEven) != DecimalStatus::Ok ||
        t.quantity.is_negative()) {
      return fail("quantity '" + std::string(f[3]) + "' is not a non-negative decimal");
    }
    trades.push_back(std::move(t));
  }
  if (trades.empty()) return std::string("no trades in the tape");
  return trades;
}

}  // namespace scalper::sim
