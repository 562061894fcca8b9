// An unsigned 128-bit integer (a GCC and Clang extension): the product of two 64-bit numbers,
// and several small fields packed into one value so that sorting them is sorting integers.
#pragma once

namespace groundswell {

__extension__ typedef unsigned __int128 Uint128;

}  // namespace groundswell
