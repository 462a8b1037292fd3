// events.hpp — the closed set of inputs to Engine::step().
//
// Every input the engine reacts to is one of these: operator commands, order-entry outcomes
// (from the REST gateway), exchange order updates (from the stream codec), stream state,
// timers and reconciliation listings. Each is trivially copyable with no padding bytes, so the
// journal stores exactly the bytes step() saw. Field order is chosen to leave no holes; the
// static_asserts at the bottom refuse a layout that would.
//
// Threading: value types. Allocation: none.
#pragma once

#include <cstdint>
#include <type_traits>
#include <variant>

#include "scalper/engine/types.hpp"

namespace scalper {

// ---- operator commands -----------------------------------------------------------------

// The operator's bot definition, with the original's fields (docs/architecture.md §3,
// decision 10 for the rules). Validated by the engine, not trusted.
struct BotParams {
  Symbol ticker;             // "ETH/USDT"
  Decimal quantity;          // > 0
  Decimal buy_price;         // > 0
  Decimal sell_price;        // > buy_price
  Decimal trailing_percent;  // 0 = none, else within [0.1, 3.0]; stored and shown only
  Venue venue = Venue::CoinDcxFutures;
  Side first_side = Side::Buy;
  std::uint8_t leverage = 0;  // 1..50; 0 = the default, 3
  bool infinite_loop = true;
  std::uint8_t pad_[4] = {};
};

// Which BotParams fields an UpdateBot carries.
enum UpdateField : std::uint16_t {
  kUpdateTicker = 1u << 0,
  kUpdateQuantity = 1u << 1,
  kUpdateBuyPrice = 1u << 2,
  kUpdateSellPrice = 1u << 3,
  kUpdateTrailing = 1u << 4,
  kUpdateVenue = 1u << 5,
  kUpdateFirstSide = 1u << 6,
  kUpdateLeverage = 1u << 7,
  kUpdateInfiniteLoop = 1u << 8,
};
// Fields whose change means the live order no longer matches: cancel and re-place.
inline constexpr std::uint16_t kTradingFields = kUpdateTicker | kUpdateQuantity | kUpdateBuyPrice |
                                                kUpdateSellPrice | kUpdateVenue | kUpdateFirstSide |
                                                kUpdateLeverage;

// cmd_id is the caller's correlation id, echoed in the CommandResult action.
struct CreateBot {
  std::uint64_t cmd_id = 0;
  BotParams params;
};
struct UpdateBot {
  std::uint64_t cmd_id = 0;
  BotId bot;
  BotParams params;  // only the fields named in `fields` are read
  std::uint16_t fields = 0;
  std::uint8_t pad_[6] = {};
};
struct StartBot {
  std::uint64_t cmd_id = 0;
  BotId bot;
};
struct StopBot {
  std::uint64_t cmd_id = 0;
  BotId bot;
};
// Flips ACTIVE -> stopped, anything else -> active, with the same order handling as
// stop/start (the original's DB-only toggle left live orders behind).
struct ToggleBot {
  std::uint64_t cmd_id = 0;
  BotId bot;
};
struct DeleteBot {
  std::uint64_t cmd_id = 0;
  BotId bot;
};
// Emergency stop: every bot STOPPED and every live order cancelled (decision 6).
struct StopAll {
  std::uint64_t cmd_id = 0;
};

// ---- order-entry outcomes (REST gateway) ------------------------------------------------

struct OrderAccepted {
  OrderId order;
  ExchangeOrderId exchange_id;
};
enum class RejectKind : std::uint8_t {
  Definitive = 0,  // the exchange refused the order (4xx with a reason)
  Transient = 1,   // it never reached the book: connection refused, 429, 5xx before acceptance
};
struct OrderRejected {
  OrderId order;
  RejectKind kind = RejectKind::Definitive;
  std::uint8_t pad_[7] = {};
  ReasonText reason;
};
// A timeout or a broken connection after the request was sent: the order may be live.
// CoinDCX futures has no client order id, so this is settled by listing open orders.
struct OrderOutcomeUnknown {
  OrderId order;
};
// The cancel request failed or timed out. The order is still ours to settle by listing.
struct CancelFailed {
  OrderId order;
  ReasonText reason;
};

// ---- exchange stream ------------------------------------------------------------------

// One order as the exchange reports it. Quantities, fee and average are cumulative for the
// order (CoinDCX `df-order-update`, decoded by the codec; zero where absent).
struct ExchangeOrder {
  ExchangeOrderId exchange_id;
  Symbol symbol;  // standard form, "ETH/USDT"
  Decimal price;  // limit price
  Decimal total_qty;
  Decimal filled_qty;               // may be 0 on a final "filled" (docs/architecture.md §7.4)
  Decimal avg_price;                // 0 = not reported
  Decimal fee;                      // cumulative fee_amount
  std::int64_t exchange_ts_ms = 0;  // the order's creation time on the exchange, Unix ms;
                                    // 0 = not reported (such an order is never adopted)
  Venue venue = Venue::CoinDcxFutures;
  ExchangeStatus status = ExchangeStatus::Initial;
  Side side = Side::Buy;
  std::uint8_t pad_[5] = {};
};
struct OrderUpdate {
  ExchangeOrder order;
};

struct StreamConnected {
  Venue venue = Venue::CoinDcxFutures;
  std::uint8_t pad_[7] = {};
};
struct StreamDisconnected {
  Venue venue = Venue::CoinDcxFutures;
  std::uint8_t pad_[7] = {};
};

// The stream is up but nothing at all (not even a heartbeat) has arrived for silent_ms,
// longer than its venue is normally quiet: reports may be going missing without the link
// dropping. The feed says so once per silent spell; the engine lists orders if any are live.
struct StreamSilent {
  std::int64_t silent_ms = 0;
  Venue venue = Venue::CoinDcxFutures;
  std::uint8_t pad_[7] = {};
};

// ---- market data --------------------------------------------------------------------------

// A public trade on the venue (CoinDCX `new-trade`). A trade at or through a live order's
// price that the order's own report does not follow soon is how a lost fill shows itself.
struct MarketTrade {
  Symbol symbol;  // standard form, "ETH/USDT"
  Decimal price;
  std::int64_t exchange_ts_ms = 0;  // the trade's time on the exchange, Unix ms
  Venue venue = Venue::CoinDcxFutures;
  std::uint8_t pad_[7] = {};
};

// ---- reconciliation (REST listing, answered to a QueryOrders action) --------------------

struct ReconcileBegin {
  std::uint64_t request_id = 0;
  Venue venue = Venue::CoinDcxFutures;
  std::uint8_t pad_[7] = {};
};
// One listed order: open ones, and recently closed ones with their final fill.
struct ReconcileOrder {
  std::uint64_t request_id = 0;
  ExchangeOrder order;
};
struct ReconcileEnd {
  std::uint64_t request_id = 0;
  Venue venue = Venue::CoinDcxFutures;
  std::uint8_t pad_[7] = {};
};

// ---- timers ------------------------------------------------------------------------------

enum class TimerKind : std::uint8_t {
  PlaceRetry = 0,      // back-off elapsed: try the held placement again
  CancelTimeout = 1,   // our cancel got no answer: list open orders
  OutcomeRecheck = 2,  // an unknown-outcome order was not listed once: list again before
                       // concluding it was never placed
  // Venue timers (bot empty, `venue` says which):
  TradeCheck = 3,  // a trade went through a live order's price: did its report follow?
  Sweep = 4,       // the periodic reconciliation, the backstop for any lost report
};
// Answers an ArmTimer action; `generation` tells a stale timer from the current one.
struct TimerFired {
  BotId bot;  // empty for venue timers
  std::uint64_t generation = 0;
  TimerKind kind = TimerKind::PlaceRetry;
  Venue venue = Venue::CoinDcxFutures;  // venue timers only
  std::uint8_t pad_[6] = {};
};

// ---- restart and the kill switch ---------------------------------------------------------

// Stepped once by a process that has just restored a checkpoint and replayed the journal's
// tail after it, before it connects anywhere (docs/architecture.md §4). The old process's
// REST requests, timers and connections died with it: every venue goes Down, placements and
// cancels that were in flight are settled by the reconnect's listing, and the timers still
// needed are armed again. The two counts are the runtime's, for the journal and the log.
struct Recovered {
  std::uint64_t checkpoint_seq = 0;  // the last input the restored checkpoint covers (0: none)
  std::uint64_t replayed = 0;        // journal records replayed after it
};

// The kill switch (decision 13 of docs/architecture.md §3): every bot stopped, every live order
// cancelled, each venue listed to verify; no order goes out until Resume.
struct Halt {
  std::uint64_t cmd_id = 0;
  HaltReason reason = HaltReason::Operator;
  std::uint8_t pad_[7] = {};
};
// Lifts the halt. Bots stay stopped: the operator starts them.
struct Resume {
  std::uint64_t cmd_id = 0;
};

// ---- the envelope ----------------------------------------------------------------------

using EventBody =
    std::variant<CreateBot, UpdateBot, StartBot, StopBot, ToggleBot, DeleteBot, StopAll,
                 OrderAccepted, OrderRejected, OrderOutcomeUnknown, CancelFailed, OrderUpdate,
                 StreamConnected, StreamDisconnected, ReconcileBegin, ReconcileOrder, ReconcileEnd,
                 TimerFired, MarketTrade, StreamSilent, Recovered, Halt, Resume>;

// Stable on-disk numbers of the alternatives: the journal stores these, so an alternative is
// only ever appended, never reordered.
enum class EventKind : std::uint16_t {
  CreateBot = 0,
  UpdateBot = 1,
  StartBot = 2,
  StopBot = 3,
  ToggleBot = 4,
  DeleteBot = 5,
  StopAll = 6,
  OrderAccepted = 7,
  OrderRejected = 8,
  OrderOutcomeUnknown = 9,
  CancelFailed = 10,
  OrderUpdate = 11,
  StreamConnected = 12,
  StreamDisconnected = 13,
  ReconcileBegin = 14,
  ReconcileOrder = 15,
  ReconcileEnd = 16,
  TimerFired = 17,
  MarketTrade = 18,
  StreamSilent = 19,
  Recovered = 20,
  Halt = 21,
  Resume = 22,
};
inline constexpr std::size_t kEventKindCount = std::variant_size_v<EventBody>;

// seq: assigned by whoever journals the event, strictly increasing.
// mono_ns: steady clock, for timers only. wall_ns: Unix epoch, for records and logs.
struct Event {
  std::uint64_t seq = 0;
  std::int64_t mono_ns = 0;
  std::int64_t wall_ns = 0;
  EventBody body;
};

[[nodiscard]] constexpr EventKind kind_of(const EventBody& body) noexcept {
  return static_cast<EventKind>(body.index());
}

namespace detail {
template <class V, std::size_t... I>
constexpr bool all_alternatives_plain(std::index_sequence<I...>) {
  return ((std::is_trivially_copyable_v<std::variant_alternative_t<I, V>> &&
           std::has_unique_object_representations_v<std::variant_alternative_t<I, V>>)&&...);
}
}  // namespace detail

static_assert(detail::all_alternatives_plain<EventBody>(
                  std::make_index_sequence<std::variant_size_v<EventBody>>{}),
              "every event must be trivially copyable with no padding (journal = raw bytes)");
static_assert(
    std::is_same_v<
        std::variant_alternative_t<static_cast<std::size_t>(EventKind::TimerFired), EventBody>,
        TimerFired>,
    "EventKind numbering must follow the variant");
static_assert(
    std::is_same_v<
        std::variant_alternative_t<static_cast<std::size_t>(EventKind::StreamSilent), EventBody>,
        StreamSilent>,
    "EventKind numbering must follow the variant");
static_assert(
    std::is_same_v<
        std::variant_alternative_t<static_cast<std::size_t>(EventKind::OrderUpdate), EventBody>,
        OrderUpdate>,
    "EventKind numbering must follow the variant");
static_assert(std::is_same_v<std::variant_alternative_t<static_cast<std::size_t>(EventKind::Resume),
                                                        EventBody>,
                             Resume> &&
                  kEventKindCount == static_cast<std::size_t>(EventKind::Resume) + 1,
              "EventKind numbering must follow the variant");

}  // namespace scalper
