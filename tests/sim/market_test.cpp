// The simulated account and market: matching, fees, positions, margin, validation, determinism.
#include <gtest/gtest.h>

#include <scalper/sim/json.hpp>
#include <scalper/sim/market.hpp>

namespace scalper::sim {
namespace {

Decimal D(std::string_view text) {
  Decimal d;
  EXPECT_EQ(parse_decimal(text, d), DecimalStatus::Ok) << text;
  return d;
}

OrderRequest limit(Side side, std::string_view price, std::string_view qty,
                   std::string pair = "B-ETH_USDT", std::int64_t leverage = 5) {
  OrderRequest r;
  r.pair = std::move(pair);
  r.side = side;
  r.type = OrderType::Limit;
  r.price = D(price);
  r.quantity = D(qty);
  r.leverage = leverage;
  return r;
}

// The order statuses the stream announced for `id`, in order.
std::vector<std::string> statuses(const Exchange::Events& events, const std::string& id) {
  std::vector<std::string> v;
  for (const auto& e : events) {
    if (e.event != "df-order-update") continue;
    std::string error;
    auto n = parse_json(e.data, error);
    EXPECT_TRUE(n.has_value()) << error;
    const JsonNode& o = n->items.at(0);
    if (o.find("id")->text == id) v.push_back(o.find("status")->text);
  }
  return v;
}

std::string field_of_last(const Exchange::Events& events, std::string_view event,
                          std::string_view field) {
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    if (it->event != event) continue;
    std::string error;
    auto n = parse_json(it->data, error);
    const JsonNode& o = n->kind == JsonNode::Kind::Array ? n->items.at(0) : *n;
    return o.find(field)->text;
  }
  return "<none>";
}

class MarketTest : public ::testing::Test {
 protected:
  MarketTest() : ex(config()) {}
  static ExchangeConfig config() {
    ExchangeConfig c;
    c.usdt_balance = Decimal::from_units(10'000);
    return c;
  }
  SimOrder place_ok(const OrderRequest& r, std::int64_t now = 1000) {
    auto res = ex.place(r, now, ev);
    EXPECT_TRUE(std::holds_alternative<SimOrder>(res))
        << (std::holds_alternative<Reject>(res) ? std::get<Reject>(res).message : "");
    return std::holds_alternative<SimOrder>(res) ? std::get<SimOrder>(res) : SimOrder{};
  }
  Reject place_rejected(const OrderRequest& r) {
    auto res = ex.place(r, 1000, ev);
    EXPECT_TRUE(std::holds_alternative<Reject>(res));
    return std::holds_alternative<Reject>(res) ? std::get<Reject>(res) : Reject{};
  }
  const SimWallet& usdt() const {
    for (const SimWallet* w : ex.wallets()) {
      if (w->currency == "USDT") return *w;
    }
    throw std::logic_error("no USDT wallet");
  }

  Exchange ex;
  Exchange::Events ev;
};

TEST_F(MarketTest, RestingBuyOpensThenFillsAsMakerWhenThePriceFallsToIt) {
  const SimOrder o = place_ok(limit(Side::Buy, "3400", "0.5"));
  EXPECT_EQ(o.status, OrderStatus::Initial);  // the REST reply shows the order as created
  EXPECT_EQ(statuses(ev, o.id), (std::vector<std::string>{"initial", "open"}));
  EXPECT_EQ(ex.resting_orders(), 1u);
  // Margin 3400 × 0.5 / 5 = 340 is locked.
  EXPECT_EQ(usdt().locked_balance, D("340"));

  ev.clear();
  ASSERT_FALSE(ex.set_price("B-ETH_USDT", D("3400.01"), 2000, ev));
  EXPECT_TRUE(statuses(ev, o.id).empty()) << "one cent above the limit must not fill";
  ASSERT_FALSE(ex.set_price("B-ETH_USDT", D("3390"), 3000, ev));
  EXPECT_EQ(statuses(ev, o.id), (std::vector<std::string>{"filled"}));

  const SimOrder* filled = ex.order(o.id);
  EXPECT_EQ(filled->avg_price, D("3400"));  // the limit, not the lower print
  // Maker fee 0.025 % of 1700 = 0.425.
  EXPECT_EQ(filled->fee_amount, D("0.425"));
  ASSERT_EQ(ex.fills().size(), 1u);
  EXPECT_TRUE(ex.fills()[0].is_maker);
  const SimPosition* p = ex.position("B-ETH_USDT");
  EXPECT_EQ(p->active_pos, D("0.5"));
  EXPECT_EQ(p->avg_price, D("3400"));
  EXPECT_EQ(p->locked_margin, D("340"));  // order margin became position margin
  EXPECT_EQ(usdt().balance, D("9999.575"));
  EXPECT_EQ(usdt().locked_balance, D("340"));
  EXPECT_EQ(ex.resting_orders(), 0u);
  // A filled event says so in every field a client reads.
  EXPECT_EQ(field_of_last(ev, "df-order-update", "filled_quantity"), "0.5");
  EXPECT_EQ(field_of_last(ev, "df-order-update", "remaining_quantity"), "0.0");
  EXPECT_EQ(field_of_last(ev, "df-position-update", "active_pos"), "0.5");
  EXPECT_EQ(field_of_last(ev, "balance-update", "balance"), "9999.575");
}

TEST_F(MarketTest, ACycleRealisesExactPnlLessBothFees) {
  const SimOrder buy = place_ok(limit(Side::Buy, "3400", "0.5"));
  ASSERT_FALSE(ex.set_price("B-ETH_USDT", D("3400"), 2000, ev));
  const SimOrder sell = place_ok(limit(Side::Sell, "3410", "0.5"));
  // Closing a long needs no new margin.
  EXPECT_EQ(ex.order(sell.id)->ideal_margin, Decimal{});
  ASSERT_FALSE(ex.set_price("B-ETH_USDT", D("3410"), 3000, ev));
  EXPECT_EQ(ex.order(sell.id)->status, OrderStatus::Filled);
  EXPECT_EQ(ex.order(buy.id)->status, OrderStatus::Filled);
  const SimPosition* p = ex.position("B-ETH_USDT");
  EXPECT_TRUE(p->active_pos.is_zero());
  EXPECT_EQ(p->realized_pnl, D("5"));  // (3410 − 3400) × 0.5
  // Fees: 0.425 + 0.42625.
  EXPECT_EQ(usdt().balance, D("10004.14875"));
  EXPECT_EQ(usdt().locked_balance, Decimal{});
}

TEST_F(MarketTest, MarketableOrderTakesAtTheLastPrice) {
  const SimOrder o = place_ok(limit(Side::Buy, "3600", "1"));
  EXPECT_EQ(statuses(ev, o.id), (std::vector<std::string>{"initial", "open", "filled"}));
  EXPECT_EQ(ex.order(o.id)->avg_price, D("3500"));
  EXPECT_FALSE(ex.fills().back().is_maker);
  EXPECT_EQ(ex.order(o.id)->fee_amount, D("2.625"));  // taker 0.075 % of 3500
}

TEST_F(MarketTest, ShortThenFlipThroughZero) {
  place_ok(limit(Side::Sell, "3400", "1"));  // marketable: sells at 3500
  EXPECT_EQ(ex.position("B-ETH_USDT")->active_pos, D("-1"));
  place_ok(limit(Side::Buy, "3600", "3"));  // buys 3 at 3500: closes 1, opens 2 long
  const SimPosition* p = ex.position("B-ETH_USDT");
  EXPECT_EQ(p->active_pos, D("2"));
  EXPECT_EQ(p->avg_price, D("3500"));
  EXPECT_TRUE(p->realized_pnl.is_zero());
}

TEST_F(MarketTest, CancelReleasesMarginAndPartialCancelKeepsTheFill) {
  const SimOrder a = place_ok(limit(Side::Buy, "3400", "0.5"));
  ASSERT_FALSE(ex.cancel(a.id, 2000, ev));
  EXPECT_EQ(ex.order(a.id)->status, OrderStatus::Cancelled);
  EXPECT_EQ(usdt().locked_balance, Decimal{});
  EXPECT_EQ(ex.resting_orders(), 0u);
  auto again = ex.cancel(a.id, 2000, ev);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->message, "Order is already cancelled");
  EXPECT_EQ(ex.cancel("no-such-id", 2000, ev)->http_status, 400);
}

TEST(MarketPartial, PartialFillsAcrossTicksThenPartiallyCancelled) {
  ExchangeConfig c;
  c.partial_fills = true;
  Exchange ex(c);
  Exchange::Events ev;
  auto res = ex.place(limit(Side::Buy, "3400", "0.8"), 1000, ev);
  const SimOrder o = std::get<SimOrder>(res);
  ASSERT_FALSE(ex.set_price("B-ETH_USDT", D("3399"), 2000, ev));
  EXPECT_EQ(ex.order(o.id)->status, OrderStatus::PartiallyFilled);
  EXPECT_EQ(ex.order(o.id)->filled_quantity(), D("0.4"));
  ASSERT_FALSE(ex.set_price("B-ETH_USDT", D("3398"), 3000, ev));
  EXPECT_EQ(ex.order(o.id)->filled_quantity(), D("0.6"));
  ASSERT_FALSE(ex.cancel(o.id, 4000, ev));
  EXPECT_EQ(ex.order(o.id)->status, OrderStatus::PartiallyCancelled);
  EXPECT_EQ(ex.order(o.id)->cancelled_quantity, D("0.2"));
  EXPECT_EQ(statuses(ev, o.id),
            (std::vector<std::string>{"initial", "open", "partially_filled", "partially_filled",
                                      "partially_cancelled"}));
  EXPECT_EQ(ex.position("B-ETH_USDT")->active_pos, D("0.6"));
}

TEST(MarketQuirk, ZeroFilledQuantityOnTheFinalEventWhenAsked) {
  for (bool quirk : {false, true}) {
    ExchangeConfig c;
    c.zero_filled_qty_on_final = quirk;
    Exchange ex(c);
    Exchange::Events ev;
    (void)ex.place(limit(Side::Buy, "3600", "0.01"), 1000, ev);
    EXPECT_EQ(field_of_last(ev, "df-order-update", "status"), "filled");
    EXPECT_EQ(field_of_last(ev, "df-order-update", "filled_quantity"), quirk ? "0.0" : "0.01");
  }
}

TEST_F(MarketTest, ValidationUsesTheInstrumentAndCoinDcxMessages) {
  EXPECT_EQ(place_rejected(limit(Side::Buy, "3400.005", "0.5")).message,
            "Price should be divisible by 0.01");
  EXPECT_EQ(place_rejected(limit(Side::Buy, "3400", "0.0005")).message,
            "Quantity should be divisible by 0.001");
  EXPECT_EQ(place_rejected(limit(Side::Buy, "3400", "0.001")).message,
            "Order value should be at least 6.0 USDT");
  EXPECT_EQ(place_rejected(limit(Side::Buy, "3900", "0.01")).message,
            "Please enter a value lower than 3780.0");  // band: 3500 × 1.08
  EXPECT_EQ(place_rejected(limit(Side::Buy, "3000", "0.01")).message,
            "Please enter a value higher than 3220.01");
  const Reject lev = place_rejected(limit(Side::Buy, "3400", "0.5", "B-ETH_USDT", 51));
  EXPECT_EQ(lev.http_status, 422);
  const Reject funds = place_rejected(limit(Side::Buy, "3400", "100", "B-ETH_USDT", 5));
  EXPECT_EQ(funds.http_status, 422);
  EXPECT_EQ(funds.message, "Insufficient funds");
  EXPECT_EQ(place_rejected(limit(Side::Buy, "1", "1", "B-NOPE_USDT")).message,
            "Invalid pair B-NOPE_USDT");
  EXPECT_EQ(ex.resting_orders(), 0u);
  EXPECT_TRUE(ev.empty()) << "a refused order announces nothing";
}

TEST_F(MarketTest, LeverageFollowsAnIdlePositionAndIsEnforcedOtherwise) {
  place_ok(limit(Side::Buy, "3400", "0.5", "B-ETH_USDT", 3));
  EXPECT_EQ(ex.position("B-ETH_USDT")->leverage, 3);
  const Reject r = place_rejected(limit(Side::Buy, "3300", "0.5", "B-ETH_USDT", 5));
  EXPECT_EQ(r.http_status, 422);
  EXPECT_EQ(r.message, "Order leverage must be equal to position leverage");
  EXPECT_TRUE(ex.update_leverage("B-ETH_USDT", 5, 1000, ev).has_value())
      << "leverage cannot change under open orders";
}

TEST_F(MarketTest, EditMovesTheOrderAndItsMargin) {
  const SimOrder o = place_ok(limit(Side::Buy, "3400", "0.5"));
  auto res = ex.edit(o.id, D("1"), D("3300"), 2000, ev);
  ASSERT_TRUE(std::holds_alternative<SimOrder>(res)) << std::get<Reject>(res).message;
  EXPECT_EQ(ex.order(o.id)->price, D("3300"));
  EXPECT_EQ(usdt().locked_balance, D("660"));
  ASSERT_FALSE(ex.set_price("B-ETH_USDT", D("3350"), 3000, ev));
  EXPECT_EQ(ex.order(o.id)->status, OrderStatus::Open) << "the old price no longer rests";
  ASSERT_FALSE(ex.set_price("B-ETH_USDT", D("3300"), 4000, ev));
  EXPECT_EQ(ex.order(o.id)->status, OrderStatus::Filled);
  auto bad = ex.edit(o.id, D("1"), D("3300"), 5000, ev);
  EXPECT_TRUE(std::holds_alternative<Reject>(bad));
}

TEST_F(MarketTest, ImmediateOrCancelRemainderIsCancelled) {
  OrderRequest r = limit(Side::Buy, "3400", "0.5");
  r.time_in_force = "immediate_or_cancel";
  const SimOrder o = place_ok(r);
  EXPECT_EQ(ex.order(o.id)->status, OrderStatus::Cancelled);
  EXPECT_EQ(ex.resting_orders(), 0u);
  EXPECT_EQ(usdt().locked_balance, Decimal{});
}

TEST_F(MarketTest, RejectNextOrderOnTheStreamOrOverHttp) {
  ex.reject_next_order(Exchange::RejectMode::Stream);
  const SimOrder o = place_ok(limit(Side::Buy, "3400", "0.5"));
  EXPECT_EQ(statuses(ev, o.id), (std::vector<std::string>{"initial", "rejected"}));
  EXPECT_EQ(ex.resting_orders(), 0u);
  EXPECT_EQ(usdt().locked_balance, Decimal{});
  ex.reject_next_order(Exchange::RejectMode::Http);
  EXPECT_EQ(place_rejected(limit(Side::Buy, "3400", "0.5")).http_status, 422);
  place_ok(limit(Side::Buy, "3400", "0.5"));  // one-shot
}

TEST_F(MarketTest, CancelAllCancelsOnlyLiveOrdersOfTheCurrency) {
  place_ok(limit(Side::Buy, "3400", "0.5"));
  place_ok(limit(Side::Buy, "3300", "0.5"));
  place_ok(limit(Side::Buy, "64000", "0.001", "B-BTC_USDT"));
  ASSERT_FALSE(ex.set_price("B-BTC_USDT", D("63000"), 2000, ev));  // fills the BTC one
  EXPECT_EQ(ex.cancel_all("INR", 3000, ev), 0u);
  EXPECT_EQ(ex.cancel_all("USDT", 3000, ev), 2u);
  EXPECT_EQ(ex.resting_orders(), 0u);
}

TEST_F(MarketTest, ListsNewestFirstAndFiltersByStatus) {
  const SimOrder a = place_ok(limit(Side::Buy, "3400", "0.5"));
  const SimOrder b = place_ok(limit(Side::Sell, "3600", "0.5"));
  ASSERT_FALSE(ex.cancel(a.id, 2000, ev));
  auto all = ex.orders({});
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0]->id, b.id);
  OrderFilter open;
  open.statuses = {OrderStatus::Open};
  ASSERT_EQ(ex.orders(open).size(), 1u);
  EXPECT_EQ(ex.orders(open)[0]->id, b.id);
  EXPECT_EQ(parse_status("CANCELED"), OrderStatus::Cancelled);
  EXPECT_EQ(parse_status("partially_cancelled"), OrderStatus::PartiallyCancelled);
  EXPECT_FALSE(parse_status("done").has_value());
}

