// segment.hpp — the named shared-memory segment scalper-core creates and scalper-control attaches.
//
// A segment is one POSIX shared-memory object ("/dev/shm/<name>", named "scalper-<instance>")
// holding a SegmentHeader followed by up to kMaxRegions regions (rings, snapshot slots, …) at
// 128-byte aligned offsets. The header describes the regions by offset and size, never by
// pointer, so each process maps the segment wherever it likes. Boost.Interprocess names and maps
// the object (shared_memory_object + mapped_region); nothing else of it is used.
//
// Publication: the creator zero-fills the object, writes the header's identity and the regions'
// initial contents, and stores `layout_version` LAST with release (Aeron's CnC version). A reader
// acquire-loads the version first, refuses 0 (not published yet, or the creator died while
// creating), then validates every size and offset against its own mapping (validate_header)
// before touching any region. The identity is immutable after publication; only the heartbeats
// change.
//
// Life cycle:
//  - The core holds an exclusive flock() on the object for as long as it lives; the kernel drops
//    it when the process dies, SIGKILL included. create_or_replace() uses that lock as the truth
//    about "is another core using this instance": unlocked → stale, removed and recreated under
//    a new epoch; locked → refused, even when that core's heartbeat is old (a hung core may wake
//    up and trade; replacing its segment would not stop it).
//  - Control watches the core through the heartbeat (core_heartbeat_age, is_stale) and notices a
//    restarted core because the segment under the name now has another epoch (epoch_changed);
//    it then attaches the new segment. Its old mapping stays valid until dropped.
//
// Time: never read here. Every function that needs "now" takes it from the caller (monotonic
// nanoseconds, CLOCK_MONOTONIC in both processes so the heartbeats compare).
//
// Threading: create/attach/remove are cold-path calls from one thread. The heartbeat functions
// are lock-free atomics, callable from any thread. Allocation: create/attach allocate (names,
// Boost objects); the heartbeat functions and region() never do.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

#include "scalper/shm/spsc_ring.hpp"  // kFalseSharing

namespace scalper::shm {

// "SCLPSHM1": pins the SegmentHeader format itself. Change it (…SHM2) if SegmentHeader's layout
// changes; `layout_version` is for the regions' contents (the schema).
inline constexpr char kSegmentMagic[8] = {'S', 'C', 'L', 'P', 'S', 'H', 'M', '1'};
inline constexpr std::size_t kMaxRegions = 16;
// Regions start at multiples of this (a ring's RingLayout needs it; it also keeps regions off
// each other's cache-line pairs).
inline constexpr std::size_t kRegionAlign = kFalseSharing;
// validate_header(): accept any published layout version (shm_dump, read_epoch).
inline constexpr std::uint32_t kAnyVersion = 0;

// What a region is, as the creator asks for it and as a reader expects it.
struct RegionSpec {
  std::uint32_t kind = 0;   // non-zero, unique in a segment; the schema's enum
  std::uint32_t flags = 0;  // the schema's, compared on attach, otherwise opaque
  std::uint64_t size = 0;   // bytes, non-zero
};

// One row of the header's region table.
struct RegionEntry {
  std::uint32_t kind;
  std::uint32_t flags;
  std::uint64_t offset;  // from the start of the segment; a multiple of kRegionAlign
  std::uint64_t size;
};
static_assert(sizeof(RegionEntry) == 24);

// Everything the creator writes once before publishing the version. Trivially copyable, so a
// reader takes one copy and validates and uses that copy (the bytes in the mapping may be
// scribbled on by a buggy peer afterwards; the copy cannot).
struct SegmentIdentity {
  char magic[8];               // kSegmentMagic
  std::uint32_t header_size;   // sizeof(SegmentHeader)
  std::uint32_t region_count;  // rows used in `regions`; the rest are zero
  std::uint64_t total_size;    // bytes of the whole object
  std::uint64_t creator_pid;   // the core's pid
  std::uint64_t core_epoch;    // differs on every core start (the caller's choice)
  std::uint64_t created_ns;    // creator's monotonic clock at creation
  RegionEntry regions[kMaxRegions];
};
static_assert(std::is_trivially_copyable_v<SegmentIdentity>);
static_assert(sizeof(SegmentIdentity) == 48 + kMaxRegions * sizeof(RegionEntry));

// At offset 0 of every segment. Standard layout; the atomics are lock-free (checked below), so
// they work between processes.
struct alignas(kFalseSharing) SegmentHeader {
  SegmentIdentity identity;
  std::atomic<std::uint32_t> layout_version;  // 0 until published; stored last, release
  std::uint32_t reserved0_;
  char pad0_[4 * kFalseSharing - sizeof(SegmentIdentity) - 2 * sizeof(std::uint32_t)];
  // Heartbeats: monotonic ns of each side's latest beat, each on its own 128-byte block (each is
  // written by a different process, continuously). 0: never.
  std::atomic<std::uint64_t> core_heartbeat_ns;
  char pad1_[kFalseSharing - sizeof(std::atomic<std::uint64_t>)];
  std::atomic<std::uint64_t> control_heartbeat_ns;
  char pad2_[kFalseSharing - sizeof(std::atomic<std::uint64_t>)];
};
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);
static_assert(sizeof(std::atomic<std::uint32_t>) == 4 && sizeof(std::atomic<std::uint64_t>) == 8);
static_assert(std::is_standard_layout_v<SegmentHeader>);
// The ABI between separately built programs: any change here must change kSegmentMagic.
static_assert(offsetof(SegmentHeader, identity) == 0);
static_assert(offsetof(SegmentIdentity, header_size) == 8);
static_assert(offsetof(SegmentIdentity, region_count) == 12);
static_assert(offsetof(SegmentIdentity, total_size) == 16);
static_assert(offsetof(SegmentIdentity, creator_pid) == 24);
static_assert(offsetof(SegmentIdentity, core_epoch) == 32);
static_assert(offsetof(SegmentIdentity, created_ns) == 40);
static_assert(offsetof(SegmentIdentity, regions) == 48);
static_assert(offsetof(SegmentHeader, layout_version) == 432);
static_assert(offsetof(SegmentHeader, core_heartbeat_ns) == 4 * kFalseSharing);
static_assert(offsetof(SegmentHeader, control_heartbeat_ns) == 5 * kFalseSharing);
static_assert(sizeof(SegmentHeader) == 6 * kFalseSharing);

