// shm_bench.cpp — the shared-memory IPC pieces against the queues people would use instead.
//
// Queues compared, 64-byte records, capacity 1024, same harness, same run:
//   ScalperQueue    scalper::shm::SpscRing<Record> (ours, over caller memory)
//   BoostQueue      boost::lockfree::spsc_queue<Record, capacity<1024>> (Boost 1.74)
//   MoodycamelQueue moodycamel::ReaderWriterQueue<Record> (1.0.6), try_enqueue/try_dequeue only
//   ScalperPerSideQueue  ours again, but producer and consumer thread each attach their own
//                   SpscRing object to the ring (diagnostic: see the class comment)
//
// BM_RttThread<Q>     ping-pong over two queues between two threads pinned to two CPUs: the
//   benchmark thread pushes a record and busy-spins until the echo thread sends it back. One
//   iteration is one round trip, timed on its own; counters rtt_p50_ns … rtt_max_ns.
// BM_RttProcess<Q>    the same across fork(): both queues in one anonymous MAP_SHARED mapping.
//   Ours is formatted by the parent and attached by the child, as control will attach to the
//   core's segment. Boost's compile-time-capacity queue keeps its indices and storage inline
//   (no pointers), so it is placement-new'ed into the mapping. moodycamel's queue allocates its
//   blocks with malloc in the creating process and holds pointers to them, so it cannot cross
//   processes: it has no BM_RttProcess (said in the context block and by --help).
// BM_Throughput<Q>    one-way, producer thread → benchmark thread, both busy; items/s, and
//   mean_fill / empty_polls, which say which regime the run settled in (see BM_Throughput).
// BM_SeqlockRead/writer_1kHz, /writer_continuous   a 256-byte snapshot (32 × u64) in a
//   scalper::shm::SeqlockSlot, read by the benchmark thread while another thread rewrites it
//   every millisecond (paced by a timed spin) or back to back. One iteration is one try_load;
//   counters ns_per_read (time per successful read, retries included), retry_rate (failed /
//   all attempts), reads_ok, writes_per_s.
//
// Timing: the benchmark's own time column is wall time per iteration (UseRealTime). Round
// trips are timed with rdtsc, fenced with lfence, converted with a ratio calibrated against
// std::chrono::steady_clock at start-up; the context block names the timer, the ratio, the cost
// of one timer pair (included in every sample) and whether /proc/cpuinfo calls the TSC
// invariant (constant_tsc and nonstop_tsc: without them, rdtsc figures mean little). Busy-waits
// do not use pause: each side has a CPU to itself, and pause (about 140 cycles since Skylake,
// per Intel's optimization manual) would delay noticing each message by up to that much.
// Compare queues with --benchmark_enable_random_interleaving=true: repetitions of different
// queues then alternate, so drift (other load, the host moving vCPUs) spreads evenly.
//
// Every benchmark checks before timing that its queue or slot does what the loop assumes (FIFO
// order and intact payloads single-threaded, then the same across threads during the warm-up;
// no torn snapshot ever returned). A failed check skips the benchmark with the reason, and the
// executable exits 1 (CI runs it as a smoke test). All waits are bounded (kWaitTimeout); a
// forked child is always reaped.
#include <benchmark/benchmark.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <readerwriterqueue/readerwriterqueue.h>
#include <algorithm>
#include <atomic>
#include <boost/lockfree/spsc_queue.hpp>
#include <cerrno>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define SCALPER_BENCH_RDTSC 1
#else
#define SCALPER_BENCH_RDTSC 0
#endif

#include "scalper/shm/seqlock_slot.hpp"
#include "scalper/shm/spsc_ring.hpp"
#include "scalper/timing/histogram.hpp"

namespace scalper::bench {
namespace {

using shm::kFalseSharing;
using timing::LogLinearHistogram;

bool g_check_failed = false;  // set with every SkipWithError: main() then exits 1

void fail(benchmark::State& state, const char* why) {
  g_check_failed = true;
  state.SkipWithError(why);
}

constexpr std::size_t round_up(std::size_t n, std::size_t to) { return (n + to - 1) / to * to; }

// ---------------------------------------------------------------------------------------------
// Clock: TSC ticks where available (a few ns per read), steady_clock otherwise.

#if SCALPER_BENCH_RDTSC
// lfence before: earlier instructions (the pop that ends a round trip) complete before the
// read; lfence after: later ones (the push that starts it) do not start before it.
inline std::uint64_t ticks() noexcept {
  _mm_lfence();
  const std::uint64_t t = __rdtsc();
  _mm_lfence();
  return t;
}
constexpr const char* kTimerName = "rdtsc (lfence-fenced), calibrated against steady_clock";
#else
inline std::uint64_t ticks() noexcept {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}
constexpr const char* kTimerName = "std::chrono::steady_clock";
#endif

double g_ns_per_tick = 1.0;
double g_timer_cost_ns = 0.0;  // one back-to-back pair of ticks(), included in every sample

void calibrate_clock() {
  using clock = std::chrono::steady_clock;
  const auto c0 = clock::now();
  const std::uint64_t t0 = ticks();
  while (clock::now() - c0 < std::chrono::milliseconds(50)) {
  }
  const std::uint64_t t1 = ticks();
  const auto c1 = clock::now();
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(c1 - c0).count();
  if (t1 > t0) g_ns_per_tick = static_cast<double>(ns) / static_cast<double>(t1 - t0);
  std::uint64_t best = ~std::uint64_t{0};
  for (int i = 0; i < 1000; ++i) {
    const std::uint64_t a = ticks();
    const std::uint64_t b = ticks();
    best = std::min(best, b - a);
  }
  g_timer_cost_ns = static_cast<double>(best) * g_ns_per_tick;
}

double to_ns(std::uint64_t t) noexcept { return static_cast<double>(t) * g_ns_per_tick; }
std::uint64_t ticks_in(std::chrono::nanoseconds ns) noexcept {
  return static_cast<std::uint64_t>(static_cast<double>(ns.count()) / g_ns_per_tick);
}

// ---------------------------------------------------------------------------------------------
// Pinning: the benchmark thread on one CPU, its peer (thread or child process) on another.
// Without two allowed CPUs, or when the kernel refuses, everything runs unpinned and the
// benchmark's label says "unpinned".

struct CpuPlan {
  int ping = -1;  // benchmark thread
  int pong = -1;  // echo / producer / writer
};
CpuPlan g_cpus;

bool pin_self(int cpu) noexcept {
  if (cpu < 0) return false;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(static_cast<std::size_t>(cpu), &set);
  return pthread_setaffinity_np(pthread_self(), sizeof(set), &set) == 0;
}

// CPUs 0 and 1 when both are allowed, else the first two allowed, else none.
CpuPlan plan_cpus() {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) return {};
  std::vector<int> cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (CPU_ISSET(static_cast<std::size_t>(c), &allowed)) cpus.push_back(c);
  }
  if (cpus.size() < 2) return {};
  return {cpus[0], cpus[1]};
}

