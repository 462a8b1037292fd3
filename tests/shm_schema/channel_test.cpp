// CoreChannel and ControlChannel over a real segment: commands in, numbered events out, gaps
// detected, snapshots, read-only attach, a full command ring, a core restart.
#include <gtest/gtest.h>

#include <string>

#include "event_factory.hpp"
#include "scalper/shm/channel.hpp"
#include "shm_test_support.hpp"

namespace scalper::shm {
namespace {

using scalper::testing::EventFactory;

class ChannelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    name_ = "scalper-channel-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    Segment::remove(name_);
  }
  void TearDown() override { Segment::remove(name_); }

  static SchemaConfig small() {
    SchemaConfig c;
    c.max_bots = 8;
    c.max_symbols = 4;
    c.command_capacity = 4;
    c.event_capacity = 8;
    return c;
  }
  CoreChannel open_core(std::uint64_t epoch = 1) {
    return CoreChannel::open(name_, small(), epoch, testing::now_ns());
  }
  ControlChannel attach(bool read_only = false) {
    std::string why;
    std::optional<ControlChannel> ch = ControlChannel::attach(name_, read_only, why);
    if (!ch) ADD_FAILURE() << why;
    return std::move(*ch);
  }

  std::string name_;
};

TEST_F(ChannelTest, CommandsReachTheCoreInOrder) {
  CoreChannel core = open_core();
  ControlChannel control = attach();
  CommandRecord create;
  create.sent_wall_ns = 42;
  create.command = CreateBot{7, EventFactory::params("SOL/USDT")};
  ASSERT_EQ(control.send(create), SendStatus::Ok);
  CommandRecord stop;
  stop.command = StopBot{8, BotId{3}};
  ASSERT_EQ(control.send(stop), SendStatus::Ok);

  CommandRecord got;
  ASSERT_TRUE(core.try_pop_command(got));
  ASSERT_TRUE(std::holds_alternative<CreateBot>(got.command));
  EXPECT_EQ(std::get<CreateBot>(got.command).cmd_id, 7u);
  EXPECT_EQ(std::get<CreateBot>(got.command).params.ticker.view(), "SOL/USDT");
  EXPECT_EQ(got.sent_wall_ns, 42u);
  ASSERT_TRUE(core.try_pop_command(got));
  EXPECT_EQ(std::get<StopBot>(got.command).bot, BotId{3});
  EXPECT_FALSE(core.try_pop_command(got));
  EXPECT_EQ(control.commands_sent(), 2u);
  EXPECT_EQ(control.commands_taken(), 2u);
}

TEST_F(ChannelTest, FullCommandRingIsAnErrorNotABlock) {
  CoreChannel core = open_core();
  ControlChannel control = attach();
  CommandRecord r;
  r.command = StopAll{1};
  for (int i = 0; i < 4; ++i) ASSERT_EQ(control.send(r), SendStatus::Ok);
  EXPECT_EQ(control.send(r), SendStatus::Full);
  CommandRecord got;
  ASSERT_TRUE(core.try_pop_command(got));
  EXPECT_EQ(control.send(r), SendStatus::Ok);  // room again once the core drains one
}

TEST_F(ChannelTest, EventsAreNumberedAndALaggingControlSeesTheGap) {
  CoreChannel core = open_core();
  ControlChannel control = attach();
  BotDeleted deleted;
  for (std::uint64_t i = 1; i <= 8; ++i) {
    deleted.bot = BotId{i};
    EXPECT_TRUE(core.publish_event(deleted, 100 + i, 0));
  }
  deleted.bot = BotId{9};
  EXPECT_FALSE(core.publish_event(deleted, 109, 0));  // control lags: dropped, never waited on
  EXPECT_EQ(core.events_dropped(), 1u);

  EventRecord e;
  std::uint64_t missed = 99;
  for (std::uint64_t i = 1; i <= 8; ++i) {
    ASSERT_TRUE(control.poll_event(e, missed));
    EXPECT_EQ(e.sequence, i);
    EXPECT_EQ(e.input_seq, 100 + i);
    EXPECT_EQ(missed, 0u);
    EXPECT_EQ(std::get<BotDeleted>(e.action).bot, BotId{i});
  }
  EXPECT_FALSE(control.poll_event(e, missed));
  deleted.bot = BotId{10};
  ASSERT_TRUE(core.publish_event(deleted, 110, 0));
  ASSERT_TRUE(control.poll_event(e, missed));
  EXPECT_EQ(e.sequence, 10u);
  EXPECT_EQ(missed, 1u) << "record 9 was dropped: control must catch it up from the journal";
}

