// segment.cpp — creating, validating, attaching and replacing the shared-memory segment.
//
// Cold path throughout: allocation and exceptions are fine here, but attach() and the free
// functions never let one escape.
#include "scalper/shm/segment.hpp"

#include <sys/file.h>
#include <sys/stat.h>

#include <boost/interprocess/exceptions.hpp>
#include <boost/interprocess/mapped_region.hpp>
#include <boost/interprocess/permissions.hpp>
#include <boost/interprocess/shared_memory_object.hpp>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <limits>
#include <new>
#include <utility>

#include <unistd.h>

namespace scalper::shm {

namespace bip = boost::interprocess;

namespace {

constexpr std::uint64_t kHeaderSize = sizeof(SegmentHeader);
constexpr std::size_t kVersionAt = offsetof(SegmentHeader, layout_version);
constexpr std::size_t kCoreBeatAt = offsetof(SegmentHeader, core_heartbeat_ns);
// Regions larger than this are a mistake, and keeping sums far below 2^64 keeps them exact.
constexpr std::uint64_t kMaxRegionSize = std::uint64_t{1} << 40;
// create_or_replace: rounds of create → probe → remove before giving up. Each lost round means
// another process created or replaced the segment meanwhile; more than a few is pathological.
constexpr int kReplaceAttempts = 8;

std::string str(std::uint64_t v) { return std::to_string(v); }

std::uint64_t round_up(std::uint64_t v, std::uint64_t align) {
  return (v + align - 1) / align * align;
}

std::string describe(const RegionEntry& r, std::size_t i) {
  return "region " + str(i) + " (kind " + str(r.kind) + ")";
}

// POSIX shm names: one path component. Refusing anything else early gives a clear message
// instead of shm_open's EINVAL or a file in an unexpected directory.
bool valid_name(std::string_view name, std::string& why) {
  bool ok = !name.empty() && name.size() <= 200 && name.front() != '.';
  for (char c : name) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '_' || c == '.';
    ok = ok && plain;
  }
  if (!ok) {
    why = "bad segment name \"" + std::string(name) +
          "\": use 1–200 characters of [A-Za-z0-9._-], not starting with '.' "
          "(e.g. scalper-main)";
  }
  return ok;
}

std::string where(std::string_view name) {
  return "segment '" + std::string(name) + "' (/dev/shm/" + std::string(name) + ")";
}

SegmentIdentity make_identity(const SegmentPlan& plan, std::uint64_t epoch,
                              std::uint64_t creator_pid, std::uint64_t created_ns) noexcept {
  SegmentIdentity id{};
  std::memcpy(id.magic, kSegmentMagic, sizeof id.magic);
  id.header_size = static_cast<std::uint32_t>(kHeaderSize);
  id.region_count = plan.region_count;
  id.total_size = plan.total_size;
  id.creator_pid = creator_pid;
  id.core_epoch = epoch;
  id.created_ns = created_ns;
  for (std::uint32_t i = 0; i < plan.region_count && i < kMaxRegions; ++i) {
    id.regions[i] = plan.regions[i];
  }
  return id;
}

int handle_of(const bip::shared_memory_object& object) {
  return object.get_mapping_handle().handle;
}

// True when `name` still names the object open on `fd`. The replace protocol (see
// create_or_replace) only unlinks or claims a name while holding the object's lock AND seeing
// the name point at that very object.
bool name_refers_to(std::string_view name, int fd) {
  try {
    bip::shared_memory_object again(bip::open_only, std::string(name).c_str(), bip::read_only);
    struct stat a {};
    struct stat b {};
    if (::fstat(fd, &a) != 0 || ::fstat(handle_of(again), &b) != 0) return false;
    return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
  } catch (const bip::interprocess_exception&) {
    return false;
  }
}

// For the "held by a live core" message: what the header says about its owner, if readable.
std::string describe_holder(const bip::shared_memory_object& object, std::uint64_t now_ns) {
  try {
    bip::offset_t size = 0;
    if (!object.get_size(size) || size < static_cast<bip::offset_t>(kHeaderSize)) {
      return "a process that is still creating it";
    }
    const bip::mapped_region region(object, bip::read_only, 0, kHeaderSize);
    const auto* h = static_cast<const SegmentHeader*>(region.get_address());
    if (h->layout_version.load(std::memory_order_acquire) == 0) {
      return "a process that is still creating it";
    }
    const std::uint64_t pid = h->identity.creator_pid;
    const std::uint64_t age = heartbeat_age(h->core_heartbeat_ns, now_ns);
    const std::string facts = "pid " + str(pid) + ", epoch " + str(h->identity.core_epoch) +
                              ", last heartbeat " + str(age / 1'000'000) + " ms ago";
    // The lock belongs to an open file description, which fork() shares: a child the core
    // forked keeps it after the core itself is gone.
    if (pid != 0 && pid <= static_cast<std::uint64_t>(std::numeric_limits<pid_t>::max()) &&
        ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
      return "a process that inherited it from a scalper-core that is gone (" + facts +
             "; a child that core forked?)";
    }
    return "a running scalper-core (" + facts + ")";
  } catch (const std::exception&) {
    return "a running process (its header is unreadable)";
  }
}

}  // namespace

