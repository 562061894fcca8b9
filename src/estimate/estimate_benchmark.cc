// End-to-end figures for signals and estimation on generator data: generates a dataset
// (GS_BENCH_SCALE, default "small"; GS_BENCH_SEED, default 1), ingests it, runs detection,
// then times compute_signals() and estimate_support() and reports, per actor, the raw and
// adjusted unique accounts next to the generator's truth (genuine supporters + official
// accounts) as benchmark counters.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>

#include "detect/detect.h"
#include "estimate/estimate.h"
#include "eval/generate.h"
#include "ingest/ingest.h"
#include "signals/signals.h"
#include "store/dataset.h"
#include "store/store.h"

namespace groundswell {
namespace {

struct Fixture {
  Dataset data;
  ActorSet actors;
  DetectionResult detection;
  std::vector<std::pair<std::string, double>> truth;  // actor -> genuine + official accounts
  bool ok = false;
};

const Fixture& fixture() {
  static Fixture f = [] {
    Fixture x;
    const char* scale = std::getenv("GS_BENCH_SCALE");
    const char* seed = std::getenv("GS_BENCH_SEED");
    auto dir = std::filesystem::temp_directory_path() /
               ("gs-estimate-bench-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    GenerateOptions g;
    g.scale = scale ? scale : "small";
    g.seed = seed ? std::strtoull(seed, nullptr, 10) : 1;
    auto msgs = messages_for_scale(g.scale);
    if (!msgs.ok()) return x;
    g.messages = *msgs;
    g.out_dir = dir.string();
    if (!generate_dataset(g).ok()) return x;
    auto store = Store::open(dir / "gs.db");
    if (!store.ok()) return x;
    IngestOptions io;
    io.inputs = {(dir / "data").string()};
    io.progress = false;
    if (!ingest(*store, io).ok()) return x;
    auto data = load_dataset(*store);
    if (!data.ok()) return x;
    x.data = std::move(*data);
    auto actors = load_actors_file((dir / "actors.toml").string());
    if (!actors.ok()) return x;
    x.actors = std::move(*actors);
    auto det = detect(x.data, DetectOptions{});
    if (!det.ok()) return x;
    x.detection = std::move(*det);
    simdjson::dom::parser parser;
    simdjson::dom::element truth;
    if (parser.load((dir / "truth.json").string()).get(truth)) return x;
    simdjson::dom::array list;
    if (truth["actors"].get_array().get(list)) return x;
    for (simdjson::dom::element a : list) {
      std::string_view name;
      std::int64_t genuine = 0;
      simdjson::dom::array official;
      if (a["name"].get_string().get(name) || a["genuine_supporter_count"].get_int64().get(genuine))
        continue;
      double n = static_cast<double>(genuine);
      if (!a["official"].get_array().get(official)) n += static_cast<double>(official.size());
      x.truth.emplace_back(std::string(name), n);
    }
    if (std::getenv("GS_BENCH_DEBUG")) {
      // Supporting messages of accounts the truth lists neither as supporters, officials nor
      // campaign members: what the support rule counts beyond the planted truth.
      std::set<std::string> known;
      for (simdjson::dom::element a : list)
        for (const char* k : {"official", "genuine_supporters"}) {
          simdjson::dom::array arr;
          if (a[k].get_array().get(arr)) continue;
          for (simdjson::dom::element m : arr) {
            std::string_view id;
            if (!m["account_id"].get_string().get(id)) known.insert(std::string(id));
          }
        }
      simdjson::dom::array campaigns;
      if (!truth["campaigns"].get_array().get(campaigns))
        for (simdjson::dom::element c : campaigns) {
          simdjson::dom::array arr;
          if (c["members"].get_array().get(arr)) continue;
          for (simdjson::dom::element m : arr) {
            std::string_view id;
            if (!m["account_id"].get_string().get(id)) known.insert(std::string(id));
          }
        }
      std::set<std::string> genuine;
      for (simdjson::dom::element a : list) {
        simdjson::dom::array arr;
        if (a["genuine_supporters"].get_array().get(arr)) continue;
        for (simdjson::dom::element m : arr) {
          std::string_view id;
          if (!m["account_id"].get_string().get(id)) genuine.insert(std::string(id));
        }
      }
      auto sig = compute_signals(x.data);
      int high = 0, clustered = 0, n = 0;
      std::map<std::string, int> reason_count;
      for (std::size_t a = 0; a < x.data.accounts(); ++a) {
        if (!genuine.count(std::string(x.data.account_id[a]))) continue;
        ++n;
        if (sig->score[a] > 0.7) {
          ++high;
          std::string r = sig->reasons[a];
          reason_count[r.substr(0, r.find(' ', 12))]++;
        }
        std::uint32_t c = x.detection.account_cluster[a];
        if (c != 0 && x.detection.clusters[c - 1].p_value < 0.05) ++clustered;
      }
      std::cerr << "genuine supporters " << n << ": score > 0.7: " << high
                << ", in clusters with p < 0.05: " << clustered << "\n";
      std::cerr << "clusters " << x.detection.clusters.size() << ", sizes/p:";
      for (const Cluster& c : x.detection.clusters)
        std::cerr << " " << c.accounts.size() << "/" << c.p_value;
      std::cerr << "\n";
      for (auto& [r, c] : reason_count) std::cerr << "  " << c << " x " << r << "\n";
      auto matcher = ActorMatcher::create(x.actors, x.data);
      if (matcher.ok()) {
        auto stance = matcher->stances(x.data);
        int shown = 0;
        for (std::size_t m = 0; m < x.data.messages() && shown < 25; ++m) {
          if (!(stance[m].support & 1)) continue;
          std::uint32_t a = x.data.msg_account[m];
          if (a == kNoAccount || known.count(std::string(x.data.account_id[a]))) continue;
          ++shown;
          std::cerr << x.data.account_id[a] << " shares=" << x.data.msg_shares[m] << " | "
                    << x.data.msg_text[m].substr(0, 140) << "\n";
        }
      }
    }
    std::filesystem::remove_all(dir);
    x.ok = true;
    return x;
  }();
  return f;
}

void BM_ComputeSignals(benchmark::State& state) {
  const Fixture& f = fixture();
  if (!f.ok) {
    state.SkipWithError("could not generate/ingest/detect");
    return;
  }
  for (auto _ : state) {
    auto t = compute_signals(f.data);
    benchmark::DoNotOptimize(t);
  }
  state.counters["accounts"] = static_cast<double>(f.data.accounts());
  state.counters["messages"] = static_cast<double>(f.data.messages());
}
BENCHMARK(BM_ComputeSignals)->Unit(benchmark::kMillisecond);

void BM_EstimateSupport(benchmark::State& state) {
  const Fixture& f = fixture();
  if (!f.ok) {
    state.SkipWithError("could not generate/ingest/detect");
    return;
  }
  auto sig = compute_signals(f.data);
  std::vector<double> p;
  for (const Cluster& c : f.detection.clusters) p.push_back(c.p_value);
  // range(1) = 0 leaves detection out (signals only), to see what each part of the
  // adjustment does.
  EstimateInputs in{&f.data, &f.actors, sig->score, {}};
  if (state.range(1) != 0)
    in.scenarios = {make_cluster_assignment("default", f.detection.account_cluster, p, 0.05)};
  EstimateOptions opt;
  opt.sample = state.range(0) > 0;  // range(0) > 0: sampling replicates too
  opt.bootstrap_replicates = static_cast<int>(state.range(0));
  Result<Estimate> e = estimate_support(in, opt);
  for (auto _ : state) {
    e = estimate_support(in, opt);
    benchmark::DoNotOptimize(e);
  }
  if (!e.ok()) {
    state.SkipWithError(e.status().message().c_str());
    return;
  }
  for (const ActorHeadline& h : e->headline) {
    std::string tag = h.name.substr(0, h.name.find(' '));
    state.counters[tag + "_raw"] = h.raw_accounts;
    state.counters[tag + "_adj"] = h.accounts.value;
    state.counters[tag + "_lo"] = h.accounts.ci_low;
    state.counters[tag + "_hi"] = h.accounts.ci_high;
    for (const auto& [name, n] : f.truth)
      if (name == h.name) state.counters[tag + "_truth"] = n;
  }
}
BENCHMARK(BM_EstimateSupport)->Args({0, 1})->Args({0, 0})->Args({1000, 1})->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace groundswell

BENCHMARK_MAIN();
