// The Aliyun adapter's pure parts: the V3 signature (ACS3-HMAC-SHA256) against Alibaba Cloud's published worked
// example and a Dypnsapi request, and the vendor table's Aliyun facts (codes, lifetimes, billing).
#include <catch2/catch.hpp>

#include "base/crypto.hpp"
#include "nv/vendors.hpp"
#include "vendor/acs3_signature.hpp"

using namespace nv;
using namespace nv::server;

namespace {

// The published example (help.aliyun.com, Function Compute's "signature mechanism" page; values in
// shared/reference/aliyun-pnvs.md): ECS RunInstances, empty body.
acs3::Request published_example(std::string method = "POST") {
    acs3::Request r;
    r.method = std::move(method);
    r.query = {{"ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd"}, {"RegionId", "cn-shanghai"}};
    r.headers = {{"host", "ecs.cn-shanghai.aliyuncs.com"},
                 {"x-acs-action", "RunInstances"},
                 {"x-acs-version", "2014-05-26"},
                 {"x-acs-date", "2023-10-26T10:22:32Z"},
                 {"x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"}};
    return r;
}

}  // namespace

TEST_CASE("aliyun: the V3 signature reproduces the published worked example") {
    acs3::Request r = published_example();
    const std::string auth = acs3::sign(r, "YourAccessKeyId", "YourAccessKeySecret");
    const std::string hashed = sha256_hex("");
    CHECK(hashed == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const std::string names = acs3::signed_header_names(r);
    CHECK(names == "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version");
    const std::string canonical = acs3::canonical_request(r, names, hashed);
    CHECK(canonical ==
          "POST\n/\nImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai\n"
          "host:ecs.cn-shanghai.aliyuncs.com\nx-acs-action:RunInstances\n"
          "x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
          "x-acs-date:2023-10-26T10:22:32Z\nx-acs-signature-nonce:3156853299f313e23d1673dc12e1703d\n"
          "x-acs-version:2014-05-26\n\n"
          "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version\n"
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha256_hex(canonical) == "7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259");
    CHECK(auth ==
          "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;"
          "x-acs-date;x-acs-signature-nonce;x-acs-version,"
          "Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0");

    // The method is signed: the same request as a GET has another signature.
    acs3::Request get = published_example("GET");
    CHECK(acs3::sign(get, "YourAccessKeyId", "YourAccessKeySecret").find("Signature=9f6beca8") != std::string::npos);
    // So is the secret.
    acs3::Request other = published_example();
    CHECK(acs3::sign(other, "YourAccessKeyId", "another-secret") != auth);
}

TEST_CASE("aliyun: a Dypnsapi request's query is encoded per RFC 3986 and signed") {
    acs3::Request r;
    r.query = {{"SpToken", "ab+c/d=="}, {"PhoneNumber", "13800138000"}};  // out of order on purpose
    r.headers = {{"Host", "dypnsapi.aliyuncs.com"},
                 {"x-acs-action", "VerifyPhoneWithToken"},
                 {"x-acs-version", "2017-05-25"},
                 {"x-acs-date", "2026-01-02T03:04:05Z"},
                 {"x-acs-signature-nonce", "0123456789abcdef0123456789abcdef"},
                 {"User-Agent", "not signed"}};
    CHECK(acs3::canonical_query(r.query) == "PhoneNumber=13800138000&SpToken=ab%2Bc%2Fd%3D%3D");
    const std::string auth = acs3::sign(r, "id", "testsecret");
    const std::string canonical = acs3::canonical_request(r, acs3::signed_header_names(r), sha256_hex(""));
    CHECK(sha256_hex(canonical) == "0f651b7b831244467558f06b5945e5d7b8658dfab75fe960c93e5c6d386b8c4a");
    CHECK(auth.substr(auth.find("Signature=") + 10) ==
          "033d42a7c839b1d31aad8a48713fc7b63125db21746e1a859cf4896d58ae63cc");

    CHECK(acs3::percent_encode("a b*~-_.中") == "a%20b%2A~-_.%E4%B8%AD");
}

TEST_CASE("aliyun: Authorization and x-acs-date are parsed strictly") {
    const auto a = acs3::parse_authorization("ACS3-HMAC-SHA256 Credential=id,SignedHeaders=host;x-acs-date,Signature=ab");
    REQUIRE(a);
    CHECK(a->access_key_id == "id");
    CHECK(a->signed_headers == "host;x-acs-date");
    CHECK(a->signature == "ab");
    CHECK_FALSE(acs3::parse_authorization("ACS3-HMAC-SHA256 Credential=id,Signature=ab"));
    CHECK_FALSE(acs3::parse_authorization("HMAC Credential=id,SignedHeaders=host,Signature=ab"));
    CHECK_FALSE(acs3::parse_authorization("ACS3-HMAC-SHA256 Credential=id,Credential=x,SignedHeaders=h,Signature=a"));

    CHECK(acs3::format_date(1'698'315'752'000) == "2023-10-26T10:22:32Z");
    CHECK(acs3::parse_date("2023-10-26T10:22:32Z") == 1'698'315'752'000);
    CHECK_FALSE(acs3::parse_date("2023-10-26 10:22:32Z"));
    CHECK_FALSE(acs3::parse_date("2023-13-26T10:22:32Z"));
    CHECK_FALSE(acs3::parse_date("2023-10-26T10:22:3xZ"));
}

TEST_CASE("aliyun: the vendor table holds its lifetimes, processes and codes") {
    const VendorInfo& ali = vendor_info(VendorId::Aliyun);
    CHECK(ali.key == "aliyun");
    CHECK(vendor_from_key("aliyun") == VendorId::Aliyun);
    CHECK(vendor_from_key("jiguang") == VendorId::Jiguang);
    CHECK_FALSE(vendor_from_key("Aliyun"));
    // spTokens: CM 2 min, CU 30 min, CT 10 min.
    CHECK(vendor_token_ttl_ms(VendorId::Aliyun, Operator::CM, false) == 120'000);
    CHECK(vendor_token_ttl_ms(VendorId::Aliyun, Operator::CU, false) == 1'800'000);
    CHECK(vendor_token_ttl_ms(VendorId::Aliyun, Operator::CT, false) == 600'000);
    CHECK(vendor_max_token_ttl_ms(VendorId::Aliyun, false) == 1'800'000);
    // Jiguang's are the carriers' own.
    CHECK(vendor_token_ttl_ms(VendorId::Jiguang, Operator::CU, false) == operator_info(Operator::CU).token_ttl_ms);
    CHECK(vendor_token_ttl_ms(VendorId::Jiguang, Operator::CT, true) == operator_info(Operator::CT).login_token_ttl_ms);
    CHECK_FALSE(ali.offers_risk);
    CHECK(vendor_info(VendorId::Jiguang).offers_risk);

    // PASS and REJECT are billed, UNKNOWN is not.
    REQUIRE(aliyun_verify_result("PASS"));
    CHECK(aliyun_verify_result("PASS")->billed);
    CHECK(aliyun_verify_result("REJECT")->billed);
    CHECK(aliyun_verify_result("REJECT")->reason == Reason::INCONSISTENT);
    CHECK_FALSE(aliyun_verify_result("UNKNOWN")->billed);
    CHECK_FALSE(aliyun_verify_result("pass"));

    CHECK(aliyun_code_info("isv.TOKEN_INVALID").outcome == VendorOutcome::TokenRejected);
    CHECK(aliyun_code_info("Throttling.User").reason == Reason::VENDOR_THROTTLED);
    CHECK(aliyun_code_info("InvalidTimeStamp.Expired").reason == Reason::CLOCK_SKEW);
    CHECK(aliyun_code_info("SignatureDoesNotMatch").reason == Reason::AUTH_FAILED);
    CHECK(aliyun_code_info("isv.SOMETHING_NEW").reason == Reason::UPSTREAM_UNKNOWN_CODE);
    std::size_t n = 0;
    const AliyunCodeInfo* codes = aliyun_codes(&n);
    for (std::size_t i = 0; i < n; ++i) CHECK_FALSE(codes[i].billed);  // only a verify result is billed
}

#include "rules/circuit.hpp"

TEST_CASE("vendor circuit: opens after consecutive failures, lets one trial through, closes on success") {
    const CircuitPolicy p{3, 30'000};
    CircuitState s;
    std::int64_t t = 1'000'000;
    for (int i = 0; i < 2; ++i) {
        REQUIRE(circuit_admit(s, t).allowed);
        s = circuit_record(s, true, p, t);
    }
    CHECK(circuit_view(s, t) == CircuitView::Closed);
    s = circuit_record(s, false, p, t);  // a success in between resets the count
    CHECK(s.consecutive_failures == 0);
    for (int i = 0; i < 3; ++i) s = circuit_record(s, true, p, t);
    CHECK(circuit_view(s, t) == CircuitView::Open);
    CHECK_FALSE(circuit_admit(s, t + 29'999).allowed);
    // Half-open: one trial, and no second while it is out.
    auto trial = circuit_admit(s, t + 30'000);
    REQUIRE(trial.allowed);
    CHECK(circuit_view(trial.next, t + 30'000) == CircuitView::HalfOpen);
    CHECK_FALSE(circuit_admit(trial.next, t + 30'001).allowed);
    // A failed trial opens it again; a good one closes it.
    const CircuitState reopened = circuit_record(trial.next, true, p, t + 30'100);
    CHECK(circuit_view(reopened, t + 30'200) == CircuitView::Open);
    const CircuitState closed = circuit_record(trial.next, false, p, t + 30'100);
    CHECK(circuit_view(closed, t + 30'200) == CircuitView::Closed);
    CHECK(std::string(circuit_view_id(CircuitView::HalfOpen)) == "half_open");
}

#include "rules/outcome.hpp"

namespace {

UpstreamReply ali(int status, const std::string& body) {
    UpstreamReply r;
    r.status = status;
    r.body = body;
    return r;
}

OutcomeContext verify_ctx() {
    OutcomeContext c;
    c.now_ms = 1'796'000'000'000;
    return c;
}

}  // namespace

TEST_CASE("aliyun: answers map to outcomes (results, business Codes, gateway refusals, lies, transport)") {
    const OutcomeContext ctx = verify_ctx();
    const auto pass = map_aliyun_reply(
        ali(200, R"({"Code":"OK","Message":"请求成功","RequestId":"R1","GateVerify":{"VerifyResult":"PASS","VerifyId":"9"}})"), ctx);
    CHECK_FALSE(pass.is_error);
    CHECK(pass.verified);
    CHECK(pass.billed);
    CHECK_FALSE(pass.refund);
    CHECK(pass.result == "consistent");
    CHECK(pass.answer_code == std::optional<std::string>("PASS"));
    CHECK(pass.upstream["id"] == "R1");
    CHECK(pass.upstream["code"] == "PASS");
    CHECK(pass.upstream["verifyId"] == "9");

    const auto reject = map_aliyun_reply(ali(200, R"({"Code":"OK","GateVerify":{"VerifyResult":"REJECT"}})"), ctx);
    CHECK(reject.result == "inconsistent");
    CHECK(reject.billed);
    CHECK_FALSE(reject.verified);

    const auto unknown = map_aliyun_reply(ali(200, R"({"Code":"OK","GateVerify":{"VerifyResult":"UNKNOWN"}})"), ctx);
    CHECK(unknown.result == "unknown");
    CHECK_FALSE(unknown.billed);
    CHECK(unknown.refund);
    CHECK(unknown.reason == Reason::RESULT_UNKNOWN);

    // Every code of the table: its reason, never billed, an error but for PARAMETERS_MISMATCH (not this number).
    std::size_t n = 0;
    const AliyunCodeInfo* codes = aliyun_codes(&n);
    for (std::size_t i = 0; i < n; ++i) {
        const std::string code(codes[i].code);
        const auto o = map_aliyun_reply(ali(200, R"({"Code":")" + code + R"(","Message":"m","RequestId":"R"})"), ctx);
        INFO(code);
        CHECK(o.reason == codes[i].reason);
        CHECK_FALSE(o.billed);
        CHECK(o.answer_code == std::optional<std::string>(code));
        CHECK(o.is_error == (codes[i].outcome != VendorOutcome::Inconsistent));
        CHECK(o.http_status == (o.is_error ? status_for_outcome(codes[i].outcome, codes[i].reason) : 200));
    }
    const auto throttled = map_aliyun_reply(ali(400, R"({"Code":"Throttling.User","Message":"m"})"), ctx);
    CHECK(throttled.http_status == 429);
    CHECK(throttled.retry_after_sec == 1);
    const auto daily = map_aliyun_reply(ali(200, R"({"Code":"BUSINESS_LIMIT_CONTROL"})"), ctx);
    CHECK(daily.http_status == 429);
    CHECK(*daily.retry_after_sec > 1);
    const auto expired = map_aliyun_reply(ali(200, R"({"Code":"isv.TOKEN_INVALID"})"), ctx);
    CHECK(expired.http_status == 400);
    CHECK(expired.refund);
    const auto novel = map_aliyun_reply(ali(200, R"({"Code":"isv.SOMETHING_NEW"})"), ctx);
    CHECK(novel.http_status == 502);
    CHECK(novel.reason == Reason::UPSTREAM_UNKNOWN_CODE);

    // Lies and garbage: never a result.
    for (const auto& [status, body] : std::vector<std::pair<int, std::string>>{
             {200, R"({"Code":"OK","GateVerify":{"VerifyResult":"MAYBE"}})"},
             {200, R"({"Code":"OK"})"},
             {500, R"({"Code":"OK","GateVerify":{"VerifyResult":"PASS"}})"},
             {200, R"({"Code":"OK","Code":"OK","GateVerify":{"VerifyResult":"PASS"}})"},
             {503, "<html>503</html>"},
             {200, R"({"Code":7})"},
             {200, "[]"}}) {
        INFO(body);
        const auto o = map_aliyun_reply(ali(status, body), ctx);
        CHECK(o.is_error);
        CHECK(o.http_status == 502);
        CHECK(o.reason == Reason::UPSTREAM_ERROR);
        CHECK_FALSE(o.billed);
    }
    UpstreamReply timeout;
    timeout.transport = Transport::Timeout;
    CHECK(map_aliyun_reply(timeout, ctx).http_status == 504);
    UpstreamReply refused;
    refused.transport = Transport::ConnectFailed;
    CHECK(map_aliyun_reply(refused, ctx).refund);

    // Login: a number came back (billed, MOBILE in the ledger), or it is not a login.
    OutcomeContext login = ctx;
    login.api = VendorApi::Login;
    const auto mobile = map_aliyun_reply(ali(200, R"({"Code":"OK","Data":{"Mobile":"13900001234"}})"), login);
    CHECK(mobile.verified);
    CHECK(mobile.billed);
    CHECK(mobile.phone == "13900001234");
    CHECK(mobile.answer_code == std::optional<std::string>("MOBILE"));
    CHECK(map_aliyun_reply(ali(200, R"({"Code":"OK","Data":{"Mobile":13900001234}})"), login).phone == "13900001234");
    for (const char* body : {R"({"Code":"OK","Data":{"Mobile":"1390000123"}})", R"({"Code":"OK","Data":{}})",
                             R"({"Code":"OK","Data":{"Mobile":"14500001234"}})"}) {
        INFO(body);
        CHECK(map_aliyun_reply(ali(200, body), login).reason == Reason::UPSTREAM_ERROR);
    }
    const auto used = map_aliyun_reply(ali(200, R"({"Code":"isv.TOKEN_UNAUTHORIZED_USED"})"), login);
    CHECK(used.http_status == 400);
    CHECK_FALSE(used.billed);
}
