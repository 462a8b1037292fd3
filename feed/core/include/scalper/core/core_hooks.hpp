// core_hooks.hpp — the core process's part of the engine thread (feed::EngineHooks): every
// input into the journal before it is stepped, every step's actions into the segment after,
// the activity log into the process's log, and the engine's state checkpointed every
// checkpoint_inputs inputs or checkpoint_seconds seconds (saved on the engine thread into a
// buffer sized once, handed as a copy to the CheckpointStore's thread).
//
// Its first turn steps the process's first inputs: Recovered after a restart, or the
// config's bots on a first start (an empty journal). When the journal refuses an input, the
// input is not stepped (TradingCore stops stepping altogether), the segment shows the core
// Halted and an ERROR is logged, once. After request_stop() it takes no more commands.
//
// Threading: the EngineHooks calls on the engine thread; request_stop(), journal_failed(),
// live() and last_seq() (after the threads stopped) on the main thread. Allocation: at bind();
// none per event (formatting an activity line writes into a stack buffer).
#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <vector>

#include "scalper/core/checkpoint_store.hpp"
#include "scalper/core/config.hpp"
#include "scalper/core/journal_store.hpp"
#include "scalper/core/logger.hpp"
#include "scalper/core/shm_publisher.hpp"
#include "scalper/core/trading_core.hpp"

namespace scalper::core {

class CoreHooks final : public feed::EngineHooks {
 public:
  CoreHooks(const CoreConfig& config, JournalStore& journal, CheckpointStore& checkpoints,
            LogProducer log);

  // Before the threads start: the engine (TradingCore::engine()), the publisher over it, and
  // what the start found (a first start, or the Recovered input and the last seq replayed).
  void bind(const Engine& engine, ShmPublisher& publisher, bool first_start,
            const Recovered& recovered, std::uint64_t last_seq);

  bool journal(const Event& event) noexcept override;
  void stepped(const Event& event, std::span<const Action> actions) noexcept override;
  void market(const feed::FeedEvent& event) noexcept override { publisher_->on_market(event); }
  void sample(const feed::TickToOrderSample& s) noexcept override { publisher_->on_sample(s); }
  bool turn(std::int64_t mono_ns, feed::CommandSink& sink) noexcept override;

  void request_stop() { stopping_.store(true); }
  [[nodiscard]] bool journal_failed() const { return journal_failed_.load(); }
  [[nodiscard]] bool live() const { return live_.load(); }
  [[nodiscard]] std::uint64_t last_seq() const { return last_seq_; }

 private:
  void start(std::int64_t mono_ns, feed::CommandSink& sink) noexcept;
  void show_failure() noexcept;
  void maybe_checkpoint(std::int64_t mono_ns) noexcept;
  void log_activity(const ActivityLog& l) noexcept;

  const CoreConfig& config_;
  JournalStore& journal_;
  CheckpointStore& checkpoints_;
  LogProducer log_;
  const Engine* engine_ = nullptr;
  ShmPublisher* publisher_ = nullptr;
  Recovered recovered_;
  bool first_start_ = false;
  bool started_ = false;
  bool failure_shown_ = false;
  bool stop_shown_ = false;
  std::vector<std::byte> state_;  // the engine's checkpoint, sized once
  std::uint64_t last_seq_ = 0;
  std::uint64_t last_checkpoint_seq_ = 0;
  std::int64_t next_checkpoint_ns_ = 0;
  std::atomic<bool> journal_failed_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> live_{false};
};

}  // namespace scalper::core
