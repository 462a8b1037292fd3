// CoreChannel and ControlChannel over a real segment: commands in, numbered events out, gaps
// detected, snapshots, read-only attach, a full command ring, a core restart.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "event_factory.hpp"
#include "scalper/engine/journal.hpp"
#include "scalper/shm/channel.hpp"
#include "scalper/shm/command.hpp"
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
  ASSERT_TRUE(encode_command(CreateBot{7, EventFactory::params("SOL/USDT")}, 42, create));
  ASSERT_EQ(control.send(create), SendStatus::Ok);
  CommandRecord stop;
  ASSERT_TRUE(encode_command(StopBot{8, BotId{3}}, 43, stop));
  ASSERT_EQ(control.send(stop), SendStatus::Ok);

  CommandRecord got;
  EventBody body;
  ASSERT_TRUE(core.try_pop_command(got));
  ASSERT_EQ(decode_command(got, body), CommandCheck::Ok);
  ASSERT_TRUE(std::holds_alternative<CreateBot>(body));
  EXPECT_EQ(std::get<CreateBot>(body).cmd_id, 7u);
  EXPECT_EQ(std::get<CreateBot>(body).params.ticker.view(), "SOL/USDT");
  EXPECT_EQ(got.sent_wall_ns, 42u);
  EXPECT_EQ(got.cmd_id, 7u);
  ASSERT_TRUE(core.try_pop_command(got));
  ASSERT_EQ(decode_command(got, body), CommandCheck::Ok);
  EXPECT_EQ(std::get<StopBot>(body).bot, BotId{3});
  EXPECT_FALSE(core.try_pop_command(got));
  EXPECT_EQ(control.commands_sent(), 2u);
  EXPECT_EQ(control.commands_taken(), 2u);
}

TEST_F(ChannelTest, FullCommandRingIsAnErrorNotABlock) {
  CoreChannel core = open_core();
  ControlChannel control = attach();
  CommandRecord r;
  ASSERT_TRUE(encode_command(StopAll{1}, 0, r));
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
  ASSERT_TRUE(encode_command(StopAll{1}, 0, r));
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

// The fuzz target's seeds (tests/fuzz/corpus/fuzz_shm_command): one valid record per command
// kind, in the target's input format (cmd_id, length, bytes). Written with
// SCALPER_UPDATE_GOLDEN=1; otherwise the seeds on disk must still decode, so they cannot go
// stale when the journal encoding changes.
TEST(CommandRecordTest, FuzzSeedsAreValidCommands) {
  const EventBody commands[] = {CreateBot{1, EventFactory::params("SOL/USDT")},
                                StartBot{2, BotId{1}},
                                StopBot{3, BotId{1}},
                                ToggleBot{4, BotId{1}},
                                DeleteBot{5, BotId{1}},
                                StopAll{6}};
  const char* update = std::getenv("SCALPER_UPDATE_GOLDEN");
  const bool updating = update != nullptr && std::string_view(update) == "1";
  for (const EventBody& command : commands) {
    CommandRecord r;
    ASSERT_TRUE(encode_command(command, 0, r));
    std::string seed(12 + r.length, '\0');
    std::memcpy(seed.data(), &r.cmd_id, 8);
    std::memcpy(seed.data() + 8, &r.length, 4);
    std::memcpy(seed.data() + 12, r.bytes, r.length);
    const std::string path = std::string(SCALPER_FUZZ_CORPUS_DIR) + "/fuzz_shm_command/kind_" +
                             std::to_string(command.index());
    if (updating) {
      std::ofstream(path, std::ios::binary | std::ios::trunc) << seed;
      continue;
    }
    std::ifstream in(path, std::ios::binary);
    const std::string disk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_GE(disk.size(), 12u) << path << ": missing; regenerate with SCALPER_UPDATE_GOLDEN=1";
    CommandRecord back;
    std::memcpy(&back.cmd_id, disk.data(), 8);
    std::memcpy(&back.length, disk.data() + 8, 4);
    ASSERT_EQ(back.length, disk.size() - 12) << path;
    std::memcpy(back.bytes, disk.data() + 12, back.length);
    EventBody decoded;
    EXPECT_EQ(decode_command(back, decoded), CommandCheck::Ok) << path << " is stale";
  }
}

}  // namespace
// The command ring is outside input to the core: every way a record can be wrong is caught
// before a field of it is read.
TEST(CommandRecordTest, GarbageOversizedAndForeignRecordsAreRefusedWithTheReason) {
  CommandRecord good;
  ASSERT_TRUE(encode_command(DeleteBot{5, BotId{2}}, 1, good));
  EventBody body;
  ASSERT_EQ(decode_command(good, body), CommandCheck::Ok);
  EXPECT_EQ(std::get<DeleteBot>(body).bot, BotId{2});

  CommandRecord oversized = good;
  oversized.length = kCommandBytes + 1;
  EXPECT_EQ(decode_command(oversized, body), CommandCheck::Oversized);

  CommandRecord flipped = good;
  flipped.bytes[good.length / 2] ^= std::byte{0x40};
  EXPECT_EQ(decode_command(flipped, body), CommandCheck::Undecodable);

  CommandRecord truncated = good;
  truncated.length -= 1;
  EXPECT_EQ(decode_command(truncated, body), CommandCheck::Undecodable);

  CommandRecord garbage;
  garbage.length = kCommandBytes;
  for (std::size_t i = 0; i < kCommandBytes; ++i) {
    garbage.bytes[i] = static_cast<std::byte>(i * 31 + 7);
  }
  EXPECT_EQ(decode_command(garbage, body), CommandCheck::Undecodable);

  CommandRecord wrong_id = good;
  wrong_id.cmd_id = 6;
  EXPECT_EQ(decode_command(wrong_id, body), CommandCheck::IdMismatch);

  // A well-formed event that an operator must not send: a fill report.
  CommandRecord fill;
  EventFactory f;
  const Event ev = f.update_event(
      EventFactory::report("ox-1", ExchangeStatus::Filled, Side::Buy, "3000", "0.01", "0.01"));
  fill.length = static_cast<std::uint32_t>(journal::encode_record(ev, std::span(fill.bytes)));
  ASSERT_GT(fill.length, 0u);
  EXPECT_EQ(decode_command(fill, body), CommandCheck::NotACommand);
  EXPECT_FALSE(encode_command(ev.body, 0, fill));  // and control cannot encode one
}

TEST_F(ChannelTest, PositionsAndBalancesReachControl) {
  CoreChannel core = open_core();
  ControlChannel control = attach();
  PositionSnapshot pos;
  pos.symbol.assign_truncated("B-ETH_USDT");
  pos.size = scalper::testing::dec("-0.25");
  core.publish_position(1, pos);
  BalanceSnapshot bal;
  bal.currency.assign_truncated("USDT");
  bal.balance = scalper::testing::dec("1000.5");
  core.publish_balance(0, bal);
  PositionSnapshot p;
  ASSERT_TRUE(control.read_position(1, p));
  EXPECT_EQ(p.size, scalper::testing::dec("-0.25"));
  EXPECT_FALSE(control.read_position(control.position_slots(), p));
  BalanceSnapshot b;
  ASSERT_TRUE(control.read_balance(0, b));
  EXPECT_EQ(b.currency.view(), "USDT");
  EXPECT_EQ(b.balance, scalper::testing::dec("1000.5"));
}

}  // namespace scalper::shm
