// The bot and order state machine. Behaviour and decisions: engine/README.md.
//
// Shape of one step: check the sequence number and that the outbox can take the worst case of
// this event, then dispatch. Handlers change state and write actions; bots and orders they
// touch are marked dirty and their records are emitted once, at the end of the step
// (OrderChanged, then BotChanged), so a step never reports a half-updated record.
//
// What must stay true (checked by the property tests):
//   - a bot has at most one non-terminal order (live_order); placements wait until it is gone;
//   - every fill increment is applied once: cumulative filled quantities only move forward;
//   - position = Σ buy fills − Σ sell fills; pnl = Σ cycle PnL;
//   - terminal orders stay terminal.
#include "scalper/engine/engine.hpp"

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "checkpoint_codec.hpp"
#include "tagged_index.hpp"

namespace scalper {
namespace {

constexpr std::uint32_t kNone = ~std::uint32_t{0};
// Order slots per bot: one live order plus recent terminal ones kept for duplicate detection.
constexpr std::uint32_t kOrdersPerBot = 4;
// OrderId = serial << kOrderSlotBits | slot: unique for the journal's life, and its own index.
constexpr unsigned kOrderSlotBits = 24;
constexpr std::uint64_t kOrderSlotMask = (std::uint64_t{1} << kOrderSlotBits) - 1;
// How far the exchange's clock may run behind ours when matching an unknown-outcome order.
constexpr std::int64_t kAdoptClockSkewMs = 2'000;
constexpr std::uint32_t kMaxBots = (std::uint32_t{1} << kOrderSlotBits) / kOrdersPerBot;
// Actions one ordinary event can produce: a fill with its cycle, logs, notifications, the next
// placement and the records it touched stay well under this.
constexpr std::size_t kEventActionBound = 32;
// Buffered early updates replayed for one accepted order at most (each ≤ kEventActionBound).
constexpr std::size_t kEarlyReplayMax = 8;  // = EarlyUpdates::kMaxTake
// Per-bot worst case of a walk over all bots (stop-all, end of reconciliation).
constexpr std::size_t kPerBotActionBound = 10;

const Decimal kMinTrailing = Decimal::from_raw(10'000'000);  // 0.1
const Decimal kMaxTrailing = Decimal::from_units(3);
const Decimal kMaxOrderValue = Decimal::from_units(10'000'000'000);  // quote units
constexpr std::uint8_t kDefaultLeverage = 3;
constexpr std::uint8_t kMaxLeverage = 50;

struct Bot {
  BotRecord rec;
  // The open cycle: fills since the position was last flat (decision 4).
  Decimal cycle_buy_qty;
  Decimal cycle_buy_notional;
  Decimal cycle_sell_notional;
  Decimal cycle_fees;
  // The fill that triggered the pending opposite order, for its notification.
  Decimal trigger_price;
  Side trigger_side = Side::Buy;
  std::uint32_t live_slot = kNone;  // order slot of rec.live_order
  std::uint64_t timer_generation = 0;
  std::uint64_t dirty_step = 0;
  std::uint32_t place_attempts = 0;  // consecutive failed placements
  std::uint32_t next_order_in_ring = 0;
  OrderOrigin next_origin = OrderOrigin::Create;
  bool used = false;
  bool want_order = false;     // ACTIVE and wants a live order once nothing blocks it
  bool retry_pending = false;  // a PlaceRetry timer is armed
  bool deleting = false;       // delete requested; removed when its order is terminal
};

struct Order {
  OrderRecord rec;
  Decimal notional;  // Σ fill quantity × price
  std::uint64_t dirty_step = 0;
  // The first listing that must show this order (asked for after the exchange had it, or after
  // its outcome became unknown); listings from then on that do not show it count as misses.
  std::uint64_t listable_since_request = 0;
  std::uint64_t last_listed_request = 0;
  std::uint64_t index_hash = 0;  // hash_key(exchange_id), when mapped
  std::uint32_t bot_slot = kNone;
  std::uint32_t listing_misses = 0;
  std::uint32_t resting_pos = kNone;  // its entry in State::resting, while mapped
  // Lost reports: when a trade first went through this order's price with no report since
  // (0: none pending), and how soon a trade may prompt another check of it.
  std::int64_t crossed_mono_ns = 0;
  std::int64_t next_trade_check_ns = 0;
  bool used = false;
  bool mapped = false;  // exchange id in the index
};

// An order the exchange has (its id is mapped), as a public trade is checked against it: a
// compact array, so a scan costs 16-byte entries, not a walk over the orders (measured: 16
// bytes with the marks kept in Order beat 32 with them here, at 10,000 bots).
struct Resting {
  Decimal price;
  std::uint32_t slot = kNone;
  std::uint16_t symbol_tag = 0;  // a hash of the symbol, to skip other tickers cheaply
  Side side = Side::Buy;
  Venue venue = Venue::CoinDcxFutures;
};

// The highest resting buy and the lowest resting sell of the orders whose symbol tag falls in
// this band (per venue, by the tag's low bits: symbols that share a band only widen it, which
// costs a scan, never a missed check). A trade strictly between them goes through nothing and
// is dismissed without a scan: the usual case, as bots rest their orders away from the price.
// An order at a bound leaving makes the band stale; the next trade in it recomputes it.
struct PriceBand {
  Decimal max_buy = Decimal::from_raw(INT64_MIN);
  Decimal min_sell = Decimal::from_raw(INT64_MAX);
  std::uint32_t orders = 0;
  bool stale = false;
};
constexpr std::size_t kBandBits = 10;
constexpr std::size_t kBands = std::size_t{1} << kBandBits;  // per venue

struct VenueState {
  VenueLink link = VenueLink::Down;
  std::uint64_t connect_request = 0;  // the listing that brings the link Live
  std::uint32_t listed = 0;
  std::uint32_t resolved = 0;
  std::uint32_t unknown_orders = 0;  // orders in OrderStatus::Unknown
  std::uint32_t pending_new = 0;     // orders in OrderStatus::PendingNew
  std::uint32_t resting = 0;         // orders with an exchange id, not settled
  // Listings: the newest asked for (id, time) and the newest answered (id, time).
  std::uint64_t last_query = 0;
  std::uint64_t last_answer = 0;
  std::int64_t last_query_mono_ns = 0;
  std::int64_t last_answer_mono_ns = 0;
  // Venue timers: only the newest generation of each kind counts.
  struct Timer {
    std::uint64_t generation = 0;
    bool armed = false;
  };
  Timer trade_check;
  Timer sweep;
  Timer& timer(TimerKind kind) noexcept { return kind == TimerKind::Sweep ? sweep : trade_check; }
};

// A listing unanswered for this long is taken as lost (the gateway retries a failed listing
// until it succeeds, so this only guards against one dropped on the way): the silence check
// may then ask again.
constexpr std::int64_t kListingLostNs = 30'000'000'000;

// Updates for exchange ids we do not know yet: the stream often beats the REST response that
// names the id. A ring (the oldest entry is overwritten when full) with a hash index, so that
// looking up an id on every acceptance costs one probe however full the ring is (repeats of
// settled orders' reports end up here too, and stay until overwritten).
class EarlyUpdates {
 public:
  explicit EarlyUpdates(std::uint32_t capacity)
      : entries_(capacity == 0 ? 1 : capacity), index_(entries_.size()) {}

  void push(const ExchangeOrder& o, std::uint64_t hash) noexcept {
    Entry& e = entries_[next_];
    if (e.used)
      index_.erase(e.hash, static_cast<std::uint32_t>(next_));
    else
      ++count_;
    e = Entry{o, hash, ++pushed_, true};
    index_.insert(hash, static_cast<std::uint32_t>(next_));
    next_ = (next_ + 1) % entries_.size();
  }
  [[nodiscard]] std::uint32_t count() const noexcept { return count_; }

  // Removes up to `max` entries for `id`, oldest first, into `out`; returns how many.
  std::size_t take(const ExchangeOrderId& id, std::uint64_t hash, ExchangeOrder* out,
                   std::size_t max) noexcept {
    if (count_ == 0) return 0;
    std::uint64_t order[kMaxTake];
    std::size_t n = 0;
    while (n < max && n < kMaxTake) {
      const std::uint32_t i =
          index_.find(hash, [&](std::uint32_t k) { return entries_[k].report.exchange_id == id; });
      if (i == TaggedIndex::kAbsent) break;
      Entry& e = entries_[i];
      // Insertion sort by arrival: the exchange's reports must be applied in the order sent.
      std::size_t at = n;
      while (at > 0 && order[at - 1] > e.pushed) {
        order[at] = order[at - 1];
        out[at] = out[at - 1];
        --at;
      }
      order[at] = e.pushed;
      out[at] = e.report;
      ++n;
      index_.erase(hash, i);
      e.used = false;
      --count_;
    }
    return n;
  }

  static constexpr std::size_t kMaxTake = 8;

  // ---- checkpoint: next position, count, arrivals, then the used entries by position ----
  static constexpr std::size_t kCheckpointEntryMax = 4 + 8 + detail::kExchangeOrderMax;
  [[nodiscard]] static std::size_t checkpoint_max(std::uint32_t capacity) noexcept {
    return 4 + 4 + 8 + std::size_t{capacity == 0 ? 1 : capacity} * kCheckpointEntryMax;
  }

  void clear() noexcept {
    for (Entry& e : entries_) e = Entry{};
    index_.clear();
    next_ = 0;
    pushed_ = 0;
    count_ = 0;
  }

  [[nodiscard]] bool save(detail::CheckpointWriter& w) const noexcept {
    if (!w.room(16)) return false;
    w.u32(static_cast<std::uint32_t>(next_));
    w.u32(count_);
    w.u64(pushed_);
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      const Entry& e = entries_[i];
      if (!e.used) continue;
      if (!w.room(4 + 8 + detail::exchange_order_size(e.report))) return false;
      w.u32(static_cast<std::uint32_t>(i));
      w.u64(e.pushed);
      detail::write_exchange_order(w, e.report);
    }
    return true;
  }

  // Into a cleared ring. Arrivals increase around the ring from next_ (each push takes the
  // position after the last), so walking it from there re-inserts the index entries in the
  // order the pushes made them: the same layout, hence the same take() order.
  void restore(detail::CheckpointReader& r) noexcept {
    const std::uint32_t next = r.u32();
    const std::uint32_t count = r.u32();
    const std::uint64_t pushed = r.u64();
    if (!r.check(next < entries_.size() && count <= entries_.size())) return;
    std::uint32_t last = 0;
    for (std::uint32_t k = 0; k < count; ++k) {
      const std::uint32_t pos = r.u32();
      const std::uint64_t arrival = r.u64();
      const ExchangeOrder report = detail::read_exchange_order(r);
      if (!r.check(r.ok() && pos < entries_.size() && (k == 0 || pos > last) && arrival >= 1 &&
                   arrival <= pushed)) {
        return;
      }
      last = pos;
      entries_[pos] = Entry{report, hash_key(report.exchange_id), arrival, true};
    }
    next_ = next;
    pushed_ = pushed;
    count_ = count;
    std::uint64_t previous = 0;
    for (std::size_t k = 0; k < entries_.size(); ++k) {
      const std::size_t i = (next_ + k) % entries_.size();
      const Entry& e = entries_[i];
      if (!e.used) continue;
      if (!r.check(e.pushed > previous)) return;
      previous = e.pushed;
      index_.insert(e.hash, static_cast<std::uint32_t>(i));
    }
  }

 private:
  struct Entry {
    ExchangeOrder report;
    std::uint64_t hash = 0;
    std::uint64_t pushed = 0;  // arrival number
    bool used = false;
  };
  std::vector<Entry> entries_;
  TaggedIndex index_;
  std::size_t next_ = 0;
  std::uint64_t pushed_ = 0;
  std::uint32_t count_ = 0;
};

[[nodiscard]] bool is_valid_ticker(const Symbol& s) noexcept {
  const std::string_view t = s.view();
  if (t.empty() || t.size() > kMaxTickerLength) return false;
  const std::size_t slash = t.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == t.size()) return false;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const char c = t[i];
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || i == slash;
    if (!ok) return false;
  }
  return true;
}

[[nodiscard]] Decimal abs(Decimal d) noexcept { return d.is_negative() ? -d : d; }

// Symbols are zero-padded to their fixed size: hashing all words is exact.
[[nodiscard]] std::uint16_t symbol_tag(const Symbol& s) noexcept {
  static_assert(sizeof(Symbol) == 24);
  std::uint64_t w[3];
  std::memcpy(w, &s, sizeof s);
  return static_cast<std::uint16_t>(
      mix64(w[0] ^ (w[1] * 0x9e3779b97f4a7c15ull) ^ (w[2] * 0xc2b2ae3d27d4eb4full)) >> 48);
}

