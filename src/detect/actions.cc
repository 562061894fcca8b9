#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_sort.h>

#include <algorithm>
#include <cctype>
#include <numeric>
#include <string>

#include "base/hash.h"
#include "base/utf8.h"
#include "detect/internal.h"
#include "dist/communicator.h"
#include "text/near_duplicate.h"
#include "text/normalize.h"
#include "text/url.h"

namespace groundswell::detect_internal {
namespace {

// A text object is named by the hash the analysis columns hold for each message's text key.
static_assert(kKeySeed == kTextKeySeed);

// The object an action names: its key, and natively for a hashtag the key on one UTC day
// (docs/detection.md, "Scheduled automation").
std::uint64_t object_hash(Behaviour b, const DetectOptions& opt, std::string_view key, TimeMs t) {
  const std::uint64_t h = hash_key(key);
  if (b != Behaviour::kHashtag || opt.compat != CompatMode::kNone) return h;
  const std::uint64_t k[2] = {h, static_cast<std::uint64_t>(utc_day(t))};
  return XXH3_64bits_withSeed(k, sizeof k, kKeySeed);
}

// The Coordination Network Toolkit's co_tweet text: lowercased, @mentions removed,
// whitespace collapsed. Lowercasing is ASCII-only here (docs/detection.md).
void cnt_clean_text(std::string_view text, std::string& out) {
  out.clear();
  std::size_t i = 0;
  bool pending_space = false;
  while (i < text.size()) {
    char c = text[i];
    if (c == '@') {
      std::size_t j = i + 1;
      while (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) ||
                                 text[j] == '_' || static_cast<unsigned char>(text[j]) >= 0x80))
        ++j;
      if (j > i + 1) {
        i = j;
        continue;
      }
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      pending_space = !out.empty();
      ++i;
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    ++i;
  }
}

// Natively, a repost (retweet, forward) acts once, as a share: the links, hashtags, mentions
// and media it carries were chosen by the original's author. Counting them again would link
// every author to its fast amplifiers through the author's own links. Text behaviours skip
// reposts in every mode (action_key); the peer tools' link networks count them, so compat
// modes keep them.
bool reposted_content(Behaviour b, const DetectOptions& opt) {
  return opt.compat == CompatMode::kNone &&
         (b == Behaviour::kLink || b == Behaviour::kDomain || b == Behaviour::kHashtag ||
          b == Behaviour::kMention || b == Behaviour::kMedia);
}

// Computes the key string of item `item` of message `m` for behaviour `b`; returns false when
// the message has no such action. `scratch` is reused.
bool action_key(const Dataset& d, Behaviour b, const DetectOptions& opt, std::size_t m,
                std::size_t item, std::string& out);

// `view` is set to the key: a column of the dataset where the key is stored verbatim (no
// copy on the hot path), or `out` where it is computed.
bool action_key_view(const Dataset& d, Behaviour b, const DetectOptions& opt, std::size_t m,
                     std::size_t item, std::string& out, std::string_view& view) {
  if (reposted_content(b, opt) && !d.msg_shares[m].empty()) return false;
  switch (b) {
    case Behaviour::kShare:
      view = d.msg_shares[m];
      return !view.empty();
    case Behaviour::kReply:
      view = d.msg_reply_to[m];
      return !view.empty();
    case Behaviour::kMedia:
      view = d.msg_media_key[m];
      return !view.empty();
    case Behaviour::kPost:
      view = "post";
      return true;
    default:
      break;
  }
  bool ok = action_key(d, b, opt, m, item, out);
  view = out;
  return ok;
}

bool action_key(const Dataset& d, Behaviour b, const DetectOptions& opt, std::size_t m,
                std::size_t item, std::string& out) {
  const bool compat = opt.compat != CompatMode::kNone;
  switch (b) {
    case Behaviour::kShare:
      out.assign(d.msg_shares[m]);
      return !out.empty();
    case Behaviour::kReply:
      out.assign(d.msg_reply_to[m]);
      return !out.empty();
    case Behaviour::kMedia:
      out.assign(d.msg_media_key[m]);
      return !out.empty();
    case Behaviour::kPost:
      out.assign("post");
      return true;
    case Behaviour::kLink:
      if (!compat) return native_object_key(b, d.msg_urls.item(m, item), out);
      out.assign(d.msg_urls.item(m, item));
      return !out.empty();
    case Behaviour::kDomain:
      return native_object_key(b, d.msg_urls.item(m, item), out);
    case Behaviour::kHashtag:
      return native_object_key(b, d.msg_hashtags.item(m, item), out);
    case Behaviour::kMention:
      return native_object_key(b, d.msg_mentions.item(m, item), out);
    case Behaviour::kText:
    case Behaviour::kSimilarText:
      if (!d.msg_shares[m].empty()) return false;  // a repost repeats its original's text
      if (opt.compat == CompatMode::kCnt) {
        cnt_clean_text(d.msg_text[m], out);
        return !out.empty();
      }
      native_object_key(b, d.msg_text[m], out);
      return !out.empty() && (compat || key_token_count(out) >= static_cast<std::size_t>(
                                                                std::max(1, opt.min_text_tokens)));
  }
  return false;
}

bool action_less(const Action& x, const Action& y) {
  if (x.key != y.key) return x.key < y.key;
  if (x.time != y.time) return x.time < y.time;
  if (x.account != y.account) return x.account < y.account;
  if (x.msg != y.msg) return x.msg < y.msg;
  return x.item < y.item;
}

// The sorted actions into t, one object per key, each named by `name` from its first action.
template <class Name>
void group_by_object(const std::vector<Action>& sorted, ActionTable& t, Name name) {
  t.actions.reserve(sorted.size());
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (i == 0 || sorted[i].key != sorted[i - 1].key) {
      t.object_start.push_back(i);
      name(sorted[i]);
    }
    t.actions.push_back(Acted{sorted[i].time, sorted[i].account, sorted[i].msg});
  }
  t.object_start.push_back(sorted.size());
}

}  // namespace

}  // namespace groundswell::detect_internal

