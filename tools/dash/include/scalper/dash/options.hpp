// options.hpp — scalper-dash's command line: what it accepts, its usage text, its exit codes.
//
// A pure function over the arguments (no getopt, no globals), so tests check every flag and
// every refusal without starting the program. Unknown flags and bad values are refused with a
// message naming them: a dashboard that silently ignored `--segmnet x` would watch the wrong
// core.
//
// Threading: pure functions. Allocation: the segment name and the error text.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace scalper::dash {

// Exit codes, as --help lists them.
inline constexpr int kExitOk = 0;          // q pressed, or --once printed a frame, or --help
inline constexpr int kExitNoCore = 1;      // --once: no scalper-core on the segment
inline constexpr int kExitBadArgs = 2;     // unknown flag or bad value
inline constexpr int kExitNoTerminal = 3;  // curses could not start (no terminal, bad TERM)

inline constexpr int kDefaultIntervalMs = 100;  // 10 Hz
inline constexpr int kMinIntervalMs = 10;
inline constexpr int kMaxIntervalMs = 10'000;

struct Options {
  std::string segment = "scalper";
  int interval_ms = kDefaultIntervalMs;
  bool once = false;
};

enum class ParseOutcome {
  Run,    // `out` holds what to do
  Help,   // --help / -h: print kUsage, exit 0
  Error,  // `error` says which argument and why: print it and kUsage to stderr, exit 2
};

// `args` excludes the program name.
[[nodiscard]] ParseOutcome parse_options(std::span<const std::string_view> args, Options& out,
                                         std::string& error);

[[nodiscard]] std::string_view usage() noexcept;

}  // namespace scalper::dash
