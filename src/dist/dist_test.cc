// The communicator at any number of processes: run alone by ctest (one process, where every
// collective returns its own input) and under `mpirun -np 3` by tests/cli/distributed.sh.
#include <gtest/gtest.h>

#include <numeric>

#include "dist/communicator.h"

namespace groundswell::dist {
namespace {

Bytes text(std::string_view s) {
  Bytes b;
  append(b, std::span<const char>(s.data(), s.size()));
  return b;
}

std::string as_text(const Bytes& b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

TEST(Communicator, AllToAllDeliversEachBufferToItsRank) {
  Communicator& c = world();
  std::vector<Bytes> out(static_cast<std::size_t>(c.size()));
  for (int d = 0; d < c.size(); ++d)
    out[static_cast<std::size_t>(d)] = text(std::to_string(c.rank()) + "->" + std::to_string(d));
  auto got = c.all_to_all(std::move(out));
  ASSERT_EQ(got.size(), static_cast<std::size_t>(c.size()));
  for (int s = 0; s < c.size(); ++s)
    EXPECT_EQ(as_text(got[static_cast<std::size_t>(s)]),
              std::to_string(s) + "->" + std::to_string(c.rank()));
}

TEST(Communicator, AllToAllCarriesEmptyAndUnevenBuffers) {
  Communicator& c = world();
  std::vector<Bytes> out(static_cast<std::size_t>(c.size()));
  // Rank r sends r * 1000 + d bytes of value d to rank d (rank 0 sends nothing to rank 0).
  for (int d = 0; d < c.size(); ++d)
    out[static_cast<std::size_t>(d)].assign(static_cast<std::size_t>(c.rank() * 1000 + d),
                                            static_cast<std::byte>(d));
  auto got = c.all_to_all(std::move(out));
  for (int s = 0; s < c.size(); ++s) {
    const Bytes& b = got[static_cast<std::size_t>(s)];
    EXPECT_EQ(b.size(), static_cast<std::size_t>(s * 1000 + c.rank()));
    EXPECT_TRUE(std::all_of(b.begin(), b.end(),
                            [&](std::byte x) { return x == static_cast<std::byte>(c.rank()); }));
  }
}

TEST(Communicator, GatherCollectsOnRootInRankOrder) {
  Communicator& c = world();
  auto got = c.gather(text("rank " + std::to_string(c.rank())), 0);
  if (c.rank() != 0) {
    EXPECT_TRUE(got.empty());
    return;
  }
  ASSERT_EQ(got.size(), static_cast<std::size_t>(c.size()));
  for (int s = 0; s < c.size(); ++s)
    EXPECT_EQ(as_text(got[static_cast<std::size_t>(s)]), "rank " + std::to_string(s));
}

TEST(Communicator, BroadcastGivesRootsBytesToAll) {
  Communicator& c = world();
  Bytes b = c.rank() == 0 ? text("from the root") : text("stale");
  c.broadcast(b, 0);
  EXPECT_EQ(as_text(b), "from the root");
}

TEST(Communicator, SumsAreExactOverRanks) {
  Communicator& c = world();
  const auto n = static_cast<std::uint64_t>(c.size());
  std::vector<std::uint64_t> big = {static_cast<std::uint64_t>(c.rank()) + 1, 1ull << 40};
  c.all_reduce_sum(big);
  EXPECT_EQ(big[0], n * (n + 1) / 2);
  EXPECT_EQ(big[1], n << 40);
  std::vector<std::uint32_t> small = {7, static_cast<std::uint32_t>(c.rank())};
  c.reduce_sum(small, 0);
  if (c.rank() == 0) {
    EXPECT_EQ(small[0], 7 * n);
    EXPECT_EQ(small[1], n * (n - 1) / 2);
  } else {
    EXPECT_EQ(small[0], 7u);  // untouched off the root
  }
}

TEST(Bytes, ValuesAndStringsReadBackInOrder) {
  Bytes b;
  append_value<std::uint32_t>(b, 42);
  append_string(b, "héllo");
  std::vector<double> v = {1.5, -2.25};
  append(b, std::span<const double>(v));
  Reader r(b);
  EXPECT_EQ(r.value<std::uint32_t>(), 42u);
  EXPECT_EQ(r.string(), "héllo");
  std::vector<double> back;
  r.values(back, 2);
  EXPECT_EQ(back, v);
  EXPECT_TRUE(r.done());
}

}  // namespace
}  // namespace groundswell::dist

// Collectives need MPI started before the tests and stopped after them.
int main(int argc, char** argv) {
  groundswell::dist::Session session(argc, argv);
  ::testing::InitGoogleTest(&argc, argv);
  // Only rank 0 prints, so a run under mpirun reads as one.
  if (groundswell::dist::world().rank() != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  return RUN_ALL_TESTS();
}
