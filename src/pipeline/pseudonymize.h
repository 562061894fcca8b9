// --pseudonymize KEY (docs/contract.md §7): account ids and handles in every output replaced by a
// keyed hash, so results can be published under research-ethics rules while staying linkable across
// files and runs made with the same key. docs/privacy.md describes the scheme and its limits.
//
// Detection, signals and estimation run on the raw data (signals read handle shapes, actors
// files name raw handles); pseudonymization is applied just before outputs are written:
//   Pseudonymizer p(key);
//   NameScrubber scrub(dataset, p);           // the raw names, for free text and paths
//   pseudonymize(dataset, p, scrub);          // ids, handles, keys, mentions, text
//   pseudonymize(detection, dataset, p, scrub);  // re-oriented and re-sorted by pseudonym
//   write_detection_outputs(dataset, detection, ...);
//   export_pseudonymized_store(raw_store, out / "groundswell.db", p, scrub);
//
// Promises: a pseudonym is a pure function of (key, string): the same key gives the same
// pseudonyms in every file, run and database export; another key gives unrelated ones. The
// key itself is never stored or printed; only fingerprint() (a short HMAC of a fixed label)
// is recorded so two outputs can be checked for the same key.
//
// Thread-safety: a Pseudonymizer caches handle pseudonyms and belongs to one thread at a
// time; the free functions are pure apart from their in/out arguments.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/sha256.h"
#include "detect/detect.h"
#include "groundswell/status.h"
#include "report/report_data.h"
#include "store/dataset.h"
#include "store/store.h"

namespace groundswell {

// What stands in for a reject's excerpt (raw input bytes) in every pseudonymized output.
inline constexpr std::string_view kWithheldExcerpt = "[withheld: --pseudonymize]";

// The environment variable that can hold the --pseudonymize key.
inline constexpr std::string_view kPseudonymKeyVariable = "GROUNDSWELL_PSEUDONYM_KEY";

// Where a --pseudonymize key comes from, in the order a user should prefer: a file that only
// they can read, the environment (kPseudonymKeyVariable), or the command line, where other
// users of the machine see it (ps) and the shell keeps it in its history.
struct PseudonymKeySources {
  std::string key_file;     // --pseudonymize-key-file FILE: the file's bytes, without a final
                            // line break ("\n" or "\r\n")
  std::string environment;  // the variable's value ("" when unset)
  std::string command_line; // --pseudonymize KEY
};
struct PseudonymKey {
  std::string key;   // "" = outputs are not pseudonymized
  std::string from;     // where it came from, for the log: "--pseudonymize-key-file x", ...
  std::string warning;  // how the key may leak, for the log; "" when it may not
  bool explicitly_asked = false;  // given as an option (not only set in the environment)
};
// Picks the key: the command line and the key file exclude each other (a usage error names
// both); either wins over the environment. A key file that cannot be read or is empty is an
// error naming it; a key file others can read, and a key on the command line, come with a
// warning.
Result<PseudonymKey> resolve_pseudonym_key(const PseudonymKeySources& sources);

class Pseudonymizer {
 public:
  explicit Pseudonymizer(std::string_view key);

  // "a_" + 20 hex digits (80 bits) of HMAC(key, "id:" + id); "" stays "".
  std::string account_id(std::string_view id) const;
  // "h_" + 20 hex digits of HMAC(key, "handle:" + lower-cased handle without a leading '@');
  // "" stays "". A leading '@' is kept in the result ("@x" -> "@h_...").
  std::string handle(std::string_view handle) const;
  // An entry of a message's mentions: handle(), except that a bare number is a user id (the
  // Twitter IO archives list mentioned users by id) and gets account_id().
  std::string mention(std::string_view m) const;
  // A channel, group or timeline id: the account_id() pseudonym, since Telegram chats are
  // accounts ("channel123" is both a chat id and the channel's account id).
  std::string chat_id(std::string_view chat) const { return account_id(chat); }
  // A reply_to / shares / quotes key: its account part pseudonymized with account_id(), a
  // trailing post number ("/5"), time ("@1700000000") or text hash ("|0123...") kept. A bare
  // number (a tweet id) names no account and is kept.
  std::string item_key(std::string_view key) const;
  // Free text: every "@name" ([A-Za-z0-9_]+, the Telegram/Twitter username alphabet) becomes
  // "@" + handle(name); t.me/NAME, telegram.me/NAME, twitter.com/NAME and x.com/NAME links
  // get handle(NAME) (t.me/c/ID gets account_id("channel" + ID)).
  std::string text(std::string_view text) const;
  // A detection object key of behaviour b (share/reply: item_key; mention: handle; link and
  // text: text(); domain, hashtag, media, post: unchanged).
  std::string object_key(Behaviour b, std::string_view key) const;
  // messages.digest is an unkeyed hash of the raw record (account id included): published as
  // is, it would confirm a guessed account for a message. This keyed replacement keeps
  // equal digests equal and hides the rest: the first 8 bytes of HMAC(key, "digest:" + value).
  std::int64_t digest(std::int64_t raw) const;
  // 16 hex digits of HMAC(key, "groundswell key fingerprint"): tells whether two outputs were
  // made with the same key without revealing it.
  const std::string& fingerprint() const { return fingerprint_; }

