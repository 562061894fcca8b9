// URL canonicalization, domains and hashtag comparison forms (docs/contract.md §5.1): links and
// tags that a person would call the same must compare equal, and different ones must not.
#include "text/url.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace groundswell {
namespace {

struct UrlCase {
  const char* input;
  const char* expected;
};

TEST(CanonicalUrl, Table) {
  const std::vector<UrlCase> cases = {
      {"HTTP://WWW.Example.COM/Path", "https://example.com/Path"},
      {"http://example.com/a", "https://example.com/a"},
      {"http://example.com:80/a", "https://example.com/a"},
      {"https://example.com:443/a", "https://example.com/a"},
      {"https://example.com:8080/a", "https://example.com:8080/a"},
      {"https://example.com/a#section", "https://example.com/a"},
      {"https://example.com/a?utm_source=tw&utm_medium=x&id=5", "https://example.com/a?id=5"},
      {"https://example.com/a?UTM_Campaign=x&id=5", "https://example.com/a?id=5"},
      {"https://example.com/a?fbclid=abc&gclid=def&q=1", "https://example.com/a?q=1"},
      {"https://open.spotify.com/track/1?si=abc", "https://open.spotify.com/track/1"},
      {"https://instagram.com/p/xyz/?igshid=abc", "https://instagram.com/p/xyz"},
      {"https://example.com/a?ref_src=twsrc&x=1", "https://example.com/a?x=1"},
      {"https://example.com/a?b=2&a=1&c=3", "https://example.com/a?a=1&b=2&c=3"},
      {"https://example.com/a?&&b=2&", "https://example.com/a?b=2"},
      {"https://example.com/a?utm_source=x", "https://example.com/a"},
      {"https://t.me/s/channel/123", "https://t.me/channel/123"},
      {"https://t.me/s/s/Gre", "https://t.me/gre"},
      {"https://t.me/S/a?2ra", "https://t.me/a?2ra"},
      {"https://telegram.me/Channel/5", "https://t.me/channel/5"},
      {"https://telegram.dog/channel", "https://t.me/channel"},
      {"https://twitter.com/User/status/123?s=20&t=abc", "https://x.com/i/status/123"},
      {"https://mobile.twitter.com/user/status/123/photo/1", "https://x.com/i/status/123"},
      {"https://x.com/i/web/status/123", "https://x.com/i/status/123"},
      {"https://twitter.com/SomeUser", "https://x.com/someuser"},
      {"https://m.facebook.com/story.php?story_fbid=1&id=2",
       "https://facebook.com/story.php?id=2&story_fbid=1"},
      {"https://youtu.be/dQw4w9WgXcQ?si=abc", "https://youtube.com/watch?v=dQw4w9WgXcQ"},
      {"https://www.youtube.com/watch?v=dQw4w9WgXcQ&feature=share",
       "https://youtube.com/watch?v=dQw4w9WgXcQ"},
      {"https://youtube.com/watch?v=abc&t=42", "https://youtube.com/watch?t=42&v=abc"},
      {"www.example.com/a/", "https://example.com/a"},
      {"https://example.com/", "https://example.com"},
      {"https://user:pw@example.com/a", "https://example.com/a"},
      {"https://example.com/%7euser/%2f", "https://example.com/~user/%2F"},
      {"https://example.com./a", "https://example.com/a"},
      {"https://m.co/a", "https://m.co/a"},
      {"https://mobile.example.com/a", "https://example.com/a"},
      {"ftp://Example.com/a", "ftp://example.com/a"},
      {"  https://example.com/a  ", "https://example.com/a"},
      {"https://fa.wikipedia.org/wiki/%D8%A7", "https://fa.wikipedia.org/wiki/%D8%A7"},
  };
  for (const UrlCase& c : cases) {
    EXPECT_EQ(canonical_url(c.input), c.expected) << c.input;
    EXPECT_EQ(canonical_url(c.expected), c.expected) << "not a fixed point: " << c.expected;
  }
}

TEST(CanonicalUrl, VariantsOfOneLinkAreEqual) {
  const std::string a = canonical_url("https://t.me/s/news_channel/42");
  EXPECT_EQ(a, canonical_url("http://t.me/news_channel/42"));
  EXPECT_EQ(a, canonical_url("t.me/news_channel/42"));
  EXPECT_EQ(a, canonical_url("https://telegram.me/News_Channel/42/"));
  const std::string b = canonical_url("https://twitter.com/a/status/99");
  EXPECT_EQ(b, canonical_url("https://x.com/b/status/99?s=46"));
  EXPECT_EQ(b, canonical_url("http://mobile.twitter.com/a/status/99#m"));
}

// Found by fuzzing (tests/fuzz/corpus/normalize/url_space_before_fragment): white space left
// before a dropped fragment made the canonical form change when canonicalized again.
TEST(CanonicalUrl, WhiteSpaceBeforeTheFragmentIsDropped) {
  const std::string c = canonical_url("https://example.com/a \t#top");
  EXPECT_EQ(c, canonical_url("https://example.com/a"));
  EXPECT_EQ(canonical_url(c), c);
}

// Found by fuzzing (tests/fuzz/corpus/normalize/url_host_dot_after_colon,
// url_host_nul_before_colon, youtu_be_id_with_ampersand and url_escape_after_bare_percent): a
// '%' starting no escape before a decoded one, a trailing dot or control byte
// left at the end of the host once the port was read, and white space left at the end of the
// path or of a query part, ended the canonical form, and reading it again trimmed them; an
// '&' in a youtu.be id split its v= value when read again.
TEST(CanonicalUrl, HostReadsBackAsItself) {
  using namespace std::string_view_literals;
  for (std::string_view url :
       {"https:./example.com/a"sv, "x:.:/a"sv, "x.:/a"sv, "example.com.:8080/a"sv,
        "example.com:8080./a"sv, "a:80:8080/b"sv, "[::1]:8080./a"sv, "HTTPtele\0:"sv,
        "a/b ?utm_source=1"sv, "a/b \t/"sv, "a?b \x01&a"sv, "youtu.be/ab /c"sv, "a.com \0/b"sv,
        "youtu.be/ab&z?q"sv, "a/%%66%6"sv, "a?x=%%36%36&y=%"sv}) {
    const std::string c = canonical_url(url);
    EXPECT_EQ(canonical_url(c), c) << url;
    EXPECT_EQ(url_domain(c), url_domain(url)) << url;
  }
  EXPECT_EQ(canonical_url("https:./example.com/a"), "https://https/example.com/a");
  EXPECT_EQ(canonical_url("example.com.:8080/a"), "https://example.com:8080/a");
  EXPECT_EQ(url_domain("example.com:8080./a"), "example.com");
  EXPECT_EQ(canonical_url("HTTPtele\0:"sv), "https://httptele");
  EXPECT_EQ(canonical_url("a/b ?utm_source=1"), "https://a/b");
  EXPECT_EQ(canonical_url("a?b \x01&a"), "https://a?a&b");
  EXPECT_EQ(canonical_url("youtu.be/ab&z?q"), "https://youtube.com/watch?q&v=ab%26z");
  EXPECT_EQ(canonical_url("a/%%66%6"), "https://a/%25f%256");
}

TEST(CanonicalUrl, DifferentContentStaysDifferent) {
  EXPECT_NE(canonical_url("https://example.com/a?id=1"), canonical_url("https://example.com/a?id=2"));
  EXPECT_NE(canonical_url("https://t.me/x/1"), canonical_url("https://t.me/x/2"));
  EXPECT_NE(canonical_url("https://x.com/i/status/1"), canonical_url("https://x.com/i/status/2"));
  EXPECT_NE(canonical_url("https://example.com:8080/a"), canonical_url("https://example.com/a"));
  // Only X ignores s and t: they are content on other sites.
  EXPECT_NE(canonical_url("https://example.com/a?t=1"), canonical_url("https://example.com/a?t=2"));
}

TEST(CanonicalUrl, SurvivesHostileStrings) {
  // Links come from hostile posts: any byte string must give some string, never a crash.
  const std::vector<std::string> pieces = {"http", "://", "@", ":", "/", "?", "&", "=", "#", "%", "%4",
                                           "[", "]", "www.", "m.", "t.me", "x.com", "s", "status", "1",
                                           "utm_a", "\xFF", "é", "."};
  std::mt19937_64 rng(99);
  for (int iter = 0; iter < 5000; ++iter) {
    std::string url;
    for (size_t p = rng() % 12; p > 0; --p) url += pieces[rng() % pieces.size()];
    const std::string canon = canonical_url(url);
    EXPECT_EQ(canon.find('#'), std::string::npos) << url;
    EXPECT_NE(canon.find("://"), std::string::npos) << url;
    (void)url_domain(url);
  }
}

TEST(UrlDomain, IsTheCanonicalHost) {
  EXPECT_EQ(url_domain("https://www.bbc.co.uk/news/1"), "bbc.co.uk");
  EXPECT_EQ(url_domain("https://news.bbc.co.uk/1"), "news.bbc.co.uk");
  EXPECT_EQ(url_domain("https://mobile.twitter.com/x"), "x.com");
  EXPECT_EQ(url_domain("http://Example.com:8080/a"), "example.com");
  EXPECT_EQ(url_domain("https://m.youtube.com/watch?v=1"), "youtube.com");
  EXPECT_EQ(url_domain("https://telegram.me/x"), "t.me");
  EXPECT_EQ(url_domain("www.iranintl.com/202301"), "iranintl.com");
}

TEST(NormalizeHashtag, VariantsMatch) {
  const std::string base = normalize_hashtag("#آزادی");
  EXPECT_EQ(base, "ازادی");
  EXPECT_EQ(normalize_hashtag("#ازادی"), base);
  EXPECT_EQ(normalize_hashtag("#آزادـــی"), base);        // kashida
  EXPECT_EQ(normalize_hashtag("#آزا\u200Cدی"), base);     // ZWNJ inside
  EXPECT_EQ(normalize_hashtag("#آزادی\u200C"), base);     // trailing ZWNJ
  EXPECT_EQ(normalize_hashtag("#ازادي"), base);           // Arabic yeh
  EXPECT_EQ(normalize_hashtag("آزادی"), base);            // without '#'
  EXPECT_EQ(normalize_hashtag("\u200F#آزادی"), base);     // bidi mark before the sign
}

TEST(NormalizeHashtag, LatinAndDigits) {
  EXPECT_EQ(normalize_hashtag("#MahsaAmini"), "mahsaamini");
  EXPECT_EQ(normalize_hashtag("＃FREEDOM"), "freedom");
  EXPECT_EQ(normalize_hashtag("#۱۴۰۱"), "1401");
  EXPECT_EQ(normalize_hashtag("#زن_زندگی_آزادی"), "زن_زندگی_ازادی");
  EXPECT_NE(normalize_hashtag("#MahsaAmini"), normalize_hashtag("#مهسا_امینی"));
  EXPECT_NE(normalize_hashtag("#آزادی"), normalize_hashtag("#آزاده"));
}

}  // namespace
}  // namespace groundswell
