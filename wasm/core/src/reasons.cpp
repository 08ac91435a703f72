#include "nv/reasons.hpp"

#include <iterator>

#include "ids.hpp"
#include "message_row.hpp"

namespace nv {
namespace {

#ifdef NV_EXTERNAL_MESSAGES
// The page's build: every row's key ("\2\1" + id, message_row.hpp) in one NUL-separated string, the i-th found by
// scanning (a hundred short rows): no pointer, length or offset per row (docs/wasm-size.md).
constexpr char kKeys[] =
#define NV_REASON_KEY(id, zh, en) "\2\1" #id "\0"
    NV_REASONS(NV_REASON_KEY)
#undef NV_REASON_KEY
    ;
constexpr std::size_t kReasonCount = 0
#define NV_REASON_ONE(id, zh, en) +1
    NV_REASONS(NV_REASON_ONE)
#undef NV_REASON_ONE
    ;
struct ReasonRows {
    detail::MessageRow operator[](std::size_t i) const { return {detail::nth_id(kKeys, i)}; }
};
constexpr ReasonRows kReasons;
std::size_t constexpr reason_rows() { return kReasonCount; }
#else
constexpr detail::MessageRow kReasons[] = {
#define NV_REASON_ROW(id, zh, en) NV_MESSAGE_ROW(#id, zh, en)
    NV_REASONS(NV_REASON_ROW)
#undef NV_REASON_ROW
};
std::size_t constexpr reason_rows() { return std::size(kReasons); }
#endif

using A = TokenErrorAction;
using V = VendorOutcome;

constexpr VendorCodeInfo kVendorCodes[] = {
    {9000, Reason::CONSISTENT, V::Consistent, true},
    {9001, Reason::INCONSISTENT, V::Inconsistent, true},
    {9002, Reason::RESULT_UNKNOWN, V::Unknown, false},
    {9003, Reason::TOKEN_EXPIRED, V::TokenRejected, false},
    {9004, Reason::CONFIG_NOT_FOUND, V::Refused, false},
    {9005, Reason::TOO_SOON, V::RateLimited, false},
    {9006, Reason::NUMBER_DAILY_LIMIT, V::RateLimited, false},
    {9007, Reason::APP_DAILY_LIMIT, V::RateLimited, false},
    {9010, Reason::AUTH_MISSING, V::Refused, false},
    {9011, Reason::AUTH_FAILED, V::Refused, false},
    {9012, Reason::BAD_PARAMETER, V::Refused, false},
    {9013, Reason::METHOD_NOT_ALLOWED, V::Refused, false},
    {9014, Reason::APP_BLOCKED, V::Refused, false},
    {9015, Reason::BAD_CONTENT_TYPE, V::Refused, false},
    {9018, Reason::BALANCE_LOW, V::Refused, false},
    {9031, Reason::SERVICE_DISABLED, V::Refused, false},
    {9020, Reason::LOGIN_KEY_MISMATCH, V::Refused, false},
    {9099, Reason::UPSTREAM_ERROR, V::ServerError, false},
    // loginTokenVerify (DESIGN 8): the number was obtained (billed) or not.
    {8000, Reason::LOGGED_IN, V::Consistent, true},
    {8001, Reason::LOGIN_FAILED, V::Inconsistent, false},
};

constexpr SdkCodeInfo kSdkCodes[] = {
    {0, Reason::OK, A::NextCarrier},
    {1000, Reason::SDK_UNKNOWN, A::NextCarrier},
    {1001, Reason::SDK_INIT_IN_PROGRESS, A::Stop},
    {1002, Reason::SDK_APPKEY_EMPTY, A::Stop},
    {1003, Reason::SDK_INIT_FAILED, A::Stop},
    {1004, Reason::SDK_INIT_TIMEOUT, A::Stop},
    {1005, Reason::OFFLINE, A::Stop},
    {2001, Reason::SDK_NOT_INITIALISED, A::Stop},
    {2002, Reason::TOKEN_FAILED, A::NextCarrier},
    {2003, Reason::TOKEN_IN_PROGRESS, A::Stop},
    {2004, Reason::ENV_UNSUPPORTED, A::Stop},
    {2005, Reason::BAD_OPERATOR, A::NextCarrier},
    // loginAuth: the user closed the carrier's authorization page (6002 in the vendor's SDKs; providers also
    // report it as "CLOSED"). Nothing else is asked: the user said no.
    {6002, Reason::LOGIN_CLOSED, A::Stop},
};

constexpr ProviderCodeInfo kProviderCodes[] = {
    {"TIMEOUT", Reason::TOKEN_TIMEOUT, A::NextCarrier},
    {"NETWORK", Reason::TOKEN_FAILED, A::NextCarrier},
    // The user closed the carrier's authorization page: their answer, not a failure to retry elsewhere.
    {"CLOSED", Reason::LOGIN_CLOSED, A::Stop},
    {"SETUP_ASSET", Reason::SETUP_ASSET, A::Stop},
    {"SETUP_SERVER", Reason::SETUP_SERVER, A::Stop},
    {"SETUP_CORS", Reason::SETUP_CORS, A::Stop},
    {"SDK_MISSING", Reason::SDK_MISSING, A::Stop},
    {"SDK_STUCK", Reason::SDK_STUCK, A::Stop},
};

// CM 103111 and CT 800008 are the gateways' answers to a source address they do not own (DESIGN 5/7). CU's
// gateway reports the same condition as a source-IP error; the sandbox names it SOURCE_IP_ERROR.
constexpr CarrierCodeInfo kCarrierCodes[] = {
    {Operator::CM, "103111", Reason::CARRIER_MISMATCH, A::NextCarrier},
    {Operator::CT, "800008", Reason::CARRIER_MISMATCH, A::NextCarrier},
    {Operator::CU, "SOURCE_IP_ERROR", Reason::CARRIER_MISMATCH, A::NextCarrier},
};

}  // namespace

std::string_view reason_id(Reason r) { return kReasons[static_cast<std::size_t>(r)].id(); }

std::optional<Reason> reason_from_id(std::string_view id) {
    for (std::size_t i = 0; i < reason_rows(); ++i) {
        if (kReasons[i].id() == id) return static_cast<Reason>(i);
    }
    return std::nullopt;
}

std::string_view reason_message(Reason r, Locale locale) {
    return kReasons[static_cast<std::size_t>(r)].message(locale);
}

std::optional<Locale> locale_from_id(std::string_view id) {
    const std::size_t i = detail::id_index("zh-CN\0zh\0zh-Hans\0zh-Hans-CN\0en\0en-US\0en-GB", 7, id);
    if (i == 7) return std::nullopt;
    return i < 4 ? Locale::ZhCN : Locale::En;
}

std::string_view locale_id(Locale l) { return l == Locale::ZhCN ? "zh-CN" : "en"; }

std::size_t reason_count() { return reason_rows(); }

Reason reason_at(std::size_t index) { return static_cast<Reason>(index); }

VendorCodeInfo vendor_code_info(int code) {
    for (const auto& row : kVendorCodes) {
        if (row.code == code) return row;
    }
    return {code, Reason::UPSTREAM_UNKNOWN_CODE, V::ServerError, false};
}

const VendorCodeInfo* vendor_codes(std::size_t* count) {
    *count = std::size(kVendorCodes);
    return kVendorCodes;
}

SdkCodeInfo sdk_code_info(int code) {
    for (const auto& row : kSdkCodes) {
        if (row.code == code) return row;
    }
    return {code, Reason::SDK_UNKNOWN, A::NextCarrier};
}

const SdkCodeInfo* sdk_codes(std::size_t* count) {
    *count = std::size(kSdkCodes);
    return kSdkCodes;
}

std::optional<ProviderCodeInfo> provider_code_info(std::string_view code) {
    for (const auto& row : kProviderCodes) {
        if (row.code == code) return row;
    }
    return std::nullopt;
}

const ProviderCodeInfo* provider_codes(std::size_t* count) {
    *count = std::size(kProviderCodes);
    return kProviderCodes;
}

std::optional<CarrierCodeInfo> carrier_code_info(Operator op, std::string_view code) {
    for (const auto& row : kCarrierCodes) {
        if (row.op == op && row.code == code) return row;
    }
    return std::nullopt;
}

const CarrierCodeInfo* carrier_codes(std::size_t* count) {
    *count = std::size(kCarrierCodes);
    return kCarrierCodes;
}

}  // namespace nv