// Pins the calling thread for one benchmark run and gives it back its old mask afterwards.
class ScopedPin {
 public:
  explicit ScopedPin(int cpu) noexcept {
    CPU_ZERO(&saved_);
    saved_ok_ = pthread_getaffinity_np(pthread_self(), sizeof(saved_), &saved_) == 0;
    pinned_ = saved_ok_ && pin_self(cpu);
  }
  ~ScopedPin() {
    if (pinned_) pthread_setaffinity_np(pthread_self(), sizeof(saved_), &saved_);
  }
  ScopedPin(const ScopedPin&) = delete;
  ScopedPin& operator=(const ScopedPin&) = delete;
  [[nodiscard]] bool pinned() const noexcept { return pinned_; }

 private:
  cpu_set_t saved_;
  bool saved_ok_ = false;
  bool pinned_ = false;
};

// ---------------------------------------------------------------------------------------------
// The record: 64 bytes, one cache line, like a command or event in the real rings.

struct alignas(64) Record {
  std::uint64_t seq;
  std::uint64_t payload[6];
  std::uint64_t check;  // a hash of the rest: a torn or stale copy fails intact()
};
static_assert(sizeof(Record) == 64);

constexpr std::uint64_t kStopSeq = ~std::uint64_t{0};  // tells the echo side to finish

constexpr std::uint64_t checksum(const Record& r) noexcept {
  std::uint64_t h = r.seq * 0x9E3779B97F4A7C15ULL;
  for (const std::uint64_t w : r.payload) h = (h ^ w) * 0xBF58476D1CE4E5B9ULL;
  return h;
}

constexpr Record make_record(std::uint64_t seq) noexcept {
  Record r{};
  r.seq = seq;
  for (std::size_t i = 0; i < 6; ++i) r.payload[i] = seq * 0x94D049BB133111EBULL + i;
  r.check = checksum(r);
  return r;
}

bool intact(const Record& r, std::uint64_t seq) noexcept {
  return r.seq == seq && r.check == checksum(r);
}

// ---------------------------------------------------------------------------------------------
// The queues under one interface: push/pop that never block. Queues that can live in caller
// memory (ours, Boost's) also have kBytes, format(memory) and destroy(memory).

constexpr std::size_t kCapacity = 1024;

class ScalperQueue {
  using Ring = shm::SpscRing<Record>;

 public:
  static constexpr const char* kName = "scalper SpscRing";
  static constexpr std::size_t kBytes = round_up(Ring::bytes_for(kCapacity), kFalseSharing);
  [[nodiscard]] static bool format(void* memory) noexcept {
    return Ring::format(memory, kBytes, kCapacity);
  }
  static void destroy(void*) noexcept {}

  explicit ScalperQueue(void* memory) noexcept { (void)ring_.attach(memory, kBytes); }
  [[nodiscard]] bool ok() const noexcept { return ring_.attached(); }
  [[nodiscard]] bool push(const Record& r) noexcept { return ring_.try_push(r); }
  [[nodiscard]] bool pop(Record& r) noexcept { return ring_.try_pop(r); }
  [[nodiscard]] std::size_t occupancy() const noexcept {
    return static_cast<std::size_t>(ring_.produced() - ring_.consumed());
  }

 private:
  Ring ring_;
};

class BoostQueue {
  // Compile-time capacity: indices and storage inside the object, nothing on the heap. The
  // indices are std::atomic<size_t> (Boost 1.74 with GCC), lock-free and so address-free:
  // valid in memory that two processes map.
  using Impl = boost::lockfree::spsc_queue<Record, boost::lockfree::capacity<kCapacity>>;
  static_assert(alignof(Impl) <= kFalseSharing);
  static_assert(std::atomic<std::size_t>::is_always_lock_free);

 public:
  static constexpr const char* kName = "boost::lockfree::spsc_queue";
  static constexpr std::size_t kBytes = round_up(sizeof(Impl), kFalseSharing);
  [[nodiscard]] static bool format(void* memory) {
    new (memory) Impl();
    return true;
  }
  static void destroy(void* memory) noexcept { std::launder(static_cast<Impl*>(memory))->~Impl(); }

  explicit BoostQueue(void* memory) noexcept : q_(std::launder(static_cast<Impl*>(memory))) {}
  [[nodiscard]] bool ok() const noexcept { return q_ != nullptr; }
  [[nodiscard]] bool push(const Record& r) noexcept { return q_->push(r); }
  [[nodiscard]] bool pop(Record& r) noexcept { return q_->pop(r); }
  [[nodiscard]] std::size_t occupancy() const noexcept { return q_->read_available(); }

 private:
  Impl* q_;
};

class MoodycamelQueue {
 public:
  static constexpr const char* kName = "moodycamel::ReaderWriterQueue";

  MoodycamelQueue() : q_(kCapacity) {}  // preallocates: try_enqueue then never allocates
  [[nodiscard]] bool ok() const noexcept { return true; }
  [[nodiscard]] bool push(const Record& r) noexcept { return q_.try_enqueue(r); }
  [[nodiscard]] bool pop(Record& r) noexcept { return q_.try_dequeue(r); }
  [[nodiscard]] std::size_t occupancy() const noexcept { return q_.size_approx(); }

