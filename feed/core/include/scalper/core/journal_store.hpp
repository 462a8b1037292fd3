// journal_store.hpp — the core's journal on the live path: every engine input is appended
// here, by the engine thread, before Engine::step() sees it (docs/architecture.md §4).
//
// Two kinds of file, two threads.
//
// The ring (`journal.ring`): a small file (1 MiB by default) mapped MAP_SHARED, reused lap
// after lap. append() encodes the record straight into it and publishes its end with a release
// store. Why a ring and not the segments themselves: the same few hundred cache lines are
// written again and again, so the engine thread's stores hit its cache (a record takes tens of
// nanoseconds), where writing into an ever-new 64 MiB mapping missed the cache on every line,
// faulted on pages the writer had just written back and took the TLB-flush interrupts of every
// msync (197 ns a record, measured on the same machine). The ring is a file in the page cache,
// so kill -9 of the process at any instant loses nothing append() accepted.
//
// The segments (`journal-<first seq, 20 digits>.sjl`): each an engine journal
// (engine/include/scalper/engine/journal.hpp: its header with the EngineConfig, then records)
// in a file pre-sized with posix_fallocate and mapped MAP_SHARED. The writer thread (owned by
// the store) copies the ring's records into them every `drain_interval` (5 ms) or as soon as
// the ring is a quarter full (one notify), committing each record by storing its length last,
// so a reader mapping the file sees a record whole or not at all. Every `sync_interval`
// (100 ms) it msyncs (MS_SYNC: the range's fdatasync) what it copied and advances
// durable_seq(). It prepares the next segment ahead (create, fallocate, map, header written and
// synced) as `journal-next.sjl.tmp` and names it after its first record when it rotates into
// it. After each drain it records in the ring's header how far it copied.
//
// Recovery (open()): the last segment is scanned and a torn tail (possible after a power loss)
// zeroed. So is a record the writer was copying when the process died (its bytes, some or all,
// after a length word still 0, and nothing after them), but only when the ring holds that very
// record: otherwise a zero length with data after it is corruption. Then the ring is read from
// the position its header names, and every record that continues the segments (seq = last + 1,
// checksum good) is copied into them before anything else happens. Records of an older lap, a
// torn record, or a page of the ring a power loss left stale end that walk: they fail the
// checksum or the seq.
//
// Failure: append() returns Full when the ring has no room (the writer is behind: the caller
// waits with wait_for_room(), never steps an unjournaled input), and Failed once the writer
// could not place a record in a segment (disk full, EFBIG, EIO ...) or a sync failed (the
// kernel may have dropped the pages: the journal can no longer be trusted). failure() says
// why, with the path and the errno text. The core halts trading on it. Records still in the
// ring stay there for the next start.
//
// Seqs: append() takes ev.seq == last_seq() + 1 (any seq >= 1 into an empty journal), so
// readers can tell a missing record from a gap.
//
// Threading: append(), wait_for_room() and last_seq() on one thread (the engine thread);
// durable_seq(), failure() on any; sync_now(), release_before() on any thread but never on the
// engine thread's hot path (they wait for the writer). Allocation: open() allocates; append()
// never does (tested with the allocation counter). System calls on the engine thread: none but
// the one futex wake when the ring passes a quarter full (once per 256 KiB by default).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "scalper/core/journal_reader.hpp"
#include "scalper/engine/engine.hpp"
#include "scalper/engine/events.hpp"
#include "scalper/engine/journal.hpp"

