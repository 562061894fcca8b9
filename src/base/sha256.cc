#include "base/sha256.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <cstdlib>
#include <cstdio>

namespace groundswell {

namespace {

// The digest and MAC calls fail only when libcrypto cannot allocate or its default provider is
// missing, i.e. a broken installation: there is no sensible way to go on.
[[noreturn]] void crypto_failure(const char* what) {
  std::fprintf(stderr, "groundswell: OpenSSL %s failed\n", what);
  std::abort();
}

const unsigned char* bytes(std::string_view s) {
  static const unsigned char kEmpty = 0;
  return s.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

Sha256Digest sha256(std::string_view data) {
  Sha256Digest out{};
  unsigned int n = 0;
  if (EVP_Digest(bytes(data), data.size(), out.data(), &n, EVP_sha256(), nullptr) != 1 ||
      n != out.size())
    crypto_failure("SHA-256");
  return out;
}

std::string sha256_base64(std::string_view data) {
  const Sha256Digest d = sha256(data);
  unsigned char text[45];  // 4 * ceil(32 / 3) + NUL
  const int n = EVP_EncodeBlock(text, d.data(), static_cast<int>(d.size()));
  return std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(n));
}

struct HmacSha256::Context {
  EVP_MAC* mac = nullptr;
  EVP_MAC_CTX* ctx = nullptr;
  ~Context() {
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
  }
};

HmacSha256::HmacSha256(std::string_view key) : ctx_(std::make_unique<Context>()) {
  ctx_->mac = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr);
  if (ctx_->mac == nullptr) crypto_failure("HMAC fetch");
  ctx_->ctx = EVP_MAC_CTX_new(ctx_->mac);
  if (ctx_->ctx == nullptr) crypto_failure("HMAC context");
  char digest_name[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end()};
  if (EVP_MAC_init(ctx_->ctx, bytes(key), key.size(), params) != 1) crypto_failure("HMAC key");
}

HmacSha256::~HmacSha256() = default;
HmacSha256::HmacSha256(HmacSha256&&) noexcept = default;
HmacSha256& HmacSha256::operator=(HmacSha256&&) noexcept = default;

Sha256Digest HmacSha256::digest(std::string_view prefix, std::string_view message) const {
  Sha256Digest out{};
  std::size_t n = 0;
  // A null key restarts the MAC with the key already set (the ipad/opad states are kept).
  if (EVP_MAC_init(ctx_->ctx, nullptr, 0, nullptr) != 1 ||
      EVP_MAC_update(ctx_->ctx, bytes(prefix), prefix.size()) != 1 ||
      EVP_MAC_update(ctx_->ctx, bytes(message), message.size()) != 1 ||
      EVP_MAC_final(ctx_->ctx, out.data(), &n, out.size()) != 1 || n != out.size())
    crypto_failure("HMAC");
  return out;
}

Sha256Digest hmac_sha256(std::string_view key, std::string_view message) {
  return HmacSha256(key).digest(message);
}

}  // namespace groundswell
