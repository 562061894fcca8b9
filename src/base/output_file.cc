#include "base/output_file.h"

#include <fcntl.h>
#include <unistd.h>

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

}  // namespace

fs::path temporary_path_for(const fs::path& path) {
  fs::path temp = path;
  temp.replace_filename("." + path.filename().string() + ".tmp");
  return temp;
}

Result<OutputFile> OutputFile::create(fs::path path) {
  OutputFile f;
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
      error_(std::move(other.error_)) {}

OutputFile& OutputFile::operator=(OutputFile&& other) noexcept {
  if (this != &other) {
    abandon();
    path_ = std::move(other.path_);
    temp_ = std::move(other.temp_);
    fd_ = std::exchange(other.fd_, -1);
    buffer_ = std::move(other.buffer_);
    bytes_ = other.bytes_;
    error_ = std::move(other.error_);
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
  if (int e = sync_fd(fd_); e != 0) return fail("write", e);
  // close() reports deferred write errors on some file systems (NFS quotas).
  int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0) {
    int e = errno;
    ::unlink(temp_.c_str());
    error_ = io_error(path_, "write", e);
    return error_;
  }
  if (::rename(temp_.c_str(), path_.c_str()) != 0) {
    int e = errno;
    ::unlink(temp_.c_str());
    error_ = io_error(path_, "replace", e);
    return error_;
  }
  return Status::Ok();
}

Status write_output_file(const fs::path& path, std::string_view bytes) {
  auto f = OutputFile::create(path);
  if (!f) return f.status();
  GS_RETURN_IF_ERROR(f->write(bytes));
  return f->commit();
}

Status replace_with_temporary(const fs::path& temporary, const fs::path& path) {
  int fd = ::open(temporary.c_str(), O_RDONLY | O_CLOEXEC);
  int e = fd < 0 ? errno : sync_fd(fd);
  if (fd >= 0) ::close(fd);
  if (e == 0 && ::rename(temporary.c_str(), path.c_str()) != 0) e = errno;
  if (e != 0) {
    ::unlink(temporary.c_str());
    return io_error(path, "write", e);
  }
  return Status::Ok();
}

void sync_directory(const fs::path& dir) {
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)sync_fd(fd);
  ::close(fd);
}

}  // namespace groundswell
