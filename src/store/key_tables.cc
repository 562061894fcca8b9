#include "store/key_tables.h"

namespace groundswell {

namespace {

// Slots stay at most 2/3 full, so a probe sequence ends after a few steps.
bool needs_growth(std::size_t used, std::size_t slots) { return (used + 1) * 3 > slots * 2; }

}  // namespace

bool AccountTable::same_key(const Stored& s, std::string_view platform,
                            std::string_view account_id) const {
  if (s.platform_size != platform.size() || s.account_size != account_id.size()) return false;
  std::string_view key(keys_.data() + s.key_offset, s.platform_size + 1 + s.account_size);
  return key.substr(0, s.platform_size) == platform &&
         key.substr(s.platform_size + 1) == account_id;
}

AccountTable::Entry* AccountTable::find(std::uint64_t hash, std::string_view platform,
                                        std::string_view account_id) {
  if (slots_.empty()) return nullptr;
  const std::size_t mask = slots_.size() - 1;
  const std::uint64_t tag = tag_of(hash);
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    const std::uint64_t slot = slots_[i];
    if (slot == 0) return nullptr;
    if ((slot & kTagBits) != tag) continue;
    Stored& s = entries_[(slot & ~kTagBits) - 1];
    if (s.hash == hash && same_key(s, platform, account_id)) return &s.entry;
  }
}

void AccountTable::place(std::vector<std::uint64_t>& slots, std::uint64_t hash, std::size_t entry) {
  const std::size_t mask = slots.size() - 1;
  std::size_t i = hash & mask;
  while (slots[i] != 0) i = (i + 1) & mask;
  slots[i] = tag_of(hash) | (entry + 1);
}

AccountTable::Entry& AccountTable::add(std::uint64_t hash, std::string_view platform,
                                       std::string_view account_id, const Entry& entry) {
  if (needs_growth(entries_.size(), slots_.size())) grow();
  Stored s{entry, hash, keys_.size(), static_cast<std::uint32_t>(platform.size()),
           static_cast<std::uint32_t>(account_id.size())};
  keys_.append(platform);
  keys_.push_back('\0');
  keys_.append(account_id);
  entries_.push_back(s);
  place(slots_, hash, entries_.size() - 1);
  return entries_.back().entry;
}

void AccountTable::grow() {
  std::vector<std::uint64_t> slots(slots_.empty() ? 1024 : slots_.size() * 2, 0);
  for (std::size_t k = 0; k < entries_.size(); ++k) place(slots, entries_[k].hash, k);
  slots_ = std::move(slots);
}

std::size_t AccountTable::bytes() const {
  return entries_.capacity() * sizeof(Stored) + slots_.size() * sizeof(std::uint64_t) +
         keys_.capacity();
}

void RowsByHash::add(std::uint64_t hash, std::int64_t row) {
  if (needs_growth(used_, slots_.size())) grow();
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = hash & mask;
  while (slots_[i].row != 0) i = (i + 1) & mask;
  slots_[i] = Slot{hash, row};
  ++used_;
}

void RowsByHash::grow() {
  std::vector<Slot> slots(slots_.empty() ? 4096 : slots_.size() * 2);
  const std::size_t mask = slots.size() - 1;
  for (const Slot& s : slots_) {
    if (s.row == 0) continue;
    std::size_t i = s.hash & mask;
    while (slots[i].row != 0) i = (i + 1) & mask;
    slots[i] = s;
  }
  slots_ = std::move(slots);
}

NewAccounts::Text NewAccounts::keep(std::string_view s) {
  Text t{bytes_.size(), static_cast<std::uint32_t>(s.size())};
  bytes_.append(s);
  return t;
}

void NewAccounts::add(std::int64_t id, std::string_view platform, std::string_view account_id,
                      std::string_view handle, std::string_view name) {
  entries_.push_back(Entry{id, keep(platform), keep(account_id), keep(handle), keep(name)});
}

bool NewAccounts::fill_gaps(std::int64_t id, std::string_view handle, std::string_view name) {
  auto e = std::lower_bound(entries_.begin(), entries_.end(), id,
                            [](const Entry& x, std::int64_t v) { return x.id < v; });
  if (e == entries_.end() || e->id != id) return false;
  if (e->handle.size == 0 && !handle.empty()) e->handle = keep(handle);
  if (e->name.size == 0 && !name.empty()) e->name = keep(name);
  return true;
}

void NewAccounts::clear() {
  entries_.clear();
  bytes_.clear();
}

}  // namespace groundswell
