// model.cpp — one refresh of a segment as rows (model.hpp).
#include "scalper/dash/model.hpp"

#include <algorithm>
#include <tuple>

#include "scalper/shm/latency.hpp"

namespace scalper::dash {

namespace {

using shm::ControlChannel;

std::string_view state_label(shm::CoreState s) noexcept {
  switch (s) {
    case shm::CoreState::Starting: return "starting";
    case shm::CoreState::Trading: return "trading";
    case shm::CoreState::Halted: return "halted";
    case shm::CoreState::Stopping: return "stopping";
  }
  return "?";
}

std::string_view link_label(VenueLink link) noexcept {
  switch (link) {
    case VenueLink::Down: return "down";
    case VenueLink::Reconciling: return "reconciling";
    case VenueLink::Live: return "live";
  }
  return "?";
}

// types.hpp's upper() says SELL for any byte that is not Buy; a garbled record says "?".
std::string_view side_label(Side s) noexcept {
  switch (s) {
    case Side::Buy: return "BUY";
    case Side::Sell: return "SELL";
  }
  return "?";
}

// The side of the bot's live order, or of the one it places next: the engine's rule (entry on
// the first side when flat, otherwise the exit of the open position; docs/architecture.md §3,
// decision 7). The record carries no side of its own for the live order.
Side working_side(const BotRecord& b) noexcept {
  if (b.position.is_zero()) return b.first_side;
  return b.position.is_positive() ? Side::Sell : Side::Buy;
}

// now - then for two readings of one clock, without overflow on garbage: -1 when `then` is
// unset (<= 0), 0 when it lies in the future (clocks of two reads differ slightly).
std::int64_t age_since(std::int64_t now, std::int64_t then) noexcept {
  if (then <= 0) return -1;
  if (then >= now) return 0;
  return now - then;  // both positive: cannot overflow
}

std::uint64_t elapsed_since(std::int64_t now, std::uint64_t then) noexcept {
  const auto at = static_cast<std::uint64_t>(now < 0 ? 0 : now);
  return at > then ? at - then : 0;
}

CoreInfo core_info(const RawSnapshot& raw, const Clocks& now) {
  CoreInfo c;
  c.pid = raw.pid;
  c.epoch = raw.epoch;
  c.uptime_ns = elapsed_since(now.mono_ns, raw.created_mono_ns);
  c.heartbeat_age_ns = raw.heartbeat_age_ns;
  c.not_responding = raw.heartbeat_age_ns > kNotRespondingNs;
  c.has_health = raw.has_health;
  if (!raw.has_health) {
    c.state = "starting";
    return c;
  }
  const shm::HealthSnapshot& h = raw.health;
  c.state = state_label(h.state);
  c.halted = h.state == shm::CoreState::Halted;
  c.note = text_of(h.note);
  c.journal_durable_seq = h.journal_durable_seq;
  c.checkpoint_seq = h.checkpoint_seq;
  c.last_input_seq = h.last_input_seq;
  c.bots = h.bots;
  return c;
}

BotRow bot_row(const BotRecord& b) {
  BotRow r;
  r.id = b.id.value;
  r.ticker = text_of(b.ticker);
  r.venue = label(b.venue);
  r.status = label(b.status);
  r.side = side_label(working_side(b));
  r.buy_price = b.buy_price;
  r.sell_price = b.sell_price;
  r.quantity = b.quantity;
  r.live_order = b.live_order.value;
  r.position = b.position;
  r.pnl = b.pnl;
  r.cycles = b.total_trades;
  r.last_fill_wall_ns = b.last_fill_wall_ns > 0 ? b.last_fill_wall_ns : 0;
  r.last_fill_price = b.last_fill_price;
  return r;
}

std::vector<Counter> engine_counters(const EngineCounters& e) {
  return {
      {"steps", e.steps},
      {"duplicate updates", e.duplicate_updates},
      {"unknown orders", e.unknown_orders},
      {"early updates", e.early_updates},
      {"stale timers", e.stale_timers},
      {"stale outcomes", e.stale_outcomes},
      {"trade checks", e.trade_checks},
      {"silence checks", e.silence_checks},
      {"sweeps", e.sweeps},
      {"fills recovered", e.fills_recovered},
  };
}

std::vector<VenueRow> venue_rows(const shm::HealthSnapshot& h, const Clocks& now) {
  std::vector<VenueRow> rows;
  for (std::size_t v = 0; v < kVenueCount; ++v) {
    const shm::VenueHealth& vh = h.venues[v];
    VenueRow r;
    r.venue = label(static_cast<Venue>(v));
    r.link = link_label(vh.link);
    r.last_message_age_ns = age_since(now.wall_ns, vh.last_message_wall_ns);
    r.messages = vh.messages;
    r.reconnects = vh.reconnects;
    rows.push_back(std::move(r));
  }
  return rows;
}

LatencyRow latency_row(std::string_view path, const shm::LatencyHistogram& h) {
  LatencyRow r;
  r.path = path;
  r.count = h.count;
  r.p50_ns = shm::latency_quantile(h, 0.5);
  r.p99_ns = shm::latency_quantile(h, 0.99);
  r.p999_ns = shm::latency_quantile(h, 0.999);
  r.max_ns = shm::latency_quantile(h, 1.0);
  return r;
}

std::string lower_ascii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

RawSnapshot capture(const ControlChannel& channel, std::int64_t now_mono_ns) {
  RawSnapshot raw;
  const shm::SegmentIdentity& id = channel.segment().identity();
  raw.pid = id.creator_pid;
  raw.epoch = id.core_epoch;
  raw.created_mono_ns = id.created_ns;
  raw.heartbeat_age_ns = channel.segment().core_heartbeat_age(
      static_cast<std::uint64_t>(std::max<std::int64_t>(now_mono_ns, 0)));
  raw.has_health = channel.read_health(raw.health);
  for (std::uint32_t i = 0; i < channel.bot_slots(); ++i) {
    shm::BotSnapshot s;
    if (channel.read_bot(i, s) && s.bot.id.valid()) raw.bots.push_back(s);
  }
  for (std::uint32_t i = 0; i < channel.price_slots(); ++i) {
    shm::PriceSnapshot p;
    if (channel.read_price(i, p) && !p.symbol.empty()) raw.prices.push_back(p);
  }
  for (std::uint32_t i = 0; i < channel.position_slots(); ++i) {
    shm::PositionSnapshot p;
    if (channel.read_position(i, p) && !p.symbol.empty()) raw.positions.push_back(p);
  }
  for (std::uint32_t i = 0; i < channel.balance_slots(); ++i) {
    shm::BalanceSnapshot b;
    if (channel.read_balance(i, b) && !b.currency.empty()) raw.balances.push_back(b);
  }
  for (std::size_t p = 0; p < shm::kLatencyPaths; ++p) {
    raw.has_latency[p] = channel.read_latency(static_cast<shm::LatencyPath>(p), raw.latency[p]);
  }
  raw.events_written = channel.events_written();
  raw.events_read = channel.events_read();
  raw.commands_sent = channel.commands_sent();
  raw.commands_taken = channel.commands_taken();
  return raw;
}

DashModel build_model(const RawSnapshot& raw, const Clocks& now) {
  DashModel m;
  m.core = core_info(raw, now);
  for (const shm::BotSnapshot& s : raw.bots) {
    if (s.bot.id.valid()) m.bots.push_back(bot_row(s.bot));
  }
  for (const shm::PriceSnapshot& p : raw.prices) {
    m.prices.push_back(PriceRow{text_of(p.symbol), std::string(label(p.venue)), p.last, p.mark,
                                age_since(now.wall_ns, p.received_wall_ns)});
  }
  for (const shm::PositionSnapshot& p : raw.positions) {
    m.positions.push_back(PositionRow{std::string(label(p.venue)), text_of(p.symbol), p.size,
                                      p.entry_price, p.mark_price, p.liquidation_price,
                                      p.locked_margin, p.leverage});
  }
  for (const shm::BalanceSnapshot& b : raw.balances) {
    m.balances.push_back(
        BalanceRow{std::string(label(b.venue)), text_of(b.currency), b.balance, b.locked});
  }
  const shm::HealthSnapshot empty_health{};
  const shm::HealthSnapshot& h = raw.has_health ? raw.health : empty_health;
  m.venues = venue_rows(h, now);
  m.counters = engine_counters(h.engine);
  constexpr std::string_view kPaths[shm::kLatencyPaths] = {"tick-to-order", "command-to-ack"};
  for (std::size_t p = 0; p < shm::kLatencyPaths; ++p) {
    m.latency.push_back(raw.has_latency[p] ? latency_row(kPaths[p], raw.latency[p])
                                           : LatencyRow{std::string(kPaths[p])});
  }
  m.rings.events_written = raw.events_written;
  m.rings.events_read = raw.events_read;
  m.rings.event_lag =
      raw.events_written > raw.events_read ? raw.events_written - raw.events_read : 0;
  m.rings.events_dropped = h.events_dropped;
  m.rings.commands_sent = raw.commands_sent;
  m.rings.commands_taken = raw.commands_taken;
  m.rings.commands_received = h.commands_received;
  m.rings.commands_refused = h.commands_refused;
  return m;
}

std::string_view label(SortKey key) noexcept {
  switch (key) {
    case SortKey::Id: return "id";
    case SortKey::Ticker: return "ticker";
    case SortKey::Status: return "status";
    case SortKey::Pnl: return "pnl";
    case SortKey::Cycles: return "cycles";
  }
  return "id";
}

SortKey next(SortKey key) noexcept {
  const auto n = (static_cast<std::size_t>(key) + 1) % kSortKeyCount;
  return static_cast<SortKey>(n);
}

void sort_bots(std::vector<BotRow>& rows, SortKey key, bool descending) {
  const auto before = [key](const BotRow& a, const BotRow& b) {
    switch (key) {
      case SortKey::Ticker: return std::tie(a.ticker, a.id) < std::tie(b.ticker, b.id);
      case SortKey::Status: return std::tie(a.status, a.id) < std::tie(b.status, b.id);
      case SortKey::Pnl: return std::tie(a.pnl, a.id) < std::tie(b.pnl, b.id);
      case SortKey::Cycles: return std::tie(a.cycles, a.id) < std::tie(b.cycles, b.id);
      case SortKey::Id: break;
    }
    return a.id < b.id;
  };
  if (descending) {
    std::stable_sort(rows.begin(), rows.end(),
                     [&before](const BotRow& a, const BotRow& b) { return before(b, a); });
  } else {
    std::stable_sort(rows.begin(), rows.end(), before);
  }
}

bool matches(const BotRow& row, std::string_view needle) {
  if (needle.empty()) return true;
  const std::string n = lower_ascii(needle);
  return lower_ascii(row.ticker).find(n) != std::string::npos ||
         lower_ascii(row.status).find(n) != std::string::npos;
}

void filter_bots(std::vector<BotRow>& rows, std::string_view needle) {
  std::erase_if(rows, [needle](const BotRow& r) { return !matches(r, needle); });
}

std::string printable(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  return out;
}

}  // namespace scalper::dash
