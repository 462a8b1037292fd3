// engine_harness.hpp — drives an Engine through scenarios in tests and reads back what it did.
//
//   EngineHarness h;            // venue CoinDCX F enabled, stream connected and reconciled
//   BotId bot = h.create_bot(EventFactory::params());   // returns the bot; its order is live
//   h.fill(h.live_order(bot));  // the exchange fills it: h.last() holds the step's actions
// Exchange ids are "X<order id>". Every step must return StepStatus::Ok.
// Threading: one thread. Allocation: yes (test helper, off the measured path).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "event_factory.hpp"
#include "scalper/engine/engine.hpp"
#include "scalper/engine/log_format.hpp"

namespace scalper::testing {

inline std::string text_of(const ActivityLog& l) {
  char buf[kLogTextMax];
  return std::string(buf, format_log(l, buf));
}

template <class T>
std::vector<T> all_of(const std::vector<Action>& actions) {
  std::vector<T> found;
  for (const Action& a : actions) {
    if (const T* t = std::get_if<T>(&a)) found.push_back(*t);
  }
  return found;
}

inline std::vector<std::string> log_texts(const std::vector<Action>& actions) {
  std::vector<std::string> texts;
  for (const ActivityLog& l : all_of<ActivityLog>(actions)) texts.push_back(text_of(l));
  return texts;
}

class EngineHarness {
 public:
  static EngineConfig default_config() {
    EngineConfig c;
    c.max_bots = 64;
    return c;
  }

  explicit EngineHarness(const EngineConfig& config = default_config(), bool connect = true)
      : engine_(config), out_(engine_.outbox_capacity()) {
    if (connect) this->connect();
  }

  Engine& engine() { return engine_; }
  EventFactory& events() { return f_; }

  // Steps one event; returns (and keeps in last()) the actions it produced.
  const std::vector<Action>& step(const Event& ev) {
    out_.clear();
    const StepStatus s = engine_.step(ev, out_);
    EXPECT_EQ(s, StepStatus::Ok) << "seq " << ev.seq;
    EXPECT_FALSE(out_.overflowed());
    last_.assign(out_.actions().begin(), out_.actions().end());
    journal_.push_back(ev);
    return last_;
  }
  const std::vector<Action>& last() const { return last_; }
  const std::vector<Event>& journal() const { return journal_; }

  // Stream up, then an empty listing: the venue goes Live.
  void connect(Venue v = Venue::CoinDcxFutures) {
    step(f_.connected(v));
    const auto q = all_of<QueryOrders>(last_);
    ASSERT_EQ(q.size(), 1u);
    step(f_.reconcile_begin(q[0].request_id, v));
    step(f_.reconcile_end(q[0].request_id, v));
  }

  // Creates a bot and, when `accept` is set, accepts its first order.
  BotId create_bot(const BotParams& p, bool accept = true) {
    step(f_.create(p));
    const auto r = all_of<CommandResult>(last_);
    EXPECT_EQ(r.size(), 1u);
    if (r.empty()) return {};
    const BotId id = r[0].bot;
    if (accept) {
      const auto places = all_of<PlaceOrder>(last_);
      EXPECT_EQ(places.size(), 1u);
      if (!places.empty()) this->accept(places[0].order);
    }
    return id;
  }

  static std::string exchange_id_of(OrderId order) { return "X" + std::to_string(order.value); }

  const std::vector<Action>& accept(OrderId order) {
    return step(f_.accepted(order, exchange_id_of(order)));
  }

  // The bot's order as the engine sees it; fails the test if there is none.
  OrderId live_order(BotId bot) {
    const BotRecord* b = engine_.find_bot(bot);
    EXPECT_NE(b, nullptr);
    return b == nullptr ? OrderId{} : b->live_order;
  }
  const OrderRecord& order(OrderId id) {
    const OrderRecord* o = engine_.find_order(id);
    if (o == nullptr) {
      ADD_FAILURE() << "no order " << id.value;
      static OrderRecord none;
      return none;
    }
    return *o;
  }
  const BotRecord& bot(BotId id) {
    const BotRecord* b = engine_.find_bot(id);
    if (b == nullptr) {
      ADD_FAILURE() << "no bot " << id.value;
      static BotRecord none;
      return none;
    }
    return *b;
  }

  // An exchange report for one of our orders; quantities as text, defaults from the order.
  ExchangeOrder report(OrderId id, ExchangeStatus status, std::string_view filled,
                       std::string_view avg = "0", std::string_view fee = "0") {
    const OrderRecord& o = order(id);
    char price[kDecimalTextMax], qty[kDecimalTextMax];
    const std::string p(price, format_decimal(o.price, price));
    const std::string q(qty, format_decimal(o.quantity, qty));
    ExchangeOrder r = EventFactory::report(exchange_id_of(id), status, o.side, p, q, filled, avg,
                                           fee, o.symbol.view());
    r.exchange_ts_ms = o.created_wall_ns / 1'000'000;  // accepted as soon as it was sent
    return r;
  }
  const std::vector<Action>& send(const ExchangeOrder& r) { return step(f_.update_event(r)); }

  // Fully fills an order at its limit price (or at `avg`), cumulative fee `fee`.
  const std::vector<Action>& fill(OrderId id, std::string_view avg = "0",
                                  std::string_view fee = "0") {
    char qty[kDecimalTextMax];
    const std::string q(qty, format_decimal(order(id).quantity, qty));
    return send(report(id, ExchangeStatus::Filled, q, avg, fee));
  }
  const std::vector<Action>& cancelled_on_exchange(OrderId id, std::string_view filled = "0") {
    return send(
        report(id, filled == "0" ? ExchangeStatus::Cancelled : ExchangeStatus::PartiallyCancelled,
               filled));
  }

  // Fills the live order and accepts the opposite order it places; returns that order.
  OrderId fill_and_accept_next(BotId bot, std::string_view avg = "0", std::string_view fee = "0") {
    fill(live_order(bot), avg, fee);
    const auto places = all_of<PlaceOrder>(last_);
    EXPECT_EQ(places.size(), 1u);
    if (places.empty()) return {};
    accept(places[0].order);
    return places[0].order;
  }

 private:
  Engine engine_;
  Outbox out_;
  EventFactory f_;
  std::vector<Action> last_;
  std::vector<Event> journal_;
};

}  // namespace scalper::testing
