// The canonical model (docs/contract.md §3): what every reader produces and the store keeps.
//
// Readers fill a MessageRecord / AccountRecord and hand it to a RecordSink; the records are
// reused between calls (clear() keeps capacity), so a reader allocates nothing per record
// once warmed up. Ids are the platform's native ids as text here; the store interns them to
// dense integers (accounts.id, messages.id) for everything downstream.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace groundswell {

// Milliseconds since the Unix epoch, UTC. kNoTime marks "absent".
using TimeMs = std::int64_t;
inline constexpr TimeMs kNoTime = INT64_MIN;
// Counters absent from the source are -1, never 0: "not reported" differs from "none".
inline constexpr std::int64_t kAbsent = -1;

enum class RecordKind : std::uint8_t { kPost = 0, kEvent = 1 };  // event = service message

struct MessageRecord {
  std::string platform;    // telegram, twitter, or the input's name
  std::string chat_id;     // channel/group/timeline the message appeared in ("" if none)
  std::string message_id;  // unique within platform + chat
  std::string account_id;  // author; for a Telegram channel post the channel itself
  std::string account_handle;
  std::string display_name;  // author's display name when the record carries it
  TimeMs time = kNoTime;
  std::int32_t time_resolution_ms = 1000;  // 1 = ms, 1000 = s, 60000 = minute-resolution source
  std::string text;
  std::string lang;
  std::string reply_to;  // platform-qualified id of the message replied to
  std::string shares;    // original item this message forwards/retweets
  std::string quotes;    // quoted item
  std::vector<std::string> urls;  // as written
  std::vector<std::string> hashtags;
  std::vector<std::string> mentions;
  std::string media_key;
  RecordKind kind = RecordKind::kPost;
  std::int64_t views = kAbsent, forwards = kAbsent, replies = kAbsent, reactions = kAbsent,
               likes = kAbsent, retweets = kAbsent, quotes_count = kAbsent;
  std::string reactions_detail;  // JSON object emoji -> count, "" if not given

  void clear();
};

enum class AccountKind : std::uint8_t { kUnknown = 0, kUser, kChannel, kGroup, kBot };
std::string_view to_string(AccountKind kind);

struct AccountRecord {
  std::string platform;
  std::string account_id;
  std::string handle;
  std::string display_name;
  TimeMs created_at = kNoTime;
  std::int64_t followers = kAbsent, following = kAbsent, posts = kAbsent;
  std::string description;
  int verified = -1;  // -1 unknown, 0 no, 1 yes
  AccountKind kind = AccountKind::kUnknown;

  void clear();
};

// Where a record came from, for rejects and evidence: file, 1-based line (0 if not
// line-oriented) and byte offset of the record's start in the decompressed stream.
struct Position {
  std::string_view file;
  std::uint64_t line = 0;
  std::uint64_t offset = 0;
};

// Receives what a reader finds. Implemented by the ingest pipeline and by tests.
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  virtual void message(const MessageRecord& m, const Position& where) = 0;
  // Account metadata that is not a message (users CSV rows, channel metadata lines). These
  // are counted as account records, not in records_read.
  virtual void account(const AccountRecord& a) = 0;
  // A record that could not be read. `excerpt` is cut to 200 bytes by the sink.
  virtual void reject(const Position& where, std::string_view reason, std::string_view excerpt) = 0;
  // A once-per-file warning (for example "no date_unixtime; parsed date in UTC").
  virtual void warn(const Position& where, std::string_view message) = 0;
};

}  // namespace groundswell
