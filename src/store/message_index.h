// Finding a message of a Dataset by the key other messages refer to it with: a re-post's
// `shares`, a reply's `reply_to`, a quote's `quotes`. That key is the message id where ids are
// unique on the platform (Twitter, the canonical format), and "<chat_id>/<message id>" where
// the platform numbers messages per chat (Telegram) — the reference key of a message is
// therefore its message id prefixed by "<chat_id>/" whenever its chat id is not empty.
//
//   MessageIndex index(dataset);
//   std::int64_t m = index.find("telegram", "channel12/456");  // -1: absent
//   std::int64_t o = index.original_of(r);  // message r's original, as find() gives it
//
// A sorted array of (64-bit hash, message) pairs: 12 bytes a message and no string copies,
// and a directory of where each value of the hash's top bits starts in it; a lookup is a
// binary search among the few entries of its top bits, verified against the key itself, so
// hash collisions cannot return a wrong message. Every re-post's original is looked up once,
// when the index is built (original_of(): 4 bytes a message): detection and its sensitivity
// variants ask for the same originals again and again.
// Thread-safety: immutable after construction; find() and original_of() may run concurrently.
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
  // The original of message m when m is a re-post (shares) and its original is in the data:
  // find(its platform, its shares); otherwise -1.
  std::int64_t original_of(std::size_t m) const {
    return original_[m] == kNone ? -1 : static_cast<std::int64_t>(original_[m]);
  }

 private:
  // 12 bytes: the hash in two halves, so that no padding rounds the entry up to 16.
  struct Entry {
    std::uint32_t hash_high, hash_low, message;
    static Entry of(std::uint64_t hash, std::uint32_t message) {
      return {static_cast<std::uint32_t>(hash >> 32), static_cast<std::uint32_t>(hash), message};
    }
    std::uint64_t hash() const { return (std::uint64_t{hash_high} << 32) | hash_low; }
    bool operator<(const Entry& o) const {
      return hash() != o.hash() ? hash() < o.hash() : message < o.message;
    }
  };
  static_assert(sizeof(Entry) == 12);
  static constexpr std::uint32_t kNone = UINT32_MAX;
  bool has_reference_key(std::size_t m, std::string_view key) const;
  std::uint64_t top_of(std::uint64_t hash) const {
    return top_bits_ == 0 ? 0 : hash >> (64 - top_bits_);
  }
  const Dataset& data_;
  std::vector<Entry> index_;
  // Per value of the hash's top `top_bits_` bits: where its entries start in index_ (one more
  // value at the end: index_'s size).
  int top_bits_ = 0;
  std::vector<std::uint32_t> start_;
  std::vector<std::uint32_t> original_;  // per message, kNone: no original in the data
};

}  // namespace groundswell