// At or through: a trade at the order's price may have filled it (queue position unknown).
[[nodiscard]] bool trades_through(const Resting& r, Decimal trade_price) noexcept {
  return r.side == Side::Buy ? trade_price <= r.price : trade_price >= r.price;
}

}  // namespace

// Bounds the configuration to what the tables can address; a journal header is checked against
// tighter limits before it gets here.
static EngineConfig bounded(EngineConfig c) noexcept {
  if (c.max_bots == 0) c.max_bots = 1;
  if (c.max_bots > kMaxBots) c.max_bots = kMaxBots;
  return c;
}

struct Engine::State {
  explicit State(const EngineConfig& requested) : State(bounded(requested), 0) {}
  State(const EngineConfig& c, int)
      : config(c),
        bots(c.max_bots),
        bot_index(c.max_bots),
        orders(std::size_t{c.max_bots} * kOrdersPerBot),
        exchange_index(std::size_t{c.max_bots} * kOrdersPerBot),
        forgotten(std::size_t{c.max_bots} * kOrdersPerBot, 0),
        early(c.early_update_capacity) {
    resting.reserve(orders.size());
    bands.resize(kVenueCount * kBands);
    free_bots.reserve(c.max_bots);
    for (std::uint32_t i = c.max_bots; i > 0; --i) free_bots.push_back(i - 1);
    dirty_bots.reserve(c.max_bots);
    dirty_orders.reserve(orders.size());
  }

  // ---- configuration and tables ---------------------------------------------------------
  EngineConfig config;
  std::vector<Bot> bots;
  std::vector<std::uint32_t> free_bots;
  TaggedIndex bot_index;  // BotId -> bot slot
  std::uint32_t bot_count = 0;

  // Bot slot b owns order slots [b × kOrdersPerBot, (b + 1) × kOrdersPerBot), used in turn: a
  // new order takes the bot's oldest, which is terminal (only the newest can be live). Keeping
  // a bot's orders together keeps them in cache; its last few settled orders stay readable
  // (find_order) for the runtime's and operator's look-ups.
  std::vector<Order> orders;
  TaggedIndex exchange_index;
  // Hashes of exchange ids of settled orders, newest last (a ring). An order whose placement
  // outcome is unknown must never be matched to one of these: their fills were applied.
  std::vector<std::uint64_t> forgotten;
  std::size_t forgotten_next = 0;
  bool forgotten_wrapped = false;  // every entry written at least once (else [next, end) are 0)

  VenueState venues[kVenueCount];
  EarlyUpdates early;
  std::vector<Resting> resting;  // every mapped order, unordered (swap-removed)
  std::vector<PriceBand> bands;  // kBands per venue, indexed by band_of()

  std::uint64_t next_bot_id = 1;
  std::uint64_t next_order_serial = 1;
  std::uint64_t next_request_id = 1;
  std::uint64_t last_seq = 0;
  EngineCounters counters;
  // The kill switch (decision 13): while set, pump() places nothing and no bot starts.
  bool halted = false;
  HaltReason halt_reason = HaltReason::Operator;
  // Within on(Halt) only: venues whose open orders one cancel-all request cancels, so their
  // orders get no request of their own (emit_cancel). Not state: false outside that step.
  bool sweeping[kVenueCount] = {};

  // ---- per step ------------------------------------------------------------------------
  const Event* ev = nullptr;
  Outbox* out = nullptr;
  std::vector<std::uint32_t> dirty_bots;
  std::vector<std::uint32_t> dirty_orders;

  // ===================================================================== step plumbing ====

  std::size_t action_bound(const EventBody& body) const noexcept {
    switch (kind_of(body)) {
      case EventKind::StopAll:
      case EventKind::ReconcileEnd:
      case EventKind::Recovered:
      case EventKind::Halt: return kPerBotActionBound * bot_count + kEventActionBound;
      case EventKind::OrderAccepted: return kEventActionBound * (1 + kEarlyReplayMax);
      case EventKind::CreateBot:
      case EventKind::UpdateBot:
      case EventKind::StartBot:
      case EventKind::StopBot:
      case EventKind::ToggleBot:
      case EventKind::DeleteBot:
      case EventKind::OrderRejected:
      case EventKind::OrderOutcomeUnknown:
      case EventKind::CancelFailed:
      case EventKind::OrderUpdate:
      case EventKind::StreamConnected:
      case EventKind::StreamDisconnected:
      case EventKind::ReconcileBegin:
      case EventKind::ReconcileOrder:
      case EventKind::TimerFired:
      case EventKind::MarketTrade:
      case EventKind::StreamSilent:
      case EventKind::Resume: return kEventActionBound;
    }
    return kEventActionBound;
  }

  std::size_t max_bound() const noexcept {
    const std::size_t walk = kPerBotActionBound * config.max_bots + kEventActionBound;
    const std::size_t accept = kEventActionBound * (1 + kEarlyReplayMax);
    return walk > accept ? walk : accept;
  }

  StepStatus step(const Event& event, Outbox& outbox) noexcept {
    if (event.seq <= last_seq) return StepStatus::BadSequence;
    if (outbox.free() < action_bound(event.body)) return StepStatus::OutboxFull;
    last_seq = event.seq;
    ++counters.steps;
    ev = &event;
    out = &outbox;
    std::visit([this](const auto& e) { on(e); }, event.body);
    flush_dirty();
    return StepStatus::Ok;
  }

  void touch_bot(std::uint32_t slot) {
    Bot& b = bots[slot];
    if (b.dirty_step == last_seq) return;
    b.dirty_step = last_seq;
    b.rec.updated_wall_ns = ev->wall_ns;
    dirty_bots.push_back(slot);
  }
  void touch_order(std::uint32_t slot) {
    Order& o = orders[slot];
    if (o.dirty_step == last_seq) return;
    o.dirty_step = last_seq;
    o.rec.updated_wall_ns = ev->wall_ns;
    dirty_orders.push_back(slot);
  }
  void flush_dirty() {
    for (std::uint32_t slot : dirty_orders) out->emplace<OrderChanged>(orders[slot].rec);
    for (std::uint32_t slot : dirty_bots) {
      if (bots[slot].used) out->emplace<BotChanged>(bots[slot].rec);
    }
    dirty_orders.clear();
    dirty_bots.clear();
  }

  // ============================================================================ lookups ====

  std::uint32_t bot_slot(BotId id) const noexcept {
    const std::uint32_t slot = bot_index.find(
        hash_key(id.value), [&](std::uint32_t s) { return bots[s].used && bots[s].rec.id == id; });
    return slot == TaggedIndex::kAbsent ? kNone : slot;
  }
  // Our order ids carry their slot in the low bits (see pump), so no index is needed.
  std::uint32_t order_slot(OrderId id) const noexcept {
    const std::uint64_t slot = id.value & kOrderSlotMask;
    if (slot >= orders.size()) return kNone;
    const Order& o = orders[slot];
    return o.used && o.rec.id == id ? static_cast<std::uint32_t>(slot) : kNone;
  }
  std::uint32_t exchange_slot(const ExchangeOrderId& id) const noexcept {
    return exchange_slot(id, hash_key(id));
  }
  std::uint32_t exchange_slot(const ExchangeOrderId& id, std::uint64_t hash) const noexcept {
    const std::uint32_t slot =
        exchange_index.find(hash, [&](std::uint32_t s) { return orders[s].rec.exchange_id == id; });
    return slot == TaggedIndex::kAbsent ? kNone : slot;
  }

  // ======================================================================= output helpers ====

  ActivityLog& log(const Bot* bot, LogLevel level, LogKind kind) {
    ActivityLog& l = out->emplace<ActivityLog>();
    l.wall_ns = ev->wall_ns;
    l.level = level;
    l.kind = kind;
    if (bot != nullptr) {
      l.bot = bot->rec.id;
      l.ticker = bot->rec.ticker;
      l.status = bot->rec.status;
      l.venue = bot->rec.venue;
    }
    return l;
  }

  Notify& notify(const Bot& bot, NotifyKind kind, LogLevel level) {
    Notify& n = out->emplace<Notify>();
    n.bot = bot.rec.id;
    n.kind = kind;
    n.level = level;
    n.ticker = bot.rec.ticker;
    n.venue = bot.rec.venue;
    return n;
  }

  void command_result(std::uint64_t cmd_id, BotId bot, CommandStatus status,
                      std::string_view text = {}, std::uint32_t count = 0) {
    CommandResult& r = out->emplace<CommandResult>();
    r.cmd_id = cmd_id;
    r.bot = bot;
    r.status = status;
    r.count = count;
    r.text.assign_truncated(text);
  }

  void arm_timer(Bot& bot, TimerKind kind, std::int64_t delay_ns) {
    ArmTimer& t = out->emplace<ArmTimer>();
    t.bot = bot.rec.id;
    t.generation = ++bot.timer_generation;
    t.kind = kind;
    t.deadline_mono_ns = ev->mono_ns + delay_ns;
  }

  void query_orders(Venue venue) {
    QueryOrders& q = out->emplace<QueryOrders>();
    q.request_id = next_request_id++;
    q.venue = venue;
    VenueState& v = venue_state(venue);
    v.last_query = q.request_id;
    v.last_query_mono_ns = ev->mono_ns;
  }

  VenueState& venue_state(Venue venue) noexcept { return venues[static_cast<std::size_t>(venue)]; }

  // Venue timers carry no bot; each kind has its own generation.
  void arm_venue_timer(Venue venue, TimerKind kind, std::int64_t delay_ns) {
    VenueState& v = venue_state(venue);
    ArmTimer& t = out->emplace<ArmTimer>();
    t.kind = kind;
    t.venue = venue;
    t.deadline_mono_ns = ev->mono_ns + delay_ns;
    VenueState::Timer& timer = v.timer(kind);
    t.generation = ++timer.generation;
    timer.armed = true;
  }

  // ============================================================================ orders ====

  // A fill usually places the bot's next order: start the cache misses that will cost (the
  // bot, its next ring slot) now, in parallel, instead of one after another. Hints only.
  void prefetch_for_next_order(std::uint32_t bslot) const noexcept {
    const Bot& b = bots[bslot];
    __builtin_prefetch(&b);
    __builtin_prefetch(reinterpret_cast<const char*>(&b) + 64);
    __builtin_prefetch(reinterpret_cast<const char*>(&b) + 128);
    __builtin_prefetch(&orders[bslot * kOrdersPerBot + b.next_order_in_ring]);
  }

  // A settled order leaves the exchange-id index at once, while the entry's cache line is still
  // hot from the lookup that settled it (erasing at slot reuse cost a cache miss per order).
  // Its id joins `forgotten`, so a listing can never pass it off as a newer order; a later
  // report for it reads as an order we do not know, and is ignored.
  void forget_exchange_id(std::uint32_t slot) noexcept {
    Order& o = orders[slot];
    if (!o.mapped) return;
    exchange_index.erase(o.index_hash, slot);
    o.mapped = false;
    remove_resting(slot);
    forgotten[forgotten_next] = o.index_hash;
    if (++forgotten_next == forgotten.size()) {
      forgotten_next = 0;
      forgotten_wrapped = true;
    }
  }

  // The bot's next order slot in turn. Its previous occupant is terminal: a bot has one
  // non-terminal order at most, and it is the newest.
  std::uint32_t allocate_order_slot(Bot& b, std::uint32_t bslot) {
    const std::uint32_t slot = bslot * kOrdersPerBot + b.next_order_in_ring;
    b.next_order_in_ring = (b.next_order_in_ring + 1) % kOrdersPerBot;
    std::construct_at(&orders[slot]);  // in place: a temporary would be zeroed, then copied
    return slot;
  }

  void set_status(std::uint32_t slot, OrderStatus status) {
    Order& o = orders[slot];
    VenueState& v = venues[static_cast<std::size_t>(o.rec.venue)];
    if (o.rec.status == OrderStatus::Unknown) --v.unknown_orders;
    if (o.rec.status == OrderStatus::PendingNew) --v.pending_new;
    if (status == OrderStatus::Unknown) ++v.unknown_orders;
    if (status == OrderStatus::PendingNew) ++v.pending_new;
    o.rec.status = status;
    touch_order(slot);
    if (is_terminal(status)) {
      forget_exchange_id(slot);
      Bot& b = bots[o.bot_slot];
      if (b.live_slot == slot) {
        b.live_slot = kNone;
        b.rec.live_order = OrderId{};
        touch_bot(o.bot_slot);
      }
    }
  }

  // `hash` = hash_key(id), when the caller has it already.
  void map_exchange_id(std::uint32_t slot, const ExchangeOrderId& id, std::uint64_t hash) {
    Order& o = orders[slot];
    o.rec.exchange_id = id;
    if (!id.empty() && exchange_slot(id, hash) == kNone) {
      exchange_index.insert(hash, slot);
      o.index_hash = hash;
      o.listable_since_request = next_request_id;
      o.mapped = true;
      add_resting(slot);
    }
  }

