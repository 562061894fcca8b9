// MinHash signatures (Broder 1997) and the choice of LSH banding (Leskovec, Rajaraman &
// Ullman, Mining of Massive Datasets, ch. 3.4) for near-duplicate search.
//
// A signature has bands × rows values; value k is min over the shingles x of
// x·a_k + b_k (mod 2^64) with odd a_k drawn from std::mt19937_64(seed). Two sets agree on one
// value with probability ≈ their Jaccard similarity s, so they share at least one band (and
// become a candidate pair) with probability 1 − (1 − s^r)^b, and are missed with probability
//   miss(s) = (1 − s^r)^b.
//
//   LshParameters p = choose_lsh_parameters(0.8, 128, 1e-6);   // {bands 32, rows 4, ...}
//   MinHasher mh(p.bands * p.rows, seed);
//   mh.signature(shingles, sig);
//
// Thread-safety: MinHasher is immutable after construction; share it freely.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace groundswell {

struct LshParameters {
  int bands = 0;
  int rows = 0;
  double miss_probability = 1.0;  // miss(threshold)
};

// (1 − s^rows)^bands: the probability that a pair of Jaccard similarity s shares no band.
double lsh_miss_probability(double similarity, int bands, int rows);

// Among all (b, r) with b·r ≤ max_signature, takes the largest r (fewest dissimilar candidate
// pairs, since a pair of similarity s collides in one band with probability s^r) for which
// b = ⌊max_signature / r⌋ bands bring miss(threshold) down to target_miss; with that r, b is
// as large as the budget allows, which minimises the miss probability. When no r reaches the
// target, r = 1 and b = max_signature (the smallest miss the budget allows).
LshParameters choose_lsh_parameters(double threshold, int max_signature, double target_miss);

class MinHasher {
 public:
  MinHasher(int num_hashes, uint64_t seed);
  int size() const { return static_cast<int>(mul_.size()); }
  // out.size() must equal size(). An empty set gets all-ones values.
  void signature(std::span<const uint64_t> shingles, std::span<uint64_t> out) const;

 private:
  std::vector<uint64_t> mul_;
  std::vector<uint64_t> add_;
};

}  // namespace groundswell
