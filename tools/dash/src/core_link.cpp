// core_link.cpp — attach, follow restarts, notice a vanished core (core_link.hpp).
#include "scalper/dash/core_link.hpp"

#include <signal.h>

#include <cerrno>
#include <climits>

#include "scalper/shm/segment.hpp"

namespace scalper::dash {

namespace {

// kill(pid, 0) asks the kernel whether the pid exists without signalling it. Never for 0 or a
// value beyond pid_t (garbage in the header): kill(0, …) would address our own process group.
bool pid_exists(std::uint64_t pid) noexcept {
  if (pid == 0 || pid > static_cast<std::uint64_t>(INT_MAX)) return true;  // cannot tell
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH;
}

}  // namespace

void CoreLink::poll(std::int64_t now_mono_ns) {
  const bool was_alive = channel() != nullptr;
  const std::uint64_t was_epoch = channel_ ? channel_->segment().epoch() : 0;
  if (channel_) drop_if_replaced_or_gone();
  if (!channel_) try_attach();
  if (channel_) check_core_alive();
  if (channel() != nullptr) {
    announce_live_epoch(now_mono_ns);
  } else if (was_alive) {
    say("core stopped (epoch " + std::to_string(was_epoch) + ")", now_mono_ns);
  }
}

std::string_view CoreLink::notice(std::int64_t now_mono_ns) const noexcept {
  if (notice_.empty() || now_mono_ns >= notice_until_ns_) return {};
  return notice_;
}

void CoreLink::drop_if_replaced_or_gone() {
  const std::optional<std::uint64_t> epoch = shm::read_epoch(segment_);
  if (epoch && *epoch == channel_->segment().epoch()) return;
  channel_.reset();  // a new epoch is attached right after, by try_attach()
  core_alive_ = false;
}

void CoreLink::try_attach() {
  std::string why;
  channel_ = shm::ControlChannel::attach(segment_, /*read_only=*/true, why);
  why_ = channel_ ? std::string() : why;
}

// Only a live core's epoch counts: a segment left by a dead core is no restart.
void CoreLink::announce_live_epoch(std::int64_t now_mono_ns) {
  const std::uint64_t epoch = channel_->segment().epoch();
  if (epoch == last_epoch_) return;
  say(last_epoch_ == 0 ? "attached to core epoch " + std::to_string(epoch)
                       : "core restarted (epoch " + std::to_string(epoch) + ")",
      now_mono_ns);
  last_epoch_ = epoch;
}

void CoreLink::check_core_alive() {
  const shm::SegmentIdentity& id = channel_->segment().identity();
  core_alive_ = pid_exists(id.creator_pid);
  if (!core_alive_) {
    why_ = "the segment is left from a core that exited (pid " + std::to_string(id.creator_pid) +
           ", epoch " + std::to_string(id.core_epoch) + ")";
  }
}

void CoreLink::say(std::string text, std::int64_t now_mono_ns) {
  notice_ = std::move(text);
  notice_until_ns_ = now_mono_ns + kNoticeNs;
}

}  // namespace scalper::dash
