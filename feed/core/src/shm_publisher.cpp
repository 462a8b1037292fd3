#include "scalper/core/shm_publisher.hpp"

#include <algorithm>
#include <cstdio>
#include <type_traits>
#include <utility>
#include <variant>

#include "scalper/shm/command.hpp"
#include "scalper/shm/latency.hpp"
#include "scalper/timing/clock.hpp"

namespace scalper::core {
namespace {

constexpr std::uint32_t kNoSlot = UINT32_MAX;

// The slot of `key` in `table` (symbols of the price or position slots, currencies of the
// balance slots), adding it while there is room; kNoSlot after that: the table was reserved
// to the segment's slot count and never grows past it (no allocation on the engine thread).
template <class Key>
std::uint32_t slot_of(std::vector<Key>& table, const Key& key) noexcept {
  for (std::uint32_t i = 0; i < table.size(); ++i) {
    if (table[i] == key) return i;
  }
  if (table.size() == table.capacity()) return kNoSlot;
  table.push_back(key);
  return static_cast<std::uint32_t>(table.size() - 1);
}

// What of a bot the dashboard shows that its updated time alone might not reveal.
std::uint64_t fingerprint(const BotRecord& b) noexcept {
  return (std::uint64_t{static_cast<std::uint8_t>(b.status)} << 56) ^
         (std::uint64_t{b.total_trades} << 24) ^ b.live_order.value ^
         static_cast<std::uint64_t>(b.last_fill_wall_ns);
}

}  // namespace

ShmPublisher::ShmPublisher(shm::CoreChannel& channel, const Engine& engine,
                           ShmPublisherConfig config, std::function<DurabilityFigures()> durability)
    : channel_(channel),
      engine_(engine),
      config_(config),
      durability_(std::move(durability)),
      published_(engine.bot_slots()) {
  price_symbols_.reserve(config_.max_symbols);
  prices_.reserve(config_.max_symbols);
  position_symbols_.reserve(config_.max_symbols);
  currencies_.reserve(config_.max_currencies);
  pending_acks_.reserve(config_.commands_per_turn);
  health_.pid = config_.pid;
  health_.started_wall_ns = config_.started_wall_ns;
  health_.state = shm::CoreState::Starting;
}

void ShmPublisher::on_step(const Event& event, std::span<const Action> actions) noexcept {
  last_input_seq_ = event.seq;
  note_link(event.body, event.wall_ns);
  for (const Action& a : actions) {
    (void)channel_.publish_event(a, event.seq, event.wall_ns);
    switch (kind_of(a)) {
      case ActionKind::BotChanged:
      case ActionKind::BotDeleted:
      case ActionKind::FillApplied:
      case ActionKind::CycleCompleted:
      case ActionKind::OrderChanged: bots_dirty_ = true; break;
      case ActionKind::CommandResult: note_ack(std::get<CommandResult>(a)); break;
      default: break;
    }
  }
}

// Venue links as the engine sees them: the stream events it steps.
void ShmPublisher::note_link(const EventBody& body, std::int64_t wall_ns) noexcept {
  std::visit(
      [&](const auto& b) {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, StreamConnected>) {
          // The session reports a connect twice (the socket, then its joins settled): only a
          // connect after a disconnect, with traffic before it, is a reconnect.
          shm::VenueHealth& v = health_.venues[static_cast<std::size_t>(b.venue)];
          if (v.connected_since_wall_ns != 0) return;
          if (v.messages != 0) ++v.reconnects;
          v.connected_since_wall_ns = wall_ns;
          v.last_message_wall_ns = wall_ns;
        } else if constexpr (std::is_same_v<T, StreamDisconnected>) {
          health_.venues[static_cast<std::size_t>(b.venue)].connected_since_wall_ns = 0;
        } else if constexpr (std::is_same_v<T, OrderUpdate>) {
          shm::VenueHealth& v = health_.venues[static_cast<std::size_t>(b.order.venue)];
          ++v.messages;
          v.last_message_wall_ns = wall_ns;
        }
      },
      body);
}

