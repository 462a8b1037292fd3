// scalper.toml's core tables: defaults, every refusal with its file, key and rule, the tables
// of other processes let through, credentials from the environment or a private key file, a
// secret that never shows, and [[bot]] seeds that the engine accepts exactly when we do.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "engine_harness.hpp"
#include "scalper/core/config.hpp"

namespace scalper::core {
namespace {

constexpr const char* kFile = "scalper.toml";
// Recognisable: if any output contains it, a secret leaked.
constexpr std::string_view kKeyValue = "KEYVALUE-9d41c7e2";
constexpr std::string_view kSecretValue = "SECRETVALUE-5b0f93aa";

using Env = std::map<std::string, std::string>;

EnvLookup env_of(Env vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    const auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}
Env secrets_env() {
  return {{"COINDCX_API_KEY", std::string(kKeyValue)},
          {"COINDCX_API_SECRET", std::string(kSecretValue)}};
}

Result<CoreConfig> parse(const std::string& text, const Env& env = {}) {
  return parse_config(text, kFile, env_of(env));
}

std::string error_of(const std::string& text, const Env& env = {}) {
  const Result<CoreConfig> r = parse(text, env);
  if (r.ok()) return "(accepted)";
  return r.error().what();
}

std::string decimal_text(Decimal d) {
  char buf[kDecimalTextMax];
  return std::string(buf, format_decimal(d, buf));
}

const std::string kBot =
    "[[bot]]\nticker = \"ETH/USDT\"\nquantity = \"0.01\"\nbuy_price = \"3000\"\n"
    "sell_price = \"3010\"\n";

// ---- defaults ----------------------------------------------------------------------------

TEST(ConfigDefaults, AnEmptyFileGivesTheDocumentedDefaults) {
  const Result<CoreConfig> r = parse("");
  ASSERT_TRUE(r.ok()) << r.error().what();
  const CoreConfig& c = r.value();
  EXPECT_EQ(c.file, kFile);
  EXPECT_EQ(c.core.data_dir, "var");
  EXPECT_EQ(c.core.shm_name, "scalper");
  EXPECT_EQ(c.core.max_bots, 1024u);
  EXPECT_EQ(c.core.feed_cpu, -1);
  EXPECT_EQ(c.core.engine_cpu, -1);
  EXPECT_EQ(c.core.idle, IdleSetting::Park);
  EXPECT_EQ(c.core.threads, ThreadsSetting::Auto);
  EXPECT_EQ(c.core.journal_segment_mb, 64u);
  EXPECT_EQ(c.core.journal_sync_ms, 100u);
  EXPECT_EQ(c.core.checkpoint_inputs, 100'000u);
  EXPECT_EQ(c.core.checkpoint_seconds, 60u);
  EXPECT_EQ(c.coindcx.rest_url, "https://api.coindcx.com");
  EXPECT_EQ(c.coindcx.stream_url, "wss://stream.coindcx.com");
  EXPECT_EQ(c.coindcx.ca_file, "");
  EXPECT_EQ(c.coindcx.key_file, "");
  EXPECT_EQ(c.coindcx.credentials.source, CredentialSource::None);
  EXPECT_TRUE(c.coindcx.credentials.key.empty());
  EXPECT_EQ(c.log.level, Severity::Info);
  EXPECT_EQ(c.log.format, LogFormat::Json);
  EXPECT_EQ(c.log.file, "");
  EXPECT_TRUE(c.bots.empty());
}

TEST(ConfigDefaults, ABotTakesDefaultsForItsOptionalKeys) {
  const Result<CoreConfig> r = parse(kBot);
  ASSERT_TRUE(r.ok()) << r.error().what();
  ASSERT_EQ(r.value().bots.size(), 1u);
  const BotSeed& b = r.value().bots[0];
  EXPECT_EQ(b.ticker.view(), "ETH/USDT");
  EXPECT_EQ(b.venue, Venue::CoinDcxFutures);
  EXPECT_EQ(b.first_side, Side::Buy);
  EXPECT_EQ(decimal_text(b.quantity), "0.01");
  EXPECT_EQ(decimal_text(b.buy_price), "3000.0");
  EXPECT_EQ(decimal_text(b.sell_price), "3010.0");
  EXPECT_EQ(b.leverage, 1);
  EXPECT_TRUE(b.infinite_loop);
  EXPECT_TRUE(b.trailing_percent.is_zero());
}

TEST(ConfigDefaults, EveryKeyIsRead) {
  const Result<CoreConfig> r = parse(R"(
[core]
data_dir = "/srv/scalper"
shm_name = "scalper_2-b"
max_bots = 100000
feed_cpu = 0
engine_cpu = 1023
idle = "spin"
threads = "two"
journal_segment_mb = 4096
journal_sync_ms = 1
checkpoint_inputs = 1000
checkpoint_seconds = 86400
[exchange.coindcx]
rest_url = "http://127.0.0.1:8443/base"
stream_url = "ws://[::1]:9000"
[log]
level = "debug"
format = "text"
file = "core.log"
[[bot]]
ticker = "BTC/USDT"
exchange = "coindcx"
first_side = "SELL"
quantity = 2
buy_price = "1e3"
sell_price = "1000.00000001"
leverage = 50
infinite_loop = false
trailing_percent = "3.0"
)");
  ASSERT_TRUE(r.ok()) << r.error().what();
  const CoreConfig& c = r.value();
  EXPECT_EQ(c.core.data_dir, "/srv/scalper");
  EXPECT_EQ(c.core.shm_name, "scalper_2-b");
  EXPECT_EQ(c.core.max_bots, 100'000u);
  EXPECT_EQ(c.core.feed_cpu, 0);
  EXPECT_EQ(c.core.engine_cpu, 1023);
  EXPECT_EQ(c.core.idle, IdleSetting::Spin);
  EXPECT_EQ(c.core.threads, ThreadsSetting::Two);
  EXPECT_EQ(c.core.journal_segment_mb, 4096u);
  EXPECT_EQ(c.core.journal_sync_ms, 1u);
  EXPECT_EQ(c.core.checkpoint_inputs, 1000u);
  EXPECT_EQ(c.core.checkpoint_seconds, 86'400u);
  EXPECT_EQ(c.coindcx.rest_url, "http://127.0.0.1:8443/base");
  EXPECT_EQ(c.coindcx.stream_url, "ws://[::1]:9000");
  EXPECT_EQ(c.log.level, Severity::Debug);
  EXPECT_EQ(c.log.format, LogFormat::Text);
  EXPECT_EQ(c.log.file, "core.log");
  ASSERT_EQ(c.bots.size(), 1u);
  const BotSeed& b = c.bots[0];
  EXPECT_EQ(b.first_side, Side::Sell);
  EXPECT_EQ(decimal_text(b.quantity), "2.0");
  EXPECT_EQ(decimal_text(b.buy_price), "1000.0");
  EXPECT_EQ(decimal_text(b.sell_price), "1000.00000001");
  EXPECT_EQ(b.leverage, 50);
  EXPECT_FALSE(b.infinite_loop);
  EXPECT_EQ(decimal_text(b.trailing_percent), "3.0");
}

// ---- the tables of other processes -------------------------------------------------------

TEST(ConfigTables, OtherProcessesTablesAreLetThroughUnread) {
  const Result<CoreConfig> r = parse(R"(
[control]
listen = "127.0.0.1:8080"
anything = { nested = [1, 2.5, "x"] }
[telegram]
bot_token_file = "/etc/scalper/telegram"
[risk]
max_position = 3.5
[exchange.bybit]
rest_url = "https://api.bybit.com"
api_key = "not ours to judge"
[exchange.binance]
whatever = true
[exchange.coindcx]
rest_url = "https://api.coindcx.com"
)");
  EXPECT_TRUE(r.ok()) << r.error().what();
}

TEST(ConfigTables, AnUnknownTableIsRefused) {
  EXPECT_EQ(error_of("[cor]\nmax_bots = 5\n"),
            "scalper.toml: cor: unknown table (the core reads core, exchange, log and bot; "
            "control, telegram and risk belong to others)");
}

TEST(ConfigTables, AnUnknownTopLevelKeyIsRefused) {
  EXPECT_EQ(error_of("max_bots = 5\n"), "scalper.toml: max_bots: unknown key");
}

TEST(ConfigTables, AnUnknownVenueIsRefused) {
  EXPECT_EQ(error_of("[exchange.kraken]\n"),
            "scalper.toml: exchange.kraken: unknown venue (known: coindcx, bybit, binance)");
}

TEST(ConfigTables, ASectionThatIsNotATableIsRefused) {
  EXPECT_EQ(error_of("core = 5\n"), "scalper.toml: core: must be a table (got an integer)");
  EXPECT_EQ(error_of("[exchange]\ncoindcx = \"x\"\n"),
            "scalper.toml: exchange.coindcx: must be a table (got a string)");
  EXPECT_EQ(error_of("bot = 5\n"),
            "scalper.toml: bot: must be an array of tables, each [[bot]] (got an integer)");
}

TEST(ConfigTables, AnUnknownSubtableInsideOurTableIsRefused) {
  EXPECT_EQ(error_of("[core.extra]\nx = 1\n"), "scalper.toml: core.extra: unknown table");
}

TEST(ConfigTables, SyntaxErrorsNameLineAndColumn) {
  const Result<CoreConfig> r = parse("[core]\nmax_bots = 5\nidle = \"park\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().file, kFile);
  EXPECT_EQ(r.error().key.rfind("line 3, column ", 0), 0u) << r.error().key;
  EXPECT_FALSE(r.error().rule.empty());
}

TEST(ConfigTables, AMissingFileIsNamed) {
  const Result<CoreConfig> r = load_config("/nonexistent/scalper.toml", env_of({}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().what(),
            "/nonexistent/scalper.toml: file: cannot open: No such file or directory");
}

// ---- every refusal: file, key, rule --------------------------------------------------------

struct Refusal {
  const char* name;
  std::string toml;
  std::string message;  // the whole what()
};

std::string bot_with(const std::string& lines) {
  return "[[bot]]\nticker = \"ETH/USDT\"\nquantity = \"0.01\"\nbuy_price = \"3000\"\n"
         "sell_price = \"3010\"\n" +
         lines;
}
std::string bot_without(const std::string& key) {
  std::string out = "[[bot]]\n";
  for (const auto& [k, v] :
       std::vector<std::pair<std::string, std::string>>{{"ticker", "\"ETH/USDT\""},
                                                        {"quantity", "\"0.01\""},
                                                        {"buy_price", "\"3000\""},
                                                        {"sell_price", "\"3010\""}}) {
    if (k != key) out += k + " = " + v + "\n";
  }
  return out;
}

std::string refusal_name(const ::testing::TestParamInfo<Refusal>& p) { return p.param.name; }

class ConfigRefusal : public ::testing::TestWithParam<Refusal> {};

TEST_P(ConfigRefusal, NamesFileKeyAndRule) {
  const Refusal& c = GetParam();
  const Result<CoreConfig> r = parse(c.toml);
  ASSERT_FALSE(r.ok()) << "accepted:\n" << c.toml;
  EXPECT_EQ(r.error().file, kFile);
  EXPECT_EQ(r.error().what(), c.message);
}

INSTANTIATE_TEST_SUITE_P(
    Core, ConfigRefusal,
    ::testing::Values(
        Refusal{"MaxBotsZero", "[core]\nmax_bots = 0\n",
                "scalper.toml: core.max_bots: must be between 1 and 100000 (got 0)"},
        Refusal{"MaxBotsHigh", "[core]\nmax_bots = 100001\n",
                "scalper.toml: core.max_bots: must be between 1 and 100000 (got 100001)"},
        Refusal{"MaxBotsType", "[core]\nmax_bots = \"5\"\n",
                "scalper.toml: core.max_bots: must be an integer (got a string)"},
        Refusal{"MaxBotsFloat", "[core]\nmax_bots = 5.0\n",
                "scalper.toml: core.max_bots: must be an integer (got a float)"},
        Refusal{"Typo", "[core]\nidel = \"spin\"\n", "scalper.toml: core.idel: unknown key"},
        Refusal{"DataDirEmpty", "[core]\ndata_dir = \"\"\n",
                "scalper.toml: core.data_dir: must not be empty"},
        Refusal{"ShmNameSpace", "[core]\nshm_name = \"a b\"\n",
                "scalper.toml: core.shm_name: must be 1 to 64 characters of A-Z a-z 0-9 _ - "
                "(got \"a b\")"},
        Refusal{"ShmNameEmpty", "[core]\nshm_name = \"\"\n",
                "scalper.toml: core.shm_name: must be 1 to 64 characters of A-Z a-z 0-9 _ - "
                "(got \"\")"},
        Refusal{"ShmNameLong", "[core]\nshm_name = \"" + std::string(65, 'a') + "\"\n",
                "scalper.toml: core.shm_name: must be 1 to 64 characters of A-Z a-z 0-9 _ - "
                "(got \"" +
                    std::string(64, 'a') + "...\")"},
        Refusal{"FeedCpuLow", "[core]\nfeed_cpu = -2\n",
                "scalper.toml: core.feed_cpu: must be -1 (unpinned) or a CPU id between 0 and "
                "1023 (got -2)"},
        Refusal{"EngineCpuHigh", "[core]\nengine_cpu = 1024\n",
                "scalper.toml: core.engine_cpu: must be -1 (unpinned) or a CPU id between 0 and "
                "1023 (got 1024)"},
        Refusal{"Idle", "[core]\nidle = \"parked\"\n",
                "scalper.toml: core.idle: must be \"park\" or \"spin\" (got \"parked\")"},
        Refusal{"Threads", "[core]\nthreads = \"three\"\n",
                "scalper.toml: core.threads: must be \"auto\", \"one\" or \"two\" (got \"three\")"},
        Refusal{"ThreadsType", "[core]\nthreads = 2\n",
                "scalper.toml: core.threads: must be a string (got an integer)"},
        Refusal{"SegmentLow", "[core]\njournal_segment_mb = 0\n",
                "scalper.toml: core.journal_segment_mb: must be between 1 and 4096 (got 0)"},
        Refusal{"SegmentHigh", "[core]\njournal_segment_mb = 4097\n",
                "scalper.toml: core.journal_segment_mb: must be between 1 and 4096 (got 4097)"},
        Refusal{"SyncLow", "[core]\njournal_sync_ms = 0\n",
                "scalper.toml: core.journal_sync_ms: must be between 1 and 10000 (got 0)"},
        Refusal{"SyncHigh", "[core]\njournal_sync_ms = 10001\n",
                "scalper.toml: core.journal_sync_ms: must be between 1 and 10000 (got 10001)"},
        Refusal{"CheckpointInputsLow", "[core]\ncheckpoint_inputs = 999\n",
                "scalper.toml: core.checkpoint_inputs: must be between 1000 and 100000000 "
                "(got 999)"},
        Refusal{"CheckpointInputsHigh", "[core]\ncheckpoint_inputs = 100000001\n",
                "scalper.toml: core.checkpoint_inputs: must be between 1000 and 100000000 "
                "(got 100000001)"},
        Refusal{"CheckpointSecondsLow", "[core]\ncheckpoint_seconds = 0\n",
                "scalper.toml: core.checkpoint_seconds: must be between 1 and 86400 (got 0)"},
        Refusal{"CheckpointSecondsHigh", "[core]\ncheckpoint_seconds = 86401\n",
                "scalper.toml: core.checkpoint_seconds: must be between 1 and 86400 (got 86401)"}),
    refusal_name);

INSTANTIATE_TEST_SUITE_P(
    Exchange, ConfigRefusal,
    ::testing::Values(
        Refusal{"RestScheme", "[exchange.coindcx]\nrest_url = \"ftp://api.coindcx.com\"\n",
                "scalper.toml: exchange.coindcx.rest_url: must be an http:// or https:// URL "
                "with a host (got \"ftp://api.coindcx.com\")"},
        Refusal{"RestNoHost", "[exchange.coindcx]\nrest_url = \"https:///x\"\n",
                "scalper.toml: exchange.coindcx.rest_url: must be an http:// or https:// URL "
                "with a host (got \"https:///x\")"},
        Refusal{"RestBadPort", "[exchange.coindcx]\nrest_url = \"https://h:70000\"\n",
                "scalper.toml: exchange.coindcx.rest_url: must be an http:// or https:// URL "
                "with a host (got \"https://h:70000\")"},
        Refusal{"StreamScheme", "[exchange.coindcx]\nstream_url = \"https://stream.coindcx.com\"\n",
                "scalper.toml: exchange.coindcx.stream_url: must be a ws:// or wss:// URL with "
                "a host (got \"https://stream.coindcx.com\")"},
        Refusal{"CaFileMissing", "[exchange.coindcx]\nca_file = \"/nonexistent/ca.pem\"\n",
                "scalper.toml: exchange.coindcx.ca_file: /nonexistent/ca.pem cannot be read "
                "(No such file or directory)"},
        Refusal{"CaFileDirectory", "[exchange.coindcx]\nca_file = \"/\"\n",
                "scalper.toml: exchange.coindcx.ca_file: / is not a regular file"},
        Refusal{"Typo", "[exchange.coindcx]\nrest_ur = \"https://x\"\n",
                "scalper.toml: exchange.coindcx.rest_ur: unknown key"},
        Refusal{"KeyFileMissing", "[exchange.coindcx]\nkey_file = \"/nonexistent/keys.toml\"\n",
                "scalper.toml: exchange.coindcx.key_file: /nonexistent/keys.toml cannot be "
                "opened (No such file or directory)"},
        Refusal{"KeyFileDirectory", "[exchange.coindcx]\nkey_file = \"/\"\n",
                "scalper.toml: exchange.coindcx.key_file: / is not a regular file"}),
    refusal_name);

INSTANTIATE_TEST_SUITE_P(
    Log, ConfigRefusal,
    ::testing::Values(
        Refusal{"Level", "[log]\nlevel = \"trace\"\n",
                "scalper.toml: log.level: must be \"debug\", \"info\", \"warn\" or \"error\" "
                "(got \"trace\")"},
        Refusal{"Format", "[log]\nformat = \"xml\"\n",
                "scalper.toml: log.format: must be \"json\" or \"text\" (got \"xml\")"},
        Refusal{"FileType", "[log]\nfile = 5\n",
                "scalper.toml: log.file: must be a string (got an integer)"},
        Refusal{"Typo", "[log]\nlevle = \"info\"\n", "scalper.toml: log.levle: unknown key"}),
    refusal_name);

INSTANTIATE_TEST_SUITE_P(
    Bot, ConfigRefusal,
    ::testing::Values(
        Refusal{"TickerMissing", bot_without("ticker"), "scalper.toml: bot[0].ticker: is required"},
        Refusal{"QuantityMissing", bot_without("quantity"),
                "scalper.toml: bot[0].quantity: is required"},
        Refusal{"BuyMissing", bot_without("buy_price"),
                "scalper.toml: bot[0].buy_price: is required"},
        Refusal{"SellMissing", bot_without("sell_price"),
                "scalper.toml: bot[0].sell_price: is required"},
        Refusal{"TickerNoSlash",
                "[[bot]]\nticker = \"ETHUSDT\"\nquantity = \"1\"\nbuy_price = \"1\"\n"
                "sell_price = \"2\"\n",
                "scalper.toml: bot[0].ticker: must be BASE/QUOTE in upper-case letters and "
                "digits, at most 20 chars, like \"ETH/USDT\" (got \"ETHUSDT\")"},
        Refusal{"TickerLower",
                "[[bot]]\nticker = \"eth/usdt\"\nquantity = \"1\"\nbuy_price = \"1\"\n"
                "sell_price = \"2\"\n",
                "scalper.toml: bot[0].ticker: must be BASE/QUOTE in upper-case letters and "
                "digits, at most 20 chars, like \"ETH/USDT\" (got \"eth/usdt\")"},
        Refusal{"TickerLong",
                "[[bot]]\nticker = \"ABCDEFGHIJ/KLMNOPQRST\"\nquantity = \"1\"\n"
                "buy_price = \"1\"\nsell_price = \"2\"\n",
                "scalper.toml: bot[0].ticker: must be BASE/QUOTE in upper-case letters and "
                "digits, at most 20 chars, like \"ETH/USDT\" (got \"ABCDEFGHIJ/KLMNOPQRST\")"},
        Refusal{"TickerType",
                "[[bot]]\nticker = 5\nquantity = \"1\"\nbuy_price = \"1\"\nsell_price = \"2\"\n",
                "scalper.toml: bot[0].ticker: must be a string (got an integer)"},
        Refusal{"Exchange", bot_with("exchange = \"bybit\"\n"),
                "scalper.toml: bot[0].exchange: must be \"coindcx\" (got \"bybit\")"},
        Refusal{"FirstSide", bot_with("first_side = \"buy\"\n"),
                "scalper.toml: bot[0].first_side: must be \"BUY\" or \"SELL\" (got \"buy\")"},
        Refusal{"QuantityFloat",
                "[[bot]]\nticker = \"ETH/USDT\"\nquantity = 0.01\nbuy_price = \"1\"\n"
                "sell_price = \"2\"\n",
                "scalper.toml: bot[0].quantity: is a float; quote it (\"0.01\") so it stays an "
                "exact decimal"},
        Refusal{"BuyPriceFloat",
                "[[bot]]\nticker = \"ETH/USDT\"\nquantity = \"1\"\nbuy_price = 3000.5\n"
                "sell_price = \"3010\"\n",
                "scalper.toml: bot[0].buy_price: is a float; quote it (\"0.01\") so it stays an "
                "exact decimal"},
        Refusal{"TrailingFloat", bot_with("trailing_percent = 0.5\n"),
                "scalper.toml: bot[0].trailing_percent: is a float; quote it (\"0.01\") so it "
                "stays an exact decimal"},
        Refusal{"QuantityText",
                "[[bot]]\nticker = \"ETH/USDT\"\nquantity = \"abc\"\nbuy_price = \"1\"\n"
                "sell_price = \"2\"\n",
                "scalper.toml: bot[0].quantity: must be a decimal number like \"0.01\" (got "
                "\"abc\")"},
        Refusal{"QuantityTooPrecise",
                "[[bot]]\nticker = \"ETH/USDT\"\nquantity = \"0.000000001\"\nbuy_price = \"1\"\n"
                "sell_price = \"2\"\n",
                "scalper.toml: bot[0].quantity: is more than 8 decimal places (got "
                "\"0.000000001\")"},
        Refusal{"QuantityHuge",
                "[[bot]]\nticker = \"ETH/USDT\"\nquantity = \"1e20\"\nbuy_price = \"1\"\n"
                "sell_price = \"2\"\n",
                "scalper.toml: bot[0].quantity: is out of range (got \"1e20\")"},
        Refusal{"QuantityHugeInteger",
                "[[bot]]\nticker = \"ETH/USDT\"\nquantity = 100000000000\nbuy_price = \"1\"\n"
                "sell_price = \"2\"\n",
                "scalper.toml: bot[0].quantity: is out of range (got 100000000000)"},
        Refusal{"QuantityZero",
                "[[bot]]\nticker = \"ETH/USDT\"\nquantity = \"0\"\nbuy_price = \"1\"\n"
                "sell_price = \"2\"\n",
                "scalper.toml: bot[0].quantity: must be greater than 0 (got 0.0)"},
        Refusal{"BuyNegative",
                "[[bot]]\nticker = \"ETH/USDT\"\nquantity = \"1\"\nbuy_price = -1\n"
                "sell_price = \"2\"\n",
                "scalper.toml: bot[0].buy_price: must be greater than 0 (got -1.0)"},
        Refusal{"QuantityBool",
                "[[bot]]\nticker = \"ETH/USDT\"\nquantity = true\nbuy_price = \"1\"\n"
                "sell_price = \"2\"\n",
                "scalper.toml: bot[0].quantity: must be a decimal string like \"0.01\" (got a "
                "boolean)"},
        Refusal{"SellNotAboveBuy",
                "[[bot]]\nticker = \"ETH/USDT\"\nquantity = \"1\"\nbuy_price = \"3000\"\n"
                "sell_price = \"3000.0\"\n",
                "scalper.toml: bot[0].sell_price: must be greater than buy_price (3000.0 <= "
                "3000.0)"},
        Refusal{"LeverageZero", bot_with("leverage = 0\n"),
                "scalper.toml: bot[0].leverage: must be between 1 and 50 (got 0)"},
        Refusal{"LeverageHigh", bot_with("leverage = 51\n"),
                "scalper.toml: bot[0].leverage: must be between 1 and 50 (got 51)"},
        Refusal{"LeverageText", bot_with("leverage = \"3\"\n"),
                "scalper.toml: bot[0].leverage: must be an integer (got a string)"},
        Refusal{"TrailingHigh", bot_with("trailing_percent = \"3.00000001\"\n"),
                "scalper.toml: bot[0].trailing_percent: must be 0 (none) or between 0.1 and 3.0 "
                "(got 3.00000001)"},
        Refusal{"TrailingLow", bot_with("trailing_percent = \"0.09\"\n"),
                "scalper.toml: bot[0].trailing_percent: must be 0 (none) or between 0.1 and 3.0 "
                "(got 0.09)"},
        Refusal{"InfiniteLoopType", bot_with("infinite_loop = \"yes\"\n"),
                "scalper.toml: bot[0].infinite_loop: must be a boolean (true or false) (got a "
                "string)"},
        Refusal{"OrderValue",
                "[[bot]]\nticker = \"ETH/USDT\"\nquantity = \"1000000\"\nbuy_price = \"1\"\n"
                "sell_price = \"10000.00000001\"\n",
                "scalper.toml: bot[0].quantity: quantity x sell_price must be at most "
                "10000000000.0"},
        Refusal{"Typo", bot_with("tickr = \"ETH/USDT\"\n"),
                "scalper.toml: bot[0].tickr: unknown key"},
        Refusal{"SecondBotNamed", kBot + bot_with("leverage = 99\n"),
                "scalper.toml: bot[1].leverage: must be between 1 and 50 (got 99)"},
        Refusal{"MoreBotsThanMaxBots", "[core]\nmax_bots = 1\n" + kBot + kBot,
                "scalper.toml: bot: 2 bots, more than core.max_bots (1)"}),
    refusal_name);

// ---- [[bot]] and the engine agree ---------------------------------------------------------

CommandStatus engine_verdict(const CreateBot& command) {
  testing::EngineHarness h;
  const auto results = testing::all_of<CommandResult>(h.step(h.events().make(command)));
  EXPECT_EQ(results.size(), 1u);
  return results.empty() ? CommandStatus::Failed : results[0].status;
}

TEST(ConfigBots, ToCreateCommandMapsEveryField) {
  const Result<CoreConfig> r = parse(bot_with(
      "first_side = \"SELL\"\nleverage = 7\ninfinite_loop = false\ntrailing_percent = \"1.5\"\n"));
  ASSERT_TRUE(r.ok()) << r.error().what();
  const CreateBot c = to_create_command(r.value().bots[0], 42);
  EXPECT_EQ(c.cmd_id, 42u);
  EXPECT_EQ(c.params.ticker.view(), "ETH/USDT");
  EXPECT_EQ(decimal_text(c.params.quantity), "0.01");
  EXPECT_EQ(decimal_text(c.params.buy_price), "3000.0");
  EXPECT_EQ(decimal_text(c.params.sell_price), "3010.0");
  EXPECT_EQ(decimal_text(c.params.trailing_percent), "1.5");
  EXPECT_EQ(c.params.venue, Venue::CoinDcxFutures);
  EXPECT_EQ(c.params.first_side, Side::Sell);
  EXPECT_EQ(c.params.leverage, 7);
  EXPECT_FALSE(c.params.infinite_loop);
  EXPECT_EQ(engine_verdict(c), CommandStatus::Ok);
}

// At each edge of each rule: what we accept, the engine accepts; what we refuse (where the
// engine's command can carry it), the engine refuses.
TEST(ConfigBots, TheEngineAcceptsExactlyWhatTheConfigAccepts) {
  struct Edge {
    std::string lines;
    bool accepted;
  };
  const std::vector<Edge> edges = {
      {"leverage = 1\n", true},
      {"leverage = 50\n", true},
      {"leverage = 51\n", false},
      {"trailing_percent = \"0\"\n", true},
      {"trailing_percent = \"0.1\"\n", true},
      {"trailing_percent = \"0.09999999\"\n", false},
      {"trailing_percent = \"3\"\n", true},
      {"trailing_percent = \"3.00000001\"\n", false},
  };
  for (const Edge& e : edges) {
    const std::string text = bot_with(e.lines);
    const Result<CoreConfig> r = parse(text);
    EXPECT_EQ(r.ok(), e.accepted) << e.lines;
    BotSeed seed = r.ok() ? r.value().bots[0] : parse(kBot).value().bots[0];
    if (!r.ok()) {
      // Carry the refused value to the engine by hand.
      if (e.lines.rfind("leverage", 0) == 0) seed.leverage = 51;
      if (e.lines.rfind("trailing", 0) == 0) {
        const std::string v = e.lines.substr(e.lines.find('"') + 1);
        ASSERT_EQ(parse_decimal(v.substr(0, v.find('"')), seed.trailing_percent),
                  DecimalStatus::Ok);
      }
    }
    EXPECT_EQ(engine_verdict(to_create_command(seed)) == CommandStatus::Ok, e.accepted) << e.lines;
  }
  // The order-value bound: quantity x sell_price at 10^10 exactly passes both, just over fails.
  const std::string at_limit =
      "[[bot]]\nticker = \"ETH/USDT\"\nquantity = \"1000000\"\nbuy_price = \"1\"\n"
      "sell_price = \"10000\"\n";
  const Result<CoreConfig> r = parse(at_limit);
  ASSERT_TRUE(r.ok()) << r.error().what();
  EXPECT_EQ(engine_verdict(to_create_command(r.value().bots[0])), CommandStatus::Ok);
  BotSeed over = r.value().bots[0];
  ASSERT_EQ(parse_decimal("10000.00000001", over.sell_price), DecimalStatus::Ok);
  EXPECT_EQ(engine_verdict(to_create_command(over)), CommandStatus::Invalid);
  // sell == buy, and a ticker without a slash.
  BotSeed equal = r.value().bots[0];
  equal.sell_price = equal.buy_price;
  EXPECT_EQ(engine_verdict(to_create_command(equal)), CommandStatus::Invalid);
  BotSeed no_slash = r.value().bots[0];
  ASSERT_TRUE(no_slash.ticker.try_assign("ETHUSDT"));
  EXPECT_EQ(engine_verdict(to_create_command(no_slash)), CommandStatus::Invalid);
}

// ---- the example file -----------------------------------------------------------------------

TEST(ConfigExample, TheExampleFileIsValidAndItsBotsAreAccepted) {
  const Result<CoreConfig> r = load_config(SCALPER_EXAMPLE_CONFIG, env_of({}));
  ASSERT_TRUE(r.ok()) << r.error().what();
  const CoreConfig& c = r.value();
  EXPECT_EQ(c.core.max_bots, 1024u);
  EXPECT_EQ(c.log.format, LogFormat::Json);
  ASSERT_EQ(c.bots.size(), 2u);
  EXPECT_EQ(c.bots[0].ticker.view(), "ETH/USDT");
  EXPECT_EQ(c.bots[1].ticker.view(), "BTC/USDT");
  EXPECT_EQ(c.bots[1].first_side, Side::Sell);
  EXPECT_EQ(decimal_text(c.bots[1].sell_price), "60150.5");
  for (const BotSeed& b : c.bots) {
    EXPECT_EQ(engine_verdict(to_create_command(b)), CommandStatus::Ok) << b.ticker.view();
  }
}

TEST(ConfigExample, TheExampleListsEveryKeyDescribePrints) {
  // describe() prints every key the core reads; each must be documented in the example.
  std::ifstream in(SCALPER_EXAMPLE_CONFIG);
  std::stringstream example;
  example << in.rdbuf();
  const Result<CoreConfig> r = parse(kBot);
  ASSERT_TRUE(r.ok());
  std::istringstream lines(describe(r.value()));
  std::string line;
  int keys = 0;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#' || line[0] == '[') continue;
    const std::string key = line.substr(0, line.find(" = "));
    EXPECT_NE(example.str().find("\n" + key + " = "), std::string::npos) << key;
    ++keys;
  }
  EXPECT_EQ(keys, 11 + 4 + 3 + 9);
}

// ---- describe ---------------------------------------------------------------------------------

TEST(ConfigDescribe, PrintsEveryKeyAndReadsBackToTheSameConfig) {
  const Result<CoreConfig> first = load_config(SCALPER_EXAMPLE_CONFIG, env_of(secrets_env()));
  ASSERT_TRUE(first.ok()) << first.error().what();
  const std::string text = describe(first.value());
  for (const char* expected :
       {"[core]\n", "data_dir = \"var\"\n", "max_bots = 1024\n", "idle = \"park\"\n",
        "threads = \"auto\"\n", "checkpoint_seconds = 60\n", "[exchange.coindcx]\n",
        "rest_url = \"https://api.coindcx.com\"\n", "key_file = \"\"\n", "# api_key = \"****\"\n",
        "# api_secret = \"****\"\n", "[log]\n", "level = \"info\"\n", "[[bot]]\n",
        "ticker = \"BTC/USDT\"\n", "sell_price = \"60150.5\"\n", "infinite_loop = false\n",
        "trailing_percent = \"0.5\"\n"}) {
    EXPECT_NE(text.find(expected), std::string::npos) << expected << "\n" << text;
  }
  const Result<CoreConfig> again = parse(text, secrets_env());
  ASSERT_TRUE(again.ok()) << again.error().what() << "\n" << text;
  // The first line names the file it came from; the rest is the configuration.
  const auto body = [](const std::string& t) { return t.substr(t.find('\n')); };
  EXPECT_EQ(body(describe(again.value())), body(text));
}

TEST(ConfigDescribe, SaysWhenCredentialsAreNotSet) {
  const Result<CoreConfig> r = parse("");
  ASSERT_TRUE(r.ok());
  const std::string text = describe(r.value());
  EXPECT_NE(text.find("# api_key = (not set)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# api_secret = (not set)\n"), std::string::npos) << text;
}

TEST(ConfigDescribe, EscapesStringsAsTomlDoes) {
  const Result<CoreConfig> r = parse("[core]\ndata_dir = \"a \\\"b\\\" \\\\ c\\n\"\n");
  ASSERT_TRUE(r.ok()) << r.error().what();
  EXPECT_EQ(r.value().core.data_dir, "a \"b\" \\ c\n");
  const std::string text = describe(r.value());
  EXPECT_NE(text.find("data_dir = \"a \\\"b\\\" \\\\ c\\n\"\n"), std::string::npos) << text;
  const Result<CoreConfig> again = parse(text);
  ASSERT_TRUE(again.ok()) << again.error().what();
  EXPECT_EQ(again.value().core.data_dir, r.value().core.data_dir);
}

// ---- credentials ------------------------------------------------------------------------------

TEST(ConfigCredentials, BothVariablesGiveTheCredentials) {
  const Result<CoreConfig> r = parse("", secrets_env());
  ASSERT_TRUE(r.ok()) << r.error().what();
  const ApiCredentials& c = r.value().coindcx.credentials;
  EXPECT_EQ(c.source, CredentialSource::Environment);
  EXPECT_EQ(c.key.reveal(), kKeyValue);
  EXPECT_EQ(c.secret.reveal(), kSecretValue);
}

TEST(ConfigCredentials, OneVariableWithoutTheOtherIsRefused) {
  const Result<CoreConfig> r = parse("", {{"COINDCX_API_KEY", std::string(kKeyValue)}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().what(),
            "environment: COINDCX_API_SECRET: is not set but COINDCX_API_KEY is; set both or "
            "neither");
  const Result<CoreConfig> r2 = parse("", {{"COINDCX_API_SECRET", std::string(kSecretValue)}});
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().what(),
            "environment: COINDCX_API_KEY: is not set but COINDCX_API_SECRET is; set both or "
            "neither");
}

TEST(ConfigCredentials, AnEmptyVariableCountsAsUnset) {
  const Result<CoreConfig> r = parse("", {{"COINDCX_API_KEY", ""}, {"COINDCX_API_SECRET", ""}});
  ASSERT_TRUE(r.ok()) << r.error().what();
  EXPECT_EQ(r.value().coindcx.credentials.source, CredentialSource::None);
}

TEST(ConfigCredentials, KeysInTheConfigFileAreRefusedPointingToTheTwoWays) {
  for (const char* key : {"api_key", "api_secret", "secret"}) {
    const Result<CoreConfig> r = parse("[exchange.coindcx]\n" + std::string(key) + " = \"" +
                                       std::string(kSecretValue) + "\"\n");
    ASSERT_FALSE(r.ok()) << key;
    EXPECT_EQ(r.error().what(),
              "scalper.toml: exchange.coindcx." + std::string(key) +
                  ": secrets are not read from the config file; set COINDCX_API_KEY and "
                  "COINDCX_API_SECRET in the environment, or name a key_file (mode 0600) "
                  "holding api_key and api_secret");
  }
}

TEST(ConfigCredentials, KeysAnywhereElseGetTheSameAnswer) {
  for (const std::string& text :
       {std::string("api_key = \"x\"\n"), std::string("[core]\napi_key = \"x\"\n"),
        std::string("[log]\napi_key = \"x\"\n"), bot_with("api_key = \"x\"\n")}) {
    const Result<CoreConfig> r = parse(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_NE(r.error().rule.find("set COINDCX_API_KEY and COINDCX_API_SECRET in the environment"),
              std::string::npos)
        << r.error().what();
  }
}

TEST(ConfigCredentials, TheProcessEnvironmentIsTheDefaultLookup) {
  ASSERT_EQ(::setenv("SCALPER_CONFIG_TEST_VAR", "x", 1), 0);
  EXPECT_STREQ(process_environment()("SCALPER_CONFIG_TEST_VAR"), "x");
  EXPECT_EQ(process_environment()("SCALPER_CONFIG_TEST_UNSET_VAR"), nullptr);
  ::unsetenv("SCALPER_CONFIG_TEST_VAR");
}

class KeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("scalper-keyfile-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write_key_file(const std::string& text, mode_t mode) {
    const std::string path = (dir_ / "keys.toml").string();
    std::ofstream(path) << text;
    EXPECT_EQ(::chmod(path.c_str(), mode), 0);
    return path;
  }
  static std::string good_keys() {
    return "api_key = \"" + std::string(kKeyValue) + "\"\napi_secret = \"" +
           std::string(kSecretValue) + "\"\n";
  }
  static std::string config_for(const std::string& path) {
    return "[exchange.coindcx]\nkey_file = \"" + path + "\"\n";
  }

  std::filesystem::path dir_;
};

TEST_F(KeyFileTest, Mode0600IsAccepted) {
  const std::string path = write_key_file(good_keys(), 0600);
  const Result<CoreConfig> r = parse(config_for(path));
  ASSERT_TRUE(r.ok()) << r.error().what();
  const ApiCredentials& c = r.value().coindcx.credentials;
  EXPECT_EQ(c.source, CredentialSource::KeyFile);
  EXPECT_EQ(c.key.reveal(), kKeyValue);
  EXPECT_EQ(c.secret.reveal(), kSecretValue);
}

TEST_F(KeyFileTest, Mode0400IsAccepted) {
  const std::string path = write_key_file(good_keys(), 0400);
  const Result<CoreConfig> r = parse(config_for(path));
  EXPECT_TRUE(r.ok()) << r.error().what();
}

TEST_F(KeyFileTest, GroupOrOtherReadableModesAreRefusedNamingFileAndMode) {
  for (const mode_t mode : {mode_t{0644}, mode_t{0640}, mode_t{0604}}) {
    const std::string path = write_key_file(good_keys(), mode);
    char shown[8];
    std::snprintf(shown, sizeof shown, "%04o", static_cast<unsigned>(mode));
    EXPECT_EQ(error_of(config_for(path)), "scalper.toml: exchange.coindcx.key_file: " + path +
                                              " is readable by group or others (mode " + shown +
                                              "); chmod 600 it");
  }
}

TEST_F(KeyFileTest, OtherModesAreRefused) {
  for (const mode_t mode : {mode_t{0700}, mode_t{0620}, mode_t{0602}}) {
    const std::string path = write_key_file(good_keys(), mode);
    const std::string message = error_of(config_for(path));
    char shown[8];
    std::snprintf(shown, sizeof shown, "%04o", static_cast<unsigned>(mode));
    EXPECT_EQ(message, "scalper.toml: exchange.coindcx.key_file: " + path +
                           " must have mode 0600 or 0400 (mode " + shown + "); chmod 600 it");
  }
}

TEST_F(KeyFileTest, AFileOwnedBySomeoneElseIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "giving a file away needs root";
  const std::string path = write_key_file(good_keys(), 0600);
  ASSERT_EQ(::chown(path.c_str(), 65534, 65534), 0);
  EXPECT_EQ(error_of(config_for(path)),
            "scalper.toml: exchange.coindcx.key_file: " + path +
                " is owned by uid 65534, not by the user running the core (uid 0)");
}

TEST_F(KeyFileTest, EnvironmentAndKeyFileTogetherAreRefusedAsAmbiguous) {
  const std::string path = write_key_file(good_keys(), 0600);
  EXPECT_EQ(error_of(config_for(path), secrets_env()),
            "scalper.toml: exchange.coindcx.key_file: is set and so are COINDCX_API_KEY and "
            "COINDCX_API_SECRET in the environment; which to use is ambiguous: keep one");
}

TEST_F(KeyFileTest, ItsContentsAreChecked) {
  struct Case {
    std::string text;
    std::string rule;
  };
  const std::vector<Case> cases = {
      {"api_key = \"" + std::string(kKeyValue) + "\"\n", "api_secret: is missing or empty"},
      {"api_key = \"\"\napi_secret = \"x\"\n", "api_key: is missing or empty"},
      {"api_key = 5\napi_secret = \"x\"\n", "api_key: must be a string (got an integer)"},
      {good_keys() + "passphrase = \"" + std::string(kSecretValue) + "\"\n",
       "passphrase: unknown key (a key file holds api_key and api_secret only)"},
  };
  for (const Case& c : cases) {
    const std::string path = write_key_file(c.text, 0600);
    EXPECT_EQ(error_of(config_for(path)),
              "scalper.toml: exchange.coindcx.key_file: " + path + ": " + c.rule);
  }
}

TEST_F(KeyFileTest, ASyntaxErrorIsLocatedButNotQuoted) {
  const std::string path =
      write_key_file("api_key = \"" + std::string(kKeyValue) + "\napi_secret = \"" +
                         std::string(kSecretValue) + " x\n",
                     0600);
  const std::string message = error_of(config_for(path));
  EXPECT_EQ(message.rfind("scalper.toml: exchange.coindcx.key_file: " + path + ": line ", 0), 0u)
      << message;
  EXPECT_NE(message.find("not valid TOML (details withheld: the file holds secrets)"),
            std::string::npos)
      << message;
}

// ---- a secret never shows -----------------------------------------------------------------

bool leaks(const std::string& text) {
  return text.find(kKeyValue) != std::string::npos ||
         text.find(kSecretValue) != std::string::npos ||
         text.find(kKeyValue.substr(0, 8)) != std::string::npos ||
         text.find(kSecretValue.substr(0, 11)) != std::string::npos;
}

TEST_F(KeyFileTest, NoSecretAppearsInDescribeOrInAnyErrorMessage) {
  std::vector<std::string> outputs;
  // describe(), from either source.
  const Result<CoreConfig> from_env = parse(kBot, secrets_env());
  ASSERT_TRUE(from_env.ok());
  outputs.push_back(describe(from_env.value()));
  const std::string path = write_key_file(good_keys(), 0600);
  const Result<CoreConfig> from_file = parse(config_for(path));
  ASSERT_TRUE(from_file.ok());
  outputs.push_back(describe(from_file.value()));
  // Every kind of refusal, with the secrets around.
  outputs.push_back(error_of("[core]\nmax_bots = 0\n", secrets_env()));
  outputs.push_back(error_of(config_for(path), secrets_env()));
  outputs.push_back(
      error_of("[exchange.coindcx]\napi_secret = \"" + std::string(kSecretValue) + "\"\n"));
  outputs.push_back(error_of("[exchange.coindcx]\napi_key = \"" + std::string(kKeyValue) + "\"\n"));
  outputs.push_back(error_of("api_secret = \"" + std::string(kSecretValue) + "\"\n"));
  outputs.push_back(error_of("[core]\napi_secret = \"" + std::string(kSecretValue) + "\"\n"));
  outputs.push_back(error_of("", {{"COINDCX_API_KEY", std::string(kKeyValue)}}));
  outputs.push_back(error_of("", {{"COINDCX_API_SECRET", std::string(kSecretValue)}}));
  for (const std::string& text :
       {good_keys() + "extra = \"" + std::string(kSecretValue) + "\"\n",
        "api_key = \"" + std::string(kKeyValue) + "\"\n",
        "api_key = \"" + std::string(kKeyValue) + "\"\napi_secret = " + std::string(kSecretValue) +
            "\n",
        "api_key = \"" + std::string(kKeyValue) + "\napi_secret = \"x\"\n",
        "[" + std::string(kSecretValue) + "\n"}) {
    outputs.push_back(error_of(config_for(write_key_file(text, 0600))));
    outputs.push_back(error_of(config_for(write_key_file(text, 0644))));
  }
  for (const std::string& out : outputs) {
    EXPECT_FALSE(leaks(out)) << out;
    EXPECT_FALSE(out.empty());
  }
  // A failed assertion prints the mask, not the bytes.
  EXPECT_EQ(::testing::PrintToString(from_env.value().coindcx.credentials.secret), "****");
  EXPECT_EQ(::testing::PrintToString(Secret()), "(not set)");
}

TEST(ConfigSecret, CopiesAndMovesKeepTheValueAndEmptyTheSource) {
  Secret a{std::string(kSecretValue)};
  Secret b = a;
  EXPECT_EQ(b.reveal(), kSecretValue);
  Secret c = std::move(a);
  EXPECT_EQ(c.reveal(), kSecretValue);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): wiped on purpose
  b = Secret("other");
  EXPECT_EQ(b.reveal(), "other");
}

}  // namespace
}  // namespace scalper::core
