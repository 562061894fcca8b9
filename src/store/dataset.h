// The analysis view of a store: compact in-memory columns (struct of arrays) built from the
// database once, so detection, signals and estimation never touch SQLite on their hot paths.
//
// Accounts get dense indices 0..n-1 (in accounts.id order); messages are posts only (service
// events are left out), sorted by (time, messages.id) with messages without a time last.
// Strings live in one contiguous buffer per column (StringColumn), lists (urls, hashtags,
// mentions) as offsets into a flattened StringColumn (ListColumn), so a 10M-message dataset
// costs a few allocations, not tens of millions.
//
// load_dataset() keeps the columns in a file beside the store (X.db.columns,
// store/dataset_cache.h) and reads them from there while the store's data is unchanged.
// From the store itself it reads the messages in id ranges, one read-only connection per
// thread, each of which must see the caller's snapshot (else the caller's connection reads
// them all): the same columns as one connection, faster.
//
// Thread-safety: immutable after load; share freely between threads for reading.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/byte_buffer.h"
#include "groundswell/model.h"
#include "groundswell/status.h"

namespace groundswell {

class Store;

// A non-decreasing sequence of 64-bit offsets in 4 bytes each: their low 32 bits, and the
// positions at which the high bits step up (none while the offsets stay below 4 GiB). At 10M
// messages, 8-byte offsets were a tenth of the dataset.
class Offsets {
 public:
  std::size_t size() const { return low_.size(); }
  bool empty() const { return low_.empty(); }
  std::uint64_t operator[](std::size_t i) const { return steps_.empty() ? low_[i] : wide(i); }
  // v must be at least the last offset.
  void push_back(std::uint64_t v) {
    while (steps_.size() < (v >> 32)) steps_.push_back(low_.size());
    low_.push_back(static_cast<std::uint32_t>(v));
  }
  void reserve(std::size_t n) { low_.reserve(n); }
  void clear() {
    low_.clear();
    steps_.clear();
  }
  std::size_t bytes() const {
    return low_.size() * sizeof(std::uint32_t) + steps_.size() * sizeof(std::uint64_t);
  }

 private:
  friend struct DatasetCacheIo;
  // Offset i of a sequence past 4 GiB, out of line so that the common case stays small.
  [[gnu::noinline]] std::uint64_t wide(std::size_t i) const {
    return low_[i] + (static_cast<std::uint64_t>(std::upper_bound(steps_.begin(), steps_.end(), i) -
                                                  steps_.begin())
                      << 32);
  }
  std::vector<std::uint32_t> low_;
  std::vector<std::uint64_t> steps_;  // steps_[k]: the first position whose high bits exceed k
};

class StringColumn {
 public:
  std::size_t size() const { return offsets_.empty() ? 0 : offsets_.size() - 1; }
  std::string_view operator[](std::size_t i) const {
    const std::uint64_t begin = offsets_[i];
    return std::string_view(chars_.data() + begin, offsets_[i + 1] - begin);
  }
  void push_back(std::string_view s) {
    if (offsets_.empty()) offsets_.push_back(0);
    chars_.append(s);
    offsets_.push_back(chars_.size());
  }
  // Room for n strings of `chars` bytes in all: loading a column of known size then costs
  // one allocation instead of a doubling series (whose last step briefly holds 3x the bytes).
  void reserve(std::size_t n, std::size_t chars = 0) {
    offsets_.reserve(n + 1);
    chars_.reserve(chars);
  }
  std::size_t bytes() const { return chars_.size() + offsets_.bytes(); }
  std::size_t chars() const { return chars_.size(); }
  // Bytes allocated for characters, used or not (release() frees them).
  std::size_t capacity() const { return chars_.capacity(); }
  // Filling out of order: layout() sizes every row from its length (rows in order), then
  // set(i, s) copies row i, whose length must be lengths[i].
  void layout(std::span<const std::uint32_t> lengths) {
    offsets_.clear();
    offsets_.reserve(lengths.size() + 1);
    std::uint64_t end = 0;
    offsets_.push_back(end);
    for (std::uint32_t n : lengths) offsets_.push_back(end += n);
    chars_.clear();
    chars_.resize(end);
  }
  bool set(std::size_t i, std::string_view s) {
    if (offsets_[i + 1] - offsets_[i] != s.size()) return false;
    std::copy(s.begin(), s.end(), chars_.data() + offsets_[i]);
    return true;
  }
  // The rows of `o` after this column's.
  void append(const StringColumn& o) {
    if (o.offsets_.empty()) return;
    if (offsets_.empty()) offsets_.push_back(0);
    const std::uint64_t base = chars_.size();
    chars_.append(o.chars_.view());
    for (std::size_t i = 1; i < o.offsets_.size(); ++i) offsets_.push_back(base + o.offsets_[i]);
  }
  // Row i of the result is row order[i] of this column. The rows are copied on all threads
  // (at 10M messages, sorting the text of `run`'s ingest by time was 10 s on one).
  void permute(std::span<const std::uint32_t> order);

