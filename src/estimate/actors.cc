#include "estimate/actors.h"
#include "base/file.h"

#include <toml++/toml.h>
#include <unicode/regex.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <array>
#include <deque>
#include <fstream>
#include <set>
#include <sstream>
#include <unordered_map>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "store/message_index.h"
#include "text/normalize.h"

namespace groundswell {
namespace {

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// Decodes the code point ending just before `end` / starting at `begin`; -1 at the edges.
UChar32 cp_before(std::string_view s, std::size_t end) {
  if (end == 0) return -1;
  std::size_t i = end - 1;
  while (i > 0 && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;
  UChar32 c = 0;
  std::int32_t off = static_cast<std::int32_t>(i);
  U8_NEXT(reinterpret_cast<const std::uint8_t*>(s.data()), off, static_cast<std::int32_t>(s.size()),
          c);
  return c;
}
UChar32 cp_at(std::string_view s, std::size_t begin) {
  if (begin >= s.size()) return -1;
  UChar32 c = 0;
  std::int32_t off = static_cast<std::int32_t>(begin);
  U8_NEXT(reinterpret_cast<const std::uint8_t*>(s.data()), off, static_cast<std::int32_t>(s.size()),
          c);
  return c;
}
// Markers are matched on the key with @mentions removed: naming an actor's account ("RT
// @GreenHorizon: ...", "@GreenHorizon you lie") is not using its markers, and a regex such as
// "green[ _]?horizon" would otherwise match every mention of the handle.
NormalizeOptions match_options() {
  NormalizeOptions o;
  o.mentions = NormalizeOptions::Entities::kRemove;
  return o;
}

// The string a marker is looked for as in a text's match key: the marker's own match key, so
// that a marker is read exactly as a text holding it is. A lone hashtag's key is "#" and its
// comparison form (normalize_hashtag), as an entity-list hashtag is looked for; a hashtag
// followed by words or glued to a mention keeps them as a text would (found by fuzzing).
// Empty when the marker leaves nothing to look for.
std::string marker_key(const std::string& marker) { return normalize_key(marker, match_options()); }

bool is_word(UChar32 c) {
  return c >= 0 && (c == '_' || u_isalnum(c) ||
                    u_getIntPropertyValue(c, UCHAR_GENERAL_CATEGORY_MASK) & U_GC_M_MASK);
}

Status read_string_list(const toml::table& t, std::string_view key, std::string_view actor,
                        std::vector<std::string>& out) {
  const toml::node* n = t.get(key);
  if (!n) return Status::Ok();
  const toml::array* arr = n->as_array();
  if (!arr)
    return Status::InvalidArgument("actor '" + std::string(actor) + "': '" + std::string(key) +
                                   "' must be an array of strings");
  for (const toml::node& item : *arr) {
    auto s = item.value<std::string>();
    if (!s)
      return Status::InvalidArgument("actor '" + std::string(actor) + "': '" + std::string(key) +
                                     "' must contain only strings");
    if (!s->empty()) out.push_back(*s);
  }
  return Status::Ok();
}


// The author of a re-posted post that is not in the data, from what the re-post says of it:
// a Telegram key "channel123/456" or "channel123@<time>" names the channel by id, a Desktop
// export's "name:<channel name>|<text hash>" by display name, a retweet's "RT @handle:" text
// by handle. Returns the sources bits of every account it may be.
class AccountFinder {
 public:
  explicit AccountFinder(const Dataset& d) {
    for (std::size_t a = 0; a < d.accounts(); ++a) {
      const auto idx = static_cast<std::uint32_t>(a);
      std::string platform(d.account_platform[a]);
      by_id_.emplace(platform + '\0' + std::string(d.account_id[a]), idx);
      std::string_view h = d.account_handle[a];
      if (!h.empty() && h[0] == '@') h.remove_prefix(1);
      if (!h.empty()) by_handle_.emplace(platform + '\0' + ascii_lower(h), idx);
      if (!d.account_display_name[a].empty())
        by_name_.emplace(platform + '\0' + std::string(d.account_display_name[a]), idx);
    }
  }
  std::uint64_t sources_of_original(std::string_view platform, std::string_view shares,
                                    std::string_view text,
                                    const std::vector<std::uint64_t>& source) const {
    std::string key(platform);
    key.push_back('\0');
    auto bits_of = [&](const std::unordered_multimap<std::string, std::uint32_t>& map) {
      std::uint64_t bits = 0;
      auto [lo, hi] = map.equal_range(key);
      for (auto it = lo; it != hi; ++it)
        if (it->second < source.size()) bits |= source[it->second];
      return bits;
    };
    if (shares.starts_with("name:")) {
      std::size_t bar = shares.rfind('|');
      if (bar == std::string_view::npos || bar < 5) return 0;
      key.append(shares.substr(5, bar - 5));
      return bits_of(by_name_);
    }
    if (text.starts_with("RT @")) {
      std::string_view h = text.substr(4);
      h = h.substr(0, h.find(':'));
      key.append(ascii_lower(h));
      return bits_of(by_handle_);
    }
    key.append(shares.substr(0, shares.find_first_of("/@")));
    return bits_of(by_id_);
  }

 private:
  std::unordered_multimap<std::string, std::uint32_t> by_id_, by_handle_, by_name_;
};
}  // namespace

Result<ActorSet> parse_actors(std::string_view text, std::string_view source_name) {
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << source_name << ":" << e.source().begin.line << ":" << e.source().begin.column << ": "
        << e.description();
    return Status::InvalidArgument(msg.str());
  }
  ActorSet set;
  const toml::array* actors = root["actor"].as_array();
  if (!actors || actors->empty())
    return Status::InvalidArgument(std::string(source_name) +
                                   ": no [[actor]] tables (each needs at least a name)");
  std::set<std::string> names;
  for (const toml::node& node : *actors) {
    const toml::table* t = node.as_table();
    if (!t) return Status::InvalidArgument(std::string(source_name) + ": 'actor' must be tables");
    Actor a;
    auto name = (*t)["name"].value<std::string>();
    if (!name || name->empty())
      return Status::InvalidArgument(std::string(source_name) + ": an [[actor]] has no name");
    a.name = *name;
    if (!names.insert(a.name).second)
      return Status::InvalidArgument(std::string(source_name) + ": actor '" + a.name +
                                     "' is defined twice");
    for (auto [key, list] :
         {std::pair{"sources", &a.sources}, std::pair{"markers", &a.markers},
          std::pair{"regexes", &a.regexes}, std::pair{"opposition", &a.opposition},
          std::pair{"opposition_markers", &a.opposition},
          std::pair{"opposition_regexes", &a.opposition_regexes}}) {
      GS_RETURN_IF_ERROR(read_string_list(*t, key, a.name, *list));
    }
    // A marker that normalizes to nothing would never match: say so rather than ignore it.
    for (const auto* list : {&a.markers, &a.opposition}) {
      for (const std::string& m : *list) {
        if (!marker_key(m).empty()) continue;
        return Status::InvalidArgument(
            std::string(source_name) + ": actor '" + a.name + "': marker '" + m +
            "' leaves nothing to match (markers are matched on the normalized text, in which "
            "@mentions are left out: an account of the actor belongs under sources)");
      }
    }
    if (a.sources.empty() && a.markers.empty() && a.regexes.empty())
      return Status::InvalidArgument(std::string(source_name) + ": actor '" + a.name +
                                     "' has no sources, markers or regexes");
    set.actors.push_back(std::move(a));
  }
  if (set.actors.size() > kMaxActors)
    return Status::InvalidArgument(std::string(source_name) + ": at most 64 actors");
  return set;
}

Result<ActorSet> load_actors_file(const std::string& path) {
  auto text = read_whole_file(path);
  if (!text) return Status::NotFound("cannot open actors file " + path);
  return parse_actors(*text, path);
}

// Aho–Corasick over bytes with a dense transition table (the marker set is small, so 256
// entries per node cost little and make the scan one table lookup per byte).
struct ActorMatcher::Impl {
  struct Pattern {
    std::uint32_t length = 0;
    std::uint32_t actor = 0;
    bool opposition = false;
    bool word_start = false, word_end = false;  // boundary checks needed at each end
  };
  std::vector<Pattern> patterns;
  std::vector<std::int32_t> next;               // node * 256 + byte
  std::vector<std::vector<std::uint32_t>> out;  // node -> patterns ending here
  struct Regex {
    std::unique_ptr<icu::RegexPattern> pattern;
    std::uint32_t actor = 0;
    bool opposition = false;
  };
  std::vector<Regex> regexes;
  std::vector<std::uint64_t> source_mask;  // per account

