// URL canonicalization of docs/contract.md §5.1: two links that a person would call "the same link"
// get the same string, so that the `url` and `domain` behaviours count a share of
// http://www.Example.com:80/a?utm_source=x&b=2&a=1#top and https://example.com/a?a=1&b=2 as one
// object. The rules (docs/text.md has the full list):
//   - scheme and host lowercased; http and https are one scheme (written https);
//   - leading www. / m. / mobile. host labels stripped; default ports, user info and the
//     fragment dropped; telegram.me, telegram.dog -> t.me; twitter.com -> x.com;
//     youtu.be/ID -> youtube.com/watch?v=ID;
//   - tracking parameters dropped (utm_*, fbclid, gclid, si, igshid, ref_src, ...), the rest
//     sorted; percent escapes upper-cased and unreserved ones decoded; a trailing '/' dropped;
//   - t.me/s/NAME/1 == t.me/NAME/1; x.com/USER/status/ID[/photo/1] == x.com/i/status/ID;
//     Telegram and X user names lowercased (both services ignore their case).
// A string without a scheme ("www.example.com/a", "t.me/x") is read as an http(s) URL.
//
// Thread-safety: pure functions, safe to call concurrently.
#pragma once

#include <string>
#include <string_view>

#include "text/normalize.h"  // normalize_hashtag lives there; included for callers of url.h

namespace groundswell {

std::string canonical_url(std::string_view url);

// The domain used by the `domain` behaviour: the canonical host (lowercased, www./m./mobile.
// stripped, the aliases above applied), without port. Deliberately not a public-suffix
// registrable domain: news.bbc.co.uk and www.bbc.co.uk stay distinct (docs/text.md).
std::string url_domain(std::string_view url);

}  // namespace groundswell
