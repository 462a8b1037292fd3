#include "scalper/core/journal_store.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <span>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace scalper::core {
namespace {

namespace fs = std::filesystem;

// Records are committed by an aligned 4-byte release store of their length: every record must
// keep the next one 4-aligned (the header is 88 bytes, a record 36 + its payload).
template <std::size_t... I>
constexpr bool payloads_keep_alignment(std::index_sequence<I...>) {
  return ((sizeof(std::variant_alternative_t<I, EventBody>) % 4 == 0) && ...);
}
static_assert(payloads_keep_alignment(std::make_index_sequence<kEventKindCount>{}),
              "an event's size is not a multiple of 4: records would leave their length "
              "words unaligned (the commit store must be atomic)");

// How far ahead of the write position append() prefetches (for writing) the mapping's cache
// lines: a few records, so a store miss is paid before the record that needs the line.
constexpr std::size_t kPrefetchAhead = 768;

std::string errno_text(int err) { return std::strerror(err); }

std::size_t page_size() noexcept {
  static const auto size = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return size;
}

}  // namespace

// One segment file, mapped while it may still be written or synced.
struct JournalStore::Segment {
  fs::path path;
  std::uint64_t first_seq = 0;  // the prepared one: set by the engine thread before publishing
  int fd = -1;
  std::byte* base = nullptr;
  std::size_t capacity = 0;

  // Writer only.
  bool named = false;
  std::size_t synced = 0;      // bytes known on disk
  std::size_t prefaulted = 0;  // pages below this faulted in for writing
  bool sealed_synced = false;  // sealed, and everything in it synced
  bool finished = false;       // ... and unmapped