  void add_pattern(const std::string& key, std::uint32_t actor, bool opposition) {
    if (key.empty()) return;
    if (next.empty()) {
      next.assign(256, -1);
      out.emplace_back();
    }
    std::int32_t node = 0;
    for (unsigned char c : key) {
      std::int32_t& nx = next[static_cast<std::size_t>(node) * 256 + c];
      if (nx < 0) {
        nx = static_cast<std::int32_t>(out.size());
        out.emplace_back();
        next.resize(next.size() + 256, -1);
      }
      node = next[static_cast<std::size_t>(node) * 256 + c];
    }
    Pattern p;
    p.length = static_cast<std::uint32_t>(key.size());
    p.actor = actor;
    p.opposition = opposition;
    p.word_start = is_word(cp_at(key, 0));
    p.word_end = is_word(cp_before(key, key.size()));
    out[static_cast<std::size_t>(node)].push_back(static_cast<std::uint32_t>(patterns.size()));
    patterns.push_back(p);
  }

  void build() {
    if (next.empty()) return;
    std::vector<std::int32_t> fail(out.size(), 0);
    std::deque<std::int32_t> queue;
    for (int c = 0; c < 256; ++c) {
      std::int32_t& nx = next[static_cast<std::size_t>(c)];
      if (nx < 0)
        nx = 0;
      else {
        fail[static_cast<std::size_t>(nx)] = 0;
        queue.push_back(nx);
      }
    }
    while (!queue.empty()) {
      std::int32_t u = queue.front();
      queue.pop_front();
      auto& ou = out[static_cast<std::size_t>(u)];
      const auto& of = out[static_cast<std::size_t>(fail[static_cast<std::size_t>(u)])];
      ou.insert(ou.end(), of.begin(), of.end());
      for (int c = 0; c < 256; ++c) {
        std::int32_t& v = next[static_cast<std::size_t>(u) * 256 + static_cast<std::size_t>(c)];
        std::int32_t f = next[static_cast<std::size_t>(fail[static_cast<std::size_t>(u)]) * 256 +
                              static_cast<std::size_t>(c)];
        if (v < 0)
          v = f;
        else {
          fail[static_cast<std::size_t>(v)] = f;
          queue.push_back(v);
        }
      }
    }
  }

