// Distributed detection (docs/distributed.md): the steps that move a behaviour's actions and
// pairs between the processes of a run. The key space of 64-bit object hashes is cut into
// one contiguous range per rank, so a shard's objects keep the order of the whole table and
// object o of rank r is object (objects of ranks before r) + o of a one-process run.
#include <algorithm>

#include "detect/internal.h"
#include "dist/communicator.h"

namespace groundswell {
namespace {
const Dataset* g_shared = nullptr;  // rank 0: the dataset every rank loaded alike
DetectionTraffic g_traffic;         // main thread only, as every collective
}  // namespace

DetectionTraffic detection_traffic() { return g_traffic; }

void set_shared_dataset(const Dataset* data) { g_shared = data; }

Status follow_detector(const Dataset& data, std::span<const std::byte> opening) {
  dist::Bytes open(opening.begin(), opening.end());
  dist::Reader in(open);
  const auto widest = in.value<TimeMs>();
  const auto lowest = in.value<std::int32_t>();
  Detector detector(data, widest, lowest, Detector::Follow{});
  dist::Bytes payload;
  for (;;) {
    switch (dist::receive_instruction(payload)) {
      case dist::Instruction::kDetect: {
        dist::Reader call(payload);
        detector.keep_actions(call.value<std::uint8_t>() != 0);
        // The detail decides which object keys are named, which every rank takes part in.
        const auto detail = static_cast<ClusterDetail>(call.value<std::uint8_t>());
        auto options = DetectOptions::from_json(call.string());
        if (!options.ok()) return options.status();
        // Rank 0 meets any error of the options or the data at the same point and reports it.
        (void)detector.detect(*options, detail);
        break;
      }
      case dist::Instruction::kReleaseActions:
        detector.release_actions();
        break;
      case dist::Instruction::kCloseDetector:
        return Status::Ok();
      default:
        return Status::Internal("rank 0 sent an instruction out of order during detection");
    }
  }
}

}  // namespace groundswell

