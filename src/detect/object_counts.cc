// How much each object of a behaviour is used, for the report's data overview: the same
// actions detection builds (extract_actions), counted per object.
#include <tbb/parallel_for.h>

#include <algorithm>
#include <numeric>

#include "detect/internal.h"

namespace groundswell {

BehaviourObjects count_objects(const Dataset& data, Behaviour behaviour, std::size_t top) {
  using namespace detect_internal;
  BehaviourObjects out;
  out.behaviour = behaviour;
  if (behaviour == Behaviour::kSimilarText || behaviour == Behaviour::kPost) return out;
  const DetectOptions native;
  const ActionTable t = extract_actions(data, behaviour, native, nullptr, /*tags=*/false);
  const std::size_t n = t.objects();
  out.actions = t.actions.size();
  out.objects = n;
  std::vector<std::uint8_t> acted(data.accounts(), 0);
  for (const Acted& a : t.actions) acted[a.account] = 1;
  out.accounts = static_cast<std::uint64_t>(std::count(acted.begin(), acted.end(), 1));
  // Distinct accounts per object: a sort of the object's accounts (a few for most objects).
  std::vector<std::uint32_t> accounts(n, 0);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, 1024),
                    [&](const tbb::blocked_range<std::size_t>& r) {
                      std::vector<std::uint32_t> ids;
                      for (std::size_t o = r.begin(); o != r.end(); ++o) {
                        ids.clear();
                        for (std::uint64_t i = t.object_start[o]; i < t.object_start[o + 1]; ++i)
                          ids.push_back(t.actions[i].account);
                        std::sort(ids.begin(), ids.end());
                        accounts[o] = static_cast<std::uint32_t>(
                            std::unique(ids.begin(), ids.end()) - ids.begin());
                      }
                    });
  std::vector<std::uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  auto messages = [&](std::uint32_t o) { return t.object_start[o + 1] - t.object_start[o]; };
  // Most messages first, then most accounts; objects are numbered in key-hash order (a fixed
  // seed), so ties resolve the same way on every run.
  auto better = [&](std::uint32_t x, std::uint32_t y) {
    if (messages(x) != messages(y)) return messages(x) > messages(y);
    if (accounts[x] != accounts[y]) return accounts[x] > accounts[y];
    return x < y;
  };
  const std::size_t k = std::min(top, n);
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                    better);
  for (std::size_t i = 0; i < k; ++i) {
    const std::uint32_t o = order[i];
    out.top.push_back({object_key(data, t, native, o), messages(o), accounts[o]});
  }
  return out;
}

}  // namespace groundswell
