#include "base/output_file.h"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <functional>
#include <iterator>
#include <string>

#include "base/file.h"

namespace groundswell {
namespace {

namespace fs = std::filesystem;

// Runs `write` under a file size limit of 100,000 bytes: a longer write fails with EFBIG, as
// one on a full disk fails with ENOSPC.
Status under_a_file_size_limit(const std::function<Status()>& write) {
  struct rlimit old_limit {};
  EXPECT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old_limit;
  small.rlim_cur = 100000;
  EXPECT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  Status s = write();
  ::setrlimit(RLIMIT_FSIZE, &old_limit);
  std::signal(SIGXFSZ, old_handler);
  return s;
}

// An I/O error (exit code 3) whose message starts with `what` ("cannot write PATH").
void expect_io_error(const Status& s, const std::string& what) {
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_EQ(s.exit_code(), 3);
  EXPECT_EQ(s.message().rfind(what, 0), 0u) << s.message();
}

class OutputFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("gs-output-file-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::size_t entries() const {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir_), {}));
  }
  fs::path dir_;
};

TEST_F(OutputFileTest, ReplacesTheTargetOnlyOnCommit) {
  const fs::path target = dir_ / "edges.csv";
  ASSERT_TRUE(write_output_file(target, "old\n").ok());
  auto f = OutputFile::create(target);
  ASSERT_TRUE(f.ok());
  const std::string big(200000, 'x');  // larger than the buffer: written through
  ASSERT_TRUE(f->write("new\n").ok());
  ASSERT_TRUE(f->write(big).ok());
  EXPECT_EQ(read_whole_file(target), "old\n");  // a reader still sees the complete old file
  EXPECT_TRUE(fs::exists(dir_ / ".edges.csv.tmp"));
  ASSERT_TRUE(f->commit().ok());
  EXPECT_EQ(read_whole_file(target), "new\n" + big);
  EXPECT_EQ(f->bytes_written(), 4 + big.size());
  EXPECT_EQ(entries(), 1u);
}

// A cache file skips only the wait for the disk: it still appears whole or not at all.
TEST_F(OutputFileTest, AFileNotFlushedIsStillReplacedWhole) {
  const fs::path target = dir_ / "s.db.columns";
  ASSERT_TRUE(write_output_file(target, "old").ok());
  auto f = OutputFile::create(target, Flush::kNone);
  ASSERT_TRUE(f.ok());
  const std::string big(300000, 'c');
  ASSERT_TRUE(f->write(big).ok());
  EXPECT_EQ(read_whole_file(target), "old");
  ASSERT_TRUE(f->commit().ok());
  EXPECT_EQ(read_whole_file(target), big);
  EXPECT_EQ(entries(), 1u);
  auto g = OutputFile::create(target, Flush::kNone);
  ASSERT_TRUE(g.ok());
  ASSERT_TRUE(g->write("never committed").ok());
  g->abandon();
  EXPECT_EQ(read_whole_file(target), big);
  EXPECT_EQ(entries(), 1u);
}

TEST_F(OutputFileTest, AbandonedFileLeavesTheOldOneAndNoTemporary) {
  const fs::path target = dir_ / "summary.json";
  ASSERT_TRUE(write_output_file(target, "{\"finished\":true}\n").ok());
  {
    auto f = OutputFile::create(target);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE(f->write("{\"half").ok());
  }  // destroyed without commit, as when a later step fails
  EXPECT_EQ(read_whole_file(target), "{\"finished\":true}\n");
  EXPECT_EQ(entries(), 1u);
}

TEST_F(OutputFileTest, MissingFolderIsAnErrorNamingThePath) {
  const fs::path target = dir_ / "no-such-folder" / "report.html";
  Status s = write_output_file(target, "x");
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_NE(s.message().find(target.string()), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("No such file or directory"), std::string::npos) << s.message();
}

// A full disk as the process sees it: the file size limit makes write() fail with EFBIG, as
// ENOSPC would on a full file system. The old file stays, nothing half-written is left.
TEST_F(OutputFileTest, FailedWriteKeepsTheOldFileAndNamesThePath) {
  const fs::path target = dir_ / "accounts.csv";
  ASSERT_TRUE(write_output_file(target, "complete old file\n").ok());
  Status s =
      under_a_file_size_limit([&] { return write_output_file(target, std::string(300000, 'y')); });
  expect_io_error(s, "cannot write " + target.string());
  EXPECT_NE(s.message().find("too large"), std::string::npos) << s.message();
  EXPECT_EQ(read_whole_file(target), "complete old file\n");
  EXPECT_EQ(entries(), 1u);
}

TEST_F(OutputFileTest, ErrorsStick) {
  auto f = OutputFile::create(dir_ / "x.csv");
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE(f->commit().ok());
  EXPECT_FALSE(f->write("more").ok());
  EXPECT_FALSE(f->commit().ok());
  EXPECT_EQ(read_whole_file(dir_ / "x.csv"), "");
}

TEST_F(OutputFileTest, ReplaceWithTemporaryRenamesAWholeFile) {
  const fs::path target = dir_ / "groundswell.db";
  const fs::path temp = temporary_path_for(target);
  EXPECT_EQ(temp, dir_ / ".groundswell.db.tmp");
  ASSERT_TRUE(write_output_file(temp, "built elsewhere").ok());
  ASSERT_TRUE(replace_with_temporary(temp, target).ok());
  EXPECT_EQ(read_whole_file(target), "built elsewhere");
  EXPECT_FALSE(fs::exists(temp));
  Status missing = replace_with_temporary(dir_ / ".gone.tmp", dir_ / "gone");
  EXPECT_EQ(missing.code(), StatusCode::kIoError);
  EXPECT_NE(missing.message().find("gone"), std::string::npos);
}

// A batch: nothing changes until commit(), then every file is in place and no temporary is
// left, in every folder the batch wrote to.
TEST_F(OutputFileTest, BatchPutsItsFilesInPlaceOnlyOnCommit) {
  fs::create_directories(dir_ / "evidence");
  ASSERT_TRUE(write_output_file(dir_ / "edges.csv", "old edges\n").ok());
  ASSERT_TRUE(write_output_file(dir_ / "evidence" / "cluster-1.json", "old 1\n").ok());
  OutputBatch batch;
  ASSERT_TRUE(batch.write(dir_ / "edges.csv", "new edges\n").ok());
  auto f = batch.create(dir_ / "evidence" / "cluster-1.json");
  ASSERT_TRUE(f.ok());
  const std::string big(200000, 'x');  // larger than the buffer: written through
  ASSERT_TRUE(f->write(big).ok());
  ASSERT_TRUE(f->commit().ok());
  ASSERT_TRUE(batch.write(dir_ / "evidence" / "cluster-2.json", "new 2\n").ok());
  EXPECT_EQ(batch.files(), 3u);
  // Every file finished, none in place: a reader still sees the complete old files.
  EXPECT_EQ(read_whole_file(dir_ / "edges.csv"), "old edges\n");
  EXPECT_EQ(read_whole_file(dir_ / "evidence" / "cluster-1.json"), "old 1\n");
  EXPECT_FALSE(fs::exists(dir_ / "evidence" / "cluster-2.json"));
  EXPECT_TRUE(fs::exists(dir_ / "evidence" / ".cluster-2.json.tmp"));
  ASSERT_TRUE(batch.commit().ok());
  EXPECT_EQ(read_whole_file(dir_ / "edges.csv"), "new edges\n");
  EXPECT_EQ(read_whole_file(dir_ / "evidence" / "cluster-1.json"), big);
  EXPECT_EQ(read_whole_file(dir_ / "evidence" / "cluster-2.json"), "new 2\n");
  EXPECT_EQ(entries(), 2u);  // edges.csv and evidence/
  EXPECT_EQ(static_cast<std::size_t>(
                std::distance(fs::directory_iterator(dir_ / "evidence"), {})),
            2u);
  // A committed batch takes no more files, nor a second commit.
  EXPECT_EQ(batch.write(dir_ / "late.csv", "x").code(), StatusCode::kInternal);
  EXPECT_FALSE(batch.commit().ok());
  EXPECT_FALSE(fs::exists(dir_ / "late.csv"));
}

TEST_F(OutputFileTest, BatchWithoutCommitLeavesTheOldFilesAndNoTemporary) {
  ASSERT_TRUE(write_output_file(dir_ / "clusters.csv", "complete old file\n").ok());
  {
    OutputBatch batch;
    ASSERT_TRUE(batch.write(dir_ / "clusters.csv", "new").ok());
    ASSERT_TRUE(batch.write(dir_ / "accounts.csv", "new").ok());
    auto open = batch.create(dir_ / "network.gexf");  // still open when the batch goes
    ASSERT_TRUE(open.ok());
    ASSERT_TRUE(open->write("<gexf").ok());
  }  // a later step failed: neither the file nor the batch was committed
  EXPECT_EQ(read_whole_file(dir_ / "clusters.csv"), "complete old file\n");
  EXPECT_EQ(entries(), 1u);
}

// A file of the batch that cannot be written (the file size limit, as a full disk): commit()
// returns its error, naming it, and puts none of the batch's files in place.
TEST_F(OutputFileTest, BatchWithAFailedFileReplacesNothing) {
  ASSERT_TRUE(write_output_file(dir_ / "edges.csv", "old edges\n").ok());
  ASSERT_TRUE(write_output_file(dir_ / "network.graphml", "old graph\n").ok());
  OutputBatch batch;
  ASSERT_TRUE(batch.write(dir_ / "edges.csv", "new edges\n").ok());
  Status s = under_a_file_size_limit(
      [&] { return batch.write(dir_ / "network.graphml", std::string(300000, 'y')); });
  expect_io_error(s, "cannot write " + (dir_ / "network.graphml").string());
  // A caller that goes on regardless cannot commit half a batch.
  ASSERT_TRUE(batch.write(dir_ / "clusters.csv", "new clusters\n").ok());
  expect_io_error(batch.commit(), "cannot write " + (dir_ / "network.graphml").string());
  EXPECT_EQ(read_whole_file(dir_ / "edges.csv"), "old edges\n");
  EXPECT_EQ(read_whole_file(dir_ / "network.graphml"), "old graph\n");
  EXPECT_FALSE(fs::exists(dir_ / "clusters.csv"));
  EXPECT_EQ(entries(), 2u);
}

// A rename that fails (the target is a folder) stops the batch there: the files before it
// are in place, the rest keep their old content, and no temporary is left.
TEST_F(OutputFileTest, BatchRenameFailureLeavesNoTemporary) {
  fs::create_directories(dir_ / "report.html" / "inside");
  ASSERT_TRUE(write_output_file(dir_ / "z.csv", "old z\n").ok());
  OutputBatch batch;
  ASSERT_TRUE(batch.write(dir_ / "a.csv", "new a\n").ok());
  ASSERT_TRUE(batch.write(dir_ / "report.html", "new report\n").ok());
  ASSERT_TRUE(batch.write(dir_ / "z.csv", "new z\n").ok());
  expect_io_error(batch.commit(), "cannot replace " + (dir_ / "report.html").string());
  EXPECT_EQ(read_whole_file(dir_ / "a.csv"), "new a\n");
  EXPECT_EQ(read_whole_file(dir_ / "z.csv"), "old z\n");
  EXPECT_EQ(entries(), 3u);  // a.csv, report.html/, z.csv
}

// A streamed file of a batch is finished by its commit() but put in place by the batch's; it
// cannot commit once the batch has.
TEST_F(OutputFileTest, FileOfACommittedBatchCannotCommit) {
  OutputBatch batch;
  auto late = batch.create(dir_ / "late.json");
  ASSERT_TRUE(late.ok());
  ASSERT_TRUE(late->write("{}").ok());
  ASSERT_TRUE(batch.commit().ok());
  EXPECT_EQ(late->commit().code(), StatusCode::kInternal);
  EXPECT_EQ(entries(), 0u);
}

// A re-run that writes the same bytes (a resumed or repeated detection) leaves the file in
// place instead of replacing it: the same file, with a fresh time of modification and the
// temporary of a killed run gone. Different bytes of the same size, or a file with a second
// name, are replaced as always.
TEST_F(OutputFileTest, BatchLeavesAFileWithTheSameBytesInPlace) {
  const fs::path same = dir_ / "cluster-1.json", changed = dir_ / "cluster-2.json",
                 linked = dir_ / "cluster-3.json";
  ASSERT_TRUE(write_output_file(same, "{\"id\":1}\n").ok());
  ASSERT_TRUE(write_output_file(changed, "{\"id\":2}\n").ok());
  ASSERT_TRUE(write_output_file(linked, "{\"id\":3}\n").ok());
  fs::create_hard_link(linked, dir_ / "kept-copy.json");
  ASSERT_TRUE(write_output_file(dir_ / ".cluster-1.json.tmp", "{\"i").ok());  // a killed run's
  const struct timespec old_times[2] = {{1000, 0}, {1000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, same.c_str(), old_times, 0), 0);
  auto inode = [](const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0);
    return st;
  };
  const ino_t same_inode = inode(same).st_ino, changed_inode = inode(changed).st_ino,
              linked_inode = inode(linked).st_ino;
  OutputBatch batch;
  ASSERT_TRUE(batch.write(same, "{\"id\":1}\n").ok());
  ASSERT_TRUE(batch.write(changed, "{\"id\":9}\n").ok());
  ASSERT_TRUE(batch.write(linked, "{\"id\":3}\n").ok());
  EXPECT_EQ(batch.unchanged(), 1u);
  EXPECT_EQ(batch.files(), 2u);
  EXPECT_FALSE(fs::exists(dir_ / ".cluster-1.json.tmp"));
  ASSERT_TRUE(batch.commit().ok());
  EXPECT_EQ(inode(same).st_ino, same_inode);
  EXPECT_GT(inode(same).st_mtim.tv_sec, 1000);
  EXPECT_EQ(read_whole_file(same), "{\"id\":1}\n");
  EXPECT_NE(inode(changed).st_ino, changed_inode);
  EXPECT_EQ(read_whole_file(changed), "{\"id\":9}\n");
  EXPECT_NE(inode(linked).st_ino, linked_inode);  // the other name keeps its own file
  EXPECT_EQ(inode(dir_ / "kept-copy.json").st_ino, linked_inode);
  EXPECT_EQ(entries(), 4u);
}

}  // namespace
}  // namespace groundswell
