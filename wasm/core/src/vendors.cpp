#include "nv/vendors.hpp"

#include <algorithm>
#include <iterator>

namespace nv {
namespace {

using V = VendorOutcome;

std::array<std::int64_t, 3> carrier_ttls(bool login) {
    std::array<std::int64_t, 3> t{};
    for (std::size_t i = 0; i < 3; ++i) {
        const OperatorInfo& o = operator_info(static_cast<Operator>(i));
        t[i] = login ? o.login_token_ttl_ms : o.token_ttl_ms;
    }
    return t;
}

const VendorInfo kVendors[] = {
    {VendorId::Jiguang, "jiguang", {"极光认证", "Jiguang JVerification"}, carrier_ttls(false), carrier_ttls(true), 0,
     0, true, true, true, "verify: consistent and inconsistent results (9000, 9001); login: a number returned (8000)"},
    // spToken: CM 2 min, CU 30 min, CT 10 min, single use, for both processes (VerifyPhoneWithToken,
    // GetPhoneWithToken); no business-risk API.
    {VendorId::Aliyun, "aliyun", {"阿里云号码认证", "Alibaba Cloud PNVS"}, {120'000, 1'800'000, 600'000},
     {120'000, 1'800'000, 600'000}, 600'000, 3'600'000, true, true, false,
     "verify: PASS and REJECT, never UNKNOWN; login: a number returned (Data.Mobile)"},
};
static_assert(std::size(kVendors) == kVendorCount);

constexpr AliyunCodeInfo kAliyunResults[] = {
    {"PASS", Reason::CONSISTENT, V::Consistent, true},
    {"REJECT", Reason::INCONSISTENT, V::Inconsistent, true},
    {"UNKNOWN", Reason::RESULT_UNKNOWN, V::Unknown, false},
};

// GetPhoneWithToken's success: Code OK with Data.Mobile. The usage ledger counts it as MOBILE (billed: the
// login is billed only when a number came back).
constexpr AliyunCodeInfo kAliyunLogin = {"MOBILE", Reason::LOGGED_IN, V::Consistent, true};

constexpr AliyunCodeInfo kAliyunCodes[] = {
    {"isv.TOKEN_INVALID", Reason::TOKEN_EXPIRED, V::TokenRejected, false},
    {"isv.TOKEN_UNAUTHORIZED_USED", Reason::BAD_PARAMETER, V::Refused, false},
    {"isv.VERIFY_SCHEME_NOT_EXIST", Reason::CONFIG_NOT_FOUND, V::Refused, false},
    {"isv.SCENE_QUERY_FAIL", Reason::CONFIG_NOT_FOUND, V::Refused, false},
    {"isv.INVALID_APP", Reason::CONFIG_NOT_FOUND, V::Refused, false},
    {"isv.RAM_PERMISSION_DENY", Reason::AUTH_FAILED, V::Refused, false},
    {"isv.PRODUCT_UNSUBSCRIBE", Reason::SERVICE_DISABLED, V::Refused, false},
    {"isv.PRODUCT_UN_SUBSCRIPT", Reason::SERVICE_DISABLED, V::Refused, false},
    // The typed number's carrier is not the carrier of the SIM carrying data: not this phone's number.
    {"isv.PARAMETERS_MISMATCH", Reason::INCONSISTENT, V::Inconsistent, false},
    {"isv.OUT_OF_SERVICE", Reason::BALANCE_LOW, V::Refused, false},
    {"isv.MOBILE_NUMBER_ILLEGAL", Reason::BAD_PARAMETER, V::Refused, false},
    {"isv.INVALID_PARAMETERS", Reason::BAD_PARAMETER, V::Refused, false},
    {"BUSINESS_LIMIT_CONTROL", Reason::NUMBER_DAILY_LIMIT, V::RateLimited, false},
    {"Throttling", Reason::VENDOR_THROTTLED, V::RateLimited, false},
    {"Throttling.User", Reason::VENDOR_THROTTLED, V::RateLimited, false},
    {"Throttling.Api", Reason::VENDOR_THROTTLED, V::RateLimited, false},
    {"SignatureDoesNotMatch", Reason::AUTH_FAILED, V::Refused, false},
    {"InvalidAccessKeyId.NotFound", Reason::AUTH_FAILED, V::Refused, false},
    {"InvalidTimeStamp.Expired", Reason::CLOCK_SKEW, V::Refused, false},
    // A nonce seen before: our request was sent twice (nothing was processed); the next call has a new one.
    {"SignatureNonceUsed", Reason::UPSTREAM_ERROR, V::ServerError, false},
};

}  // namespace

const VendorInfo& vendor_info(VendorId v) { return kVendors[static_cast<std::size_t>(v)]; }

std::optional<VendorId> vendor_from_key(std::string_view key) {
    for (const auto& v : kVendors) {
        if (v.key == key) return v.id;
    }
    return std::nullopt;
}

std::int64_t vendor_token_ttl_ms(VendorId v, Operator op, bool login) {
    const VendorInfo& info = vendor_info(v);
    return (login ? info.login_token_ttl_ms : info.token_ttl_ms)[static_cast<std::size_t>(op)];
}

std::int64_t vendor_max_token_ttl_ms(VendorId v, bool login) {
    const auto& t = login ? vendor_info(v).login_token_ttl_ms : vendor_info(v).token_ttl_ms;
    return *std::max_element(t.begin(), t.end());
}

AliyunCodeInfo aliyun_code_info(std::string_view code) {
    for (const auto& row : kAliyunCodes) {
        if (row.code == code) return row;
    }
    return {code, Reason::UPSTREAM_UNKNOWN_CODE, V::ServerError, false};
}

const AliyunCodeInfo* aliyun_codes(std::size_t* count) {
    *count = std::size(kAliyunCodes);
    return kAliyunCodes;
}

std::optional<AliyunCodeInfo> aliyun_verify_result(std::string_view result) {
    for (const auto& row : kAliyunResults) {
        if (row.code == result) return row;
    }
    return std::nullopt;
}

AliyunCodeInfo aliyun_login_result() { return kAliyunLogin; }

const AliyunCodeInfo* aliyun_verify_results(std::size_t* count) {
    *count = std::size(kAliyunResults);
    return kAliyunResults;
}

}  // namespace nv
