// Engine::save / Engine::restore (checkpoint.hpp): the whole state round-trips byte for byte,
// a restored engine acts exactly like the original, and restore refuses anything save() would
// not write. The same property on random histories cut anywhere is in
// engine_property_test.cpp (CheckpointAtAnyCut...).
//
// The fuzz corpus seeds of fuzz_engine_checkpoint are written here:
//   SCALPER_UPDATE_GOLDEN=1 scalper_engine_tests --gtest_filter='CheckpointSeeds*'
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "alloc_counter.hpp"
#include "engine_harness.hpp"
#include "scalper/engine/digest.hpp"
#include "scalper/engine/journal.hpp"
#include "scenarios.hpp"

namespace scalper::testing {
namespace {

using Bytes = std::vector<std::byte>;

// Header layout (checkpoint.hpp): the tests poke at these bytes on purpose.
constexpr std::size_t kCrcAt = 12;
constexpr std::size_t kLengthAt = 16;
constexpr std::size_t kPayloadAt = checkpoint::kHeaderSize;
// Payload: the 64-byte config record, then last_seq, three id generators, ten counters, the
// halt flag and reason, two reserved bytes; then each venue's link first.
constexpr std::size_t kNextBotIdAt = kPayloadAt + 64 + 8;
constexpr std::size_t kHaltedAt = kPayloadAt + 64 + 4 * 8 + 10 * 8;
constexpr std::size_t kHaltReasonAt = kHaltedAt + 1;
constexpr std::size_t kReservedAt = kHaltedAt + 2;
constexpr std::size_t kFirstLinkAt = kHaltedAt + 4;

Bytes save(const Engine& engine) {
  Bytes bytes(engine.checkpoint_capacity());
  bytes.resize(engine.save(bytes));
  return bytes;
}

// Recomputes length and CRC after a test changed the payload.
void reseal(Bytes& bytes) {
  const std::uint64_t length = bytes.size() - kPayloadAt;
  const std::uint32_t crc = journal::crc32c(std::span<const std::byte>(bytes).subspan(kPayloadAt));
  std::memcpy(bytes.data() + kCrcAt, &crc, sizeof crc);
  std::memcpy(bytes.data() + kLengthAt, &length, sizeof length);
}

checkpoint::Status restore_status(const EngineConfig& config, std::span<const std::byte> in) {
  Engine engine(config);
  checkpoint::Status why = checkpoint::Status::Ok;
  const bool ok = engine.restore(in, &why);
  EXPECT_EQ(ok, why == checkpoint::Status::Ok);
  return why;
}

OrderId placed(const std::vector<Action>& actions) { return detail::placed(actions); }

// What make_busy() left in flight, for tests that carry on from there.
struct Busy {
  OrderId awaiting;     // placed, no answer yet; an early report "EARLY-1" is held for it
  OrderId unknown;      // its placement's outcome is unknown; a listing was asked for
  QueryOrders listing;  // that listing
  ArmTimer retry;       // the back-off of a transiently rejected placement
  OrderId cancelling;   // stopped: its cancel is in flight
};

// An engine holding many kinds of state at once: the demo's history (cycles, a retry, an
// update, an outage), then a placement awaiting its answer with an early report held for an
// unknown id, an outcome unknown, a cancel in flight, a retry back-off, a deleted bot whose
// orders outlive it, a partial fill, and a trade through a live order's price. Nine bots.
Busy make_busy(EngineHarness& h) {
  Busy busy;
  EventFactory& f = h.events();
  scenario_demo(h);
  const BotId a = h.create_bot(EventFactory::params("SOL/USDT", Side::Buy, "2", "150", "152"));
  const OrderId exit = h.fill_and_accept_next(a, "149.9", "0.03");
  h.send(h.report(exit, ExchangeStatus::PartiallyFilled, "0.5", "152", "0.01"));
  h.step(f.trade("SOL/USDT", "152.5"));

  h.create_bot(EventFactory::params("DOGE/INR", Side::Sell, "100", "12", "13"), false);
  busy.awaiting = placed(h.last());
  h.send(EventFactory::report("EARLY-1", ExchangeStatus::Open, Side::Sell, "13", "100", "0", "0",
                              "0", "DOGE/INR"));

  h.create_bot(EventFactory::params("XRP/USDT", Side::Buy, "10", "0.5", "0.6"), false);
  busy.unknown = placed(h.last());
  h.step(f.outcome_unknown(busy.unknown));
  busy.listing = all_of<QueryOrders>(h.last()).at(0);

  const BotId d = h.create_bot(EventFactory::params("ADA/USDT", Side::Buy, "10", "0.3", "0.4"));
  busy.cancelling = h.live_order(d);
  h.step(f.stop(d));

  h.create_bot(EventFactory::params("LTC/USDT", Side::Buy, "1", "80", "90"), false);
  h.step(f.rejected(placed(h.last()), "HTTP 503", RejectKind::Transient));
  busy.retry = detail::armed(h.last());

  const BotId gone = h.create_bot(EventFactory::params("BNB/USDT", Side::Buy, "1", "500", "510"));
  const OrderId gone_order = h.live_order(gone);
  h.step(f.remove(gone));
  h.cancelled_on_exchange(gone_order);
  return busy;
}

// ---- round trips -------------------------------------------------------------------------

TEST(Checkpoint, RestoresTheWholeStateAndSavesTheSameBytes) {
  EngineHarness h;
  make_busy(h);
  const Engine& original = h.engine();
  const Bytes bytes = save(original);
  ASSERT_FALSE(bytes.empty());
  EXPECT_LE(bytes.size(), original.checkpoint_capacity());

  Engine restored(EngineHarness::default_config());
  checkpoint::Status why = checkpoint::Status::BadMagic;
  ASSERT_TRUE(restored.restore(bytes, &why));
  EXPECT_EQ(why, checkpoint::Status::Ok);
  EXPECT_EQ(save(restored), bytes);

  // What the accessors show agrees, record by record.
  EXPECT_EQ(restored.last_seq(), original.last_seq());
  EXPECT_EQ(restored.bot_count(), original.bot_count());
  EXPECT_EQ(std::memcmp(&restored.counters(), &original.counters(), sizeof(EngineCounters)), 0);
  EXPECT_EQ(restored.venue_link(Venue::CoinDcxFutures), VenueLink::Live);
  std::size_t live_orders = 0;
  for (std::uint32_t slot = 0; slot < original.bot_slots(); ++slot) {
    const BotRecord* a = original.bot_at_slot(slot);
    const BotRecord* b = restored.bot_at_slot(slot);
    ASSERT_EQ(a == nullptr, b == nullptr) << "slot " << slot;
    if (a == nullptr) continue;
    EXPECT_EQ(std::memcmp(a, b, sizeof(BotRecord)), 0) << "bot " << a->id.value;
    if (!a->live_order.valid()) continue;
    ++live_orders;
    const OrderRecord* oa = original.find_order(a->live_order);
    const OrderRecord* ob = restored.find_order(a->live_order);
    ASSERT_NE(ob, nullptr);
    EXPECT_EQ(std::memcmp(oa, ob, sizeof(OrderRecord)), 0) << "order " << oa->id.value;
  }
  EXPECT_GE(live_orders, 4u);
  // Settled orders stay readable, those of a deleted bot included.
  for (std::uint64_t id = 1; id < 64; ++id) {
    for (std::uint64_t slot = 0; slot < 64 * 4; ++slot) {
      const OrderId order{(id << 24) | slot};
      const OrderRecord* oa = original.find_order(order);
      const OrderRecord* ob = restored.find_order(order);
      ASSERT_EQ(oa == nullptr, ob == nullptr) << order.value;
      if (oa != nullptr) {
        EXPECT_EQ(std::memcmp(oa, ob, sizeof(OrderRecord)), 0);
      }
    }
  }
}

// The same events after the checkpoint give the same actions on both engines.
TEST(Checkpoint, ARestoredEngineActsExactlyLikeTheOriginal) {
  EngineHarness h;
  const Busy busy = make_busy(h);
  Engine restored(EngineHarness::default_config());
  ASSERT_TRUE(restored.restore(save(h.engine())));
  Outbox out(restored.outbox_capacity());

  // What was in flight comes back: the early report is replayed, the unknown order is found
  // by its listing, the back-off ends, the cancel is confirmed; then an outage and stop-all.
  EventFactory& f = h.events();
  ExchangeOrder listed = h.report(busy.unknown, ExchangeStatus::Open, "0");
  listed.exchange_id = xid("XRP-1");
  std::vector<Event> next;
  next.push_back(f.accepted(busy.awaiting, "EARLY-1"));
  next.push_back(f.reconcile_begin(busy.listing.request_id));
  next.push_back(f.reconcile_order(busy.listing.request_id, listed));
  next.push_back(f.reconcile_end(busy.listing.request_id));
  f.advance(busy.retry.deadline_mono_ns - f.mono_ns());
  next.push_back(f.timer(busy.retry.bot, busy.retry.generation, busy.retry.kind));
  next.push_back(f.update_event(h.report(busy.cancelling, ExchangeStatus::Cancelled, "0")));
  next.push_back(f.trade("SOL/USDT", "153"));
  next.push_back(f.disconnected());
  next.push_back(f.connected());
  next.push_back(f.create(EventFactory::params("TRX/USDT", Side::Sell, "50", "0.1", "0.2")));
  next.push_back(f.stop_all());
  for (const Event& ev : next) {
    SCOPED_TRACE(::testing::Message() << "event " << ev.seq);
    const std::vector<Action> expected = h.step(ev);
    out.clear();
    ASSERT_EQ(restored.step(ev, out), StepStatus::Ok);
    ActionDigest a, b;
    a.add(expected);
    b.add(out.actions());
    EXPECT_EQ(a.value(), b.value());
    EXPECT_EQ(a.count(), b.count());
  }
  EXPECT_EQ(save(restored), save(h.engine()));
}

TEST(Checkpoint, KeepsTheLastSeqSoTheJournalTailStartsAfterIt) {
  EngineHarness h;
  h.create_bot(EventFactory::params());
  Engine restored(EngineHarness::default_config());
  ASSERT_TRUE(restored.restore(save(h.engine())));
  EXPECT_EQ(restored.last_seq(), h.events().seq());
  Outbox out(restored.outbox_capacity());
  Event again = h.journal().back();
  EXPECT_EQ(restored.step(again, out), StepStatus::BadSequence);
  again.seq = h.events().seq() + 1;
  EXPECT_EQ(restored.step(again, out), StepStatus::Ok);
}

TEST(Checkpoint, AFreshEngineRoundTripsToo) {
  const Engine fresh(EngineHarness::default_config());
  const Bytes bytes = save(fresh);
  Engine restored(EngineHarness::default_config());
  ASSERT_TRUE(restored.restore(bytes));
  EXPECT_EQ(save(restored), bytes);
  EXPECT_EQ(restored.last_seq(), 0u);
}

// ---- sizes ---------------------------------------------------------------------------------

TEST(Checkpoint, SaveWritesNothingIntoABufferTooSmall) {
  EngineHarness h;
  make_busy(h);
  const Bytes full = save(h.engine());
  Bytes buffer(full.size());
  for (std::size_t size = 0; size < full.size(); size += 1 + size / 16) {
    EXPECT_EQ(h.engine().save(std::span<std::byte>(buffer).first(size)), 0u) << size;
  }
  EXPECT_EQ(h.engine().save(buffer), full.size());
  EXPECT_EQ(buffer, full);
}

// Every bot slot used, every order slot used with the longest exchange ids, the early-update
// ring full, the settled-id ring wrapped, the longest tickers: save() still fits the capacity.
TEST(Checkpoint, TheCapacityHoldsAFullEngine) {
  EngineConfig c = EngineHarness::default_config();
  c.max_bots = 6;
  c.early_update_capacity = 5;
  EngineHarness h(c);
  EXPECT_EQ(h.engine().checkpoint_capacity(), Engine::checkpoint_capacity(c));
  EventFactory& f = h.events();
  auto long_id = [](std::uint64_t n) {
    std::string id = std::to_string(n);
    return id + std::string(ExchangeOrderId::kCapacity - id.size(), 'x');
  };
  std::uint64_t ids = 0;
  for (std::uint32_t b = 0; b + 1 < c.max_bots; ++b) {
    std::string ticker = "ABCDEFGHI/JKLMNOPQR" + std::to_string(b % 10);
    ASSERT_EQ(ticker.size(), kMaxTickerLength);
    h.step(f.create(EventFactory::params(ticker, Side::Buy, "1", "10", "11")));
    for (int k = 0; k < 6; ++k) {  // more orders than the ring holds: every slot used
      const OrderId order = placed(h.last());
      ASSERT_TRUE(order.valid());
      const std::string xid = long_id(++ids);
      h.step(f.accepted(order, xid));
      const OrderRecord& o = h.order(order);
      char qty[kDecimalTextMax], px[kDecimalTextMax];
      h.send(EventFactory::report(
          xid, ExchangeStatus::Filled, o.side, std::string(px, format_decimal(o.price, px)),
          std::string(qty, format_decimal(o.quantity, qty)),
          std::string(qty, format_decimal(o.quantity, qty)), "0", "0", o.symbol.view()));
    }
  }
  // The last bot's placement awaits its answer, so reports for unknown ids are held.
  h.step(f.create(EventFactory::params("ZZ/USDT", Side::Buy, "1", "10", "11")));
  for (std::uint32_t k = 0; k < c.early_update_capacity + 2; ++k) {
    h.send(EventFactory::report(long_id(1000 + k), ExchangeStatus::Open, Side::Buy, "1", "1", "0",
                                "0", "0", "ABCDEFGHIJKLMNOPQRSTUVW"));
  }
  EXPECT_EQ(h.engine().bot_count(), c.max_bots);
  const std::size_t capacity = h.engine().checkpoint_capacity();
  Bytes buffer(capacity);
  const std::size_t n = h.engine().save(buffer);
  ASSERT_GT(n, 0u);
  EXPECT_GT(n, capacity * 3 / 4) << "the capacity is far above what a full engine needs";
  Engine restored(c);
  ASSERT_TRUE(restored.restore(std::span<const std::byte>(buffer).first(n)));
  EXPECT_EQ(save(restored), Bytes(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n)));
}

TEST(Checkpoint, NeitherSaveNorRestoreAllocates) {
  EngineHarness h;
  make_busy(h);
  Bytes buffer(h.engine().checkpoint_capacity());
  Engine restored(EngineHarness::default_config());
  std::size_t n = 0;
  bool ok = false;
  {
    const AllocationScope scope;
    n = h.engine().save(buffer);
    ok = restored.restore(std::span<const std::byte>(buffer).first(n));
    EXPECT_EQ(scope.count(), 0u);
  }
  EXPECT_GT(n, 0u);
  EXPECT_TRUE(ok);
}

// ---- refusals -------------------------------------------------------------------------------

TEST(CheckpointRefuses, AnotherConfiguration) {
  EngineHarness h;
  h.create_bot(EventFactory::params());
  const Bytes bytes = save(h.engine());
  EngineConfig other = EngineHarness::default_config();
  other.cancel_timeout_ns += 1;
  EXPECT_EQ(restore_status(other, bytes), checkpoint::Status::ConfigMismatch);
  other = EngineHarness::default_config();
  other.venue_enabled[2] = true;
  EXPECT_EQ(restore_status(other, bytes), checkpoint::Status::ConfigMismatch);
  other = EngineHarness::default_config();
  other.max_bots += 1;
  EXPECT_EQ(restore_status(other, bytes), checkpoint::Status::ConfigMismatch);
  EXPECT_EQ(restore_status(EngineHarness::default_config(), bytes), checkpoint::Status::Ok);
}

TEST(CheckpointRefuses, EveryTruncationAndAnythingAppended) {
  EngineHarness h;
  make_busy(h);
  const Bytes bytes = save(h.engine());
  const EngineConfig c = EngineHarness::default_config();
  EXPECT_EQ(restore_status(c, {}), checkpoint::Status::BadMagic);
  for (std::size_t cut = 1; cut < bytes.size(); cut += 1 + cut / 64) {
    const checkpoint::Status s = restore_status(c, std::span<const std::byte>(bytes).first(cut));
    EXPECT_EQ(s, checkpoint::Status::Truncated) << "cut at " << cut;
  }
  Bytes longer = bytes;
  longer.push_back(std::byte{0});
  EXPECT_EQ(restore_status(c, longer), checkpoint::Status::Oversized);
  // Appended and sealed again: the payload has bytes no section reads.
  reseal(longer);
  EXPECT_EQ(restore_status(c, longer), checkpoint::Status::BadPayload);
}

TEST(CheckpointRefuses, ABadMagicAVersionItDoesNotKnowAndABadCrc) {
  EngineHarness h;
  h.create_bot(EventFactory::params());
  const Bytes good = save(h.engine());
  const EngineConfig c = EngineHarness::default_config();
  Bytes bad = good;
  bad[2] = std::byte{'x'};
  EXPECT_EQ(restore_status(c, bad), checkpoint::Status::BadMagic);
  bad = good;
  bad[8] = std::byte{static_cast<unsigned char>(checkpoint::kVersion + 1)};
  EXPECT_EQ(restore_status(c, bad), checkpoint::Status::BadVersion);
  bad = good;
  bad[kPayloadAt + 100] ^= std::byte{0x04};
  EXPECT_EQ(restore_status(c, bad), checkpoint::Status::BadCrc);
  const Bytes journal_header = encode_journal(c, {});
  EXPECT_EQ(restore_status(c, journal_header), checkpoint::Status::BadMagic);
}

TEST(CheckpointRefuses, EverySingleBitFlip) {
  EngineConfig c = EngineHarness::default_config();
  c.max_bots = 3;
  EngineHarness h(c);
  const BotId bot = h.create_bot(EventFactory::params());
  h.fill_and_accept_next(bot);
  const Bytes good = save(h.engine());
  Engine engine(c);
  for (std::size_t bit = 0; bit < good.size() * 8; ++bit) {
    Bytes bad = good;
    bad[bit / 8] ^= std::byte(1u << (bit % 8));
    ASSERT_FALSE(engine.restore(bad)) << "bit " << bit;
  }
}

// A payload that passes its CRC is still checked field by field.
TEST(CheckpointRefuses, WhatSaveNeverWritesBehindAGoodCrc) {
  EngineHarness h;
  make_busy(h);
  const Bytes good = save(h.engine());
  const EngineConfig c = EngineHarness::default_config();
  auto with = [&](std::size_t at, std::uint8_t value) {
    Bytes bytes = good;
    bytes[at] = std::byte{value};
    reseal(bytes);
    return restore_status(c, bytes);
  };
  EXPECT_EQ(with(kHaltedAt, 2), checkpoint::Status::BadPayload);      // a bool
  EXPECT_EQ(with(kHaltReasonAt, 3), checkpoint::Status::BadPayload);  // an enum
  EXPECT_EQ(with(kReservedAt, 1), checkpoint::Status::BadPayload);
  EXPECT_EQ(with(kFirstLinkAt, 3), checkpoint::Status::BadPayload);     // VenueLink
  EXPECT_EQ(with(kNextBotIdAt, 0), checkpoint::Status::BadPayload);     // bot ids already issued
  EXPECT_EQ(with(kPayloadAt + 12, 2), checkpoint::Status::BadPayload);  // config bool
  // Controls: legal values behind the same seal.
  EXPECT_EQ(with(kHaltedAt, 1), checkpoint::Status::Ok);
  EXPECT_EQ(with(kHaltReasonAt, 2), checkpoint::Status::Ok);
  EXPECT_EQ(with(kFirstLinkAt, 1), checkpoint::Status::Ok);
}

// Corrupting any one payload byte behind a good CRC either is refused or restores to a state
// that saves back to exactly those bytes: decode accepts only what encode writes.
TEST(CheckpointRefuses, AnythingThatWouldNotSaveBackToItself) {
  EngineConfig c = EngineHarness::default_config();
  c.max_bots = 10;
  EngineHarness h(c);
  make_busy(h);
  const Bytes good = save(h.engine());
  Engine engine(c);
  std::size_t accepted = 0;
  for (std::size_t at = kPayloadAt; at < good.size(); ++at) {
    for (std::uint8_t value : {std::uint8_t{0x01}, std::uint8_t{0xFF}}) {
      Bytes bytes = good;
      if (bytes[at] == std::byte{value}) continue;
      bytes[at] = std::byte{value};
      reseal(bytes);
      if (!engine.restore(bytes)) continue;
      ++accepted;
      ASSERT_EQ(save(engine), bytes) << "byte " << at << " = " << int{value};
    }
  }
  EXPECT_GT(accepted, 0u);  // plenty of fields take any value (prices, times, counters)
}

TEST(CheckpointRefuses, AndThenLeavesTheEngineAsFreshlyConstructed) {
  EngineHarness h;
  make_busy(h);
  Bytes bad = save(h.engine());
  bad[kHaltedAt] = std::byte{7};
  reseal(bad);
  Engine engine(EngineHarness::default_config());
  ASSERT_TRUE(engine.restore(save(h.engine())));
  EXPECT_GT(engine.bot_count(), 0u);
  EXPECT_FALSE(engine.restore(bad));
  EXPECT_EQ(engine.bot_count(), 0u);
  EXPECT_EQ(engine.last_seq(), 0u);
  EXPECT_EQ(save(engine), save(Engine(EngineHarness::default_config())));
}

TEST(CheckpointStatus, NamesEveryStatus) {
  for (int s = 0; s <= static_cast<int>(checkpoint::Status::BadPayload); ++s) {
    EXPECT_NE(checkpoint::to_string(static_cast<checkpoint::Status>(s)), "?") << s;
  }
}

// ---- the fuzz corpus seeds ------------------------------------------------------------------
// fuzz_engine_checkpoint restores into an engine of fuzz_config() (keep the two in step):
// checkpoints of a few states, and some it must refuse.

EngineConfig fuzz_config() {
  EngineConfig c;
  c.max_bots = 12;
  c.early_update_capacity = 8;
  c.venue_enabled[1] = true;
  return c;
}

struct Seed {
  std::string_view name;
  Bytes bytes;
  checkpoint::Status status;
};

std::vector<Seed> seeds() {
  EngineHarness busy(fuzz_config());
  make_busy(busy);
  EngineHarness halted(fuzz_config());
  const BotId bot = halted.create_bot(EventFactory::params());
  halted.fill_and_accept_next(bot, "3899", "0.01");
  halted.step(halted.events().make(Halt{77, HaltReason::JournalFailure, {}}));
  const Bytes full = save(busy.engine());
  Bytes flipped = full;
  flipped[full.size() / 2] ^= std::byte{0x20};
  Bytes bad_enum = save(halted.engine());
  bad_enum[kHaltReasonAt] = std::byte{9};
  reseal(bad_enum);
  return {{"fresh.ckpt", save(Engine(fuzz_config())), checkpoint::Status::Ok},
          {"busy.ckpt", full, checkpoint::Status::Ok},
          {"halted.ckpt", save(halted.engine()), checkpoint::Status::Ok},
          {"truncated.ckpt", Bytes(full.begin(), full.end() - 9), checkpoint::Status::Truncated},
          {"bad_crc.ckpt", flipped, checkpoint::Status::BadCrc},
          {"bad_enum.ckpt", bad_enum, checkpoint::Status::BadPayload}};
}

std::filesystem::path seed_dir() {
  return std::filesystem::path(SCALPER_TEST_DATA_DIR) / ".." / "fuzz" / "corpus" /
         "fuzz_engine_checkpoint";
}

Bytes read_seed(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Bytes bytes(chars.size());
  std::memcpy(bytes.data(), chars.data(), chars.size());
  return bytes;
}

bool updating_golden() {
  const char* v = std::getenv("SCALPER_UPDATE_GOLDEN");
  return v != nullptr && std::string_view(v) == "1";
}

TEST(CheckpointSeeds, RestoreAsTheirNamesSayWhenMadeAndOnDisk) {
  for (const Seed& s : seeds()) {
    SCOPED_TRACE(std::string(s.name));
    EXPECT_EQ(restore_status(fuzz_config(), s.bytes), s.status);
    const std::filesystem::path path = seed_dir() / s.name;
    if (updating_golden()) {
      std::filesystem::create_directories(seed_dir());
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out.write(reinterpret_cast<const char*>(s.bytes.data()),
                static_cast<std::streamsize>(s.bytes.size()));
      ASSERT_TRUE(out) << "could not write " << path;
      continue;
    }
    EXPECT_EQ(restore_status(fuzz_config(), read_seed(path)), s.status)
        << path << " is stale: regenerate (see the top of this file)";
  }
}

}  // namespace
}  // namespace scalper::testing
