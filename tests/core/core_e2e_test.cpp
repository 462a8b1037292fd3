// scalper-core end to end, as an operator runs it, against scalper-sim over TLS: the command
// line, bots from the config trading, the core's figures against the exchange's, a second
// core refused, bad records in the command ring, a clean stop, and kill -9 at random points.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "core_rig.hpp"
#include "scalper/core/checkpoint_store.hpp"
#include "scalper/core/journal_reader.hpp"
#include "scalper/core/journal_store.hpp"
#include "scalper/shm/command.hpp"

namespace scalper::core::testing {
namespace {

// The core's own shell for a run whose stderr the test reads: `sh -c 'exec core ... 2>&1'`.
PeerProcess core_with_stderr(const std::vector<std::string>& args) {
  std::string line = "exec";
  for (const std::string& a : args) line += " '" + a + "'";
  line += " 2>&1";
  return PeerProcess({"/bin/sh", "-c", line});
}

// ---- the command line -------------------------------------------------------------------

TEST(CoreCli, HelpNamesTheExitCodesAndThatOrdersStayLive) {
  PeerProcess p({SCALPER_CORE_BINARY, "--help"});
  const std::string out = p.read_all();
  EXPECT_EQ(p.wait_exit(5'000), 0);
  EXPECT_NE(out.find("usage: scalper-core --config FILE"), std::string::npos);
  EXPECT_NE(out.find("Orders stay live on the"), std::string::npos);
  EXPECT_NE(out.find("3  another scalper-core"), std::string::npos);
}

TEST(CoreCli, AMissingConfigAndABadKeyExit2NamingWhatIsWrong) {
  TempDir dir;
  PeerProcess missing = core_with_stderr({SCALPER_CORE_BINARY, "--config", dir.path() + "/no.toml"});
  EXPECT_NE(missing.read_all().find("no.toml"), std::string::npos);
  EXPECT_EQ(missing.wait_exit(5'000), 2);

  const std::string path = dir.path() + "/bad.toml";
  std::ofstream(path) << "[core]\nmax_bots = 0\n";
  PeerProcess bad = core_with_stderr({SCALPER_CORE_BINARY, "--config", path});
  const std::string out = bad.read_all();
  EXPECT_NE(out.find("bad.toml: core.max_bots:"), std::string::npos) << out;
  EXPECT_EQ(bad.wait_exit(5'000), 2);

  PeerProcess no_args = core_with_stderr({SCALPER_CORE_BINARY});
  EXPECT_NE(no_args.read_all().find("--config FILE is required"), std::string::npos);
  EXPECT_EQ(no_args.wait_exit(5'000), 2);
}

TEST(CoreCli, CheckConfigPrintsTheEffectiveConfigWithTheKeysMasked) {
  CoreRig rig;
  PeerProcess p({SCALPER_CORE_BINARY, "--config", rig.config_path(), "--check-config"});
  const std::string out = p.read_all();
  EXPECT_EQ(p.wait_exit(5'000), 0);
  EXPECT_NE(out.find("checkpoint_inputs = 100000"), std::string::npos) << out;
  EXPECT_NE(out.find("****"), std::string::npos);
  EXPECT_EQ(out.find("core-secret-42"), std::string::npos) << "the secret was printed";
  EXPECT_EQ(out.find("core-key"), std::string::npos) << "the key was printed";
}

// ---- trading ----------------------------------------------------------------------------

// Waits (bounded) until the bots completed `cycles` between them, on the core's own account.
bool wait_cycles(CoreRig& rig, std::uint32_t cycles, std::int64_t within_ms) {
  const std::int64_t end = timing::mono_ms() + within_ms;
  while (timing::mono_ms() < end) {
    std::uint32_t total = 0;
    for (const auto& [id, bot] : rig.core_bots()) total += bot.total_trades;
    if (total >= cycles) return true;
    ::poll(nullptr, 0, 50);
  }
  return false;
}

// Stops the walk, then waits until the core and the exchange agree and every active bot has
// its one order; fails the test with both accounts when they never do.
void expect_core_agrees_with_exchange(CoreRig& rig, std::int64_t within_ms = 20'000) {
  ASSERT_EQ(rig.sim().control("/sim/walk", R"({"running":false})"), 200);
  const std::int64_t end = timing::mono_ms() + within_ms;
  std::string last;
  while (timing::mono_ms() < end) {
    const std::vector<BotAccount> exchange = rig.exchange_accounts();
    const auto core = rig.core_bots_in_order();
    bool agree = true;
    last.clear();
    for (std::size_t i = 0; i < exchange.size(); ++i) {
      const BotAccount& x = exchange[i];
      if (!core[i]) {
        agree = false;
        last += "bot " + std::to_string(i + 1) + " missing in the core\n";
        continue;
      }
      const BotRecord& c = *core[i];
      const bool has_order = c.status != BotStatus::Active || x.open_orders == 1;
      if (c.position != x.position || c.pnl != x.pnl || c.total_trades != x.cycles ||
          x.open_orders > 1 || !has_order) {
        agree = false;
      }
      char text[256];
      char a[kDecimalTextMax], b[kDecimalTextMax], p[kDecimalTextMax], q[kDecimalTextMax];
      a[format_decimal(c.position, a)] = '\0';
      b[format_decimal(x.position, b)] = '\0';
      p[format_decimal(c.pnl, p)] = '\0';
      q[format_decimal(x.pnl, q)] = '\0';
      std::snprintf(text, sizeof text, "bot %zu: position %s/%s pnl %s/%s cycles %u/%u open %zu\n",
                    i + 1, a, b, p, q, c.total_trades, x.cycles, x.open_orders);
      last += text;
    }
    if (agree) return;
    ::poll(nullptr, 0, 100);
  }
  ADD_FAILURE() << "the core (left) and the exchange (right) never agreed:\n" << last;
}

TEST(CoreE2E, BotsFromTheConfigTradeAndTheCoreAgreesWithTheExchangeExactly) {
  CoreRig rig(default_bots(), {"--walk-interval-ms", "60"});
  rig.start_core();
  ASSERT_TRUE(rig.wait_trading()) << rig.read_log();
  ASSERT_TRUE(wait_cycles(rig, 4, 60'000)) << rig.read_log();
  expect_core_agrees_with_exchange(rig);
  EXPECT_EQ(rig.stop_core(), 0) << rig.read_log();
  const std::string log = rig.read_log();
  EXPECT_NE(log.find("INFO core: stopped"), std::string::npos) << log;
  EXPECT_EQ(log.find("core-secret-42"), std::string::npos) << "a secret reached the log";
  // The clean stop left a checkpoint.
  bool checkpoint = false;
  for (const auto& e : std::filesystem::directory_iterator(rig.data_dir() + "/checkpoints")) {
    checkpoint |= e.path().extension() == ".sck";
  }
  EXPECT_TRUE(checkpoint);
}

TEST(CoreE2E, ASecondCoreOnTheSameDataIsRefusedWithThePidOfTheFirst) {
  CoreRig rig;
  rig.start_core();
  ASSERT_TRUE(rig.wait_trading()) << rig.read_log();
  PeerProcess second = core_with_stderr({SCALPER_CORE_BINARY, "--config", rig.config_path()});
  EXPECT_EQ(second.wait_exit(15'000), 3);
  const std::string log = rig.read_log();
  EXPECT_NE(log.find("another scalper-core (pid " + std::to_string(rig.core()->pid()) + ")"),
            std::string::npos)
      << log;
  EXPECT_TRUE(rig.wait_trading(2'000)) << "the first core must go on";
}

TEST(CoreE2E, GarbageInTheCommandRingIsRefusedAndTheCoreGoesOn) {
  CoreRig rig;
  rig.start_core();
  ASSERT_TRUE(rig.wait_trading()) << rig.read_log();
  std::string why;
  auto control = shm::ControlChannel::attach(rig.shm_name(), false, why);
  ASSERT_TRUE(control.has_value()) << why;
  shm::CommandRecord garbage;
  garbage.cmd_id = 5001;
  garbage.length = shm::kCommandBytes;
  for (std::size_t i = 0; i < shm::kCommandBytes; ++i) {
    garbage.bytes[i] = static_cast<std::byte>(i * 7 + 3);
  }
  shm::CommandRecord oversized;
  oversized.cmd_id = 5002;
  oversized.length = 0xFFFF'FFFF;
  shm::CommandRecord stop_all;
  ASSERT_TRUE(shm::encode_command(StopAll{5003}, 0, stop_all));
  ASSERT_EQ(control->send(garbage), shm::SendStatus::Ok);
  ASSERT_EQ(control->send(oversized), shm::SendStatus::Ok);
  ASSERT_EQ(control->send(stop_all), shm::SendStatus::Ok);
  std::map<std::uint64_t, CommandStatus> results;
  const std::int64_t end = timing::mono_ms() + 10'000;
  while (results.size() < 3 && timing::mono_ms() < end) {
    shm::EventRecord e;
    std::uint64_t missed = 0;
    if (!control->poll_event(e, missed)) {
      ::poll(nullptr, 0, 10);
      continue;
    }
    if (const auto* r = std::get_if<CommandResult>(&e.action); r && r->cmd_id >= 5001) {
      results[r->cmd_id] = r->status;
    }
  }
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[5001], CommandStatus::Invalid);
  EXPECT_EQ(results[5002], CommandStatus::Invalid);
  EXPECT_EQ(results[5003], CommandStatus::Ok);
  const std::int64_t health_by = timing::mono_ms() + 5'000;  // health is published at 10 Hz
  while (rig.health().commands_refused < 2 && timing::mono_ms() < health_by) ::poll(nullptr, 0, 20);
  EXPECT_EQ(rig.health().commands_refused, 2u);
  EXPECT_TRUE(rig.wait_trading(2'000)) << "the core must go on";
  // And it carried out the good command after the bad ones: every bot stopped.
  const std::int64_t stopped_by = timing::mono_ms() + 5'000;
  bool all_stopped = false;
  while (!all_stopped && timing::mono_ms() < stopped_by) {
    all_stopped = !rig.core_bots().empty();
    for (const auto& [id, bot] : rig.core_bots()) all_stopped &= bot.status == BotStatus::Stopped;
    if (!all_stopped) ::poll(nullptr, 0, 20);
  }
  EXPECT_TRUE(all_stopped);
}

// The kill switch through the command ring, as control will send it: every bot stops, the
// exchange's open orders all go with one cancel-all request, health says halted with the
// reason, and a start is refused until resume.
TEST(CoreE2E, HaltCancelsEveryOrderOnTheExchangeWithOneCancelAll) {
  CoreRig rig;
  rig.start_core();
  ASSERT_TRUE(rig.wait_trading()) << rig.read_log();
  const auto open_orders = [&] {
    std::size_t n = 0;
    for (const BotAccount& a : rig.exchange_accounts()) n += a.open_orders;
    return n;
  };
  const std::int64_t placed_by = timing::mono_ms() + 20'000;
  while (open_orders() < rig.bots().size() && timing::mono_ms() < placed_by) {
    ::poll(nullptr, 0, 50);  // the bots' first orders are on their way
  }
  ASSERT_EQ(open_orders(), rig.bots().size());

  std::string why;
  auto control = shm::ControlChannel::attach(rig.shm_name(), false, why);
  ASSERT_TRUE(control.has_value()) << why;
  shm::CommandRecord r;
  ASSERT_TRUE(shm::encode_command(Halt{501, HaltReason::Operator, {}}, 0, r));
  ASSERT_EQ(control->send(r), shm::SendStatus::Ok);
  const std::int64_t end = timing::mono_ms() + 20'000;
  while ((open_orders() != 0 || rig.health().state != shm::CoreState::Halted) &&
         timing::mono_ms() < end) {
    ::poll(nullptr, 0, 50);
  }
  EXPECT_EQ(open_orders(), 0u) << rig.read_log();
  const shm::HealthSnapshot h = rig.health();
  EXPECT_EQ(h.state, shm::CoreState::Halted);
  EXPECT_EQ(h.note.view(), "kill switch (operator): resume to trade again");
  for (const auto& [id, bot] : rig.core_bots()) EXPECT_EQ(bot.status, BotStatus::Stopped) << id;

  // One cancel-all request reached the exchange.
  simdjson::ondemand::parser parser;
  const simdjson::padded_string state(rig.sim().fetch("/sim/state"));
  simdjson::ondemand::document doc = parser.iterate(state);
  std::int64_t cancel_alls = 0;
  ASSERT_EQ(doc["rest_calls"]["/positions/cancel_all_open_orders"].get(cancel_alls),
            simdjson::SUCCESS)
      << std::string_view(state);
  EXPECT_EQ(cancel_alls, 1);

  // Halted: a start is refused, with the rule, until resume.
  ASSERT_TRUE(shm::encode_command(StartBot{502, BotId{1}}, 0, r));
  ASSERT_EQ(control->send(r), shm::SendStatus::Ok);
  bool refused = false;
  const std::int64_t answered_by = timing::mono_ms() + 10'000;
  while (!refused && timing::mono_ms() < answered_by) {
    shm::EventRecord e;
    std::uint64_t missed = 0;
    while (control->poll_event(e, missed)) {
      if (const auto* c = std::get_if<CommandResult>(&e.action); c != nullptr && c->cmd_id == 502) {
        refused = c->status == CommandStatus::Refused;
      }
    }
    if (!refused) ::poll(nullptr, 0, 20);
  }
  EXPECT_TRUE(refused);
  EXPECT_EQ(rig.stop_core(), 0) << rig.read_log();
}

// The disk refuses the journal's next segment (RLIMIT_FSIZE set on the running core: a real
// EFBIG from the kernel): the core stops stepping, shows itself halted, logs an ERROR, and
// exits 4 when stopped. Commands fill the journal fast (each is journaled before it is
// stepped).
TEST(CoreE2E, AFullDiskStopsTradingWithAnErrorAndNothingUnjournaled) {
  CoreRig rig;
  rig.set_core_lines("journal_segment_mb = 1\n");
  rig.start_core();
  ASSERT_TRUE(rig.wait_trading()) << rig.read_log();
  const rlimit small{512 * 1024, 512 * 1024};
  ASSERT_EQ(::prlimit(rig.core()->pid(), RLIMIT_FSIZE, &small, nullptr), 0);
  std::string why;
  auto control = shm::ControlChannel::attach(rig.shm_name(), false, why);
  ASSERT_TRUE(control.has_value()) << why;
  std::uint64_t cmd = 10'000;
  const std::int64_t end = timing::mono_ms() + 60'000;
  while (rig.health().state != shm::CoreState::Halted && timing::mono_ms() < end) {
    shm::CommandRecord r;
    ASSERT_TRUE(shm::encode_command(StopBot{++cmd, BotId{999}}, 0, r));
    if (control->send(r) == shm::SendStatus::Full) ::poll(nullptr, 0, 1);
    shm::EventRecord e;
    std::uint64_t missed = 0;
    while (control->poll_event(e, missed)) {
    }
  }
  ASSERT_EQ(rig.health().state, shm::CoreState::Halted) << rig.read_log();
  const std::uint64_t halted_at = rig.health().last_input_seq;
  EXPECT_EQ(rig.stop_core(), 4);
  const std::string log = rig.read_log();
  EXPECT_NE(log.find("ERROR core: journal write failed"), std::string::npos) << log;
  // Nothing was stepped that the journal does not hold: the journal ends at the last input
  // the engine stepped, and holds every one before it. The records the writer could not place
  // are in the ring; the next open (here the store's own, as the next start would) copies them.
  {
    JournalStoreConfig jc;
    jc.dir = rig.data_dir() + "/journal";
    JournalRecovery rec;
    std::string error;
    ASSERT_NE(JournalStore::open(jc, rec, error), nullptr) << error;
    EXPECT_EQ(rec.next_seq, halted_at + 1);
  }
  JournalReader reader;
  ASSERT_TRUE(reader.open(rig.data_dir() + "/journal")) << reader.problem();
  ASSERT_EQ(reader.read_from(1), SeekStatus::Ok);
  Event ev;
  std::uint64_t last = 0;
  while (reader.next(ev) == ReadStatus::Record) {
    EXPECT_EQ(ev.seq, last + 1);
    last = ev.seq;
  }
  EXPECT_EQ(last, halted_at);
}

// kill -9 at random instants while the walk fills orders and the stream drops now and then:
// after each restart the exchange never holds two live orders of one bot, and at the end the
// core's positions, PnL and cycles are the exchange's, exactly.
void kill_nine_rounds(int rounds, std::uint32_t seed) {
  CoreRig rig(default_bots(), {"--walk-interval-ms", "40"});
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> after_ms(0, 1'200);
  std::uniform_int_distribution<int> fault(0, 5);
  for (int round = 0; round < rounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    rig.start_core();
    ASSERT_TRUE(rig.wait_trading(30'000)) << rig.read_log();
    if (fault(rng) == 0) (void)rig.sim().control("/sim/fault", R"({"kind":"drop_stream"})");
    // Runs for a random while, checking the exchange meanwhile: at most one live order per
    // bot at every look.
    const std::int64_t until = timing::mono_ms() + after_ms(rng);
    do {
      for (const BotAccount& a : rig.exchange_accounts()) ASSERT_LE(a.open_orders, 1u);
    } while (timing::mono_ms() < until);
    rig.kill_core();
  }
  rig.start_core();
  ASSERT_TRUE(rig.wait_trading(30'000)) << rig.read_log();
  expect_core_agrees_with_exchange(rig, 30'000);
  // Not vacuous: the bots traded through the kills. (The walk drifts away from the bots'
  // fixed prices over a long run, so fills do not grow with the rounds: 135 in 1,000.)
  std::size_t fills = 0;
  for (const BotAccount& a : rig.exchange_accounts()) fills += a.fills;
  EXPECT_GE(fills, 10u);
}

TEST(CoreE2E, KillNineAtTwentyRandomPointsLosesNoFillAndDoublesNoOrder) {
  kill_nine_rounds(20, 20261203);
}

// Checkpoints every second while kill -9 lands at random instants (some while a checkpoint is
// being written), then the newest checkpoint is damaged by hand: the next start says it skipped
// it, rebuilds from the one before and the journal, and agrees with the exchange exactly.
TEST(CoreE2E, KillsAmidCheckpointsAndADamagedNewestCheckpointLoseNothing) {
  CoreRig rig(default_bots(), {"--walk-interval-ms", "40"});
  rig.set_core_lines("checkpoint_seconds = 1\n");
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> after_ms(1'000, 2'500);
  for (int round = 0; round < 4; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    rig.start_core();
    ASSERT_TRUE(rig.wait_trading(30'000)) << rig.read_log();
    const std::int64_t until = timing::mono_ms() + after_ms(rng);
    do {
      for (const BotAccount& a : rig.exchange_accounts()) ASSERT_LE(a.open_orders, 1u);
    } while (timing::mono_ms() < until);
    rig.kill_core();
  }
  std::uint64_t newest = 0;
  for (const auto& e : std::filesystem::directory_iterator(rig.data_dir() + "/checkpoints")) {
    std::uint64_t seq = 0;
    if (parse_checkpoint_file_name(e.path().filename().string(), seq)) newest = std::max(newest, seq);
  }
  ASSERT_GT(newest, 0u) << "no checkpoint was written: the test proves nothing";
  const std::string damaged = rig.data_dir() + "/checkpoints/" + checkpoint_file_name(newest);
  {
    std::fstream f(damaged, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(0, std::ios::end);
    const auto middle = static_cast<std::streamoff>(f.tellg()) / 2;
    char c = 0;
    f.seekg(middle);
    f.get(c);
    f.seekp(middle);
    f.put(static_cast<char>(c ^ 0x5a));
    ASSERT_TRUE(f.good());
  }
  rig.start_core();
  ASSERT_TRUE(rig.wait_trading(30'000)) << rig.read_log();
  expect_core_agrees_with_exchange(rig, 30'000);
  EXPECT_EQ(rig.stop_core(), 0) << rig.read_log();
  const std::string log = rig.read_log();
  EXPECT_NE(log.find("checkpoint skipped: " + damaged), std::string::npos) << log;
}

TEST(CoreE2ESlow, KillNineAtAThousandRandomPoints) { kill_nine_rounds(1'000, 7); }

}  // namespace
}  // namespace scalper::core::testing