void ShmPublisher::on_market(const feed::FeedEvent& event) noexcept {
  const std::int64_t now = timing::wall_ns();
  shm::VenueHealth& venue = health_.venues[static_cast<std::size_t>(Venue::CoinDcxFutures)];
  ++venue.messages;
  venue.last_message_wall_ns = now;
  std::visit(
      [&](const auto& b) {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, feed::TradeTick> || std::is_same_v<T, feed::MarkPrice>) {
          const std::uint32_t slot = slot_of(price_symbols_, b.symbol);
          if (slot == kNoSlot) return;
          if (slot == prices_.size()) prices_.emplace_back();
          shm::PriceSnapshot& p = prices_[slot];
          p.symbol = b.symbol;
          p.exchange_ts_ms = b.exchange_ts_ms;
          p.received_wall_ns = now;
          if constexpr (std::is_same_v<T, feed::TradeTick>) {
            p.last = b.price;
          } else {
            if (b.has_mark_price) p.mark = b.mark_price;
            if (b.has_last_price) p.last = b.last_price;
          }
          channel_.publish_price(slot, p);
        } else if constexpr (std::is_same_v<T, feed::PositionUpdate>) {
          const std::uint32_t slot = slot_of(position_symbols_, b.symbol);
          if (slot == kNoSlot) return;
          shm::PositionSnapshot p;
          p.symbol = b.symbol;
          p.size = b.active_pos;
          p.entry_price = b.avg_price;
          p.mark_price = b.mark_price;
          p.liquidation_price = b.liquidation_price;
          p.locked_margin = b.locked_margin;
          p.leverage = b.leverage;
          p.updated_at_ms = b.updated_at_ms;
          p.received_wall_ns = now;
          channel_.publish_position(slot, p);
        } else if constexpr (std::is_same_v<T, feed::BalanceUpdate>) {
          const std::uint32_t slot = slot_of(currencies_, b.currency);
          if (slot == kNoSlot) return;
          shm::BalanceSnapshot p;
          p.currency = b.currency;
          p.balance = b.balance;
          p.locked = b.locked_balance;
          p.received_wall_ns = now;
          channel_.publish_balance(slot, p);
        }
      },
      event.body);
}

void ShmPublisher::on_sample(const feed::TickToOrderSample& sample) noexcept {
  shm::record_latency(tick_to_order_,
                      static_cast<std::uint64_t>(std::max<std::int64_t>(sample.total, 0)));
}

bool ShmPublisher::turn(std::int64_t mono_ns, feed::CommandSink& sink) noexcept {
  const std::uint64_t before = commands_received_ + commands_refused_;
  take_commands(sink);
  bool busy = commands_received_ + commands_refused_ != before;
  busy |= publish_changed_bots(mono_ns, config_.bots_per_turn);
  if (mono_ns >= next_health_ns_) {
    next_health_ns_ = mono_ns + config_.health_interval_ns;
    publish_health();
    channel_.publish_latency(shm::LatencyPath::TickToOrder, tick_to_order_);
    channel_.publish_latency(shm::LatencyPath::CommandToAck, command_to_ack_);
    channel_.heartbeat(static_cast<std::uint64_t>(mono_ns));
  }
  return busy;
}

void ShmPublisher::take_commands(feed::CommandSink& sink) noexcept {
  shm::CommandRecord record;
  for (std::uint32_t n = 0; n < config_.commands_per_turn && channel_.try_pop_command(record);
       ++n) {
    EventBody command;
    const shm::CommandCheck check = shm::decode_command(record, command);
    if (check != shm::CommandCheck::Ok) {
      refuse(record, shm::to_string(check));
      continue;
    }
    ++commands_received_;
    pending_acks_.push_back({record.cmd_id, record.sent_wall_ns});
    sink.command(command);  // steps it now: its CommandResult arrives in on_step
    pending_acks_.clear();
  }
}

// A record that is not a command the engine may step: answered in the event ring (input seq
// 0: it never reached the journal), so whoever sent it hears why.
void ShmPublisher::refuse(const shm::CommandRecord& record, std::string_view why) noexcept {
  ++commands_refused_;
  CommandResult r;
  r.cmd_id = record.cmd_id;
  r.status = CommandStatus::Invalid;
  r.text.assign_truncated(why);
  (void)channel_.publish_event(r, 0, timing::wall_ns());
}

void ShmPublisher::note_ack(const CommandResult& result) noexcept {
  for (const PendingAck& p : pending_acks_) {
    if (p.cmd_id != result.cmd_id || p.sent_wall_ns == 0) continue;
    const std::int64_t now = timing::wall_ns();
    const auto sent = static_cast<std::int64_t>(p.sent_wall_ns);
    shm::record_latency(command_to_ack_,
                        static_cast<std::uint64_t>(std::max<std::int64_t>(now - sent, 0)));
    return;
  }
}

