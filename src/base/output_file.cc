#include "base/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace groundswell {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kBufferBytes = 1 << 16;

Status io_error(const fs::path& path, std::string_view what, int error_number) {
  std::string m = "cannot ";
  m.append(what);
  m.push_back(' ');
  m.append(path.string());
  if (error_number != 0) {
    m.append(": ");
    m.append(std::strerror(error_number));
  }
  return Status::IoError(std::move(m));
}

// write(2) until everything is out; EINTR retried.
int write_all(int fd, const char* data, std::size_t n) {
  while (n > 0) {
    ssize_t got = ::write(fd, data, n);
    if (got < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data += got;
    n -= static_cast<std::size_t>(got);
  }
  return 0;
}

int sync_fd(int fd) {
  while (::fsync(fd) != 0) {
    if (errno != EINTR) return errno;
  }
  return 0;
}

// Starts writing the file's dirty pages to disk without waiting, so that the batch's flush
// finds them on their way. Advisory: a file system without it loses nothing.
void start_writeback(int fd) { (void)::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE); }

// Flushes the file at `path` to disk through a new descriptor (Linux reports a write-back
// error not yet seen to it).
int sync_path(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  int e = sync_fd(fd);
  ::close(fd);
  return e;
}

int open_folder(const fs::path& dir) {
  return ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

}  // namespace

fs::path temporary_path_for(const fs::path& path) {
  fs::path temp = path;
  temp.replace_filename("." + path.filename().string() + ".tmp");
  return temp;
}

Result<OutputFile> OutputFile::create(fs::path path, Flush flush) {
  OutputFile f;
  f.flush_ = flush;
  f.path_ = std::move(path);
  f.temp_ = temporary_path_for(f.path_);
  f.fd_ = ::open(f.temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (f.fd_ < 0) return io_error(f.path_, "write", errno);
  f.buffer_.reserve(kBufferBytes);
  return f;
}

OutputFile::OutputFile(OutputFile&& other) noexcept
    : path_(std::move(other.path_)),
      temp_(std::move(other.temp_)),
      fd_(std::exchange(other.fd_, -1)),
      buffer_(std::move(other.buffer_)),
      bytes_(other.bytes_),
      error_(std::move(other.error_)),
      batch_(other.batch_),
      flush_(other.flush_) {}

OutputFile& OutputFile::operator=(OutputFile&& other) noexcept {
  if (this != &other) {
    abandon();
    path_ = std::move(other.path_);
    temp_ = std::move(other.temp_);
    fd_ = std::exchange(other.fd_, -1);
    buffer_ = std::move(other.buffer_);
    bytes_ = other.bytes_;
    error_ = std::move(other.error_);
    batch_ = other.batch_;
    flush_ = other.flush_;
  }
  return *this;
}

OutputFile::~OutputFile() { abandon(); }

void OutputFile::abandon() {
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
  ::unlink(temp_.c_str());
}

Status OutputFile::fail(std::string_view what, int error_number) {
  error_ = io_error(path_, what, error_number);
  abandon();
  if (batch_ != nullptr && batch_->error_.ok()) batch_->error_ = error_;
  return error_;
}

Status OutputFile::flush_buffer() {
  if (buffer_.empty()) return Status::Ok();
  int e = write_all(fd_, buffer_.data(), buffer_.size());
  buffer_.clear();
  if (e != 0) return fail("write", e);
  return Status::Ok();
}

Status OutputFile::write(std::string_view bytes) {
  if (!error_.ok()) return error_;
  if (fd_ < 0) return Status::Internal("write to " + path_.string() + " after commit");
  bytes_ += bytes.size();
  if (buffer_.size() + bytes.size() > kBufferBytes) {
    GS_RETURN_IF_ERROR(flush_buffer());
    if (bytes.size() >= kBufferBytes) {
      int e = write_all(fd_, bytes.data(), bytes.size());
      if (e != 0) return fail("write", e);
      return Status::Ok();
    }
  }
  buffer_.append(bytes);
  return Status::Ok();
}

Status OutputFile::commit() {
  if (!error_.ok()) return error_;
  if (fd_ < 0) return Status::Internal("commit of " + path_.string() + " twice");
  GS_RETURN_IF_ERROR(flush_buffer());
  if (batch_ == nullptr) {
    if (flush_ == Flush::kDisk)
      if (int e = sync_fd(fd_); e != 0) return fail("write", e);
  } else if (batch_->committed_) {
    abandon();
    error_ = Status::Internal("commit of " + path_.string() + " after its batch's");
    return error_;
  } else {
    start_writeback(fd_);
  }
  // close() reports deferred write errors on some file systems (NFS quotas).
  int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0) {
    int e = errno;
    ::unlink(temp_.c_str());
    error_ = io_error(path_, "write", e);
    if (batch_ != nullptr && batch_->error_.ok()) batch_->error_ = error_;
    return error_;
  }
  if (batch_ != nullptr) {
    batch_->finished_.push_back({temp_, path_});
    return Status::Ok();
  }
  if (::rename(temp_.c_str(), path_.c_str()) != 0) {
    int e = errno;
    ::unlink(temp_.c_str());
    error_ = io_error(path_, "replace", e);
    return error_;
  }
  return Status::Ok();
}

