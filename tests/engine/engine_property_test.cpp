// engine_property_test.cpp — seeded random event sequences, invariants checked after every step.
//
// A generator drives one Engine through long, random but plausible histories: operator commands
// for ~20 bots (BUY- and SELL-first, looping or not, valid and invalid definitions and updates),
// REST outcomes for the orders the engine places (accepted, rejected definitively or
// transiently, outcome unknown with the order live or not), a simulated exchange that fills,
// cancels and rejects those orders and reports them on a reordering, duplicating stream that
// loses what is sent while it is down (and sometimes beats the REST acceptance that names the
// id), cancel failures and timeouts, disconnects and the listings that answer the engine's
// QueryOrders (open orders, recent history, now and then a longer page of it), the timers the
// engine arms (fired once the simulated clock passes their deadline, plus stale ones), and
// nonsense the engine must ignore (unknown ids, fills beyond the quantity, the wrong side,
// repeated or stale REST outcomes and timers).
//
// A checker that sees only each step's actions and the engine's public accessors (never its
// internals) checks the invariants of engine.cpp's banner and docs/architecture.md §3 after every
// step; each failure message starts with the invariant's tag in brackets.
//
// A second mix (WorldOptions) adds the kill switch and restarts: the process dies at random
// points, most often right after a placement went out, and a new one takes over from the last
// checkpoint and the journal after it, then steps Recovered (its state must equal the dead
// one's, byte for byte); bots get prices of their own there, so the book is checked too. A
// third test cuts those histories anywhere and checks that restore(save()) changes nothing.
//
// Environment:
//   SCALPER_SEED=<n>|random      the seed of EngineProperty.InvariantsHoldForSeedFromEnvironment
//   SCALPER_PROPERTY_STEPS=<n>   events per seed (default kDefaultSteps)
//   SCALPER_PROPERTY_MINIMISE=1  on failure, shrink the event sequence and print the result
//                                (greedy chunk removal; slow, and ids shift, so read it as a hint)
//   SCALPER_PROPERTY_STATS=1     print what a run covered (events, actions and log kinds by
//                                kind, engine counters, bot states at the end); with
//                                SCALPER_PROPERTY_STATS_ORDERS=1 also every bot's live order
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "event_factory.hpp"
#include "scalper/engine/digest.hpp"
#include "scalper/engine/engine.hpp"

namespace scalper::testing {
namespace {

// Events per seed: ~0.25 s a seed in a Debug -O1 build, ~1.3 s under ASan (measured on the
// 2-core dev machine, nine seeds).
constexpr std::uint64_t kDefaultSteps = 100'000;
constexpr std::uint64_t kFixedSeeds[] = {1,        2,          3,          0x5ca1,
                                         0xdecade, 0xfeedface, 0xc0ffee11, 20251025};
constexpr std::uint32_t kMaxBots = 24;   // the engine's limit: creates beyond it are refused
constexpr std::size_t kTargetBots = 20;  // the generator keeps about this many alive
constexpr std::size_t kTraceTail = 60;   // events shown with a failure

// ================================================================== environment ====

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

std::uint64_t steps_from_env() {
  const auto v = env("SCALPER_PROPERTY_STEPS");
  if (!v) return kDefaultSteps;
  const std::uint64_t n = std::strtoull(v->c_str(), nullptr, 10);
  return n == 0 ? kDefaultSteps : n;
}

// ========================================================================= text ====

std::string text(Decimal d) {
  char buf[kDecimalTextMax];
  return std::string(buf, format_decimal(d, buf));
}

std::string describe(const ExchangeOrder& o) {
  std::ostringstream s;
  s << o.exchange_id.view() << ' ' << label(o.venue) << ' ' << o.symbol.view() << ' '
    << lower(o.side) << ' ' << label(o.status) << " px " << text(o.price) << " qty "
    << text(o.total_qty) << " filled " << text(o.filled_qty) << " avg " << text(o.avg_price)
    << " fee " << text(o.fee);
  return s.str();
}

std::string describe(const BotParams& p, std::uint16_t fields) {
  std::ostringstream s;
  auto has = [fields](std::uint16_t f) { return (fields & f) != 0; };
  if (has(kUpdateTicker)) s << " ticker=" << p.ticker.view();
  if (has(kUpdateQuantity)) s << " qty=" << text(p.quantity);
  if (has(kUpdateBuyPrice)) s << " buy=" << text(p.buy_price);
  if (has(kUpdateSellPrice)) s << " sell=" << text(p.sell_price);
  if (has(kUpdateTrailing)) s << " trailing=" << text(p.trailing_percent);
  if (has(kUpdateVenue)) s << " venue=" << static_cast<int>(p.venue);
  if (has(kUpdateFirstSide)) s << " first=" << static_cast<int>(p.first_side);
  if (has(kUpdateLeverage)) s << " lev=" << static_cast<int>(p.leverage);
  if (has(kUpdateInfiniteLoop)) s << " loop=" << p.infinite_loop;
  return s.str();
}

constexpr std::uint16_t kAllFields = 0x1ff;

struct EventText {
  std::string operator()(const CreateBot& e) const {
    return "CreateBot" + describe(e.params, kAllFields);
  }
  std::string operator()(const UpdateBot& e) const {
    return "UpdateBot bot " + std::to_string(e.bot.value) + describe(e.params, e.fields);
  }
  std::string operator()(const StartBot& e) const {
    return "StartBot bot " + std::to_string(e.bot.value);
  }
  std::string operator()(const StopBot& e) const {
    return "StopBot bot " + std::to_string(e.bot.value);
  }
  std::string operator()(const ToggleBot& e) const {
    return "ToggleBot bot " + std::to_string(e.bot.value);
  }
  std::string operator()(const DeleteBot& e) const {
    return "DeleteBot bot " + std::to_string(e.bot.value);
  }
  std::string operator()(const StopAll&) const { return "StopAll"; }
  std::string operator()(const OrderAccepted& e) const {
    return "OrderAccepted order " + std::to_string(e.order.value) + " as " +
           std::string(e.exchange_id.view());
  }
  std::string operator()(const OrderRejected& e) const {
    return "OrderRejected order " + std::to_string(e.order.value) +
           (e.kind == RejectKind::Transient ? " transient" : " definitive");
  }
  std::string operator()(const OrderOutcomeUnknown& e) const {
    return "OrderOutcomeUnknown order " + std::to_string(e.order.value);
  }
  std::string operator()(const CancelFailed& e) const {
    return "CancelFailed order " + std::to_string(e.order.value);
  }
  std::string operator()(const OrderUpdate& e) const { return "OrderUpdate " + describe(e.order); }
  std::string operator()(const StreamConnected& e) const {
    return "StreamConnected " + std::string(label(e.venue));
  }
  std::string operator()(const StreamDisconnected& e) const {
    return "StreamDisconnected " + std::string(label(e.venue));
  }
  std::string operator()(const ReconcileBegin& e) const {
    return "ReconcileBegin request " + std::to_string(e.request_id);
  }
  std::string operator()(const ReconcileOrder& e) const {
    return "ReconcileOrder request " + std::to_string(e.request_id) + " " + describe(e.order);
  }
  std::string operator()(const ReconcileEnd& e) const {
    return "ReconcileEnd request " + std::to_string(e.request_id) + " " +
           std::string(label(e.venue));
  }
  std::string operator()(const TimerFired& e) const {
    return "TimerFired bot " + std::to_string(e.bot.value) + " gen " +
           std::to_string(e.generation) + " kind " + std::to_string(static_cast<int>(e.kind)) +
           " " + std::string(label(e.venue));
  }
  std::string operator()(const MarketTrade& e) const {
    return "MarketTrade " + std::string(e.symbol.view()) + " @ " + text(e.price) + " " +
           std::string(label(e.venue));
  }
  std::string operator()(const StreamSilent& e) const {
    return "StreamSilent " + std::to_string(e.silent_ms) + "ms " + std::string(label(e.venue));
  }
  std::string operator()(const Recovered& e) const {
    return "Recovered from checkpoint #" + std::to_string(e.checkpoint_seq) + ", " +
           std::to_string(e.replayed) + " replayed";
  }
  std::string operator()(const Halt& e) const {
    return "Halt (" + std::string(lower(e.reason)) + ")";
  }
  std::string operator()(const Resume&) const { return "Resume"; }
};

std::string describe(const Event& ev) {
  return "#" + std::to_string(ev.seq) + " t=" + std::to_string(ev.mono_ns / 1'000'000) + "ms " +
         std::visit(EventText{}, ev.body);
}

std::string describe(const OrderRecord& o) {
  std::ostringstream s;
  s << "order " << o.id.value << " bot " << o.bot.value << ' ' << lower(o.side) << ' '
    << label(o.status) << " px " << text(o.price) << " qty " << text(o.quantity) << " filled "
    << text(o.filled_qty) << " xid '" << o.exchange_id.view() << "' cancel "
    << lower(o.cancel_reason);
  return s.str();
}

std::string describe(const BotRecord& b) {
  std::ostringstream s;
  s << "bot " << b.id.value << ' ' << label(b.status) << ' ' << b.ticker.view() << ' '
    << label(b.venue) << " first " << upper(b.first_side) << " qty " << text(b.quantity) << " pos "
    << text(b.position) << " pnl " << text(b.pnl) << " trades " << b.total_trades << " live "
    << b.live_order.value << " loop " << b.infinite_loop;
  return s.str();
}

struct ActionText {
  std::string operator()(const PlaceOrder& a) const {
    return "PlaceOrder order " + std::to_string(a.order.value) + " bot " +
           std::to_string(a.bot.value) + " " + std::string(lower(a.side)) + " " + text(a.quantity) +
           " @ " + text(a.price);
  }
  std::string operator()(const CancelOrder& a) const {
    return "CancelOrder order " + std::to_string(a.order.value) + " '" +
           std::string(a.exchange_id.view()) + "' " + std::string(lower(a.reason));
  }
  std::string operator()(const QueryOrders& a) const {
    return "QueryOrders request " + std::to_string(a.request_id);
  }
  std::string operator()(const CancelAllOrders& a) const {
    return "CancelAllOrders " + std::string(label(a.venue));
  }
  std::string operator()(const ArmTimer& a) const {
    return "ArmTimer bot " + std::to_string(a.bot.value) + " gen " + std::to_string(a.generation) +
           " kind " + std::to_string(static_cast<int>(a.kind));
  }
  std::string operator()(const ActivityLog& a) const {
    return "ActivityLog bot " + std::to_string(a.bot.value) + " kind " +
           std::to_string(static_cast<int>(a.kind));
  }
  std::string operator()(const Notify& a) const {
    return "Notify bot " + std::to_string(a.bot.value) + " kind " +
           std::to_string(static_cast<int>(a.kind));
  }
  std::string operator()(const BotChanged& a) const { return "BotChanged " + describe(a.bot); }
  std::string operator()(const BotDeleted& a) const {
    return "BotDeleted bot " + std::to_string(a.bot.value);
  }
  std::string operator()(const OrderChanged& a) const {
    return "OrderChanged " + describe(a.order);
  }
  std::string operator()(const FillApplied& a) const {
    return "FillApplied order " + std::to_string(a.order.value) + " bot " +
           std::to_string(a.bot.value) + " " + std::string(lower(a.side)) + " " + text(a.quantity) +
           " '" + std::string(a.exchange_id.view()) + "' pos after " + text(a.position_after);
  }
  std::string operator()(const CycleCompleted& a) const {
    return "CycleCompleted bot " + std::to_string(a.bot.value) + " pnl " + text(a.pnl) + " cycle " +
           std::to_string(a.cycle);
  }
  std::string operator()(const CommandResult& a) const {
    return "CommandResult cmd " + std::to_string(a.cmd_id) + " bot " + std::to_string(a.bot.value) +
           " status " + std::to_string(static_cast<int>(a.status)) + " " +
           std::string(a.text.view());
  }
};

std::string describe(const Action& a) { return std::visit(ActionText{}, a); }

template <class T>
bool same_bytes(const T& a, const T& b) {
  static_assert(std::has_unique_object_representations_v<T>);
  return std::memcmp(&a, &b, sizeof(T)) == 0;
}

// ========================================================== the invariant checker ====

// Watches one engine step by step. Knows only the events it is shown, the actions they
// produced and the engine's public accessors.
class Checker {
 public:
  explicit Checker(const Engine& engine) : engine_(&engine) {}

