// The distributed ingest (docs/distributed.md, "Ingest"): the other ranks parse a share of the
// inputs and rank 0 writes what they send. Run alone by ctest (one process: the ingest is not
// shared) and under `mpirun -np 3` (ctest: dist.mpi3), where rank 0's store must hold what one
// process stores, row for row.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <tbb/global_control.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "dist/communicator.h"
#include "ingest/ingest.h"
#include "ingest/test_inputs.h"
#include "store/store.h"

namespace groundswell::dist {
namespace {

namespace fs = std::filesystem;

void write(const fs::path& p, std::string_view content) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary)
      .write(content.data(), static_cast<std::streamsize>(content.size()));
}

// Inputs with something of everything the writer keeps: a large JSON-lines file (cut into
// pieces of 4 KiB) with blank lines, invalid UTF-8 and (but under --strict) lines that do not
// parse and lines past the record limit; a twarc2 file whose accounts a reader gives once per
// file; small files read whole, a duplicate, a record that changed and a line that does not
// parse (where --strict stops); and a file of no known format.
void write_inputs(const fs::path& in, bool strict) {
  write(in / "a_big.jsonl", test_inputs::large_json_lines(/*rejects=*/!strict));
  write(in / "b_pages.jsonl", test_inputs::twarc2_pages(300));
  std::string changed = test_inputs::canonical_line(17);  // the large file's record 17 ...
  changed.replace(changed.rfind("170"), 3, "171");        // ... with other views
  for (int f = 0; f < 7; ++f) {
    std::string small;
    for (int i = 0; i < 40; ++i) small += test_inputs::canonical_line(5000 + f * 40 + i);
    small += test_inputs::canonical_line(5000 + f * 40);  // a duplicate
    if (f == 3) small += changed;
    if (f == 4) small += "not json either\n";
    write(in / fmt::format("c_small{}.jsonl", f), small);
  }
  write(in / "d_unknown.txt", "neither JSON nor CSV\n");
}

// Every row of messages, accounts, files and rejects, a line each.
std::string stored_rows(const fs::path& db) {
  auto store = Store::open(db, /*read_only=*/true);
  EXPECT_TRUE(store.ok());
  std::string out;
  const std::pair<const char*, int> queries[] = {
      {"SELECT id, platform, chat_id, message_id, account, time_ms, text, views, urls, hashtags, "
       "digest, file_id, line, byte_offset FROM messages ORDER BY id",
       14},
      {"SELECT id, platform, account_id, handle, display_name FROM accounts ORDER BY id", 5},
      {"SELECT id, path, format, digest, completed, records_read, stored, duplicates, rejected, "
       "account_records, utf8_repaired FROM files ORDER BY id",
       11},
      {"SELECT id, file, line, byte_offset, reason, excerpt FROM rejects ORDER BY id", 6}};
  for (const auto& [sql, columns] : queries) {
    Stmt q;
    EXPECT_TRUE(store->db().prepare(sql, q).ok()) << sql;
    while (q.step() == Stmt::kRow) {
      for (int c = 0; c < columns; ++c) {
        out += q.column_is_null(c) ? "-" : std::string(q.column_text(c));
        out += '|';
      }
      out += '\n';
    }
  }
  return out;
}

// Two stores' rows compared whole; on a difference, the line of `one` where it starts.
void expect_same_rows(const std::string& one, const std::string& other) {
  const auto at = std::mismatch(one.begin(), one.end(), other.begin(), other.end()).first;
  const std::size_t line = one.rfind('\n', static_cast<std::size_t>(at - one.begin()));
  EXPECT_TRUE(one == other) << "the stores differ from: "
                            << one.substr(line == std::string::npos ? 0 : line + 1, 160);
}

class ShardedIngest : public ::testing::TestWithParam<bool> {};

