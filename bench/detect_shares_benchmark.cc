// Native co-share detection at scale on generated data: S share actions (default 10M) by
// 500k accounts over 30 days, object popularity with a heavy head (the top object gets about
// 1% of all shares, tens of thousands within hours), plus 50 planted groups of 20 accounts
// co-sharing 50 items within 10 s. Measures detect() with the null model off, and with R
// replicates (the cost of significance at that size).
//
//   build/detect_shares_benchmark --benchmark_filter=Shares/10000000
// Pass --benchmark_filter=Shares/1000000 for a quick run.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <map>
#include <memory>
#include <random>

#include "detect/detect.h"

namespace groundswell {
namespace {

// A lean dataset: only the columns share detection reads.
std::unique_ptr<Dataset> generate(std::size_t shares) {
  auto d = std::make_unique<Dataset>();
  const std::size_t accounts = 500'000, objects = shares / 5;
  for (std::size_t a = 0; a < accounts + 1000; ++a) {
    d->account_row.push_back(static_cast<std::int64_t>(a + 1));
    d->account_platform.push_back("gen");
    d->account_id.push_back(fmt::format("acct{}", a));
  }
  std::mt19937_64 rng(42);
  const TimeMs t0 = 1'700'000'000'000, span = 30LL * 86'400'000;
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<TimeMs> birth(objects);
  for (auto& b : birth) b = t0 + static_cast<TimeMs>(u(rng) * static_cast<double>(span));
  std::exponential_distribution<double> delay(1.0 / 7'200'000.0);  // mean 2 h after birth
  struct Row {
    TimeMs t;
    std::uint32_t account;
    std::uint32_t object;
  };
  std::vector<Row> rows;
  rows.reserve(shares);
  const std::size_t planted_groups = 50, group_size = 20, items = 50;
  std::size_t organic = shares - planted_groups * group_size * items;
  for (std::size_t i = 0; i < organic; ++i) {
    auto o = static_cast<std::uint32_t>(static_cast<double>(objects) * std::pow(u(rng), 3.0));
    auto a = static_cast<std::uint32_t>(static_cast<double>(accounts) * u(rng));
    rows.push_back({birth[o] + static_cast<TimeMs>(delay(rng)), a, o});
  }
  std::uint32_t next_object = static_cast<std::uint32_t>(objects);
  for (std::size_t g = 0; g < planted_groups; ++g)
    for (std::size_t k = 0; k < items; ++k) {
      TimeMs start = t0 + static_cast<TimeMs>(u(rng) * static_cast<double>(span));
      std::uint32_t o = next_object++;
      for (std::size_t m = 0; m < group_size; ++m)
        rows.push_back({start + static_cast<TimeMs>(u(rng) * 10'000),
                        static_cast<std::uint32_t>(accounts + g * group_size + m), o});
    }
  std::sort(rows.begin(), rows.end(), [](const Row& x, const Row& y) { return x.t < y.t; });
  for (std::size_t i = 0; i < rows.size(); ++i) {
    d->msg_row.push_back(static_cast<std::int64_t>(i + 1));
    d->msg_account.push_back(rows[i].account);
    d->msg_time.push_back(rows[i].t);
    d->msg_shares.push_back(fmt::format("obj{}", rows[i].object));
  }
  return d;
}

void BM_Shares(benchmark::State& state) {
  static std::map<std::size_t, std::unique_ptr<Dataset>> cache;
  auto n = static_cast<std::size_t>(state.range(0));
  auto& d = cache[n];
  if (!d) d = generate(n);
  DetectOptions opt;
  opt.behaviours = {Behaviour::kShare};
  opt.null_replicates = static_cast<int>(state.range(1));
  std::size_t edges = 0, kept = 0, clusters = 0, crowded = 0;
  for (auto _ : state) {
    auto r = detect(*d, opt);
    if (!r.ok()) {
      state.SkipWithError(r.status().message().c_str());
      return;
    }
    edges = r->edges.size();
    kept = r->significant_edges;
    clusters = r->clusters.size();
    crowded = r->crowded_actions;
  }
  state.counters["edges"] = static_cast<double>(edges);
  state.counters["kept"] = static_cast<double>(kept);
  state.counters["clusters"] = static_cast<double>(clusters);
  state.counters["crowded_actions"] = static_cast<double>(crowded);
  state.counters["actions_per_s"] =
      benchmark::Counter(static_cast<double>(n) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Shares)
    ->Args({1'000'000, 0})
    ->Args({1'000'000, 99})
    ->Args({10'000'000, 0})
    ->Args({10'000'000, 99})
    ->Unit(benchmark::kSecond)
    ->MeasureProcessCPUTime()
    ->UseRealTime()
    ->Iterations(1);

// One object shared 100,000 times by distinct accounts, over range(1) seconds: 600 s is a
// viral burst (every action in a crowd above max_crowd: no pairs at all), 30 days spreads the
// shares so that each action pairs with the few neighbours within W. Neither may explode.
void BM_OneObject100kShares(benchmark::State& state) {
  Dataset d;
  const std::size_t n = 100'000;
  const TimeMs spread = state.range(0) * 1000;
  for (std::size_t a = 0; a < n; ++a) {
    d.account_row.push_back(static_cast<std::int64_t>(a + 1));
    d.account_platform.push_back("gen");
    d.account_id.push_back(fmt::format("acct{}", a));
  }
  std::mt19937_64 rng(1);
  std::uniform_int_distribution<TimeMs> when(0, spread);
  std::vector<TimeMs> times(n);
  for (auto& t : times) t = 1'700'000'000'000 + when(rng);
  std::sort(times.begin(), times.end());
  for (std::size_t i = 0; i < n; ++i) {
    d.msg_row.push_back(static_cast<std::int64_t>(i + 1));
    d.msg_account.push_back(static_cast<std::uint32_t>(i));
    d.msg_time.push_back(times[i]);
    d.msg_shares.push_back("viral");
  }
  DetectOptions opt;
  opt.behaviours = {Behaviour::kShare};
  opt.min_repetition = 1;  // even single co-shares become edges: the worst case for memory
  opt.null_replicates = 0;
  std::size_t edges = 0, crowded = 0;
  for (auto _ : state) {
    auto r = detect(d, opt);
    if (!r.ok()) {
      state.SkipWithError(r.status().message().c_str());
      return;
    }
    edges = r->edges.size();
    crowded = r->crowded_actions;
  }
  state.counters["edges"] = static_cast<double>(edges);
  state.counters["crowded_actions"] = static_cast<double>(crowded);
}
BENCHMARK(BM_OneObject100kShares)
    ->Arg(600)
    ->Arg(30 * 86'400)
    ->Unit(benchmark::kMillisecond)
    ->MeasureProcessCPUTime()
    ->UseRealTime();

}  // namespace
}  // namespace groundswell

BENCHMARK_MAIN();