  // A restarted process's engine takes over (its state must be the old one's: the World
  // checks that); what was observed so far stays true of it.
  void rebind(const Engine& engine) { engine_ = &engine; }

  // Checks one step; false (with failure() set) at the first violation.
  bool observe(const Event& ev, StepStatus status, const Outbox& out) {
    ++step_;
    if (status != StepStatus::Ok) {
      return fail("[step-ok] step returned status " + std::to_string(static_cast<int>(status)));
    }
    if (out.overflowed()) return fail("[outbox] the step overflowed its outbox");
    note_event(ev);
    placed_.clear();
    deleted_now_.clear();
    for (const Action& a : out.actions()) {
      if (!on_action(a)) {
        failure_ += "\n  in action: " + describe(a);
        return false;
      }
    }
    return after_step();
  }

  [[nodiscard]] const std::string& failure() const { return failure_; }

 private:
  struct BotTrack {
    BotRecord last{};                              // its last BotChanged
    std::uint64_t first_step = 0;                  // the step that first reported it
    std::uint64_t changed_step = 0;                // the step of `last`
    BotStatus status_before = BotStatus::Stopped;  // before changed_step
    Decimal position;                              // Σ signed FillApplied
    Decimal pnl;                                   // Σ CycleCompleted.pnl
    std::uint32_t cycles = 0;
    std::uint64_t armed_generation = 0;
    bool retry_pending = false;              // its latest ArmTimer is a PlaceRetry not yet fired
    std::vector<std::uint64_t> open_orders;  // its non-terminal orders (by OrderChanged)
  };
  struct OrderTrack {
    OrderRecord last{};
    std::uint64_t first_step = 0;
  };

  bool fail(const std::string& why) {
    if (failure_.empty()) failure_ = why;
    return false;
  }

  static BotId bot_of(const Action& a) {
    struct V {
      BotId operator()(const PlaceOrder& x) const { return x.bot; }
      BotId operator()(const CancelOrder& x) const { return x.bot; }
      BotId operator()(const QueryOrders&) const { return {}; }
      BotId operator()(const CancelAllOrders&) const { return {}; }
      BotId operator()(const ArmTimer& x) const { return x.bot; }
      BotId operator()(const ActivityLog& x) const { return x.bot; }
      BotId operator()(const Notify& x) const { return x.bot; }
      BotId operator()(const BotChanged& x) const { return x.bot.id; }
      BotId operator()(const BotDeleted& x) const { return x.bot; }
      BotId operator()(const OrderChanged& x) const { return x.order.bot; }
      BotId operator()(const FillApplied& x) const { return x.bot; }
      BotId operator()(const CycleCompleted& x) const { return x.bot; }
      BotId operator()(const CommandResult& x) const {
        return x.status == CommandStatus::NotFound ? BotId{} : x.bot;
      }
    };
    return std::visit(V{}, a);
  }

  // What the event tells us: timers fired, and what the exchange really filled (the most any
  // credible report claimed: cumulative, within the order's quantity).
  void note_event(const Event& ev) {
    started_ = BotId{};
    event_kind_ = kind_of(ev.body);
    if (const auto* t = std::get_if<TimerFired>(&ev.body)) {
      auto it = bots_.find(t->bot.value);
      if (it != bots_.end() && t->generation == it->second.armed_generation &&
          t->kind == TimerKind::PlaceRetry) {
        it->second.retry_pending = false;
      }
    } else if (const auto* s = std::get_if<StartBot>(&ev.body)) {
      started_ = s->bot;
    } else if (const auto* g = std::get_if<ToggleBot>(&ev.body)) {
      started_ = g->bot;
    } else if (const auto* u = std::get_if<OrderUpdate>(&ev.body)) {
      note_report(u->order);
    } else if (const auto* r = std::get_if<ReconcileOrder>(&ev.body)) {
      note_report(r->order);
    }
  }

  void note_report(const ExchangeOrder& r) {
    Decimal filled = r.filled_qty;
    if (r.status == ExchangeStatus::Filled && filled.is_zero()) filled = r.total_qty;
    if (filled.is_negative() || filled > r.total_qty) return;  // not credible
    Decimal& truth = true_filled_[std::string(r.exchange_id.view())];
    if (filled > truth) truth = filled;
  }

  bool on_action(const Action& a) {
    const BotId who = bot_of(a);
    if (who.valid() && deleted_.count(who.value) != 0) {
      return fail("[deleted-bot] bot " + std::to_string(who.value) +
                  " appears in an action after its BotDeleted");
    }
    switch (kind_of(a)) {
      case ActionKind::PlaceOrder: placed_.push_back(std::get<PlaceOrder>(a)); return true;
      case ActionKind::CancelOrder:
        if (std::get<CancelOrder>(a).exchange_id.empty()) {
          return fail("[cancel-id] CancelOrder without an exchange id");
        }
        return true;
      case ActionKind::ArmTimer: {
        const ArmTimer& t = std::get<ArmTimer>(a);
        if (!t.bot.valid()) return true;  // a venue timer (trade check, sweep)
        BotTrack& b = bots_[t.bot.value];
        b.armed_generation = t.generation;
        b.retry_pending = t.kind == TimerKind::PlaceRetry;
        return true;
      }
      case ActionKind::BotChanged: return on_bot_changed(std::get<BotChanged>(a).bot);
      case ActionKind::BotDeleted:
        deleted_now_.push_back(std::get<BotDeleted>(a).bot.value);
        return true;
      case ActionKind::OrderChanged: return on_order_changed(std::get<OrderChanged>(a).order);
      case ActionKind::FillApplied: return on_fill(std::get<FillApplied>(a));
      case ActionKind::CycleCompleted: {
        const CycleCompleted& c = std::get<CycleCompleted>(a);
        BotTrack& b = bots_[c.bot.value];
        if (!add_checked(b.pnl, c.pnl, b.pnl)) {
          return fail("[pnl] the sum of CycleCompleted.pnl leaves the Decimal range");
        }
        ++b.cycles;
        if (c.cycle != b.cycles) {
          return fail("[cycle-count] CycleCompleted.cycle " + std::to_string(c.cycle) + " but " +
                      std::to_string(b.cycles) + " cycles seen");
        }
        return true;
      }
      case ActionKind::CommandResult: return on_command_result(std::get<CommandResult>(a));
      case ActionKind::QueryOrders:
      case ActionKind::CancelAllOrders:
      case ActionKind::ActivityLog:
      case ActionKind::Notify: return true;
    }
    return true;
  }

