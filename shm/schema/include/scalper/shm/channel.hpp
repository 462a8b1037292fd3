// channel.hpp — the two ends of the core <-> control segment, typed by the schema.
//
// CoreChannel (scalper-core) creates the segment (replacing a dead core's), lays out every ring
// and slot, publishes it, then pops commands and publishes events and snapshots. It never
// waits on control: when the event ring is full the record is dropped and counted, and control
// sees the jump in EventRecord::sequence. ControlChannel (scalper-control, scalper-shm-dump)
// attaches, sends commands (a full ring is an error returned to the caller, never a block or a
// silent drop), polls events, reads snapshots, and notices a core restart (new epoch).
//
// Threading: one CoreChannel per core; on it, commands are popped and events published by the
// engine thread only. One ControlChannel sends; one polls. Allocation: in open/attach only.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "scalper/shm/schema.hpp"
#include "scalper/shm/segment.hpp"
#include "scalper/shm/seqlock_slot.hpp"
#include "scalper/shm/spsc_ring.hpp"

namespace scalper::shm {

inline constexpr std::size_t kRegionCount = 8;

// The segment's regions for `config`, in order (command ring, event ring, bot, price, health,
// latency, position, balance slots). Ring capacities must be powers of two.
[[nodiscard]] std::array<RegionSpec, kRegionCount> region_specs(const SchemaConfig& config);

class CoreChannel {
 public:
  // Creates (or replaces a dead core's) segment `name`, lays everything out and publishes it.
  // Throws SegmentError (a live core holds the name, the OS refused, a bad config).
  [[nodiscard]] static CoreChannel open(std::string_view name, const SchemaConfig& config,
                                        std::uint64_t epoch, std::uint64_t now_ns,
                                        std::string* replaced = nullptr);

  [[nodiscard]] bool try_pop_command(CommandRecord& out) noexcept;

  // Numbers and publishes one engine action. False when control lags and the ring is full: the
  // record is dropped (the sequence still advances, so control sees the gap).
  bool publish_event(const Action& action, std::uint64_t input_seq, std::int64_t wall_ns) noexcept;

  void publish_bot(std::uint32_t slot, const BotSnapshot& bot) noexcept;
  void publish_price(std::uint32_t slot, const PriceSnapshot& price) noexcept;
  void publish_health(const HealthSnapshot& health) noexcept;
  void publish_latency(LatencyPath path, const LatencyHistogram& histogram) noexcept;
  void publish_position(std::uint32_t slot, const PositionSnapshot& position) noexcept;
  void publish_balance(std::uint32_t slot, const BalanceSnapshot& balance) noexcept;
  void heartbeat(std::uint64_t now_ns) noexcept { segment_.beat_core(now_ns); }

  [[nodiscard]] std::uint64_t events_published() const noexcept { return next_sequence_ - 1; }
  [[nodiscard]] std::uint64_t events_dropped() const noexcept { return dropped_; }
  [[nodiscard]] const Segment& segment() const noexcept { return segment_; }

 private:
  explicit CoreChannel(Segment segment) noexcept : segment_(std::move(segment)) {}
  Segment segment_;
  SpscRing<CommandRecord> commands_;
  SpscRing<EventRecord> events_;
  char* bots_ = nullptr;
  char* prices_ = nullptr;
  char* health_ = nullptr;
  char* latency_ = nullptr;
  char* positions_ = nullptr;
  char* balances_ = nullptr;
  std::uint32_t bot_slots_ = 0;
  std::uint32_t price_slots_ = 0;
  std::uint32_t position_slots_ = 0;
  std::uint32_t balance_slots_ = 0;
  std::uint64_t next_sequence_ = 1;
  std::uint64_t dropped_ = 0;
};

enum class SendStatus : std::uint8_t {
  Ok = 0,
  Full = 1,      // the core is not draining commands (stopped, hung, or far behind)
  ReadOnly = 2,  // attached read-only (scalper-shm-dump)
};

class ControlChannel {
 public:
  // Attaches to the published segment `name` of this layout version; capacities are read from
  // the segment. nullopt with a clear `why` when it is missing, unpublished or mismatched.
  [[nodiscard]] static std::optional<ControlChannel> attach(std::string_view name, bool read_only,
                                                            std::string& why) noexcept;

  [[nodiscard]] SendStatus send(const CommandRecord& command) noexcept;

  // Next event, if any. `missed` is how many records the core dropped before this one while
  // this side lagged: catch those up from the core's journal.
  [[nodiscard]] bool poll_event(EventRecord& out, std::uint64_t& missed) noexcept;

  [[nodiscard]] std::uint32_t bot_slots() const noexcept { return bot_slots_; }
  [[nodiscard]] std::uint32_t price_slots() const noexcept { return price_slots_; }
  [[nodiscard]] std::uint32_t position_slots() const noexcept { return position_slots_; }
  [[nodiscard]] std::uint32_t balance_slots() const noexcept { return balance_slots_; }
  // False when the slot was never written or a stable copy could not be taken.
  [[nodiscard]] bool read_bot(std::uint32_t slot, BotSnapshot& out) const noexcept;
  [[nodiscard]] bool read_price(std::uint32_t slot, PriceSnapshot& out) const noexcept;
  [[nodiscard]] bool read_health(HealthSnapshot& out) const noexcept;
  [[nodiscard]] bool read_latency(LatencyPath path, LatencyHistogram& out) const noexcept;
  [[nodiscard]] bool read_position(std::uint32_t slot, PositionSnapshot& out) const noexcept;
  [[nodiscard]] bool read_balance(std::uint32_t slot, BalanceSnapshot& out) const noexcept;

  // Ring positions, for monitoring.
  [[nodiscard]] std::uint64_t commands_sent() const noexcept { return commands_.produced(); }
  [[nodiscard]] std::uint64_t commands_taken() const noexcept { return commands_.consumed(); }
  [[nodiscard]] std::uint64_t events_written() const noexcept { return events_.produced(); }
  [[nodiscard]] std::uint64_t events_read() const noexcept { return events_.consumed(); }

  // The core restarted: a new segment (new epoch) is under the name. Re-attach.
  [[nodiscard]] bool core_restarted() const noexcept { return epoch_changed(segment_); }
  void heartbeat(std::uint64_t now_ns) noexcept {
    if (!segment_.read_only()) segment_.beat_control(now_ns);
  }
  [[nodiscard]] const Segment& segment() const noexcept { return segment_; }

 private:
  explicit ControlChannel(Segment segment) noexcept : segment_(std::move(segment)) {}
  Segment segment_;
  SpscRing<CommandRecord> commands_;
  SpscRing<EventRecord> events_;
  const char* bots_ = nullptr;
  const char* prices_ = nullptr;
  const char* health_ = nullptr;
  const char* latency_ = nullptr;
  const char* positions_ = nullptr;
  const char* balances_ = nullptr;
  std::uint32_t bot_slots_ = 0;
  std::uint32_t price_slots_ = 0;
  std::uint32_t position_slots_ = 0;
  std::uint32_t balance_slots_ = 0;
  std::uint64_t last_sequence_ = 0;
};

}  // namespace scalper::shm
