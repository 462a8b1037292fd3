#include "scalper/core/checkpoint_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <system_error>
#include <utility>

#include "scalper/engine/byte_io.hpp"
#include "scalper/engine/journal.hpp"

namespace scalper::core {
namespace {

namespace fs = std::filesystem;
using Bytes = std::span<const std::byte>;

constexpr std::array<char, 8> kMagic = {'S', 'C', 'L', 'P', 'C', 'K', 'P', 'T'};
constexpr std::string_view kPrefix = "checkpoint-";
constexpr std::string_view kSuffix = ".sck";
constexpr std::string_view kTempSuffix = ".sck.tmp";
constexpr std::size_t kSeqDigits = 20;
constexpr std::size_t kHeaderCrcAt = 44;

std::string errno_text(int err) { return std::strerror(err); }

bool parse_seq_digits(std::string_view digits, std::uint64_t& seq) {
  if (digits.size() != kSeqDigits ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
  return ec == std::errc() && end == digits.data() + digits.size();
}

bool is_temp_name(std::string_view name) {
  return name.starts_with(kPrefix) && name.ends_with(kTempSuffix);
}

// Reads a whole file; false with `error` (errno text).
bool read_whole(const fs::path& path, std::vector<std::byte>& out, std::string& error) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = errno_text(errno);
    return false;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    error = errno_text(errno);
    ::close(fd);
    return false;
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size > kMaxCheckpointPayload + kCheckpointHeaderSize) {
    error = "file too large for a checkpoint (" + std::to_string(size) + " bytes)";
    ::close(fd);
    return false;
  }
  out.resize(static_cast<std::size_t>(size));
  std::size_t got = 0;
  while (got < out.size()) {
    const ssize_t n = ::read(fd, out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  const int read_errno = errno;
  ::close(fd);
  if (got != out.size()) {
    error = got < out.size() && read_errno != 0 ? errno_text(read_errno) : "short read";
    return false;
  }
  return true;
}

bool write_all(int fd, Bytes bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

bool fsync_dir(const fs::path& dir, std::string& error) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    error = "cannot sync checkpoint directory " + dir.string() + ": " + errno_text(errno);
    if (fd >= 0) ::close(fd);
    return false;
  }
  ::close(fd);
  return true;
}

struct Listed {
  std::uint64_t seq;
  fs::path path;
};

// Checkpoint files (by seq, ascending) and temp files in `dir`.
bool list_dir(const fs::path& dir, std::vector<Listed>& files, std::vector<fs::path>& temps,
              std::string& error) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return true;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::uint64_t seq = 0;
    if (parse_checkpoint_file_name(name, seq)) {
      files.push_back({seq, it->path()});
    } else if (is_temp_name(name)) {
      temps.push_back(it->path());
    }
  }
  if (ec) {
    error = "cannot list checkpoint directory " + dir.string() + ": " + ec.message();
    return false;
  }
  std::sort(files.begin(), files.end(),
            [](const Listed& a, const Listed& b) { return a.seq < b.seq; });
  return true;
}

// Reads and checks one checkpoint file; "" when good, else why not.
std::string check_file(const Listed& f, std::vector<std::byte>& bytes, Bytes& payload) {
  std::string error;
  if (!read_whole(f.path, bytes, error)) return "unreadable: " + error;
  CheckpointHeader header;
  CheckpointCheck c = parse_checkpoint(bytes, header, payload);
  if (c == CheckpointCheck::Ok && header.seq != f.seq) c = CheckpointCheck::SeqMismatch;
  return c == CheckpointCheck::Ok ? std::string() : std::string(to_string(c));
}

}  // namespace

// ---- the file format ------------------------------------------------------------------------

