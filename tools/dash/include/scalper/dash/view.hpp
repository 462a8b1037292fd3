// view.hpp — what the operator chose to see (page, sort, filter, scroll) and how keys change it.
//
// The curses shell turns its key codes into `Key` and calls apply_key; everything a key does is
// here, as a pure function of the state, so tests press keys without a terminal. While the
// filter is being typed, every printable key (q included) goes into the filter text: Enter
// applies it, Esc drops it and clears the filter.
//
// Threading: value type, pure functions. Allocation: the filter text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "scalper/dash/model.hpp"

namespace scalper::dash {

enum class Page : std::uint8_t { Bots = 0, Market = 1, Health = 2, Help = 3 };
inline constexpr std::size_t kPageCount = 4;

// "bots", "prices & positions", "health & latency", "help".
[[nodiscard]] std::string_view title(Page page) noexcept;

enum class KeyKind : std::uint8_t {
  None,  // nothing pressed (the refresh timeout)
  Char,  // a printable character in `ch`
  Enter,
  Escape,
  Backspace,
  Tab,
  BackTab,
  Up,
  Down,
  PageUp,
  PageDown,
  Home,
  End,
};

struct Key {
  KeyKind kind = KeyKind::None;
  char ch = 0;
  [[nodiscard]] static Key of(char c) noexcept { return Key{KeyKind::Char, c}; }
};

struct ViewState {
  Page page = Page::Bots;
  SortKey sort = SortKey::Id;
  bool descending = false;
  std::string filter;      // applied
  bool editing = false;    // the filter is being typed
  std::string draft;       // what has been typed so far
  std::size_t scroll = 0;  // first body row shown; the renderer clamps it
  bool quit = false;
};

// `page_rows`: how many rows PageUp/PageDown move (the body's height on screen).
void apply_key(ViewState& view, Key key, std::size_t page_rows);

}  // namespace scalper::dash
