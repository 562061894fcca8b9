// Account signals (compute_signals) on the analysis columns of a store of your own: the
// columns are loaded once (from the columns file beside the store when it is there), then
// every account's signals are computed again each iteration.
//
//   GS_BENCH_STORE=path/to/groundswell.db build/signals_benchmark
// Without GS_BENCH_STORE the benchmark says so and is skipped.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "signals/signals.h"
#include "store/store.h"

namespace groundswell {
namespace {

// The columns of GS_BENCH_STORE, loaded on first use; the reason it could not be, otherwise.
const Dataset* columns(std::string& why) {
  static std::unique_ptr<Dataset> data;
  static std::string error;
  if (data == nullptr && error.empty()) {
    const char* path = std::getenv("GS_BENCH_STORE");
    if (path == nullptr) {
      error = "set GS_BENCH_STORE to a store (e.g. one `groundswell ingest` made)";
    } else if (auto store = Store::open(path, /*read_only=*/true); !store.ok()) {
      error = store.status().message();
    } else if (auto loaded = load_dataset(*store); !loaded.ok()) {
      error = loaded.status().message();
    } else {
      data = std::make_unique<Dataset>(std::move(*loaded));
    }
  }
  why = error;
  return data.get();
}

void BM_Signals(benchmark::State& state) {
  std::string why;
  const Dataset* d = columns(why);
  if (d == nullptr) {
    state.SkipWithError(why.c_str());
    return;
  }
  std::size_t scored = 0;
  for (auto _ : state) {
    auto t = compute_signals(*d);
    if (!t.ok()) {
      state.SkipWithError(t.status().message().c_str());
      return;
    }
    scored = 0;
    for (double s : t->score) scored += s == s;
    benchmark::DoNotOptimize(t->reasons.data());
  }
  state.counters["accounts"] = static_cast<double>(d->accounts());
  state.counters["messages"] = static_cast<double>(d->messages());
  state.counters["scored"] = static_cast<double>(scored);
  state.counters["accounts_per_s"] = benchmark::Counter(
      static_cast<double>(d->accounts()) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Signals)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

}  // namespace
}  // namespace groundswell

BENCHMARK_MAIN();
