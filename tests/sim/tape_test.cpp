// The trade tape (--trades-csv): parsing, errors by line, and replay through the market.
#include <gtest/gtest.h>

#include <scalper/sim/market.hpp>
#include <scalper/sim/tape.hpp>

namespace scalper::sim {
namespace {

std::string error_of(std::string_view text) {
  auto r = parse_trade_tape(text);
  return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : "<parsed>";
}

TEST(TradeTape, ParsesTradesSkippingHeaderCommentsAndBlankLines) {
  auto r = parse_trade_tape(
      "time_ms,pair,price,quantity\r\n"
      "# a comment\n"
      "1705516361108,B-ID_USDT,0.3473,40\n"
      "\n"
      "1705516361200, B-ID_USDT , 3.474e-1 ,1.5\n");
  ASSERT_TRUE(std::holds_alternative<std::vector<TapeTrade>>(r)) << std::get<std::string>(r);
  const auto& t = std::get<std::vector<TapeTrade>>(r);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].time_ms, 1705516361108);
  EXPECT_EQ(t[0].pair, "B-ID_USDT");
  EXPECT_EQ(t[0].price, Decimal::from_raw(34'730'000));
  EXPECT_EQ(t[1].price, Decimal::from_raw(34'740'000));
  EXPECT_EQ(t[1].quantity, Decimal::from_raw(150'000'000));
}

TEST(TradeTape, ErrorsNameTheLine) {
  EXPECT_EQ(error_of(""), "no trades in the tape");
  EXPECT_EQ(error_of("1,B-ID_USDT,0.3\n"), "line 1: want 4 fields: time_ms,pair,price,quantity");
  EXPECT_EQ(error_of("1,B-ID_USDT,0.3,1,9\n"),
            "line 1: want 4 fields: time_ms,pair,price,quantity");
  EXPECT_EQ(error_of("2,B-ID_USDT,0.3,1\n1,B-ID_USDT,0.3,1\n"), "line 2: time goes backwards");
  EXPECT_EQ(error_of("x1,B,1,1\n"), "no trades in the tape") << "a header only";
  EXPECT_EQ(error_of("root:x:0\nbin:x:1\n"), "line 2: want 4 fields: time_ms,pair,price,quantity")
      << "only the first line may be a header";
  EXPECT_EQ(error_of("1,B,1,1\nx,B,1,1\n"), "line 2: time_ms 'x' is not a non-negative integer");
  EXPECT_EQ(error_of("1,,1,1\n"), "line 1: pair is empty");
  EXPECT_EQ(error_of("1,B,0,1\n"), "line 1: price '0' is not a positive decimal");
  EXPECT_EQ(error_of("1,B,1,-1\n"), "line 1: quantity '-1' is not a non-negative decimal");
}

TEST(TradeTape, AReplayedTradePrintsItsOwnQuantityAndMatches) {
  Exchange ex(ExchangeConfig{});
  Exchange::Events ev;
  OrderRequest r;
  r.pair = "B-ID_USDT";
  r.side = Side::Buy;
  r.price = Decimal::from_raw(34'000'000);  // 0.34
  r.quantity = Decimal::from_units(100);
  r.leverage = 5;
  ASSERT_TRUE(std::holds_alternative<SimOrder>(ex.place(r, 1, ev)));
  ev.clear();
  ASSERT_FALSE(
      ex.set_price("B-ID_USDT", Decimal::from_raw(33'990'000), 2, ev, Decimal::from_units(7)));
  EXPECT_NE(ev.at(1).data.find(R"("q":"7.0")"), std::string::npos) << ev.at(1).data;
  EXPECT_EQ(ex.fills().size(), 1u);
}

}  // namespace
}  // namespace scalper::sim
