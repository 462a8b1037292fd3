// Every CoinDCX stream fixture (tests/data/coindcx/ws_*), each wrapped in both envelope forms
// (data as escaped JSON text, data inline), every decoded field checked.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <string_view>

#include "codec_test_support.hpp"
#include "scalper/feed/coindcx_stream.hpp"

namespace scalper::feed {
namespace {

using test::dec;
using test::fixture;
using test::RecordingSink;

// Decodes `payload` for `event` in both envelope forms; `check` sees each form's sink.
void in_both_forms(std::string_view event, const std::string& payload, std::size_t items,
                   const std::function<void(const RecordingSink&)>& check) {
  CoinDcxStreamDecoder decoder;
  for (const std::string& args :
       {test::string_envelope(event, payload), test::inline_envelope(event, payload)}) {
    SCOPED_TRACE(args.substr(0, 60));
    RecordingSink sink;
    const DecodeOutcome r = decoder.decode(event, args, sink);
    ASSERT_EQ(r.status, DecodeStatus::Decoded) << describe(r).view();
    EXPECT_EQ(r.error, DecodeError::None);
    EXPECT_EQ(r.items, items);
    ASSERT_EQ(sink.total(), items);
    check(sink);
  }
  EXPECT_EQ(decoder.counters().frames, 2u);
  EXPECT_EQ(decoder.counters().items, 2 * items);
  EXPECT_EQ(decoder.counters().malformed, 0u);
  EXPECT_EQ(decoder.counters().unknown_events, 0u);
}

TEST(CoinDcxStreamFixtures, DfOrderUpdate) {
  in_both_forms("df-order-update", fixture("ws_df_order_update.json"), 1,
                [](const RecordingSink& s) {
                  const ExchangeOrder& o = s.orders.at(0);
                  EXPECT_EQ(o.exchange_id.view(), "ff5a645f-84b7-4d63-b513-9e2f960855fc");
                  EXPECT_EQ(o.symbol.view(), "ID/USDT");
                  EXPECT_EQ(o.side, Side::Sell);
                  EXPECT_EQ(o.status, ExchangeStatus::Cancelled);
                  EXPECT_EQ(o.price, dec("0.9"));
                  EXPECT_EQ(o.total_qty, Decimal{});
                  EXPECT_EQ(o.filled_qty, Decimal{});  // 0 − 0 − 0: no filled_quantity field
                  EXPECT_EQ(o.avg_price, Decimal{});
                  EXPECT_EQ(o.fee, Decimal{});
                  EXPECT_EQ(o.exchange_ts_ms, 1705915012812);
                  EXPECT_EQ(o.venue, Venue::CoinDcxFutures);
                });
}

TEST(CoinDcxStreamFixtures, DfPositionUpdate) {
  in_both_forms("df-position-update", fixture("ws_df_position_update.json"), 1,
                [](const RecordingSink& s) {
                  const PositionUpdate& p = s.positions.at(0);
                  EXPECT_EQ(p.position_id.view(), "571eae12-236a-11ef-b36f-83670ba609ec");
                  EXPECT_EQ(p.symbol.view(), "BNB/USDT");
                  EXPECT_EQ(p.active_pos, Decimal{});
                  EXPECT_EQ(p.avg_price, Decimal{});
                  EXPECT_EQ(p.liquidation_price, Decimal{});
                  EXPECT_EQ(p.mark_price, Decimal{});
                  EXPECT_EQ(p.locked_margin, Decimal{});
                  EXPECT_EQ(p.leverage, dec("10"));
                  EXPECT_EQ(p.updated_at_ms, 1717754279737);
                  EXPECT_EQ(p.margin_currency.view(), "INR");
                });
}

TEST(CoinDcxStreamFixtures, BalanceUpdate) {
  in_both_forms("balance-update", fixture("ws_balance_update.json"), 1, [](const RecordingSink& s) {
    const BalanceUpdate& b = s.balances.at(0);
    EXPECT_EQ(b.currency.view(), "USDT");
    EXPECT_EQ(b.balance, dec("1.0221449"));
    EXPECT_EQ(b.locked_balance, dec("0.99478995"));
  });
}

TEST(CoinDcxStreamFixtures, NewTradeDocumented) {
  in_both_forms("new-trade", fixture("ws_new_trade_futures.json"), 1, [](const RecordingSink& s) {
    const TradeTick& t = s.trades.at(0);
    EXPECT_EQ(t.symbol.view(), "ID/USDT");
    EXPECT_EQ(t.price, dec("0.3473"));
    EXPECT_EQ(t.quantity, dec("40"));
    EXPECT_EQ(t.exchange_ts_ms, 1705516361108);
    EXPECT_EQ(t.rt_ms, 1705516416271);  // 1705516416271.6133, integer part
    EXPECT_TRUE(t.buyer_is_maker);
  });
}

TEST(CoinDcxStreamFixtures, NewTradeObserved) {
  in_both_forms("new-trade", fixture("ws_OBSERVED_new_trade_futures.json"), 1,
                [](const RecordingSink& s) {
                  const TradeTick& t = s.trades.at(0);
                  EXPECT_EQ(t.symbol.view(), "BTC/USDT");
                  EXPECT_EQ(t.price, dec("81088.4"));
                  EXPECT_EQ(t.quantity, dec("0.003"));
                  EXPECT_EQ(t.exchange_ts_ms, 1788457808799);
                  EXPECT_EQ(t.rt_ms, 1788457893377);
                  EXPECT_TRUE(t.buyer_is_maker);
                });
}

// The one fixture that is a whole event argument as received (spot, data as a string).
TEST(CoinDcxStreamFixtures, ObservedEnvelopeAsReceived) {
  const std::string args = fixture("ws_OBSERVED_envelope_new_trade_spot.json");
  CoinDcxStreamDecoder decoder;
  RecordingSink sink;
  const DecodeOutcome r = decoder.decode("new-trade", args, sink);
  ASSERT_TRUE(r.ok()) << describe(r).view();
  ASSERT_EQ(sink.trades.size(), 1u);
  const TradeTick& t = sink.trades[0];
  EXPECT_EQ(t.symbol.view(), "BTC/USDT");
  EXPECT_EQ(t.price, dec("81090.88"));
  EXPECT_EQ(t.quantity, dec("0.00009"));
  EXPECT_EQ(t.exchange_ts_ms, 1788457449084);
  EXPECT_EQ(t.rt_ms, 0);
  EXPECT_TRUE(t.buyer_is_maker);
}

TEST(CoinDcxStreamFixtures, PriceChange) {
  in_both_forms("price-change", fixture("ws_price_change_futures.json"), 1,
                [](const RecordingSink& s) {
                  const PriceTick& t = s.prices.at(0);
                  EXPECT_TRUE(t.symbol.empty());  // the event names no pair
                  EXPECT_EQ(t.price, dec("0.3473"));
                  EXPECT_EQ(t.exchange_ts_ms, 1705516361108);
                });
  in_both_forms("price-change", fixture("ws_OBSERVED_price_change_futures.json"), 1,
                [](const RecordingSink& s) {
                  const PriceTick& t = s.prices.at(0);
                  EXPECT_TRUE(t.symbol.empty());
                  EXPECT_EQ(t.price, dec("81088.4"));
                  EXPECT_EQ(t.exchange_ts_ms, 1788457808799);
                });
}

TEST(CoinDcxStreamFixtures, CurrentPricesDocumented) {
  // B-UNI_USDT carries neither mp nor ls: skipped.
  in_both_forms("currentPrices@futures#update", fixture("ws_current_prices_futures_update.json"), 1,
                [](const RecordingSink& s) {
                  const MarkPrice& m = s.marks.at(0);
                  EXPECT_EQ(m.symbol.view(), "LDO/USDT");
                  EXPECT_TRUE(m.has_mark_price);
                  EXPECT_EQ(m.mark_price, dec("2.87559482"));
                  EXPECT_FALSE(m.has_last_price);
                  EXPECT_EQ(m.last_price, Decimal{});
                  EXPECT_EQ(m.exchange_ts_ms, 1707384027242);
                });
}

TEST(CoinDcxStreamFixtures, CurrentPricesMarkPriceVariant) {
  in_both_forms("currentPrices@futures#update",
                fixture("ws_OBSERVED_current_prices_futures_markprice_variant.json"), 1,
                [](const RecordingSink& s) {
                  const MarkPrice& m = s.marks.at(0);
                  EXPECT_EQ(m.symbol.view(), "LDO/USDT");
                  EXPECT_TRUE(m.has_mark_price);
                  EXPECT_EQ(m.mark_price, dec("2.87559482"));
                  EXPECT_FALSE(m.has_last_price);
                  EXPECT_EQ(m.exchange_ts_ms, 1788457809589);
                });
}

TEST(CoinDcxStreamFixtures, CurrentPricesTickerVariant) {
  in_both_forms("currentPrices@futures#update",
                fixture("ws_OBSERVED_current_prices_futures_ticker_variant.json"), 1,
                [](const RecordingSink& s) {
                  const MarkPrice& m = s.marks.at(0);
                  EXPECT_EQ(m.symbol.view(), "AVA/USDT");
                  EXPECT_FALSE(m.has_mark_price);
                  EXPECT_EQ(m.mark_price, Decimal{});
                  EXPECT_TRUE(m.has_last_price);
                  EXPECT_EQ(m.last_price, dec("0.2024"));
                  EXPECT_EQ(m.exchange_ts_ms, 1788457809705);
                });
}

// Events the codec does not decode (candles, depth) are counted and skipped, whatever they hold.
TEST(CoinDcxStreamFixtures, CandlesAndDepthAreUnknownEvents) {
  CoinDcxStreamDecoder decoder;
  RecordingSink sink;
  struct Case {
    std::string_view event;
    std::string_view file;
  };
  for (const Case& c : {Case{"candlestick", "ws_candlestick_futures.json"},
                        Case{"candlestick", "ws_OBSERVED_candlestick_futures.json"},
                        Case{"depth-snapshot", "ws_depth_snapshot_futures.json"},
                        Case{"depth-update", "ws_depth_snapshot_futures.json"}}) {
    const std::string payload = fixture(c.file);
    for (const std::string& args :
         {test::string_envelope(c.event, payload), test::inline_envelope(c.event, payload)}) {
      const DecodeOutcome r = decoder.decode(c.event, args, sink);
      EXPECT_EQ(r.status, DecodeStatus::UnknownEvent) << c.file;
      EXPECT_EQ(r.items, 0u);
    }
  }
  EXPECT_EQ(sink.total(), 0u);
  EXPECT_EQ(decoder.counters().unknown_events, 8u);
  EXPECT_EQ(decoder.counters().frames, 8u);
  EXPECT_EQ(decoder.counters().malformed, 0u);
}

}  // namespace
}  // namespace scalper::feed
