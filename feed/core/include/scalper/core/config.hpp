// config.hpp — scalper-core's configuration: its tables of the shared scalper.toml, checked.
//
// One TOML file serves every Scalper process (docs/architecture.md §5, "Configuration"); each
// reads its own tables. The core reads [core], [exchange.coindcx], [log] and [[bot]], lets the
// tables of other processes pass unread ([control], [telegram], [risk], [exchange.bybit],
// [exchange.binance]) and refuses every other key or table: a typo must stop the process at
// start, naming the key, not leave a default silently in force. feed/core/scalper.example.toml
// lists every key with its default.
//
// Bots ([[bot]]) are checked against the engine's own create rules (engine/README.md,
// "Validation"), so a seed that loads is a CreateBot the engine accepts; to_create_command()
// is the 1:1 mapping. Money is exact: decimals are TOML strings ("0.01") or integers, never
// floats.
//
// Secrets (the exchange's API key and secret) never live in the config file: they come from
// the environment or from a key_file of mode 0600/0400, and are held in Secret, which prints
// as "****" everywhere and gives its value only through reveal().
//
// Errors are values (Result<T>), each naming the file, the key and the rule broken:
// "scalper.toml: core.max_bots: must be between 1 and 100000 (got 0)". No message ever
// carries a secret's value.
//
// Threading: load at start, on any thread; the result is a plain value. Allocation: yes (not
// the hot path).
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "scalper/core/logger.hpp"
#include "scalper/engine/decimal.hpp"
#include "scalper/engine/events.hpp"
#include "scalper/engine/types.hpp"

namespace scalper::core {

// ---- errors and results ----------------------------------------------------------------

// What is wrong, where: what() is "FILE: KEY: RULE". `key` is a dotted path
// ("core.max_bots", "bot[1].sell_price", "exchange.coindcx.key_file"), an environment
// variable's name, or "line L, column C" for TOML syntax errors.
struct ConfigError {
  std::string file;
  std::string key;
  std::string rule;

  [[nodiscard]] std::string what() const { return file + ": " + key + ": " + rule; }
};

// std::expected is C++23: a value or the ConfigError that stopped it.
template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}            // NOLINT: implicit, like expected
  Result(ConfigError error) : v_(std::move(error)) {}  // NOLINT
  [[nodiscard]] bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  [[nodiscard]] T& value() & { return std::get<0>(v_); }
  [[nodiscard]] const T& value() const& { return std::get<0>(v_); }
  [[nodiscard]] T&& value() && { return std::get<0>(std::move(v_)); }
  [[nodiscard]] const ConfigError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, ConfigError> v_;
};

// ---- secrets ------------------------------------------------------------------------------

// A credential. It has no stream operator and no conversion to text: the only way to its
// value is reveal(), so a secret cannot reach a log line or a dump by accident. describe()
// prints "****". The bytes are wiped when it goes away (best effort: copies made by whoever
// called reveal() are theirs to look after).
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  Secret(const Secret&) = default;
  Secret& operator=(const Secret& other);
  Secret(Secret&& other) noexcept;
  Secret& operator=(Secret&& other) noexcept;
  ~Secret();

  [[nodiscard]] bool empty() const noexcept { return value_.empty(); }
  // The value, for the one place that signs requests with it. Never log what this returns.
  [[nodiscard]] const std::string& reveal() const noexcept { return value_; }

  // Streaming a secret does not compile, even through a conversion someone adds later.
  friend std::ostream& operator<<(std::ostream&, const Secret&) = delete;
  // GoogleTest prints the bytes of a type it cannot stream, which would show a short value
  // held inline; this keeps a failed assertion's message masked too.
  friend void PrintTo(const Secret&, std::ostream* os);

 private:
  void wipe() noexcept;
  std::string value_;
};

enum class CredentialSource : std::uint8_t {
  None,         // neither: the core can watch prices but not trade (the engine's "not configured")
  Environment,  // COINDCX_API_KEY and COINDCX_API_SECRET
  KeyFile,      // [exchange.coindcx] key_file
};

