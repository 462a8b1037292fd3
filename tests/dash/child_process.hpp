// child_process.hpp — the dashboard tests' child processes: the fake core (talked to through
// its stdin and stdout) and one-shot commands (scalper-dash --once, tmux), each with a bound.
//
// Why not tests/testing/peers/peer_process.hpp: its children have no stdin, and the fake core
// is driven through its stdin. Same rules: every wait has a deadline (poll() with a timeout, no
// sleep), children die with the test (PR_SET_PDEATHSIG), and each is ended by its own pid
// (SIGTERM, then SIGKILL after a bound) and reaped.
//
// Threading: one test thread. Allocation: freely (tests).
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "scalper/timing/clock.hpp"

namespace scalper::dash::testing {

inline constexpr std::int64_t kWaitMs = 10'000;  // a wait this long is broken, not slow

namespace detail {

// fork + exec with stdin from `in_fd` (or /dev/null when -1) and stdout (+ stderr when
// `merge_stderr`) into `out_fd`. The child dies with the test.
inline pid_t spawn(std::vector<std::string> argv, int in_fd, int out_fd, bool merge_stderr) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  const int in = in_fd >= 0 ? in_fd : ::open("/dev/null", O_RDONLY);
  ::dup2(in, 0);
  ::dup2(out_fd, 1);
  if (merge_stderr) ::dup2(out_fd, 2);
  std::vector<char*> args;
  for (std::string& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  ::execvp(args[0], args.data());
  ::_exit(127);
}

// Reaps `pid` within `within_ms`: its exit status (128 + signal if signalled), or -1 when it
// is still running then.
inline int reap(pid_t pid, std::int64_t within_ms) {
  const std::int64_t end = timing::mono_ms() + within_ms;
  int status = 0;
  for (;;) {
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (timing::mono_ms() >= end) return -1;
    ::poll(nullptr, 0, 5);  // a child that is exiting: no event to wait on
  }
}

// SIGTERM, a bounded wait, then SIGKILL; always reaped.
inline void end(pid_t pid) {
  ::kill(pid, SIGTERM);
  if (reap(pid, 5'000) >= 0) return;
  ::kill(pid, SIGKILL);
  (void)reap(pid, 5'000);
}

}  // namespace detail

// A long-running child spoken to line by line.
class Child {
 public:
  explicit Child(std::vector<std::string> argv) {
    ::signal(SIGPIPE, SIG_IGN);  // a child that died makes our write fail, not kill the test
    int in[2];
    int out[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) return;
    pid_ = detail::spawn(std::move(argv), in[0], out[1], false);
    ::close(in[0]);
    ::close(out[1]);
    in_ = in[1];
    out_ = out[0];
  }
  ~Child() {
    close_fds();
    if (pid_ > 0) detail::end(pid_);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  bool send_line(std::string_view line) {
    const std::string data = std::string(line) + "\n";
    return in_ >= 0 && ::write(in_, data.data(), data.size()) == static_cast<ssize_t>(data.size());
  }

  // Reads stdout until a line containing `marker`: that line, or "" on EOF or at the deadline.
  std::string wait_for_line(std::string_view marker, std::int64_t within_ms = kWaitMs) {
    const std::int64_t end = timing::mono_ms() + within_ms;
    for (;;) {
      for (std::size_t nl; (nl = buffered_.find('\n')) != std::string::npos;) {
        std::string line = buffered_.substr(0, nl);
        buffered_.erase(0, nl + 1);
        if (line.find(marker) != std::string::npos) return line;
      }
      const std::int64_t left = end - timing::mono_ms();
      if (left <= 0 || out_ < 0) return {};
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      char c[512];
      const ssize_t n = ::read(out_, c, sizeof c);
      if (n <= 0) return {};
      buffered_.append(c, static_cast<std::size_t>(n));
    }
  }

  // Waits for it to exit by itself: its status, or -1 at the deadline. Reaped: its pid is gone.
  int wait_exit(std::int64_t within_ms = kWaitMs) {
    if (pid_ <= 0) return -1;
    const int rc = detail::reap(pid_, within_ms);
    if (rc >= 0) pid_ = -1;
    return rc;
  }

  [[nodiscard]] pid_t pid() const noexcept { return pid_; }

 private:
  void close_fds() {
    if (in_ >= 0) ::close(in_);
    if (out_ >= 0) ::close(out_);
    in_ = out_ = -1;
  }

  pid_t pid_ = -1;
  int in_ = -1;
  int out_ = -1;
  std::string buffered_;
};

struct RunResult {
  int rc = -1;      // exit status; -1: it outlived the deadline and was killed
  std::string out;  // stdout and stderr, interleaved
};

// Runs a command to completion within `within_ms`, stdin from /dev/null.
inline RunResult run(std::vector<std::string> argv, std::int64_t within_ms = kWaitMs) {
  RunResult r;
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return r;
  const pid_t pid = detail::spawn(std::move(argv), -1, out[1], true);
  ::close(out[1]);
  const std::int64_t end = timing::mono_ms() + within_ms;
  for (;;) {
    const std::int64_t left = end - timing::mono_ms();
    if (left <= 0) break;
    pollfd p{out[0], POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    char c[4096];
    const ssize_t n = ::read(out[0], c, sizeof c);
    if (n <= 0) break;
    r.out.append(c, static_cast<std::size_t>(n));
  }
  ::close(out[0]);
  r.rc = detail::reap(pid, std::max<std::int64_t>(end - timing::mono_ms(), 0));
  if (r.rc < 0) detail::end(pid);
  return r;
}

}  // namespace scalper::dash::testing
