// Fuzz target: the normalization key and URL canonicalization (text/normalize.h, text/url.h).
// The first byte chooses how mentions, URLs and hashtags are treated; the rest is the text.
//   - a key is valid UTF-8 with no leading, trailing or doubled space, the same twice, and
//     normalizing it again changes nothing (URLs replaced or removed: kept URLs are the one
//     documented exception);
//   - a hashtag's comparison form is valid UTF-8 without spaces;
//   - canonicalizing a canonical URL changes nothing, nor its domain; valid UTF-8 in, valid
//     UTF-8 out.
#include <string>
#include <string_view>

#include "base/fuzz.h"
#include "base/utf8.h"
#include "text/normalize.h"
#include "text/url.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace gs = groundswell;
  if (size == 0) return 0;
  using E = gs::NormalizeOptions::Entities;
  const E kinds[3] = {E::kKeep, E::kRemove, E::kPlaceholder};
  gs::NormalizeOptions opt;
  opt.mentions = kinds[data[0] % 3];
  opt.urls = kinds[(data[0] / 3) % 3];
  opt.hashtags = kinds[(data[0] / 9) % 3];
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);

  const std::string key = gs::normalize_key(text, opt);
  GS_FUZZ_CHECK(gs::is_valid_utf8(key), "key is not valid UTF-8");
  GS_FUZZ_CHECK(key.empty() || (key.front() != ' ' && key.back() != ' '),
                "key has a leading or trailing space: [%s]", key.c_str());
  GS_FUZZ_CHECK(key.find("  ") == std::string::npos, "key has a doubled space: [%s]", key.c_str());
  GS_FUZZ_CHECK(gs::normalize_key(text, opt) == key, "normalization is not deterministic");
  if (opt.urls != E::kKeep) {
    const std::string again = gs::normalize_key(key, opt);
    GS_FUZZ_CHECK(again == key, "not idempotent: [%s] -> [%s]", key.c_str(), again.c_str());
  }

  const std::string tag = gs::normalize_hashtag(text);
  GS_FUZZ_CHECK(gs::is_valid_utf8(tag), "hashtag form is not valid UTF-8");
  GS_FUZZ_CHECK(tag.find(' ') == std::string::npos, "hashtag form has a space: [%s]", tag.c_str());

  const std::string url = gs::canonical_url(text);
  if (gs::is_valid_utf8(text)) GS_FUZZ_CHECK(gs::is_valid_utf8(url), "URL not valid UTF-8");
  const std::string url_again = gs::canonical_url(url);
  GS_FUZZ_CHECK(url_again == url, "URL canonicalization not idempotent: [%s] -> [%s]", url.c_str(),
                url_again.c_str());
  GS_FUZZ_CHECK(gs::url_domain(url) == gs::url_domain(text), "domain changed: [%s] vs [%s]",
                gs::url_domain(url).c_str(), gs::url_domain(text).c_str());
  return 0;
}
