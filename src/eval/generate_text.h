// Text, time and JSON helpers for the synthetic-data generator (groundswell-generate).
//
// The generator regenerates a message's text from a small ContentSpec (a seed plus a few
// flags) whenever it needs it, so it never keeps message texts in memory: a retweet in a
// later page regenerates its original's text from the original's spec. Everything here is a
// pure function of its inputs: same spec, same bytes, on any platform (the random helpers do
// not use std::*_distribution, whose output differs between standard libraries).
//
// Thread-safety: plain functions and values; Content and GenRng are not shared.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace groundswell::gen {

// Seeded randomness with portable distributions. The simulation draws from one
// std::mt19937_64; per-message details (words of a text, metrics, link codes) come from
// stream(seed), a splitmix64 sequence that costs nothing to start, so a text can be rebuilt
// from its seed alone.
class GenRng {
 public:
  explicit GenRng(std::uint64_t seed) { engine_.emplace(seed); }
  static GenRng stream(std::uint64_t seed) {
    GenRng r;
    r.state_ = seed;
    return r;
  }
  std::uint64_t next() {
    if (engine_) return (*engine_)();
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n); n > 0.
  std::uint64_t below(std::uint64_t n) { return next() % n; }
  std::int64_t between(std::int64_t lo, std::int64_t hi) {  // inclusive
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo + 1)));
  }
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  bool chance(double p) { return unit() < p; }
  double exponential(double mean);
  double normal();
  double lognormal(double median, double sigma);
  std::int64_t poisson(double mean);
  // Pareto with minimum 1 and tail index alpha, capped.
  double pareto(double alpha, double cap);

 private:
  GenRng() = default;
  std::optional<std::mt19937_64> engine_;
  std::uint64_t state_ = 0;
};

// Mixes a seed with a tag into an independent seed (splitmix64 finaliser).
std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t tag);

enum class Lang : std::uint8_t { kFa = 0, kEn = 1 };
std::string_view lang_code(Lang lang);

// The movements simulated as actors: names, markers and sites, fixed and fictional.
struct ActorVocab {
  std::string_view name;        // English name, used in actors.toml
  std::string_view name_fa;     // Persian name
  std::string_view hashtag_fa;  // without '#'
  std::string_view hashtag_en;
  std::string_view keyword_fa;  // a phrase supporters write
  std::string_view keyword_en;
  std::string_view opposition_fa;  // hashtag without '#' used by opponents
  std::string_view opposition_en;
  std::string_view site;  // host of the actor's web site
  std::string_view slug;  // ASCII stem for handles and channel usernames
};
inline constexpr int kActorCount = 3;
const ActorVocab& actor_vocab(int actor);

// What a message talks about: everyday and political talk, or the live football match (its
// own words around the match hashtag, never a movement's markers).
enum class Topic : std::uint8_t { kEveryday, kMatch };
inline constexpr std::string_view kMatchHashtagFa = "دربی_تهران";  // without '#'
inline constexpr std::string_view kMatchHashtagEn = "TehranDerby";

// What a message says, compactly: the text is a pure function of this.
struct ContentSpec {
  std::uint64_t seed = 0;
  Lang lang = Lang::kFa;
  std::int8_t actor = -1;     // actor whose markers appear, -1 none
  std::int8_t stance = 0;     // +1 support, -1 opposition (only with actor >= 0)
  std::uint8_t url_kind = 0;  // 0 none, 1 news site, 2 actor site, 3 t.me link
  bool mention = false;
  // When non-zero the URL comes from this seed instead of `seed`: co-link pushers write
  // different texts around one URL.
  std::uint64_t url_seed = 0;
  Topic topic = Topic::kEveryday;
};

enum class PieceKind : std::uint8_t { kPlain, kHashtag, kMention, kUrl, kTextLink, kBold };
std::string_view piece_type_name(PieceKind kind);  // Telegram Desktop entity type names

struct Piece {
  PieceKind kind = PieceKind::kPlain;
  std::string text;  // as shown; hashtags with '#', mentions with '@'
  std::string href;  // kTextLink only
};

// A message text as a sequence of pieces (plain runs and entities). Reused across messages:
// clear() keeps the strings' capacity.
class Content {
 public:
  void clear() { size_ = 0; }
  Piece& add(PieceKind kind);
  void add_plain(std::string_view text);
  std::size_t size() const { return size_; }
  const Piece& operator[](std::size_t i) const { return pieces_[i]; }
  Piece& operator[](std::size_t i) { return pieces_[i]; }
  // The whole text as written.
  void flatten(std::string* out) const;

 private:
  std::vector<Piece> pieces_;
  std::size_t size_ = 0;
};

// Handles that may be mentioned (popular accounts); may be empty.
struct TextContext {
  const std::vector<std::string>* mention_handles = nullptr;
};

// Builds the text of `spec` into `out`.
void build_content(const ContentSpec& spec, const TextContext& context, Content* out);

// The copy-paste campaigns' disguises. Spelling variants keep the normalization key of
// docs/contract.md §5.1 unchanged (Arabic yeh/kaf, ZWNJ -> space, Persian/ASCII digits, tatweel), tracking
// parameters keep the canonical URL unchanged. `near_duplicate` also adds or drops a word so
// only near-duplicate matching links the copies.
void apply_variants(std::uint64_t variant_seed, bool near_duplicate, Content* content);
void add_tracking_parameters(GenRng& rng, std::string* url);

// Random display names and handles.
std::string_view random_first_name(GenRng& rng, Lang lang);
std::string_view random_last_name(GenRng& rng, Lang lang);
// Names by index: for indexes below kPersianFirstNames / kPersianLastNames the English list holds
// the Latin transliteration of the Persian name, so handles and display names agree.
inline constexpr std::size_t kPersianFirstNames = 20, kPersianLastNames = 16;
std::string_view first_name(std::size_t index, Lang lang);
std::string_view last_name(std::size_t index, Lang lang);
std::string_view random_word_ascii(GenRng& rng);
std::string_view random_emoji(GenRng& rng);
std::string_view random_bio(GenRng& rng, Lang lang);
std::string_view random_client(GenRng& rng);
std::string_view random_city(GenRng& rng);

// UTF-16 code units / code points in a UTF-8 string (entity offsets: Telegram counts UTF-16,
// Twitter API v2 counts code points).
std::size_t utf16_length(std::string_view s);
std::size_t codepoint_length(std::string_view s);

// Time formatting. `ms` is milliseconds since the Unix epoch, UTC.
void append_iso_seconds(std::string& out, std::int64_t ms);   // 2024-03-01T10:00:00
void append_iso_offset(std::string& out, std::int64_t ms);    // ...T10:00:00+00:00
void append_iso_millis_z(std::string& out, std::int64_t ms);  // ...T10:00:00.000Z
void append_minute_space(std::string& out, std::int64_t ms);  // 2024-03-01 10:00
void append_date(std::string& out, std::int64_t ms);          // 2024-03-01
// Day of week, 0 = Monday.
int weekday_of(std::int64_t ms);

// JSON string literal (with quotes). ascii_only escapes every non-ASCII code point as
// \uXXXX (surrogate pairs above U+FFFF), as Python's json.dumps does by default.
void append_json_string(std::string& out, std::string_view s, bool ascii_only);
void append_int(std::string& out, std::int64_t v);
void append_uint(std::string& out, std::uint64_t v);
// RFC 4180 field: quoted when it holds a comma, quote, CR or LF.
void append_csv_field(std::string& out, std::string_view s);

}  // namespace groundswell::gen