  void add_resting(std::uint32_t slot) {
    Order& o = orders[slot];
    o.crossed_mono_ns = 0;
    o.next_trade_check_ns = 0;
    index_resting(slot);
  }

  // Enters a mapped order in the resting array and its band (restore() rebuilds them so).
  void index_resting(std::uint32_t slot) {
    Order& o = orders[slot];
    o.resting_pos = static_cast<std::uint32_t>(resting.size());
    const Resting r{o.rec.price, slot, symbol_tag(o.rec.symbol), o.rec.side, o.rec.venue};
    resting.push_back(r);
    ++venue_state(o.rec.venue).resting;
    PriceBand& band = band_of(r.venue, r.symbol_tag);
    ++band.orders;
    widen(band, r);
  }

  PriceBand& band_of(Venue venue, std::uint16_t tag) noexcept {
    return bands[static_cast<std::size_t>(venue) * kBands + (tag & (kBands - 1))];
  }
  static void widen(PriceBand& band, const Resting& r) noexcept {
    if (r.side == Side::Buy && r.price > band.max_buy) band.max_buy = r.price;
    if (r.side == Side::Sell && r.price < band.min_sell) band.min_sell = r.price;
  }
  // A trade strictly inside the band goes through none of its orders' prices.
  bool inside_band(Venue venue, std::uint16_t tag, Decimal price) noexcept {
    PriceBand& band = band_of(venue, tag);
    if (band.orders == 0) return true;
    if (band.stale) {
      band.max_buy = PriceBand{}.max_buy;
      band.min_sell = PriceBand{}.min_sell;
      const std::size_t index = static_cast<std::size_t>(tag & (kBands - 1));
      for (const Resting& r : resting) {
        if (r.venue == venue && static_cast<std::size_t>(r.symbol_tag & (kBands - 1)) == index) {
          widen(band, r);
        }
      }
      band.stale = false;
    }
    return price > band.max_buy && price < band.min_sell;
  }

  void remove_resting(std::uint32_t slot) {
    Order& o = orders[slot];
    if (o.resting_pos == kNone) return;
    const Resting gone = resting[o.resting_pos];
    const Resting last = resting.back();
    resting[o.resting_pos] = last;
    orders[last.slot].resting_pos = o.resting_pos;
    resting.pop_back();
    o.resting_pos = kNone;
    o.crossed_mono_ns = 0;
    --venue_state(gone.venue).resting;
    PriceBand& band = band_of(gone.venue, gone.symbol_tag);
    if (--band.orders == 0) {
      band = PriceBand{};
    } else if (gone.price == (gone.side == Side::Buy ? band.max_buy : band.min_sell)) {
      band.stale = true;  // it held a bound: the next trade in the band recomputes it
    }
  }

  [[nodiscard]] static Decimal price_for(const BotRecord& b, Side side) noexcept {
    return side == Side::Buy ? b.buy_price : b.sell_price;
  }

  // Places the bot's next order when nothing blocks it. Entry when flat (first side, the
  // bot's quantity); otherwise the exit of exactly the open position (decision 7).
  void pump(std::uint32_t bslot) {
    Bot& b = bots[bslot];
    if (halted) return;  // no bot is ACTIVE while halted; this makes "no order" unconditional
    if (!b.want_order || b.deleting || b.rec.status != BotStatus::Active) return;
    if (b.live_slot != kNone || b.retry_pending) return;
    if (venues[static_cast<std::size_t>(b.rec.venue)].link != VenueLink::Live) return;

    const bool flat = b.rec.position.is_zero();
    const Side side =
        flat ? b.rec.first_side : (b.rec.position.is_positive() ? Side::Sell : Side::Buy);
    const Decimal qty = flat ? b.rec.quantity : abs(b.rec.position);

    const std::uint32_t slot = allocate_order_slot(b, bslot);
    Order& o = orders[slot];
    o.used = true;
    o.bot_slot = bslot;
    o.rec.id = OrderId{(next_order_serial++ << kOrderSlotBits) | slot};
    o.rec.bot = b.rec.id;
    o.rec.symbol = b.rec.ticker;
    o.rec.side = side;
    o.rec.price = price_for(b.rec, side);
    o.rec.quantity = qty;
    o.rec.origin = b.next_origin;
    o.rec.venue = b.rec.venue;
    o.rec.leverage = b.rec.leverage;
    o.rec.created_wall_ns = ev->wall_ns;
    o.rec.status = OrderStatus::Open;  // placeholder so set_status counts PendingNew once
    set_status(slot, OrderStatus::PendingNew);

    b.live_slot = slot;
    b.rec.live_order = o.rec.id;
    touch_bot(bslot);

    PlaceOrder& p = out->emplace<PlaceOrder>();
    p.order = o.rec.id;
    p.bot = b.rec.id;
    p.symbol = o.rec.symbol;
    p.price = o.rec.price;
    p.quantity = qty;
    p.venue = o.rec.venue;
    p.side = side;
    p.leverage = o.rec.leverage;
  }

  // Records the intent, then emits the cancel (decision 5: intent first, so the stream's
  // "cancelled" can never look external). Orders without an exchange id yet keep the intent
  // and are cancelled the moment they are accepted or found.
  // Returns whether the bot had an order to cancel.
  bool cancel_live(std::uint32_t bslot, CancelReason reason) {
    Bot& b = bots[bslot];
    if (b.live_slot == kNone) return false;
    const std::uint32_t slot = b.live_slot;
    Order& o = orders[slot];
    o.rec.cancel_reason = reason;
    touch_order(slot);
    switch (o.rec.status) {
      case OrderStatus::Open:
      case OrderStatus::PartiallyFilled: emit_cancel(slot); break;
      case OrderStatus::PendingCancel:
        emit_cancel(slot);  // asked again: the first may have been lost; a repeat is harmless
        break;
      case OrderStatus::PendingNew:
      case OrderStatus::Unknown: break;  // cancelled when accepted or found
      case OrderStatus::Filled:
      case OrderStatus::Cancelled:
      case OrderStatus::Rejected: break;  // not live: live_slot never points at these
    }
    return true;
  }

  // The cancel's intent and its timeout, and its request unless a cancel-all of the order's
  // venue is about to go out (the kill switch): that one request cancels it.
  void emit_cancel(std::uint32_t slot) {
    Order& o = orders[slot];
    set_status(slot, OrderStatus::PendingCancel);
    if (!sweeping[static_cast<std::size_t>(o.rec.venue)]) {
      CancelOrder& c = out->emplace<CancelOrder>();
      c.order = o.rec.id;
      c.bot = o.rec.bot;
      c.exchange_id = o.rec.exchange_id;
      c.symbol = o.rec.symbol;
      c.venue = o.rec.venue;
      c.reason = o.rec.cancel_reason;
    }
    arm_timer(bots[o.bot_slot], TimerKind::CancelTimeout, config.cancel_timeout_ns);
  }

  // ============================================================================ commands ====

  // Checks one bot definition; on failure `why` says which rule, for the operator.
  [[nodiscard]] static bool validate(const BotParams& p, std::string_view& why) noexcept {
    if (!is_valid_ticker(p.ticker)) {
      why = "ticker must be BASE/QUOTE in upper-case letters and digits, at most 20 chars";
      return false;
    }
    if (static_cast<std::size_t>(p.venue) >= kVenueCount) {
      why = "unknown exchange";
      return false;
    }
    if (p.first_side != Side::Buy && p.first_side != Side::Sell) {
      why = "first_order must be BUY or SELL";
      return false;
    }
    if (!p.quantity.is_positive()) {
      why = "quantity must be greater than 0";
      return false;
    }
    if (!p.buy_price.is_positive()) {
      why = "buy_price must be greater than 0";
      return false;
    }
    if (!p.sell_price.is_positive()) {
      why = "sell_price must be greater than 0";
      return false;
    }
    if (p.sell_price <= p.buy_price) {
      why = "sell_price must be greater than buy_price";
      return false;
    }
    if (!p.trailing_percent.is_zero() &&
        (p.trailing_percent < kMinTrailing || p.trailing_percent > kMaxTrailing)) {
      why = "trailing_percent must be between 0.1 and 3.0";
      return false;
    }
    if (p.leverage > kMaxLeverage) {
      why = "leverage must be between 1 and 50";
      return false;
    }
    Decimal value;
    if (!mul_checked(p.quantity, p.sell_price, value) || value > kMaxOrderValue) {
      why = "order value (quantity x price) is too large";
      return false;
    }
    return true;
  }

  [[nodiscard]] bool venue_ready(const Bot& b) const noexcept {
    return config.venue_enabled[static_cast<std::size_t>(b.rec.venue)];
  }

  void fail_config(std::uint32_t bslot) {
    Bot& b = bots[bslot];
    b.rec.status = BotStatus::Error;
    b.want_order = false;
    touch_bot(bslot);
    ActivityLog& l = log(&b, LogLevel::Error, LogKind::StartConfigError);
    // "Exchange '<label>' is not configured …": built in place, no allocation.
    char buf[ReasonText::kCapacity];
    std::size_t n = 0;
    for (std::string_view part :
         {std::string_view("Exchange '"), label(b.rec.venue),
          std::string_view("' is not configured (no adapter or API keys)")}) {
      for (char c : part) {
        if (n < sizeof buf) buf[n++] = c;
      }
    }
    l.text.assign_truncated({buf, n});
    Notify& note = notify(b, NotifyKind::BotError, LogLevel::Error);
    note.text = l.text;
  }

  void on(const CreateBot& c) {
    if (halted) return command_result(c.cmd_id, {}, CommandStatus::Refused, kHaltedText);
    std::string_view why;
    BotParams p = c.params;
    if (!validate(p, why)) return command_result(c.cmd_id, {}, CommandStatus::Invalid, why);
    if (free_bots.empty()) {
      return command_result(c.cmd_id, {}, CommandStatus::Invalid, "bot limit reached");
    }
    const std::uint32_t slot = free_bots.back();
    free_bots.pop_back();
    Bot& b = bots[slot];
    b = Bot{};
    b.used = true;
    b.rec.id = BotId{next_bot_id++};
    b.rec.ticker = p.ticker;
    b.rec.quantity = p.quantity;
    b.rec.buy_price = p.buy_price;
    b.rec.sell_price = p.sell_price;
    b.rec.trailing_percent = p.trailing_percent;
    b.rec.venue = p.venue;
    b.rec.first_side = p.first_side;
    b.rec.leverage = p.leverage == 0 ? kDefaultLeverage : p.leverage;
    b.rec.infinite_loop = p.infinite_loop;
    b.rec.created_wall_ns = ev->wall_ns;
    b.rec.status = BotStatus::Active;  // create means "create and start now" (as the original)
    bot_index.insert(hash_key(b.rec.id.value), slot);
    ++bot_count;
    touch_bot(slot);
    if (!venue_ready(b)) {
      fail_config(slot);
      return command_result(c.cmd_id, b.rec.id, CommandStatus::Failed, "exchange not configured");
    }
    b.want_order = true;
    b.next_origin = OrderOrigin::Create;
    pump(slot);
    command_result(c.cmd_id, b.rec.id, CommandStatus::Ok);
  }