// Walks the engine's bot slots, bot_interval apart, a chunk per pass, publishing the slots
// whose bot changed (or went) since the segment last showed them.
bool ShmPublisher::publish_changed_bots(std::int64_t mono_ns, std::uint32_t budget) noexcept {
  if (!walking_) {
    if (!bots_dirty_ || mono_ns < next_bot_walk_ns_) return false;
    walking_ = true;
    bots_dirty_ = false;
    bot_cursor_ = 0;
    next_bot_walk_ns_ = mono_ns + config_.bot_interval_ns;
  }
  const auto slots = static_cast<std::uint32_t>(published_.size());
  const std::uint32_t end = std::min(slots, bot_cursor_ + budget);
  for (; bot_cursor_ < end; ++bot_cursor_) {
    const BotRecord* bot = engine_.bot_at_slot(bot_cursor_);
    SlotMark& mark = published_[bot_cursor_];
    const SlotMark now = bot == nullptr
                             ? SlotMark{}
                             : SlotMark{bot->id.value, bot->updated_wall_ns, fingerprint(*bot)};
    if (now.id == mark.id && now.updated_wall_ns == mark.updated_wall_ns &&
        now.fingerprint == mark.fingerprint) {
      continue;
    }
    shm::BotSnapshot snap;
    if (bot != nullptr) snap.bot = *bot;
    snap.event_sequence = channel_.events_published();
    channel_.publish_bot(bot_cursor_, snap);
    mark = now;
  }
  if (bot_cursor_ >= slots) walking_ = false;
  return true;
}

void ShmPublisher::publish_health() noexcept {
  follow_engine_halt();
  for (std::size_t v = 0; v < kVenueCount; ++v) {
    health_.venues[v].link = engine_.venue_link(static_cast<Venue>(v));
  }
  health_.engine = engine_.counters();
  health_.last_input_seq = last_input_seq_;
  health_.last_event_sequence = channel_.events_published();
  health_.commands_received = commands_received_;
  health_.commands_refused = commands_refused_;
  health_.events_dropped = channel_.events_dropped();
  health_.bots = engine_.bot_count();
  health_.updated_wall_ns = timing::wall_ns();
  if (durability_) {
    const DurabilityFigures d = durability_();
    health_.journal_durable_seq = d.journal_durable_seq;
    health_.checkpoint_seq = d.checkpoint_seq;
  }
  channel_.publish_health(health_);
}

// The engine's kill switch shows as Halted, with its reason, while the process trades; and as
// Trading again once resumed. The process's own states (starting, stopping, a journal failure:
// set_state) come first.
void ShmPublisher::follow_engine_halt() noexcept {
  if (health_.state == shm::CoreState::Trading && engine_.halted()) {
    health_.state = shm::CoreState::Halted;
    health_.halt_reason = static_cast<std::uint8_t>(engine_.halt_reason());
    char note[ReasonText::kCapacity + 1];
    const int n = std::snprintf(note, sizeof note, "kill switch (%.*s): resume to trade again",
                                static_cast<int>(lower(engine_.halt_reason()).size()),
                                lower(engine_.halt_reason()).data());
    health_.note.assign_truncated({note, n > 0 ? static_cast<std::size_t>(n) : 0});
    showing_engine_halt_ = true;
  } else if (showing_engine_halt_ && !engine_.halted()) {
    health_.state = shm::CoreState::Trading;
    health_.note.assign_truncated("");
    showing_engine_halt_ = false;
  }
}

void ShmPublisher::set_state(shm::CoreState state, std::string_view note) noexcept {
  showing_engine_halt_ = false;
  health_.state = state;
  health_.note.assign_truncated(note);
  publish_health();
}

void ShmPublisher::publish_all(std::int64_t mono_ns) noexcept {
  bots_dirty_ = true;
  next_bot_walk_ns_ = 0;
  walking_ = false;
  (void)publish_changed_bots(mono_ns, UINT32_MAX);
  publish_health();
  channel_.publish_latency(shm::LatencyPath::TickToOrder, tick_to_order_);
  channel_.publish_latency(shm::LatencyPath::CommandToAck, command_to_ack_);
  channel_.heartbeat(static_cast<std::uint64_t>(mono_ns));
}

}  // namespace scalper::core
