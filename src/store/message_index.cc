#include "store/message_index.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_sort.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "base/hash.h"

namespace groundswell {
namespace {

std::uint64_t key_hash(std::string_view platform, std::string_view chat, std::string_view id) {
  const std::uint64_t seed = XXH3_64bits(platform.data(), platform.size());
  if (chat.empty()) return XXH3_64bits_withSeed(id.data(), id.size(), seed);
  // The hash of chat "/" id in one call where it fits a buffer on the stack: the value the
  // streaming hash of the same bytes gives.
  char bytes[256];
  if (chat.size() + 1 + id.size() <= sizeof bytes) {
    std::memcpy(bytes, chat.data(), chat.size());
    bytes[chat.size()] = '/';
    std::memcpy(bytes + chat.size() + 1, id.data(), id.size());
    return XXH3_64bits_withSeed(bytes, chat.size() + 1 + id.size(), seed);
  }
  XXH3_state_t state{};
  XXH3_64bits_reset_withSeed(&state, seed);
  XXH3_64bits_update(&state, chat.data(), chat.size());
  XXH3_64bits_update(&state, "/", 1);
  XXH3_64bits_update(&state, id.data(), id.size());
  return XXH3_64bits_digest(&state);
}

}  // namespace

MessageIndex::MessageIndex(const Dataset& data) : data_(data) {
  // In parallel: entries are distinct (one per message), so their order is the same for any
  // number of threads.
  index_.resize(data.messages());
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, data.messages(), 4096),
                    [&](const tbb::blocked_range<std::size_t>& r) {
                      for (std::size_t m = r.begin(); m < r.end(); ++m)
                        index_[m] = Entry::of(key_hash(data.msg_platform[m], data.msg_chat_id[m],
                                                       data.msg_message_id[m]),
                                              static_cast<std::uint32_t>(m));
                    });
  tbb::parallel_sort(index_.begin(), index_.end());
  // About four entries per value of the top bits.
  while (top_bits_ < 30 && (std::size_t{4} << top_bits_) < index_.size()) ++top_bits_;
  start_.assign((std::size_t{1} << top_bits_) + 1, 0);
  for (const Entry& e : index_) ++start_[top_of(e.hash()) + 1];
  for (std::size_t v = 1; v < start_.size(); ++v) start_[v] += start_[v - 1];
  original_.assign(data.messages(), kNone);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, data.messages(), 4096),
                    [&](const tbb::blocked_range<std::size_t>& r) {
                      for (std::size_t m = r.begin(); m < r.end(); ++m) {
                        if (data.msg_shares[m].empty()) continue;
                        const std::int64_t o = find(data.msg_platform[m], data.msg_shares[m]);
                        if (o >= 0) original_[m] = static_cast<std::uint32_t>(o);
                      }
                    });
}

bool MessageIndex::has_reference_key(std::size_t m, std::string_view key) const {
  std::string_view chat = data_.msg_chat_id[m];
  if (!chat.empty()) {
    if (key.size() <= chat.size() || !key.starts_with(chat) || key[chat.size()] != '/')
      return false;
    key.remove_prefix(chat.size() + 1);
  }
  return key == data_.msg_message_id[m];
}

std::int64_t MessageIndex::find(std::string_view platform, std::string_view key) const {
  const std::uint64_t h = key_hash(platform, {}, key);
  const std::uint64_t top = top_of(h);
  const auto end = index_.begin() + start_[top + 1];
  for (auto it = std::lower_bound(index_.begin() + start_[top], end, Entry::of(h, 0));
       it != end && it->hash() == h; ++it)
    if (data_.msg_platform[it->message] == platform && has_reference_key(it->message, key))
      return it->message;
  return -1;
}

}  // namespace groundswell
