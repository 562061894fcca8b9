// Kernels of src/text: normalize_key on English, Persian and mixed posts, canonical_url,
// tokenize + shingle, and a MinHash signature. Google Benchmark; bytes/s and items/s are the
// figures to watch.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "text/minhash.h"
#include "text/normalize.h"
#include "text/shingle.h"
#include "text/url.h"

namespace {

const std::string kEnglish =
    "RT @NewsDesk: Breaking — thousands gathered in the capital tonight demanding change. "
    "Full story https://www.example.com/world/2023/protest?utm_source=twitter&utm_medium=social #Protest";
const std::string kPersian =
    "ما ایرانی هستیم و آزادی می‌خواهیم، امروز ۱۴۰۱/۰۷/۰۸ هزاران نفر در خیابان‌های تهران بودند "
    "و شعار دادند. #زن_زندگی_آزادی @خبرنگار https://t.me/s/news_channel/12345";
const std::string kArabicVariants =
    "ما ايراني هستيم و ازادى مي خواهيم، امروز ١٤٠١/٠٧/٠٨ هزاران نفر در خيابان هاي تهران بودند "
    "و شعار دادند. ﻛﺘﺎﺏ مُحَمَّد آزادـــی \u200Fسلام\u200E";

void BM_NormalizeKey(benchmark::State& state, const std::string& text) {
  groundswell::NormalizeOptions opt;
  std::string out;
  for (auto _ : state) {
    groundswell::normalize_key(text, opt, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK_CAPTURE(BM_NormalizeKey, english, kEnglish);
BENCHMARK_CAPTURE(BM_NormalizeKey, persian, kPersian);
BENCHMARK_CAPTURE(BM_NormalizeKey, arabic_variants, kArabicVariants);

void BM_CanonicalUrl(benchmark::State& state) {
  const std::string url = "HTTPS://WWW.Example.com:443/a/b/?utm_source=x&b=2&a=1&fbclid=zz#frag";
  for (auto _ : state) benchmark::DoNotOptimize(groundswell::canonical_url(url));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_CanonicalUrl);

void BM_Shingles(benchmark::State& state) {
  const std::string key = groundswell::normalize_key(kPersian);
  groundswell::Shingler sh;
  std::vector<uint64_t> out;
  const auto kind = state.range(0) ? groundswell::ShingleKind::kChars : groundswell::ShingleKind::kWords;
  for (auto _ : state) {
    out.clear();
    sh.tokenize(key);
    sh.append_shingles(kind, {}, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_Shingles)->Arg(0)->Arg(1);

void BM_MinHashSignature(benchmark::State& state) {
  std::vector<uint64_t> shingles;
  for (int i = 0; i < state.range(0); ++i) shingles.push_back(0x9E3779B97F4A7C15ULL * static_cast<uint64_t>(i + 1));
  const groundswell::MinHasher mh(128, 1);
  std::vector<uint64_t> sig(128);
  for (auto _ : state) {
    mh.signature(shingles, sig);
    benchmark::DoNotOptimize(sig.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_MinHashSignature)->Arg(20)->Arg(100);

}  // namespace

BENCHMARK_MAIN();
