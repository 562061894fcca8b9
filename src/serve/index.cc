#include "serve/index.h"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_sort.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <numeric>
#include <unordered_map>

#include "base/hash.h"
#include "store/message_index.h"
#include "text/normalize.h"

namespace groundswell {
namespace {

constexpr char kFieldEnd = '\x1f';
constexpr char kEntryEnd = '\x1e';

// The behaviours an object page can show, and the share of the build each one takes
// (text is normalized, the rest is hashing).
constexpr std::array<Behaviour, 8> kIndexed = {
    Behaviour::kShare,   Behaviour::kLink,  Behaviour::kDomain, Behaviour::kHashtag,
    Behaviour::kMention, Behaviour::kReply, Behaviour::kText,   Behaviour::kMedia};

std::uint64_t key_hash(std::string_view key) { return XXH3_64bits(key.data(), key.size()); }

// The normalization key with the entry separators (control characters) turned into spaces.
void search_key(std::string_view text, std::string& out) {
  normalize_key(text, NormalizeOptions{}, out);
  for (char& c : out)
    if (c == kFieldEnd || c == kEntryEnd) c = ' ';
}

struct KeyedMessage {
  std::uint64_t key;
  std::uint32_t msg;
  bool operator<(const KeyedMessage& o) const { return key != o.key ? key < o.key : msg < o.msg; }
  bool operator==(const KeyedMessage& o) const { return key == o.key && msg == o.msg; }
};

bool word_start(std::string_view field, std::size_t at) {
  return at == 0 || field[at - 1] == ' ' || field[at - 1] == '_';
}

}  // namespace

std::string_view search_match_name(SearchMatch m) {
  switch (m) {
    case SearchMatch::kExactId:
      return "id";
    case SearchMatch::kExactHandle:
      return "handle";
    case SearchMatch::kExactName:
      return "name";
    case SearchMatch::kHandlePrefix:
      return "handle prefix";
    case SearchMatch::kWordPrefix:
      return "word";
    case SearchMatch::kSubstring:
      return "substring";
  }
  return "substring";
}

bool ServeIndex::indexed(Behaviour b) {
  return std::find(kIndexed.begin(), kIndexed.end(), b) != kIndexed.end();
}

Result<ServeIndex> ServeIndex::build(const Dataset& d, SignalTable signals,
                                     const std::function<void(double)>& progress) {
  auto report = [&](double f) {
    if (progress) progress(f);
  };
  ServeIndex ix;
  const std::size_t na = d.accounts(), nm = d.messages();
  if (signals.score.size() != na || signals.accounts.size() != na || signals.reasons.size() != na)
    return Status::Internal("serve index: the signal table does not match the accounts");
  ix.signals_ = std::move(signals);
  ix.account_row_ = d.account_row;
  if (!std::is_sorted(ix.account_row_.begin(), ix.account_row_.end()))
    return Status::Internal("serve index: accounts are not in id order");

  // Posts per account, and accounts by activity (the order search lists its hits in).
  ix.account_messages_.assign(na, 0);
  for (std::uint32_t a : d.msg_account)
    if (a != kNoAccount) ++ix.account_messages_[a];
  ix.by_rank_.resize(na);
  std::iota(ix.by_rank_.begin(), ix.by_rank_.end(), 0u);
  std::stable_sort(ix.by_rank_.begin(), ix.by_rank_.end(), [&](std::uint32_t x, std::uint32_t y) {
    return ix.account_messages_[x] > ix.account_messages_[y];
  });
  ix.rank_.resize(na);
  for (std::uint32_t i = 0; i < na; ++i) ix.rank_[ix.by_rank_[i]] = i;

  // Search entries, normalized in parallel, then laid out in rank order.
  {
    std::vector<std::string> entries(na);
    tbb::enumerable_thread_specific<std::string> scratch;
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, na, 1024),
                      [&](const tbb::blocked_range<std::size_t>& r) {
                        std::string& key = scratch.local();
                        for (std::size_t a = r.begin(); a != r.end(); ++a) {
                          std::string& e = entries[a];
                          search_key(d.account_id[a], key);
                          e += key;
                          e += kFieldEnd;
                          std::string_view handle = d.account_handle[a];
                          if (!handle.empty() && handle.front() == '@') handle.remove_prefix(1);
                          search_key(handle, key);
                          e += key;
                          e += kFieldEnd;
                          search_key(d.account_display_name[a], key);
                          e += key;
                          e += kFieldEnd;
                          search_key(d.account_platform[a], key);
                          e += key;
                          e += kEntryEnd;
                        }
                      });
    std::size_t bytes = 0;
    for (const auto& e : entries) bytes += e.size();
    ix.search_text_.reserve(bytes);
    ix.search_start_.reserve(na + 1);
    for (std::uint32_t a : ix.by_rank_) {
      ix.search_start_.push_back(ix.search_text_.size());
      ix.search_text_ += entries[a];
      std::string().swap(entries[a]);
    }
    ix.search_start_.push_back(ix.search_text_.size());
  }
  // Each account's platform, as an index into the distinct normalized names.
  {
    std::unordered_map<std::string, std::uint16_t> known;
    ix.platform_of_.resize(na);
    for (std::uint32_t i = 0; i < na; ++i) {
      const std::string_view entry(ix.search_text_.data() + ix.search_start_[i],
                                   ix.search_start_[i + 1] - ix.search_start_[i] - 1);
      const std::string platform(entry.substr(entry.rfind(kFieldEnd) + 1));
      auto [it, added] = known.emplace(platform, static_cast<std::uint16_t>(ix.platforms_.size()));
      if (added) {
        if (ix.platforms_.size() == UINT16_MAX)
          return Status::InvalidArgument("serve index: more than 65535 platform names");
        ix.platforms_.push_back(platform);
      }
      ix.platform_of_[ix.by_rank_[i]] = it->second;
    }
  }
  // Word starts: the id, the handle and the name, and every later word of handle and name.
  {
    tbb::enumerable_thread_specific<std::vector<WordStart>> local;
    tbb::parallel_for(tbb::blocked_range<std::uint32_t>(0, static_cast<std::uint32_t>(na), 4096),
                      [&](const tbb::blocked_range<std::uint32_t>& r) {
                        auto& out = local.local();
                        for (std::uint32_t i = r.begin(); i != r.end(); ++i)
                          ix.add_word_starts(i, out);
                      });
    std::size_t total = 0;
    for (auto& v : local) total += v.size();
    ix.words_.reserve(total);
    for (auto& v : local) {
      ix.words_.insert(ix.words_.end(), v.begin(), v.end());
      std::vector<WordStart>().swap(v);
    }
    tbb::parallel_sort(ix.words_.begin(), ix.words_.end(),
                       [&](const WordStart& x, const WordStart& y) {
                         const std::string_view a = ix.word_text(x), b = ix.word_text(y);
                         if (a != b) return a < b;
                         return x.at < y.at;
                       });
  }
  report(0.05);

  ix.msg_row_ = d.msg_row;
  ix.msg_time_ = d.msg_time;
  ix.msg_account_ = d.msg_account;
  // Posts grouped by account (a counting sort keeps each account's posts in time order).
  ix.account_start_.assign(na + 1, 0);
  for (std::size_t a = 0; a < na; ++a)
    ix.account_start_[a + 1] = ix.account_start_[a] + ix.account_messages_[a];
  ix.by_account_.resize(ix.account_start_[na]);
  {
    std::vector<std::uint64_t> next(ix.account_start_.begin(), ix.account_start_.end() - 1);
    for (std::uint32_t m = 0; m < nm; ++m) {
      std::uint32_t a = d.msg_account[m];
      if (a != kNoAccount) ix.by_account_[next[a]++] = m;
    }
  }
  // Re-posts of posts in the store (the group test's evidence, docs/detection.md).
  {
    const MessageIndex originals(d);
    for (std::uint32_t m = 0; m < nm; ++m) {
      const std::uint32_t a = d.msg_account[m];
      if (a == kNoAccount) continue;
      const std::int64_t o = originals.original_of(m);
      if (o < 0 || d.msg_account[static_cast<std::size_t>(o)] == a) continue;
      ix.repost_msg_.push_back(m);
      ix.repost_of_.push_back(static_cast<std::uint32_t>(o));
    }
  }
  report(0.1);

  // Object postings, one behaviour at a time (text, normalized here, is most of the work).
  double done = 0.1;
  for (Behaviour b : kIndexed) {
    const double weight = b == Behaviour::kText ? 0.5 : 0.4 / (kIndexed.size() - 1);
    tbb::enumerable_thread_specific<std::vector<KeyedMessage>> local;
    tbb::enumerable_thread_specific<std::string> scratch;
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, nm, 4096),
                      [&](const tbb::blocked_range<std::size_t>& r) {
                        auto& out = local.local();
                        std::string& key = scratch.local();
                        for (std::size_t m = r.begin(); m != r.end(); ++m) {
                          const std::size_t items = message_item_count(d, b, m);
                          for (std::size_t k = 0; k < items; ++k) {
                            std::string_view item = message_item(d, b, m, k);
                            if (item.empty() || !native_object_key(b, item, key)) continue;
                            out.push_back({key_hash(key), static_cast<std::uint32_t>(m)});
                          }
                        }
                      });
    std::size_t total = 0;
    for (auto& v : local) total += v.size();
    std::vector<KeyedMessage> all;
    all.reserve(total);
    for (auto& v : local) {
      all.insert(all.end(), v.begin(), v.end());
      std::vector<KeyedMessage>().swap(v);
    }
    tbb::parallel_sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());  // a link listed twice
    Postings& p = ix.objects_[static_cast<std::size_t>(b)];
    p.key.reserve(all.size());
    p.msg.reserve(all.size());
    for (const auto& x : all) {
      p.key.push_back(x.key);
      p.msg.push_back(x.msg);
    }
    done += weight;
    report(done);
  }
  report(1.0);
  return ix;
}

