// journal_reader.hpp — reads the core's journal directory back: the segment scanner and
// JournalReader, which iterates records in seq order across segments from any seq.
//
// What it reads: `<data_dir>/journal/journal-<first seq, 20 digits>.sjl`, each segment an
// engine journal (engine/include/scalper/engine/journal.hpp: header, then records back to back)
// in a pre-sized file whose zeroed tail is the end of the journal: a zero length word where a
// record would start reads as End. While the writer has just rotated and not yet named the
// new segment, its records are in `journal-next.sjl.tmp`; the reader follows into it when its
// first record continues the journal (JournalStore renames it within one writer round).
//
// Why a bad record at the end is not corruption: the store commits a record by storing its
// length last, so kill -9 never leaves a torn record; a power loss can (pages reach the disk
// in any order), and then the damage is the last record with only zero bytes after it. So a
// record that fails to decode is a torn tail when everything after it in its segment is zero
// and no later segment exists; anywhere else it is corruption, reported with the file and the
// offset. Seqs run without gaps (JournalStore appends seq = last + 1), across segments too: a
// gap or a step back is corruption as well.
//
// Live reading: segments are mapped read-only (MAP_SHARED), so the reader sees what the core's
// journal writer copies in (from the engine thread's ring, within 5 ms of the append) as soon
// as the length word is stored (loaded with acquire); End means "nothing more yet", and next()
// can be called again. The directory is listed again only when the current segment has no
// next record.
//
// Threading: a JournalReader is used by one thread; any number of readers, in any process,
// beside one writer. scan_segment and read_record_at are pure. Allocation: open(), read_from()
// and moving to the next segment allocate (paths, the segment list); next() within a segment
// does not.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "scalper/engine/engine.hpp"
#include "scalper/engine/events.hpp"
#include "scalper/engine/journal.hpp"

namespace scalper::core {

// ---- names ---------------------------------------------------------------------------------

inline constexpr std::string_view kSegmentPrefix = "journal-";
inline constexpr std::string_view kSegmentSuffix = ".sjl";
// The writer's prepared next segment, until its first record names it.
inline constexpr std::string_view kNextSegmentName = "journal-next.sjl.tmp";

// "journal-00000000000000000042.sjl" for 42.
[[nodiscard]] std::string segment_file_name(std::uint64_t first_seq);
// The first seq a segment file name stands for; nullopt for any other name.
[[nodiscard]] std::optional<std::uint64_t> parse_segment_file_name(std::string_view name);

// EngineConfig has padding and no operator==: equal when their journal headers are.
[[nodiscard]] bool same_engine_config(const EngineConfig& a, const EngineConfig& b) noexcept;

// ---- one record, one segment (pure) -------------------------------------------------------

enum class RecordRead : std::uint8_t {
  Ok,        // ev holds the record; `size` bytes were used
  End,       // a zero length word, or no bytes left: nothing more here
  TornTail,  // a record that fails to decode with only zero bytes after it in `bytes`
  Corrupt,   // a record that fails to decode with something after it; `status` says how
};

struct RecordResult {
  RecordRead read = RecordRead::End;
  journal::Status status = journal::Status::Ok;  // the decoder's verdict when not Ok / End
  std::size_t size = 0;                          // bytes of the record (Ok)
  std::size_t damage_end = 0;  // TornTail: the bytes [at, damage_end) are the torn record
};

// Decodes the record at `at` of a segment image. The length word is loaded with acquire, so a
// record the writer is still writing (length 0) reads as End.
[[nodiscard]] RecordResult read_record_at(std::span<const std::byte> bytes, std::size_t at,
                                          Event& ev) noexcept;

enum class ScanOutcome : std::uint8_t {
  Clean,     // the records end at a zero length word or the end of the bytes
  TornTail,  // ... at a torn record: [end, damage_end) are its bytes
  Corrupt,   // a bad record with data after it, a bad header, or seqs out of order
};

// What a whole segment holds. For the store's recovery (open for append), the tests and the
// fuzzer.
struct SegmentScan {
  journal::Status header = journal::Status::Ok;  // decode_header's verdict
  EngineConfig config;                           // when header == Ok
  ScanOutcome outcome = ScanOutcome::Clean;
  journal::Status problem = journal::Status::Ok;  // the record's verdict (Corrupt, TornTail)
  bool seq_out_of_order = false;                  // Corrupt because a seq was not last + 1
  bool data_after_end = false;  // Corrupt because a zero length word has bytes after it
  std::size_t end = 0;          // offset after the last good record: where an append goes
  std::size_t damage_end = 0;   // TornTail: end of the torn bytes
  std::size_t records = 0;
  std::uint64_t first_seq = 0;  // 0 when there is no record
  std::uint64_t last_seq = 0;
};

[[nodiscard]] SegmentScan scan_segment(std::span<const std::byte> bytes) noexcept;

// "record length is corrupt", "seq 17 after 15 (records missing)", "bad header: …".
[[nodiscard]] std::string describe(const SegmentScan& scan);

// ---- the reader ----------------------------------------------------------------------------

enum class ReadStatus : std::uint8_t {
  Record,    // ev holds the next record
  End,       // no more records for now (a live journal grows: call next() again later)
  TornTail,  // the journal ends in a torn record (crash while writing): problem() says where
  Corrupt,   // damage with records after it, a bad segment header, a seq gap: problem()
};

enum class SeekStatus : std::uint8_t {
  Ok,        // next() returns the record `seq` first (once it is written)
  Released,  // the oldest record left is after `seq` (older segments were released after a
             // checkpoint): next() starts at the oldest, oldest_seq() says which
  Failed,    // the directory cannot be read: problem()
};

class JournalReader {
 public:
  JournalReader() = default;
  ~JournalReader();
  JournalReader(const JournalReader&) = delete;
  JournalReader& operator=(const JournalReader&) = delete;

