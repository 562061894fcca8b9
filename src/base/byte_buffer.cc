#include "base/byte_buffer.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

namespace groundswell {
namespace {

bool mapped(std::size_t capacity) { return capacity >= ByteBuffer::kMapped; }

std::size_t page_rounded(std::size_t n) {
  static const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return (n + page - 1) / page * page;
}

}  // namespace

ByteBuffer::ByteBuffer(const ByteBuffer& o) {
  reserve(o.size_);
  if (o.size_ > 0) std::memcpy(data_, o.data_, o.size_);
  size_ = o.size_;
}

ByteBuffer& ByteBuffer::operator=(const ByteBuffer& o) {
  if (this != &o) {
    clear();
    reserve(o.size_);
    if (o.size_ > 0) std::memcpy(data_, o.data_, o.size_);
    size_ = o.size_;
  }
  return *this;
}

ByteBuffer::ByteBuffer(ByteBuffer&& o) noexcept
    : data_(std::exchange(o.data_, nullptr)),
      size_(std::exchange(o.size_, 0)),
      capacity_(std::exchange(o.capacity_, 0)),
      written_(std::exchange(o.written_, 0)) {}

ByteBuffer& ByteBuffer::operator=(ByteBuffer&& o) noexcept {
  if (this != &o) {
    free_all();
    data_ = std::exchange(o.data_, nullptr);
    size_ = std::exchange(o.size_, 0);
    capacity_ = std::exchange(o.capacity_, 0);
    written_ = std::exchange(o.written_, 0);
  }
  return *this;
}

ByteBuffer::~ByteBuffer() { free_all(); }

void ByteBuffer::free_all() noexcept {
  if (mapped(capacity_))
    munmap(data_, capacity_);
  else
    std::free(data_);
  data_ = nullptr;
  size_ = capacity_ = written_ = 0;
}

void ByteBuffer::resize(std::size_t n) {
  if (n > size_) {
    reserve(n);
    const std::size_t dirty = mapped(capacity_) ? std::min(n, std::max(written_, size_)) : n;
    if (dirty > size_) std::memset(data_ + size_, 0, dirty - size_);
  } else {
    written_ = std::max(written_, size_);
  }
  size_ = n;
}

void ByteBuffer::grow(std::size_t n, bool exact) {
  std::size_t want = exact ? n : std::max({n, 2 * capacity_, std::size_t{64}});
  if (mapped(want)) want = page_rounded(want);
  void* p = nullptr;
  if (!mapped(want)) {
    p = std::realloc(data_, want);
    if (p == nullptr) throw std::bad_alloc();
  } else if (mapped(capacity_)) {
    p = mremap(data_, capacity_, want, MREMAP_MAYMOVE);
    if (p == MAP_FAILED) throw std::bad_alloc();
  } else {
    p = mmap(nullptr, want, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    if (size_ > 0) std::memcpy(p, data_, size_);
    std::free(data_);
    written_ = size_;  // the rest of a fresh mapping is zero
  }
  data_ = static_cast<char*>(p);
  capacity_ = want;
}

}  // namespace groundswell