std::string_view to_string(CheckpointCheck c) noexcept {
  switch (c) {
    case CheckpointCheck::Ok: return "ok";
    case CheckpointCheck::Truncated: return "truncated (a write cut short?)";
    case CheckpointCheck::BadMagic: return "not a checkpoint (bad magic)";
    case CheckpointCheck::BadVersion: return "unsupported checkpoint version";
    case CheckpointCheck::BadHeader: return "malformed header";
    case CheckpointCheck::BadHeaderCrc: return "header checksum mismatch";
    case CheckpointCheck::TooLarge: return "payload size beyond any engine state";
    case CheckpointCheck::TrailingBytes: return "bytes after the payload";
    case CheckpointCheck::BadPayloadCrc: return "payload checksum mismatch (corrupt)";
    case CheckpointCheck::SeqMismatch: return "the file name names another seq";
  }
  return "?";
}

std::array<std::byte, kCheckpointHeaderSize> encode_checkpoint_header(std::uint64_t seq,
                                                                      Bytes payload) noexcept {
  std::array<std::byte, kCheckpointHeaderSize> h{};
  std::byte* p = h.data();
  std::memcpy(p, kMagic.data(), kMagic.size());
  store_le<std::uint16_t>(p + 8, kCheckpointVersion);
  store_le<std::uint16_t>(p + 10, static_cast<std::uint16_t>(kCheckpointHeaderSize));
  store_le<std::uint64_t>(p + 16, seq);
  store_le<std::uint64_t>(p + 24, payload.size());
  store_le<std::uint32_t>(p + 32, journal::crc32c(payload));
  store_le<std::uint32_t>(p + kHeaderCrcAt, journal::crc32c(Bytes(p, kHeaderCrcAt)));
  return h;
}

CheckpointCheck parse_checkpoint(Bytes file, CheckpointHeader& header, Bytes& payload) noexcept {
  if (file.empty()) return CheckpointCheck::Truncated;  // created, never written
  // A file cut short inside its magic is still recognisably ours: truncated, not foreign.
  const std::size_t magic_seen = std::min(file.size(), kMagic.size());
  if (std::memcmp(file.data(), kMagic.data(), magic_seen) != 0) return CheckpointCheck::BadMagic;
  if (file.size() < kCheckpointHeaderSize) return CheckpointCheck::Truncated;
  const std::byte* p = file.data();
  if (load_le<std::uint32_t>(p + kHeaderCrcAt) != journal::crc32c(file.first(kHeaderCrcAt))) {
    return CheckpointCheck::BadHeaderCrc;
  }
  if (load_le<std::uint16_t>(p + 8) != kCheckpointVersion) return CheckpointCheck::BadVersion;
  if (load_le<std::uint16_t>(p + 10) != kCheckpointHeaderSize || load_le<std::uint32_t>(p + 12) != 0 ||
      load_le<std::uint32_t>(p + 36) != 0 || load_le<std::uint32_t>(p + 40) != 0) {
    return CheckpointCheck::BadHeader;
  }
  CheckpointHeader h;
  h.seq = load_le<std::uint64_t>(p + 16);
  h.payload_size = load_le<std::uint64_t>(p + 24);
  h.payload_crc = load_le<std::uint32_t>(p + 32);
  if (h.payload_size > kMaxCheckpointPayload) return CheckpointCheck::TooLarge;
  const std::uint64_t have = file.size() - kCheckpointHeaderSize;
  if (have < h.payload_size) return CheckpointCheck::Truncated;
  if (have > h.payload_size) return CheckpointCheck::TrailingBytes;
  const Bytes body = file.subspan(kCheckpointHeaderSize);
  if (journal::crc32c(body) != h.payload_crc) return CheckpointCheck::BadPayloadCrc;
  header = h;
  payload = body;
  return CheckpointCheck::Ok;
}

std::string checkpoint_file_name(std::uint64_t seq) {
  char digits[kSeqDigits + 1];
  std::snprintf(digits, sizeof digits, "%020llu", static_cast<unsigned long long>(seq));
  return std::string(kPrefix) + digits + std::string(kSuffix);
}

