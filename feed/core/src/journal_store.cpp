#include "scalper/core/journal_store.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <span>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "scalper/engine/byte_io.hpp"

namespace scalper::core {
namespace {

namespace fs = std::filesystem;

// Records are committed by an aligned 4-byte release store of their length: every record must
// keep the next one 4-aligned (the header is 88 bytes, a record 36 + its payload). The ring's
// wrap marker needs it too: the space left before the ring's end is then a multiple of 4.
template <std::size_t... I>
constexpr bool payloads_keep_alignment(std::index_sequence<I...>) {
  return ((sizeof(std::variant_alternative_t<I, EventBody>) % 4 == 0) && ...);
}
static_assert(payloads_keep_alignment(std::make_index_sequence<kEventKindCount>{}),
              "an event's size is not a multiple of 4: records would leave their length "
              "words unaligned (the commit store must be atomic)");

// How far ahead of the write position append() prefetches (for writing) the ring's cache
// lines: a few records, so a line another core read last is fetched before it is needed.
constexpr std::size_t kPrefetchAhead = 768;

// In the ring, a length word of this value where a record would start means "the next record
// is at the start of the ring": a record is never split across the end.
constexpr std::uint32_t kWrapMarker = 0xFFFF'FFFFU;

// Where a record keeps its seq (journal.hpp's record layout: length u32 | crc u32 | seq u64).
constexpr std::size_t kSeqOffset = 8;

// ---- the ring file ----------------------------------------------------------------------------
// One page of header, then the data area:
//   0 magic "SCLPRING" | 8 version u32 | 12 reserved u32 | 16 data bytes u64
//  24 drained position u64 (the writer's: every record before it is in a segment)
//  32 drained seq u64 (the last record before it) | 64 an engine journal header (the
//  EngineConfig the ring's records were written under)
constexpr std::array<char, 8> kRingMagic = {'S', 'C', 'L', 'P', 'R', 'I', 'N', 'G'};
constexpr std::uint32_t kRingVersion = 1;
constexpr std::size_t kRingCapacityAt = 16;
constexpr std::size_t kRingDrainedPosAt = 24;
constexpr std::size_t kRingDrainedSeqAt = 32;
constexpr std::size_t kRingConfigAt = 64;

std::string errno_text(int err) { return std::strerror(err); }

std::size_t page_size() noexcept {
  static const auto size = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return size;
}

}  // namespace

// One segment file, mapped while it may still be written or synced. Writer only (and
// release_before, under segments_mu_).
struct JournalStore::Segment {
  fs::path path;
  std::uint64_t first_seq = 0;
  EngineConfig config;  // in its header
  int fd = -1;
  std::byte* base = nullptr;
  std::size_t capacity = 0;
  std::size_t end = 0;  // after the last record copied in
  std::uint64_t last_seq = 0;
  bool named = false;
  bool sealed = false;         // a later segment is being written
  std::size_t synced = 0;      // bytes known on disk
  std::size_t prefaulted = 0;  // pages below this faulted in for writing
  bool sealed_synced = false;  // sealed, and everything in it synced
  bool finished = false;       // ... and unmapped

  Segment() = default;
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;
  ~Segment() { unmap(); }

