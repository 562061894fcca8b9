// Near-duplicate search: recall on pairs of known Jaccard, nothing below the threshold,
// agreement with brute force, the time window, the minimum length and determinism across
// thread counts.
#include "text/near_duplicate.h"

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <algorithm>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "text/normalize.h"

namespace groundswell {
namespace {

std::vector<std::string_view> views(const std::vector<std::string>& keys) {
  return {keys.begin(), keys.end()};
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

// Pairs of texts whose word sets have an exactly known Jaccard: A has m distinct words, B
// keeps k of them and adds m − k new ones, so J = k / (2m − k). Words are unique to their
// pair, so texts of different pairs share nothing.
struct PlantedPairs {
  std::vector<std::string> keys;
  std::vector<double> jaccard;  // per pair p: items 2p and 2p + 1
};

PlantedPairs planted_pairs(int count, double j_min, double j_max, uint64_t seed) {
  std::mt19937_64 rng(seed);
  PlantedPairs out;
  int word_id = 0;
  auto fresh = [&] { return "w" + std::to_string(seed) + "x" + std::to_string(word_id++); };
  while (static_cast<int>(out.jaccard.size()) < count) {
    const int m = 10 + static_cast<int>(rng() % 50);
    std::vector<int> ks;
    for (int k = 1; k <= m; ++k) {
      const double j = static_cast<double>(k) / (2 * m - k);
      if (j >= j_min && j < j_max) ks.push_back(k);
    }
    if (ks.empty()) continue;
    const int k = ks[rng() % ks.size()];
    std::vector<std::string> a, b;
    for (int i = 0; i < m; ++i) a.push_back(fresh());
    for (int i = 0; i < k; ++i) b.push_back(a[static_cast<size_t>(i)]);
    for (int i = k; i < m; ++i) b.push_back(fresh());
    std::shuffle(a.begin(), a.end(), rng);
    std::shuffle(b.begin(), b.end(), rng);
    out.keys.push_back(join(a));
    out.keys.push_back(join(b));
    out.jaccard.push_back(static_cast<double>(k) / (2 * m - k));
  }
  return out;
}

TEST(NearDuplicates, RecallAboveThresholdAndNothingBelow) {
  const double threshold = 0.8;
  PlantedPairs high = planted_pairs(1500, threshold + 0.05, 1.01, 11);
  PlantedPairs low = planted_pairs(1500, 0.4, threshold, 12);
  PlantedPairs near = planted_pairs(500, threshold, threshold + 0.05, 13);
  std::vector<std::string> keys = high.keys;
  keys.insert(keys.end(), low.keys.begin(), low.keys.end());
  keys.insert(keys.end(), near.keys.begin(), near.keys.end());
  std::vector<double> truth = high.jaccard;
  truth.insert(truth.end(), low.jaccard.begin(), low.jaccard.end());
  truth.insert(truth.end(), near.jaccard.begin(), near.jaccard.end());

  NearDuplicateOptions opt;
  opt.threshold = threshold;
  auto result = find_near_duplicates(views(keys), {}, opt);
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_LE(result->miss_probability, 1e-6);

  std::set<size_t> found_pairs;
  for (const NearDuplicatePair& p : result->pairs) {
    ASSERT_LT(p.a, p.b);
    // Only planted partners share words.
    ASSERT_EQ(p.a / 2, p.b / 2) << p.a << " " << p.b;
    ASSERT_EQ(p.a % 2, 0u);
    const size_t pair = p.a / 2;
    EXPECT_GE(truth[pair], threshold) << "reported a pair below the threshold";
    EXPECT_NEAR(p.jaccard, truth[pair], 1e-6);
    found_pairs.insert(pair);
  }
  size_t high_found = 0;
  for (size_t p = 0; p < high.jaccard.size(); ++p) high_found += found_pairs.count(p);
  EXPECT_GE(static_cast<double>(high_found) / static_cast<double>(high.jaccard.size()), 0.99);
  // Pairs at or just above the threshold: found up to the miss probability too.
  size_t near_found = 0;
  const size_t near_begin = high.jaccard.size() + low.jaccard.size();
  for (size_t p = 0; p < near.jaccard.size(); ++p) near_found += found_pairs.count(near_begin + p);
  EXPECT_GE(static_cast<double>(near_found) / static_cast<double>(near.jaccard.size()), 0.99);
}

// A corpus with accidental overlaps (small vocabulary) and planted campaigns of edited copies.
struct Corpus {
  std::vector<std::string> keys;
  std::vector<int64_t> times;
  std::vector<uint32_t> accounts;
};

Corpus random_corpus(size_t organic, size_t campaigns, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Corpus c;
  std::vector<std::string> vocab;
  for (int i = 0; i < 300; ++i) vocab.push_back("v" + std::to_string(i));
  auto add = [&](std::vector<std::string> words, int64_t t) {
    c.keys.push_back(join(words));
    c.times.push_back(t);
    c.accounts.push_back(static_cast<uint32_t>(rng() % 400));
  };
  const int64_t day = 86'400'000;
  for (size_t i = 0; i < organic; ++i) {
    std::vector<std::string> words;
    const size_t len = 3 + rng() % 12;
    for (size_t k = 0; k < len; ++k) words.push_back(vocab[rng() % 40 == 0 ? rng() % 300 : rng() % 60]);
    add(words, static_cast<int64_t>(rng() % day));
  }
  for (size_t k = 0; k < campaigns; ++k) {
    std::vector<std::string> base;
    const size_t len = 6 + rng() % 15;
    for (size_t i = 0; i < len; ++i) base.push_back(vocab[rng() % 300]);
    const int64_t t0 = static_cast<int64_t>(rng() % day);
    const size_t copies = 2 + rng() % 8;
    for (size_t i = 0; i < copies; ++i) {
      std::vector<std::string> w = base;
      const size_t edits = rng() % 3;
      for (size_t e = 0; e < edits; ++e) w[rng() % w.size()] = vocab[rng() % 300];
      add(w, t0 + static_cast<int64_t>(rng() % 7'200'000));
    }
  }
  return c;
}

TEST(NearDuplicates, AgreesWithBruteForce) {
  const Corpus c = random_corpus(3000, 200, 5);
  NearDuplicateOptions opt;
  opt.window_ms = 3'600'000;
  opt.threshold = 0.7;
  auto lsh = find_near_duplicates(views(c.keys), c.times, c.accounts, opt);
  auto brute = find_near_duplicates_brute_force(views(c.keys), c.times, c.accounts, opt);
  ASSERT_TRUE(lsh.ok());
  ASSERT_TRUE(brute.ok());
  ASSERT_GT(brute->pairs.size(), 200u);
  std::map<std::pair<uint32_t, uint32_t>, double> exact;
  for (const auto& p : brute->pairs) exact[{p.a, p.b}] = p.jaccard;
  for (const auto& p : lsh->pairs) {
    auto it = exact.find({p.a, p.b});
    ASSERT_NE(it, exact.end()) << "LSH reported a pair brute force rejects";
    EXPECT_EQ(it->second, p.jaccard);
    EXPECT_NE(c.accounts[p.a], c.accounts[p.b]);
    EXPECT_LE(std::abs(c.times[p.a] - c.times[p.b]), opt.window_ms);
  }
  EXPECT_GE(static_cast<double>(lsh->pairs.size()) / static_cast<double>(brute->pairs.size()), 0.99);
  EXPECT_LT(lsh->candidate_pairs, brute->candidate_pairs / 4) << "LSH should prune most pairs";
}

// A copy-paste campaign's texts: many exact copies of a few texts and of one-word edits of
// them, from overlapping accounts. Copies collide in every band and edits in many: each pair
// must still come out once, with the similarity that comparing every pair of items gives.
TEST(NearDuplicates, CopiesOfFewTextsGiveEveryPairOnce) {
  std::mt19937_64 rng(11);
  std::vector<std::string> keys;
  std::vector<int64_t> times;
  std::vector<uint32_t> accounts;
  for (int text = 0; text < 4; ++text) {
    std::vector<std::string> base;
    for (int w = 0; w < 12; ++w)
      base.push_back("t" + std::to_string(text) + "w" + std::to_string(w));
    std::vector<std::string> variants = {join(base)};
    for (int v = 0; v < 3; ++v) {
      std::vector<std::string> edited = base;
      edited[static_cast<size_t>(rng() % edited.size())] = "edit" + std::to_string(v);
      if (v == 2) edited[0] = edited[5] = "other";  // below the threshold of the others
      variants.push_back(join(edited));
    }
    for (int copy = 0; copy < 90; ++copy) {
      keys.push_back(variants[copy % 5 == 0 ? 1 + rng() % 3 : 0]);
      times.push_back(static_cast<int64_t>(rng() % 7'200'000));
      accounts.push_back(static_cast<uint32_t>(rng() % 150));
    }
  }
  keys.push_back("an unrelated text of its own with enough words in it");
  times.push_back(1000);
  accounts.push_back(7);
  // A long text and a lightly edited copy: too many shingles for a sketch, always merged.
  std::vector<std::string> long_text;
  for (int w = 0; w < 400; ++w) long_text.push_back("long" + std::to_string(w));
  keys.push_back(join(long_text));
  long_text[100] = long_text[300] = "changed";
  keys.push_back(join(long_text));
  times.insert(times.end(), {2000, 3000});
  accounts.insert(accounts.end(), {8, 9});
  NearDuplicateOptions opt;
  opt.window_ms = 1'800'000;
  opt.threshold = 0.8;
  opt.skip_same_account = true;
  auto lsh = find_near_duplicates(views(keys), times, accounts, opt);
  auto brute = find_near_duplicates_brute_force(views(keys), times, accounts, opt);
  ASSERT_TRUE(lsh.ok());
  ASSERT_TRUE(brute.ok());
  ASSERT_GT(brute->pairs.size(), 5000u);
  ASSERT_EQ(lsh->pairs.size(), brute->pairs.size());
  size_t below_one = 0;
  for (size_t i = 0; i < lsh->pairs.size(); ++i) {
    EXPECT_EQ(lsh->pairs[i].a, brute->pairs[i].a);
    EXPECT_EQ(lsh->pairs[i].b, brute->pairs[i].b);
    EXPECT_EQ(lsh->pairs[i].jaccard, brute->pairs[i].jaccard);
    below_one += brute->pairs[i].jaccard < 1.0;
  }
  EXPECT_GT(below_one, 500u);  // the edits' pairs, not only exact copies
  const auto last = static_cast<uint32_t>(keys.size() - 1);
  EXPECT_TRUE(std::any_of(lsh->pairs.begin(), lsh->pairs.end(), [&](const NearDuplicatePair& p) {
    return p.a == last - 1 && p.b == last;
  }));
  // Every pair of copies within the window is verified once (band 0); the edits' pairs in
  // the band where their keys first agree, the rest not at all.
  EXPECT_GE(lsh->candidate_pairs, brute->pairs.size());
  EXPECT_LT(lsh->candidate_pairs, brute->candidate_pairs);
}

TEST(NearDuplicates, TimeWindowIsInclusive) {
  const std::string text = "the same message posted by two accounts";
  const std::vector<std::string> keys = {text, text, text};
  const std::vector<int64_t> times = {0, 1000, 2001};
  NearDuplicateOptions opt;
  opt.window_ms = 1000;
  auto r = find_near_duplicates(views(keys), times, opt);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->pairs.size(), 1u);  // (0,1) at 1000 ms; (1,2) is 1001 ms apart
  EXPECT_EQ(r->pairs[0].a, 0u);
  EXPECT_EQ(r->pairs[0].b, 1u);
  EXPECT_EQ(r->pairs[0].jaccard, 1.0f);
  opt.window_ms = -1;
  r = find_near_duplicates(views(keys), times, opt);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->pairs.size(), 3u);
}

TEST(NearDuplicates, ExtremeTimesDoNotOverflowTheWindow) {
  const std::string text = "the same message posted by two accounts";
  const std::vector<std::string> keys = {text, text};
  const std::vector<int64_t> times = {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()};
  NearDuplicateOptions opt;
  opt.window_ms = 3'600'000;
  auto r = find_near_duplicates(views(keys), times, opt);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->pairs.empty());
  auto b = find_near_duplicates_brute_force(views(keys), times, {}, opt);
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(b->pairs.empty());
}

