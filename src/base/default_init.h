// An allocator whose construction without a value default-initializes, for vectors of plain
// records that are resized and then written in full (pair records placed at their offsets,
// the estimate's unit entries). std::vector::resize value-initializes: for such records a pass
// of zeros over hundreds of megabytes that the next pass overwrites (at 10M messages, 4% of a
// run's CPU samples were such passes).
//
//   std::vector<Record, DefaultInit<Record>> v;
//   v.resize(n);  // n records, their bytes unwritten: write every one before reading it
//
// Construction with values, copies and moves are std::allocator's.
#pragma once

#include <memory>
#include <new>
#include <utility>

namespace groundswell {

template <typename T>
class DefaultInit : public std::allocator<T> {
 public:
  using value_type = T;
  template <typename U>
  struct rebind {
    using other = DefaultInit<U>;
  };

  DefaultInit() = default;
  template <typename U>
  DefaultInit(const DefaultInit<U>&) noexcept {}  // NOLINT(google-explicit-constructor)

  template <typename U>
  void construct(U* p) noexcept(noexcept(::new (static_cast<void*>(p)) U)) {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

template <typename T, typename U>
bool operator==(const DefaultInit<T>&, const DefaultInit<U>&) noexcept {
  return true;
}

}  // namespace groundswell
