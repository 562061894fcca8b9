// How much each object of a behaviour is used, for the report's data overview: the same
// actions detection finds (object_uses), counted per object.
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
  const std::vector<ObjectUse> uses = object_uses(data, behaviour, native);
  // Per object, a run of one key (numbered in key-hash order, as detection's tables number
  // them): its first use, messages and distinct accounts (a run of one account at a time).
  struct Counted {
    std::size_t first = 0;
    std::uint64_t messages = 0, accounts = 0;
  };
  std::vector<Counted> objects;
  std::vector<std::uint8_t> acted(data.accounts(), 0);
  for (std::size_t i = 0; i < uses.size(); ++i) {
    const ObjectUse& u = uses[i];
    acted[u.account] = 1;
    const bool new_object = i == 0 || u.key != uses[i - 1].key;
    if (new_object) objects.push_back({i, 0, 0});
    Counted& c = objects.back();
    ++c.messages;
    if (new_object || u.account != uses[i - 1].account) ++c.accounts;
  }
  out.actions = uses.size();
  out.objects = objects.size();
  out.accounts = static_cast<std::uint64_t>(std::count(acted.begin(), acted.end(), 1));
  std::vector<std::uint32_t> order(objects.size());
  std::iota(order.begin(), order.end(), 0u);
  // Most messages first, then most accounts; objects are numbered in key-hash order (a fixed
  // seed), so ties resolve the same way on every run.
  auto better = [&](std::uint32_t x, std::uint32_t y) {
    if (objects[x].messages != objects[y].messages)
      return objects[x].messages > objects[y].messages;
    if (objects[x].accounts != objects[y].accounts)
      return objects[x].accounts > objects[y].accounts;
    return x < y;
  };
  const std::size_t k = std::min(top, objects.size());
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                    better);
  for (std::size_t i = 0; i < k; ++i) {
    const Counted& c = objects[order[i]];
    const ObjectUse& u = uses[c.first];
    out.top.push_back({object_key(data, behaviour, native, u.msg, u.item), c.messages, c.accounts});
  }
  return out;
}

}  // namespace groundswell