// ---- layout ------------------------------------------------------------------------------

bool plan_segment(std::span<const RegionSpec> specs, SegmentPlan& plan, std::string& why) {
  plan = SegmentPlan{};
  if (specs.size() > kMaxRegions) {
    why = str(specs.size()) + " regions requested; a segment holds at most " + str(kMaxRegions);
    return false;
  }
  std::uint64_t offset = kHeaderSize;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const RegionSpec& s = specs[i];
    const std::string name = "region " + str(i) + " (kind " + str(s.kind) + ")";
    if (s.kind == 0) {
      why = name + ": kind 0 marks an unused table row; use another";
      return false;
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (specs[j].kind == s.kind) {
        why = "regions " + str(j) + " and " + str(i) + " both have kind " + str(s.kind);
        return false;
      }
    }
    if (s.size == 0 || s.size > kMaxRegionSize) {
      why = name + ": size " + str(s.size) + " is not in 1.." + str(kMaxRegionSize);
      return false;
    }
    offset = round_up(offset, kRegionAlign);
    plan.regions[i] = RegionEntry{s.kind, s.flags, offset, s.size};
    offset += s.size;
  }
  plan.region_count = static_cast<std::uint32_t>(specs.size());
  plan.total_size = round_up(offset, kRegionAlign);
  return true;
}

void write_header_image(std::span<std::byte> image, const SegmentPlan& plan, std::uint64_t epoch,
                        std::uint32_t version, std::uint64_t creator_pid,
                        std::uint64_t created_ns) noexcept {
  if (image.size() < kHeaderSize) return;
  const SegmentIdentity id = make_identity(plan, epoch, creator_pid, created_ns);
  std::memcpy(image.data(), &id, sizeof id);
  std::memcpy(image.data() + kVersionAt, &version, sizeof version);
  std::memcpy(image.data() + kCoreBeatAt, &created_ns, sizeof created_ns);
}

// ---- validation --------------------------------------------------------------------------