  // Decision 13: while halted, whatever would start a bot is refused (all bots are stopped
  // then, so a toggle would start one).
  bool on_command_result(const CommandResult& r) {
    if (!halted_before_) return true;
    const bool starts = event_kind_ == EventKind::CreateBot || event_kind_ == EventKind::StartBot ||
                        event_kind_ == EventKind::ToggleBot;
    if (starts && r.status != CommandStatus::Refused &&
        !(r.status == CommandStatus::NotFound && event_kind_ != EventKind::CreateBot)) {
      return fail("[halt-refuses] a command that starts a bot was answered with status " +
                  std::to_string(static_cast<int>(r.status)) + " while halted");
    }
    return true;
  }

  bool on_bot_changed(const BotRecord& rec) {
    auto [it, inserted] = bots_.try_emplace(rec.id.value);
    BotTrack& b = it->second;
    if (b.first_step == 0) b.first_step = step_;
    if (b.changed_step != step_) {
      b.status_before = b.last.status;
      b.changed_step = step_;
    }
    b.last = rec;
    (void)inserted;
    return true;
  }

  bool on_order_changed(const OrderRecord& rec) {
    if (rec.filled_qty.is_negative() || rec.filled_qty > rec.quantity) {
      return fail("[filled-le-qty] " + describe(rec));
    }
    auto [it, inserted] = orders_.try_emplace(rec.id.value);
    OrderTrack& o = it->second;
    if (inserted) {
      o.first_step = step_;
    } else {
      const OrderRecord& prev = o.last;
      if (is_terminal(prev.status) &&
          (rec.status != prev.status || rec.filled_qty != prev.filled_qty)) {
        return fail("[terminal-stays] was " + describe(prev) + ", now " + describe(rec));
      }
      if (rec.filled_qty < prev.filled_qty) {
        return fail("[filled-monotonic] was " + describe(prev) + ", now " + describe(rec));
      }
      if (!(rec.bot == prev.bot) || rec.side != prev.side || rec.quantity != prev.quantity ||
          rec.price != prev.price) {
        return fail("[order-immutable] was " + describe(prev) + ", now " + describe(rec));
      }
    }
    o.last = rec;
    std::vector<std::uint64_t>& open = bots_[rec.bot.value].open_orders;
    const bool tracked = std::find(open.begin(), open.end(), rec.id.value) != open.end();
    if (is_terminal(rec.status) && tracked) {
      open.erase(std::find(open.begin(), open.end(), rec.id.value));
    } else if (!is_terminal(rec.status) && !tracked) {
      open.push_back(rec.id.value);
    }
    return true;
  }

  bool on_fill(const FillApplied& f) {
    if (!f.quantity.is_positive()) return fail("[fill-positive] FillApplied quantity <= 0");
    BotTrack& b = bots_[f.bot.value];
    if (f.side == Side::Buy)
      b.position += f.quantity;
    else
      b.position -= f.quantity;
    if (f.position_after != b.position) {
      return fail("[position] FillApplied.position_after " + text(f.position_after) +
                  " but the fills so far sum to " + text(b.position));
    }
    if (f.exchange_id.empty()) return fail("[fill-once] FillApplied without an exchange id");
    const std::string xid(f.exchange_id.view());
    Decimal& applied = applied_[xid];
    applied += f.quantity;
    const auto truth = true_filled_.find(xid);
    const Decimal filled = truth == true_filled_.end() ? Decimal{} : truth->second;
    if (applied > filled) {
      return fail("[fill-once] fills applied for " + xid + " sum to " + text(applied) +
                  " but the exchange never reported more than " + text(filled));
    }
    return true;
  }

  bool after_step() {
    const bool halted = engine_->halted();
    if ((halted_before_ || halted) && !placed_.empty()) {
      return fail("[halt-no-place] PlaceOrder order " + std::to_string(placed_[0].order.value) +
                  " while trading is halted");
    }
    halted_before_ = halted;
    for (std::uint64_t id : deleted_now_) {
      auto it = bots_.find(id);
      if (it != bots_.end() && !it->second.open_orders.empty()) {
        return fail("[deleted-bot] bot " + std::to_string(id) +
                    " deleted with a non-terminal order " +
                    std::to_string(it->second.open_orders.front()));
      }
      if (engine_->find_bot(BotId{id}) != nullptr) {
        return fail("[deleted-bot] bot " + std::to_string(id) + " still found after BotDeleted");
      }
      if (it != bots_.end()) bots_.erase(it);
      deleted_.insert(id);
    }
    if (!check_placements()) return false;

    std::uint32_t alive = 0;
    for (auto& [id, b] : bots_) {
      const BotRecord* rec = engine_->find_bot(BotId{id});
      if (b.first_step == 0) {
        // Mentioned (a timer, a fill) but never reported by a BotChanged.
        if (rec != nullptr)
          return fail("[bot-record] bot " + std::to_string(id) + " has no BotChanged");
        continue;
      }
      ++alive;
      if (rec == nullptr) {
        return fail("[bot-record] bot " + std::to_string(id) + " vanished without BotDeleted");
      }
      if (!same_bytes(*rec, b.last)) {
        return fail("[bot-record] find_bot differs from the last BotChanged:\n    engine: " +
                    describe(*rec) + "\n    action: " + describe(b.last));
      }
      if (rec->position != b.position) {
        return fail("[position] " + describe(*rec) + " but its fills sum to " + text(b.position));
      }
      if (rec->pnl != b.pnl || rec->total_trades != b.cycles) {
        return fail("[pnl] " + describe(*rec) + " but its cycles sum to " + text(b.pnl) + " over " +
                    std::to_string(b.cycles));
      }
      if (b.open_orders.size() > 1) {
        return fail("[one-order] bot " + std::to_string(id) + " has non-terminal orders " +
                    std::to_string(b.open_orders[0]) + " and " + std::to_string(b.open_orders[1]));
      }
      const std::uint64_t open = b.open_orders.empty() ? 0 : b.open_orders.front();
      if (rec->live_order.value != open) {
        return fail("[one-order] " + describe(*rec) + " but its non-terminal order is " +
                    std::to_string(open));
      }
      if (open != 0) {
        const OrderRecord* o = engine_->find_order(OrderId{open});
        if (o == nullptr)
          return fail("[order-record] live order " + std::to_string(open) + " not found");
        if (!same_bytes(*o, orders_[open].last)) {
          return fail(
              "[order-record] find_order differs from the last OrderChanged:\n    engine: " +
              describe(*o) + "\n    action: " + describe(orders_[open].last));
        }
      }
      if (halted && rec->status == BotStatus::Active) {
        return fail("[halt-stopped] " + describe(*rec) + " is ACTIVE while trading is halted");
      }
      // An invariant of our own, beyond those of docs/architecture.md §3: an ACTIVE bot on a
      // live venue always has an order working, or a placement retry waiting for its timer.
      if (rec->status == BotStatus::Active && open == 0 && !b.retry_pending &&
          engine_->venue_link(rec->venue) == VenueLink::Live) {
        return fail("[active-works] " + describe(*rec) +
                    " is ACTIVE on a live venue with no order and no retry pending");
      }
    }
    if (alive != engine_->bot_count()) {
      return fail("[bot-record] " + std::to_string(alive) + " bots reported, engine has " +
                  std::to_string(engine_->bot_count()));
    }
    return true;
  }

  bool check_placements() {
    std::set<std::uint64_t> bots_placed;
    for (const PlaceOrder& p : placed_) {
      const std::string what = "PlaceOrder order " + std::to_string(p.order.value) + " bot " +
                               std::to_string(p.bot.value) + ": ";
      if (engine_->venue_link(p.venue) != VenueLink::Live) {
        return fail("[place-live-link] " + what + "venue link is not Live");
      }
      auto it = bots_.find(p.bot.value);
      const BotRecord* rec = engine_->find_bot(p.bot);
      if (it == bots_.end() || rec == nullptr) return fail("[place-bot] " + what + "no such bot");
      const BotTrack& b = it->second;
      if (rec->status != BotStatus::Active) {
        return fail("[place-active] " + what + "bot is " + std::string(label(rec->status)));
      }
      const bool existed = b.first_step != step_;
      const BotStatus before = b.changed_step == step_ ? b.status_before : b.last.status;
      if (existed && before != BotStatus::Active && !(started_ == p.bot)) {
        return fail("[place-active] " + what + "bot was " + std::string(label(before)) +
                    " before this step and the event did not start it");
      }
      if (!bots_placed.insert(p.bot.value).second) {
        return fail("[one-order] " + what + "two placements for one bot in one step");
      }
      auto o = orders_.find(p.order.value);
      if (o == orders_.end() || o->second.first_step != step_ ||
          o->second.last.status != OrderStatus::PendingNew) {
        return fail("[place-new-order] " + what + "order id not new, or not PENDING_NEW");
      }
      if (b.open_orders.size() != 1 || b.open_orders.front() != p.order.value) {
        return fail("[place-one-order] " + what + "bot already had a non-terminal order");
      }
      // Decision 7: flat → the entry (first side, the bot's quantity); else the exit of exactly
      // the open position. At the bot's price for that side.
      const bool flat = rec->position.is_zero();
      const Side side =
          flat ? rec->first_side : (rec->position.is_positive() ? Side::Sell : Side::Buy);
      const Decimal qty =
          flat ? rec->quantity : (rec->position.is_negative() ? -rec->position : rec->position);
      const Decimal price = side == Side::Buy ? rec->buy_price : rec->sell_price;
      if (p.side != side || p.quantity != qty || p.price != price || !(p.symbol == rec->ticker) ||
          p.venue != rec->venue) {
        return fail("[place-shape] " + what + std::string(lower(p.side)) + " " + text(p.quantity) +
                    " @ " + text(p.price) + " but " + describe(*rec));
      }
    }
    return true;
  }

