// Synthetic social-media data with ground truth: the instrument groundswell measures its own
// accuracy with (tools/gs_generate.cc is the command line, docs/generator.md the manual).
//
// generate_dataset() simulates a month (March 2024) of Telegram channels and a group and of
// Twitter/X: organic accounts with heavy-tailed activity and daily rhythms in several time
// zones, viral bursts, three fictional movements with genuine supporters, planted campaigns
// (fast co-sharing, copy-paste with Persian spelling variants, co-link pushing, a Telegram
// forward ring, scheduled automation, evasive variants and sleepers fired by one signal per
// item), and organic look-alikes (notification fans of a news outlet and of a movement's
// account, the crowd of a live football match). It writes the data in the real formats of
// docs/contract.md §2 (Telegram Desktop exports, Telethon JSON lines, twarc2 pages, a Twitter
// information-operations archive CSV overlapping the twarc2 pages) under OUT/data/, plus
// OUT/truth.json (what was planted, and record counts per file) and OUT/actors.toml.
//
// Promises: output is a pure function of the options (byte-identical for the same seed and
// size); memory grows with the number of accounts, not with the number of messages written
// (messages stream through a time-ordered event queue and are written as they happen).
//
// Thread-safety: generate_dataset() keeps all state on its own stack; concurrent calls with
// different output directories are safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "groundswell/status.h"

namespace groundswell {

enum class Compression { kNone, kGzip, kZstd };

struct GenerateOptions {
  std::uint64_t seed = 1;
  // Approximate number of messages over all formats (the exact figures are in truth.json).
  std::int64_t messages = 30000;
  std::string scale = "demo";  // the preset the size came from, recorded in truth.json
  std::string out_dir;
  // Simulated period: [start, start + days). Fixed, independent of the current date.
  std::int64_t start_unix = 1709251200;  // 2024-03-01T00:00:00Z
  int days = 31;
  // Compression of the line-oriented files (Telethon, twarc2, IO CSV); the Telegram Desktop
  // exports stay plain JSON, as Desktop writes them.
  Compression compression = Compression::kNone;
};

// Messages for a named preset: small (~3k, tests), demo (~30k, `make demo`), 1m, 10m.
Result<std::int64_t> messages_for_scale(std::string_view scale);

struct GeneratedFile {
  std::string path;                  // relative to the output directory
  std::string format;                // docs/contract.md §2 format name
  std::int64_t records = 0;          // messages and service events (what a reader reads as records)
  std::int64_t events = 0;           // of which service messages
  std::int64_t lines = 0;            // text lines (JSONL/CSV) or 0 for whole-file JSON
  std::int64_t accounts = 0;         // account metadata records (channel lines, users CSV rows,
                                     // twarc2 includes.users entries)
  std::int64_t included_tweets = 0;  // twarc2 includes.tweets entries (referenced originals)
  std::int64_t bytes = 0;
};

struct GenerateSummary {
  std::vector<GeneratedFile> files;
  std::int64_t records = 0;            // sum over files
  std::int64_t unique_messages = 0;    // records minus the deliberate cross-file duplicates
  std::int64_t io_twarc2_overlap = 0;  // tweets written both in the IO CSV and in twarc2
  std::int64_t bytes = 0;
};

[[nodiscard]] Result<GenerateSummary> generate_dataset(const GenerateOptions& options);

}  // namespace groundswell
