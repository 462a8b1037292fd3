// logger.hpp — scalper-core's log: producers on any thread, one logger thread doing the I/O.
//
// A thread that logs (the engine thread included) never writes, never locks and never
// allocates: it fills a fixed-size record (severity, wall time, component, message, up to
// kLogFieldsMax key/value fields, each text cut to its capacity with the marker "…" at a
// UTF-8 character boundary) straight into the next slot of its own ring, reserved when the
// Logger was built, and publishes it with one release store. A full ring drops the record and
// counts it: a log line is never worth stalling a trading thread for. The logger thread
// writes a line saying how many were dropped before the next line it writes.
//
// Why a ring per producer and not moodycamel::ConcurrentQueue with producer tokens: an
// explicit producer keeps every block it ever took from the queue's pool, and takes a new one
// whenever the consumer has not yet marked its oldest block empty; with a pool reserved up
// front (no allocation on enqueue) one thread's bursts could leave another thread with no
// block at all, dropping its lines while the queue is empty (a first version did so under
// tests/core/logger_test.cpp's many-producer test). A ring per producer gives each thread exactly
// its reserved room, whatever the others do.
//
// The severity filter is one relaxed atomic load at the producer, before anything is copied.
// The logger thread drains the rings in turn, formats each record (JSON through
// nlohmann_json, one object a line, or text:
// "2026-12-03T11:30:00.123456Z INFO engine: message key=value"), and writes batches to an
// fd (stderr or a file opened O_APPEND), flushing whenever the rings run dry. stop() drains
// everything queued before it, flushes and joins.
//
// Threading: each producing thread holds a LogProducer (one ring, single producer): lines of
// one thread keep their order; lines of different threads interleave. Logger's start(),
// stop(), producer() belong to the thread that owns the Logger. Allocation: the constructor
// reserves max_producers rings of records_per_producer records (about 620 bytes each);
// producer() and LogProducer::log allocate nothing (the "zero allocations" test counts it);
// the logger thread allocates as it formats.
#pragma once

#include <atomic>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

#include "scalper/engine/decimal.hpp"

namespace scalper::core {

enum class Severity : std::uint8_t { Debug = 0, Info = 1, Warn = 2, Error = 3 };
enum class LogFormat : std::uint8_t { Json, Text };

[[nodiscard]] constexpr std::string_view severity_name(Severity s) noexcept {
  switch (s) {
    case Severity::Debug: return "debug";
    case Severity::Info: return "info";
    case Severity::Warn: return "warn";
    case Severity::Error: return "error";
  }
  return "?";
}

// A record's capacities, in bytes; longer text is cut and ends in kLogTruncationMarker.
inline constexpr std::size_t kLogComponentMax = 15;
inline constexpr std::size_t kLogMessageMax = 200;
inline constexpr std::size_t kLogFieldsMax = 6;
inline constexpr std::size_t kLogKeyMax = 15;
inline constexpr std::size_t kLogValueMax = 47;
inline constexpr std::string_view kLogTruncationMarker = "\xE2\x80\xA6";  // U+2026 "…"

// One key/value of a line, as the caller hands it: views and numbers, copied into the record
// at enqueue (nothing here needs to outlive the log() call).
struct LogField {
  enum class Kind : std::uint8_t { Text, Signed, Unsigned, Bool, Money };

  constexpr LogField(std::string_view k, std::string_view v) noexcept : key(k), text(v) {}
  constexpr LogField(std::string_view k, const char* v) noexcept : key(k), text(v) {}
  template <std::integral T>
  requires(!std::same_as<T, bool> && !std::same_as<T, char>) constexpr LogField(std::string_view k,
                                                                                T v) noexcept
      : key(k) {
    if constexpr (std::signed_integral<T>) {
      kind = Kind::Signed;
      signed_value = v;
    } else {
      kind = Kind::Unsigned;
      unsigned_value = v;
    }
  }
  constexpr LogField(std::string_view k, bool v) noexcept
      : key(k), kind(Kind::Bool), unsigned_value(v ? 1 : 0) {}
  // Money stays exact: written as a decimal string, never a JSON float.
  constexpr LogField(std::string_view k, Decimal v) noexcept
      : key(k), kind(Kind::Money), money(v) {}