 private:
  friend struct DatasetCacheIo;
  ByteBuffer chars_;
  Offsets offsets_;
};

class ListColumn {
 public:
  std::size_t size() const { return starts_.empty() ? 0 : starts_.size() - 1; }
  // Number of items of row i, and item k of row i.
  std::size_t count(std::size_t i) const { return starts_[i + 1] - starts_[i]; }
  std::string_view item(std::size_t i, std::size_t k) const { return values_[starts_[i] + k]; }
  void reserve(std::size_t rows) { starts_.reserve(rows + 1); }
  void begin_row() {
    if (starts_.empty()) starts_.push_back(0);
  }
  void add(std::string_view v) { values_.push_back(v); }
  void end_row() { starts_.push_back(values_.size()); }
  // Room for `rows` rows of `items` items of `chars` bytes in all.
  void reserve(std::size_t rows, std::size_t items, std::size_t chars) {
    starts_.reserve(rows + 1);
    values_.reserve(items, chars);
  }
  std::size_t items() const { return values_.size(); }
  std::size_t chars() const { return values_.chars(); }
  // The rows of `o` after this column's.
  void append(const ListColumn& o) {
    if (o.starts_.empty()) return;
    if (starts_.empty()) starts_.push_back(0);
    const std::uint64_t base = values_.size();
    values_.append(o.values_);
    for (std::size_t i = 1; i < o.starts_.size(); ++i) starts_.push_back(base + o.starts_[i]);
  }
  // Row i of the result is row order[i] of this column.
  void permute(std::span<const std::uint32_t> order) {
    ListColumn out;
    out.reserve(order.size());
    out.values_.reserve(values_.size(), values_.chars());
    for (std::uint32_t i : order) {
      out.begin_row();
      for (std::size_t k = 0; k < count(i); ++k) out.add(item(i, k));
      out.end_row();
    }
    *this = std::move(out);
  }

 private:
  friend struct DatasetCacheIo;
  Offsets starts_;
  StringColumn values_;
};

// Frees what a column (or a whole Dataset) holds, leaving it empty. Assigning an empty one
// would not: a std::string move-assigned from a short string copies it and keeps its own
// buffer, so the characters of a column "emptied" that way stay allocated.
template <typename T>
void release(T& x) {
  T gone = std::move(x);
  x = T();
}

inline constexpr std::uint32_t kNoAccount = UINT32_MAX;

struct Dataset {
  // --- accounts, by dense index
  std::vector<std::int64_t> account_row;  // accounts.id
  StringColumn account_platform, account_id, account_handle, account_display_name,
      account_description, account_kind;
  std::vector<TimeMs> account_created_at;                    // kNoTime if unknown
  std::vector<std::int64_t> account_followers, account_following;  // kAbsent if unknown

  // --- messages (posts), sorted by (time, messages.id)
  std::vector<std::int64_t> msg_row;      // messages.id
  std::vector<std::uint32_t> msg_account;  // dense account index or kNoAccount
  std::vector<TimeMs> msg_time;           // kNoTime if unknown (sorted last)
  std::vector<std::int32_t> msg_time_resolution_ms;
  StringColumn msg_platform, msg_chat_id, msg_message_id, msg_shares, msg_reply_to, msg_quotes,
      msg_media_key, msg_lang;
  StringColumn msg_text;  // every message's text "" unless DatasetOptions::load_text
  ListColumn msg_urls, msg_hashtags, msg_mentions;
  std::vector<std::int64_t> msg_views, msg_forwards, msg_replies, msg_reactions, msg_likes,
      msg_retweets;  // kAbsent if not reported
  // Each message's text as the text behaviours and the copy-paste signal compare texts (its
  // key: normalize_key() with default options, docs/text.md), worked out once from msg_text
  // by compute_text_keys() so that no stage normalizes every text again: the key's hash
  // (xxh3-64 with seed kTextKeySeed), its bytes and its tokens (words, one space apart), both
  // capped at 65,535. A message with no key (no text, or nothing left of it) has 0
  // bytes. load_dataset() fills them; the columns file holds them.
  std::vector<std::uint64_t> msg_text_key;
  std::vector<std::uint16_t> msg_text_key_bytes, msg_text_key_tokens;
  // The rows of the store's messages table, service events included, in the snapshot the
  // columns were loaded from: more than messages() when the store holds events. load_dataset()
  // sets it for a store in a file; -1 when not known.
  std::int64_t stored_message_rows = -1;

