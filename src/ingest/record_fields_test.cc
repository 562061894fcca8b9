// Field helpers every reader uses (ingest/record_fields.h).
#include "ingest/record_fields.h"

#include <gtest/gtest.h>

#include <string>

namespace groundswell {
namespace {

// Counts in CSV cells (views, forwards, followers): what is not a count is refused, never
// converted (a count beyond 64 bits was undefined behaviour, found by fuzzing).
TEST(CountCell, RefusesWhatIsNotACount) {
  std::int64_t n = 0;
  EXPECT_TRUE(parse_count_cell("1200", n));
  EXPECT_EQ(n, 1200);
  EXPECT_TRUE(parse_count_cell("3.0", n));
  EXPECT_EQ(n, 3);
  EXPECT_TRUE(parse_count_cell("", n));
  EXPECT_EQ(n, kAbsent);
  EXPECT_TRUE(parse_count_cell("9223372036854774784", n));  // the largest double below 2^63
  EXPECT_EQ(n, 9223372036854774784);
  for (const char* bad : {"-1", "1e82", "9223372036854775808", "nan", "inf", "12x", "x"})
    EXPECT_FALSE(parse_count_cell(bad, n)) << bad;
}

TEST(SeenAccounts, EachIdIsFirstOnceAcrossGrowth) {
  // Enough ids that the table grows many times; every id is first exactly once.
  SeenAccounts seen;
  for (int i = 0; i < 100000; ++i) EXPECT_TRUE(seen.first("user" + std::to_string(i))) << i;
  for (int i = 0; i < 100000; ++i) EXPECT_FALSE(seen.first("user" + std::to_string(i))) << i;
  EXPECT_TRUE(seen.first(""));
  EXPECT_FALSE(seen.first(""));
  EXPECT_TRUE(seen.first("user100000"));
}

}  // namespace
}  // namespace groundswell