namespace groundswell::detect_internal {

// Bytes this rank sends in an all-to-all (its own share stays here).
std::uint64_t all_to_all_sent(const dist::Communicator& comm, const std::vector<dist::Bytes>& out) {
  std::uint64_t n = 0;
  for (std::size_t r = 0; r < out.size(); ++r)
    if (static_cast<int>(r) != comm.rank()) n += out[r].size();
  return n;
}
// ... in a broadcast from rank 0 or a gather to it.
std::uint64_t broadcast_sent(const dist::Communicator& comm, const dist::Bytes& b) {
  return comm.rank() == 0 ? b.size() * static_cast<std::uint64_t>(comm.size() - 1) : 0;
}
std::uint64_t gather_sent(const dist::Communicator& comm, const dist::Bytes& b) {
  return comm.rank() == 0 ? 0 : b.size();
}
void count_traffic(std::uint64_t DetectionTraffic::*step, std::uint64_t bytes) {
  g_traffic.*step += bytes;
}

bool leads_over(const Dataset& data) {
  const dist::Communicator& comm = dist::world();
  return comm.distributed() && comm.rank() == 0 && g_shared == &data;
}

void announce_opening(TimeMs widest_window, int lowest_min_repetition) {
  dist::Bytes payload;
  dist::append_value(payload, widest_window);
  dist::append_value<std::int32_t>(payload, lowest_min_repetition);
  dist::send_instruction(dist::Instruction::kOpenDetector, payload);
}

void announce_detect(const DetectOptions& options, bool keep, ClusterDetail detail) {
  dist::Bytes payload;
  dist::append_value<std::uint8_t>(payload, keep ? 1 : 0);
  dist::append_value<std::uint8_t>(payload, static_cast<std::uint8_t>(detail));
  dist::append_string(payload, options.to_json());
  dist::send_instruction(dist::Instruction::kDetect, payload);
}

void announce_release() { dist::send_instruction(dist::Instruction::kReleaseActions); }
void announce_closing() { dist::send_instruction(dist::Instruction::kCloseDetector); }

dist::Communicator* distributed_tables(const DetectOptions& options) {
  return options.compat == CompatMode::kNone && dist::world().distributed() ? &dist::world()
                                                                            : nullptr;
}

namespace {

// The rank whose range of the key space holds `key`: ranges of equal width, in key order.
int key_owner(std::uint64_t key, int ranks) {
  return static_cast<int>(((key >> 32) * static_cast<std::uint64_t>(ranks)) >> 32);
}

template <typename T>
std::span<const T> values_of(const dist::Bytes& b) {
  return {reinterpret_cast<const T*>(b.data()), b.size() / sizeof(T)};
}

void append_edges(dist::Bytes& out, const std::vector<Edge>& edges) {
  dist::append_value<std::uint64_t>(out, edges.size());
  dist::append(out, std::span<const Edge>(edges));
}

void read_edges(dist::Reader& in, std::vector<Edge>& out) {
  in.values(out, in.value<std::uint64_t>());
}

}  // namespace

std::vector<Action> exchange_actions(dist::Communicator& comm, std::vector<Action> actions) {
  const int ranks = comm.size();
  std::vector<dist::Bytes> out(static_cast<std::size_t>(ranks));
  {
    std::vector<std::vector<Action>> by_rank(static_cast<std::size_t>(ranks));
    for (const Action& a : actions)
      by_rank[static_cast<std::size_t>(key_owner(a.key, ranks))].push_back(a);
    std::vector<Action>().swap(actions);
    for (int r = 0; r < ranks; ++r) {
      auto& v = by_rank[static_cast<std::size_t>(r)];
      dist::append(out[static_cast<std::size_t>(r)], std::span<const Action>(v));
      std::vector<Action>().swap(v);
    }
  }
  count_traffic(&DetectionTraffic::actions, all_to_all_sent(comm, out));
  std::vector<dist::Bytes> got = comm.all_to_all(std::move(out));
  std::size_t total = 0;
  for (const auto& b : got) total += b.size() / sizeof(Action);
  std::vector<Action> mine;
  mine.reserve(total);
  for (auto& b : got) {
    auto v = values_of<Action>(b);
    mine.insert(mine.end(), v.begin(), v.end());
    dist::Bytes().swap(b);
  }
  return mine;
}

void number_shard(dist::Communicator& comm, ActionTable& t) {
  // Per rank its objects, then the whole table's actions: one sum over the ranks.
  const auto ranks = static_cast<std::size_t>(comm.size());
  std::vector<std::uint64_t> counts(ranks + 1, 0);
  counts[static_cast<std::size_t>(comm.rank())] = t.objects();
  counts[ranks] = t.actions.size();
  comm.all_reduce_sum(counts);
  t.comm = &comm;
  t.object_base = 0;
  for (std::size_t r = 0; r < static_cast<std::size_t>(comm.rank()); ++r)
    t.object_base += counts[r];
  t.shard_objects = 0;
  for (std::size_t r = 0; r < ranks; ++r) t.shard_objects += counts[r];
  t.shard_actions = counts[ranks];
}

int partition_owner(std::uint32_t part, int ranks) {
  return static_cast<int>(static_cast<std::uint64_t>(part) * static_cast<unsigned>(ranks) /
                          kPartitions);
}

void combine_on_root(dist::Communicator& comm, BehaviourEdges& be) {
  dist::Bytes mine;
  append_edges(mine, be.edges);
  dist::append_value<std::uint64_t>(mine, be.evidence.size());
  dist::append(mine, std::span<const EvidencePair>(be.evidence));
  append_edges(mine, be.near_misses);
  dist::append_value<std::uint64_t>(mine, be.pairs_by_objects.size());
  dist::append(mine, std::span<const std::uint64_t>(be.pairs_by_objects));
  dist::append_value<std::uint64_t>(mine, be.candidate_pairs);
  dist::append_value<std::uint64_t>(mine, be.crowded_actions);
  be = BehaviourEdges{};
  count_traffic(&DetectionTraffic::edges, gather_sent(comm, mine));
  std::vector<dist::Bytes> got = comm.gather(std::move(mine), 0);
  for (dist::Bytes& b : got) {
    dist::Reader in(b);
    const std::size_t first_edge = be.edges.size();
    const std::uint64_t base = be.evidence.size();
    read_edges(in, be.edges);
    for (std::size_t i = first_edge; i < be.edges.size(); ++i) {
      be.edges[i].evidence_begin += base;
      be.edges[i].evidence_end += base;
    }
    in.values(be.evidence, in.value<std::uint64_t>());
    read_edges(in, be.near_misses);
    std::vector<std::uint64_t> buckets;
    in.values(buckets, in.value<std::uint64_t>());
    if (be.pairs_by_objects.size() < buckets.size()) be.pairs_by_objects.resize(buckets.size(), 0);
    for (std::size_t k = 0; k < buckets.size(); ++k) be.pairs_by_objects[k] += buckets[k];
    be.candidate_pairs += in.value<std::uint64_t>();
    be.crowded_actions += in.value<std::uint64_t>();
    dist::Bytes().swap(b);
  }
}

ObjectKeys shown_object_keys(const Dataset& d, const ActionTable& t, const DetectOptions& opt,
                             std::span<const EvidencePair> evidence) {
  std::vector<std::uint32_t> shown;
  shown.reserve(evidence.size());
  for (const EvidencePair& p : evidence) shown.push_back(p.object);
  std::sort(shown.begin(), shown.end());
  shown.erase(std::unique(shown.begin(), shown.end()), shown.end());
  ObjectKeys keys;
  if (t.comm == nullptr) {
    for (std::uint32_t o : shown) keys.add(o, object_key(d, t, opt, o));
    return keys;
  }
  // Rank 0 names the objects; each rank gives the message and item of those in its range, in
  // order, and rank 0 reads their keys from its own columns.
  dist::Bytes names;
  dist::append(names, std::span<const std::uint32_t>(shown));
  t.comm->broadcast(names, 0);
  count_traffic(&DetectionTraffic::keys, broadcast_sent(*t.comm, names));
  dist::Bytes mine;
  for (std::uint32_t o : values_of<std::uint32_t>(names)) {
    if (o < t.object_base || o >= t.object_base + t.objects()) continue;
    const std::size_t local = o - t.object_base;
    dist::append_value(mine, o);
    dist::append_value(mine, t.object_msg[local]);
    dist::append_value(mine, t.object_item[local]);
  }
  count_traffic(&DetectionTraffic::keys, gather_sent(*t.comm, mine));
  for (const dist::Bytes& b : t.comm->gather(std::move(mine), 0)) {
    dist::Reader in(b);
    while (!in.done()) {
      const auto o = in.value<std::uint32_t>();
      const auto msg = in.value<std::uint32_t>();
      const auto item = in.value<std::uint32_t>();
      keys.add(o, object_key(d, t.behaviour, opt, msg, item));
    }
  }
  return keys;
}

}  // namespace groundswell::detect_internal
