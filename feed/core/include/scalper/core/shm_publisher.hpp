// shm_publisher.hpp — the core's side of the shared-memory segment, on the engine thread.
//
// What it publishes (shm/schema/schema.hpp has the records):
//   - every action of every step into the event ring, numbered, with the input's journal seq:
//     at once, in order (control projects them into its database and pushes them to the UI);
//   - the bots that changed, as BotSnapshots in their engine slot: at most every bot_interval
//     and only those that changed, walked in chunks so a walk over 10,000 bots never sits in
//     front of a fill for long (a changed bot is visible within a few turns);
//   - last traded and mark prices per symbol, the venue's positions and wallet balances, as
//     the stream reports them;
//   - every health_interval: venue links (from the stream events the engine steps), engine
//     counters, ring and journal positions, the core's state; the latency histograms
//     (tick-to-order, command-to-ack); the core's heartbeat.
// And what it reads: the command ring. Each record is checked (shm/command.hpp) before any
// field is read; a bad one is answered with a CommandResult (status Invalid, the reason) in
// the event ring and counted, never stepped. A good one is handed to the engine like any
// other command, and its command-to-ack latency recorded when its CommandResult comes out.
//
// The core never waits on control: a full event ring drops the record (control sees the gap
// and reads the missed records from the journal).
//
// Threading: the engine thread only (CoreChannel's rule). Allocation: at construction; the
// step path (on_step, on_market, on_sample) and turn() allocate nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

#include "scalper/core/trading_core.hpp"
#include "scalper/engine/engine.hpp"
#include "scalper/shm/channel.hpp"

namespace scalper::core {

struct ShmPublisherConfig {
  std::int64_t bot_interval_ns = 20'000'000;      // changed bots published at most this often
  std::int64_t health_interval_ns = 100'000'000;  // health, latency, heartbeat
  std::uint32_t bots_per_turn = 256;              // slots walked per engine-thread pass
  std::uint32_t commands_per_turn = 64;           // commands taken per pass
  std::uint32_t max_symbols = 256;                // the segment's SchemaConfig
  std::uint32_t max_currencies = 32;
  std::uint32_t pid = 0;
  std::int64_t started_wall_ns = 0;
};

// Journal and checkpoint positions, read at the health interval (not the hot path).
struct DurabilityFigures {
  std::uint64_t journal_durable_seq = 0;
  std::uint64_t checkpoint_seq = 0;
};

class ShmPublisher {
 public:
  ShmPublisher(shm::CoreChannel& channel, const Engine& engine, ShmPublisherConfig config,
               std::function<DurabilityFigures()> durability = {});

  // After each engine step (feed/core EngineHooks::stepped).
  void on_step(const Event& event, std::span<const Action> actions) noexcept;
  // A market item from the stream (EngineHooks::market).
  void on_market(const feed::FeedEvent& event) noexcept;
  void on_sample(const feed::TickToOrderSample& sample) noexcept;
  // One engine-thread pass: commands from the ring into `sink`, bots and health at their
  // rates. True when it did anything.
  bool turn(std::int64_t mono_ns, feed::CommandSink& sink) noexcept;

  // The core's state for the dashboard and control (starting, trading, halted, stopping),
  // with a note for the operator; published at the next health interval, or now.
  void set_state(shm::CoreState state, std::string_view note) noexcept;
  // Everything now (health, latency, every changed bot): at start and before exiting.
  void publish_all(std::int64_t mono_ns) noexcept;

  [[nodiscard]] std::uint64_t commands_received() const noexcept { return commands_received_; }
  [[nodiscard]] std::uint64_t commands_refused() const noexcept { return commands_refused_; }

 private:
  struct SlotMark {
    std::uint64_t id = 0;
    std::int64_t updated_wall_ns = 0;
    std::uint64_t fingerprint = 0;  // status, live order, trades: changes updated_ns may miss
  };
  struct PendingAck {
    std::uint64_t cmd_id = 0;
    std::uint64_t sent_wall_ns = 0;
  };

  void take_commands(feed::CommandSink& sink) noexcept;
  void refuse(const shm::CommandRecord& record, std::string_view why) noexcept;
  void note_ack(const CommandResult& result) noexcept;
  void note_link(const EventBody& body, std::int64_t wall_ns) noexcept;
  bool publish_changed_bots(std::int64_t mono_ns, std::uint32_t budget) noexcept;
  void publish_health() noexcept;
  void follow_engine_halt() noexcept;

  shm::CoreChannel& channel_;
  const Engine& engine_;
  ShmPublisherConfig config_;
  std::function<DurabilityFigures()> durability_;

  std::vector<SlotMark> published_;  // per engine bot slot: what the segment shows
  std::uint32_t bot_cursor_ = 0;     // next slot of the walk in progress
  // A step changed a bot since the walk began. True at start: a restarted core's bots come
  // from its checkpoint and journal, not from steps, and must reach the segment all the same.
  bool bots_dirty_ = true;
  bool walking_ = false;
  std::int64_t next_bot_walk_ns_ = 0;
  std::int64_t next_health_ns_ = 0;

  std::vector<Symbol> price_symbols_;  // price slot -> symbol
  std::vector<shm::PriceSnapshot> prices_;
  std::vector<Symbol> position_symbols_;  // position slot -> symbol
  std::vector<FixedString<16>> currencies_;

  std::vector<PendingAck> pending_acks_;  // commands stepped this turn, awaiting their result
  shm::HealthSnapshot health_;
  // Health says Halted because the engine's kill switch is on (not a state the process set).
  bool showing_engine_halt_ = false;
  shm::LatencyHistogram tick_to_order_;
  shm::LatencyHistogram command_to_ack_;
  std::uint64_t commands_received_ = 0;
  std::uint64_t commands_refused_ = 0;
  std::uint64_t last_input_seq_ = 0;
};

}  // namespace scalper::core
