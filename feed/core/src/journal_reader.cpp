#include "scalper/core/journal_reader.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <system_error>
#include <utility>

namespace scalper::core {
namespace {

namespace fs = std::filesystem;
using Bytes = std::span<const std::byte>;

constexpr std::size_t kSeqDigits = 20;

bool all_zero(Bytes bytes) noexcept {
  // Word-wise where it can: the zeroed tail of a 64 MiB segment is scanned once per segment.
  std::size_t i = 0;
  const std::byte* p = bytes.data();
  const std::size_t n = bytes.size();
  for (; i < n && reinterpret_cast<std::uintptr_t>(p + i) % 8 != 0; ++i) {
    if (p[i] != std::byte{0}) return false;
  }
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, sizeof w);
    if (w != 0) return false;
  }
  for (; i < n; ++i) {
    if (p[i] != std::byte{0}) return false;
  }
  return true;
}

// The length word, with acquire: the writer stores it last, with release, so a non-zero
// value means the record's other bytes are there. Mapped segments are page-aligned and every
// record is a multiple of 4 bytes, so there the word is aligned; an unaligned word can only be
// in a caller's buffer (tests, the fuzzer), which nobody writes meanwhile: a plain load.
std::uint32_t load_length(const std::byte* p) noexcept {
  if (reinterpret_cast<std::uintptr_t>(p) % alignof(std::uint32_t) == 0) {
    return __atomic_load_n(reinterpret_cast<const std::uint32_t*>(p), __ATOMIC_ACQUIRE);
  }
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

std::string offset_text(const fs::path& path, std::size_t at) {
  return path.string() + " at offset " + std::to_string(at);
}

}  // namespace

// ---- names -----------------------------------------------------------------------------------

std::string segment_file_name(std::uint64_t first_seq) {
  char digits[kSeqDigits + 1];
  std::snprintf(digits, sizeof digits, "%020llu", static_cast<unsigned long long>(first_seq));
  return std::string(kSegmentPrefix) + digits + std::string(kSegmentSuffix);
}

std::optional<std::uint64_t> parse_segment_file_name(std::string_view name) {
  if (name.size() != kSegmentPrefix.size() + kSeqDigits + kSegmentSuffix.size() ||
      !name.starts_with(kSegmentPrefix) || !name.ends_with(kSegmentSuffix)) {
    return std::nullopt;
  }
  const std::string_view digits = name.substr(kSegmentPrefix.size(), kSeqDigits);
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  std::uint64_t seq = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return seq;
}

bool same_engine_config(const EngineConfig& a, const EngineConfig& b) noexcept {
  std::array<std::byte, 256> ha{}, hb{};
  const std::size_t na = journal::encode_header(a, ha);
  const std::size_t nb = journal::encode_header(b, hb);
  return na == nb && std::memcmp(ha.data(), hb.data(), na) == 0;
}

// ---- records and segments -----------------------------------------------------------------

RecordResult read_record_at(Bytes bytes, std::size_t at, Event& ev) noexcept {
  RecordResult r;
  if (at >= bytes.size()) return r;  // End
  const Bytes rest = bytes.subspan(at);
  std::uint32_t length = 0;
  if (rest.size() >= sizeof length) {
    length = load_length(rest.data());
    if (length == 0) return r;  // End: the zeroed tail, or a record not committed yet
  }
  std::size_t used = 0;
  r.status = journal::decode_record(rest, ev, used);
  if (r.status == journal::Status::Ok) {
    r.read = RecordRead::Ok;
    r.size = used;
    return r;
  }
  if (r.status == journal::Status::TornTail) {  // the bytes end inside it
    r.read = RecordRead::TornTail;
    r.damage_end = bytes.size();
    return r;
  }
  // Where the damaged record would end: its length if that is possible, else the largest
  // record there can be. Only zeros after that means nothing was written after it: torn.
  const std::size_t span = sizeof length + std::size_t{length};
  const std::size_t extent = std::min(
      bytes.size(), at + (span <= journal::kMaxRecordSize ? span : journal::kMaxRecordSize));
  if (all_zero(bytes.subspan(extent))) {
    r.read = RecordRead::TornTail;
    r.damage_end = extent;
  } else {
    r.read = RecordRead::Corrupt;
  }
  return r;
}

