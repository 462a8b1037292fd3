#include "scalper/engine/log_format.hpp"

#include <string_view>

namespace scalper {
namespace {

// Bounded appender over the caller's buffer: output past kLogTextMax is dropped.
class Text {
 public:
  explicit Text(char* buf) noexcept : buf_(buf) {}

  Text& operator<<(std::string_view s) noexcept {
    for (char c : s) {
      if (n_ < kLogTextMax) buf_[n_++] = c;
    }
    return *this;
  }
  Text& operator<<(Decimal d) noexcept {
    char tmp[kDecimalTextMax];
    return *this << std::string_view(tmp, format_decimal(d, tmp));
  }
  Text& operator<<(std::uint32_t v) noexcept {
    char tmp[12];
    std::size_t k = 0;
    do {
      tmp[k++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    while (k > 0) *this << std::string_view(&tmp[--k], 1);
    return *this;
  }
  Text& money2(Decimal d) noexcept {
    char tmp[kDecimalTextMax];
    return *this << "$" << std::string_view(tmp, format_decimal_fixed(d, 2, tmp));
  }
  [[nodiscard]] std::size_t size() const noexcept { return n_; }

 private:
  char* buf_;
  std::size_t n_ = 0;
};

}  // namespace

// The original's texts (decision 9 of docs/architecture.md §3) are kept to the letter:
// operators and their tooling read them. Prices print in their shortest exact form
// ("$3900.0"), as the original's float repr did.
std::size_t format_log(const ActivityLog& l, char* buf) noexcept {
  Text t(buf);
  switch (l.kind) {
    case LogKind::CreatePlaced:
      t << "Bot started and " << lower(l.side) << " order placed at $" << l.a;
      break;
    case LogKind::StartPlaced:
      t << "Bot started and " << upper(l.side) << " order placed at $" << l.a;
      break;
    case LogKind::StartConfigError: t << "Failed to start bot: " << l.text.view(); break;
    case LogKind::PlaceFailed: t << "Failed to place order: " << l.text.view(); break;
    case LogKind::Stopped:
      if (l.n > 0) {
        t << "Bot stopped and " << l.n << " pending order(s) cancelled";
        if (l.m > 0) t << " (" << l.m << " failed)";
      } else if (l.m > 0) {
        t << "Bot stopped (" << l.m << " order(s) could not be cancelled)";
      } else {
        t << "Bot stopped (no pending orders)";
      }
      break;
    case LogKind::ToggledActive: t << "Bot active for " << l.ticker.view(); break;
    case LogKind::ToggledStopped: t << "Bot stopped for " << l.ticker.view(); break;
    case LogKind::UpdatedInactive:
      t << "Bot configuration updated (bot is " << label(l.status) << ")";
      break;
    case LogKind::UpdateCancelled: t << l.n << " pending order(s) cancelled"; break;
    case LogKind::UpdatePlaced: t << "New " << lower(l.side) << " order placed at $" << l.a; break;
    case LogKind::UpdateFailed:
      t << "Failed to update orders on exchange: " << l.text.view();
      break;
    case LogKind::Deleted:
      t << "Bot deleted for " << l.ticker.view();
      if (l.n > 0) t << " (" << l.n << " orders cancelled)";
      break;
    case LogKind::EmergencyStop: t << "Emergency stop - All bots stopped"; break;
    case LogKind::Filled: t << upper(l.side) << " order filled at $" << l.a; break;
    case LogKind::OppositePlaced:
      t << upper(l.side) << " order placed at $" << l.a << " (opposite of filled order)";
      break;
    case LogKind::OppositeFailed:
      t << "Failed to place opposite " << upper(l.side) << " order: " << l.text.view();
      break;
    case LogKind::CycleCompleted:
      t << "Trading cycle completed! PnL: ";
      t.money2(l.a) << " | Total PnL: ";
      t.money2(l.b);
      break;
    case LogKind::SystemCancelled:
      t << "Order cancelled for " << lower(l.reason) << " operation";
      break;
    case LogKind::AutoStopped:
      t << "Bot stopped automatically - " << upper(l.side) << " order cancelled on exchange";
      break;
    case LogKind::UpdateActive: t << "Bot configuration updated (no order change needed)"; break;
    case LogKind::LoopFinished: t << "Cycle completed and infinite loop is off: bot stopped"; break;
    case LogKind::Rejected:
      t << upper(l.side) << " order rejected by exchange: " << l.text.view();
      break;
    case LogKind::FilledWhileInactive:
      t << upper(l.side) << " order filled at $" << l.a << " while bot is " << label(l.status)
        << ": no new order placed";
      break;
    case LogKind::PartialFill:
      t << upper(l.side) << " order partially filled: " << l.a << " of " << l.b;
      break;
    case LogKind::PlaceRetrying:
      t << "Placing " << upper(l.side) << " order failed (" << l.text.view() << "); retry " << l.n
        << " in " << l.m << " ms";
      break;
    case LogKind::OutcomeUnknown:
      t << "No answer placing " << upper(l.side) << " order at $" << l.a
        << "; checking open orders";
      break;
    case LogKind::CancelFailed:
      t << "Could not cancel " << upper(l.side) << " order: " << l.text.view()
        << "; checking open orders";
      break;
    case LogKind::PositionLeftOpen:
      t << "Open position of " << l.a << " left on " << l.ticker.view();
      break;
    case LogKind::StreamDown:
      t << label(l.venue) << " stream disconnected; new orders held until reconciled";
      break;
    case LogKind::Reconciled:
      t << label(l.venue) << " stream reconciled: " << l.n << " order(s) listed, " << l.m
        << " resolved";
      break;
    case LogKind::InconsistentUpdate:
      t << "Ignored inconsistent " << upper(l.side) << " order update: " << l.text.view();
      break;
    case LogKind::OrderAdopted:
      t << upper(l.side) << " order found live on exchange after unknown outcome";
      break;
    case LogKind::NotPlaced: t << upper(l.side) << " order was not placed; placing it again"; break;
    case LogKind::NotListed:
      t << upper(l.side) << " order no longer listed on exchange: treated as cancelled";
      break;
    case LogKind::PnlOutOfRange:
      t << "Cycle PnL " << l.a << " would take the total PnL out of range: bot set to ERROR";
      break;
    case LogKind::Recovered:
      t << "Engine recovered after restart: " << l.n << " placement(s) and " << l.m
        << " cancel(s) in flight, to be settled by listing; new orders wait for reconciliation";
      break;
    case LogKind::Halted:
      t << "Trading halted (" << l.text.view() << "): " << l.n << " bot(s) stopped and " << l.m
        << " order(s) cancelled; no order goes out until resumed";
      break;
    case LogKind::Resumed: t << "Trading resumed: bots stay stopped until started"; break;
  }
  return t.size();
}

}  // namespace scalper
