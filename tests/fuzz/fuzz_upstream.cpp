// libFuzzer: every vendor answer the upstream client hands to the outcome mapping (map_upstream): any HTTP status
// and any body, read as a verify, a loginTokenVerify and a queryBusinessRisk answer. Invariants: never crashes or
// throws; an error has an error status and a reason; `verified` only for a consistent result (a login success
// only with the number); 2xx statuses only for results.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "rules/outcome.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    using namespace nv::server;
    UpstreamReply reply;
    reply.transport = Transport::Ok;
    reply.status = 100 + (data[0] | (data[1] << 8)) % 500;
    reply.body.assign(reinterpret_cast<const char*>(data) + 2, size - 2);
    RiskThresholds risk;
    const std::optional<std::string> ex_id = (data[0] & 1) ? std::optional<std::string>("order-1") : std::nullopt;
    OutcomeContext ctx{risk, ex_id, 1'795'363'200'000};
    const VerifyOutcome out = map_upstream(reply, ctx);
    if (out.is_error) {
        if (out.http_status < 400 || out.reason == nv::Reason::OK) std::abort();
    } else {
        if (out.http_status != 200) std::abort();
        if (out.result != "consistent" && out.result != "inconsistent" && out.result != "unknown") std::abort();
        if (out.verified && out.result != "consistent") std::abort();
    }
    // The same answer from loginTokenVerify: a success only with the (encrypted) number, results success|failed.
    ctx.api = VendorApi::Login;
    const VerifyOutcome login = map_upstream(reply, ctx);
    if (login.is_error) {
        if (login.http_status < 400 || login.reason == nv::Reason::OK) std::abort();
    } else {
        if (login.http_status != 200 || (login.result != "success" && login.result != "failed")) std::abort();
        if (login.result == "success" && login.encrypted_phone.empty()) std::abort();
        if (login.verified && login.result != "success") std::abort();
    }
    // ... and from queryBusinessRisk: a score in the policy's bands, or an error.
    const RiskOutcome r = map_risk_reply(reply, ctx);
    if (r.is_error ? (r.http_status < 400 || r.reason == nv::Reason::OK) : (r.http_status != 200 || !r.risk.contains("decision"))) {
        std::abort();
    }
    return 0;
}
