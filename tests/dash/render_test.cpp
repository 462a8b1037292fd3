// The dashboard's frames as text: exact money, durations and times, column truncation, every
// frame exactly the terminal's size, the no-core screen, the alerts, the sort marker, the
// filter prompt, scrolling, --once.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "event_factory.hpp"
#include "scalper/dash/render.hpp"

namespace scalper::dash {
namespace {

using scalper::testing::dec;

constexpr std::int64_t kWall = 1'700'000'000'000'000'000;  // 2023-11-14 22:13:20 UTC

BotRow row(std::uint64_t id, std::string ticker, std::string status, std::string_view pnl,
           std::uint32_t cycles) {
  BotRow r;
  r.id = id;
  r.ticker = std::move(ticker);
  r.status = std::move(status);
  r.venue = "CoinDCX F";
  r.side = "BUY";
  r.pnl = dec(pnl);
  r.cycles = cycles;
  r.buy_price = dec("3000");
  r.sell_price = dec("3010.5");
  r.quantity = dec("0.5");
  return r;
}

DashModel model() {
  DashModel m;
  m.core.pid = 4242;
  m.core.epoch = 7;
  m.core.state = "trading";
  m.core.has_health = true;
  m.core.uptime_ns = 3'723'000'000'000;
  m.core.heartbeat_age_ns = 40'000'000;
  m.core.journal_durable_seq = 40;
  m.core.checkpoint_seq = 32;
  m.bots = {row(1, "ETH/USDT", "ACTIVE", "12.5", 5), row(2, "BTC/USDT", "STOPPED", "-3.25", 2),
            row(3, "SOL/USDT", "ERROR", "0.75", 9)};
  m.bots[0].live_order = 101;
  m.bots[0].last_fill_wall_ns = kWall;
  m.bots[0].last_fill_price = dec("3010.5");
  m.latency = {LatencyRow{"tick-to-order", 1000, 960, 49'152, 29'360'128, 31'000'000},
               LatencyRow{"command-to-ack"}};
  m.venues = {VenueRow{"CoinDCX F", "live", 250'000'000, 1234, 1}};
  m.counters = {{"steps", 41}, {"sweeps", 2}, {"trade checks", 0}};
  m.rings = RingInfo{120, 100, 20, 3, 9, 8, 9, 1};
  return m;
}

FrameInput input(const DashModel* m) {
  FrameInput in;
  in.segment = "scalper-test";
  in.model = m;
  in.why = "no segment 'scalper-test': is scalper-core running?";
  return in;
}

std::string text(const Frame& f) {
  std::string out;
  for (const Line& l : f.lines) out += l.text + "\n";
  return out;
}

std::size_t line_of(const Frame& f, std::string_view needle) {
  for (std::size_t i = 0; i < f.lines.size(); ++i) {
    if (f.lines[i].text.find(needle) != std::string::npos) return i;
  }
  return f.lines.size();
}

bool has(const Frame& f, std::string_view needle) { return line_of(f, needle) < f.lines.size(); }

// The text of the first line showing `needle`; "" when none does.
std::string row_text(const Frame& f, std::string_view needle) {
  const std::size_t i = line_of(f, needle);
  return i < f.lines.size() ? f.lines[i].text : std::string();
}

TEST(DashFormat, MoneyIsExactDecimal) {
  EXPECT_EQ(money(dec("3900")), "3900.0");
  EXPECT_EQ(money(dec("0.01")), "0.01");
  EXPECT_EQ(money(dec("-3.25")), "-3.25");
  EXPECT_EQ(money(dec("1.23456789")), "1.23456789");  // all 8 places, no double rounding
  EXPECT_EQ(money(dec("92233720368.54775807")), "92233720368.54775807");
  EXPECT_EQ(money(Decimal::from_raw(INT64_MIN)), "-92233720368.54775808");
}

TEST(DashFormat, DurationsUptimesAndClock) {
  EXPECT_EQ(duration_text(0), "0 ns");
  EXPECT_EQ(duration_text(960), "960 ns");
  EXPECT_EQ(duration_text(2'800), "2.8 us");
  EXPECT_EQ(duration_text(49'152), "49.1 us");
  EXPECT_EQ(duration_text(12'300'000), "12.3 ms");
  EXPECT_EQ(duration_text(5'200'000'000), "5.2 s");
  EXPECT_EQ(uptime_text(3'723'000'000'000), "01:02:03");
  EXPECT_EQ(uptime_text(90'061'000'000'000), "1d 01:01:01");
  EXPECT_EQ(clock_utc(kWall), "22:13:20");
  EXPECT_EQ(clock_utc(0), "-");
}

TEST(DashFormat, FitCutsWithAMarker) {
  EXPECT_EQ(fit("ETH/USDT", 8), "ETH/USDT");
  EXPECT_EQ(fit("ETH/USDT", 5), "ETH/~");
  EXPECT_EQ(fit("ETH/USDT", 1), "~");
  EXPECT_EQ(fit("ETH/USDT", 0), "");
}

TEST(DashTable, ColumnsFitTheirWidestCellUpToTheCap) {
  const std::vector<Column> columns{{"TICKER", Align::Left, 10}, {"PNL", Align::Right}};
  const std::vector<std::string> lines = table_lines(
      columns, {{"ETH/USDT", "12.5"}, {"A-VERY-LONG-TICKER/USDT", "-1234567.12345678"}});
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "TICKER                    PNL");
  EXPECT_EQ(lines[1], "ETH/USDT                 12.5");
  EXPECT_EQ(lines[2], "A-VERY-LO~  -1234567.12345678");  // text is cut; money never is
}

TEST(DashFrame, EveryFrameIsExactlyTheTerminalsSize) {
  const DashModel m = model();
  for (const DashModel* mp : {&m, static_cast<const DashModel*>(nullptr)}) {
    for (std::size_t page = 0; page < kPageCount; ++page) {
      ViewState v;
      v.page = static_cast<Page>(page);
      for (const std::size_t w : {0u, 1u, 10u, 40u, 80u, 200u}) {
        for (const std::size_t h : {0u, 1u, 2u, 5u, 7u, 24u, 60u}) {
          const Frame f = render_frame(input(mp), v, w, h);
          ASSERT_EQ(f.lines.size(), h) << w << "x" << h;
          for (const Line& l : f.lines) ASSERT_LE(l.text.size(), w) << l.text;
        }
      }
    }
  }
}

TEST(DashFrame, BotsPageShowsTheTableWithFiguresAndLegend) {
  const DashModel m = model();
  const Frame f = render_frame(input(&m), ViewState{}, 160, 30);
  const std::string all = text(f);
  EXPECT_NE(all.find("segment scalper-test | core pid 4242 | epoch 7 | trading | up 01:02:03"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("journal durable seq 40 | checkpoint seq 32"), std::string::npos) << all;
  EXPECT_NE(all.find("[1 bots]"), std::string::npos);
  EXPECT_EQ(f.lines[4].tone, Tone::Heading);
  EXPECT_NE(f.lines[4].text.find("ID ^"), std::string::npos) << f.lines[4].text;
  const std::size_t eth = line_of(f, "ETH/USDT");
  ASSERT_LT(eth, f.lines.size()) << all;
  const std::string& r = f.lines[eth].text;
  for (const char* cell :
       {"ACTIVE", "BUY", "3000.0", "3010.5", "0.5", "#101", "12.5", "5", "22:13:20 3010.5"}) {
    EXPECT_NE(r.find(cell), std::string::npos) << cell << " in " << r;
  }
  EXPECT_NE(row_text(f, "BTC/USDT").find("-3.25"), std::string::npos);
  EXPECT_EQ(f.lines.back().tone, Tone::Legend);
  EXPECT_NE(f.lines.back().text.find("q quit"), std::string::npos);
  EXPECT_NE(f.lines[f.lines.size() - 2].text.find("3 bots | sort id ascending"), std::string::npos);
}

TEST(DashFrame, SortAndFilterShapeTheTable) {
  const DashModel m = model();
  ViewState v;
  v.sort = SortKey::Pnl;
  v.descending = true;
  Frame f = render_frame(input(&m), v, 160, 30);
  EXPECT_LT(line_of(f, "ETH/USDT"), line_of(f, "SOL/USDT"));
  EXPECT_LT(line_of(f, "SOL/USDT"), line_of(f, "BTC/USDT"));
  EXPECT_TRUE(has(f, "PNL v"));
  EXPECT_TRUE(has(f, "sort pnl descending"));

  v.filter = "sol";
  f = render_frame(input(&m), v, 160, 30);
  EXPECT_TRUE(has(f, "SOL/USDT"));
  EXPECT_FALSE(has(f, "ETH/USDT"));
  EXPECT_TRUE(has(f, "1 of 3 bots match 'sol'"));

  v.filter = "doge";
  f = render_frame(input(&m), v, 160, 30);
  EXPECT_TRUE(has(f, "(no bot's ticker or status contains 'doge')"));

  v.editing = true;
  v.draft = "et";
  f = render_frame(input(&m), v, 160, 30);
  EXPECT_TRUE(has(f, "filter: et_"));
}

TEST(DashFrame, NoCoreIsAFullScreenMessage) {
  const Frame f = render_frame(input(nullptr), ViewState{}, 120, 24);
  const std::string all = text(f);
  EXPECT_NE(all.find("no scalper-core is running on segment scalper-test (no segment "
                     "'scalper-test': is scalper-core running?)"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("retrying every 100 ms"), std::string::npos);
  ASSERT_TRUE(has(f, "no scalper-core"));
  EXPECT_EQ(f.lines[line_of(f, "no scalper-core")].tone, Tone::Alert);
  EXPECT_GT(line_of(f, "no scalper-core"), 5u);  // centred, not in a corner
  EXPECT_EQ(no_core_message("x", ""), "no scalper-core is running on segment x");

  // Narrow: the message wraps instead of being cut.
  const Frame narrow = render_frame(input(nullptr), ViewState{}, 30, 24);
  std::string joined;
  for (const Line& l : narrow.lines) {
    if (l.tone == Tone::Alert) joined += l.text + " ";
  }
  EXPECT_NE(joined.find("is scalper-core running?)"), std::string::npos) << joined;
}

TEST(DashFrame, StaleHeartbeatAndHaltAreAlerts) {
  DashModel m = model();
  m.core.heartbeat_age_ns = 5'200'000'000;
  m.core.not_responding = true;
  Frame f = render_frame(input(&m), ViewState{}, 160, 30);
  EXPECT_EQ(f.lines[1].tone, Tone::Alert);
  EXPECT_NE(f.lines[1].text.find("core not responding: last heartbeat 5.2 s ago"),
            std::string::npos)
      << f.lines[1].text;

  m = model();
  m.core.state = "halted";
  m.core.halted = true;
  m.core.note = "operator";
  f = render_frame(input(&m), ViewState{}, 160, 30);
  EXPECT_EQ(f.lines[1].tone, Tone::Alert);
  EXPECT_EQ(f.lines[1].text.rfind("HALTED: operator", 0), 0u) << f.lines[1].text;
}

TEST(DashFrame, NoticeShowsInTheStatusLine) {
  const DashModel m = model();
  FrameInput in = input(&m);
  in.notice = "core restarted (epoch 8)";
  const Frame f = render_frame(in, ViewState{}, 160, 30);
  const Line& status = f.lines[f.lines.size() - 2];
  EXPECT_EQ(status.tone, Tone::Notice);
  EXPECT_EQ(status.text.rfind("core restarted (epoch 8) | 3 bots", 0), 0u) << status.text;
}

TEST(DashFrame, OtherPagesShowTheirFigures) {
  DashModel m = model();
  m.prices = {PriceRow{"ETH/USDT", "CoinDCX F", dec("3004.5"), dec("3004.25"), 1'500'000}};
  m.positions = {PositionRow{"CoinDCX F", "BTC/USDT", dec("-0.01"), dec("60000"), dec("60049.5"),
                             dec("0"), dec("200"), dec("3")}};
  m.balances = {BalanceRow{"CoinDCX F", "USDT", dec("1000.5"), dec("200")}};
  ViewState v;
  v.page = Page::Market;
  Frame f = render_frame(input(&m), v, 160, 40);
  EXPECT_TRUE(has(f, "[2 prices & positions]"));
  EXPECT_NE(row_text(f, "ETH/USDT").find("3004.25"), std::string::npos);
  EXPECT_NE(row_text(f, "BTC/USDT").find("-0.01"), std::string::npos);
  EXPECT_NE(row_text(f, "1000.5").find("CoinDCX F  USDT"), std::string::npos);

  v.page = Page::Health;
  f = render_frame(input(&m), v, 160, 40);
  const std::string tto = row_text(f, "tick-to-order");
  for (const char* cell : {"1000", "960 ns", "49.1 us", "29.3 ms", "31.0 ms"}) {
    EXPECT_NE(tto.find(cell), std::string::npos) << cell << " in " << tto;
  }
  EXPECT_TRUE(has(f, "event ring: 120 written, 100 read by control, lag 20, 3 dropped"));
  EXPECT_TRUE(has(f, "command ring: 9 sent, 8 taken; core received 9, refused 1"));
  EXPECT_NE(row_text(f, "CoinDCX F").find("250.0 ms"), std::string::npos);
  EXPECT_TRUE(has(f, "steps"));

  v.page = Page::Help;
  f = render_frame(input(&m), v, 160, 40);
  EXPECT_TRUE(has(f, "never sends a command"));
}

TEST(DashFrame, ScrollKeepsTheHeadingAndClampsAtTheEnd) {
  DashModel m = model();
  m.bots.clear();
  for (std::uint64_t id = 1; id <= 50; ++id) {
    m.bots.push_back(row(id, "T" + std::to_string(id) + "/USDT", "ACTIVE", "1", 1));
  }
  ViewState v;
  const std::size_t height = 16;  // 4 header + 10 body + 2 footer
  Frame f = render_frame(input(&m), v, 120, height);
  EXPECT_EQ(f.body_rows, 10u);
  EXPECT_EQ(f.max_scroll, 50u - 9u);  // one heading row stays, nine data rows show
  v.scroll = 5;
  f = render_frame(input(&m), v, 120, height);
  EXPECT_NE(f.lines[4].text.find("TICKER"), std::string::npos);
  EXPECT_NE(f.lines[5].text.find("T6/USDT"), std::string::npos) << f.lines[5].text;
  v.scroll = 1'000;
  f = render_frame(input(&m), v, 120, height);
  EXPECT_NE(f.lines[13].text.find("T50/USDT"), std::string::npos) << f.lines[13].text;
}

TEST(DashOnce, PlainTextOfEveryPage) {
  const DashModel m = model();
  const std::string out = render_once(input(&m), 200);
  for (const char* needle :
       {"core pid 4242", "ETH/USDT", "BTC/USDT", "SOL/USDT", "prices", "venue positions",
        "balances", "tick-to-order", "engine counters", "event ring: 120 written"}) {
    EXPECT_NE(out.find(needle), std::string::npos) << needle << "\n" << out;
  }
  EXPECT_EQ(out.find(" \n"), std::string::npos);  // no trailing spaces
  const std::string none = render_once(input(nullptr), 200);
  EXPECT_NE(none.find("no scalper-core is running on segment scalper-test ("), std::string::npos);
}

}  // namespace
}  // namespace scalper::dash
