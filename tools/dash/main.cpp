// scalper-dash — the terminal dashboard of a running scalper-core (README.md here).
//
// The thin curses shell over scalper_dash: read the clocks, let the CoreLink (re-)attach,
// capture the segment and build the model at the refresh period, render a frame for the
// terminal's size, copy its lines to the screen, and turn keys into ViewState changes. Between
// refreshes it sleeps in getch() with a timeout (no busy loop); a key re-renders at once from
// the last model, so keys feel immediate while the segment is still read at most every
// --interval-ms. KEY_RESIZE needs nothing more than the next frame, rendered for the new size.
// --once skips curses altogether and prints render_once().
//
// Signals: SIGINT, SIGTERM and SIGHUP only set a flag (installed before curses starts, so
// ncurses keeps its hands off them); the loop then restores the terminal and exits 128 + sig.
#include <curses.h>

#include <algorithm>
#include <clocale>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scalper/dash/core_link.hpp"
#include "scalper/dash/model.hpp"
#include "scalper/dash/options.hpp"
#include "scalper/dash/render.hpp"
#include "scalper/dash/view.hpp"
#include "scalper/timing/clock.hpp"

namespace {

using namespace scalper::dash;

// Wide enough that --once cuts nothing but garbage (every column is far narrower).
constexpr std::size_t kOnceWidth = 200;
// Esc is also the start of every arrow key's sequence; curses waits this long to tell them
// apart (its default, a full second, would make Esc feel broken).
constexpr int kEscDelayMs = 25;

volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_signal(int sig) { g_signal = sig; }

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: getch() returns at once and the loop sees the flag
  for (const int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &sa, nullptr);
}

Clocks read_clocks() { return Clocks{scalper::timing::mono_ns(), scalper::timing::wall_ns()}; }

std::optional<DashModel> read_core(CoreLink& link, const Clocks& now) {
  link.poll(now.mono_ns);
  const scalper::shm::ControlChannel* channel = link.channel();
  if (channel == nullptr) return std::nullopt;
  return build_model(capture(*channel, now.mono_ns), now);
}

FrameInput frame_input(const CoreLink& link, const std::optional<DashModel>& model,
                       std::int64_t now_mono_ns, int interval_ms) {
  return FrameInput{link.segment(), model ? &*model : nullptr, link.why(), link.notice(now_mono_ns),
                    interval_ms};
}

int run_once(const Options& options) {
  CoreLink link(options.segment);
  const Clocks now = read_clocks();
  const std::optional<DashModel> model = read_core(link, now);
  const std::string text =
      render_once(frame_input(link, model, now.mono_ns, options.interval_ms), kOnceWidth);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return model ? kExitOk : kExitNoCore;
}

// ---- curses ------------------------------------------------------------------------------

Key key_of(int ch) {
  switch (ch) {
    case '\n':
    case '\r':
    case KEY_ENTER: return Key{KeyKind::Enter};
    case 27: return Key{KeyKind::Escape};
    case KEY_BACKSPACE:
    case 127:
    case 8: return Key{KeyKind::Backspace};
    case '\t': return Key{KeyKind::Tab};
    case KEY_BTAB: return Key{KeyKind::BackTab};
    case KEY_UP: return Key{KeyKind::Up};
    case KEY_DOWN: return Key{KeyKind::Down};
    case KEY_PPAGE: return Key{KeyKind::PageUp};
    case KEY_NPAGE: return Key{KeyKind::PageDown};
    case KEY_HOME: return Key{KeyKind::Home};
    case KEY_END: return Key{KeyKind::End};
    default: break;
  }
  if (ch >= 0x20 && ch < 0x7f) return Key::of(static_cast<char>(ch));
  return Key{};  // KEY_RESIZE and the rest: nothing but the next frame
}

enum Pair : short { kAlertPair = 1, kNoticePair = 2 };

void init_colours() {
  if (!has_colors()) return;
  start_color();
  use_default_colors();
  init_pair(kAlertPair, COLOR_RED, -1);
  init_pair(kNoticePair, COLOR_YELLOW, -1);
}

