// The versioned schema of the store and its migrations. Migration N takes a database from
// schema version N-1 to N (PRAGMA user_version); each runs in one transaction. Later stages
// add their tables by appending a migration, never by editing an applied one.
//
// bulk_load_indexes() lists the indexes of `messages` and `accounts` as the migrations leave
// them, each as a statement that creates it when missing: a bulk load sets them aside, and the
// next writer of messages builds them (after a finished load or a killed one).
//
// Thread-safety: pure data.
#pragma once

#include <span>
#include <string_view>

namespace groundswell {

std::span<const std::string_view> schema_migrations();

struct IndexSql {
  std::string_view name, create_if_missing;
};
std::span<const IndexSql> bulk_load_indexes();

}  // namespace groundswell
