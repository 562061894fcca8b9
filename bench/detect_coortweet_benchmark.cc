// End-to-end CooRTweet compatibility on the German election URL shares (41,100 rows,
// W = 30 s, N = 2): read the CSV, build the dataset, detect, write every output file.
// CooRTweet itself takes about 22 s for this (tests/data/reference/README.md).
//
//   build/detect_coortweet_benchmark   (run from the repository root)
#include <benchmark/benchmark.h>

#include <filesystem>

#include "detect/detect.h"
#include "store/test_dataset.h"

namespace groundswell {
namespace {

const char* kInput = "tests/data/reference/coortweet/german_urls_input.csv";

DetectOptions compat_options() {
  DetectOptions opt;
  opt.compat = CompatMode::kCoortweet;
  opt.behaviours = {Behaviour::kShare};
  opt.window_ms = 30'000;
  opt.min_repetition = 2;
  return opt;
}

void BM_CoortweetGermanUrlsEndToEnd(benchmark::State& state) {
  auto out = std::filesystem::temp_directory_path() / "gs_detect_coortweet_bench";
  std::size_t edges = 0;
  for (auto _ : state) {
    Dataset d = testing::read_coortweet(kInput);
    auto r = detect(d, compat_options());
    if (!r.ok()) {
      state.SkipWithError(r.status().message().c_str());
      return;
    }
    if (!write_detection_outputs(d, *r, compat_options(), out).ok()) {
      state.SkipWithError("write failed");
      return;
    }
    edges = r->edges.size();
  }
  state.counters["edges"] = static_cast<double>(edges);
  state.counters["rows_per_s"] = benchmark::Counter(
      41100.0 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_CoortweetGermanUrlsEndToEnd)
    ->Unit(benchmark::kMillisecond)
    ->MeasureProcessCPUTime()
    ->UseRealTime();

void BM_CoortweetGermanUrlsDetectOnly(benchmark::State& state) {
  Dataset d = testing::read_coortweet(kInput);
  for (auto _ : state) {
    auto r = detect(d, compat_options());
    benchmark::DoNotOptimize(r.ok());
  }
}
BENCHMARK(BM_CoortweetGermanUrlsDetectOnly)
    ->Unit(benchmark::kMillisecond)
    ->MeasureProcessCPUTime()
    ->UseRealTime();

}  // namespace
}  // namespace groundswell

BENCHMARK_MAIN();
