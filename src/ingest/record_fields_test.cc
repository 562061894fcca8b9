// Field helpers every reader uses (ingest/record_fields.h).
#include "ingest/record_fields.h"

#include <gtest/gtest.h>

#include <string>

namespace groundswell {
namespace {

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
