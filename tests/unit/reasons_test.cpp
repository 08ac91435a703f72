// The one table of reasons and codes (DESIGN 7).
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "nv/reasons.hpp"

using namespace nv;

TEST_CASE("every reason has a stable id and both messages", "[reasons]") {
    std::set<std::string> ids;
    REQUIRE(reason_count() > 50);
    for (std::size_t i = 0; i < reason_count(); ++i) {
        const Reason r = reason_at(i);
        const std::string id(reason_id(r));
        CAPTURE(id);
        CHECK(ids.insert(id).second);
        CHECK(reason_from_id(id) == r);
        const auto zh = reason_message(r, Locale::ZhCN);
        const auto en = reason_message(r, Locale::En);
        CHECK(zh.size() > 3);
        CHECK(en.size() > 3);
        CHECK(zh != en);
        // The zh-CN message is Chinese: it contains a CJK character (3-byte UTF-8 sequence starting E4..E9).
        bool cjk = false;
        for (const char c : zh) cjk = cjk || (static_cast<unsigned char>(c) >= 0xE4 && static_cast<unsigned char>(c) <= 0xE9);
        CHECK(cjk);
        // Messages are full sentences that end with punctuation.
        CHECK((en.back() == '.' || en.back() == ')'));
    }
    CHECK_FALSE(reason_from_id("NOT_A_REASON"));
    CHECK(locale_from_id("zh-CN") == Locale::ZhCN);
    CHECK(locale_from_id("en") == Locale::En);
    CHECK_FALSE(locale_from_id("fr"));
}

TEST_CASE("every vendor code of DESIGN 7 maps to its meaning", "[reasons][vendor]") {
    struct Row {
        int code;
        Reason reason;
        VendorOutcome outcome;
        bool billed;
    };
    const Row rows[] = {
        {9000, Reason::CONSISTENT, VendorOutcome::Consistent, true},
        {9001, Reason::INCONSISTENT, VendorOutcome::Inconsistent, true},
        {9002, Reason::RESULT_UNKNOWN, VendorOutcome::Unknown, false},
        {9003, Reason::TOKEN_EXPIRED, VendorOutcome::TokenRejected, false},
        {9004, Reason::CONFIG_NOT_FOUND, VendorOutcome::Refused, false},
        {9005, Reason::TOO_SOON, VendorOutcome::RateLimited, false},
        {9006, Reason::NUMBER_DAILY_LIMIT, VendorOutcome::RateLimited, false},
        {9007, Reason::APP_DAILY_LIMIT, VendorOutcome::RateLimited, false},
        {9010, Reason::AUTH_MISSING, VendorOutcome::Refused, false},
        {9011, Reason::AUTH_FAILED, VendorOutcome::Refused, false},
        {9012, Reason::BAD_PARAMETER, VendorOutcome::Refused, false},
        {9013, Reason::METHOD_NOT_ALLOWED, VendorOutcome::Refused, false},
        {9014, Reason::APP_BLOCKED, VendorOutcome::Refused, false},
        {9015, Reason::BAD_CONTENT_TYPE, VendorOutcome::Refused, false},
        {9018, Reason::BALANCE_LOW, VendorOutcome::Refused, false},
        {9031, Reason::SERVICE_DISABLED, VendorOutcome::Refused, false},
        {9099, Reason::UPSTREAM_ERROR, VendorOutcome::ServerError, false},
        // loginTokenVerify (DESIGN 8): billed only when the number is obtained; 9020 is a key-pair mismatch.
        {8000, Reason::LOGGED_IN, VendorOutcome::Consistent, true},
        {8001, Reason::LOGIN_FAILED, VendorOutcome::Inconsistent, false},
        {9020, Reason::LOGIN_KEY_MISMATCH, VendorOutcome::Refused, false},
    };
    std::size_t n = 0;
    vendor_codes(&n);
    CHECK(n == std::size(rows));
    for (const auto& row : rows) {
        CAPTURE(row.code);
        const VendorCodeInfo v = vendor_code_info(row.code);
        CHECK(v.code == row.code);
        CHECK(reason_id(v.reason) == reason_id(row.reason));
        CHECK(v.outcome == row.outcome);
        CHECK(v.billed == row.billed);
    }
    const VendorCodeInfo unknown = vendor_code_info(9123);
    CHECK(unknown.reason == Reason::UPSTREAM_UNKNOWN_CODE);
    CHECK(unknown.outcome == VendorOutcome::ServerError);
    CHECK_FALSE(unknown.billed);
}

TEST_CASE("every Web SDK code of DESIGN 7 maps to its meaning", "[reasons][sdk]") {
    struct Row {
        int code;
        Reason reason;
        TokenErrorAction action;
    };
    using A = TokenErrorAction;
    const Row rows[] = {
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
        {6002, Reason::LOGIN_CLOSED, A::Stop},  // loginAuth: the user closed the carrier's page
    };
    std::size_t n = 0;
    sdk_codes(&n);
    CHECK(n == std::size(rows));
    for (const auto& row : rows) {
        CAPTURE(row.code);
        const SdkCodeInfo s = sdk_code_info(row.code);
        CHECK(reason_id(s.reason) == reason_id(row.reason));
        CHECK(s.action == row.action);
    }
    CHECK(sdk_code_info(4242).reason == Reason::SDK_UNKNOWN);
}

TEST_CASE("the carriers' VPN / wrong-network codes", "[reasons][carrier]") {
    CHECK(carrier_code_info(Operator::CM, "103111")->reason == Reason::CARRIER_MISMATCH);
    CHECK(carrier_code_info(Operator::CT, "800008")->reason == Reason::CARRIER_MISMATCH);
    CHECK(carrier_code_info(Operator::CU, "SOURCE_IP_ERROR")->reason == Reason::CARRIER_MISMATCH);
    CHECK_FALSE(carrier_code_info(Operator::CU, "103111"));  // a code belongs to its carrier
}

TEST_CASE("carrier facts of DESIGN 7", "[reasons][carrier]") {
    const auto& cm = operator_info(Operator::CM);
    CHECK(cm.branding.zh == "中国移动提供认证服务");
    CHECK(cm.agreement.zh == "《中国移动认证服务条款》");
    CHECK(cm.agreement_url == "https://wap.cmpassport.com/resources/html/contract.html");
    CHECK(cm.token_ttl_ms == 120'000);
    const auto& cu = operator_info(Operator::CU);
    CHECK(cu.branding.en == "Authentication provided by China Unicom");
    CHECK(cu.agreement.zh == "《中国联通认证服务协议》");
    CHECK(cu.agreement_url == "https://msv6.wosms.cn/html/oauth/protocol2.html");
    CHECK(cu.token_ttl_ms == 600'000);
    const auto& ct = operator_info(Operator::CT);
    CHECK(ct.branding.zh == "天翼账号提供认证服务");
    CHECK(ct.agreement.zh == "《天翼账号服务与隐私协议》");
    CHECK(ct.agreement_url == "https://e.189.cn/sdk/agreement/detail.do");
    CHECK(ct.token_ttl_ms == 60'000);
}
