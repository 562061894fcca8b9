// SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), from OpenSSL's libcrypto (EVP): the digest
// pins report.html's inline script in its Content-Security-Policy ('sha256-...'), the HMAC
// makes --pseudonymize's keyed pseudonyms (docs/privacy.md).
//
//   std::string csp = "'sha256-" + sha256_base64(script) + "'";
//   HmacSha256 mac(key);                       // the key set up once
//   auto digest = mac.digest("id:", account);  // HMAC(key, "id:" + account)
//
// Thread-safety: the free functions are reentrant; an HmacSha256 belongs to one thread at a
// time (it keeps an OpenSSL context between digests).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace groundswell {

using Sha256Digest = std::array<std::uint8_t, 32>;

Sha256Digest sha256(std::string_view data);

// Standard base64 (with padding) of the digest, the form CSP source expressions use.
std::string sha256_base64(std::string_view data);

// HMAC-SHA256 with one key for many messages; a message may come in two parts, hashed as
// their concatenation.
class HmacSha256 {
 public:
  explicit HmacSha256(std::string_view key);
  ~HmacSha256();
  HmacSha256(HmacSha256&&) noexcept;
  HmacSha256& operator=(HmacSha256&&) noexcept;
  HmacSha256(const HmacSha256&) = delete;
  HmacSha256& operator=(const HmacSha256&) = delete;

  Sha256Digest digest(std::string_view prefix, std::string_view message = {}) const;

 private:
  struct Context;
  std::unique_ptr<Context> ctx_;
};

// One-shot HMAC-SHA256(key, message).
Sha256Digest hmac_sha256(std::string_view key, std::string_view message);

}  // namespace groundswell