 private:
  std::string hex_mac(std::string_view prefix, std::string_view message) const;
  void rewrite_handle_links(std::string_view text, std::string& out) const;

  HmacSha256 mac_;
  std::string fingerprint_;
  mutable std::unordered_map<std::string, std::string> handle_cache_, id_cache_;
};

// Replaces whole [A-Za-z0-9_]+ tokens that equal a known raw account id or handle (from the
// raw dataset) by their pseudonyms: for file paths and run parameters, where an account's
// name may appear without an '@' (a per-channel export named after the channel).
class NameScrubber {
 public:
  NameScrubber(const Dataset& raw, const Pseudonymizer& p);
  std::string operator()(std::string_view text) const { return scrub(text, true); }
  // Free text: only the raw account ids ("from uid10" in a message); a handle written
  // without '@' may be an ordinary word there, and stays.
  std::string ids_in(std::string_view text) const { return scrub(text, false); }
  // Free text as published: Pseudonymizer::text(), then ids_in().
  std::string text(std::string_view text) const { return ids_in(p_.text(text)); }

 private:
  std::string scrub(std::string_view text, bool handles) const;

  // Looked up by string_view: a scrub costs no allocation per word of text.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Map = std::unordered_map<std::string, std::string, Hash, std::equal_to<>>;

  const Pseudonymizer& p_;
  Map ids_, handles_;  // raw -> pseudonym
  std::size_t min_length_ = SIZE_MAX, max_length_ = 0;  // of the names, to skip other words
};

// Rewrites every column of the dataset that names an account: account_id, account_handle,
// display names (replaced by the handle pseudonym, or empty), descriptions (emptied),
// msg_chat_id, msg_shares/msg_reply_to/msg_quotes, msg_mentions, msg_text and msg_urls.
// `scrubber` is built from the raw dataset, before this call.
void pseudonymize(Dataset& data, const Pseudonymizer& p, const NameScrubber& scrubber);

// Makes a detection result of the raw dataset fit the pseudonymized one: account ranks,
// edge orientation (undirected: source's pseudonym < target's in byte order) and edge order
// follow the pseudonyms; cluster members are re-sorted; object keys and top objects are
// pseudonymized. Cluster ids, weights and p-values are unchanged. `data` is pseudonymized.
void pseudonymize(DetectionResult& result, const Dataset& data, const Pseudonymizer& p,
                  const NameScrubber& scrubber);

// Signal reasons quote the raw handle ("handle 'x' looks machine-made"): that quote becomes
// the handle pseudonym. `raw` is the dataset before pseudonymize().
void pseudonymize_reasons(std::vector<std::string>& reasons, const Dataset& raw,
                          const Pseudonymizer& p);


// The report's provenance under pseudonymization: reject excerpts withheld (they are raw
// input bytes), file paths with account names in them rewritten (NameScrubber).
void pseudonymize_provenance(ReportProvenance& provenance, const NameScrubber& scrubber);

// Copies rejects.jsonl with every excerpt withheld (file, line, offset and reason kept).
Status write_pseudonymized_rejects(const std::filesystem::path& raw_rejects,
                                   const std::filesystem::path& out, const NameScrubber& scrubber);

// Writes a pseudonymized copy of the store to `out` (replaced if it is an earlier export;
// refused if it holds raw data): ids, handles, chat ids, keys, mentions, text and URLs
// pseudonymized, display names replaced by handle pseudonyms, descriptions, raw JSON and
// reject excerpts cleared, file paths scrubbed, and the export recorded in `runs` with the
// key fingerprint. The copy is a normal store: `groundswell report --db` reads it.
Status export_pseudonymized_store(Store& raw, const std::filesystem::path& out,
                                  const Pseudonymizer& p, const NameScrubber& scrubber);

// True when the database at `path` is a pseudonymized export (or does not exist).
bool is_pseudonymized_export(const std::filesystem::path& path);

}  // namespace groundswell
