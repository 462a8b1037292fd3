// clock.hpp — the two clocks every Scalper timestamp is read from, in one place.
//
//   wall: CLOCK_REALTIME, ns since the Unix epoch. For what leaves the process as a date: the
//         exchange's request timestamps, log lines, fill times shown to an operator. It can
//         jump (NTP, an operator's date): never subtract two wall readings to time something.
//   mono: CLOCK_MONOTONIC, ns since boot. For durations, deadlines and latency samples; the
//         same clock in every process on the machine, so the core's and the simulator's
//         readings can be subtracted (wire-to-wire) and heartbeats compared across processes.
//
// std::chrono's system_clock and steady_clock are these two clocks on Linux (glibc reads them
// through the vDSO: no system call). The engine reads neither: time arrives in its events.
// Threading: any thread. Allocation: none.
#pragma once

#include <chrono>
#include <cstdint>

namespace scalper::timing {

[[nodiscard]] inline std::int64_t wall_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
[[nodiscard]] inline std::int64_t wall_ms() noexcept { return wall_ns() / 1'000'000; }

[[nodiscard]] inline std::int64_t mono_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
[[nodiscard]] inline std::int64_t mono_ms() noexcept { return mono_ns() / 1'000'000; }

}  // namespace scalper::timing
