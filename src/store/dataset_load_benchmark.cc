// Loading the analysis columns of an existing store (GS_BENCH_DB, required: a store that may
// be written, since the saved columns are written beside it), from SQLite and from the file
// beside the store (X.db.columns), with and without the message text (argument 1 / 0).
// One load per benchmark; run one at a time under /usr/bin/time -v for its peak memory:
//
//   GS_BENCH_DB=x.db build/dataset_load_benchmark --benchmark_filter='FromStore/1'
//   GS_BENCH_DB=x.db build/dataset_load_benchmark --benchmark_filter='SaveColumns'
//   GS_BENCH_DB=x.db build/dataset_load_benchmark --benchmark_filter='FromSavedColumns/1'
//
// SaveColumns loads as groundswell does (from the file when it matches, else from the store,
// then writing the file); FromSavedColumns fails when the file does not match the store.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>

#include "store/dataset.h"
#include "store/dataset_cache.h"
#include "store/store.h"

namespace groundswell {
namespace {

void load(benchmark::State& state, bool cache) {
  const char* path = std::getenv("GS_BENCH_DB");
  if (!path) {
    state.SkipWithError("set GS_BENCH_DB to a store");
    return;
  }
  DatasetOptions o;
  o.cache = cache;
  o.load_text = state.range(0) != 0;
  for (auto _ : state) {
    auto store = Store::open(path);
    if (!store) {
      state.SkipWithError(store.status().message().c_str());
      return;
    }
    auto d = load_dataset(*store, o);
    if (!d) {
      state.SkipWithError(d.status().message().c_str());
      return;
    }
    state.counters["messages"] = static_cast<double>(d->messages());
    state.counters["MB"] = static_cast<double>(d->bytes()) / 1e6;
  }
}

void BM_FromStore(benchmark::State& state) { load(state, false); }
BENCHMARK(BM_FromStore)->Arg(1)->Arg(0)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_SaveColumns(benchmark::State& state) { load(state, true); }
BENCHMARK(BM_SaveColumns)->Arg(1)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_FromSavedColumns(benchmark::State& state) {
  const char* path = std::getenv("GS_BENCH_DB");
  if (path && !std::filesystem::exists(dataset_cache_path(path))) {
    state.SkipWithError("no saved columns: run SaveColumns first");
    return;
  }
  const auto written = std::filesystem::last_write_time(dataset_cache_path(path));
  load(state, true);
  if (std::filesystem::last_write_time(dataset_cache_path(path)) != written)
    state.SkipWithError("the saved columns did not match the store: read from the store");
}
BENCHMARK(BM_FromSavedColumns)->Arg(1)->Arg(0)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace groundswell

BENCHMARK_MAIN();
