#include "scalper/shm/channel.hpp"

#include <utility>

namespace scalper::shm {
namespace {

constexpr std::uint32_t kind(RegionKind k) noexcept { return static_cast<std::uint32_t>(k); }

using BotSlot = SeqlockSlot<BotSnapshot>;
using PriceSlot = SeqlockSlot<PriceSnapshot>;
using HealthSlot = SeqlockSlot<HealthSnapshot>;
using LatencySlot = SeqlockSlot<LatencyHistogram>;
using PositionSlot = SeqlockSlot<PositionSnapshot>;
using BalanceSlot = SeqlockSlot<BalanceSnapshot>;

bool power_of_two(std::uint32_t v) noexcept { return v != 0 && (v & (v - 1)) == 0; }

// Slot `i` of an array of seqlock slots laid out back to back.
template <class Slot, class Byte>
Byte* slot_at(Byte* base, std::size_t i) noexcept {
  return base + i * Slot::bytes();
}

}  // namespace

std::array<RegionSpec, kRegionCount> region_specs(const SchemaConfig& c) {
  return {{
      {kind(RegionKind::CommandRing), 0, SpscRing<CommandRecord>::bytes_for(c.command_capacity)},
      {kind(RegionKind::EventRing), 0, SpscRing<EventRecord>::bytes_for(c.event_capacity)},
      {kind(RegionKind::BotSlots), 0, std::uint64_t{c.max_bots} * BotSlot::bytes()},
      {kind(RegionKind::PriceSlots), 0, std::uint64_t{c.max_symbols} * PriceSlot::bytes()},
      {kind(RegionKind::Health), 0, HealthSlot::bytes()},
      {kind(RegionKind::Latency), 0, kLatencyPaths * LatencySlot::bytes()},
      {kind(RegionKind::PositionSlots), 0, std::uint64_t{c.max_symbols} * PositionSlot::bytes()},
      {kind(RegionKind::BalanceSlots), 0, std::uint64_t{c.max_currencies} * BalanceSlot::bytes()},
  }};
}

CoreChannel CoreChannel::open(std::string_view name, const SchemaConfig& config,
                              std::uint64_t epoch, std::uint64_t now_ns, std::string* replaced) {
  if (!power_of_two(config.command_capacity) || !power_of_two(config.event_capacity) ||
      config.max_bots == 0 || config.max_symbols == 0 || config.max_currencies == 0) {
    throw SegmentError(SegmentError::Code::BadSpec,
                       "ring capacities must be powers of two, slot counts non-zero");
  }
  const auto specs = region_specs(config);
  CoreChannel ch(Segment::create_or_replace(name, specs, epoch, kLayoutVersion, now_ns, replaced));
  Segment& s = ch.segment_;
  // Lay everything out before publish(): a reader that sees the version sees formatted rings.
  void* commands = s.region(kind(RegionKind::CommandRing));
  void* events = s.region(kind(RegionKind::EventRing));
  const bool rings_ok =
      SpscRing<CommandRecord>::format(commands, s.region_size(kind(RegionKind::CommandRing)),
                                      config.command_capacity) &&
      SpscRing<EventRecord>::format(events, s.region_size(kind(RegionKind::EventRing)),
                                    config.event_capacity) &&
      ch.commands_.attach(commands, s.region_size(kind(RegionKind::CommandRing))) &&
      ch.events_.attach(events, s.region_size(kind(RegionKind::EventRing)));
  if (!rings_ok) throw SegmentError(SegmentError::Code::BadSpec, "cannot lay out the rings");
  ch.bots_ = static_cast<char*>(s.region(kind(RegionKind::BotSlots)));
  ch.prices_ = static_cast<char*>(s.region(kind(RegionKind::PriceSlots)));
  ch.health_ = static_cast<char*>(s.region(kind(RegionKind::Health)));
  ch.latency_ = static_cast<char*>(s.region(kind(RegionKind::Latency)));
  ch.positions_ = static_cast<char*>(s.region(kind(RegionKind::PositionSlots)));
  ch.balances_ = static_cast<char*>(s.region(kind(RegionKind::BalanceSlots)));
  ch.bot_slots_ = config.max_bots;
  ch.price_slots_ = config.max_symbols;
  ch.position_slots_ = config.max_symbols;
  ch.balance_slots_ = config.max_currencies;
  for (std::uint32_t i = 0; i < ch.bot_slots_; ++i) BotSlot::format(slot_at<BotSlot>(ch.bots_, i));
  for (std::uint32_t i = 0; i < ch.price_slots_; ++i) {
    PriceSlot::format(slot_at<PriceSlot>(ch.prices_, i));
  }
  for (std::uint32_t i = 0; i < ch.position_slots_; ++i) {
    PositionSlot::format(slot_at<PositionSlot>(ch.positions_, i));
  }
  for (std::uint32_t i = 0; i < ch.balance_slots_; ++i) {
    BalanceSlot::format(slot_at<BalanceSlot>(ch.balances_, i));
  }
  HealthSlot::format(ch.health_);
  for (std::size_t i = 0; i < kLatencyPaths; ++i) {
    LatencySlot::format(slot_at<LatencySlot>(ch.latency_, i));
  }
  s.publish();
  return ch;
}

bool CoreChannel::try_pop_command(CommandRecord& out) noexcept { return commands_.try_pop(out); }

bool CoreChannel::publish_event(const Action& action, std::uint64_t input_seq,
                                std::int64_t wall_ns) noexcept {
  EventRecord r;
  r.sequence = next_sequence_++;
  r.input_seq = input_seq;
  r.wall_ns = wall_ns;
  r.action = action;
  if (events_.try_push(r)) return true;
  ++dropped_;
  return false;
}

void CoreChannel::publish_bot(std::uint32_t slot, const BotSnapshot& bot) noexcept {
  if (slot < bot_slots_) BotSlot(slot_at<BotSlot>(bots_, slot)).store(bot);
}
void CoreChannel::publish_price(std::uint32_t slot, const PriceSnapshot& price) noexcept {
  if (slot < price_slots_) PriceSlot(slot_at<PriceSlot>(prices_, slot)).store(price);
}
void CoreChannel::publish_health(const HealthSnapshot& health) noexcept {
  HealthSlot(health_).store(health);
}
void CoreChannel::publish_latency(LatencyPath path, const LatencyHistogram& h) noexcept {
  const auto i = static_cast<std::size_t>(path);
  if (i < kLatencyPaths) LatencySlot(slot_at<LatencySlot>(latency_, i)).store(h);
}
void CoreChannel::publish_position(std::uint32_t slot, const PositionSnapshot& p) noexcept {
  if (slot < position_slots_) PositionSlot(slot_at<PositionSlot>(positions_, slot)).store(p);
}
void CoreChannel::publish_balance(std::uint32_t slot, const BalanceSnapshot& b) noexcept {
  if (slot < balance_slots_) BalanceSlot(slot_at<BalanceSlot>(balances_, slot)).store(b);
}

std::optional<ControlChannel> ControlChannel::attach(std::string_view name, bool read_only,
                                                     std::string& why) noexcept {
  // Capacities come from the segment: control needs no copy of the core's config.
  std::optional<Segment> seg = Segment::attach(name, kLayoutVersion, {}, read_only, why);
  if (!seg) return std::nullopt;
  for (const RegionKind k : {RegionKind::CommandRing, RegionKind::EventRing, RegionKind::BotSlots,
                             RegionKind::PriceSlots, RegionKind::Health, RegionKind::Latency,
                             RegionKind::PositionSlots, RegionKind::BalanceSlots}) {
    if (seg->region(kind(k)) == nullptr) {
      why = "segment lacks region " + std::to_string(kind(k)) + ": not a scalper-core segment";
      return std::nullopt;
    }
  }
  ControlChannel ch(std::move(*seg));
  const Segment& s = ch.segment_;
  if (!ch.commands_.attach(s.region(kind(RegionKind::CommandRing)),
                           s.region_size(kind(RegionKind::CommandRing))) ||
      !ch.events_.attach(s.region(kind(RegionKind::EventRing)),
                         s.region_size(kind(RegionKind::EventRing)))) {
    why = "the segment's rings do not match this build's records: rebuild scalper-control";
    return std::nullopt;
  }
  const std::size_t health_size = s.region_size(kind(RegionKind::Health));
  const std::size_t latency_size = s.region_size(kind(RegionKind::Latency));
  if (health_size < HealthSlot::bytes() || latency_size < kLatencyPaths * LatencySlot::bytes()) {
    why = "the segment's snapshot regions are too small for this build's records";
    return std::nullopt;
  }
  ch.bots_ = static_cast<const char*>(s.region(kind(RegionKind::BotSlots)));
  ch.prices_ = static_cast<const char*>(s.region(kind(RegionKind::PriceSlots)));
  ch.health_ = static_cast<const char*>(s.region(kind(RegionKind::Health)));
  ch.latency_ = static_cast<const char*>(s.region(kind(RegionKind::Latency)));
  ch.bot_slots_ =
      static_cast<std::uint32_t>(s.region_size(kind(RegionKind::BotSlots)) / BotSlot::bytes());
  ch.price_slots_ =
      static_cast<std::uint32_t>(s.region_size(kind(RegionKind::PriceSlots)) / PriceSlot::bytes());
  ch.positions_ = static_cast<const char*>(s.region(kind(RegionKind::PositionSlots)));
  ch.balances_ = static_cast<const char*>(s.region(kind(RegionKind::BalanceSlots)));
  ch.position_slots_ = static_cast<std::uint32_t>(
      s.region_size(kind(RegionKind::PositionSlots)) / PositionSlot::bytes());
  ch.balance_slots_ = static_cast<std::uint32_t>(
      s.region_size(kind(RegionKind::BalanceSlots)) / BalanceSlot::bytes());
  ch.last_sequence_ = 0;
  return ch;
}

SendStatus ControlChannel::send(const CommandRecord& command) noexcept {
  if (segment_.read_only()) return SendStatus::ReadOnly;
  return commands_.try_push(command) ? SendStatus::Ok : SendStatus::Full;
}

bool ControlChannel::poll_event(EventRecord& out, std::uint64_t& missed) noexcept {
  if (segment_.read_only() || !events_.try_pop(out)) return false;
  missed = out.sequence > last_sequence_ + 1 ? out.sequence - last_sequence_ - 1 : 0;
  last_sequence_ = out.sequence;
  return true;
}

bool ControlChannel::read_bot(std::uint32_t slot, BotSnapshot& out) const noexcept {
  if (slot >= bot_slots_) return false;
  // The slot API takes a mutable pointer for the writer; readers only load through it.
  return BotSlot(const_cast<char*>(slot_at<BotSlot>(bots_, slot))).load(out);
}
bool ControlChannel::read_price(std::uint32_t slot, PriceSnapshot& out) const noexcept {
  if (slot >= price_slots_) return false;
  return PriceSlot(const_cast<char*>(slot_at<PriceSlot>(prices_, slot))).load(out);
}
bool ControlChannel::read_health(HealthSnapshot& out) const noexcept {
  return HealthSlot(const_cast<char*>(health_)).load(out);
}
bool ControlChannel::read_latency(LatencyPath path, LatencyHistogram& out) const noexcept {
  const auto i = static_cast<std::size_t>(path);
  if (i >= kLatencyPaths) return false;
  return LatencySlot(const_cast<char*>(slot_at<LatencySlot>(latency_, i))).load(out);
}
bool ControlChannel::read_position(std::uint32_t slot, PositionSnapshot& out) const noexcept {
  if (slot >= position_slots_) return false;
  return PositionSlot(const_cast<char*>(slot_at<PositionSlot>(positions_, slot))).load(out);
}
bool ControlChannel::read_balance(std::uint32_t slot, BalanceSnapshot& out) const noexcept {
  if (slot >= balance_slots_) return false;
  return BalanceSlot(const_cast<char*>(slot_at<BalanceSlot>(balances_, slot))).load(out);
}

}  // namespace scalper::shm
