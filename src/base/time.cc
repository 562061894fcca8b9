#include "base/time.h"

#include <fmt/compile.h>
#include <fmt/format.h>

#include <array>
#include <cctype>
#include <charconv>

namespace groundswell {

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

namespace {

bool in_range(TimeMs ms) { return ms >= kMinTime && ms < kMaxTime; }

// Reads exactly `n` digits at s[pos].
bool digits(std::string_view s, std::size_t pos, std::size_t n, int& v) {
  if (pos + n > s.size()) return false;
  v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool parse_epoch(std::string_view s, ParsedTime& out) {
  // Integer or decimal number of seconds, or milliseconds when it has 13+ integer digits.
  std::size_t dot = s.find('.');
  std::string_view ip = s.substr(0, dot);
  if (ip.empty() || ip.size() > 16) return false;
  std::int64_t whole = 0;
  auto [p, ec] = std::from_chars(ip.data(), ip.data() + ip.size(), whole);
  if (ec != std::errc() || p != ip.data() + ip.size() || whole < 0) return false;
  std::int64_t frac_ms = 0;
  int res = 1000;
  if (dot != std::string_view::npos) {
    std::string_view fp = s.substr(dot + 1);
    if (fp.empty()) return false;
    int scale = 100;
    for (char c : fp) {
      if (c < '0' || c > '9') return false;
      frac_ms += (c - '0') * scale;
      scale /= 10;
    }
    res = 1;
  }
  if (ip.size() >= 13) {
    if (dot != std::string_view::npos) return false;
    out.ms = whole;
    out.resolution_ms = 1;
  } else {
    out.ms = whole * 1000 + frac_ms;
    out.resolution_ms = res;
  }
  return in_range(out.ms);
}

constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// "Wed Oct 10 20:19:24 +0000 2018"
bool parse_twitter_v1(std::string_view s, ParsedTime& out) {
  if (s.size() != 30 || s[3] != ' ' || s[7] != ' ' || s[10] != ' ' || s[19] != ' ' || s[25] != ' ')
    return false;
  int mon = -1;
  for (int i = 0; i < 12; ++i)
    if (s.substr(4, 3) == kMonths[static_cast<std::size_t>(i)]) mon = i + 1;
  int day, hh, mm, ss, year;
  if (mon < 0 || !digits(s, 8, 2, day) || !digits(s, 11, 2, hh) || !digits(s, 14, 2, mm) ||
      !digits(s, 17, 2, ss) || !digits(s, 26, 4, year))
    return false;
  std::int64_t off = 0;
  if (!parse_utc_offset(s.substr(20, 5), off)) return false;
  std::int64_t days = days_from_civil(year, static_cast<unsigned>(mon), static_cast<unsigned>(day));
  out.ms = ((days * 86400 + hh * 3600 + mm * 60 + ss) - off) * 1000;
  out.resolution_ms = 1000;
  return hh < 24 && mm < 60 && ss < 61 && day >= 1 && day <= 31 && in_range(out.ms);
}

}  // namespace

bool parse_utc_offset(std::string_view s, std::int64_t& offset_s) {
  s = trim(s);
  if (s == "Z" || s == "UTC" || s == "GMT" || s == "utc") {
    offset_s = 0;
    return true;
  }
  if (s.size() < 3 || (s[0] != '+' && s[0] != '-')) return false;
  int hh, mm = 0;
  if (!digits(s, 1, 2, hh)) return false;
  if (s.size() == 6 && s[3] == ':') {
    if (!digits(s, 4, 2, mm)) return false;
  } else if (s.size() == 5) {
    if (!digits(s, 3, 2, mm)) return false;
  } else if (s.size() != 3) {
    return false;
  }
  if (hh > 18 || mm > 59 || (hh == 18 && mm > 0)) return false;  // at most 18 hours
  offset_s = (hh * 3600 + mm * 60) * (s[0] == '-' ? -1 : 1);
  return true;
}

bool parse_time(std::string_view s, ParsedTime& out, std::int64_t default_offset_s) {
  s = trim(s);
  if (s.empty()) return false;
  if (std::isdigit(static_cast<unsigned char>(s[0])) &&
      (s.size() < 5 || s[4] != '-')) {
    return parse_epoch(s, out);
  }
  if (std::isalpha(static_cast<unsigned char>(s[0]))) return parse_twitter_v1(s, out);
  int y, mo, d;
  if (!digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d))
    return false;
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return false;
  int hh = 0, mi = 0, ss = 0;
  std::int64_t frac_ms = 0;
  int res = 86400000;
  std::size_t pos = 10;
  if (pos < s.size() && (s[pos] == 'T' || s[pos] == ' ')) {
    if (!digits(s, pos + 1, 2, hh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits(s, pos + 4, 2, mi))
      return false;
    pos += 6;
    res = 60000;
    if (pos < s.size() && s[pos] == ':') {
      if (!digits(s, pos + 1, 2, ss)) return false;
      pos += 3;
      res = 1000;
      if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
        ++pos;
        int scale = 100;
        std::size_t start = pos;
        while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
          frac_ms += (s[pos] - '0') * scale;
          scale /= 10;
          ++pos;
        }
        if (pos == start) return false;
        res = 1;
      }
    }
  }
  std::int64_t offset = default_offset_s;
  std::string_view zone = trim(s.substr(pos));
  if (!zone.empty() && !parse_utc_offset(zone, offset)) return false;
  if (hh > 23 || mi > 59 || ss > 60) return false;
  std::int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  out.ms = (days * 86400 + hh * 3600 + mi * 60 + ss - offset) * 1000 + frac_ms;
  out.resolution_ms = res == 86400000 ? 86400000 : res;
  return in_range(out.ms);
}

std::int64_t parse_duration_ms(std::string_view s) {
  s = trim(s);
  if (s.empty()) return -1;
  std::size_t i = 0;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
  std::string_view num = s.substr(0, i), unit = s.substr(i);
  if (num.empty()) return -1;
  double v = 0;
  auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), v);
  if (ec != std::errc() || p != num.data() + num.size() || v < 0) return -1;
  double scale;
  if (unit.empty() || unit == "s") scale = 1000;
  else if (unit == "ms") scale = 1;
  else if (unit == "m" || unit == "min") scale = 60000;
  else if (unit == "h") scale = 3600000;
  else if (unit == "d") scale = 86400000;
  else return -1;
  double ms = v * scale;
  if (ms > 1e15) return -1;
  return static_cast<std::int64_t>(ms + 0.5);
}

std::string format_time_iso(TimeMs ms) {
  if (ms == kNoTime) return {};
  std::int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  std::int64_t rem = ms - secs * 1000;
  std::int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  std::int64_t sod = secs - days * 86400;
  std::int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  // Formats parsed at compile time: the outputs write a time for every edge and message.
  if (rem)
    return fmt::format(FMT_COMPILE("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z"), y, m, d,
                       sod / 3600, (sod / 60) % 60, sod % 60, rem);
  return fmt::format(FMT_COMPILE("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z"), y, m, d, sod / 3600,
                     (sod / 60) % 60, sod % 60);
}

}  // namespace groundswell
