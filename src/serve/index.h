// The in-memory indexes of `groundswell serve` (docs/serve.md): what SQLite cannot index in
// the store — accounts by normalized name, each account's posts in time order, every post by
// the objects it carries (link, domain, hashtag, mention, share, reply, text, media) — and the
// account signals, which the store does not hold. Built once from the analysis dataset when
// the server starts; pages then read message rows by primary key.
//
//   Result<ServeIndex> ix = ServeIndex::build(dataset, signals);
//   auto posts = ix->messages_of(ix->account_index(row).value());   // time order
//   auto range = ix->object_messages(Behaviour::kLink, "https://example.org/a");
//   SearchResult found = ix->search("علی", 50, 0);
//
// Object keys are detection's native keys (native_object_key in detect.h): a canonical URL,
// a normalized hashtag, the normalization key of a text. Unlike detection, reposts are indexed
// too, so an object page lists everyone who spread an object, forwards included. Names are
// searched by the normalization key of text/normalize.h, so Persian and Arabic letter forms,
// digits and case match as they do in detection.
//
// Search does not rank every match of a common query: exact and prefix matches (of an id, a
// handle, a word of a handle or name) come from one sorted array of word starts, and matches
// anywhere else from a scan of the accounts in order of activity that stops once the page is
// found and kSearchCount hits are known. So it tells whether more hits follow, and counts them
// exactly only up to kSearchCount.
//
// Memory: about 20 bytes per post, 12 per indexed object occurrence, 8 per re-post of a post
// in the store, 400 per account.
// Thread-safety: immutable after build(); share freely between threads for reading.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "detect/detect.h"
#include "groundswell/status.h"
#include "signals/signals.h"
#include "store/dataset.h"

namespace groundswell {

// How an account matched a search, best first.
enum class SearchMatch : std::uint8_t {
  kExactId = 0,   // the native id, or platform:id
  kExactHandle,   // the handle, with or without '@'
  kExactName,     // the whole display name
  kHandlePrefix,  // the handle starts with the query
  kWordPrefix,    // a word of the display name or handle starts with the query
  kSubstring,     // the query occurs anywhere in id, handle or name
};
std::string_view search_match_name(SearchMatch m);

struct SearchHit {
  std::uint32_t account = 0;  // dense index
  SearchMatch match = SearchMatch::kSubstring;
};

// Search counts its hits exactly up to this many; beyond, it says "more than".
inline constexpr std::size_t kSearchCount = 1000;

struct SearchResult {
  // The requested page: best match first, then most posts, then account order.
  std::vector<SearchHit> hits;
  bool more = false;  // hits follow this page
  // Hits over all pages, when known: when there are at most kSearchCount (or the page
  // reaches past them), else unset.
  std::optional<std::size_t> total;
  std::size_t at_least = 0;  // hits known to exist: `total` when set, else more
};

class ServeIndex {
 public:
  // `progress` (optional) is told the fraction done, 0..1, from the building thread.
  static Result<ServeIndex> build(const Dataset& data, SignalTable signals,
                                  const std::function<void(double)>& progress = {});

  std::size_t accounts() const { return account_row_.size(); }
  std::size_t messages() const { return msg_row_.size(); }

  // Dense index of accounts.id `row`, if the account exists.
  std::optional<std::uint32_t> account_index(std::int64_t row) const;
  std::int64_t account_row(std::uint32_t a) const { return account_row_[a]; }
  std::uint32_t account_message_count(std::uint32_t a) const { return account_messages_[a]; }
  // The account's posts (indices into the message arrays), in (time, id) order.
  std::span<const std::uint32_t> messages_of(std::uint32_t a) const;

  std::int64_t message_row(std::uint32_t m) const { return msg_row_[m]; }
  TimeMs message_time(std::uint32_t m) const { return msg_time_[m]; }
  std::uint32_t message_account(std::uint32_t m) const { return msg_account_[m]; }

  // Posts carrying the object whose key is `key` (as native_object_key makes it; the raw
  // form is keyed first, so a URL as written finds its canonical form), in (time, id) order.
  // Empty for behaviours that are not indexed (post, similar_text).
  std::span<const std::uint32_t> object_messages(Behaviour b, std::string_view key) const;
  static bool indexed(Behaviour b);
  // The post that message m re-posts (a retweet or forward whose original is in the store,
  // written by another account), as a message index; unset for any other message.
  std::optional<std::uint32_t> reposted(std::uint32_t m) const;

  // Accounts whose id, handle or display name contains `query` (normalized); `limit` hits
  // from `offset`. A query "platform:rest" searches `rest` among that platform's accounts.
  SearchResult search(std::string_view query, std::size_t limit, std::size_t offset) const;

  const SignalTable& signals() const { return signals_; }

 private:
  std::vector<std::int64_t> account_row_;        // accounts.id, ascending
  std::vector<std::uint32_t> account_messages_;  // posts per account
  // Accounts by activity: most posts first, then account order. by_rank_[i] is the account
  // at rank i, rank_[a] the rank of account a.
  std::vector<std::uint32_t> by_rank_, rank_;
  // Normalized "id \x1f handle \x1f name \x1f platform \x1e" per account, concatenated in
  // rank order; the entry of rank i starts at search_start_[i].
  std::string search_text_;
  std::vector<std::uint64_t> search_start_;
  // Where a word of an entry starts — the id, the handle, the name, or a later word of
  // handle or name — sorted by the text from there to the end of its field.
  enum class WordKind : std::uint8_t { kId, kHandle, kName, kHandleWord, kNameWord };
  struct WordStart {
    std::uint64_t at = 0;  // offset in search_text_
    std::uint32_t account = 0;
    std::uint16_t length = 0;  // to the end of the field, at most 65535
    WordKind kind = WordKind::kId;
  };
  std::vector<WordStart> words_;
  std::string_view word_text(const WordStart& w) const {
    return std::string_view(search_text_.data() + w.at, w.length);
  }
  void add_word_starts(std::uint32_t rank, std::vector<WordStart>& out) const;
  std::vector<std::string> platforms_;      // normalized platform names
  std::vector<std::uint16_t> platform_of_;  // per account, an index into platforms_
  std::vector<std::int64_t> msg_row_;       // messages.id, in (time, id) order
  std::vector<TimeMs> msg_time_;
  std::vector<std::uint32_t> msg_account_;
  std::vector<std::uint32_t> by_account_;     // message indices grouped by account
  std::vector<std::uint64_t> account_start_;  // account a: by_account_[start[a], start[a+1])
  struct Postings {
    std::vector<std::uint64_t> key;  // xxh3-64 of the object key, ascending
    std::vector<std::uint32_t> msg;  // message index, ascending within a key
  };
  std::array<Postings, kBehaviourCount> objects_;
  // Re-posts of posts in the store, in message order: the re-post and the post.
  std::vector<std::uint32_t> repost_msg_, repost_of_;
  SignalTable signals_;
};

}  // namespace groundswell