std::optional<std::uint32_t> ServeIndex::account_index(std::int64_t row) const {
  auto it = std::lower_bound(account_row_.begin(), account_row_.end(), row);
  if (it == account_row_.end() || *it != row) return std::nullopt;
  return static_cast<std::uint32_t>(it - account_row_.begin());
}

std::span<const std::uint32_t> ServeIndex::messages_of(std::uint32_t a) const {
  if (a >= account_row_.size()) return {};
  return std::span<const std::uint32_t>(by_account_.data() + account_start_[a],
                                        account_start_[a + 1] - account_start_[a]);
}

std::optional<std::uint32_t> ServeIndex::reposted(std::uint32_t m) const {
  auto it = std::lower_bound(repost_msg_.begin(), repost_msg_.end(), m);
  if (it == repost_msg_.end() || *it != m) return std::nullopt;
  return repost_of_[static_cast<std::size_t>(it - repost_msg_.begin())];
}

std::span<const std::uint32_t> ServeIndex::object_messages(Behaviour b,
                                                           std::string_view key) const {
  if (!indexed(b)) return {};
  std::string canonical;
  if (!native_object_key(b, key, canonical)) return {};
  const Postings& p = objects_[static_cast<std::size_t>(b)];
  const std::uint64_t h = key_hash(canonical);
  auto lo = std::lower_bound(p.key.begin(), p.key.end(), h);
  auto hi = std::upper_bound(lo, p.key.end(), h);
  return std::span<const std::uint32_t>(p.msg.data() + (lo - p.key.begin()),
                                        static_cast<std::size_t>(hi - lo));
}