bool validate_header(std::span<const std::byte> mapping, std::uint32_t expected_version,
                     std::span<const RegionSpec> expected, std::string& why,
                     SegmentIdentity* identity) {
  why.clear();
  const std::uint64_t mapped = mapping.size();
  if (mapped < sizeof kSegmentMagic) {
    why = "segment is " + str(mapped) +
          " bytes, too small for even the magic: truncated, or not a scalper segment";
    return false;
  }
  char magic[sizeof kSegmentMagic];
  std::memcpy(magic, mapping.data(), sizeof magic);
  if (std::memcmp(magic, kSegmentMagic, sizeof magic) != 0) {
    bool blank = true;
    std::string shown;
    for (char c : magic) {
      blank = blank && c == 0;
      shown += (c >= 0x20 && c < 0x7f) ? c : '?';
    }
    if (blank) {
      why =
          "segment header is blank (no magic): its creator has not initialised it yet, or "
          "died while creating it";
    } else {
      why = "bad magic \"" + shown +
            "\", expected \"SCLPSHM1\": not a scalper segment, or one from an incompatible "
            "build";
    }
    return false;
  }
  if (mapped < kHeaderSize) {
    why = "segment is " + str(mapped) + " bytes, smaller than its " + str(kHeaderSize) +
          "-byte header: truncated";
    return false;
  }
  // One copy of everything validated below; nothing is read from the mapping after this.
  SegmentIdentity id;
  std::memcpy(&id, mapping.data(), sizeof id);
  std::uint32_t version = 0;
  std::memcpy(&version, mapping.data() + kVersionAt, sizeof version);

  if (version == 0) {
    why =
        "layout version 0: the segment is not published yet (its creator is still starting, "
        "or died while creating it)";
    return false;
  }
  if (expected_version != kAnyVersion && version != expected_version) {
    why = "layout version " + str(version) + ", expected " + str(expected_version) +
          ": scalper-core and this program were built from different layouts; rebuild both "
          "from the same source";
    return false;
  }
  if (id.header_size != kHeaderSize) {
    why = "header size " + str(id.header_size) + ", expected " + str(kHeaderSize) +
          ": corrupt header";
    return false;
  }
  if (id.total_size > mapped) {
    why = "header says the segment is " + str(id.total_size) + " bytes but only " + str(mapped) +
          " are mapped: truncated";
    return false;
  }
  if (id.total_size < mapped) {
    why = "header says the segment is " + str(id.total_size) + " bytes but the mapping is " +
          str(mapped) + ": corrupt header";
    return false;
  }
  if (id.creator_pid == 0 ||
      id.creator_pid > static_cast<std::uint64_t>(std::numeric_limits<pid_t>::max())) {
    why = "creator pid " + str(id.creator_pid) + " is not a valid pid: corrupt header";
    return false;
  }
  if (id.region_count > kMaxRegions) {
    why = "region count " + str(id.region_count) + " exceeds the table's " + str(kMaxRegions) +
          " rows: corrupt header";
    return false;
  }
  const std::uint64_t total = id.total_size;
  for (std::size_t i = 0; i < id.region_count; ++i) {
    const RegionEntry& r = id.regions[i];
    if (r.kind == 0) {
      why = "region " + str(i) + " has kind 0, which marks an unused row: corrupt header";
      return false;
    }
    if (r.size == 0) {
      why = describe(r, i) + " is empty: corrupt header";
      return false;
    }
    if (r.offset % kRegionAlign != 0) {
      why = describe(r, i) + " at offset " + str(r.offset) + " is not " + str(kRegionAlign) +
            "-byte aligned: corrupt header";
      return false;
    }
    if (r.offset < kHeaderSize) {
      why = describe(r, i) + " at offset " + str(r.offset) + " overlaps the " + str(kHeaderSize) +
            "-byte header: corrupt header";
      return false;
    }
    if (r.offset > total || r.size > total - r.offset) {
      why = describe(r, i) + " (offset " + str(r.offset) + ", size " + str(r.size) +
            ") runs past the end of the " + str(total) + "-byte segment: corrupt header";
      return false;
    }
    for (std::size_t j = 0; j < i; ++j) {
      const RegionEntry& o = id.regions[j];
      if (o.kind == r.kind) {
        why = "regions " + str(j) + " and " + str(i) + " both have kind " + str(r.kind) +
              ": corrupt header";
        return false;
      }
      // Both lie inside [0, total), so these sums cannot overflow.
      if (r.offset < o.offset + o.size && o.offset < r.offset + r.size) {
        why = describe(o, j) + " [" + str(o.offset) + ", " + str(o.offset + o.size) + ") and " +
              describe(r, i) + " [" + str(r.offset) + ", " + str(r.offset + r.size) +
              ") overlap: corrupt header";
        return false;
      }
    }
  }
  for (std::size_t i = id.region_count; i < kMaxRegions; ++i) {
    const RegionEntry& r = id.regions[i];
    if (r.kind != 0 || r.flags != 0 || r.offset != 0 || r.size != 0) {
      why = "region table row " + str(i) + " is past the region count " + str(id.region_count) +
            " but not empty: corrupt header";
      return false;
    }
  }
  if (!expected.empty()) {
    if (id.region_count != expected.size()) {
      why = "segment has " + str(id.region_count) + " regions, expected " + str(expected.size()) +
            ": built from different layouts under the same layout version (bump it)";
      return false;
    }
    for (std::size_t i = 0; i < expected.size(); ++i) {
      const RegionEntry& r = id.regions[i];
      const RegionSpec& e = expected[i];
      if (r.kind != e.kind || r.flags != e.flags || r.size != e.size) {
        why = "region " + str(i) + " is kind " + str(r.kind) + ", flags " + str(r.flags) + ", " +
              str(r.size) + " bytes; expected kind " + str(e.kind) + ", flags " + str(e.flags) +
              ", " + str(e.size) +
              " bytes: built from different layouts under the same layout version (bump it)";
        return false;
      }
    }
  }
  if (identity != nullptr) *identity = id;
  return true;
}