  TextMatch match_key(const std::string& key,
                      std::vector<std::unique_ptr<icu::RegexMatcher>>& rm) const {
    TextMatch m;
    if (!next.empty()) {
      std::int32_t node = 0;
      for (std::size_t i = 0; i < key.size(); ++i) {
        node = next[static_cast<std::size_t>(node) * 256 + static_cast<unsigned char>(key[i])];
        for (std::uint32_t pid : out[static_cast<std::size_t>(node)]) {
          const Pattern& p = patterns[pid];
          std::size_t end = i + 1, begin = end - p.length;
          if (p.word_start && is_word(cp_before(key, begin))) continue;
          if (p.word_end && is_word(cp_at(key, end))) continue;
          (p.opposition ? m.opposition : m.support) |= std::uint64_t{1} << p.actor;
        }
      }
    }
    if (!regexes.empty()) {
      icu::UnicodeString u = icu::UnicodeString::fromUTF8(key);
      for (std::size_t r = 0; r < regexes.size(); ++r) {
        std::uint64_t bit = std::uint64_t{1} << regexes[r].actor;
        std::uint64_t& target = regexes[r].opposition ? m.opposition : m.support;
        if (target & bit) continue;
        UErrorCode st = U_ZERO_ERROR;
        rm[r]->reset(u);
        if (rm[r]->find(st) && U_SUCCESS(st)) target |= bit;
      }
    }
    return m;
  }

