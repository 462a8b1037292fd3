// core_link.hpp — the dashboard's read-only attachment to a core, kept across core restarts.
//
// The dashboard must outlive any core: it is started before one, watches it crash and come
// back, and never exits on its own. So each refresh calls poll(), which
//   - attaches (read-only) when it has no segment, and keeps retrying while there is none;
//   - re-attaches when the name now holds a segment of another epoch (the core restarted:
//     shm/README.md, "Live or stale") and says "core restarted (epoch N)" for a while;
//   - lets go when the name no longer holds a published segment (removed, or a new core is
//     half-way through creating it);
//   - treats a segment whose creator pid is gone as "no core running": a core that exits may
//     leave its segment behind (segment.hpp), and its last numbers are not a live view.
// One read_epoch() per refresh (a few syscalls) notices both a restart and a removal; it is
// what ControlChannel::core_restarted() does, without losing the "removed" answer.
//
// Read-only means: the mapping is PROT_READ, no command is sent, no event is popped (that would
// steal scalper-control's events), no heartbeat is written, and no lock is taken on the segment
// (a core starting up must never find it held).
//
// Threading: one thread. Allocation: in poll() when (re-)attaching and for the texts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "scalper/shm/channel.hpp"

namespace scalper::dash {

// How long a notice ("core restarted (epoch N)") stays in the status line.
inline constexpr std::int64_t kNoticeNs = 10'000'000'000;

class CoreLink {
 public:
  explicit CoreLink(std::string segment) : segment_(std::move(segment)) {}

  // One refresh's look at the segment. `now_mono_ns` dates the notices.
  void poll(std::int64_t now_mono_ns);

  // The channel of a running core, or nullptr: then why() says why there is none.
  [[nodiscard]] const shm::ControlChannel* channel() const noexcept {
    return channel_ && core_alive_ ? &*channel_ : nullptr;
  }
  [[nodiscard]] const std::string& why() const noexcept { return why_; }
  // The latest attach or restart, while it is recent; empty otherwise.
  [[nodiscard]] std::string_view notice(std::int64_t now_mono_ns) const noexcept;
  [[nodiscard]] const std::string& segment() const noexcept { return segment_; }

 private:
  void drop_if_replaced_or_gone();
  void try_attach();
  void check_core_alive();
  void announce_live_epoch(std::int64_t now_mono_ns);
  void say(std::string text, std::int64_t now_mono_ns);

  std::string segment_;
  std::optional<shm::ControlChannel> channel_;
  bool core_alive_ = false;
  std::string why_;
  std::uint64_t last_epoch_ = 0;  // of the last live core seen; 0: none yet
  std::string notice_;
  std::int64_t notice_until_ns_ = 0;
};

}  // namespace scalper::dash
