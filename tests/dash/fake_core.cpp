// scalper-dash-fake-core — a stand-in for scalper-core in the dashboard's tests.
//
// Opens a CoreChannel on the segment it is given (the real schema, the real segment), publishes
// three bots, two prices, a venue position, a balance, health and both latency histograms, and
// beats the heartbeat every 50 ms. Then it obeys one word per line on stdin, answering each on
// stdout so a test knows when it took effect:
//   tick     bot 1 closes a cycle: PnL + 1.25, cycles + 1, a fill now  -> "ticked N"
//   halt     the core state becomes halted with a note                 -> "halted"
//   restart  the segment is re-created under the next epoch           -> "ready epoch N"
//   quit     exits, leaving the segment behind (as a core may)        -> "bye"
// End of input exits too. Test-only: it is no model of the core's behaviour, only of what the
// core publishes.
//
// Threading: one thread. Allocation: whatever it likes (not a hot path).
#include <poll.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "scalper/shm/channel.hpp"
#include "scalper/shm/latency.hpp"
#include "scalper/timing/clock.hpp"

namespace {

using namespace scalper;
using namespace scalper::shm;

constexpr int kBeatMs = 50;

Decimal dec(std::string_view text) {
  Decimal d;
  if (parse_decimal(text, d) != DecimalStatus::Ok) std::abort();
  return d;
}

template <std::size_t N>
FixedString<N> text(std::string_view s) {
  return FixedString<N>::truncated(s);
}

std::uint64_t mono() { return static_cast<std::uint64_t>(timing::mono_ns()); }

BotSnapshot bot(std::uint64_t id, std::string_view ticker, BotStatus status, std::string_view buy,
                std::string_view sell, std::string_view qty, std::string_view pnl,
                std::uint32_t cycles) {
  BotSnapshot s;
  s.bot.id = BotId{id};
  s.bot.ticker = text<24>(ticker);
  s.bot.status = status;
  s.bot.buy_price = dec(buy);
  s.bot.sell_price = dec(sell);
  s.bot.quantity = dec(qty);
  s.bot.pnl = dec(pnl);
  s.bot.total_trades = cycles;
  return s;
}

struct World {
  BotSnapshot bots[3] = {
      bot(1, "ETH/USDT", BotStatus::Active, "3000", "3010", "0.5", "12.5", 5),
      bot(2, "BTC/USDT", BotStatus::Stopped, "60000", "60100", "0.01", "-3.25", 2),
      bot(3, "SOL/USDT", BotStatus::Error, "150", "151.5", "4", "0.75", 9),
  };
  HealthSnapshot health;
  std::uint64_t ticks = 0;

  World() {
    bots[0].bot.live_order = OrderId{101};
    bots[1].bot.position = dec("0.01");
    health.state = CoreState::Trading;
    health.pid = static_cast<std::uint32_t>(::getpid());
    health.bots = 3;
    health.journal_durable_seq = 40;
    health.checkpoint_seq = 32;
    health.last_input_seq = 41;
    health.engine.steps = 41;
    health.events_dropped = 0;
    VenueHealth& v = health.venues[0];
    v.link = VenueLink::Live;
    v.messages = 1234;
    v.reconnects = 1;
  }

  void tick() {
    ++ticks;
    BotRecord& b = bots[0].bot;
    b.pnl = b.pnl + dec("1.25");
    ++b.total_trades;
    b.last_fill_price = dec("3010");
    b.last_fill_side = Side::Sell;
    b.last_fill_wall_ns = timing::wall_ns();
    ++health.last_input_seq;
    ++health.engine.steps;
  }

  void publish(CoreChannel& core) {
    for (std::uint32_t i = 0; i < 3; ++i) core.publish_bot(i, bots[i]);
    PriceSnapshot eth;
    eth.symbol = text<24>("ETH/USDT");
    eth.last = dec("3004.5");
    eth.mark = dec("3004.25");
    eth.received_wall_ns = timing::wall_ns();
    core.publish_price(0, eth);
    PriceSnapshot btc;
    btc.symbol = text<24>("BTC/USDT");
    btc.last = dec("60050");
    btc.mark = dec("60049.5");
    btc.received_wall_ns = timing::wall_ns();
    core.publish_price(1, btc);
    PositionSnapshot pos;
    pos.symbol = text<24>("BTC/USDT");
    pos.size = dec("0.01");
    pos.entry_price = dec("60000");
    pos.mark_price = dec("60049.5");
    pos.leverage = dec("3");
    core.publish_position(0, pos);
    BalanceSnapshot usdt;
    usdt.currency = text<16>("USDT");
    usdt.balance = dec("1000.5");
    usdt.locked = dec("200");
    core.publish_balance(0, usdt);
    publish_health(core);
    LatencyHistogram tto;
    for (int i = 0; i < 99; ++i) record_latency(tto, 2'800);
    record_latency(tto, 41'000);
    core.publish_latency(LatencyPath::TickToOrder, tto);
  }

  void publish_health(CoreChannel& core) {
    health.venues[0].last_message_wall_ns = timing::wall_ns();
    health.updated_wall_ns = timing::wall_ns();
    core.publish_health(health);
  }
};

CoreChannel open(const std::string& name, std::uint64_t epoch) {
  SchemaConfig config;
  config.max_bots = 8;
  config.max_symbols = 4;
  config.max_currencies = 4;
  config.command_capacity = 8;
  config.event_capacity = 16;
  return CoreChannel::open(name, config, epoch, mono());
}

// One line from stdin, or nullopt at end of input. Called only when poll() said readable.
std::optional<std::string> read_line(std::string& pending) {
  for (;;) {
    const std::size_t nl = pending.find('\n');
    if (nl != std::string::npos) {
      std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      return line;
    }
    char buf[256];
    const ssize_t n = ::read(0, buf, sizeof buf);
    if (n <= 0) return std::nullopt;
    pending.append(buf, static_cast<std::size_t>(n));
  }
}

void say(const std::string& line) {
  std::fputs(line.c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: scalper-dash-fake-core SEGMENT EPOCH\n");
    return 2;
  }
  const std::string name = argv[1];
  std::uint64_t epoch = std::strtoull(argv[2], nullptr, 10);
  World world;
  std::optional<CoreChannel> core = open(name, epoch);
  world.publish(*core);
  say("ready epoch " + std::to_string(epoch));
  std::string pending;
  for (;;) {
    core->heartbeat(mono());
    world.publish_health(*core);
    pollfd in{0, POLLIN, 0};
    if (::poll(&in, 1, kBeatMs) <= 0) continue;
    const std::optional<std::string> line = read_line(pending);
    if (!line || *line == "quit") break;
    if (*line == "tick") {
      world.tick();
      world.publish(*core);
      say("ticked " + std::to_string(world.ticks));
    } else if (*line == "halt") {
      world.health.state = CoreState::Halted;
      world.health.note = text<80>("operator pulled the kill switch");
      world.publish_health(*core);
      say("halted");
    } else if (*line == "restart") {
      core.reset();  // drops the lock, as a dying core does; the segment stays
      core = open(name, ++epoch);
      world.publish(*core);
      say("ready epoch " + std::to_string(epoch));
    }
  }
  say("bye");
  return 0;
}
