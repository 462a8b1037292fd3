// options.cpp — scalper-dash's command line (options.hpp).
#include "scalper/dash/options.hpp"

#include <charconv>

namespace scalper::dash {

namespace {

constexpr std::string_view kUsage =
    "usage: scalper-dash [--segment NAME] [--interval-ms N] [--once]\n"
    "\n"
    "A terminal dashboard of a running scalper-core: its state, bots, prices, venue positions\n"
    "and balances, stream health, engine counters, latency and ring lag, read from the\n"
    "shared-memory segment the core publishes. It attaches READ-ONLY: it never sends a\n"
    "command and never takes an event off the ring, so it can run beside scalper-control.\n"
    "When the core restarts it re-attaches by itself; while no core runs it says so and\n"
    "keeps retrying. It never exits by itself.\n"
    "\n"
    "options:\n"
    "  --segment NAME     the core's segment (default: scalper)\n"
    "  --interval-ms N    refresh period, 10..10000 ms (default: 100, i.e. 10 Hz)\n"
    "  --once             print one frame (every page) as plain text to stdout and exit,\n"
    "                     without curses: for scripts and tests\n"
    "  --help, -h         this text\n"
    "\n"
    "keys:\n"
    "  q                  quit\n"
    "  1 2 3 4, tab       pages: bots, prices & positions, health & latency, help\n"
    "  s                  sort the bots by the next key: id, ticker, status, pnl, cycles\n"
    "  r                  reverse the sort\n"
    "  /                  filter the bots (substring of ticker or status, any case);\n"
    "                     Enter applies, Esc clears\n"
    "  Esc                clear the filter\n"
    "  up, down, PgUp, PgDn, Home   scroll the page\n"
    "\n"
    "exit status:\n"
    "  0  quit with q, or --once printed a frame, or --help\n"
    "  1  --once: no scalper-core is running on the segment (the reason is printed)\n"
    "  2  bad arguments\n"
    "  3  the terminal could not be set up (not a terminal, unknown TERM)\n"
    "  SIGINT, SIGTERM and SIGHUP restore the terminal and end it with 128 + the signal\n";

bool parse_interval(std::string_view text, int& out) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return false;
  if (value < kMinIntervalMs || value > kMaxIntervalMs) return false;
  out = value;
  return true;
}

}  // namespace

std::string_view usage() noexcept { return kUsage; }

ParseOutcome parse_options(std::span<const std::string_view> args, Options& out,
                           std::string& error) {
  error.clear();
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") return ParseOutcome::Help;
    if (arg == "--once") {
      out.once = true;
      continue;
    }
    const bool takes_value = arg == "--segment" || arg == "--interval-ms";
    if (!takes_value) {
      error = "unknown argument '" + std::string(arg) + "'";
      return ParseOutcome::Error;
    }
    if (i + 1 >= args.size()) {
      error = std::string(arg) + " needs a value";
      return ParseOutcome::Error;
    }
    const std::string_view value = args[++i];
    if (arg == "--segment") {
      if (value.empty()) {
        error = "--segment needs a non-empty name";
        return ParseOutcome::Error;
      }
      out.segment = value;
    } else if (!parse_interval(value, out.interval_ms)) {
      error = "--interval-ms '" + std::string(value) + "' is not a whole number of " +
              std::to_string(kMinIntervalMs) + ".." + std::to_string(kMaxIntervalMs) + " ms";
      return ParseOutcome::Error;
    }
  }
  return ParseOutcome::Run;
}

}  // namespace scalper::dash
