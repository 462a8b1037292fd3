// ShmPublisher between a real Engine and a real segment, with control's end attached in the
// same process: actions reach the event ring in order, changed bots their slots, prices,
// positions and balances theirs; commands from the ring are checked, stepped and answered,
// garbage is refused by name and never stepped; and the engine-thread paths allocate nothing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "alloc_counter.hpp"
#include "event_factory.hpp"
#include "scalper/core/shm_publisher.hpp"
#include "scalper/shm/command.hpp"
#include "scalper/timing/clock.hpp"

namespace scalper::core {
namespace {

using scalper::testing::dec;
using scalper::testing::EventFactory;
using scalper::testing::sym;

constexpr std::int64_t kMs = 1'000'000;

// What TradingCore does around the publisher: journal (here: nothing), step, publish.
class Stepper final : public feed::CommandSink {
 public:
  Stepper(Engine& engine, EventFactory& f)
      : engine_(engine), f_(f), out_(engine.outbox_capacity()) {
    last_.reserve(engine.outbox_capacity());
  }
  void attach(ShmPublisher& p) { publisher_ = &p; }

  void step(const Event& ev) {
    out_.clear();
    ASSERT_EQ(engine_.step(ev, out_), StepStatus::Ok);
    ++stepped_;
    publisher_->on_step(ev, out_.actions());
    last_.assign(out_.actions().begin(), out_.actions().end());
  }
  // The request id of the listing the last step asked for (0: none).
  [[nodiscard]] std::uint64_t last_query() const {
    for (const Action& a : last_) {
      if (const auto* q = std::get_if<QueryOrders>(&a)) return q->request_id;
    }
    return 0;
  }
  void command(const EventBody& command) override { step(f_.make(command)); }
  [[nodiscard]] int stepped() const { return stepped_; }
  [[nodiscard]] const std::vector<Action>& last() const { return last_; }

