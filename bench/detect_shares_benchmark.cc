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

// Every column a stored account and message has, as the store's load fills them: account
// `a` named acct<a>, message `i` (1-based input position) sharing `object` at time `t`.
void add_account(Dataset& d, std::size_t a) {
  d.account_row.push_back(static_cast<std::int64_t>(a + 1));
  d.account_platform.push_back("gen");
  d.account_id.push_back(fmt::format("acct{}", a));
  d.account_handle.push_back("");
  d.account_display_name.push_back("");
  d.account_description.push_back("");
  d.account_kind.push_back("user");
  d.account_created_at.push_back(kNoTime);
  d.account_followers.push_back(kAbsent);
  d.account_following.push_back(kAbsent);
}

void add_share(Dataset& d, std::size_t i, std::uint32_t account, TimeMs t,
               std::string_view object) {
  d.msg_row.push_back(static_cast<std::int64_t>(i));
  d.msg_account.push_back(account);
  d.msg_time.push_back(t);
  d.msg_time_resolution_ms.push_back(1000);
  d.msg_platform.push_back("gen");
  d.msg_chat_id.push_back("");
  d.msg_message_id.push_back(fmt::format("{}", i));
  d.msg_shares.push_back(object);
  d.msg_reply_to.push_back("");
  d.msg_quotes.push_back("");
  d.msg_media_key.push_back("");
  d.msg_lang.push_back("");
  d.msg_text.push_back("");
  for (auto* list : {&d.msg_urls, &d.msg_hashtags, &d.msg_mentions}) {
    list->begin_row();
    list->end_row();
  }
  for (auto* v : {&d.msg_views, &d.msg_forwards, &d.msg_replies, &d.msg_reactions, &d.msg_likes,
                  &d.msg_retweets})
    v->push_back(kAbsent);
}

// The dataset: shares only, every other column empty.
std::unique_ptr<Dataset> generate(std::size_t shares) {
  auto d = std::make_unique<Dataset>();
  const std::size_t accounts = 500'000, objects = shares / 5;
  for (std::size_t a = 0; a < accounts + 1000; ++a) add_account(*d, a);
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
  for (std::size_t i = 0; i < rows.size(); ++i)
    add_share(*d, i + 1, rows[i].account, rows[i].t, fmt::format("obj{}", rows[i].object));
  compute_text_keys(*d);
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
// viral burst (every action in a crowd above max_crowd, so each pairs only with its
// crowd_neighbours nearest in time), 30 days spreads the shares so that each action pairs
// with the few neighbours within W. Neither may explode.
void BM_OneObject100kShares(benchmark::State& state) {
  Dataset d;
  const std::size_t n = 100'000;
  const TimeMs spread = state.range(0) * 1000;
  for (std::size_t a = 0; a < n; ++a) add_account(d, a);
  std::mt19937_64 rng(1);
  std::uniform_int_distribution<TimeMs> when(0, spread);
  std::vector<TimeMs> times(n);
  for (auto& t : times) t = 1'700'000'000'000 + when(rng);
  std::sort(times.begin(), times.end());
  for (std::size_t i = 0; i < n; ++i)
    add_share(d, i + 1, static_cast<std::uint32_t>(i), times[i], "viral");
  compute_text_keys(d);
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
