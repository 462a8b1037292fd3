#include "scalper/core/core_hooks.hpp"

#include <chrono>
#include <utility>
#include <variant>

#include "scalper/engine/log_format.hpp"

namespace scalper::core {
namespace {

constexpr std::string_view kComponent = "core";
constexpr std::int64_t kNsPerSecond = 1'000'000'000;
constexpr std::chrono::milliseconds kJournalFullWait{10'000};

}  // namespace

CoreHooks::CoreHooks(const CoreConfig& config, JournalStore& journal,
                     CheckpointStore& checkpoints, LogProducer log)
    : config_(config), journal_(journal), checkpoints_(checkpoints), log_(std::move(log)) {}

void CoreHooks::bind(const Engine& engine, ShmPublisher& publisher, bool first_start,
                     const Recovered& recovered, std::uint64_t last_seq) {
  engine_ = &engine;
  publisher_ = &publisher;
  first_start_ = first_start;
  recovered_ = recovered;
  state_.resize(engine.checkpoint_capacity());
  last_seq_ = last_seq;
  last_checkpoint_seq_ = last_seq;
}

bool CoreHooks::journal(const Event& event) noexcept {
  // When the writer is behind (a burst, or a slow disk) the engine thread waits for it rather
  // than step an input it has not journaled. Bounded: a writer stuck that long is a failure.
  if (journal_.append_waiting(event, kJournalFullWait) == AppendStatus::Ok) return true;
  journal_failed_.store(true);
  return false;
}

void CoreHooks::stepped(const Event& event, std::span<const Action> actions) noexcept {
  publisher_->on_step(event, actions);
  last_seq_ = event.seq;
  for (const Action& a : actions) {
    if (const auto* l = std::get_if<ActivityLog>(&a)) log_activity(*l);
  }
  if (!live_.load(std::memory_order_relaxed) &&
      engine_->venue_link(Venue::CoinDcxFutures) == VenueLink::Live) {
    live_.store(true);
  }
}

bool CoreHooks::turn(std::int64_t mono_ns, feed::CommandSink& sink) noexcept {
  if (!started_) start(mono_ns, sink);
  if (journal_failed_.load(std::memory_order_relaxed) && !failure_shown_) show_failure();
  if (stopping_.load(std::memory_order_relaxed)) {
    if (!stop_shown_) {
      stop_shown_ = true;
      publisher_->set_state(shm::CoreState::Stopping, "stopping: no new commands");
    }
    return false;  // commands stay in the ring for the next start
  }
  maybe_checkpoint(mono_ns);
  return publisher_->turn(mono_ns, sink);
}

// The first inputs: Recovered after a restart, the config's bots on a first start.
void CoreHooks::start(std::int64_t mono_ns, feed::CommandSink& sink) noexcept {
  started_ = true;
  next_checkpoint_ns_ = mono_ns + std::int64_t{config_.core.checkpoint_seconds} * kNsPerSecond;
  if (!first_start_) {
    sink.command(recovered_);
  } else {
    std::uint64_t cmd = 0;
    for (const BotSeed& seed : config_.bots) sink.command(to_create_command(seed, ++cmd));
  }
  publisher_->set_state(shm::CoreState::Trading, "");
}

void CoreHooks::show_failure() noexcept {
  failure_shown_ = true;
  publisher_->set_state(shm::CoreState::Halted, "journal write failed: trading stopped");
  log_.error(kComponent,
             "journal write failed: nothing more is stepped; fix the disk and restart (orders "
             "stay live on the exchange)");
}

void CoreHooks::maybe_checkpoint(std::int64_t mono_ns) noexcept {
  const bool by_count = last_seq_ - last_checkpoint_seq_ >= config_.core.checkpoint_inputs;
  const bool by_time = mono_ns >= next_checkpoint_ns_ && last_seq_ != last_checkpoint_seq_;
  if (!by_count && !by_time) return;
  next_checkpoint_ns_ = mono_ns + std::int64_t{config_.core.checkpoint_seconds} * kNsPerSecond;
  const std::size_t n = engine_->save(state_);
  if (n == 0) return;
  checkpoints_.submit(last_seq_, std::span<const std::byte>(state_.data(), n));
  last_checkpoint_seq_ = last_seq_;
}

// The activity log also goes to the process's log, as the original's texts.
void CoreHooks::log_activity(const ActivityLog& l) noexcept {
  char text[kLogTextMax];
  const std::size_t n = format_log(l, text);
  const Severity s = l.level == LogLevel::Error     ? Severity::Error
                     : l.level == LogLevel::Warning ? Severity::Warn
                                                    : Severity::Info;
  log_.log(s, "activity", std::string_view(text, n),
           {{"bot", l.bot.value}, {"level", label(l.level)}});
}

}  // namespace scalper::core