namespace groundswell {

std::size_t message_item_count(const Dataset& d, Behaviour b, std::size_t m) {
  switch (b) {
    case Behaviour::kLink:
    case Behaviour::kDomain:
      return d.msg_urls.count(m);
    case Behaviour::kHashtag:
      return d.msg_hashtags.count(m);
    case Behaviour::kMention:
      return d.msg_mentions.count(m);
    default:
      return 1;
  }
}

std::string_view message_item(const Dataset& d, Behaviour b, std::size_t m, std::size_t k) {
  switch (b) {
    case Behaviour::kShare: return d.msg_shares[m];
    case Behaviour::kReply: return d.msg_reply_to[m];
    case Behaviour::kMedia: return d.msg_media_key[m];
    case Behaviour::kText:
    case Behaviour::kSimilarText: return d.msg_text[m];
    case Behaviour::kLink:
    case Behaviour::kDomain: return d.msg_urls.item(m, k);
    case Behaviour::kHashtag: return d.msg_hashtags.item(m, k);
    case Behaviour::kMention: return d.msg_mentions.item(m, k);
    case Behaviour::kPost: return {};
  }
  return {};
}

bool action_items_in_memory(const Dataset& d, Behaviour b, const DetectOptions& opt) {
  return message_items_in_memory(d, b) ||
         (detect_internal::text_actions_from_keys(b, opt) && text_keys_in_memory(d));
}

bool message_items_in_memory(const Dataset& d, Behaviour b) {
  const std::size_t n = d.messages();
  switch (b) {
    case Behaviour::kShare: return d.msg_shares.size() == n;
    case Behaviour::kReply: return d.msg_reply_to.size() == n;
    case Behaviour::kMedia: return d.msg_media_key.size() == n;
    case Behaviour::kText:
    case Behaviour::kSimilarText: return d.msg_text.size() == n;
    case Behaviour::kLink:
    case Behaviour::kDomain: return d.msg_urls.size() == n;
    case Behaviour::kHashtag: return d.msg_hashtags.size() == n;
    case Behaviour::kMention: return d.msg_mentions.size() == n;
    case Behaviour::kPost: return true;
  }
  return true;
}

TimeMs null_jitter_ms(Behaviour b, const DetectOptions& opt) {
  return b == Behaviour::kHashtag && opt.compat == CompatMode::kNone ? kHashtagJitterMs : 0;
}

bool native_object_key(Behaviour b, std::string_view item, std::string& out) {
  switch (b) {
    case Behaviour::kLink:
      out = canonical_url(item);
      break;
    case Behaviour::kDomain:
      out = url_domain(item);
      break;
    case Behaviour::kHashtag:
      out = normalize_hashtag(item);
      break;
    case Behaviour::kMention:
      if (!item.empty() && item.front() == '@') item.remove_prefix(1);
      normalize_key(item, NormalizeOptions{}, out);
      break;
    case Behaviour::kText:
    case Behaviour::kSimilarText:
      normalize_key(item, NormalizeOptions{}, out);
      break;
    case Behaviour::kPost:
      out.assign("post");
      break;
    case Behaviour::kShare:
    case Behaviour::kReply:
    case Behaviour::kMedia:
      out.assign(item);
      break;
  }
  return !out.empty();
}

}  // namespace groundswell