// Where a set of regions goes: offsets after the header, each rounded up to kRegionAlign.
struct SegmentPlan {
  std::uint64_t total_size = 0;
  std::uint32_t region_count = 0;
  RegionEntry regions[kMaxRegions] = {};
};

// Lays out `specs` (at most kMaxRegions, kinds non-zero and distinct, sizes non-zero). False,
// with `why`, otherwise.
[[nodiscard]] bool plan_segment(std::span<const RegionSpec> specs, SegmentPlan& plan,
                                std::string& why);

// Writes a complete, published header for `plan` into `image` (total_size bytes, zeroed by the
// caller) as plain bytes: the segment as a file would hold it. For tests and fuzz seeds;
// Segment::create does the same with the version stored last and atomically.
void write_header_image(std::span<std::byte> image, const SegmentPlan& plan, std::uint64_t epoch,
                        std::uint32_t version, std::uint64_t creator_pid,
                        std::uint64_t created_ns) noexcept;

// Checks that `mapping` (all bytes of a mapped segment) holds a published header of
// `expected_version` (kAnyVersion: any but 0) whose regions lie inside the mapping, aligned,
// apart, and — when `expected` is not empty — are exactly `expected`, in order. On failure
// returns false and says why in `why`, for a human. On success copies the identity to
// `*identity` if given.
//
// A pure function of the bytes (fuzzed: tests/fuzz/fuzz_shm_header.cpp): it reads only the
// identity and version, each once, never outside the span, and checks each field before using
// it. It does not load the version atomically: attach() has acquire-loaded it already.
[[nodiscard]] bool validate_header(std::span<const std::byte> mapping,
                                   std::uint32_t expected_version,
                                   std::span<const RegionSpec> expected, std::string& why,
                                   SegmentIdentity* identity = nullptr);
[[nodiscard]] inline bool validate_header(std::span<const std::byte> mapping,
                                          std::uint32_t expected_version,
                                          const RegionSpec* expected, std::size_t n,
                                          std::string& why) {
  return validate_header(mapping, expected_version, std::span<const RegionSpec>(expected, n), why);
}

// Heartbeats. `now_ns` is the caller's monotonic clock.
inline void beat_core(SegmentHeader& h, std::uint64_t now_ns) noexcept {
  h.core_heartbeat_ns.store(now_ns, std::memory_order_release);
}
inline void beat_control(SegmentHeader& h, std::uint64_t now_ns) noexcept {
  h.control_heartbeat_ns.store(now_ns, std::memory_order_release);
}
// Nanoseconds since the beat (0 if the beat is "in the future": the clocks differ slightly
// between the two reads; never negative). A side that never beat is as old as `now_ns`.
[[nodiscard]] inline std::uint64_t heartbeat_age(const std::atomic<std::uint64_t>& beat,
                                                 std::uint64_t now_ns) noexcept {
  const std::uint64_t at = beat.load(std::memory_order_acquire);
  return now_ns > at ? now_ns - at : 0;
}

// True when the segment's core is gone: its pid does not exist any more (kill(pid, 0) gives
// ESRCH), or its heartbeat is older than `timeout_ns`. A killed but not yet reaped core is a
// zombie whose pid still exists, so for a child only the heartbeat tells until it is reaped.
// Control uses this to decide the core is dead or hung; create_or_replace() does not (see the
// banner: it trusts the lock).
[[nodiscard]] bool is_stale(const SegmentHeader& header, std::uint64_t now_ns,
                            std::uint64_t timeout_ns) noexcept;