struct ApiCredentials {
  CredentialSource source = CredentialSource::None;
  Secret key;
  Secret secret;
};

// ---- the sections ---------------------------------------------------------------------------

// feed/core's CoreThreads (trading_core.hpp), as the operator names it; the process maps it.
enum class ThreadsSetting : std::uint8_t { Auto, One, Two };
// feed/net's IdleStrategy: Park = spin a while, then park in the kernel; Spin = never sleep.
enum class IdleSetting : std::uint8_t { Park, Spin };

struct CoreSection {
  std::string data_dir = "var";  // relative paths are taken from the working directory
  std::string shm_name = "scalper";
  std::uint32_t max_bots = 1024;
  int feed_cpu = -1;  // -1: unpinned
  int engine_cpu = -1;
  IdleSetting idle = IdleSetting::Park;
  ThreadsSetting threads = ThreadsSetting::Auto;
  std::uint32_t journal_segment_mb = 64;
  std::uint32_t journal_sync_ms = 100;
  std::uint64_t checkpoint_inputs = 100'000;
  std::uint32_t checkpoint_seconds = 60;
};

struct CoinDcxSection {
  std::string rest_url = "https://api.coindcx.com";
  std::string stream_url = "wss://stream.coindcx.com";
  std::string ca_file;   // empty: the system's trust store
  std::string key_file;  // empty: credentials from the environment, or none
  ApiCredentials credentials;
};

struct LogSection {
  Severity level = Severity::Info;
  LogFormat format = LogFormat::Json;
  std::string file;  // empty: stderr; else appended to
};

// One [[bot]]: created at the core's first start only (an empty journal), never re-created.
struct BotSeed {
  Symbol ticker;  // "ETH/USDT"
  Venue venue = Venue::CoinDcxFutures;
  Side first_side = Side::Buy;
  Decimal quantity;
  Decimal buy_price;
  Decimal sell_price;
  std::uint8_t leverage = 1;
  bool infinite_loop = true;
  Decimal trailing_percent;  // 0: none
};

struct CoreConfig {
  std::string file;  // the path it was loaded from, for messages
  CoreSection core;
  CoinDcxSection coindcx;
  LogSection log;
  std::vector<BotSeed> bots;
};

// ---- loading ---------------------------------------------------------------------------------

// getenv, injectable: nullptr when the variable is not set. An empty value counts as not set.
using EnvLookup = std::function<const char*(const char*)>;
[[nodiscard]] EnvLookup process_environment();

// The ranges operators and scripts rely on (feed/core/scalper.example.toml).
inline constexpr std::uint32_t kMaxBotsLimit = 100'000;
inline constexpr int kMaxCpuId = 1023;
inline constexpr std::size_t kMaxShmNameLength = 64;
inline constexpr std::size_t kMaxConfigBytes = 1 << 20;
inline constexpr std::size_t kMaxKeyFileBytes = 64 << 10;

// Reads and checks the file at `path`, and the credentials (environment or key_file).
[[nodiscard]] Result<CoreConfig> load_config(const std::string& path, const EnvLookup& env);
// The same on text already read; `file` names it in errors. The fuzz target's entry.
[[nodiscard]] Result<CoreConfig> parse_config(std::string_view text, const std::string& file,
                                              const EnvLookup& env);

// The effective configuration as TOML (every key, defaults filled in, credentials as "****"
// or "(not set)" in comments): what `scalper-core --check-config` prints. Loading it again
// gives the same configuration.
[[nodiscard]] std::string describe(const CoreConfig& config);

// The engine's create command for a seed (docs/architecture.md §3, decision 10): every field
// 1:1. A seed from load_config() passes the engine's validation.
[[nodiscard]] CreateBot to_create_command(const BotSeed& seed, std::uint64_t cmd_id = 0) noexcept;

}  // namespace scalper::core