namespace groundswell::detect_internal {

bool behaviour_supported(const Dataset& d, Behaviour b) {
  DetectOptions opt;
  std::string key;
  for (std::size_t m = 0; m < d.messages(); ++m) {
    if (d.msg_time[m] == kNoTime || d.msg_account[m] == kNoAccount) continue;
    if (b == Behaviour::kText || b == Behaviour::kSimilarText) {
      if (d.msg_shares[m].empty() && !d.msg_text[m].empty()) return true;
      continue;
    }
    std::size_t n = message_item_count(d, b, m);
    for (std::size_t k = 0; k < n; ++k)
      if (action_key(d, b, opt, m, k, key)) return true;
  }
  return false;
}

namespace {

// What one thread finds, in blocks that never move: one growing vector would be copied at
// every doubling, into memory touched for the first time (at 3.5M shares, a third of
// extract_actions' time was those copies' page faults).
template <typename T>
class Blocks {
 public:
  void push_back(const T& a) {
    if (blocks_.empty() || blocks_.back().size() == kBlock) {
      blocks_.emplace_back();
      blocks_.back().reserve(kBlock);
    }
    blocks_.back().push_back(a);
  }
  std::size_t size() const {
    return blocks_.empty() ? 0 : (blocks_.size() - 1) * kBlock + blocks_.back().size();
  }
  // Appends everything to `out` in the order pushed, freeing each block once copied.
  void move_to(std::vector<T>& out) {
    for (std::vector<T>& b : blocks_) {
      out.insert(out.end(), b.begin(), b.end());
      std::vector<T>().swap(b);
    }
    blocks_.clear();
  }

 private:
  static constexpr std::size_t kBlock = (std::size_t{1} << 20) / sizeof(T);  // 1 MiB
  std::vector<std::vector<T>> blocks_;
};

// Every action of behaviour b in messages [first, n), found on every core, as `as(action)`
// gives it, in no particular order.
template <typename T, typename As>
std::vector<T> find_actions(const Dataset& d, Behaviour b, const DetectOptions& opt,
                            std::size_t first, std::size_t n, As&& as) {
  tbb::enumerable_thread_specific<Blocks<T>> local;
  tbb::enumerable_thread_specific<std::string> scratch;
  // The text's actions from the keys in the analysis columns, normalized once for every stage
  // (Dataset::msg_text_key; the cnt rule cleans the text its own way), or from the text where
  // a Dataset holds no keys. A key's token count is capped: at the cap it is at least the cap.
  const bool keyed_text = text_actions_from_keys(b, opt) && text_keys_in_memory(d);
  const auto min_tokens = static_cast<std::uint16_t>(
      std::min<int>(std::max(1, opt.min_text_tokens), kTextKeyCountCap));
  tbb::parallel_for(
      tbb::blocked_range<std::size_t>(first, n, 4096), [&](const tbb::blocked_range<std::size_t>& r) {
        auto& out = local.local();
        auto& key = scratch.local();
        std::string_view view;
        for (std::size_t m = r.begin(); m != r.end(); ++m) {
          if (d.msg_time[m] == kNoTime || d.msg_account[m] == kNoAccount) continue;
          if (keyed_text) {
            // action_key's rule on the key worked out when the columns were loaded.
            if (!d.msg_shares[m].empty() || d.msg_text_key_bytes[m] == 0) continue;
            if (opt.compat == CompatMode::kNone && d.msg_text_key_tokens[m] < min_tokens) continue;
            out.push_back(as(Action{d.msg_text_key[m], d.msg_time[m], d.msg_account[m],
                                    static_cast<std::uint32_t>(m), 0}));
            continue;
          }
          std::size_t items = message_item_count(d, b, m);
          for (std::size_t k = 0; k < items; ++k) {
            if (!action_key_view(d, b, opt, m, k, key, view)) continue;
            out.push_back(as(Action{object_hash(b, opt, view, d.msg_time[m]), d.msg_time[m],
                                    d.msg_account[m], static_cast<std::uint32_t>(m),
                                    static_cast<std::uint32_t>(k)}));
          }
        }
      });
  std::size_t total = 0;
  for (const Blocks<T>& v : local) total += v.size();
  std::vector<T> all;
  all.reserve(total);
  for (Blocks<T>& v : local) v.move_to(all);
  return all;
}

// Keeps one of each run of equal (key, msg): a message listing the same link twice acts once.
template <typename T>
void one_per_message(std::vector<T>& sorted) {
  std::size_t w = 0;
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (w > 0 && sorted[w - 1].key == sorted[i].key && sorted[w - 1].msg == sorted[i].msg) continue;
    sorted[w++] = sorted[i];
  }
  sorted.resize(w);
}

}  // namespace

