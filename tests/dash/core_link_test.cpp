// CoreLink over real segments, in one process (the tmux tests do it across processes): no core,
// a core, its restart under a new epoch, its segment removed, a core that died leaving its
// segment; and read-only for real: no event popped, no heartbeat written.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <optional>
#include <string>

#include "event_factory.hpp"
#include "scalper/dash/core_link.hpp"
#include "scalper/dash/model.hpp"
#include "scalper/shm/channel.hpp"
#include "scalper/timing/clock.hpp"

namespace scalper::dash {
namespace {

using shm::CoreChannel;
using shm::Segment;

std::uint64_t mono() { return static_cast<std::uint64_t>(timing::mono_ns()); }

class CoreLinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    name_ = "scalper-dash-link-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    Segment::remove(name_);
  }
  void TearDown() override { Segment::remove(name_); }

  CoreChannel open_core(std::uint64_t epoch) {
    shm::SchemaConfig c;
    c.max_bots = 4;
    c.max_symbols = 2;
    c.max_currencies = 2;
    c.command_capacity = 4;
    c.event_capacity = 8;
    return CoreChannel::open(name_, c, epoch, mono());
  }

  std::string name_;
};

TEST_F(CoreLinkTest, NoSegmentMeansNoCoreWithTheReason) {
  CoreLink link(name_);
  link.poll(0);
  EXPECT_EQ(link.channel(), nullptr);
  EXPECT_NE(link.why().find("is scalper-core running?"), std::string::npos) << link.why();
  EXPECT_TRUE(link.notice(0).empty());
}

TEST_F(CoreLinkTest, AttachesReadOnlyAndNeverTakesAnEventOrBeats) {
  CoreChannel core = open_core(1);
  ASSERT_TRUE(core.publish_event(BotDeleted{BotId{9}}, 1, 0));
  ASSERT_TRUE(core.publish_event(BotDeleted{BotId{8}}, 2, 0));
  shm::BotSnapshot s;
  s.bot.id = BotId{5};
  s.bot.ticker = scalper::testing::sym("ETH/USDT");
  core.publish_bot(2, s);

  CoreLink link(name_);
  link.poll(1'000);
  const shm::ControlChannel* ch = link.channel();
  ASSERT_NE(ch, nullptr) << link.why();
  EXPECT_TRUE(ch->segment().read_only());
  EXPECT_EQ(link.notice(1'000), "attached to core epoch 1");
  EXPECT_TRUE(link.notice(1'000 + kNoticeNs).empty());  // notices fade

  for (int i = 0; i < 3; ++i) {
    link.poll(2'000);
    const RawSnapshot raw = capture(*link.channel(), timing::mono_ns());
    ASSERT_EQ(raw.bots.size(), 1u);
    EXPECT_EQ(raw.bots[0].bot.id, BotId{5});
    EXPECT_EQ(raw.events_written, 2u);
    EXPECT_EQ(raw.events_read, 0u);  // the events are still there for scalper-control
  }
  EXPECT_EQ(core.segment().header().control_heartbeat_ns.load(), 0u);
}

TEST_F(CoreLinkTest, FollowsARestartAndARemoval) {
  CoreLink link(name_);
  {
    CoreChannel first = open_core(1);
    link.poll(0);
    ASSERT_NE(link.channel(), nullptr);
  }  // the first core goes away (its lock with it); its segment stays
  CoreChannel second = open_core(2);
  link.poll(100);
  ASSERT_NE(link.channel(), nullptr) << link.why();
  EXPECT_EQ(link.channel()->segment().epoch(), 2u);
  EXPECT_EQ(link.notice(100), "core restarted (epoch 2)");

  ASSERT_TRUE(Segment::remove(name_));
  link.poll(200);
  EXPECT_EQ(link.channel(), nullptr);
  EXPECT_EQ(link.notice(200), "core stopped (epoch 2)");
  EXPECT_NE(link.why().find("is scalper-core running?"), std::string::npos) << link.why();

  link.poll(300);  // keeps retrying, and says the same
  EXPECT_EQ(link.channel(), nullptr);
}

// A core that dies leaves its segment: the pid is gone, so nothing there is live.
TEST_F(CoreLinkTest, ASegmentLeftByADeadCoreIsNoCore) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    try {
      CoreChannel core = open_core(5);
      ::_exit(0);  // no destructor: the segment stays, as after a crash
    } catch (...) {
      ::_exit(1);
    }
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);  // reaped: its pid no longer exists
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

  CoreLink link(name_);
  link.poll(0);
  EXPECT_EQ(link.channel(), nullptr);
  EXPECT_NE(
      link.why().find("left from a core that exited (pid " + std::to_string(child) + ", epoch 5)"),
      std::string::npos)
      << link.why();
  EXPECT_TRUE(link.notice(0).empty());  // a dead core's segment is not announced

  CoreChannel next = open_core(6);  // a new core replaces the abandoned segment
  link.poll(100);
  ASSERT_NE(link.channel(), nullptr) << link.why();
  EXPECT_EQ(link.notice(100), "attached to core epoch 6");
}

}  // namespace
}  // namespace scalper::dash