namespace {

Status write_whole(Result<OutputFile> f, std::string_view bytes) {
  if (!f) return f.status();
  GS_RETURN_IF_ERROR(f->write(bytes));
  return f->commit();
}

}  // namespace

Status write_output_file(const fs::path& path, std::string_view bytes) {
  return write_whole(OutputFile::create(path), bytes);
}

OutputBatch::~OutputBatch() {
  abandon();
  close_folders();
}

Result<OutputFile> OutputBatch::create(fs::path path) {
  if (committed_) return Status::Internal("a file joins a committed batch: " + path.string());
  auto f = OutputFile::create(std::move(path));
  if (!f) return f.status();
  f->batch_ = this;
  join_folder(f->path().parent_path());
  return f;
}

Status OutputBatch::write(const fs::path& path, std::string_view bytes) {
  if (!committed_ && error_.ok() && keep_if_unchanged(path, bytes)) return Status::Ok();
  return write_whole(create(path), bytes);
}

bool OutputBatch::keep_if_unchanged(const fs::path& path, std::string_view bytes) {
  if (join_folder(path.parent_path()).fd < 0) return false;
  // Not through a symbolic link, nor a file with other names: replacing gives those a new file.
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  bool same = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1 &&
              static_cast<std::uint64_t>(st.st_size) == bytes.size();
  std::string chunk(same ? std::min(bytes.size(), kBufferBytes) : 0, '\0');
  for (std::size_t at = 0; same && at < bytes.size();) {
    ssize_t got = ::read(fd, chunk.data(), std::min(chunk.size(), bytes.size() - at));
    if (got < 0 && errno == EINTR) continue;
    auto n = static_cast<std::size_t>(std::max<ssize_t>(got, 0));
    same = n > 0 && std::memcmp(chunk.data(), bytes.data() + at, n) == 0;
    at += n;
  }
  // Its time of modification says when it was last written, as a replaced file's would.
  same = same && ::futimens(fd, nullptr) == 0;
  ::close(fd);
  if (same) {
    ::unlink(temporary_path_for(path).c_str());  // a killed run's, if any
    ++kept_;
  }
  return same;
}

void OutputBatch::abandon() {
  for (const Finished& f : finished_) ::unlink(f.temp.c_str());
  finished_.clear();
}

const OutputBatch::Folder* OutputBatch::folder_of(const fs::path& folder) const {
  for (const Folder& known : folders_)
    if (known.path == folder) return &known;
  return nullptr;
}

const OutputBatch::Folder& OutputBatch::join_folder(const fs::path& folder) {
  const Folder* known = folder_of(folder);
  return known != nullptr ? *known : folders_.emplace_back(Folder{folder, open_folder(folder)});
}

void OutputBatch::close_folders() {
  for (Folder& folder : folders_)
    if (folder.fd >= 0) ::close(std::exchange(folder.fd, -1));
}

Status OutputBatch::fail(Status error) {
  error_ = std::move(error);
  abandon();
  close_folders();
  return error_;
}

Status OutputBatch::commit() {
  if (committed_) return Status::Internal("a batch of output files committed twice");
  committed_ = true;
  if (!error_.ok()) return fail(error_);
  // 1. Every file's bytes on disk before any of them takes its target's name: one syncfs per
  // file system (folders on the same one share it).
  std::vector<dev_t> synced;
  for (const Folder& folder : folders_) {
    struct stat st {};
    if (folder.fd < 0 || ::fstat(folder.fd, &st) != 0) continue;
    if (std::find(synced.begin(), synced.end(), st.st_dev) != synced.end()) continue;
    if (::syncfs(folder.fd) != 0) return fail(io_error(folder.path, "flush the files in", errno));
    synced.push_back(st.st_dev);
  }
  for (const Finished& f : finished_) {  // a folder that could not be opened: file by file
    const Folder* folder = folder_of(f.path.parent_path());
    if (folder != nullptr && folder->fd >= 0) continue;
    if (int e = sync_path(f.temp); e != 0) return fail(io_error(f.path, "write", e));
  }
  // 2. Into place.
  for (std::size_t i = 0; i < finished_.size(); ++i) {
    if (::rename(finished_[i].temp.c_str(), finished_[i].path.c_str()) != 0) {
      Status error = io_error(finished_[i].path, "replace", errno);
      finished_.erase(finished_.begin(), finished_.begin() + static_cast<std::ptrdiff_t>(i));
      return fail(std::move(error));
    }
  }
  finished_.clear();
  // 3. The renames on disk; as sync_directory(), failures are ignored.
  for (const Folder& folder : folders_)
    if (folder.fd >= 0) (void)sync_fd(folder.fd);
  close_folders();
  return Status::Ok();
}

Status replace_with_temporary(const fs::path& temporary, const fs::path& path) {
  int e = sync_path(temporary);
  if (e == 0 && ::rename(temporary.c_str(), path.c_str()) != 0) e = errno;
  if (e != 0) {
    ::unlink(temporary.c_str());
    return io_error(path, "write", e);
  }
  return Status::Ok();
}

void sync_directory(const fs::path& dir) {
  int fd = open_folder(dir);
  if (fd < 0) return;
  (void)sync_fd(fd);
  ::close(fd);
}

}  // namespace groundswell
