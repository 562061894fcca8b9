#include "serve/index.h"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_sort.h>
#include <xxhash.h>

#include <algorithm>
#include <functional>
#include <numeric>

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

  // Search entries, normalized in parallel, then laid out in account order.
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
    for (auto& e : entries) {
      ix.search_start_.push_back(ix.search_text_.size());
      ix.search_text_ += e;
      std::string().swap(e);
    }
    ix.search_start_.push_back(ix.search_text_.size());
    std::string key;
    std::string_view previous;
    for (std::size_t a = 0; a < na; ++a) {
      if (a > 0 && d.account_platform[a] == previous) continue;
      previous = d.account_platform[a];
      search_key(previous, key);
      if (std::find(ix.platforms_.begin(), ix.platforms_.end(), key) == ix.platforms_.end())
        ix.platforms_.push_back(key);
    }
  }
  report(0.05);

  ix.msg_row_ = d.msg_row;
  ix.msg_time_ = d.msg_time;
  ix.msg_account_ = d.msg_account;
  // Posts grouped by account (a counting sort keeps each account's posts in time order).
  ix.account_messages_.assign(na, 0);
  for (std::uint32_t a : d.msg_account)
    if (a != kNoAccount) ++ix.account_messages_[a];
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

std::vector<std::uint32_t> ServeIndex::object_messages(Behaviour b, std::string_view key) const {
  if (!indexed(b)) return {};
  std::string canonical;
  if (!native_object_key(b, key, canonical)) return {};
  const Postings& p = objects_[static_cast<std::size_t>(b)];
  const std::uint64_t h = key_hash(canonical);
  auto lo = std::lower_bound(p.key.begin(), p.key.end(), h);
  auto hi = std::upper_bound(lo, p.key.end(), h);
  return std::vector<std::uint32_t>(p.msg.begin() + (lo - p.key.begin()),
                                    p.msg.begin() + (hi - p.key.begin()));
}

SearchResult ServeIndex::search(std::string_view query, std::size_t limit,
                                std::size_t offset) const {
  SearchResult result;
  std::string_view q = query;
  while (!q.empty() && (q.front() == ' ' || q.front() == '@')) q.remove_prefix(1);
  // "platform:id" narrows to one platform.
  std::string platform;
  if (auto colon = q.find(':'); colon != std::string_view::npos && colon > 0 &&
                                colon + 1 < q.size() && q.substr(0, colon).find(' ') == q.npos) {
    search_key(q.substr(0, colon), platform);
    if (std::find(platforms_.begin(), platforms_.end(), platform) != platforms_.end())
      q.remove_prefix(colon + 1);
    else
      platform.clear();
  }
  std::string key;
  search_key(q, key);
  if (key.empty()) return result;

  std::vector<SearchHit> hits;
  const std::boyer_moore_horspool_searcher searcher(key.begin(), key.end());
  auto pos = search_text_.begin();
  while (true) {
    auto found = std::search(pos, search_text_.end(), searcher);
    if (found == search_text_.end()) break;
    const auto at = static_cast<std::uint64_t>(found - search_text_.begin());
    const auto a = static_cast<std::uint32_t>(
        std::upper_bound(search_start_.begin(), search_start_.end(), at) - search_start_.begin() -
        1);
    std::string_view entry(search_text_.data() + search_start_[a],
                           search_start_[a + 1] - search_start_[a] - 1);
    pos = search_text_.begin() + static_cast<std::ptrdiff_t>(search_start_[a + 1]);
    std::array<std::string_view, 4> field{};
    std::size_t start = 0;
    for (auto& f : field) {
      std::size_t end = entry.find(kFieldEnd, start);
      if (end == std::string_view::npos) end = entry.size();
      f = entry.substr(start, end - start);
      start = end + 1;
    }
    if (!platform.empty() && field[3] != platform) continue;
    SearchMatch match = SearchMatch::kSubstring;
    if (field[0] == key)
      match = SearchMatch::kExactId;
    else if (field[1] == key)
      match = SearchMatch::kExactHandle;
    else if (field[2] == key)
      match = SearchMatch::kExactName;
    else if (field[1].starts_with(key))
      match = SearchMatch::kHandlePrefix;
    else {
      for (std::size_t f = 1; f <= 2 && match == SearchMatch::kSubstring; ++f) {
        for (std::size_t i = field[f].find(key); i != std::string_view::npos;
             i = field[f].find(key, i + 1)) {
          if (word_start(field[f], i)) {
            match = SearchMatch::kWordPrefix;
            break;
          }
        }
      }
    }
    if (match == SearchMatch::kSubstring && field[0].find(key) == std::string_view::npos &&
        field[1].find(key) == std::string_view::npos &&
        field[2].find(key) == std::string_view::npos)
      continue;  // only the platform matched
    hits.push_back({a, match});
  }
  result.total = hits.size();
  auto better = [&](const SearchHit& x, const SearchHit& y) {
    if (x.match != y.match) return x.match < y.match;
    if (account_messages_[x.account] != account_messages_[y.account])
      return account_messages_[x.account] > account_messages_[y.account];
    return x.account < y.account;
  };
  const std::size_t end = std::min(hits.size(), offset + limit);
  if (offset >= hits.size()) return result;
  std::partial_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(end), hits.end(),
                    better);
  result.hits.assign(hits.begin() + static_cast<std::ptrdiff_t>(offset),
                     hits.begin() + static_cast<std::ptrdiff_t>(end));
  return result;
}

}  // namespace groundswell
