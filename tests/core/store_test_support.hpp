// store_test_support.hpp — what the journal and checkpoint store tests share: a scratch
// directory per test, deterministic events by seq, bounded waits and forked children.
//
// No test sleeps: every wait is a loop with a deadline that fails the test when it passes.
// Children are forked from a process with no store open (no threads to lose), leave with
// _exit() and are always reaped; the parent ends them by pid.
#pragma once

#include <signal.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "event_factory.hpp"
#include "scalper/engine/journal.hpp"

namespace scalper::core::testing {

namespace fs = std::filesystem;
using scalper::testing::EventFactory;

inline constexpr std::chrono::seconds kWaitBudget{30};

// Spins (yielding) until `done()` or the budget is spent; false on timeout. Callers ASSERT.
template <class F>
[[nodiscard]] bool wait_until(F&& done, std::chrono::steady_clock::duration budget = kWaitBudget) {
  const auto end = std::chrono::steady_clock::now() + budget;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::yield();
  }
  return true;
}

// A fresh directory per test under the test temp dir, removed afterwards.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& tag) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::path(::testing::TempDir()) / ("scalper-store-" + std::to_string(::getpid()) + "-" +
                                              tag + "-" + (info != nullptr ? info->name() : "x"));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// The event journaled as `seq` in these tests: a mix of the kinds the core journals most
// (exchange order updates, commands, public trades, timers), built with the event factory.
inline Event event_for(std::uint64_t seq) {
  EventFactory f;
  Event ev;
  switch (seq % 4) {
    case 0: {
      const std::string id = "c87ca633-6218-44ea-900b-" + std::to_string(100000000000 + seq);
      ev = f.update_event(EventFactory::report(id, ExchangeStatus::Filled, Side::Buy, "3900",
                                               "0.01", "0.01", "3900", "0.0195"));
      break;
    }
    case 1: ev = f.create(EventFactory::params("ETH/USDT")); break;
    case 2: ev = f.trade("ETH/USDT", "3901.5"); break;
    default: ev = f.timer(BotId{seq}, seq, TimerKind::PlaceRetry); break;
  }
  ev.seq = seq;
  ev.mono_ns = static_cast<std::int64_t>(seq) * 1000;
  ev.wall_ns = EventFactory::kStartWallNs + ev.mono_ns;
  return ev;
}

inline std::vector<std::byte> encoded(const Event& ev) {
  std::vector<std::byte> bytes(journal::record_size(ev));
  journal::encode_record(ev, bytes);
  return bytes;
}

// Byte-for-byte the same record.
inline bool same_event(const Event& a, const Event& b) { return encoded(a) == encoded(b); }

inline std::vector<std::byte> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  const std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> out(s.size());
  if (!s.empty()) std::memcpy(out.data(), s.data(), s.size());
  return out;
}

inline void write_bytes(const fs::path& p, const std::vector<std::byte>& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

// One anonymous shared page, visible to a forked child and its parent.
template <class T>
class SharedPage {
 public:
  SharedPage() {
    void* p = ::mmap(nullptr, sizeof(T), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    value_ = new (p) T();
  }
  ~SharedPage() { ::munmap(value_, sizeof(T)); }
  SharedPage(const SharedPage&) = delete;
  SharedPage& operator=(const SharedPage&) = delete;
  T* operator->() const { return value_; }
  T& operator*() const { return *value_; }

 private:
  T* value_;
};

// A forked child running `body` (its exit code; 99 for an exception). The destructor kills
// (SIGKILL, by pid) and reaps one still running, so a failed ASSERT leaves none behind.
class Child {
 public:
  template <class F>
  explicit Child(F&& body) {
    std::fflush(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      int code = 99;
      try {
        code = body();
      } catch (...) {
        code = 99;
      }
      ::_exit(code);
    }
  }
  ~Child() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      reap();
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  [[nodiscard]] bool started() const { return pid_ > 0; }
  void kill_now() const { ::kill(pid_, SIGKILL); }

  // Reaps a child that exited or was killed; a child that does not end within the budget is
  // killed. Returns the wait status.
  int wait_for_exit(std::chrono::steady_clock::duration budget = kWaitBudget) {
    int status = 0;
    const bool ended =
        wait_until([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, budget);
    if (!ended) {
      ::kill(pid_, SIGKILL);
      status = reap();
    }
    reaped_ = true;
    return status;
  }

 private:
  int reap() {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
    return status;
  }

  pid_t pid_ = -1;
  bool reaped_ = false;
};

}  // namespace scalper::core::testing
