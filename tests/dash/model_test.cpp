// The dashboard's model: records to rows (labels, derived side, ages, percentiles, ring lag),
// garbage in the records made harmless, and the bots table's sort and filter.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "event_factory.hpp"
#include "scalper/dash/model.hpp"
#include "scalper/shm/latency.hpp"

namespace scalper::dash {
namespace {

using scalper::testing::dec;
using scalper::testing::sym;

constexpr std::int64_t kWall = 1'700'000'000'000'000'000;  // 2023-11-14 22:13:20 UTC
constexpr std::int64_t kMono = 5'000'000'000'000;          // 5000 s since boot

shm::BotSnapshot bot(std::uint64_t id, std::string_view ticker, BotStatus status,
                     std::string_view pnl, std::uint32_t cycles) {
  shm::BotSnapshot s;
  s.bot.id = BotId{id};
  s.bot.ticker = sym(ticker);
  s.bot.status = status;
  s.bot.pnl = dec(pnl);
  s.bot.total_trades = cycles;
  return s;
}

RawSnapshot three_bots() {
  RawSnapshot raw;
  raw.bots = {bot(1, "ETH/USDT", BotStatus::Active, "12.5", 5),
              bot(2, "BTC/USDT", BotStatus::Stopped, "-3.25", 2),
              bot(3, "SOL/USDT", BotStatus::Error, "0.75", 9)};
  return raw;
}

std::vector<std::uint64_t> ids(const std::vector<BotRow>& rows) {
  std::vector<std::uint64_t> out;
  for (const BotRow& r : rows) out.push_back(r.id);
  return out;
}

TEST(DashModel, BotRowsCarryTheRecordsFields) {
  RawSnapshot raw = three_bots();
  BotRecord& b = raw.bots[0].bot;
  b.buy_price = dec("3000");
  b.sell_price = dec("3010.5");
  b.quantity = dec("0.5");
  b.live_order = OrderId{101};
  b.last_fill_price = dec("3010.5");
  b.last_fill_wall_ns = kWall;
  const DashModel m = build_model(raw, Clocks{kMono, kWall});
  ASSERT_EQ(m.bots.size(), 3u);
  const BotRow& r = m.bots[0];
  EXPECT_EQ(r.id, 1u);
  EXPECT_EQ(r.ticker, "ETH/USDT");
  EXPECT_EQ(r.status, "ACTIVE");
  EXPECT_EQ(r.venue, "CoinDCX F");
  EXPECT_EQ(r.buy_price, dec("3000"));
  EXPECT_EQ(r.sell_price, dec("3010.5"));
  EXPECT_EQ(r.quantity, dec("0.5"));
  EXPECT_EQ(r.pnl, dec("12.5"));
  EXPECT_EQ(r.cycles, 5u);
  EXPECT_EQ(r.live_order, 101u);
  EXPECT_EQ(r.last_fill_wall_ns, kWall);
  EXPECT_EQ(r.last_fill_price, dec("3010.5"));
  EXPECT_EQ(m.bots[1].status, "STOPPED");
  EXPECT_EQ(m.bots[2].status, "ERROR");
}

// The engine's rule (decision 7): flat -> the first side; long -> sell; short -> buy.
TEST(DashModel, SideIsTheLiveOrNextOrdersSide) {
  RawSnapshot raw = three_bots();
  raw.bots[0].bot.first_side = Side::Sell;  // flat: first side
  raw.bots[1].bot.position = dec("0.01");   // long: the exit sells
  raw.bots[2].bot.position = dec("-4");     // short: the exit buys
  raw.bots[2].bot.first_side = Side::Sell;
  const DashModel m = build_model(raw, Clocks{kMono, kWall});
  EXPECT_EQ(m.bots[0].side, "SELL");
  EXPECT_EQ(m.bots[1].side, "SELL");
  EXPECT_EQ(m.bots[2].side, "BUY");
}

TEST(DashModel, CoreInfoFromHealthAndHeader) {
  RawSnapshot raw;
  raw.pid = 4242;
  raw.epoch = 7;
  raw.created_mono_ns = static_cast<std::uint64_t>(kMono) - 3'723'000'000'000;
  raw.heartbeat_age_ns = kNotRespondingNs;  // exactly the limit: still responding
  raw.has_health = true;
  raw.health.state = shm::CoreState::Halted;
  raw.health.note = ReasonText::truncated("journal disk full");
  raw.health.journal_durable_seq = 40;
  raw.health.checkpoint_seq = 32;
  raw.health.last_input_seq = 41;
  const DashModel m = build_model(raw, Clocks{kMono, kWall});
  EXPECT_EQ(m.core.pid, 4242u);
  EXPECT_EQ(m.core.epoch, 7u);
  EXPECT_EQ(m.core.state, "halted");
  EXPECT_TRUE(m.core.halted);
  EXPECT_EQ(m.core.note, "journal disk full");
  EXPECT_EQ(m.core.uptime_ns, 3'723'000'000'000u);
  EXPECT_FALSE(m.core.not_responding);
  EXPECT_EQ(m.core.journal_durable_seq, 40u);
  EXPECT_EQ(m.core.checkpoint_seq, 32u);
  EXPECT_EQ(m.core.last_input_seq, 41u);

  raw.heartbeat_age_ns = kNotRespondingNs + 1;
  EXPECT_TRUE(build_model(raw, Clocks{kMono, kWall}).core.not_responding);
  raw.has_health = false;
  EXPECT_EQ(build_model(raw, Clocks{kMono, kWall}).core.state, "starting");
}

// 1000 samples in four buckets, placed so no percentile's rank sits on a bucket boundary.
TEST(DashModel, LatencyPercentilesFromAHandFilledHistogram) {
  RawSnapshot raw;
  shm::LatencyHistogram& h = raw.latency[0];
  h.buckets[shm::latency_bucket(1'000)] = 700;
  h.buckets[shm::latency_bucket(50'000)] = 295;
  h.buckets[shm::latency_bucket(2'000'000)] = 3;
  h.buckets[shm::latency_bucket(30'000'000)] = 2;
  h.count = 1'000;
  h.max_ns = 31'000'000;
  raw.has_latency[0] = true;
  const DashModel m = build_model(raw, Clocks{kMono, kWall});
  ASSERT_EQ(m.latency.size(), 2u);
  const LatencyRow& tto = m.latency[0];
  EXPECT_EQ(tto.path, "tick-to-order");
  EXPECT_EQ(tto.count, 1'000u);
  EXPECT_EQ(tto.p50_ns, 960u);          // floor of 1000's bucket: 512 + 7 * 64
  EXPECT_EQ(tto.p99_ns, 49'152u);       // floor of 50 us's bucket: 32768 + 4 * 4096
  EXPECT_EQ(tto.p999_ns, 29'360'128u);  // floor of 30 ms's bucket: 2^24 + 6 * 2^21
  EXPECT_EQ(tto.max_ns, 31'000'000u);   // exact
  EXPECT_EQ(m.latency[1].path, "command-to-ack");
  EXPECT_EQ(m.latency[1].count, 0u);
}

TEST(DashModel, RingLagAndDroppedEvents) {
  RawSnapshot raw;
  raw.events_written = 120;
  raw.events_read = 100;
  raw.has_health = true;
  raw.health.events_dropped = 3;
  raw.health.commands_received = 9;
  raw.health.commands_refused = 1;
  raw.commands_sent = 9;
  raw.commands_taken = 8;
  const RingInfo r = build_model(raw, Clocks{kMono, kWall}).rings;
  EXPECT_EQ(r.event_lag, 20u);
  EXPECT_EQ(r.events_dropped, 3u);
  EXPECT_EQ(r.commands_received, 9u);
  EXPECT_EQ(r.commands_refused, 1u);
  EXPECT_EQ(r.commands_taken, 8u);
  raw.events_read = 130;  // read ahead of written: a torn pair of loads, never negative
  EXPECT_EQ(build_model(raw, Clocks{kMono, kWall}).rings.event_lag, 0u);
}

TEST(DashModel, VenueAgesAndPrices) {
  RawSnapshot raw;
  raw.has_health = true;
  raw.health.venues[0].link = VenueLink::Live;
  raw.health.venues[0].last_message_wall_ns = kWall - 250'000'000;
  raw.health.venues[0].messages = 77;
  raw.health.venues[1].last_message_wall_ns = kWall + 5;  // a little in the future: age 0
  shm::PriceSnapshot p;
  p.symbol = sym("ETH/USDT");
  p.last = dec("3004.5");
  p.mark = dec("3004.25");
  raw.prices.push_back(p);  // received_wall_ns 0: age unknown
  const DashModel m = build_model(raw, Clocks{kMono, kWall});
  ASSERT_EQ(m.venues.size(), kVenueCount);
  EXPECT_EQ(m.venues[0].link, "live");
  EXPECT_EQ(m.venues[0].last_message_age_ns, 250'000'000);
  EXPECT_EQ(m.venues[0].messages, 77u);
  EXPECT_EQ(m.venues[1].last_message_age_ns, 0);
  EXPECT_EQ(m.venues[2].last_message_age_ns, -1);
  EXPECT_EQ(m.venues[2].link, "down");
  ASSERT_EQ(m.prices.size(), 1u);
  EXPECT_EQ(m.prices[0].last, dec("3004.5"));
  EXPECT_EQ(m.prices[0].mark, dec("3004.25"));
  EXPECT_EQ(m.prices[0].age_ns, -1);
  EXPECT_EQ(m.counters.size(), 10u);
  EXPECT_EQ(m.counters.front().name, "steps");
}

// A buggy core may leave any bytes in a slot: an escape sequence in a ticker, a length byte past
// the capacity, enum values nobody defined. None of it may reach the terminal or read outside
// the record.
TEST(DashModel, GarbageInRecordsIsMadeHarmless) {
  RawSnapshot raw;
  shm::BotSnapshot s;
  s.bot.id = BotId{9};
  ASSERT_TRUE(s.bot.ticker.try_assign("\x1b[2JBAD"));
  std::memset(&s.bot.status, 0x7f, 1);
  std::memset(&s.bot.venue, 0x7f, 1);
  std::memset(&s.bot.first_side, 0x7f, 1);
  raw.bots.push_back(s);
  shm::BotSnapshot long_length;
  long_length.bot.id = BotId{10};
  // Every byte 'A', the length byte too: 65, beyond the capacity of 23.
  std::memset(static_cast<void*>(&long_length.bot.ticker), 'A', sizeof(Symbol));
  raw.bots.push_back(long_length);
  raw.has_health = true;
  std::memset(&raw.health.state, 0x7f, 1);
  std::memset(&raw.health.venues[0].link, 0x7f, 1);
  const DashModel m = build_model(raw, Clocks{kMono, kWall});
  ASSERT_EQ(m.bots.size(), 2u);
  EXPECT_EQ(m.bots[0].ticker, "?[2JBAD");
  EXPECT_EQ(m.bots[0].status, "?");
  EXPECT_EQ(m.bots[0].venue, "?");
  EXPECT_EQ(m.bots[0].side, "?");
  EXPECT_EQ(m.bots[1].ticker, std::string(Symbol::kCapacity, 'A'));
  EXPECT_EQ(m.core.state, "?");
  EXPECT_EQ(m.venues[0].link, "?");
}

// ---- sort and filter -----------------------------------------------------------------------

std::vector<BotRow> rows() { return build_model(three_bots(), Clocks{kMono, kWall}).bots; }

TEST(DashSort, EveryKeyBothWays) {
  struct Case {
    SortKey key;
    std::vector<std::uint64_t> ascending;
  };
  const Case cases[] = {
      {SortKey::Id, {1, 2, 3}},     {SortKey::Ticker, {2, 1, 3}},  // BTC, ETH, SOL
      {SortKey::Status, {1, 3, 2}},                                // ACTIVE, ERROR, STOPPED
      {SortKey::Pnl, {2, 3, 1}},                                   // -3.25, 0.75, 12.5
      {SortKey::Cycles, {2, 1, 3}},                                // 2, 5, 9
  };
  for (const Case& c : cases) {
    std::vector<BotRow> r = rows();
    sort_bots(r, c.key, false);
    EXPECT_EQ(ids(r), c.ascending) << label(c.key);
    sort_bots(r, c.key, true);
    const std::vector<std::uint64_t> descending(c.ascending.rbegin(), c.ascending.rend());
    EXPECT_EQ(ids(r), descending) << label(c.key);
  }
}

TEST(DashSort, EqualKeysFallBackToId) {
  RawSnapshot raw;
  raw.bots = {bot(5, "XRP/USDT", BotStatus::Active, "1", 3),
              bot(2, "ADA/USDT", BotStatus::Active, "1", 3),
              bot(9, "DOT/USDT", BotStatus::Active, "1", 3)};
  std::vector<BotRow> r = build_model(raw, Clocks{kMono, kWall}).bots;
  sort_bots(r, SortKey::Pnl, false);
  EXPECT_EQ(ids(r), (std::vector<std::uint64_t>{2, 5, 9}));
  sort_bots(r, SortKey::Status, true);
  EXPECT_EQ(ids(r), (std::vector<std::uint64_t>{9, 5, 2}));
}

TEST(DashSort, KeysCycleInTheLegendsOrder) {
  SortKey k = SortKey::Id;
  std::string seen;
  for (std::size_t i = 0; i < kSortKeyCount; ++i) {
    seen += std::string(label(k)) + " ";
    k = next(k);
  }
  EXPECT_EQ(seen, "id ticker status pnl cycles ");
  EXPECT_EQ(k, SortKey::Id);
}

TEST(DashFilter, SubstringOfTickerOrStatusAnyCase) {
  std::vector<BotRow> r = rows();
  filter_bots(r, "eth");
  EXPECT_EQ(ids(r), (std::vector<std::uint64_t>{1}));
  r = rows();
  filter_bots(r, "/USDT");
  EXPECT_EQ(r.size(), 3u);
  r = rows();
  filter_bots(r, "stop");
  EXPECT_EQ(ids(r), (std::vector<std::uint64_t>{2}));
  r = rows();
  filter_bots(r, "");
  EXPECT_EQ(r.size(), 3u);
  r = rows();
  filter_bots(r, "doge");
  EXPECT_TRUE(r.empty());
}

}  // namespace
}  // namespace scalper::dash
