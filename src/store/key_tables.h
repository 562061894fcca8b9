// The writer's in-memory lookups, so that storing a message costs no database query for its
// author or its key (MessageWriter, store.h). The first two are open-addressing tables of
// 64-bit hashes that never allocate per entry.
//
// AccountTable interns (platform, account_id) to accounts.id. It keeps the key bytes in one
// buffer and compares them on every hash match, so two accounts whose hashes collide are
// still told apart: a lookup is exact. Each slot holds the high 32 bits of its entry's hash
// beside the entry's index, so a probe past another account's slot reads nothing else (a
// store of a million accounts keeps their entries far apart in memory).
//
// RowsByHash maps the 64-bit hash of a message key to the messages.id rows stored under
// that hash. It holds no key bytes: a match is a candidate the caller verifies against the
// stored row (several rows may share a hash; find() walks them all).
//
// NewAccounts holds the accounts a bulk load met for the first time until they are inserted
// together: in id order while the accounts' unique index is set aside, in its order once it
// is there.
//
// Thread-safety: a table belongs to one thread.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/prefetch.h"

namespace groundswell {

class AccountTable {
 public:
  struct Entry {
    std::int64_t id = 0;  // accounts.id
    bool has_handle = false, has_name = false;
  };
  // The entry of (platform, account_id) with this hash, or nullptr.
  Entry* find(std::uint64_t hash, std::string_view platform, std::string_view account_id);
  // Asks the processor for the memory find(hash, ...) reads first (its slot); with
  // `and_entry`, also the entry a slot already in the cache names. A writer calls it a few
  // records ahead so that a table larger than the caches costs no wait per lookup.
  void prefetch(std::uint64_t hash, bool and_entry) const {
    if (slots_.empty()) return;
    const std::uint64_t* slot = &slots_[hash & (slots_.size() - 1)];
    if (!and_entry) return prefetch_line(slot);
    if (*slot != 0 && (*slot & kTagBits) == tag_of(hash))
      prefetch_line(&entries_[(*slot & ~kTagBits) - 1]);
  }
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
  // A slot: the high 32 bits of the hash, then the 1-based index into entries_; 0 = empty.
  static constexpr std::uint64_t kTagBits = ~std::uint64_t{0} << 32;
  static std::uint64_t tag_of(std::uint64_t hash) { return hash & kTagBits; }
  bool same_key(const Stored& s, std::string_view platform, std::string_view account_id) const;
  static void place(std::vector<std::uint64_t>& slots, std::uint64_t hash, std::size_t entry);
  void grow();

  std::vector<Stored> entries_;
  std::vector<std::uint64_t> slots_;
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
  // Asks the processor for the memory find(hash, ...) reads first (see AccountTable).
  void prefetch(std::uint64_t hash) const {
    if (!slots_.empty()) prefetch_line(&slots_[hash & (slots_.size() - 1)]);
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

// Accounts new to the store, held until they are inserted together in key order (platform,
// account_id), as the accounts' unique index sorts them. Ids are added in increasing order;
// the strings live in one buffer, reused from one batch to the next.
class NewAccounts {
 public:
  void add(std::int64_t id, std::string_view platform, std::string_view account_id,
           std::string_view handle, std::string_view name);
  // When `id` is held here: its empty handle and name take these (non-empty) values, as
  // accounts' `COALESCE(handle, ?)` would; true. False for an id not held.
  bool fill_gaps(std::int64_t id, std::string_view handle, std::string_view name);
  // Calls visit(id, platform, account_id, handle, name) for each account, in key order
  // (for a table with the key's index) or else in id order (appended to the table's rows).
  template <typename Visit>
  void in_order(bool key_order, Visit&& visit) {
    order_.resize(entries_.size());
    for (std::uint32_t i = 0; i < order_.size(); ++i) order_[i] = i;
    if (key_order) {
      std::sort(order_.begin(), order_.end(), [this](std::uint32_t a, std::uint32_t b) {
        const Entry &x = entries_[a], &y = entries_[b];
        const int p = text(x.platform).compare(text(y.platform));
        return p != 0 ? p < 0 : text(x.account_id) < text(y.account_id);
      });
    }
    for (std::uint32_t i : order_) {
      const Entry& e = entries_[i];
      visit(e.id, text(e.platform), text(e.account_id), text(e.handle), text(e.name));
    }
  }
  void clear();
  bool empty() const { return entries_.empty(); }

 private:
  struct Text {
    std::uint64_t offset = 0;  // into bytes_
    std::uint32_t size = 0;
  };
  struct Entry {
    std::int64_t id;
    Text platform, account_id, handle, name;
  };
  Text keep(std::string_view s);
  std::string_view text(Text t) const { return {bytes_.data() + t.offset, t.size}; }

  std::vector<Entry> entries_;
  std::vector<std::uint32_t> order_;
  std::string bytes_;
};

}  // namespace groundswell
