// Actor definitions (docs/contract.md §5.7) and the rule deciding what each message expresses about
// each actor.
//
//   Result<ActorSet> actors = load_actors_file("actors.toml");   // or parse_actors(text)
//   ActorMatcher matcher(*actors, dataset);                        // compiles every marker once
//   std::vector<MessageStance> st = matcher.stances(dataset);      // per message, bit k = actor k
//
// TOML schema (docs/generator.md and docs/signals-and-estimation.md):
//   [[actor]]
//   name = "Green Horizon Front"            # required, unique
//   sources = ["channel1608", "@GreenHorizon", "telegram:channel1608"]
//   markers = ["#افق_سبز", "green horizon", "greenhorizon.example.org"]
//   regexes = ["green[ _]?horizon"]          # ICU regex on the normalization key
//   opposition = ["#NoGreenHorizon"]         # markers of naming without supporting
//   opposition_regexes = ["..."]             # optional
//
// What a message expresses (docs/signals-and-estimation.md §2):
//  - every message of one of A's sources is a support act for A;
//  - own words (a post, a reply, a quote's added text) are a support act for A when their
//    normalization key matches one of A's markers or regexes and none of A's opposition
//    markers or regexes, and an opposition act when they match an opposition marker;
//  - a plain re-post (a forward or retweet: `shares` set) is judged by the post it re-posts:
//    a support act when that post was written by one of A's sources or its text is a support
//    act for A, an opposition act when its text is an opposition act (and it is not A's).
//    The re-posted post is looked up in the data by its key; when it is not there, its
//    author is taken from the re-post's key (`channel123/456`, `name:<channel name>|...`) or
//    an "RT @handle:" prefix, and its text is the re-post's copy of it.
// Markers are normalized with the same key as the text (docs/contract.md §5.1) and must match on
// word boundaries (a letter, digit or '_' may not touch either end), so "#GreenHorizon" does not
// match "#GreenHorizonNo" and spelling variants do match. Multi-pattern matching is an Aho–Corasick
// automaton over the key's bytes.
//
// Thread-safety: an ActorMatcher is immutable after construction; stances() uses per-call
// scratch (one set of regex matchers per thread) and may run concurrently. At most 64 actors.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "groundswell/status.h"
#include "store/dataset.h"

namespace groundswell {

struct Actor {
  std::string name;
  std::vector<std::string> sources;
  std::vector<std::string> markers;
  std::vector<std::string> regexes;
  std::vector<std::string> opposition;
  std::vector<std::string> opposition_regexes;
};

struct ActorSet {
  std::vector<Actor> actors;  // in file order
};

// What one message expresses about each actor: bit k of `support` is a support act for actor
// k, bit k of `opposition` an opposition act (never both for the same actor).
struct MessageStance {
  std::uint64_t support = 0;
  std::uint64_t opposition = 0;
};

inline constexpr std::size_t kMaxActors = 64;

Result<ActorSet> parse_actors(std::string_view toml_text, std::string_view source_name = "actors");
Result<ActorSet> load_actors_file(const std::string& path);

class ActorMatcher {
 public:
  // Fails on an invalid regex (the message names the actor and the pattern).
  static Result<ActorMatcher> create(const ActorSet& actors, const Dataset& data);
  ActorMatcher(ActorMatcher&&) noexcept;
  ActorMatcher& operator=(ActorMatcher&&) noexcept;
  ~ActorMatcher();

  // Per message of `data` (the dataset the matcher was created for), in message order.
  std::vector<MessageStance> stances(const Dataset& data) const;
  // Per account: bit k set when the account is one of actor k's sources.
  const std::vector<std::uint64_t>& source_masks() const;
  // Support/opposition bits of one text (key computed inside); for tests.
  struct TextMatch {
    std::uint64_t support = 0, opposition = 0;
  };
  TextMatch match_text(std::string_view text) const;

 private:
  struct Impl;
  explicit ActorMatcher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace groundswell
