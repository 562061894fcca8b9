// Time stamps and durations as users and exports write them.
//
// parse_time() accepts the forms real exports use: Unix seconds or milliseconds (integer or
// fractional, also as a quoted string), ISO 8601 with 'T' or a space, with or without seconds,
// fractions and a zone ('Z', +HH:MM, +HHMM), and Twitter API v1.1's "Wed Oct 10 20:19:24 +0000
// 2018". A time without a zone is local time at `default_offset_s` east of UTC. It reports the
// resolution the source has (1 ms, 1 s or 60 s), since later stages must know when times are
// coarse. Times before 1970 or from 2100 on are rejected as absurd.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "groundswell/model.h"

namespace groundswell {

struct ParsedTime {
  TimeMs ms = kNoTime;
  std::int32_t resolution_ms = 1000;
};

// Returns false if `s` is not a time of a known form or is out of range.
bool parse_time(std::string_view s, ParsedTime& out, std::int64_t default_offset_s = 0);

// Parses a UTC offset such as "UTC", "+03:30", "-05:00" or "+0330" into seconds east of UTC.
bool parse_utc_offset(std::string_view s, std::int64_t& offset_s);

// Parses durations as the CLI accepts them: "90", "90s", "5m", "2h", "1d", "250ms".
// Returns milliseconds, or -1 if malformed.
std::int64_t parse_duration_ms(std::string_view s);

// ISO 8601 UTC: "2024-03-01T10:00:00Z", with ".123" when the milliseconds are not zero.
std::string format_time_iso(TimeMs ms);

// a / b rounded down (toward minus infinity), for times before 1970 as after.
constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// The UTC day of a time (days since 1970-01-01, rounded down).
constexpr std::int64_t utc_day(TimeMs t) { return floor_div(t, 86'400'000); }

// The UTC weekday of a time, Monday = 0 (1970-01-01 was a Thursday).
constexpr int weekday_of(TimeMs t) { return static_cast<int>(((utc_day(t) + 3) % 7 + 7) % 7); }

// Days since 1970-01-01 of a proleptic Gregorian date, and back.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d);
void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d);

inline constexpr TimeMs kMinTime = 0;                    // 1970-01-01
inline constexpr TimeMs kMaxTime = 4102444800000;        // 2100-01-01

}  // namespace groundswell
