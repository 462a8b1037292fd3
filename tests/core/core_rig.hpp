// core_rig.hpp — scalper-core as its operator runs it, against scalper-sim over TLS, for the
// end-to-end tests: a scratch directory with a config, a 0600 key file and the core's data;
// the core as a child process (restarted, SIGTERMed or SIGKILLed at will); its segment read
// the way scalper-dash reads it; the exchange's own account of orders and fills, with every
// number kept exact (simdjson's raw number text into Decimal).
//
// The bots have distinct prices, so every exchange order belongs to exactly one bot by its
// pair and price; that is how the tests hold the core's figures against the exchange's.
// Every wait is bounded; the core's log goes to a file in the scratch directory.
#pragma once

#include <gtest/gtest.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "event_factory.hpp"
#include "peer_process.hpp"
#include "scalper/shm/channel.hpp"
#include "scalper/timing/clock.hpp"
#include "sim_process.hpp"

namespace scalper::core::testing {

using net::testing::PeerProcess;
using net::testing::Sim;
using net::testing::TempDir;
using scalper::testing::dec;

struct BotSpec {
  std::string ticker;  // engine spelling, "ETH/USDT"
  std::string pair;    // the exchange's, "B-ETH_USDT"
  Side first = Side::Buy;
  std::string quantity;
  std::string buy;
  std::string sell;
};

// Close to the simulator's start prices (ETH 3500, BTC 65000), so its walk fills them.
inline std::vector<BotSpec> default_bots() {
  return {{"ETH/USDT", "B-ETH_USDT", Side::Buy, "0.01", "3499", "3501"},
          {"ETH/USDT", "B-ETH_USDT", Side::Sell, "0.02", "3498.5", "3501.5"},
          {"BTC/USDT", "B-BTC_USDT", Side::Buy, "0.001", "64980", "65020"}};
}

struct ExchangeOrder {
  std::string id;
  std::string pair;
  Side side = Side::Buy;
  std::string status;
  Decimal price;
};
struct ExchangeFill {
  std::string order_id;
  Side side = Side::Buy;
  Decimal price;
  Decimal quantity;
  Decimal fee;
  std::int64_t timestamp = 0;
};

// What the exchange says one bot did: its fills in time order, and what they add up to.
struct BotAccount {
  Decimal position;
  Decimal pnl;  // of completed cycles (entry + exit), fees included
  std::uint32_t cycles = 0;
  std::size_t fills = 0;
  std::size_t open_orders = 0;
};

inline Decimal raw_decimal(simdjson::ondemand::value v) {
  std::string_view text = v.raw_json_token();
  while (!text.empty() && (text.back() == ' ' || text.back() == '\n')) text.remove_suffix(1);
  Decimal d;
  if (parse_decimal(text, d) != DecimalStatus::Ok) ADD_FAILURE() << "not a decimal: " << text;
  return d;
}

class CoreRig {
 public:
  explicit CoreRig(std::vector<BotSpec> bots = default_bots(), std::vector<std::string> sim_args = {})
      : bots_(std::move(bots)),
        shm_name_(unique_shm_name()),
        sim_(sim_flags(dir_.path(), std::move(sim_args))) {
    shm::Segment::remove(shm_name_);
    write_keys();
    write_config();
  }
  ~CoreRig() {
    core_.reset();
    shm::Segment::remove(shm_name_);
  }

  [[nodiscard]] const std::string& dir() const { return dir_.path(); }
  [[nodiscard]] std::string config_path() const { return dir() + "/scalper.toml"; }
  [[nodiscard]] std::string data_dir() const { return dir() + "/data"; }
  [[nodiscard]] std::string log_path() const { return dir() + "/core.log"; }
  [[nodiscard]] const std::string& shm_name() const { return shm_name_; }
  [[nodiscard]] Sim& sim() { return sim_; }
  [[nodiscard]] const std::vector<BotSpec>& bots() const { return bots_; }
  [[nodiscard]] PeerProcess* core() { return core_ ? &*core_ : nullptr; }

  // Extra config lines for a table ("[core]" lines go under [core]).
  void set_core_lines(std::string lines) {
    core_lines_ = std::move(lines);
    write_config();
  }

