// dash_pane.hpp — scalper-dash as an operator sees it, for tests: the real binary in a tmux
// pane of a fixed size (its own tmux server on a unique socket, killed at the end), keys sent
// with send-keys and the screen read with capture-pane. No sleeps: wait_for() polls the screen
// until it shows what it should or a deadline passes (then the last screen is reported).
// Used by the dashboard's own tests (against a fake core) and the core's (against the real one).
#pragma once

#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "child_process.hpp"
#include "scalper/timing/clock.hpp"

#ifndef SCALPER_DASH_BIN
#error "define SCALPER_DASH_BIN (the scalper-dash binary) and TMUX_BIN"
#endif

namespace scalper::dash::testing {

constexpr int kColumns = 140;
constexpr int kRows = 30;

class Screen {
 public:
  explicit Screen(std::string text) : text_(std::move(text)) {
    std::istringstream in(text_);
    for (std::string line; std::getline(in, line);) lines_.push_back(line);
  }
  [[nodiscard]] bool has(std::string_view s) const { return text_.find(s) != std::string::npos; }
  // The row showing `s`, or -1.
  [[nodiscard]] int row(std::string_view s) const {
    for (std::size_t i = 0; i < lines_.size(); ++i) {
      if (lines_[i].find(s) != std::string::npos) return static_cast<int>(i);
    }
    return -1;
  }
  [[nodiscard]] const std::string& line(std::string_view s) const {
    static const std::string none;
    const int r = row(s);
    return r < 0 ? none : lines_[static_cast<std::size_t>(r)];
  }
  [[nodiscard]] const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::vector<std::string> lines_;
};

// One tmux server with one session running scalper-dash.
class DashPane {
 public:
  // `socket` names this pane's tmux server: unique per test.
  DashPane(const std::string& segment, std::string socket) : socket_(std::move(socket)) {
    const RunResult r = tmux({"new-session", "-d", "-s", "dash", "-x", std::to_string(kColumns),
                              "-y", std::to_string(kRows), SCALPER_DASH_BIN, "--segment", segment,
                              "--interval-ms", "50"});
    started_ = r.rc == 0;
    if (!started_) ADD_FAILURE() << "tmux new-session: " << r.out;
  }
  // kill-server ends the server and the pane's scalper-dash with it (SIGHUP); tmux 3.3 leaves
  // the socket file behind, so it goes too.
  ~DashPane() {
    (void)tmux({"kill-server"});
    const char* dir = std::getenv("TMUX_TMPDIR");
    const std::string path = std::string(dir != nullptr && *dir != 0 ? dir : "/tmp") + "/tmux-" +
                             std::to_string(::getuid()) + "/" + socket_;
    ::unlink(path.c_str());
  }
  DashPane(const DashPane&) = delete;
  DashPane& operator=(const DashPane&) = delete;

  RunResult tmux(std::vector<std::string> args) {
    std::vector<std::string> argv{TMUX_BIN, "-L", socket_, "-f", "/dev/null"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(std::move(argv));
  }

  void keys(std::vector<std::string> keys) {
    std::vector<std::string> args{"send-keys", "-t", "dash"};
    args.insert(args.end(), keys.begin(), keys.end());
    ASSERT_EQ(tmux(std::move(args)).rc, 0);
  }

  Screen capture() { return Screen(tmux({"capture-pane", "-p", "-t", "dash"}).out); }

  // Polls the screen until `ok` holds: true, or false at the deadline with the last screen
  // reported as a test failure.
  bool wait_for(const std::function<bool(const Screen&)>& ok, std::string_view what,
                std::int64_t within_ms = kWaitMs) {
    const std::int64_t end = timing::mono_ms() + within_ms;
    for (;;) {
      const Screen s = capture();
      if (ok(s)) return true;
      if (timing::mono_ms() >= end) {
        ADD_FAILURE() << "screen never showed " << what << ":\n" << s.text();
        return false;
      }
      ::poll(nullptr, 0, 20);  // the pane redraws every 50 ms: nothing to wait on but time
    }
  }
  bool wait_for_text(std::string_view text, std::int64_t within_ms = kWaitMs) {
    return wait_for([text](const Screen& s) { return s.has(text); }, text, within_ms);
  }

  // The session ends when its only pane's process exits.
  bool wait_exited(std::int64_t within_ms = kWaitMs) {
    const std::int64_t end = timing::mono_ms() + within_ms;
    while (timing::mono_ms() < end) {
      if (tmux({"has-session", "-t", "dash"}).rc != 0) return true;
      ::poll(nullptr, 0, 20);
    }
    return false;
  }

  [[nodiscard]] bool started() const { return started_; }

 private:
  std::string socket_;
  bool started_ = false;
};

}  // namespace scalper::dash::testing
