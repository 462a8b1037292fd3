// journal_bench.cpp — the core's journal on the live path (feed/core journal_store.hpp): what
// the engine thread pays per input, and what the writer thread makes durable.
//
// BM_JournalAppend/kind/flat_out  JournalStore::append of one event on the engine thread:
//   encode straight into the 1 MiB ring and publish its end. kind 0: OrderUpdate (the exchange
//   report a fill arrives as, 164-byte record), 1: CreateBot (an operator command, 108 bytes).
//   The writer runs as in production (drains every 5 ms or at a quarter full, syncs every
//   100 ms). flat_out 0: every 1,024 appends the timer stops for a writer round, as the writer
//   keeps up at any real event rate; 1: no pauses, so the loop (millions of appends a second)
//   outruns the writer and waits for room, timer running (`ring_full_waits`). Segments are
//   released as they fill.
// BM_JournalEncode/kind  the floor under it: the engine's encode_record alone (journal.hpp, used
//   as is, CRC-32C included), into a buffer in cache.
// BM_JournalDurable/interval  records made durable when the writer syncs every 100 ms: one
//   iteration appends 100,000 OrderUpdate records as fast as the store takes them and waits
//   until durable_seq() covers the last; items are those records (records/s made durable),
//   bytes their size.
// BM_JournalDurable/every_batch  the same records with a sync after every batch of 1,000
//   (sync_now: wake the writer, msync the range, wait for it).
//
// Counters: ns_per_op / items_per_second, allocs_per_op (the benchmark thread's heap
// allocations per append over 10,000 further appends outside the harness; the target is 0). Each
// benchmark first appends 100 events, syncs and reads them back through JournalReader, byte for
// byte, and is skipped (the executable exits 1) if they differ. Files go to a scratch directory
// under the system temp dir, removed afterwards.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "alloc_counter.hpp"
#include "checked_bench.hpp"
#include "event_factory.hpp"
#include "scalper/core/journal_reader.hpp"
#include "scalper/core/journal_store.hpp"
#include "scalper/engine/journal.hpp"