  const Engine* engine_;
  std::uint64_t step_ = 0;
  std::string failure_;
  BotId started_;
  EventKind event_kind_ = EventKind::CreateBot;
  bool halted_before_ = false;
  std::map<std::uint64_t, BotTrack> bots_;
  std::unordered_map<std::uint64_t, OrderTrack> orders_;
  std::set<std::uint64_t> deleted_;
  std::unordered_map<std::string, Decimal> true_filled_;
  std::unordered_map<std::string, Decimal> applied_;
  std::vector<PlaceOrder> placed_;
  std::vector<std::uint64_t> deleted_now_;
};

// Runs `events` through a fresh engine; returns the first violation ("" if none) and, in
// *failed_at, its index.
std::string replay(const EngineConfig& config, const std::vector<Event>& events,
                   std::size_t* failed_at = nullptr) {
  Engine engine(config);
  Outbox out(engine.outbox_capacity());
  Checker checker(engine);
  for (std::size_t i = 0; i < events.size(); ++i) {
    out.clear();
    const StepStatus s = engine.step(events[i], out);
    if (!checker.observe(events[i], s, out)) {
      if (failed_at != nullptr) *failed_at = i;
      return checker.failure();
    }
  }
  return {};
}

std::string tag_of(const std::string& failure) { return failure.substr(0, failure.find(']') + 1); }

// Greedy chunk removal: the shortest prefix that fails, then drop every chunk (halving sizes)
// whose removal keeps the same invariant failing.
std::vector<Event> minimise(const EngineConfig& config, std::vector<Event> events,
                            const std::string& tag) {
  std::size_t at = 0;
  if (replay(config, events, &at).empty()) return events;
  events.resize(at + 1);
  for (std::size_t chunk = events.size() / 2; chunk >= 1; chunk /= 2) {
    for (std::size_t start = 0; start + 1 < events.size();) {
      std::vector<Event> candidate;
      candidate.reserve(events.size());
      const std::size_t end = std::min(start + chunk, events.size() - 1);  // keep the last
      if (end <= start) break;
      for (std::size_t i = 0; i < events.size(); ++i) {
        if (i < start || i >= end) candidate.push_back(events[i]);
      }
      std::size_t cat = 0;
      const std::string f = replay(config, candidate, &cat);
      if (!f.empty() && tag_of(f) == tag) {
        candidate.resize(cat + 1);
        events = std::move(candidate);
      } else {
        start += chunk;
      }
    }
  }
  return events;
}

// ============================================================ the simulated world ====

enum class Fate : std::uint8_t {
  Accept,            // lands on the book; REST says accepted
  UnknownLanded,     // lands on the book; REST times out
  UnknownLost,       // never reaches the book; REST times out
  RejectDefinitive,  // refused by the exchange
  RejectTransient,   // never reached the book (429, 5xx, connection refused)
};

struct SimOrder {
  ExchangeOrderId xid;
  OrderId ours;
  BotId bot;  // whose PlaceOrder put it on the book
  Venue venue = Venue::CoinDcxFutures;
  Side side = Side::Buy;
  ExchangeStatus status = ExchangeStatus::Open;
  Symbol symbol;
  Decimal price;
  Decimal qty;
  Decimal filled;
  Decimal fee;
  Decimal avg;                  // the average it reports once filled; 0 = never reported
  std::int64_t created_ms = 0;  // Unix ms it reached the book (reported as exchange_ts_ms)
  bool closed = false;
  std::int64_t closed_at_ns = 0;       // simulated mono time it closed
  std::vector<ExchangeOrder> history;  // every report it produced, oldest first
};

struct PendingPlace {
  OrderId order;
  Fate fate = Fate::Accept;
  std::size_t sim = 0;  // index in orders_ when it landed
};
struct PendingCancel {
  OrderId order;
  ExchangeOrderId xid;
  bool swept = false;  // by a cancel-all: its failure reaches the engine as nothing at all
};
struct PendingTimer {
  BotId bot;
  std::uint64_t generation = 0;
  std::int64_t deadline = 0;
  TimerKind kind = TimerKind::PlaceRetry;
  Venue venue = Venue::CoinDcxFutures;
};

// What a World throws at the engine beyond the base mix (each off by default, so the base
// mix of a seed stays the history it always was).
struct WorldOptions {
  bool keep_journal = false;  // every event (minimising, checkpoint cuts), else the last few
  bool halts = false;         // the operator's kill switch (Halt, Resume) among the commands
  // The process dies now and then, more often right after it sent a placement, and a new one
  // takes over as the runtime does (docs/architecture.md §4): the last checkpoint, the journal
  // after it, then Recovered. REST answers, timers, listings and stream reports in flight die
  // with it; orders that reached the book stay, and a cancel may have reached it or not.
  bool restarts = false;
  // Every bot definition gets prices of its own, so the book knows whose an order is and the
  // exchange's side is checked too: no bot ever has two orders open on the book.
  bool distinct_shapes = false;
};

WorldOptions everything() {
  WorldOptions o;
  o.halts = true;
  o.restarts = true;
  o.distinct_shapes = true;
  return o;
}

std::vector<std::byte> saved(const Engine& engine) {
  std::vector<std::byte> bytes(engine.checkpoint_capacity());
  bytes.resize(engine.save(bytes));
  return bytes;
}

class World {
 public:
  World(std::uint64_t seed, WorldOptions options)
      : seed_(seed),
        options_(options),
        rng_(seed),
        engine_(std::make_unique<Engine>(config())),
        out_(engine_->outbox_capacity()),
        checker_(*engine_) {}

  static EngineConfig config() {
    EngineConfig c;
    c.max_bots = kMaxBots;
    c.venue_enabled[0] = true;   // CoinDCX F
    c.venue_enabled[1] = false;  // Binance: bots there go to ERROR ("not configured")
    c.venue_enabled[2] = true;   // Bybit
    c.early_update_capacity = 64;
    return c;
  }

  // Runs `steps` events; false at the first violated invariant.
  bool run(std::uint64_t steps) {
    for (std::uint64_t i = 0; i < steps; ++i) {
      advance_clock();
      evolve_exchange();
      Event ev;
      if (options_.restarts && crash_now()) {
        if (!restart()) return false;
        ev = f_.make(Recovered{checkpoint_seq_, replayed_});
      } else {
        ev = next_event();
      }
      out_.clear();
      const StepStatus s = engine_->step(ev, out_);
      ++stepped_;
      journal_.push_back(ev);
      if (!options_.keep_journal && journal_.size() > kTraceTail) journal_.pop_front();
      if (!checker_.observe(ev, s, out_)) return false;
      ++event_counts_[ev.body.index()];
      placed_last_step_ = false;
      for (const Action& a : out_.actions()) {
        ++action_counts_[a.index()];
        if (const auto* l = std::get_if<ActivityLog>(&a)) {
          ++log_counts_[static_cast<std::size_t>(l->kind)];
        }
        placed_last_step_ |= std::holds_alternative<PlaceOrder>(a);
      }
      react(ev);
      if (options_.restarts && !journal_for_restart(ev)) return false;
      if (options_.distinct_shapes && !one_open_order_per_bot()) return false;
    }
    return true;
  }

  [[nodiscard]] std::string failure_report() const {
    std::ostringstream s;
    s << "seed " << seed_ << " (rerun: SCALPER_SEED=" << seed_
      << " --gtest_filter='*FromEnvironment'), step " << stepped_ << ":\n  " << failure()
      << "\nlast events:\n";
    const std::size_t from = journal_.size() > kTraceTail ? journal_.size() - kTraceTail : 0;
    for (std::size_t i = from; i < journal_.size(); ++i) s << "  " << describe(journal_[i]) << '\n';
    s << "actions of the failing step:\n";
    for (const Action& a : out_.actions()) s << "  " << describe(a) << '\n';
    return s.str();
  }

