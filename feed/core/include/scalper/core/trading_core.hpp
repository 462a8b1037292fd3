// trading_core.hpp — scalper-core's hot path, wired, on one thread or two:
//   two: the feed thread (CoinDCX stream on its own EventLoop) pushes fixed-size FeedEvents
//        into a lock-free SPSC queue; the engine thread drains it, steps the Engine, and sends
//        the orders itself through the OrderGateway on its own EventLoop (one queue hop on the
//        hot path). For machines with cores to dedicate: pin the two threads apart.
//   one: the stream session and the gateway share one loop and one thread; decoded events go
//        through the same queue, and the engine is stepped on them right after the poll that
//        delivered them. No wake-up of a second thread, no hand-over between cores: on a small
//        shared machine (most operators: 2-4 vCPUs beside the control process) it is the
//        faster of the two (feed/README.md has the figures).
// `threads = Auto` picks one below 4 usable CPUs and says which at start, in the log. Operator
// commands come in through a second SPSC queue, or from the process's own hooks (below).
//
// Hooks (EngineHooks): where the core process hangs its journal and its shared-memory
// publishing on the engine thread, without this file knowing either. Every input is handed
// to journal() before the engine steps it; an input the hooks cannot journal is not stepped,
// and from then on nothing is (the core never trades unjournaled: the process reports it and
// the operator restarts it once the disk is fixed; reconciliation recovers what happened on
// the exchange meanwhile). stepped() sees each step's actions after its orders went out,
// market() every price, position and balance item, sample() every tick-to-order sample, and
// turn() runs once per engine-thread pass to feed in the process's own commands (the shm
// command ring) and publish at its own rate.
//
// The engine thread never steps the engine from inside a step: gateway outcomes (which can
// arrive while an action is being handed to the gateway) wait in a small ring and are stepped
// after the current step's actions are done. Timers asked for with ArmTimer are kept in a
// list scanned each turn (a handful per bot at most).
//
// Parking: in spin-then-park mode the engine thread, once idle, sleeps in its loop; the loop
// cannot wait on a queue, so producers (the feed thread, submit()) write an eventfd the loop
// reads whenever the engine thread has said it is about to sleep (a flag set before it looks
// at the queues one last time). An event never waits for the sleep's timeout.
//
// Tickers: the stream watches the configured tickers from the start, and every ticker a bot
// is created or updated with (BotChanged) from then on: the engine thread tells the feed
// thread through a third small queue, and the session joins its trades channel.
//
// Tick-to-order: for every PlaceOrder produced by a step on an OrderUpdate and sent at once,
// the time from the feed thread starting to decode that frame (FeedEvent::seen_ns) to the
// request's bytes being ready for the kernel (written, signed, queued on the socket), with
// the parts it splits into and the kernel submission beside it (TickToOrderSample), into a
// buffer reserved at start (samples past its capacity are counted, not kept). An order the
// rate limit or a missing connection holds back is counted as deferred instead.
//
// Allocation: queues, outbox, rings and sample buffer are sized at construction; the threads
// allocate nothing per event. The on_action callback (for the harness's printing) runs on the
// engine thread and may do what it likes; it is off the measured path (called after the
// orders of a step went out).
#pragma once

#include <atomic>
#include <cstddef>
#include <span>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <scalper/net/event_loop.hpp>

#include "scalper/engine/actions.hpp"
#include "scalper/engine/engine.hpp"
#include "scalper/feed/order_gateway.hpp"
#include "scalper/feed/stream_session.hpp"

namespace scalper::feed {

enum class CoreThreads : std::uint8_t {
  Auto,  // One when the process may use fewer than kTwoThreadsFromCpus CPUs, else Two
  One,   // feed and engine on one thread
  Two,   // a feed thread and an engine thread
};
inline constexpr int kTwoThreadsFromCpus = 4;

struct TickToOrderSample;

// Where an EngineHooks::turn() hands its commands: stepped at once, on the engine thread.
class CommandSink {
 public:
  virtual void command(const EventBody& command) = 0;