namespace scalper::bench {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::EventFactory;

enum Kind : int { kOrderUpdate = 0, kCreateBot = 1 };

Event sample(Kind kind) {
  EventFactory f;
  if (kind == kCreateBot) return f.create(EventFactory::params("ETH/USDT"));
  return f.update_event(EventFactory::report("c87ca633-6218-44ea-900b-e86981358cbd",
                                             ExchangeStatus::Filled, Side::Buy, "3900", "0.01",
                                             "0.01", "3899.8", "0.0195"));
}

// A scratch journal directory, removed at the end.
class Scratch {
 public:
  explicit Scratch(const char* tag)
      : path_(fs::temp_directory_path() /
              ("scalper-journal-bench-" + std::to_string(::getpid()) + "-" + tag)) {
    fs::remove_all(path_);
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::unique_ptr<core::JournalStore> open_store(const fs::path& dir,
                                               std::chrono::milliseconds interval) {
  core::JournalStoreConfig c;
  c.dir = dir;
  c.sync_interval = interval;
  core::JournalRecovery r;
  std::string error;
  return core::JournalStore::open(c, r, error);
}

// Appends, waiting (bounded) for the writer when the ring is full; false on a real failure.
bool append_or_wait(core::JournalStore& store, const Event& ev) {
  return store.append_waiting(ev, 30s) == core::AppendStatus::Ok;
}

// Heap allocations of this thread per call: the writer thread allocates (paths, segment
// records) on its own, and only the engine thread's appends are the target of 0.
template <class Op>
double engine_thread_allocs_per_call(Op&& op, int calls = 10'000) {
  const std::uint64_t before = testing::thread_allocation_count();
  for (int i = 0; i < calls; ++i) op();
  return static_cast<double>(testing::thread_allocation_count() - before) / calls;
}

// The check before timing: 100 events in, synced, read back byte for byte.
bool round_trips(core::JournalStore& store, const fs::path& dir, Event ev) {
  std::vector<std::vector<std::byte>> written;
  for (int i = 0; i < 100; ++i) {
    ev.seq = store.last_seq() + 1;
    if (!append_or_wait(store, ev)) return false;
    written.emplace_back(journal::record_size(ev));
    journal::encode_record(ev, written.back());
  }
  if (!store.sync_now(10s) || store.durable_seq() != store.last_seq()) return false;
  core::JournalReader reader;
  if (!reader.open(dir)) return false;
  Event back;
  for (const auto& bytes : written) {
    if (reader.next(back) != core::ReadStatus::Record) return false;
    std::vector<std::byte> again(journal::record_size(back));
    journal::encode_record(back, again);
    if (again != bytes) return false;
  }
  return reader.next(back) == core::ReadStatus::End;
}

// The floor under BM_JournalAppend: the engine's encode_record (journal.hpp, used as is) into a
// buffer in cache, CRC-32C included, with no store around it.
void BM_JournalEncode(benchmark::State& state) {
  Event ev = sample(static_cast<Kind>(state.range(0)));
  alignas(64) std::byte buf[journal::kMaxRecordSize];
  std::size_t used = 0;
  Event back;
  if (journal::encode_record(ev, buf) != journal::record_size(ev) ||
      journal::decode_record(buf, back, used) != journal::Status::Ok) {
    return fail(state, "the record does not decode");
  }
  for (auto _ : state) {
    ++ev.seq;
    benchmark::DoNotOptimize(journal::encode_record(ev, buf));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["allocs_per_op"] =
      allocs_per_call([&] { benchmark::DoNotOptimize(journal::encode_record(ev, buf)); });
}
BENCHMARK(BM_JournalEncode)->ArgName("kind")->Arg(kOrderUpdate)->Arg(kCreateBot);

// One append per iteration. paced: every kPace appends (168 KB, under the quarter of the ring
// that wakes the writer) the timer stops while a writer round copies them into the segment and
// syncs, as the writer keeps up at any real event rate; flat out: no pauses, the loop outruns
// the writer copying on the other core, and the time includes waiting for it when the ring is
// full (the sustained rate the store takes).
void BM_JournalAppend(benchmark::State& state) {
  constexpr std::int64_t kPace = 1'024;
  const bool paced = state.range(1) == 0;
  const Scratch dir("append");
  auto store = open_store(dir.path(), 100ms);
  if (store == nullptr) return fail(state, "cannot open the journal");
  Event ev = sample(static_cast<Kind>(state.range(0)));
  if (!round_trips(*store, dir.path(), ev)) return fail(state, "records do not read back");
  const std::uint64_t waits_before = store->full_waits();
  std::uint64_t rotations = store->rotations();
  std::int64_t until_pause = kPace;
  for (auto _ : state) {
    ev.seq = store->last_seq() + 1;
    if (store->append(ev) != core::AppendStatus::Ok && !append_or_wait(*store, ev)) {
      return fail(state, store->failure().c_str());
    }
    if (paced && --until_pause == 0) {
      state.PauseTiming();
      until_pause = kPace;
      if (!store->sync_now(30s)) return fail(state, store->failure().c_str());
      state.ResumeTiming();
    }
    if (store->rotations() != rotations) {
      state.PauseTiming();
      rotations = store->rotations();
      (void)store->release_before(store->durable_seq());  // bounded disk use
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(journal::record_size(ev)));
  state.counters["record_bytes"] = static_cast<double>(journal::record_size(ev));
  state.counters["ring_full_waits"] = static_cast<double>(store->full_waits() - waits_before);
  state.counters["allocs_per_op"] = engine_thread_allocs_per_call([&] {
    ev.seq = store->last_seq() + 1;
    benchmark::DoNotOptimize(append_or_wait(*store, ev));
  });
}
BENCHMARK(BM_JournalAppend)
    ->ArgNames({"kind", "flat_out"})
    ->Args({kOrderUpdate, 0})
    ->Args({kCreateBot, 0})
    ->Args({kOrderUpdate, 1})
    ->Args({kCreateBot, 1});

void BM_JournalDurable(benchmark::State& state) {
  const bool every_batch = state.range(0) == 1;
  const Scratch dir(every_batch ? "durable-batch" : "durable-interval");
  auto store = open_store(dir.path(), 100ms);
  if (store == nullptr) return fail(state, "cannot open the journal");
  Event ev = sample(kOrderUpdate);
  if (!round_trips(*store, dir.path(), ev)) return fail(state, "records do not read back");
  const std::int64_t per_iteration = every_batch ? 1'000 : 100'000;
  const std::uint64_t syncs_before = store->syncs();
  for (auto _ : state) {
    for (std::int64_t i = 0; i < per_iteration; ++i) {
      ev.seq = store->last_seq() + 1;
      if (!append_or_wait(*store, ev)) return fail(state, store->failure().c_str());
    }
    if (every_batch) {
      if (!store->sync_now(30s)) return fail(state, store->failure().c_str());
    } else {
      const auto end = std::chrono::steady_clock::now() + 30s;
      while (store->durable_seq() < ev.seq) {
        if (std::chrono::steady_clock::now() > end) return fail(state, "never made durable");
        std::this_thread::yield();
      }
    }
    (void)store->release_before(store->durable_seq());
  }
  if (store->durable_seq() != store->last_seq()) return fail(state, "not all records durable");
  state.SetItemsProcessed(state.iterations() * per_iteration);
  state.SetBytesProcessed(state.iterations() * per_iteration *
                          static_cast<std::int64_t>(journal::record_size(ev)));
  state.counters["syncs"] = static_cast<double>(store->syncs() - syncs_before);
}
BENCHMARK(BM_JournalDurable)
    ->ArgName("every_batch")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace scalper::bench

int main(int argc, char** argv) { return scalper::bench::run_checked_benchmarks(argc, argv); }
