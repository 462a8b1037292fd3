// spsc_queue.hpp — moodycamel's ReaderWriterQueue (Debian libreaderwriterqueue-dev), the one
// queue hop between the feed thread and the engine thread, made visible to ThreadSanitizer.
//
// The queue orders its slots with standalone fences, which TSan does not model. For clang it
// annotates the hand-over itself (AnnotateHappensBefore/After) when __has_feature says TSan is
// on; GCC 12 has no __has_feature, so under GCC's TSan (__SANITIZE_THREAD__) the same
// annotations are defined here, before the header, and the header keeps them. Without this
// every queued event would be reported as a race. Outside TSan builds nothing changes.
#pragma once

#if defined(__SANITIZE_THREAD__) && !defined(AE_TSAN_ANNOTATE_RELEASE)
namespace moodycamel {
inline int ae_tsan_global;
}
extern "C" void AnnotateHappensBefore(const char* file, int line, const volatile void* address);
extern "C" void AnnotateHappensAfter(const char* file, int line, const volatile void* address);
#define AE_TSAN_ANNOTATE_RELEASE() \
  AnnotateHappensBefore(__FILE__, __LINE__, &::moodycamel::ae_tsan_global)
#define AE_TSAN_ANNOTATE_ACQUIRE() \
  AnnotateHappensAfter(__FILE__, __LINE__, &::moodycamel::ae_tsan_global)
#endif

#include <readerwriterqueue/readerwriterqueue.h>
