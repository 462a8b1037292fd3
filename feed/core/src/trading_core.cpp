#include "scalper/core/trading_core.hpp"

#include <pthread.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "spsc_queue.hpp"
#include "scalper/timing/clock.hpp"

#include <algorithm>
#include <string>

namespace scalper::feed {
namespace {

std::unique_ptr<net::EventLoop> create_loop(const net::LoopConfig& config, std::string_view name,
                                            const std::function<void(std::string_view)>& log) {
  std::string warning;
  auto loop = net::EventLoop::create(config, warning);
  if (!warning.empty() && log) log(std::string(name) + ": " + warning);
  return loop;
}

void pin_to(int cpu, const std::function<void(std::string_view)>& log) {
  if (cpu >= 0 && !pin_current_thread(cpu) && log) {
    log("could not pin a thread to CPU " + std::to_string(cpu) + "; it runs unpinned");
  }
}

// The stop flag is looked at least this often, whatever the connections' deadlines.
constexpr std::int64_t kMaxWaitNs = 1'000'000;

// ns to wait for a deadline in ms (INT64_MAX: none), at most kMaxWaitNs.
std::int64_t wait_until(std::int64_t deadline_ms, std::int64_t now_ms) {
  if (deadline_ms <= now_ms) return 0;
  const std::int64_t ms = deadline_ms - now_ms;  // > 0, no overflow: now_ms >= 0
  return ms >= kMaxWaitNs / 1'000'000 ? kMaxWaitNs : ms * 1'000'000;
}

// Counts the empty passes of a thread that spins, then parks: after() says when it has been
// idle for more than spin_polls passes in a row (never, for a busy-spinning one).
class IdleCounter {
 public:
  explicit IdleCounter(const net::LoopConfig& c)
      : parks_(c.idle == net::IdleStrategy::SpinThenPark), spin_polls_(c.spin_polls) {}
  bool after(bool busy) noexcept {
    idle_passes_ = busy ? 0 : idle_passes_ + 1;
    return parks_ && idle_passes_ > spin_polls_;
  }

 private:
  bool parks_;
  std::uint32_t spin_polls_;
  std::uint32_t idle_passes_ = 0;
};

// A loop whose owner counts the spin itself (IdleCounter): the loop parks whenever asked to.
net::LoopConfig parks_when_asked(net::LoopConfig c) {
  c.spin_polls = 0;
  return c;
}

}  // namespace

// The two queues between the threads, and the stop flag.
struct TradingCore::Shared {
  explicit Shared(TradingCoreConfig c)
      : config(std::move(c)),
        feed_queue(config.feed_queue_capacity),
        commands(config.command_queue_capacity),
        watch(kWatchCapacity),
        wake_fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}
  ~Shared() {
    if (wake_fd >= 0) ::close(wake_fd);
  }
  Shared(const Shared&) = delete;
  Shared& operator=(const Shared&) = delete;

  // Producer side of the wake-up: called after every enqueue for the engine thread. The
  // exchange is a full barrier between the enqueue and reading the flag (the engine sets the
  // flag, then looks at the queues: one of the two sides always sees the other), and the
  // eventfd is written only when the engine thread said it is about to sleep.
  void wake_engine() {
    if (engine_parked.exchange(false) && wake_fd >= 0) {
      const std::uint64_t one = 1;
      (void)!::write(wake_fd, &one, sizeof one);  // EAGAIN: already signalled, as good
    }
  }

  static constexpr std::size_t kWatchCapacity = 256;

  TradingCoreConfig config;
  moodycamel::ReaderWriterQueue<FeedEvent> feed_queue;  // feed thread -> engine thread
  moodycamel::ReaderWriterQueue<EventBody> commands;    // operator -> engine thread
  moodycamel::ReaderWriterQueue<Symbol> watch;          // engine thread -> feed thread: new tickers
  // The engine thread parks in its loop, which cannot wait on a queue: it waits on this
  // eventfd too, which producers write when engine_parked says it is (or is about to be)
  // asleep.
  int wake_fd;
  std::atomic<bool> engine_parked{false};
  std::atomic<bool> stop{false};
  std::atomic<bool> frozen{false};  // an input could not be journaled: nothing more is stepped
};

