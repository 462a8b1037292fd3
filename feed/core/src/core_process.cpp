#include "scalper/core/core_process.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "scalper/core/checkpoint_store.hpp"
#include "scalper/core/core_hooks.hpp"
#include "scalper/core/journal_reader.hpp"
#include "scalper/core/journal_store.hpp"
#include "scalper/core/process_support.hpp"
#include "scalper/core/shm_publisher.hpp"
#include "scalper/core/trading_core.hpp"
#include "scalper/net/tls.hpp"
#include "scalper/shm/channel.hpp"
#include "scalper/timing/clock.hpp"

namespace scalper::core {
namespace {

constexpr std::string_view kComponent = "core";

double ms_since(std::int64_t start_ns) {
  return static_cast<double>(timing::mono_ns() - start_ns) / 1e6;
}

// ---- start: the exchange ----------------------------------------------------------------

struct Exchange {
  Endpoint rest;
  Endpoint stream;
  sockaddr_in rest_address{};
  sockaddr_in stream_address{};
  std::unique_ptr<net::TlsContext> rest_tls;
  std::unique_ptr<net::TlsContext> stream_tls;
};

std::unique_ptr<net::TlsContext> tls_for(const Endpoint& e, const CoinDcxSection& c) {
  if (!e.tls) return nullptr;
  net::TlsConfig t;
  if (!c.ca_file.empty()) {
    t.trust = net::TlsTrust::CaFile;
    t.ca_file = c.ca_file;
  }
  return std::make_unique<net::TlsContext>(t);
}

bool connect_plan(const CoinDcxSection& c, Exchange& x, std::string& why) {
  auto rest = parse_endpoint(c.rest_url, why);
  if (!rest) return false;
  auto stream = parse_endpoint(c.stream_url, why);
  if (!stream) return false;
  x.rest = std::move(*rest);
  x.stream = std::move(*stream);
  if (!resolve_ipv4(x.rest, x.rest_address, why) ||
      !resolve_ipv4(x.stream, x.stream_address, why)) {
    return false;
  }
  try {
    x.rest_tls = tls_for(x.rest, c);
    x.stream_tls = tls_for(x.stream, c);
  } catch (const std::exception& e) {
    why = std::string("TLS: ") + e.what();
    return false;
  }
  return true;
}

std::string host_header(const Endpoint& e) {
  const bool default_port = e.port == (e.tls ? 443 : 80);
  return default_port ? e.host : e.host + ":" + std::to_string(e.port);
}

feed::TradingCoreConfig trading_config(const CoreConfig& config, const Exchange& x,
                                       const EngineConfig& engine) {
  feed::TradingCoreConfig t;
  switch (config.core.threads) {
    case ThreadsSetting::Auto: t.threads = feed::CoreThreads::Auto; break;
    case ThreadsSetting::One: t.threads = feed::CoreThreads::One; break;
    case ThreadsSetting::Two: t.threads = feed::CoreThreads::Two; break;
  }
  const ApiCredentials& keys = config.coindcx.credentials;
  auto& s = t.stream;
  s.socketio.address = x.stream_address;
  s.socketio.host = host_header(x.stream);
  s.socketio.tls = x.stream_tls.get();
  if (!x.stream.path.empty() && x.stream.path != "/") s.socketio.path = x.stream.path;
  s.api_key = keys.key.reveal();
  s.api_secret = keys.secret.reveal();
  for (const BotSeed& b : config.bots) {
    bool known = false;
    for (const Symbol& have : s.tickers) known |= have == b.ticker;
    if (!known) s.tickers.push_back(b.ticker);
  }
  auto& g = t.gateway;
  g.http.address = x.rest_address;
  g.http.tls = x.rest_tls.get();
  g.http.tls_host = x.rest.host;
  g.host = host_header(x.rest);
  g.api_key = keys.key.reveal();
  g.api_secret = keys.secret.reveal();
  t.engine = engine;
  const net::IdleStrategy idle = config.core.idle == IdleSetting::Spin
                                     ? net::IdleStrategy::BusySpin
                                     : net::IdleStrategy::SpinThenPark;
  t.feed_loop.idle = idle;
  t.engine_loop.idle = idle;
  t.feed_cpu = config.core.feed_cpu;
  t.engine_cpu = config.core.engine_cpu;
  t.tick_to_order_samples = 0;  // the segment's histogram keeps them
  return t;
}

EngineConfig engine_config(const CoreConfig& config, bool trading) {
  EngineConfig e;
  e.max_bots = config.core.max_bots;
  e.venue_enabled[static_cast<std::size_t>(Venue::CoinDcxFutures)] = trading;
  return e;
}

// ---- start: the engine's state -----------------------------------------------------------

struct Recovery {
  LoadedCheckpoint checkpoint;
  JournalRecovery journal;
  std::uint64_t replayed = 0;
  std::uint64_t last_seq = 0;
  double checkpoint_load_ms = 0;
  double replay_ms = 0;
  std::string problem;  // non-empty: the state could not be rebuilt
  [[nodiscard]] bool first_start() const { return !checkpoint.found && journal.next_seq == 0; }
};

// Restores `engine` from the checkpoint (if any) and steps the journal's records after it,
// discarding their actions. Returns the last seq stepped.
std::uint64_t rebuild(Engine& engine, const std::filesystem::path& journal_dir, Recovery& r,
                      LogProducer& log) {
  std::uint64_t last = 0;
  if (r.checkpoint.found) {
    checkpoint::Status why = checkpoint::Status::Ok;
    if (!engine.restore(r.checkpoint.payload, &why)) {
      r.problem = "checkpoint " + r.checkpoint.path.string() + " does not restore: " +
                  std::string(checkpoint::to_string(why));
      return 0;
    }
    last = r.checkpoint.seq;
  }
  const std::int64_t start = timing::mono_ns();
  JournalReader reader;
  if (!reader.open(journal_dir)) {
    r.problem = "journal " + journal_dir.string() + ": " + reader.problem();
    return last;
  }
  if (reader.read_from(last + 1) == SeekStatus::Released && reader.oldest_seq() > last + 1) {
    r.problem = "journal " + journal_dir.string() + " starts at " +
                std::to_string(reader.oldest_seq()) + ", after the checkpoint's " +
                std::to_string(last) + ": records are missing";
    return last;
  }
  Outbox discard(engine.outbox_capacity());
  Event ev;
  for (;;) {
    const ReadStatus s = reader.next(ev);
    if (s == ReadStatus::End || s == ReadStatus::TornTail) break;
    if (s == ReadStatus::Corrupt) {
      r.problem = "journal: " + reader.problem();
      break;
    }
    discard.clear();
    if (engine.step(ev, discard) != StepStatus::Ok) {
      r.problem = "journal record " + std::to_string(ev.seq) + " does not step";
      break;
    }
    last = ev.seq;
    ++r.replayed;
  }
  r.replay_ms = ms_since(start);
  if (r.replayed > 0 || r.checkpoint.found) {
    log.info(kComponent, "engine state rebuilt",
             {{"checkpoint_seq", r.checkpoint.seq},
              {"replayed", r.replayed},
              {"last_seq", last}});
  }
  return last;
}

// ---- the main thread --------------------------------------------------------------------

// Waits up to `ms` for SIGINT or SIGTERM (blocked: see block_stop_signals). True if one came.
bool stop_signal_within(int ms) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  const timespec t{ms / 1000, static_cast<long>(ms % 1000) * 1'000'000};
  return ::sigtimedwait(&set, nullptr, &t) > 0;
}

}  // namespace

