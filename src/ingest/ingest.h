// Ingest: reads input files of any supported format into the store, counting every record as
// stored, duplicate or rejected (docs/contract.md §6): records_read = stored + duplicates +
// rejected, and stored = messages + events, always.
//
//   IngestOptions o; o.inputs = {"exports/"};
//   auto summary = ingest(store, o);
//
// Inputs are files, directories (recursively, in byte order of their paths) and globs.
// Parsing runs on one thread and writing on another (a TBB pipeline), so a file streams
// through in constant memory. Rejects go to the store's `rejects` table and, when
// `rejects_path` is set, to a JSON-lines file.
//
// Thread-safety: one ingest per Store at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "groundswell/status.h"
#include "store/store.h"

namespace groundswell {

struct IngestOptions {
  std::vector<std::string> inputs;
  std::string format;              // "" = detect per file from its content
  bool strict = false;             // the first reject fails the ingest (exit code 2)
  // Qualifies the message ids of formats whose ids are unique only within one dataset
  // (FormatInfo::dataset_keys); "" = each file's stem (name without extensions).
  std::string dataset;
  std::int64_t tz_offset_s = 0;    // for sources with local times and no zone (--tz)
  std::string rejects_path;        // rejects.jsonl; "" = only the database
  // The rejects file also lists the rejects of the database's earlier runs (it belongs to the
  // database, as `ingest` writes it); otherwise only this run's.
  bool rejects_of_earlier_runs = false;
  std::uint64_t max_record_bytes = 64ull << 20;  // longer records are rejected, not buffered
  bool progress = true;            // progress bar / periodic lines on stderr
  // Records per transaction: a kill loses at most the records of one transaction (a re-run
  // stores them), and larger transactions are faster. Every transaction writes out each page
  // it touched, and new accounts touch pages all over the accounts' unique index: at 50,000
  // records a 3.5M-row ingest wrote that index out 70 times, a fifth of its CPU. 200,000
  // (about a second of work) keeps a transaction's pages within the store's page cache
  // (128 MiB); far larger transactions spill pages before the commit and cost more again.
  std::uint64_t transaction_records = 200000;
  // With several parsing threads, an uncompressed JSON-lines file of at least twice this size
  // is cut into pieces of at least this size, each ending after a line end, read by the
  // threads in turn (docs/architecture.md, "Ingest").
  std::uint64_t piece_bytes = 16ull << 20;
  // Into a store without messages (a bulk load), the stored posts are also collected here,
  // for an analysis in the same process to build its columns from (DatasetOptions::ingested);
  // abandoned otherwise, or when the ingest fails.
  IngestedMessages* columns = nullptr;
  // Under mpirun, the other ranks parse a share of the inputs and send it to this process,
  // which writes the store (docs/distributed.md, "Ingest"). Only for a call on the main
  // thread of rank 0 while the other ranks serve it (pipeline/distributed.h).
  bool share_with_ranks = false;
  std::string command = "ingest";  // recorded in the runs table
  std::string parameters_json = "{}";
};

struct IngestSummary {
  std::uint64_t files = 0, bytes = 0;
  FileCounts counts;       // summed over files
  std::uint64_t accounts = 0;  // in the whole store
  std::vector<std::string> warnings;
  double seconds = 0;
  std::int64_t run_id = 0;
};

Result<IngestSummary> ingest(Store& store, const IngestOptions& options);

// On a rank other than 0, given the payload of rank 0's Instruction::kIngest: parses this
// rank's share of rank 0's inputs and sends it to rank 0 (IngestOptions::share_with_ranks).
// What it cannot read goes to rank 0 as rejects, as in one process.
void follow_ingest(const std::vector<std::byte>& payload);

// The default dataset of a file: its name without directory and without the compression and
// format extensions (.gz, .zst, .csv, .tsv, .json, .jsonl, .ndjson, .txt), e.g.
// "exports/run1.csv.gz" -> "run1".
std::string dataset_of_path(std::string_view path);

}  // namespace groundswell
