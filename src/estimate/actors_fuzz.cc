// Fuzz target: the actors file (TOML, estimate/actors.h). The input is the file; its own
// bytes are also matched as a message text. A file either parses into 1 to 64 actors with
// unique non-empty names and something to match by, or is refused with a message; a matcher
// built from it sets bits only for its actors and matches every marker's own text for that
// marker's actor (as support or, when an opposition marker also matches, opposition).
#include <string>
#include <string_view>

#include "base/fuzz.h"
#include "estimate/actors.h"
#include "text/normalize.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace gs = groundswell;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto set = gs::parse_actors(text, "fuzz.toml");
  if (!set.ok()) {
    GS_FUZZ_CHECK(!set.status().message().empty(), "refused without a message");
    return 0;
  }
  const auto& actors = set->actors;
  GS_FUZZ_CHECK(!actors.empty() && actors.size() <= gs::kMaxActors, "%zu actors", actors.size());
  for (std::size_t i = 0; i < actors.size(); ++i) {
    GS_FUZZ_CHECK(!actors[i].name.empty(), "actor without a name");
    for (std::size_t j = 0; j < i; ++j)
      GS_FUZZ_CHECK(actors[i].name != actors[j].name, "actor %s twice", actors[i].name.c_str());
    GS_FUZZ_CHECK(
        !actors[i].sources.empty() || !actors[i].markers.empty() || !actors[i].regexes.empty(),
        "actor %s matches nothing", actors[i].name.c_str());
  }
  gs::Dataset empty;
  auto matcher = gs::ActorMatcher::create(*set, empty);
  if (!matcher.ok()) return 0;  // an invalid regex, refused with a message
  const std::uint64_t all =
      actors.size() == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << actors.size()) - 1;
  auto check = [&](std::string_view message) {
    auto m = matcher->match_text(message);
    GS_FUZZ_CHECK((m.support & ~all) == 0 && (m.opposition & ~all) == 0, "bit of no actor");
    return m;
  };
  check(text);
  for (std::size_t k = 0; k < actors.size(); ++k) {
    for (const auto& marker : actors[k].markers) {
      if (gs::normalize_key(marker).empty()) continue;
      auto m = check(marker);
      GS_FUZZ_CHECK(((m.support | m.opposition) >> k) & 1,
                    "marker [%s] of actor %zu does not match its own text", marker.c_str(), k);
    }
  }
  return 0;
}
