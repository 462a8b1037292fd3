// scenarios.hpp — named, recorded trading scenarios: the sample journals and the demo.
//
// Each scenario drives an EngineHarness the way the exchange and an operator would; the events
// it stepped (EngineHarness::journal) are what tests/data/journals/<name>.jrnl holds. The
// journal-samples test re-runs them and checks the files and their replay digests, so a change
// of behaviour or of the event layout cannot slip by unnoticed.
// Threading: one thread. Allocation: yes (test helper).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "engine_harness.hpp"
#include "scalper/engine/journal.hpp"

namespace scalper::testing {

namespace detail {

inline OrderId placed(const std::vector<Action>& actions) {
  const auto places = all_of<PlaceOrder>(actions);
  return places.empty() ? OrderId{} : places.back().order;
}

inline ArmTimer armed(const std::vector<Action>& actions) {
  const auto timers = all_of<ArmTimer>(actions);
  return timers.empty() ? ArmTimer{} : timers.back();
}

}  // namespace detail

// Two round trips of one ETH bot, fees included.
inline void scenario_basic_cycles(EngineHarness& h) {
  const BotId bot =
      h.create_bot(EventFactory::params("ETH/USDT", Side::Buy, "0.01", "3900", "3950"));
  for (int i = 0; i < 2; ++i) {
    h.fill_and_accept_next(bot, "3899.8", "0.0195");
    h.fill_and_accept_next(bot, "3950.1", "0.0198");
  }
}

// What `./scalper demo` replays: three bots, partial fills, a retry, an update, a cancel made
// on the exchange, a stream outage with a fill missed and caught up, an invalid command, stop.
inline void scenario_demo(EngineHarness& h) {
  EventFactory& f = h.events();

  // ETH: buy first, loops. A fill, a partial exit, then the full exit: cycle 1.
  const BotId eth =
      h.create_bot(EventFactory::params("ETH/USDT", Side::Buy, "0.01", "3900", "3950"));
  OrderId exit = h.fill_and_accept_next(eth, "3899.8", "0.0195");
  h.send(h.report(exit, ExchangeStatus::PartiallyFilled, "0.004", "3950.2", "0.0079"));
  h.fill(exit, "3950.1", "0.0198");
  h.accept(detail::placed(h.last()));

  // BTC: sell first, one cycle only. The exit's first placement fails transiently and is
  // retried after the back-off.
  BotParams btc_params = EventFactory::params("BTC/USDT", Side::Sell, "0.001", "60000", "61000");
  btc_params.infinite_loop = false;
  const BotId btc = h.create_bot(btc_params);
  h.fill(h.live_order(btc), "61000", "0.0305");
  h.step(
      f.rejected(detail::placed(h.last()), "HTTP 503 Service Unavailable", RejectKind::Transient));
  const ArmTimer retry = detail::armed(h.last());
  f.advance(retry.deadline_mono_ns - f.mono_ns());
  h.step(f.timer(btc, retry.generation, TimerKind::PlaceRetry));
  h.accept(detail::placed(h.last()));
  h.fill(h.live_order(btc), "59998.5", "0.03");

  // SOL: the operator moves the buy price; later someone cancels the order on the exchange.
  const BotId sol = h.create_bot(EventFactory::params("SOL/USDT", Side::Buy, "1", "140", "145"));
  const OrderId sol_first = h.live_order(sol);
  BotParams move;
  move.buy_price = dec("139.5");
  h.step(f.update(sol, move, kUpdateBuyPrice));
  h.cancelled_on_exchange(sol_first);
  h.accept(detail::placed(h.last()));
  h.cancelled_on_exchange(h.live_order(sol));  // not ours: auto-stop

  // A typo the engine refuses: sell below buy.
  h.step(f.create(EventFactory::params("DOGE/USDT", Side::Buy, "100", "0.2", "0.19")));

  // The stream drops; ETH's buy fills meanwhile; the listing after reconnecting catches it up.
  const OrderId eth_buy = h.live_order(eth);
  h.step(f.disconnected());
  h.step(f.connected());
  const std::uint64_t listing = all_of<QueryOrders>(h.last()).back().request_id;
  h.step(f.reconcile_begin(listing));
  h.step(f.reconcile_order(listing,
                           h.report(eth_buy, ExchangeStatus::Filled, "0.01", "3899.9", "0.0195")));
  h.step(f.reconcile_end(listing));
  h.accept(detail::placed(h.last()));

  // The operator stops ETH while it holds the position.
  exit = h.live_order(eth);
  h.step(f.stop(eth));
  h.cancelled_on_exchange(exit);
}

struct Scenario {
  std::string_view name;
  void (*run)(EngineHarness&);
};

inline constexpr Scenario kScenarios[] = {
    {"basic_cycles", scenario_basic_cycles},
    {"demo", scenario_demo},
};

// The journal file of a recorded run.
inline std::vector<std::byte> encode_journal(const EngineConfig& config,
                                             const std::vector<Event>& events) {
  std::vector<std::byte> bytes(journal::header_size());
  journal::encode_header(config, bytes);
  for (const Event& ev : events) {
    const std::size_t at = bytes.size();
    bytes.resize(at + journal::record_size(ev));
    journal::encode_record(ev, std::span<std::byte>(bytes).subspan(at));
  }
  return bytes;
}

}  // namespace scalper::testing
