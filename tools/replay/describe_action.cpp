#include "describe_action.hpp"

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "scalper/engine/log_format.hpp"

namespace scalper::replay {
namespace {

// Appends "key=value" fields separated by single spaces.
class Line {
 public:
  explicit Line(std::string_view tag) : s_(tag) {}

  Line& word(std::string_view w) {
    s_ += ' ';
    s_ += w;
    return *this;
  }
  Line& field(std::string_view key, std::string_view value) {
    s_ += ' ';
    s_ += key;
    s_ += '=';
    s_ += value;
    return *this;
  }
  Line& field(std::string_view key, std::uint64_t value) {
    return field(key, std::string_view(std::to_string(value)));
  }
  Line& field(std::string_view key, Decimal value) { return field(key, text(value)); }
  Line& word(Decimal value) { return word(text(value)); }
  // Prices and quantities as "BUY 0.01 ETH/USDT @ 3900.0".
  Line& trade(Side side, Decimal qty, std::string_view symbol, Decimal price) {
    return word(upper(side)).word(qty).word(symbol).word("@").word(price);
  }
  Line& quoted(std::string_view key, std::string_view value) {
    s_ += ' ';
    s_ += key;
    s_ += "=\"";
    s_ += value;
    s_ += '"';
    return *this;
  }
  std::string done() { return std::move(s_); }

  static std::string text(Decimal d) {
    char buf[kDecimalTextMax];
    return std::string(buf, format_decimal(d, buf));
  }

