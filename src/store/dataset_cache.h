// The analysis columns of a store saved beside it (X.db → X.db.columns), so that loading them
// again (detect, serve, estimate after an ingest or an earlier run) costs one file read
// instead of a pass over SQLite that parses every list again.
//
// The file names what it was built from (DatasetCacheKey): the store's data version
// (store_state.data_version, docs/schema.md, "Schema version 7"), the schema version, the
// number of messages and accounts and their largest ids, and the file's own format version.
// load_dataset() uses it only when all match the store, its recorded length is the file's and
// its checksums (xxh3-64) hold; otherwise it reads the store and writes the file again. The
// message text, the largest column, comes last with a checksum of its own, so a load without
// text reads and checks everything before it and stops there. The file is written whole or not
// at all (base/output_file.h), native byte order: it is a cache of this machine, never an
// exchange format. Its layout: docs/schema.md, "Schema version 7".
//
// Thread-safety: free functions; concurrent writers of the same file each replace it whole.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "groundswell/status.h"
#include "store/dataset.h"

namespace groundswell {

class Store;

struct DatasetCacheKey {
  std::string data_version;  // store_state.data_version
  int schema_version = 0;
  std::int64_t max_message_id = 0, max_account_id = 0;  // 0 for an empty table
  std::int64_t message_rows = 0, account_rows = 0;      // count(*) of every kind of message
  bool operator==(const DatasetCacheKey&) const = default;
};

std::filesystem::path dataset_cache_path(const std::filesystem::path& store_path);
// NotFound when there is no file, it was built from other data, or `text` is asked of a file
// written without it; InvalidArgument when it is damaged. Without `text` the message text
// column is left empty (every message's text "").
Result<Dataset> read_dataset_cache(const std::filesystem::path& path, const DatasetCacheKey& key,
                                   bool text);
// The key a file was built from (its header), without reading its columns.
Result<DatasetCacheKey> read_dataset_cache_key(const std::filesystem::path& path);
// `has_text`: d holds the message text (a load with DatasetOptions::load_text).
Status write_dataset_cache(const std::filesystem::path& path, const DatasetCacheKey& key,
                           const Dataset& d, bool has_text);

// Groups of a Dataset's columns that a run may hold out of memory while nothing reads them,
// read back from the columns file when they are needed again (ColumnsAside). At 10M messages
// the message text is 1.6 GB of 3.1 GB of columns, and the columns outside detection 0.6 GB.
// A column belongs to one group at most.
enum class ColumnGroup : std::uint8_t {
  kText,  // msg_text: read by the text behaviours' actions, the estimate and the output files
  // What signals, the estimate and the output files read but detection (actions, pairs,
  // tests, clusters, verdicts, the stored detection) never does: the accounts' display names,
  // descriptions, kinds and follower counts, and the messages' time resolutions, quotes,
  // languages and engagement counts.
  kOutsideDetection,
  // What detection reads but neither the near-duplicate search (it reads the messages' text,
  // times, accounts and shares) nor any behaviour's actions: the messages' platforms, chats
  // and ids, by which the verdicts find the originals of shares.
  kMessageKeys,
  // What the actions of the reply, media, link, domain, hashtag, mention and text behaviours
  // are made of, and nothing else in detection reads (not the search, the tests, the
  // clusters, the verdicts or the stored detection): the messages' replies, media, links,
  // hashtags and mentions, and their text keys (Dataset::msg_text_key; the signals read them
  // before detection). With kMessageKeys, 1.2 GB at 10M messages beside the search's working
  // memory.
  kObjects,
};

// Columns of a Dataset out of memory while nothing reads them (docs/architecture.md,
// "Detection at several settings"), read back from the columns file beside the store. The
// file stays open, so replacing it meanwhile changes nothing; every column read back is
// checked against a checksum of the bytes it held when set aside.
class ColumnsAside {
 public:
  // Opens the file at `path` when it holds d's columns with their text, built from `key`: the
  // header must match and the checksum of the columns before the text must be that of d's
  // own columns, as write_dataset_cache() would write them. NotFound when the file is not
  // there, holds other data or no text. Nothing is set aside yet.
  static Result<ColumnsAside> open(const std::filesystem::path& path, const DatasetCacheKey& key,
                                   const Dataset& d);
  ColumnsAside(ColumnsAside&&) noexcept;
  ColumnsAside& operator=(ColumnsAside&&) noexcept;
  ~ColumnsAside();
  // Frees the group's columns of d (the Dataset given to open()), leaving columns of no rows.
  void take(Dataset& d, ColumnGroup group);
  // Reads the group's columns back into d from the file, checked. InvalidArgument when the
  // file is damaged (d's columns of the group then stay as they were).
  Status restore(Dataset& d, ColumnGroup group);
  // Whether some column of the group is out of memory.
  bool aside(ColumnGroup group) const;

 private:
  struct State;
  explicit ColumnsAside(std::unique_ptr<State> s);
  std::unique_ptr<State> state_;
};

// ColumnsAside::open on the columns file beside the store, when d is what load_dataset(store)
// returns now and that file holds it with its text.
Result<ColumnsAside> columns_aside(Store& store, const Dataset& d);

}  // namespace groundswell
