// Fuzz target: time stamps, UTC offsets and durations as exports and users write them
// (base/time.h). A parsed time lies in [1970, 2100) with a resolution the model knows, prints
// as ISO 8601 and reads back to the same instant; the default zone moves exactly the times
// that carry no zone of their own, by exactly its offset; a duration reads back from its
// milliseconds; an offset is at most 18 hours.
#include <string>
#include <string_view>

#include "base/fuzz.h"
#include "base/time.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace gs = groundswell;
  std::string_view s(reinterpret_cast<const char*>(data), size);

  gs::ParsedTime utc;
  if (gs::parse_time(s, utc, 0)) {
    GS_FUZZ_CHECK(utc.ms >= gs::kMinTime && utc.ms < gs::kMaxTime, "time %lld out of range",
                  static_cast<long long>(utc.ms));
    const auto r = utc.resolution_ms;
    GS_FUZZ_CHECK(r == 1 || r == 1000 || r == 60000 || r == 86400000, "resolution %d", r);
    const std::string iso = gs::format_time_iso(utc.ms);
    gs::ParsedTime back;
    GS_FUZZ_CHECK(gs::parse_time(iso, back, 0) && back.ms == utc.ms,
                  "%s does not read back to %lld", iso.c_str(), static_cast<long long>(utc.ms));
    // Local time at +03:30: the same instant when the text names its zone (or is Unix time),
    // 3.5 hours earlier when it does not.
    gs::ParsedTime local;
    if (gs::parse_time(s, local, 12600))
      GS_FUZZ_CHECK(local.ms == utc.ms || local.ms == utc.ms - 12600000,
                    "the default zone moved a time by %lld ms",
                    static_cast<long long>(utc.ms - local.ms));
  }

  std::int64_t offset = 0;
  if (gs::parse_utc_offset(s, offset))
    GS_FUZZ_CHECK(offset >= -18 * 3600 && offset <= 18 * 3600, "offset %lld s",
                  static_cast<long long>(offset));

  const std::int64_t ms = gs::parse_duration_ms(s);
  GS_FUZZ_CHECK(ms >= -1, "duration %lld", static_cast<long long>(ms));
  if (ms >= 0) {
    const std::int64_t again = gs::parse_duration_ms(std::to_string(ms) + "ms");
    GS_FUZZ_CHECK(again == ms, "%lld ms reads back as %lld", static_cast<long long>(ms),
                  static_cast<long long>(again));
  }
  return 0;
}