 private:
  moodycamel::ReaderWriterQueue<Record> q_;
};

template <class Q>
concept InCallerMemory = requires(void* memory) {
  { Q::format(memory) } -> std::same_as<bool>;
  Q::destroy(memory);
  Q::kBytes;
};

struct FreeDeleter {
  void operator()(void* p) const noexcept { std::free(p); }
};

// Diagnostic variant of ours: the producer and the consumer thread each attach their own
// SpscRing object to the same memory, as two processes do, so nothing of the object can be
// shared between them. SpscRing keeps each side's cache and position on its own block, so this
// row should match the one-object row; it guards that layout. (When both sides' fields shared
// one line of the object, the one-object round trip measured 1.4× this row's.)
class ScalperPerSideQueue : public ScalperQueue {
 public:
  static constexpr const char* kName = "scalper SpscRing, object per side";
  static constexpr bool kPerSideObjects = true;
  using ScalperQueue::ScalperQueue;
};

template <class Q>
concept PerSideObjects = Q::kPerSideObjects;

// A queue for two threads of one process: caller-memory queues get 128-aligned heap memory,
// the others construct themselves. producer() and consumer() are one object unless the queue
// is the per-side variant.
template <class Q>
class ThreadQueue {
 public:
  ThreadQueue() {
    if constexpr (InCallerMemory<Q>) {
      memory_.reset(std::aligned_alloc(kFalseSharing, Q::kBytes));
      if (!memory_ || !Q::format(memory_.get())) return;
      queue_ = std::make_unique<Q>(memory_.get());
      if constexpr (PerSideObjects<Q>) consumer_ = std::make_unique<Q>(memory_.get());
    } else {
      queue_ = std::make_unique<Q>();
    }
  }
  ~ThreadQueue() {
    if constexpr (InCallerMemory<Q>) {
      if (queue_) Q::destroy(memory_.get());
    }
  }
  ThreadQueue(const ThreadQueue&) = delete;
  ThreadQueue& operator=(const ThreadQueue&) = delete;

  [[nodiscard]] bool ok() const noexcept {
    return queue_ && queue_->ok() && (!consumer_ || consumer_->ok());
  }
  Q& producer() noexcept { return *queue_; }
  Q& consumer() noexcept { return consumer_ ? *consumer_ : *queue_; }

 private:
  std::unique_ptr<void, FreeDeleter> memory_;
  std::unique_ptr<Q> queue_;
  std::unique_ptr<Q> consumer_;  // per-side variant only
};

// Single-threaded FIFO check, three times around the ring so the wrap is covered.
template <class Q>
const char* check_fifo(Q& in, Q& out) {
  Record r{};
  if (out.pop(r)) return "pop from an empty queue succeeded";
  std::uint64_t seq = 1;
  constexpr std::uint64_t kBatch = kCapacity * 3 / 4;
  for (int lap = 0; lap < 4; ++lap) {
    for (std::uint64_t i = 0; i < kBatch; ++i) {
      if (!in.push(make_record(seq + i))) return "push failed below capacity";
    }
    for (std::uint64_t i = 0; i < kBatch; ++i) {
      if (!out.pop(r)) return "pop failed while records were queued";
      if (!intact(r, seq + i)) return "records came back out of order or damaged";
    }
    seq += kBatch;
  }
  if (out.pop(r)) return "queue not empty after draining";
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Waits. Busy-spin; after the first 4096 failed tries the wait checks (every 4096 tries) the
// shared abort flag and a deadline, so a dead or broken peer costs kWaitTimeout, not a hang,
// and the common short wait pays no clock read.

constexpr auto kWaitTimeout = std::chrono::seconds(5);

// Shared by the two sides (in the mapping when they are processes); its own cache lines.
struct alignas(kFalseSharing) Control {
  std::atomic<std::uint32_t> abort{0};  // either side gave up: the other stops waiting
  std::atomic<std::uint32_t> stop{0};   // producer/writer loops end
};
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);

// With a single CPU the peer runs only when the waiter gives the CPU up: without this, every
// wait would last a scheduler time slice (milliseconds).
bool g_yield_in_waits = false;

