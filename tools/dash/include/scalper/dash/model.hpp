// model.hpp — what the dashboard shows, as plain structs: one refresh of a core's segment.
//
// Two steps, so the second is testable without a segment or a terminal:
//   capture(channel)          copies every snapshot out of the segment (seqlock reads through
//                             the read-only ControlChannel; nothing is written, no event popped)
//   build_model(raw, clocks)  turns those records into rows: names, labels, ages, percentiles.
//                             Pure. It treats the records as outside input — a buggy or
//                             half-written core may put any bytes there — so text is clamped to
//                             its capacity and made printable, unknown enum values become "?",
//                             and nothing is indexed by a value read from the segment
//                             (fuzzed: tests/fuzz/fuzz_dash_records.cpp).
// Sorting and filtering the bots table are pure functions over the rows.
//
// Money stays scalper::Decimal until the renderer formats it (format_decimal: exact, never
// double). Times: ages come from the monotonic clock where the segment has one (heartbeat,
// uptime) and from the wall clock otherwise (a venue's last message), both from `Clocks`, which
// the caller reads: nothing here reads a clock.
//
// Threading: capture() on the thread that owns the channel; the rest is pure. Allocation: the
// rows (strings and vectors), per refresh; this is not a hot path.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "scalper/shm/channel.hpp"
#include "scalper/shm/schema.hpp"

