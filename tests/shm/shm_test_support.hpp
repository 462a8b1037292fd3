// shm_test_support.hpp — bounded waits, unique segment names and forked children for the shm
// tests.
//
// No test sleeps. Every wait is a loop with a deadline that fails the test loudly when it
// passes; loops yield so two spinning threads make progress on a shared 2-core machine.
// Children are forked, run a function, and leave with _exit() (never returning into
// GoogleTest); the parent always reaps them, also when an assertion fails.
#pragma once

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>
#include <thread>

#include "scalper/shm/segment.hpp"
#include "scalper/timing/clock.hpp"

namespace scalper::shm::testing {

// Generous: a wait that needs this long is broken, not slow (TSan on a busy 2-core box runs
// these loops in well under a second).
inline constexpr std::chrono::seconds kWaitBudget{20};

// The tests' clock (the library never reads one): CLOCK_MONOTONIC, as the processes share it.
inline std::uint64_t now_ns() { return static_cast<std::uint64_t>(timing::mono_ns()); }

class Deadline {
 public:
  explicit Deadline(std::chrono::steady_clock::duration budget = kWaitBudget)
      : end_(std::chrono::steady_clock::now() + budget) {}
  [[nodiscard]] bool expired() const { return std::chrono::steady_clock::now() >= end_; }

 private:
  std::chrono::steady_clock::time_point end_;
};

// Spins (yielding) until `done()` or the deadline; false on timeout. Callers ASSERT on it.
template <class F>
[[nodiscard]] bool wait_until(F&& done, std::chrono::steady_clock::duration budget = kWaitBudget) {
  const Deadline deadline(budget);
  while (!done()) {
    if (deadline.expired()) return false;
    std::this_thread::yield();
  }
  return true;
}

// "scalper-test-<pid>-<tag>": unique per process and test, so parallel ctest runs never meet.
inline std::string unique_name(const std::string& tag) {
  return "scalper-test-" + std::to_string(::getpid()) + "-" + tag;
}

// Removes the segment at construction (left over from a crashed run) and at destruction.
class ScopedName {
 public:
  explicit ScopedName(const std::string& tag) : name_(unique_name(tag)) { Segment::remove(name_); }
  ~ScopedName() { Segment::remove(name_); }
  ScopedName(const ScopedName&) = delete;
  ScopedName& operator=(const ScopedName&) = delete;
  [[nodiscard]] const std::string& str() const { return name_; }

 private:
  std::string name_;
};

// A forked child. The body runs in the child and returns its exit code; exceptions become
// exit code 99. The destructor kills (SIGKILL) and reaps a child still running, so a failed
// ASSERT in the parent never leaves one behind.
class Child {
 public:
  template <class F>
  explicit Child(F&& body) {
    std::fflush(nullptr);  // do not let the child flush the parent's buffered output again
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
      wait();
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] bool started() const { return pid_ > 0; }

  void kill_now() const { ::kill(pid_, SIGKILL); }

  // Reaps the child (blocking: call after it exited or was killed; a child that hangs is
  // killed by the destructor instead). Returns the raw wait status.
  int wait() {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
    status_ = status;
    return status;
  }

  // Reaps, giving the child `budget` to exit by itself; kills it if it does not.
  [[nodiscard]] bool wait_for_exit(std::chrono::steady_clock::duration budget = kWaitBudget) {
    int status = 0;
    const bool exited = wait_until(
        [&] {
          const pid_t r = ::waitpid(pid_, &status, WNOHANG);
          return r == pid_;
        },
        budget);
    if (!exited) {
      ::kill(pid_, SIGKILL);
      status = wait();
    }
    reaped_ = true;
    status_ = status;
    return exited;
  }

  // The caller reaped it with its own waitpid().
  void mark_reaped() { reaped_ = true; }

  [[nodiscard]] int status() const { return status_; }
  [[nodiscard]] bool exited_with(int code) const {
    return WIFEXITED(status_) && WEXITSTATUS(status_) == code;
  }
  [[nodiscard]] bool killed_by(int sig) const {
    return WIFSIGNALED(status_) && WTERMSIG(status_) == sig;
  }

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
};

}  // namespace scalper::shm::testing