// Rank 0 ingests the inputs alone on one thread, then with every rank parsing a share; the two
// stores hold the same rows (under --strict too, where the first reject ends the ingest).
TEST_P(ShardedIngest, StoresWhatOneProcessStores) {
  const bool strict = GetParam();
  Communicator& c = world();
  Bytes where;
  if (c.rank() == 0) {
    const fs::path dir = fs::temp_directory_path() / fmt::format("gs-dist-ingest-{}", ::getpid());
    fs::remove_all(dir);
    write_inputs(dir / "in", strict);
    append_string(where, dir.string());
  }
  c.broadcast(where);
  const fs::path dir = Reader(where).string();
  if (c.rank() != 0) {
    Bytes payload;
    ASSERT_EQ(receive_instruction(payload), Instruction::kIngest);
    follow_ingest(payload);
    c.barrier();
    return;
  }
  tbb::global_control one_thread(tbb::global_control::max_allowed_parallelism, 1);
  const auto ingest_into = [&](const std::string& name, bool shared) {
    auto store = Store::open(dir / name);
    EXPECT_TRUE(store.ok());
    IngestOptions o;
    o.inputs = {(dir / "in").string()};
    o.strict = strict;
    o.progress = false;
    o.piece_bytes = 4096;
    o.max_record_bytes = 3000;
    o.share_with_ranks = shared;
    auto s = ingest(*store, o);
    EXPECT_EQ(s.ok(), !strict) << s.status().message();
    return stored_rows(dir / name);
  };
  const std::string alone = ingest_into("alone.db", false);
  const std::string shared = ingest_into("shared.db", true);
  c.barrier();
  EXPECT_GT(alone.size(), 1000u);
  expect_same_rows(alone, shared);
  // What the inputs hold, so that a store missing a kind of row cannot pass.
  EXPECT_NE(alone.find("pages.jsonl|twitter-v2|"), std::string::npos);
  EXPECT_NE(alone.find("c_small3.jsonl|"), std::string::npos);
  EXPECT_EQ(alone.find("longer than the limit") != std::string::npos, !strict);
  // --strict stops at c_small4's reject; without it, every file is read.
  EXPECT_EQ(alone.find("d_unknown.txt|unrecognised|") != std::string::npos, !strict);
  fs::remove_all(dir);
}

// Inputs only rank 0 can read (here its open files under /proc/self/fd, which name other files
// or none in the other processes) are read on rank 0 alone: had the other ranks parsed their
// share, they would have stored rejects for files they cannot open.
TEST(ShardedIngestFallback, InputsOnlyRankZeroSeesAreReadThereAlone) {
  Communicator& c = world();
  if (c.rank() != 0) {
    Bytes payload;
    ASSERT_EQ(receive_instruction(payload), Instruction::kIngest);
    follow_ingest(payload);
    return;
  }
  const fs::path dir = fs::temp_directory_path() / fmt::format("gs-dist-private-{}", ::getpid());
  fs::remove_all(dir);
  std::vector<std::string> inputs;
  std::vector<int> fds;
  for (int f = 0; f < 6; ++f) {
    std::string records;
    for (int i = 0; i < 50; ++i) records += test_inputs::canonical_line(f * 50 + i);
    const fs::path path = dir / fmt::format("part{}.jsonl", f);
    write(path, records);
    fds.push_back(::open(path.c_str(), O_RDONLY));
    ASSERT_GE(fds.back(), 0);
    inputs.push_back(fmt::format("/proc/self/fd/{}", fds.back()));
  }
  tbb::global_control one_thread(tbb::global_control::max_allowed_parallelism, 1);
  const auto ingest_into = [&](const std::string& name, bool shared) {
    auto store = Store::open(dir / name);
    EXPECT_TRUE(store.ok());
    IngestOptions o;
    o.inputs = inputs;
    o.progress = false;
    o.share_with_ranks = shared;
    auto s = ingest(*store, o);
    EXPECT_TRUE(s.ok()) << s.status().message();
    if (s.ok()) {
      EXPECT_EQ(s->counts.stored, 300u);
    }
    return stored_rows(dir / name);
  };
  const std::string alone = ingest_into("alone.db", false);
  expect_same_rows(alone, ingest_into("shared.db", true));
  for (int fd : fds) ::close(fd);
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Modes, ShardedIngest, ::testing::Values(false, true),
                         [](const auto& p) { return p.param ? "Strict" : "Lenient"; });

}  // namespace
}  // namespace groundswell::dist