TEST(NearDuplicates, HugeBucketCostsItsInWindowPairsOnly) {
  // 5,000 copies of one text, one per second, window 10 s: every band is one bucket of
  // 5,000, but only pairs at most 10 s apart may be examined (10 per item), not 1.25·10⁷.
  const size_t n = 5'000;
  const std::vector<std::string> keys(n, "one campaign text copied many many times");
  std::vector<int64_t> times(n);
  for (size_t i = 0; i < n; ++i) times[i] = static_cast<int64_t>((i * 7919) % n) * 1000;
  NearDuplicateOptions opt;
  opt.window_ms = 10'000;
  auto r = find_near_duplicates(views(keys), times, opt);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->candidate_pairs, (n - 10) * 10 + 45);  // pairs with |Δt| ≤ 10 s, each verified once
  EXPECT_EQ(r->pairs.size(), r->candidate_pairs);
}

TEST(NearDuplicates, ShortTextsAreNotCompared) {
  const std::vector<std::string> keys = {"one two three four", "one two three four",
                                         "one two three four five", "one two three four five"};
  NearDuplicateOptions opt;
  opt.shingle_mode = ShingleMode::kWords;
  auto r = find_near_duplicates(views(keys), {}, opt);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->compared_items, 2u);
  ASSERT_EQ(r->pairs.size(), 1u);
  EXPECT_EQ(r->pairs[0].a, 2u);
  EXPECT_EQ(r->pairs[0].b, 3u);
}