template <class Pred>
[[nodiscard]] bool spin_until(Pred&& ready, const Control& control) noexcept {
  std::uint64_t deadline = 0;
  for (std::uint32_t tries = 1;; ++tries) {
    if (ready()) return true;
    if ((tries & 0xFFFu) == 0) {
      if (g_yield_in_waits) sched_yield();
      if (control.abort.load(std::memory_order_relaxed) != 0) return false;
      const std::uint64_t now = ticks();
      if (deadline == 0) {
        deadline = now + ticks_in(kWaitTimeout);
      } else if (now > deadline) {
        return false;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Results kept for --shm_table: the last run's histogram of each latency benchmark (the figures
// in the table itself come from the reporter: medians when there are repetitions).

struct LatencyRecord {
  LogLinearHistogram histogram;
  bool have = false;
};
std::map<std::string, LatencyRecord> g_histograms;
bool g_table = false;

void report_latency(benchmark::State& state, const LogLinearHistogram& h, const std::string& key) {
  state.counters["rtt_p50_ns"] = to_ns(h.quantile(0.50));
  state.counters["rtt_p90_ns"] = to_ns(h.quantile(0.90));
  state.counters["rtt_p99_ns"] = to_ns(h.quantile(0.99));
  state.counters["rtt_p999_ns"] = to_ns(h.quantile(0.999));
  state.counters["rtt_max_ns"] = to_ns(h.max());
  state.counters["rtt_mean_ns"] = h.mean() * g_ns_per_tick;
  if (g_table) {
    LatencyRecord& rec = g_histograms[key];
    rec.histogram = h;
    rec.have = true;
  }
}

// ---------------------------------------------------------------------------------------------
// Ping-pong. The echo side pops a record and pushes it back unchanged until the stop record.

template <class Q>
void echo(Q& in, Q& out, Control& control) noexcept {
  Record r{};
  for (;;) {
    if (!spin_until([&] { return in.pop(r); }, control)) break;
    if (r.seq == kStopSeq) return;
    if (!spin_until([&] { return out.push(r); }, control)) break;
  }
  control.abort.store(1, std::memory_order_relaxed);
}

constexpr std::uint64_t kWarmupMin = 2 * kCapacity;  // every slot touched twice, at least
constexpr std::uint64_t kWarmupMax = 20'000;
constexpr auto kWarmupTime = std::chrono::milliseconds(50);

// The benchmark thread's side. Warms up (checking every echo in full), then times one round
// trip per iteration, then sends the stop record. Returns a failure reason or nullptr.
template <class Q>
const char* ping(benchmark::State& state, Q& out, Q& in, Control& control,
                 LogLinearHistogram& histogram) {
  Record sent{};
  Record back{};
  std::uint64_t seq = 1;
  const std::uint64_t warm_until = ticks() + ticks_in(kWarmupTime);
  for (std::uint64_t i = 0; i < kWarmupMax && (i < kWarmupMin || ticks() < warm_until);
       ++i, ++seq) {
    sent = make_record(seq);
    if (!spin_until([&] { return out.push(sent); }, control)) return "push timed out (warm-up)";
    if (!spin_until([&] { return in.pop(back); }, control)) return "no echo in time (warm-up)";
    if (!intact(back, seq) || std::memcmp(&back, &sent, sizeof(Record)) != 0) {
      return "the echo differs from the record sent";
    }
  }

  const char* why = nullptr;
  for (auto _ : state) {
    sent.seq = seq;
    const std::uint64_t t0 = ticks();
    if (!spin_until([&] { return out.push(sent); }, control)) {
      why = "push timed out";
      break;
    }
    if (!spin_until([&] { return in.pop(back); }, control)) {
      why = "no echo in time";
      break;
    }
    const std::uint64_t t1 = ticks();
    histogram.record(t1 - t0);
    if (back.seq != seq) {
      why = "echoes came back out of order";
      break;
    }
    ++seq;
  }

  const Record stop{kStopSeq, {}, 0};
  if (!spin_until([&] { return out.push(stop); }, control)) {
    control.abort.store(1, std::memory_order_relaxed);
  }
  return why;
}

template <class Q>
void BM_RttThread(benchmark::State& state) {
  ThreadQueue<Q> there;
  ThreadQueue<Q> back;
  if (!there.ok() || !back.ok()) return fail(state, "queue construction failed");
  if (const char* why = check_fifo(there.producer(), there.consumer())) return fail(state, why);
  if (const char* why = check_fifo(back.producer(), back.consumer())) return fail(state, why);

  LogLinearHistogram histogram;
  Control control;
  const ScopedPin pin(g_cpus.ping);
  bool peer_pinned = false;
  std::thread peer([&] {
    peer_pinned = pin_self(g_cpus.pong);
    echo(there.consumer(), back.producer(), control);
  });
  const char* why = ping(state, there.producer(), back.consumer(), control, histogram);
  peer.join();
  if (why != nullptr) return fail(state, why);
  if (control.abort.load() != 0) return fail(state, "the echo thread gave up");

  state.SetLabel(pin.pinned() && peer_pinned ? Q::kName : std::string(Q::kName) + ", unpinned");
  report_latency(state, histogram, std::string("thread/") + Q::kName);
}

// ---------------------------------------------------------------------------------------------
// Cross-process ping-pong: [Control][queue there][queue back] in one anonymous shared mapping
// (page-aligned, so every part is 128-aligned), made before fork() so both see it.

class SharedMapping {
 public:
  explicit SharedMapping(std::size_t bytes) : bytes_(bytes) {
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED) memory_ = static_cast<std::byte*>(p);
  }
  ~SharedMapping() {
    if (memory_ != nullptr) munmap(memory_, bytes_);
  }
  SharedMapping(const SharedMapping&) = delete;
  SharedMapping& operator=(const SharedMapping&) = delete;
  [[nodiscard]] std::byte* data() const noexcept { return memory_; }

 private:
  std::byte* memory_ = nullptr;
  std::size_t bytes_;
};

// Waits up to two seconds for the child to exit, then kills it; always reaps. True when it
// exited by itself with status 0.
bool reap(pid_t child) {
  int status = 0;
  for (int i = 0; i < 2000; ++i) {
    const pid_t r = waitpid(child, &status, WNOHANG);
    if (r == child) return WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (r < 0 && errno != EINTR) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  kill(child, SIGKILL);
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  return false;
}

template <class Q>
requires InCallerMemory<Q>
void BM_RttProcess(benchmark::State& state) {
  constexpr std::size_t kControlBytes = round_up(sizeof(Control), kFalseSharing);
  const SharedMapping mapping(kControlBytes + 2 * Q::kBytes);
  if (mapping.data() == nullptr) return fail(state, "mmap(MAP_SHARED | MAP_ANONYMOUS) failed");
  auto* control = new (mapping.data()) Control{};
  std::byte* there_memory = mapping.data() + kControlBytes;
  std::byte* back_memory = there_memory + Q::kBytes;
  if (!Q::format(there_memory) || !Q::format(back_memory)) {
    return fail(state, "formatting the queues in the mapping failed");
  }
  struct Destroy {
    std::byte* a;
    std::byte* b;
    ~Destroy() {
      Q::destroy(a);
      Q::destroy(b);
    }
  } destroy{there_memory, back_memory};
  {
    Q there(there_memory);
    Q back(back_memory);
    if (!there.ok() || !back.ok()) return fail(state, "attaching in the parent failed");
    if (const char* why = check_fifo(there, there)) return fail(state, why);
    if (const char* why = check_fifo(back, back)) return fail(state, why);
  }

  const pid_t parent = getpid();
  const pid_t child = fork();
  if (child < 0) return fail(state, "fork() failed");
  if (child == 0) {
    // The child: attach, echo, _exit. Nothing of the benchmark library runs here, and _exit
    // skips atexit handlers and stdio buffers inherited from the parent.
    prctl(PR_SET_PDEATHSIG, SIGKILL);   // dies with the parent
    if (getppid() != parent) _exit(3);  // the parent died before prctl
    const bool pinned = pin_self(g_cpus.pong);
    Q in(there_memory);
    Q out(back_memory);
    if (!in.ok() || !out.ok()) {
      control->abort.store(1);
      _exit(2);
    }
    echo(in, out, *control);
    _exit(control->abort.load() != 0 ? 1 : (pinned ? 0 : 4));
  }

  const char* why = nullptr;
  bool pinned = false;
  LogLinearHistogram histogram;
  {
    const ScopedPin pin(g_cpus.ping);
    pinned = pin.pinned();
    Q there(there_memory);
    Q back(back_memory);
    why = ping(state, there, back, *control, histogram);
  }
  const bool child_ok = reap(child);
  if (why != nullptr) return fail(state, why);
  if (!child_ok && control->abort.load() != 0) return fail(state, "the echo process gave up");
  // Exit status 4: the child ran unpinned (not a failure); any other failure was reported above
  // or is a kill after the 2 s grace, which the figures do not depend on.
  state.SetLabel(pinned && child_ok ? Q::kName : std::string(Q::kName) + ", unpinned");
  report_latency(state, histogram, std::string("process/") + Q::kName);
}

// ---------------------------------------------------------------------------------------------
// One-way throughput. The producer writes full records (checked by the consumer) for the first
// kChecked, then only bumps the sequence number, so the timed part measures the queue, not the
// record builder.
//
// An unthrottled SPSC queue settles in one of two regimes: nearly empty (the consumer keeps
// up, every pop fetches the producer's freshly written position: one transfer per record) or
// nearly full (the producer waits, the consumer drains long runs under one cached position).
// Which one wins can turn on a few cycles either side, so the same queue can measure 2× apart
// between builds; two counters say which regime a run was in: mean_fill (occupancy / capacity,
// sampled every 4096 records) and empty_polls (failed pops per record).

constexpr std::uint64_t kChecked = 64 * kCapacity;

template <class Q>
void BM_Throughput(benchmark::State& state) {
  ThreadQueue<Q> queue;
  if (!queue.ok()) return fail(state, "queue construction failed");
  if (const char* why = check_fifo(queue.producer(), queue.consumer())) return fail(state, why);
  Q& in = queue.producer();
  Q& q = queue.consumer();

  Control control;
  const ScopedPin pin(g_cpus.ping);
  bool peer_pinned = false;
  std::thread producer([&] {
    peer_pinned = pin_self(g_cpus.pong);
    Record r = make_record(1);
    std::uint64_t next = 1;
    while (control.stop.load(std::memory_order_relaxed) == 0) {
      if (next <= kChecked) {
        r = make_record(next);
      } else {
        r.seq = next;
      }
      if (in.push(r)) ++next;
    }
  });

  const char* why = nullptr;
  Record r{};
  std::uint64_t expected = 1;
  std::uint64_t empty_polls = 0;
  std::uint64_t fill_sum = 0;
  std::uint64_t fill_samples = 0;
  const auto pop_counting = [&] {
    if (q.pop(r)) return true;
    ++empty_polls;
    return false;
  };
  for (; expected <= kChecked && why == nullptr; ++expected) {
    if (!spin_until([&] { return q.pop(r); }, control)) {
      why = "nothing to pop in time (warm-up)";
    } else if (!intact(r, expected)) {
      why = "records came out of order or damaged";
    }
  }
  if (why == nullptr) {
    empty_polls = 0;
    for (auto _ : state) {
      if (!spin_until(pop_counting, control)) {
        why = "nothing to pop in time";
        break;
      }
      if (r.seq != expected) {
        why = "records came out of order";
        break;
      }
      if ((++expected & 4095) == 0) {
        fill_sum += q.occupancy();
        ++fill_samples;
      }
    }
  }
  control.stop.store(1);
  producer.join();
  if (why != nullptr) return fail(state, why);

  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(sizeof(Record)));
  const auto records = static_cast<double>(state.iterations());
  state.counters["empty_polls"] = records > 0 ? static_cast<double>(empty_polls) / records : 0.0;
  state.counters["mean_fill"] =
      fill_samples > 0 ? static_cast<double>(fill_sum) /
                             (static_cast<double>(fill_samples) * static_cast<double>(kCapacity))
                       : 0.0;
  state.SetLabel(pin.pinned() && peer_pinned ? Q::kName : std::string(Q::kName) + ", unpinned");
}

// ---------------------------------------------------------------------------------------------
// Seqlock read cost. The writer stores snapshots whose 32 words all equal the write's number,
// so a torn copy shows as unequal words.

struct Snapshot {
  std::uint64_t words[32];
};
static_assert(sizeof(Snapshot) == 256);
using Slot = shm::SeqlockSlot<Snapshot>;

bool consistent(const Snapshot& s) noexcept {
  for (const std::uint64_t w : s.words) {
    if (w != s.words[0]) return false;
  }
  return s.words[0] != 0;
}

// One iteration is one try_load. A reader can starve while the writer rewrites back to back
// (the slot is stable only between two writes, a few ns, shorter than the copy of five cache
// lines the writer keeps taking away), so a failed attempt is an outcome to count, not an
// error: ns_per_read is time over successful reads, retry_rate failed over all attempts, and
// reads_ok the successful reads of the run (0 means starved throughout).
// writer_hz 0: rewrite continuously.
void BM_SeqlockRead(benchmark::State& state, int writer_hz) {
  const std::unique_ptr<void, FreeDeleter> memory(
      std::aligned_alloc(kFalseSharing, round_up(Slot::bytes(), kFalseSharing)));
  if (!memory) return fail(state, "allocation failed");
  Slot::format(memory.get());
  const Slot slot(memory.get());

  Control control;
  const ScopedPin pin(g_cpus.ping);
  bool peer_pinned = false;
  std::thread writer([&] {
    peer_pinned = pin_self(g_cpus.pong);
    Slot out(memory.get());
    Snapshot s{};
    const std::uint64_t period =
        writer_hz > 0 ? ticks_in(std::chrono::nanoseconds(1'000'000'000 / writer_hz)) : 0;
    std::uint64_t next_write = ticks();
    for (std::uint64_t n = 1; control.stop.load(std::memory_order_relaxed) == 0; ++n) {
      std::fill(std::begin(s.words), std::end(s.words), n);
      out.store(s);
      if (period != 0) {
        next_write += period;
        while (ticks() < next_write && control.stop.load(std::memory_order_relaxed) == 0) {
        }
      }
    }
  });

  // Check for 20 ms: every successful read is a whole snapshot, and reads never go back in
  // time. (Whether any read succeeds under a continuous writer is what the timing measures.)
  const char* why = nullptr;
  Snapshot s{};
  if (!spin_until([&] { return slot.version() != 0; }, control)) why = "the writer never wrote";
  std::uint64_t last = 0;
  const std::uint64_t check_until = ticks() + ticks_in(std::chrono::milliseconds(20));
  while (why == nullptr && ticks() < check_until) {
    for (int i = 0; i < 64 && why == nullptr; ++i) {
      if (!slot.try_load(s)) continue;
      if (!consistent(s)) {
        why = "a read returned a torn snapshot";
      } else if (s.words[0] < last) {
        why = "a read went back in time";
      } else {
        last = s.words[0];
      }
    }
  }

  std::uint64_t reads_ok = 0;
  const std::uint64_t writes_before = slot.version();
  const std::uint64_t t0 = ticks();
  if (why == nullptr) {
    for (auto _ : state) {
      reads_ok += static_cast<std::uint64_t>(slot.try_load(s));
      benchmark::DoNotOptimize(s);
    }
  }
  const double elapsed_ns = to_ns(ticks() - t0);
  const std::uint64_t writes = slot.version() - writes_before;
  control.stop.store(1);
  writer.join();
  if (why != nullptr) return fail(state, why);

  const auto attempts = static_cast<double>(state.iterations());
  const auto ok = static_cast<double>(reads_ok);
  state.counters["ns_per_read"] = ok > 0 ? elapsed_ns / ok : 0.0;
  state.counters["retry_rate"] = attempts > 0 ? (attempts - ok) / attempts : 0.0;
  state.counters["reads_ok"] = ok;
  state.counters["writes_per_s"] =
      elapsed_ns > 0 ? static_cast<double>(writes) * 1e9 / elapsed_ns : 0;
  state.SetItemsProcessed(static_cast<std::int64_t>(reads_ok));
  state.SetLabel(pin.pinned() && peer_pinned ? "SeqlockSlot<256 B>"
                                             : "SeqlockSlot<256 B>, unpinned");
}

BENCHMARK_TEMPLATE(BM_RttThread, ScalperQueue)->UseRealTime();
BENCHMARK_TEMPLATE(BM_RttThread, BoostQueue)->UseRealTime();
BENCHMARK_TEMPLATE(BM_RttThread, MoodycamelQueue)->UseRealTime();
BENCHMARK_TEMPLATE(BM_RttThread, ScalperPerSideQueue)->UseRealTime();
BENCHMARK_TEMPLATE(BM_RttProcess, ScalperQueue)->UseRealTime();
BENCHMARK_TEMPLATE(BM_RttProcess, BoostQueue)->UseRealTime();
BENCHMARK_TEMPLATE(BM_Throughput, ScalperQueue)->UseRealTime();
BENCHMARK_TEMPLATE(BM_Throughput, BoostQueue)->UseRealTime();
BENCHMARK_TEMPLATE(BM_Throughput, MoodycamelQueue)->UseRealTime();
BENCHMARK_TEMPLATE(BM_Throughput, ScalperPerSideQueue)->UseRealTime();
BENCHMARK_CAPTURE(BM_SeqlockRead, writer_1kHz, 1000)->UseRealTime();
BENCHMARK_CAPTURE(BM_SeqlockRead, writer_continuous, 0)->UseRealTime();

// ---------------------------------------------------------------------------------------------
// --shm_table: a reporter that prints as the console one does and keeps each benchmark's
// reported figures (the median when there are repetitions) for one summary table at the end.

class TableReporter : public benchmark::ConsoleReporter {
 public:
  explicit TableReporter(OutputOptions options) : ConsoleReporter(options) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.error_occurred) continue;
      const bool median = run.run_type == Run::RT_Aggregate && run.aggregate_name == "median";
      if (run.run_type == Run::RT_Aggregate && !median) continue;
      Figures& f = figures_[run.run_name.function_name];
      if (f.from_median && !median) continue;  // single runs are a fallback only
      f.from_median = median;
      f.counters.clear();
      for (const auto& [name, counter] : run.counters) f.counters[name] = counter.value;
    }
  }

  [[nodiscard]] double get(const std::string& bench, const std::string& counter) const {
    const auto f = figures_.find(bench);
    if (f == figures_.end()) return -1;
    const auto c = f->second.counters.find(counter);
    return c == f->second.counters.end() ? -1 : c->second;
  }

 private:
  struct Figures {
    bool from_median = false;
    std::map<std::string, double> counters;
  };
  std::map<std::string, Figures> figures_;
};

// The value of the first /proc/cpuinfo line starting with `key` ("" if none).
std::string cpuinfo(std::string_view key) {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos && colon + 2 <= line.size()) return line.substr(colon + 2);
    }
  }
  return "";
}