  void on(const UpdateBot& u) {
    const std::uint32_t slot = bot_slot(u.bot);
    if (slot == kNone || bots[slot].deleting) {
      return command_result(u.cmd_id, u.bot, CommandStatus::NotFound, "bot not found");
    }
    Bot& b = bots[slot];
    BotParams merged;
    merged.ticker = (u.fields & kUpdateTicker) ? u.params.ticker : b.rec.ticker;
    merged.quantity = (u.fields & kUpdateQuantity) ? u.params.quantity : b.rec.quantity;
    merged.buy_price = (u.fields & kUpdateBuyPrice) ? u.params.buy_price : b.rec.buy_price;
    merged.sell_price = (u.fields & kUpdateSellPrice) ? u.params.sell_price : b.rec.sell_price;
    merged.trailing_percent =
        (u.fields & kUpdateTrailing) ? u.params.trailing_percent : b.rec.trailing_percent;
    merged.venue = (u.fields & kUpdateVenue) ? u.params.venue : b.rec.venue;
    merged.first_side = (u.fields & kUpdateFirstSide) ? u.params.first_side : b.rec.first_side;
    merged.leverage = (u.fields & kUpdateLeverage)
                          ? (u.params.leverage == 0 ? kDefaultLeverage : u.params.leverage)
                          : b.rec.leverage;
    merged.infinite_loop =
        (u.fields & kUpdateInfiniteLoop) ? u.params.infinite_loop : b.rec.infinite_loop;

    std::string_view why;
    // sell > buy is checked on the merged result: the original skipped it on update.
    if (!validate(merged, why)) return command_result(u.cmd_id, u.bot, CommandStatus::Invalid, why);
    const bool moves_market = !(merged.ticker == b.rec.ticker) || merged.venue != b.rec.venue;
    if (moves_market && !b.rec.position.is_zero()) {
      return command_result(u.cmd_id, u.bot, CommandStatus::Invalid,
                            "bot holds an open position: close it before changing "
                            "ticker or exchange");
    }
    const bool trading_changed =
        moves_market || merged.quantity != b.rec.quantity || merged.buy_price != b.rec.buy_price ||
        merged.sell_price != b.rec.sell_price || merged.first_side != b.rec.first_side ||
        merged.leverage != b.rec.leverage;
    b.rec.ticker = merged.ticker;
    b.rec.quantity = merged.quantity;
    b.rec.buy_price = merged.buy_price;
    b.rec.sell_price = merged.sell_price;
    b.rec.trailing_percent = merged.trailing_percent;
    b.rec.venue = merged.venue;
    b.rec.first_side = merged.first_side;
    b.rec.leverage = merged.leverage;
    b.rec.infinite_loop = merged.infinite_loop;
    touch_bot(slot);

    if (b.rec.status != BotStatus::Active) {
      log(&b, LogLevel::Info, LogKind::UpdatedInactive);
      return command_result(u.cmd_id, u.bot, CommandStatus::Ok);
    }
    if (!trading_changed) {
      // Only infinite_loop or trailing_percent: the live order still matches (the original
      // cancelled and re-placed anyway).
      log(&b, LogLevel::Info, LogKind::UpdateActive);
      return command_result(u.cmd_id, u.bot, CommandStatus::Ok);
    }
    if (!venue_ready(b)) {
      cancel_live(slot, CancelReason::Stop);
      fail_config(slot);
      return command_result(u.cmd_id, u.bot, CommandStatus::Failed, "exchange not configured");
    }
    // Cancel, wait for the exchange to confirm, then re-place with the new values: the new
    // order is never sent while the old one may still fill (the original could end with two
    // live orders that way: decision 12 of docs/architecture.md §3).
    b.next_origin = OrderOrigin::Update;
    b.want_order = true;
    b.place_attempts = 0;
    if (cancel_live(slot, CancelReason::Update)) {
      log(&b, LogLevel::Info, LogKind::UpdateCancelled).n = 1;
    }
    pump(slot);
    command_result(u.cmd_id, u.bot, CommandStatus::Ok);
  }

  void start_bot(std::uint32_t slot, std::uint64_t cmd_id, bool toggled) {
    Bot& b = bots[slot];
    b.rec.status = BotStatus::Active;
    touch_bot(slot);
    if (toggled) log(&b, LogLevel::Success, LogKind::ToggledActive);
    if (!venue_ready(b)) {
      fail_config(slot);
      return command_result(cmd_id, b.rec.id, CommandStatus::Failed, "exchange not configured");
    }
    b.want_order = true;
    b.next_origin = OrderOrigin::Start;
    b.place_attempts = 0;
    pump(slot);  // waits for a leftover order of the last run to settle first
    command_result(cmd_id, b.rec.id, CommandStatus::Ok);
  }

  // Stops one bot and cancels its order. Returns whether an order was cancelled.
  bool halt_bot(std::uint32_t slot, CancelReason reason) {
    Bot& b = bots[slot];
    b.rec.status = BotStatus::Stopped;
    b.want_order = false;
    if (b.retry_pending) {
      b.retry_pending = false;
      ++b.timer_generation;  // the armed retry is now stale
    }
    touch_bot(slot);
    return cancel_live(slot, reason);
  }

  void warn_open_position(const Bot& b) {
    if (b.rec.position.is_zero()) return;
    log(&b, LogLevel::Warning, LogKind::PositionLeftOpen).a = b.rec.position;
  }

  void stop_bot(std::uint32_t slot, std::uint64_t cmd_id, bool toggled) {
    Bot& b = bots[slot];
    const bool cancelled = halt_bot(slot, CancelReason::Stop);
    if (toggled) {
      log(&b, LogLevel::Warning, LogKind::ToggledStopped);
    } else {
      log(&b, LogLevel::Warning, LogKind::Stopped).n = cancelled ? 1u : 0u;
    }
    Notify& n = notify(b, NotifyKind::BotStopped, LogLevel::Warning);
    n.count = cancelled ? 1u : 0u;
    n.count2 = cancelled ? 1u : 0u;
    warn_open_position(b);
    command_result(cmd_id, b.rec.id, CommandStatus::Ok);
  }

  void on(const StartBot& s) {
    const std::uint32_t slot = bot_slot(s.bot);
    if (slot == kNone || bots[slot].deleting) {
      return command_result(s.cmd_id, s.bot, CommandStatus::NotFound, "bot not found");
    }
    if (halted) return command_result(s.cmd_id, s.bot, CommandStatus::Refused, kHaltedText);
    if (bots[slot].rec.status == BotStatus::Active) {
      // Decision 6: never a second order (the original placed one on every start).
      return command_result(s.cmd_id, s.bot, CommandStatus::NoOp, "bot is already active");
    }
    start_bot(slot, s.cmd_id, false);
  }

  void on(const StopBot& s) {
    const std::uint32_t slot = bot_slot(s.bot);
    if (slot == kNone || bots[slot].deleting) {
      return command_result(s.cmd_id, s.bot, CommandStatus::NotFound, "bot not found");
    }
    stop_bot(slot, s.cmd_id, false);
  }

  void on(const ToggleBot& t) {
    const std::uint32_t slot = bot_slot(t.bot);
    if (slot == kNone || bots[slot].deleting) {
      return command_result(t.cmd_id, t.bot, CommandStatus::NotFound, "bot not found");
    }
    if (bots[slot].rec.status == BotStatus::Active) {
      stop_bot(slot, t.cmd_id, true);
    } else if (halted) {
      command_result(t.cmd_id, t.bot, CommandStatus::Refused, kHaltedText);
    } else {
      start_bot(slot, t.cmd_id, true);
    }
  }

  void on(const DeleteBot& d) {
    const std::uint32_t slot = bot_slot(d.bot);
    if (slot == kNone || bots[slot].deleting) {
      return command_result(d.cmd_id, d.bot, CommandStatus::NotFound, "bot not found");
    }
    Bot& b = bots[slot];
    const bool cancelled = halt_bot(slot, CancelReason::Delete);
    b.deleting = true;
    log(&b, LogLevel::Warning, LogKind::Deleted).n = cancelled ? 1u : 0u;
    notify(b, NotifyKind::BotDeleted, LogLevel::Warning).count = cancelled ? 1u : 0u;
    warn_open_position(b);
    const BotId id = b.rec.id;
    if (b.live_slot == kNone) finish_delete(slot);
    command_result(d.cmd_id, id, CommandStatus::Ok);
  }

  void finish_delete(std::uint32_t slot) {
    Bot& b = bots[slot];
    out->emplace<BotDeleted>().bot = b.rec.id;
    bot_index.erase(hash_key(b.rec.id.value), slot);
    b.used = false;
    free_bots.push_back(slot);
    --bot_count;
  }

  void on(const StopAll& s) {
    std::uint32_t stopped = 0;
    for (std::uint32_t slot = 0; slot < bots.size(); ++slot) {
      Bot& b = bots[slot];
      if (!b.used || b.deleting) continue;
      const bool was_active = b.rec.status == BotStatus::Active;
      if (!was_active && b.live_slot == kNone) continue;
      halt_bot(slot, CancelReason::Stop);
      if (was_active) ++stopped;
    }
    ActivityLog& l = log(nullptr, LogLevel::Error, LogKind::EmergencyStop);
    l.n = stopped;
    Notify& n = out->emplace<Notify>();
    n.kind = NotifyKind::EmergencyStop;
    n.level = LogLevel::Error;
    n.count = stopped;
    command_result(s.cmd_id, {}, CommandStatus::Ok, {}, stopped);
  }

  // ======================================================================= kill switch ====
  // Decision 13 of docs/architecture.md §3. Halt is stop-all (each cancel's intent recorded
  // first, decision 5) that also keeps anything from starting again. On a venue with a
  // cancel-all call, one CancelAllOrders replaces the orders' own cancels (it also takes
  // orders placed by hand and placements whose outcome is not known yet). Then every venue is
  // listed to verify nothing is left live (a listing that still shows an order we cancelled
  // sends that order's cancel). Fills that arrive while halted are applied; their bots are stopped, so they
  // place nothing. Reconciliation goes on as usual. Resume lifts the halt only.

  static constexpr std::string_view kHaltedText = "trading is halted: resume first";

  void on(const Halt& h) {
    halted = true;
    halt_reason = h.reason;
    std::uint32_t stopped = 0;
    std::uint32_t cancelled = 0;
    for (std::size_t v = 0; v < kVenueCount; ++v) {
      sweeping[v] = config.venue_enabled[v] && has_cancel_all(static_cast<Venue>(v));
    }
    for (std::uint32_t slot = 0; slot < bots.size(); ++slot) {
      Bot& b = bots[slot];
      if (!b.used || b.deleting) continue;  // a deleting bot's cancel is on its way already
      const bool was_active = b.rec.status == BotStatus::Active;
      if (!was_active && b.live_slot == kNone) continue;
      if (halt_bot(slot, CancelReason::Stop)) ++cancelled;
      if (was_active) ++stopped;
    }
    for (std::size_t v = 0; v < kVenueCount; ++v) {
      if (!sweeping[v]) continue;
      sweeping[v] = false;
      out->emplace<CancelAllOrders>().venue = static_cast<Venue>(v);
    }
    for (std::size_t v = 0; v < kVenueCount; ++v) {
      if (config.venue_enabled[v]) query_orders(static_cast<Venue>(v));
    }
    ActivityLog& l = log(nullptr, LogLevel::Error, LogKind::Halted);
    l.n = stopped;
    l.m = cancelled;
    l.text.assign_truncated(lower(h.reason));
    Notify& n = out->emplace<Notify>();
    n.kind = NotifyKind::Halted;
    n.level = LogLevel::Error;
    n.count = stopped;
    n.count2 = cancelled;
    n.text = l.text;
    command_result(h.cmd_id, {}, CommandStatus::Ok, {}, stopped);
  }

  void on(const Resume& r) {
    if (!halted) {
      return command_result(r.cmd_id, {}, CommandStatus::NoOp, "trading is not halted");
    }
    halted = false;
    log(nullptr, LogLevel::Info, LogKind::Resumed);
    Notify& n = out->emplace<Notify>();
    n.kind = NotifyKind::Resumed;
    n.level = LogLevel::Info;
    command_result(r.cmd_id, {}, CommandStatus::Ok);
  }

  // ============================================================== order-entry outcomes ====

  // The order a REST outcome answers, if it still awaits one (placement sent, or its outcome
  // unknown); kNone, counted, for an outcome that comes after the order was settled otherwise
  // (found by a listing first, say) or that names no order of ours.
  std::uint32_t awaiting_outcome(OrderId id) noexcept {
    const std::uint32_t slot = order_slot(id);
    if (slot != kNone && (orders[slot].rec.status == OrderStatus::PendingNew ||
                          orders[slot].rec.status == OrderStatus::Unknown)) {
      return slot;
    }
    ++counters.stale_outcomes;
    return kNone;
  }

  void on(const OrderAccepted& a) {
    const std::uint32_t slot = awaiting_outcome(a.order);
    if (slot == kNone) return;
    Order& o = orders[slot];
    const std::uint64_t hash = hash_key(a.exchange_id);
    const std::uint32_t other = exchange_slot(a.exchange_id, hash);
    if (other != kNone && other != slot) {
      log(&bots[o.bot_slot], LogLevel::Error, LogKind::InconsistentUpdate)
          .text.assign_truncated("exchange id already belongs to another order");
      return;
    }
    map_exchange_id(slot, a.exchange_id, hash);
    set_status(slot, OrderStatus::Open);
    Bot& b = bots[o.bot_slot];
    b.place_attempts = 0;
    announce_placed(o.bot_slot, slot);
    if (o.rec.cancel_reason != CancelReason::None) emit_cancel(slot);
    replay_early_updates(a.exchange_id, hash);
  }