TEST(NearDuplicates, SameAccountPairsSkippedOnRequest) {
  const std::string text = "a message long enough to be compared here";
  const std::vector<std::string> keys = {text, text, text};
  const std::vector<uint32_t> accounts = {7, 7, 8};
  NearDuplicateOptions opt;
  auto r = find_near_duplicates(views(keys), {}, accounts, opt);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->pairs.size(), 2u);  // (0,2) and (1,2)
  EXPECT_EQ(r->pairs[0].b, 2u);
  opt.skip_same_account = false;
  r = find_near_duplicates(views(keys), {}, accounts, opt);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->pairs.size(), 3u);
}

TEST(NearDuplicates, NormalizedPersianVariantsAreDuplicates) {
  const std::vector<std::string> raw = {
      "ما ایرانی هستیم و آزادی می‌خواهیم برای همه مردم #آزادی",
      "ما ايراني هستيم و ازادى مي‌خواهيم برای همه مردم #ازادی https://t.co/x",
      "امروز هوا بسیار خوب است و ما به پارک رفتیم",
  };
  NormalizeOptions no;
  no.urls = NormalizeOptions::Entities::kRemove;
  std::vector<std::string> keys;
  for (const auto& t : raw) keys.push_back(normalize_key(t, no));
  auto r = find_near_duplicates(views(keys), {}, NearDuplicateOptions{});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->pairs.size(), 1u);
  EXPECT_EQ(r->pairs[0].a, 0u);
  EXPECT_EQ(r->pairs[0].b, 1u);
  EXPECT_EQ(r->pairs[0].jaccard, 1.0f);
}