std::string cpu_model() {
  const std::string model = cpuinfo("model name");
  return model.empty() ? "unknown CPU" : model;
}

bool invariant_tsc() {
  const std::string flags = " " + cpuinfo("flags") + " ";
  return flags.find(" constant_tsc ") != std::string::npos &&
         flags.find(" nonstop_tsc ") != std::string::npos;
}

void cell(double v, int width, int decimals = 0) {
  if (v < 0) {
    std::printf(" %*s", width, "-");
  } else {
    std::printf(" %*.*f", width, decimals, v);
  }
}

template <class Q>
std::string tmpl(const char* family) {
  // Names as BENCHMARK_TEMPLATE registers them.
  std::string n = family;
  if constexpr (std::is_same_v<Q, ScalperQueue>) n += "<ScalperQueue>";
  if constexpr (std::is_same_v<Q, BoostQueue>) n += "<BoostQueue>";
  if constexpr (std::is_same_v<Q, MoodycamelQueue>) n += "<MoodycamelQueue>";
  if constexpr (std::is_same_v<Q, ScalperPerSideQueue>) n += "<ScalperPerSideQueue>";
  return n;
}

template <class Q>
void table_row(const TableReporter& r) {
  const std::string t = tmpl<Q>("BM_RttThread");
  const std::string p = tmpl<Q>("BM_RttProcess");
  std::printf("%-34s", Q::kName);
  for (const char* c : {"rtt_p50_ns", "rtt_p99_ns", "rtt_p999_ns", "rtt_max_ns"}) {
    cell(r.get(t, c), 8);
  }
  std::printf(" |");
  for (const char* c : {"rtt_p50_ns", "rtt_p99_ns", "rtt_p999_ns", "rtt_max_ns"}) {
    cell(r.get(p, c), 8);
  }
  std::printf(" |");
  const double rate = r.get(tmpl<Q>("BM_Throughput"), "items_per_second");
  cell(rate < 0 ? -1 : rate / 1e6, 9, 1);
  const double fill = r.get(tmpl<Q>("BM_Throughput"), "mean_fill");
  cell(fill < 0 ? -1 : 100 * fill, 5);
  std::printf("\n");
}

