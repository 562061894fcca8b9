#include "text/minhash.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <random>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace groundswell {

double lsh_miss_probability(double similarity, int bands, int rows) {
  if (bands <= 0 || rows <= 0) return 1.0;
  const double collide_one_band = std::pow(similarity, rows);
  return std::pow(1.0 - collide_one_band, bands);
}

LshParameters choose_lsh_parameters(double threshold, int max_signature, double target_miss) {
  max_signature = std::max(1, max_signature);
  LshParameters best{max_signature, 1, lsh_miss_probability(threshold, max_signature, 1)};
  for (int rows = 1; rows <= max_signature; ++rows) {
    const int bands = max_signature / rows;
    const double miss = lsh_miss_probability(threshold, bands, rows);
    if (miss <= target_miss) best = {bands, rows, miss};
  }
  return best;
}

MinHasher::MinHasher(int num_hashes, uint64_t seed) {
  std::mt19937_64 rng(seed);
  mul_.resize(static_cast<size_t>(num_hashes));
  add_.resize(static_cast<size_t>(num_hashes));
  for (int k = 0; k < num_hashes; ++k) {
    mul_[static_cast<size_t>(k)] = rng() | 1;  // odd: a bijection of the 64-bit hashes
    add_[static_cast<size_t>(k)] = rng();
  }
}

namespace {

void signature_scalar(std::span<const uint64_t> shingles, const uint64_t* mul, const uint64_t* add,
                      uint64_t* sig, size_t k) {
  for (const uint64_t x : shingles) {
    for (size_t j = 0; j < k; ++j) {
      const uint64_t v = x * mul[j] + add[j];
      sig[j] = v < sig[j] ? v : sig[j];
    }
  }
}

#if defined(__x86_64__)
// x·m + a, then the unsigned minimum with `best`. (Through the masked form with every lane
// in: GCC 12's unmasked _mm512_min_epu64 reads an undefined register, which -Werror's
// maybe-uninitialized rejects.)
__attribute__((target("avx512f,avx512dq"))) inline __m512i min_of(__m512i best, __m512i x,
                                                                  __m512i m, __m512i a) {
  return _mm512_mask_min_epu64(best, 0xFF, best, _mm512_add_epi64(_mm512_mullo_epi64(x, m), a));
}

// Eight values at a time with AVX-512's 64-bit multiply and unsigned minimum (baseline
// x86-64 has neither): the same arithmetic modulo 2^64 as the scalar loop, so the same
// signature. Four vectors of values per pass over the shingles, so that the multiplies of
// one shingle overlap; what is left after the last full vector goes the scalar way.
__attribute__((target("avx512f,avx512dq"))) void signature_avx512(
    std::span<const uint64_t> shingles, const uint64_t* mul, const uint64_t* add, uint64_t* sig,
    size_t k) {
  size_t j = 0;
  for (; j + 32 <= k; j += 32) {
    const __m512i m0 = _mm512_loadu_si512(mul + j), m1 = _mm512_loadu_si512(mul + j + 8);
    const __m512i m2 = _mm512_loadu_si512(mul + j + 16), m3 = _mm512_loadu_si512(mul + j + 24);
    const __m512i a0 = _mm512_loadu_si512(add + j), a1 = _mm512_loadu_si512(add + j + 8);
    const __m512i a2 = _mm512_loadu_si512(add + j + 16), a3 = _mm512_loadu_si512(add + j + 24);
    __m512i s0 = _mm512_loadu_si512(sig + j), s1 = _mm512_loadu_si512(sig + j + 8);
    __m512i s2 = _mm512_loadu_si512(sig + j + 16), s3 = _mm512_loadu_si512(sig + j + 24);
    for (const uint64_t value : shingles) {
      const __m512i x = _mm512_set1_epi64(static_cast<long long>(value));
      s0 = min_of(s0, x, m0, a0);
      s1 = min_of(s1, x, m1, a1);
      s2 = min_of(s2, x, m2, a2);
      s3 = min_of(s3, x, m3, a3);
    }
    _mm512_storeu_si512(sig + j, s0);
    _mm512_storeu_si512(sig + j + 8, s1);
    _mm512_storeu_si512(sig + j + 16, s2);
    _mm512_storeu_si512(sig + j + 24, s3);
  }
  for (; j + 8 <= k; j += 8) {
    const __m512i m = _mm512_loadu_si512(mul + j), a = _mm512_loadu_si512(add + j);
    __m512i best = _mm512_loadu_si512(sig + j);
    for (const uint64_t value : shingles) {
      const __m512i x = _mm512_set1_epi64(static_cast<long long>(value));
      best = min_of(best, x, m, a);
    }
    _mm512_storeu_si512(sig + j, best);
  }
  signature_scalar(shingles, mul + j, add + j, sig + j, k - j);
}
#endif

}  // namespace

void MinHasher::signature(std::span<const uint64_t> shingles, std::span<uint64_t> out) const {
  assert(out.size() == mul_.size());
  std::fill(out.begin(), out.end(), std::numeric_limits<uint64_t>::max());
#if defined(__x86_64__)
  static const bool avx512 =
      __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
  if (avx512) {
    signature_avx512(shingles, mul_.data(), add_.data(), out.data(), mul_.size());
    return;
  }
#endif
  signature_scalar(shingles, mul_.data(), add_.data(), out.data(), mul_.size());
}

}  // namespace groundswell
