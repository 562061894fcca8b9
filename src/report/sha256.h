// SHA-256 (FIPS 180-4), used to pin report.html's inline script in its Content-Security-Policy
// ('sha256-...'): browsers then run that exact script and nothing else, so markup that ever
// slipped into the page (an injected onerror= handler, a stray <script>) could not run.
// Not a general crypto library: one-shot digest of an in-memory buffer.
//
// Thread-safety: pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace groundswell {

std::array<std::uint8_t, 32> sha256(std::string_view data);

// Standard base64 (with padding) of the digest, the form CSP source expressions use.
std::string sha256_base64(std::string_view data);

}  // namespace groundswell
