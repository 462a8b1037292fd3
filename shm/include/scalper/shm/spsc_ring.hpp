// spsc_ring.hpp — single-producer single-consumer ring of fixed-size records over caller memory.
//
// The ring never owns memory: tests run it over a std::array, production over the shared
// segment, with the same code (Aeron's rings over raw buffers). Positions are 64-bit and only
// grow (masked on use), so there is no ABA and the lag is a subtraction. Each side caches the
// other side's position and reads the shared one only when the cache says full (producer) or
// empty (consumer) — rigtorp's trick, which keeps the hot cache lines unshared most of the time.
//
// Layout in memory (RingLayout, then capacity × sizeof(T)), every shared field on its own
// 128-byte block (two lines: adjacent-line prefetch). Records must be trivially copyable.
//
// Threading: one producer thread (or process) calls try_push, one consumer calls try_pop; any
// thread may read positions. Allocation: none. try_ never blocks, never allocates.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <type_traits>

#include "scalper/shm/false_sharing.hpp"

namespace scalper::shm {

struct alignas(kFalseSharing) RingLayout {
  std::atomic<std::uint64_t> tail;   // next position the producer writes; written by producer
  char pad0_[kFalseSharing - sizeof(std::atomic<std::uint64_t>)];
  std::atomic<std::uint64_t> head;   // next position the consumer reads; written by consumer
  char pad1_[kFalseSharing - sizeof(std::atomic<std::uint64_t>)];
  std::uint64_t capacity;            // records, a power of two; written once at creation
  std::uint64_t record_size;         // sizeof(T); checked on attach
  char pad2_[kFalseSharing - 2 * sizeof(std::uint64_t)];
};
static_assert(sizeof(RingLayout) == 3 * kFalseSharing);
static_assert(std::atomic<std::uint64_t>::is_always_lock_free,
              "positions are shared between processes: they must be lock-free");

template <class T>
class SpscRing {
  static_assert(std::is_trivially_copyable_v<T>, "records cross process boundaries as bytes");

 public:
  // Bytes of memory a ring of `capacity` records needs (capacity: a power of two).
  [[nodiscard]] static constexpr std::size_t bytes_for(std::size_t capacity) noexcept {
    return sizeof(RingLayout) + capacity * sizeof(T);
  }

  // Lays out an empty ring in `memory` (aligned to kFalseSharing, bytes_for(capacity) long).
  // Returns false when capacity is not a power of two or the memory is too small.
  [[nodiscard]] static bool format(void* memory, std::size_t bytes, std::size_t capacity) noexcept {
    if (capacity == 0 || (capacity & (capacity - 1)) != 0 || bytes < bytes_for(capacity) ||
        !aligned(memory)) {
      return false;
    }
    auto* layout = new (memory) RingLayout{};
    layout->capacity = capacity;
    layout->record_size = sizeof(T);
    layout->head.store(0, std::memory_order_relaxed);
    layout->tail.store(0, std::memory_order_release);
    return true;
  }

  SpscRing() = default;

  // Attaches to a ring format() laid out (here or in another process). Returns false, leaving
  // *this unattached, when the layout does not describe a ring of T fitting in `bytes`.
  [[nodiscard]] bool attach(void* memory, std::size_t bytes) noexcept {
    if (bytes < sizeof(RingLayout) || !aligned(memory)) return false;
    auto* layout = static_cast<RingLayout*>(memory);
    const std::uint64_t capacity = layout->capacity;
    if (layout->record_size != sizeof(T) || capacity == 0 || (capacity & (capacity - 1)) != 0 ||
        capacity > (bytes - sizeof(RingLayout)) / sizeof(T)) {
      return false;
    }
    layout_ = layout;
    records_ = reinterpret_cast<T*>(static_cast<char*>(memory) + sizeof(RingLayout));
    mask_ = capacity - 1;
    tail_cache_ = layout->tail.load(std::memory_order_acquire);
    head_cache_ = layout->head.load(std::memory_order_acquire);
    tail_ = tail_cache_;
    head_ = head_cache_;
    return true;
  }

  [[nodiscard]] bool attached() const noexcept { return layout_ != nullptr; }
  [[nodiscard]] static bool aligned(const void* memory) noexcept {
    return reinterpret_cast<std::uintptr_t>(memory) % kFalseSharing == 0;
  }
  [[nodiscard]] std::uint64_t capacity() const noexcept { return mask_ + 1; }

  // Producer. False when full (the consumer is behind by `capacity` records).
  [[nodiscard]] bool try_push(const T& record) noexcept {
    const std::uint64_t tail = tail_;  // only this side writes it: no need to read it back
    if (tail - head_cache_ > mask_) {
      head_cache_ = layout_->head.load(std::memory_order_acquire);  // pairs with try_pop's release
      if (tail - head_cache_ > mask_) return false;
    }
    std::memcpy(&records_[tail & mask_], &record, sizeof(T));
    tail_ = tail + 1;
    layout_->tail.store(tail_, std::memory_order_release);  // publishes the record
    return true;
  }

  // Consumer. False when empty.
  [[nodiscard]] bool try_pop(T& record) noexcept {
    const std::uint64_t head = head_;
    if (head == tail_cache_) {
      tail_cache_ = layout_->tail.load(std::memory_order_acquire);  // pairs with try_push
      if (head == tail_cache_) return false;
      // A tail more than a ring ahead is no producer's doing (a stray write, a corrupt
      // segment): read nothing rather than a ring of garbage for ever.
      if (tail_cache_ - head > mask_ + 1) {
        tail_cache_ = head;
        return false;
      }
    }
    std::memcpy(&record, &records_[head & mask_], sizeof(T));
    head_ = head + 1;
    layout_->head.store(head_, std::memory_order_release);  // frees the slot
    return true;
  }

  // Positions, for monitoring (lag = produced − consumed). Any thread.
  [[nodiscard]] std::uint64_t produced() const noexcept {
    return layout_->tail.load(std::memory_order_acquire);
  }
  [[nodiscard]] std::uint64_t consumed() const noexcept {
    return layout_->head.load(std::memory_order_acquire);
  }

 private:
  // Read-only after attach, by both sides.
  RingLayout* layout_ = nullptr;
  T* records_ = nullptr;
  std::uint64_t mask_ = 0;
  // Each side's cache on its own block: one object shared by a producer and a consumer thread
  // would otherwise bounce this line on every operation (measured: +50 % round-trip time).
  // Each side also keeps its own position: it is the only writer of it, so reading the shared
  // copy (a line the other side keeps pulling away) would only cost a miss. Set on attach,
  // which is why a restarted side must attach anew.
  alignas(kFalseSharing) std::uint64_t tail_ = 0;        // producer's own position
  std::uint64_t head_cache_ = 0;                          // producer's view of head
  alignas(kFalseSharing) std::uint64_t head_ = 0;        // consumer's own position
  std::uint64_t tail_cache_ = 0;                          // consumer's view of tail
};

}  // namespace scalper::shm
