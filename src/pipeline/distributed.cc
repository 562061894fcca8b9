#include "pipeline/distributed.h"

#include <fmt/format.h>

#include <filesystem>
#include <optional>

#include "base/log.h"
#include "base/resources.h"
#include "detect/detect.h"
#include "dist/communicator.h"
#include "ingest/ingest.h"
#include "store/store.h"

namespace groundswell {
namespace {

// At the end of a distributed run, on every rank: rank 0 logs what detection exchanged (summed
// over the ranks) and each rank's peak memory.
void log_distributed_totals() {
  dist::Communicator& comm = dist::world();
  const DetectionTraffic t = detection_traffic();
  std::vector<std::uint64_t> sums = {t.actions, t.pairs, t.edges, t.nulls, t.keys};
  comm.all_reduce_sum(sums);
  dist::Bytes peak;
  dist::append_value<std::uint64_t>(peak, peak_memory_bytes().value_or(0));
  std::vector<dist::Bytes> peaks = comm.gather(std::move(peak), 0);
  if (comm.rank() != 0) return;
  auto mb = [](std::uint64_t b) { return static_cast<double>(b) / 1e6; };
  log_info(
      fmt::format("distributed detection on {} processes sent {:.1f} MB: actions {:.1f}, "
                  "pairs {:.1f}, edges to rank 0 {:.1f}, null model {:.1f}, object keys {:.1f}",
                  comm.size(), mb(sums[0] + sums[1] + sums[2] + sums[3] + sums[4]), mb(sums[0]),
                  mb(sums[1]), mb(sums[2]), mb(sums[3]), mb(sums[4])));
  std::string list;
  for (std::size_t r = 0; r < peaks.size(); ++r) {
    dist::Reader in(peaks[r]);
    list += fmt::format("{}{} {:.2f} GB", r ? ", " : "", r,
                        static_cast<double>(in.value<std::uint64_t>()) / 1e9);
  }
  log_info("peak memory by rank: " + list);
}

[[noreturn]] void fail(const Status& s) {
  log_error(fmt::format("rank {}: {}", dist::world().rank(), s.message()));
  dist::world().abort(3);
}

}  // namespace

int serve_other_rank() {
  std::optional<Dataset> data;
  dist::Bytes payload;
  for (;;) {
    const dist::Instruction what = dist::receive_instruction(payload);
    switch (what) {
      case dist::Instruction::kStop:
        log_distributed_totals();
        return 0;
      case dist::Instruction::kLoadDataset: {
        data.reset();
        dist::Reader in(payload);
        auto store = Store::open(in.string(), /*read_only=*/true);
        if (!store.ok()) fail(store.status());
        // Without the message text, the largest column: only rank 0 reads it (the estimate,
        // the near-duplicate search, evidence and object keys); the text keys come all the same.
        DatasetOptions options;
        options.load_text = false;
        auto loaded = load_dataset(*store, options);
        if (!loaded.ok()) fail(loaded.status());
        data = std::move(*loaded);
        break;
      }
      case dist::Instruction::kSignals: {
        if (!data) fail(Status::Internal("rank 0 asked for signals before sharing its data"));
        auto signals = compute_signals(*data, {}, &dist::world());
        if (!signals.ok()) fail(signals.status());
        break;
      }
      case dist::Instruction::kIngest:
        follow_ingest(payload);
        break;
      case dist::Instruction::kOpenDetector: {
        if (!data) fail(Status::Internal("rank 0 opened a detector before sharing its data"));
        Status s = follow_detector(*data, payload);
        if (!s.ok()) fail(s);
        break;
      }
      default:
        fail(Status::Internal(
            fmt::format("rank 0 sent instruction {} out of order", static_cast<int>(what))));
    }
  }
}

SharedDataset::SharedDataset(const std::string& db_path, const Dataset& data) {
  if (!dist::world().distributed() || dist::world().rank() != 0) return;
  std::error_code ec;
  const std::filesystem::path absolute = std::filesystem::absolute(db_path, ec);
  dist::Bytes payload;
  dist::append_string(payload, ec ? db_path : absolute.string());
  dist::send_instruction(dist::Instruction::kLoadDataset, payload);
  set_shared_dataset(&data);
  shared_ = true;
}

Result<SignalTable> SharedDataset::signals(const Dataset& data) const {
  if (!shared_) return compute_signals(data);
  dist::send_instruction(dist::Instruction::kSignals);
  return compute_signals(data, {}, &dist::world());
}

SharedDataset::~SharedDataset() {
  if (shared_) set_shared_dataset(nullptr);
}

OtherRanks::~OtherRanks() {
  if (!dist::world().distributed() || dist::world().rank() != 0) return;
  dist::send_instruction(dist::Instruction::kStop);
  log_distributed_totals();
}

}  // namespace groundswell