TEST(MarketWalk, SameSeedSamePathAndIdsOtherSeedOtherPath) {
  auto run = [](std::uint64_t seed) {
    ExchangeConfig c;
    c.seed = seed;
    Exchange ex(c);
    Exchange::Events ev;
    std::vector<Decimal> prices;
    for (int i = 0; i < 200; ++i) {
      EXPECT_FALSE(ex.walk_step("B-BTC_USDT", i, ev));
      prices.push_back(*ex.last_price("B-BTC_USDT"));
    }
    auto o = ex.place(limit(Side::Buy, "60000", "0.001", "B-BTC_USDT"), 0, ev);
    return std::pair{prices, std::get<SimOrder>(o).id};
  };
  const auto a = run(7);
  const auto b = run(7);
  const auto c = run(8);
  EXPECT_EQ(a, b);
  EXPECT_NE(a.first, c.first);
  EXPECT_NE(a.second, c.second);
  // Each step moves at least one tick and at most 5 bps (the default volatility) plus a tick.
  Decimal prev = Decimal::from_units(65'000);
  for (Decimal p : a.first) {
    const Decimal move = p > prev ? p - prev : prev - p;
    EXPECT_GE(move, D("0.1"));
    EXPECT_LE(move, D("32.6")) << "5 bps of ~65000 is ~32.5";
    prev = p;
  }
  EXPECT_EQ(a.second.size(), 36u);
  EXPECT_EQ(a.second[14], '4') << "RFC 4122 version 4 layout";
}

TEST(MarketWalk, PublishesThePublicChannelsInTheDocumentedShapes) {
  Exchange ex(ExchangeConfig{});
  Exchange::Events ev;
  ASSERT_FALSE(ex.set_price("B-ID_USDT", D("0.3474"), 1705516361108, ev));
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0].channel, "B-ID_USDT@prices-futures");
  EXPECT_EQ(ev[0].event, "price-change");
  EXPECT_EQ(ev[0].data, R"({"T":1705516361108,"p":"0.3474","pr":"f"})");
  EXPECT_EQ(ev[1].channel, "B-ID_USDT@trades-futures");
  EXPECT_EQ(ev[1].event, "new-trade");
  EXPECT_EQ(
      ev[1].data,
      R"({"T":1705516361108,"RT":1705516361108,"p":"0.3474","q":"40.0","m":0,"s":"B-ID_USDT","pr":"f"})");
  EXPECT_EQ(ev[2].channel, "currentPrices@futures@rt");
  EXPECT_EQ(ev[2].event, "currentPrices@futures#update");
}

}  // namespace
}  // namespace scalper::sim
