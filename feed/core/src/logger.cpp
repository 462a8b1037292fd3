// logger.cpp — the fixed-size log record, the rings, and the logger thread (see logger.hpp).
#include "scalper/core/logger.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "scalper/timing/clock.hpp"

namespace scalper::core {
namespace {

// ---- the record ----------------------------------------------------------------------------

// Text of at most Cap bytes. Longer input is cut at a UTF-8 character boundary so that it
// and the marker fit: the line stays valid UTF-8 and says it was cut.
template <std::size_t Cap>
struct Text {
  static_assert(Cap > kLogTruncationMarker.size());
  std::uint8_t size;
  char chars[Cap];

  void set(std::string_view in) noexcept {
    if (in.size() <= Cap) {
      if (!in.empty()) std::memcpy(chars, in.data(), in.size());  // data() may be null
      size = static_cast<std::uint8_t>(in.size());
      return;
    }
    std::size_t keep = Cap - kLogTruncationMarker.size();
    while (keep > 0 && (static_cast<unsigned char>(in[keep]) & 0xC0u) == 0x80u) --keep;
    std::memcpy(chars, in.data(), keep);
    std::memcpy(chars + keep, kLogTruncationMarker.data(), kLogTruncationMarker.size());
    size = static_cast<std::uint8_t>(keep + kLogTruncationMarker.size());
  }
  [[nodiscard]] std::string_view view() const noexcept { return {chars, size}; }
};
static_assert(kLogMessageMax <= 255 && kLogValueMax <= 255, "sizes are one byte");

struct FieldRecord {
  LogField::Kind kind;
  Text<kLogKeyMax> key;
  Text<kLogValueMax> value;
};

// One ring slot: trivially copyable, about 620 bytes. Its arrays are written only as far as
// they are used (no zero-fill of the whole record per line).
struct Record {
  std::int64_t wall_ns;
  Severity severity;
  std::uint8_t field_count;
  std::uint8_t fields_omitted;
  Text<kLogComponentMax> component;
  Text<kLogMessageMax> message;
  FieldRecord fields[kLogFieldsMax];
};
static_assert(std::is_trivially_copyable_v<Record>);
static_assert(sizeof(Record) <= 640, "the banner of logger.hpp says about 620 bytes");
static_assert(kDecimalTextMax <= kLogValueMax, "a Decimal's text fits a value");

void fill_value(FieldRecord& f, const LogField& in) noexcept {
  f.kind = in.kind;
  char* const out = f.value.chars;
  switch (in.kind) {
    case LogField::Kind::Text: f.value.set(in.text); return;
    case LogField::Kind::Signed: {
      const auto r = std::to_chars(out, out + kLogValueMax, in.signed_value);
      f.value.size = static_cast<std::uint8_t>(r.ptr - out);
      return;
    }
    case LogField::Kind::Unsigned: {
      const auto r = std::to_chars(out, out + kLogValueMax, in.unsigned_value);
      f.value.size = static_cast<std::uint8_t>(r.ptr - out);
      return;
    }
    case LogField::Kind::Bool: f.value.set(in.unsigned_value != 0 ? "true" : "false"); return;
    case LogField::Kind::Money:
      f.value.size = static_cast<std::uint8_t>(format_decimal(in.money, out));
      return;
  }
  f.value.size = 0;
}

// ---- formatting (the logger thread) --------------------------------------------------------

// Days since 1970-01-01 to a civil date (proleptic Gregorian; H. Hinnant's algorithm): no
// time-zone database, no locale, no gmtime_r.
void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// RFC 3339, UTC, microseconds: "2026-12-03T11:30:00.123456Z".
std::string rfc3339(std::int64_t wall_ns) {
  const std::int64_t secs = floor_div(wall_ns, 1'000'000'000);
  const std::int64_t micros = (wall_ns - secs * 1'000'000'000) / 1000;
  const std::int64_t days = floor_div(secs, 86'400);
  const std::int64_t sod = secs - days * 86'400;
  std::int64_t year = 0;
  unsigned month = 0;
  unsigned day = 0;
  civil_from_days(days, year, month, day);
  char buf[64];
  const int n =
      std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%06lldZ",
                    static_cast<long long>(year), month, day, static_cast<long long>(sod / 3600),
                    static_cast<long long>(sod / 60 % 60), static_cast<long long>(sod % 60),
                    static_cast<long long>(micros));
  return std::string(buf, static_cast<std::size_t>(n));
}

std::string_view upper_name(Severity s) noexcept {
  switch (s) {
    case Severity::Debug: return "DEBUG";
    case Severity::Info: return "INFO";
    case Severity::Warn: return "WARN";
    case Severity::Error: return "ERROR";
  }
  return "?";
}

void append_json(std::string& out, const Record& r) {
  nlohmann::ordered_json line;
  line["time"] = rfc3339(r.wall_ns);
  line["level"] = severity_name(r.severity);
  line["component"] = r.component.view();
  line["message"] = r.message.view();
  if (r.field_count > 0) {
    nlohmann::ordered_json& fields = line["fields"];
    fields = nlohmann::ordered_json::object();
    for (std::size_t i = 0; i < r.field_count; ++i) {
      const FieldRecord& f = r.fields[i];
      const std::string key(f.key.view());
      const std::string_view v = f.value.view();
      switch (f.kind) {
        case LogField::Kind::Signed: {
          std::int64_t n = 0;
          std::from_chars(v.data(), v.data() + v.size(), n);
          fields[key] = n;
          break;
        }
        case LogField::Kind::Unsigned: {
          std::uint64_t n = 0;
          std::from_chars(v.data(), v.data() + v.size(), n);
          fields[key] = n;
          break;
        }
        case LogField::Kind::Bool: fields[key] = v == "true"; break;
        case LogField::Kind::Text:
        case LogField::Kind::Money: fields[key] = v; break;
      }
    }
  }
  if (r.fields_omitted > 0) line["fields_omitted"] = r.fields_omitted;
  // Invalid UTF-8 from a caller becomes U+FFFD instead of an exception on this thread.
  out += line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  out += '\n';
}

// Text lines stay one line: control characters and backslashes are escaped; a value with a
// space, quote or '=' (or none at all) is quoted.
void append_escaped(std::string& out, std::string_view text) {
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
}

void append_value(std::string& out, std::string_view v) {
  bool quote = v.empty();
  for (char c : v) quote = quote || c == ' ' || c == '"' || c == '=' || c == '\\' || c < 0x20;
  if (!quote) return append_escaped(out, v);
  out += '"';
  for (char c : v) {
    if (c == '"') {
      out += "\\\"";
    } else {
      append_escaped(out, std::string_view(&c, 1));
    }
  }
  out += '"';
}

void append_text(std::string& out, const Record& r) {
  out += rfc3339(r.wall_ns);
  out += ' ';
  out += upper_name(r.severity);
  out += ' ';
  append_escaped(out, r.component.view());
  out += ": ";
  append_escaped(out, r.message.view());
  for (std::size_t i = 0; i < r.field_count; ++i) {
    out += ' ';
    append_escaped(out, r.fields[i].key.view());
    out += '=';
    append_value(out, r.fields[i].value.view());
  }
  if (r.fields_omitted > 0) out += " fields_omitted=" + std::to_string(r.fields_omitted);
  out += '\n';
}

}  // namespace

// ---- the rings -------------------------------------------------------------------------------

// One producer's records: single producer (the thread holding the LogProducer), single
// consumer (the logger thread). Positions count up forever; a slot is index & mask. The
// producer writes a slot in place, then publishes it by storing tail (release); the logger
// thread formats slots straight from the ring, then frees them by storing head (release).
struct LogRing {
  explicit LogRing(std::size_t capacity)
      : slots(new Record[capacity]), mask(capacity - 1) {}  // default-init: no zero-fill

  std::unique_ptr<Record[]> slots;
  const std::size_t mask;
  alignas(64) std::atomic<std::uint64_t> tail{0};  // the producer's
  std::atomic<std::uint64_t> dropped{0};           // the producer's: refused records
  alignas(64) std::atomic<std::uint64_t> head{0};  // the logger thread's
  alignas(64) std::atomic<bool> taken{false};      // held by a LogProducer
};

namespace {
std::size_t ring_capacity(std::size_t wanted) {
  std::size_t c = 2;
  while (c < wanted) c *= 2;
  return c;
}
}  // namespace

// ---- Logger ----------------------------------------------------------------------------------

struct Logger::Impl {
  explicit Impl(const LoggerOptions& o)
      : options(o), clock(o.clock != nullptr ? o.clock : &timing::wall_ns) {
    const std::size_t capacity = ring_capacity(o.records_per_producer);
    for (std::size_t i = 0; i < o.max_producers; ++i) {
      rings.push_back(std::make_unique<LogRing>(capacity));
    }
  }

  // The logger thread's loop: drain, write, sleep while idle, until stop() and dry.
  void run() {
    for (;;) {
      const bool stopping = stop_requested.load(std::memory_order_acquire);
      if (drain_once()) continue;
      flush();
      if (stopping) return;
      std::unique_lock lock(mutex);
      wake.wait_for(lock, std::chrono::milliseconds(options.idle_poll_ms),
                    [&] { return stop_requested.load(std::memory_order_acquire); });
    }
  }

  // Up to kBatch records of each ring in turn, formatted into the buffer. False when every
  // ring was empty.
  bool drain_once() {
    report_drops();
    std::size_t taken_total = 0;
    for (const std::unique_ptr<LogRing>& ring : rings) {
      std::uint64_t head = ring->head.load(std::memory_order_relaxed);
      const std::uint64_t tail = ring->tail.load(std::memory_order_acquire);
      const std::uint64_t end = tail - head > kBatch ? head + kBatch : tail;
      taken_total += static_cast<std::size_t>(end - head);
      for (; head != end; ++head) append(ring->slots[head & ring->mask]);
      ring->head.store(head, std::memory_order_release);
    }
    if (buffer.size() >= kFlushBytes) flush();
    return taken_total > 0;
  }

  [[nodiscard]] std::uint64_t total_dropped() const noexcept {
    std::uint64_t total = 0;
    for (const std::unique_ptr<LogRing>& ring : rings) {
      total += ring->dropped.load(std::memory_order_relaxed);
    }
    return total;
  }

  // "Its next line": drops seen since the last report go out before anything after them.
  void report_drops() {
    const std::uint64_t total = total_dropped();
    if (total == reported_drops) return;
    const std::uint64_t lost = total - reported_drops;
    reported_drops = total;
    Record r;
    r.wall_ns = clock();
    r.severity = Severity::Warn;
    r.component.set("logger");
    r.message.set("log ring full: lines dropped");
    r.field_count = 1;
    r.fields_omitted = 0;
    r.fields[0].key.set("dropped");
    fill_value(r.fields[0], LogField("dropped", lost));
    append(r);
  }

  void append(const Record& r) {
    if (options.format == LogFormat::Json) {
      append_json(buffer, r);
    } else {
      append_text(buffer, r);
    }
    written.fetch_add(1, std::memory_order_relaxed);
  }

  void flush() {
    std::size_t done = 0;
    while (done < buffer.size()) {
      const ssize_t n = ::write(options.fd, buffer.data() + done, buffer.size() - done);
      if (n > 0) {
        done += static_cast<std::size_t>(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && errno == EAGAIN) {
        pollfd p{options.fd, POLLOUT, 0};
        (void)::poll(&p, 1, 100);
      } else {
        ++write_errors;  // disk full, closed pipe: nowhere to say so; the lines are lost
        break;
      }
    }
    buffer.clear();
  }

  static constexpr std::uint64_t kBatch = 64;
  static constexpr std::size_t kFlushBytes = 64 * 1024;

  LoggerOptions options;
  WallClock clock;
  std::vector<std::unique_ptr<LogRing>> rings;
  std::atomic<std::uint64_t> written{0};
  std::atomic<bool> stop_requested{false};
  std::mutex mutex;  // the logger thread's sleep and stop() only; producers never touch it
  std::condition_variable wake;
  std::thread thread;
  // The logger thread's (or stop()'s, when no thread was started).
  std::string buffer;
  std::uint64_t reported_drops = 0;
  std::uint64_t write_errors = 0;
  bool stopped = false;
};

Logger::Logger(const LoggerOptions& options)
    : level_(options.level), impl_(std::make_unique<Impl>(options)) {}

Logger::~Logger() {
  stop();
  if (impl_->options.close_fd) ::close(impl_->options.fd);
}

// A free ring, preferring one the logger thread has emptied: a ring given back keeps what it
// had not written yet, and its next producer would start with less room.
LogProducer Logger::producer() {
  for (const bool want_empty : {true, false}) {
    for (const std::unique_ptr<LogRing>& ring : impl_->rings) {
      const bool empty =
          ring->head.load(std::memory_order_acquire) == ring->tail.load(std::memory_order_acquire);
      if (want_empty && !empty) continue;
      bool free = false;
      if (ring->taken.compare_exchange_strong(free, true, std::memory_order_acq_rel)) {
        return LogProducer(*this, *ring);
      }
    }
  }
  throw std::length_error("scalper::core::Logger: more producers than max_producers");
}

void Logger::start() {
  if (impl_->thread.joinable() || impl_->stopped) return;
  impl_->thread = std::thread([impl = impl_.get()] { impl->run(); });
}

void Logger::stop() {
  Impl& impl = *impl_;
  if (impl.stopped) return;
  impl.stopped = true;
  {
    const std::lock_guard lock(impl.mutex);
    impl.stop_requested.store(true, std::memory_order_release);
  }
  impl.wake.notify_one();
  if (impl.thread.joinable()) {
    impl.thread.join();
  } else {
    impl.run();  // never started: write what was queued from here
  }
}

std::uint64_t Logger::dropped() const noexcept { return impl_->total_dropped(); }
std::uint64_t Logger::written() const noexcept {
  return impl_->written.load(std::memory_order_relaxed);
}

// ---- LogProducer -------------------------------------------------------------------------------

LogProducer::LogProducer(LogProducer&& other) noexcept
    : logger_(std::exchange(other.logger_, nullptr)), ring_(std::exchange(other.ring_, nullptr)) {}
LogProducer& LogProducer::operator=(LogProducer&& other) noexcept {
  if (this != &other) {
    release();
    logger_ = std::exchange(other.logger_, nullptr);
    ring_ = std::exchange(other.ring_, nullptr);
  }
  return *this;
}
LogProducer::~LogProducer() { release(); }

// The ring goes back, with whatever it still holds (the logger thread drains it all the
// same); the next producer() continues where this one stopped.
void LogProducer::release() noexcept {
  if (ring_ == nullptr) return;
  ring_->taken.store(false, std::memory_order_release);
  ring_ = nullptr;
  logger_ = nullptr;
}

bool LogProducer::log(Severity s, std::string_view component, std::string_view message,
                      std::initializer_list<LogField> fields) noexcept {
  if (ring_ == nullptr || !enabled(s)) return false;
  LogRing& ring = *ring_;
  const std::uint64_t tail = ring.tail.load(std::memory_order_relaxed);
  if (tail - ring.head.load(std::memory_order_acquire) > ring.mask) {
    // Single writer: a load and a store, no read-modify-write needed.
    ring.dropped.store(ring.dropped.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    return false;
  }
  Record& r = ring.slots[tail & ring.mask];
  r.wall_ns = logger_->impl_->clock();
  r.severity = s;
  r.component.set(component);
  r.message.set(message);
  std::size_t n = 0;
  for (const LogField& f : fields) {
    if (n == kLogFieldsMax) break;
    r.fields[n].key.set(f.key);
    fill_value(r.fields[n], f);
    ++n;
  }
  r.field_count = static_cast<std::uint8_t>(n);
  r.fields_omitted = static_cast<std::uint8_t>(fields.size() - n > 255 ? 255 : fields.size() - n);
  ring.tail.store(tail + 1, std::memory_order_release);
  return true;
}

int open_log_file(const std::string& path, std::string& why) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0600);
  if (fd < 0) why = path + ": cannot open for appending (" + std::strerror(errno) + ")";
  return fd;
}

}  // namespace scalper::core