int usable_cpus() noexcept {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  return std::max(CPU_COUNT(&set), 1);
}

CoreThreads resolve_threads(CoreThreads requested, int cpus) noexcept {
  if (requested != CoreThreads::Auto) return requested;
  return cpus < kTwoThreadsFromCpus ? CoreThreads::One : CoreThreads::Two;
}

std::string describe_threads(CoreThreads requested, CoreThreads resolved, int cpus) {
  std::string s = resolved == CoreThreads::One ? "core: one thread for the feed and the engine"
                                               : "core: a feed thread and an engine thread";
  s += " (" + std::to_string(cpus) + (cpus == 1 ? " CPU" : " CPUs") + " usable; ";
  if (requested == CoreThreads::Auto) {
    s += "threads = \"auto\": one below " + std::to_string(kTwoThreadsFromCpus) + " CPUs)";
  } else {
    s += std::string("threads = \"") + (requested == CoreThreads::One ? "one" : "two") +
         "\" in the configuration)";
  }
  return s;
}

bool pin_current_thread(int cpu) noexcept {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(static_cast<unsigned>(cpu), &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

// ---- the feed thread --------------------------------------------------------------------------

// The stream session on a loop: the feed thread's whole work in two-thread mode, half of the
// one thread's in one-thread mode.
class TradingCore::FeedSide final : private FeedEventSink {
 public:
  explicit FeedSide(Shared& shared) : shared_(shared) {}

  // The feed thread (two-thread mode): its own loop, pinned by feed_cpu.
  void run() {
    const TradingCoreConfig& cfg = shared_.config;
    pin_to(cfg.feed_cpu, cfg.log);
    const auto loop = create_loop(cfg.feed_loop, "feed loop", cfg.log);
    open(*loop, /*engine_on_another_thread=*/true);
    while (!shared_.stop.load(std::memory_order_relaxed)) {
      const std::int64_t now = now_ms();
      tick(now);
      (void)loop->poll_once(wait_until(next_deadline_ms(), now));
    }
    close(*loop);
  }

  // engine_on_another_thread: each event wakes the engine thread if it sleeps. In one-thread
  // mode the engine is stepped right after the poll that decoded the event, and a wake-up
  // would only be a wasted eventfd write on the hot path.
  void open(net::EventLoop& loop, bool engine_on_another_thread) {
    wake_engine_ = engine_on_another_thread;
    StreamSessionConfig sc = shared_.config.stream;
    if (!sc.log) sc.log = shared_.config.log;
    session_ = std::make_unique<CoinDcxStreamSession>(loop, sc, static_cast<FeedEventSink&>(*this));
    session_->start(now_ms());
  }
  // New tickers to watch, and the session's timers.
  void tick(std::int64_t now) {
    Symbol ticker;
    while (shared_.watch.try_dequeue(ticker)) session_->watch(ticker);  // a bot's new ticker
    session_->tick(now);
  }
  [[nodiscard]] std::int64_t next_deadline_ms() const noexcept {
    return session_->next_deadline_ms();
  }
  // Closes the stream (waiting at most 2 s for it) and keeps its figures.
  void close(net::EventLoop& loop) {
    session_->stop();
    const std::int64_t end = now_ms() + 2'000;
    while (!session_->quiescent() && now_ms() < end) (void)loop.poll_once(kMaxWaitNs);
    stats_ = session_->stats();
    session_.reset();
  }

  [[nodiscard]] const StreamSessionStats& stats() const noexcept { return stats_; }

 private:
  bool on_feed_event(const FeedEvent& event) override {
    if (!shared_.feed_queue.try_enqueue(event)) return false;  // never allocates
    if (wake_engine_) shared_.wake_engine();
    return true;
  }
  static std::int64_t now_ms() { return timing::mono_ms(); }

  Shared& shared_;
  std::unique_ptr<CoinDcxStreamSession> session_;  // between open() and close()
  bool wake_engine_ = true;
  StreamSessionStats stats_;
};

// ---- the engine thread ------------------------------------------------------------------------

// The engine and its order gateway on a loop: the engine thread's whole work in two-thread
// mode, the other half of the one thread's in one-thread mode.
class TradingCore::EngineSide final : private GatewaySink,
                                      private net::IoHandler,
                                      private CommandSink {
 public:
  explicit EngineSide(Shared& shared)
      : shared_(shared),
        hooks_(shared.config.hooks),
        engine_(shared.config.engine),
        out_(engine_.outbox_capacity()) {
    gateway_events_.reserve(4096);
    timers_.reserve(std::size_t{shared.config.engine.max_bots} * 3 + 16);
    samples_.reserve(shared.config.tick_to_order_samples);
    watched_.reserve(std::min<std::size_t>(shared.config.engine.max_bots, Shared::kWatchCapacity));
    for (const Symbol& t : shared.config.stream.tickers) watched_.push_back(t);
  }

  // The engine thread (two-thread mode): its own loop, pinned by engine_cpu.
  void run() {
    const TradingCoreConfig& cfg = shared_.config;
    pin_to(cfg.engine_cpu, cfg.log);
    const auto loop = create_loop(parks_when_asked(cfg.engine_loop), "engine loop", cfg.log);
    open(*loop);
    IdleCounter idle(cfg.engine_loop);
    while (!shared_.stop.load(std::memory_order_relaxed)) {
      const std::int64_t now_ms = timing::mono_ms();
      // Queues are not file descriptors: the loop cannot sleep on them. Spin while there is
      // work; once idle for a while (and not told to busy-spin), sleep in the loop until the
      // next deadline (1 ms at most); producers wake it through the eventfd.
      const bool park = idle.after(work(now_ms)) && prepare_to_park();
      (void)loop->poll_once(park ? wait_until(next_deadline_ms(), now_ms) : 0);
      if (park) unpark();
    }
    close(*loop);
  }

  void open(net::EventLoop& loop) {
    loop_ = &loop;
    gateway_ = std::make_unique<OrderGateway>(loop, shared_.config.gateway,
                                              static_cast<GatewaySink&>(*this));
    gateway_->start(timing::mono_ms());
  }
  // One pass over every input (operator commands, feed events, gateway outcomes, timers),
  // then the gateway's own timers. True when anything was done.
  bool work(std::int64_t now_ms) {
    bool busy = turn();
    gateway_->tick(now_ms);
    busy |= drain_gateway_events();
    return busy;
  }
  [[nodiscard]] std::int64_t next_deadline_ms() const noexcept {
    return std::min(gateway_->next_deadline_ms(), next_timer_ms());
  }
  void unpark() { shared_.engine_parked.store(false); }
  // Stops the gateway (waiting at most 2 s for it), steps its last outcomes, keeps its figures.
  void close(net::EventLoop& loop) {
    gateway_->stop();
    const std::int64_t end = timing::mono_ms() + 2'000;
    while (!gateway_->quiescent() && timing::mono_ms() < end) (void)loop.poll_once(kMaxWaitNs);
    drain_gateway_events();
    gateway_stats_ = gateway_->stats();
    gateway_.reset();
    loop_ = nullptr;
  }

  [[nodiscard]] const Engine& engine() const noexcept { return engine_; }
  [[nodiscard]] const TradingCoreStats& stats() const noexcept { return stats_; }
  [[nodiscard]] const GatewayStats& gateway_stats() const noexcept { return gateway_stats_; }
  [[nodiscard]] const std::vector<TickToOrderSample>& samples() const noexcept { return samples_; }

 private:
  // About to sleep in the loop: a read on the wake eventfd is pending, then the flag is set
  // and the queues looked at once more (an event enqueued before the flag was set would
  // otherwise wait for the timeout). False when there is work after all: do not sleep.
 public:
  bool prepare_to_park() {
    if (shared_.wake_fd < 0) return true;  // no eventfd: sleep at most kMaxWaitNs
    if (!wake_read_pending_) {
      wake_read_pending_ = true;
      loop_->read(shared_.wake_fd,
                  {reinterpret_cast<std::uint8_t*>(&wake_value_), sizeof wake_value_}, *this);
    }
    shared_.engine_parked.store(true);
    if (shared_.feed_queue.peek() != nullptr || shared_.commands.peek() != nullptr) {
      shared_.engine_parked.store(false);
      return false;
    }
    return true;
  }

 private:
  // The wake eventfd was read (a producer woke us), or the read ended otherwise.
  void on_recv(int result) override {
    wake_read_pending_ = false;
    if (result > 0) ++stats_.engine_wakeups;
  }
  void on_connect(int) override {}
  void on_send(int) override {}

  // One pass over the inputs. True when anything was done.
  bool turn() {
    bool busy = false;
    EventBody command;
    while (shared_.commands.try_dequeue(command)) {
      step(command, 0);
      busy = true;
    }
    FeedEvent fe;
    while (shared_.feed_queue.try_dequeue(fe)) {
      on_feed(fe);
      busy = true;
    }
    busy |= drain_gateway_events();
    busy |= fire_timers();
    if (hooks_ != nullptr) busy |= hooks_->turn(timing::mono_ns(), *this);
    return busy;
  }

  void on_feed(const FeedEvent& fe) {
    ++stats_.feed_events;
    std::visit(
        [&](const auto& body) {
          using T = std::decay_t<decltype(body)>;
          if constexpr (std::is_same_v<T, OrderUpdate>) {
            ++stats_.order_updates;
            dequeued_ns_ = timing::mono_ns();
            step(body, fe.seen_ns);
          } else if constexpr (std::is_same_v<T, StreamConnected> ||
                               std::is_same_v<T, StreamDisconnected> ||
                               std::is_same_v<T, StreamSilent>) {
            step(body, 0);
          } else {
            if constexpr (std::is_same_v<T, TradeTick>) {
              // The engine watches trades for fills the stream lost (a trade through a
              // live order's price with no report following it).
              ++stats_.trades;
              step(
                  MarketTrade{
                      body.symbol, body.price, body.exchange_ts_ms, Venue::CoinDcxFutures, {}},
                  0);
            }
            if (hooks_ != nullptr) hooks_->market(fe);
            if (shared_.config.on_market) shared_.config.on_market(fe);
          }
        },
        fe.body);
  }

  // Steps the engine and carries out its actions: orders to the gateway first (and, for a
  // step on a fill frame, the tick-to-order sample), the rest after. Journaled first.
  void step(const EventBody& body, std::int64_t seen_ns) {
    if (shared_.frozen.load(std::memory_order_relaxed)) {
      ++stats_.unjournaled;
      return;
    }
    const std::int64_t mono = timing::mono_ns();
    const Event event{seq_ + 1, mono, timing::wall_ns(), body};
    if (hooks_ != nullptr && !hooks_->journal(event)) {
      shared_.frozen.store(true);
      ++stats_.unjournaled;
      return;
    }
    ++seq_;
    out_.clear();
    if (engine_.step(event, out_) != StepStatus::Ok) {
      if (shared_.config.log) shared_.config.log("engine refused an event (sequence or outbox)");
      return;
    }
    ++stats_.steps;
    bool placed = false;
    const std::uint64_t sent_before = gateway_->stats().sent;
    const std::int64_t now_ms = mono / 1'000'000;
    for (const Action& a : out_.actions()) {
      if (const auto* p = std::get_if<PlaceOrder>(&a)) {
        ++stats_.places;
        placed = true;
        if (!gateway_->place(*p, now_ms)) {
          gateway_events_.push_back(
              OrderRejected{p->order, RejectKind::Transient, {}, reason("gateway queue full")});
        }
      } else if (const auto* c = std::get_if<CancelOrder>(&a)) {
        ++stats_.cancels;
        if (!gateway_->cancel(*c, now_ms)) {
          gateway_events_.push_back(CancelFailed{c->order, reason("gateway queue full")});
        }
      } else if (const auto* all = std::get_if<CancelAllOrders>(&a)) {
        ++stats_.cancels;
        (void)gateway_->cancel_all(*all, now_ms);  // a full queue: the listing after it covers
      } else if (const auto* q = std::get_if<QueryOrders>(&a)) {
        ++stats_.queries;
        (void)gateway_->query(*q, now_ms);
      } else if (const auto* t = std::get_if<ArmTimer>(&a)) {
        timers_.push_back(*t);
      } else if (const auto* b = std::get_if<BotChanged>(&a)) {
        watch_ticker(b->bot.ticker);
      }
    }
    if (placed && seen_ns != 0) {
      if (gateway_->stats().sent > sent_before) {
        const std::int64_t ready =
            timing::mono_ns();    // the request's bytes are in the send buffer
        (void)loop_->poll_once(0);  // hands them to the kernel
        record_sample({ready - seen_ns, dequeued_ns_ - seen_ns, ready - dequeued_ns_,
                       timing::mono_ns() - ready, seen_ns});
      } else {
        // Held by the rate limit or waiting for a connection: it goes out later, and its
        // latency is then the limit's, not this path's. Counted, not sampled.
        ++stats_.tick_to_order_deferred;
      }
    }
    if (hooks_ != nullptr) hooks_->stepped(event, out_.actions());
    if (shared_.config.on_action) {
      for (const Action& a : out_.actions()) shared_.config.on_action(a);
    }
  }

 public:
  // Before the threads start (TradingCore::recover).
  void recover(const std::function<std::uint64_t(Engine&)>& restore) { seq_ = restore(engine_); }

 private:
  // EngineHooks::turn's commands: stepped at once, like the operator queue's.
  void command(const EventBody& command) override { step(command, 0); }

  // Every bot's ticker gets its trades channel on the stream (the feed thread joins it).
  void watch_ticker(const Symbol& ticker) {
    for (const Symbol& t : watched_) {
      if (t == ticker) return;
    }
    if (watched_.size() == watched_.capacity()) return;  // as many tickers as bots, at most
    watched_.push_back(ticker);
    (void)shared_.watch.try_enqueue(ticker);
  }

  void record_sample(const TickToOrderSample& sample) {
    if (hooks_ != nullptr) hooks_->sample(sample);
    if (samples_.size() < samples_.capacity()) {
      samples_.push_back(sample);
    } else {
      ++stats_.tick_to_order_dropped;
    }
  }

  bool drain_gateway_events() {
    bool any = false;
    // Index loop: stepping an event may add more (a definitive refusal on the next send).
    for (std::size_t i = 0; i < gateway_events_.size(); ++i) {
      ++stats_.gateway_events;
      const EventBody e = gateway_events_[i];
      step(e, 0);
      any = true;
    }
    gateway_events_.clear();
    return any;
  }

  bool fire_timers() {
    const std::int64_t now = timing::mono_ns();
    bool any = false;
    for (std::size_t i = 0; i < timers_.size();) {
      if (timers_[i].deadline_mono_ns > now) {
        ++i;
        continue;
      }
      const ArmTimer t = timers_[i];
      timers_[i] = timers_.back();
      timers_.pop_back();
      ++stats_.timers_fired;
      step(TimerFired{t.bot, t.generation, t.kind, t.venue, {}}, 0);
      any = true;
    }
    return any;
  }

  [[nodiscard]] std::int64_t next_timer_ms() const noexcept {
    std::int64_t t = INT64_MAX;
    for (const ArmTimer& a : timers_) t = std::min(t, a.deadline_mono_ns / 1'000'000);
    return t;
  }

  void on_gateway_event(const EventBody& event) override { gateway_events_.push_back(event); }

  static ReasonText reason(std::string_view s) {
    ReasonText t;
    t.assign_truncated(s);
    return t;
  }

  Shared& shared_;
  EngineHooks* hooks_;
  Engine engine_;
  Outbox out_;
  std::unique_ptr<OrderGateway> gateway_;  // between open() and close()
  net::EventLoop* loop_ = nullptr;
  std::uint64_t seq_ = 0;
  std::vector<EventBody> gateway_events_;
  std::vector<ArmTimer> timers_;
  std::vector<TickToOrderSample> samples_;
  std::vector<Symbol> watched_;   // tickers the feed thread was given or told to watch
  std::uint64_t wake_value_ = 0;  // the eventfd's counter, read when a producer woke us
  bool wake_read_pending_ = false;
  std::int64_t dequeued_ns_ = 0;  // when the feed event being stepped left the queue
  TradingCoreStats stats_;
  GatewayStats gateway_stats_;
};

// ---- the core ---------------------------------------------------------------------------------

TradingCore::TradingCore(TradingCoreConfig config)
    : shared_(std::make_unique<Shared>(std::move(config))),
      feed_(std::make_unique<FeedSide>(*shared_)),
      engine_(std::make_unique<EngineSide>(*shared_)) {}

TradingCore::~TradingCore() { stop(); }

void TradingCore::start() {
  if (running_) return;
  shared_->stop.store(false);
  const TradingCoreConfig& cfg = shared_->config;
  const int cpus = usable_cpus();
  mode_ = resolve_threads(cfg.threads, cpus);
  if (cfg.log) cfg.log(describe_threads(cfg.threads, mode_, cpus));
  if (mode_ == CoreThreads::One) {
    workers_[0] = std::thread([this] { run_one_thread(); });
  } else {
    workers_[0] = std::thread([this] { engine_->run(); });
    workers_[1] = std::thread([this] { feed_->run(); });
  }
  running_ = true;
}

// One-thread mode: the stream session and the gateway on one loop. Frames decoded while the
// loop polls go through the feed queue as in two-thread mode (the engine stays unaware), and
// the engine is stepped on them right after the poll that delivered them: no second thread
// to wake, no hand-over between cores.
void TradingCore::run_one_thread() {
  const TradingCoreConfig& cfg = shared_->config;
  pin_to(cfg.engine_cpu, cfg.log);
  const auto loop = create_loop(parks_when_asked(cfg.engine_loop), "core loop", cfg.log);
  feed_->open(*loop, /*engine_on_another_thread=*/false);
  engine_->open(*loop);
  IdleCounter idle(cfg.engine_loop);
  std::int64_t now_ms = timing::mono_ms();
  bool busy = true;
  while (!shared_->stop.load(std::memory_order_relaxed)) {
    feed_->tick(now_ms);
    busy |= engine_->work(now_ms);
    const bool park = idle.after(busy) && engine_->prepare_to_park();
    const std::int64_t deadline = std::min(feed_->next_deadline_ms(), engine_->next_deadline_ms());
    const int completions = loop->poll_once(park ? wait_until(deadline, now_ms) : 0);
    if (park) engine_->unpark();
    now_ms = timing::mono_ms();
    // The batch the poll decoded, stepped at once. Traffic of any kind counts as activity:
    // the spin bound runs from the last of it.
    busy = engine_->work(now_ms) || completions > 0;
  }
  engine_->close(*loop);
  feed_->close(*loop);
}

void TradingCore::stop() {
  if (!running_) return;
  shared_->stop.store(true);
  shared_->wake_engine();
  for (std::thread& t : workers_) {
    if (t.joinable()) t.join();
  }
  running_ = false;
}

bool TradingCore::submit(const EventBody& command) {
  if (!shared_->commands.try_enqueue(command)) return false;
  shared_->wake_engine();
  return true;
}

const TradingCoreStats& TradingCore::stats() const noexcept { return engine_->stats(); }
const StreamSessionStats& TradingCore::stream_stats() const noexcept { return feed_->stats(); }
const GatewayStats& TradingCore::gateway_stats() const noexcept { return engine_->gateway_stats(); }
const std::vector<TickToOrderSample>& TradingCore::tick_to_order() const noexcept {
  return engine_->samples();
}
const Engine& TradingCore::engine() const noexcept { return engine_->engine(); }

void TradingCore::recover(const std::function<std::uint64_t(Engine&)>& restore) {
  if (!running_) engine_->recover(restore);
}
bool TradingCore::trading_frozen() const noexcept { return shared_->frozen.load(); }

}  // namespace scalper::feed