TEST(NearDuplicates, CharacterShinglesForUnspacedScriptsAndShortCorpora) {
  // Chinese: one character changed of eleven.
  const std::vector<std::string> zh = {"我们今天去北京看长城了", "我们今天去北京看长城啦", "明天我要在家里学习数学"};
  NearDuplicateOptions opt;
  opt.threshold = 0.7;
  auto r = find_near_duplicates(views(zh), {}, opt);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->pairs.size(), 1u);
  EXPECT_EQ(r->pairs[0].b, 1u);
  // A corpus of short texts switches to character shingles, where a typo costs little.
  const std::vector<std::string> tweets = {"free our people now please", "free our peopel now please",
                                           "totally different words here ok"};
  r = find_near_duplicates(views(tweets), {}, opt);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->char_shingles);
  ASSERT_EQ(r->pairs.size(), 1u);
  EXPECT_EQ(r->pairs[0].a, 0u);
  opt.shingle_mode = ShingleMode::kWords;
  r = find_near_duplicates(views(tweets), {}, opt);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->char_shingles);
  EXPECT_TRUE(r->pairs.empty());  // word sets: 4 of 6 shared
}

TEST(NearDuplicates, SameOutputForOneAndManyThreads) {
  const Corpus c = random_corpus(12000, 800, 9);
  NearDuplicateOptions opt;
  opt.window_ms = 3'600'000;
  auto run = [&](int threads) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(threads));
    auto r = find_near_duplicates(views(c.keys), c.times, c.accounts, opt);
    EXPECT_TRUE(r.ok());
    return std::move(r).value();
  };
  const NearDuplicateResult one = run(1);
  const NearDuplicateResult many = run(4);
  ASSERT_GT(one.pairs.size(), 100u);
  ASSERT_EQ(one.pairs.size(), many.pairs.size());
  for (size_t i = 0; i < one.pairs.size(); ++i) {
    EXPECT_EQ(one.pairs[i].a, many.pairs[i].a);
    EXPECT_EQ(one.pairs[i].b, many.pairs[i].b);
    EXPECT_EQ(one.pairs[i].jaccard, many.pairs[i].jaccard);
  }
  EXPECT_EQ(one.candidate_pairs, many.candidate_pairs);
  for (size_t i = 1; i < one.pairs.size(); ++i) {
    EXPECT_TRUE(one.pairs[i - 1].a < one.pairs[i].a ||
                (one.pairs[i - 1].a == one.pairs[i].a && one.pairs[i - 1].b < one.pairs[i].b));
  }
}