void print_goal(const TableReporter& r, const char* family) {
  const double ours = r.get(tmpl<ScalperQueue>(family), "rtt_p50_ns");
  double best_other = -1;
  for (const double v : {r.get(tmpl<BoostQueue>(family), "rtt_p50_ns"),
                         r.get(tmpl<MoodycamelQueue>(family), "rtt_p50_ns")}) {
    if (v > 0 && (best_other < 0 || v < best_other)) best_other = v;
  }
  if (ours <= 0 || best_other <= 0) return;
  const double ratio = ours / std::min(ours, best_other);  // the goal: against the best of all
  std::printf("  %s: SpscRing p50 / best p50 = %.2f (ours / best other = %.2f; goal <= 1.20: %s)\n",
              family, ratio, ours / best_other, ratio <= 1.2 ? "met" : "MISSED");
}

void print_distribution(const std::string& key, const LogLinearHistogram& h) {
  std::printf("\n%s: %llu round trips (last run), ns\n", key.c_str(),
              static_cast<unsigned long long>(h.count()));
  std::printf("  %10s %10s %12s %9s\n", "from", "below", "count", "cum %");
  // Coarse rows, one per power of two of nanoseconds, from the fine buckets.
  std::uint64_t row = ~std::uint64_t{0};
  std::uint64_t row_count = 0;
  std::uint64_t cumulative = 0;
  const auto flush = [&] {
    if (row_count == 0) return;
    cumulative += row_count;
    std::printf("  %10llu %10llu %12llu %8.4f%%\n", static_cast<unsigned long long>(1ULL << row),
                static_cast<unsigned long long>(2ULL << row),
                static_cast<unsigned long long>(row_count),
                100.0 * static_cast<double>(cumulative) / static_cast<double>(h.count()));
  };
  h.for_each_bucket([&](std::uint64_t lower, std::uint64_t, std::uint64_t count) {
    const auto ns = static_cast<std::uint64_t>(to_ns(lower));
    const auto r = static_cast<std::uint64_t>(ns == 0 ? 0 : std::bit_width(ns) - 1);
    if (r != row) {
      flush();
      row = r;
      row_count = 0;
    }
    row_count += count;
  });
  flush();
  std::printf("  p50 %.0f  p90 %.0f  p99 %.0f  p99.9 %.0f  p99.99 %.0f  max %.0f  mean %.1f\n",
              to_ns(h.quantile(0.5)), to_ns(h.quantile(0.9)), to_ns(h.quantile(0.99)),
              to_ns(h.quantile(0.999)), to_ns(h.quantile(0.9999)), to_ns(h.max()),
              h.mean() * g_ns_per_tick);
}

