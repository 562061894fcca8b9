// xxHash (Debian's libxxhash-dev) compiled into each caller instead of called through the
// shared library. Most of groundswell's hashes are of a few bytes (an account and a
// replicate, an account, a replicate and a day, a key of two ids), where the library call
// and its dispatch on the length are about a third of the cost (2e8 hashes of 24 bytes:
// 4.4-4.9 ns each through the library, 2.9-3.4 ns inlined); inlined, the compiler knows the
// length. The values are the library's: xxHash defines them, not the build.
// Every file of groundswell includes xxHash through this header, so that a type or an inline
// function of a header (XXH3_state_t, detect_internal's key hashes) means the same in each.
#pragma once

#define XXH_INLINE_ALL
#include <xxhash.h>
