// render.hpp — the dashboard's screens as lines of text, for a given width and height.
//
// Pure: a model (or the reason there is none), the view state and a size in, lines out. The
// curses shell only copies the lines to the screen and maps each line's Tone to an attribute;
// --once prints the same pages as plain text. So every figure, column and message is tested
// here without a terminal (tests/dash/render_test.cpp).
//
// Layout of a frame (height rows):
//   0        title: segment, core pid, epoch, state, uptime
//   1        heartbeat age (or "core not responding"), halt note, journal and checkpoint seqs
//   2        the pages, the shown one in brackets: [1 bots]  2 prices & positions  ...
//   3        blank
//   4..h-3   the page's body; its heading rows stay put while the rest scrolls
//   h-2      status: a notice ("core restarted (epoch N)"), the sort, the filter or its prompt
//   h-1      the key legend
// With no core the body is the full-screen "no scalper-core is running on segment NAME (why)".
// Text is ASCII only (the model made segment text printable), so one byte is one column and
// no line is longer than `width`. Money is formatted with format_decimal: exact.
//
// Threading: pure functions. Allocation: the lines.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "scalper/dash/model.hpp"
#include "scalper/dash/view.hpp"

namespace scalper::dash {

enum class Tone : std::uint8_t {
  Normal,
  Title,    // the title row
  Heading,  // a table's column titles, a section's name
  Alert,    // core not responding, halted, no core
  Notice,   // the status row when it carries news (a restart)
  Legend,   // the key legend
};

struct Line {
  std::string text;
  Tone tone = Tone::Normal;
};

struct FrameInput {
  std::string_view segment;
  const DashModel* model = nullptr;  // nullptr: no core is running (see `why`)
  std::string_view why;              // why there is no core
  std::string_view notice;           // e.g. "core restarted (epoch 7)"; may be empty
  int interval_ms = 100;             // the retry period the no-core screen mentions
};

struct Frame {
  std::vector<Line> lines;     // exactly `height` lines, none longer than `width`
  std::size_t body_rows = 0;   // rows the body had on screen (PageUp/PageDown step)
  std::size_t max_scroll = 0;  // the furthest the body can scroll: clamp ViewState::scroll
};

[[nodiscard]] Frame render_frame(const FrameInput& in, const ViewState& view, std::size_t width,
                                 std::size_t height);

// --once: every page's body after the title rows, as plain text lines cut at `width`, with a
// trailing newline. With no model: the no-core message.
[[nodiscard]] std::string render_once(const FrameInput& in, std::size_t width);

// "no scalper-core is running on segment NAME (why)".
[[nodiscard]] std::string no_core_message(std::string_view segment, std::string_view why);

// ---- pieces, exposed for the tests -------------------------------------------------------

// Exact decimal text (format_decimal): 3900 -> "3900.0".
[[nodiscard]] std::string money(Decimal d);
// 850 ns -> "850 ns", 2800 -> "2.8 us", 12'300'000 -> "12.3 ms", 5'200'000'000 -> "5.2 s".
[[nodiscard]] std::string duration_text(std::uint64_t ns);
// 3723 s -> "01:02:03", with "Nd " in front past a day.
[[nodiscard]] std::string uptime_text(std::uint64_t ns);
// Wall-clock ns -> "HH:MM:SS" UTC; "-" for 0 (never).
[[nodiscard]] std::string clock_utc(std::int64_t wall_ns);
// `text` cut to `width` columns, its last kept column a '~' when something was cut.
[[nodiscard]] std::string fit(std::string_view text, std::size_t width);

enum class Align : std::uint8_t { Left, Right };
struct Column {
  std::string title;
  Align align = Align::Left;
  std::size_t cap = 0;  // widest the column gets (cells are cut with fit()); 0: no cap
};
// A header row and one row per cell row; each column as wide as its widest cell (up to its
// cap), two spaces between columns, no trailing spaces.
[[nodiscard]] std::vector<std::string> table_lines(
    const std::vector<Column>& columns, const std::vector<std::vector<std::string>>& rows);

}  // namespace scalper::dash
