// journal_store.hpp — the core's journal on the live path: every engine input is appended
// here, by the engine thread, before Engine::step() sees it (docs/architecture.md §4).
//
// Layout: a directory of segment files `journal-<first seq, 20 digits>.sjl`, each an engine
// journal (engine/include/scalper/engine/journal.hpp: its header with the EngineConfig, then
// records) in a file pre-sized with posix_fallocate and mapped MAP_SHARED. Why: appending is
// then a memcpy into the page cache. No system call, no allocation, no lock on the engine
// thread, and kill -9 of the process at any instant loses nothing that was written, because
// the bytes are already the kernel's.
//
// Commit order: encode_record writes the length word first, so the record is encoded into a
// 512-byte scratch buffer, its bytes after the length word are copied into the mapping, and
// the length is stored last with release. A reader (this process or another, mapping the
// file) sees a record whole or not at all; the zeroed tail of the file reads as the end.
//
// Durability against power loss is the writer thread's (owned by the store): every
// `sync_interval` (100 ms by default) it msyncs (MS_SYNC: the range's fdatasync) what the
// engine thread wrote since, and advances durable_seq(). It also prepares the next segment
// ahead (create, fallocate, map with MAP_POPULATE, header written and synced) as
// `journal-next.sjl.tmp`, so rotation on the engine thread is a pointer swap; the writer then
// names the new segment after its first record (rename + directory fsync). Each round it also
// faults in, for writing, the pages just ahead of the engine thread (prefault_bytes). The engine thread
// publishes its position with release stores the writer reads; the only wake-up it ever sends
// is one notify at rotation (once per segment, 64 MiB), so the next one is prepared at once.
//
// Failure: append() returns Failed when a record does not fit, and no next segment is
// prepared (the writer could not make one: disk full, EFBIG, EIO, ... or has not yet), or after
// a sync failed (the kernel may have dropped the pages: the journal can no longer be trusted).
// Nothing is written then; failure() says why, with the path and the errno text. The core
// halts trading on it: never trade unjournaled.
//
// Seqs: append() takes ev.seq == last_seq() + 1 (any seq >= 1 into an empty journal), so
// readers can tell a missing record from a gap. open() recovers a crashed journal: the last
// segment is scanned, a torn tail (possible after a power loss) is zeroed so it can never be
// read, and appending continues after the last good record. A different EngineConfig than
// the last segment's starts a new segment with the new header.
//
// Threading: append() and last_seq() on one thread (the engine thread); durable_seq(),
// failure(), next_segment_ready() on any; sync_now(), release_before() on any thread but
// never on the engine thread's hot path (they wait for the writer). Allocation: open()
// allocates; append() never does (tested with the allocation counter).
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
#include <thread>

#include "scalper/core/journal_reader.hpp"
#include "scalper/engine/engine.hpp"
#include "scalper/engine/events.hpp"
#include "scalper/engine/journal.hpp"

namespace scalper::core {

struct JournalStoreConfig {
  std::filesystem::path dir;  // <data_dir>/journal; created if missing
  EngineConfig engine;        // written into the header of every new segment
  std::size_t segment_bytes = std::size_t{64} << 20;
  std::chrono::milliseconds sync_interval{100};
  // How far ahead of the engine thread's position the writer faults pages in for writing
  // (MADV_POPULATE_WRITE), each round. A shared file mapping's first write to a page (and the
  // first after the page was written back) takes a fault into the file system (ext4 starts a
  // journal handle), microseconds on the engine thread: the writer takes it instead. Pages
  // faulted in but not yet reached are written back as zeros after the kernel's dirty expiry,
  // so the window is kept small.
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
};

enum class AppendStatus : std::uint8_t {
  Ok,
  Failed,       // nothing written: failure() says why; halt trading
  BadSequence,  // ev.seq is not last_seq() + 1: the caller's bug, nothing written
};

class JournalStore {
 public:
  // Opens (or creates) the journal for append, recovering it after a crash, prepares the
  // segment the next append goes to, and starts the writer thread. nullptr with `error` set
  // when the directory cannot be used or the last segment is corrupt (not torn: damage with
  // data after it), naming the file and the offset.
  [[nodiscard]] static std::unique_ptr<JournalStore> open(const JournalStoreConfig& config,
                                                          JournalRecovery& recovery,
                                                          std::string& error);
  // A last writer round (everything appended made durable), then the writer stops.
  ~JournalStore();
  JournalStore(const JournalStore&) = delete;
  JournalStore& operator=(const JournalStore&) = delete;

  // Engine thread. Writes the record into the mapping; Ok once it is readable (and survives
  // kill -9). No system call, allocation or lock (rotation: a pointer swap and one notify).
  [[nodiscard]] AppendStatus append(const Event& ev) noexcept;
  // Engine thread: the seq of the last record appended (or recovered); 0 for none.
  [[nodiscard]] std::uint64_t last_seq() const noexcept { return last_seq_; }

  // The last seq known to be on disk (msync'ed); 0 for none yet.
  [[nodiscard]] std::uint64_t durable_seq() const noexcept {
    return durable_seq_.load(std::memory_order_acquire);
  }
  // Why append() failed (or would at the next rotation): "<what> <path>: <errno text>";
  // empty when the writer has no error.
  [[nodiscard]] std::string failure() const;
  // A next segment is ready: the current one may fill up.
  [[nodiscard]] bool next_segment_ready() const noexcept {
    return prepared_.load(std::memory_order_acquire) != nullptr;
  }

  // Runs a writer round now and waits for it (at most `timeout`): everything appended before
  // the call is durable and the next segment prepared if it can be. True when the round ran
  // and nothing failed. For shutdown, checkpoints, tests and benchmarks; not the hot path.
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
  [[nodiscard]] const std::filesystem::path& dir() const noexcept { return config_.dir; }

 private:
  struct Segment;

  explicit JournalStore(const JournalStoreConfig& config);
  bool recover(JournalRecovery& recovery, std::string& error);
  bool rotate(std::uint64_t first_seq) noexcept;
  void writer_loop();
  void writer_round();
  void adopt_current();
  void sync_segments();
  bool prepare_next();
  void finish_sealed();
  void prefault_ahead(Segment& segment, std::size_t from);
  void set_error(std::string text, bool fatal);
  void fsync_dir();

  JournalStoreConfig config_;
  int dir_fd_ = -1;
  bool prefault_works_ = true;  // writer: false once the kernel refused MADV_POPULATE_WRITE

  // Engine thread only.
  Segment* cur_ = nullptr;
  std::byte* base_ = nullptr;
  std::size_t capacity_ = 0;
  std::size_t pos_ = 0;
  std::uint64_t last_seq_ = 0;
  alignas(64) std::byte scratch_[journal::kMaxRecordSize];

  // Engine thread -> writer.
  std::atomic<Segment*> current_{nullptr};
  std::atomic<Segment*> prepared_{nullptr};  // writer sets it, engine thread takes it
  std::atomic<bool> failed_{false};          // a sync failed: append refuses
  std::atomic<bool> kick_{false};
  std::atomic<std::uint64_t> durable_seq_{0};
  std::atomic<std::uint64_t> syncs_{0};
  std::atomic<std::uint64_t> rotations_{0};

  // Writer (and release_before) under segments_mu_.
  mutable std::mutex segments_mu_;
  std::deque<std::unique_ptr<Segment>> segments_;  // by first seq; the last may be current
  std::unique_ptr<Segment> next_;                  // the prepared one, until adopted
  std::string error_;                              // under segments_mu_

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
