// UTF-8 validation and repair. Readers validate every record (simdjson's SIMD validator) and
// repair invalid sequences by replacing each maximal invalid subpart with U+FFFD, counting the
// repair; everything that reaches the store is valid UTF-8.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace groundswell {

bool is_valid_utf8(std::string_view s);

// Writes `s` with invalid sequences replaced by U+FFFD into `out` (replacing its contents).
// Returns the number of replacements.
std::size_t repair_utf8(std::string_view s, std::string& out);

// The longest prefix of `s` of at most `max_bytes` that does not cut a UTF-8 sequence.
std::string_view utf8_prefix(std::string_view s, std::size_t max_bytes);

}  // namespace groundswell
