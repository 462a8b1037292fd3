#include <scalper/net/reconnect.hpp>

#include <algorithm>

namespace scalper::net {

Backoff::Backoff(std::int64_t initial_ms, std::int64_t max_ms, std::uint64_t seed) noexcept
    : initial_ms_(std::max<std::int64_t>(initial_ms, 1)),
      max_ms_(std::max(max_ms, std::max<std::int64_t>(initial_ms, 1))),
      rng_(seed) {}

// splitmix64: jitter needs spread, not secrecy.
std::uint64_t Backoff::next_random() noexcept {
  std::uint64_t z = (rng_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::int64_t Backoff::next_delay_ms() noexcept {
  // initial × 2^n without overflow: stop doubling once the cap is reached.
  std::int64_t cap = initial_ms_;
  for (std::uint32_t i = 0; i < attempts_ && cap < max_ms_; ++i) cap *= 2;
  cap = std::min(cap, max_ms_);
  if (attempts_ < UINT32_MAX) ++attempts_;
  const std::int64_t low = std::max<std::int64_t>(cap / 2, 1);
  const auto span = static_cast<std::uint64_t>(cap - low + 1);
  return low + static_cast<std::int64_t>(next_random() % span);
}

}  // namespace scalper::net