void ServeIndex::add_word_starts(std::uint32_t rank, std::vector<WordStart>& out) const {
  const std::uint64_t begin = search_start_[rank], end = search_start_[rank + 1] - 1;
  const std::string_view entry(search_text_.data() + begin, end - begin);
  const std::uint32_t account = by_rank_[rank];
  std::size_t field_start = 0;
  for (int f = 0; f < 3; ++f) {
    std::size_t field_end = entry.find(kFieldEnd, field_start);
    if (field_end == std::string_view::npos) field_end = entry.size();
    const std::string_view field = entry.substr(field_start, field_end - field_start);
    for (std::size_t at = 0; at < field.size(); ++at) {
      if (at > 0 && (!word_start(field, at) || field[at] == ' ' || field[at] == '_')) continue;
      const WordKind kind = f == 0    ? WordKind::kId
                            : f == 1  ? (at == 0 ? WordKind::kHandle : WordKind::kHandleWord)
                            : at == 0 ? WordKind::kName
                                      : WordKind::kNameWord;
      out.push_back({begin + field_start + at, account,
                     static_cast<std::uint16_t>(std::min<std::size_t>(field.size() - at, 65535)),
                     kind});
      if (f == 0) break;  // ids are matched whole or as a substring
    }
    field_start = field_end + 1;
  }
}