namespace scalper::core {

// The ring's file name in the journal directory (readers ignore it: it is not a segment).
inline constexpr std::string_view kRingFileName = "journal.ring";

struct JournalStoreConfig {
  std::filesystem::path dir;  // <data_dir>/journal; created if missing
  EngineConfig engine;        // written into the header of every new segment
  std::size_t segment_bytes = std::size_t{64} << 20;
  std::chrono::milliseconds sync_interval{100};
  // The ring the engine thread writes: a power of two, at least 4 pages. Small enough to stay
  // in the engine core's cache; large enough to hold what arrives between two drains (with the
  // quarter-full wake-up, a burst of 256 KiB in 5 ms: about 1,600 records).
  std::size_t ring_bytes = std::size_t{1} << 20;
  std::chrono::milliseconds drain_interval{5};
  // How far ahead of its own position the writer faults segment pages in for writing
  // (MADV_POPULATE_WRITE), each round, so its copies do not stop in the file system.
  std::size_t prefault_bytes = std::size_t{4} << 20;
};

// What open() found and did.
struct JournalRecovery {
  std::uint64_t next_seq = 0;       // last good seq + 1; 0 when the journal holds no record
  std::size_t segments = 0;         // segment files found
  std::size_t records_scanned = 0;  // records of the last segment, checked one by one
  std::size_t torn_bytes = 0;       // zeroed at the end of the last segment (0: clean end)
  std::string torn;                 // "<path> at offset <n>: <why>" when torn_bytes > 0
  bool new_config = false;    // the last segment has another EngineConfig: appends go to a new one
  bool adopted_next = false;  // records were in journal-next.sjl.tmp (crash before naming it)
  std::size_t from_ring = 0;  // records only the ring held (kill -9 before the writer copied
                              // them), now copied into the segments
};

enum class AppendStatus : std::uint8_t {
  Ok,
  Full,         // nothing written: the ring has no room yet; wait_for_room(), then again
  Failed,       // nothing written: failure() says why; halt trading
  BadSequence,  // ev.seq is not last_seq() + 1: the caller's bug, nothing written
};

class JournalStore {
 public:
  // Opens (or creates) the journal for append, recovering it after a crash (segments, then the
  // ring's records not yet in them), prepares the next segment, and starts the writer thread.
  // nullptr with `error` set when the directory cannot be used or the last segment is corrupt
  // (not torn: damage with data after it), naming the file and the offset.
  [[nodiscard]] static std::unique_ptr<JournalStore> open(const JournalStoreConfig& config,
                                                          JournalRecovery& recovery,
                                                          std::string& error);
  // A last writer round (everything appended copied and made durable), then the writer stops.
  ~JournalStore();
  JournalStore(const JournalStore&) = delete;
  JournalStore& operator=(const JournalStore&) = delete;

  // Engine thread. Writes the record into the ring; Ok once it is there (and survives
  // kill -9). No system call, allocation or lock (one notify when the ring passes a quarter).
  [[nodiscard]] AppendStatus append(const Event& ev) noexcept;
  // Engine thread, after Full: wakes the writer and waits (yielding) until a record of any
  // size fits, at most `timeout`. False when it did not (or the journal failed meanwhile).
  [[nodiscard]] bool wait_for_room(std::chrono::milliseconds timeout) noexcept;
  // Engine thread: append(), and after Full, wait_for_room(timeout) and append() once more.
  // Failed when the journal failed meanwhile; Full when the writer made no room in time.
  [[nodiscard]] AppendStatus append_waiting(const Event& ev,
                                            std::chrono::milliseconds timeout) noexcept;
  // Engine thread: the seq of the last record appended (or recovered); 0 for none.
  [[nodiscard]] std::uint64_t last_seq() const noexcept { return last_seq_; }

  // The last seq known to be on disk (msync'ed); 0 for none yet.
  [[nodiscard]] std::uint64_t durable_seq() const noexcept {
    return durable_seq_.load(std::memory_order_acquire);
  }
  // The last seq copied into a segment, where readers see it; 0 for none yet.
  [[nodiscard]] std::uint64_t copied_seq() const noexcept {
    return copied_seq_.load(std::memory_order_acquire);
  }
  // Why append() failed (or the writer's last trouble): "<what> <path>: <errno text>"; empty
  // when the writer has no error.
  [[nodiscard]] std::string failure() const;

