// actions.hpp — everything Engine::step() decides, as data for the runtime to carry out.
//
// Orders to place or cancel, listings to request, timers to arm, activity-log entries,
// notifications, and the new state of every bot and order it touched (for snapshots and the
// control process's database). Like events, each action is trivially copyable with no padding:
// the replay digest hashes their bytes.
//
// Threading: value types. Allocation: none.
#pragma once

#include <cstdint>
#include <type_traits>
#include <variant>

#include "scalper/engine/events.hpp"
#include "scalper/engine/types.hpp"

namespace scalper {

// ---- state records (also what Engine::find_bot / find_order return) ----------------------

struct BotRecord {
  BotId id;
  Symbol ticker;
  Decimal quantity;
  Decimal buy_price;
  Decimal sell_price;
  Decimal trailing_percent;  // 0 = none
  Decimal pnl;               // Σ cycle PnL, fees included
  Decimal position;          // signed base quantity = Σ buy fills − Σ sell fills
  Decimal last_fill_price;
  std::int64_t last_fill_wall_ns = 0;  // 0 = never filled
  std::int64_t created_wall_ns = 0;
  std::int64_t updated_wall_ns = 0;
  OrderId live_order;              // the bot's one non-terminal order, if any
  std::uint32_t total_trades = 0;  // completed cycles
  Venue venue = Venue::CoinDcxFutures;
  Side first_side = Side::Buy;
  BotStatus status = BotStatus::Stopped;
  std::uint8_t leverage = 3;
  bool infinite_loop = true;
  Side last_fill_side = Side::Buy;  // meaningful when last_fill_wall_ns != 0
  std::uint8_t pad_[6] = {};
};

struct OrderRecord {
  OrderId id;
  BotId bot;
  ExchangeOrderId exchange_id;  // empty until accepted
  Symbol symbol;
  Decimal price;  // limit price
  Decimal quantity;
  Decimal filled_qty;  // cumulative
  Decimal avg_price;   // of the filled part; 0 until a fill
  Decimal fee;         // cumulative
  std::int64_t created_wall_ns = 0;
  std::int64_t updated_wall_ns = 0;
  Side side = Side::Buy;
  OrderStatus status = OrderStatus::PendingNew;
  CancelReason cancel_reason = CancelReason::None;
  OrderOrigin origin = OrderOrigin::Create;
  Venue venue = Venue::CoinDcxFutures;
  std::uint8_t leverage = 3;
  std::uint8_t pad_[2] = {};
};

// ---- exchange work -------------------------------------------------------------------------

struct PlaceOrder {
  OrderId order;
  BotId bot;
  Symbol symbol;
  Decimal price;
  Decimal quantity;
  Venue venue = Venue::CoinDcxFutures;
  Side side = Side::Buy;
  std::uint8_t leverage = 3;
  std::uint8_t pad_[5] = {};
};
struct CancelOrder {
  OrderId order;
  BotId bot;
  ExchangeOrderId exchange_id;
  Symbol symbol;
  Venue venue = Venue::CoinDcxFutures;
  CancelReason reason = CancelReason::None;
  std::uint8_t pad_[6] = {};
};
// List open orders and recently closed ones on a venue; answered by ReconcileBegin,
// ReconcileOrder × n, ReconcileEnd with the same request_id.
struct QueryOrders {
  std::uint64_t request_id = 0;
  Venue venue = Venue::CoinDcxFutures;
  std::uint8_t pad_[7] = {};
};
// Cancel every open order of the account on a venue in one request: the kill switch, on a
// venue that has such a call (CoinDCX Futures does). Account-wide, so orders placed by hand
// and orders whose placement outcome the engine does not know yet go too. The engine has
// marked its own live orders PendingCancel with their timeouts armed and lists the venue
// after it: the stream (or that listing) reports each cancel, and a listing that still shows
// one sends that order's own cancel.
struct CancelAllOrders {
  Venue venue = Venue::CoinDcxFutures;
  std::uint8_t pad_[7] = {};
};
struct ArmTimer {
  BotId bot;  // empty for venue timers (TradeCheck, Sweep)
  std::uint64_t generation = 0;
  std::int64_t deadline_mono_ns = 0;
  TimerKind kind = TimerKind::PlaceRetry;
  Venue venue = Venue::CoinDcxFutures;  // venue timers only
  std::uint8_t pad_[6] = {};
};

// ---- people ---------------------------------------------------------------------------------

// Which activity-log message. Texts of the original (decision 9 of docs/architecture.md §3)
// first, then ours; the exact texts are made by format_log() (log_format.hpp) and pinned by
// tests/engine/log_format_test.
// clang-format off
enum class LogKind : std::uint8_t {
  CreatePlaced = 0,         // SUCCESS Bot started and {buy|sell} order placed at ${price}
  StartPlaced = 1,          // SUCCESS Bot started and {BUY|SELL} order placed at ${price}
  StartConfigError = 2,     // ERROR   Failed to start bot: {text}
  PlaceFailed = 3,          // ERROR   Failed to place order: {text}
  Stopped = 4,              // WARNING Bot stopped and {n} pending order(s) cancelled / ...
  ToggledActive = 5,        // SUCCESS Bot active for {ticker}
  ToggledStopped = 6,       // WARNING Bot stopped for {ticker}
  UpdatedInactive = 7,      // INFO    Bot configuration updated (bot is {STATUS})
  UpdateCancelled = 8,      // INFO    {n} pending order(s) cancelled
  UpdatePlaced = 9,         // SUCCESS New {buy|sell} order placed at ${price}
  UpdateFailed = 10,        // ERROR   Failed to update orders on exchange: {text}
  Deleted = 11,             // WARNING Bot deleted for {ticker}[ ({n} orders cancelled)]
  EmergencyStop = 12,       // ERROR   Emergency stop - All bots stopped
  Filled = 13,              // SUCCESS {SIDE} order filled at ${price}
  OppositePlaced = 14,      // INFO    {SIDE} order placed at ${price} (opposite of filled order)
  OppositeFailed = 15,      // ERROR   Failed to place opposite {SIDE} order: {text}
  CycleCompleted = 16,      // SUCCESS Trading cycle completed! PnL: ${a:.2f} | Total PnL: ${b:.2f}
  SystemCancelled = 17,     // INFO    Order cancelled for {update|stop|delete} operation
  AutoStopped = 18,         // WARNING Bot stopped automatically - {SIDE} order cancelled on exchange
  // ---- ours ----
  UpdateActive = 19,        // INFO    Bot configuration updated (no order change needed)
  LoopFinished = 20,        // INFO    Cycle completed and infinite loop is off: bot stopped
  Rejected = 21,            // ERROR   {SIDE} order rejected by exchange: {text}
  FilledWhileInactive = 22, // WARNING {SIDE} order filled at ${price} while bot is {STATUS}: ...
  PartialFill = 23,         // INFO    {SIDE} order partially filled: {a} of {b}
  PlaceRetrying = 24,       // WARNING Placing {SIDE} order failed ({text}); retry {n} in {m} ms
  OutcomeUnknown = 25,      // WARNING No answer placing {SIDE} order at ${price}; checking ...
  CancelFailed = 26,        // WARNING Could not cancel {SIDE} order: {text}; checking open orders
  PositionLeftOpen = 27,    // WARNING Open position of {a} left on {ticker}
  StreamDown = 28,          // WARNING {venue} stream disconnected; new orders held until ...
  Reconciled = 29,          // INFO    {venue} stream reconciled: {n} order(s) listed, {m} resolved
  InconsistentUpdate = 30,  // ERROR   Ignored inconsistent {SIDE} order update: {text}
  OrderAdopted = 31,        // INFO    {SIDE} order found live on exchange after unknown outcome
  NotPlaced = 32,           // WARNING {SIDE} order was not placed; placing it again
  NotListed = 33,           // WARNING {SIDE} order no longer listed on exchange: treated as ...
  PnlOutOfRange = 34,       // ERROR   Cycle PnL {a} would take the total PnL out of range: ...
  Recovered = 35,           // INFO    Engine recovered after restart: {n} placement(s) and ...
  Halted = 36,              // ERROR   Trading halted ({text}): {n} bot(s) stopped and {m} ...
  Resumed = 37,             // INFO    Trading resumed: bots stay stopped until started
};
// clang-format on
// One past the last LogKind: append kinds above and move this with them.
inline constexpr std::size_t kLogKindCount = static_cast<std::size_t>(LogKind::Resumed) + 1;

struct ActivityLog {
  BotId bot;  // 0 for system-wide entries (emergency stop)
  std::int64_t wall_ns = 0;
  Decimal a;  // a price, a PnL or a quantity, per kind
  Decimal b;
  std::uint32_t n = 0;
  std::uint32_t m = 0;
  Symbol ticker;
  ReasonText text;
  LogLevel level = LogLevel::Info;
  LogKind kind = LogKind::Filled;
  Side side = Side::Buy;
  BotStatus status = BotStatus::Active;
  CancelReason reason = CancelReason::None;
  Venue venue = Venue::CoinDcxFutures;
  std::uint8_t pad_[2] = {};
};

// Telegram-worthy facts: the original's four (stopped, filled + opposite placed, cycle
// completed, auto-stopped), those it dropped, and ours (docs/architecture.md §3, decision 9).
// Formatted by control.
enum class NotifyKind : std::uint8_t {
  BotStarted = 0,
  BotStopped = 1,
  BotUpdated = 2,
  BotDeleted = 3,
  EmergencyStop = 4,
  OrderFilledOppositePlaced = 5,
  CycleCompleted = 6,
  AutoStopped = 7,
  BotError = 8,
  LoopFinished = 9,
  Halted = 10,  // the kill switch: count bots stopped, count2 orders cancelled, text the reason
  Resumed = 11,
};

struct Notify {
  BotId bot;
  Decimal price;   // the filled / started / buy price, per kind
  Decimal price2;  // the placed / sell price, per kind
  Decimal quantity;
  Decimal pnl;  // cycle PnL
  Decimal total_pnl;
  std::uint32_t count = 0;   // orders cancelled / bots stopped / total trades
  std::uint32_t count2 = 0;  // orders in total
  Symbol ticker;
  ExchangeOrderId exchange_id;
  ReasonText text;
  NotifyKind kind = NotifyKind::BotStarted;
  LogLevel level = LogLevel::Info;
  Side side = Side::Buy;
  Side side2 = Side::Buy;
  Venue venue = Venue::CoinDcxFutures;
  std::uint8_t pad_[3] = {};
};

// ---- state changes ----------------------------------------------------------------------

struct BotChanged {
  BotRecord bot;
};
struct BotDeleted {
  BotId bot;
};
struct OrderChanged {
  OrderRecord order;
};
// One fill, applied exactly once (a trades-table row). Quantity and fee are this fill's
// increments; price is the increment's average.
struct FillApplied {
  OrderId order;
  BotId bot;
  ExchangeOrderId exchange_id;
  Symbol symbol;
  Decimal quantity;
  Decimal price;
  Decimal fee;
  Decimal position_after;
  std::int64_t wall_ns = 0;
  Side side = Side::Buy;
  Venue venue = Venue::CoinDcxFutures;
  std::uint8_t pad_[6] = {};
};
// A cycle closed: entry and exit fills matched (decision 4).
struct CycleCompleted {
  BotId bot;
  Decimal pnl;
  Decimal buy_notional;
  Decimal sell_notional;
  Decimal fees;
  Decimal quantity;
  std::uint32_t cycle = 0;  // 1-based count after this one
  std::uint8_t pad_[4] = {};
};

enum class CommandStatus : std::uint8_t {
  Ok = 0,
  NoOp = 1,  // nothing to do (start on an ACTIVE bot)
  NotFound = 2,
  Invalid = 3,  // validation failed; `text` says which rule
  Failed = 4,   // done, but the bot went to ERROR (exchange not configured)
  Refused = 5,  // trading is halted (the kill switch): resume first
};
struct CommandResult {
  std::uint64_t cmd_id = 0;
  BotId bot;
  std::uint32_t count = 0;  // bots stopped, for StopAll
  CommandStatus status = CommandStatus::Ok;
  std::uint8_t pad_[3] = {};
  ReasonText text;
};

using Action =
    std::variant<PlaceOrder, CancelOrder, QueryOrders, ArmTimer, ActivityLog, Notify, BotChanged,
                 BotDeleted, OrderChanged, FillApplied, CycleCompleted, CommandResult,
                 CancelAllOrders>;

enum class ActionKind : std::uint16_t {
  PlaceOrder = 0,
  CancelOrder = 1,
  QueryOrders = 2,
  ArmTimer = 3,
  ActivityLog = 4,
  Notify = 5,
  BotChanged = 6,
  BotDeleted = 7,
  OrderChanged = 8,
  FillApplied = 9,
  CycleCompleted = 10,
  CommandResult = 11,
  CancelAllOrders = 12,
};

[[nodiscard]] constexpr ActionKind kind_of(const Action& a) noexcept {
  return static_cast<ActionKind>(a.index());
}

static_assert(
    detail::all_alternatives_plain<Action>(std::make_index_sequence<std::variant_size_v<Action>>{}),
    "every action must be trivially copyable with no padding (digest = raw bytes)");
static_assert(
    std::is_same_v<
        std::variant_alternative_t<static_cast<std::size_t>(ActionKind::CancelAllOrders), Action>,
        CancelAllOrders> &&
        std::variant_size_v<Action> == static_cast<std::size_t>(ActionKind::CancelAllOrders) + 1,
    "ActionKind numbering must follow the variant");

}  // namespace scalper