void print_table(const TableReporter& r) {
  std::printf(
      "\nshm_bench summary — %s, %u CPUs; ping on CPU %d, peer on CPU %d; timer: %s "
      "(%.3f ns/tick, %.1f ns per timer pair, included)\n",
      cpu_model().c_str(), std::thread::hardware_concurrency(), g_cpus.ping, g_cpus.pong,
      kTimerName, g_ns_per_tick, g_timer_cost_ns);
  std::printf("Figures are the medians of the repetitions when run with repetitions.\n\n");
  std::printf("%-34s %35s | %35s | %15s\n", "", "cross-thread RTT, ns", "cross-process RTT, ns",
              "one-way");
  std::printf("%-34s %8s %8s %8s %8s | %8s %8s %8s %8s | %9s %5s\n", "queue (64-byte records)",
              "p50", "p99", "p99.9", "max", "p50", "p99", "p99.9", "max", "M msg/s", "fill%");
  table_row<ScalperQueue>(r);
  table_row<BoostQueue>(r);
  table_row<MoodycamelQueue>(r);
  table_row<ScalperPerSideQueue>(r);
  std::printf(
      "  moodycamel::ReaderWriterQueue cannot cross processes: its blocks are malloc'ed "
      "by the creating process.\n  \"object per side\" is ours with a SpscRing object per "
      "thread (diagnostic; cross-process always is).\n  fill%%: mean occupancy during the "
      "throughput run (near 0: the consumer keeps up; see BM_Throughput on regimes).\n");
  print_goal(r, "BM_RttThread");
  print_goal(r, "BM_RttProcess");

  std::printf("\n%-34s %10s %11s %13s\n", "seqlock read, 256-byte snapshot", "ns/read",
              "retry rate", "writes/s");
  for (const char* name : {"BM_SeqlockRead/writer_1kHz", "BM_SeqlockRead/writer_continuous"}) {
    std::printf("%-34s", name + 15);
    cell(r.get(name, "ns_per_read"), 10, 1);
    const double retry = r.get(name, "retry_rate");
    if (retry < 0) {
      std::printf(" %11s", "-");
    } else {
      std::printf(" %10.4f%%", 100.0 * retry);
    }
    cell(r.get(name, "writes_per_s"), 13);
    std::printf("\n");
  }

  for (const auto& [key, rec] : g_histograms) {
    if (rec.have) print_distribution(key, rec.histogram);
  }
}