ActionTable extract_actions(const Dataset& d, Behaviour b, const DetectOptions& opt,
                            dist::Communicator* comm, bool tags) {
  ActionTable t;
  t.behaviour = b;
  if (comm != nullptr && !comm->distributed()) comm = nullptr;
  // Distributed, each process reads a contiguous share of the messages.
  const std::size_t ranks = comm ? static_cast<std::size_t>(comm->size()) : 1;
  const std::size_t rank = comm ? static_cast<std::size_t>(comm->rank()) : 0;
  const auto [first, n] = dist::block(d.messages(), rank, ranks);
  std::vector<Action> all =
      find_actions<Action>(d, b, opt, first, n, [](const Action& a) { return a; });
  if (comm) all = exchange_actions(*comm, std::move(all));
  tbb::parallel_sort(all.begin(), all.end(), action_less);
  one_per_message(all);  // the same message's actions on an object lie together
  group_by_object(all, t, [&](const Action& a) {
    t.object_msg.push_back(a.msg);
    t.object_item.push_back(a.item);
  });
  if (comm) number_shard(*comm, t);
  if (tags && b == Behaviour::kHashtag && opt.compat == CompatMode::kNone) {
    t.object_tag.resize(t.objects());
    tbb::enumerable_thread_specific<std::string> scratch;
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, t.objects(), 1024),
                      [&](const tbb::blocked_range<std::size_t>& r) {
                        std::string& key = scratch.local();
                        for (std::size_t o = r.begin(); o != r.end(); ++o) {
                          action_key(d, b, opt, t.object_msg[o], t.object_item[o], key);
                          t.object_tag[o] = hash_key(key) | 1;
                        }
                      });
  }
  return t;
}

std::vector<ObjectUse> object_uses(const Dataset& d, Behaviour b, const DetectOptions& opt) {
  std::vector<ObjectUse> all = find_actions<ObjectUse>(
      d, b, opt, 0, d.messages(),
      [](const Action& a) { return ObjectUse{a.key, a.account, a.msg, a.item}; });
  tbb::parallel_sort(all.begin(), all.end(), [](const ObjectUse& x, const ObjectUse& y) {
    if (x.key != y.key) return x.key < y.key;
    if (x.account != y.account) return x.account < y.account;
    if (x.msg != y.msg) return x.msg < y.msg;
    return x.item < y.item;
  });
  one_per_message(all);  // a message has one author: its uses of an object lie together
  return all;
}

std::string object_key(const Dataset& d, Behaviour b, const DetectOptions& opt, std::uint32_t msg,
                       std::uint32_t item) {
  std::string key;
  action_key(d, b, opt, msg, item, key);
  if (b == Behaviour::kSimilarText) return std::string(utf8_prefix(key, 200));
  return key;
}

std::string object_key(const Dataset& d, const ActionTable& t, const DetectOptions& opt,
                       std::uint32_t o) {
  return object_key(d, t.behaviour, opt, t.object_msg[o], t.object_item[o]);
}

