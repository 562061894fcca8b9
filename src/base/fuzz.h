// Support for the fuzz targets (src/*/*_fuzz.cc, docs/testing.md): a check that aborts with a
// message, so libFuzzer records the input as a finding and the corpus replay test fails, and
// a watch over the heap's growth, so a target can assert that memory is bounded by a limit
// rather than by its input.
//
//   GS_FUZZ_CHECK(m.message_id.size() > 0, "message without an id");
//   {
//     AllocationWatch watch;
//     reader->read(in, ctx);
//   }
//   GS_FUZZ_CHECK(AllocationWatch::peak_growth() <= bound, ...);
//
// The watch needs AddressSanitizer's allocation hooks; elsewhere (the plain corpus replay
// build) it sees nothing and peak_growth() stays 0.
//
// Thread-safety: one AllocationWatch at a time, in the thread that allocates.
#pragma once

#include <cstddef>
#include <cstdio>
#include <cstdlib>

#if defined(__SANITIZE_ADDRESS__)
#define GS_FUZZ_ALLOCATION_HOOKS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GS_FUZZ_ALLOCATION_HOOKS 1
#endif
#endif
#ifdef GS_FUZZ_ALLOCATION_HOOKS
#include <sanitizer/allocator_interface.h>
#endif

#define GS_FUZZ_CHECK(cond, ...)                                                             \
  do {                                                                                       \
    if (!(cond)) {                                                                           \
      std::fprintf(stderr, "%s:%d: fuzz invariant broken: %s: ", __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, __VA_ARGS__);                                                     \
      std::fprintf(stderr, "\n");                                                            \
      std::abort();                                                                          \
    }                                                                                        \
  } while (0)

namespace groundswell {

// Heap growth while the watch is alive: bytes allocated minus bytes freed, and its peak.
class AllocationWatch {
 public:
  AllocationWatch() {
    live_ = 0;
    peak_ = 0;
    active_ = true;
#ifdef GS_FUZZ_ALLOCATION_HOOKS
    static const bool installed =
        __sanitizer_install_malloc_and_free_hooks(&on_malloc, &on_free) != 0;
    (void)installed;
#endif
  }
  ~AllocationWatch() { active_ = false; }
  AllocationWatch(const AllocationWatch&) = delete;
  AllocationWatch& operator=(const AllocationWatch&) = delete;

  // The most the heap grew by at any moment since the watch started.
  static long long peak_growth() { return peak_; }
  static bool available() {
#ifdef GS_FUZZ_ALLOCATION_HOOKS
    return true;
#else
    return false;
#endif
  }

 private:
#ifdef GS_FUZZ_ALLOCATION_HOOKS
  static void on_malloc(const volatile void*, std::size_t size) {
    if (!active_) return;
    live_ += static_cast<long long>(size);
    if (live_ > peak_) peak_ = live_;
  }
  static void on_free(const volatile void* p) {
    if (active_)
      live_ -= static_cast<long long>(__sanitizer_get_allocated_size(const_cast<const void*>(p)));
  }
#endif

  static inline bool active_ = false;
  static inline long long live_ = 0, peak_ = 0;
};

}  // namespace groundswell
