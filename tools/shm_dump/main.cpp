// scalper-shm-dump — attaches read-only to a core's segment and prints what is in it: the
// header, heartbeats, ring positions and every snapshot. Changes nothing: it never pops an
// event or sends a command, and its mapping is read-only.
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "scalper/engine/types.hpp"
#include "scalper/shm/channel.hpp"
#include "scalper/shm/latency.hpp"
#include "scalper/timing/clock.hpp"

namespace {

using namespace scalper;
using namespace scalper::shm;

constexpr std::string_view kUsage =
    "usage: scalper-shm-dump [NAME]\n"
    "\n"
    "Attaches read-only to the shared-memory segment NAME (default: scalper) that scalper-core\n"
    "creates, and prints its header (layout version, creator pid, epoch, heartbeat ages), the\n"
    "positions of the command and event rings, and every bot, price, health and latency\n"
    "snapshot. Exit status: 0 printed, 1 no usable segment (the reason is printed), 2 bad\n"
    "arguments.\n";

std::string text(Decimal d) {
  char buf[kDecimalTextMax];
  return std::string(buf, format_decimal(d, buf));
}

double ms(std::uint64_t ns) { return static_cast<double>(ns) / 1e6; }

void print_header(const ControlChannel& ch) {
  const Segment& s = ch.segment();
  const SegmentIdentity& id = s.identity();
  const auto now = static_cast<std::uint64_t>(timing::mono_ns());
  std::printf("segment %s: %llu bytes, layout version %u, %u regions\n", s.name().c_str(),
              static_cast<unsigned long long>(id.total_size), kLayoutVersion, id.region_count);
  std::printf("core pid %llu, epoch %llu\n", static_cast<unsigned long long>(id.creator_pid),
              static_cast<unsigned long long>(id.core_epoch));
  std::printf("heartbeat age: core %.1f ms, control %.1f ms\n", ms(s.core_heartbeat_age(now)),
              ms(s.control_heartbeat_age(now)));
  for (std::uint32_t i = 0; i < id.region_count && i < kMaxRegions; ++i) {
    const RegionEntry& r = id.regions[i];
    std::printf("  region kind %u at %llu, %llu bytes\n", r.kind,
                static_cast<unsigned long long>(r.offset), static_cast<unsigned long long>(r.size));
  }
  std::printf("command ring: %llu sent, %llu taken by the core\n",
              static_cast<unsigned long long>(ch.commands_sent()),
              static_cast<unsigned long long>(ch.commands_taken()));
  std::printf("event ring: %llu written, %llu read by control\n",
              static_cast<unsigned long long>(ch.events_written()),
              static_cast<unsigned long long>(ch.events_read()));
}

void print_bots(const ControlChannel& ch) {
  std::printf("\nbots (%u slots):\n", ch.bot_slots());
  std::uint32_t shown = 0;
  for (std::uint32_t i = 0; i < ch.bot_slots(); ++i) {
    BotSnapshot s;
    if (!ch.read_bot(i, s) || !s.bot.id.valid()) continue;
    const BotRecord& b = s.bot;
    std::printf("  [%u] bot %llu %s %s %s qty %s buy %s sell %s pnl %s trades %u position %s"
                " live %llu (event %llu)\n",
                i, static_cast<unsigned long long>(b.id.value), std::string(b.ticker.view()).c_str(),
                std::string(label(b.venue)).c_str(), std::string(label(b.status)).c_str(),
                text(b.quantity).c_str(), text(b.buy_price).c_str(), text(b.sell_price).c_str(),
                text(b.pnl).c_str(), b.total_trades, text(b.position).c_str(),
                static_cast<unsigned long long>(b.live_order.value),
                static_cast<unsigned long long>(s.event_sequence));
    ++shown;
  }
  if (shown == 0) std::printf("  (none)\n");
}

void print_prices_and_health(const ControlChannel& ch) {
  std::printf("\nprices:\n");
  std::uint32_t shown = 0;
  for (std::uint32_t i = 0; i < ch.price_slots(); ++i) {
    PriceSnapshot p;
    if (!ch.read_price(i, p) || p.symbol.empty()) continue;
    std::printf("  %s %s (%s)\n", std::string(p.symbol.view()).c_str(), text(p.last).c_str(),
                std::string(label(p.venue)).c_str());
    ++shown;
  }
  if (shown == 0) std::printf("  (none)\n");

  HealthSnapshot h;
  std::printf("\nhealth:");
  if (!ch.read_health(h)) {
    std::printf(" (not published yet)\n");
  } else {
    std::printf(" last input seq %llu, last event %llu, engine steps %llu\n",
                static_cast<unsigned long long>(h.last_input_seq),
                static_cast<unsigned long long>(h.last_event_sequence),
                static_cast<unsigned long long>(h.engine.steps));
    constexpr const char* kLinks[] = {"down", "reconciling", "live"};
    for (std::size_t v = 0; v < kVenueCount; ++v) {
      const VenueHealth& vh = h.venues[v];
      std::printf("  %s: %s, %llu messages, %u reconnects\n",
                  std::string(label(static_cast<Venue>(v))).c_str(),
                  kLinks[static_cast<std::size_t>(vh.link) % 3],
                  static_cast<unsigned long long>(vh.messages), vh.reconnects);
    }
  }

  constexpr const char* kPaths[] = {"tick-to-order", "command-to-ack"};
  std::printf("\nlatency:\n");
  for (std::size_t i = 0; i < kLatencyPaths; ++i) {
    LatencyHistogram l;
    if (!ch.read_latency(static_cast<LatencyPath>(i), l) || l.count == 0) {
      std::printf("  %s: no samples\n", kPaths[i]);
      continue;
    }
    std::printf("  %s: %llu samples, p50 %llu ns, p99 %llu ns, p99.9 %llu ns, max %llu ns\n",
                kPaths[i], static_cast<unsigned long long>(l.count),
                static_cast<unsigned long long>(latency_quantile(l, 0.5)),
                static_cast<unsigned long long>(latency_quantile(l, 0.99)),
                static_cast<unsigned long long>(latency_quantile(l, 0.999)),
                static_cast<unsigned long long>(l.max_ns));
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string name = "scalper";
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage.data(), stdout);
      return 0;
    }
    if (arg.starts_with('-') || i > 1) {
      std::fputs(kUsage.data(), stderr);
      return 2;
    }
    name = arg;
  }
  std::string why;
  std::optional<ControlChannel> ch = ControlChannel::attach(name, /*read_only=*/true, why);
  if (!ch) {
    std::fprintf(stderr, "scalper-shm-dump: %s: %s\n", name.c_str(), why.c_str());
    return 1;
  }
  print_header(*ch);
  print_bots(*ch);
  print_prices_and_health(*ch);
  return 0;
}
