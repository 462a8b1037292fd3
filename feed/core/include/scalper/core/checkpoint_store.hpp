// checkpoint_store.hpp — the core's checkpoint files: the engine's serialized state (an opaque
// payload to this file) and the journal seq it covers, so a restart replays only the journal's
// tail after it (docs/architecture.md §4).
//
// File: `<data_dir>/checkpoints/checkpoint-<seq, 20 digits>.sck`, little-endian:
//    0 magic "SCLPCKPT" | 8 version u16 | 10 header_size u16 (48) | 12 reserved u32 (0)
//   16 seq u64 (the last input stepped into the state) | 24 payload_size u64
//   32 payload crc32c u32 | 36 reserved u32 (0) | 40 reserved u32 (0) | 44 header crc32c u32
//   (of bytes 0..44) | 48 payload
// Why every check: a checkpoint is read back after a crash, so a partial, truncated or
// flipped file must be told from a good one; the payload goes to the engine's restore, which
// must only ever see bytes that were written whole.
//
// Writing (write_checkpoint_file): a temp file `checkpoint-<seq>.sck.tmp` in the same
// directory, written, fdatasync'ed, renamed over the final name, and the directory fsync'ed:
// a crash at any point leaves the previous checkpoints and, at worst, a temp file that loading
// skips. Loading (load_newest_checkpoint) takes the newest file that passes every check and
// reports each newer one it skipped (corrupt, truncated, temp) with a reason the caller logs.
//
// CheckpointStore runs the writes on a thread of its own: the engine thread hands over a
// COPY of the state (submit) and goes on; once the file is durable, the store deletes older
// checkpoints beyond the newest `keep` good ones and calls on_durable with the seq before which
// the journal may be released: the oldest kept checkpoint's seq + 1, since a restart may fall
// back to it when the newest turns out unreadable (0 while fewer than `keep` exist).
//
// Threading: parse/encode are pure; load_newest_checkpoint and write_checkpoint_file run on
// the calling thread (blocking I/O). CheckpointStore::submit on the engine thread (a mutex
// held for the copy and one notify: once per checkpoint, not per event); the rest on any
// thread. Allocation: submit copies into a buffer reused from one checkpoint to the next (it
// grows only when the state does); loading and writing allocate.
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace scalper::core {

inline constexpr std::uint16_t kCheckpointVersion = 1;
inline constexpr std::size_t kCheckpointHeaderSize = 48;
// Far above any engine's state (a million bots is ~1 GiB less than this); bounds what a
// hostile or flipped header can make a loader allocate.
inline constexpr std::uint64_t kMaxCheckpointPayload = std::uint64_t{2} << 30;

enum class CheckpointCheck : std::uint8_t {
  Ok,
  Truncated,  // shorter than its header says (a write cut short)
  BadMagic,   // not a checkpoint
  BadVersion,
  BadHeader,  // header size or reserved bytes wrong
  BadHeaderCrc,
  TooLarge,       // payload size above kMaxCheckpointPayload
  TrailingBytes,  // longer than its header says
  BadPayloadCrc,
  SeqMismatch,  // the file's name says another seq (a renamed file)
};

[[nodiscard]] std::string_view to_string(CheckpointCheck c) noexcept;

struct CheckpointHeader {
  std::uint64_t seq = 0;
  std::uint64_t payload_size = 0;
  std::uint32_t payload_crc = 0;
};

// The header for `payload` covering `seq`.
[[nodiscard]] std::array<std::byte, kCheckpointHeaderSize> encode_checkpoint_header(
    std::uint64_t seq, std::span<const std::byte> payload) noexcept;

// Checks a whole checkpoint file image. On Ok, `header` is filled and `payload` views the
// payload inside `file`.
[[nodiscard]] CheckpointCheck parse_checkpoint(std::span<const std::byte> file,
                                               CheckpointHeader& header,
                                               std::span<const std::byte>& payload) noexcept;

// "checkpoint-00000000000000000042.sck".
[[nodiscard]] std::string checkpoint_file_name(std::uint64_t seq);
// The seq of a checkpoint file name; false for any other name (temp files included).
[[nodiscard]] bool parse_checkpoint_file_name(std::string_view name, std::uint64_t& seq);

// Writes `payload` as the checkpoint for `seq` into `dir` (created if missing), durably (temp,
// fdatasync, rename, directory fsync). False with `error` ("<what> <path>: <errno text>").
[[nodiscard]] bool write_checkpoint_file(const std::filesystem::path& dir, std::uint64_t seq,
                                         std::span<const std::byte> payload, std::string& error);

struct SkippedCheckpoint {
  std::filesystem::path path;
  std::string reason;
};

struct LoadedCheckpoint {
  bool found = false;
  std::uint64_t seq = 0;
  std::filesystem::path path;
  std::vector<std::byte> payload;
  std::vector<SkippedCheckpoint> skipped;  // newer files than the one used, and temp files
  std::string error;                       // the directory could not be listed
};

// The newest checkpoint in `dir` that passes every check. A missing directory is "none".
[[nodiscard]] LoadedCheckpoint load_newest_checkpoint(const std::filesystem::path& dir);

struct CheckpointStoreConfig {
  std::filesystem::path dir;  // <data_dir>/checkpoints
  std::size_t keep = 2;       // good checkpoints kept (>= 1)
  // On the writer thread, before the checkpoint covering `seq` is written: the core makes its
  // journal durable up to `seq` here. A checkpoint must never be on disk ahead of the journal
  // it continues (after a power loss the next input's seq would not follow the journal's
  // last). False (with `error`): this checkpoint is skipped and counted as a failure.
  std::function<bool(std::uint64_t seq, std::string& error)> before_write;
};

struct DurableCheckpoint {
  std::uint64_t seq = 0;             // the checkpoint just made durable
  std::uint64_t release_before = 0;  // journal segments wholly before this may go (0: none)
  std::size_t deleted = 0;           // older checkpoint files deleted
};

class CheckpointStore {
 public:
  using OnDurable = std::function<void(const DurableCheckpoint&)>;

  // Creates the directory, deletes leftover temp files, checks the checkpoints already there
  // (so retention never deletes the last good one for a corrupt newer one), and starts the
  // writer thread. nullptr with `error` when the directory cannot be used. `on_durable` runs
  // on the writer thread: where the core calls JournalStore::release_before.
  [[nodiscard]] static std::unique_ptr<CheckpointStore> open(const CheckpointStoreConfig& config,
                                                             OnDurable on_durable,
                                                             std::string& error);
  // Writes a checkpoint still pending, then stops the writer.
  ~CheckpointStore();
  CheckpointStore(const CheckpointStore&) = delete;
  CheckpointStore& operator=(const CheckpointStore&) = delete;

  // Engine thread: copies `state` (the engine's serialized state after stepping `seq`) for the
  // writer. A submission not yet started is replaced by a newer one.
  void submit(std::uint64_t seq, std::span<const std::byte> state);

  // Waits until every submission so far has been written (or failed), at most `timeout`.
  [[nodiscard]] bool wait_idle(std::chrono::milliseconds timeout);

  [[nodiscard]] std::uint64_t durable_seq() const;  // newest checkpoint written (0: none)
  [[nodiscard]] std::string last_error() const;     // the last failed write, "" if none
  [[nodiscard]] std::uint64_t failures() const;

 private:
  explicit CheckpointStore(const CheckpointStoreConfig& config, OnDurable on_durable);
  void writer_loop();
  void write_one(std::uint64_t seq, std::span<const std::byte> state);
  std::size_t apply_retention(std::uint64_t written, std::uint64_t& release_before);

  CheckpointStoreConfig config_;
  OnDurable on_durable_;
  std::vector<std::uint64_t> good_;  // writer thread: checkpoints known good, ascending

  mutable std::mutex mu_;
  std::condition_variable wake_cv_;
  std::condition_variable idle_cv_;
  std::vector<std::byte> pending_;  // under mu_
  std::uint64_t pending_seq_ = 0;   // under mu_
  bool has_pending_ = false;        // under mu_
  bool busy_ = false;               // under mu_
  bool stop_ = false;               // under mu_
  std::uint64_t durable_seq_ = 0;   // under mu_
  std::uint64_t failures_ = 0;      // under mu_
  std::string last_error_;          // under mu_
  std::thread writer_;
};

}  // namespace scalper::core
