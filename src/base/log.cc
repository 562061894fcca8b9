#include "base/log.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

#include "base/json_writer.h"

namespace groundswell {
namespace {

LogSettings g_settings;

void emit(std::string_view level, std::string_view message, bool always) {
  if (g_settings.quiet && !always) return;
  std::string line;
  if (g_settings.format == LogFormat::kJson) {
    line = "{\"level\":";
    append_json_string(line, level);
    line += ",\"message\":";
    append_json_string(line, message);
    line += "}\n";
  } else {
    line = level == "info" ? std::string(message) : fmt::format("{}: {}", level, message);
    line += '\n';
  }
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

std::string human_bytes(double b) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int u = 0;
  while (b >= 1000 && u < 4) {
    b /= 1000;
    ++u;
  }
  return fmt::format("{:.1f} {}", b, units[u]);
}

}  // namespace

void set_log_settings(const LogSettings& s) { g_settings = s; }
const LogSettings& log_settings() { return g_settings; }

void log_info(std::string_view message) { emit("info", message, false); }
void log_warn(std::string_view message) { emit("warning", message, false); }
void log_error(std::string_view message) { emit("error", message, true); }

Progress::Progress(std::string label, std::uint64_t total, bool enabled)
    : label_(std::move(label)),
      total_(total),
      enabled_(enabled && !g_settings.quiet),
      tty_(isatty(STDERR_FILENO) != 0 && g_settings.format == LogFormat::kText),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

Progress::~Progress() { finish(); }

void Progress::update(std::uint64_t done, std::uint64_t records) {
  done_ = done;
  records_ = records;
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  auto interval = tty_ ? std::chrono::milliseconds(200) : std::chrono::milliseconds(5000);
  if (now - last_ < interval) return;
  last_ = now;
  draw(false);
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  // Only a terminal gets a final redraw; periodic lines end with the summary the caller prints.
  if (enabled_ && tty_) draw(true);
}

void Progress::draw(bool final) {
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = secs > 0 ? static_cast<double>(done_) / secs : 0;
  double rrate = secs > 0 ? static_cast<double>(records_) / secs : 0;
  std::string eta;
  if (total_ > 0 && rate > 0 && done_ < total_) {
    auto left = static_cast<long>(static_cast<double>(total_ - done_) / rate);
    eta = fmt::format(" ETA {}:{:02}", left / 60, left % 60);
  }
  double frac = total_ ? std::min(1.0, static_cast<double>(done_) / static_cast<double>(total_)) : 0;
  if (tty_) {
    int width = 24, fill = static_cast<int>(frac * width);
    std::string bar(static_cast<std::size_t>(fill), '#');
    bar.append(static_cast<std::size_t>(width - fill), '.');
    std::string line = fmt::format("\r{} [{}] {:3.0f}% {} {}/s {:.0f} rec/s{}   ", label_, bar,
                                   frac * 100, human_bytes(static_cast<double>(done_)),
                                   human_bytes(rate), rrate, eta);
    if (final) line += '\n';
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
  } else {
    log_info(fmt::format("{}: {:.0f}% {} read, {}/s, {} records, {:.0f} rec/s{}", label_, frac * 100,
                         human_bytes(static_cast<double>(done_)), human_bytes(rate), records_,
                         rrate, eta));
  }
}

}  // namespace groundswell
