#include <scalper/sim/auth.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <algorithm>
#include <stdexcept>

namespace scalper::sim {

std::string hmac_sha256_hex(std::string_view secret, std::string_view message) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  // The one-shot HMAC() is not deprecated in OpenSSL 3 and needs no context management.
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac,
           &mac_len) == nullptr) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(static_cast<std::size_t>(mac_len) * 2, '0');
  for (unsigned int i = 0; i < mac_len; ++i) {
    hex[2 * i] = kHex[mac[i] >> 4];
    hex[2 * i + 1] = kHex[mac[i] & 0xF];
  }
  return hex;
}

bool signature_matches(std::string_view expected_hex, std::string_view presented_hex) noexcept {
  if (expected_hex.size() != presented_hex.size() || expected_hex.empty()) return false;
  return CRYPTO_memcmp(expected_hex.data(), presented_hex.data(), expected_hex.size()) == 0;
}

std::string join_signature(std::string_view secret) {
  return hmac_sha256_hex(secret, R"({"channel":"coindcx"})");
}

SlidingWindowLimiter::SlidingWindowLimiter(std::size_t limit, std::int64_t window_ms)
    : times_(std::max<std::size_t>(limit, 1), 0), window_ms_(window_ms) {}

std::int64_t SlidingWindowLimiter::next_admission_ms(std::int64_t now_ms) const noexcept {
  if (count_ < times_.size()) return now_ms;
  // Full: the oldest admission must leave the window first.
  return std::max(now_ms, times_[head_] + window_ms_);
}

bool SlidingWindowLimiter::admit(std::int64_t now_ms) {
  if (next_admission_ms(now_ms) > now_ms) return false;
  if (count_ < times_.size()) {
    times_[(head_ + count_) % times_.size()] = now_ms;
    ++count_;
  } else {
    times_[head_] = now_ms;  // overwrite the oldest; the next oldest becomes the head
    head_ = (head_ + 1) % times_.size();
  }
  return true;
}

void SlidingWindowLimiter::reset() noexcept {
  head_ = 0;
  count_ = 0;
}

std::int64_t RateLimit::retry_after_s(std::int64_t now_ms) const noexcept {
  const std::int64_t at =
      std::max(second_.next_admission_ms(now_ms), minute_.next_admission_ms(now_ms));
  return std::max<std::int64_t>(1, (at - now_ms + 999) / 1000);
}

}  // namespace scalper::sim
