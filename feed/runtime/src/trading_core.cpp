#include "scalper/feed/trading_core.hpp"

#include <pthread.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "spsc_queue.hpp"

#include <algorithm>
#include <chrono>
#include <string>

namespace scalper::feed {
namespace {

std::int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
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
};

bool pin_current_thread(int cpu) noexcept {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(static_cast<unsigned>(cpu), &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

// ---- the feed thread --------------------------------------------------------------------------

class TradingCore::FeedThread final : private FeedEventSink {
 public:
  explicit FeedThread(Shared& shared) : shared_(shared) {}

  void run() {
    const TradingCoreConfig& cfg = shared_.config;
    pin_to(cfg.feed_cpu, cfg.log);
    std::string warning;
    const auto loop = net::EventLoop::create(cfg.feed_loop, warning);
    if (!warning.empty() && cfg.log) cfg.log("feed loop: " + warning);
    StreamSessionConfig sc = cfg.stream;
    if (!sc.log) sc.log = cfg.log;
    CoinDcxStreamSession session(*loop, sc, *this);
    session.start(now_ms());
    while (!shared_.stop.load(std::memory_order_relaxed)) {
      const std::int64_t now = now_ms();
      Symbol ticker;
      while (shared_.watch.try_dequeue(ticker)) session.watch(ticker);  // a bot's new ticker
      session.tick(now);
      (void)loop->poll_once(wait_until(session.next_deadline_ms(), now));
    }
    session.stop();
    const std::int64_t end = now_ms() + 2'000;
    while (!session.quiescent() && now_ms() < end) (void)loop->poll_once(kMaxWaitNs);
    stats_ = session.stats();
  }

  [[nodiscard]] const StreamSessionStats& stats() const noexcept { return stats_; }

 private:
  bool on_feed_event(const FeedEvent& event) override {
    if (!shared_.feed_queue.try_enqueue(event)) return false;  // never allocates
    shared_.wake_engine();
    return true;
  }
  static std::int64_t now_ms() { return net::monotonic_ms(); }

  Shared& shared_;
  StreamSessionStats stats_;
};

// ---- the engine thread ------------------------------------------------------------------------

class TradingCore::EngineThread final : private GatewaySink, private net::IoHandler {
 public:
  explicit EngineThread(Shared& shared)
      : shared_(shared), engine_(shared.config.engine), out_(engine_.outbox_capacity()) {
    gateway_events_.reserve(4096);
    timers_.reserve(std::size_t{shared.config.engine.max_bots} * 3 + 16);
    samples_.reserve(shared.config.tick_to_order_samples);
    watched_.reserve(std::min<std::size_t>(shared.config.engine.max_bots, Shared::kWatchCapacity));
    for (const Symbol& t : shared.config.stream.tickers) watched_.push_back(t);
  }

  void run() {
    const TradingCoreConfig& cfg = shared_.config;
    pin_to(cfg.engine_cpu, cfg.log);
    std::string warning;
    const auto loop = net::EventLoop::create(cfg.engine_loop, warning);
    if (!warning.empty() && cfg.log) cfg.log("engine loop: " + warning);
    loop_ = loop.get();
    OrderGateway gateway(*loop, cfg.gateway, *this);
    gateway_ = &gateway;
    gateway.start(net::monotonic_ms());
    std::uint32_t idle_turns = 0;
    while (!shared_.stop.load(std::memory_order_relaxed)) {
      const bool busy = turn();
      const std::int64_t now_ms = net::monotonic_ms();
      gateway.tick(now_ms);
      drain_gateway_events();
      // Queues are not file descriptors: the loop cannot sleep on them. Spin while there is
      // work; once idle for a while (and not told to busy-spin), sleep in the loop for at
      // most the next deadline or 1 ms. The first event after an idle spell may wait that
      // long; the benchmarks busy-spin.
      idle_turns = busy ? 0 : idle_turns + 1;
      const bool park = cfg.engine_loop.idle == net::IdleStrategy::SpinThenPark &&
                        idle_turns > cfg.engine_loop.spin_polls && prepare_to_park();
      (void)loop->poll_once(
          park ? wait_until(std::min(gateway.next_deadline_ms(), next_timer_ms()), now_ms) : 0);
      if (park) shared_.engine_parked.store(false);
    }
    gateway.stop();
    const std::int64_t end = net::monotonic_ms() + 2'000;
    while (!gateway.quiescent() && net::monotonic_ms() < end) {
      (void)loop->poll_once(kMaxWaitNs);
    }
    drain_gateway_events();
    gateway_stats_ = gateway.stats();
    gateway_ = nullptr;
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
    return busy;
  }

  void on_feed(const FeedEvent& fe) {
    ++stats_.feed_events;
    std::visit(
        [&](const auto& body) {
          using T = std::decay_t<decltype(body)>;
          if constexpr (std::is_same_v<T, OrderUpdate>) {
            ++stats_.order_updates;
            dequeued_ns_ = net::monotonic_ns();
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
              step(MarketTrade{body.symbol, body.price, body.exchange_ts_ms,
                               Venue::CoinDcxFutures, {}},
                   0);
            }
            if (shared_.config.on_market) shared_.config.on_market(fe);
          }
        },
        fe.body);
  }

  // Steps the engine and carries out its actions: orders to the gateway first (and, for a
  // step on a fill frame, the tick-to-order sample), the rest after.
  void step(const EventBody& body, std::int64_t seen_ns) {
    const std::int64_t mono = net::monotonic_ns();
    const Event event{++seq_, mono, wall_ns(), body};
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
            net::monotonic_ns();    // the request's bytes are in the send buffer
        (void)loop_->poll_once(0);  // hands them to the kernel
        record_sample({ready - seen_ns, dequeued_ns_ - seen_ns, ready - dequeued_ns_,
                       net::monotonic_ns() - ready});
      } else {
        // Held by the rate limit or waiting for a connection: it goes out later, and its
        // latency is then the limit's, not this path's. Counted, not sampled.
        ++stats_.tick_to_order_deferred;
      }
    }
    if (shared_.config.on_action) {
      for (const Action& a : out_.actions()) shared_.config.on_action(a);
    }
  }

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
    const std::int64_t now = net::monotonic_ns();
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
  Engine engine_;
  Outbox out_;
  OrderGateway* gateway_ = nullptr;
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
      feed_(std::make_unique<FeedThread>(*shared_)),
      engine_(std::make_unique<EngineThread>(*shared_)) {}

TradingCore::~TradingCore() { stop(); }

void TradingCore::start() {
  if (running_) return;
  shared_->stop.store(false);
  engine_thread_ = std::thread([this] { engine_->run(); });
  feed_thread_ = std::thread([this] { feed_->run(); });
  running_ = true;
}

void TradingCore::stop() {
  if (!running_) return;
  shared_->stop.store(true);
  shared_->wake_engine();
  feed_thread_.join();
  engine_thread_.join();
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

}  // namespace scalper::feed