SearchResult ServeIndex::search(std::string_view query, std::size_t limit,
                                std::size_t offset) const {
  SearchResult result;
  std::string_view q = query;
  while (!q.empty() && (q.front() == ' ' || q.front() == '@')) q.remove_prefix(1);
  // "platform:id" narrows to one platform.
  int platform = -1;
  if (auto colon = q.find(':'); colon != std::string_view::npos && colon > 0 &&
                                colon + 1 < q.size() && q.substr(0, colon).find(' ') == q.npos) {
    std::string name;
    search_key(q.substr(0, colon), name);
    if (auto it = std::find(platforms_.begin(), platforms_.end(), name); it != platforms_.end()) {
      platform = static_cast<int>(it - platforms_.begin());
      q.remove_prefix(colon + 1);
    }
  }
  std::string key;
  search_key(q, key);
  if (key.empty()) {
    result.total = 0;
    return result;
  }
  // Hits to find: the page and one more (so the answer knows whether more follow), and at
  // least kSearchCount + 1, so fewer are counted exactly.
  const std::size_t wanted = offset + limit + 1;
  const std::size_t count_to = std::max(wanted, kSearchCount + 1);
  auto on_platform = [&](std::uint32_t a) { return platform < 0 || platform_of_[a] == platform; };

  // Exact and prefix matches: the word starts whose text begins with the key, each account at
  // its best match.
  constexpr auto kNone = static_cast<std::uint8_t>(0xff);
  std::vector<std::uint8_t> best(account_row_.size(), kNone);
  std::vector<SearchHit> hits;
  auto lo =
      std::lower_bound(words_.begin(), words_.end(), key,
                       [&](const WordStart& w, std::string_view k) { return word_text(w) < k; });
  auto hi = std::partition_point(lo, words_.end(),
                                 [&](const WordStart& w) { return word_text(w).starts_with(key); });
  for (auto it = lo; it != hi; ++it) {
    const bool exact = it->length == key.size();
    SearchMatch m = SearchMatch::kWordPrefix;
    switch (it->kind) {
      case WordKind::kId:
        if (!exact) continue;  // an id that starts with the key: a match anywhere
        m = SearchMatch::kExactId;
        break;
      case WordKind::kHandle:
        m = exact ? SearchMatch::kExactHandle : SearchMatch::kHandlePrefix;
        break;
      case WordKind::kName:
        m = exact ? SearchMatch::kExactName : SearchMatch::kWordPrefix;
        break;
      case WordKind::kHandleWord:
      case WordKind::kNameWord:
        break;
    }
    if (!on_platform(it->account)) continue;
    std::uint8_t& b = best[it->account];
    if (b == kNone) hits.push_back({it->account, m});
    b = std::min(b, static_cast<std::uint8_t>(m));
  }
  for (auto& h : hits) h.match = static_cast<SearchMatch>(best[h.account]);
  const std::size_t prefix_hits = hits.size();
  auto better = [&](const SearchHit& x, const SearchHit& y) {
    if (x.match != y.match) return x.match < y.match;
    return rank_[x.account] < rank_[y.account];
  };
  if (hits.size() > wanted) {
    std::nth_element(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(wanted), hits.end(),
                     better);
    hits.resize(wanted);
  }
  std::sort(hits.begin(), hits.end(), better);

  // Matches anywhere else, in rank order (most posts first), while fewer than count_to hits
  // are known: the scan stops early when the query is common.
  bool complete = prefix_hits < count_to;
  std::size_t known = prefix_hits;
  if (complete) {
    const char* text = search_text_.data();
    const std::size_t n = by_rank_.size();
    std::size_t rank = 0;
    std::uint64_t from = 0;
    while (rank < n) {
      const void* found = memmem(text + from, search_text_.size() - from, key.data(), key.size());
      if (!found) break;
      const auto at = static_cast<std::uint64_t>(static_cast<const char*>(found) - text);
      // The entry holding the match: entries are in rank order, so search forward from here.
      rank = static_cast<std::size_t>(
          std::upper_bound(search_start_.begin() + static_cast<std::ptrdiff_t>(rank),
                           search_start_.end(), at) -
          search_start_.begin() - 1);
      const std::uint64_t entry = search_start_[rank];
      from = search_start_[rank + 1];  // the next entry: one hit per account
      const std::uint32_t a = by_rank_[rank++];
      if (best[a] != kNone || !on_platform(a)) continue;
      // A match in the platform name (the fourth field) is not a match.
      if (std::count(text + entry, text + at, kFieldEnd) >= 3) continue;
      if (hits.size() < wanted) hits.push_back({a, SearchMatch::kSubstring});
      if (++known == count_to) {
        complete = false;
        break;
      }
    }
  }
  result.more = known > offset + limit;
  if (complete) result.total = known;
  result.at_least = known;
  if (hits.size() > offset + limit) hits.resize(offset + limit);
  if (offset < hits.size())
    result.hits.assign(hits.begin() + static_cast<std::ptrdiff_t>(offset), hits.end());
  return result;
}

}  // namespace groundswell