  std::string_view key;
  Kind kind = Kind::Text;
  std::string_view text;
  std::int64_t signed_value = 0;
  std::uint64_t unsigned_value = 0;
  Decimal money;
};

// The wall clock, injectable for tests: ns since the Unix epoch.
using WallClock = std::int64_t (*)() noexcept;

struct LoggerOptions {
  Severity level = Severity::Info;
  LogFormat format = LogFormat::Json;
  int fd = 2;             // where lines go: stderr unless a file was opened (open_log_file)
  bool close_fd = false;  // the Logger owns fd and closes it when it goes
  // Producers alive at once (a LogProducer given back leaves its ring to the next), and the
  // records each can have queued and not yet written (rounded up to a power of two).
  std::size_t max_producers = 8;
  std::size_t records_per_producer = 1024;
  WallClock clock = nullptr;      // nullptr: timing::wall_ns()
  std::int64_t idle_poll_ms = 5;  // how long the logger thread sleeps when all is written
};

// Opens `path` for appending (created 0600). -1 with `why` on failure.
[[nodiscard]] int open_log_file(const std::string& path, std::string& why);

class Logger;
struct LogRing;

// A thread's handle for logging (see the banner): holds one ring. Used by one thread at a
// time; must not outlive its Logger.
class LogProducer {
 public:
  LogProducer(LogProducer&& other) noexcept;
  LogProducer& operator=(LogProducer&& other) noexcept;
  LogProducer(const LogProducer&) = delete;
  LogProducer& operator=(const LogProducer&) = delete;
  ~LogProducer();

  [[nodiscard]] bool enabled(Severity s) const noexcept;
  // True when queued; false when filtered out by severity or dropped (its ring was full).
  bool log(Severity s, std::string_view component, std::string_view message,
           std::initializer_list<LogField> fields = {}) noexcept;

  bool debug(std::string_view component, std::string_view message,
             std::initializer_list<LogField> fields = {}) noexcept {
    return log(Severity::Debug, component, message, fields);
  }
  bool info(std::string_view component, std::string_view message,
            std::initializer_list<LogField> fields = {}) noexcept {
    return log(Severity::Info, component, message, fields);
  }
  bool warn(std::string_view component, std::string_view message,
            std::initializer_list<LogField> fields = {}) noexcept {
    return log(Severity::Warn, component, message, fields);
  }
  bool error(std::string_view component, std::string_view message,
             std::initializer_list<LogField> fields = {}) noexcept {
    return log(Severity::Error, component, message, fields);
  }

 private:
  friend class Logger;
  LogProducer(Logger& logger, LogRing& ring) noexcept : logger_(&logger), ring_(&ring) {}
  void release() noexcept;
  Logger* logger_ = nullptr;
  LogRing* ring_ = nullptr;
};

class Logger {
 public:
  explicit Logger(const LoggerOptions& options);
  ~Logger();  // stop()
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  // A producer for the calling thread: a free ring. Throws std::length_error when
  // max_producers are alive already (the rings are reserved at construction).
  [[nodiscard]] LogProducer producer();

  // Starts the logger thread. Records queued before it are written once it runs.
  void start();
  // Writes everything queued so far, flushes and joins the thread. Idempotent. Lines queued
  // after stop() are not written.
  void stop();

  void set_level(Severity s) noexcept { level_.store(s, std::memory_order_relaxed); }
  [[nodiscard]] Severity level() const noexcept { return level_.load(std::memory_order_relaxed); }
  // Lines dropped because a ring was full, since construction.
  [[nodiscard]] std::uint64_t dropped() const noexcept;
  // Lines written (the logger's own drop reports included).
  [[nodiscard]] std::uint64_t written() const noexcept;

 private:
  friend class LogProducer;
  struct Impl;
  std::atomic<Severity> level_;
  std::unique_ptr<Impl> impl_;
};

inline bool LogProducer::enabled(Severity s) const noexcept {
  return logger_ != nullptr &&
         static_cast<std::uint8_t>(s) >= static_cast<std::uint8_t>(logger_->level());
}

}  // namespace scalper::core