  std::size_t accounts() const { return account_row.size(); }
  std::size_t messages() const { return msg_row.size(); }
  // Rough memory footprint, for benchmarks and progress messages.
  std::size_t bytes() const;
};

// The seed of Dataset::msg_text_key: detection names a text object by the same hash of its key.
inline constexpr std::uint64_t kTextKeySeed = 0x67726f756e64ULL;
// The largest count Dataset::msg_text_key_bytes and msg_text_key_tokens hold.
inline constexpr std::uint16_t kTextKeyCountCap = UINT16_MAX;

// One text's key (Dataset::msg_text_key and the counts beside it); `scratch` holds the
// normalized text afterwards. All 0 for a text with no key.
struct TextKey {
  std::uint64_t hash = 0;
  std::uint16_t bytes = 0, tokens = 0;
};
TextKey text_key(std::string_view text, std::string& scratch);

// Fills d.msg_text_key, msg_text_key_bytes and msg_text_key_tokens from d.msg_text (on every
// core). A Dataset built by hand calls it once its text is in place.
void compute_text_keys(Dataset& d);
// Whether d holds its text keys: filled, and not out of memory (ColumnsAside).
inline bool text_keys_in_memory(const Dataset& d) {
  const std::size_t n = d.messages();
  return d.msg_text_key.size() == n && d.msg_text_key_bytes.size() == n &&
         d.msg_text_key_tokens.size() == n;
}

struct PreparedMessage;

// Told of the posts a writer stores in a bulk load (MessageWriter::collect), in the order it
// stores them: IngestedMessages, or an ingest that hands them to IngestedMessages on a thread
// of its own.
class PostCollector {
 public:
  // A row the writer has just stored (its id and author's accounts.id, -1 for none), with the
  // values it bound.
  virtual void add(std::int64_t row, std::int64_t account_row, const MessageRecord& m,
                   const PreparedMessage& p) = 0;
  // A stored row a later record was merged into.
  virtual void merged(std::int64_t row) = 0;
  // What was told can no longer stand for the store (another connection wrote to it).
  virtual void abandon() = 0;

 protected:
  ~PostCollector() = default;
};

// The posts a bulk load stores (an ingest into a store without messages), collected as
// MessageWriter writes them (MessageWriter::collect), so that the analysis that follows the
// ingest in the same process (`run`) builds its columns without reading the store back
// (DatasetOptions::ingested). They are held as the store holds them, in id order; a row that a
// later record of the load merged into is read from the store again when the columns are
// built. The ingest seals them with the store's data version once it has committed; a load
// takes them only while the store is as the ingest left it (no other writer since), and
// otherwise reads the store.
class IngestedMessages final : public PostCollector {
 public:
  IngestedMessages();
  ~IngestedMessages();
  IngestedMessages(IngestedMessages&&) noexcept;
  IngestedMessages& operator=(IngestedMessages&&) noexcept;

  // Service events are counted, not kept.
  void add(std::int64_t row, std::int64_t account_row, const MessageRecord& m,
           const PreparedMessage& p) override;
  void merged(std::int64_t row) override {
    if (!abandoned_) merged_.push_back(row);
  }
  // Also when the ingest failed: every load reads the store.
  void abandon() override;
  bool abandoned() const { return abandoned_; }
  // The ingest has committed everything and the store's data version is `data_version`.
  void seal(std::string data_version) { data_version_ = std::move(data_version); }

 private:
  friend struct IngestedColumns;  // dataset.cc
  struct Parser;
  std::unique_ptr<Parser> parser_;      // the list columns are read from their stored JSON
  Dataset d_;                           // the message columns, in id order (msg_account unused)
  std::vector<std::int64_t> accounts_;  // each post's accounts.id, -1 for none
  std::vector<std::int64_t> merged_;
  // Every post's text key came with it (PreparedMessage::text_key, worked out by the parsing
  // threads): d_.msg_text_key and the counts are filled.
  bool keyed_ = true;
  std::int64_t rows_ = 0;      // every row stored, events included
  std::int64_t last_row_ = 0;  // the largest id stored
  std::string data_version_;   // empty until sealed
  bool abandoned_ = false;
};

struct DatasetOptions {
  // The text is the largest column. Without it, every message's text is "" but its text keys
  // (msg_text_key...) are there all the same: read from the columns file, which holds them
  // before the text, or worked out from the text read from the store, which is then dropped.
  bool load_text = true;
  // Read the columns from X.db.columns when it matches the store's data, and write it after
  // reading the store (a store opened for writing only; store/dataset_cache.h).
  bool cache = true;
  // The posts the ingest just before stored (IngestedMessages): the columns are built from
  // them when the store is as that ingest left it, and they are moved from.
  IngestedMessages* ingested = nullptr;
};

Result<Dataset> load_dataset(Store& store, const DatasetOptions& options = {});

}  // namespace groundswell
