#include "base/resources.h"

#include <fmt/format.h>

#include <fstream>

namespace groundswell {

std::optional<std::uint64_t> peak_memory_bytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) != 0) continue;
    std::uint64_t kb = 0;
    for (char c : line)
      if (c >= '0' && c <= '9') kb = kb * 10 + static_cast<std::uint64_t>(c - '0');
    return kb * 1024;
  }
  return std::nullopt;
}

std::string StageClock::lap(std::string_view stage) {
  auto now = std::chrono::steady_clock::now();
  double secs = std::chrono::duration<double>(now - start_).count();
  start_ = now;
  auto peak = peak_memory_bytes();
  if (!peak) return fmt::format("{} {:.1f} s", stage, secs);
  return fmt::format("{} {:.1f} s (peak memory so far {:.2f} GB)", stage, secs,
                     static_cast<double>(*peak) / 1e9);
}

}  // namespace groundswell