TEST_F(ChannelTest, SnapshotsAreReadBackAndUnwrittenSlotsSaySo) {
  CoreChannel core = open_core();
  ControlChannel control = attach();
  EXPECT_EQ(control.bot_slots(), 8u);
  EXPECT_EQ(control.price_slots(), 4u);
  BotSnapshot snap;
  EXPECT_FALSE(control.read_bot(3, snap));
  snap.bot.id = BotId{17};
  snap.bot.ticker = scalper::testing::sym("ETH/USDT");
  snap.bot.pnl = scalper::testing::dec("1.25");
  snap.event_sequence = 5;
  core.publish_bot(3, snap);
  BotSnapshot got;
  ASSERT_TRUE(control.read_bot(3, got));
  EXPECT_EQ(got.bot.id, BotId{17});
  EXPECT_EQ(got.bot.pnl, scalper::testing::dec("1.25"));
  EXPECT_EQ(got.event_sequence, 5u);
  EXPECT_FALSE(control.read_bot(8, got));  // out of range

  HealthSnapshot health;
  health.venues[0].link = VenueLink::Live;
  health.last_input_seq = 77;
  core.publish_health(health);
  HealthSnapshot h;
  ASSERT_TRUE(control.read_health(h));
  EXPECT_EQ(h.venues[0].link, VenueLink::Live);
  EXPECT_EQ(h.last_input_seq, 77u);

  LatencyHistogram lat;
  lat.count = 3;
  lat.max_ns = 900;
  core.publish_latency(LatencyPath::TickToOrder, lat);
  LatencyHistogram l;
  ASSERT_TRUE(control.read_latency(LatencyPath::TickToOrder, l));
  EXPECT_EQ(l.count, 3u);
  EXPECT_FALSE(control.read_latency(LatencyPath::CommandToAck, l));

  PriceSnapshot px;
  px.symbol = scalper::testing::sym("BTC/USDT");
  px.last = scalper::testing::dec("60000.5");
  core.publish_price(2, px);
  PriceSnapshot p;
  ASSERT_TRUE(control.read_price(2, p));
  EXPECT_EQ(p.last, scalper::testing::dec("60000.5"));
}

TEST_F(ChannelTest, ReadOnlyAttachReadsButNeverWrites) {
  CoreChannel core = open_core();
  ControlChannel dump = attach(/*read_only=*/true);
  CommandRecord r;
  r.command = StopAll{1};
  EXPECT_EQ(dump.send(r), SendStatus::ReadOnly);
  core.publish_event(BotDeleted{BotId{1}}, 1, 0);
  EventRecord e;
  std::uint64_t missed = 0;
  EXPECT_FALSE(dump.poll_event(e, missed));  // consuming would steal control's events
  EXPECT_EQ(dump.events_written(), 1u);
  EXPECT_EQ(dump.events_read(), 0u);
  dump.heartbeat(testing::now_ns());  // a no-op on a read-only mapping, not a fault
}

TEST_F(ChannelTest, AttachToNothingSaysWhy) {
  std::string why;
  EXPECT_FALSE(ControlChannel::attach(name_, false, why).has_value());
  EXPECT_FALSE(why.empty());
}

TEST_F(ChannelTest, ControlNoticesACoreRestartAndReattaches) {
  std::optional<CoreChannel> core(open_core(/*epoch=*/11));
  ControlChannel control = attach();
  EXPECT_FALSE(control.core_restarted());
  core.reset();  // the core exits (its lock goes with it) …
  core.emplace(open_core(/*epoch=*/12));  // … and a new one starts under the same name
  EXPECT_TRUE(control.core_restarted());
  ControlChannel again = attach();
  EXPECT_EQ(again.segment().epoch(), 12u);
  EXPECT_FALSE(again.core_restarted());
}

TEST_F(ChannelTest, BadCapacitiesAreRefusedWithAClearError) {
  SchemaConfig c = small();
  c.event_capacity = 12;
  try {
    (void)CoreChannel::open(name_, c, 1, testing::now_ns());
    FAIL() << "a ring capacity that is not a power of two was accepted";
  } catch (const SegmentError& e) {
    EXPECT_EQ(e.code(), SegmentError::Code::BadSpec);
  }
}

TEST(SchemaLayout, RegionsFollowTheConfig) {
  SchemaConfig c;
  c.max_bots = 10;
  c.event_capacity = 16;
  const auto specs = region_specs(c);
  EXPECT_EQ(specs[0].kind, static_cast<std::uint32_t>(RegionKind::CommandRing));
  EXPECT_EQ(specs[1].size, SpscRing<EventRecord>::bytes_for(16));
  EXPECT_EQ(specs[2].size, 10 * SeqlockSlot<BotSnapshot>::bytes());
}

}  // namespace
}  // namespace scalper::shm
