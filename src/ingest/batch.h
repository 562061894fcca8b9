// What an ingest's parsing threads hand to its writing thread (src/ingest/ingest.cc), and the
// bytes a batch travels as between the processes of a distributed ingest: the other ranks
// parse their share of the inputs and send their batches to rank 0, which writes them
// (docs/distributed.md, "Ingest").
//
//   dist::Bytes wire;
//   pack_batch(batch, raw_bytes, wire);           // on a parsing rank
//   std::uint64_t raw = unpack_batch(wire, into);  // on rank 0: `into` as `batch` was
//
// Promises: unpack_batch(pack_batch(b)) holds every record, note and mark of b in its order
// (the writer's notes `told` are not carried: they are made on rank 0).
// Thread-safety: a batch belongs to one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dist/communicator.h"
#include "groundswell/model.h"
#include "store/store.h"

namespace groundswell::ingest_internal {

// What the parsing thread hands to the writing thread. Records are kept in slots that are
// reused batch after batch, so steady-state parsing allocates nothing per record.
struct Batch {
  enum class ItemKind : std::uint8_t { kMessage, kAccount, kReject, kWarning };
  struct Item {
    ItemKind kind;
    std::uint32_t index;
  };
  struct Note {
    std::uint64_t line = 0, offset = 0;
    std::string reason, excerpt;
  };
  struct FileStart {
    std::string path, format, dataset;
    std::uint64_t bytes = 0;
    bool cut = false;  // read in pieces by several threads
  };
  struct FileEnd {
    std::string digest;
    std::uint64_t utf8_repaired = 0;
  };

  std::vector<MessageRecord> messages;
  std::vector<PreparedMessage> prepared;  // of messages[i], worked out by the parsing thread
  std::vector<std::pair<std::uint64_t, std::uint64_t>> positions;  // line, offset
  std::vector<AccountRecord> accounts;
  std::vector<Note> notes;  // rejects and warnings
  std::size_t n_messages = 0, n_accounts = 0, n_notes = 0;
  std::vector<Item> items;
  // What the writer told of the batch's posts (PostCollector), in its order, for the thread
  // that adds them to the ingest's columns (IngestOptions::columns).
  struct Told {
    enum class Kind : std::uint8_t { kAdd, kMerged, kAbandon } kind;
    std::uint32_t index;  // kAdd: of messages
    std::int64_t row, account;
  };
  std::vector<Told> told;
  std::optional<FileStart> start;
  std::optional<FileEnd> end;
  // The last batch of a piece of a cut file: its records whose invalid UTF-8 was replaced.
  std::optional<std::uint64_t> piece_end;
  bool last = false;  // no more batches follow

  void reset() {
    n_messages = n_accounts = n_notes = 0;
    items.clear();
    told.clear();
    start.reset();
    end.reset();
    piece_end.reset();
    last = false;
  }
  template <typename T>
  static T& slot(std::vector<T>& v, std::size_t& n) {
    if (n == v.size()) v.emplace_back();
    return v[n++];
  }
};

// Appends `b` and the raw input bytes read since the rank's last batch (the writer's progress).
void pack_batch(const Batch& b, std::uint64_t raw_bytes, dist::Bytes& out);
// Fills `into` (reset first) from what pack_batch() wrote; returns its raw bytes.
std::uint64_t unpack_batch(const dist::Bytes& in, Batch& into);

}  // namespace groundswell::ingest_internal