  // What the run covered: events and actions by kind, in variant order.
  [[nodiscard]] std::string coverage() const {
    std::ostringstream s;
    s << "events:";
    for (std::uint64_t n : event_counts_) s << ' ' << n;
    s << "\nactions:";
    for (std::uint64_t n : action_counts_) s << ' ' << n;
    s << "\nactivity logs:";
    for (std::uint64_t n : log_counts_) s << ' ' << n;
    const EngineCounters& c = engine_->counters();
    s << "\ncounters: steps " << c.steps << " duplicate " << c.duplicate_updates << " unknown "
      << c.unknown_orders << " early " << c.early_updates << " stale_timers " << c.stale_timers
      << " stale_outcomes " << c.stale_outcomes << "\nlost reports " << lost_reports_
      << ": trade checks " << c.trade_checks << " silence checks " << c.silence_checks << " sweeps "
      << c.sweeps << " fills recovered " << c.fills_recovered << "\nrestarts " << restarts_
      << ", halted at the end " << engine_->halted() << '\n';
    const bool list_orders = env("SCALPER_PROPERTY_STATS_ORDERS").has_value();
    std::uint32_t by_status[3] = {};
    std::uint32_t working = 0;
    for (std::uint32_t slot = 0; slot < engine_->bot_slots(); ++slot) {
      const BotRecord* b = engine_->bot_at_slot(slot);
      if (b == nullptr) continue;
      ++by_status[static_cast<std::size_t>(b->status)];
      if (!b->live_order.valid()) continue;
      ++working;
      const OrderRecord* o = engine_->find_order(b->live_order);
      if (list_orders && o != nullptr)
        s << "  " << describe(*b) << "\n    " << describe(*o) << '\n';
    }
    s << "at the end: bots active " << by_status[0] << " stopped " << by_status[1] << " error "
      << by_status[2] << ", with an order " << working << ", book " << open_.size() << '\n';
    return s.str();
  }

  [[nodiscard]] std::vector<Event> journal() const { return {journal_.begin(), journal_.end()}; }
  [[nodiscard]] const std::string& failure() const {
    return checker_.failure().empty() ? world_failure_ : checker_.failure();
  }

 private:
  // ------------------------------------------------------------------ randomness ----
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : rng_() % n; }  // same on every libc++
  bool chance(std::uint64_t percent) { return below(100) < percent; }
  template <class T>
  std::size_t pick_index(const std::vector<T>& v) {
    return static_cast<std::size_t>(below(v.size()));
  }

  // ------------------------------------------------------------------ clock ---------
  void advance_clock() {
    const std::uint64_t r = below(100);
    std::int64_t ns = 0;
    if (r < 80)
      ns = static_cast<std::int64_t>(below(20'000'000));
    else if (r < 98)
      ns = 100'000'000 + static_cast<std::int64_t>(below(1'900'000'000));
    else
      ns = 5'000'000'000 + static_cast<std::int64_t>(below(30'000'000'000));
    f_.advance(ns);
  }

  // The wall clock of the event just stepped (EventFactory: wall = start + mono).
  [[nodiscard]] std::int64_t now_wall_ms() const {
    return (EventFactory::kStartWallNs + f_.mono_ns()) / 1'000'000;
  }

  // ------------------------------------------------------------------ parameters ----
  Decimal raw(std::int64_t r) { return Decimal::from_raw(r); }

