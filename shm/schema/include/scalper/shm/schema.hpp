// schema.hpp — what scalper-core and scalper-control share: the regions of the segment and the
// records in them.
//
//   command ring   control -> core   CommandRecord: every operator command of the engine
//   event ring     core -> control   EventRecord: every action the engine decided, numbered
//   bot slots      core -> control   one SeqlockSlot<BotSnapshot> per engine bot slot
//   price slots    core -> control   one SeqlockSlot<PriceSnapshot> per symbol
//   health slot    core -> control   SeqlockSlot<HealthSnapshot>: stream links, engine counters
//   latency slots  core -> control   SeqlockSlot<LatencyHistogram> per measured path
//
// Every record is trivially copyable and its size is static_asserted: the layout is an ABI
// between two separately built programs, so any change here must bump kLayoutVersion (the
// segment header carries it and attach refuses a mismatch). Event records are numbered from 1
// per core epoch; a control process that sees a gap (it lagged and the ring overwrote — the core
// never waits) knows exactly which sequence to catch up from in the core's journal.
//
// Threading: value types. Allocation: none.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <variant>

#include "scalper/engine/actions.hpp"
#include "scalper/engine/engine.hpp"
#include "scalper/engine/events.hpp"

namespace scalper::shm {

// Bump on any change to a record, a region or their order.
inline constexpr std::uint32_t kLayoutVersion = 1;

enum class RegionKind : std::uint32_t {
  CommandRing = 1,
  EventRing = 2,
  BotSlots = 3,
  PriceSlots = 4,
  Health = 5,
  Latency = 6,
};

// ---- control -> core -------------------------------------------------------------------------

// The operator commands of the engine, and nothing else: the core turns each into an Event
// (stamping seq and clocks) and journals it before the engine sees it.
using Command = std::variant<CreateBot, UpdateBot, StartBot, StopBot, ToggleBot, DeleteBot, StopAll>;

struct CommandRecord {
  std::uint64_t sent_wall_ns = 0;  // control's clock: command-to-ack latency
  Command command;
};

// ---- core -> control -------------------------------------------------------------------------

struct EventRecord {
  std::uint64_t sequence = 0;    // 1, 2, 3 … per core epoch: a jump means records were missed
  std::uint64_t input_seq = 0;   // journal seq of the input that caused it
  std::int64_t wall_ns = 0;      // the input's wall time
  Action action;
};

struct BotSnapshot {
  BotRecord bot;                 // bot.id == 0: the slot holds no bot
  std::uint64_t event_sequence = 0;  // the last EventRecord this snapshot includes
};

struct PriceSnapshot {
  Symbol symbol;                 // empty: unused slot
  Decimal last;                  // last traded price
  std::int64_t exchange_ts_ms = 0;
  std::int64_t received_wall_ns = 0;
  Venue venue = Venue::CoinDcxFutures;
  std::uint8_t pad_[7] = {};
};

struct VenueHealth {
  std::int64_t connected_since_wall_ns = 0;  // 0: not connected
  std::int64_t last_message_wall_ns = 0;
  std::uint64_t messages = 0;
  std::uint32_t reconnects = 0;
  VenueLink link = VenueLink::Down;
  std::uint8_t pad_[3] = {};
};

struct HealthSnapshot {
  VenueHealth venues[kVenueCount];
  EngineCounters engine;
  std::uint64_t last_input_seq = 0;
  std::uint64_t last_event_sequence = 0;
  std::uint64_t commands_received = 0;
  std::uint64_t commands_rejected_full = 0;  // never: the core drains; kept for the dashboard
};

// Log-linear latency histogram: bucket b counts samples in [lower(b), lower(b + 1)) ns, with
// 8 linear sub-buckets per power of two from 1 ns to ~2^40 ns. Enough for p50/p99/p99.9/max
// within 12.5 %; HdrHistogram is not packaged for our machines.
struct LatencyHistogram {
  static constexpr std::size_t kSubBuckets = 8;
  static constexpr std::size_t kBuckets = 41 * kSubBuckets;
  std::uint64_t count = 0;
  std::uint64_t sum_ns = 0;
  std::uint64_t max_ns = 0;
  std::uint64_t buckets[kBuckets] = {};
};

enum class LatencyPath : std::uint32_t {
  TickToOrder = 0,    // feed thread saw the fill's bytes -> engine thread sent the order's bytes
  CommandToAck = 1,   // control sent a command -> the core applied it
};
inline constexpr std::size_t kLatencyPaths = 2;

static_assert(std::is_trivially_copyable_v<CommandRecord>);
static_assert(std::is_trivially_copyable_v<EventRecord>);
static_assert(std::is_trivially_copyable_v<BotSnapshot>);
static_assert(std::is_trivially_copyable_v<PriceSnapshot>);
static_assert(std::is_trivially_copyable_v<HealthSnapshot>);
static_assert(std::is_trivially_copyable_v<LatencyHistogram>);
// Sizes are part of the ABI: a change here without a kLayoutVersion bump fails the build.
static_assert(sizeof(CommandRecord) == 104);
static_assert(sizeof(EventRecord) == 248);
static_assert(sizeof(BotSnapshot) == 144);
static_assert(sizeof(PriceSnapshot) == 56);
static_assert(sizeof(LatencyHistogram) == 24 + 8 * 41 * 8);

// Capacities, from the core's config. Ring capacities are powers of two.
struct SchemaConfig {
  std::uint32_t max_bots = 1024;
  std::uint32_t max_symbols = 256;
  std::uint32_t command_capacity = 1024;
  std::uint32_t event_capacity = 65536;
};

}  // namespace scalper::shm
