// Asking the processor for a cache line ahead of its use, for lookups into tables larger than
// the caches whose keys are known a few records before they are looked up.
//
// gcc 12 drops `__builtin_prefetch` from some inlined conditional code (measured: a member
// function that prefetches only when its table is not empty compiles to nothing), so on x86
// the instruction is written out; it never faults, whatever the address.
#pragma once

namespace groundswell {

inline void prefetch_line(const void* p) {
#if defined(__x86_64__) || defined(__i386__)
  asm volatile("prefetcht0 (%0)" : : "r"(p));
#else
  __builtin_prefetch(p);
#endif
}

}  // namespace groundswell
