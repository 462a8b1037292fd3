// seqlock_slot.hpp — one value published by a single writer, read by anyone, over caller memory.
//
// The writer never waits: it makes the sequence odd, writes, makes it even. A reader copies the
// value between two reads of the sequence and retries when it was odd or changed. The copy is
// made of 64-bit atomic accesses (std::atomic_ref), so the "racy" reads a seqlock relies on are
// not data races in the C++ model (a plain memcpy would be; Boehm, "Can seqlocks get along with
// programming language memory models?"). Ordering comes from the accesses themselves, not from
// fences, which ThreadSanitizer cannot model: the odd mark is an acquire RMW (later stores
// cannot move above it), data stores are release and data loads acquire, so a reader that saw
// any word of a write in progress is guaranteed to see the odd (or a newer) sequence after it.
// On x86 the loads and stores are plain moves; the writer pays one locked add per store.
//
// Threading: one writer (thread or process) calls store; readers call try_load/load.
// Allocation: none.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <type_traits>

#include "scalper/shm/false_sharing.hpp"

namespace scalper::shm {

template <class T>
class SeqlockSlot {
  static_assert(std::is_trivially_copyable_v<T>, "values cross process boundaries as bytes");

  static constexpr std::size_t kWords = (sizeof(T) + 7) / 8;

  // Its own 128-byte block(s): neighbouring slots (one per bot) written by the core must not
  // share a prefetch pair with the one a reader is copying.
  struct alignas(kFalseSharing) Layout {
    std::atomic<std::uint64_t> sequence;  // even: stable; odd: a write is under way
    std::uint64_t words[kWords];
  };

 public:
  [[nodiscard]] static constexpr std::size_t bytes() noexcept { return sizeof(Layout); }

  // Lays out an empty slot (sequence 0: never written) in `memory` (kFalseSharing-aligned).
  static void format(void* memory) noexcept {
    auto* layout = new (memory) Layout{};
    layout->sequence.store(0, std::memory_order_release);
  }

  SeqlockSlot() = default;
  explicit SeqlockSlot(void* memory) noexcept : layout_(static_cast<Layout*>(memory)) {}

  // Writer. Never blocks.
  void store(const T& value) noexcept {
    std::uint64_t words[kWords] = {};
    std::memcpy(words, &value, sizeof(T));
    const std::uint64_t seq = layout_->sequence.fetch_add(1, std::memory_order_acquire);
    for (std::size_t i = 0; i < kWords; ++i) {
      std::atomic_ref<std::uint64_t>(layout_->words[i]).store(words[i], std::memory_order_release);
    }
    layout_->sequence.store(seq + 2, std::memory_order_release);
  }

  // Reader, one attempt: false when a write overlapped (or nothing was ever written).
  [[nodiscard]] bool try_load(T& out) const noexcept {
    const std::uint64_t before = layout_->sequence.load(std::memory_order_acquire);
    if ((before & 1) != 0 || before == 0) return false;
    std::uint64_t words[kWords];
    for (std::size_t i = 0; i < kWords; ++i) {
      words[i] = std::atomic_ref<std::uint64_t>(layout_->words[i]).load(std::memory_order_acquire);
    }
    if (layout_->sequence.load(std::memory_order_relaxed) != before) return false;
    std::memcpy(&out, words, sizeof(T));
    return true;
  }

  // Reader: retries while writes overlap, at most `attempts` times. False when it never got a
  // stable copy (or the slot was never written).
  [[nodiscard]] bool load(T& out, std::uint32_t attempts = 1024) const noexcept {
    for (std::uint32_t i = 0; i < attempts; ++i) {
      if (try_load(out)) return true;
      if (layout_->sequence.load(std::memory_order_relaxed) == 0) return false;
    }
    return false;
  }

  // Times the value was written.
  [[nodiscard]] std::uint64_t version() const noexcept {
    return layout_->sequence.load(std::memory_order_acquire) / 2;
  }

 private:
  Layout* layout_ = nullptr;
};

}  // namespace scalper::shm
