// restart_bench — how long a restarted core takes to rebuild its engine before it reconciles:
// 10,000 bots and a 1,000,000-input journal (creates, acceptances and fills, written through
// the real JournalStore), restarted
//   - from the newest checkpoint plus the journal's tail after it (50,000 inputs: halfway
//     between two checkpoints of the default config, every 100,000 inputs): BM_RestartFromCheckpoint, split into the checkpoint
//     file's load, the engine's restore and the tail's replay;
//   - from the journal alone (no checkpoint): BM_RestartFromJournal.
// Each iteration is one restart as core_process.cpp does it (load_newest_checkpoint,
// Engine::restore, JournalReader from the checkpoint's seq + 1, every record stepped with its
// actions discarded). Before timing, each checks that the rebuilt engine saves to exactly the
// bytes of the engine that wrote the journal. Reconciliation with the exchange comes after and
// is the exchange's (its listing pages and rate limit): not measured here.
//
// The journal is generated once per process into a scratch directory (about 200 MB) and
// removed at exit. Sizes: --benchmark_filter as usual; SCALPER_RESTART_INPUTS overrides the
// input count (the CI smoke run uses a small one).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "checked_bench.hpp"
#include "event_factory.hpp"
#include "scalper/core/checkpoint_store.hpp"
#include "scalper/core/journal_reader.hpp"
#include "scalper/core/journal_store.hpp"

namespace scalper::bench {
namespace {

namespace fs = std::filesystem;
using scalper::testing::EventFactory;

constexpr std::uint32_t kBots = 10'000;
constexpr std::uint64_t kCheckpointEvery = 100'000;

std::uint64_t input_count() {
  const char* v = std::getenv("SCALPER_RESTART_INPUTS");
  return v != nullptr ? std::strtoull(v, nullptr, 10) : 1'000'000;
}

EngineConfig engine_config() {
  EngineConfig c;
  c.max_bots = kBots;
  return c;
}

// The journal, the newest checkpoint and the final state, made once.
struct World {
  fs::path dir;
  std::uint64_t inputs = 0;
  std::uint64_t checkpoint_seq = 0;
  std::vector<std::byte> final_state;
  std::string error;

