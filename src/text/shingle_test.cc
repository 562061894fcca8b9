// Tokens, shingles, MinHash and the LSH parameter choice.
#include "text/shingle.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "text/minhash.h"
#include "text/normalize.h"

namespace groundswell {
namespace {

std::vector<std::string> tokens_of(std::string_view key) {
  Shingler sh;
  sh.tokenize(key);
  std::vector<std::string> out;
  for (size_t i = 0; i < sh.token_count(); ++i) out.emplace_back(sh.token(i));
  return out;
}

TEST(Tokenize, WordsSymbolsEntitiesAndUrls) {
  EXPECT_EQ(tokens_of("hello, world! 😀 #tag @user https://x.com/a?b=1 end"),
            (std::vector<std::string>{"hello", "world", "😀", "#tag", "@user", "https://x.com/a?b=1", "end"}));
  EXPECT_EQ(tokens_of("a-b c_d 3.14"), (std::vector<std::string>{"a", "b", "c_d", "3", "14"}));
  EXPECT_EQ(tokens_of("# @ ..."), std::vector<std::string>{});
  EXPECT_EQ(tokens_of("سلام، خوبی؟ ما ایرانی هستیم"),
            (std::vector<std::string>{"سلام", "خوبی", "ما", "ایرانی", "هستیم"}));
}

TEST(Tokenize, UnspacedScriptsGiveOneTokenPerCharacter) {
  Shingler sh;
  sh.tokenize("我爱北京 ok");
  ASSERT_EQ(sh.token_count(), 5u);
  EXPECT_EQ(sh.token(0), "我");
  EXPECT_EQ(sh.token(4), "ok");
  EXPECT_TRUE(sh.mainly_unspaced());
  sh.tokenize("hello world 我");
  EXPECT_FALSE(sh.mainly_unspaced());
  // Thai: combining vowels stay on their consonant.
  sh.tokenize("กิน");
  EXPECT_EQ(sh.token_count(), 2u);
  EXPECT_EQ(sh.token(0), "กิ");
}

std::vector<uint64_t> shingles(std::string_view key, ShingleKind kind, ShingleOptions o = {}) {
  Shingler sh;
  sh.tokenize(key);
  std::vector<uint64_t> out;
  sh.append_shingles(kind, o, out);
  return out;
}

TEST(Shingles, WordSetsGiveTheExpectedJaccard) {
  // {a b c d e} vs {a b c d f}: 4 shared of 6.
  EXPECT_DOUBLE_EQ(jaccard_sorted(shingles("a b c d e", ShingleKind::kWords),
                                  shingles("a b c d f", ShingleKind::kWords)),
                   4.0 / 6.0);
  // Duplicates collapse; order does not matter for unigrams.
  EXPECT_EQ(shingles("b a a c", ShingleKind::kWords), shingles("a b c", ShingleKind::kWords));
  // Bigrams see order: {ab bc cd de} vs {ab bc cd df}: 3 of 5.
  ShingleOptions bigrams;
  bigrams.words = 2;
  EXPECT_DOUBLE_EQ(jaccard_sorted(shingles("a b c d e", ShingleKind::kWords, bigrams),
                                  shingles("a b c d f", ShingleKind::kWords, bigrams)),
                   3.0 / 5.0);
  EXPECT_NE(shingles("a b c", ShingleKind::kWords, bigrams), shingles("c b a", ShingleKind::kWords, bigrams));
  // Fewer tokens than n: one shingle of everything.
  EXPECT_EQ(shingles("a", ShingleKind::kWords, bigrams).size(), 1u);
}

TEST(Shingles, CharacterShinglesAreSetsOfCodePointTrigrams) {
  // "abcd" -> {abc, bcd}; "abce" -> {abc, bce}.
  EXPECT_EQ(shingles("abcd", ShingleKind::kChars).size(), 2u);
  EXPECT_DOUBLE_EQ(jaccard_sorted(shingles("abcd", ShingleKind::kChars), shingles("abce", ShingleKind::kChars)),
                   1.0 / 3.0);
  // Punctuation does not count, spaces between tokens do.
  EXPECT_EQ(shingles("ab, cd", ShingleKind::kChars), shingles("ab cd", ShingleKind::kChars));
  EXPECT_NE(shingles("ab cd", ShingleKind::kChars), shingles("abcd", ShingleKind::kChars));
  // Char and word shingles of the same text do not collide.
  EXPECT_EQ(jaccard_sorted(shingles("abc", ShingleKind::kChars), shingles("abc", ShingleKind::kWords)), 0.0);
}

TEST(Shingles, SeedChangesHashesButNotJaccard) {
  ShingleOptions s2;
  s2.seed = 99;
  EXPECT_NE(shingles("a b c", ShingleKind::kWords), shingles("a b c", ShingleKind::kWords, s2));
  EXPECT_DOUBLE_EQ(jaccard_sorted(shingles("a b c d e", ShingleKind::kWords, s2),
                                  shingles("a b c d f", ShingleKind::kWords, s2)),
                   4.0 / 6.0);
}

TEST(Jaccard, EdgeCases) {
  const std::vector<uint64_t> empty, one{1}, two{1, 2};
  EXPECT_EQ(jaccard_sorted(empty, empty), 0.0);
  EXPECT_EQ(jaccard_sorted(empty, one), 0.0);
  EXPECT_EQ(jaccard_sorted(one, one), 1.0);
  EXPECT_EQ(jaccard_sorted(one, two), 0.5);
}

// The near-duplicate search verifies candidates with the early-stopping merge: it must keep
// exactly the pairs the full merge keeps, with the same value.
TEST(Jaccard, AtLeastAgreesWithTheFullMergeAtTheThreshold) {
  std::mt19937_64 rng(7);
  int reached = 0, stopped = 0;
  for (int trial = 0; trial < 20000; ++trial) {
    // Two sets drawn from a small universe, so every overlap from none to all occurs.
    const auto universe = static_cast<uint64_t>(4 + rng() % 40);
    std::vector<uint64_t> a, b;
    for (uint64_t x = 0; x < universe; ++x) {
      if (rng() % 3 != 0) a.push_back(x * 7919);
      if (rng() % 3 != 0) b.push_back(x * 7919);
    }
    const double t = std::vector<double>{0.5, 0.7, 0.8, 0.9, 1.0}[rng() % 5];
    // The full value counted apart from the merge under test.
    std::vector<uint64_t> common;
    std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(common));
    const double full = a.empty() && b.empty()
                            ? 0.0
                            : static_cast<double>(common.size()) /
                                  static_cast<double>(a.size() + b.size() - common.size());
    EXPECT_EQ(jaccard_sorted(a, b), full) << trial;
    const double early = jaccard_sorted_at_least(a, b, t);
    EXPECT_EQ(full >= t, early >= t) << trial;
    if (full >= t) {
      EXPECT_EQ(full, early) << trial;
      ++reached;
    } else {
      stopped += early != full;
    }
  }
  EXPECT_GT(reached, 100);  // both sides of the threshold were tried
  EXPECT_GT(stopped, 100);  // and the merge did stop early
  EXPECT_EQ(jaccard_sorted_at_least({}, {}, 0.8), 0.0);
}

TEST(LshParameters, MissProbabilityFormula) {
  EXPECT_DOUBLE_EQ(lsh_miss_probability(0.5, 2, 2), 0.75 * 0.75);
  EXPECT_DOUBLE_EQ(lsh_miss_probability(1.0, 4, 3), 0.0);
  EXPECT_DOUBLE_EQ(lsh_miss_probability(0.0, 4, 3), 1.0);
  EXPECT_NEAR(lsh_miss_probability(0.8, 32, 4), std::pow(1 - std::pow(0.8, 4), 32), 1e-18);
}

TEST(LshParameters, LargestRowsThatMeetTheTargetWithinBudget) {
  for (double threshold : {0.5, 0.7, 0.8, 0.9, 0.95}) {
    for (int budget : {64, 128, 256}) {
      const double target = 1e-6;
      const LshParameters p = choose_lsh_parameters(threshold, budget, target);
      EXPECT_LE(p.bands * p.rows, budget);
      EXPECT_EQ(p.bands, budget / p.rows);
      EXPECT_DOUBLE_EQ(p.miss_probability, lsh_miss_probability(threshold, p.bands, p.rows));
      if (p.rows > 1 || p.miss_probability <= target) {
        EXPECT_LE(p.miss_probability, target) << threshold << " " << budget;
      }
      // One more row per band would miss more than the target.
      const int r = p.rows + 1;
      EXPECT_GT(lsh_miss_probability(threshold, budget / r, r), target) << threshold << " " << budget;
    }
  }
  const LshParameters p = choose_lsh_parameters(0.8, 128, 1e-6);
  EXPECT_EQ(p.rows, 4);
  EXPECT_EQ(p.bands, 32);
}

TEST(MinHash, AgreementRateEstimatesJaccard) {
  // Sets with known Jaccard 1/3, 1/2, 4/5 on random 64-bit elements.
  std::mt19937_64 rng(7);
  const MinHasher mh(2048, 3);
  for (auto [shared, own] : {std::pair{100, 100}, {200, 100}, {800, 100}}) {
    std::vector<uint64_t> a, b;
    for (int i = 0; i < shared; ++i) {
      const uint64_t x = rng();
      a.push_back(x);
      b.push_back(x);
    }
    for (int i = 0; i < own; ++i) {
      a.push_back(rng());
      b.push_back(rng());
    }
    const double j = static_cast<double>(shared) / (shared + 2 * own);
    std::vector<uint64_t> sa(2048), sb(2048);
    mh.signature(a, sa);
    mh.signature(b, sb);
    int agree = 0;
    for (size_t k = 0; k < sa.size(); ++k) agree += sa[k] == sb[k];
    // Standard error sqrt(j(1-j)/2048) < 0.012; allow 4 of them.
    EXPECT_NEAR(agree / 2048.0, j, 0.045) << j;
  }
}

// The signature is the one the header defines, whatever the processor runs it with (eight
// values at a time where it can): value k is the minimum over the shingles x of
// x·a_k + b_k mod 2^64, a_k (made odd) and b_k drawn in turn from std::mt19937_64(seed).
// Sizes cover four vectors at a time, single vectors and the scalar rest.
TEST(MinHash, SignatureIsTheDefinedMinimum) {
  std::mt19937_64 data(11);
  for (const int size : {1, 7, 8, 20, 32, 128, 131}) {
    for (const size_t count : {size_t{0}, size_t{1}, size_t{3}, size_t{57}}) {
      std::vector<uint64_t> shingles(count);
      for (uint64_t& x : shingles) x = data();
      const uint64_t seed = 1000 + static_cast<uint64_t>(size);
      std::mt19937_64 rng(seed);
      std::vector<uint64_t> expected(static_cast<size_t>(size));
      for (uint64_t& e : expected) {
        const uint64_t a = rng() | 1, b = rng();
        e = std::numeric_limits<uint64_t>::max();
        for (const uint64_t x : shingles) e = std::min(e, x * a + b);
      }
      std::vector<uint64_t> got(static_cast<size_t>(size), 0);
      MinHasher(size, seed).signature(shingles, got);
      EXPECT_EQ(got, expected) << size << " values, " << count << " shingles";
    }
  }
}

}  // namespace
}  // namespace groundswell