SegmentScan scan_segment(Bytes bytes) noexcept {
  SegmentScan s;
  std::size_t used = 0;
  s.header = journal::decode_header(bytes, s.config, used);
  if (s.header != journal::Status::Ok) {
    s.outcome = ScanOutcome::Corrupt;
    return s;
  }
  std::size_t at = used;
  for (;;) {
    Event ev;
    const RecordResult r = read_record_at(bytes, at, ev);
    s.end = at;
    switch (r.read) {
      case RecordRead::Ok:
        if (s.records > 0 && ev.seq != s.last_seq + 1) {
          s.outcome = ScanOutcome::Corrupt;
          s.seq_out_of_order = true;
          s.problem = journal::Status::BadPayload;
          return s;
        }
        if (s.records == 0) s.first_seq = ev.seq;
        s.last_seq = ev.seq;
        ++s.records;
        at += r.size;
        continue;
      case RecordRead::End:
        // A zero length word ends the segment only if nothing follows it: a length zeroed
        // by a flipped bit must not hide the records after it.
        if (at < bytes.size() && !all_zero(bytes.subspan(at))) {
          s.outcome = ScanOutcome::Corrupt;
          s.data_after_end = true;
          s.problem = journal::Status::BadLength;
        }
        return s;
      case RecordRead::TornTail:
        s.outcome = ScanOutcome::TornTail;
        s.problem = r.status;
        s.damage_end = r.damage_end;
        return s;
      case RecordRead::Corrupt:
        s.outcome = ScanOutcome::Corrupt;
        s.problem = r.status;
        return s;
    }
  }
}

std::string describe(const SegmentScan& scan) {
  if (scan.header != journal::Status::Ok) {
    return "bad segment header: " + std::string(journal::to_string(scan.header));
  }
  if (scan.seq_out_of_order) {
    return "seq out of order after " + std::to_string(scan.last_seq) + " (records missing)";
  }
  if (scan.data_after_end) return "a zero record length with data after it";
  switch (scan.outcome) {
    case ScanOutcome::Clean: return "clean";
    case ScanOutcome::TornTail:
      return "torn record at the end (" + std::string(journal::to_string(scan.problem)) + ")";
    case ScanOutcome::Corrupt: return std::string(journal::to_string(scan.problem));
  }
  return "?";
}

// ---- JournalReader ------------------------------------------------------------------------

JournalReader::~JournalReader() { unmap(); }

void JournalReader::unmap() {
  if (base_ != nullptr) {
    ::munmap(const_cast<std::byte*>(base_), size_);
  }
  base_ = nullptr;
  size_ = 0;
  at_ = 0;
  segment_first_ = 0;
  first_record_ = 0;
  path_.clear();
}

bool JournalReader::open(const fs::path& dir) {
  dir_ = dir;
  return read_from(0) != SeekStatus::Failed;
}

bool JournalReader::list(std::vector<Listed>& out) {
  out.clear();
  std::error_code ec;
  fs::directory_iterator it(dir_, ec);
  if (ec) {
    problem_ = "cannot list " + dir_.string() + ": " + ec.message();
    return false;
  }
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) {
      problem_ = "cannot list " + dir_.string() + ": " + ec.message();
      return false;
    }
    if (const auto seq = parse_segment_file_name(it->path().filename().string())) {
      out.push_back({*seq, it->path()});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Listed& a, const Listed& b) { return a.first_seq < b.first_seq; });
  return true;
}