  BotParams random_params(bool allow_invalid) {
    static constexpr const char* kTickers[] = {"ETH/USDT", "BTC/USDT", "SOL/USDT", "DOGE/INR"};
    static constexpr std::int64_t kQty[] = {1'000'000, 50'000'000, 100'000'000, 300'000'000, 7};
    static constexpr std::int64_t kBuy[] = {390'000'000'000, 10'000'000'000, 50'000'000,
                                            2'500'012'345'678};
    static constexpr std::int64_t kSpread[] = {100'000'000, 5'000'000'000, 1};
    BotParams p;
    p.ticker = sym(kTickers[below(4)]);
    p.quantity = raw(kQty[below(5)]);
    p.buy_price = raw(kBuy[below(4)]);
    p.sell_price = p.buy_price + raw(kSpread[below(3)]);
    if (options_.distinct_shapes) {
      // Far below the gaps between the prices above, so no two definitions ever share one.
      const Decimal tag = raw(static_cast<std::int64_t>(++shape_tag_));
      p.buy_price += tag;
      p.sell_price += tag;
    }
    static constexpr std::int64_t kTrailing[] = {0, 50'000'000, 300'000'000};
    p.trailing_percent = raw(kTrailing[below(3)]);
    const std::uint64_t v = below(100);
    p.venue = v < 80 ? Venue::CoinDcxFutures : (v < 92 ? Venue::Bybit : Venue::Binance);
    p.first_side = chance(50) ? Side::Buy : Side::Sell;
    static constexpr std::uint8_t kLeverage[] = {0, 3, 10, 50};
    p.leverage = kLeverage[below(4)];
    p.infinite_loop = chance(70);
    if (allow_invalid && chance(15)) {
      switch (below(10)) {
        case 0: p.ticker = sym("eth/usdt"); break;
        case 1: p.ticker = sym("ETHUSDT"); break;
        case 2: p.quantity = Decimal{}; break;
        case 3: p.quantity = raw(-100'000'000); break;
        case 4: p.buy_price = Decimal{}; break;
        case 5: p.sell_price = p.buy_price; break;
        case 6: p.trailing_percent = raw(5'000'000); break;
        case 7: p.leverage = 51; break;
        case 8: p.quantity = Decimal::from_units(90'000'000); break;  // value too large
        default: p.venue = static_cast<Venue>(7); break;
      }
    }
    return p;
  }

  // ------------------------------------------------------------------ exchange ------
  static ExchangeStatus open_status(const SimOrder& o) {
    return o.filled.is_positive() ? ExchangeStatus::PartiallyFilled : ExchangeStatus::Open;
  }

  ExchangeOrder snapshot(const SimOrder& o) const {
    ExchangeOrder r;
    r.exchange_id = o.xid;
    r.symbol = o.symbol;
    r.price = o.price;
    r.total_qty = o.qty;
    r.filled_qty = o.filled;
    r.avg_price = o.filled.is_positive() ? o.avg : Decimal{};
    r.fee = o.fee;
    r.exchange_ts_ms = o.created_ms;
    r.venue = o.venue;
    r.status = o.status;
    r.side = o.side;
    return r;
  }

  // The exchange reports a change of `o` on its stream (lost while the stream is down: the
  // listing after the reconnect tells).
  void publish(std::size_t idx, bool zero_filled_quirk = false) {
    SimOrder& o = orders_[idx];
    ExchangeOrder r = snapshot(o);
    if (zero_filled_quirk) r.filled_qty = Decimal{};
    o.history.push_back(r);
    const auto v = static_cast<std::size_t>(o.venue);
    if (stream_up_[v]) stream_[v].push_back(r);
  }

  void close(std::size_t idx, ExchangeStatus status) {
    SimOrder& o = orders_[idx];
    o.status = status;
    o.closed = true;
    o.closed_at_ns = f_.mono_ns();
    for (std::size_t i = 0; i < open_.size(); ++i) {
      if (open_[i] == idx) {
        open_[i] = open_.back();
        open_.pop_back();
        break;
      }
    }
    closed_.push_back(idx);
  }

  void fill(std::size_t idx, bool full) {
    SimOrder& o = orders_[idx];
    const std::int64_t room = o.qty.raw() - o.filled.raw();
    if (room <= 0) return;
    if (full || room == 1) {
      o.filled = o.qty;
    } else {
      o.filled = raw(o.filled.raw() + 1 +
                     static_cast<std::int64_t>(below(static_cast<std::uint64_t>(room - 1))));
    }
    o.fee = o.fee + raw(static_cast<std::int64_t>(below(5'000)));
    if (o.filled == o.qty) {
      close(idx, ExchangeStatus::Filled);
      publish(idx, chance(10));
    } else {
      o.status = ExchangeStatus::PartiallyFilled;
      publish(idx);
    }
  }

  // Now and then something happens on the book to one open order.
  void evolve_exchange(bool surely = false) {
    if (open_.empty() || !(surely || chance(22))) return;
    const std::size_t idx = open_[pick_index(open_)];
    const std::uint64_t r = below(100);
    if (r < 50)
      fill(idx, false);
    else if (r < 90)
      fill(idx, true);
    else if (r < 94) {  // someone cancels it by hand on the exchange
      close(idx, orders_[idx].filled.is_positive() ? ExchangeStatus::PartiallyCancelled
                                                   : ExchangeStatus::Cancelled);
      publish(idx);
    } else if (r < 96 && orders_[idx].filled.is_zero()) {  // rejected after acceptance
      close(idx, ExchangeStatus::Rejected);
      publish(idx);
    }
  }

  std::size_t land(const PlaceOrder& p) {
    SimOrder o;
    (void)o.xid.try_assign("E" + std::to_string(++next_xid_));
    o.ours = p.order;
    o.bot = p.bot;
    o.venue = p.venue;
    o.side = p.side;
    o.symbol = p.symbol;
    o.price = p.price;
    o.qty = p.quantity;
    o.created_ms = now_wall_ms();
    const std::uint64_t avg_mode = below(3);
    if (avg_mode == 1) o.avg = p.price;
    if (avg_mode == 2) {
      const std::int64_t better = p.price.raw() / 1000;
      o.avg = raw(p.side == Side::Buy ? p.price.raw() - better : p.price.raw() + better);
    }
    orders_.push_back(o);
    const std::size_t idx = orders_.size() - 1;
    by_xid_[std::string(o.xid.view())] = idx;
    open_.push_back(idx);
    if (chance(70)) publish(idx);           // the "open" event
    if (chance(25)) fill(idx, chance(50));  // fills before the REST answer arrives
    return idx;
  }

  // ------------------------------------------------------------------ reactions -----
  void react(const Event& ev) {
    for (const Action& a : out_.actions()) {
      if (const auto* p = std::get_if<PlaceOrder>(&a)) {
        const std::uint64_t r = below(100);
        PendingPlace pp;
        pp.order = p->order;
        pp.fate = r < 70   ? Fate::Accept
                  : r < 77 ? Fate::UnknownLanded
                  : r < 82 ? Fate::UnknownLost
                  : r < 86 ? Fate::RejectDefinitive
                           : Fate::RejectTransient;
        if (pp.fate == Fate::Accept || pp.fate == Fate::UnknownLanded) pp.sim = land(*p);
        pending_place_.push_back(pp);
      } else if (const auto* c = std::get_if<CancelOrder>(&a)) {
        pending_cancel_.push_back({c->order, c->exchange_id});
      } else if (const auto* all = std::get_if<CancelAllOrders>(&a)) {
        // One request, modelled as a cancel of each order open on the venue now, each
        // delivered (or lost) on its own.
        for (const std::size_t idx : open_) {
          if (orders_[idx].venue == all->venue) {
            pending_cancel_.push_back({orders_[idx].ours, orders_[idx].xid, true});
          }
        }
      } else if (const auto* q = std::get_if<QueryOrders>(&a)) {
        pending_query_.push_back(*q);
      } else if (const auto* t = std::get_if<ArmTimer>(&a)) {
        timers_.push_back({t->bot, t->generation, t->deadline_mono_ns, t->kind, t->venue});
      } else if (const auto* r = std::get_if<CommandResult>(&a)) {
        if (std::holds_alternative<CreateBot>(ev.body) && r->bot.valid()) bots_.push_back(r->bot);
      } else if (const auto* d = std::get_if<BotDeleted>(&a)) {
        for (std::size_t i = 0; i < bots_.size(); ++i) {
          if (bots_[i] == d->bot) {
            bots_.erase(bots_.begin() + static_cast<std::ptrdiff_t>(i));
            break;
          }
        }
        gone_.push_back(d->bot);
      }
    }
  }

  // ------------------------------------------------------------------ restarts ------
  // Right after a placement went out with no answer yet is the moment that matters most.
  bool crash_now() { return placed_last_step_ ? chance(2) : below(4000) == 0; }

  bool fail_world(const std::string& why) {
    if (world_failure_.empty()) world_failure_ = why;
    return false;
  }

  // Every stepped event is journaled; now and then the runtime takes a checkpoint (covering
  // the last event), and the journal that matters on a restart is what came after it.
  bool journal_for_restart(const Event& ev) {
    tail_.push_back(ev);
    if (below(300) != 0 && tail_.size() < 2'000) return true;
    checkpoint_ = saved(*engine_);
    if (checkpoint_.empty()) return fail_world("[checkpoint] save() wrote nothing");
    checkpoint_seq_ = engine_->last_seq();
    if (checkpoint_seq_ != ev.seq) return fail_world("[checkpoint] last_seq() is not the last seq");
    tail_.clear();
    return true;
  }

  // The process dies; a new one restores the last checkpoint (none yet: a fresh engine) and
  // replays the journal after it. It must then be exactly where the old one was.
  bool restart() {
    auto fresh = std::make_unique<Engine>(config());
    checkpoint::Status why = checkpoint::Status::Ok;
    if (!checkpoint_.empty() && !fresh->restore(checkpoint_, &why)) {
      return fail_world("[restart-restore] " + std::string(checkpoint::to_string(why)));
    }
    Outbox discarded(fresh->outbox_capacity());  // these actions happened already
    for (const Event& e : tail_) {
      discarded.clear();
      if (fresh->step(e, discarded) != StepStatus::Ok || discarded.overflowed()) {
        return fail_world("[restart-replay] the journal's tail did not replay: " + describe(e));
      }
    }
    if (saved(*fresh) != saved(*engine_)) {
      return fail_world("[restart-state] checkpoint + tail differs from the engine that died");
    }
    replayed_ = tail_.size();
    engine_ = std::move(fresh);
    checker_.rebind(*engine_);
    ++restarts_;
    forget_in_flight();
    return true;
  }

  void forget_in_flight() {
    for (std::size_t v = 0; v < kVenueCount; ++v) {
      if (stream_up_[v]) down_since_ns_[v] = f_.mono_ns();
      stream_up_[v] = false;
      stream_[v].clear();
    }
    pending_place_.clear();  // the answers never come; what landed stays on the book
    for (const PendingCancel& c : pending_cancel_) {
      const auto found = by_xid_.find(std::string(c.xid.view()));
      if (found == by_xid_.end() || orders_[found->second].closed || chance(50)) continue;
      const std::size_t idx = found->second;  // the request reached the exchange
      close(idx, orders_[idx].filled.is_positive() ? ExchangeStatus::PartiallyCancelled
                                                   : ExchangeStatus::Cancelled);
      publish(idx);
    }
    pending_cancel_.clear();
    pending_query_.clear();
    script_.clear();
    timers_.clear();
  }

  // The exchange's side of "one live order per bot" (decision 12), with distinct shapes: an
  // unknown outcome must never end with a second order on the book.
  bool one_open_order_per_bot() {
    std::map<std::uint64_t, std::size_t> open;
    for (std::size_t idx : open_) {
      const SimOrder& o = orders_[idx];
      if (++open[o.bot.value] > 1) {
        return fail_world("[book-one-order] bot " + std::to_string(o.bot.value) +
                          " has two orders open on the exchange (the newest " +
                          std::string(o.xid.view()) + ", our order " +
                          std::to_string(o.ours.value) + ")");
      }
    }
    return true;
  }

  // ------------------------------------------------------------------ events --------
  Event next_event() {
    if (!script_.empty() && chance(90)) {
      const EventBody b = script_.front();
      script_.pop_front();
      return f_.make(b);
    }
    // Streams drop now and then (about every 300 events) and come back after ~10 events.
    const bool a_link_down = !stream_up_[0] || !stream_up_[2];
    if (a_link_down ? chance(10) : below(1000) < 3) return f_.make(*link_change());
    const std::uint64_t r = below(100);
    if (r < 10) return f_.make(command());
    if (r < 14) {
      if (auto b = duplicate_report()) return f_.make(*b);
    } else if (r < 17) {
      if (auto b = nonsense()) return f_.make(*b);
    }
    for (int attempt = 0; attempt < 8; ++attempt) {
      if (auto b = random_event()) return f_.make(*b);
    }
    // Nothing in flight: let the book move so the bots trade, rather than pile up commands.
    evolve_exchange(true);
    if (auto b = stream_report()) return f_.make(*b);
    if (!bots_.empty() && chance(70)) return f_.make(StartBot{++cmd_, bots_[pick_index(bots_)]});
    return f_.make(command());
  }

  bool any_stream_ready() const {
    for (std::size_t v = 0; v < kVenueCount; ++v) {
      if (stream_up_[v] && !stream_[v].empty()) return true;
    }
    return false;
  }

  bool any_timer_due() const {
    for (const PendingTimer& t : timers_) {
      if (t.deadline <= f_.mono_ns()) return true;
    }
    return false;
  }

  std::optional<EventBody> random_event() {
    const std::uint64_t weights[] = {
        /*rest*/ pending_place_.empty() ? 0u : 22u,
        /*stream*/ any_stream_ready() ? 30u : 0u,
        /*cancel*/ pending_cancel_.empty() ? 0u : 10u,
        /*query*/ pending_query_.empty() || !script_.empty() ? 0u : 10u,
        /*timer*/ any_timer_due() ? 25u : 0u,
    };
    std::uint64_t total = 0;
    for (std::uint64_t w : weights) total += w;
    if (total == 0) return std::nullopt;
    std::uint64_t r = below(total);
    std::size_t k = 0;
    while (r >= weights[k]) r -= weights[k++];
    switch (k) {
      case 0: return rest_outcome();
      case 1: return stream_report();
      case 2: return cancel_outcome();
      case 3: return listing();
      default: return due_timer();
    }
  }

  BotId target_bot() {
    const std::uint64_t r = below(100);
    if (r < 92 && !bots_.empty()) return bots_[pick_index(bots_)];
    if (r < 96 && !gone_.empty()) return gone_[pick_index(gone_)];
    return BotId{1000 + below(10)};  // never existed
  }

  EventBody command() {
    if (options_.halts) {
      if (engine_->halted() && chance(15)) return Resume{++cmd_};
      if (chance(1)) {
        Halt h;
        h.cmd_id = ++cmd_;
        h.reason = static_cast<HaltReason>(below(3));
        return h;
      }
    }
    if (bots_.size() < kTargetBots || chance(4)) {
      return CreateBot{++cmd_, random_params(true)};
    }
    const std::uint64_t r = below(100);
    const BotId bot = target_bot();
    if (r < 28) {
      UpdateBot u;
      u.cmd_id = ++cmd_;
      u.bot = bot;
      u.params = random_params(true);
      u.fields = static_cast<std::uint16_t>(below(kAllFields + 1));
      if (chance(20)) u.fields = kUpdateInfiniteLoop | kUpdateTrailing;  // no order change
      return u;
    }
    if (r < 53) return StartBot{++cmd_, bot};
    if (r < 68) return StopBot{++cmd_, bot};
    if (r < 92) return ToggleBot{++cmd_, bot};
    if (r < 99 || chance(50)) return DeleteBot{++cmd_, bot};
    return StopAll{++cmd_};
  }

  std::optional<EventBody> rest_outcome() {
    if (pending_place_.empty()) return std::nullopt;
    const std::size_t i = pick_index(pending_place_);
    const PendingPlace p = pending_place_[i];
    pending_place_.erase(pending_place_.begin() + static_cast<std::ptrdiff_t>(i));
    switch (p.fate) {
      case Fate::Accept:
        accepted_.push_back({p.order, orders_[p.sim].xid});
        return OrderAccepted{p.order, orders_[p.sim].xid};
      case Fate::UnknownLanded:
      case Fate::UnknownLost: return OrderOutcomeUnknown{p.order};
      case Fate::RejectDefinitive:
      case Fate::RejectTransient: {
        OrderRejected r;
        r.order = p.order;
        r.kind = p.fate == Fate::RejectTransient ? RejectKind::Transient : RejectKind::Definitive;
        r.reason = ReasonText::truncated(p.fate == Fate::RejectTransient ? "HTTP 503"
                                                                         : "Insufficient margin");
        rejected_.push_back(p.order);
        return r;
      }
    }
    return std::nullopt;
  }

  std::optional<EventBody> stream_report() {
    std::size_t ready[kVenueCount];
    std::size_t n = 0;
    for (std::size_t v = 0; v < kVenueCount; ++v) {
      if (stream_up_[v] && !stream_[v].empty()) ready[n++] = v;
    }
    if (n == 0) return std::nullopt;
    std::deque<ExchangeOrder>& q = stream_[ready[below(n)]];
    std::size_t i = 0;
    if (chance(15)) i = static_cast<std::size_t>(below(q.size()));  // reordered
    const ExchangeOrder r = q[i];
    q.erase(q.begin() + static_cast<std::ptrdiff_t>(i));
    if (chance(3)) {
      // Lost on a stream that stays up; the public trade that filled it still prints (or a
      // quiet spell is all there is to notice). The engine must find it by listing.
      ++lost_reports_;
      if (chance(20)) return StreamSilent{5'000, r.venue, {}};
      MarketTrade t;
      t.symbol = r.symbol;
      t.price = r.price;
      t.venue = r.venue;
      return t;
    }
    return OrderUpdate{r};
  }

  std::optional<EventBody> cancel_outcome() {
    if (pending_cancel_.empty()) return std::nullopt;
    const std::size_t i = pick_index(pending_cancel_);
    const PendingCancel c = pending_cancel_[i];
    pending_cancel_.erase(pending_cancel_.begin() + static_cast<std::ptrdiff_t>(i));
    const auto found = by_xid_.find(std::string(c.xid.view()));
    const std::size_t idx = found == by_xid_.end() ? orders_.size() : found->second;
    const bool open = idx < orders_.size() && !orders_[idx].closed;
    const std::uint64_t r = below(100);
    if (open) {
      if (r < 70) {
        close(idx, orders_[idx].filled.is_positive() ? ExchangeStatus::PartiallyCancelled
                                                     : ExchangeStatus::Cancelled);
        publish(idx);
        return std::nullopt;  // the confirmation, if any, comes on the stream
      }
      if (r < 85 && !c.swept) return CancelFailed{c.order, ReasonText::truncated("timeout")};
      return std::nullopt;  // the request was lost: the engine's cancel timer will ask
    }
    if (r < 80 && !c.swept) return CancelFailed{c.order, ReasonText::truncated("order not found")};
    return std::nullopt;
  }

  // Mostly an order still open on the book: the engine knows those, so nonsense about them
  // reaches its consistency checks (about closed ones it is a plain duplicate).
  std::optional<std::size_t> nonsense_target() {
    if (!open_.empty() && chance(80)) return open_[pick_index(open_)];
    if (orders_.empty()) return std::nullopt;
    return pick_index(orders_);
  }

  // Answers one QueryOrders: every open order of the venue and most recently closed ones.
  std::optional<EventBody> listing() {
    if (pending_query_.empty()) return std::nullopt;
    const std::size_t i = pick_index(pending_query_);
    const QueryOrders q = pending_query_[i];
    pending_query_.erase(pending_query_.begin() + static_cast<std::ptrdiff_t>(i));
    ReconcileBegin b;
    b.request_id = q.request_id;
    b.venue = q.venue;
    for (std::size_t idx : open_) {
      if (orders_[idx].venue == q.venue)
        script_.push_back(ReconcileOrder{q.request_id, snapshot(orders_[idx])});
    }
    // Closed orders are listed for a while, and all since the stream last went down (the
    // runtime asks for the history since then).
    constexpr std::int64_t kRecentWindowNs = 30'000'000'000;
    const auto v = static_cast<std::size_t>(q.venue);
    std::int64_t since = f_.mono_ns() - kRecentWindowNs;
    if (down_since_ns_[v] >= 0 && down_since_ns_[v] < since) since = down_since_ns_[v];
    // Now and then a longer page of history: orders the engine may long have forgotten.
    const std::size_t at_least = chance(20) ? 150 : 0;
    for (std::size_t k = closed_.size(), n = 0; k > 0; --k, ++n) {
      const SimOrder& o = orders_[closed_[k - 1]];
      if (o.closed_at_ns < since && n >= at_least) break;
      if (o.venue == q.venue) script_.push_back(ReconcileOrder{q.request_id, snapshot(o)});
    }
    if (stream_up_[v]) down_since_ns_[v] = -1;  // the gap is covered
    ReconcileEnd e;
    e.request_id = q.request_id;
    e.venue = q.venue;
    script_.push_back(e);
    return b;
  }

  std::optional<EventBody> due_timer() {
    std::size_t best = timers_.size();
    for (std::size_t i = 0; i < timers_.size(); ++i) {
      if (timers_[i].deadline <= f_.mono_ns() &&
          (best == timers_.size() || timers_[i].deadline < timers_[best].deadline)) {
        best = i;
      }
    }
    if (best == timers_.size()) return std::nullopt;
    const PendingTimer t = timers_[best];
    timers_.erase(timers_.begin() + static_cast<std::ptrdiff_t>(best));
    fired_.push_back(t);
    TimerFired e;
    e.bot = t.bot;
    e.generation = t.generation;
    e.kind = t.kind;
    e.venue = t.venue;
    return e;
  }

  std::optional<EventBody> link_change() {
    Venue venue = Venue::CoinDcxFutures;
    if (stream_up_[0] && stream_up_[2]) {  // a drop (or now and then a second connect)
      const std::uint64_t r = below(100);
      venue = r < 70 ? Venue::CoinDcxFutures : (r < 95 ? Venue::Bybit : Venue::Binance);
    } else if (stream_up_[0]) {
      venue = Venue::Bybit;
    }
    const auto v = static_cast<std::size_t>(venue);
    if (stream_up_[v] && !chance(10)) {
      stream_up_[v] = false;
      down_since_ns_[v] = f_.mono_ns();
      stream_[v].clear();  // what was in flight is lost; the listing after reconnect tells
      StreamDisconnected d;
      d.venue = venue;
      return d;
    }
    stream_up_[v] = true;  // a connect (sometimes a second one while already up)
    StreamConnected c;
    c.venue = venue;
    return c;
  }

  std::optional<EventBody> duplicate_report() {
    if (orders_.empty()) return std::nullopt;
    const std::size_t recent = orders_.size() > 40 ? orders_.size() - 40 : 0;
    const std::size_t idx = chance(70)
                                ? recent + static_cast<std::size_t>(below(orders_.size() - recent))
                                : pick_index(orders_);
    const SimOrder& o = orders_[idx];
    if (o.history.empty() || !stream_up_[static_cast<std::size_t>(o.venue)]) return std::nullopt;
    return OrderUpdate{o.history[pick_index(o.history)]};
  }

  std::optional<EventBody> nonsense() {
    switch (below(7)) {
      case 0: {  // an order nobody here ever placed, at a price no bot uses
        ExchangeOrder r;
        (void)r.exchange_id.try_assign("N" + std::to_string(++next_nonsense_));
        r.symbol = sym(chance(50) ? "ETH/USDT" : "BTC/USDT");
        r.price = raw(123'456'789);
        r.total_qty = raw(100'000'000);
        r.filled_qty = raw(static_cast<std::int64_t>(below(100'000'001)));
        r.status = static_cast<ExchangeStatus>(below(kExchangeStatusCount));
        r.side = chance(50) ? Side::Buy : Side::Sell;
        r.venue = chance(80) ? Venue::CoinDcxFutures : Venue::Bybit;
        r.exchange_ts_ms = chance(80) ? now_wall_ms() : 0;
        return OrderUpdate{r};
      }
      case 1: {  // a fill beyond the order's quantity
        const auto idx = nonsense_target();
        if (!idx) return std::nullopt;
        ExchangeOrder r = snapshot(orders_[*idx]);
        r.filled_qty = r.total_qty + raw(1 + static_cast<std::int64_t>(below(100'000'000)));
        r.status = chance(50) ? ExchangeStatus::PartiallyFilled : ExchangeStatus::Filled;
        return OrderUpdate{r};
      }
      case 2: {  // the wrong side
        const auto idx = nonsense_target();
        if (!idx) return std::nullopt;
        ExchangeOrder r = snapshot(orders_[*idx]);
        r.side = opposite(r.side);
        return OrderUpdate{r};
      }
      case 3: {  // a repeated acceptance, or a REST outcome for a settled order
        if (!accepted_.empty() && chance(60)) {
          const auto& [order, id] = accepted_[pick_index(accepted_)];
          if (chance(50)) return OrderAccepted{order, id};
          return OrderOutcomeUnknown{order};
        }
        if (rejected_.empty()) return std::nullopt;
        OrderRejected r;
        r.order = rejected_[pick_index(rejected_)];
        r.kind = chance(50) ? RejectKind::Transient : RejectKind::Definitive;
        return r;
      }
      case 4: {  // a timer again, or one never armed
        TimerFired t;
        if (!fired_.empty() && chance(70)) {
          const PendingTimer& old = fired_[pick_index(fired_)];
          t.bot = old.bot;
          t.generation = old.generation;
          t.kind = old.kind;
        } else {
          t.bot = target_bot();
          t.generation = below(3);
          t.kind = static_cast<TimerKind>(below(3));
        }
        return t;
      }
      case 5: {  // a cancel failure for a settled order
        if (accepted_.empty()) return std::nullopt;
        return CancelFailed{accepted_[pick_index(accepted_)].first,
                            ReasonText::truncated("order not found")};
      }
      default: {  // an outcome for an order id the engine never issued
        return OrderAccepted{OrderId{1'000'000 + below(10)}, xid("E0")};
      }
    }
  }

  std::uint64_t seed_;
  WorldOptions options_;
  std::mt19937_64 rng_;
  std::unique_ptr<Engine> engine_;
  Outbox out_;
  Checker checker_;
  EventFactory f_;
  std::deque<Event> journal_;  // every event when minimising, else the last kTraceTail
  std::uint64_t stepped_ = 0;
  std::uint64_t cmd_ = 0;
  std::uint64_t event_counts_[kEventKindCount] = {};
  std::uint64_t action_counts_[std::variant_size_v<Action>] = {};
  std::uint64_t log_counts_[kLogKindCount] = {};
  std::uint64_t next_xid_ = 0;
  std::uint64_t next_nonsense_ = 0;
  std::uint64_t shape_tag_ = 0;
  std::string world_failure_;
  // Restarts: the last checkpoint, the events since, what the next Recovered says.
  std::vector<std::byte> checkpoint_;
  std::vector<Event> tail_;
  std::uint64_t checkpoint_seq_ = 0;
  std::uint64_t replayed_ = 0;
  std::uint64_t restarts_ = 0;
  bool placed_last_step_ = false;

  std::deque<EventBody> script_;  // a listing in progress
  std::vector<BotId> bots_;       // created and not yet deleted
  std::vector<BotId> gone_;
  std::vector<SimOrder> orders_;  // every order that reached the book
  std::unordered_map<std::string, std::size_t> by_xid_;
  std::vector<std::size_t> open_;
  std::vector<std::size_t> closed_;  // in the order they closed
  std::vector<PendingPlace> pending_place_;
  std::vector<PendingCancel> pending_cancel_;
  std::vector<QueryOrders> pending_query_;
  std::vector<PendingTimer> timers_;
  std::vector<PendingTimer> fired_;
  std::vector<std::pair<OrderId, ExchangeOrderId>> accepted_;
  std::vector<OrderId> rejected_;
  std::uint64_t lost_reports_ = 0;
  bool stream_up_[kVenueCount] = {};
  std::int64_t down_since_ns_[kVenueCount] = {0, 0, 0};  // the last drop (start: never up)
  std::deque<ExchangeOrder> stream_[kVenueCount];
};

void run_seed(std::uint64_t seed, WorldOptions options = {}) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  // Printed first so that a sanitizer abort, which skips gtest's report, still names the seed.
  std::cout << "[ property ] seed " << seed << ", " << steps_from_env() << " steps" << std::endl;
  const bool minimising = env("SCALPER_PROPERTY_MINIMISE").has_value();
  options.keep_journal = minimising;
  World world(seed, options);
  const std::uint64_t steps = steps_from_env();
  const bool ok = world.run(steps);
  if (env("SCALPER_PROPERTY_STATS")) std::cout << world.coverage();
  if (ok) return;
  std::string report = world.failure_report();
  if (minimising) {
    const std::vector<Event> small =
        minimise(World::config(), world.journal(), tag_of(world.failure()));
    report += "minimised to " + std::to_string(small.size()) + " events (" +
              replay(World::config(), small) + "):\n";
    for (const Event& ev : small) report += "  " + describe(ev) + "\n";
  }
  ADD_FAILURE() << report;
}

// ============================================================ checkpoints at any cut ====
// The central property of checkpoint.hpp, on the histories above (with restarts and halts, so
// cuts fall in every kind of state: a placement just sent, a cancel in flight, a listing half
// applied, halted, just recovered): for a cut after event k, restore(save(after k)) then
// events k+1..n gives exactly the actions one engine gives stepping all n (each step's digest
// compared), the same final save() bytes, and save -> restore -> save is byte-identical.

constexpr std::uint64_t kCutSteps = 6'000;

bool places(const Outbox& out) {
  for (const Action& a : out.actions()) {
    if (std::holds_alternative<PlaceOrder>(a)) return true;
  }
  return false;
}

bool rare(EventKind k) {
  return k == EventKind::Halt || k == EventKind::Resume || k == EventKind::Recovered ||
         k == EventKind::StreamDisconnected || k == EventKind::ReconcileBegin ||
         k == EventKind::OrderOutcomeUnknown || k == EventKind::CancelFailed;
}

void check_cuts(std::uint64_t seed) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  WorldOptions options = everything();
  options.keep_journal = true;
  World world(seed, options);
  ASSERT_TRUE(world.run(kCutSteps)) << world.failure_report();
  const std::vector<Event> events = world.journal();

  // One engine through everything: each step's digest, and a checkpoint at each cut (right
  // after a placement with no answer yet, after the rarer kinds of event, and anywhere).
  std::mt19937_64 pick(seed ^ 0xc0ffee);
  Engine reference(World::config());
  Outbox out(reference.outbox_capacity());
  std::vector<std::uint64_t> digests;
  std::vector<std::pair<std::size_t, std::vector<std::byte>>> cuts;  // events before, bytes
  for (std::size_t i = 0; i < events.size(); ++i) {
    out.clear();
    ASSERT_EQ(reference.step(events[i], out), StepStatus::Ok);
    ActionDigest d;
    d.add(out.actions());
    digests.push_back(d.value());
    const EventKind kind = kind_of(events[i].body);
    if ((places(out) && pick() % 20 == 0) || (rare(kind) && pick() % 10 == 0) ||
        (kind == EventKind::ReconcileOrder && pick() % 300 == 0) || pick() % 500 == 0) {
      cuts.emplace_back(i + 1, saved(reference));
    }
  }
  const std::vector<std::byte> final_bytes = saved(reference);
  ASSERT_GE(cuts.size(), 20u);
  std::cout << "[ property ] " << cuts.size() << " cuts in " << events.size() << " events"
            << std::endl;

  for (const auto& [cut, bytes] : cuts) {
    SCOPED_TRACE("cut after " + std::to_string(cut) + " events");
    Engine restored(World::config());
    checkpoint::Status why = checkpoint::Status::Ok;
    ASSERT_TRUE(restored.restore(bytes, &why)) << checkpoint::to_string(why);
    ASSERT_EQ(saved(restored), bytes) << "save -> restore -> save is not byte-identical";
    ASSERT_EQ(restored.last_seq(), events[cut - 1].seq);
    Outbox o(restored.outbox_capacity());
    for (std::size_t i = cut; i < events.size(); ++i) {
      o.clear();
      ASSERT_EQ(restored.step(events[i], o), StepStatus::Ok);
      ActionDigest d;
      d.add(o.actions());
      ASSERT_EQ(d.value(), digests[i])
          << "the restored engine acts differently on event " << i << ": " << describe(events[i]);
    }
    ASSERT_EQ(saved(restored), final_bytes) << "the restored engine ends in another state";
  }
}

std::uint64_t seed_from_env() {
  std::uint64_t seed = 0x5ca1e5eed;
  if (const auto v = env("SCALPER_SEED")) {
    if (*v == "random") {
      std::random_device rd;
      seed = (std::uint64_t{rd()} << 32) | rd();
    } else {
      seed = std::strtoull(v->c_str(), nullptr, 0);
    }
  }
  return seed;
}

class EngineProperty : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(EngineProperty, InvariantsHoldOnRandomSequences) { run_seed(GetParam()); }

// The same, while the process dies and recovers (checkpoint, journal tail, Recovered) and the
// operator halts and resumes trading; the book is checked too (one open order per bot).
TEST_P(EngineProperty, InvariantsHoldThroughRestartsAndHalts) {
  run_seed(GetParam(), everything());
}

TEST_P(EngineProperty, CheckpointAtAnyCutGivesTheSameActionsAndBytes) { check_cuts(GetParam()); }

INSTANTIATE_TEST_SUITE_P(FixedSeeds, EngineProperty, ::testing::ValuesIn(kFixedSeeds));

TEST(EngineProperty, InvariantsHoldForSeedFromEnvironment) { run_seed(seed_from_env()); }

TEST(EngineProperty, InvariantsHoldThroughRestartsForSeedFromEnvironment) {
  run_seed(seed_from_env(), everything());
}

}  // namespace
}  // namespace scalper::testing
