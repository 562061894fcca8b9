#include "ingest/input.h"

#include <fmt/format.h>
#include <glob.h>

#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <optional>
#include <set>
#include <utility>

#include "base/log.h"

namespace groundswell {

namespace fs = std::filesystem;

namespace {
constexpr std::size_t kRawChunk = 1 << 20;
}

InputStream::~InputStream() {
  if (file_) std::fclose(file_);
  if (hash_) XXH3_freeState(hash_);
  if (zs_init_) inflateEnd(&zs_);
  if (zstd_) ZSTD_freeDCtx(zstd_);
}

Status InputStream::open(const std::string& path) {
  path_ = path;
  file_ = std::fopen(path.c_str(), "rb");
  if (!file_) return Status::IoError(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  struct stat st {};
  if (::fstat(fileno(file_), &st) == 0 && S_ISREG(st.st_mode)) {
    regular_ = true;
    raw_size_ = static_cast<std::uint64_t>(st.st_size);
    opened_mtime_ns_ = st.st_mtim.tv_sec * 1000000000ll + st.st_mtim.tv_nsec;
  }
  hash_ = XXH3_createState();
  XXH3_128bits_reset(hash_);
  raw_buf_.resize(kRawChunk);
  raw_len_ = read_raw(raw_buf_.data(), raw_buf_.size());
  raw_pos_ = 0;
  if (raw_len_ >= 2 && static_cast<unsigned char>(raw_buf_[0]) == 0x1f &&
      static_cast<unsigned char>(raw_buf_[1]) == 0x8b) {
    compression_ = Compression::kGzip;
    if (inflateInit2(&zs_, 16 + MAX_WBITS) != Z_OK) return Status::Internal("zlib init failed");
    zs_init_ = true;
  } else if (raw_len_ >= 4 && static_cast<unsigned char>(raw_buf_[0]) == 0x28 &&
             static_cast<unsigned char>(raw_buf_[1]) == 0xb5 &&
             static_cast<unsigned char>(raw_buf_[2]) == 0x2f &&
             static_cast<unsigned char>(raw_buf_[3]) == 0xfd) {
    compression_ = Compression::kZstd;
    zstd_ = ZSTD_createDCtx();
  }
  return Status::Ok();
}

Status InputStream::open_range(const std::string& path, std::uint64_t begin, std::uint64_t end) {
  path_ = path;
  file_ = std::fopen(path.c_str(), "rb");
  if (!file_)
    return Status::IoError(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  if (end < begin || ::fseeko(file_, static_cast<off_t>(begin), SEEK_SET) != 0)
    return Status::IoError(fmt::format("{}: cannot read from byte {}", path, begin));
  ranged_ = true;
  range_left_ = end - begin;
  raw_size_ = end - begin;
  raw_buf_.resize(kRawChunk);
  raw_len_ = read_raw(raw_buf_.data(), raw_buf_.size());
  raw_pos_ = 0;
  return Status::Ok();
}

void InputStream::open_memory(std::string_view data) {
  peeked_.assign(data);
  peek_pos_ = 0;
  raw_size_ = data.size();
  raw_eof_ = true;
}

std::size_t InputStream::read_raw(char* buf, std::size_t n) {
  if (raw_eof_) return 0;
  if (ranged_) n = static_cast<std::size_t>(std::min<std::uint64_t>(n, range_left_));
  const std::size_t got = n == 0 ? 0 : std::fread(buf, 1, n, file_);
  if (got < n || (ranged_ && got == range_left_)) raw_eof_ = true;
  if (got) {
    if (hash_) XXH3_128bits_update(hash_, buf, got);
    if (ranged_) range_left_ -= got;
    raw_consumed_.fetch_add(got, std::memory_order_relaxed);
  }
  return got;
}

std::size_t InputStream::read_decompressed(char* buf, std::size_t n) {
  if (!error_.empty()) return 0;
  if (compression_ == Compression::kNone) {
    std::size_t out = 0;
    if (raw_pos_ < raw_len_) {
      out = std::min(n, raw_len_ - raw_pos_);
      std::memcpy(buf, raw_buf_.data() + raw_pos_, out);
      raw_pos_ += out;
    }
    if (out < n) out += read_raw(buf + out, n - out);
    return out;
  }
  std::size_t produced = 0;
  while (produced == 0) {
    if (raw_pos_ == raw_len_) {
      raw_len_ = read_raw(raw_buf_.data(), raw_buf_.size());
      raw_pos_ = 0;
      if (raw_len_ == 0) {
        bool open = compression_ == Compression::kGzip ? !zs_member_end_ : zstd_frame_open_;
        if (open) error_ = "compressed data ends early (truncated file)";
        return 0;
      }
    }
    if (compression_ == Compression::kGzip) {
      if (zs_member_end_) {
        // Another gzip member follows (concatenated .gz files are valid gzip).
        inflateReset(&zs_);
        zs_member_end_ = false;
      }
      zs_.next_in = reinterpret_cast<Bytef*>(raw_buf_.data() + raw_pos_);
      zs_.avail_in = static_cast<uInt>(raw_len_ - raw_pos_);
      zs_.next_out = reinterpret_cast<Bytef*>(buf);
      zs_.avail_out = static_cast<uInt>(n);
      int rc = inflate(&zs_, Z_NO_FLUSH);
      raw_pos_ = raw_len_ - zs_.avail_in;
      produced = n - zs_.avail_out;
      if (rc == Z_STREAM_END) {
        zs_member_end_ = true;
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        error_ = fmt::format("gzip data is corrupt ({})", zs_.msg ? zs_.msg : "inflate failed");
        return produced;
      }
    } else {
      ZSTD_inBuffer in{raw_buf_.data() + raw_pos_, raw_len_ - raw_pos_, 0};
      ZSTD_outBuffer out{buf, n, 0};
      std::size_t rc = ZSTD_decompressStream(zstd_, &out, &in);
      raw_pos_ += in.pos;
      produced = out.pos;
      if (ZSTD_isError(rc)) {
        error_ = fmt::format("zstd data is corrupt ({})", ZSTD_getErrorName(rc));
        return produced;
      }
      zstd_frame_open_ = rc != 0;
    }
  }
  return produced;
}

std::string_view InputStream::peek(std::size_t n) {
  while (peeked_.size() < n) {
    std::size_t old = peeked_.size();
    peeked_.resize(n);
    std::size_t got = read_decompressed(peeked_.data() + old, n - old);
    peeked_.resize(old + got);
    if (got == 0) break;
  }
  return std::string_view(peeked_).substr(0, std::min(n, peeked_.size()));
}

std::size_t InputStream::read(char* buf, std::size_t n) {
  if (peek_pos_ < peeked_.size()) {
    std::size_t k = std::min(n, peeked_.size() - peek_pos_);
    std::memcpy(buf, peeked_.data() + peek_pos_, k);
    peek_pos_ += k;
    if (peek_pos_ == peeked_.size()) {
      peeked_.clear();
      peeked_.shrink_to_fit();
      peek_pos_ = 0;
    }
    return k;
  }
  return read_decompressed(buf, n);
}

std::string InputStream::digest() {
  if (!hash_) return {};
  // Hash whatever the reader did not consume, so the digest always covers the whole file.
  while (!raw_eof_) {
    if (read_raw(raw_buf_.data(), raw_buf_.size()) == 0) break;
  }
  XXH128_hash_t h = XXH3_128bits_digest(hash_);
  return fmt::format("{:016x}{:016x}", h.high64, h.low64);
}

namespace {

// Collects the files of the inputs. Directories are walked recursively, following symbolic
// links to directories, but each directory (by device and inode) only once: a link back to an
// enclosing folder is a loop, reported and not walked again.
class InputWalk {
 public:
  Status add(const std::string& in) {
    std::error_code ec;
    if (fs::is_directory(in, ec)) return add_dir(in);
    if (fs::exists(in, ec)) {
      add_file(in);
      return Status::Ok();
    }
    if (ec && ec != std::errc::no_such_file_or_directory)
      return Status::NotFound(fmt::format("{}: {}", in, ec.message()));
    if (in.find_first_of("*?[") != std::string::npos) return add_glob(in);
    return Status::NotFound(fmt::format("{}: no such file or directory", in));
  }

  // Sorted by path; a file reached by two paths (through a link) is read once, by the first.
  std::vector<std::string> files() {
    std::sort(files_.begin(), files_.end());
    std::vector<std::string> out;
    std::set<std::pair<dev_t, ino_t>> seen;
    for (auto& f : files_) {
      if (!out.empty() && out.back() == f.path) continue;
      if (f.id && !seen.insert(*f.id).second) {
        log_warn(fmt::format("{}: the same file as one read under another name; read once",
                             f.path));
        continue;
      }
      out.push_back(std::move(f.path));
    }
    return out;
  }

 private:
  struct File {
    std::string path;
    std::optional<std::pair<dev_t, ino_t>> id;
    bool operator<(const File& o) const { return path < o.path; }
  };

  static std::optional<std::pair<dev_t, ino_t>> identity(const fs::path& p) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) return std::nullopt;
    return std::pair{st.st_dev, st.st_ino};
  }

  void add_file(const fs::path& p) { files_.push_back({p.string(), identity(p)}); }

  Status add_dir(const fs::path& dir) {
    if (auto id = identity(dir); id && !dirs_.insert(*id).second) return Status::Ok();
    std::error_code ec;
    fs::recursive_directory_iterator it(
        dir, fs::directory_options::skip_permission_denied |
                 fs::directory_options::follow_directory_symlink,
        ec);
    if (ec) return Status::IoError(fmt::format("{}: {}", dir.string(), ec.message()));
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) return Status::IoError(fmt::format("{}: {}", dir.string(), ec.message()));
      const auto& p = it->path();
      std::string name = p.filename().string();
      std::error_code type_ec;
      const bool is_dir = it->is_directory(type_ec);
      if (!name.empty() && name[0] == '.') {
        if (is_dir) it.disable_recursion_pending();
        continue;
      }
      if (type_ec) {  // a dangling link, a link loop, a file that vanished
        log_warn(fmt::format("{}: skipped: {}", p.string(), type_ec.message()));
        continue;
      }
      if (is_dir) {
        auto id = identity(p);
        if (id && !dirs_.insert(*id).second) {
          it.disable_recursion_pending();
          if (it->is_symlink(type_ec))
            log_warn(fmt::format("{}: skipped: a symbolic link to a folder already read (a "
                                 "loop, or the same folder twice)",
                                 p.string()));
        }
        continue;
      }
      if (!it->is_regular_file(type_ec)) continue;
      if (name.ends_with(".db") || name.ends_with(".db-wal") || name.ends_with(".db-shm") ||
          name == "rejects.jsonl")
        continue;
      add_file(p);
    }
    return Status::Ok();
  }

