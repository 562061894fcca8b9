// The normalization key of docs/contract.md §5.1: one string per message used for matching
// (identical text, near-duplicate shingling, hashtag comparison), never for display. The key is
//   NFKC + case folding (ICU NFKC_Casefold) -> Persian/Arabic letter folding -> harakat,
//   tatweel and bidi controls stripped -> every decimal digit to ASCII -> whitespace collapsed,
// with mentions, URLs and hashtags kept, removed or replaced by a placeholder by option.
// docs/text.md lists the folding table and every choice made where the contract
// (docs/contract.md §5.1) is silent.
//
//   NormalizeOptions opt;
//   opt.urls = NormalizeOptions::Entities::kPlaceholder;
//   std::string key;
//   normalize_key(message_text, opt, key);   // reuses key's capacity
//
// Promises: the key is valid UTF-8 (ill-formed input bytes become U+FFFD), has no leading,
// trailing or doubled spaces, and is a pure function of (text, options): the same on every
// thread and every run. Re-normalizing a key changes nothing, except inside kept URLs (their
// query order may change once the key has case-folded them). Texts over 2 GiB are truncated.
// Thread-safety: all functions are safe to call concurrently; per-thread scratch buffers are
// kept so that steady-state calls do not allocate beyond growing `out` (a kept URL's canonical
// form is built in a temporary string).
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

namespace groundswell {

struct NormalizeOptions {
  enum class Entities {
    kKeep,         // left in the key: mentions and hashtags normalized, URLs canonicalized
    kRemove,       // dropped from the key
    kPlaceholder,  // replaced by one token: _mention_, _url_ or _hashtag_
  };
  Entities mentions = Entities::kKeep;
  Entities urls = Entities::kKeep;
  Entities hashtags = Entities::kKeep;
};

// The placeholder tokens written for Entities::kPlaceholder.
inline constexpr std::string_view kMentionPlaceholder = "_mention_";
inline constexpr std::string_view kUrlPlaceholder = "_url_";
inline constexpr std::string_view kHashtagPlaceholder = "_hashtag_";

// Writes the key of `text` into `out` (replacing its contents, keeping its capacity).
void normalize_key(std::string_view text, const NormalizeOptions& options, std::string& out);
std::string normalize_key(std::string_view text, const NormalizeOptions& options = {});
// The tokens of a key: its words, one space apart (0 for the empty key).
inline std::size_t key_token_count(std::string_view key) {
  return key.empty() ? 0 : static_cast<std::size_t>(std::count(key.begin(), key.end(), ' ')) + 1;
}

// A hashtag's comparison form: leading '#' (or fullwidth '＃') removed, the normalization key of
// the rest, and every space removed (ZWNJ/ZWJ inside a Persian hashtag become spaces in the
// key, and a hashtag has no spaces), so "#آزادی", "#ازادی", "#آزادـی" and "#آزادی‌" compare
// equal. This is also the form a kept hashtag takes inside normalize_key ("#" + this).
std::string normalize_hashtag(std::string_view tag);

}  // namespace groundswell
