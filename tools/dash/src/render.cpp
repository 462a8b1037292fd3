// render.cpp — frames and reports as text (render.hpp).
#include "scalper/dash/render.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <utility>

namespace scalper::dash {

namespace {

constexpr std::size_t kTickerCap = 20;  // kMaxTickerLength: longer is garbage, cut with '~'
constexpr std::size_t kStatusCap = 8;
constexpr std::size_t kHeaderRows = 4;
constexpr std::size_t kFooterRows = 2;
constexpr std::string_view kLegend =
    "q quit | 1-4 or tab: pages | s sort | r reverse | / filter | Esc clear | arrows, PgUp, "
    "PgDn scroll";

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const std::string& p : parts) {
    if (p.empty()) continue;
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

std::string pad(std::string_view text, std::size_t width, Align align) {
  const std::string cell = fit(text, width);
  const std::string gap(width - cell.size(), ' ');
  return align == Align::Left ? cell + gap : gap + cell;
}

std::string rstrip(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

std::string age_text(std::int64_t ns) {
  return ns < 0 ? std::string("-") : duration_text(static_cast<std::uint64_t>(ns));
}

std::string count(std::uint64_t n) { return std::to_string(n); }

// Splits `text` at spaces into lines of at most `width` columns (a word longer than a line is
// cut), so a long "why" stays readable on a narrow terminal.
std::vector<std::string> wrap(std::string_view text, std::size_t width) {
  std::vector<std::string> lines;
  if (width == 0) return lines;
  std::string line;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find(' ', at);
    if (end == std::string_view::npos) end = text.size();
    std::string word(text.substr(at, end - at));
    at = end + 1;
    while (word.size() > width) {
      if (!line.empty()) lines.push_back(std::exchange(line, {}));
      lines.push_back(word.substr(0, width));
      word.erase(0, width);
    }
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      lines.push_back(std::exchange(line, {}));
    }
    if (!line.empty()) line += ' ';
    line += word;
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

// ---- header -----------------------------------------------------------------------------

std::string title_row(const FrameInput& in) {
  std::vector<std::string> parts{"scalper-dash", "segment " + printable(in.segment)};
  if (in.model != nullptr) {
    const CoreInfo& c = in.model->core;
    parts.push_back("core pid " + count(c.pid));
    parts.push_back("epoch " + count(c.epoch));
    parts.push_back(c.state);
    parts.push_back("up " + uptime_text(c.uptime_ns));
  }
  return join(parts, " | ");
}

Line core_row(const CoreInfo& c) {
  std::vector<std::string> parts;
  bool alert = false;
  if (c.not_responding) {
    parts.push_back("core not responding: last heartbeat " + duration_text(c.heartbeat_age_ns) +
                    " ago");
    alert = true;
  } else {
    parts.push_back("heartbeat " + duration_text(c.heartbeat_age_ns) + " ago");
  }
  if (c.halted) {
    parts.insert(parts.begin(), "HALTED" + (c.note.empty() ? "" : ": " + c.note));
    alert = true;
  } else if (!c.note.empty()) {
    parts.push_back(c.state + ": " + c.note);
  }
  if (!c.has_health) parts.push_back("no health snapshot yet");
  parts.push_back("journal durable seq " + count(c.journal_durable_seq));
  parts.push_back("checkpoint seq " + count(c.checkpoint_seq));
  parts.push_back("input seq " + count(c.last_input_seq));
  return Line{join(parts, " | "), alert ? Tone::Alert : Tone::Normal};
}

std::string tabs_row(Page shown) {
  std::vector<std::string> parts;
  for (std::size_t p = 0; p < kPageCount; ++p) {
    const auto page = static_cast<Page>(p);
    const std::string tab = std::to_string(p + 1) + " " + std::string(title(page));
    parts.push_back(page == shown ? "[" + tab + "]" : " " + tab + " ");
  }
  return join(parts, " ");
}

// ---- pages ------------------------------------------------------------------------------

struct Body {
  std::vector<Line> lines;
  std::size_t pinned = 0;  // leading lines that stay when the rest scrolls
};

void add_table(Body& body, const std::vector<Column>& columns,
               const std::vector<std::vector<std::string>>& rows, std::string_view empty) {
  const std::vector<std::string> lines = table_lines(columns, rows);
  body.lines.push_back(Line{lines.front(), Tone::Heading});
  for (std::size_t i = 1; i < lines.size(); ++i) body.lines.push_back(Line{lines[i]});
  if (rows.empty()) body.lines.push_back(Line{std::string(empty)});
}

void add_section(Body& body, std::string_view name) {
  if (!body.lines.empty()) body.lines.push_back(Line{});
  body.lines.push_back(Line{std::string(name), Tone::Heading});
}

std::string sorted_title(std::string_view name, SortKey key, const ViewState& view) {
  std::string t(name);
  if (key == view.sort) t += view.descending ? " v" : " ^";
  return t;
}

std::vector<Column> bot_columns(const ViewState& view) {
  return {
      {sorted_title("ID", SortKey::Id, view), Align::Right},
      {sorted_title("TICKER", SortKey::Ticker, view), Align::Left, kTickerCap},
      {sorted_title("STATUS", SortKey::Status, view), Align::Left, kStatusCap + 2},
      {"SIDE", Align::Left},
      {"BUY", Align::Right},
      {"SELL", Align::Right},
      {"QTY", Align::Right},
      {"LIVE", Align::Right},
      {"POSITION", Align::Right},
      {sorted_title("PNL", SortKey::Pnl, view), Align::Right},
      {sorted_title("CYCLES", SortKey::Cycles, view), Align::Right},
      {"LAST FILL", Align::Left},
  };
}

std::vector<std::string> bot_cells(const BotRow& b) {
  const std::string last_fill =
      b.last_fill_wall_ns == 0 ? "-"
                               : clock_utc(b.last_fill_wall_ns) + " " + money(b.last_fill_price);
  return {count(b.id),        b.ticker,
          b.status,           b.side,
          money(b.buy_price), money(b.sell_price),
          money(b.quantity),  b.live_order == 0 ? "-" : "#" + count(b.live_order),
          money(b.position),  money(b.pnl),
          count(b.cycles),    last_fill};
}

// The rows the table shows: the model's, filtered and sorted as the view says.
std::vector<BotRow> shown_bots(const DashModel& m, const ViewState& view) {
  std::vector<BotRow> rows = m.bots;
  filter_bots(rows, view.filter);
  sort_bots(rows, view.sort, view.descending);
  return rows;
}

Body bots_body(const DashModel& m, const ViewState& view) {
  const std::vector<BotRow> rows = shown_bots(m, view);
  std::vector<std::vector<std::string>> cells;
  for (const BotRow& b : rows) cells.push_back(bot_cells(b));
  Body body;
  const std::string empty =
      m.bots.empty() ? "(no bots)"
                     : "(no bot's ticker or status contains '" + printable(view.filter) + "')";
  add_table(body, bot_columns(view), cells, empty);
  body.pinned = 1;
  return body;
}

void add_market(Body& body, const DashModel& m) {
  add_section(body, "prices");
  std::vector<std::vector<std::string>> rows;
  for (const PriceRow& p : m.prices) {
    rows.push_back({p.symbol, p.venue, money(p.last), money(p.mark), age_text(p.age_ns)});
  }
  add_table(body,
            {{"SYMBOL", Align::Left, kTickerCap},
             {"VENUE"},
             {"LAST", Align::Right},
             {"MARK", Align::Right},
             {"AGE", Align::Right}},
            rows, "(no prices yet)");

  add_section(body, "venue positions");
  rows.clear();
  for (const PositionRow& p : m.positions) {
    rows.push_back({p.venue, p.symbol, money(p.size), money(p.entry_price), money(p.mark_price),
                    money(p.liquidation_price), money(p.locked_margin), money(p.leverage)});
  }
  add_table(body,
            {{"VENUE"},
             {"SYMBOL", Align::Left, kTickerCap},
             {"SIZE", Align::Right},
             {"ENTRY", Align::Right},
             {"MARK", Align::Right},
             {"LIQUIDATION", Align::Right},
             {"MARGIN", Align::Right},
             {"LEVERAGE", Align::Right}},
            rows, "(no positions)");

  add_section(body, "balances");
  rows.clear();
  for (const BalanceRow& b : m.balances) {
    rows.push_back({b.venue, b.currency, money(b.balance), money(b.locked)});
  }
  add_table(body, {{"VENUE"}, {"CURRENCY"}, {"BALANCE", Align::Right}, {"LOCKED", Align::Right}},
            rows, "(no balances)");
}

void add_health(Body& body, const DashModel& m) {
  add_section(body, "venues");
  std::vector<std::vector<std::string>> rows;
  for (const VenueRow& v : m.venues) {
    rows.push_back(
        {v.venue, v.link, age_text(v.last_message_age_ns), count(v.messages), count(v.reconnects)});
  }
  add_table(body,
            {{"VENUE"},
             {"LINK"},
             {"LAST MESSAGE", Align::Right},
             {"MESSAGES", Align::Right},
             {"RECONNECTS", Align::Right}},
            rows, "(no venues)");

  add_section(body, "latency");
  rows.clear();
  for (const LatencyRow& l : m.latency) {
    if (l.count == 0) {
      rows.push_back({l.path, "0", "-", "-", "-", "-"});
      continue;
    }
    rows.push_back({l.path, count(l.count), duration_text(l.p50_ns), duration_text(l.p99_ns),
                    duration_text(l.p999_ns), duration_text(l.max_ns)});
  }
  add_table(body,
            {{"PATH"},
             {"SAMPLES", Align::Right},
             {"P50", Align::Right},
             {"P99", Align::Right},
             {"P99.9", Align::Right},
             {"MAX", Align::Right}},
            rows, "(no latency slots)");

  add_section(body, "rings");
  const RingInfo& r = m.rings;
  body.lines.push_back(Line{"event ring: " + count(r.events_written) + " written, " +
                            count(r.events_read) + " read by control, lag " + count(r.event_lag) +
                            ", " + count(r.events_dropped) + " dropped"});
  body.lines.push_back(Line{"command ring: " + count(r.commands_sent) + " sent, " +
                            count(r.commands_taken) + " taken; core received " +
                            count(r.commands_received) + ", refused " + count(r.commands_refused)});

  add_section(body, "engine counters");
  rows.clear();
  for (std::size_t i = 0; i < m.counters.size(); i += 2) {
    std::vector<std::string> row{std::string(m.counters[i].name), count(m.counters[i].value)};
    if (i + 1 < m.counters.size()) {
      row.push_back(std::string(m.counters[i + 1].name));
      row.push_back(count(m.counters[i + 1].value));
    } else {
      row.insert(row.end(), {"", ""});
    }
    rows.push_back(std::move(row));
  }
  add_table(body, {{"COUNTER"}, {"VALUE", Align::Right}, {"COUNTER"}, {"VALUE", Align::Right}},
            rows, "(none)");
}

Body help_body(const FrameInput& in) {
  Body body;
  const auto add = [&body](std::string text) { body.lines.push_back(Line{std::move(text)}); };
  add_section(body, "keys");
  add("q            quit");
  add("1 2 3 4      pages: bots, prices & positions, health & latency, help (tab cycles)");
  add("s            sort the bots by the next key: id, ticker, status, pnl, cycles");
  add("r            reverse the sort (the sorted column's title shows ^ or v)");
  add("/            filter the bots: a substring of ticker or status, any case;");
  add("             Enter applies, Esc clears");
  add("Esc          clear the filter");
  add("arrows, PgUp, PgDn, Home, End   scroll the page");
  add_section(body, "what this is");
  add("A read-only view of segment " + printable(in.segment) + ", refreshed every " +
      std::to_string(in.interval_ms) + " ms.");
  add("It never sends a command and never takes an event: scalper-control can run beside it.");
  add("A core restart is followed by itself; while no core runs it says so and retries.");
  add("SIDE is the live order's side, or the next order's: the first side when flat,");
  add("otherwise the side that closes the position. LIVE is our order id. Times are UTC.");
  add("Heartbeat older than 2 s: 'core not responding'.");
  return body;
}

Body page_body(const FrameInput& in, const ViewState& view) {
  Body body;
  switch (view.page) {
    case Page::Bots: return bots_body(*in.model, view);
    case Page::Market: add_market(body, *in.model); return body;
    case Page::Health: add_health(body, *in.model); return body;
    case Page::Help: return help_body(in);
  }
  return body;
}

// ---- footer -----------------------------------------------------------------------------

Line status_row(const FrameInput& in, const ViewState& view) {
  if (view.editing) {
    return Line{"filter: " + printable(view.draft) + "_   (Enter applies, Esc clears)",
                Tone::Notice};
  }
  std::vector<std::string> parts{printable(in.notice)};
  if (in.model != nullptr) {
    const std::size_t all = in.model->bots.size();
    if (view.filter.empty()) {
      parts.push_back(count(all) + " bots");
    } else {
      std::vector<BotRow> rows = in.model->bots;
      filter_bots(rows, view.filter);
      parts.push_back(count(rows.size()) + " of " + count(all) + " bots match '" +
                      printable(view.filter) + "'");
    }
    parts.push_back("sort " + std::string(label(view.sort)) +
                    (view.descending ? " descending" : " ascending"));
  }
  return Line{join(parts, " | "), in.notice.empty() ? Tone::Normal : Tone::Notice};
}

// ---- composition ------------------------------------------------------------------------

std::vector<Line> no_core_body(const FrameInput& in, std::size_t width, std::size_t rows) {
  std::vector<Line> text;
  for (std::string& l : wrap(no_core_message(in.segment, in.why), width)) {
    text.push_back(Line{std::move(l), Tone::Alert});
  }
  text.push_back(Line{});
  for (std::string& l : wrap("retrying every " + std::to_string(in.interval_ms) +
                                 " ms: the dashboard attaches as soon as a core publishes it",
                             width)) {
    text.push_back(Line{std::move(l)});
  }
  std::vector<Line> body(rows > text.size() ? (rows - text.size()) / 2 : 0);
  body.insert(body.end(), text.begin(), text.end());
  return body;
}

void clip(std::vector<Line>& lines, std::size_t width, std::size_t height) {
  lines.resize(height);
  for (Line& l : lines) {
    if (l.text.size() > width) l.text.resize(width);
  }
}

}  // namespace

std::string no_core_message(std::string_view segment, std::string_view why) {
  std::string m = "no scalper-core is running on segment " + printable(segment);
  if (!why.empty()) m += " (" + printable(why) + ")";
  return m;
}

Frame render_frame(const FrameInput& in, const ViewState& view, std::size_t width,
                   std::size_t height) {
  Frame f;
  const std::size_t top = in.model != nullptr ? kHeaderRows : 1;
  f.body_rows = height > top + kFooterRows ? height - top - kFooterRows : 0;
  f.lines.push_back(Line{title_row(in), Tone::Title});
  std::vector<Line> body;
  if (in.model == nullptr) {
    body = no_core_body(in, width, f.body_rows);
  } else {
    f.lines.push_back(core_row(in.model->core));
    f.lines.push_back(Line{tabs_row(view.page)});
    f.lines.push_back(Line{});
    Body page = page_body(in, view);
    const std::size_t pinned = std::min({page.pinned, page.lines.size(), f.body_rows});
    const std::size_t scrollable = page.lines.size() - pinned;
    const std::size_t window = f.body_rows - pinned;
    f.max_scroll = scrollable > window ? scrollable - window : 0;
    const std::size_t first = pinned + std::min(view.scroll, f.max_scroll);
    body.assign(page.lines.begin(), page.lines.begin() + static_cast<std::ptrdiff_t>(pinned));
    for (std::size_t i = first; i < page.lines.size() && body.size() < f.body_rows; ++i) {
      body.push_back(page.lines[i]);
    }
  }
  body.resize(f.body_rows);
  f.lines.insert(f.lines.end(), body.begin(), body.end());
  Line status = status_row(in, view);
  Line legend{std::string(in.model != nullptr ? kLegend : "q quit"), Tone::Legend};
  if (height < f.lines.size() + kFooterRows) {
    // Too short for everything: the title, then the status and the legend as room allows.
    f.lines.resize(1);
    f.lines.push_back(std::move(status));
    f.lines.push_back(std::move(legend));
  } else {
    f.lines.push_back(std::move(status));
    f.lines.push_back(std::move(legend));
  }
  clip(f.lines, width, height);
  return f;
}

std::string render_once(const FrameInput& in, std::size_t width) {
  std::vector<Line> lines;
  lines.push_back(Line{title_row(in)});
  if (in.model == nullptr) {
    lines.push_back(Line{no_core_message(in.segment, in.why)});
  } else {
    lines.push_back(core_row(in.model->core));
    Body bots = bots_body(*in.model, ViewState{});
    lines.push_back(Line{});
    lines.push_back(Line{"bots", Tone::Heading});
    lines.insert(lines.end(), bots.lines.begin(), bots.lines.end());
    Body rest;
    rest.lines.push_back(Line{});  // so add_section separates it from the bots table
    add_market(rest, *in.model);
    add_health(rest, *in.model);
    lines.insert(lines.end(), rest.lines.begin(), rest.lines.end());
  }
  std::string out;
  for (Line& l : lines) {
    if (l.text.size() > width) l.text.resize(width);
    out += rstrip(std::move(l.text));
    out += '\n';
  }
  return out;
}

// ---- pieces -----------------------------------------------------------------------------

std::string money(Decimal d) {
  char buf[kDecimalTextMax];
  return std::string(buf, format_decimal(d, buf));
}

std::string duration_text(std::uint64_t ns) {
  // One decimal, truncated: integer arithmetic, no double.
  const auto with_tenths = [](std::uint64_t value, std::uint64_t unit, std::string_view name) {
    return std::to_string(value / unit) + "." + std::to_string(value % unit * 10 / unit) + " " +
           std::string(name);
  };
  if (ns < 1'000) return std::to_string(ns) + " ns";
  if (ns < 1'000'000) return with_tenths(ns, 1'000, "us");
  if (ns < 1'000'000'000) return with_tenths(ns, 1'000'000, "ms");
  return with_tenths(ns, 1'000'000'000, "s");
}

std::string uptime_text(std::uint64_t ns) {
  const std::uint64_t s = ns / 1'000'000'000;
  const std::uint64_t days = s / 86'400;
  char buf[32];
  std::snprintf(
      buf, sizeof buf, "%02llu:%02llu:%02llu", static_cast<unsigned long long>(s / 3'600 % 24),
      static_cast<unsigned long long>(s / 60 % 60), static_cast<unsigned long long>(s % 60));
  return days == 0 ? std::string(buf) : std::to_string(days) + "d " + buf;
}

std::string clock_utc(std::int64_t wall_ns) {
  if (wall_ns <= 0) return "-";
  const auto seconds = static_cast<std::time_t>(wall_ns / 1'000'000'000);
  std::tm tm{};
  if (::gmtime_r(&seconds, &tm) == nullptr) return "?";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string fit(std::string_view text, std::size_t width) {
  if (text.size() <= width) return std::string(text);
  if (width == 0) return {};
  std::string out(text.substr(0, width - 1));
  out += '~';
  return out;
}

std::vector<std::string> table_lines(const std::vector<Column>& columns,
                                     const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const Column& c : columns) widths.push_back(c.title.size());
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < columns.size() && i < row.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].cap != 0)
      widths[i] = std::min(widths[i], std::max(columns[i].cap, columns[i].title.size()));
  }
  const auto line = [&](const auto& cell_of) {
    std::string out;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (i != 0) out += "  ";
      out += pad(cell_of(i), widths[i], columns[i].align);
    }
    return rstrip(std::move(out));
  };
  std::vector<std::string> out;
  out.push_back(line([&](std::size_t i) -> std::string_view { return columns[i].title; }));
  for (const auto& row : rows) {
    out.push_back(line([&](std::size_t i) -> std::string_view {
      return i < row.size() ? std::string_view(row[i]) : std::string_view();
    }));
  }
  return out;
}

}  // namespace scalper::dash
