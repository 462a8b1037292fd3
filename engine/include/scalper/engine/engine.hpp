// engine.hpp — the bot and order state machine: step(event) -> actions.
//
// A pure, deterministic function of its inputs: no clock, no I/O, no threads, no allocation
// after construction. The same events in the same order give the same actions, byte for byte,
// which is what journal replay and the golden digest rely on. The behaviour and its fixes of
// the original system are listed in engine/README.md.
//
// Its whole state can be saved into a caller's buffer and restored into a fresh engine of the
// same configuration (checkpoint.hpp), which is how a restarted process resumes.
//
// Threading: one thread owns an Engine. Allocation: only in the constructor (step, save and
// restore allocate nothing).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "scalper/engine/actions.hpp"
#include "scalper/engine/checkpoint.hpp"
#include "scalper/engine/events.hpp"
#include "scalper/engine/outbox.hpp"

namespace scalper {

struct EngineConfig {
  std::uint32_t max_bots = 1024;
  // Venues whose adapter and credentials exist. Starting a bot elsewhere is the original's
  // "configuration error": the bot goes to ERROR with "Failed to start bot: …".
  bool venue_enabled[kVenueCount] = {true, false, false};
  // Placement retry after a transient failure: base × 2^attempt, capped; then ERROR.
  std::int64_t retry_base_ns = 200'000'000;
  std::int64_t retry_max_ns = 30'000'000'000;
  std::uint32_t max_place_attempts = 8;
  // A cancel with no stream confirmation after this long triggers an order listing.
  std::int64_t cancel_timeout_ns = 5'000'000'000;
  // Exchange updates for ids we do not know yet (the stream can beat the REST response),
  // kept per engine until the id is learnt or they age out.
  std::uint32_t early_update_capacity = 256;
  // Lost reports (engine/README.md, "Lost reports"). A public trade at or through a live
  // order's price with no report for that order within trade_check_ns -> list the venue's
  // orders; the same order is not checked again for trade_recheck_ns (a price resting on our
  // level must not turn into a listing per trade).
  std::int64_t trade_check_ns = 250'000'000;
  std::int64_t trade_recheck_ns = 1'000'000'000;
  // While a venue is live and has orders, no listing answered for this long -> list (0: off).
  std::int64_t sweep_interval_ns = 5'000'000'000;
};

enum class StepStatus : std::uint8_t {
  Ok = 0,
  OutboxFull = 1,   // refused before any state changed; drain the outbox and retry
  BadSequence = 2,  // seq not greater than the last one: refused
};

// Things that happened and are worth a metric, not a log line.
struct EngineCounters {
  std::uint64_t steps = 0;
  std::uint64_t duplicate_updates = 0;  // same or older cumulative fill of an open order
  std::uint64_t unknown_orders = 0;     // updates for orders never ours, or settled already
  std::uint64_t early_updates = 0;      // buffered until the REST response named the id
  std::uint64_t stale_timers = 0;
  std::uint64_t stale_outcomes = 0;  // REST outcomes for orders already settled
  // Listings asked for to find lost reports, by what prompted them, and what they found.
  std::uint64_t trade_checks = 0;     // a trade went through a live order's price, no report
  std::uint64_t silence_checks = 0;   // the stream was silent too long with orders live
  std::uint64_t sweeps = 0;           // the periodic sweep
  std::uint64_t fills_recovered = 0;  // fill increments first seen in a listing, not the stream
};

enum class VenueLink : std::uint8_t {
  Down = 0,         // no stream: fills would be missed, so placements wait
  Reconciling = 1,  // stream up, listing in flight: placements wait
  Live = 2,
};

class Engine {
 public:
  explicit Engine(const EngineConfig& config);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // The only way state changes. Never throws, never allocates.
  [[nodiscard]] StepStatus step(const Event& event, Outbox& out) noexcept;

  // The most actions one step can produce with this configuration: size the Outbox with it.
  [[nodiscard]] std::size_t outbox_capacity() const noexcept;

  [[nodiscard]] const BotRecord* find_bot(BotId id) const noexcept;
  [[nodiscard]] const OrderRecord* find_order(OrderId id) const noexcept;
  // Slot-ordered walk over live bots: bot_at_slot(0 .. bot_slots() - 1), nullptr for a free
  // slot. Deterministic: slots are taken from a free list that depends only on the inputs.
  [[nodiscard]] std::uint32_t bot_slots() const noexcept;
  [[nodiscard]] const BotRecord* bot_at_slot(std::uint32_t slot) const noexcept;
  [[nodiscard]] std::uint32_t bot_count() const noexcept;
  [[nodiscard]] VenueLink venue_link(Venue v) const noexcept;
  [[nodiscard]] const EngineCounters& counters() const noexcept;
  [[nodiscard]] const EngineConfig& config() const noexcept;
  // The seq of the last event stepped (0: none): a restart replays the journal after it.
  [[nodiscard]] std::uint64_t last_seq() const noexcept;
  // The kill switch (Halt, Resume): while halted no order goes out and no bot starts.
  [[nodiscard]] bool halted() const noexcept;
  [[nodiscard]] HaltReason halt_reason() const noexcept;  // meaningful while halted()

  // ---- checkpoints (checkpoint.hpp) -----------------------------------------------------
  // The most bytes save() can write with this configuration: size its buffer once with it.
  [[nodiscard]] std::size_t checkpoint_capacity() const noexcept;
  [[nodiscard]] static std::size_t checkpoint_capacity(const EngineConfig& config) noexcept;
  // Writes the complete state into `out`; returns the bytes written, 0 if `out` is too small.
  // Between steps only. Never allocates.
  [[nodiscard]] std::size_t save(std::span<std::byte> out) const noexcept;
  // Replaces the complete state with a checkpoint's, which must come from an engine with the
  // same EngineConfig. False (and `why`, if given, says what) when `in` is refused: the engine
  // is then as freshly constructed. Allocates nothing beyond what the constructor did.
  [[nodiscard]] bool restore(std::span<const std::byte> in,
                             checkpoint::Status* why = nullptr) noexcept;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace scalper
