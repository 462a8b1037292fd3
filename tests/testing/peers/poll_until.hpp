// poll_until.hpp — the network tests' bounded wait: turn the loop (and the timers of whatever
// runs on it) until a condition holds or the time is up. No sleeping: the loop blocks in the
// kernel for at most 1 ms a turn, waiting for I/O.
#pragma once

#include <cstdint>
#include <functional>

#include <scalper/net/event_loop.hpp>
#include "scalper/timing/clock.hpp"

namespace scalper::net::testing {

// Each turn: tick(now_ms) (the connections' timers), then one poll of the loop. True when
// done() held within `within_ms`.
inline bool poll_until(EventLoop& loop, const std::function<void(std::int64_t)>& tick,
                       const std::function<bool()>& done, std::int64_t within_ms = 10'000) {
  const std::int64_t end = timing::mono_ms() + within_ms;
  while (!done()) {
    const std::int64_t now = timing::mono_ms();
    if (now > end) return false;
    tick(now);
    (void)loop.poll_once(1'000'000);
  }
  return true;
}

}  // namespace scalper::net::testing
