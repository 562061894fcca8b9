#include <gtest/gtest.h>

#include "base/json_writer.h"
#include "base/resources.h"
#include "base/time.h"
#include "base/utf8.h"

namespace groundswell {
namespace {

TimeMs t(std::string_view s, std::int32_t* res = nullptr, std::int64_t off = 0) {
  ParsedTime p;
  if (!parse_time(s, p, off)) return kNoTime;
  if (res) *res = p.resolution_ms;
  return p.ms;
}

TEST(Time, ParsesTheFormsExportsUse) {
  std::int32_t res = 0;
  EXPECT_EQ(t("1629589836", &res), 1629589836000);
  EXPECT_EQ(res, 1000);
  EXPECT_EQ(t("1629589836.25", &res), 1629589836250);
  EXPECT_EQ(res, 1);
  EXPECT_EQ(t("1629589836250", &res), 1629589836250);  // milliseconds
  EXPECT_EQ(t("0"), 0);
  EXPECT_EQ(t("2024-03-01T10:00:00Z"), 1709287200000);
  EXPECT_EQ(t("2024-03-01T10:00:00"), 1709287200000);
  EXPECT_EQ(t("2024-03-01 10:00:00"), 1709287200000);
  EXPECT_EQ(t("2024-03-01T13:30:00+03:30"), 1709287200000);
  EXPECT_EQ(t("2024-03-01T10:00:00.000Z", &res), 1709287200000);
  EXPECT_EQ(res, 1);
  EXPECT_EQ(t("2024-03-01 10:00", &res), 1709287200000);  // IO archives: minutes
  EXPECT_EQ(res, 60000);
  EXPECT_EQ(t("Fri Mar 01 10:00:00 +0000 2024"), 1709287200000);
  // Local time without a zone, read in a given offset (Telegram exports without date_unixtime).
  EXPECT_EQ(t("2024-03-01T13:30:00", nullptr, 3 * 3600 + 1800), 1709287200000);
}

TEST(Time, RejectsAbsurdOrMalformed) {
  EXPECT_EQ(t("-5"), kNoTime);
  EXPECT_EQ(t("1969-12-31T23:59:59Z"), kNoTime);
  EXPECT_EQ(t("2100-01-01T00:00:00Z"), kNoTime);
  EXPECT_EQ(t("99999999999999999"), kNoTime);
  EXPECT_EQ(t("2024-13-01"), kNoTime);
  EXPECT_EQ(t("2024-03-01T25:00"), kNoTime);
  EXPECT_EQ(t("yesterday"), kNoTime);
  EXPECT_EQ(t(""), kNoTime);
  EXPECT_EQ(t("2024-03-01T10:00:00 garbage"), kNoTime);
}

TEST(Time, UtcOffsetsUpTo18Hours) {
  std::int64_t off = 0;
  EXPECT_TRUE(parse_utc_offset("+18:00", off));
  EXPECT_EQ(off, 18 * 3600);
  EXPECT_TRUE(parse_utc_offset("-0530", off));
  EXPECT_EQ(off, -(5 * 3600 + 30 * 60));
  EXPECT_FALSE(parse_utc_offset("+18:24", off));  // found by fuzzing: 18.4 hours was accepted
  EXPECT_FALSE(parse_utc_offset("-1801", off));
  EXPECT_FALSE(parse_utc_offset("+19", off));
  EXPECT_EQ(t("2024-03-01T10:00:00+18:30"), kNoTime);
}

TEST(Time, FormatsIsoUtc) {
  EXPECT_EQ(format_time_iso(1709287200000), "2024-03-01T10:00:00Z");
  EXPECT_EQ(format_time_iso(1709287200123), "2024-03-01T10:00:00.123Z");
  EXPECT_EQ(format_time_iso(0), "1970-01-01T00:00:00Z");
}

TEST(Duration, AcceptsTheCliForms) {
  EXPECT_EQ(parse_duration_ms("90"), 90000);
  EXPECT_EQ(parse_duration_ms("90s"), 90000);
  EXPECT_EQ(parse_duration_ms("5m"), 300000);
  EXPECT_EQ(parse_duration_ms("2h"), 7200000);
  EXPECT_EQ(parse_duration_ms("1d"), 86400000);
  EXPECT_EQ(parse_duration_ms("250ms"), 250);
  EXPECT_EQ(parse_duration_ms("1.5s"), 1500);
  EXPECT_EQ(parse_duration_ms("5 minutes"), -1);
  EXPECT_EQ(parse_duration_ms("-3s"), -1);
  EXPECT_EQ(parse_duration_ms(""), -1);
}

TEST(Utf8, RepairsEachBadSequenceOnce) {
  std::string out;
  EXPECT_EQ(repair_utf8("abc", out), 0u);
  EXPECT_EQ(out, "abc");
  EXPECT_EQ(repair_utf8("a\xff" "b", out), 1u);
  EXPECT_EQ(out, "a\xEF\xBF\xBD" "b");
  // A truncated Persian letter (first byte of U+06CC without its continuation).
  EXPECT_EQ(repair_utf8("\xDB", out), 1u);
  EXPECT_TRUE(is_valid_utf8(out));
  // Overlong encoding and a UTF-16 surrogate are invalid too.
  EXPECT_EQ(repair_utf8("\xC0\xAF", out), 1u);
  EXPECT_EQ(repair_utf8("\xED\xA0\x80", out), 1u);
  EXPECT_TRUE(is_valid_utf8("آزادی"));
}

TEST(Utf8, PrefixDoesNotCutACharacter) {
  std::string s = "ab" "\xD8\xA2";  // "ab" + U+0622
  EXPECT_EQ(utf8_prefix(s, 3), "ab");
  EXPECT_EQ(utf8_prefix(s, 4), s);
}

TEST(JsonWriter, EscapesHostileText) {
  std::string out;
  append_json_string(out, "a\"b\\c\n\x01</script>");
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001</script>\"");
  JsonWriter w(false);
  w.begin_object().key("n").value(std::int64_t{3}).key("l").begin_array().value("x").end_array()
      .key("e").begin_object().end_object().end_object();
  EXPECT_EQ(w.str(), R"({"n":3,"l":["x"],"e":{}})");
}

}  // namespace
}  // namespace groundswell

TEST(Resources, PeakMemoryFollowsWhatTheProcessTouches) {
  auto before = groundswell::peak_memory_bytes();
  ASSERT_TRUE(before.has_value());  // Linux: /proc/self/status has VmHWM
  std::vector<char> block(256u << 20, 1);
  auto after = groundswell::peak_memory_bytes();
  ASSERT_TRUE(after.has_value());
  EXPECT_GE(*after, *before + (200u << 20) - std::min<std::uint64_t>(*before, 200u << 20));
  EXPECT_GE(*after, std::uint64_t{256} << 20);
  EXPECT_EQ(block[12345], 1);
  groundswell::StageClock clock;
  EXPECT_NE(clock.lap("stage").find("stage "), std::string::npos);
}
