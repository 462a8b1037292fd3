// fixed_string.hpp — inline, fixed-capacity text for symbols, exchange ids and reasons.
//
// Trivially copyable and free of padding (so events and actions can be journaled and hashed as
// raw bytes): N-1 chars, zero-filled past the end, then a one-byte length.
// Threading: value type. Allocation: none.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace scalper {

template <std::size_t N>
class FixedString {
  static_assert(N >= 2 && N <= 256, "length must fit the one-byte size field");

 public:
  static constexpr std::size_t kCapacity = N - 1;

  constexpr FixedString() noexcept = default;

  // Refuses (and leaves *this empty) when text does not fit: for identifiers, where a cut
  // copy would silently name something else.
  [[nodiscard]] bool try_assign(std::string_view text) noexcept {
    clear();
    if (text.size() > kCapacity) return false;
    if (!text.empty()) std::memcpy(chars_, text.data(), text.size());  // data() may be null
    size_ = static_cast<std::uint8_t>(text.size());
    return true;
  }
  // Cuts at capacity: for human-readable reasons, where the start is what matters.
  void assign_truncated(std::string_view text) noexcept {
    clear();
    const std::size_t n = text.size() < kCapacity ? text.size() : kCapacity;
    if (n != 0) std::memcpy(chars_, text.data(), n);
    size_ = static_cast<std::uint8_t>(n);
  }
  [[nodiscard]] static FixedString truncated(std::string_view text) noexcept {
    FixedString s;
    s.assign_truncated(text);
    return s;
  }
  void clear() noexcept {
    std::memset(chars_, 0, sizeof chars_);
    size_ = 0;
  }

  [[nodiscard]] std::string_view view() const noexcept { return {chars_, size_}; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] const char* data() const noexcept { return chars_; }

  // Whole-object compare: the bytes past the size are always zero (assign and clear keep it
  // so, the journal refuses anything else), and a constant-size compare is inlined.
  friend bool operator==(const FixedString& a, const FixedString& b) noexcept {
    return std::memcmp(&a, &b, sizeof(FixedString)) == 0;
  }

 private:
  char chars_[N - 1] = {};
  std::uint8_t size_ = 0;
};

}  // namespace scalper