  // The original logged (and notified) an order only once the exchange had it.
  void announce_placed(std::uint32_t bslot, std::uint32_t oslot) {
    Bot& b = bots[bslot];
    const Order& o = orders[oslot];
    LogKind kind = LogKind::CreatePlaced;
    LogLevel level = LogLevel::Success;
    NotifyKind note = NotifyKind::BotStarted;
    switch (o.rec.origin) {
      case OrderOrigin::Create: break;
      case OrderOrigin::Start: kind = LogKind::StartPlaced; break;
      case OrderOrigin::Update:
        kind = LogKind::UpdatePlaced;
        note = NotifyKind::BotUpdated;
        break;
      case OrderOrigin::Opposite:
        kind = LogKind::OppositePlaced;
        level = LogLevel::Info;
        note = NotifyKind::OrderFilledOppositePlaced;
        break;
    }
    ActivityLog& l = log(&b, level, kind);
    l.side = o.rec.side;
    l.a = o.rec.price;
    Notify& n = notify(b, note, LogLevel::Success);
    n.side = o.rec.side;
    n.price = o.rec.price;
    n.quantity = o.rec.quantity;
    n.exchange_id = o.rec.exchange_id;
    if (o.rec.origin == OrderOrigin::Opposite) {
      n.side = b.trigger_side;
      n.price = b.trigger_price;
      n.side2 = o.rec.side;
      n.price2 = o.rec.price;
    }
  }

  void replay_early_updates(const ExchangeOrderId& id, std::uint64_t hash) {
    if (early.count() == 0) return;
    ExchangeOrder pending[kEarlyReplayMax];
    const std::size_t n = early.take(id, hash, pending, kEarlyReplayMax);
    for (std::size_t i = 0; i < n; ++i) apply_report(pending[i], 0);
  }

  void on(const OrderRejected& r) {
    const std::uint32_t slot = awaiting_outcome(r.order);
    if (slot == kNone) return;
    Order& o = orders[slot];
    const std::uint32_t bslot = o.bot_slot;
    set_status(slot, OrderStatus::Rejected);
    placement_failed(bslot, o, r.kind == RejectKind::Transient, r.reason);
  }

  // The back-off before placement attempt `attempts` + 1: base × 2^(attempts − 1), capped.
  [[nodiscard]] std::int64_t retry_delay(std::uint32_t attempts) const noexcept {
    std::int64_t delay = config.retry_base_ns;
    for (std::uint32_t i = 1; i < attempts && delay != 0 && delay < config.retry_max_ns; ++i) {
      delay *= 2;
    }
    return delay > config.retry_max_ns ? config.retry_max_ns : delay;
  }

  // Decision 8: transient → retry with back-off, never a second live order; definitive (or
  // out of attempts) → ERROR and an alert.
  void placement_failed(std::uint32_t bslot, const Order& o, bool transient,
                        const ReasonText& reason) {
    Bot& b = bots[bslot];
    if (o.rec.cancel_reason == CancelReason::Delete) return finish_delete(bslot);
    if (o.rec.cancel_reason != CancelReason::None || b.rec.status != BotStatus::Active) {
      pump(bslot);  // stopped meanwhile: nothing to do; updated meanwhile: place the new one
      return;
    }
    ++b.place_attempts;
    if (transient && b.place_attempts < config.max_place_attempts) {
      const std::int64_t delay = retry_delay(b.place_attempts);
      b.retry_pending = true;
      arm_timer(b, TimerKind::PlaceRetry, delay);
      ActivityLog& l = log(&b, LogLevel::Warning, LogKind::PlaceRetrying);
      l.side = o.rec.side;
      l.text = reason;
      l.n = b.place_attempts;
      l.m = static_cast<std::uint32_t>(delay / 1'000'000);
      return;
    }
    b.rec.status = BotStatus::Error;
    b.want_order = false;
    touch_bot(bslot);
    LogKind kind = LogKind::PlaceFailed;
    if (o.rec.origin == OrderOrigin::Update) kind = LogKind::UpdateFailed;
    if (o.rec.origin == OrderOrigin::Opposite) kind = LogKind::OppositeFailed;
    ActivityLog& l = log(&b, LogLevel::Error, kind);
    l.side = o.rec.side;
    l.a = o.rec.price;
    l.text = reason;
    Notify& n = notify(b, NotifyKind::BotError, LogLevel::Error);
    n.side = o.rec.side;
    n.price = o.rec.price;
    n.text = reason;
  }

  void on(const OrderOutcomeUnknown& u) {
    const std::uint32_t slot = order_slot(u.order);
    if (slot == kNone || orders[slot].rec.status != OrderStatus::PendingNew) {
      ++counters.stale_outcomes;
      return;
    }
    Order& o = orders[slot];
    set_status(slot, OrderStatus::Unknown);
    o.listable_since_request = next_request_id;
    o.listing_misses = 0;
    ActivityLog& l = log(&bots[o.bot_slot], LogLevel::Warning, LogKind::OutcomeUnknown);
    l.side = o.rec.side;
    l.a = o.rec.price;
    query_orders(o.rec.venue);
  }

  void on(const CancelFailed& c) {
    const std::uint32_t slot = order_slot(c.order);
    if (slot == kNone || is_terminal(orders[slot].rec.status)) {
      ++counters.stale_outcomes;
      return;
    }
    const Order& o = orders[slot];
    ActivityLog& l = log(&bots[o.bot_slot], LogLevel::Warning, LogKind::CancelFailed);
    l.side = o.rec.side;
    l.text = c.reason;
    query_orders(o.rec.venue);
  }

  // ======================================================================= stream ====

  void on(const OrderUpdate& u) { apply_report(u.order, 0); }

  // Finds the order an exchange report speaks of. Unknown ids are buffered while one of our
  // placements awaits its REST answer, or matched to an order whose outcome was unknown.
  std::uint32_t resolve_report(const ExchangeOrder& r) {
    const std::uint64_t hash = hash_key(r.exchange_id);
    const std::uint32_t slot = exchange_slot(r.exchange_id, hash);
    if (slot != kNone) return slot;
    const VenueState& v = venues[static_cast<std::size_t>(r.venue)];
    if (v.unknown_orders > 0) {
      const std::uint32_t adopted = adopt(r, hash);
      if (adopted != kNone) return adopted;
    }
    if (v.pending_new > 0) {
      early.push(r, hash);
      ++counters.early_updates;
      return kNone;
    }
    ++counters.unknown_orders;
    return kNone;
  }

  // CoinDCX has no client order id: an order whose placement outcome is unknown is the oldest
  // such order with the same venue, symbol, side, price and quantity, created on the exchange
  // no earlier than we sent it (less clock skew). The time check keeps an old, forgotten order
  // of the same shape (the previous entry of a looping bot) from being taken for the new one.
  std::uint32_t adopt(const ExchangeOrder& r, std::uint64_t hash) {
    if (r.status == ExchangeStatus::Rejected || r.exchange_ts_ms <= 0) return kNone;
    std::uint32_t best = kNone;
    for (std::uint32_t slot = 0; slot < orders.size(); ++slot) {
      const Order& o = orders[slot];
      if (!o.used || o.rec.status != OrderStatus::Unknown || o.rec.venue != r.venue) continue;
      if (!(o.rec.symbol == r.symbol) || o.rec.side != r.side || o.rec.price != r.price ||
          o.rec.quantity != r.total_qty) {
        continue;
      }
      if (r.exchange_ts_ms + kAdoptClockSkewMs < o.rec.created_wall_ns / 1'000'000) continue;
      if (best == kNone || o.rec.id < orders[best].rec.id) best = slot;
    }
    if (best == kNone) return kNone;
    // One of our own placements of the same shape still awaits its REST answer: the listed
    // order may be that one (two bots with the same definition). Let the answer name it first.
    const Order& chosen = orders[best];
    for (std::uint32_t slot = 0; slot < orders.size(); ++slot) {
      const Order& o = orders[slot];
      if (o.used && o.rec.status == OrderStatus::PendingNew && o.rec.venue == r.venue &&
          o.rec.symbol == chosen.rec.symbol && o.rec.side == chosen.rec.side &&
          o.rec.price == chosen.rec.price && o.rec.quantity == chosen.rec.quantity) {
        return kNone;
      }
    }
    for (std::uint64_t h : forgotten) {
      if (h == hash) return kNone;  // an order of ours, settled: not this one
    }
    map_exchange_id(best, r.exchange_id, hash);
    set_status(best, OrderStatus::Open);
    ++venues[static_cast<std::size_t>(r.venue)].resolved;
    Order& o = orders[best];
    ActivityLog& l = log(&bots[o.bot_slot], LogLevel::Info, LogKind::OrderAdopted);
    l.side = o.rec.side;
    announce_placed(o.bot_slot, best);
    if (o.rec.cancel_reason != CancelReason::None) emit_cancel(best);
    return best;
  }

  // Applies one exchange report: the fill increment first, then the status. Cumulative
  // quantities make it idempotent: a repeated or older report adds nothing.
  void apply_report(const ExchangeOrder& r, std::uint64_t listing) {
    const std::uint32_t slot = resolve_report(r);
    if (slot == kNone) return;
    Order& o = orders[slot];
    if (listing != 0) {
      o.last_listed_request = listing;
      o.listing_misses = 0;
    }
    if (is_terminal(o.rec.status)) {
      ++counters.duplicate_updates;
      return;
    }
    const std::uint32_t bslot = o.bot_slot;
    prefetch_for_next_order(bslot);

    Decimal filled = r.filled_qty;
    // CoinDCX sends filled_quantity 0 on some final "filled" events (docs/architecture.md §7.4).
    if (r.status == ExchangeStatus::Filled && filled.is_zero()) {
      filled = r.total_qty.is_positive() ? r.total_qty : o.rec.quantity;
    }
    if (filled > o.rec.quantity || filled.is_negative() || r.side != o.rec.side) {
      ActivityLog& l = log(&bots[bslot], LogLevel::Error, LogKind::InconsistentUpdate);
      l.side = o.rec.side;
      l.text.assign_truncated(r.side != o.rec.side ? "side differs from the order's"
                                                   : "filled quantity exceeds the order's");
      return;
    }
    if (filled < o.rec.filled_qty) filled = o.rec.filled_qty;  // reports can arrive reordered
    const Decimal delta = filled - o.rec.filled_qty;
    // A listing, or a report that moves the fill on, answers a trade through the price.
    if (listing != 0 || delta.is_positive()) o.crossed_mono_ns = 0;
    if (delta.is_positive() && listing != 0) ++counters.fills_recovered;
    if (delta.is_positive() && !apply_fill(slot, delta, filled, r)) return;
    if (delta.is_positive() && r.status == ExchangeStatus::PartiallyFilled) {
      ActivityLog& l = log(&bots[bslot], LogLevel::Info, LogKind::PartialFill);
      l.side = o.rec.side;
      l.a = filled;
      l.b = o.rec.quantity;
    }

    switch (r.status) {
      case ExchangeStatus::Initial:
      case ExchangeStatus::Open:
      case ExchangeStatus::Untriggered:
      case ExchangeStatus::PartiallyFilled:
        if (o.rec.status == OrderStatus::PendingNew || o.rec.status == OrderStatus::Unknown) {
          set_status(slot, OrderStatus::Open);
        }
        if (o.rec.filled_qty.is_positive() && o.rec.status == OrderStatus::Open) {
          set_status(slot, OrderStatus::PartiallyFilled);
        }
        // Listed as still open although we asked to cancel it: the cancel was lost or failed.
        if (listing != 0 && o.rec.status == OrderStatus::PendingCancel) emit_cancel(slot);
        if (!delta.is_positive()) ++counters.duplicate_updates;
        break;
      case ExchangeStatus::Filled:
        set_status(slot, OrderStatus::Filled);
        on_filled(bslot, slot);
        break;
      case ExchangeStatus::PartiallyCancelled:
      case ExchangeStatus::Cancelled:
        set_status(slot, OrderStatus::Cancelled);
        on_cancelled(bslot, slot);
        break;
      case ExchangeStatus::Rejected:
        set_status(slot, OrderStatus::Rejected);
        on_exchange_rejected(bslot, slot);
        break;
    }
  }

