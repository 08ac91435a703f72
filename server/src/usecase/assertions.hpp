// The server's keys, loaded once at startup: the ES256 key that signs every success's assertion (and the
// previous one, still published so a rotation breaks no partner), and the one-click login's RSA private key.
// In sandbox mode a missing key is made at start (and the sandbox vendor gets the login key's public half).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "base/keys.hpp"
#include "config/config.hpp"
#include "rules/assertion.hpp"

namespace nv::server {

struct KeyRing {
    Key signing;
    std::string kid;  // the RFC 7638 thumbprint
    std::optional<Key> previous;
    std::string previous_kid;
    std::optional<Key> login;  // RSA; nullopt: one-click login is not configured
    bool generated_signing = false;
    bool generated_login = false;
};

// nullopt with `error` (naming the file, never its content) when a configured key cannot be used.
std::optional<KeyRing> load_keys(const ServerConfig& cfg, std::string& error);

// The compact JWS for a proven number, signed with the current key.
std::string issue_assertion(const KeyRing& keys, const AssertionSettings& settings, AssertionFacts facts);

// {"keys": [current, previous?]}, each {kty, crv, x, y, kid, use: "sig", alg: "ES256"}.
nlohmann::json jwks(const KeyRing& keys);

}  // namespace nv::server
