#include "usecase/assertions.hpp"

namespace nv::server {

std::optional<KeyRing> load_keys(const ServerConfig& cfg, std::string& error) {
    KeyRing ring;
    auto ec_key = [&](const std::string& path, const char* what) -> std::optional<Key> {
        auto k = Key::from_file(path, error);
        if (k && !k->is_p256()) {
            error = path + ": the " + std::string(what) + " must be an EC P-256 private key (ES256)";
            return std::nullopt;
        }
        return k;
    };
    if (!cfg.assertion.key_file.empty()) {
        auto k = ec_key(cfg.assertion.key_file, "assertion key");
        if (!k) return std::nullopt;
        ring.signing = *k;
    } else {
        ring.signing = Key::generate_p256();  // config validation allows this in sandbox mode only
        ring.generated_signing = true;
    }
    ring.kid = ring.signing.thumbprint();
    if (!cfg.assertion.previous_key_file.empty()) {
        auto k = ec_key(cfg.assertion.previous_key_file, "previous assertion key");
        if (!k) return std::nullopt;
        ring.previous = *k;
        ring.previous_kid = k->thumbprint();
    }
    if (!cfg.login_private_key_file.empty()) {
        auto k = Key::from_file(cfg.login_private_key_file, error);
        if (!k) return std::nullopt;
        if (!k->is_rsa()) {
            error = cfg.login_private_key_file + ": the one-click login key must be an RSA private key";
            return std::nullopt;
        }
        ring.login = *k;
    } else if (cfg.sandbox && cfg.sandbox_url.empty()) {
        ring.login = Key::generate_rsa(2048);
        ring.generated_login = true;
    }
    return ring;
}

std::string issue_assertion(const KeyRing& keys, const AssertionSettings& settings, AssertionFacts facts) {
    facts.issuer = settings.issuer;
    facts.audience = settings.audience;
    facts.ttl_sec = settings.ttl_sec;
    return sign_jws_es256(keys.signing, keys.kid, assertion_claims(facts));
}

nlohmann::json jwks(const KeyRing& keys) {
    auto jwk = [](const Key& k, const std::string& kid) {
        nlohmann::json j = k.public_jwk();
        j["kid"] = kid;
        j["use"] = "sig";
        j["alg"] = "ES256";
        return j;
    };
    nlohmann::json list = nlohmann::json::array({jwk(keys.signing, keys.kid)});
    if (keys.previous) list.push_back(jwk(*keys.previous, keys.previous_kid));
    return nlohmann::json{{"keys", list}};
}

}  // namespace nv::server
