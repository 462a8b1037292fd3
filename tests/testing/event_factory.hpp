// event_factory.hpp — builds engine events with sensible defaults, stamping seq and clocks.
//
// Tests, benchmarks and the sample-journal generator describe scenarios with it:
//   EventFactory f;  engine.step(f.create(f.params("ETH/USDT")), out);
// Every call advances seq by one and both clocks by `tick_ns` (1 ms by default).
// Threading: one thread. Allocation: none.
#pragma once

#include <cstdint>
#include <string_view>

#include "scalper/engine/events.hpp"

namespace scalper::testing {

inline Decimal dec(std::string_view text) {
  Decimal d;
  if (parse_decimal(text, d) != DecimalStatus::Ok) __builtin_trap();  // test literal typo
  return d;
}

inline ExchangeOrderId xid(std::string_view text) {
  ExchangeOrderId id;
  if (!id.try_assign(text)) __builtin_trap();
  return id;
}

inline Symbol sym(std::string_view text) {
  Symbol s;
  if (!s.try_assign(text)) __builtin_trap();
  return s;
}

class EventFactory {
 public:
  static constexpr std::int64_t kStartWallNs = 1'761'400'000'000'000'000;  // 2025-10-25

  explicit EventFactory(std::int64_t tick_ns = 1'000'000) : tick_ns_(tick_ns) {}

  // The original UI's typical bot: ETH/USDT on CoinDCX F, buy first, 0.01 @ 3900 / 3950.
  static BotParams params(std::string_view ticker = "ETH/USDT", Side first = Side::Buy,
                          std::string_view qty = "0.01", std::string_view buy = "3900",
                          std::string_view sell = "3950") {
    BotParams p;
    p.ticker = sym(ticker);
    p.first_side = first;
    p.quantity = dec(qty);
    p.buy_price = dec(buy);
    p.sell_price = dec(sell);
    p.leverage = 3;
    p.infinite_loop = true;
    return p;
  }

  Event make(EventBody body) {
    Event ev;
    ev.seq = ++seq_;
    mono_ns_ += tick_ns_;
    ev.mono_ns = mono_ns_;
    ev.wall_ns = kStartWallNs + mono_ns_;
    ev.body = body;
    return ev;
  }

  // Stamps seq and both clocks on an event built in place, as the feed thread decodes straight
  // into its queue slot (benchmarks use this to keep copies of the body out of the loop).
  void stamp(Event& ev) {
    ev.seq = ++seq_;
    mono_ns_ += tick_ns_;
    ev.mono_ns = mono_ns_;
    ev.wall_ns = kStartWallNs + mono_ns_;
  }

  // Moves both clocks forward without an event (to pass timer deadlines).
  void advance(std::int64_t ns) { mono_ns_ += ns; }
  [[nodiscard]] std::int64_t mono_ns() const { return mono_ns_; }
  [[nodiscard]] std::uint64_t seq() const { return seq_; }

  Event create(const BotParams& p) { return make(CreateBot{++cmd_, p}); }
  Event update(BotId bot, const BotParams& p, std::uint16_t fields) {
    UpdateBot u;
    u.cmd_id = ++cmd_;
    u.bot = bot;
    u.params = p;
    u.fields = fields;
    return make(u);
  }
  Event start(BotId bot) { return make(StartBot{++cmd_, bot}); }
  Event stop(BotId bot) { return make(StopBot{++cmd_, bot}); }
  Event toggle(BotId bot) { return make(ToggleBot{++cmd_, bot}); }
  Event remove(BotId bot) { return make(DeleteBot{++cmd_, bot}); }
  Event stop_all() { return make(StopAll{++cmd_}); }

  Event accepted(OrderId order, std::string_view exchange_id) {
    return make(OrderAccepted{order, xid(exchange_id)});
  }
  Event rejected(OrderId order, std::string_view reason, RejectKind kind = RejectKind::Definitive) {
    OrderRejected r;
    r.order = order;
    r.kind = kind;
    r.reason = ReasonText::truncated(reason);
    return make(r);
  }
  Event outcome_unknown(OrderId order) { return make(OrderOutcomeUnknown{order}); }
  Event cancel_failed(OrderId order, std::string_view reason) {
    return make(CancelFailed{order, ReasonText::truncated(reason)});
  }

  // An exchange report of an order. Quantities are cumulative.
  static ExchangeOrder report(std::string_view exchange_id, ExchangeStatus status, Side side,
                              std::string_view price, std::string_view total,
                              std::string_view filled, std::string_view avg = "0",
                              std::string_view fee = "0", std::string_view symbol = "ETH/USDT") {
    ExchangeOrder o;
    o.exchange_id = xid(exchange_id);
    o.symbol = sym(symbol);
    o.status = status;
    o.side = side;
    o.price = dec(price);
    o.total_qty = dec(total);
    o.filled_qty = dec(filled);
    o.avg_price = dec(avg);
    o.fee = dec(fee);
    return o;
  }
  Event update_event(const ExchangeOrder& o) { return make(OrderUpdate{o}); }

  Event connected(Venue v = Venue::CoinDcxFutures) {
    StreamConnected c;
    c.venue = v;
    return make(c);
  }
  Event disconnected(Venue v = Venue::CoinDcxFutures) {
    StreamDisconnected d;
    d.venue = v;
    return make(d);
  }
  Event reconcile_begin(std::uint64_t request, Venue v = Venue::CoinDcxFutures) {
    ReconcileBegin b;
    b.request_id = request;
    b.venue = v;
    return make(b);
  }
  Event reconcile_order(std::uint64_t request, const ExchangeOrder& o) {
    return make(ReconcileOrder{request, o});
  }
  Event reconcile_end(std::uint64_t request, Venue v = Venue::CoinDcxFutures) {
    ReconcileEnd e;
    e.request_id = request;
    e.venue = v;
    return make(e);
  }
  Event timer(BotId bot, std::uint64_t generation, TimerKind kind) {
    TimerFired t;
    t.bot = bot;
    t.generation = generation;
    t.kind = kind;
    return make(t);
  }
  // A venue timer (TradeCheck, Sweep): no bot.
  Event venue_timer(std::uint64_t generation, TimerKind kind, Venue v = Venue::CoinDcxFutures) {
    TimerFired t;
    t.generation = generation;
    t.kind = kind;
    t.venue = v;
    return make(t);
  }
  Event trade(std::string_view symbol, std::string_view price, Venue v = Venue::CoinDcxFutures) {
    MarketTrade t;
    (void)t.symbol.try_assign(symbol);
    t.price = dec(price);
    t.venue = v;
    return make(t);
  }
  Event silent(std::int64_t ms, Venue v = Venue::CoinDcxFutures) {
    return make(StreamSilent{ms, v, {}});
  }

 private:
  std::int64_t tick_ns_;
  std::int64_t mono_ns_ = 0;
  std::uint64_t seq_ = 0;
  std::uint64_t cmd_ = 0;
};

}  // namespace scalper::testing
