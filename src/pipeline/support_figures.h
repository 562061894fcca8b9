// Support figures kept in the store with the detection they discount (schema version 9, table
// detection_support; docs/schema.md): `run --actors` stores the figures it computed at the end
// of its analysis, groundswell serve those it computes for a detection without them, and the
// actor pages only read them (docs/serve.md).
//
//   std::string doc = support_figures_json(estimate, dataset);   // what is stored
//   auto sha = actors_file_sha256("actors.toml");
//   Status s = store_support_figures(store, {detection, *sha, "actors.toml", run_id}, doc);
//   auto stored = read_support_figures(store.db(), detection, *sha);  // nullopt: none stored
//
// The figures are a pure function of the store's data, the detection's parameters, the actors
// file and the estimate's options, so a row never goes stale: rows are keyed by the detection
// and the SHA-256 of the actors file's bytes, and an edited actors file is another row.
//
// Thread-safety: plain functions over the caller's store or connection.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "estimate/estimate.h"
#include "groundswell/status.h"
#include "store/dataset.h"

namespace groundswell {

class Db;
class Store;

// The stored document (a JSON object): replicates, sample, ci_level, seed, score_threshold,
// supporters, scenarios (the detection settings the intervals range over: "default" and any
// neighbouring ones), assumptions, actors (as summary.json's), rows (as support.csv's), drivers
// (as the report's; each top account as `id`, its accounts.id, never its name), sensitivity (as
// sensitivity.csv's). Deterministic: the same estimate gives the same bytes.
std::string support_figures_json(const Estimate& e, const Dataset& data);

// The SHA-256 of the actors file's bytes, 64 lowercase hex digits.
Result<std::string> actors_file_sha256(const std::string& path);

struct SupportFiguresKey {
  std::int64_t detection = 0;
  std::string actors_sha256;
  std::string actors_file;             // the file's name, without its directory
  std::optional<std::int64_t> run_id;  // the run that computed them (none: groundswell serve)
};

// Stores (or replaces) the figures of `key`; returns the time stored (created_at).
Result<std::string> store_support_figures(Store& store, const SupportFiguresKey& key,
                                          std::string_view figures);

struct StoredSupportFigures {
  SupportFiguresKey key;
  std::string created_at;  // ISO 8601 UTC
  std::string figures;     // support_figures_json()
};

// The figures stored for `detection` and the actors file of `actors_sha256`; with
// `actors_sha256` empty, the latest stored for the detection from any actors file. nullopt when
// none are stored, or the store predates schema version 9.
Result<std::optional<StoredSupportFigures>> read_support_figures(Db& db, std::int64_t detection,
                                                                 std::string_view actors_sha256);

}  // namespace groundswell