// ---- liveness ----------------------------------------------------------------------------

bool is_stale(const SegmentHeader& header, std::uint64_t now_ns,
              std::uint64_t timeout_ns) noexcept {
  const std::uint64_t pid = header.identity.creator_pid;
  if (pid != 0 && pid <= static_cast<std::uint64_t>(std::numeric_limits<pid_t>::max())) {
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) return true;
  }
  return heartbeat_age(header.core_heartbeat_ns, now_ns) > timeout_ns;
}

// ---- Segment -----------------------------------------------------------------------------

struct Segment::Mapping {
  bip::shared_memory_object object;
  bip::mapped_region region;
};

Segment::Segment() noexcept = default;

// A moved-from Segment is empty (no mapping, no header), so a stray use faults at once rather
// than writing into memory that now belongs to another handle.
Segment::Segment(Segment&& other) noexcept { *this = std::move(other); }

Segment& Segment::operator=(Segment&& other) noexcept {
  if (this != &other) {
    mapping_ = std::move(other.mapping_);  // unmaps (and unlocks) what *this held before
    header_ = std::exchange(other.header_, nullptr);
    size_ = std::exchange(other.size_, 0);
    identity_ = std::exchange(other.identity_, SegmentIdentity{});
    name_ = std::move(other.name_);
    other.name_.clear();
    version_ = std::exchange(other.version_, 0);
    read_only_ = std::exchange(other.read_only_, false);
    owner_ = std::exchange(other.owner_, false);
  }
  return *this;
}

// Unmapping and closing the object (which drops the lock, if owned) is Mapping's destructor.
Segment::~Segment() = default;

Segment Segment::create(std::string_view name, std::span<const RegionSpec> regions,
                        std::uint64_t epoch, std::uint32_t version, std::uint64_t now_ns) {
  std::string why;
  if (!valid_name(name, why)) throw SegmentError(SegmentError::Code::BadSpec, why);
  SegmentPlan plan;
  if (!plan_segment(regions, plan, why)) {
    throw SegmentError(SegmentError::Code::BadSpec, where(name) + ": " + why);
  }
  if (version == kAnyVersion) {
    throw SegmentError(SegmentError::Code::BadSpec,
                       where(name) + ": layout version 0 means \"not published\"; use 1 or more");
  }
  const std::string cname(name);

  auto mapping = std::make_unique<Mapping>();
  try {
    // 0600: the segment carries commands to a trading process; only its user may touch it.
    mapping->object = bip::shared_memory_object(bip::create_only, cname.c_str(), bip::read_write,
                                                bip::permissions(0600));
  } catch (const bip::interprocess_exception& e) {
    if (e.get_error_code() == bip::already_exists_error) {
      throw SegmentError(SegmentError::Code::Exists, where(name) + " already exists");
    }
    throw SegmentError(SegmentError::Code::System,
                       "cannot create " + where(name) + ": " + e.what());
  }
  // Claim it before anything else. Failing here means a create_or_replace elsewhere took the
  // blank object for a dead core's and is replacing it: the name is no longer ours to remove.
  const int fd = handle_of(mapping->object);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0 || !name_refers_to(name, fd)) {
    throw SegmentError(SegmentError::Code::Exists,
                       where(name) + " was taken over by another process while being created");
  }
  // From here on the name is ours (locked and verified): undo it on any failure.
  struct RemoveUnlessDone {
    const std::string& name;
    bool done = false;
    ~RemoveUnlessDone() {
      if (!done) bip::shared_memory_object::remove(name.c_str());
    }
  } guard{cname};

  try {
    mapping->object.truncate(static_cast<bip::offset_t>(plan.total_size));
    mapping->region = bip::mapped_region(mapping->object, bip::read_write);
  } catch (const bip::interprocess_exception& e) {
    throw SegmentError(SegmentError::Code::System, "cannot size and map " + where(name) + " (" +
                                                       str(plan.total_size) +
                                                       " bytes; is /dev/shm full?): " + e.what());
  }
  if (mapping->region.get_size() != plan.total_size) {
    throw SegmentError(SegmentError::Code::System, "mapped " + str(mapping->region.get_size()) +
                                                       " bytes of " + where(name) + ", expected " +
                                                       str(plan.total_size));
  }
  void* base = mapping->region.get_address();
  std::memset(base, 0, plan.total_size);
  auto* header = new (base) SegmentHeader{};
  header->identity = make_identity(plan, epoch, static_cast<std::uint64_t>(::getpid()), now_ns);
  header->core_heartbeat_ns.store(now_ns, std::memory_order_relaxed);
  // layout_version stays 0 until publish().

  Segment s;
  s.mapping_ = std::move(mapping);
  s.header_ = header;
  s.size_ = plan.total_size;
  s.identity_ = header->identity;
  s.name_ = cname;
  s.version_ = version;
  s.read_only_ = false;
  s.owner_ = true;
  guard.done = true;
  return s;
}

