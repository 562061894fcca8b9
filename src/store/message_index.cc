#include "store/message_index.h"

#define XXH_STATIC_LINKING_ONLY  // XXH3_state_t on the stack
#include <xxhash.h>

#include <algorithm>
#include <string>

namespace groundswell {
namespace {

std::uint64_t key_hash(std::string_view platform, std::string_view chat, std::string_view id) {
  XXH3_state_t state;
  XXH3_64bits_reset_withSeed(&state, XXH3_64bits(platform.data(), platform.size()));
  if (!chat.empty()) {
    XXH3_64bits_update(&state, chat.data(), chat.size());
    XXH3_64bits_update(&state, "/", 1);
  }
  XXH3_64bits_update(&state, id.data(), id.size());
  return XXH3_64bits_digest(&state);
}

}  // namespace

MessageIndex::MessageIndex(const Dataset& data) : data_(data) {
  index_.reserve(data.messages());
  for (std::size_t m = 0; m < data.messages(); ++m)
    index_.push_back({key_hash(data.msg_platform[m], data.msg_chat_id[m], data.msg_message_id[m]),
                      static_cast<std::uint32_t>(m)});
  std::sort(index_.begin(), index_.end());
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
  for (auto it = std::lower_bound(index_.begin(), index_.end(), Entry{h, 0});
       it != index_.end() && it->hash == h; ++it)
    if (data_.msg_platform[it->message] == platform && has_reference_key(it->message, key))
      return it->message;
  return -1;
}

}  // namespace groundswell
