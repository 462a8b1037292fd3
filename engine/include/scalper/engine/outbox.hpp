// outbox.hpp — the fixed-capacity list step() writes its actions into.
//
// Sized once at construction (Engine::outbox_capacity() says how much one step can need);
// push() never allocates. The runtime drains it after every step and calls clear().
// Threading: one thread (the engine thread). Allocation: only in the constructor.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <utility>

#include "scalper/engine/actions.hpp"

namespace scalper {

class Outbox {
 public:
  explicit Outbox(std::size_t capacity)
      : slots_(std::make_unique<Action[]>(capacity)), capacity_(capacity) {}

  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // The engine checks free() against its worst case before it touches any state, so a push
  // past capacity is a bug in that bound, not a condition to handle.
  template <class A>
  void push(const A& action) noexcept {
    if (size_ < capacity_)
      slots_[size_++] = action;
    else
      overflowed_ = true;
  }

  // Constructs the next action in place from `args` (aggregate initialisation, so a record
  // passed whole is copied once, not zeroed first) and returns it for the caller to finish.
  template <class A, class... Args>
  A& emplace(Args&&... args) noexcept {
    Action& slot = size_ < capacity_ ? slots_[size_++] : (overflowed_ = true, scratch_);
#if defined(__cpp_aggregate_paren_init)
    return slot.template emplace<A>(std::forward<Args>(args)...);
#else
    // Compilers without C++20 parenthesised aggregate init (clang 14, which builds the fuzz
    // preset) take a braced temporary: one more copy, off the production (GCC) path.
    return slot.template emplace<A>(A{std::forward<Args>(args)...});
#endif
  }

  [[nodiscard]] std::span<const Action> actions() const noexcept { return {slots_.get(), size_}; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] std::size_t free() const noexcept { return capacity_ - size_; }
  [[nodiscard]] bool overflowed() const noexcept { return overflowed_; }
  void clear() noexcept {
    size_ = 0;
    overflowed_ = false;
  }

 private:
  std::unique_ptr<Action[]> slots_;
  std::size_t capacity_;
  std::size_t size_ = 0;
  bool overflowed_ = false;
  Action scratch_;  // absorbs writes past capacity so a wrong bound cannot corrupt memory
};

}  // namespace scalper