  // Opens a journal directory and positions at its first record. False (and problem()) when
  // the directory cannot be listed. An empty or missing-segments directory is fine: End.
  [[nodiscard]] bool open(const std::filesystem::path& dir);

  // Positions so that next() returns records from `seq` on.
  [[nodiscard]] SeekStatus read_from(std::uint64_t seq);

  [[nodiscard]] ReadStatus next(Event& ev);

  // The EngineConfig of the segment the last record came from, and whether that record is the
  // first one read under a config that differs from the previous record's (true for the first
  // record read): a caller replaying records needs an engine built with it.
  [[nodiscard]] const EngineConfig& config() const noexcept { return config_; }
  [[nodiscard]] bool config_changed() const noexcept { return config_changed_; }

  // After TornTail / Corrupt / Failed: "<path> at offset <n>: <what>".
  [[nodiscard]] const std::string& problem() const noexcept { return problem_; }
  // The segment being read and the offset of the next record in it.
  [[nodiscard]] const std::filesystem::path& segment_path() const noexcept { return path_; }
  [[nodiscard]] std::size_t offset() const noexcept { return at_; }
  // The first seq of the oldest segment found by open() / read_from() (0: none).
  [[nodiscard]] std::uint64_t oldest_seq() const noexcept { return oldest_seq_; }
  // The seq of the last record next() returned (0: none yet).
  [[nodiscard]] std::uint64_t last_seq() const noexcept { return last_seq_; }

 private:
  struct Listed {
    std::uint64_t first_seq;
    std::filesystem::path path;
  };

  bool list(std::vector<Listed>& out);
  bool map_segment(const std::filesystem::path& path, std::uint64_t expected_first);
  void unmap();
  bool advance_segment(ReadStatus& status);
  bool adopt_next_file(ReadStatus& status);
  ReadStatus fail(ReadStatus status, std::string what);
  ReadStatus on_bad_record(const RecordResult& r);

  std::filesystem::path dir_;
  std::filesystem::path path_;
  const std::byte* base_ = nullptr;
  std::size_t size_ = 0;
  std::size_t at_ = 0;
  std::uint64_t segment_first_ = 0;  // the name's seq (0 for the unnamed next segment)
  std::uint64_t first_record_ = 0;   // the seq of the first record read in this segment
  EngineConfig config_;
  EngineConfig segment_config_;
  bool have_config_ = false;
  bool config_changed_ = false;
  std::uint64_t from_ = 0;      // records below this are skipped
  std::uint64_t last_seq_ = 0;  // last record seen (returned or skipped)
  std::uint64_t oldest_seq_ = 0;
  std::string problem_;
  bool failed_ = false;  // TornTail / Corrupt: sticky until read_from() or open()
  ReadStatus sticky_ = ReadStatus::Corrupt;
};

}  // namespace scalper::core
