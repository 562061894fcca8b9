// Reading the fields of a record, shared by readers (today the Telegram and Twitter ones:
// telegram-export, telethon, telegram-csv, twitter-io, twitter-v2, twitter-v1): JSON and CSV
// field accessors (strings, integers, booleans, counters, times, languages), hashtag /
// mention / URL extraction from text where a format has no entities, the key of a Telegram
// Desktop forward (which names its source but not the original post), Telegram peer ids,
// reaction tallies and a per-file "first time this account is seen" filter.
//
// docs/formats.md states every rule implemented here; the rules are part of the data contract
// (a change alters `shares` keys and extracted entities of stored data).
//
// Thread-safety: functions are pure; class instances belong to one reader (one thread).
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "groundswell/model.h"
#include "groundswell/status.h"
#include "ingest/input.h"
#include "ingest/reader.h"

namespace groundswell {

// Appends to m.hashtags, m.mentions and m.urls what `text` contains, by these rules:
// a hashtag is '#' (or '＃') and a mention is '@' (or '＠'), not preceded by a word character,
// followed by one or more word characters (letters, marks and digits of any script,
// underscore, and ZWNJ inside the word), stored without the sign; a URL starts with
// "http://" or "https://" (any case) and runs to the next whitespace or '<', '>', '"',
// with trailing . , ; : ! ? ' ) ] } removed (a ')' only while the URL has more ')' than '(').
void extract_text_entities(std::string_view text, MessageRecord& m);

// The text as a forward key sees it: runs of Unicode whitespace collapsed to one space,
// leading/trailing spaces removed, each code point simple-case-folded (ICU u_foldCase).
void fold_text_for_key(std::string_view text, std::string& out);

// shares key of a Telegram Desktop forward: "name:" + source name + "|" + 16 lowercase hex
// digits of XXH3-64 (seed 0) of fold_text_for_key(text). "" when the folded text is empty
// (nothing identifies the original then).
std::string forwarded_name_key(std::string_view source_name, std::string_view text);

// Telegram peer id in the export form: {"_":"PeerChannel","channel_id":1} -> "channel1",
// PeerChat -> "chat1", PeerUser -> "user1"; a bare integer is a user ("user1"); a string
// already in that form is kept. False when absent or null or of another shape.
bool telegram_peer_id(simdjson::dom::element value, std::string& out);
// Same for obj[key].
bool telegram_peer_field(simdjson::dom::element obj, std::string_view key, std::string& out);

// Sums reaction counts and writes the per-reaction detail as a JSON object (key -> count,
// keys in first-seen order, a repeated key summed).
class ReactionTally {
 public:
  void clear();
  void add(std::string_view key, std::int64_t count);
  bool empty() const { return keys_.empty() && total_ == 0; }
  std::int64_t total() const { return total_; }
  // Sets m.reactions and m.reactions_detail (detail "" when no key was named).
  void store(MessageRecord& m) const;

 private:
  std::vector<std::pair<std::string, std::int64_t>> keys_;
  std::int64_t total_ = 0;
};

// Remembers which account ids were already emitted from one file, so a reader that sees the
// author's metadata on every row emits one AccountRecord per author per file. Memory grows
// with distinct accounts (8 to 16 bytes each, an open-addressing table of their 64-bit
// hashes: no allocation per account), not with records.
class SeenAccounts {
 public:
  // True the first time `id` is offered.
  bool first(std::string_view id);

 private:
  void grow();

  std::vector<std::uint64_t> slots_;  // hashes; 0 = empty (a hash of 0 is kept in zero_seen_)
  std::size_t used_ = 0;
  bool zero_seen_ = false;
};

// Small JSON accessors: the string at obj[key] (false if absent/not a string); an integer
// (also from a numeric string); a boolean (also "true"/"True"/"1").
bool json_str(simdjson::dom::element obj, std::string_view key, std::string_view& out);
bool json_int(simdjson::dom::element obj, std::string_view key, std::int64_t& out);
bool json_bool(simdjson::dom::element obj, std::string_view key, bool& out);
// A language code as the message's `lang`: "und" (undetermined, as Twitter writes it) and ""
// mean no language, so the same tweet gives the same `lang` from every Twitter format.
void assign_lang(std::string& out, std::string_view code);
// Parses a CSV/text boolean: true/True/TRUE/1/yes -> true.
bool text_is_true(std::string_view s);

// A counter cell of a CSV: an integer, or a float such as "12.0" as some archives write them;
// empty means not reported (kAbsent). False for anything else: negative, not a number,
// infinite, or beyond a 64-bit integer.
bool parse_count_cell(std::string_view s, std::int64_t& out);

// True if the first line of `head` (a CSV header) has a column `name` (lower case;
// comparison ignores case, quotes and spaces).
bool csv_header_has(std::string_view head, std::string_view name);

// Fills `m.time` from a JSON value (string or number) at obj[key]; returns a reject reason.
std::string json_time_field(simdjson::dom::element obj, std::string_view key, MessageRecord& m,
                            std::int64_t tz_offset_s);

}  // namespace groundswell
