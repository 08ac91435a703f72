// What the verify endpoint answers for each thing the upstream can do: every vendor code of DESIGN 7, an HTTP
// error, a malformed or contradictory body, a timeout, a refused or dropped connection. Pure: the route feeds
// it the upstream's raw reply and sends what it returns. The table is documented in server/openapi.yaml and
// docs/server.md, and tested code by code.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "nv/reasons.hpp"
#include "rules/risk.hpp"

namespace nv::server {

enum class Transport {
    Ok,             // an HTTP response arrived (any status)
    ConnectFailed,  // no connection: the request never left
    TlsFailed,      // the TLS handshake or the certificate check failed: nothing was sent
    Timeout,        // sent, no answer in time: the vendor may have processed (and billed) it
    Dropped,        // sent, then the connection broke: same
};

struct UpstreamReply {
    Transport transport = Transport::Ok;
    int status = 0;
    std::string body;
    std::int64_t elapsed_ms = 0;
};

// Which vendor endpoint answered: each has its own result codes (verify 9000/9001/9002, loginTokenVerify
// 8000/8001), and a result code from the other one is an unknown code, never a success.
enum class VendorApi { Verify, Login };

struct VerifyOutcome {
    int http_status = 502;
    Reason reason = Reason::UPSTREAM_ERROR;  // CONSISTENT, INCONSISTENT, RESULT_UNKNOWN, or the error
    bool is_error = true;                    // answer {error:{...}} rather than a result
    bool verified = false;
    std::string result;                      // consistent | inconsistent | unknown (results only)
    std::optional<int> vendor_code;          // the vendor's code when it gave one
    nlohmann::json upstream;                 // {id, code, content} when the vendor answered with a code
    std::optional<nlohmann::json> risk;      // {score, level, decision, tags} (v2)
    std::optional<std::int64_t> retry_after_sec;
    bool billed = false;                     // consistent and inconsistent results are billed
    bool refund = false;                     // the vendor did not process it: give the quota back
    std::string encrypted_phone;             // Login, 8000: `phone` as sent (base64 RSA ciphertext)
    std::string phone;                       // Login, Aliyun: Data.Mobile, the number in clear (checked: 11 digits)
    // The vendor's answer as text, whatever the vendor: Jiguang's code ("9000"), Aliyun's Code or, for a
    // verification, its VerifyResult ("PASS"). The metrics label and the usage ledger count it.
    std::optional<std::string> answer_code;
};

struct OutcomeContext {
    RiskThresholds risk;
    std::optional<std::string> ex_id;  // what we sent; an answer echoing another exID is not believed
    std::int64_t now_ms = 0;           // for retryAfterSec of daily limits
    VendorApi api = VendorApi::Verify;
};

VerifyOutcome map_upstream(const UpstreamReply& reply, const OutcomeContext& ctx);

// The business-risk query (POST /v2/web/queryBusinessRisk, DESIGN 9): code 0 and a score, or a vendor
// error mapped as for verify.
struct RiskOutcome {
    int http_status = 502;
    Reason reason = Reason::UPSTREAM_ERROR;
    bool is_error = true;
    std::optional<int> vendor_code;
    nlohmann::json upstream;  // {id, code, content}
    nlohmann::json risk;      // {score, level, decision, tags, detail}
};

RiskOutcome map_risk_reply(const UpstreamReply& reply, const OutcomeContext& ctx);

// The HTTP status the verify endpoint uses for a vendor code's refusal (the same table map_upstream uses).
int status_for_vendor_code(int code);
int status_for_outcome(VendorOutcome outcome, Reason reason);

// Aliyun Dypnsapi's answers to VerifyPhoneWithToken (api Verify) and GetPhoneWithToken (api Login): Code "OK" with
// GateVerify.VerifyResult PASS / REJECT / UNKNOWN, or Data.Mobile; any other Code (business failures arrive as
// HTTP 200) through the vendor table (nv/vendors.hpp). `upstream` is {id: RequestId, code, content: Message}.
VerifyOutcome map_aliyun_reply(const UpstreamReply& reply, const OutcomeContext& ctx);

}  // namespace nv::server
