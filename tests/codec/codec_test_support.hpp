// codec_test_support.hpp — helpers for the codec's tests: a sink that records every item, the
// two envelope forms of an event argument, fixture loading, printers for gtest.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "scalper/engine/decimal.hpp"
#include "scalper/engine/fixed_string.hpp"
#include "scalper/feed/coindcx_stream.hpp"

namespace scalper {

// gtest prints these in failure messages (found by ADL).
inline void PrintTo(const Decimal& d, std::ostream* os) {
  char buf[kDecimalTextMax];
  *os << std::string_view(buf, format_decimal(d, buf));
}
template <std::size_t N>
void PrintTo(const FixedString<N>& s, std::ostream* os) {
  *os << '"' << s.view() << '"';
}

}  // namespace scalper

namespace scalper::feed::test {

// Exact decimal from text; a test typo fails loudly.
inline Decimal dec(std::string_view text) {
  Decimal d;
  EXPECT_EQ(parse_decimal(text, d, Rounding::Exact), DecimalStatus::Ok) << text;
  return d;
}

// Every item, in order. Allocates (tests only).
struct RecordingSink : StreamSink {
  void on_order(const ExchangeOrder& o) override { orders.push_back(o); }
  void on_position(const PositionUpdate& p) override { positions.push_back(p); }
  void on_balance(const BalanceUpdate& b) override { balances.push_back(b); }
  void on_price(const PriceTick& t) override { prices.push_back(t); }
  void on_trade(const TradeTick& t) override { trades.push_back(t); }
  void on_mark_price(const MarkPrice& m) override { marks.push_back(m); }

  [[nodiscard]] std::size_t total() const {
    return orders.size() + positions.size() + balances.size() + prices.size() + trades.size() +
           marks.size();
  }
  void clear() { *this = RecordingSink{}; }

  std::vector<ExchangeOrder> orders;
  std::vector<PositionUpdate> positions;
  std::vector<BalanceUpdate> balances;
  std::vector<PriceTick> prices;
  std::vector<TradeTick> trades;
  std::vector<MarkPrice> marks;
};

// Counts items without allocating (for the allocation tests and the benchmark).
struct CountingSink : StreamSink {
  void on_order(const ExchangeOrder&) override { ++n; }
  void on_position(const PositionUpdate&) override { ++n; }
  void on_balance(const BalanceUpdate&) override { ++n; }
  void on_price(const PriceTick&) override { ++n; }
  void on_trade(const TradeTick&) override { ++n; }
  void on_mark_price(const MarkPrice&) override { ++n; }
  std::uint64_t n = 0;
};

// `text` as a JSON string literal, quotes included: what the exchange puts in `data`.
inline std::string json_quote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

// {"event":"<name>","data":"<payload text, escaped>"}: the form observed on the wire.
inline std::string string_envelope(std::string_view event, std::string_view payload) {
  return "{\"event\":\"" + std::string(event) + "\",\"data\":" + json_quote(payload) + "}";
}
// {"event":"<name>","data":<payload>}: the form the documentation shows.
inline std::string inline_envelope(std::string_view event, std::string_view payload) {
  return "{\"event\":\"" + std::string(event) + "\",\"data\":" + std::string(payload) + "}";
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A file from tests/data/coindcx/.
inline std::string fixture(std::string_view name) {
  return read_file(std::string(SCALPER_CODEC_DATA_DIR) + "/" + std::string(name));
}

}  // namespace scalper::feed::test