void print_help() {
  std::fputs(
      "shm_bench: the shared-memory IPC pieces (scalper::shm::SpscRing, SeqlockSlot) against\n"
      "boost::lockfree::spsc_queue and moodycamel::ReaderWriterQueue (Google Benchmark).\n"
      "64-byte records, capacity 1024, busy-spin, benchmark thread and its peer pinned to two\n"
      "CPUs (0 and 1 when allowed; label says \"unpinned\" when pinning failed).\n"
      "  BM_RttThread<Q>    round trip (ping-pong over two queues) between two threads; each\n"
      "                     round trip timed with rdtsc after a warm-up; counters\n"
      "                     rtt_p50_ns rtt_p90_ns rtt_p99_ns rtt_p999_ns rtt_max_ns rtt_mean_ns\n"
      "  BM_RttProcess<Q>   the same between two processes (fork) over an anonymous MAP_SHARED\n"
      "                     mapping; ours and Boost's only: moodycamel's queue allocates on the\n"
      "                     creating process's heap, so it cannot be shared\n"
      "  BM_Throughput<Q>   one-way, producer thread to benchmark thread; items_per_second,\n"
      "                     mean_fill (occupancy/capacity) and empty_polls (failed pops per\n"
      "                     record) say whether the run was in the near-empty or near-full regime\n"
      "  Q = ScalperPerSideQueue: ours with one SpscRing object per thread (diagnostic: should\n"
      "                     match Q = ScalperQueue, where both threads use one object)\n"
      "  BM_SeqlockRead/writer_1kHz, /writer_continuous\n"
      "                     reads of a 256-byte SeqlockSlot while another thread rewrites it\n"
      "                     every ms or back to back; an iteration is one try_load; counters\n"
      "                     ns_per_read (per successful read), retry_rate, reads_ok, writes_per_s\n"
      "Each benchmark checks the queue/slot (order, payload checksums, no torn snapshot) before\n"
      "timing; the executable exits 1 if a check fails. --benchmark_min_time defaults to 0.2.\n"
      "Compare queues with --benchmark_enable_random_interleaving=true (drift spreads evenly).\n"
      "Own flag: --shm_table  after the run, print a summary table (medians when there are\n"
      "          repetitions) and each round-trip histogram (last run) by powers of two of ns.\n"
      "Usually run through `./scalper bench shm` (JSON into build/bench/).\n\n",
      stdout);
  benchmark::PrintDefaultHelp();
}

}  // namespace
}  // namespace scalper::bench

int main(int argc, char** argv) {
  using namespace scalper::bench;
  // Our flag is taken out before the library sees the rest; a short default min time keeps the
  // whole binary under a minute with 5 repetitions.
  std::vector<char*> args;
  bool has_min_time = false;
  for (int i = 0; i < argc; ++i) {
    const std::string_view a(argv[i]);
    if (a == "-h") {
      print_help();
      return 0;
    }
    if (a == "--shm_table") {
      g_table = true;
      continue;
    }
    if (a.rfind("--benchmark_min_time", 0) == 0) has_min_time = true;
    args.push_back(argv[i]);
  }
  static char default_min_time[] = "--benchmark_min_time=0.2";
  if (!has_min_time) args.push_back(default_min_time);
  int count = static_cast<int>(args.size());
  args.push_back(nullptr);

  benchmark::Initialize(&count, args.data(), print_help);  // --help: prints, exits 0
  if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 1;

  calibrate_clock();
  g_cpus = plan_cpus();
  std::string pinning = "unpinned (fewer than two allowed CPUs; waits yield)";
  g_yield_in_waits = g_cpus.ping < 0;
  if (g_cpus.ping >= 0) {
    const ScopedPin probe(g_cpus.ping);
    pinning = probe.pinned() ? "benchmark thread on CPU " + std::to_string(g_cpus.ping) +
                                   ", peer thread/process on CPU " + std::to_string(g_cpus.pong)
                             : "unpinned (pthread_setaffinity_np refused)";
  }
  char timer[200];
  std::snprintf(timer, sizeof(timer), "%s: %.4f ns/tick; %.1f ns per back-to-back pair%s",
                kTimerName, g_ns_per_tick, g_timer_cost_ns,
                SCALPER_BENCH_RDTSC && !invariant_tsc() ? "; TSC NOT invariant" : "");
  benchmark::AddCustomContext("cpu_model", cpu_model());
  benchmark::AddCustomContext("pinning", pinning);
  benchmark::AddCustomContext("timer", timer);
  benchmark::AddCustomContext("records", "64 bytes, queue capacity 1024, busy-spin without pause");
  benchmark::AddCustomContext("moodycamel_cross_process",
                              "not run: ReaderWriterQueue mallocs its blocks in the creating "
                              "process and points to them, so another process cannot use it");

  if (g_table) {
    TableReporter reporter(isatty(fileno(stdout)) != 0 ? TableReporter::OO_Color
                                                       : TableReporter::OO_None);
    benchmark::RunSpecifiedBenchmarks(&reporter);
    print_table(reporter);
  } else {
    benchmark::RunSpecifiedBenchmarks();
  }
  benchmark::Shutdown();
  return g_check_failed ? 1 : 0;
}
