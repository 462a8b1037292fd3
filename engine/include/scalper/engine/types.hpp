// types.hpp — identifiers and small enums shared by every event, action and record.
//
// Every type here is trivially copyable with a unique object representation (no padding), so
// the structs built from them can be journaled and digested byte for byte.
// Threading: value types. Allocation: none.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scalper/engine/decimal.hpp"
#include "scalper/engine/fixed_string.hpp"

namespace scalper {

// Ours: assigned by the engine, from 1, never reused within a journal. 0 means "none".
struct BotId {
  std::uint64_t value = 0;
  [[nodiscard]] constexpr bool valid() const noexcept { return value != 0; }
  friend constexpr auto operator<=>(BotId, BotId) noexcept = default;
};
struct OrderId {
  std::uint64_t value = 0;
  [[nodiscard]] constexpr bool valid() const noexcept { return value != 0; }
  friend constexpr auto operator<=>(OrderId, OrderId) noexcept = default;
};

// Theirs: CoinDCX and Bybit use 36-char UUIDs, Binance decimal integers.
using ExchangeOrderId = FixedString<48>;
// Standard form "BASE/QUOTE" (≤ 20 chars, as the original validated).
using Symbol = FixedString<24>;
// Reasons from exchanges and validation, for people; cut at 79 chars.
using ReasonText = FixedString<80>;

inline constexpr std::size_t kMaxTickerLength = 20;

enum class Side : std::uint8_t { Buy = 0, Sell = 1 };

[[nodiscard]] constexpr Side opposite(Side s) noexcept {
  return s == Side::Buy ? Side::Sell : Side::Buy;
}
[[nodiscard]] constexpr std::string_view upper(Side s) noexcept {
  return s == Side::Buy ? "BUY" : "SELL";
}
[[nodiscard]] constexpr std::string_view lower(Side s) noexcept {
  return s == Side::Buy ? "buy" : "sell";
}

enum class Venue : std::uint8_t { CoinDcxFutures = 0, Binance = 1, Bybit = 2 };
inline constexpr std::size_t kVenueCount = 3;

// The exchange labels of the original's API ("CoinDCX F", "Binance"), plus Bybit.
[[nodiscard]] constexpr std::string_view label(Venue v) noexcept {
  switch (v) {
    case Venue::CoinDcxFutures: return "CoinDCX F";
    case Venue::Binance: return "Binance";
    case Venue::Bybit: return "Bybit";
  }
  return "?";
}

// Whether the venue cancels every open order of the account in one request (the kill switch
// uses it, then verifies by listing). CoinDCX Futures: positions/cancel_all_open_orders. The
// others have no gateway yet; when they get one, Binance's is per symbol and Bybit's per
// category, so this becomes their gateway's to say.
[[nodiscard]] constexpr bool has_cancel_all(Venue v) noexcept { return v == Venue::CoinDcxFutures; }

enum class BotStatus : std::uint8_t { Active = 0, Stopped = 1, Error = 2 };

[[nodiscard]] constexpr std::string_view label(BotStatus s) noexcept {
  switch (s) {
    case BotStatus::Active: return "ACTIVE";
    case BotStatus::Stopped: return "STOPPED";
    case BotStatus::Error: return "ERROR";
  }
  return "?";
}

// Why we asked to cancel. Recorded on the order before the cancel leaves the engine, so the
// stream's "cancelled" event can tell our cancels from someone else's (decision 5 of
// docs/architecture.md §3: the original's RACE, where an update's own cancel stopped the bot).
enum class CancelReason : std::uint8_t { None = 0, Update = 1, Stop = 2, Delete = 3 };

[[nodiscard]] constexpr std::string_view lower(CancelReason r) noexcept {
  switch (r) {
    case CancelReason::None: return "none";
    case CancelReason::Update: return "update";
    case CancelReason::Stop: return "stop";
    case CancelReason::Delete: return "delete";
  }
  return "?";
}

// Our view of an order. Terminal: Filled, Cancelled, Rejected.
enum class OrderStatus : std::uint8_t {
  PendingNew = 0,  // place request emitted, no outcome yet
  Unknown = 1,     // the place request timed out: it may or may not be live
  Open = 2,        // accepted, exchange id known
  PartiallyFilled = 3,
  PendingCancel = 4,  // our cancel intent recorded and the cancel emitted
  Filled = 5,
  Cancelled = 6,
  Rejected = 7,
};
inline constexpr std::size_t kOrderStatusCount = 8;

[[nodiscard]] constexpr bool is_terminal(OrderStatus s) noexcept {
  return s == OrderStatus::Filled || s == OrderStatus::Cancelled || s == OrderStatus::Rejected;
}
[[nodiscard]] constexpr std::string_view label(OrderStatus s) noexcept {
  switch (s) {
    case OrderStatus::PendingNew: return "PENDING_NEW";
    case OrderStatus::Unknown: return "UNKNOWN";
    case OrderStatus::Open: return "OPEN";
    case OrderStatus::PartiallyFilled: return "PARTIALLY_FILLED";
    case OrderStatus::PendingCancel: return "PENDING_CANCEL";
    case OrderStatus::Filled: return "FILLED";
    case OrderStatus::Cancelled: return "CANCELLED";
    case OrderStatus::Rejected: return "REJECTED";
  }
  return "?";
}

// What the exchange says about an order (CoinDCX `df-order-update` statuses; the codecs of
// other venues map onto these).
enum class ExchangeStatus : std::uint8_t {
  Initial = 0,
  Open = 1,
  PartiallyFilled = 2,
  Filled = 3,
  PartiallyCancelled = 4,
  Cancelled = 5,
  Rejected = 6,
  Untriggered = 7,
};
inline constexpr std::size_t kExchangeStatusCount = 8;

[[nodiscard]] constexpr std::string_view label(ExchangeStatus s) noexcept {
  switch (s) {
    case ExchangeStatus::Initial: return "initial";
    case ExchangeStatus::Open: return "open";
    case ExchangeStatus::PartiallyFilled: return "partially_filled";
    case ExchangeStatus::Filled: return "filled";
    case ExchangeStatus::PartiallyCancelled: return "partially_cancelled";
    case ExchangeStatus::Cancelled: return "cancelled";
    case ExchangeStatus::Rejected: return "rejected";
    case ExchangeStatus::Untriggered: return "untriggered";
  }
  return "?";
}

// Which path placed an order: it picks the activity-log text when the exchange accepts it.
enum class OrderOrigin : std::uint8_t {
  Create = 0,    // "Bot started and buy order placed at $…"
  Start = 1,     // "Bot started and BUY order placed at $…"
  Update = 2,    // "New buy order placed at $…"
  Opposite = 3,  // "SELL order placed at $… (opposite of filled order)"
};

// Why trading is halted (the kill switch, decision 13 of docs/architecture.md §3): no order
// goes out until an operator resumes.
enum class HaltReason : std::uint8_t {
  Operator = 0,        // an operator pulled it
  JournalFailure = 1,  // the core could not journal its inputs: nothing may act unrecorded
  RiskLimit = 2,       // a risk limit was crossed
};

[[nodiscard]] constexpr std::string_view lower(HaltReason r) noexcept {
  switch (r) {
    case HaltReason::Operator: return "operator";
    case HaltReason::JournalFailure: return "journal failure";
    case HaltReason::RiskLimit: return "risk limit";
  }
  return "?";
}

enum class LogLevel : std::uint8_t { Info = 0, Success = 1, Warning = 2, Error = 3, Telegram = 4 };

[[nodiscard]] constexpr std::string_view label(LogLevel l) noexcept {
  switch (l) {
    case LogLevel::Info: return "INFO";
    case LogLevel::Success: return "SUCCESS";
    case LogLevel::Warning: return "WARNING";
    case LogLevel::Error: return "ERROR";
    case LogLevel::Telegram: return "TELEGRAM";
  }
  return "?";
}

}  // namespace scalper
