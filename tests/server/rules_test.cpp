// The server's pure rules: the Asia/Shanghai calendar, quota arithmetic, the risk policy, billing, and the
// mapping of every vendor code and transport failure onto the verify endpoint's answer.
#include <catch2/catch.hpp>

#include "rules/billing.hpp"
#include "rules/calendar.hpp"
#include "rules/outcome.hpp"
#include "rules/quota.hpp"
#include "rules/risk.hpp"

using namespace nv;
using namespace nv::server;

namespace {
// 2026-11-23 00:00:00 in Asia/Shanghai = 2026-11-22T16:00:00Z.
constexpr std::int64_t kMidnight = 1'795'363'200'000;
}  // namespace

TEST_CASE("calendar: days are Asia/Shanghai days", "[calendar]") {
    CHECK(day_string(shanghai_day(kMidnight)) == "2026-11-23");
    CHECK(day_string(shanghai_day(kMidnight - 1)) == "2026-11-22");  // 15:59:59.999Z is still the 22nd there
    CHECK(ms_until_next_day(kMidnight) == kDayMs);
    CHECK(ms_until_next_day(kMidnight - 1) == 1);
    CHECK(day_string(shanghai_day(0)) == "1970-01-01");
    CHECK(parse_day("2026-11-23") == shanghai_day(kMidnight));
    CHECK(parse_day("2024-02-29").has_value());
    for (const char* bad : {"2026-02-29", "2026-13-01", "2026-00-10", "2026-1-01", "20261123", "", "abcd-ef-gh",
                            "2026-11-23x", "1969-12-31"}) {
        INFO(bad);
        CHECK_FALSE(parse_day(bad).has_value());
    }
    for (std::int64_t d = 0; d < 40'000; d += 37) CHECK(parse_day(day_string(d)) == d);
}

TEST_CASE("quota: same number at least 30 s apart", "[quota]") {
    QuotaLimits l;
    QuotaState s;
    auto first = admit(s, l, kMidnight + 1000);
    REQUIRE(first.allowed);
    auto again = admit(first.next, l, kMidnight + 1000 + 29'999);
    CHECK_FALSE(again.allowed);
    CHECK(again.reason == Reason::TOO_SOON);
    CHECK(again.retry_after_sec == 1);
    auto early = admit(first.next, l, kMidnight + 1000 + 1);
    CHECK(early.retry_after_sec == 30);
    CHECK(admit(first.next, l, kMidnight + 1000 + 30'000).allowed);
}

TEST_CASE("quota: at most 10 per number per Shanghai day, reset at Shanghai midnight", "[quota]") {
    QuotaLimits l;
    QuotaState s;
    std::int64_t t = kMidnight + 3'600'000;
    for (int i = 0; i < 10; ++i) {
        auto d = admit(s, l, t);
        REQUIRE(d.allowed);
        s = d.next;
        t += 30'000;
    }
    auto eleventh = admit(s, l, t);
    CHECK_FALSE(eleventh.allowed);
    CHECK(eleventh.reason == Reason::NUMBER_DAILY_LIMIT);
    CHECK(eleventh.retry_after_sec == (kMidnight + kDayMs - t + 999) / 1000);
    // One millisecond before midnight in Shanghai it is still the same day; at midnight the count restarts.
    CHECK_FALSE(admit(s, l, kMidnight + kDayMs - 1).allowed);
    auto next_day = admit(s, l, kMidnight + kDayMs);
    REQUIRE(next_day.allowed);
    CHECK(next_day.next.number.count == 1);
}

TEST_CASE("quota: per appKey daily limit and per-IP window", "[quota]") {
    QuotaLimits l;
    l.app_daily = 3;
    l.number_interval_ms = 0;
    QuotaState s;
    for (int i = 0; i < 3; ++i) s = admit(s, l, kMidnight + i).next;
    auto d = admit(s, l, kMidnight + 10);
    CHECK(d.reason == Reason::APP_DAILY_LIMIT);
    CHECK(d.retry_after_sec == kDayMs / 1000);

    QuotaLimits ipl;
    ipl.number_interval_ms = 0;
    ipl.number_daily = 0;
    ipl.ip_limit = 2;
    ipl.ip_window_ms = 60'000;
    QuotaState t;
    t = admit(t, ipl, 1'000).next;
    t = admit(t, ipl, 2'000).next;
    auto ip = admit(t, ipl, 3'000);
    CHECK(ip.reason == Reason::IP_LIMIT);
    CHECK(ip.retry_after_sec == 58);
    CHECK(admit(t, ipl, 61'000).allowed);  // a new window
}

TEST_CASE("quota: a limit of 0 switches the rule off, and refund gives one back", "[quota]") {
    QuotaLimits off{0, 0, 0, 0, 60'000};
    QuotaState s;
    for (int i = 0; i < 100; ++i) {
        auto d = admit(s, off, kMidnight + i);
        REQUIRE(d.allowed);
        s = d.next;
    }
    QuotaLimits l;
    QuotaState a = admit(QuotaState{}, l, kMidnight).next;
    const QuotaState b = admit(a, l, kMidnight + 40'000).next;
    const QuotaState r = refund(b, kMidnight + 40'000, kMidnight);
    CHECK(r.number.count == 1);
    CHECK(r.number.last_ms == kMidnight);
    CHECK(r.app.count == 1);
    CHECK_FALSE(admit(r, l, kMidnight + 20'000).allowed);  // the earlier verification's interval still holds
}

TEST_CASE("risk: the vendor's bands and configurable thresholds", "[risk]") {
    RiskThresholds t;
    CHECK(assess_risk(0, t).decision == RiskDecision::Allow);
    CHECK(assess_risk(300, t).decision == RiskDecision::Review);
    CHECK(assess_risk(600, t).decision == RiskDecision::StepUp);
    CHECK(assess_risk(900, t).decision == RiskDecision::Deny);
    CHECK(assess_risk(299, t).decision == RiskDecision::Allow);
    CHECK(assess_risk(0, t).level == "low");
    CHECK(assess_risk(300, t).level == "medium");
    CHECK(assess_risk(600, t).level == "medium_high");
    CHECK(assess_risk(900, t).level == "high");
    RiskThresholds strict{100, 200, 300};
    CHECK(assess_risk(300, strict).decision == RiskDecision::Deny);
    CHECK_FALSE(thresholds_valid({300, 300, 900}));
    CHECK(risk_permits_verified(RiskDecision::Review));
    CHECK_FALSE(risk_permits_verified(RiskDecision::StepUp));
    CHECK_FALSE(risk_permits_verified(RiskDecision::Deny));
}

TEST_CASE("billing: tier prices and the estimate", "[billing]") {
    CHECK(tier_for(10'000)->unit_price == Approx(0.0295));
    CHECK(tier_for(10'001)->unit_price == Approx(0.0275));
    CHECK(tier_for(250'000)->unit_price == Approx(0.0265));
    CHECK(tier_for(500'000)->unit_price == Approx(0.0255));
    CHECK_FALSE(tier_for(500'001).has_value());
    CHECK(estimate_cost(2, *tier_for(1)) == Approx(0.059));
    CHECK(estimate_cost(0, *tier_for(1)) == 0);
}

namespace {
VerifyOutcome vendor(int http, const std::string& body, std::optional<std::string> ex_id = std::nullopt) {
    OutcomeContext ctx{RiskThresholds{}, std::move(ex_id), kMidnight};
    return map_upstream(UpstreamReply{Transport::Ok, http, body, 12}, ctx);
}
std::string reply(int code, const std::string& extra = "") {
    return R"({"id":117270465679982592,"code":)" + std::to_string(code) + R"(,"content":"x","exID":"")" + extra + "}";
}
}  // namespace

TEST_CASE("outcome: results 9000/9001/9002", "[outcome]") {
    auto ok = vendor(200, reply(9000));
    CHECK(ok.http_status == 200);
    CHECK_FALSE(ok.is_error);
    CHECK(ok.verified);
    CHECK(ok.result == "consistent");
    CHECK(ok.billed);
    CHECK_FALSE(ok.refund);
    CHECK(ok.upstream["id"] == "117270465679982592");  // exact, as a string
    auto no = vendor(200, reply(9001));
    CHECK_FALSE(no.verified);
    CHECK(no.result == "inconsistent");
    CHECK(no.billed);
    auto unknown = vendor(200, reply(9002));
    CHECK(unknown.result == "unknown");
    CHECK_FALSE(unknown.verified);
    CHECK_FALSE(unknown.billed);
    CHECK(unknown.refund);
}

TEST_CASE("outcome: every vendor refusal has its status and reason", "[outcome]") {
    struct Row {
        int code, status;
        Reason reason;
        bool refund;
    };
    const Row rows[] = {
        {9003, 400, Reason::TOKEN_EXPIRED, true},      {9004, 503, Reason::CONFIG_NOT_FOUND, true},
        {9005, 429, Reason::TOO_SOON, false},          {9006, 429, Reason::NUMBER_DAILY_LIMIT, false},
        {9007, 429, Reason::APP_DAILY_LIMIT, false},   {9010, 503, Reason::AUTH_MISSING, true},
        {9011, 503, Reason::AUTH_FAILED, true},        {9012, 400, Reason::BAD_PARAMETER, true},
        {9013, 502, Reason::METHOD_NOT_ALLOWED, true}, {9014, 503, Reason::APP_BLOCKED, true},
        {9015, 502, Reason::BAD_CONTENT_TYPE, true},   {9018, 503, Reason::BALANCE_LOW, true},
        {9031, 503, Reason::SERVICE_DISABLED, true},   {9099, 502, Reason::UPSTREAM_ERROR, true},
        {9050, 502, Reason::UPSTREAM_UNKNOWN_CODE, true},
    };
    for (const Row& r : rows) {
        INFO(r.code);
        const auto o = vendor(r.code == 9011 ? 401 : 400, R"({"code":)" + std::to_string(r.code) + R"(,"content":"x"})");
        CHECK(o.is_error);
        CHECK(o.http_status == r.status);
        CHECK(o.reason == r.reason);
        CHECK(o.refund == r.refund);
        CHECK_FALSE(o.billed);
        CHECK(o.vendor_code == r.code);
        CHECK(o.upstream["id"].is_null());
        CHECK(status_for_vendor_code(r.code) == r.status);
    }
    CHECK(vendor(429, reply(9005)).retry_after_sec == 30);
    CHECK(vendor(429, reply(9006)).retry_after_sec == kDayMs / 1000);
}

TEST_CASE("outcome: transport failures and lying upstreams", "[outcome]") {
    OutcomeContext ctx;
    auto t = [&](Transport tr) { return map_upstream(UpstreamReply{tr, 0, "", 0}, ctx); };
    CHECK(t(Transport::ConnectFailed).http_status == 502);
    CHECK(t(Transport::ConnectFailed).reason == Reason::UPSTREAM_UNAVAILABLE);
    CHECK(t(Transport::ConnectFailed).refund);
    CHECK(t(Transport::TlsFailed).http_status == 502);
    CHECK(t(Transport::TlsFailed).refund);
    CHECK(t(Transport::Timeout).http_status == 504);
    CHECK(t(Transport::Timeout).reason == Reason::UPSTREAM_TIMEOUT);
    CHECK_FALSE(t(Transport::Timeout).refund);  // it may have been processed and billed
    CHECK(t(Transport::Dropped).http_status == 502);
    CHECK_FALSE(t(Transport::Dropped).refund);

    CHECK(vendor(503, "<html>busy</html>").reason == Reason::UPSTREAM_ERROR);
    CHECK(vendor(500, reply(9000)).reason == Reason::UPSTREAM_ERROR);  // a 9000 inside a 5xx is not believed
    CHECK(vendor(200, R"({"id": 1, "code": 90)").reason == Reason::UPSTREAM_ERROR);
    CHECK(vendor(200, "[9000]").reason == Reason::UPSTREAM_ERROR);
    CHECK(vendor(200, R"({"code":"9000"})").reason == Reason::UPSTREAM_ERROR);
    CHECK(vendor(200, R"({"code":-1})").reason == Reason::UPSTREAM_ERROR);
    CHECK(vendor(200, "").http_status == 502);
    // A key given twice means two things to two parsers: neither reading is believed.
    CHECK(vendor(200, R"({"id":1,"code":9001,"content":"x","code":9000})").reason == Reason::UPSTREAM_ERROR);
    CHECK_FALSE(vendor(200, R"({"id":1,"code":9000,"content":"x","riskCheck":{"score":0,"score":900}})").verified);
    // An answer for another request (its exID differs from ours) is refused.
    auto other = vendor(200, R"({"id":1,"code":9000,"content":"x","exID":"someone-else"})", "mine");
    CHECK(other.is_error);
    CHECK(other.http_status == 502);
    CHECK(vendor(200, R"({"id":1,"code":9000,"content":"x","exID":"mine"})", "mine").verified);
}

TEST_CASE("outcome: v2 risk decides, and deny and step-up are never verified", "[outcome][risk]") {
    auto with = [](int score) {
        return vendor(200, reply(9000, R"(,"score":)" + std::to_string(score) + R"(,"riskCheck":{"code":0,"content":"success","score":)" +
                                           std::to_string(score) + R"(,"tags":["t"],"detail":{}})"));
    };
    CHECK(with(0).verified);
    CHECK(with(0).risk->at("decision") == "allow");
    CHECK(with(300).verified);
    CHECK(with(300).risk->at("decision") == "review");
    CHECK_FALSE(with(600).verified);
    CHECK(with(600).risk->at("decision") == "step_up");
    CHECK(with(600).reason == Reason::RISK_STEP_UP);
    CHECK_FALSE(with(900).verified);
    CHECK(with(900).risk->at("decision") == "deny");
    CHECK(with(900).reason == Reason::RISK_DENY);
    CHECK(with(900).result == "consistent");  // the number matched; the policy refused
    CHECK(with(900).risk->at("tags") == nlohmann::json::array({"t"}));
    // v1 has no risk; the legacy top-level score is read when riskCheck is absent.
    CHECK_FALSE(vendor(200, reply(9000)).risk.has_value());
    CHECK(vendor(200, reply(9000, R"(,"score":900)")).risk->at("decision") == "deny");
}

namespace {
VerifyOutcome login_vendor(int http, const std::string& body) {
    OutcomeContext ctx{RiskThresholds{}, std::nullopt, kMidnight, VendorApi::Login};
    return map_upstream(UpstreamReply{Transport::Ok, http, body, 12}, ctx);
}
RiskOutcome risk_vendor(int http, const std::string& body) {
    OutcomeContext ctx{RiskThresholds{}, std::nullopt, kMidnight, VendorApi::Verify};
    return map_risk_reply(UpstreamReply{Transport::Ok, http, body, 12}, ctx);
}
}  // namespace

TEST_CASE("outcome: loginTokenVerify 8000/8001/9020, and each endpoint's results are its own", "[outcome][login]") {
    const auto ok = login_vendor(200, reply(8000, R"(,"phone":"Q0lQSEVS")"));
    CHECK_FALSE(ok.is_error);
    CHECK(ok.verified);
    CHECK(ok.result == "success");
    CHECK(ok.reason == Reason::LOGGED_IN);
    CHECK(ok.encrypted_phone == "Q0lQSEVS");
    CHECK(ok.billed);  // billed only when the number is obtained
    CHECK_FALSE(ok.refund);

    const auto fail = login_vendor(200, reply(8001));
    CHECK_FALSE(fail.is_error);
    CHECK_FALSE(fail.verified);
    CHECK(fail.result == "failed");
    CHECK(fail.reason == Reason::LOGIN_FAILED);
    CHECK_FALSE(fail.billed);
    CHECK(fail.refund);

    const auto key = login_vendor(400, reply(9020));
    CHECK(key.is_error);
    CHECK(key.http_status == 503);
    CHECK(key.reason == Reason::LOGIN_KEY_MISMATCH);

    CHECK(login_vendor(400, reply(9003)).reason == Reason::TOKEN_EXPIRED);
    CHECK(login_vendor(400, reply(9003)).http_status == 400);
    // A success without the number is not one; neither is one on a 5xx.
    CHECK(login_vendor(200, reply(8000)).http_status == 502);
    CHECK(login_vendor(500, reply(8000, R"(,"phone":"Q0lQSEVS")")).http_status == 502);
    // Verify's results mean nothing from loginTokenVerify, and login's mean nothing from verify.
    const auto crossed = login_vendor(200, reply(9000));
    CHECK(crossed.is_error);
    CHECK(crossed.reason == Reason::UPSTREAM_UNKNOWN_CODE);
    CHECK(crossed.http_status == 502);
    const auto crossed_back = vendor(200, reply(8000, R"(,"phone":"Q0lQSEVS")"));
    CHECK(crossed_back.is_error);
    CHECK_FALSE(crossed_back.verified);
    CHECK(crossed_back.reason == Reason::UPSTREAM_UNKNOWN_CODE);
    // v2 risk applies to a login as to a verification.
    const auto denied = login_vendor(200, reply(8000, R"(,"phone":"Q0lQSEVS","score":900)"));
    CHECK_FALSE(denied.verified);
    CHECK(denied.reason == Reason::RISK_DENY);
}

TEST_CASE("outcome: queryBusinessRisk under the risk policy", "[outcome][risk]") {
    const auto r = risk_vendor(200, reply(0, R"(,"score":900,"tags":["F24004"],"detail":{"F24004":{"score":900}})"));
    REQUIRE_FALSE(r.is_error);
    CHECK(r.http_status == 200);
    CHECK(r.risk["score"] == 900);
    CHECK(r.risk["level"] == "high");
    CHECK(r.risk["decision"] == "deny");
    CHECK(r.risk["tags"] == nlohmann::json::array({"F24004"}));
    CHECK(r.risk["detail"]["F24004"]["score"] == 900);
    CHECK(risk_vendor(200, reply(0, R"(,"score":0)")).risk["decision"] == "allow");
    CHECK(risk_vendor(200, reply(0, R"(,"score":600)")).risk["decision"] == "step_up");
    // Failures: credentials, a success without a score, another endpoint's result, transport.
    CHECK(risk_vendor(401, reply(9011)).http_status == 503);
    CHECK(risk_vendor(401, reply(9011)).reason == Reason::AUTH_FAILED);
    CHECK(risk_vendor(200, reply(0)).reason == Reason::UPSTREAM_ERROR);
    CHECK(risk_vendor(200, reply(9000, R"(,"score":0)")).reason == Reason::UPSTREAM_UNKNOWN_CODE);
    CHECK(risk_vendor(500, reply(0, R"(,"score":0)")).is_error);
    const auto down = map_risk_reply(UpstreamReply{Transport::ConnectFailed, 0, "", 0}, OutcomeContext{});
    CHECK(down.reason == Reason::UPSTREAM_UNAVAILABLE);
    CHECK(down.http_status == 502);
}
