// Asymmetric keys on OpenSSL (EVP): the one-click login's RSA key (the vendor returns the phone number
// encrypted with the partner's public key, RSA PKCS#1 v1.5, base64) and the ES256 key that signs assertions
// (compact JWS, RFC 7515; public keys as JWKs, RFC 7517/7518, named by their RFC 7638 thumbprint).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

typedef struct evp_pkey_st EVP_PKEY;

namespace nv::server {

class Key {
public:
    Key() = default;
    // A private key in PEM (PKCS#8, PKCS#1 "RSA PRIVATE KEY" or SEC1 "EC PRIVATE KEY"); nullopt with `error`
    // set when the text is not one. `error` never contains key material.
    static std::optional<Key> from_pem(std::string_view pem, std::string& error);
    static std::optional<Key> from_file(const std::string& path, std::string& error);
    static Key generate_rsa(int bits = 2048);
    static Key generate_p256();
    // A public key in PEM ("PUBLIC KEY"), for encrypting only.
    static std::optional<Key> public_from_pem(std::string_view pem, std::string& error);

    [[nodiscard]] bool valid() const { return pkey_ != nullptr; }
    [[nodiscard]] bool is_rsa() const;
    [[nodiscard]] bool is_p256() const;
    [[nodiscard]] std::string public_pem() const;
    [[nodiscard]] std::string private_pem() const;  // PKCS#8; for tests and the sandbox's own key files

    // RSA PKCS#1 v1.5.
    [[nodiscard]] std::optional<std::string> rsa_decrypt(std::string_view ciphertext) const;
    [[nodiscard]] std::optional<std::string> rsa_encrypt(std::string_view plaintext) const;

    // ES256: the JWS signature (r || s, 64 bytes) over `data`.
    [[nodiscard]] std::optional<std::string> es256_sign(std::string_view data) const;
    [[nodiscard]] bool es256_verify(std::string_view data, std::string_view signature) const;
    // The public JWK {kty, crv, x, y} and its RFC 7638 thumbprint (base64url SHA-256), used as `kid`.
    [[nodiscard]] nlohmann::json public_jwk() const;
    [[nodiscard]] std::string thumbprint() const;

private:
    explicit Key(EVP_PKEY* pkey);
    std::shared_ptr<EVP_PKEY> pkey_;
};

std::string base64url_encode(std::string_view data);
std::optional<std::string> base64url_decode(std::string_view text);

// A compact JWS: base64url(header).base64url(claims).base64url(signature), header {"alg":"ES256","typ":"JWT",
// "kid"}. Empty when signing fails (it does not with a valid P-256 key).
std::string sign_jws_es256(const Key& key, const std::string& kid, const nlohmann::json& claims);

}  // namespace nv::server