  Result<std::vector<std::unique_ptr<icu::RegexMatcher>>> matchers() const {
    std::vector<std::unique_ptr<icu::RegexMatcher>> rm;
    for (const Regex& r : regexes) {
      UErrorCode st = U_ZERO_ERROR;
      rm.emplace_back(r.pattern->matcher(st));
      if (U_FAILURE(st)) return Status::Internal("cannot create a regex matcher");
    }
    return rm;
  }
};

ActorMatcher::ActorMatcher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ActorMatcher::ActorMatcher(ActorMatcher&&) noexcept = default;
ActorMatcher& ActorMatcher::operator=(ActorMatcher&&) noexcept = default;
ActorMatcher::~ActorMatcher() = default;

Result<ActorMatcher> ActorMatcher::create(const ActorSet& set, const Dataset& data) {
  if (set.actors.size() > kMaxActors) return Status::InvalidArgument("at most 64 actors");
  auto impl = std::make_unique<Impl>();
  for (std::size_t k = 0; k < set.actors.size(); ++k) {
    const Actor& a = set.actors[k];
    auto actor = static_cast<std::uint32_t>(k);
    auto add_markers = [&](const std::vector<std::string>& list, bool opposition) {
      for (const std::string& m : list) {
        impl->add_pattern(marker_key(m), actor, opposition);
      }
    };
    add_markers(a.markers, false);
    add_markers(a.opposition, true);
    auto add_regexes = [&](const std::vector<std::string>& list, bool opposition) -> Status {
      for (const std::string& re : list) {
        UErrorCode st = U_ZERO_ERROR;
        UParseError pe;
        std::unique_ptr<icu::RegexPattern> p(
            icu::RegexPattern::compile(icu::UnicodeString::fromUTF8(re), 0, pe, st));
        if (U_FAILURE(st))
          return Status::InvalidArgument("actor '" + a.name + "': invalid regex '" + re + "' (" +
                                         u_errorName(st) + " at offset " +
                                         std::to_string(pe.offset) + ")");
        impl->regexes.push_back({std::move(p), actor, opposition});
      }
      return Status::Ok();
    };
    GS_RETURN_IF_ERROR(add_regexes(a.regexes, false));
    GS_RETURN_IF_ERROR(add_regexes(a.opposition_regexes, true));
  }
  impl->build();

  // Sources: "@handle" (case-insensitive), "platform:id", or a bare id (or bare handle).
  impl->source_mask.assign(data.accounts(), 0);
  for (std::size_t k = 0; k < set.actors.size(); ++k) {
    for (const std::string& src : set.actors[k].sources) {
      std::string_view s = src;
      bool handle_only = !s.empty() && s[0] == '@';
      if (handle_only) s.remove_prefix(1);
      std::string_view platform;
      if (!handle_only) {
        std::size_t colon = s.find(':');
        if (colon != std::string_view::npos && colon > 0) {
          platform = s.substr(0, colon);
          s = s.substr(colon + 1);
        }
      }
      std::string lower = ascii_lower(s);
      for (std::size_t a = 0; a < data.accounts(); ++a) {
        if (!platform.empty() && data.account_platform[a] != platform) continue;
        std::string_view h = data.account_handle[a];
        if (!h.empty() && h[0] == '@') h.remove_prefix(1);
        bool hit = ascii_lower(h) == lower && !lower.empty();
        if (!handle_only && data.account_id[a] == s) hit = true;
        if (hit) impl->source_mask[a] |= std::uint64_t{1} << k;
      }
    }
  }
  return ActorMatcher(std::move(impl));
}

const std::vector<std::uint64_t>& ActorMatcher::source_masks() const { return impl_->source_mask; }

ActorMatcher::TextMatch ActorMatcher::match_text(std::string_view text) const {
  auto rm = impl_->matchers();
  if (!rm.ok()) return {};
  return impl_->match_key(normalize_key(text, match_options()), *rm);
}

std::vector<MessageStance> ActorMatcher::stances(const Dataset& data) const {
  const std::size_t nm = data.messages();
  // 0. Each re-post's original, when the data holds it (-1: none, or not a re-post). A re-post
  // takes its original's stance, so its own text is read only when the original is missing.
  const MessageIndex originals(data);
  std::vector<std::uint8_t> read_text(nm, 0);  // whose own text's stance is read
  for (std::size_t m = 0; m < nm; ++m) {
    const std::int64_t o = originals.original_of(m);
    read_text[o < 0 ? m : static_cast<std::size_t>(o)] = 1;
  }
  std::vector<MessageStance> text(nm);
  // 1. Those messages' own text: normalization and matching dominate, so in parallel; every
  // block keeps its own regex matchers (ICU matchers are not thread-safe) and key buffer.
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, nm, 4096),
                    [&](const tbb::blocked_range<std::size_t>& r) {
    auto rm = impl_->matchers();
    if (!rm.ok()) return;
    std::string key, tag;
    const NormalizeOptions options = match_options();
    for (std::size_t m = r.begin(); m < r.end(); ++m) {
      if (read_text[m] == 0) continue;
      normalize_key(data.msg_text[m], options, key);
      TextMatch tm = impl_->match_key(key, *rm);
      // Hashtags reported only in the entity list (not in the text) count as markers too.
      for (std::size_t h = 0; h < data.msg_hashtags.count(m); ++h) {
        tag = "#" + normalize_hashtag(data.msg_hashtags.item(m, h));
        if (key.find(tag) != std::string::npos) continue;
        TextMatch th = impl_->match_key(tag, *rm);
        tm.support |= th.support;
        tm.opposition |= th.opposition;
      }
      text[m] = {tm.support & ~tm.opposition, tm.opposition};
    }
  });

  // 2. Re-posts take the stance of the post they re-post.
  const std::vector<std::uint64_t>& source = impl_->source_mask;
  auto source_of = [&](std::uint32_t a) -> std::uint64_t {
    return a != kNoAccount && a < source.size() ? source[a] : 0;
  };
  const AccountFinder authors(data);
  std::vector<MessageStance> out(nm);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, nm, 4096),
                    [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t m = r.begin(); m < r.end(); ++m) {
      MessageStance st = text[m];
      std::string_view shares = data.msg_shares[m];
      if (!shares.empty()) {
        std::uint64_t author_sources = 0;
        if (const std::int64_t original = originals.original_of(m); original >= 0) {
          const auto o = static_cast<std::size_t>(original);
          st = text[o];
          author_sources = source_of(data.msg_account[o]);
        } else {
          author_sources = authors.sources_of_original(data.msg_platform[m], shares,
                                                       data.msg_text[m], source);
        }
        st.support |= author_sources;
        st.opposition &= ~author_sources;
      }
      // Every message of a source is its actor speaking.
      const std::uint64_t own = source_of(data.msg_account[m]);
      st.support |= own;
      st.opposition &= ~own;
      out[m] = st;
    }
  });
  return out;
}

}  // namespace groundswell