  // Engine thread -> writer: end and last_seq before sealed, each with release.
  std::atomic<std::size_t> end{0};
  std::atomic<std::uint64_t> last_seq{0};
  std::atomic<bool> sealed{false};

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
  if (journal::header_size() % alignof(std::uint32_t) != 0) {  // see payloads_keep_alignment
    error = "the journal header size is not a multiple of 4: length words would be unaligned";
    return nullptr;
  }
  if (config.sync_interval.count() <= 0) {
    error = "journal sync_interval must be positive";
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
  if (!store->prepare_next()) {
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
  if (next_ != nullptr && current_.load(std::memory_order_acquire) != next_.get()) {
    ::unlink(next_->path.c_str());
  }
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
  if (found.empty()) return true;  // an empty journal: the first append names its segment
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
    older->sealed.store(true, std::memory_order_relaxed);
    older->sealed_synced = true;
    older->finished = true;
    segments_.push_back(std::move(older));
  }
  auto seg = std::make_unique<Segment>();
  seg->path = tail.path;
  seg->first_seq = tail.first_seq;
  seg->fd = last.fd;
  seg->base = last.base;
  seg->capacity = last.size;
  seg->named = true;
  seg->synced = s.end;
  seg->end.store(s.end, std::memory_order_relaxed);
  seg->last_seq.store(s.last_seq, std::memory_order_relaxed);
  recovery.records_scanned = s.records;
  recovery.next_seq = s.last_seq + 1;
  recovery.new_config = !same_engine_config(s.config, config_.engine);
  last_seq_ = s.last_seq;
  durable_seq_.store(s.last_seq, std::memory_order_relaxed);
  if (recovery.new_config) {
    seg->sealed.store(true, std::memory_order_relaxed);  // the next append starts a segment
  } else {
    cur_ = seg.get();
    base_ = seg->base;
    capacity_ = seg->capacity;
    pos_ = s.end;
    current_.store(cur_, std::memory_order_release);
    prefault_ahead(*seg, s.end);
  }
  segments_.push_back(std::move(seg));
  return true;
}

// ---- the engine thread --------------------------------------------------------------------

AppendStatus JournalStore::append(const Event& ev) noexcept {
  if (failed_.load(std::memory_order_relaxed)) return AppendStatus::Failed;
  if (ev.seq == 0 || (last_seq_ != 0 && ev.seq != last_seq_ + 1)) {
    return AppendStatus::BadSequence;
  }
  const std::size_t size = journal::record_size(ev);
  if (pos_ + size > capacity_ && !rotate(ev.seq)) return AppendStatus::Failed;

  journal::encode_record(ev, std::span<std::byte>(scratch_, size));
  std::byte* at = base_ + pos_;
  constexpr std::size_t kLength = sizeof(std::uint32_t);
  std::memcpy(at + kLength, scratch_ + kLength, size - kLength);
  std::uint32_t length;
  std::memcpy(&length, scratch_, kLength);
  __atomic_store_n(reinterpret_cast<std::uint32_t*>(at), length, __ATOMIC_RELEASE);

  pos_ += size;
  // The next records' cache lines, fetched for writing now: the mapping's fresh pages are not
  // in this core's cache, and a store miss costs ~100 ns (a hint: no fault, no system call).
  const std::size_t ahead = std::min(pos_ + kPrefetchAhead, capacity_ - 3 * 64);
  __builtin_prefetch(base_ + ahead, 1, 3);
  __builtin_prefetch(base_ + ahead + 64, 1, 3);
  __builtin_prefetch(base_ + ahead + 128, 1, 3);
  cur_->end.store(pos_, std::memory_order_release);
  cur_->last_seq.store(ev.seq, std::memory_order_release);
  last_seq_ = ev.seq;
  return AppendStatus::Ok;
}

// The segment the writer prepared becomes current: pointer swaps, and one notify so the
// writer names it and prepares the next one now rather than at its next interval.
bool JournalStore::rotate(std::uint64_t first_seq) noexcept {
  Segment* next = prepared_.load(std::memory_order_acquire);
  if (next == nullptr) return false;
  prepared_.store(nullptr, std::memory_order_relaxed);
  next->first_seq = first_seq;
  if (cur_ != nullptr) cur_->sealed.store(true, std::memory_order_release);
  current_.store(next, std::memory_order_release);
  cur_ = next;
  base_ = next->base;
  capacity_ = next->capacity;
  pos_ = journal::header_size();
  rotations_.fetch_add(1, std::memory_order_relaxed);
  kick_.store(true, std::memory_order_relaxed);
  wake_cv_.notify_one();
  return true;
}

// ---- the writer ----------------------------------------------------------------------------

void JournalStore::writer_loop() {
  std::unique_lock lock(wake_mu_);
  for (;;) {
    wake_cv_.wait_for(lock, config_.sync_interval, [this] {
      return stop_ || requested_rounds_ > completed_rounds_ ||
             kick_.load(std::memory_order_relaxed);
    });
    const bool stopping = stop_;
    const std::uint64_t target = requested_rounds_;
    kick_.store(false, std::memory_order_relaxed);
    lock.unlock();
    writer_round();
    lock.lock();
    completed_rounds_ = std::max(completed_rounds_, target);
    done_cv_.notify_all();
    if (stopping) return;
  }
}

void JournalStore::writer_round() {
  const std::lock_guard lock(segments_mu_);
  adopt_current();
  // The next segment first: the engine thread may need it before the syncs are done.
  if (next_ == nullptr) prepare_next();
  sync_segments();
  finish_sealed();
  if (Segment* cur = current_.load(std::memory_order_acquire); cur != nullptr) {
    prefault_ahead(*cur, cur->end.load(std::memory_order_acquire));
  }
}

// Faults in for writing the pages from `from` to prefault_bytes past it (see the config). The
// kernel does it without touching the bytes, so it cannot race the engine thread's writes.
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

// The engine thread rotated into the prepared segment: name it after its first record.
void JournalStore::adopt_current() {
  Segment* cur = current_.load(std::memory_order_acquire);
  if (next_ == nullptr || cur != next_.get()) return;
  const fs::path named = config_.dir / segment_file_name(cur->first_seq);
  if (::rename(cur->path.c_str(), named.c_str()) != 0) {
    set_error("cannot name journal segment " + cur->path.string() + " as " + named.string() + ": " +
                  errno_text(errno),
              false);
    return;
  }
  fsync_dir();
  cur->path = named;
  cur->named = true;
  segments_.push_back(std::move(next_));
}

void JournalStore::sync_segments() {
  std::vector<Segment*> live;
  for (const auto& s : segments_) {
    if (!s->sealed_synced) live.push_back(s.get());
  }
  // Still unnamed (its rename failed): its records must be synced all the same.
  if (next_ != nullptr && current_.load(std::memory_order_acquire) == next_.get()) {
    live.push_back(next_.get());
  }
  for (Segment* s : live) {
    const bool sealed = s->sealed.load(std::memory_order_acquire);
    const std::uint64_t last = s->last_seq.load(std::memory_order_acquire);
    const std::size_t end = s->end.load(std::memory_order_acquire);
    if (end > s->synced) {
      const std::size_t from = s->synced / page_size() * page_size();
      if (::msync(s->base + from, end - from, MS_SYNC) != 0) {
        set_error("cannot sync journal segment " + s->path.string() + ": " + errno_text(errno),
                  true);
        return;
      }
      s->synced = end;
      syncs_.fetch_add(1, std::memory_order_relaxed);
    }
    if (last != 0) durable_seq_.store(last, std::memory_order_release);
    if (sealed) s->sealed_synced = true;
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
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, seg->fd, 0);
  if (p == MAP_FAILED) return fail("cannot map journal segment", errno);
  seg->base = static_cast<std::byte*>(p);
  const std::size_t header = journal::encode_header(config_.engine, {seg->base, size});
  if (::msync(seg->base, header, MS_SYNC) != 0) return fail("cannot sync journal segment", errno);
  fsync_dir();
  seg->synced = header;
  seg->end.store(header, std::memory_order_relaxed);
  prefault_ahead(*seg, header);
  if (!failed_.load(std::memory_order_relaxed)) error_.clear();  // a passing trouble is over
  Segment* raw = seg.get();
  next_ = std::move(seg);
  prepared_.store(raw, std::memory_order_release);
  return true;
}

void JournalStore::set_error(std::string text, bool fatal) {
  if (failed_.load(std::memory_order_relaxed) && !fatal) return;  // keep the first fatal one
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
  if (!error_.empty()) return error_;
  if (prepared_.load(std::memory_order_acquire) == nullptr) {
    return "no next journal segment prepared yet in " + config_.dir.string() +
           " (the journal writer is behind)";
  }
  return {};
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
  const Segment* cur = current_.load(std::memory_order_acquire);
  std::size_t released = 0;
  while (segments_.size() >= 2) {
    const Segment& oldest = *segments_[0];
    const Segment& after = *segments_[1];
    if (&oldest == cur || !oldest.finished || after.first_seq > seq) break;
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
