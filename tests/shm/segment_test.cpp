// The segment in one process: header validation over corrupt bytes (every field in turn, each
// with its own message), layout planning, create/attach/publish, replacing stale segments,
// refusing live ones, heartbeats, epochs, and the fuzz corpus seeds.
#include "scalper/shm/segment.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alloc_counter.hpp"
#include "fuzz_shm_header.hpp"
#include "scalper/shm/spsc_ring.hpp"
#include "shm_test_support.hpp"

namespace scalper::shm {
namespace {

using testing::Child;
using testing::now_ns;
using testing::ScopedName;
using Bytes = std::vector<std::byte>;

constexpr std::uint32_t kVersion = 7;
constexpr RegionSpec kSpecs[3] = {{1, 0, 384}, {2, 5, 128}, {3, 0, 1000}};
constexpr std::size_t kHeader = sizeof(SegmentHeader);

// A published segment as plain bytes (what a mapping of a good segment holds).
Bytes image_of(std::span<const RegionSpec> specs, std::uint32_t version = kVersion,
               std::uint64_t epoch = 0xE90C, std::uint64_t pid = 4242) {
  SegmentPlan plan;
  std::string why;
  EXPECT_TRUE(plan_segment(specs, plan, why)) << why;
  Bytes image(plan.total_size);
  write_header_image(image, plan, epoch, version, pid, 1'000'000);
  return image;
}

template <class T>
void poke(Bytes& image, std::size_t at, T value) {
  ASSERT_LE(at + sizeof value, image.size());
  std::memcpy(image.data() + at, &value, sizeof value);
}

constexpr std::size_t region_at(std::size_t i) {
  return offsetof(SegmentIdentity, regions) + i * sizeof(RegionEntry);
}
constexpr std::size_t kKind = offsetof(RegionEntry, kind);
constexpr std::size_t kFlags = offsetof(RegionEntry, flags);
constexpr std::size_t kOffset = offsetof(RegionEntry, offset);
constexpr std::size_t kSize = offsetof(RegionEntry, size);

// Validates, expecting refusal with `expect` in the message; returns the message.
std::string refusal(const Bytes& image, std::uint32_t version = kVersion,
                    std::span<const RegionSpec> expected = kSpecs) {
  std::string why;
  EXPECT_FALSE(validate_header(image, version, expected, why));
  EXPECT_FALSE(why.empty());
  return why;
}

// ---- validate_header ---------------------------------------------------------------------

TEST(SegmentHeaderValidation, AcceptsAGoodHeaderAndCopiesTheIdentity) {
  const Bytes image = image_of(kSpecs);
  std::string why = "stale text";
  SegmentIdentity id{};
  ASSERT_TRUE(validate_header(image, kVersion, kSpecs, why, &id)) << why;
  EXPECT_TRUE(why.empty());
  EXPECT_EQ(id.region_count, 3u);
  EXPECT_EQ(id.total_size, image.size());
  EXPECT_EQ(id.creator_pid, 4242u);
  EXPECT_EQ(id.core_epoch, 0xE90Cu);
  EXPECT_EQ(id.regions[1].kind, 2u);
  EXPECT_EQ(id.regions[1].flags, 5u);
  // Without expectations, and with any version, too.
  EXPECT_TRUE(validate_header(image, kAnyVersion, {}, why)) << why;
  // The pointer + count form.
  EXPECT_TRUE(validate_header(image, kVersion, kSpecs, 3, why)) << why;
}

struct Corruption {
  const char* what;
  std::function<void(Bytes&)> corrupt;
  const char* message;  // a substring of the expected `why`
};

TEST(SegmentHeaderValidation, EachCorruptFieldGetsItsOwnMessage) {
  const std::uint64_t total = image_of(kSpecs).size();
  const std::vector<Corruption> cases = {
      {"magic", [](Bytes& b) { b[3] = std::byte{'X'}; },
       "bad magic \"SCLXSHM1\", expected \"SCLPSHM1\": not a scalper segment"},
      {"blank magic", [](Bytes& b) { std::memset(b.data(), 0, 8); },
       "header is blank (no magic): its creator has not initialised it yet"},
      {"version 0", [](Bytes& b) { poke<std::uint32_t>(b, 432, 0); },
       "layout version 0: the segment is not published yet"},
      {"version", [](Bytes& b) { poke<std::uint32_t>(b, 432, 3); },
       "layout version 3, expected 7: scalper-core and this program were built from different "
       "layouts"},
      {"header size", [](Bytes& b) { poke<std::uint32_t>(b, 8, 640); },
       "header size 640, expected 768"},
      {"total size too large", [total](Bytes& b) { poke<std::uint64_t>(b, 16, total + 128); },
       "bytes but only " /* … are mapped: truncated */},
      {"total size too small", [total](Bytes& b) { poke<std::uint64_t>(b, 16, total - 128); },
       "but the mapping is " /* … : corrupt header */},
      {"pid 0", [](Bytes& b) { poke<std::uint64_t>(b, 24, 0); },
       "creator pid 0 is not a valid pid"},
      {"pid too large", [](Bytes& b) { poke<std::uint64_t>(b, 24, std::uint64_t{1} << 40); },
       "creator pid 1099511627776 is not a valid pid"},
      {"region count", [](Bytes& b) { poke<std::uint32_t>(b, 12, 17); },
       "region count 17 exceeds the table's 16 rows"},
      {"region kind 0", [](Bytes& b) { poke<std::uint32_t>(b, region_at(1) + kKind, 0); },
       "region 1 has kind 0, which marks an unused row"},
      {"duplicate kind", [](Bytes& b) { poke<std::uint32_t>(b, region_at(2) + kKind, 1); },
       "regions 0 and 2 both have kind 1"},
      {"region size 0", [](Bytes& b) { poke<std::uint64_t>(b, region_at(2) + kSize, 0); },
       "region 2 (kind 3) is empty"},
      {"misaligned offset",
       [](Bytes& b) { poke<std::uint64_t>(b, region_at(1) + kOffset, 768 + 384 + 8); },
       "region 1 (kind 2) at offset 1160 is not 128-byte aligned"},
      {"offset inside the header",
       [](Bytes& b) { poke<std::uint64_t>(b, region_at(0) + kOffset, 640); },
       "region 0 (kind 1) at offset 640 overlaps the 768-byte header"},
      {"region past the end",
       [](Bytes& b) { poke<std::uint64_t>(b, region_at(2) + kSize, 100'000); },
       "region 2 (kind 3) (offset 1280, size 100000) runs past the end of the 2304-byte segment"},
      {"offset that wraps around",
       [](Bytes& b) {
         poke<std::uint64_t>(b, region_at(2) + kOffset,
                             std::numeric_limits<std::uint64_t>::max() - 127);
       },
       "runs past the end"},
      {"size that wraps around",
       [](Bytes& b) {
         poke<std::uint64_t>(b, region_at(2) + kSize, std::numeric_limits<std::uint64_t>::max());
       },
       "runs past the end"},
      {"overlapping regions",
       [](Bytes& b) { poke<std::uint64_t>(b, region_at(1) + kOffset, 768 + 256); },
       "region 0 (kind 1) [768, 1152) and region 1 (kind 2) [1024, 1152) overlap"},
      {"row past the count", [](Bytes& b) { poke<std::uint32_t>(b, region_at(5) + kKind, 9); },
       "region table row 5 is past the region count 3 but not empty"},
      {"row past the count (count lowered)", [](Bytes& b) { poke<std::uint32_t>(b, 12, 2); },
       "region table row 2 is past the region count 2 but not empty"},
      {"expected flags", [](Bytes& b) { poke<std::uint32_t>(b, region_at(1) + kFlags, 6); },
       "region 1 is kind 2, flags 6, 128 bytes; expected kind 2, flags 5, 128 bytes"},
  };
  ASSERT_EQ(total, 2304u) << "the messages above assume this layout";
  for (const Corruption& c : cases) {
    SCOPED_TRACE(c.what);
    Bytes image = image_of(kSpecs);
    c.corrupt(image);
    const std::string why = refusal(image);
    EXPECT_NE(why.find(c.message), std::string::npos) << "why: " << why;
  }
}

TEST(SegmentHeaderValidation, TruncatedMappingsAreRefusedAtEveryLength) {
  const Bytes image = image_of(kSpecs);
  for (std::size_t len = 0; len < image.size(); ++len) {
    const Bytes cut(image.begin(), image.begin() + static_cast<std::ptrdiff_t>(len));
    const std::string why = refusal(cut);
    if (len < 8) {
      EXPECT_NE(why.find("too small for even the magic"), std::string::npos) << len << ": " << why;
    } else if (len < kHeader) {
      EXPECT_NE(why.find("smaller than its 768-byte header: truncated"), std::string::npos)
          << len << ": " << why;
    } else {
      EXPECT_NE(why.find("are mapped: truncated"), std::string::npos) << len << ": " << why;
    }
  }
}

TEST(SegmentHeaderValidation, RegionsMustMatchWhatTheReaderExpects) {
  const Bytes image = image_of(kSpecs);
  const RegionSpec fewer[2] = {kSpecs[0], kSpecs[1]};
  EXPECT_NE(refusal(image, kVersion, fewer).find("segment has 3 regions, expected 2"),
            std::string::npos);
  RegionSpec bigger[3] = {kSpecs[0], kSpecs[1], kSpecs[2]};
  bigger[2].size = 2000;
  EXPECT_NE(refusal(image, kVersion, bigger)
                .find("region 2 is kind 3, flags 0, 1000 bytes; expected kind 3, flags 0, 2000 "
                      "bytes: built from different layouts under the same layout version"),
            std::string::npos);
  RegionSpec swapped[3] = {kSpecs[1], kSpecs[0], kSpecs[2]};
  EXPECT_NE(refusal(image, kVersion, swapped).find("region 0 is kind 1"), std::string::npos);
}

TEST(SegmentHeaderValidation, SixteenRegionsFitAndAreChecked) {
  std::vector<RegionSpec> many;
  for (std::uint32_t k = 1; k <= kMaxRegions; ++k) many.push_back({k, 0, 100 + k});
  const Bytes image = image_of(many);
  std::string why;
  EXPECT_TRUE(validate_header(image, kVersion, many, why)) << why;
}

// ---- plan_segment ------------------------------------------------------------------------

TEST(SegmentPlan, PlacesRegionsAlignedAfterTheHeader) {
  SegmentPlan plan;
  std::string why;
  ASSERT_TRUE(plan_segment(kSpecs, plan, why)) << why;
  EXPECT_EQ(plan.region_count, 3u);
  EXPECT_EQ(plan.regions[0].offset, kHeader);
  EXPECT_EQ(plan.regions[1].offset, kHeader + 384);
  EXPECT_EQ(plan.regions[2].offset, kHeader + 384 + 128);
  EXPECT_EQ(plan.total_size, kHeader + 384 + 128 + 1024);
}

TEST(SegmentPlan, RefusesUnusableSpecs) {
  SegmentPlan plan;
  std::string why;
  const RegionSpec kind0[1] = {{0, 0, 8}};
  EXPECT_FALSE(plan_segment(kind0, plan, why));
  EXPECT_NE(why.find("kind 0 marks an unused table row"), std::string::npos) << why;
  const RegionSpec twice[2] = {{4, 0, 8}, {4, 0, 8}};
  EXPECT_FALSE(plan_segment(twice, plan, why));
  EXPECT_NE(why.find("regions 0 and 1 both have kind 4"), std::string::npos) << why;
  const RegionSpec empty[1] = {{4, 0, 0}};
  EXPECT_FALSE(plan_segment(empty, plan, why));
  EXPECT_NE(why.find("size 0 is not in"), std::string::npos) << why;
  std::vector<RegionSpec> too_many;
  for (std::uint32_t k = 1; k <= kMaxRegions + 1; ++k) too_many.push_back({k, 0, 8});
  EXPECT_FALSE(plan_segment(too_many, plan, why));
  EXPECT_NE(why.find("17 regions requested; a segment holds at most 16"), std::string::npos);
}

// ---- Segment: create, attach, publish ----------------------------------------------------

struct Rec {
  std::uint64_t seq;
  std::uint64_t check;
};
constexpr std::uint64_t kRingCap = 16;
const RegionSpec kRingSpecs[2] = {{1, 0, SpscRing<Rec>::bytes_for(kRingCap)}, {2, 0, 256}};

Segment make_core(const std::string& name, std::uint64_t epoch, std::uint32_t version = kVersion) {
  Segment s = Segment::create(name, kRingSpecs, epoch, version, now_ns());
  EXPECT_TRUE(SpscRing<Rec>::format(s.region(1), s.region_size(1), kRingCap));
  s.publish();
  return s;
}

TEST(Segment, CreateThenAttachSharesTheRegions) {
  const ScopedName name("roundtrip");
  Segment core = make_core(name.str(), 11);
  EXPECT_TRUE(core.owner());
  EXPECT_EQ(core.identity().creator_pid, static_cast<std::uint64_t>(::getpid()));
  EXPECT_EQ(core.epoch(), 11u);

  std::string why;
  std::optional<Segment> control = Segment::attach(name.str(), kVersion, kRingSpecs, false, why);
  ASSERT_TRUE(control) << why;
  EXPECT_FALSE(control->owner());
  EXPECT_FALSE(control->read_only());
  EXPECT_EQ(control->epoch(), 11u);
  EXPECT_EQ(control->bytes().size(), core.bytes().size());
  EXPECT_EQ(control->region_size(2), 256u);
  EXPECT_EQ(control->region(9), nullptr);
  EXPECT_EQ(control->region(0), nullptr);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(control->region(1)) % kRegionAlign, 0u);

  SpscRing<Rec> producer;
  SpscRing<Rec> consumer;
  ASSERT_TRUE(producer.attach(core.region(1), core.region_size(1)));
  ASSERT_TRUE(consumer.attach(control->region(1), control->region_size(1)));
  ASSERT_TRUE(producer.try_push(Rec{1, 2}));
  Rec out{};
  ASSERT_TRUE(consumer.try_pop(out));
  EXPECT_EQ(out.seq, 1u);

  std::optional<Segment> dump = Segment::attach(name.str(), kAnyVersion, {}, true, why);
  ASSERT_TRUE(dump) << why;
  EXPECT_TRUE(dump->read_only());
  EXPECT_EQ(dump->header().identity.core_epoch, 11u);
}

TEST(Segment, AttachRefusesBeforePublish) {
  const ScopedName name("unpublished");
  Segment core = Segment::create(name.str(), kRingSpecs, 1, kVersion, now_ns());
  std::string why;
  EXPECT_FALSE(Segment::attach(name.str(), kVersion, kRingSpecs, true, why));
  EXPECT_NE(why.find("layout version 0: the segment is not published yet"), std::string::npos)
      << why;
  core.publish();
  EXPECT_TRUE(Segment::attach(name.str(), kVersion, kRingSpecs, true, why)) << why;
}

TEST(Segment, AttachSaysWhatIsWrong) {
  const ScopedName name("attach-why");
  std::string why;
  EXPECT_FALSE(Segment::attach(name.str(), kVersion, kRingSpecs, true, why));
  EXPECT_NE(why.find("no segment '" + name.str() + "' (/dev/shm/" + name.str() +
                     "): is scalper-core running?"),
            std::string::npos)
      << why;

  const Segment core = make_core(name.str(), 1, 3);
  EXPECT_FALSE(Segment::attach(name.str(), 4, kRingSpecs, true, why));
  EXPECT_NE(why.find("layout version 3, expected 4"), std::string::npos) << why;
  const RegionSpec other[2] = {kRingSpecs[0], {2, 0, 512}};
  EXPECT_FALSE(Segment::attach(name.str(), 3, other, true, why));
  EXPECT_NE(why.find("region 1 is kind 2, flags 0, 256 bytes; expected kind 2, flags 0, 512"),
            std::string::npos)
      << why;

  EXPECT_FALSE(Segment::attach("../etc/passwd", 3, {}, true, why));
  EXPECT_NE(why.find("bad segment name"), std::string::npos) << why;
  EXPECT_FALSE(Segment::attach("", 3, {}, true, why));
  EXPECT_NE(why.find("bad segment name"), std::string::npos) << why;
}

TEST(Segment, CreateRefusesAnExistingNameAndBadSpecs) {
  const ScopedName name("create-twice");
  const Segment core = make_core(name.str(), 1);
  try {
    (void)Segment::create(name.str(), kRingSpecs, 2, kVersion, now_ns());
    FAIL() << "created a segment over an existing one";
  } catch (const SegmentError& e) {
    EXPECT_EQ(e.code(), SegmentError::Code::Exists);
    EXPECT_NE(std::string(e.what()).find("already exists"), std::string::npos) << e.what();
  }
  const ScopedName other("bad-spec");
  const RegionSpec twice[2] = {{4, 0, 8}, {4, 0, 8}};
  try {
    (void)Segment::create(other.str(), twice, 2, kVersion, now_ns());
    FAIL() << "accepted duplicate kinds";
  } catch (const SegmentError& e) {
    EXPECT_EQ(e.code(), SegmentError::Code::BadSpec);
  }
  try {
    (void)Segment::create(other.str(), kRingSpecs, 2, kAnyVersion, now_ns());
    FAIL() << "accepted layout version 0";
  } catch (const SegmentError& e) {
    EXPECT_EQ(e.code(), SegmentError::Code::BadSpec);
  }
  // Nothing was left behind by the refusals.
  std::string why;
  EXPECT_FALSE(Segment::attach(other.str(), kAnyVersion, {}, true, why));
  EXPECT_NE(why.find("no segment"), std::string::npos) << why;
}

TEST(Segment, MovesKeepTheMappingAndTheLock) {
  const ScopedName first("move-a");
  const ScopedName second("move-b");
  Segment a = make_core(first.str(), 5);
  Segment b = std::move(a);  // a is now empty; destroying it must not unmap b's memory
  EXPECT_EQ(b.epoch(), 5u);
  EXPECT_EQ(b.name(), first.str());
  Segment c = make_core(second.str(), 6);
  c = std::move(b);  // drops c's old segment (and its lock), keeps b's
  EXPECT_EQ(c.epoch(), 5u);
  EXPECT_TRUE(c.owner());
  c.beat_core(123);
  EXPECT_EQ(c.core_heartbeat_age(223), 100u);
  // The first segment is still held (by c), the second no longer by anyone.
  EXPECT_THROW((void)Segment::create_or_replace(first.str(), kRingSpecs, 7, kVersion, now_ns()),
               SegmentError);
  std::string replaced;
  const Segment d =
      Segment::create_or_replace(second.str(), kRingSpecs, 8, kVersion, now_ns(), &replaced);
  EXPECT_NE(replaced.find("epoch 6"), std::string::npos) << replaced;
}

// ---- heartbeats and staleness ------------------------------------------------------------

TEST(SegmentLiveness, HeartbeatsAgeWithTheCallersClock) {
  const ScopedName name("beats");
  Segment core = make_core(name.str(), 1);
  core.beat_core(1'000);
  EXPECT_EQ(core.core_heartbeat_age(1'500), 500u);
  EXPECT_EQ(core.core_heartbeat_age(900), 0u);           // "now" before the beat: not negative
  EXPECT_EQ(core.control_heartbeat_age(5'000), 5'000u);  // control never beat
  core.beat_control(4'000);
  EXPECT_EQ(core.control_heartbeat_age(5'000), 1'000u);
  const scalper::testing::AllocationScope scope;
  for (std::uint64_t t = 0; t < 100; ++t) core.beat_core(t);
  EXPECT_EQ(scope.count(), 0u);
}

TEST(SegmentLiveness, StaleWhenThePidIsGoneOrTheHeartbeatIsOld) {
  const ScopedName name("stale");
  Segment core = make_core(name.str(), 1);
  core.beat_core(10'000);
  EXPECT_FALSE(is_stale(core.header(), 10'500, 1'000));  // our pid, fresh beat
  EXPECT_TRUE(is_stale(core.header(), 20'000, 1'000));   // our pid, old beat

  Child gone([] { return 0; });
  ASSERT_TRUE(gone.started());
  gone.wait();  // reaped: the pid no longer exists
  core.header().identity.creator_pid = static_cast<std::uint64_t>(gone.pid());
  EXPECT_TRUE(is_stale(core.header(), 10'500, 1'000));  // fresh beat, dead pid
}

// ---- create_or_replace -------------------------------------------------------------------

// A raw POSIX shared-memory object with arbitrary contents, as a crash or another program
// might leave it.
void write_raw_object(const std::string& name, const Bytes& contents) {
  const int fd = ::shm_open(("/" + name).c_str(), O_CREAT | O_RDWR | O_TRUNC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(contents.size())), 0);
  if (!contents.empty()) {
    ASSERT_EQ(::write(fd, contents.data(), contents.size()), static_cast<ssize_t>(contents.size()));
  }
  ::close(fd);
}

TEST(SegmentReplace, RefusesWhileALiveCoreHoldsIt) {
  const ScopedName name("live");
  const Segment core = make_core(name.str(), 1);
  try {
    (void)Segment::create_or_replace(name.str(), kRingSpecs, 2, kVersion, now_ns());
    FAIL() << "replaced a live core's segment";
  } catch (const SegmentError& e) {
    EXPECT_EQ(e.code(), SegmentError::Code::Live);
    const std::string what = e.what();
    EXPECT_NE(what.find("is held by a running scalper-core (pid " + std::to_string(::getpid()) +
                        ", epoch 1"),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("two cores on one instance must not both trade"), std::string::npos)
        << what;
  }
  std::string why;
  const std::optional<Segment> still = Segment::attach(name.str(), kVersion, kRingSpecs, true, why);
  ASSERT_TRUE(still) << why;
  EXPECT_EQ(still->epoch(), 1u);
}

TEST(SegmentReplace, ReplacesAnAbandonedSegmentWithANewEpoch) {
  const ScopedName name("abandoned");
  { const Segment old = make_core(name.str(), 1); }  // its core is gone; the name stays
  std::string replaced;
  Segment core =
      Segment::create_or_replace(name.str(), kRingSpecs, 2, kVersion, now_ns(), &replaced);
  ASSERT_TRUE(SpscRing<Rec>::format(core.region(1), core.region_size(1), kRingCap));
  core.publish();
  EXPECT_NE(replaced.find("replaced an abandoned segment (pid " + std::to_string(::getpid()) +
                          ", epoch 1)"),
            std::string::npos)
      << replaced;
  EXPECT_EQ(read_epoch(name.str()), std::optional<std::uint64_t>(2));
}

TEST(SegmentReplace, ReplacesGarbageBlankEmptyAndOtherVersions) {
  const ScopedName name("garbage");
  struct Case {
    const char* what;
    std::function<void()> leave_behind;
    const char* replaced;
  };
  const std::vector<Case> cases = {
      {"garbage", [&] { write_raw_object(name.str(), Bytes(4096, std::byte{0x5A})); }, "bad magic"},
      {"blank", [&] { write_raw_object(name.str(), Bytes(4096)); }, "not published yet"},
      {"empty", [&] { write_raw_object(name.str(), Bytes()); }, "is empty (0 bytes)"},
      {"other version", [&] { (void)make_core(name.str(), 1, 3); },
       "replaced an abandoned segment"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Segment::remove(name.str());
    c.leave_behind();
    std::string replaced;
    {
      Segment core =
          Segment::create_or_replace(name.str(), kRingSpecs, 9, kVersion, now_ns(), &replaced);
      core.publish();
      EXPECT_NE(replaced.find(c.replaced), std::string::npos) << replaced;
    }
    std::string why;
    const std::optional<Segment> s = Segment::attach(name.str(), kVersion, kRingSpecs, true, why);
    ASSERT_TRUE(s) << why;
    EXPECT_EQ(s->epoch(), 9u);
  }
}

TEST(SegmentReplace, CreatesWhenNothingIsThere) {
  const ScopedName name("fresh");
  std::string replaced = "stale text";
  const Segment core =
      Segment::create_or_replace(name.str(), kRingSpecs, 3, kVersion, now_ns(), &replaced);
  EXPECT_TRUE(replaced.empty()) << replaced;
  EXPECT_TRUE(core.owner());
}

// ---- epochs ------------------------------------------------------------------------------

TEST(SegmentEpoch, ControlNoticesACoreRestart) {
  const ScopedName name("epoch");
  std::optional<Segment> core = make_core(name.str(), 100);
  std::string why;
  std::optional<Segment> control = Segment::attach(name.str(), kVersion, kRingSpecs, false, why);
  ASSERT_TRUE(control) << why;
  EXPECT_FALSE(epoch_changed(*control));
  EXPECT_EQ(read_epoch(name.str()), std::optional<std::uint64_t>(100));

  core.reset();  // the core dies; control's mapping stays valid
  EXPECT_FALSE(epoch_changed(*control));
  core = Segment::create_or_replace(name.str(), kRingSpecs, 200, kVersion, now_ns());
  EXPECT_FALSE(epoch_changed(*control)) << "an unpublished segment is not a restart yet";
  core->publish();
  EXPECT_TRUE(epoch_changed(*control));
  EXPECT_EQ(read_epoch(name.str()), std::optional<std::uint64_t>(200));

  control = Segment::attach(name.str(), kVersion, kRingSpecs, false, why);
  ASSERT_TRUE(control) << why;
  EXPECT_EQ(control->epoch(), 200u);
  EXPECT_FALSE(epoch_changed(*control));

  core.reset();
  Segment::remove(name.str());
  EXPECT_EQ(read_epoch(name.str()), std::nullopt);
  EXPECT_FALSE(epoch_changed(*control)) << "no segment at all is not a new epoch";
}

// ---- the fuzz corpus seeds ---------------------------------------------------------------
// tests/fuzz/corpus/fuzz_shm_header holds the inputs made by seeds() below (a selector byte,
// then segment bytes: see tests/fuzz/fuzz_shm_header.hpp). They are checked to still validate
// as their names say, so a header change cannot quietly turn the valid ones into noise. After
// such a change, regenerate them: SCALPER_UPDATE_GOLDEN=1 scalper_shm_tests.

struct Seed {
  std::string_view name;
  bool check_regions;
  unsigned version_index;  // into fuzzing::kFuzzVersions
  Bytes segment;
  const char* refusal;  // nullptr: valid
};

std::vector<Seed> seeds() {
  const std::span<const RegionSpec> regions = scalper::fuzzing::kFuzzRegions;
  std::vector<RegionSpec> sixteen;
  for (std::uint32_t k = 1; k <= kMaxRegions; ++k) sixteen.push_back({k, k % 3, 128 * k});
  const Bytes good = image_of(regions, 7);
  Bytes overlapping = good;
  poke<std::uint64_t>(overlapping, region_at(1) + kOffset, 768 + 256);
  Bytes unpublished = good;
  poke<std::uint32_t>(unpublished, 432, 0);
  const Bytes truncated(good.begin(), good.end() - 200);
  return {
      {"valid_checked", true, 2, good, nullptr},
      {"valid_any_version", false, 0, good, nullptr},
      {"valid_sixteen_regions", false, 1, image_of(sixteen, 1), nullptr},
      {"wrong_version", true, 1, good, "layout version 7, expected 1"},
      {"truncated", true, 2, truncated, "truncated"},
      {"overlapping", false, 0, overlapping, "overlap"},
      {"unpublished", false, 0, unpublished, "not published"},
  };
}

Bytes input_of(const Seed& s) {
  Bytes in;
  in.push_back(std::byte{scalper::fuzzing::shm_header_selector(s.check_regions, s.version_index)});
  in.insert(in.end(), s.segment.begin(), s.segment.end());
  return in;
}

bool validates_as_named(const Bytes& input, const Seed& s, std::string& why) {
  const auto* data = reinterpret_cast<const std::uint8_t*>(input.data());
  const scalper::fuzzing::ShmHeaderInput in =
      scalper::fuzzing::split_shm_header_input(data, input.size());
  const bool ok = validate_header(in.mapping, in.version, in.expected, why);
  if (s.refusal == nullptr) return ok;
  return !ok && why.find(s.refusal) != std::string::npos;
}

bool updating_golden() {
  const char* v = std::getenv("SCALPER_UPDATE_GOLDEN");
  return v != nullptr && std::string_view(v) == "1";
}

TEST(ShmHeaderSeeds, ValidateAsTheirNamesSayWhenMadeAndOnDisk) {
  const std::filesystem::path dir =
      std::filesystem::path(SCALPER_FUZZ_CORPUS_DIR) / "fuzz_shm_header";
  for (const Seed& s : seeds()) {
    SCOPED_TRACE(std::string(s.name));
    const Bytes made = input_of(s);
    std::string why;
    EXPECT_TRUE(validates_as_named(made, s, why)) << why;
    const std::filesystem::path path = dir / s.name;
    if (updating_golden()) {
      std::filesystem::create_directories(dir);
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out.write(reinterpret_cast<const char*>(made.data()),
                static_cast<std::streamsize>(made.size()));
      ASSERT_TRUE(out) << "could not write " << path;
      continue;
    }
    std::ifstream in(path, std::ios::binary);
    ASSERT_TRUE(in) << path << " is missing: regenerate (see above)";
    const std::string chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    Bytes disk(chars.size());
    std::memcpy(disk.data(), chars.data(), chars.size());
    EXPECT_TRUE(validates_as_named(disk, s, why))
        << path << " is stale: regenerate (see above); " << why;
  }
}

}  // namespace
}  // namespace scalper::shm
