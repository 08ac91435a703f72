// The claims of a signed result (DESIGN 10): what a partner's backend checks in the compact JWS every success
// carries. OpenID Connect's names where they exist. Pure: the caller gives the time and the id.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "nv/carrier.hpp"

namespace nv::server {

// How the number was proven: the `amr` claim.
enum class ProofMethod { CarrierVerify, CarrierLogin, Sms };

const char* proof_method_id(ProofMethod m);  // carrier_verify, carrier_login, sms

struct AssertionFacts {
    std::string issuer;
    std::string audience;
    std::string national;  // the 11-digit mainland number
    ProofMethod method = ProofMethod::CarrierVerify;
    std::optional<Operator> op;  // the carrier that vouched (absent for SMS)
    std::string jti;             // the requestId: unique, accepted once
    std::int64_t now_ms = 0;
    std::int64_t ttl_sec = 300;
};

// {iss, aud, iat, exp, jti, phone_number (+86...), phone_number_verified: true, amr: [method], operator?}
nlohmann::json assertion_claims(const AssertionFacts& f);

}  // namespace nv::server
