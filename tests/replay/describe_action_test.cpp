#include "describe_action.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "event_factory.hpp"

namespace scalper::replay {
namespace {

using scalper::testing::dec;
using scalper::testing::sym;
using scalper::testing::xid;

template <std::size_t... I>
std::vector<Action> one_default_of_each(std::index_sequence<I...>) {
  return {Action(std::in_place_index<I>)...};
}

TEST(DescribeAction, GivesEveryKindItsOwnTag) {
  const auto actions = one_default_of_each(std::make_index_sequence<std::variant_size_v<Action>>{});
  std::set<std::string> tags;
  for (const Action& a : actions) {
    const std::string line = describe_action(a);
    ASSERT_FALSE(line.empty());
    EXPECT_EQ(line.find('?'), std::string::npos) << line;
    tags.insert(line.substr(0, line.find(' ')));
  }
  EXPECT_EQ(tags.size(), actions.size());
}

TEST(DescribeAction, WritesAPlacementAsSideQuantitySymbolAndPrice) {
  PlaceOrder p;
  p.order = OrderId{3};
  p.bot = BotId{1};
  p.symbol = sym("ETH/USDT");
  p.price = dec("3900");
  p.quantity = dec("0.01");
  p.leverage = 3;
  EXPECT_EQ(describe_action(p), "PLACE order=3 bot=1 BUY 0.01 ETH/USDT @ 3900.0 lev=3 CoinDCX F");
}

TEST(DescribeAction, WritesActivityLogsWithTheOriginalText) {
  ActivityLog l;
  l.bot = BotId{1};
  l.kind = LogKind::CreatePlaced;
  l.level = LogLevel::Success;
  l.side = Side::Buy;
  l.a = dec("3900");
  EXPECT_EQ(describe_action(l), "LOG SUCCESS bot=1 Bot started and buy order placed at $3900.0");
}

TEST(DescribeAction, WritesCancelsWithTheirReason) {
  CancelOrder c;
  c.order = OrderId{7};
  c.bot = BotId{2};
  c.symbol = sym("BTC/USDT");
  c.exchange_id = xid("abc-1");
  c.reason = CancelReason::Update;
  c.venue = Venue::Bybit;
  EXPECT_EQ(describe_action(c), "CANCEL order=7 bot=2 BTC/USDT xid=abc-1 reason=update Bybit");
  c.exchange_id.clear();
  EXPECT_EQ(describe_action(c), "CANCEL order=7 bot=2 BTC/USDT xid=- reason=update Bybit");
}

TEST(DescribeAction, WritesTimerDeadlinesToTheNanosecond) {
  ArmTimer t;
  t.bot = BotId{2};
  t.generation = 4;
  t.kind = TimerKind::CancelTimeout;
  t.deadline_mono_ns = 5'000'000'007;
  EXPECT_EQ(describe_action(t), "TIMER cancel-timeout bot=2 gen=4 deadline=5.000000007s");
  t.deadline_mono_ns = -1;
  EXPECT_EQ(describe_action(t), "TIMER cancel-timeout bot=2 gen=4 deadline=-0.000000001s");
}

TEST(DescribeAction, WritesBotStateWithPnlTradesAndPosition) {
  BotChanged c;
  c.bot.id = BotId{1};
  c.bot.ticker = sym("ETH/USDT");
  c.bot.status = BotStatus::Active;
  c.bot.pnl = dec("0.4637");
  c.bot.total_trades = 1;
  c.bot.position = dec("-0.01");
  c.bot.live_order = OrderId{3};
  EXPECT_EQ(describe_action(c),
            "BOT bot=1 ETH/USDT ACTIVE pnl=0.4637 trades=1 position=-0.01 live=3");
  c.bot.live_order = OrderId{};
  EXPECT_EQ(describe_action(c),
            "BOT bot=1 ETH/USDT ACTIVE pnl=0.4637 trades=1 position=-0.01 live=-");
  EXPECT_EQ(describe_action(BotDeleted{BotId{9}}), "BOT-DELETED bot=9");
}

TEST(DescribeAction, WritesOrdersFillsAndCycles) {
  OrderChanged o;
  o.order.id = OrderId{2};
  o.order.bot = BotId{1};
  o.order.symbol = sym("ETH/USDT");
  o.order.side = Side::Sell;
  o.order.price = dec("3950");
  o.order.quantity = dec("0.01");
  o.order.filled_qty = dec("0.004");
  o.order.avg_price = dec("3950.2");
  o.order.fee = dec("0.0079");
  o.order.status = OrderStatus::PendingCancel;
  o.order.cancel_reason = CancelReason::Stop;
  o.order.exchange_id = xid("X2");
  EXPECT_EQ(describe_action(o),
            "ORDER order=2 bot=1 SELL 0.01 ETH/USDT @ 3950.0 PENDING_CANCEL filled=0.004 "
            "avg=3950.2 fee=0.0079 xid=X2 cancel=stop");

  FillApplied f;
  f.order = OrderId{2};
  f.bot = BotId{1};
  f.symbol = sym("ETH/USDT");
  f.side = Side::Sell;
  f.quantity = dec("0.004");
  f.price = dec("3950.2");
  f.fee = dec("0.0079");
  f.position_after = dec("0.006");
  EXPECT_EQ(describe_action(f),
            "FILL order=2 bot=1 SELL 0.004 ETH/USDT @ 3950.2 fee=0.0079 position=0.006");

  CycleCompleted c;
  c.bot = BotId{1};
  c.cycle = 2;
  c.pnl = dec("0.4637");
  c.quantity = dec("0.01");
  c.buy_notional = dec("38.998");
  c.sell_notional = dec("39.501");
  c.fees = dec("0.0393");
  EXPECT_EQ(describe_action(c),
            "CYCLE bot=1 n=2 pnl=0.4637 qty=0.01 buy=38.998 sell=39.501 fees=0.0393");
}

TEST(DescribeAction, WritesCommandResultsWithTheirReason) {
  CommandResult r;
  r.cmd_id = 5;
  r.status = CommandStatus::Invalid;
  r.text = ReasonText::truncated("sell_price must be above buy_price");
  EXPECT_EQ(describe_action(r), "RESULT cmd=5 INVALID text=\"sell_price must be above buy_price\"");
  r = CommandResult{};
  r.cmd_id = 6;
  r.bot = BotId{2};
  r.count = 3;
  EXPECT_EQ(describe_action(r), "RESULT cmd=6 OK bot=2 count=3");
}

TEST(DescribeAction, WritesOnlyTheNotifyFieldsThatAreSet) {
  Notify n;
  n.kind = NotifyKind::OrderFilledOppositePlaced;
  n.level = LogLevel::Success;
  n.bot = BotId{1};
  n.ticker = sym("ETH/USDT");
  n.side = Side::Buy;
  n.price = dec("3899.8");
  n.side2 = Side::Sell;
  n.price2 = dec("3950");
  n.quantity = dec("0.01");
  n.exchange_id = xid("X2");
  EXPECT_EQ(describe_action(n),
            "NOTIFY filled-opposite-placed SUCCESS bot=1 ETH/USDT side=BUY price=3899.8 "
            "side2=SELL price2=3950.0 qty=0.01 xid=X2");
  Notify stop;
  stop.kind = NotifyKind::EmergencyStop;
  stop.level = LogLevel::Error;
  stop.count = 4;
  EXPECT_EQ(describe_action(stop), "NOTIFY emergency-stop ERROR bot=0 count=4");
}

}  // namespace
}  // namespace scalper::replay