  // Adds one fill increment to the order, the bot's position and its open cycle.
  bool apply_fill(std::uint32_t slot, Decimal delta, Decimal filled, const ExchangeOrder& r) {
    Order& o = orders[slot];
    Bot& b = bots[o.bot_slot];
    // The increment's notional: from the cumulative average when the exchange reports one,
    // else at the order's limit price.
    Decimal delta_notional;
    Decimal total_notional;
    if (r.avg_price.is_positive() && mul_checked(filled, r.avg_price, total_notional) &&
        total_notional >= o.notional) {
      delta_notional = total_notional - o.notional;
    } else if (!mul_checked(delta, o.rec.price, delta_notional)) {
      return false;  // unreachable: quantity × price was bounded at validation
    }
    Decimal fee_delta;
    if (r.fee > o.rec.fee) {
      fee_delta = r.fee - o.rec.fee;
      o.rec.fee = r.fee;
    }
    o.rec.filled_qty = filled;
    o.notional += delta_notional;
    Decimal fill_price = o.rec.price;
    if (delta == filled && r.avg_price.is_positive()) {
      // The order's first fill (usually its only one): both averages are the reported one.
      o.rec.avg_price = r.avg_price;
      fill_price = r.avg_price;
    } else {
      Decimal avg;
      if (div_checked(o.notional, filled, avg)) o.rec.avg_price = avg;
      if (!div_checked(delta_notional, delta, fill_price)) fill_price = o.rec.price;
    }
    touch_order(slot);

    if (o.rec.side == Side::Buy) {
      b.rec.position += delta;
      b.cycle_buy_qty += delta;
      b.cycle_buy_notional += delta_notional;
    } else {
      b.rec.position -= delta;
      b.cycle_sell_notional += delta_notional;
    }
    b.cycle_fees += fee_delta;
    b.rec.last_fill_side = o.rec.side;
    b.rec.last_fill_price = fill_price;
    b.rec.last_fill_wall_ns = ev->wall_ns;
    touch_bot(o.bot_slot);

    FillApplied& f = out->emplace<FillApplied>();
    f.order = o.rec.id;
    f.bot = b.rec.id;
    f.exchange_id = o.rec.exchange_id;
    f.symbol = o.rec.symbol;
    f.quantity = delta;
    f.price = fill_price;
    f.fee = fee_delta;
    f.position_after = b.rec.position;
    f.wall_ns = ev->wall_ns;
    f.side = o.rec.side;
    f.venue = o.rec.venue;
    return true;
  }

  // A cycle closes when the position is flat again after fills (decision 4):
  // PnL = sell notional − buy notional − fees, for buy-first and sell-first bots alike.
  bool complete_cycle_if_flat(std::uint32_t bslot) {
    Bot& b = bots[bslot];
    if (!b.rec.position.is_zero() || b.cycle_buy_qty.is_zero()) return false;
    const Decimal pnl = b.cycle_sell_notional - b.cycle_buy_notional - b.cycle_fees;
    Decimal total;
    if (!add_checked(b.rec.pnl, pnl, total)) {
      // Beyond ±92e9 quote units: refuse to wrap; the operator must look at this bot.
      b.rec.status = BotStatus::Error;
      b.want_order = false;
      touch_bot(bslot);
      log(&b, LogLevel::Error, LogKind::PnlOutOfRange).a = pnl;
      reset_cycle(b);
      return false;
    }
    b.rec.pnl = total;
    ++b.rec.total_trades;
    touch_bot(bslot);

    CycleCompleted& c = out->emplace<CycleCompleted>();
    c.bot = b.rec.id;
    c.pnl = pnl;
    c.buy_notional = b.cycle_buy_notional;
    c.sell_notional = b.cycle_sell_notional;
    c.fees = b.cycle_fees;
    c.quantity = b.cycle_buy_qty;
    c.cycle = b.rec.total_trades;

    ActivityLog& l = log(&b, LogLevel::Success, LogKind::CycleCompleted);
    l.a = pnl;
    l.b = b.rec.pnl;
    Notify& n = notify(b, NotifyKind::CycleCompleted,
                       pnl.is_negative() ? LogLevel::Warning : LogLevel::Success);
    Decimal buy_px, sell_px;
    if (div_checked(b.cycle_buy_notional, b.cycle_buy_qty, buy_px)) n.price = buy_px;
    if (div_checked(b.cycle_sell_notional, b.cycle_buy_qty, sell_px)) n.price2 = sell_px;
    n.quantity = b.cycle_buy_qty;
    n.pnl = pnl;
    n.total_pnl = b.rec.pnl;
    n.count = b.rec.total_trades;

    reset_cycle(b);
    return true;
  }

  static void reset_cycle(Bot& b) noexcept {
    b.cycle_buy_qty = Decimal{};
    b.cycle_buy_notional = Decimal{};
    b.cycle_sell_notional = Decimal{};
    b.cycle_fees = Decimal{};
  }

  void on_filled(std::uint32_t bslot, std::uint32_t oslot) {
    Bot& b = bots[bslot];
    const Order& o = orders[oslot];
    const Decimal price = o.rec.avg_price.is_positive() ? o.rec.avg_price : o.rec.price;
    if (b.rec.status != BotStatus::Active || b.deleting) {
      // Fills of stopped bots are applied (position stays true) but never trigger an order.
      ActivityLog& l = log(&b, LogLevel::Warning, LogKind::FilledWhileInactive);
      l.side = o.rec.side;
      l.a = price;
      complete_cycle_if_flat(bslot);
      if (b.deleting) return finish_delete(bslot);
      warn_open_position(b);
      return;
    }
    ActivityLog& l = log(&b, LogLevel::Success, LogKind::Filled);
    l.side = o.rec.side;
    l.a = price;
    const bool cycle_done = complete_cycle_if_flat(bslot);
    if (cycle_done && !b.rec.infinite_loop) {
      // Decision 2: one full cycle, then stop.
      b.rec.status = BotStatus::Stopped;
      b.want_order = false;
      touch_bot(bslot);
      log(&b, LogLevel::Info, LogKind::LoopFinished);
      notify(b, NotifyKind::LoopFinished, LogLevel::Info).count = b.rec.total_trades;
      return;
    }
    b.trigger_side = o.rec.side;
    b.trigger_price = price;
    b.want_order = true;
    b.next_origin = OrderOrigin::Opposite;
    b.place_attempts = 0;
    pump(bslot);
  }

  void on_cancelled(std::uint32_t bslot, std::uint32_t oslot) {
    Bot& b = bots[bslot];
    const Order& o = orders[oslot];
    complete_cycle_if_flat(bslot);  // a partially filled exit can still close the position
    if (o.rec.cancel_reason != CancelReason::None) {
      log(&b, LogLevel::Info, LogKind::SystemCancelled).reason = o.rec.cancel_reason;
      if (b.deleting) return finish_delete(bslot);
      // Updated (or stopped and started again) meanwhile: the held placement goes out now.
      // (A stop already warned about any open position.)
      pump(bslot);
      return;
    }
    if (b.deleting) return finish_delete(bslot);
    // Decision 5: nobody here asked for this cancel — someone did it on the exchange.
    b.rec.status = BotStatus::Stopped;
    b.want_order = false;
    touch_bot(bslot);
    log(&b, LogLevel::Warning, LogKind::AutoStopped).side = o.rec.side;
    Notify& n = notify(b, NotifyKind::AutoStopped, LogLevel::Warning);
    n.side = o.rec.side;
    n.exchange_id = o.rec.exchange_id;
    warn_open_position(b);
  }

  void on_exchange_rejected(std::uint32_t bslot, std::uint32_t oslot) {
    Bot& b = bots[bslot];
    const Order& o = orders[oslot];
    if (b.deleting) return finish_delete(bslot);
    if (o.rec.cancel_reason == CancelReason::Stop) {
      return pump(bslot);  // stopped meanwhile (and maybe started again): nothing was live
    }
    b.rec.status = BotStatus::Error;
    b.want_order = false;
    touch_bot(bslot);
    ActivityLog& l = log(&b, LogLevel::Error, LogKind::Rejected);
    l.side = o.rec.side;
    l.text.assign_truncated("rejected on the order stream");
    Notify& n = notify(b, NotifyKind::BotError, LogLevel::Error);
    n.side = o.rec.side;
    n.exchange_id = o.rec.exchange_id;
    n.text = l.text;
  }

  void on(const StreamConnected& c) {
    VenueState& v = venues[static_cast<std::size_t>(c.venue)];
    v.link = VenueLink::Reconciling;
    v.connect_request = next_request_id;
    query_orders(c.venue);
  }

  void on(const StreamDisconnected& d) {
    VenueState& v = venues[static_cast<std::size_t>(d.venue)];
    if (v.link == VenueLink::Down) return;
    v.link = VenueLink::Down;
    log(nullptr, LogLevel::Warning, LogKind::StreamDown).venue = d.venue;
  }

  // ============================================================== reconciliation ====

  void on(const ReconcileBegin& b) {
    VenueState& v = venues[static_cast<std::size_t>(b.venue)];
    v.listed = 0;
    v.resolved = 0;
  }

  void on(const ReconcileOrder& r) {
    VenueState& v = venues[static_cast<std::size_t>(r.order.venue)];
    ++v.listed;
    apply_report(r.order, r.request_id);
  }

  void on(const ReconcileEnd& e) {
    VenueState& v = venues[static_cast<std::size_t>(e.venue)];
    if (e.request_id > v.last_answer) v.last_answer = e.request_id;
    v.last_answer_mono_ns = ev->mono_ns;
    settle_unlisted(e.venue, e.request_id);
    if (e.request_id != v.connect_request || v.link != VenueLink::Reconciling) return;
    v.link = VenueLink::Live;
    if (config.sweep_interval_ns > 0 && !v.sweep.armed) {
      arm_venue_timer(e.venue, TimerKind::Sweep, config.sweep_interval_ns);
    }
    ActivityLog& l = log(nullptr, LogLevel::Info, LogKind::Reconciled);
    l.venue = e.venue;
    l.n = v.listed;
    l.m = v.resolved;
    // Placements held while the stream was down or reconciling go out now.
    for (std::uint32_t slot = 0; slot < bots.size(); ++slot) {
      if (bots[slot].used && bots[slot].rec.venue == e.venue) pump(slot);
    }
  }

  // A listing names every open order of the venue and the recently closed ones. An order of
  // ours that a listing asked for after the exchange had it does not show may still be in
  // flight: look once more after a delay, then settle it:
  //   outcome unknown -> it was never placed: place again;
  //   cancel pending  -> our cancel went through and its report was lost: cancelled;
  //   open            -> it left the book without a report we saw: treated as cancelled by
  //                      someone else (the bot stops, the operator is told), never as filled.
  void settle_unlisted(Venue venue, std::uint64_t request) {
    for (std::uint32_t slot = 0; slot < orders.size(); ++slot) {
      Order& o = orders[slot];
      if (!o.used || o.rec.venue != venue || is_terminal(o.rec.status) ||
          o.rec.status == OrderStatus::PendingNew) {
        continue;
      }
      if (request < o.listable_since_request || o.last_listed_request == request) continue;
      Bot& b = bots[o.bot_slot];
      if (++o.listing_misses < 2) {
        arm_timer(b, TimerKind::OutcomeRecheck, config.cancel_timeout_ns);
        continue;
      }
      ++venues[static_cast<std::size_t>(venue)].resolved;
      settle_missing(slot);
    }
  }

  void settle_missing(std::uint32_t slot) {
    Order& o = orders[slot];
    const std::uint32_t bslot = o.bot_slot;
    Bot& b = bots[bslot];
    if (o.rec.status == OrderStatus::Unknown) {
      set_status(slot, OrderStatus::Rejected);
      log(&b, LogLevel::Warning, LogKind::NotPlaced).side = o.rec.side;
      if (o.rec.cancel_reason == CancelReason::Delete) return finish_delete(bslot);
      return pump(bslot);
    }
    ActivityLog& l = log(&b, LogLevel::Warning, LogKind::NotListed);
    l.side = o.rec.side;
    set_status(slot, OrderStatus::Cancelled);
    on_cancelled(bslot, slot);
  }

  // ========================================================================== restart ====
  // A new process restored a checkpoint and replayed the journal after it: the state is the
  // old process's, but its REST requests, timers and connections died with it.
  //   - every venue is Down: placements wait for the stream and its listing (decision 1);
  //   - a placement with no answer is an order whose outcome is unknown (decision 8: CoinDCX
  //     has no client order id, so it is never sent twice; the listing adopts it, or, not
  //     listed twice a few seconds apart, it was never placed and is placed again);
  //   - a cancel with no answer keeps its intent: a listing that shows the order open sends it
  //     again, one that no longer shows it settles it;
  //   - missed listings are counted afresh, so two listings of the new process settle an order
  //     (a miss just before the crash and one just after it may be too close together);
  //   - timers: the retry back-offs and cancel timeouts still needed are armed again; the
  //     venue timers lapse with the link (the sweep is armed again when the venue is live; the
  //     reconnect's listing answers every pending trade check).
  void on(const Recovered&) {
    for (VenueState& v : venues) forget_venue_io(v);
    for (const Resting& r : resting) {
      Order& o = orders[r.slot];
      o.crossed_mono_ns = 0;
      o.next_trade_check_ns = 0;
    }
    std::uint32_t placements = 0;
    std::uint32_t cancels = 0;
    for (std::uint32_t slot = 0; slot < bots.size(); ++slot) {
      Bot& b = bots[slot];
      if (!b.used) continue;
      bool cancelling = false;
      if (b.live_slot != kNone) {
        Order& o = orders[b.live_slot];
        o.listing_misses = 0;
        if (o.rec.status == OrderStatus::PendingNew) set_status(b.live_slot, OrderStatus::Unknown);
        if (o.rec.status == OrderStatus::Unknown) {
          o.listable_since_request = next_request_id;
          ++placements;
        }
        cancelling = o.rec.status == OrderStatus::PendingCancel;
        if (cancelling) ++cancels;
      }
      if (b.retry_pending) {
        arm_timer(b, TimerKind::PlaceRetry, retry_delay(b.place_attempts));
      } else if (cancelling) {
        arm_timer(b, TimerKind::CancelTimeout, config.cancel_timeout_ns);
      }
    }
    ActivityLog& l = log(nullptr, LogLevel::Info, LogKind::Recovered);
    l.n = placements;
    l.m = cancels;
  }