  void start_core() {
    core_.reset();
    core_.emplace(std::vector<std::string>{SCALPER_CORE_BINARY, "--config", config_path()});
  }
  // SIGKILL now, at whatever the core is doing.
  void kill_core() {
    if (core_) (void)core_->kill_and_reap(SIGKILL);
    core_.reset();
  }
  // SIGTERM; the exit status (-1 if it did not exit in time).
  int stop_core() {
    const int status = core_ ? core_->kill_and_reap(SIGTERM, 20'000) : -1;
    core_.reset();
    return status;
  }

  // Attaches (read-only, as scalper-dash does) to the running core's segment once it holds
  // it, and waits until it trades with the venue live. False after `within_ms`.
  bool wait_trading(std::int64_t within_ms = 20'000) {
    const std::int64_t end = timing::mono_ms() + within_ms;
    while (timing::mono_ms() < end) {
      if (attach_current() && health_.state == shm::CoreState::Trading &&
          health_.venues[0].link == VenueLink::Live) {
        return true;
      }
      ::poll(nullptr, 0, 20);  // the core needs time: nothing to wait on but its segment
    }
    return false;
  }

  // The core's snapshots of its bots (read-only attach), by bot id.
  std::map<std::uint64_t, BotRecord> core_bots() {
    std::map<std::uint64_t, BotRecord> out;
    if (!attach_current()) return out;
    for (std::uint32_t s = 0; s < channel_->bot_slots(); ++s) {
      shm::BotSnapshot b;
      if (channel_->read_bot(s, b) && b.bot.id.value != 0) out[b.bot.id.value] = b.bot;
    }
    return out;
  }
  shm::HealthSnapshot health() {
    (void)attach_current();
    return health_;
  }

  std::vector<ExchangeOrder> exchange_orders() {
    std::vector<ExchangeOrder> out;
    const std::string body = sim_.fetch("/sim/orders");
    simdjson::ondemand::parser parser;
    simdjson::padded_string json(body);
    auto doc = parser.iterate(json);
    simdjson::ondemand::array orders;
    if (doc.get_array().get(orders) != simdjson::SUCCESS) return out;
    for (auto o : orders) {
      ExchangeOrder e;
      e.id = std::string(std::string_view(o["id"]));
      e.pair = std::string(std::string_view(o["pair"]));
      e.side = std::string_view(o["side"]) == "buy" ? Side::Buy : Side::Sell;
      e.status = std::string(std::string_view(o["status"]));
      e.price = raw_decimal(o["price"].value());
      out.push_back(std::move(e));
    }
    return out;
  }
  std::vector<ExchangeFill> exchange_fills() {
    std::vector<ExchangeFill> out;
    const std::string body = sim_.fetch("/sim/fills");
    simdjson::ondemand::parser parser;
    simdjson::padded_string json(body);
    auto doc = parser.iterate(json);
    simdjson::ondemand::array fills;
    if (doc.get_array().get(fills) != simdjson::SUCCESS) return out;
    for (auto f : fills) {
      ExchangeFill e;
      e.price = raw_decimal(f["price"].value());
      e.quantity = raw_decimal(f["quantity"].value());
      e.fee = raw_decimal(f["fee_amount"].value());
      e.side = std::string_view(f["side"]) == "buy" ? Side::Buy : Side::Sell;
      e.timestamp = std::int64_t(f["timestamp"]);
      e.order_id = std::string(std::string_view(f["order_id"]));
      out.push_back(std::move(e));
    }
    return out;
  }

  // Which bot (index into bots()) an exchange order is, by pair and price; -1 for none.
  [[nodiscard]] int bot_of(const ExchangeOrder& o) const {
    for (std::size_t i = 0; i < bots_.size(); ++i) {
      const BotSpec& b = bots_[i];
      if (o.pair != b.pair) continue;
      if (o.side == Side::Buy && o.price == dec(b.buy)) return static_cast<int>(i);
      if (o.side == Side::Sell && o.price == dec(b.sell)) return static_cast<int>(i);
    }
    return -1;
  }

  // The exchange's account of each bot (index as bots()).
  std::vector<BotAccount> exchange_accounts() {
    const std::vector<ExchangeOrder> orders = exchange_orders();
    std::vector<ExchangeFill> fills = exchange_fills();
    std::map<std::string, int> owner;
    std::vector<BotAccount> acc(bots_.size());
    for (const ExchangeOrder& o : orders) {
      const int b = bot_of(o);
      owner[o.id] = b;
      if (b >= 0 && (o.status == "open" || o.status == "partially_filled" ||
                     o.status == "initial")) {
        ++acc[static_cast<std::size_t>(b)].open_orders;
      }
    }
    std::stable_sort(fills.begin(), fills.end(), [](const ExchangeFill& a, const ExchangeFill& b) {
      return a.timestamp < b.timestamp;
    });
    std::vector<std::vector<ExchangeFill>> per_bot(bots_.size());
    for (const ExchangeFill& f : fills) {
      const auto it = owner.find(f.order_id);
      if (it == owner.end() || it->second < 0) continue;
      per_bot[static_cast<std::size_t>(it->second)].push_back(f);
    }
    for (std::size_t b = 0; b < bots_.size(); ++b) {
      BotAccount& a = acc[b];
      const Side first = bots_[b].first;
      const ExchangeFill* entry = nullptr;
      for (const ExchangeFill& f : per_bot[b]) {
        ++a.fills;
        a.position += f.side == Side::Buy ? f.quantity : -f.quantity;
        if (f.side == first) {
          entry = &f;
          continue;
        }
        if (entry == nullptr) continue;
        const ExchangeFill& buy = first == Side::Buy ? *entry : f;
        const ExchangeFill& sell = first == Side::Buy ? f : *entry;
        Decimal gross;
        EXPECT_TRUE(mul_checked(sell.price - buy.price, f.quantity, gross));
        a.pnl += gross - buy.fee - sell.fee;
        ++a.cycles;
        entry = nullptr;
      }
    }
    return acc;
  }

  // The core's bots by their position in bots() (created in config order: ids 1, 2, 3, ...).
  std::vector<std::optional<BotRecord>> core_bots_in_order() {
    const auto bots = core_bots();
    std::vector<std::optional<BotRecord>> out(bots_.size());
    for (const auto& [id, rec] : bots) {
      if (id >= 1 && id <= bots_.size()) out[id - 1] = rec;
    }
    return out;
  }

  [[nodiscard]] std::string read_log() const {
    std::ifstream in(log_path());
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

 private:
  // Segment names are at most 64 characters of [A-Za-z0-9_-]: pid and a counter, not the
  // test's name.
  static std::string unique_shm_name() {
    static int n = 0;
    return "scalper-core-test-" + std::to_string(::getpid()) + "-" + std::to_string(++n);
  }

  static std::vector<std::string> sim_flags(const std::string& dir,
                                            std::vector<std::string> extra) {
    std::vector<std::string> a = {"--tls",          "--cert-dir",   dir + "/tls",
                                  "--api-key",      "core-key",     "--api-secret",
                                  "core-secret-42", "--volatility-bps", "4"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }

  void write_keys() const {
    const std::string path = dir() + "/keys.toml";
    std::ofstream(path) << "api_key = \"core-key\"\napi_secret = \"core-secret-42\"\n";
    ::chmod(path.c_str(), 0600);
  }

  void write_config() const {
    const std::string url = "127.0.0.1:" + std::to_string(sim_.port());
    std::ofstream c(config_path());
    c << "[core]\ndata_dir = \"" << data_dir() << "\"\nshm_name = \"" << shm_name_
      << "\"\nmax_bots = 64\n"
      << core_lines_ << "\n[exchange.coindcx]\nrest_url = \"https://" << url
      << "\"\nstream_url = \"wss://" << url << "\"\nca_file = \"" << dir()
      << "/tls/cert.pem\"\nkey_file = \"" << dir() << "/keys.toml\"\n"
      << "[log]\nformat = \"text\"\nfile = \"" << log_path() << "\"\n";
    for (const BotSpec& b : bots_) {
      c << "[[bot]]\nticker = \"" << b.ticker << "\"\nfirst_side = \""
        << (b.first == Side::Buy ? "BUY" : "SELL") << "\"\nquantity = \"" << b.quantity
        << "\"\nbuy_price = \"" << b.buy << "\"\nsell_price = \"" << b.sell
        << "\"\nleverage = 5\n";
    }
  }

  // Attached to the current core's segment (re-attaching after a restart). False while no
  // core (or a core that is not this rig's child) holds it.
  bool attach_current() {
    if (!core_ || core_->pid() <= 0) return false;
    if (channel_ && !channel_->core_restarted()) {
      if (channel_->read_health(health_) && health_.pid == static_cast<std::uint32_t>(core_->pid())) {
        return true;
      }
    }
    channel_.reset();
    std::string why;
    auto ch = shm::ControlChannel::attach(shm_name_, /*read_only=*/true, why);
    if (!ch) return false;
    channel_.emplace(std::move(*ch));
    return channel_->read_health(health_) &&
           health_.pid == static_cast<std::uint32_t>(core_->pid());
  }

  TempDir dir_;
  std::vector<BotSpec> bots_;
  std::string shm_name_;
  Sim sim_;
  std::string core_lines_;
  std::optional<PeerProcess> core_;
  std::optional<shm::ControlChannel> channel_;
  shm::HealthSnapshot health_;
};

}  // namespace scalper::core::testing
