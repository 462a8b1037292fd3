// peer_process.hpp — the real peers of the network tests as child processes: the simulator,
// Node servers, `openssl s_server`, `openssl req`. Each announces its port on stdout; every
// wait here is bounded (poll() with a deadline), and the destructor ends the child (SIGTERM,
// then SIGKILL after a bound) and reaps it.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "scalper/timing/clock.hpp"

namespace scalper::net::testing {

inline sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

class PeerProcess {
 public:
  // Starts argv (argv[0] a path) in `cwd` (empty: ours) with stdout on a pipe; stderr stays
  // ours unless `quiet`, so a failing peer explains itself in the test log.
  explicit PeerProcess(std::vector<std::string> argv, std::string cwd = {}, bool quiet = false) {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      // Dies with the test: a test that aborts (a sanitizer report) runs no destructor, and
      // an orphaned peer would hold ctest's output pipe open until the timeout.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      ::dup2(out[1], 1);
      if (quiet) {
        const int null = ::open("/dev/null", O_WRONLY);
        ::dup2(null, 2);
      }
      if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(126);
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::close(out[1]);
    out_ = out[0];
  }
  ~PeerProcess() {
    if (out_ >= 0) ::close(out_);
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    const std::int64_t end = timing::mono_ms() + 5000;
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (timing::mono_ms() > end) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      ::poll(nullptr, 0, 5);  // reaping a child that is exiting: no event to wait on
    }
  }
  PeerProcess(const PeerProcess&) = delete;
  PeerProcess& operator=(const PeerProcess&) = delete;

  // Reads stdout until a line containing `marker` arrives: that line, or "" on EOF or when
  // `within_ms` passes.
  std::string wait_for_line(std::string_view marker, std::int64_t within_ms = 15'000) {
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

  // Everything the child writes to stdout until it closes it (exits), or until `within_ms`.
  std::string read_all(std::int64_t within_ms = 15'000) {
    const std::int64_t end = timing::mono_ms() + within_ms;
    std::string all = std::move(buffered_);
    buffered_.clear();
    while (out_ >= 0) {
      const std::int64_t left = end - timing::mono_ms();
      if (left <= 0) break;
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      char c[4096];
      const ssize_t n = ::read(out_, c, sizeof c);
      if (n <= 0) break;
      all.append(c, static_cast<std::size_t>(n));
    }
    return all;
  }

  // The port at the end of the first line containing `marker` ("listening 4711",
  // "ACCEPT [::]:4711", "... http://127.0.0.1:4711 (seed 1)" with marker "127.0.0.1:"): the
  // digits after the marker, or, if none follow it, the last run of digits after a ':' or ' '.
  std::uint16_t wait_for_port(std::string_view marker, std::int64_t within_ms = 15'000) {
    const std::string line = wait_for_line(marker, within_ms);
    if (line.empty()) return 0;
    std::size_t at = line.find(marker) + marker.size();
    if (at >= line.size() || line[at] < '0' || line[at] > '9') {
      at = line.find_last_of(": ");
      if (at == std::string::npos) return 0;
      ++at;
    }
    const long port = std::strtol(line.c_str() + at, nullptr, 10);
    return port > 0 && port < 65536 ? static_cast<std::uint16_t>(port) : 0;
  }

  // Waits for the child to exit by itself: its exit status, or -1 after `within_ms`.
  int wait_exit(std::int64_t within_ms) {
    const std::int64_t end = timing::mono_ms() + within_ms;
    int status = 0;
    while (timing::mono_ms() < end) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      ::poll(nullptr, 0, 5);
    }
    return -1;
  }

  [[nodiscard]] bool started() const noexcept { return pid_ > 0; }
  [[nodiscard]] pid_t pid() const noexcept { return pid_; }

  // Sends `sig` and reaps the child (bounded): for SIGKILL at a chosen instant. Its exit
  // status as wait_exit() gives it (-1 when killed by the signal).
  int kill_and_reap(int sig, std::int64_t within_ms = 10'000) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, sig);
    return wait_exit(within_ms);
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string buffered_;
};

// A scratch directory removed with its files at scope exit.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/scalper-net-test-XXXXXX";
    if (::mkdtemp(tmpl) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    if (path_.empty()) return;
    PeerProcess rm({"/bin/rm", "-rf", path_});
    (void)rm.wait_exit(10'000);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

}  // namespace scalper::net::testing