  World() {
    dir = fs::temp_directory_path() / ("scalper-restart-bench-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    build();
  }
  ~World() { fs::remove_all(dir); }

  void build() {
    const EngineConfig config = engine_config();
    auto engine = std::make_unique<Engine>(config);
    Outbox out(engine->outbox_capacity());
    core::JournalStoreConfig jc;
    jc.dir = dir / "journal";
    jc.engine = config;
    core::JournalRecovery rec;
    auto journal = core::JournalStore::open(jc, rec, error);
    if (!journal) return;
    EventFactory f;
    std::vector<OrderId> live(kBots);
    std::vector<std::string> xid(kBots);
    std::vector<Side> side(kBots, Side::Buy);
    std::uint64_t next_xid = 0;
    std::vector<std::byte> state(engine->checkpoint_capacity());
    auto step = [&](const Event& ev) {
      if (journal->append_waiting(ev, std::chrono::seconds(30)) != core::AppendStatus::Ok) {
        error = "append failed";
      }
      out.clear();
      if (engine->step(ev, out) != StepStatus::Ok) error = "step refused";
      for (const Action& a : out.actions()) {
        if (const auto* p = std::get_if<PlaceOrder>(&a)) {
          live[p->bot.value - 1] = p->order;
          side[p->bot.value - 1] = p->side;
        }
      }
      ++inputs;
      // Halfway between two checkpoints of the default config: the average tail.
      if (inputs + kCheckpointEvery / 2 == input_count()) {
        const std::size_t n = engine->save(state);
        if (!core::write_checkpoint_file(dir / "checkpoints", ev.seq,
                                         std::span(state.data(), n), error)) {
          return;
        }
        checkpoint_seq = ev.seq;
      }
    };
    // The stream up and reconciled, then the bots, each with its first order accepted.
    step(f.connected());
    std::uint64_t listing = 0;
    for (const Action& a : out.actions()) {
      if (const auto* q = std::get_if<QueryOrders>(&a)) listing = q->request_id;
    }
    step(f.reconcile_begin(listing));
    step(f.reconcile_end(listing));
    for (std::uint32_t b = 0; b < kBots; ++b) {
      step(f.create(EventFactory::params("ETH/USDT", Side::Buy, "0.01", "3000", "3010")));
    }
    auto accept = [&](std::uint32_t b) {
      xid[b] = "x-" + std::to_string(++next_xid);
      step(f.accepted(live[b], xid[b]));
    };
    for (std::uint32_t b = 0; b < kBots; ++b) accept(b);
    // Fills, bot after bot: each fill places the opposite order, which is then accepted.
    for (std::uint32_t b = 0; inputs < input_count() && error.empty(); b = (b + 1) % kBots) {
      const bool buy = side[b] == Side::Buy;
      step(f.update_event(EventFactory::report(xid[b], ExchangeStatus::Filled, side[b],
                                               buy ? "3000" : "3010", "0.01", "0.01",
                                               buy ? "3000" : "3010")));
      accept(b);
    }
    final_state.resize(engine->save(state));
    std::copy_n(state.begin(), final_state.size(), final_state.begin());
    (void)journal->sync_now(std::chrono::milliseconds(60'000));
  }
};

World& world() {
  static World w;
  return w;
}

// One restart: the engine rebuilt from `checkpoints` (may be absent) and the journal.
struct Split {
  double load_ms = 0;
  double restore_ms = 0;
  double replay_ms = 0;
  std::uint64_t replayed = 0;
};

double ms(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

std::unique_ptr<Engine> restart(const fs::path& checkpoints, Split& split) {
  using Clock = std::chrono::steady_clock;
  auto engine = std::make_unique<Engine>(engine_config());
  std::uint64_t last = 0;
  const auto t0 = Clock::now();
  core::LoadedCheckpoint c = core::load_newest_checkpoint(checkpoints);
  const auto t1 = Clock::now();
  if (c.found) {
    if (!engine->restore(c.payload)) return nullptr;
    last = c.seq;
  }
  const auto t2 = Clock::now();
  core::JournalReader reader;
  if (!reader.open(world().dir / "journal") || reader.read_from(last + 1) != core::SeekStatus::Ok) {
    return nullptr;
  }
  Outbox discard(engine->outbox_capacity());
  Event ev;
  while (reader.next(ev) == core::ReadStatus::Record) {
    discard.clear();
    if (engine->step(ev, discard) != StepStatus::Ok) return nullptr;
    ++split.replayed;
  }
  const auto t3 = Clock::now();
  split.load_ms = ms(t1 - t0);
  split.restore_ms = ms(t2 - t1);
  split.replay_ms = ms(t3 - t2);
  return engine;
}

bool rebuilt_exactly(const Engine& engine) {
  std::vector<std::byte> state(engine.checkpoint_capacity());
  state.resize(engine.save(state));
  return state == world().final_state;
}

void run(benchmark::State& state, const fs::path& checkpoints) {
  World& w = world();
  if (!w.error.empty()) return fail(state, w.error.c_str());
  Split check;
  const auto engine = restart(checkpoints, check);
  if (!engine || !rebuilt_exactly(*engine)) return fail(state, "the restart rebuilt another state");
  Split total;
  for (auto _ : state) {
    Split s;
    benchmark::DoNotOptimize(restart(checkpoints, s));
    total.load_ms += s.load_ms;
    total.restore_ms += s.restore_ms;
    total.replay_ms += s.replay_ms;
    total.replayed = s.replayed;
  }
  const auto n = static_cast<double>(state.iterations());
  state.counters["checkpoint_load_ms"] = total.load_ms / n;
  state.counters["restore_ms"] = total.restore_ms / n;
  state.counters["tail_replay_ms"] = total.replay_ms / n;
  state.counters["replayed"] = static_cast<double>(total.replayed);
  state.counters["journal_inputs"] = static_cast<double>(w.inputs);
  state.counters["bots"] = kBots;
}

void BM_RestartFromCheckpoint(benchmark::State& state) {
  run(state, world().dir / "checkpoints");
}
void BM_RestartFromJournal(benchmark::State& state) { run(state, world().dir / "no-checkpoints"); }

BENCHMARK(BM_RestartFromCheckpoint)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_RestartFromJournal)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace scalper::bench

int main(int argc, char** argv) { return scalper::bench::run_checked_benchmarks(argc, argv); }