namespace scalper::dash {

// A heartbeat older than this means the core is hung or gone: the header says so plainly.
inline constexpr std::uint64_t kNotRespondingNs = 2'000'000'000;

struct Clocks {
  std::int64_t mono_ns = 0;  // CLOCK_MONOTONIC, the heartbeats' clock
  std::int64_t wall_ns = 0;  // CLOCK_REALTIME, the snapshots' receive times
};

// Everything one refresh copied out of the segment, before any interpretation.
struct RawSnapshot {
  std::uint64_t pid = 0;
  std::uint64_t epoch = 0;
  std::uint64_t created_mono_ns = 0;  // the segment's creation, on the core's monotonic clock
  std::uint64_t heartbeat_age_ns = 0;
  bool has_health = false;
  shm::HealthSnapshot health;
  std::vector<shm::BotSnapshot> bots;  // only slots that hold a bot
  std::vector<shm::PriceSnapshot> prices;
  std::vector<shm::PositionSnapshot> positions;
  std::vector<shm::BalanceSnapshot> balances;
  std::array<bool, shm::kLatencyPaths> has_latency{};
  std::array<shm::LatencyHistogram, shm::kLatencyPaths> latency{};
  std::uint64_t events_written = 0;
  std::uint64_t events_read = 0;
  std::uint64_t commands_sent = 0;
  std::uint64_t commands_taken = 0;
};

// Reads every slot of `channel` (read-only). `now_mono_ns` dates the heartbeat's age.
[[nodiscard]] RawSnapshot capture(const shm::ControlChannel& channel, std::int64_t now_mono_ns);

struct CoreInfo {
  std::uint64_t pid = 0;
  std::uint64_t epoch = 0;
  bool has_health = false;  // false until the core's first health snapshot
  std::string state;        // "starting", "trading", "halted", "stopping", "?"
  bool halted = false;
  std::string note;  // why halted or starting
  std::uint64_t uptime_ns = 0;
  std::uint64_t heartbeat_age_ns = 0;
  bool not_responding = false;  // heartbeat_age_ns > kNotRespondingNs
  std::uint64_t journal_durable_seq = 0;
  std::uint64_t checkpoint_seq = 0;
  std::uint64_t last_input_seq = 0;
  std::uint32_t bots = 0;  // as the core counts them
};

struct BotRow {
  std::uint64_t id = 0;
  std::string ticker;
  std::string venue;
  std::string status;  // ACTIVE, STOPPED, ERROR, ?
  std::string side;    // the live order's side, or the next one's: BUY, SELL
  Decimal buy_price;
  Decimal sell_price;
  Decimal quantity;
  std::uint64_t live_order = 0;  // our order id; 0: none
  Decimal position;
  Decimal pnl;
  std::uint32_t cycles = 0;
  std::int64_t last_fill_wall_ns = 0;  // 0: never filled
  Decimal last_fill_price;
};

struct PriceRow {
  std::string symbol;
  std::string venue;
  Decimal last;              // 0: none seen yet
  Decimal mark;              // 0: none seen yet
  std::int64_t age_ns = -1;  // since received; -1: unknown
};

struct PositionRow {
  std::string venue;
  std::string symbol;
  Decimal size;  // signed: negative = short
  Decimal entry_price;
  Decimal mark_price;
  Decimal liquidation_price;
  Decimal locked_margin;
  Decimal leverage;
};

struct BalanceRow {
  std::string venue;
  std::string currency;
  Decimal balance;
  Decimal locked;
};

struct VenueRow {
  std::string venue;
  std::string link;                       // down, reconciling, live, ?
  std::int64_t last_message_age_ns = -1;  // -1: no message yet
  std::uint64_t messages = 0;
  std::uint32_t reconnects = 0;
};

struct LatencyRow {
  std::string path;  // tick-to-order, command-to-ack
  std::uint64_t count = 0;
  std::uint64_t p50_ns = 0;
  std::uint64_t p99_ns = 0;
  std::uint64_t p999_ns = 0;
  std::uint64_t max_ns = 0;
};

struct Counter {
  std::string_view name;
  std::uint64_t value = 0;
};

struct RingInfo {
  std::uint64_t events_written = 0;
  std::uint64_t events_read = 0;  // by scalper-control (never by the dashboard)
  std::uint64_t event_lag = 0;    // written - read
  std::uint64_t events_dropped = 0;
  std::uint64_t commands_sent = 0;
  std::uint64_t commands_taken = 0;
  std::uint64_t commands_received = 0;
  std::uint64_t commands_refused = 0;
};

struct DashModel {
  CoreInfo core;
  std::vector<BotRow> bots;  // in slot order; sort_bots/filter_bots for the table
  std::vector<PriceRow> prices;
  std::vector<PositionRow> positions;
  std::vector<BalanceRow> balances;
  std::vector<VenueRow> venues;
  std::vector<Counter> counters;  // the engine's (EngineCounters), in declaration order
  std::vector<LatencyRow> latency;
  RingInfo rings;
};

[[nodiscard]] DashModel build_model(const RawSnapshot& raw, const Clocks& now);

// ---- the bots table's order and filter --------------------------------------------------------

enum class SortKey : std::uint8_t { Id = 0, Ticker = 1, Status = 2, Pnl = 3, Cycles = 4 };
inline constexpr std::size_t kSortKeyCount = 5;

[[nodiscard]] std::string_view label(SortKey key) noexcept;
[[nodiscard]] SortKey next(SortKey key) noexcept;

// Stable on the key, then by id, so equal keys keep one order from refresh to refresh;
// `descending` reverses the key and the tie-break alike.
void sort_bots(std::vector<BotRow>& rows, SortKey key, bool descending);

// Case-insensitive substring of the ticker or the status; an empty needle matches every row.
[[nodiscard]] bool matches(const BotRow& row, std::string_view needle);
void filter_bots(std::vector<BotRow>& rows, std::string_view needle);

// ---- helpers the renderer shares -----------------------------------------------------------

// Text from the segment made safe for a terminal: printable ASCII kept, anything else '?'
// (an escape sequence in a ticker must not reach the terminal).
[[nodiscard]] std::string printable(std::string_view text);

// A FixedString's text, its length clamped to its capacity (the length byte is outside input).
template <std::size_t N>
[[nodiscard]] std::string text_of(const FixedString<N>& s) {
  constexpr std::size_t kCap = FixedString<N>::kCapacity;
  const std::size_t n = s.size() < kCap ? s.size() : kCap;
  return printable(std::string_view(s.data(), n));
}

}  // namespace scalper::dash