Segment Segment::create_or_replace(std::string_view name, std::span<const RegionSpec> regions,
                                   std::uint64_t epoch, std::uint32_t version, std::uint64_t now_ns,
                                   std::string* replaced) {
  // The protocol: whoever holds an object's exclusive lock while the name points at that
  // object may unlink the name; a creator claims its new object by locking it and checking the
  // name still points at it. The kernel drops a dead process's locks, so "unlocked" means
  // "nobody is using it as a core". Two processes racing here cannot both end up owning it.
  if (replaced != nullptr) replaced->clear();
  const std::string cname(name);
  for (int attempt = 0; attempt < kReplaceAttempts; ++attempt) {
    try {
      return create(name, regions, epoch, version, now_ns);
    } catch (const SegmentError& e) {
      if (e.code() != SegmentError::Code::Exists) throw;
    }
    bip::shared_memory_object probe;
    try {
      probe = bip::shared_memory_object(bip::open_only, cname.c_str(), bip::read_only);
    } catch (const bip::interprocess_exception& e) {
      if (e.get_error_code() == bip::not_found_error) continue;  // gone meanwhile: create
      throw SegmentError(SegmentError::Code::System,
                         "cannot open existing " + where(name) + ": " + e.what());
    }
    const int fd = handle_of(probe);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      if (errno != EWOULDBLOCK) {
        throw SegmentError(SegmentError::Code::System,
                           "cannot lock existing " + where(name) + ": " + std::strerror(errno));
      }
      throw SegmentError(SegmentError::Code::Live,
                         where(name) + " is held by " + describe_holder(probe, now_ns) +
                             ": two cores on one instance must not both trade; stop that one "
                             "first (or choose another instance name)");
    }
    if (!name_refers_to(name, fd)) continue;  // replaced by someone else meanwhile: look again
    if (replaced != nullptr) {
      std::string why;
      std::optional<Segment> old = attach(name, kAnyVersion, {}, true, why);
      *replaced = old ? "replaced an abandoned segment (pid " + str(old->identity().creator_pid) +
                            ", epoch " + str(old->epoch()) + "): no process holds it any more"
                      : "replaced an unusable segment (" + why + ")";
    }
    bip::shared_memory_object::remove(cname.c_str());
    // `probe` closes at the end of this iteration, dropping the lock on the unlinked object.
  }
  throw SegmentError(SegmentError::Code::System,
                     "gave up creating " + where(name) + " after " + str(kReplaceAttempts) +
                         " attempts: other processes keep creating and replacing it");
}

