// A control process that fell behind: the event ring overflows while it is away, it sees the
// gap in the records' sequence, and replay_actions_after() gives it exactly the actions it
// missed, from the core's journal (and a checkpoint), the same as the core published.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "event_factory.hpp"
#include "scalper/core/catch_up.hpp"
#include "scalper/core/checkpoint_store.hpp"
#include "scalper/core/journal_store.hpp"
#include "scalper/core/shm_publisher.hpp"
#include "scalper/engine/digest.hpp"

namespace scalper::core {
namespace {

using scalper::testing::EventFactory;

class NoCommands final : public feed::CommandSink {
 public:
  void command(const EventBody&) override {}
};

class CatchUpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string tag = std::to_string(::getpid()) + "-" +
                            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    dir_ = std::filesystem::path(::testing::TempDir()) / ("scalper-catchup-" + tag);
    std::filesystem::remove_all(dir_);
    shm_ = "scalper-catchup-" + tag;
    shm::Segment::remove(shm_);
    config_.max_bots = 16;
    engine_.emplace(config_);
    out_.emplace(engine_->outbox_capacity());
    JournalStoreConfig jc;
    jc.dir = dir_ / "journal";
    jc.engine = config_;
    jc.segment_bytes = 1 << 20;
    JournalRecovery rec;
    std::string error;
    journal_ = JournalStore::open(jc, rec, error);
    ASSERT_NE(journal_, nullptr) << error;
    shm::SchemaConfig schema;
    schema.max_bots = 16;
    schema.event_capacity = 16;  // control will lag past this
    core_.emplace(shm::CoreChannel::open(shm_, schema, 1, 1));
    std::string why;
    auto control = shm::ControlChannel::attach(shm_, false, why);
    ASSERT_TRUE(control.has_value()) << why;
    control_.emplace(std::move(*control));
    publisher_.emplace(*core_, *engine_, ShmPublisherConfig{});
  }
  void TearDown() override {
    journal_.reset();
    shm::Segment::remove(shm_);
    std::filesystem::remove_all(dir_);
  }

  // Journal, step, publish: the core's order. Keeps what was published, for comparison.
  void step(const Event& ev) {
    ASSERT_EQ(journal_->append(ev), AppendStatus::Ok);
    out_->clear();
    ASSERT_EQ(engine_->step(ev, *out_), StepStatus::Ok);
    publisher_->on_step(ev, out_->actions());
    for (const Action& a : out_->actions()) published_.emplace_back(ev.seq, a);
  }
  // A day's worth of a few bots: creates, accepts, fills both ways.
  void trade(int cycles) {
    for (int c = 0; c < cycles; ++c) {
      step(f_.create(EventFactory::params("ETH/USDT", Side::Buy, "0.01", "3000", "3010")));
      OrderId order;
      for (const auto& [seq, a] : published_) {
        if (const auto* p = std::get_if<PlaceOrder>(&a)) order = p->order;
      }
      const std::string xid = "x-" + std::to_string(c);
      step(f_.accepted(order, xid));
      step(f_.update_event(EventFactory::report(xid, ExchangeStatus::Filled, Side::Buy, "3000",
                                                "0.01", "0.01", "3000")));
    }
  }

  std::filesystem::path dir_;
  std::string shm_;
  EngineConfig config_;
  EventFactory f_;
  std::optional<Engine> engine_;
  std::optional<Outbox> out_;
  std::unique_ptr<JournalStore> journal_;
  std::optional<shm::CoreChannel> core_;
  std::optional<shm::ControlChannel> control_;
  std::optional<ShmPublisher> publisher_;
  std::vector<std::pair<std::uint64_t, Action>> published_;
};

TEST_F(CatchUpTest, ALaggingReaderSeesTheGapAndGetsExactlyWhatItMissedFromTheJournal) {
  std::string why;
  // The stream comes up and the venue goes live; control reads along.
  step(f_.connected());
  std::uint64_t listing = 0;
  for (const auto& [seq, a] : published_) {
    if (const auto* q = std::get_if<QueryOrders>(&a)) listing = q->request_id;
  }
  step(f_.reconcile_begin(listing));
  step(f_.reconcile_end(listing));
  std::vector<shm::EventRecord> seen;
  shm::EventRecord r;
  std::uint64_t missed = 0;
  while (control_->poll_event(r, missed)) {
    ASSERT_EQ(missed, 0u);
    seen.push_back(r);
  }
  ASSERT_FALSE(seen.empty());
  const std::uint64_t last_input_seen = seen.back().input_seq;
  const std::size_t published_before = published_.size();

  // Control is away: far more actions than the ring holds.
  trade(12);
  ASSERT_GT(core_->events_dropped(), 0u);

  // Back: the ring's records, then a jump in the sequence.
  std::uint64_t gap = 0;
  while (control_->poll_event(r, missed)) gap += missed;
  EXPECT_EQ(gap, 0u) << "the ring keeps the oldest records; the jump shows on the next one";
  step(f_.stop_all());
  ASSERT_TRUE(control_->poll_event(r, missed));
  EXPECT_GT(missed, 0u) << "the gap must be visible";

  // Catch up from the journal: every action of every input after the last one control saw
  // whole, exactly as published.
  ASSERT_TRUE(journal_->sync_now(std::chrono::milliseconds(5'000)));
  ActionDigest expected;
  std::uint64_t expected_count = 0;
  for (std::size_t i = published_before; i < published_.size(); ++i) {
    expected.add(published_[i].second);
    ++expected_count;
  }
  ActionDigest got;
  std::uint64_t first_input = 0;
  const CatchUp c = replay_actions_after(dir_, last_input_seen, [&](const Event& in, const Action& a) {
    if (first_input == 0) first_input = in.seq;
    got.add(a);
  });
  ASSERT_TRUE(c.ok) << c.problem;
  EXPECT_EQ(first_input, last_input_seen + 1);
  EXPECT_EQ(c.delivered, expected_count);
  EXPECT_EQ(got.value(), expected.value());
}

TEST_F(CatchUpTest, StartsFromACheckpointAtOrBeforeWhatWasSeen) {
  trade(3);
  const std::uint64_t at = f_.seq();
  std::vector<std::byte> state(engine_->checkpoint_capacity());
  const std::size_t n = engine_->save(state);
  ASSERT_GT(n, 0u);
  std::string error;
  ASSERT_TRUE(write_checkpoint_file(dir_ / "checkpoints", at, std::span(state.data(), n), error))
      << error;
  const std::size_t before = published_.size();
  trade(2);
  ActionDigest expected;
  for (std::size_t i = before; i < published_.size(); ++i) expected.add(published_[i].second);
  ActionDigest got;
  // What the writer has copied is what readers see.
  ASSERT_TRUE(journal_->sync_now(std::chrono::milliseconds(5'000)));
  const CatchUp c = replay_actions_after(dir_, at, [&](const Event&, const Action& a) { got.add(a); });
  ASSERT_TRUE(c.ok) << c.problem;
  EXPECT_EQ(c.checkpoint_seq, at);
  EXPECT_EQ(c.inputs, f_.seq() - at) << "only the journal's tail after the checkpoint is read";
  EXPECT_EQ(got.value(), expected.value());
}

TEST_F(CatchUpTest, AnEmptyJournalHasNothingToCatchUp) {
  const CatchUp c = replay_actions_after(dir_, 0, [](const Event&, const Action&) {
    ADD_FAILURE() << "nothing was journaled";
  });
  EXPECT_TRUE(c.ok) << c.problem;
  EXPECT_EQ(c.delivered, 0u);
}

}  // namespace
}  // namespace scalper::core
