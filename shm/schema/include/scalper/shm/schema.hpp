// schema.hpp — what scalper-core and scalper-control share: the regions of the segment and the
// records in them.
//
//   command ring   control -> core   CommandRecord: every operator command of the engine
//   event ring     core -> control   EventRecord: every action the engine decided, numbered
//   bot slots      core -> control   one SeqlockSlot<BotSnapshot> per engine bot slot
//   price slots    core -> control   one SeqlockSlot<PriceSnapshot> per symbol: last, mark
//   health slot    core -> control   SeqlockSlot<HealthSnapshot>: stream links, engine counters,
//                                    halt, journal
//   latency slots  core -> control   SeqlockSlot<LatencyHistogram> per measured path
//   position slots core -> control   one SeqlockSlot<PositionSnapshot> per (venue, symbol)
//   balance slots  core -> control   one SeqlockSlot<BalanceSnapshot> per (venue, currency)
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
// 2: commands travel as journal records; positions, balances, mark prices; halt and journal
//    state in the health snapshot.
// 3: events may carry CancelAllOrders (the kill switch's request), a new Action alternative.
inline constexpr std::uint32_t kLayoutVersion = 3;

enum class RegionKind : std::uint32_t {
  CommandRing = 1,
  EventRing = 2,
  BotSlots = 3,
  PriceSlots = 4,
  Health = 5,
  Latency = 6,
  PositionSlots = 7,
  BalanceSlots = 8,
};

// ---- control -> core -------------------------------------------------------------------------

// An operator command of the engine, as the journal encodes it (engine/journal.hpp: length,
// CRC, kind, payload). Not a typed variant: the ring is outside input to the core (a buggy or
// hostile writer can put any bytes there), and the journal's decoder accepts only what its
// encoder writes, so the core checks every record with the decoder it already trusts (and
// fuzzes) before anything reads a field. encode_command/decode_command (command.hpp) are the
// two ends.
inline constexpr std::size_t kCommandBytes = 512;  // journal::kMaxRecordSize

struct CommandRecord {
  std::uint64_t sent_wall_ns = 0;  // control's clock: command-to-ack latency
  std::uint64_t cmd_id = 0;        // echoed in the CommandResult, also for a refused record
  std::uint32_t length = 0;        // bytes used in `bytes`
  std::uint32_t reserved = 0;
  std::byte bytes[kCommandBytes] = {};
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
  Decimal last;                  // last traded price (0: none seen yet)
  Decimal mark;                  // the venue's mark price (0: none seen yet)
  std::int64_t exchange_ts_ms = 0;
  std::int64_t received_wall_ns = 0;
  Venue venue = Venue::CoinDcxFutures;
  std::uint8_t pad_[7] = {};
};

// The venue's own view of a position, as its stream reports it (the bots' positions are in
// their BotRecords): what the exchange holds, whoever opened it.
struct PositionSnapshot {
  Symbol symbol;                 // empty: unused slot
  Decimal size;                  // signed: negative = short
  Decimal entry_price;
  Decimal mark_price;
  Decimal liquidation_price;
  Decimal locked_margin;
  Decimal leverage;
  std::int64_t updated_at_ms = 0;     // the venue's time
  std::int64_t received_wall_ns = 0;
  Venue venue = Venue::CoinDcxFutures;
  std::uint8_t pad_[7] = {};
};

using CurrencyText = FixedString<16>;

struct BalanceSnapshot {
  CurrencyText currency;         // empty: unused slot
  Decimal balance;
  Decimal locked;
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

enum class CoreState : std::uint8_t {
  Starting = 0,    // recovering: checkpoint, journal tail, then the exchange
  Trading = 1,
  Halted = 2,      // the kill switch: no order goes out until resume
  Stopping = 3,    // SIGTERM: finishing the step, flushing, checkpointing
};

struct HealthSnapshot {
  VenueHealth venues[kVenueCount];
  EngineCounters engine;
  std::uint64_t last_input_seq = 0;
  std::uint64_t last_event_sequence = 0;
  std::uint64_t commands_received = 0;
  std::uint64_t commands_refused = 0;        // malformed records in the command ring
  std::uint64_t events_dropped = 0;          // event records control was too far behind for
  std::uint64_t journal_durable_seq = 0;     // the last input known to be on disk
  std::uint64_t checkpoint_seq = 0;          // the input the newest checkpoint covers
  std::int64_t started_wall_ns = 0;          // this core process's start
  std::int64_t updated_wall_ns = 0;          // when this snapshot was taken
  std::uint32_t bots = 0;
  std::uint32_t pid = 0;
  CoreState state = CoreState::Starting;
  std::uint8_t halt_reason = 0;              // the engine's halt reason, when Halted
  std::uint8_t pad_[6] = {};
  ReasonText note;                           // why Halted or Starting, for the operator
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
static_assert(std::is_trivially_copyable_v<PositionSnapshot>);
static_assert(std::is_trivially_copyable_v<BalanceSnapshot>);
// Sizes are part of the ABI: a change here without a kLayoutVersion bump fails the build.
static_assert(sizeof(CommandRecord) == 24 + kCommandBytes);
static_assert(sizeof(EventRecord) == 248);
static_assert(sizeof(BotSnapshot) == 144);
static_assert(sizeof(PriceSnapshot) == 64);
static_assert(sizeof(LatencyHistogram) == 24 + 8 * 41 * 8);

// Capacities, from the core's config. Ring capacities are powers of two.
struct SchemaConfig {
  std::uint32_t max_bots = 1024;
  std::uint32_t max_symbols = 256;   // price and position slots
  std::uint32_t max_currencies = 32; // balance slots
  std::uint32_t command_capacity = 1024;
  std::uint32_t event_capacity = 65536;
};

}  // namespace scalper::shm