Result<SimilarTexts> find_similar_texts(const Dataset& d, const DetectOptions& opt,
                                        TimeMs search_window) {
  SimilarTexts found;
  found.search_window = search_window;
  // Every message that may have a text key; the keys themselves (normalized texts, over a
  // gigabyte at 10M messages) are computed inside the search, in parallel, and never stored.
  // A message action_key rejects gets the empty key, which is never compared.
  for (std::size_t m = 0; m < d.messages(); ++m) {
    if (d.msg_time[m] == kNoTime || d.msg_account[m] == kNoAccount) continue;
    if (!d.msg_shares[m].empty() || d.msg_text[m].empty()) continue;
    found.msgs.push_back(static_cast<std::uint32_t>(m));
    found.accounts.push_back(d.msg_account[m]);
    found.times.push_back(d.msg_time[m]);
  }
  const KeySource keys{found.msgs.size(), [&](std::size_t i, std::string& scratch) {
                         if (!action_key(d, Behaviour::kSimilarText, opt, found.msgs[i], 0, scratch))
                           scratch.clear();
                         return std::string_view(scratch);
                       }};
  NearDuplicateOptions nd;
  nd.threshold = opt.similarity;
  nd.window_ms = search_window;
  nd.seed = opt.seed;
  if (opt.compat == CompatMode::kCnt) {
    // The toolkit compares word-token sets of every message, its own ones included.
    nd.min_tokens = 1;
    nd.shingle_words = 1;
    nd.shingle_mode = ShingleMode::kWords;
    nd.skip_same_account = false;
  } else {
    nd.min_tokens = std::max(1, opt.min_text_tokens);
  }
  auto result = find_near_duplicates(keys, found.times, found.accounts, nd);
  if (!result.ok()) return result.status();
  found.pairs = std::move(result->pairs);
  return found;
}

ActionTable similar_text_table(const Dataset& d, const SimilarTexts& found,
                               const DetectOptions& opt, std::vector<SimilarPair>* pairs) {
  ActionTable t;
  t.behaviour = Behaviour::kSimilarText;
  const std::size_t n = found.msgs.size();
  // The search's pairs at this similarity (it may have searched at a lower one) and window.
  auto in_window = [&](const NearDuplicatePair& p) {
    if (p.jaccard < opt.similarity) return false;
    if (opt.window_ms >= found.search_window) return true;
    const std::int64_t gap = found.times[p.a] - found.times[p.b];
    return gap <= opt.window_ms && -gap <= opt.window_ms;
  };
  // Families: connected components of the near-duplicate pairs (union-find, smallest index
  // as the root so the result does not depend on pair order).
  std::vector<std::uint32_t> parent(n);
  std::iota(parent.begin(), parent.end(), 0u);
  auto root = [&](std::uint32_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  std::vector<bool> paired(n, false);
  for (const auto& p : found.pairs) {
    if (!in_window(p)) continue;
    std::uint32_t a = root(p.a), b = root(p.b);
    if (a != b) parent[std::max(a, b)] = std::min(a, b);
    paired[p.a] = paired[p.b] = true;
  }
  std::vector<Action> all;
  for (std::uint32_t i = 0; i < n; ++i) {
    if (!paired[i]) continue;
    std::uint32_t r = root(i);
    all.push_back(Action{r, found.times[i], found.accounts[i], found.msgs[i], 0});
  }
  std::sort(all.begin(), all.end(), action_less);
  group_by_object(all, t, [&](const Action& a) {
    // A family is named by its first text (the union-find root).
    t.object_msg.push_back(found.msgs[a.key]);
    t.object_item.push_back(0);
  });
  if (pairs == nullptr) return t;
  // Text index -> action index, for the verified pairs.
  std::vector<std::uint32_t> action_of(n, UINT32_MAX);
  {
    std::vector<std::uint32_t> msg_to_item(d.messages(), UINT32_MAX);
    for (std::uint32_t i = 0; i < n; ++i) msg_to_item[found.msgs[i]] = i;
    for (std::uint32_t k = 0; k < t.actions.size(); ++k)
      action_of[msg_to_item[t.actions[k].msg]] = k;
  }
  pairs->clear();
  for (const auto& p : found.pairs) {
    if (!in_window(p)) continue;
    std::uint32_t x = action_of[p.a], y = action_of[p.b];
    pairs->push_back(SimilarPair{std::min(x, y), std::max(x, y)});
  }
  return t;
}

Result<ActionTable> extract_similar_text(const Dataset& d, const DetectOptions& opt,
                                         std::vector<SimilarPair>& pairs) {
  auto found = find_similar_texts(d, opt, opt.window_ms);
  if (!found.ok()) return found.status();
  return similar_text_table(d, *found, opt, &pairs);
}

}  // namespace groundswell::detect_internal
