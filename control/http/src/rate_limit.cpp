#include "scalper/control/rate_limit.hpp"

#include <algorithm>

namespace scalper::control {

bool RateLimiter::admit(std::string_view client, std::int64_t now_ms,
                        std::uint32_t& retry_after_s) {
  const std::int64_t full = std::int64_t{config_.burst} * 1000;
  auto it = buckets_.find(std::string(client));
  if (it == buckets_.end()) {
    if (buckets_.size() >= config_.max_clients) forget_the_idlest();
    it = buckets_.emplace(std::string(client), Bucket{full, now_ms}).first;
  }
  Bucket& b = it->second;
  const std::int64_t elapsed = std::max<std::int64_t>(now_ms - b.updated_ms, 0);
  // per_second tokens a second = per_second thousandths a millisecond.
  b.milli_tokens = std::min(full, b.milli_tokens + elapsed * config_.per_second);
  b.updated_ms = now_ms;
  if (b.milli_tokens >= 1000) {
    b.milli_tokens -= 1000;
    return true;
  }
  const std::int64_t missing = 1000 - b.milli_tokens;
  const std::int64_t rate = std::max<std::int64_t>(config_.per_second, 1);
  const std::int64_t wait_ms = (missing + rate - 1) / rate;
  retry_after_s = static_cast<std::uint32_t>(std::max<std::int64_t>((wait_ms + 999) / 1000, 1));
  return false;
}

void RateLimiter::forget_the_idlest() {
  auto idlest = buckets_.begin();
  for (auto it = buckets_.begin(); it != buckets_.end(); ++it) {
    if (it->second.updated_ms < idlest->second.updated_ms) idlest = it;
  }
  if (idlest != buckets_.end()) buckets_.erase(idlest);
}

}  // namespace scalper::control
