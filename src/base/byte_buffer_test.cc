#include "base/byte_buffer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>

namespace groundswell {
namespace {

// Appending past the size where the buffer becomes a mapping of its own, and growing that
// mapping again, keeps every byte written before, in order.
TEST(ByteBuffer, KeepsEveryByteAcrossGrowthIntoAndWithinAMapping) {
  ByteBuffer b;
  std::string want;
  std::string piece;
  for (std::size_t i = 0; want.size() <= 2 * ByteBuffer::kMapped; ++i) {
    piece.assign(1 + i % 4096, static_cast<char>('a' + i % 26));
    piece += std::to_string(i);
    b.append(piece);
    want += piece;
  }
  EXPECT_GE(b.capacity(), ByteBuffer::kMapped);
  ASSERT_EQ(b.size(), want.size());
  EXPECT_TRUE(b.view() == want);
}

TEST(ByteBuffer, ResizeZeroesNewBytesAndKeepsTheOld) {
  ByteBuffer b;
  b.append("abc");
  b.resize(ByteBuffer::kMapped + 5);
  EXPECT_EQ(b.view().substr(0, 3), "abc");
  EXPECT_EQ(b.view().find_first_not_of('\0', 3), std::string_view::npos);
  b.resize(2);
  EXPECT_EQ(b.view(), "ab");
  b.clear();
  b.append("xyz");
  b.resize(6);  // bytes written before, past the size, are zero again
  EXPECT_EQ(b.view(), std::string_view("xyz\0\0\0", 6));
}

// In a mapping, bytes once written and then cut off are zeroed again when the size grows
// back over them, by resize() after a smaller resize() and after clear().
TEST(ByteBuffer, ResizeZeroesBytesWrittenBeforeInAMapping) {
  const std::size_t n = ByteBuffer::kMapped + 4096;
  ByteBuffer b;
  b.resize(n);
  std::fill(b.data(), b.data() + n, 'q');
  b.resize(1);
  b.resize(n);
  EXPECT_EQ(b.view().substr(0, 1), "q");
  EXPECT_EQ(b.view().find_first_not_of('\0', 1), std::string_view::npos);
  std::fill(b.data(), b.data() + n, 'r');
  b.clear();
  b.append("s");
  b.resize(n + 8192);  // past the bytes ever written too, into a grown mapping
  EXPECT_EQ(b.view().substr(0, 1), "s");
  EXPECT_EQ(b.view().find_first_not_of('\0', 1), std::string_view::npos);
}

TEST(ByteBuffer, CopiesAndMovesBothSmallAndMapped) {
  for (std::size_t n : {std::size_t{10}, ByteBuffer::kMapped + 10}) {
    ByteBuffer a;
    a.resize(n);
    a.data()[0] = 'x';
    a.data()[n - 1] = 'y';
    ByteBuffer copy(a);
    EXPECT_TRUE(copy.view() == a.view());
    EXPECT_NE(copy.data(), a.data());
    ByteBuffer assigned;
    assigned.append("old");
    assigned = a;
    EXPECT_TRUE(assigned.view() == a.view());
    const char* at = a.data();
    ByteBuffer moved(std::move(a));
    EXPECT_EQ(moved.data(), at);
    EXPECT_EQ(a.size(), 0u);  // NOLINT(bugprone-use-after-move): moved-from is empty
    ByteBuffer moved_again;
    moved_again.append("old");
    moved_again = std::move(moved);
    EXPECT_EQ(moved_again.data(), at);
    EXPECT_EQ(moved_again.size(), n);
    EXPECT_EQ(moved_again.data()[n - 1], 'y');
  }
}

}  // namespace
}  // namespace groundswell
