// The versioned schema of the store and its migrations. Migration N takes a database from
// schema version N-1 to N (PRAGMA user_version); each runs in one transaction. Later stages
// add their tables by appending a migration, never by editing an applied one.
//
// Thread-safety: pure data.
#pragma once

#include <span>
#include <string_view>

namespace groundswell {

std::span<const std::string_view> schema_migrations();

}  // namespace groundswell