  void forget_venue_io(VenueState& v) {
    v.link = VenueLink::Down;
    if (v.last_answer < v.last_query) v.last_answer = v.last_query;  // none is in flight now
    // The new process's clock may not continue the old one's (a reboot): start afresh.
    v.last_query_mono_ns = ev->mono_ns;
    v.last_answer_mono_ns = ev->mono_ns;
    for (VenueState::Timer* t : {&v.trade_check, &v.sweep}) {
      t->armed = false;
      ++t->generation;  // whatever the old process armed is stale
    }
  }

  // ============================================================================ timers ====

  void on(const TimerFired& t) {
    if (t.kind == TimerKind::TradeCheck) return on_trade_check(t);
    if (t.kind == TimerKind::Sweep) return on_sweep(t);
    const std::uint32_t slot = bot_slot(t.bot);
    if (slot == kNone || bots[slot].timer_generation != t.generation) {
      ++counters.stale_timers;
      return;
    }
    Bot& b = bots[slot];
    switch (t.kind) {
      case TimerKind::PlaceRetry:
        b.retry_pending = false;
        pump(slot);
        break;
      case TimerKind::CancelTimeout:
        if (b.live_slot != kNone && orders[b.live_slot].rec.status == OrderStatus::PendingCancel) {
          query_orders(b.rec.venue);
        }
        break;
      case TimerKind::OutcomeRecheck:
        if (b.live_slot != kNone && !is_terminal(orders[b.live_slot].rec.status)) {
          query_orders(b.rec.venue);
        }
        break;
      case TimerKind::TradeCheck:
      case TimerKind::Sweep: break;  // venue timers, handled above
    }
  }

  // ======================================================================= lost reports ====
  // Three ways a report lost on a stream that stays up is found (engine/README.md, "Lost
  // reports"); each ends in the listing reconciliation already applies.

  [[nodiscard]] bool has_live_orders(const VenueState& v) const noexcept {
    return v.resting + v.unknown_orders > 0;
  }
  [[nodiscard]] bool listing_in_flight(const VenueState& v) const noexcept {
    return v.last_answer < v.last_query && ev->mono_ns - v.last_query_mono_ns < kListingLostNs;
  }

  // 1. A trade at or through a live order's price: the order is marked, and if no report for
  // it arrives within trade_check_ns, the venue's orders are listed.
  void on(const MarketTrade& t) {
    VenueState& v = venue_state(t.venue);
    if (v.resting == 0 || !t.price.is_positive()) return;
    const std::uint16_t tag = symbol_tag(t.symbol);
    if (inside_band(t.venue, tag, t.price)) return;  // the usual case: no scan
    bool marked = false;
    for (const Resting& r : resting) {
      if (r.symbol_tag != tag || r.venue != t.venue || !trades_through(r, t.price)) continue;
      Order& o = orders[r.slot];
      if (o.crossed_mono_ns != 0 || ev->mono_ns < o.next_trade_check_ns ||
          !(o.rec.symbol == t.symbol)) {
        continue;
      }
      o.crossed_mono_ns = ev->mono_ns;
      marked = true;
    }
    if (marked && !v.trade_check.armed) {
      arm_venue_timer(t.venue, TimerKind::TradeCheck, config.trade_check_ns);
    }
  }

  // True when `t` is the venue's current timer of its kind, which it then disarms; a stale
  // one is counted and ignored.
  bool take_venue_timer(const TimerFired& t) {
    VenueState::Timer& timer = venue_state(t.venue).timer(t.kind);
    if (!timer.armed || t.generation != timer.generation) {
      ++counters.stale_timers;
      return false;
    }
    timer.armed = false;
    return true;
  }

  void on_trade_check(const TimerFired& t) {
    if (!take_venue_timer(t)) return;
    bool due = false;
    std::int64_t next = INT64_MAX;  // the next marked order's deadline
    for (const Resting& r : resting) {
      Order& o = orders[r.slot];
      if (r.venue != t.venue || o.crossed_mono_ns == 0) continue;
      const std::int64_t deadline = o.crossed_mono_ns + config.trade_check_ns;
      if (deadline > ev->mono_ns) {
        next = deadline < next ? deadline : next;
        continue;
      }
      o.crossed_mono_ns = 0;
      o.next_trade_check_ns = ev->mono_ns + config.trade_recheck_ns;
      due = true;
    }
    if (due) {
      ++counters.trade_checks;
      query_orders(t.venue);
    }
    if (next != INT64_MAX) arm_venue_timer(t.venue, TimerKind::TradeCheck, next - ev->mono_ns);
  }

  // 2. Silence on a stream that is up: list at once if orders are live.
  void on(const StreamSilent& s) {
    const VenueState& v = venue_state(s.venue);
    if (v.link != VenueLink::Live || !has_live_orders(v) || listing_in_flight(v)) return;
    ++counters.silence_checks;
    query_orders(s.venue);
  }

  // 3. The sweep: while the venue is live, every sweep_interval_ns without a listing answered
  // and with orders live, list. Armed when the venue goes live; it lapses while the link is
  // down (the reconnect's own listing covers that) and is armed again with the next one.
  void on_sweep(const TimerFired& t) {
    if (!take_venue_timer(t)) return;
    const VenueState& v = venue_state(t.venue);
    if (v.link != VenueLink::Live || config.sweep_interval_ns <= 0) return;
    const std::int64_t since_answer = ev->mono_ns - v.last_answer_mono_ns;
    if (since_answer < config.sweep_interval_ns) {
      // A listing answered within the interval covers it: look again an interval after it.
      arm_venue_timer(t.venue, TimerKind::Sweep, config.sweep_interval_ns - since_answer);
      return;
    }
    if (has_live_orders(v)) {
      ++counters.sweeps;
      query_orders(t.venue);
    }
    arm_venue_timer(t.venue, TimerKind::Sweep, config.sweep_interval_ns);
  }

  // ======================================================================= checkpoints ====
  // The layout is in checkpoint.hpp; the fields of each table below, in the order written.
  // Not written, because restore() derives them: the two hash indexes, the resting array and
  // its bands (a stale band is recomputed before use, so an exact one behaves the same), the
  // per-venue counts of resting, unknown and pending orders, each bot's live slot, each
  // order's bot slot and hash, the early ring's index and hashes. Not written because they
  // only matter inside a step: dirty marks, the current event and outbox.

  // last_seq, three id generators, ten counters | halted, halt_reason, 2 reserved
  static constexpr std::size_t kEngineFieldsSize = 4 * 8 + 10 * 8 + 4;
  static_assert(sizeof(EngineCounters) == 10 * 8, "a new counter must be saved below");
  // link, two armed flags, reserved | listed, resolved | 5 request ids and times | 2 timer gens
  static constexpr std::size_t kVenueFieldsSize = 4 + 2 * 4 + 5 * 8 + 2 * 8;
  // slot | the record | 5 cycle decimals, timer generation, attempts | 6 small fields
  static constexpr std::size_t kBotExtra = 4 + 5 * 8 + 8 + 4 + 6;
  static constexpr std::size_t kBotMax = kBotExtra + detail::kBotRecordMax;
  // slot | the record | notional, 2 request ids, 2 trade-check times | misses | mapped
  static constexpr std::size_t kOrderExtra = 4 + 5 * 8 + 4 + 1;
  static constexpr std::size_t kOrderMax = kOrderExtra + detail::kOrderRecordMax;

  static std::size_t checkpoint_bound(const EngineConfig& c) noexcept {
    const std::size_t bots = c.max_bots;
    const std::size_t orders = bots * kOrdersPerBot;
    return checkpoint::kHeaderSize + detail::kConfigRecordSize + kEngineFieldsSize +
           kVenueCount * kVenueFieldsSize + 4 + bots * kBotMax + 4 + bots * 4 + 4 +
           orders * kOrderMax + 8 + orders * 8 +
           EarlyUpdates::checkpoint_max(c.early_update_capacity);
  }

  std::size_t save(std::span<std::byte> buffer) const noexcept {
    if (buffer.size() < checkpoint::kHeaderSize) return 0;
    std::byte* const start = buffer.data();
    std::byte* const payload = start + checkpoint::kHeaderSize;
    detail::CheckpointWriter w(payload, start + buffer.size());
    if (!save_engine(w) || !save_bots(w) || !save_orders(w) || !save_forgotten(w) ||
        !early.save(w)) {
      return 0;
    }
    const auto size = static_cast<std::size_t>(w.position() - payload);
    detail::seal_checkpoint(start, size);
    return checkpoint::kHeaderSize + size;
  }

  bool save_engine(detail::CheckpointWriter& w) const noexcept {
    if (!w.room(detail::kConfigRecordSize + kEngineFieldsSize + kVenueCount * kVenueFieldsSize)) {
      return false;
    }
    detail::write_config_record(config, w.position());
    w.skip(detail::kConfigRecordSize);
    w.u64(last_seq);
    w.u64(next_bot_id);
    w.u64(next_order_serial);
    w.u64(next_request_id);
    const EngineCounters& c = counters;
    for (std::uint64_t n :
         {c.steps, c.duplicate_updates, c.unknown_orders, c.early_updates, c.stale_timers,
          c.stale_outcomes, c.trade_checks, c.silence_checks, c.sweeps, c.fills_recovered}) {
      w.u64(n);
    }
    w.flag(halted);
    w.enumerated(halt_reason);
    w.u8(0);
    w.u8(0);
    for (const VenueState& v : venues) {
      w.enumerated(v.link);
      w.flag(v.trade_check.armed);
      w.flag(v.sweep.armed);
      w.u8(0);
      w.u32(v.listed);
      w.u32(v.resolved);
      w.u64(v.connect_request);
      w.u64(v.last_query);
      w.u64(v.last_answer);
      w.i64(v.last_query_mono_ns);
      w.i64(v.last_answer_mono_ns);
      w.u64(v.trade_check.generation);
      w.u64(v.sweep.generation);
    }
    return true;
  }

  // The used bots in slot order, then the free list in its order (it decides future slots,
  // hence future order ids).
  bool save_bots(detail::CheckpointWriter& w) const noexcept {
    if (!w.room(4)) return false;
    w.u32(bot_count);
    for (std::uint32_t slot = 0; slot < bots.size(); ++slot) {
      const Bot& b = bots[slot];
      if (!b.used) continue;
      if (!w.room(kBotExtra + detail::bot_record_size(b.rec))) return false;
      w.u32(slot);
      detail::write_bot_record(w, b.rec);
      w.dec(b.cycle_buy_qty);
      w.dec(b.cycle_buy_notional);
      w.dec(b.cycle_sell_notional);
      w.dec(b.cycle_fees);
      w.dec(b.trigger_price);
      w.u64(b.timer_generation);
      w.u32(b.place_attempts);
      w.enumerated(b.trigger_side);
      w.u8(static_cast<std::uint8_t>(b.next_order_in_ring));
      w.enumerated(b.next_origin);
      w.flag(b.want_order);
      w.flag(b.retry_pending);
      w.flag(b.deleting);
    }
    if (!w.room(4 + 4 * free_bots.size())) return false;
    w.u32(static_cast<std::uint32_t>(free_bots.size()));
    for (std::uint32_t slot : free_bots) w.u32(slot);
    return true;
  }

  // Every order slot ever used, in slot order: settled orders stay readable (find_order).
  bool save_orders(detail::CheckpointWriter& w) const noexcept {
    if (!w.room(4)) return false;
    std::byte* const count_at = w.position();
    w.u32(0);  // the count, written below
    std::uint32_t count = 0;
    for (std::uint32_t slot = 0; slot < orders.size(); ++slot) {
      const Order& o = orders[slot];
      if (!o.used) continue;
      if (!w.room(kOrderExtra + detail::order_record_size(o.rec))) return false;
      ++count;
      w.u32(slot);
      detail::write_order_record(w, o.rec);
      w.dec(o.notional);
      w.u64(o.listable_since_request);
      w.u64(o.last_listed_request);
      w.i64(o.crossed_mono_ns);
      w.i64(o.next_trade_check_ns);
      w.u32(o.listing_misses);
      w.flag(o.mapped);
    }
    store_le<std::uint32_t>(count_at, count);
    return true;
  }

