// The processes of a distributed run as the commands see them (docs/distributed.md). Rank 0
// runs the command a user asked for — reading, writing and logging exactly as one process
// does — and asks the other ranks for their share of the work at the stages that are
// partitioned; the other ranks hold no command of their own: they serve rank 0 until it
// finishes.
//
//   dist::Session session(argc, argv);
//   if (dist::world().rank() != 0) return serve_other_rank();
//   OtherRanks others;            // rank 0: releases the other ranks when it goes out of scope
//   ... the command ...
//
// Thread-safety: the main thread of each process only.
#pragma once

#include <string>

#include "signals/signals.h"
#include "store/dataset.h"

namespace groundswell {

// On ranks other than 0: serves rank 0's instructions (load the analysis data from the
// store, detect with given options, ...) until rank 0 stops; returns the process exit code.
// A rank that fails aborts the whole job with exit code 3 and the reason on stderr.
int serve_other_rank();

// On rank 0, for the lifetime of this object: the other ranks load `data` from the store at
// `db_path` too, and a Detector over `data` shares its work with them (detect.h). Does
// nothing in a single process.
class SharedDataset {
 public:
  SharedDataset(const std::string& db_path, const Dataset& data);
  ~SharedDataset();
  SharedDataset(const SharedDataset&) = delete;
  SharedDataset& operator=(const SharedDataset&) = delete;

  // compute_signals(data) with the default options; shared, the other ranks compute their
  // share of it (docs/distributed.md).
  Result<SignalTable> signals(const Dataset& data) const;

 private:
  bool shared_ = false;
};

// On rank 0: sends the instruction to stop to the other ranks when destroyed. Does nothing in
// a single process.
class OtherRanks {
 public:
  OtherRanks() = default;
  ~OtherRanks();
  OtherRanks(const OtherRanks&) = delete;
  OtherRanks& operator=(const OtherRanks&) = delete;
};

}  // namespace groundswell
