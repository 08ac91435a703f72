// Keys on OpenSSL: the one-click login's RSA decryption (PKCS#1 v1.5), ES256 compact JWS with JWK thumbprints,
// and the assertion's claims.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "base/crypto.hpp"
#include "base/keys.hpp"
#include "rules/assertion.hpp"

using namespace nv::server;

TEST_CASE("keys: RSA PKCS#1 v1.5 round trip, the key as PKCS#8 PEM, and a wrong key refuses", "[keys]") {
    const Key k = Key::generate_rsa(2048);
    REQUIRE(k.is_rsa());
    std::string error;
    const auto pub = Key::public_from_pem(k.public_pem(), error);
    REQUIRE(pub);
    const auto cipher = pub->rsa_encrypt("13800138000");
    REQUIRE(cipher);
    CHECK(cipher->size() == 256);
    CHECK(k.rsa_decrypt(*cipher) == "13800138000");
    // The PKCS#8 text reads back (the PKCS#1 form is read in tests/integration/login.test.mjs, from openssl).
    const auto again = Key::from_pem(k.private_pem(), error);
    REQUIRE(again);
    CHECK(again->rsa_decrypt(*cipher) == "13800138000");
    const Key other = Key::generate_rsa(2048);
    CHECK_FALSE(other.rsa_decrypt(*cipher).has_value());
    CHECK_FALSE(k.rsa_decrypt("not a ciphertext").has_value());
    CHECK_FALSE(Key::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", error));
    CHECK(error.find("BEGIN") == std::string::npos);  // errors never echo key material
}

TEST_CASE("keys: ES256 compact JWS verifies, and a changed byte does not", "[keys][jws]") {
    const Key k = Key::generate_p256();
    REQUIRE(k.is_p256());
    CHECK_FALSE(Key::generate_rsa(2048).is_p256());
    const nlohmann::json jwk = k.public_jwk();
    CHECK(jwk["kty"] == "EC");
    CHECK(jwk["crv"] == "P-256");
    CHECK(base64url_decode(jwk["x"].get<std::string>())->size() == 32);
    CHECK(base64url_decode(jwk["y"].get<std::string>())->size() == 32);
    // RFC 7638: base64url(SHA-256({"crv","kty","x","y"} in that order, no spaces)).
    const std::string members = R"({"crv":"P-256","kty":"EC","x":")" + jwk["x"].get<std::string>() + R"(","y":")" +
                                jwk["y"].get<std::string>() + R"("})";
    CHECK(k.thumbprint() == base64url_encode(sha256_bytes(members)));
    CHECK(k.thumbprint().size() == 43);

    const std::string jws = sign_jws_es256(k, k.thumbprint(), nlohmann::json{{"sub", "x"}});
    const auto dot1 = jws.find('.');
    const auto dot2 = jws.rfind('.');
    REQUIRE(dot1 != std::string::npos);
    REQUIRE(dot2 != dot1);
    const auto header = nlohmann::json::parse(*base64url_decode(jws.substr(0, dot1)));
    CHECK(header == nlohmann::json{{"alg", "ES256"}, {"kid", k.thumbprint()}, {"typ", "JWT"}});
    const std::string input = jws.substr(0, dot2);
    const auto sig = base64url_decode(jws.substr(dot2 + 1));
    REQUIRE(sig);
    CHECK(sig->size() == 64);
    CHECK(k.es256_verify(input, *sig));
    std::string tampered = input;
    tampered[dot1 + 2] = tampered[dot1 + 2] == 'A' ? 'B' : 'A';
    CHECK_FALSE(k.es256_verify(tampered, *sig));
    CHECK_FALSE(Key::generate_p256().es256_verify(input, *sig));
    // base64url has no padding and no + or /.
    CHECK(base64url_encode("\xfb\xff") == "-_8");
    CHECK(base64url_decode("-_8") == std::string("\xfb\xff"));
    CHECK_FALSE(base64url_decode("+/8=").has_value());
}

TEST_CASE("assertion: the claims a partner's backend checks", "[assertion]") {
    AssertionFacts f{"https://nv.example.com", "shop-backend", "13800138000", ProofMethod::CarrierLogin,
                     nv::Operator::CM, "req-1", 1'700'000'000'500, 300};
    const nlohmann::json c = assertion_claims(f);
    CHECK(c["iss"] == "https://nv.example.com");
    CHECK(c["aud"] == "shop-backend");
    CHECK(c["phone_number"] == "+8613800138000");
    CHECK(c["phone_number_verified"] == true);
    CHECK(c["amr"] == nlohmann::json::array({"carrier_login"}));
    CHECK(c["operator"] == "CM");
    CHECK(c["iat"] == 1'700'000'000);
    CHECK(c["exp"] == 1'700'000'300);
    CHECK(c["jti"] == "req-1");
    f.method = ProofMethod::Sms;
    f.op = std::nullopt;
    const nlohmann::json sms = assertion_claims(f);
    CHECK(sms["amr"] == nlohmann::json::array({"sms"}));
    CHECK_FALSE(sms.contains("operator"));
    f.method = ProofMethod::CarrierVerify;
    CHECK(assertion_claims(f)["amr"] == nlohmann::json::array({"carrier_verify"}));
}