 private:
  Engine& engine_;
  EventFactory& f_;
  Outbox out_;
  ShmPublisher* publisher_ = nullptr;
  std::vector<Action> last_;
  int stepped_ = 0;
};

class ShmPublisherTest : public ::testing::Test {
 protected:
  ShmPublisherTest()
      : name_("scalper-publisher-test-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name()),
        engine_(engine_config()),
        stepper_(engine_, f_) {
    shm::Segment::remove(name_);
    core_.emplace(shm::CoreChannel::open(name_, schema(), 1, 1));
    std::string why;
    auto control = shm::ControlChannel::attach(name_, false, why);
    EXPECT_TRUE(control.has_value()) << why;
    control_.emplace(std::move(*control));
    ShmPublisherConfig c;
    c.max_symbols = schema().max_symbols;
    c.max_currencies = schema().max_currencies;
    c.pid = 42;
    publisher_.emplace(*core_, engine_, c);
    stepper_.attach(*publisher_);
    stepper_.step(f_.connected());
    const std::uint64_t listing = stepper_.last_query();
    stepper_.step(f_.reconcile_begin(listing));
    stepper_.step(f_.reconcile_end(listing));
  }
  ~ShmPublisherTest() override { shm::Segment::remove(name_); }

  static EngineConfig engine_config() {
    EngineConfig c;
    c.max_bots = 16;
    return c;
  }
  static shm::SchemaConfig schema() {
    shm::SchemaConfig s;
    s.max_bots = 16;
    s.max_symbols = 4;
    s.max_currencies = 2;
    s.command_capacity = 8;
    s.event_capacity = 256;
    return s;
  }

  // Without allocating (for the allocation test).
  void discard_events() {
    shm::EventRecord r;
    std::uint64_t missed = 0;
    while (control_->poll_event(r, missed)) {
    }
  }
  std::vector<shm::EventRecord> drain_events() {
    std::vector<shm::EventRecord> got;
    shm::EventRecord r;
    std::uint64_t missed = 0;
    while (control_->poll_event(r, missed)) {
      EXPECT_EQ(missed, 0u);
      got.push_back(r);
    }
    return got;
  }
  // Passes far enough apart that every rate-bounded publication is due.
  void turns(int n = 3) {
    for (int i = 0; i < n; ++i) {
      now_ += 200 * kMs;
      (void)publisher_->turn(now_, stepper_);
    }
  }

  std::string name_;
  EventFactory f_;
  Engine engine_;
  Stepper stepper_;
  std::optional<shm::CoreChannel> core_;
  std::optional<shm::ControlChannel> control_;
  std::optional<ShmPublisher> publisher_;
  std::int64_t now_ = 1'000 * kMs;
};

TEST_F(ShmPublisherTest, EveryActionReachesTheEventRingInOrderWithItsInputSeq) {
  (void)drain_events();
  const Event create = f_.create(EventFactory::params());
  stepper_.step(create);
  const std::vector<shm::EventRecord> got = drain_events();
  ASSERT_FALSE(got.empty());
  for (std::size_t i = 1; i < got.size(); ++i) EXPECT_EQ(got[i].sequence, got[i - 1].sequence + 1);
  for (const shm::EventRecord& r : got) EXPECT_EQ(r.input_seq, create.seq);
  bool placed = false;
  bool result = false;
  for (const shm::EventRecord& r : got) {
    placed |= std::holds_alternative<PlaceOrder>(r.action);
    result |= std::holds_alternative<CommandResult>(r.action);
  }
  EXPECT_TRUE(placed);
  EXPECT_TRUE(result);
}

TEST_F(ShmPublisherTest, AChangedBotReachesItsSlotAndADeletedOneEmptiesIt) {
  stepper_.step(f_.create(EventFactory::params("SOL/USDT")));
  OrderId order;
  for (const Action& a : stepper_.last()) {
    if (const auto* p = std::get_if<PlaceOrder>(&a)) order = p->order;
  }
  stepper_.step(f_.accepted(order, "x-1"));
  turns();
  const BotRecord* bot = engine_.bot_at_slot(0);
  ASSERT_NE(bot, nullptr);
  shm::BotSnapshot snap;
  ASSERT_TRUE(control_->read_bot(0, snap));
  EXPECT_EQ(snap.bot.id, bot->id);
  EXPECT_EQ(snap.bot.ticker.view(), "SOL/USDT");
  EXPECT_EQ(snap.bot.status, BotStatus::Active);
  EXPECT_GT(snap.event_sequence, 0u);

  stepper_.step(f_.remove(bot->id));  // cancels first; the bot goes when the cancel is seen
  stepper_.step(f_.update_event(EventFactory::report("x-1", ExchangeStatus::Cancelled, Side::Buy,
                                                     "3900", "0.01", "0", "0", "0", "SOL/USDT")));
  turns();
  ASSERT_TRUE(control_->read_bot(0, snap));
  EXPECT_EQ(snap.bot.id.value, 0u);
}

// A restarted core's bots come from its checkpoint and journal, not from steps: they must
// reach the segment without waiting for a change.
TEST(ShmPublisherStart, BotsAlreadyInTheEngineArePublishedOnTheFirstPasses) {
  const std::string name = "scalper-publisher-start-" + std::to_string(::getpid());
  shm::Segment::remove(name);
  EngineConfig config;
  config.max_bots = 4;
  Engine engine(config);
  EventFactory f;
  Outbox out(engine.outbox_capacity());
  ASSERT_EQ(engine.step(f.create(EventFactory::params()), out), StepStatus::Ok);
  shm::SchemaConfig schema;
  schema.max_bots = 4;
  auto core = shm::CoreChannel::open(name, schema, 1, 1);
  std::string why;
  auto control = shm::ControlChannel::attach(name, true, why);
  ASSERT_TRUE(control.has_value()) << why;
  ShmPublisher publisher(core, engine, ShmPublisherConfig{});
  Stepper none(engine, f);
  (void)publisher.turn(1'000 * kMs, none);
  shm::BotSnapshot snap;
  ASSERT_TRUE(control->read_bot(0, snap));
  EXPECT_EQ(snap.bot.id, engine.bot_at_slot(0)->id);
  shm::Segment::remove(name);
}

TEST_F(ShmPublisherTest, CommandsFromTheRingAreSteppedAndAnsweredWithTheirLatency) {
  shm::CommandRecord r;
  const std::uint64_t sent = static_cast<std::uint64_t>(timing::wall_ns());
  ASSERT_TRUE(shm::encode_command(CreateBot{77, EventFactory::params("BTC/USDT")}, sent, r));
  ASSERT_EQ(control_->send(r), shm::SendStatus::Ok);
  (void)drain_events();
  const int before = stepper_.stepped();
  turns(1);
  EXPECT_EQ(stepper_.stepped(), before + 1);
  EXPECT_EQ(engine_.bot_count(), 1u);
  bool answered = false;
  for (const shm::EventRecord& e : drain_events()) {
    if (const auto* res = std::get_if<CommandResult>(&e.action)) {
      answered = res->cmd_id == 77 && res->status == CommandStatus::Ok;
    }
  }
  EXPECT_TRUE(answered);
  EXPECT_EQ(publisher_->commands_received(), 1u);
  turns(1);
  shm::LatencyHistogram ack;
  ASSERT_TRUE(control_->read_latency(shm::LatencyPath::CommandToAck, ack));
  EXPECT_EQ(ack.count, 1u);
}

TEST_F(ShmPublisherTest, GarbageAndOversizedRecordsAreRefusedByNameAndNeverStepped) {
  shm::CommandRecord garbage;
  garbage.cmd_id = 901;
  garbage.length = 64;
  for (std::size_t i = 0; i < 64; ++i) garbage.bytes[i] = static_cast<std::byte>(0xA5 ^ i);
  shm::CommandRecord oversized;
  oversized.cmd_id = 902;
  oversized.length = 1u << 30;
  ASSERT_EQ(control_->send(garbage), shm::SendStatus::Ok);
  ASSERT_EQ(control_->send(oversized), shm::SendStatus::Ok);
  (void)drain_events();
  const int before = stepper_.stepped();
  turns(1);
  EXPECT_EQ(stepper_.stepped(), before);
  EXPECT_EQ(publisher_->commands_refused(), 2u);
  std::vector<std::pair<std::uint64_t, std::string>> refusals;
  for (const shm::EventRecord& e : drain_events()) {
    if (const auto* res = std::get_if<CommandResult>(&e.action)) {
      EXPECT_EQ(res->status, CommandStatus::Invalid);
      EXPECT_EQ(e.input_seq, 0u);
      refusals.emplace_back(res->cmd_id, std::string(res->text.view()));
    }
  }
  ASSERT_EQ(refusals.size(), 2u);
  EXPECT_EQ(refusals[0].first, 901u);
  EXPECT_EQ(refusals[0].second, shm::to_string(shm::CommandCheck::Undecodable));
  EXPECT_EQ(refusals[1].first, 902u);
  EXPECT_EQ(refusals[1].second, shm::to_string(shm::CommandCheck::Oversized));
  shm::HealthSnapshot h;
  ASSERT_TRUE(control_->read_health(h));
  EXPECT_EQ(h.commands_refused, 2u);
}

TEST_F(ShmPublisherTest, PricesPositionsAndBalancesReachTheirSlots) {
  feed::FeedEvent trade;
  trade.body = feed::TradeTick{sym("ETH/USDT"), dec("3001.5"), dec("0.2"), 5, 0, false, {}};
  publisher_->on_market(trade);
  feed::MarkPrice mark;
  mark.symbol = sym("ETH/USDT");
  mark.mark_price = dec("3001.25");
  mark.has_mark_price = true;
  feed::FeedEvent mark_event;
  mark_event.body = mark;
  publisher_->on_market(mark_event);
  feed::PositionUpdate pos;
  pos.symbol = sym("ETH/USDT");
  pos.active_pos = dec("-0.5");
  feed::FeedEvent pos_event;
  pos_event.body = pos;
  publisher_->on_market(pos_event);
  feed::BalanceUpdate bal;
  bal.currency.assign_truncated("USDT");
  bal.balance = dec("1234.5");
  feed::FeedEvent bal_event;
  bal_event.body = bal;
  publisher_->on_market(bal_event);

  shm::PriceSnapshot p;
  ASSERT_TRUE(control_->read_price(0, p));
  EXPECT_EQ(p.symbol.view(), "ETH/USDT");
  EXPECT_EQ(p.last, dec("3001.5"));
  EXPECT_EQ(p.mark, dec("3001.25"));
  shm::PositionSnapshot ps;
  ASSERT_TRUE(control_->read_position(0, ps));
  EXPECT_EQ(ps.size, dec("-0.5"));
  shm::BalanceSnapshot bs;
  ASSERT_TRUE(control_->read_balance(0, bs));
  EXPECT_EQ(bs.balance, dec("1234.5"));
}

TEST_F(ShmPublisherTest, MoreSymbolsThanSlotsAreDroppedNotOverflowed) {
  for (int i = 0; i < 10; ++i) {
    feed::FeedEvent trade;
    trade.body = feed::TradeTick{
        sym("S" + std::to_string(i) + "/USDT"), dec("1"), dec("1"), 0, 0, false, {}};
    publisher_->on_market(trade);
  }
  shm::PriceSnapshot p;
  ASSERT_TRUE(control_->read_price(3, p));
  EXPECT_EQ(p.symbol.view(), "S3/USDT");
  EXPECT_FALSE(control_->read_price(4, p));
}

TEST_F(ShmPublisherTest, HealthShowsTheStateLinksAndCounters) {
  publisher_->set_state(shm::CoreState::Halted, "operator halt");
  shm::HealthSnapshot h;
  ASSERT_TRUE(control_->read_health(h));
  EXPECT_EQ(h.state, shm::CoreState::Halted);
  EXPECT_EQ(h.note.view(), "operator halt");
  EXPECT_EQ(h.pid, 42u);
  EXPECT_EQ(h.venues[0].link, VenueLink::Live);
  EXPECT_NE(h.venues[0].connected_since_wall_ns, 0);
  EXPECT_EQ(h.last_input_seq, f_.seq());
  EXPECT_EQ(h.venues[0].reconnects, 0u);
}

// The engine's kill switch shows in health while the process trades, with its reason, and goes
// once resumed; a state the process sets (a journal failure) is not undone by a resume.
TEST_F(ShmPublisherTest, TheEnginesKillSwitchShowsAsHaltedUntilResumed) {
  publisher_->set_state(shm::CoreState::Trading, "");
  stepper_.step(f_.make(Halt{77, HaltReason::RiskLimit, {}}));
  publisher_->publish_all(now_);
  shm::HealthSnapshot h;
  ASSERT_TRUE(control_->read_health(h));
  EXPECT_EQ(h.state, shm::CoreState::Halted);
  EXPECT_EQ(h.halt_reason, static_cast<std::uint8_t>(HaltReason::RiskLimit));
  EXPECT_EQ(h.note.view(), "kill switch (risk limit): resume to trade again");

  stepper_.step(f_.make(Resume{78}));
  publisher_->publish_all(now_);
  ASSERT_TRUE(control_->read_health(h));
  EXPECT_EQ(h.state, shm::CoreState::Trading);
  EXPECT_EQ(h.note.view(), "");

  stepper_.step(f_.make(Halt{79, HaltReason::Operator, {}}));
  publisher_->set_state(shm::CoreState::Halted, "journal write failed: trading stopped");
  stepper_.step(f_.make(Resume{80}));
  publisher_->publish_all(now_);
  ASSERT_TRUE(control_->read_health(h));
  EXPECT_EQ(h.state, shm::CoreState::Halted);
  EXPECT_EQ(h.note.view(), "journal write failed: trading stopped");
}

TEST_F(ShmPublisherTest, AReconnectIsCountedOnceAndASecondConnectNotAtAll) {
  stepper_.step(f_.connected());  // the session's second report (its joins settled)
  feed::FeedEvent trade;
  trade.body = feed::TradeTick{sym("ETH/USDT"), dec("3000"), dec("1"), 1, 0, false, {}};
  publisher_->on_market(trade);
  stepper_.step(f_.disconnected());
  stepper_.step(f_.connected());
  stepper_.step(f_.connected());
  publisher_->set_state(shm::CoreState::Trading, "");
  shm::HealthSnapshot h;
  ASSERT_TRUE(control_->read_health(h));
  EXPECT_EQ(h.venues[0].reconnects, 1u);
  EXPECT_NE(h.venues[0].connected_since_wall_ns, 0);
}

TEST_F(ShmPublisherTest, TheStepPathsAllocateNothing) {
  stepper_.step(f_.create(EventFactory::params()));
  turns();
  feed::FeedEvent trade;
  trade.body = feed::TradeTick{sym("ETH/USDT"), dec("3000"), dec("1"), 1, 0, false, {}};
  publisher_->on_market(trade);
  shm::CommandRecord r;
  ASSERT_TRUE(shm::encode_command(StopAll{5}, 1, r));
  const std::uint64_t before = scalper::testing::thread_allocation_count();
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(control_->send(r), shm::SendStatus::Ok);
    publisher_->on_market(trade);
    turns(1);
    discard_events();
  }
  EXPECT_EQ(scalper::testing::thread_allocation_count() - before, 0u)
      << "the publisher allocated on the engine thread";
}

}  // namespace
}  // namespace scalper::core