 private:
  std::string s_;
};

std::string_view or_dash(std::string_view s) { return s.empty() ? "-" : s; }

std::string_view lower(TimerKind k) {
  switch (k) {
    case TimerKind::PlaceRetry: return "place-retry";
    case TimerKind::CancelTimeout: return "cancel-timeout";
    case TimerKind::OutcomeRecheck: return "outcome-recheck";
    case TimerKind::TradeCheck: return "trade-check";
    case TimerKind::Sweep: return "sweep";
  }
  return "?";
}

std::string_view lower(NotifyKind k) {
  switch (k) {
    case NotifyKind::BotStarted: return "bot-started";
    case NotifyKind::BotStopped: return "bot-stopped";
    case NotifyKind::BotUpdated: return "bot-updated";
    case NotifyKind::BotDeleted: return "bot-deleted";
    case NotifyKind::EmergencyStop: return "emergency-stop";
    case NotifyKind::OrderFilledOppositePlaced: return "filled-opposite-placed";
    case NotifyKind::CycleCompleted: return "cycle-completed";
    case NotifyKind::AutoStopped: return "auto-stopped";
    case NotifyKind::BotError: return "bot-error";
    case NotifyKind::LoopFinished: return "loop-finished";
    case NotifyKind::Halted: return "halted";
    case NotifyKind::Resumed: return "resumed";
  }
  return "?";
}

std::string_view label(CommandStatus s) {
  switch (s) {
    case CommandStatus::Ok: return "OK";
    case CommandStatus::NoOp: return "NOOP";
    case CommandStatus::NotFound: return "NOT_FOUND";
    case CommandStatus::Invalid: return "INVALID";
    case CommandStatus::Failed: return "FAILED";
    case CommandStatus::Refused: return "REFUSED";
  }
  return "?";
}

// Monotonic nanoseconds as seconds with all nine digits: timers are compared to the ns.
std::string seconds(std::int64_t ns) {
  const bool negative = ns < 0;
  const std::uint64_t mag =
      negative ? std::uint64_t{0} - static_cast<std::uint64_t>(ns) : static_cast<std::uint64_t>(ns);
  // snprintf rather than string concatenation: GCC 12 at -O3 reports a false -Wrestrict on
  // `"-" + std::to_string(...)`.
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s%llu.%09llus", negative ? "-" : "",
                static_cast<unsigned long long>(mag / 1'000'000'000u),
                static_cast<unsigned long long>(mag % 1'000'000'000u));
  return buf;
}

std::string describe(const PlaceOrder& a) {
  return Line("PLACE")
      .field("order", a.order.value)
      .field("bot", a.bot.value)
      .trade(a.side, a.quantity, a.symbol.view(), a.price)
      .field("lev", std::uint64_t{a.leverage})
      .word(label(a.venue))
      .done();
}

std::string describe(const CancelOrder& a) {
  return Line("CANCEL")
      .field("order", a.order.value)
      .field("bot", a.bot.value)
      .word(a.symbol.view())
      .field("xid", or_dash(a.exchange_id.view()))
      .field("reason", lower(a.reason))
      .word(label(a.venue))
      .done();
}

std::string describe(const CancelAllOrders& a) {
  return Line("CANCEL-ALL").word(label(a.venue)).done();
}

std::string describe(const QueryOrders& a) {
  return Line("QUERY").field("request", a.request_id).word(label(a.venue)).done();
}

std::string describe(const ArmTimer& a) {
  return Line("TIMER")
      .word(lower(a.kind))
      .field("bot", a.bot.value)
      .field("gen", a.generation)
      .field("deadline", seconds(a.deadline_mono_ns))
      .done();
}

std::string describe(const ActivityLog& a) {
  char buf[kLogTextMax];
  const std::size_t n = format_log(a, buf);
  return Line("LOG").word(label(a.level)).field("bot", a.bot.value).word({buf, n}).done();
}

std::string describe(const Notify& a) {
  Line line("NOTIFY");
  line.word(lower(a.kind)).word(label(a.level)).field("bot", a.bot.value);
  if (!a.ticker.empty()) line.word(a.ticker.view());
  // Fields are filled per kind; printing the ones set keeps every kind readable.
  const bool cycle = a.kind == NotifyKind::CycleCompleted;  // prices are averages, no side
  if (!cycle && (!a.price.is_zero() || !a.exchange_id.empty())) line.field("side", upper(a.side));
  if (!a.price.is_zero()) line.field("price", a.price);
  if (!a.price2.is_zero()) {
    if (!cycle) line.field("side2", upper(a.side2));
    line.field("price2", a.price2);
  }
  if (!a.quantity.is_zero()) line.field("qty", a.quantity);
  if (cycle || !a.pnl.is_zero()) line.field("pnl", a.pnl);
  if (cycle || !a.total_pnl.is_zero()) line.field("total_pnl", a.total_pnl);
  if (a.count != 0) line.field("count", a.count);
  if (a.count2 != 0) line.field("count2", a.count2);
  if (!a.exchange_id.empty()) line.field("xid", a.exchange_id.view());
  if (!a.text.empty()) line.quoted("text", a.text.view());
  return line.done();
}

std::string describe(const BotChanged& a) {
  const BotRecord& b = a.bot;
  Line line("BOT");
  line.field("bot", b.id.value)
      .word(b.ticker.view())
      .word(label(b.status))
      .field("pnl", b.pnl)
      .field("trades", std::uint64_t{b.total_trades})
      .field("position", b.position);
  if (b.live_order.valid())
    line.field("live", b.live_order.value);
  else
    line.field("live", "-");
  return line.done();
}

std::string describe(const BotDeleted& a) {
  return Line("BOT-DELETED").field("bot", a.bot.value).done();
}

std::string describe(const OrderChanged& a) {
  const OrderRecord& o = a.order;
  Line line("ORDER");
  line.field("order", o.id.value)
      .field("bot", o.bot.value)
      .trade(o.side, o.quantity, o.symbol.view(), o.price)
      .word(label(o.status))
      .field("filled", o.filled_qty);
  if (!o.filled_qty.is_zero()) line.field("avg", o.avg_price).field("fee", o.fee);
  line.field("xid", or_dash(o.exchange_id.view()));
  if (o.cancel_reason != CancelReason::None) line.field("cancel", lower(o.cancel_reason));
  return line.done();
}

std::string describe(const FillApplied& a) {
  return Line("FILL")
      .field("order", a.order.value)
      .field("bot", a.bot.value)
      .trade(a.side, a.quantity, a.symbol.view(), a.price)
      .field("fee", a.fee)
      .field("position", a.position_after)
      .done();
}

std::string describe(const CycleCompleted& a) {
  return Line("CYCLE")
      .field("bot", a.bot.value)
      .field("n", std::uint64_t{a.cycle})
      .field("pnl", a.pnl)
      .field("qty", a.quantity)
      .field("buy", a.buy_notional)
      .field("sell", a.sell_notional)
      .field("fees", a.fees)
      .done();
}

std::string describe(const CommandResult& a) {
  Line line("RESULT");
  line.field("cmd", a.cmd_id).word(label(a.status));
  if (a.bot.valid()) line.field("bot", a.bot.value);
  if (a.count != 0) line.field("count", a.count);
  if (!a.text.empty()) line.quoted("text", a.text.view());
  return line.done();
}

}  // namespace

std::string describe_action(const Action& action) {
  return std::visit([](const auto& a) { return describe(a); }, action);
}

}  // namespace scalper::replay