  // Runs a writer round now and waits for it (at most `timeout`): everything appended before
  // the call is in the segments and durable, and the next segment prepared if it can be. True
  // when the round ran and nothing failed. For shutdown, checkpoints, tests and benchmarks;
  // not the hot path.
  [[nodiscard]] bool sync_now(std::chrono::milliseconds timeout);

  // Deletes the segments whose records are all before `seq` (the next segment starts at or
  // before it), oldest first; never the segment being written. Call it once a checkpoint
  // covering seq - 1 is durable. Returns how many were deleted; `error` gets an unlink
  // failure.
  std::size_t release_before(std::uint64_t seq, std::string* error = nullptr);

  // Counters for figures (any thread).
  [[nodiscard]] std::uint64_t syncs() const noexcept {
    return syncs_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t rotations() const noexcept {
    return rotations_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t full_waits() const noexcept {
    return full_waits_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] const std::filesystem::path& dir() const noexcept { return config_.dir; }

 private:
  struct Segment;
  struct Ring;

  explicit JournalStore(const JournalStoreConfig& config);
  bool recover(JournalRecovery& recovery, std::string& error);
  bool open_ring(JournalRecovery& recovery, std::string& error);
  [[nodiscard]] bool ring_holds(std::uint64_t seq) const;
  bool create_ring(std::string& error);
  void kick_writer() noexcept;
  void writer_loop();
  void writer_round(bool sync);
  void drain_ring();
  bool copy_record(const std::byte* record, std::size_t size, std::uint64_t seq);
  bool rotate(std::uint64_t first_seq);
  void sync_segments();
  bool prepare_next();
  void finish_sealed();
  void prefault_ahead(Segment& segment, std::size_t from);
  void set_error(std::string text, bool fatal);
  void fsync_dir();

  JournalStoreConfig config_;
  int dir_fd_ = -1;
  bool prefault_works_ = true;  // writer: false once the kernel refused MADV_POPULATE_WRITE

  // The ring's mapping (fixed after open()).
  std::unique_ptr<Ring> ring_file_;
  std::byte* ring_ = nullptr;  // the data area, ring_bytes long
  std::uint64_t ring_mask_ = 0;

  // Engine thread only.
  std::uint64_t head_ = 0;        // ring position (bytes, monotonic) after the last record
  std::uint64_t tail_seen_ = 0;   // the writer's position, as last read
  std::uint64_t last_seq_ = 0;

  // Engine thread -> writer, and back.
  alignas(64) std::atomic<std::uint64_t> ring_head_{0};  // engine: published with release
  alignas(64) std::atomic<std::uint64_t> ring_tail_{0};  // writer: space freed, with release
  alignas(64) std::atomic<bool> failed_{false};          // append refuses
  std::atomic<bool> kick_{false};
  std::atomic<std::uint64_t> durable_seq_{0};
  std::atomic<std::uint64_t> copied_seq_{0};
  std::atomic<std::uint64_t> syncs_{0};
  std::atomic<std::uint64_t> rotations_{0};
  std::atomic<std::uint64_t> full_waits_{0};

  // Writer (and release_before) under segments_mu_.
  mutable std::mutex segments_mu_;
  std::deque<std::unique_ptr<Segment>> segments_;  // by first seq; the last may be current
  Segment* cur_ = nullptr;                         // the one records are copied into
  std::unique_ptr<Segment> next_;                  // the prepared one, until rotated into
  EngineConfig records_config_;  // the config the ring's records were written under
  std::string error_;            // under segments_mu_

  // Wake-ups.
  std::mutex wake_mu_;
  std::condition_variable wake_cv_;
  std::condition_variable done_cv_;
  std::uint64_t requested_rounds_ = 0;  // under wake_mu_
  std::uint64_t completed_rounds_ = 0;  // under wake_mu_
  bool stop_ = false;                   // under wake_mu_
  std::thread writer_;
};

}  // namespace scalper::core
