// Keys as the operator presses them, without a terminal: sort, reverse, the filter prompt,
// pages, scrolling, quit.
#include <gtest/gtest.h>

#include <string_view>

#include "scalper/dash/view.hpp"

namespace scalper::dash {
namespace {

constexpr std::size_t kRows = 20;

void type(ViewState& v, std::string_view text) {
  for (const char c : text) apply_key(v, Key::of(c), kRows);
}

void press(ViewState& v, KeyKind kind) { apply_key(v, Key{kind, 0}, kRows); }

TEST(DashKeys, SCyclesTheSortKeyAndRReverses) {
  ViewState v;
  EXPECT_EQ(v.sort, SortKey::Id);
  type(v, "s");
  EXPECT_EQ(v.sort, SortKey::Ticker);
  type(v, "sss");
  EXPECT_EQ(v.sort, SortKey::Cycles);
  type(v, "s");
  EXPECT_EQ(v.sort, SortKey::Id);
  EXPECT_FALSE(v.descending);
  type(v, "r");
  EXPECT_TRUE(v.descending);
  type(v, "r");
  EXPECT_FALSE(v.descending);
}

TEST(DashKeys, SlashTypesAFilterThatEnterApplies) {
  ViewState v;
  v.page = Page::Health;
  type(v, "/");
  EXPECT_TRUE(v.editing);
  EXPECT_EQ(v.page, Page::Bots);  // the filter is the bots table's
  type(v, "ethq");                // q is text while typing, not quit
  press(v, KeyKind::Backspace);
  EXPECT_FALSE(v.quit);
  EXPECT_EQ(v.draft, "eth");
  EXPECT_TRUE(v.filter.empty());  // not applied yet
  press(v, KeyKind::Enter);
  EXPECT_FALSE(v.editing);
  EXPECT_EQ(v.filter, "eth");
  type(v, "/");
  EXPECT_EQ(v.draft, "eth");  // editing starts from the applied filter
  press(v, KeyKind::Escape);
  EXPECT_FALSE(v.editing);
  EXPECT_TRUE(v.filter.empty());
}

TEST(DashKeys, EscClearsAnAppliedFilter) {
  ViewState v;
  type(v, "/sol");
  press(v, KeyKind::Enter);
  ASSERT_EQ(v.filter, "sol");
  press(v, KeyKind::Escape);
  EXPECT_TRUE(v.filter.empty());
}

TEST(DashKeys, DigitsAndTabChoosePages) {
  ViewState v;
  type(v, "3");
  EXPECT_EQ(v.page, Page::Health);
  press(v, KeyKind::Tab);
  EXPECT_EQ(v.page, Page::Help);
  press(v, KeyKind::Tab);
  EXPECT_EQ(v.page, Page::Bots);
  press(v, KeyKind::BackTab);
  EXPECT_EQ(v.page, Page::Help);
  type(v, "2");
  EXPECT_EQ(v.page, Page::Market);
  EXPECT_EQ(title(v.page), "prices & positions");
}

TEST(DashKeys, ScrollingAndPageChangeResetsIt) {
  ViewState v;
  press(v, KeyKind::Down);
  press(v, KeyKind::Down);
  EXPECT_EQ(v.scroll, 2u);
  press(v, KeyKind::PageDown);
  EXPECT_EQ(v.scroll, 2u + kRows - 1);
  press(v, KeyKind::PageUp);
  press(v, KeyKind::PageUp);
  EXPECT_EQ(v.scroll, 0u);
  press(v, KeyKind::Up);
  EXPECT_EQ(v.scroll, 0u);
  press(v, KeyKind::End);
  EXPECT_GT(v.scroll, 1000u);  // the renderer clamps it to the page
  type(v, "1");
  EXPECT_EQ(v.scroll, 0u);
}

TEST(DashKeys, QQuits) {
  ViewState v;
  type(v, "x");
  EXPECT_FALSE(v.quit);
  type(v, "q");
  EXPECT_TRUE(v.quit);
}

}  // namespace
}  // namespace scalper::dash
