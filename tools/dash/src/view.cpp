// view.cpp — keys to view changes (view.hpp).
#include "scalper/dash/view.hpp"

namespace scalper::dash {

namespace {

// A filter longer than any ticker or status cannot match anything; the cap keeps a held-down
// key from growing the text without end.
constexpr std::size_t kMaxFilter = 32;

void edit_filter(ViewState& view, Key key) {
  switch (key.kind) {
    case KeyKind::Char:
      if (view.draft.size() < kMaxFilter) view.draft.push_back(key.ch);
      return;
    case KeyKind::Backspace:
      if (!view.draft.empty()) view.draft.pop_back();
      return;
    case KeyKind::Enter:
      view.filter = view.draft;
      view.editing = false;
      view.scroll = 0;
      return;
    case KeyKind::Escape:
      view.filter.clear();
      view.draft.clear();
      view.editing = false;
      view.scroll = 0;
      return;
    default: return;  // arrows and the like do nothing while typing
  }
}

void show_page(ViewState& view, Page page) {
  view.page = page;
  view.scroll = 0;
}

Page step_page(Page page, bool back) {
  const std::size_t n = static_cast<std::size_t>(page);
  const std::size_t to = back ? (n + kPageCount - 1) % kPageCount : (n + 1) % kPageCount;
  return static_cast<Page>(to);
}

void on_char(ViewState& view, char c) {
  switch (c) {
    case 'q':
    case 'Q': view.quit = true; return;
    case 's': view.sort = next(view.sort); return;
    case 'r': view.descending = !view.descending; return;
    case '/':
      view.editing = true;
      view.draft = view.filter;
      show_page(view, Page::Bots);
      return;
    case '1': show_page(view, Page::Bots); return;
    case '2': show_page(view, Page::Market); return;
    case '3': show_page(view, Page::Health); return;
    case '4':
    case '?':
    case 'h': show_page(view, Page::Help); return;
    default: return;
  }
}

void scroll_up(ViewState& view, std::size_t rows) {
  view.scroll = view.scroll > rows ? view.scroll - rows : 0;
}

}  // namespace

std::string_view title(Page page) noexcept {
  switch (page) {
    case Page::Bots: return "bots";
    case Page::Market: return "prices & positions";
    case Page::Health: return "health & latency";
    case Page::Help: return "help";
  }
  return "?";
}

void apply_key(ViewState& view, Key key, std::size_t page_rows) {
  if (view.editing) {
    edit_filter(view, key);
    return;
  }
  const std::size_t page = page_rows > 1 ? page_rows - 1 : 1;  // keep one row for context
  switch (key.kind) {
    case KeyKind::Char: on_char(view, key.ch); return;
    case KeyKind::Escape:
      view.filter.clear();
      view.scroll = 0;
      return;
    case KeyKind::Tab: show_page(view, step_page(view.page, false)); return;
    case KeyKind::BackTab: show_page(view, step_page(view.page, true)); return;
    case KeyKind::Up: scroll_up(view, 1); return;
    case KeyKind::Down: ++view.scroll; return;
    case KeyKind::PageUp: scroll_up(view, page); return;
    case KeyKind::PageDown: view.scroll += page; return;
    case KeyKind::Home: view.scroll = 0; return;
    case KeyKind::End: view.scroll = static_cast<std::size_t>(-1) / 2; return;  // clamped later
    case KeyKind::None:
    case KeyKind::Enter:
    case KeyKind::Backspace: return;
  }
}

}  // namespace scalper::dash
