// What the process uses, for the per-stage lines of long commands and for benchmarks: wall
// time of a stage and the process's memory high-water mark so far.
//
// Memory figures come from /proc/self/status (Linux); elsewhere they are absent and the stage
// lines show time only.
//
// Thread-safety: StageClock is used by one thread; peak_memory_bytes may be called from any.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace groundswell {

// Peak resident memory of the process so far (VmHWM), in bytes.
std::optional<std::uint64_t> peak_memory_bytes();

// Measures one stage after another: lap("detection") returns "detection 12.3 s (peak memory
// 2.41 GB)" and restarts the clock.
class StageClock {
 public:
  StageClock() : start_(std::chrono::steady_clock::now()) {}
  std::string lap(std::string_view stage);

 private:
  std::chrono::steady_clock::time_point start_;
};

}  // namespace groundswell