// Thrown by the creating functions (cold path). code() says which kind of failure.
class SegmentError : public std::runtime_error {
 public:
  enum class Code {
    BadSpec,  // the regions or the name are unusable
    Exists,   // create(): a segment with that name exists
    Live,     // create_or_replace(): a running core holds it
    System,   // the OS said no (permissions, /dev/shm full, …)
  };
  SegmentError(Code code, const std::string& what) : std::runtime_error(what), code_(code) {}
  [[nodiscard]] Code code() const noexcept { return code_; }

 private:
  Code code_;
};

// A mapped segment. Move-only; unmapping happens in the destructor. Removing the name is
// separate (remove()): a core that exits normally may leave the segment for inspection.
class Segment {
 public:
  // Creates the segment `name` (must not exist) with `regions`: sized, mapped read-write,
  // zero-filled, header written, owned by this process (exclusive lock held until destruction),
  // the core's heartbeat set to `now_ns`. NOT yet published: format the rings and slots in the
  // regions, then call publish(), which stores `version` last — so a reader can never attach
  // to rings that are not laid out yet. Throws SegmentError.
  [[nodiscard]] static Segment create(std::string_view name, std::span<const RegionSpec> regions,
                                      std::uint64_t epoch, std::uint32_t version,
                                      std::uint64_t now_ns);

  // create(), unless a segment of that name exists: if no process holds its lock (its core is
  // dead, or it is garbage, half-made or of another version), it is removed and created anew,
  // and `*replaced` (if given) says what was replaced, for the log; if a live core holds it,
  // throws SegmentError{Live} naming its pid and heartbeat age. Safe against other processes
  // running create_or_replace on the same name at the same time: exactly one ends up owning it.
  [[nodiscard]] static Segment create_or_replace(std::string_view name,
                                                 std::span<const RegionSpec> regions,
                                                 std::uint64_t epoch, std::uint32_t version,
                                                 std::uint64_t now_ns,
                                                 std::string* replaced = nullptr);

  // Maps an existing segment and validates it (validate_header). Never throws: a missing,
  // unpublished, corrupt or mismatched segment is nullopt with the reason in `why`.
  [[nodiscard]] static std::optional<Segment> attach(std::string_view name, std::uint32_t version,
                                                     std::span<const RegionSpec> expected,
                                                     bool read_only, std::string& why) noexcept;

  // Unlinks the name (existing mappings stay valid). False if there was none.
  static bool remove(std::string_view name) noexcept;

  Segment(Segment&&) noexcept;
  Segment& operator=(Segment&&) noexcept;
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;
  ~Segment();

  // create() only: stores the layout version (release). Everything written to the segment
  // before is visible to any reader that sees the version.
  void publish() noexcept;

  // The region of `kind`, from the table validated at attach (later scribbles on the header
  // cannot move it); nullptr if absent.
  [[nodiscard]] void* region(std::uint32_t kind) const noexcept;
  [[nodiscard]] std::size_t region_size(std::uint32_t kind) const noexcept;

  [[nodiscard]] SegmentHeader& header() const noexcept { return *header_; }
  [[nodiscard]] const SegmentIdentity& identity() const noexcept { return identity_; }
  [[nodiscard]] std::uint64_t epoch() const noexcept { return identity_.core_epoch; }
  [[nodiscard]] std::span<std::byte> bytes() const noexcept;
  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] bool read_only() const noexcept { return read_only_; }
  [[nodiscard]] bool owner() const noexcept { return owner_; }

  // Heartbeats (not on a read-only mapping: the store would fault).
  void beat_core(std::uint64_t now_ns) noexcept { shm::beat_core(*header_, now_ns); }
  void beat_control(std::uint64_t now_ns) noexcept { shm::beat_control(*header_, now_ns); }
  [[nodiscard]] std::uint64_t core_heartbeat_age(std::uint64_t now_ns) const noexcept {
    return heartbeat_age(header_->core_heartbeat_ns, now_ns);
  }
  [[nodiscard]] std::uint64_t control_heartbeat_age(std::uint64_t now_ns) const noexcept {
    return heartbeat_age(header_->control_heartbeat_ns, now_ns);
  }

 private:
  struct Mapping;  // the Boost objects; kept out of this header
  Segment() noexcept;

  std::unique_ptr<Mapping> mapping_;
  SegmentHeader* header_ = nullptr;
  std::size_t size_ = 0;
  SegmentIdentity identity_{};
  std::string name_;
  std::uint32_t version_ = 0;  // create(): what publish() stores
  bool read_only_ = false;
  bool owner_ = false;
};

// The epoch of the segment now under `name`, if one is published there (any layout version).
// Maps the segment briefly; cold path.
[[nodiscard]] std::optional<std::uint64_t> read_epoch(std::string_view name) noexcept;

// True when `name` now holds a published segment of another epoch than `current`: the core
// restarted and control should attach() anew. Control calls it when the core's heartbeat goes
// stale, or simply every second or so (it is a few syscalls).
[[nodiscard]] bool epoch_changed(const Segment& current) noexcept;

}  // namespace scalper::shm