bool parse_checkpoint_file_name(std::string_view name, std::uint64_t& seq) {
  if (name.size() != kPrefix.size() + kSeqDigits + kSuffix.size() || !name.starts_with(kPrefix) ||
      !name.ends_with(kSuffix)) {
    return false;
  }
  return parse_seq_digits(name.substr(kPrefix.size(), kSeqDigits), seq);
}

// ---- writing and loading -------------------------------------------------------------------

bool write_checkpoint_file(const fs::path& dir, std::uint64_t seq, Bytes payload,
                           std::string& error) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    error = "cannot create checkpoint directory " + dir.string() + ": " + ec.message();
    return false;
  }
  const fs::path final_path = dir / checkpoint_file_name(seq);
  const fs::path temp = fs::path(final_path.string() + ".tmp");
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    error = "cannot create checkpoint " + temp.string() + ": " + errno_text(errno);
    return false;
  }
  const auto fail = [&](const char* what) {
    error = std::string(what) + " " + temp.string() + ": " + errno_text(errno);
    ::close(fd);
    ::unlink(temp.c_str());
    return false;
  };
  const auto header = encode_checkpoint_header(seq, payload);
  if (!write_all(fd, header)) return fail("cannot write checkpoint");
  if (!write_all(fd, payload)) return fail("cannot write checkpoint");
  if (::fdatasync(fd) != 0) return fail("cannot sync checkpoint");
  if (::close(fd) != 0) {
    error = "cannot close checkpoint " + temp.string() + ": " + errno_text(errno);
    ::unlink(temp.c_str());
    return false;
  }
  if (::rename(temp.c_str(), final_path.c_str()) != 0) {
    error = "cannot rename checkpoint " + temp.string() + ": " + errno_text(errno);
    ::unlink(temp.c_str());
    return false;
  }
  return fsync_dir(dir, error);
}

LoadedCheckpoint load_newest_checkpoint(const fs::path& dir) {
  LoadedCheckpoint out;
  std::vector<Listed> files;
  std::vector<fs::path> temps;
  if (!list_dir(dir, files, temps, out.error)) return out;
  for (const fs::path& t : temps) {
    out.skipped.push_back({t, "leftover temp file (a checkpoint write that never finished)"});
  }
  std::vector<std::byte> bytes;
  for (auto it = files.rbegin(); it != files.rend(); ++it) {
    Bytes payload;
    const std::string why = check_file(*it, bytes, payload);
    if (!why.empty()) {
      out.skipped.push_back({it->path, why});
      continue;
    }
    out.found = true;
    out.seq = it->seq;
    out.path = it->path;
    out.payload.assign(payload.begin(), payload.end());
    break;
  }
  return out;
}

// ---- CheckpointStore -------------------------------------------------------------------------

CheckpointStore::CheckpointStore(const CheckpointStoreConfig& config, OnDurable on_durable)
    : config_(config), on_durable_(std::move(on_durable)) {}

std::unique_ptr<CheckpointStore> CheckpointStore::open(const CheckpointStoreConfig& config,
                                                       OnDurable on_durable, std::string& error) {
  if (config.keep == 0) {
    error = "checkpoint keep must be at least 1";
    return nullptr;
  }
  std::error_code ec;
  fs::create_directories(config.dir, ec);
  if (ec) {
    error = "cannot create checkpoint directory " + config.dir.string() + ": " + ec.message();
    return nullptr;
  }
  std::vector<Listed> files;
  std::vector<fs::path> temps;
  if (!list_dir(config.dir, files, temps, error)) return nullptr;
  for (const fs::path& t : temps) ::unlink(t.c_str());
  std::unique_ptr<CheckpointStore> store(new CheckpointStore(config, std::move(on_durable)));
  std::vector<std::byte> bytes;
  for (const Listed& f : files) {
    Bytes payload;
    if (check_file(f, bytes, payload).empty()) store->good_.push_back(f.seq);
  }
  store->writer_ = std::thread([s = store.get()] { s->writer_loop(); });
  return store;
}