 protected:
  CommandSink() = default;
  ~CommandSink() = default;
};

// The core process's part of the engine thread (see the banner). All calls on the engine
// thread; none may block, and journal() and stepped() sit on the hot path: no allocation, no
// syscall, no lock.
class EngineHooks {
 public:
  virtual ~EngineHooks() = default;
  // Before `event` is stepped. False: it could not be journaled; it is not stepped and the
  // core stops stepping (trading_frozen()).
  virtual bool journal(const Event& event) noexcept = 0;
  // After a step whose orders were handed to the gateway: its actions.
  virtual void stepped(const Event& event, std::span<const Action> actions) noexcept = 0;
  // A market item of the stream (trades, mark prices, positions, balances).
  virtual void market(const FeedEvent& event) noexcept = 0;
  virtual void sample(const TickToOrderSample& sample) noexcept = 0;
  // Once per pass of the engine thread. True when it did anything (keeps the thread spinning).
  virtual bool turn(std::int64_t mono_ns, CommandSink& sink) noexcept = 0;
};

struct TradingCoreConfig {
  CoreThreads threads = CoreThreads::Auto;
  StreamSessionConfig stream;
  OrderGatewayConfig gateway;
  EngineConfig engine;
  net::LoopConfig feed_loop;    // two-thread mode's feed thread
  net::LoopConfig engine_loop;  // the engine thread's, or in one-thread mode the one thread's
  int feed_cpu = -1;            // pin the feed thread to this CPU (-1: leave it to the scheduler)
  int engine_cpu = -1;          // the engine thread's, or the one thread's
  std::size_t feed_queue_capacity = 1 << 16;
  std::size_t command_queue_capacity = 1 << 12;
  std::size_t tick_to_order_samples = 1 << 20;
  // Every action the engine produced (logs, notifications, state changes, orders), on the
  // engine thread, after the step's orders were sent. For the harness and tests.
  std::function<void(const Action&)> on_action;
  // Every market item (trades, which the engine also sees as MarketTrade, mark prices,
  // positions, balances), on the engine thread: where the core process will publish prices
  // to shm.
  std::function<void(const FeedEvent&)> on_market;
  // A line for the log (malformed frames, warnings), from either thread.
  std::function<void(std::string_view)> log;
  // The core process's journal and publishing (not owned; outlives the TradingCore).
  EngineHooks* hooks = nullptr;
};

// One fill frame answered with an order, in ns, split where the time goes. `total` ends where
// our code hands the request to the kernel; `submit`, the kernel call itself, is apart: on
// loopback it runs the receiver's side of TCP inline (tens of us on a small VM) and is the
// same for any client, so it belongs to the wire-to-wire comparison, not to this path.
struct TickToOrderSample {
  std::int64_t total = 0;    // the feed thread began decoding -> the request ready to submit
  std::int64_t queue = 0;    // decode, the queue hop, and the engine thread noticing it
  std::int64_t engine = 0;   // engine step, request written and signed, queued on the socket
  std::int64_t submit = 0;   // the loop handing it to the kernel (io_uring_enter or send())
  std::int64_t seen_at = 0;  // when decoding began, steady clock (CLOCK_MONOTONIC) ns: to
                             // match against a peer's timestamps on the same machine
};

// Read after stop() (written by the engine thread only).
struct TradingCoreStats {
  std::uint64_t steps = 0;
  std::uint64_t feed_events = 0;
  std::uint64_t order_updates = 0;
  std::uint64_t trades = 0;
  std::uint64_t gateway_events = 0;
  std::uint64_t timers_fired = 0;
  std::uint64_t places = 0;
  std::uint64_t cancels = 0;
  std::uint64_t queries = 0;
  std::uint64_t tick_to_order_dropped = 0;   // samples past the buffer's capacity
  std::uint64_t tick_to_order_deferred = 0;  // orders on a fill that could not go at once
  std::uint64_t engine_wakeups = 0;          // times a producer woke the parked engine thread
  std::uint64_t unjournaled = 0;             // inputs not stepped: the journal had failed
};

// Pins the calling thread to one CPU (what the feed_cpu / engine_cpu settings do). False when
// the system refused (an offline CPU, a cpuset without it): the thread then runs unpinned.
[[nodiscard]] bool pin_current_thread(int cpu) noexcept;

// CPUs this process may run on (its affinity mask), at least 1.
[[nodiscard]] int usable_cpus() noexcept;
// The mode `requested` comes to with `cpus` usable CPUs (Auto: One below kTwoThreadsFromCpus).
[[nodiscard]] CoreThreads resolve_threads(CoreThreads requested, int cpus) noexcept;
// The start-up log line: the mode, the CPUs seen, and why.
[[nodiscard]] std::string describe_threads(CoreThreads requested, CoreThreads resolved, int cpus);

class TradingCore {
 public:
  explicit TradingCore(TradingCoreConfig config);
  ~TradingCore();  // stops the threads if still running
  TradingCore(const TradingCore&) = delete;
  TradingCore& operator=(const TradingCore&) = delete;

  // Starts the thread(s) (each creates its loop and connections on itself) and logs the mode.
  void start();
  // Asks both threads to finish, closes the connections and joins. Idempotent.
  void stop();

  // An operator command (CreateBot, StartBot, StopAll, ...) for the engine thread. One
  // producer thread at a time. False when the command queue is full.
  bool submit(const EventBody& command);

  // Before start() only: hands the engine to `restore` (which loads a checkpoint and replays
  // the journal's tail into it) and continues numbering inputs after the seq it returns.
  void recover(const std::function<std::uint64_t(Engine&)>& restore);
  // True once an input could not be journaled: nothing has been stepped since.
  [[nodiscard]] bool trading_frozen() const noexcept;

  // Valid after stop().
  [[nodiscard]] const TradingCoreStats& stats() const noexcept;
  [[nodiscard]] const StreamSessionStats& stream_stats() const noexcept;
  [[nodiscard]] const GatewayStats& gateway_stats() const noexcept;
  // One sample per order sent on a fill, in arrival order.
  [[nodiscard]] const std::vector<TickToOrderSample>& tick_to_order() const noexcept;
  // The engine, for reading bots and orders after stop().
  [[nodiscard]] const Engine& engine() const noexcept;
  // The mode start() chose (Auto resolved).
  [[nodiscard]] CoreThreads threads() const noexcept { return mode_; }

 private:
  struct Shared;
  class FeedSide;
  class EngineSide;
  void run_one_thread();

  std::unique_ptr<Shared> shared_;
  std::unique_ptr<FeedSide> feed_;
  std::unique_ptr<EngineSide> engine_;
  std::thread workers_[2];  // one-thread mode uses the first
  CoreThreads mode_ = CoreThreads::Auto;
  bool running_ = false;
};

}  // namespace scalper::feed