SeekStatus JournalReader::read_from(std::uint64_t seq) {
  unmap();
  failed_ = false;
  problem_.clear();
  from_ = seq;
  last_seq_ = 0;
  have_config_ = false;
  config_changed_ = false;
  oldest_seq_ = 0;
  std::vector<Listed> segments;
  if (!list(segments)) return SeekStatus::Failed;
  if (segments.empty()) return SeekStatus::Ok;  // the first records may be in the next file
  oldest_seq_ = segments.front().first_seq;
  // The last segment starting at or before `seq` holds it (or the oldest, if released).
  const Listed* pick = &segments.front();
  for (const Listed& s : segments) {
    if (s.first_seq <= seq) pick = &s;
  }
  if (!map_segment(pick->path, pick->first_seq)) return SeekStatus::Failed;
  return seq != 0 && seq < oldest_seq_ ? SeekStatus::Released : SeekStatus::Ok;
}

// Maps a segment read-only and checks its header; false (problem_ set, failed_) if either
// fails. `expected_first` is the seq its name promises (0: the unnamed next segment).
bool JournalReader::map_segment(const fs::path& path, std::uint64_t expected_first) {
  unmap();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    problem_ = "cannot open " + path.string() + ": " + std::strerror(errno);
    failed_ = true;
    return false;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    problem_ = "cannot stat " + path.string() + ": " + std::strerror(errno);
    ::close(fd);
    failed_ = true;
    return false;
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  void* p = size == 0 ? MAP_FAILED : ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  const int map_errno = errno;
  ::close(fd);  // the mapping keeps the file
  if (p == MAP_FAILED) {
    problem_ = size == 0 ? offset_text(path, 0) + ": empty segment file"
                         : "cannot map " + path.string() + ": " + std::strerror(map_errno);
    failed_ = true;
    return false;
  }
  base_ = static_cast<const std::byte*>(p);
  size_ = size;
  path_ = path;
  segment_first_ = expected_first;
  std::size_t used = 0;
  const journal::Status h = journal::decode_header(Bytes(base_, size_), segment_config_, used);
  if (h != journal::Status::Ok) {
    problem_ = offset_text(path, 0) + ": bad segment header: " + std::string(journal::to_string(h));
    failed_ = true;
    return false;
  }
  at_ = used;
  return true;
}

ReadStatus JournalReader::fail(ReadStatus status, std::string what) {
  problem_ = offset_text(path_, at_) + ": " + what;
  failed_ = true;
  sticky_ = status;
  return status;
}

ReadStatus JournalReader::next(Event& ev) {
  if (failed_) return sticky_;
  config_changed_ = false;
  for (;;) {
    if (base_ == nullptr) {
      ReadStatus status = ReadStatus::End;
      if (!advance_segment(status)) return status;
      continue;
    }
    const RecordResult r = read_record_at(Bytes(base_, size_), at_, ev);
    switch (r.read) {
      case RecordRead::Ok: {
        if (first_record_ == 0) {
          if (segment_first_ != 0 && ev.seq != segment_first_) {
            return fail(ReadStatus::Corrupt, "the segment's first record has seq " +
                                                 std::to_string(ev.seq) + ", its name says " +
                                                 std::to_string(segment_first_));
          }
          first_record_ = ev.seq;
        }
        if (last_seq_ != 0 && ev.seq != last_seq_ + 1) {
          return fail(ReadStatus::Corrupt, "seq " + std::to_string(ev.seq) + " after " +
                                               std::to_string(last_seq_) + " (records missing)");
        }
        at_ += r.size;
        last_seq_ = ev.seq;
        if (ev.seq < from_) continue;
        config_changed_ = !have_config_ || !same_engine_config(config_, segment_config_);
        config_ = segment_config_;
        have_config_ = true;
        return ReadStatus::Record;
      }
      case RecordRead::End: {
        ReadStatus status = ReadStatus::End;
        if (!advance_segment(status)) return status;
        continue;
      }
      case RecordRead::TornTail:
      case RecordRead::Corrupt: return on_bad_record(r);
    }
  }
}

