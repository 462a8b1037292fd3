// compile_fail.cpp — misuse that must not compile (house style 2.5: deleted copy on segment
// handles, static_assert on ring and slot payloads). CTest compiles this file once as is (it
// must compile, so the failures below are for the right reason) and once per SCALPER_CASE_*,
// expecting the compiler's specific complaint. Not part of any executable.
#include <string>

#include "scalper/shm/segment.hpp"
#include "scalper/shm/seqlock_slot.hpp"
#include "scalper/shm/spsc_ring.hpp"

#if defined(SCALPER_CASE_COPY_SEGMENT)
// Two handles over one mapping would unmap it twice and share the core's lock.
scalper::shm::Segment copy_of(const scalper::shm::Segment& s) { return s; }
#elif defined(SCALPER_CASE_RING_OF_STRING)
// A std::string's bytes point into one process's heap.
scalper::shm::SpscRing<std::string> ring;
#elif defined(SCALPER_CASE_SLOT_OF_STRING)
scalper::shm::SeqlockSlot<std::string> slot;
#else
scalper::shm::SpscRing<std::uint64_t> ring;
scalper::shm::SeqlockSlot<std::uint64_t> slot;
#endif

int main() { return 0; }