  void unmap() noexcept {
    if (base != nullptr) ::munmap(base, capacity);
    base = nullptr;
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

// The ring file's mapping: the header page and the data area after it.
struct JournalStore::Ring {
  int fd = -1;
  std::byte* base = nullptr;
  std::size_t size = 0;  // the whole file: one page + the data area

  Ring() = default;
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;
  ~Ring() {
    if (base != nullptr) ::munmap(base, size);
    if (fd >= 0) ::close(fd);
  }
  [[nodiscard]] std::byte* data() const noexcept { return base + page_size(); }
  [[nodiscard]] std::size_t capacity() const noexcept { return size - page_size(); }
};

JournalStore::JournalStore(const JournalStoreConfig& config) : config_(config) {}

std::unique_ptr<JournalStore> JournalStore::open(const JournalStoreConfig& config,
                                                 JournalRecovery& recovery, std::string& error) {
  recovery = JournalRecovery{};
  if (config.segment_bytes <
      std::max<std::size_t>(page_size(), journal::header_size() + journal::kMaxRecordSize)) {
    error = "journal segment_bytes " + std::to_string(config.segment_bytes) +
            " is too small (at least one page and one record)";
    return nullptr;
  }
  if ((config.ring_bytes & (config.ring_bytes - 1)) != 0 ||
      config.ring_bytes < std::max<std::size_t>(4 * page_size(), 8 * journal::kMaxRecordSize)) {
    error = "journal ring_bytes " + std::to_string(config.ring_bytes) +
            " must be a power of two of at least four pages";
    return nullptr;
  }
  if (journal::header_size() % alignof(std::uint32_t) != 0) {  // see payloads_keep_alignment
    error = "the journal header size is not a multiple of 4: length words would be unaligned";
    return nullptr;
  }
  if (config.sync_interval.count() <= 0 || config.drain_interval.count() <= 0) {
    error = "journal sync_interval and drain_interval must be positive";
    return nullptr;
  }
  std::unique_ptr<JournalStore> store(new JournalStore(config));
  std::error_code ec;
  fs::create_directories(config.dir, ec);
  if (ec) {
    error = "cannot create journal directory " + config.dir.string() + ": " + ec.message();
    return nullptr;
  }
  store->dir_fd_ = ::open(config.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (store->dir_fd_ < 0) {
    error = "cannot open journal directory " + config.dir.string() + ": " + errno_text(errno);
    return nullptr;
  }
  if (!store->recover(recovery, error)) return nullptr;
  if (!store->open_ring(recovery, error)) return nullptr;
  store->records_config_ = config.engine;
  recovery.new_config =
      store->cur_ != nullptr && !same_engine_config(store->cur_->config, config.engine);
  // One prepared during the ring's recovery, under the old config, is not the one wanted now.
  if (store->next_ != nullptr && !same_engine_config(store->next_->config, config.engine)) {
    ::unlink(store->next_->path.c_str());
    store->next_.reset();
  }
  if (store->next_ == nullptr && !store->prepare_next()) {
    error = store->error_;
    return nullptr;
  }
  store->writer_ = std::thread([s = store.get()] { s->writer_loop(); });
  return store;
}

JournalStore::~JournalStore() {
  if (writer_.joinable()) {
    {
      const std::lock_guard lock(wake_mu_);
      stop_ = true;
    }
    wake_cv_.notify_one();
    writer_.join();
  }
  // A prepared segment never written to is only a tmp file: not left behind.
  if (next_ != nullptr) ::unlink(next_->path.c_str());
  if (dir_fd_ >= 0) ::close(dir_fd_);
}

// ---- recovery --------------------------------------------------------------------------------

namespace {

struct Mapped {
  int fd = -1;
  std::byte* base = nullptr;
  std::size_t size = 0;
};

// Maps a whole file read-write; false with `error` set.
bool map_file(const fs::path& path, Mapped& m, std::string& error) {
  m.fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (m.fd < 0) {
    error = "cannot open journal segment " + path.string() + ": " + errno_text(errno);
    return false;
  }
  struct stat st {};
  if (::fstat(m.fd, &st) != 0) {
    error = "cannot stat journal segment " + path.string() + ": " + errno_text(errno);
    ::close(m.fd);
    return false;
  }
  m.size = static_cast<std::size_t>(st.st_size);
  if (m.size == 0) {
    m.base = nullptr;
    return true;
  }
  void* p = ::mmap(nullptr, m.size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, m.fd, 0);
  if (p == MAP_FAILED) {
    error = "cannot map journal segment " + path.string() + ": " + errno_text(errno);
    ::close(m.fd);
    return false;
  }
  m.base = static_cast<std::byte*>(p);
  return true;
}

void unmap_file(Mapped& m) {
  if (m.base != nullptr) ::munmap(m.base, m.size);
  if (m.fd >= 0) ::close(m.fd);
  m = Mapped{};
}

SegmentScan scan(const Mapped& m) {
  return scan_segment(std::span<const std::byte>(m.base, m.base == nullptr ? 0 : m.size));
}

// A killed process leaves its writes in the page cache only: make them durable before
// durable_seq() claims them.
bool sync_file(const fs::path& path, std::string& error) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0 || ::fdatasync(fd) != 0) {
    error = "cannot sync journal segment " + path.string() + ": " + errno_text(errno);
    if (fd >= 0) ::close(fd);
    return false;
  }
  ::close(fd);
  return true;
}

}  // namespace

bool JournalStore::recover(JournalRecovery& recovery, std::string& error) {
  struct Found {
    std::uint64_t first_seq;
    fs::path path;
  };
  std::vector<Found> found;
  std::error_code ec;
  for (fs::directory_iterator it(config_.dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (const auto seq = parse_segment_file_name(it->path().filename().string())) {
      found.push_back({*seq, it->path()});
    }
  }
  if (ec) {
    error = "cannot list journal directory " + config_.dir.string() + ": " + ec.message();
    return false;
  }
  std::sort(found.begin(), found.end(),
            [](const Found& a, const Found& b) { return a.first_seq < b.first_seq; });

  // Records in the prepared file: the writer had rotated into it and not named it yet.
  const fs::path next_path = config_.dir / kNextSegmentName;
  if (fs::exists(next_path, ec)) {
    Mapped m;
    std::string ignored;
    SegmentScan s;
    if (map_file(next_path, m, ignored)) {
      s = scan(m);
      unmap_file(m);
    }
    const bool continues = s.header == journal::Status::Ok && s.records > 0 &&
                           (found.empty() || s.first_seq > found.back().first_seq);
    if (continues) {
      const fs::path named = config_.dir / segment_file_name(s.first_seq);
      if (::rename(next_path.c_str(), named.c_str()) != 0) {
        error = "cannot name journal segment " + next_path.string() + " as " + named.string() +
                ": " + errno_text(errno);
        return false;
      }
      found.push_back({s.first_seq, named});
      recovery.adopted_next = true;
    } else {
      ::unlink(next_path.c_str());
    }
    fsync_dir();
  }
  recovery.segments = found.size();

  // The last segment with a record: a named segment without one (its first record lost to a
  // power loss) holds nothing.
  Mapped last;
  SegmentScan s;
  while (!found.empty()) {
    if (!map_file(found.back().path, last, error)) return false;
    s = scan(last);
    if (s.outcome == ScanOutcome::Corrupt && s.data_after_end) {
      // kill -9 between the writer's copy of a record and the store of its length leaves a
      // zero length word with that record's bytes (some or all) after it. When nothing else
      // follows and the ring holds that record, it is a torn tail the ring repairs; any other
      // zero length with data after it stays corruption.
      const std::size_t extent = std::min(last.size, s.end + journal::kMaxRecordSize);
      const bool zeros_after = std::all_of(last.base + extent, last.base + last.size,
                                           [](std::byte b) { return b == std::byte{0}; });
      const std::uint64_t next = s.records > 0 ? s.last_seq + 1 : found.back().first_seq;
      if (zeros_after && ring_holds(next)) {
        s.outcome = ScanOutcome::TornTail;
        s.damage_end = extent;
        s.data_after_end = false;
      }
    }
    if (s.outcome == ScanOutcome::Corrupt) {
      error = "corrupt journal segment " + found.back().path.string() + " at offset " +
              std::to_string(s.end) + ": " + describe(s);
      unmap_file(last);
      return false;
    }
    if (s.records > 0) break;
    unmap_file(last);
    ::unlink(found.back().path.c_str());
    found.pop_back();
    fsync_dir();
  }
  if (found.empty()) return true;  // an empty journal: the first record names its segment
  const Found& tail = found.back();
  if (s.first_seq != tail.first_seq) {
    error = "journal segment " + tail.path.string() + " is named for seq " +
            std::to_string(tail.first_seq) + " but starts at seq " + std::to_string(s.first_seq);
    unmap_file(last);
    return false;
  }
  if (s.outcome == ScanOutcome::TornTail) {
    // Zeroed, and synced, so no reader can ever see it and the next record goes there.
    std::memset(last.base + s.end, 0, s.damage_end - s.end);
    const std::size_t from = s.end / page_size() * page_size();
    if (::msync(last.base + from, s.damage_end - from, MS_SYNC) != 0) {
      error = "cannot sync journal segment " + tail.path.string() + ": " + errno_text(errno);
      unmap_file(last);
      return false;
    }
    recovery.torn_bytes = s.damage_end - s.end;
    recovery.torn = tail.path.string() + " at offset " + std::to_string(s.end) + ": " + describe(s);
  }
  // The killed writer's last two segments may still be only in the page cache.
  if (found.size() >= 2 && !sync_file(found[found.size() - 2].path, error)) {
    unmap_file(last);
    return false;
  }
  if (::fdatasync(last.fd) != 0) {
    error = "cannot sync journal segment " + tail.path.string() + ": " + errno_text(errno);
    unmap_file(last);
    return false;
  }

  for (std::size_t i = 0; i + 1 < found.size(); ++i) {
    auto older = std::make_unique<Segment>();
    older->path = found[i].path;
    older->first_seq = found[i].first_seq;
    older->named = true;
    older->sealed = true;
    older->sealed_synced = true;
    older->finished = true;
    segments_.push_back(std::move(older));
  }
  auto seg = std::make_unique<Segment>();
  seg->path = tail.path;
  seg->first_seq = tail.first_seq;
  seg->config = s.config;
  seg->fd = last.fd;
  seg->base = last.base;
  seg->capacity = last.size;
  seg->named = true;
  seg->synced = s.end;
  seg->end = s.end;
  seg->last_seq = s.last_seq;
  recovery.records_scanned = s.records;
  recovery.next_seq = s.last_seq + 1;
  last_seq_ = s.last_seq;
  durable_seq_.store(s.last_seq, std::memory_order_relaxed);
  copied_seq_.store(s.last_seq, std::memory_order_relaxed);
  cur_ = seg.get();
  segments_.push_back(std::move(seg));
  return true;
}

namespace {

// A ring file left by an earlier process, when it is one of ours: its data area and the
// position from which the writer had not copied yet.
struct RingView {
  const std::byte* data = nullptr;
  std::uint64_t capacity = 0;
  std::uint64_t drained = 0;
  EngineConfig config;  // the records were written under it
};

bool view_ring(const Mapped& m, RingView& v) {
  if (m.base == nullptr || m.size <= page_size()) return false;
  const std::byte* h = m.base;
  const auto capacity = load_le<std::uint64_t>(h + kRingCapacityAt);
  std::size_t used = 0;
  if (capacity == 0 || m.size != page_size() + capacity || (capacity & (capacity - 1)) != 0 ||
      std::memcmp(h, kRingMagic.data(), kRingMagic.size()) != 0 ||
      load_le<std::uint32_t>(h + 8) != kRingVersion ||
      journal::decode_header({h + kRingConfigAt, page_size() - kRingConfigAt}, v.config, used) !=
          journal::Status::Ok) {
    return false;
  }
  v.data = m.base + page_size();
  v.capacity = capacity;
  v.drained = load_le<std::uint64_t>(h + kRingDrainedPosAt);
  return true;
}

// Hands `each` the ring's records that continue a journal whose last seq is `last` (0: an
// empty journal, any first seq), in order, while it returns true. Records at or before `last`
// are skipped (a stale header after a power loss); an older lap's record, a torn one or a stale
// page fails its checksum or its seq, and ends the walk. At most one lap.
template <class Each>
void walk_ring(const RingView& v, std::uint64_t last, Each&& each) {
  const std::uint64_t mask = v.capacity - 1;
  std::uint64_t pos = v.drained;
  Event ev;
  while (pos - v.drained < v.capacity) {
    const std::size_t off = pos & mask;
    const auto length = load_le<std::uint32_t>(v.data + off);
    if (length == kWrapMarker && off != 0) {
      pos += v.capacity - off;
      continue;
    }
    if (length > journal::kMaxRecordSize || off + sizeof length + length > v.capacity) return;
    const std::size_t size = sizeof length + length;
    std::size_t n = 0;
    if (journal::decode_record({v.data + off, size}, ev, n) != journal::Status::Ok) return;
    pos += size;
    if (last != 0 && ev.seq <= last) continue;  // already in a segment
    if (last != 0 && ev.seq != last + 1) return;
    if (!each(v.data + off, size, ev)) return;
    last = ev.seq;
  }
}

}  // namespace

// Whether the ring an earlier process left holds record `seq` as the next to copy: then the
// damage the copy of that record may have left at the end of the last segment is the ring's
// to repair.
bool JournalStore::ring_holds(std::uint64_t seq) const {
  Mapped m;
  std::string ignored;
  const fs::path path = config_.dir / kRingFileName;
  if (seq == 0 || !fs::exists(path) || !map_file(path, m, ignored)) return false;
  RingView v;
  bool holds = false;
  if (view_ring(m, v)) {
    walk_ring(v, seq - 1, [&](const std::byte*, std::size_t, const Event& ev) {
      holds = ev.seq == seq;
      return false;
    });
  }
  unmap_file(m);
  return holds;
}

// The ring's records the writer had not copied yet when the last process died: each one that
// continues the segments is copied into them, under the config the ring says they were
// written with, then the segments are synced and a fresh ring replaces the old. A ring that is
// not ours (bad header) holds nothing we can trust.
bool JournalStore::open_ring(JournalRecovery& recovery, std::string& error) {
  const fs::path path = config_.dir / kRingFileName;
  Mapped m;
  std::string ignored;
  RingView v;
  if (fs::exists(path) && map_file(path, m, ignored) && view_ring(m, v)) {
    records_config_ = v.config;
    walk_ring(v, last_seq_, [&](const std::byte* record, std::size_t size, const Event& ev) {
      if (failed_.load(std::memory_order_relaxed) || !copy_record(record, size, ev.seq)) {
        return false;
      }
      last_seq_ = ev.seq;
      ++recovery.from_ring;
      return true;
    });
    if (recovery.from_ring > 0) {
      sync_segments();
      recovery.next_seq = last_seq_ + 1;
    }
  }
  unmap_file(m);
  if (failed_.load(std::memory_order_relaxed)) {
    error = error_;
    return false;
  }
  return create_ring(error);
}

// A fresh ring, zeroed, its header naming the config the records will be written under.
bool JournalStore::create_ring(std::string& error) {
  const fs::path path = config_.dir / kRingFileName;
  ::unlink(path.c_str());
  auto ring = std::make_unique<Ring>();
  ring->size = page_size() + config_.ring_bytes;
  const auto fail = [&](const char* what, int err) {
    error = std::string(what) + " " + path.string() + ": " + errno_text(err);
    return false;
  };
  ring->fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (ring->fd < 0) return fail("cannot create the journal ring", errno);
  if (const int rc = ::posix_fallocate(ring->fd, 0, static_cast<off_t>(ring->size)); rc != 0) {
    return fail("cannot allocate the journal ring", rc);
  }
  void* p =
      ::mmap(nullptr, ring->size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring->fd, 0);
  if (p == MAP_FAILED) return fail("cannot map the journal ring", errno);
  ring->base = static_cast<std::byte*>(p);
  std::byte* h = ring->base;
  std::memcpy(h, kRingMagic.data(), kRingMagic.size());
  store_le<std::uint32_t>(h + 8, kRingVersion);
  store_le<std::uint64_t>(h + kRingCapacityAt, config_.ring_bytes);
  store_le<std::uint64_t>(h + kRingDrainedPosAt, 0);
  store_le<std::uint64_t>(h + kRingDrainedSeqAt, last_seq_);
  (void)journal::encode_header(config_.engine, {h + kRingConfigAt, page_size() - kRingConfigAt});
  if (::msync(ring->base, page_size(), MS_SYNC) != 0) {
    return fail("cannot sync the journal ring", errno);
  }
  fsync_dir();
  // Every page writable now: the engine thread's first lap must not fault.
  (void)::madvise(ring->data(), config_.ring_bytes, MADV_POPULATE_WRITE);
  ring_ = ring->data();
  ring_mask_ = config_.ring_bytes - 1;
  ring_file_ = std::move(ring);
  return true;
}

// ---- the engine thread --------------------------------------------------------------------

AppendStatus JournalStore::append(const Event& ev) noexcept {
  if (failed_.load(std::memory_order_relaxed)) return AppendStatus::Failed;
  if (ev.seq == 0 || (last_seq_ != 0 && ev.seq != last_seq_ + 1)) {
    return AppendStatus::BadSequence;
  }
  const std::size_t size = journal::record_size(ev);
  const std::size_t capacity = config_.ring_bytes;
  const std::size_t off = head_ & ring_mask_;
  const std::size_t pad = off + size > capacity ? capacity - off : 0;
  if (head_ + pad + size - tail_seen_ > capacity) {
    tail_seen_ = ring_tail_.load(std::memory_order_acquire);
    if (head_ + pad + size - tail_seen_ > capacity) {
      kick_writer();
      return AppendStatus::Full;
    }
  }
  if (pad != 0) {
    store_le<std::uint32_t>(ring_ + off, kWrapMarker);
    head_ += pad;
  }
  journal::encode_record(ev, std::span<std::byte>(ring_ + (head_ & ring_mask_), size));
  head_ += size;
  ring_head_.store(head_, std::memory_order_release);
  last_seq_ = ev.seq;
  // The next records' cache lines, fetched for writing now: the writer's core read them last.
  __builtin_prefetch(ring_ + ((head_ + kPrefetchAhead) & ring_mask_), 1, 3);
  __builtin_prefetch(ring_ + ((head_ + kPrefetchAhead + 64) & ring_mask_), 1, 3);
  // A quarter full: the writer is woken rather than left to its next interval.
  if (head_ - tail_seen_ > capacity / 4) {
    tail_seen_ = ring_tail_.load(std::memory_order_acquire);
    if (head_ - tail_seen_ > capacity / 4) kick_writer();
  }
  return AppendStatus::Ok;
}

// One notify per kick the writer has not taken yet (and a notify without a waiter is no system
// call).
void JournalStore::kick_writer() noexcept {
  if (!kick_.exchange(true, std::memory_order_relaxed)) wake_cv_.notify_one();
}

bool JournalStore::wait_for_room(std::chrono::milliseconds timeout) noexcept {
  full_waits_.fetch_add(1, std::memory_order_relaxed);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (failed_.load(std::memory_order_acquire)) return false;
    tail_seen_ = ring_tail_.load(std::memory_order_acquire);
    // The largest record, and the padding a wrap may need before it.
    if (head_ + 2 * journal::kMaxRecordSize - tail_seen_ <= config_.ring_bytes) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    kick_writer();
    std::this_thread::yield();
  }
}

AppendStatus JournalStore::append_waiting(const Event& ev,
                                          std::chrono::milliseconds timeout) noexcept {
  const AppendStatus s = append(ev);
  if (s != AppendStatus::Full) return s;
  if (!wait_for_room(timeout)) {
    return failed_.load(std::memory_order_acquire) ? AppendStatus::Failed : AppendStatus::Full;
  }
  return append(ev);
}

// ---- the writer ----------------------------------------------------------------------------

void JournalStore::writer_loop() {
  std::unique_lock lock(wake_mu_);
  auto next_sync = std::chrono::steady_clock::now() + config_.sync_interval;
  for (;;) {
    wake_cv_.wait_for(lock, config_.drain_interval, [this] {
      return stop_ || requested_rounds_ > completed_rounds_ ||
             kick_.load(std::memory_order_relaxed);
    });
    const bool stopping = stop_;
    const std::uint64_t target = requested_rounds_;
    kick_.store(false, std::memory_order_relaxed);
    const auto now = std::chrono::steady_clock::now();
    const bool sync = stopping || target > completed_rounds_ || now >= next_sync;
    lock.unlock();
    writer_round(sync);
    if (sync) next_sync = now + config_.sync_interval;
    lock.lock();
    completed_rounds_ = std::max(completed_rounds_, target);
    done_cv_.notify_all();
    if (stopping) return;
  }
}

void JournalStore::writer_round(bool sync) {
  const std::lock_guard lock(segments_mu_);
  drain_ring();
  if (!sync) return;
  if (next_ == nullptr && !failed_.load(std::memory_order_relaxed)) prepare_next();
  sync_segments();
  finish_sealed();
  if (cur_ != nullptr) prefault_ahead(*cur_, cur_->end);
}

// Copies the ring's records [tail, head) into the segments, then frees their space and notes in
// the ring's header how far it got.
void JournalStore::drain_ring() {
  if (failed_.load(std::memory_order_relaxed)) return;  // what is left waits for the next start
  const std::uint64_t head = ring_head_.load(std::memory_order_acquire);
  std::uint64_t tail = ring_tail_.load(std::memory_order_relaxed);
  if (tail == head) return;
  const std::size_t capacity = config_.ring_bytes;
  while (tail != head) {
    const std::size_t off = tail & ring_mask_;
    const auto length = load_le<std::uint32_t>(ring_ + off);
    if (length == kWrapMarker) {
      tail += capacity - off;
      continue;
    }
    const std::size_t size = sizeof length + length;
    if (!copy_record(ring_ + off, size, load_le<std::uint64_t>(ring_ + off + kSeqOffset))) break;
    tail += size;
  }
  ring_tail_.store(tail, std::memory_order_release);
  std::byte* h = ring_file_->base;
  store_le<std::uint64_t>(h + kRingDrainedPosAt, tail);
  store_le<std::uint64_t>(h + kRingDrainedSeqAt, copied_seq_.load(std::memory_order_relaxed));
}

// One record into the current segment (rotating first when it does not fit or was written
// under another config), committed by storing its length last.
bool JournalStore::copy_record(const std::byte* record, std::size_t size, std::uint64_t seq) {
  if (cur_ == nullptr || cur_->sealed || cur_->end + size > cur_->capacity ||
      !same_engine_config(cur_->config, records_config_)) {
    if (!rotate(seq)) return false;
  }
  std::byte* at = cur_->base + cur_->end;
  constexpr std::size_t kLength = sizeof(std::uint32_t);
  std::memcpy(at + kLength, record + kLength, size - kLength);
  __atomic_store_n(reinterpret_cast<std::uint32_t*>(at), load_le<std::uint32_t>(record),
                   __ATOMIC_RELEASE);
  cur_->end += size;
  cur_->last_seq = seq;
  copied_seq_.store(seq, std::memory_order_release);
  return true;
}

// The prepared segment becomes current, named after its first record. A failure here is
// fatal: the record has nowhere to go.
bool JournalStore::rotate(std::uint64_t first_seq) {
  if (next_ != nullptr && !same_engine_config(next_->config, records_config_)) {
    ::unlink(next_->path.c_str());
    next_.reset();
  }
  if (next_ == nullptr && !prepare_next()) {
    failed_.store(true, std::memory_order_release);
    return false;
  }
  const fs::path named = config_.dir / segment_file_name(first_seq);
  if (::rename(next_->path.c_str(), named.c_str()) != 0) {
    set_error("cannot name journal segment " + next_->path.string() + " as " + named.string() +
                  ": " + errno_text(errno),
              true);
    return false;
  }
  fsync_dir();
  if (cur_ != nullptr) cur_->sealed = true;
  next_->path = named;
  next_->named = true;
  next_->first_seq = first_seq;
  cur_ = next_.get();
  segments_.push_back(std::move(next_));
  rotations_.fetch_add(1, std::memory_order_relaxed);
  prefault_ahead(*cur_, cur_->end);
  return true;
}

// Faults in for writing the pages from `from` to prefault_bytes past it (see the config). The
// kernel does it without touching the bytes.
void JournalStore::prefault_ahead(Segment& segment, std::size_t from) {
  if (!prefault_works_ || segment.base == nullptr) return;
  const std::size_t page = page_size();
  const std::size_t start = std::max(segment.prefaulted, from / page * page);
  const std::size_t end =
      std::min(segment.capacity, (from + config_.prefault_bytes + page - 1) / page * page);
  if (end <= start) return;
  if (::madvise(segment.base + start, end - start, MADV_POPULATE_WRITE) != 0) {
    if (errno == EINVAL) prefault_works_ = false;  // before Linux 5.14: the first write faults
    return;
  }
  segment.prefaulted = end;
}

void JournalStore::sync_segments() {
  for (const auto& s : segments_) {
    if (s->sealed_synced || s->base == nullptr) continue;
    if (s->end > s->synced) {
      const std::size_t from = s->synced / page_size() * page_size();
      if (::msync(s->base + from, s->end - from, MS_SYNC) != 0) {
        set_error("cannot sync journal segment " + s->path.string() + ": " + errno_text(errno),
                  true);
        return;
      }
      s->synced = s->end;
      syncs_.fetch_add(1, std::memory_order_relaxed);
    }
    if (s->last_seq != 0) durable_seq_.store(s->last_seq, std::memory_order_release);
    if (s->sealed) s->sealed_synced = true;
  }
}

void JournalStore::finish_sealed() {
  for (const auto& s : segments_) {
    if (s->sealed_synced && !s->finished) {
      s->unmap();
      s->finished = true;
    }
  }
}

bool JournalStore::prepare_next() {
  const fs::path path = config_.dir / kNextSegmentName;
  const std::size_t size = config_.segment_bytes;
  ::unlink(path.c_str());  // left by a prepare that failed half-way
  auto seg = std::make_unique<Segment>();
  seg->path = path;
  seg->capacity = size;
  seg->config = records_config_;
  const auto fail = [&](const char* what, int err) {
    set_error(std::string(what) + " " + path.string() + ": " + errno_text(err), false);
    seg->unmap();
    ::unlink(path.c_str());
    return false;
  };
  seg->fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (seg->fd < 0) return fail("cannot create journal segment", errno);
  if (const int rc = ::posix_fallocate(seg->fd, 0, static_cast<off_t>(size)); rc != 0) {
    return fail("cannot allocate the journal segment", rc);
  }
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, seg->fd, 0);
  if (p == MAP_FAILED) return fail("cannot map journal segment", errno);
  seg->base = static_cast<std::byte*>(p);
  const std::size_t header = journal::encode_header(seg->config, {seg->base, size});
  if (::msync(seg->base, header, MS_SYNC) != 0) return fail("cannot sync journal segment", errno);
  fsync_dir();
  seg->synced = header;
  seg->end = header;
  prefault_ahead(*seg, header);
  if (!failed_.load(std::memory_order_relaxed)) error_.clear();  // a passing trouble is over
  next_ = std::move(seg);
  return true;
}

void JournalStore::set_error(std::string text, bool fatal) {
  if (failed_.load(std::memory_order_relaxed)) return;  // the first fatal one is the cause
  error_ = std::move(text);
  if (fatal) failed_.store(true, std::memory_order_release);
}

void JournalStore::fsync_dir() {
  if (::fsync(dir_fd_) != 0) {
    set_error("cannot sync journal directory " + config_.dir.string() + ": " + errno_text(errno),
              false);
  }
}

// ---- any thread ----------------------------------------------------------------------------

std::string JournalStore::failure() const {
  const std::lock_guard lock(segments_mu_);
  return error_;
}

bool JournalStore::sync_now(std::chrono::milliseconds timeout) {
  std::unique_lock lock(wake_mu_);
  const std::uint64_t target = ++requested_rounds_;
  wake_cv_.notify_one();
  const bool done = done_cv_.wait_for(lock, timeout, [&] { return completed_rounds_ >= target; });
  return done && !failed_.load(std::memory_order_acquire);
}

std::size_t JournalStore::release_before(std::uint64_t seq, std::string* error) {
  const std::lock_guard lock(segments_mu_);
  std::size_t released = 0;
  while (segments_.size() >= 2) {
    const Segment& oldest = *segments_[0];
    const Segment& after = *segments_[1];
    if (&oldest == cur_ || !oldest.finished || after.first_seq > seq) break;
    if (::unlink(oldest.path.c_str()) != 0 && errno != ENOENT) {
      if (error != nullptr) {
        *error = "cannot delete journal segment " + oldest.path.string() + ": " + errno_text(errno);
      }
      break;
    }
    segments_.pop_front();
    ++released;
  }
  if (released > 0) fsync_dir();
  return released;
}

}  // namespace scalper::core