// A bad record is a torn tail only at the very end of the journal: not when a later segment
// (named, or the writer's next file with records) exists.
ReadStatus JournalReader::on_bad_record(const RecordResult& r) {
  const std::string what(journal::to_string(r.status));
  if (r.read == RecordRead::Corrupt) return fail(ReadStatus::Corrupt, what);
  std::vector<Listed> segments;
  if (!list(segments)) return fail(ReadStatus::Corrupt, problem_);
  const std::uint64_t key = segment_first_ != 0 ? segment_first_ : first_record_;
  const bool later = std::any_of(segments.begin(), segments.end(),
                                 [&](const Listed& s) { return s.first_seq > key; });
  if (later) return fail(ReadStatus::Corrupt, what + ", with later segments after it");
  return fail(ReadStatus::TornTail, "torn record at the end of the journal (" + what + ")");
}

// At the end of the current segment (or with none mapped): moves to the segment after it if
// there is one. True when the caller should read on; false with `status` End (nothing newer
// yet) or Corrupt.
bool JournalReader::advance_segment(ReadStatus& status) {
  std::vector<Listed> segments;
  if (!list(segments)) {
    status = fail(ReadStatus::Corrupt, problem_);
    return false;
  }
  const bool mapped = base_ != nullptr;
  const std::uint64_t key = segment_first_ != 0 ? segment_first_ : first_record_;
  const Listed* next = nullptr;
  for (const Listed& s : segments) {
    if (!mapped || s.first_seq > key) {
      next = &s;
      break;
    }
  }
  if (mapped && key == 0) next = nullptr;  // the next file, still empty: nothing can follow it
  if (next == nullptr) return adopt_next_file(status);

  if (mapped) {
    // The writer rotates only when a record does not fit, and names the new segment after
    // that: once a newer one is listed, nothing more is written here. Look once more (a record
    // may have been committed between the read and the listing), then require the rest zero.
    Event ev;
    if (read_record_at(Bytes(base_, size_), at_, ev).read != RecordRead::End) return true;
    if (!all_zero(Bytes(base_, size_).subspan(at_))) {
      status = fail(ReadStatus::Corrupt, "a zero record length with data after it");
      return false;
    }
  }
  if (last_seq_ != 0 && next->first_seq != last_seq_ + 1) {
    status = fail(ReadStatus::Corrupt, "the next segment " + next->path.filename().string() +
                                           " starts at seq " + std::to_string(next->first_seq) +
                                           ", after " + std::to_string(last_seq_) +
                                           " (records missing)");
    return false;
  }
  const fs::path path = next->path;
  if (!map_segment(path, next->first_seq)) {
    status = ReadStatus::Corrupt;
    sticky_ = status;
    return false;
  }
  return true;
}

// The writer's prepared file, when it already holds the records that continue the journal
// (it has just rotated into it and will name it on its next round).
bool JournalReader::adopt_next_file(ReadStatus& status) {
  status = ReadStatus::End;
  const fs::path path = dir_ / kNextSegmentName;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  const bool sized = ::fstat(fd, &st) == 0 && st.st_size > 0;
  void* p =
      sized ? ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_SHARED, fd, 0)
            : MAP_FAILED;
  ::close(fd);
  if (p == MAP_FAILED) return false;
  const Bytes bytes(static_cast<const std::byte*>(p), static_cast<std::size_t>(st.st_size));
  EngineConfig config;
  std::size_t used = 0;
  Event ev;
  const bool continues = journal::decode_header(bytes, config, used) == journal::Status::Ok &&
                         read_record_at(bytes, used, ev).read == RecordRead::Ok &&
                         (last_seq_ == 0 || ev.seq == last_seq_ + 1);
  if (!continues) {
    ::munmap(p, bytes.size());
    return false;
  }
  if (base_ != nullptr) {
    // Leaving a segment for good: same checks as for a named one.
    Event probe;
    if (read_record_at(Bytes(base_, size_), at_, probe).read != RecordRead::End) {
      ::munmap(p, bytes.size());
      return true;
    }
    if (!all_zero(Bytes(base_, size_).subspan(at_))) {
      ::munmap(p, bytes.size());
      status = fail(ReadStatus::Corrupt, "a zero record length with data after it");
      return false;
    }
  }
  unmap();
  base_ = bytes.data();
  size_ = bytes.size();
  path_ = path;
  segment_first_ = 0;
  segment_config_ = config;
  at_ = used;
  return true;
}

}  // namespace scalper::core