CheckpointStore::~CheckpointStore() {
  if (writer_.joinable()) {
    {
      const std::lock_guard lock(mu_);
      stop_ = true;
    }
    wake_cv_.notify_one();
    writer_.join();
  }
}

void CheckpointStore::submit(std::uint64_t seq, Bytes state) {
  {
    const std::lock_guard lock(mu_);
    pending_.assign(state.begin(), state.end());
    pending_seq_ = seq;
    has_pending_ = true;
  }
  wake_cv_.notify_one();
}

bool CheckpointStore::wait_idle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return idle_cv_.wait_for(lock, timeout, [this] { return !has_pending_ && !busy_; });
}

std::uint64_t CheckpointStore::durable_seq() const {
  const std::lock_guard lock(mu_);
  return durable_seq_;
}

std::string CheckpointStore::last_error() const {
  const std::lock_guard lock(mu_);
  return last_error_;
}

std::uint64_t CheckpointStore::failures() const {
  const std::lock_guard lock(mu_);
  return failures_;
}

void CheckpointStore::writer_loop() {
  std::vector<std::byte> writing;  // swapped with pending_: both keep their capacity
  std::unique_lock lock(mu_);
  for (;;) {
    wake_cv_.wait(lock, [this] { return stop_ || has_pending_; });
    if (!has_pending_) return;  // stopping, nothing left
    std::swap(writing, pending_);
    const std::uint64_t seq = pending_seq_;
    has_pending_ = false;
    busy_ = true;
    lock.unlock();
    write_one(seq, writing);
    lock.lock();
    busy_ = false;
    idle_cv_.notify_all();
  }
}

void CheckpointStore::write_one(std::uint64_t seq, Bytes state) {
  std::string error;
  if (config_.before_write && !config_.before_write(seq, error)) {
    const std::lock_guard lock(mu_);
    last_error_ = error;
    ++failures_;
    return;
  }
  if (!write_checkpoint_file(config_.dir, seq, state, error)) {
    const std::lock_guard lock(mu_);
    last_error_ = error;
    ++failures_;
    return;
  }
  DurableCheckpoint d;
  d.seq = seq;
  d.deleted = apply_retention(seq, d.release_before);
  {
    const std::lock_guard lock(mu_);
    durable_seq_ = std::max(durable_seq_, seq);
    last_error_.clear();
  }
  if (on_durable_) on_durable_(d);
}

// Keeps the newest `keep` good checkpoints; deletes every other checkpoint file older than the
// one just written (older good ones beyond `keep`, and the corrupt ones found at open).
std::size_t CheckpointStore::apply_retention(std::uint64_t written, std::uint64_t& release_before) {
  good_.erase(std::remove(good_.begin(), good_.end(), written), good_.end());
  good_.push_back(written);
  std::sort(good_.begin(), good_.end());
  // The kept ones: the newest `keep` good checkpoints up to the one just written.
  std::vector<std::uint64_t> kept;
  for (auto it = good_.rbegin(); it != good_.rend() && kept.size() < config_.keep; ++it) {
    if (*it <= written) kept.push_back(*it);
  }
  release_before = kept.size() == config_.keep ? kept.back() + 1 : 0;

  std::vector<Listed> files;
  std::vector<fs::path> temps;
  std::string error;
  if (!list_dir(config_.dir, files, temps, error)) return 0;
  std::size_t deleted = 0;
  for (const Listed& f : files) {
    if (f.seq >= written || std::find(kept.begin(), kept.end(), f.seq) != kept.end()) continue;
    if (::unlink(f.path.c_str()) == 0) ++deleted;
    good_.erase(std::remove(good_.begin(), good_.end(), f.seq), good_.end());
  }
  if (deleted > 0) (void)fsync_dir(config_.dir, error);
  return deleted;
}

}  // namespace scalper::core