void block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int run_core(const CoreConfig& config, Logger& logger, const CoreRunOptions& options) {
  const std::int64_t started_ns = timing::mono_ns();
  LogProducer log = logger.producer();
  std::string why;

  std::optional<DataDirLock> lock = DataDirLock::acquire(config.core.data_dir, why);
  if (!lock) {
    log.error(kComponent, why);
    return why.find("another scalper-core") != std::string::npos ? kExitBusy : kExitFailure;
  }
  const std::filesystem::path data_dir(config.core.data_dir);

  Exchange exchange;
  if (!connect_plan(config.coindcx, exchange, why)) {
    log.error(kComponent, "exchange: " + why);
    return kExitFailure;
  }
  const bool trading = config.coindcx.credentials.source != CredentialSource::None;
  if (!trading) {
    log.warn(kComponent, "no exchange credentials (COINDCX_API_KEY/COINDCX_API_SECRET or "
                         "key_file): bots cannot trade");
  }
  const EngineConfig engine = engine_config(config, trading);

  // The state: the journal opened for appending, the newest good checkpoint.
  Recovery recovery;
  JournalStoreConfig jc;
  jc.dir = data_dir / "journal";
  jc.engine = engine;
  jc.segment_bytes = std::size_t{config.core.journal_segment_mb} << 20;
  jc.sync_interval = std::chrono::milliseconds(config.core.journal_sync_ms);
  std::unique_ptr<JournalStore> journal = JournalStore::open(jc, recovery.journal, why);
  if (!journal) {
    log.error(kComponent, "journal: " + why);
    return kExitFailure;
  }
  if (recovery.journal.torn_bytes > 0) {
    log.warn(kComponent, "journal: cut a torn record off its end (a power loss?): " +
                             recovery.journal.torn);
  }
  const std::int64_t load_start = timing::mono_ns();
  recovery.checkpoint = load_newest_checkpoint(data_dir / "checkpoints");
  recovery.checkpoint_load_ms = ms_since(load_start);
  for (const SkippedCheckpoint& s : recovery.checkpoint.skipped) {
    log.warn(kComponent, "checkpoint skipped: " + s.path.string() + ": " + s.reason);
  }
  JournalStore& journal_ref = *journal;
  CheckpointStoreConfig cc;
  cc.dir = data_dir / "checkpoints";
  cc.before_write = [&journal_ref](std::uint64_t seq, std::string& error) {
    if (journal_ref.sync_now(std::chrono::milliseconds(10'000)) &&
        journal_ref.durable_seq() >= seq) {
      return true;
    }
    error = "the journal is not durable up to " + std::to_string(seq) + ": " +
            journal_ref.failure();
    return false;
  };
  std::unique_ptr<CheckpointStore> checkpoints = CheckpointStore::open(
      cc,
      [&journal_ref](const DurableCheckpoint& d) {
        if (d.release_before > 0) (void)journal_ref.release_before(d.release_before);
      },
      why);
  if (!checkpoints) {
    log.error(kComponent, "checkpoints: " + why);
    return kExitFailure;
  }

  // The segment, then the threads.
  shm::SchemaConfig schema;
  schema.max_bots = config.core.max_bots;
  std::optional<shm::CoreChannel> channel;
  try {
    std::string replaced;
    channel.emplace(shm::CoreChannel::open(config.core.shm_name, schema,
                                           static_cast<std::uint64_t>(timing::wall_ns()),
                                           static_cast<std::uint64_t>(timing::mono_ns()),
                                           &replaced));
    if (!replaced.empty()) log.info(kComponent, "shared memory: " + replaced);
  } catch (const shm::SegmentError& e) {
    log.error(kComponent, std::string("shared memory: ") + e.what());
    return e.code() == shm::SegmentError::Code::Live ? kExitBusy : kExitFailure;
  }

  CoreHooks hooks(config, *journal, *checkpoints, logger.producer());
  feed::TradingCoreConfig tc = trading_config(config, exchange, engine);
  tc.hooks = &hooks;
  // The feed's rare lines (malformed frames, reconnects) come from either thread; a producer
  // is one thread's, so they share it under a lock (never on the hot path).
  LogProducer feed_log = logger.producer();
  std::mutex feed_log_mu;
  tc.log = [&feed_log, &feed_log_mu](std::string_view line) {
    const std::lock_guard<std::mutex> hold(feed_log_mu);
    feed_log.info("feed", line);
  };
  feed::TradingCore core(std::move(tc));
  core.recover([&](Engine& e) {
    recovery.last_seq = rebuild(e, jc.dir, recovery, log);
    return recovery.last_seq;
  });
  if (!recovery.problem.empty()) {
    log.error(kComponent, "cannot rebuild the engine's state: " + recovery.problem);
    return kExitFailure;
  }
  ShmPublisherConfig pc;
  pc.max_symbols = schema.max_symbols;
  pc.max_currencies = schema.max_currencies;
  pc.pid = static_cast<std::uint32_t>(::getpid());
  pc.started_wall_ns = timing::wall_ns();
  ShmPublisher publisher(*channel, core.engine(), pc, [&journal_ref, &checkpoints] {
    return DurabilityFigures{journal_ref.durable_seq(), checkpoints->durable_seq()};
  });
  hooks.bind(core.engine(), publisher, recovery.first_start(),
             Recovered{recovery.checkpoint.found ? recovery.checkpoint.seq : 0, recovery.replayed},
             recovery.last_seq);
  core.start();
  log.info(kComponent, "started",
           {{"pid", static_cast<std::int64_t>(::getpid())},
            {"data_dir", config.core.data_dir},
            {"shm", config.core.shm_name},
            {"bots", std::uint64_t{core.engine().bot_count()}}});

  // Until a stop signal: say when trading is live again, and notice a failed journal.
  bool announced = false;
  while (!stop_signal_within(100)) {
    if (!announced && hooks.live()) {
      announced = true;
      StartFigures f{recovery.checkpoint.seq, recovery.replayed, recovery.checkpoint_load_ms,
                     recovery.replay_ms, ms_since(started_ns)};
      log.info(kComponent, "trading",
               {{"to_trading_ms", static_cast<std::int64_t>(f.to_trading_ms)},
                {"checkpoint_seq", f.checkpoint_seq},
                {"replayed", f.replayed}});
      if (options.on_trading) options.on_trading(f);
    }
    if (options.stop_when && options.stop_when()) break;
  }

  // Stop: no new commands, the last step finished, connections closed, a last checkpoint.
  log.info(kComponent, "stopping: orders stay live on the exchange");
  hooks.request_stop();
  core.stop();
  const bool failed = hooks.journal_failed() || core.trading_frozen();
  if (!failed) {
    std::vector<std::byte> state(core.engine().checkpoint_capacity());
    const std::size_t n = core.engine().save(state);
    if (n > 0 && journal->sync_now(std::chrono::milliseconds(5'000))) {
      checkpoints->submit(hooks.last_seq(), std::span<const std::byte>(state.data(), n));
      if (!checkpoints->wait_idle(std::chrono::milliseconds(10'000))) {
        log.warn(kComponent, "the last checkpoint was not written in time");
      }
    }
  }
  if (!journal->sync_now(std::chrono::milliseconds(5'000))) {
    log.error(kComponent, "the journal could not be made durable: " + journal->failure());
  }
  publisher.set_state(failed ? shm::CoreState::Halted : shm::CoreState::Stopping,
                      failed ? "journal write failed: stopped" : "stopped");
  publisher.publish_all(timing::mono_ns());
  log.info(kComponent, "stopped", {{"last_seq", hooks.last_seq()}});
  return failed ? kExitJournal : kExitOk;
}

}  // namespace scalper::core