attr_t attribute(Tone tone) {
  switch (tone) {
    case Tone::Title: return A_REVERSE | A_BOLD;
    case Tone::Heading: return A_BOLD;
    case Tone::Alert: return A_BOLD | (has_colors() ? COLOR_PAIR(kAlertPair) : A_NORMAL);
    case Tone::Notice: return A_BOLD | (has_colors() ? COLOR_PAIR(kNoticePair) : A_NORMAL);
    case Tone::Legend: return A_REVERSE;
    case Tone::Normal: break;
  }
  return A_NORMAL;
}

void draw(const Frame& frame, int width) {
  erase();
  for (std::size_t row = 0; row < frame.lines.size(); ++row) {
    const Line& line = frame.lines[row];
    const attr_t attr = attribute(line.tone);
    attron(attr);
    mvaddnstr(static_cast<int>(row), 0, line.text.c_str(), width);
    attroff(attr);
  }
  refresh();
}

// Waits for keys until `deadline_mono_ns`, applying each to `view`; returns after the first
// batch of keys (so their effect is drawn at once) or at the deadline.
void wait_for_keys(ViewState& view, std::size_t page_rows, std::int64_t deadline_mono_ns) {
  const std::int64_t left_ns = deadline_mono_ns - scalper::timing::mono_ns();
  const int wait_ms = left_ns <= 0 ? 0 : static_cast<int>((left_ns + 999'999) / 1'000'000);
  timeout(wait_ms);
  int ch = getch();
  if (ch == ERR) return;
  timeout(0);  // take whatever else is already typed, without waiting
  for (; ch != ERR && !view.quit; ch = getch()) apply_key(view, key_of(ch), page_rows);
}

int run_curses(const Options& options) {
  // newterm, not initscr: initscr exits the process itself on an unusable terminal.
  SCREEN* screen = newterm(nullptr, stdout, stdin);
  if (screen == nullptr) {
    const char* term = std::getenv("TERM");
    std::fprintf(stderr, "scalper-dash: cannot start the terminal (TERM=%s); try --once\n",
                 term != nullptr ? term : "unset");
    return kExitNoTerminal;
  }
  cbreak();
  noecho();
  keypad(stdscr, TRUE);
  curs_set(0);
  set_escdelay(kEscDelayMs);
  init_colours();

  CoreLink link(options.segment);
  ViewState view;
  std::optional<DashModel> model;
  const std::int64_t period_ns = std::int64_t{options.interval_ms} * 1'000'000;
  std::int64_t next_refresh = 0;
  while (!view.quit && g_signal == 0) {
    Clocks now = read_clocks();
    if (now.mono_ns >= next_refresh) {
      model = read_core(link, now);
      next_refresh = now.mono_ns + period_ns;
    }
    int height = 0;
    int width = 0;
    getmaxyx(stdscr, height, width);
    const Frame frame = render_frame(frame_input(link, model, now.mono_ns, options.interval_ms),
                                     view, static_cast<std::size_t>(std::max(width, 0)),
                                     static_cast<std::size_t>(std::max(height, 0)));
    view.scroll = std::min(view.scroll, frame.max_scroll);
    draw(frame, width);
    wait_for_keys(view, frame.body_rows, next_refresh);
  }
  endwin();
  delscreen(screen);
  return g_signal != 0 ? 128 + g_signal : kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  std::setlocale(LC_ALL, "");
  std::vector<std::string_view> args(argv + 1, argv + argc);
  Options options;
  std::string error;
  switch (parse_options(args, options, error)) {
    case ParseOutcome::Help: std::fwrite(usage().data(), 1, usage().size(), stdout); return kExitOk;
    case ParseOutcome::Error:
      std::fprintf(stderr, "scalper-dash: %s\n\n", error.c_str());
      std::fwrite(usage().data(), 1, usage().size(), stderr);
      return kExitBadArgs;
    case ParseOutcome::Run: break;
  }
  if (options.once) return run_once(options);
  install_signal_handlers();
  return run_curses(options);
}