std::optional<Segment> Segment::attach(std::string_view name, std::uint32_t version,
                                       std::span<const RegionSpec> expected, bool read_only,
                                       std::string& why) noexcept {
  try {
    why.clear();
    if (!valid_name(name, why)) return std::nullopt;
    const std::string cname(name);
    const bip::mode_t mode = read_only ? bip::read_only : bip::read_write;
    auto mapping = std::make_unique<Mapping>();
    try {
      mapping->object = bip::shared_memory_object(bip::open_only, cname.c_str(), mode);
    } catch (const bip::interprocess_exception& e) {
      why = e.get_error_code() == bip::not_found_error
                ? "no " + where(name) + ": is scalper-core running?"
                : "cannot open " + where(name) + ": " + e.what();
      return std::nullopt;
    }
    bip::offset_t size = 0;
    if (!mapping->object.get_size(size) || size <= 0) {
      why = where(name) +
            " is empty (0 bytes): its creator has not sized it yet, or died while "
            "creating it";
      return std::nullopt;
    }
    try {
      mapping->region = bip::mapped_region(mapping->object, mode);
    } catch (const bip::interprocess_exception& e) {
      why = "cannot map " + where(name) + ": " + e.what();
      return std::nullopt;
    }
    const std::span<const std::byte> bytes(
        static_cast<const std::byte*>(mapping->region.get_address()), mapping->region.get_size());
    // The version first, with acquire: it orders every read of the header after it.
    if (bytes.size() >= kHeaderSize) {
      const auto* h = reinterpret_cast<const SegmentHeader*>(bytes.data());
      if (h->layout_version.load(std::memory_order_acquire) == 0) {
        why = where(name) +
              ": layout version 0: the segment is not published yet (its creator "
              "is still starting, or died while creating it)";
        return std::nullopt;
      }
    }
    SegmentIdentity identity;
    if (!validate_header(bytes, version, expected, why, &identity)) {
      why = where(name) + ": " + why;
      return std::nullopt;
    }
    Segment s;
    s.header_ = static_cast<SegmentHeader*>(mapping->region.get_address());
    s.size_ = bytes.size();
    s.mapping_ = std::move(mapping);
    s.identity_ = identity;
    s.name_ = cname;
    s.read_only_ = read_only;
    s.owner_ = false;
    return s;
  } catch (const std::exception& e) {
    why = "cannot attach " + where(name) + ": " + e.what();
  } catch (...) {
    why = "cannot attach " + where(name) + ": unknown error";
  }
  return std::nullopt;
}

bool Segment::remove(std::string_view name) noexcept {
  try {
    std::string why;
    if (!valid_name(name, why)) return false;
    return bip::shared_memory_object::remove(std::string(name).c_str());
  } catch (...) {
    return false;
  }
}

void Segment::publish() noexcept {
  if (owner_ && version_ != 0) header_->layout_version.store(version_, std::memory_order_release);
}

void* Segment::region(std::uint32_t kind) const noexcept {
  if (kind == 0) return nullptr;
  for (std::uint32_t i = 0; i < identity_.region_count; ++i) {
    if (identity_.regions[i].kind == kind) {
      return reinterpret_cast<std::byte*>(header_) + identity_.regions[i].offset;
    }
  }
  return nullptr;
}

std::size_t Segment::region_size(std::uint32_t kind) const noexcept {
  if (kind == 0) return 0;
  for (std::uint32_t i = 0; i < identity_.region_count; ++i) {
    if (identity_.regions[i].kind == kind) return identity_.regions[i].size;
  }
  return 0;
}

std::span<std::byte> Segment::bytes() const noexcept {
  return {reinterpret_cast<std::byte*>(header_), size_};
}

// ---- re-attach support -------------------------------------------------------------------

std::optional<std::uint64_t> read_epoch(std::string_view name) noexcept {
  std::string why;
  const std::optional<Segment> s = Segment::attach(name, kAnyVersion, {}, true, why);
  if (!s) return std::nullopt;
  return s->epoch();
}

bool epoch_changed(const Segment& current) noexcept {
  const std::optional<std::uint64_t> now = read_epoch(current.name());
  return now.has_value() && *now != current.epoch();
}

}  // namespace scalper::shm
