// known_enums.hpp — is this enum value one we define? (engine private)
//
// The journal and the checkpoint decoders hand what they read straight to the engine, which
// trusts its enums. An enum with a fixed underlying type may hold any value of that type, so a
// decoder copies the field first and asks known(); each is a switch with no default, so
// -Wswitch-enum turns a new enumerator into a compile error here until it is listed.
// Threading: pure functions. Allocation: none.
#pragma once

#include "scalper/engine/engine.hpp"
#include "scalper/engine/events.hpp"
#include "scalper/engine/types.hpp"

namespace scalper::detail {

constexpr bool known(Side v) noexcept {
  switch (v) {
    case Side::Buy:
    case Side::Sell: return true;
  }
  return false;
}
constexpr bool known(Venue v) noexcept {
  switch (v) {
    case Venue::CoinDcxFutures:
    case Venue::Binance:
    case Venue::Bybit: return true;
  }
  return false;
}
constexpr bool known(ExchangeStatus v) noexcept {
  switch (v) {
    case ExchangeStatus::Initial:
    case ExchangeStatus::Open:
    case ExchangeStatus::PartiallyFilled:
    case ExchangeStatus::Filled:
    case ExchangeStatus::PartiallyCancelled:
    case ExchangeStatus::Cancelled:
    case ExchangeStatus::Rejected:
    case ExchangeStatus::Untriggered: return true;
  }
  return false;
}
constexpr bool known(RejectKind v) noexcept {
  switch (v) {
    case RejectKind::Definitive:
    case RejectKind::Transient: return true;
  }
  return false;
}
constexpr bool known(TimerKind v) noexcept {
  switch (v) {
    case TimerKind::PlaceRetry:
    case TimerKind::CancelTimeout:
    case TimerKind::OutcomeRecheck:
    case TimerKind::TradeCheck:
    case TimerKind::Sweep: return true;
  }
  return false;
}
constexpr bool known(HaltReason v) noexcept {
  switch (v) {
    case HaltReason::Operator:
    case HaltReason::JournalFailure:
    case HaltReason::RiskLimit: return true;
  }
  return false;
}
constexpr bool known(BotStatus v) noexcept {
  switch (v) {
    case BotStatus::Active:
    case BotStatus::Stopped:
    case BotStatus::Error: return true;
  }
  return false;
}
constexpr bool known(OrderStatus v) noexcept {
  switch (v) {
    case OrderStatus::PendingNew:
    case OrderStatus::Unknown:
    case OrderStatus::Open:
    case OrderStatus::PartiallyFilled:
    case OrderStatus::PendingCancel:
    case OrderStatus::Filled:
    case OrderStatus::Cancelled:
    case OrderStatus::Rejected: return true;
  }
  return false;
}
constexpr bool known(CancelReason v) noexcept {
  switch (v) {
    case CancelReason::None:
    case CancelReason::Update:
    case CancelReason::Stop:
    case CancelReason::Delete: return true;
  }
  return false;
}
constexpr bool known(OrderOrigin v) noexcept {
  switch (v) {
    case OrderOrigin::Create:
    case OrderOrigin::Start:
    case OrderOrigin::Update:
    case OrderOrigin::Opposite: return true;
  }
  return false;
}
constexpr bool known(VenueLink v) noexcept {
  switch (v) {
    case VenueLink::Down:
    case VenueLink::Reconciling:
    case VenueLink::Live: return true;
  }
  return false;
}

}  // namespace scalper::detail