TEST(NearDuplicates, RejectsBadOptions) {
  const std::vector<std::string> keys = {"a b c d e", "a b c d e"};
  NearDuplicateOptions opt;
  opt.threshold = 0.0;
  EXPECT_EQ(find_near_duplicates(views(keys), {}, opt).status().code(), StatusCode::kInvalidArgument);
  opt.threshold = 1.5;
  EXPECT_FALSE(find_near_duplicates(views(keys), {}, opt).ok());
  opt = {};
  opt.window_ms = 10;
  EXPECT_FALSE(find_near_duplicates(views(keys), {}, opt).ok()) << "a window needs times";
  const std::vector<int64_t> one_time = {1};
  EXPECT_FALSE(find_near_duplicates(views(keys), one_time, opt).ok());
  opt.min_tokens = 0;
  const std::vector<int64_t> times = {1, 2};
  EXPECT_FALSE(find_near_duplicates(views(keys), times, opt).ok());
}

TEST(NearDuplicates, EmptyAndSingleInput) {
  auto r = find_near_duplicates({}, {}, NearDuplicateOptions{});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->pairs.empty());
  EXPECT_EQ(r->bands, 32);
  EXPECT_EQ(r->rows, 4);
}

TEST(KeyGroups, IdsByFirstAppearance) {
  const std::vector<std::string> keys = {"b", "a", "b", "", "a", "c", ""};
  const KeyGroups g = group_identical_keys(views(keys));
  EXPECT_EQ(g.group_count, 4u);
  EXPECT_EQ(g.group_of, (std::vector<uint32_t>{0, 1, 0, 2, 1, 3, 2}));
}

}  // namespace
}  // namespace groundswell
