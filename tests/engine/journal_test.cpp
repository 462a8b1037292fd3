#include "scalper/engine/journal.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
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
#include <variant>
#include <vector>

#include "alloc_counter.hpp"
#include "event_factory.hpp"
#include "scenarios.hpp"

namespace scalper::journal {
namespace {

using scalper::testing::encode_journal;
using scalper::testing::EventFactory;
using Bytes = std::vector<std::byte>;

// Record layout, from the banner of journal.hpp: the tests poke at these bytes on purpose.
constexpr std::size_t kCrcAt = 4;
constexpr std::size_t kCoveredFrom = 8;
constexpr std::size_t kKindAt = 32;
constexpr std::size_t kPayloadAt = 36;

std::size_t payload_size(const Event& ev) {
  return std::visit([](const auto& alt) { return sizeof alt; }, ev.body);
}

// One event of every kind, in kind order, with fields away from their defaults.
std::vector<Event> one_of_each_kind() {
  EventFactory f;
  BotParams p = EventFactory::params("BTC/USDT", Side::Sell, "0.5", "60000", "61000");
  p.trailing_percent = scalper::testing::dec("0.5");
  p.venue = Venue::Bybit;
  p.leverage = 10;
  p.infinite_loop = false;
  const ExchangeOrder report =
      EventFactory::report("3f2b8c1e-0d4a-4c6e-9a7b-5e1f2d3c4b5a", ExchangeStatus::PartiallyFilled,
                           Side::Sell, "3950", "0.01", "0.005", "3950.5", "0.0197");
  ExchangeOrder listed = report;
  listed.status = ExchangeStatus::Untriggered;
  listed.venue = Venue::Binance;
  listed.exchange_ts_ms = 1'761'400'000'123;

  std::vector<Event> events;
  events.push_back(f.create(p));
  events.push_back(f.update(BotId{1}, p, kUpdateQuantity | kUpdateInfiniteLoop));
  events.push_back(f.start(BotId{1}));
  events.push_back(f.stop(BotId{2}));
  events.push_back(f.toggle(BotId{3}));
  events.push_back(f.remove(BotId{4}));
  events.push_back(f.stop_all());
  events.push_back(f.accepted(OrderId{3}, "3f2b8c1e-0d4a-4c6e-9a7b-5e1f2d3c4b5a"));
  events.push_back(f.rejected(OrderId{4}, "Insufficient margin", RejectKind::Transient));
  events.push_back(f.outcome_unknown(OrderId{5}));
  events.push_back(f.cancel_failed(OrderId{6}, "timeout after 5000 ms"));
  events.push_back(f.update_event(report));
  events.push_back(f.connected(Venue::Binance));
  events.push_back(f.disconnected(Venue::Bybit));
  events.push_back(f.reconcile_begin(7, Venue::Binance));
  events.push_back(f.reconcile_order(7, listed));
  events.push_back(f.reconcile_end(7, Venue::Binance));
  events.push_back(f.timer(BotId{1}, 4, TimerKind::CancelTimeout));
  events.push_back(f.trade("ETH/USDT", "3399.5", Venue::Bybit));
  events.push_back(f.silent(5'000, Venue::Binance));
  events.push_back(f.make(Recovered{1'234, 56}));
  events.push_back(f.make(Halt{9, HaltReason::RiskLimit, {}}));
  events.push_back(f.make(Resume{10}));
  return events;
}

// A short life of one bot, as the runtime would journal it.
std::vector<Event> lifecycle_events() {
  EventFactory f;
  const std::string_view buy_id = "a1b2c3d4-0000-4000-8000-000000000001";
  const std::string_view sell_id = "a1b2c3d4-0000-4000-8000-000000000002";
  std::vector<Event> events;
  events.push_back(f.connected());
  events.push_back(f.reconcile_begin(1));
  events.push_back(f.reconcile_end(1));
  events.push_back(f.create(EventFactory::params()));
  events.push_back(f.accepted(OrderId{1}, buy_id));
  events.push_back(f.update_event(
      EventFactory::report(buy_id, ExchangeStatus::Open, Side::Buy, "3900", "0.01", "0")));
  events.push_back(f.update_event(EventFactory::report(buy_id, ExchangeStatus::Filled, Side::Buy,
                                                       "3900", "0.01", "0.01", "3900", "0.0195")));
  events.push_back(f.accepted(OrderId{2}, sell_id));
  events.push_back(f.update_event(EventFactory::report(sell_id, ExchangeStatus::Filled, Side::Sell,
                                                       "3950", "0.01", "0.01", "3950", "0.01975")));
  events.push_back(f.stop(BotId{1}));
  return events;
}

EngineConfig unusual_config() {
  EngineConfig c;
  c.max_bots = 77;
  c.venue_enabled[0] = false;
  c.venue_enabled[1] = true;
  c.venue_enabled[2] = true;
  c.retry_base_ns = 123'456'789;
  c.retry_max_ns = 9'876'543'210;
  c.max_place_attempts = 3;
  c.cancel_timeout_ns = 42;
  c.early_update_capacity = 9;
  return c;
}

Bytes encode(const Event& ev) {
  Bytes out(record_size(ev));
  EXPECT_EQ(encode_record(ev, out), out.size());
  return out;
}

// Recomputes a record's CRC after a test changed bytes it covers.
void reseal(Bytes& bytes, std::size_t record_at) {
  std::uint32_t length = 0;
  std::memcpy(&length, bytes.data() + record_at, sizeof length);
  const std::uint32_t crc = crc32c(std::span<const std::byte>(bytes).subspan(
      record_at + kCoveredFrom, 4 + length - kCoveredFrom));
  std::memcpy(bytes.data() + record_at + kCrcAt, &crc, sizeof crc);
}

struct Decoded {
  Status header = Status::Ok;
  EngineConfig config;
  std::vector<Event> events;
  std::vector<std::size_t> offsets;  // of each decoded record
  Status last = Status::Ok;          // what stopped the walk
  std::size_t stop_offset = 0;
};

Decoded decode_all(std::span<const std::byte> in) {
  Decoded d;
  std::size_t consumed = 0;
  d.header = decode_header(in, d.config, consumed);
  if (d.header != Status::Ok) return d;
  std::size_t at = consumed;
  for (;;) {
    Event ev;
    d.last = decode_record(in.subspan(at), ev, consumed);
    if (d.last != Status::Ok) break;
    d.events.push_back(ev);
    d.offsets.push_back(at);
    at += consumed;
  }
  d.stop_offset = at;
  return d;
}

void expect_same_event(const Event& a, const Event& b) {
  EXPECT_EQ(a.seq, b.seq);
  EXPECT_EQ(a.mono_ns, b.mono_ns);
  EXPECT_EQ(a.wall_ns, b.wall_ns);
  ASSERT_EQ(a.body.index(), b.body.index());
  EXPECT_EQ(encode(a), encode(b));
  std::visit(
      [&](const auto& alt) {
        using T = std::decay_t<decltype(alt)>;
        EXPECT_EQ(std::memcmp(&alt, &std::get<T>(b.body), sizeof alt), 0);
      },
      a.body);
}

// ---- CRC -------------------------------------------------------------------------------

std::uint32_t crc32c_bitwise(std::span<const std::byte> data) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (std::byte b : data) {
    crc ^= std::to_integer<std::uint32_t>(b);
    for (int k = 0; k < 8; ++k) crc = (crc & 1u) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
  }
  return ~crc;
}

std::span<const std::byte> as_bytes(std::string_view s) {
  return std::as_bytes(std::span<const char>(s.data(), s.size()));
}

TEST(JournalCrc32c, MatchesTheCheckValue) {
  EXPECT_EQ(crc32c(as_bytes("123456789")), 0xE3069283u);
  EXPECT_EQ(crc32c({}), 0u);
  EXPECT_EQ(crc32c_portable(as_bytes("123456789")), 0xE3069283u);
  EXPECT_EQ(crc32c_portable({}), 0u);
}

TEST(JournalCrc32c, MatchesABitwiseReferenceAtEveryLengthAndAlignment) {
  std::array<std::byte, 80> data{};
  std::uint32_t x = 12345;
  for (std::byte& b : data) {
    x = x * 1'103'515'245u + 12'345u;
    b = std::byte(x >> 24);
  }
  for (std::size_t start = 0; start < 8; ++start) {
    for (std::size_t len = 0; start + len <= data.size(); ++len) {
      const auto s = std::span<const std::byte>(data).subspan(start, len);
      ASSERT_EQ(crc32c(s), crc32c_bitwise(s)) << "start " << start << " len " << len;
      ASSERT_EQ(crc32c_portable(s), crc32c_bitwise(s)) << "start " << start << " len " << len;
    }
  }
}

TEST(JournalCrc32c, ChainsThroughTheSeed) {
  const auto all = as_bytes("The quick brown fox jumps over the lazy dog");
  for (std::size_t cut = 0; cut <= all.size(); ++cut) {
    EXPECT_EQ(crc32c(all.subspan(cut), crc32c(all.first(cut))), crc32c(all));
    EXPECT_EQ(crc32c_portable(all.subspan(cut), crc32c(all.first(cut))), crc32c(all));
  }
}

// ---- round trips ---------------------------------------------------------------------

TEST(JournalRecord, CoversEveryEventKindInTheTestSet) {
  const std::vector<Event> events = one_of_each_kind();
  ASSERT_EQ(events.size(), kEventKindCount) << "a new event kind needs a case here";
  for (std::size_t i = 0; i < events.size(); ++i) EXPECT_EQ(events[i].body.index(), i);
}

TEST(JournalRecord, RoundTripsEveryEventKindByteForByte) {
  for (const Event& ev : one_of_each_kind()) {
    SCOPED_TRACE(::testing::Message() << "kind " << ev.body.index());
    const Bytes bytes = encode(ev);
    EXPECT_EQ(bytes.size(), kPayloadAt + payload_size(ev));
    EXPECT_LE(bytes.size(), kMaxRecordSize);
    Event back;
    std::size_t consumed = 0;
    ASSERT_EQ(decode_record(bytes, back, consumed), Status::Ok);
    EXPECT_EQ(consumed, bytes.size());
    expect_same_event(ev, back);
  }
}

TEST(JournalRecord, ReadsOnlyItsOwnBytesWhenMoreFollow) {
  const std::vector<Event> events = one_of_each_kind();
  const Bytes first = encode(events[0]);
  Bytes both = first;
  const Bytes second = encode(events[1]);
  both.insert(both.end(), second.begin(), second.end());
  Event back;
  std::size_t consumed = 0;
  ASSERT_EQ(decode_record(both, back, consumed), Status::Ok);
  EXPECT_EQ(consumed, first.size());
}

TEST(JournalRecord, RefusesABufferTooSmallToEncode) {
  const Event ev = one_of_each_kind()[0];
  Bytes out(record_size(ev) - 1);
  EXPECT_EQ(encode_record(ev, out), 0u);
  Bytes header(header_size() - 1);
  EXPECT_EQ(encode_header(EngineConfig{}, header), 0u);
}

TEST(JournalRecord, ReportsEndOnEmptyInput) {
  Event ev;
  std::size_t consumed = 0;
  EXPECT_EQ(decode_record({}, ev, consumed), Status::End);
}

TEST(JournalRecord, NeitherEncodingNorDecodingAllocates) {
  const std::vector<Event> events = one_of_each_kind();
  std::array<std::byte, kMaxRecordSize> buf{};
  Event back;
  std::size_t consumed = 0;
  const scalper::testing::AllocationScope scope;
  for (const Event& ev : events) {
    const std::size_t n = encode_record(ev, buf);
    ASSERT_EQ(decode_record(std::span<const std::byte>(buf).first(n), back, consumed), Status::Ok);
  }
  EXPECT_EQ(scope.count(), 0u);
}

TEST(JournalHeader, RoundTripsEveryConfigField) {
  const EngineConfig c = unusual_config();
  Bytes bytes(header_size());
  ASSERT_EQ(encode_header(c, bytes), header_size());
  EXPECT_EQ(std::memcmp(bytes.data(), "SCLPJRNL", 8), 0);
  EngineConfig back;
  std::size_t consumed = 0;
  ASSERT_EQ(decode_header(bytes, back, consumed), Status::Ok);
  EXPECT_EQ(consumed, header_size());
  EXPECT_EQ(back.max_bots, c.max_bots);
  for (std::size_t v = 0; v < kVenueCount; ++v)
    EXPECT_EQ(back.venue_enabled[v], c.venue_enabled[v]);
  EXPECT_EQ(back.retry_base_ns, c.retry_base_ns);
  EXPECT_EQ(back.retry_max_ns, c.retry_max_ns);
  EXPECT_EQ(back.max_place_attempts, c.max_place_attempts);
  EXPECT_EQ(back.cancel_timeout_ns, c.cancel_timeout_ns);
  EXPECT_EQ(back.early_update_capacity, c.early_update_capacity);
  Bytes again(header_size());
  ASSERT_EQ(encode_header(back, again), header_size());
  EXPECT_EQ(again, bytes);
}

TEST(JournalHeader, RefusesAWrongMagic) {
  Bytes bytes = encode_journal(EngineConfig{}, {});
  bytes[3] = std::byte{'X'};
  EngineConfig c;
  std::size_t consumed = 0;
  EXPECT_EQ(decode_header(bytes, c, consumed), Status::BadMagic);
  const std::string text = "#!/bin/sh\necho not a journal at all, but long enough to be one\n";
  EXPECT_EQ(decode_header(as_bytes(text), c, consumed), Status::BadMagic);
  EXPECT_EQ(decode_header(as_bytes("S"), c, consumed), Status::TornTail);
  EXPECT_EQ(decode_header(as_bytes("X"), c, consumed), Status::BadMagic);
}

TEST(JournalHeader, RefusesAnotherVersion) {
  for (std::uint16_t version :
       {std::uint16_t{0}, std::uint16_t{kVersion + 1}, std::uint16_t{0xFFFF}}) {
    Bytes bytes = encode_journal(EngineConfig{}, {});
    std::memcpy(bytes.data() + 8, &version, sizeof version);
    EngineConfig c;
    std::size_t consumed = 0;
    EXPECT_EQ(decode_header(bytes, c, consumed), Status::BadVersion) << version;
  }
}

TEST(JournalHeader, ReadsACutHeaderAsTorn) {
  const Bytes bytes = encode_journal(EngineConfig{}, {});
  EngineConfig c;
  std::size_t consumed = 0;
  EXPECT_EQ(decode_header({}, c, consumed), Status::End);
  for (std::size_t cut = 1; cut < bytes.size(); ++cut) {
    EXPECT_EQ(decode_header(std::span<const std::byte>(bytes).first(cut), c, consumed),
              Status::TornTail)
        << "cut at " << cut;
  }
}

TEST(JournalHeader, RefusesEveryBitFlip) {
  const Bytes good = encode_journal(unusual_config(), {});
  for (std::size_t bit = 0; bit < good.size() * 8; ++bit) {
    Bytes bad = good;
    bad[bit / 8] ^= std::byte(1u << (bit % 8));
    EngineConfig c;
    std::size_t consumed = 0;
    const Status s = decode_header(bad, c, consumed);
    EXPECT_TRUE(s == Status::BadMagic || s == Status::BadVersion || s == Status::BadLength ||
                s == Status::BadCrc || s == Status::BadPayload)
        << "bit " << bit << ": " << to_string(s);
  }
}

TEST(JournalHeader, RefusesConfigThatPassesItsCrcButIsNotOurs) {
  // Bytes 24.. are the config fields (journal.hpp banner); reseal the header CRC after each edit.
  auto decode_with = [](std::size_t at, std::byte value) {
    Bytes bytes = encode_journal(EngineConfig{}, {});
    bytes[at] = value;
    const std::uint32_t crc = crc32c(std::span<const std::byte>(bytes).subspan(24));
    std::memcpy(bytes.data() + 20, &crc, sizeof crc);
    EngineConfig c;
    std::size_t consumed = 0;
    return decode_header(bytes, c, consumed);
  };
  EXPECT_EQ(decode_with(36, std::byte{2}), Status::BadPayload);     // venue_enabled[0] not a bool
  EXPECT_EQ(decode_with(39, std::byte{1}), Status::BadPayload);     // reserved byte
  EXPECT_EQ(decode_with(27, std::byte{0xFF}), Status::BadPayload);  // max_bots in the billions
  EXPECT_EQ(decode_with(47, std::byte{0x80}), Status::BadPayload);  // negative retry_base_ns
  EXPECT_EQ(decode_with(36, std::byte{0}), Status::Ok);             // control: a legal edit
}

// ---- damage ----------------------------------------------------------------------------

TEST(JournalDamage, ReadsEveryTruncationAsTornOrAsTheEarlierRecords) {
  const std::vector<Event> events = {one_of_each_kind()[0], one_of_each_kind()[11],
                                     one_of_each_kind()[17]};
  const Bytes full = encode_journal(EngineConfig{}, events);
  const Decoded all = decode_all(full);
  ASSERT_EQ(all.last, Status::End);
  ASSERT_EQ(all.events.size(), 3u);

  for (std::size_t cut = 0; cut < full.size(); ++cut) {
    SCOPED_TRACE(::testing::Message() << "cut at " << cut);
    const Decoded d = decode_all(std::span<const std::byte>(full).first(cut));
    if (cut < header_size()) {
      EXPECT_EQ(d.header, cut == 0 ? Status::End : Status::TornTail);
      continue;
    }
    ASSERT_EQ(d.header, Status::Ok);
    const bool at_boundary =
        cut == header_size() ||
        std::find(all.offsets.begin(), all.offsets.end(), cut) != all.offsets.end();
    EXPECT_EQ(d.last, at_boundary ? Status::End : Status::TornTail);
    ASSERT_LE(d.events.size(), 3u);
    for (std::size_t i = 0; i < d.events.size(); ++i) expect_same_event(d.events[i], events[i]);
    // Everything whole before the cut was read; the torn rest was not.
    std::size_t whole = 0;
    while (whole < 3 && all.offsets[whole] + record_size(events[whole]) <= cut) ++whole;
    EXPECT_EQ(d.events.size(), whole);
  }
}

TEST(JournalDamage, RefusesEverySingleBitFlipInEveryRecord) {
  const std::vector<Event> events = one_of_each_kind();
  const Bytes good = encode_journal(EngineConfig{}, events);
  const Decoded clean = decode_all(good);
  ASSERT_EQ(clean.events.size(), events.size());

  for (std::size_t r = 0; r < events.size(); ++r) {
    const std::size_t from = clean.offsets[r];
    const std::size_t to = from + record_size(events[r]);
    for (std::size_t bit = from * 8; bit < to * 8; ++bit) {
      Bytes bad = good;
      bad[bit / 8] ^= std::byte(1u << (bit % 8));
      const Decoded d = decode_all(bad);
      ASSERT_EQ(d.events.size(), r) << "record " << r << " bit " << bit - from * 8;
      for (std::size_t i = 0; i < r; ++i) expect_same_event(d.events[i], events[i]);
      EXPECT_TRUE(d.last == Status::BadCrc || d.last == Status::BadLength ||
                  d.last == Status::BadKind || d.last == Status::BadPayload)
          << "record " << r << " bit " << bit - from * 8 << ": " << to_string(d.last);
      EXPECT_EQ(d.stop_offset, from);
    }
  }
}

// A damaged length on the last record must not pass for a crash mid-write.
TEST(JournalDamage, RefusesALengthThatDisagreesWithTheKindEvenAtTheEnd) {
  const std::vector<Event> events = one_of_each_kind();
  Bytes bytes = encode(events[2]);
  std::uint32_t length = 0;
  std::memcpy(&length, bytes.data(), sizeof length);
  length += 8;
  std::memcpy(bytes.data(), &length, sizeof length);
  Event ev;
  std::size_t consumed = 0;
  EXPECT_EQ(decode_record(bytes, ev, consumed), Status::BadLength);
  length = 0xFFFF'FFFFu;
  std::memcpy(bytes.data(), &length, sizeof length);
  EXPECT_EQ(decode_record(bytes, ev, consumed), Status::BadLength);
}

// Edits one payload byte of `ev`'s record, reseals the CRC and decodes.
Status decode_with_payload_byte(const Event& ev, std::size_t payload_at, std::uint8_t value) {
  Bytes bytes = encode(ev);
  bytes[kPayloadAt + payload_at] = std::byte{value};
  reseal(bytes, 0);
  Event back;
  std::size_t consumed = 0;
  return decode_record(bytes, back, consumed);
}

constexpr std::size_t kReportAt = offsetof(OrderUpdate, order);

TEST(JournalPayload, RefusesOutOfRangeEnumsBehindAGoodCrc) {
  const std::vector<Event> ev = one_of_each_kind();
  const Event& create = ev[0];
  const Event& update = ev[11];
  EXPECT_EQ(decode_with_payload_byte(update, kReportAt + offsetof(ExchangeOrder, side), 2),
            Status::BadPayload);
  EXPECT_EQ(decode_with_payload_byte(update, kReportAt + offsetof(ExchangeOrder, venue), 3),
            Status::BadPayload);
  EXPECT_EQ(decode_with_payload_byte(update, kReportAt + offsetof(ExchangeOrder, status),
                                     static_cast<std::uint8_t>(kExchangeStatusCount)),
            Status::BadPayload);
  EXPECT_EQ(decode_with_payload_byte(
                create, offsetof(CreateBot, params) + offsetof(BotParams, venue), 0xFF),
            Status::BadPayload);
  EXPECT_EQ(decode_with_payload_byte(
                create, offsetof(CreateBot, params) + offsetof(BotParams, first_side), 7),
            Status::BadPayload);
  EXPECT_EQ(decode_with_payload_byte(ev[8], offsetof(OrderRejected, kind), 2), Status::BadPayload);
  EXPECT_EQ(decode_with_payload_byte(ev[12], offsetof(StreamConnected, venue), 3),
            Status::BadPayload);
  EXPECT_EQ(decode_with_payload_byte(ev[14], offsetof(ReconcileBegin, venue), 3),
            Status::BadPayload);
  EXPECT_EQ(decode_with_payload_byte(ev[17], offsetof(TimerFired, kind), 0xFF), Status::BadPayload);
  EXPECT_EQ(decode_with_payload_byte(ev[21], offsetof(Halt, reason), 3), Status::BadPayload);
  // Controls: the same bytes with in-range values decode.
  EXPECT_EQ(decode_with_payload_byte(update, kReportAt + offsetof(ExchangeOrder, side), 0),
            Status::Ok);
  EXPECT_EQ(decode_with_payload_byte(ev[12], offsetof(StreamConnected, venue), 2), Status::Ok);
  EXPECT_EQ(decode_with_payload_byte(ev[21], offsetof(Halt, reason), 2), Status::Ok);
}

TEST(JournalPayload, RefusesABoolThatIsNeitherZeroNorOne) {
  const Event create = one_of_each_kind()[0];
  const std::size_t at = offsetof(CreateBot, params) + offsetof(BotParams, infinite_loop);
  EXPECT_EQ(decode_with_payload_byte(create, at, 2), Status::BadPayload);
  EXPECT_EQ(decode_with_payload_byte(create, at, 1), Status::Ok);
  const Event update = one_of_each_kind()[1];
  EXPECT_EQ(decode_with_payload_byte(
                update, offsetof(UpdateBot, params) + offsetof(BotParams, infinite_loop), 0x80),
            Status::BadPayload);
}

TEST(JournalPayload, RefusesMalformedFixedStrings) {
  const Event update = one_of_each_kind()[11];
  const std::size_t xid = kReportAt + offsetof(ExchangeOrder, exchange_id);
  const std::size_t size_byte = xid + sizeof(ExchangeOrderId) - 1;
  EXPECT_EQ(decode_with_payload_byte(update, size_byte, ExchangeOrderId::kCapacity + 1),
            Status::BadPayload);
  EXPECT_EQ(decode_with_payload_byte(update, size_byte, 0xFF), Status::BadPayload);
  // A character past the stored length: the string would compare equal yet hash differently.
  EXPECT_EQ(decode_with_payload_byte(update, xid + sizeof(ExchangeOrderId) - 2, 'x'),
            Status::BadPayload);
  // Shorter but still zero-filled is fine only if the cut-off characters are zero: they are not.
  EXPECT_EQ(decode_with_payload_byte(update, size_byte, 3), Status::BadPayload);
  const Event rejected = one_of_each_kind()[8];
  EXPECT_EQ(decode_with_payload_byte(rejected,
                                     offsetof(OrderRejected, reason) + sizeof(ReasonText) - 1, 80),
            Status::BadPayload);
}

TEST(JournalPayload, RefusesNonZeroPaddingAndReservedBytes) {
  const std::vector<Event> ev = one_of_each_kind();
  EXPECT_EQ(decode_with_payload_byte(ev[1], offsetof(UpdateBot, pad_), 1), Status::BadPayload);
  EXPECT_EQ(decode_with_payload_byte(ev[17], offsetof(TimerFired, pad_) + 5, 1),
            Status::BadPayload);
  EXPECT_EQ(decode_with_payload_byte(ev[17], offsetof(TimerFired, venue), 7), Status::BadPayload);
  EXPECT_EQ(decode_with_payload_byte(ev[18], offsetof(MarketTrade, pad_) + 6, 1),
            Status::BadPayload);
  EXPECT_EQ(decode_with_payload_byte(ev[19], offsetof(StreamSilent, pad_), 1), Status::BadPayload);
  EXPECT_EQ(decode_with_payload_byte(ev[21], offsetof(Halt, pad_) + 6, 1), Status::BadPayload);
  EXPECT_EQ(
      decode_with_payload_byte(ev[0], offsetof(CreateBot, params) + offsetof(BotParams, pad_), 1),
      Status::BadPayload);
  Bytes bytes = encode(ev[2]);
  bytes[kKindAt + 2] = std::byte{1};
  reseal(bytes, 0);
  Event back;
  std::size_t consumed = 0;
  EXPECT_EQ(decode_record(bytes, back, consumed), Status::BadPayload);
}

TEST(JournalPayload, RefusesUnknownUpdateFields) {
  const Event update = one_of_each_kind()[1];
  EXPECT_EQ(decode_with_payload_byte(update, offsetof(UpdateBot, fields) + 1, 0x80),
            Status::BadPayload);
}

TEST(JournalPayload, RefusesAnUnknownKindBehindAGoodCrc) {
  Bytes bytes = encode(one_of_each_kind()[2]);
  const auto kind = static_cast<std::uint16_t>(kEventKindCount);
  std::memcpy(bytes.data() + kKindAt, &kind, sizeof kind);
  reseal(bytes, 0);
  Event back;
  std::size_t consumed = 0;
  EXPECT_EQ(decode_record(bytes, back, consumed), Status::BadKind);
}

TEST(JournalPayload, RefusesAKindWhoseSizeDiffersBehindAGoodCrc) {
  // StartBot's bytes labelled as an OrderUpdate: the length no longer fits the kind.
  Bytes bytes = encode(one_of_each_kind()[2]);
  const auto kind = static_cast<std::uint16_t>(EventKind::OrderUpdate);
  std::memcpy(bytes.data() + kKindAt, &kind, sizeof kind);
  reseal(bytes, 0);
  Event back;
  std::size_t consumed = 0;
  EXPECT_EQ(decode_record(bytes, back, consumed), Status::BadLength);
}

TEST(JournalPayload, LeavesTheEventAloneWhenDecodingFails) {
  const std::vector<Event> ev = one_of_each_kind();
  Bytes bytes = encode(ev[3]);
  bytes.back() ^= std::byte{1};
  Event out = ev[5];
  std::size_t consumed = 99;
  EXPECT_EQ(decode_record(bytes, out, consumed), Status::BadCrc);
  expect_same_event(out, ev[5]);
  EXPECT_EQ(consumed, 99u);
}

TEST(JournalStatus, NamesEveryStatus) {
  for (int s = 0; s <= static_cast<int>(Status::BufferTooSmall); ++s) {
    EXPECT_NE(to_string(static_cast<Status>(s)), "?") << s;
  }
}

// ---- the fuzz corpus seeds --------------------------------------------------------------
// tests/fuzz/corpus/fuzz_journal holds journals made by seeds() below, and fuzz_engine's corpus
// the valid ones (the engine fuzzer reads journals too). They are checked to still
// decode as their names say, so a format change cannot quietly turn the valid ones into noise
// (the byte-exact pin of the format is JournalSamples'). After such a change, regenerate them
// as the sample journals are: SCALPER_UPDATE_GOLDEN=1 scalper_engine_tests.

struct Seed {
  std::string_view name;
  Bytes bytes;
  Status stops_with;
  std::size_t records;
};

std::vector<Seed> seeds() {
  const std::vector<Event> life = lifecycle_events();
  const Bytes lifecycle = encode_journal(EngineConfig{}, life);
  const Bytes every = encode_journal(unusual_config(), one_of_each_kind());
  const Decoded d = decode_all(lifecycle);
  const std::size_t update_at = decode_all(every).offsets[11];

  const Bytes torn(lifecycle.begin(), lifecycle.end() - 7);
  Bytes flipped = lifecycle;
  flipped[d.offsets[2] + 20] ^= std::byte{0x10};
  Bytes bad_enum = every;
  bad_enum[update_at + kPayloadAt + kReportAt + offsetof(ExchangeOrder, side)] = std::byte{2};
  reseal(bad_enum, update_at);

  return {{"lifecycle.jrnl", lifecycle, Status::End, life.size()},
          {"every_kind.jrnl", every, Status::End, kEventKindCount},
          {"header_only.jrnl", encode_journal(EngineConfig{}, {}), Status::End, 0},
          {"torn_tail.jrnl", torn, Status::TornTail, life.size() - 1},
          {"bad_crc.jrnl", flipped, Status::BadCrc, 2},
          {"bad_enum.jrnl", bad_enum, Status::BadPayload, 11}};
}

std::filesystem::path seed_dir(std::string_view target) {
  return std::filesystem::path(SCALPER_TEST_DATA_DIR) / ".." / "fuzz" / "corpus" / target;
}

// fuzz_journal gets every seed; fuzz_engine those that decode to the end.
std::vector<std::string_view> seed_targets(const Seed& s) {
  if (s.stops_with == Status::End) return {"fuzz_journal", "fuzz_engine"};
  return {"fuzz_journal"};
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

TEST(JournalSeeds, DecodeAsTheirNamesSayWhenMadeAndOnDisk) {
  for (const Seed& s : seeds()) {
    SCOPED_TRACE(std::string(s.name));
    const Decoded made = decode_all(s.bytes);
    EXPECT_EQ(made.last, s.stops_with) << to_string(made.last);
    EXPECT_EQ(made.events.size(), s.records);
    for (std::string_view target : seed_targets(s)) {
      const std::filesystem::path path = seed_dir(target) / s.name;
      if (updating_golden()) {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(s.bytes.data()),
                  static_cast<std::streamsize>(s.bytes.size()));
        ASSERT_TRUE(out) << "could not write " << path;
        continue;
      }
      const Decoded disk = decode_all(read_seed(path));
      EXPECT_EQ(disk.header, Status::Ok) << path << " is stale: regenerate (see above)";
      EXPECT_EQ(disk.last, s.stops_with) << path << " is stale: regenerate (see above)";
      EXPECT_EQ(disk.events.size(), s.records) << path << " is stale: regenerate (see above)";
    }
  }
}

}  // namespace
}  // namespace scalper::journal
