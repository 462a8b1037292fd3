// fuzz_dash_records.cpp — libFuzzer target for scalper-dash's reader of the segment's records
// (tools/dash model.hpp and render.hpp): whatever bytes a buggy or half-written core leaves in
// its slots, the dashboard must turn them into rows and frames without a crash, undefined
// behaviour or a read outside a record.
//
// Input, consumed in order (a short input leaves the rest zero): the two clocks, the heartbeat
// age and creation time, a health snapshot, four bot, two price, two position and two balance
// records, the ring positions, a latency histogram; then one byte of view (page, sort key,
// direction) and the rest as the filter text. Checked: every frame has exactly the asked
// height, no line is wider than asked, and every byte on screen is printable ASCII.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "scalper/dash/model.hpp"
#include "scalper/dash/render.hpp"

namespace {

using namespace scalper;
using namespace scalper::dash;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

class Bytes {
 public:
  Bytes(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  template <class T>
  void into(T& out) {
    const std::size_t n = size_ - at_ < sizeof(T) ? size_ - at_ : sizeof(T);
    if (n != 0) std::memcpy(static_cast<void*>(&out), data_ + at_, n);
    at_ += n;
  }
  std::string rest() {
    std::string s(reinterpret_cast<const char*>(data_) + at_, size_ - at_);
    at_ = size_;
    return s;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

void check_frame(const Frame& f, std::size_t width, std::size_t height) {
  check(f.lines.size() == height);
  for (const Line& l : f.lines) {
    check(l.text.size() <= width);
    for (const char c : l.text) check(c >= 0x20 && c <= 0x7e);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Bytes in(data, size);
  Clocks now;
  in.into(now.mono_ns);
  in.into(now.wall_ns);
  RawSnapshot raw;
  in.into(raw.heartbeat_age_ns);
  in.into(raw.created_mono_ns);
  raw.has_health = true;
  in.into(raw.health);
  raw.bots.resize(4);
  for (shm::BotSnapshot& b : raw.bots) in.into(b);
  raw.prices.resize(2);
  for (shm::PriceSnapshot& p : raw.prices) in.into(p);
  raw.positions.resize(2);
  for (shm::PositionSnapshot& p : raw.positions) in.into(p);
  raw.balances.resize(2);
  for (shm::BalanceSnapshot& b : raw.balances) in.into(b);
  in.into(raw.events_written);
  in.into(raw.events_read);
  in.into(raw.commands_sent);
  in.into(raw.commands_taken);
  raw.has_latency[0] = true;
  in.into(raw.latency[0]);
  std::uint8_t view_byte = 0;
  in.into(view_byte);
  const std::string filter = in.rest();

  const DashModel model = build_model(raw, now);
  ViewState view;
  view.sort = static_cast<SortKey>(view_byte % kSortKeyCount);
  view.descending = (view_byte & 0x80) != 0;
  view.filter = filter;
  view.editing = (view_byte & 0x40) != 0;
  view.draft = filter;
  view.scroll = view_byte;
  FrameInput frame;
  frame.segment = "fuzz";
  frame.model = &model;
  frame.notice = filter;  // outside text on the status line too
  for (std::size_t page = 0; page < kPageCount; ++page) {
    view.page = static_cast<Page>(page);
    check_frame(render_frame(frame, view, 80, 24), 80, 24);
    check_frame(render_frame(frame, view, 13, 5), 13, 5);
  }
  frame.model = nullptr;
  frame.why = filter;
  check_frame(render_frame(frame, view, 80, 24), 80, 24);
  frame.model = &model;
  const std::string once = render_once(frame, 200);
  for (const char c : once) check(c == '\n' || (c >= 0x20 && c <= 0x7e));
  return 0;
}
