// Messages to the user on stderr, as text or JSON lines (--log-format), silenced by --quiet
// (errors are always shown), and a progress display for long steps: a bar with rate and ETA
// redrawn in place on a terminal, a plain line every few seconds otherwise.
//
// Thread-safety: log functions may be called from any thread (one write per message);
// a Progress belongs to the thread that calls update().
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace groundswell {

enum class LogFormat { kText, kJson };

struct LogSettings {
  LogFormat format = LogFormat::kText;
  bool quiet = false;
};
void set_log_settings(const LogSettings& s);
const LogSettings& log_settings();

void log_info(std::string_view message);
void log_warn(std::string_view message);
void log_error(std::string_view message);

class Progress {
 public:
  // `total` units (bytes) expected; 0 if unknown.
  Progress(std::string label, std::uint64_t total, bool enabled = true);
  ~Progress();
  void update(std::uint64_t done, std::uint64_t records);
  void finish();

 private:
  void draw(bool final);

  std::string label_;
  std::uint64_t total_, done_ = 0, records_ = 0;
  bool enabled_, tty_, finished_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace groundswell
