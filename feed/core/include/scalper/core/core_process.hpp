// core_process.hpp — scalper-core, the process: everything between its config and its exit.
//
// Start, in this order, each step refusing with a clear log line and an exit code:
//   1. the data directory (created 0700) and its lock: a second core on it is refused with
//      the pid of the first (kExitBusy);
//   2. the exchange's endpoints resolved and TLS set up, the credentials present;
//   3. the journal opened for appending (a torn tail from a power loss is cut off), the newest
//      good checkpoint loaded (corrupt or partial newer ones are skipped, each logged), and the
//      engine restored from it with the journal's tail replayed on top (actions discarded:
//      they already happened) — or a fresh engine when there is nothing;
//   4. the shared-memory segment created (a live core holding the name is refused);
//   5. the threads started. The first input is Recovered (after a restart: the engine forgets
//      the old process's requests, timers and links and resolves them by listing), or, on a
//      first start with an empty journal, a CreateBot for each [[bot]] of the config.
// From then on every input is journaled before it is stepped (EngineHooks), published to the
// segment after, and the engine's state is checkpointed every checkpoint_inputs inputs or
// checkpoint_seconds seconds, from a copy written by a thread of its own; once a checkpoint
// is durable the journal segments it covers are deleted.
//
// Stop (SIGTERM, SIGINT): stop taking commands, finish the step, close the connections, write
// a last checkpoint, make the journal durable, exit 0. Orders stay live on the exchange: they
// are the bots' state, and the next start reconciles them.
//
// If an input cannot be journaled (disk full, I/O error), nothing more is stepped: the core
// shows itself Halted with the reason in the segment, logs an ERROR, and keeps the segment up
// for the operator until stopped; it exits kExitJournal then. Trading resumes only with a new
// start, once the disk is fixed (the exchange's listing tells the engine what happened
// meanwhile).
//
// Threading: run() on the main thread, which waits for the signals (block SIGINT and SIGTERM
// in every thread first: block_stop_signals()). Allocation: at start and stop.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "scalper/core/config.hpp"
#include "scalper/core/logger.hpp"

namespace scalper::core {

// Exit codes of scalper-core (also in its --help).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // could not start or run (the log says why)
inline constexpr int kExitConfig = 2;   // bad command line or config
inline constexpr int kExitBusy = 3;     // another core holds the data directory or segment
inline constexpr int kExitJournal = 4;  // an input could not be journaled: trading stopped

// Blocks SIGINT and SIGTERM in the calling thread and every thread it starts afterwards, so
// run() receives them synchronously.
void block_stop_signals();

// Figures of a start, for the log and the restart benchmark.
struct StartFigures {
  std::uint64_t checkpoint_seq = 0;  // 0: started without a checkpoint
  std::uint64_t replayed = 0;        // journal records replayed after it
  double checkpoint_load_ms = 0;
  double replay_ms = 0;
  double to_trading_ms = 0;  // process start -> the venue live again (reconciled)
};

struct CoreRunOptions {
  // Called on the main thread with the start's figures once the venue is live again.
  std::function<void(const StartFigures&)> on_trading;
  // For tests: stop as if SIGTERM arrived once this returns true (polled every 100 ms).
  std::function<bool()> stop_when;
};

// Runs the core until a stop signal. Returns the process's exit code.
[[nodiscard]] int run_core(const CoreConfig& config, Logger& logger,
                           const CoreRunOptions& options = {});

}  // namespace scalper::core