  Status add_glob(const std::string& pattern) {
    glob_t g{};
    int rc = ::glob(pattern.c_str(), 0, nullptr, &g);
    if (rc == GLOB_NOMATCH) {
      globfree(&g);
      return Status::NotFound(fmt::format("{}: no file matches this pattern", pattern));
    }
    Status st;
    for (std::size_t i = 0; i < g.gl_pathc && st.ok(); ++i) {
      std::string p = g.gl_pathv[i];
      std::error_code ec;
      if (fs::is_directory(p, ec)) st = add_dir(p); else add_file(p);
    }
    globfree(&g);
    return st;
  }

  std::vector<File> files_;
  std::set<std::pair<dev_t, ino_t>> dirs_;
};

}  // namespace

std::string InputStream::change_while_read() const {
  if (!file_ || !regular_ || ranged_) return {};
  struct stat st {};
  if (::fstat(fileno(file_), &st) != 0) return {};
  const auto size = static_cast<std::uint64_t>(st.st_size);
  const std::int64_t mtime = st.st_mtim.tv_sec * 1000000000ll + st.st_mtim.tv_nsec;
  const std::uint64_t read = raw_consumed_.load();
  if (size != raw_size_ || read != raw_size_)
    return fmt::format("changed while it was read ({} bytes when opened, {} now, {} read): "
                       "what was read is kept; read it again once it is complete",
                       raw_size_, size, read);
  if (mtime != opened_mtime_ns_)
    return "was modified while it was read: what was read is kept; read it again once it is "
           "complete";
  return {};
}

Result<std::vector<std::string>> expand_inputs(const std::vector<std::string>& inputs) {
  InputWalk walk;
  for (const auto& in : inputs) GS_RETURN_IF_ERROR(walk.add(in));
  return walk.files();
}

}  // namespace groundswell
