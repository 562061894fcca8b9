// Finding a message of a Dataset by the key other messages refer to it with: a re-post's
// `shares`, a reply's `reply_to`, a quote's `quotes`. That key is the message id where ids are
// unique on the platform (Twitter, the canonical format), and "<chat_id>/<message id>" where
// the platform numbers messages per chat (Telegram) — the reference key of a message is
// therefore its message id prefixed by "<chat_id>/" whenever its chat id is not empty.
//
//   MessageIndex index(dataset);
//   std::int64_t m = index.find(dataset.msg_platform[r], dataset.msg_shares[r]);  // -1: absent
//
// A sorted array of (64-bit hash, message) pairs: 12 bytes a message and no string copies;
// a lookup is a binary search verified against the key itself, so hash collisions cannot
// return a wrong message.
// Thread-safety: immutable after construction; find() may run concurrently.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "store/dataset.h"

namespace groundswell {

class MessageIndex {
 public:
  explicit MessageIndex(const Dataset& data);
  // The message whose reference key on `platform` is `key`, or -1.
  std::int64_t find(std::string_view platform, std::string_view key) const;

 private:
  struct Entry {
    std::uint64_t hash;
    std::uint32_t message;
    bool operator<(const Entry& o) const {
      return hash != o.hash ? hash < o.hash : message < o.message;
    }
  };
  bool has_reference_key(std::size_t m, std::string_view key) const;
  const Dataset& data_;
  std::vector<Entry> index_;
};

}  // namespace groundswell
