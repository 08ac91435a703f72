// libFuzzer: every vendor answer the upstream client hands to the outcome mapping (map_upstream): any HTTP status
// and any body. Invariants: never crashes or throws; an error has an error status and a reason; `verified` only
// for a consistent result; 2xx statuses only for results.
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
    return 0;
}
