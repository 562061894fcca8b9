#include "text/minhash.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <random>

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

void MinHasher::signature(std::span<const uint64_t> shingles, std::span<uint64_t> out) const {
  assert(out.size() == mul_.size());
  const size_t k = mul_.size();
  std::fill(out.begin(), out.end(), std::numeric_limits<uint64_t>::max());
  const uint64_t* mul = mul_.data();
  const uint64_t* add = add_.data();
  uint64_t* sig = out.data();
  for (const uint64_t x : shingles) {
    for (size_t j = 0; j < k; ++j) {
      const uint64_t v = x * mul[j] + add[j];
      sig[j] = v < sig[j] ? v : sig[j];
    }
  }
}

}  // namespace groundswell
