// Output files of groundswell-generate and the helpers its writers share (generate_output.h).
#include "eval/generate_output.h"

#include <system_error>

namespace groundswell::gen {

namespace fs = std::filesystem;

OutFile::~OutFile() {
  if (zlib_open_) deflateEnd(&zlib_);
  if (zstd_ != nullptr) ZSTD_freeCCtx(zstd_);
}

Status OutFile::open(const fs::path& path, std::size_t buffer, Compression compression) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) return Status::IoError(path.parent_path().string() + ": " + ec.message());
  auto file = OutputFile::create(path);
  if (!file) return file.status();
  file_.emplace(std::move(*file));
  path_ = path;
  limit_ = buffer;
  buf_.reserve(buffer + 4096);
  compression_ = compression;
  if (compression != Compression::kNone) out_.resize(1 << 16);
  if (compression == Compression::kGzip) {
    // windowBits 15 + 16: a gzip wrapper with a zero time stamp.
    if (deflateInit2(&zlib_, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
      return Status::Internal("zlib deflateInit2 failed");
    }
    zlib_open_ = true;
  } else if (compression == Compression::kZstd) {
    zstd_ = ZSTD_createCCtx();
    if (zstd_ == nullptr) return Status::Internal("ZSTD_createCCtx failed");
    ZSTD_CCtx_setParameter(zstd_, ZSTD_c_compressionLevel, 3);
  }
  return Status::Ok();
}

Status OutFile::close() {
  write_out(true);
  if (!file_) return status_;
  if (status_.ok() && failed_) status_ = Status::Internal(path_.string() + ": zstd failed");
  if (status_.ok()) status_ = file_->commit();
  file_.reset();
  return status_;
}

void OutFile::put(const char* data, std::size_t n) {
  if (n == 0 || !status_.ok()) return;
  status_ = file_->write(std::string_view(data, n));
  bytes_ += static_cast<std::int64_t>(n);
}

void OutFile::write_out(bool finish) {
  if (!file_ || (buf_.empty() && !finish)) return;
  if (compression_ == Compression::kNone) {
    put(buf_.data(), buf_.size());
  } else if (compression_ == Compression::kGzip) {
    zlib_.next_in = reinterpret_cast<Bytef*>(buf_.data());
    zlib_.avail_in = static_cast<uInt>(buf_.size());
    int rc;
    do {
      zlib_.next_out = reinterpret_cast<Bytef*>(out_.data());
      zlib_.avail_out = static_cast<uInt>(out_.size());
      rc = deflate(&zlib_, finish ? Z_FINISH : Z_NO_FLUSH);
      put(out_.data(), out_.size() - zlib_.avail_out);
    } while (finish ? rc != Z_STREAM_END : zlib_.avail_in > 0 || zlib_.avail_out == 0);
  } else {
    ZSTD_inBuffer in{buf_.data(), buf_.size(), 0};
    std::size_t remaining;
    do {
      ZSTD_outBuffer out{out_.data(), out_.size(), 0};
      remaining = ZSTD_compressStream2(zstd_, &out, &in, finish ? ZSTD_e_end : ZSTD_e_continue);
      if (ZSTD_isError(remaining)) {
        failed_ = true;
        break;
      }
      put(out_.data(), out.pos);
    } while (finish ? remaining != 0 : in.pos < in.size);
  }
  buf_.clear();
}

std::string compressed_suffix(Compression compression) {
  return compression == Compression::kGzip ? ".gz"
                                           : (compression == Compression::kZstd ? ".zst" : "");
}

std::size_t reaction_count(std::int64_t views, std::uint64_t seed, std::int64_t* counts,
                           const char** emoji) {
  static const char* kReactions[] = {"👍", "❤", "🔥", "👏", "😢", "🙏", "😡"};
  GenRng r = GenRng::stream(seed);
  std::size_t kinds = 1 + r.below(3);
  double total = static_cast<double>(views) * (0.005 + 0.02 * r.unit());
  std::size_t n = 0;
  std::size_t start = r.below(7);
  for (std::size_t k = 0; k < kinds; ++k) {
    auto c = static_cast<std::int64_t>(total / static_cast<double>(k + 1));
    if (c <= 0) break;
    counts[n] = c;
    emoji[n] = kReactions[(start + k) % 7];
    ++n;
  }
  return n;
}

}  // namespace groundswell::gen
