// scalper-shm-dump against a live segment: it prints what the core published, and says why
// when there is nothing to attach to.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "event_factory.hpp"
#include "scalper/shm/channel.hpp"
#include "shm_test_support.hpp"

namespace scalper::shm {
namespace {

struct CliResult {
  int rc = -1;
  std::string out;
};

CliResult run(const std::string& args) {
  CliResult r;
  const std::string cmd = std::string(SCALPER_SHM_DUMP_BIN) + " " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = ::pclose(p);
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST(ShmDumpCli, PrintsHeaderRingsAndSnapshots) {
  const std::string name = "scalper-dump-test-" + std::to_string(::getpid());
  Segment::remove(name);
  SchemaConfig c;
  c.max_bots = 4;
  c.max_symbols = 2;
  c.command_capacity = 8;
  c.event_capacity = 8;
  {
    CoreChannel core = CoreChannel::open(name, c, 4242, testing::now_ns());
    BotSnapshot s;
    s.bot.id = BotId{5};
    s.bot.ticker = scalper::testing::sym("ETH/USDT");
    s.bot.status = BotStatus::Active;
    s.bot.pnl = scalper::testing::dec("0.4708");
    core.publish_bot(1, s);
    core.publish_event(BotDeleted{BotId{9}}, 1, 0);
    const CliResult r = run(name);
    EXPECT_EQ(r.rc, 0) << r.out;
    EXPECT_NE(r.out.find("epoch 4242"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("event ring: 1 written, 0 read"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("bot 5 ETH/USDT CoinDCX F ACTIVE"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("pnl 0.4708"), std::string::npos) << r.out;
  }
  Segment::remove(name);
  const CliResult gone = run(name);
  EXPECT_EQ(gone.rc, 1);
  EXPECT_NE(gone.out.find("is scalper-core running?"), std::string::npos) << gone.out;
  EXPECT_EQ(run("--help").rc, 0);
  EXPECT_EQ(run("--bogus").rc, 2);
}

}  // namespace
}  // namespace scalper::shm
