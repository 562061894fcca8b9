#include "pipeline/distributed.h"

#include <fmt/format.h>

#include <filesystem>
#include <optional>

#include "base/log.h"
#include "detect/detect.h"
#include "dist/communicator.h"
#include "store/store.h"

namespace groundswell {
namespace {

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
        return 0;
      case dist::Instruction::kLoadDataset: {
        data.reset();
        dist::Reader in(payload);
        auto store = Store::open(in.string(), /*read_only=*/true);
        if (!store.ok()) fail(store.status());
        auto loaded = load_dataset(*store);
        if (!loaded.ok()) fail(loaded.status());
        data = std::move(*loaded);
        break;
      }
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

SharedDataset::~SharedDataset() {
  if (shared_) set_shared_dataset(nullptr);
}

OtherRanks::~OtherRanks() {
  if (dist::world().distributed() && dist::world().rank() == 0)
    dist::send_instruction(dist::Instruction::kStop);
}

}  // namespace groundswell
