#include "rules/assertion.hpp"

namespace nv::server {

const char* proof_method_id(ProofMethod m) {
    switch (m) {
        case ProofMethod::CarrierVerify: return "carrier_verify";
        case ProofMethod::CarrierLogin: return "carrier_login";
        case ProofMethod::Sms: return "sms";
    }
    return "sms";
}

nlohmann::json assertion_claims(const AssertionFacts& f) {
    const std::int64_t iat = f.now_ms / 1000;
    nlohmann::json c{{"iss", f.issuer},
                     {"aud", f.audience},
                     {"iat", iat},
                     {"exp", iat + f.ttl_sec},
                     {"jti", f.jti},
                     {"phone_number", "+86" + f.national},
                     {"phone_number_verified", true},
                     {"amr", nlohmann::json::array({proof_method_id(f.method)})}};
    if (f.op) c["operator"] = operator_id(*f.op);
    return c;
}

}  // namespace nv::server
