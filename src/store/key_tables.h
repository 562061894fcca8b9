// The writer's in-memory lookups, so that storing a message costs no database query for its
// author or its key (MessageWriter, store.h). Both are open-addressing tables of 64-bit hashes
// that never allocate per entry.
//
// AccountTable interns (platform, account_id) to accounts.id. It keeps the key bytes in one
// buffer and compares them on every hash match, so two accounts whose hashes collide are
// still told apart: a lookup is exact.
//
// RowsByHash maps the 64-bit hash of a message key to the messages.id rows stored under
// that hash. It holds no key bytes: a match is a candidate the caller verifies against the
// stored row (several rows may share a hash; find() walks them all).
//
// Thread-safety: a table belongs to one thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace groundswell {

class AccountTable {
 public:
  struct Entry {
    std::int64_t id = 0;  // accounts.id
    bool has_handle = false, has_name = false;
  };
  // The entry of (platform, account_id) with this hash, or nullptr.
  Entry* find(std::uint64_t hash, std::string_view platform, std::string_view account_id);
  // Adds an account known not to be in the table.
  Entry& add(std::uint64_t hash, std::string_view platform, std::string_view account_id,
             const Entry& entry);
  std::size_t size() const { return entries_.size(); }
  std::size_t bytes() const;

 private:
  struct Stored {
    Entry entry;
    std::uint64_t hash;
    std::uint64_t key_offset;  // into keys_: platform '\0' account_id
    std::uint32_t platform_size, account_size;
  };
  bool same_key(const Stored& s, std::string_view platform, std::string_view account_id) const;
  void grow();

  std::vector<Stored> entries_;
  std::vector<std::uint32_t> slots_;  // 1-based index into entries_, 0 = empty
  std::string keys_;
};

class RowsByHash {
 public:
  void add(std::uint64_t hash, std::int64_t row);
  // Calls visit(row) for each row stored under `hash` until it returns true; returns that
  // row, or -1.
  template <typename Visit>
  std::int64_t find(std::uint64_t hash, Visit&& visit) const {
    if (slots_.empty()) return -1;
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.row == 0) return -1;
      if (s.hash == hash && visit(s.row)) return s.row;
    }
  }
  std::size_t size() const { return used_; }
  std::size_t bytes() const { return slots_.size() * sizeof(Slot); }

 private:
  struct Slot {
    std::uint64_t hash = 0;
    std::int64_t row = 0;  // messages.id (always > 0); 0 = empty
  };
  void grow();

  std::vector<Slot> slots_;
  std::size_t used_ = 0;
};

}  // namespace groundswell
