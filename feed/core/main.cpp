// scalper-core — the trading process: a thin main over scalper_core_runtime (core_process.hpp).
#include <csignal>
#include <cstdio>
#include <string>
#include <string_view>

#include "scalper/core/config.hpp"
#include "scalper/core/core_process.hpp"
#include "scalper/core/logger.hpp"

namespace {

constexpr std::string_view kUsage = R"(usage: scalper-core --config FILE [--check-config]

The trading process: runs the bots of its journal (and, at the first start, those of the
config's [[bot]] tables) against the exchange of [exchange.coindcx], journals every input
before acting on it, and publishes its state to the shared-memory segment [core] shm_name for
scalper-control and scalper-dash.

  --config FILE     the TOML config shared by every Scalper process (the core reads [core],
                    [exchange.coindcx], [log] and [[bot]]); keys are listed with their
                    defaults by --check-config
  --check-config    check the config and print it as the core would use it (the exchange's
                    keys masked), then exit
  --help            this text

Exchange keys come from COINDCX_API_KEY and COINDCX_API_SECRET, or from the file named by
[exchange.coindcx] key_file (mode 0600), never from the config itself.

SIGTERM or SIGINT stops it cleanly: no new commands, the current step finished, connections
closed, a last checkpoint written, the journal made durable. Orders stay live on the
exchange: they are the bots' state, and the next start reconciles them. A kill -9 loses
nothing that was journaled; the next start replays the journal and reconciles.

Exit status:
  0  stopped by a signal, cleanly (or --check-config found the config valid)
  1  could not start or run (the log says why)
  2  bad command line or config (the message names the file, the key and the rule)
  3  another scalper-core holds the data directory or the segment (its pid is named)
  4  an input could not be journaled (disk full, I/O error): trading stopped
)";

int usage_error(std::string_view what) {
  std::fprintf(stderr, "scalper-core: %.*s\n(scalper-core --help for usage)\n",
               static_cast<int>(what.size()), what.data());
  return scalper::core::kExitConfig;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace scalper::core;
  std::string config_path;
  bool check_only = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fwrite(kUsage.data(), 1, kUsage.size(), stdout);
      return kExitOk;
    }
    if (arg == "--check-config") {
      check_only = true;
    } else if (arg == "--config" && i + 1 < argc) {
      config_path = argv[++i];
    } else if (arg.starts_with("--config=")) {
      config_path = std::string(arg.substr(9));
    } else {
      return usage_error("unknown argument '" + std::string(arg) + "'");
    }
  }
  if (config_path.empty()) return usage_error("--config FILE is required");

  const Result<CoreConfig> loaded = load_config(config_path, process_environment());
  if (!loaded) {
    std::fprintf(stderr, "scalper-core: %s\n", loaded.error().what().c_str());
    return kExitConfig;
  }
  const CoreConfig& config = loaded.value();
  if (check_only) {
    const std::string text = describe(config);
    std::fwrite(text.data(), 1, text.size(), stdout);
    return kExitOk;
  }

  LoggerOptions lo;
  lo.level = config.log.level;
  lo.format = config.log.format;
  if (!config.log.file.empty()) {
    std::string why;
    lo.fd = open_log_file(config.log.file, why);
    if (lo.fd < 0) {
      std::fprintf(stderr, "scalper-core: %s: log.file: %s\n", config.file.c_str(), why.c_str());
      return kExitConfig;
    }
    lo.close_fd = true;
  }
  // Before any thread exists, so that every thread inherits the mask and run_core() receives
  // SIGINT and SIGTERM itself. A file grown past RLIMIT_FSIZE must fail its write (EFBIG: the
  // journal reports it and trading stops) rather than kill the process with SIGXFSZ.
  block_stop_signals();
  std::signal(SIGXFSZ, SIG_IGN);
  Logger logger(lo);
  logger.start();
  const int status = run_core(config, logger);
  logger.stop();
  return status;
}
