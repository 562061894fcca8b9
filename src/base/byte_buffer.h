// A growable, contiguous buffer of bytes, for the character columns of the analysis data
// (hundreds of megabytes filled by appending, one string after another). Past kMapped bytes
// its memory is a mapping of its own that grows with mremap(2): the kernel moves the pages
// already written, so growing copies nothing and faults nothing in again. A std::string grown
// the same way copies everything it holds at each doubling, into pages never touched before
// (at 10M messages, a sixth of the time of the ingest that collects the columns). Below
// kMapped, malloc and realloc.
//
//   ByteBuffer b;
//   b.append("text");
//   std::string_view v(b.data(), b.size());
//
// Growth invalidates data(). Thread-safety: as a std::string.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string_view>

namespace groundswell {

class ByteBuffer {
 public:
  // Capacities from this many bytes on are mappings of their own.
  static constexpr std::size_t kMapped = std::size_t{32} << 20;

  ByteBuffer() = default;
  ByteBuffer(const ByteBuffer& o);
  ByteBuffer& operator=(const ByteBuffer& o);
  ByteBuffer(ByteBuffer&& o) noexcept;
  ByteBuffer& operator=(ByteBuffer&& o) noexcept;
  ~ByteBuffer();

  const char* data() const { return data_; }
  char* data() { return data_; }
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return capacity_; }
  bool empty() const { return size_ == 0; }
  std::string_view view() const { return {data_, size_}; }

  void append(std::string_view s) {
    if (s.empty()) return;
    if (s.size() > capacity_ - size_) grow(size_ + s.size());
    std::memcpy(data_ + size_, s.data(), s.size());
    size_ += s.size();
  }
  // Room for n bytes in all.
  void reserve(std::size_t n) {
    if (n > capacity_) grow(n, /*exact=*/true);
  }
  // n bytes; any new ones are zero (in a mapping, only those written before are zeroed: the
  // kernel's pages come zeroed, so resizing a fresh buffer writes nothing).
  void resize(std::size_t n);
  void clear() {
    written_ = std::max(written_, size_);
    size_ = 0;
  }

 private:
  // Capacity for at least n bytes: n itself when exact, else at least double the current.
  void grow(std::size_t n, bool exact = false);
  void free_all() noexcept;

  char* data_ = nullptr;
  std::size_t size_ = 0, capacity_ = 0;
  // In a mapping, bytes from max(written_, size_) on were never written: still zero.
  std::size_t written_ = 0;
};

}  // namespace groundswell