  // The ring's next position and how much of it was ever written; the unwritten rest is zero.
  bool save_forgotten(detail::CheckpointWriter& w) const noexcept {
    const std::size_t filled = forgotten_wrapped ? forgotten.size() : forgotten_next;
    if (!w.room(8 + 8 * filled)) return false;
    w.u32(static_cast<std::uint32_t>(forgotten_next));
    w.u32(static_cast<std::uint32_t>(filled));
    for (std::size_t i = 0; i < filled; ++i) w.u64(forgotten[i]);
    return true;
  }

  // As the constructor leaves it, without allocating: restore() starts here, and a refused
  // checkpoint ends here.
  void reset() noexcept {
    for (Bot& b : bots) b = Bot{};
    free_bots.clear();
    for (std::uint32_t i = config.max_bots; i > 0; --i) free_bots.push_back(i - 1);
    bot_index.clear();
    bot_count = 0;
    for (Order& o : orders) o = Order{};
    exchange_index.clear();
    for (std::uint64_t& h : forgotten) h = 0;
    forgotten_next = 0;
    forgotten_wrapped = false;
    for (VenueState& v : venues) v = VenueState{};
    early.clear();
    resting.clear();
    for (PriceBand& b : bands) b = PriceBand{};
    next_bot_id = 1;
    next_order_serial = 1;
    next_request_id = 1;
    last_seq = 0;
    counters = EngineCounters{};
    halted = false;
    halt_reason = HaltReason::Operator;
    dirty_bots.clear();
    dirty_orders.clear();
  }

  checkpoint::Status restore(std::span<const std::byte> in) noexcept {
    reset();
    std::span<const std::byte> payload;
    const checkpoint::Status opened = detail::open_checkpoint(in, payload);
    if (opened != checkpoint::Status::Ok) return opened;
    detail::CheckpointReader r(payload);
    const std::byte* const fields = r.take(detail::kConfigRecordSize);
    EngineConfig made_with;
    if (fields == nullptr || !detail::read_config_record(fields, made_with)) {
      return checkpoint::Status::BadPayload;
    }
    if (!detail::same_config(made_with, config)) return checkpoint::Status::ConfigMismatch;
    if (restore_engine(r) && restore_bots(r) && restore_orders(r) && restore_live_orders(r) &&
        restore_forgotten(r)) {
      early.restore(r);
      if (r.ok() && r.at_end()) return checkpoint::Status::Ok;
    }
    reset();
    return checkpoint::Status::BadPayload;
  }

  bool restore_engine(detail::CheckpointReader& r) noexcept {
    last_seq = r.u64();
    next_bot_id = r.u64();
    next_order_serial = r.u64();
    next_request_id = r.u64();
    EngineCounters& c = counters;
    for (std::uint64_t* n :
         {&c.steps, &c.duplicate_updates, &c.unknown_orders, &c.early_updates, &c.stale_timers,
          &c.stale_outcomes, &c.trade_checks, &c.silence_checks, &c.sweeps, &c.fills_recovered}) {
      *n = r.u64();
    }
    halted = r.flag();
    halt_reason = r.enumerated<HaltReason>();
    r.check(r.u8() == 0);
    r.check(r.u8() == 0);
    // Ids start at 1; an order serial must leave room for the slot bits.
    r.check(next_bot_id >= 1 && next_order_serial >= 1 && next_request_id >= 1 &&
            next_order_serial <= (std::uint64_t{1} << (64 - kOrderSlotBits)));
    for (VenueState& v : venues) {
      v.link = r.enumerated<VenueLink>();
      v.trade_check.armed = r.flag();
      v.sweep.armed = r.flag();
      r.check(r.u8() == 0);
      v.listed = r.u32();
      v.resolved = r.u32();
      v.connect_request = r.u64();
      v.last_query = r.u64();
      v.last_answer = r.u64();
      v.last_query_mono_ns = r.i64();
      v.last_answer_mono_ns = r.i64();
      v.trade_check.generation = r.u64();
      v.sweep.generation = r.u64();
    }
    return r.ok();
  }

  bool restore_bots(detail::CheckpointReader& r) noexcept {
    const std::uint32_t count = r.u32();
    if (!r.check(count <= bots.size())) return false;
    for (std::uint32_t k = 0, last = 0; k < count; ++k) {
      const std::uint32_t slot = r.u32();
      if (!r.check(slot < bots.size() && (k == 0 || slot > last))) return false;
      last = slot;
      Bot& b = bots[slot];
      b.rec = detail::read_bot_record(r);
      b.cycle_buy_qty = r.dec();
      b.cycle_buy_notional = r.dec();
      b.cycle_sell_notional = r.dec();
      b.cycle_fees = r.dec();
      b.trigger_price = r.dec();
      b.timer_generation = r.u64();
      b.place_attempts = r.u32();
      b.trigger_side = r.enumerated<Side>();
      b.next_order_in_ring = r.u8();
      b.next_origin = r.enumerated<OrderOrigin>();
      b.want_order = r.flag();
      b.retry_pending = r.flag();
      b.deleting = r.flag();
      // Ids are unique and were issued; bot_slot() sees only the bots restored so far.
      if (!r.check(r.ok() && b.rec.id.valid() && b.rec.id.value < next_bot_id &&
                   b.next_order_in_ring < kOrdersPerBot && bot_slot(b.rec.id) == kNone)) {
        return false;
      }
      b.used = true;
      bot_index.insert(hash_key(b.rec.id.value), slot);
      ++bot_count;
    }
    // Exactly the unused slots, each once (marked in dirty_step meanwhile, which is 0 for
    // every bot after reset()).
    const std::uint32_t free_count = r.u32();
    if (!r.check(free_count == bots.size() - bot_count)) return false;
    free_bots.clear();  // capacity stays: no allocation below
    bool ok = true;
    for (std::uint32_t k = 0; k < free_count && ok; ++k) {
      const std::uint32_t slot = r.u32();
      ok = r.check(slot < bots.size() && !bots[slot].used && bots[slot].dirty_step == 0);
      if (!ok) break;
      bots[slot].dirty_step = 1;
      free_bots.push_back(slot);
    }
    for (Bot& b : bots) b.dirty_step = 0;
    return ok && r.ok();
  }

  bool restore_orders(detail::CheckpointReader& r) noexcept {
    const std::uint32_t count = r.u32();
    if (!r.check(count <= orders.size())) return false;
    for (std::uint32_t k = 0, last = 0; k < count; ++k) {
      const std::uint32_t slot = r.u32();
      if (!r.check(slot < orders.size() && (k == 0 || slot > last))) return false;
      last = slot;
      Order& o = orders[slot];
      o.rec = detail::read_order_record(r);
      o.notional = r.dec();
      o.listable_since_request = r.u64();
      o.last_listed_request = r.u64();
      o.crossed_mono_ns = r.i64();
      o.next_trade_check_ns = r.i64();
      o.listing_misses = r.u32();
      const bool mapped = r.flag();
      if (!r.ok() || !restore_order(r, slot, mapped)) return false;
    }
    return true;
  }

  // Checks one order against what step() keeps true, then enters it in the derived tables.
  bool restore_order(detail::CheckpointReader& r, std::uint32_t slot, bool mapped) noexcept {
    Order& o = orders[slot];
    const std::uint64_t serial = o.rec.id.value >> kOrderSlotBits;
    o.bot_slot = slot / kOrdersPerBot;
    const Bot& b = bots[o.bot_slot];
    const bool settled = is_terminal(o.rec.status);
    // Its id carries its slot; it was issued to a bot that was issued.
    if (!r.check((o.rec.id.value & kOrderSlotMask) == slot && serial >= 1 &&
                 serial < next_order_serial && o.rec.bot.valid() &&
                 o.rec.bot.value < next_bot_id)) {
      return false;
    }
    // Unsettled: its bot's one live order. Settled ones may outlive their bot (deleted), and
    // the slot may be another bot's since, but a bot that still exists is the ring's owner.
    if (!settled && !r.check(b.used && b.rec.id == o.rec.bot && b.rec.live_order == o.rec.id)) {
      return false;
    }
    const std::uint32_t owner = bot_slot(o.rec.bot);
    if (!r.check(owner == kNone || owner == o.bot_slot)) return false;
    o.used = true;
    if (o.rec.status == OrderStatus::Unknown) ++venue_state(o.rec.venue).unknown_orders;
    if (o.rec.status == OrderStatus::PendingNew) ++venue_state(o.rec.venue).pending_new;
    if (!mapped) return true;
    // Mapped: accepted or found, not settled, its exchange id no other order's.
    const std::uint64_t hash = hash_key(o.rec.exchange_id);
    if (!r.check(!settled && o.rec.status != OrderStatus::PendingNew &&
                 o.rec.status != OrderStatus::Unknown && !o.rec.exchange_id.empty() &&
                 exchange_slot(o.rec.exchange_id, hash) == kNone)) {
      return false;
    }
    exchange_index.insert(hash, slot);
    o.index_hash = hash;
    o.mapped = true;
    index_resting(slot);
    return true;
  }

  // Each bot's live order is one of its own slots, restored and not settled. A bot being
  // deleted has one (it is removed the moment its order settles).
  bool restore_live_orders(detail::CheckpointReader& r) noexcept {
    for (std::uint32_t bslot = 0; bslot < bots.size(); ++bslot) {
      Bot& b = bots[bslot];
      if (b.used && b.deleting && !r.check(b.rec.live_order.valid())) return false;
      if (!b.used || !b.rec.live_order.valid()) continue;
      const std::uint32_t slot = order_slot(b.rec.live_order);
      if (!r.check(slot != kNone && slot / kOrdersPerBot == bslot &&
                   !is_terminal(orders[slot].rec.status))) {
        return false;
      }
      b.live_slot = slot;
    }
    return true;
  }

  bool restore_forgotten(detail::CheckpointReader& r) noexcept {
    const std::uint32_t next = r.u32();
    const std::uint32_t filled = r.u32();
    // Not wrapped: exactly [0, next) was written. Wrapped: all of it.
    if (!r.check(next < forgotten.size() && (filled == next || filled == forgotten.size()))) {
      return false;
    }
    forgotten_next = next;
    forgotten_wrapped = filled == forgotten.size();
    for (std::uint32_t i = 0; i < filled; ++i) forgotten[i] = r.u64();
    return r.ok();
  }
};

// ================================================================================ Engine ====

Engine::Engine(const EngineConfig& config) : state_(std::make_unique<State>(config)) {}
Engine::~Engine() = default;

StepStatus Engine::step(const Event& event, Outbox& out) noexcept {
  return state_->step(event, out);
}

std::size_t Engine::outbox_capacity() const noexcept { return state_->max_bound(); }

const BotRecord* Engine::find_bot(BotId id) const noexcept {
  const std::uint32_t slot = state_->bot_slot(id);
  return slot == kNone ? nullptr : &state_->bots[slot].rec;
}

const OrderRecord* Engine::find_order(OrderId id) const noexcept {
  const std::uint32_t slot = state_->order_slot(id);
  return slot == kNone ? nullptr : &state_->orders[slot].rec;
}

std::uint32_t Engine::bot_slots() const noexcept {
  return static_cast<std::uint32_t>(state_->bots.size());
}

const BotRecord* Engine::bot_at_slot(std::uint32_t slot) const noexcept {
  if (slot >= state_->bots.size() || !state_->bots[slot].used) return nullptr;
  return &state_->bots[slot].rec;
}

std::uint32_t Engine::bot_count() const noexcept { return state_->bot_count; }

VenueLink Engine::venue_link(Venue v) const noexcept {
  return state_->venues[static_cast<std::size_t>(v)].link;
}

const EngineCounters& Engine::counters() const noexcept { return state_->counters; }
const EngineConfig& Engine::config() const noexcept { return state_->config; }
std::uint64_t Engine::last_seq() const noexcept { return state_->last_seq; }
bool Engine::halted() const noexcept { return state_->halted; }
HaltReason Engine::halt_reason() const noexcept { return state_->halt_reason; }

std::size_t Engine::checkpoint_capacity() const noexcept {
  return State::checkpoint_bound(state_->config);
}

std::size_t Engine::checkpoint_capacity(const EngineConfig& config) noexcept {
  return State::checkpoint_bound(bounded(config));
}

std::size_t Engine::save(std::span<std::byte> out) const noexcept { return state_->save(out); }

bool Engine::restore(std::span<const std::byte> in, checkpoint::Status* why) noexcept {
  const checkpoint::Status s = state_->restore(in);
  if (why != nullptr) *why = s;
  return s == checkpoint::Status::Ok;
}

}  // namespace scalper
