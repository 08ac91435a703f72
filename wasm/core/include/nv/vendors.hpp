// The vendors whose number-verification APIs the product speaks to, and every fact about each that more than one
// part reads: the key used in configuration, the API and metrics; the processes it offers; its token lifetimes
// per carrier; what it bills; its result codes and what they mean. The server's adapters, its use cases and the
// sandbox that emulates the vendors all read this one table.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "nv/carrier.hpp"
#include "nv/reasons.hpp"

namespace nv {

enum class VendorId : std::uint8_t { Jiguang, Aliyun };
inline constexpr std::size_t kVendorCount = 2;

struct VendorInfo {
    VendorId id;
    std::string_view key;  // "jiguang", "aliyun": the config's `vendors[].name`, the API's `vendor`, metrics' label
    Text name;
    // Lifetimes of the token a page hands over, per carrier (CM, CU, CT), for number verification and for
    // one-click login. Jiguang's are the carriers' own (operator_info); Aliyun's spToken has its own.
    std::array<std::int64_t, 3> token_ttl_ms;
    std::array<std::int64_t, 3> login_token_ttl_ms;
    // The page session a vendor hands out for its Web SDK (Aliyun's GetAuthToken: AccessToken 10 min, JwtToken 1 h,
    // both reusable); 0 when the vendor has none (Jiguang's SDK takes the appKey).
    std::int64_t session_token_ttl_ms;
    std::int64_t session_jwt_ttl_ms;
    bool offers_verify;
    bool offers_login;
    bool offers_risk;  // a business-risk API (the SMS-pumping check needs one)
    std::string_view bills;  // what the vendor bills, in its documentation's words (docs)
};

const VendorInfo& vendor_info(VendorId v);
std::optional<VendorId> vendor_from_key(std::string_view key);

// The token lifetime of `op` at `v` (login: the one-click login token's), and the longest of the three carriers'.
std::int64_t vendor_token_ttl_ms(VendorId v, Operator op, bool login);
std::int64_t vendor_max_token_ttl_ms(VendorId v, bool login);

// Aliyun Dypnsapi (2017-05-25): the `Code` of an answer other than "OK" (business failures arrive as HTTP 200),
// and GateVerify.VerifyResult of VerifyPhoneWithToken. Unknown codes map to UPSTREAM_UNKNOWN_CODE / ServerError.
struct AliyunCodeInfo {
    std::string_view code;
    Reason reason;
    VendorOutcome outcome;
    bool billed;
};
AliyunCodeInfo aliyun_code_info(std::string_view code);
const AliyunCodeInfo* aliyun_codes(std::size_t* count);
// "PASS", "REJECT", "UNKNOWN"; nullopt for anything else (a lying upstream).
std::optional<AliyunCodeInfo> aliyun_verify_result(std::string_view result);
const AliyunCodeInfo* aliyun_verify_results(std::size_t* count);
// A login that returned a number (GetPhoneWithToken, Data.Mobile), as the usage ledger names it: MOBILE, billed.
AliyunCodeInfo aliyun_login_result();

}  // namespace nv
