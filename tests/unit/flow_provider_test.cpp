// The token flow with what a real page brings: the companion server asked before a token is spent (`check`), and
// a vendor SDK that hands over to the next carriers itself (carriersPerRequest, per-carrier codes, the carrier
// that issued the token), and the providers' own codes for setup mistakes. Driven with a fake clock.
#include <catch2/catch.hpp>

#include <string>

#include "flow_events.hpp"
#include "nv/flow.hpp"

using namespace nv;
using namespace nv::test;

namespace {

Event start(std::int64_t now, std::string_view phone, bool check, const char* net = "cellular") {
    Event e;
    e.type = EventType::Start;
    e.now = now;
    e.phone = phone;
    e.consent = true;
    e.check = check;
    e.signals = network(net);
    return e;
}

Event login(std::int64_t now, bool check) {
    Event e;
    e.type = EventType::Login;
    e.now = now;
    e.consent = true;
    e.check = check;
    e.signals = network("cellular");
    return e;
}

Event answer(std::int64_t now, std::uint32_t id, int status, std::string error = {}, std::int64_t retry_sec = 0) {
    Event e;
    e.type = EventType::VerifyResult;
    e.now = now;
    e.id = id;
    e.reply.status = status;
    e.reply.body_ok = true;
    if (!error.empty()) {
        e.reply.has_error = true;
        e.reply.error = reason_from_id(error).value_or(Reason::SERVER_ERROR);
    }
    if (retry_sec > 0) e.reply.retry_after_sec = retry_sec;
    return e;
}

Event verified(std::int64_t now, std::uint32_t id) {
    Event e = answer(now, id, 200);
    e.reply.verified = true;
    e.reply.result = ReplyResult::Consistent;
    return e;
}

Event failed(std::int64_t now, std::uint32_t id, std::string_view code) {
    Event e;
    e.type = EventType::VerifyFailed;
    e.now = now;
    e.id = id;
    e.code = code;
    return e;
}

// A 2002 from an SDK that asked every carrier, with each carrier's own code.
Event all_failed(std::int64_t now, std::uint32_t id, std::string_view cm, std::string_view cu, std::string_view ct) {
    Event e = token_error(now, id, "2002");
    e.carrier_codes = {cm, cu, ct};
    return e;
}

FlowConfig sdk_config() {
    FlowConfig c;
    c.carriers_per_request = 3;
    c.token_timeout_ms = 5'000;
    c.budget_ms = 15'000;
    return c;
}

}  // namespace

TEST_CASE("check: the server is asked after the environment and before any token", "[flow][check]") {
    Flow flow;
    const auto out = flow.handle(start(0, "13800138000", true));
    CHECK(out.state == FlowState::CheckingServer);
    CHECK(find(out, CommandType::GetToken) == nullptr);
    const Command* check = find(out, CommandType::Check);
    REQUIRE(check != nullptr);
    CHECK(check->phone == "13800138000");
    CHECK(check->timeout_ms == FlowConfig{}.check_timeout_ms);
    const Command* wake = find(out, CommandType::Wake);
    REQUIRE(wake != nullptr);
    CHECK(wake->at == check->timeout_ms);

    const auto go = flow.handle(answer(40, check->id, 200));
    CHECK(go.state == FlowState::FetchingToken);
    const Command* get = find(go, CommandType::GetToken);
    REQUIRE(get != nullptr);
    CHECK(get->op == Operator::CM);
    // The budget starts when the fetching does, not before the server answered.
    CHECK(get->timeout_ms == FlowConfig{}.token_timeout_ms);

    // Without `check` nothing changes: the token is asked for at once.
    Flow plain;
    const auto direct = plain.handle(start(0, "13800138000", false));
    CHECK(direct.state == FlowState::FetchingToken);
    CHECK(find(direct, CommandType::Check) == nullptr);
}

TEST_CASE("check: the server's TOO_SOON is the flow's own refusal, with its countdown", "[flow][check]") {
    Flow flow;
    const auto out = flow.handle(start(1'000, "13800138000", true));
    const Command* check = find(out, CommandType::Check);
    REQUIRE(check != nullptr);
    const auto refused = flow.handle(answer(1'050, check->id, 429, "TOO_SOON", 12));
    REQUIRE(refused.rejected);
    CHECK(refused.rejected->reason == Reason::TOO_SOON);
    CHECK(refused.rejected->retry_after_ms == 12'000);
    CHECK_FALSE(refused.ending);
    CHECK(refused.state == FlowState::Idle);
    CHECK(refused.commands.empty());  // no token was asked for

    // From now on the flow refuses the number itself, exactly as after a verification in this page.
    const auto again = flow.handle(start(2'050, "13800138000", true));
    REQUIRE(again.rejected);
    CHECK(again.rejected->reason == Reason::TOO_SOON);
    CHECK(again.rejected->retry_after_ms == 11'000);
    CHECK(again.commands.empty());
    CHECK(flow.cooldown_remaining("13800138000", 13'049) == 1);
    // Another number is not affected.
    CHECK(flow.handle(start(2'100, "13900139000", true)).state == FlowState::CheckingServer);
}

TEST_CASE("check: other refusals end the attempt before a token is spent", "[flow][check]") {
    struct Case {
        int status;
        const char* error;
        std::int64_t retry;
        Reason reason;
    };
    const Case cases[] = {
        {429, "NUMBER_DAILY_LIMIT", 3600, Reason::NUMBER_DAILY_LIMIT},
        {429, "APP_DAILY_LIMIT", 3600, Reason::APP_DAILY_LIMIT},
        {429, "IP_LIMIT", 20, Reason::IP_LIMIT},
        {403, "ORIGIN_NOT_ALLOWED", 0, Reason::ORIGIN_NOT_ALLOWED},
        {503, "STORE_UNAVAILABLE", 0, Reason::STORE_UNAVAILABLE},
        {500, "", 0, Reason::SERVER_ERROR},
    };
    for (const auto& c : cases) {
        CAPTURE(c.error, c.status);
        Flow flow;
        const auto out = flow.handle(start(0, "13800138000", true));
        const Command* check = find(out, CommandType::Check);
        REQUIRE(check != nullptr);
        const auto end = flow.handle(answer(30, check->id, c.status, c.error, c.retry));
        REQUIRE(end.ending);
        CHECK(end.ending->outcome == Outcome::Fallback);
        CHECK(end.ending->reason == c.reason);
        CHECK(find(end, CommandType::GetToken) == nullptr);
        if (c.retry > 0) CHECK(end.ending->retry_after_ms == c.retry * 1000);
        // Nothing reached the vendor: the number may start again at once.
        CHECK(flow.cooldown_remaining("13800138000", 31) == 0);
    }
}

TEST_CASE("check: an unreachable or silent server is said before a token is spent", "[flow][check]") {
    for (const char* code : {"NETWORK", "TIMEOUT"}) {
        CAPTURE(code);
        Flow flow;
        const auto check_out = flow.handle(start(0, "13800138000", true));
        const Command* check = find(check_out, CommandType::Check);
        REQUIRE(check != nullptr);
        const auto end = flow.handle(failed(20, check->id, code));
        REQUIRE(end.ending);
        CHECK(end.ending->reason ==
              (std::string_view(code) == "TIMEOUT" ? Reason::SERVER_TIMEOUT : Reason::SERVER_UNREACHABLE));
        CHECK(flow.cooldown_remaining("13800138000", 21) == 0);
    }
    // The flow's own timer: no answer within checkTimeoutMs.
    Flow flow;
    const auto out = flow.handle(start(0, "13800138000", true));
    const Command* check = find(out, CommandType::Check);
    REQUIRE(check != nullptr);
    CHECK(flow.handle(tick(2'999)).state == FlowState::CheckingServer);
    const auto late = flow.handle(tick(3'000));
    REQUIRE(late.ending);
    CHECK(late.ending->reason == Reason::SERVER_TIMEOUT);
    const Command* cancel = find(late, CommandType::CancelVerify);
    REQUIRE(cancel != nullptr);
    CHECK(cancel->id == check->id);
    // An answer after that is nobody's.
    CHECK(flow.handle(answer(3'010, check->id, 200)).ignored);
}

TEST_CASE("check: a server without the check (404, 405) leaves the rules to the verification", "[flow][check]") {
    for (const int status : {404, 405}) {
        Flow flow;
        const auto check_out = flow.handle(start(0, "13800138000", true));
        const Command* check = find(check_out, CommandType::Check);
        REQUIRE(check != nullptr);
        const auto go = flow.handle(answer(10, check->id, status, status == 404 ? "NOT_FOUND" : "METHOD_NOT_ALLOWED"));
        CHECK(go.state == FlowState::FetchingToken);
        CHECK(find(go, CommandType::GetToken) != nullptr);
    }
}

TEST_CASE("check: Wi-Fi coming on or a cancel while the server is asked", "[flow][check]") {
    {
        Flow flow;
        const auto check_out = flow.handle(start(0, "13800138000", true));
        const Command* check = find(check_out, CommandType::Check);
        REQUIRE(check != nullptr);
        Event wifi;
        wifi.type = EventType::Env;
        wifi.now = 10;
        wifi.signals = network("wifi");
        const auto end = flow.handle(wifi);
        REQUIRE(end.ending);
        CHECK(end.ending->reason == Reason::WIFI_ON);
        CHECK(end.ending->advice == Advice::TurnOffWifi);
        CHECK(find(end, CommandType::CancelVerify) != nullptr);
    }
    {
        Flow flow;
        const auto check_out = flow.handle(start(0, "13800138000", true));
        const Command* check = find(check_out, CommandType::Check);
        REQUIRE(check != nullptr);
        Event cancel;
        cancel.type = EventType::Cancel;
        cancel.now = 10;
        const auto end = flow.handle(cancel);
        REQUIRE(end.ending);
        CHECK(end.ending->outcome == Outcome::Cancelled);
        CHECK(flow.cooldown_remaining("13800138000", 11) == 0);
    }
    {
        // An unsupported environment never reaches the server.
        Flow flow;
        const auto out = flow.handle(start(0, "13800138000", true, "wifi"));
        CHECK(find(out, CommandType::Check) == nullptr);
        REQUIRE(out.ending);
        CHECK(out.ending->reason == Reason::WIFI_ON);
    }
}

TEST_CASE("check: a login asks the server too, without a number", "[flow][check][login]") {
    Flow flow;
    const auto out = flow.handle(login(0, true));
    const Command* check = find(out, CommandType::Check);
    REQUIRE(check != nullptr);
    CHECK(check->phone.empty());
    const auto go = flow.handle(answer(10, check->id, 200));
    CHECK(find(go, CommandType::GetLoginToken) != nullptr);

    Flow limited;
    const auto c2_out = limited.handle(login(0, true));
    const Command* c2 = find(c2_out, CommandType::Check);
    REQUIRE(c2 != nullptr);
    const auto end = limited.handle(answer(10, c2->id, 429, "IP_LIMIT", 30));
    REQUIRE(end.ending);
    CHECK(end.ending->reason == Reason::IP_LIMIT);
    CHECK(find(end, CommandType::GetLoginToken) == nullptr);
}

TEST_CASE("an SDK that hands over: one request with every carrier's time", "[flow][handover]") {
    Flow flow(sdk_config());
    const auto out = flow.handle(start(0, "13800138000", false));
    const Command* get = find(out, CommandType::GetToken);
    REQUIRE(get != nullptr);
    CHECK(get->op == Operator::CM);
    CHECK(get->timeout_ms == 15'000);  // 3 carriers x 5 s, within the budget
    // The budget still bounds it.
    FlowConfig tight = sdk_config();
    tight.budget_ms = 8'000;
    Flow bounded(tight);
    const auto g2_out = bounded.handle(start(0, "13800138000", false));
    const Command* g2 = find(g2_out, CommandType::GetToken);
    REQUIRE(g2 != nullptr);
    CHECK(g2->timeout_ms == 8'000);

    // A timeout covers every carrier the SDK could have reached: nobody is asked again while it may be busy.
    const auto late = flow.handle(tick(15'000));
    REQUIRE(late.ending);
    CHECK(late.ending->reason == Reason::TOKEN_TIMEOUT);
    CHECK(late.ending->advice == Advice::UseSms);
    CHECK(find(late, CommandType::GetToken) == nullptr);
    CHECK(find(late, CommandType::CancelToken) != nullptr);
}

TEST_CASE("an SDK that hands over: the carrier that issued the token is the one verified", "[flow][handover]") {
    Flow flow(sdk_config());
    const auto get_out = flow.handle(start(0, "13800138000", false));
    const Command* get = find(get_out, CommandType::GetToken);
    REQUIRE(get != nullptr);
    REQUIRE(get->op == Operator::CM);
    Event tok = token(400, get->id, "STsidCU123");
    tok.op = Operator::CU;  // the SDK's CM request failed and CU answered
    const auto out = flow.handle(tok);
    const Command* verify = find(out, CommandType::Verify);
    REQUIRE(verify != nullptr);
    CHECK(verify->op == Operator::CU);
    // CU's lifetime (10 min), counted from the request.
    REQUIRE(out.token_expires_at);
    CHECK(*out.token_expires_at == operator_info(Operator::CU).token_ttl_ms);
    const auto end = flow.handle(verified(700, verify->id));
    REQUIRE(end.ending);
    CHECK(end.ending->outcome == Outcome::Verified);
    REQUIRE(end.ending->op);
    CHECK(*end.ending->op == Operator::CU);
}

TEST_CASE("an SDK that hands over: each carrier's own code counts for that carrier", "[flow][handover]") {
    SECTION("every gateway refusing the connection as not theirs is a VPN") {
        Flow flow(sdk_config());
        const auto get_out = flow.handle(start(0, "13800138000", false));
        const Command* get = find(get_out, CommandType::GetToken);
        REQUIRE(get != nullptr);
        const auto end = flow.handle(all_failed(900, get->id, "103111", "SOURCE_IP_ERROR", "800008"));
        REQUIRE(end.ending);
        CHECK(end.ending->reason == Reason::VPN_SUSPECTED);
        CHECK(end.ending->advice == Advice::TurnOffVpn);
        CHECK(find(end, CommandType::GetToken) == nullptr);  // no carrier is asked a second time
    }
    SECTION("other refusals end with TOKEN_FAILED and SMS, nothing asked again") {
        Flow flow(sdk_config());
        const auto get_out = flow.handle(start(0, "13800138000", false));
        const Command* get = find(get_out, CommandType::GetToken);
        REQUIRE(get != nullptr);
        const auto end = flow.handle(all_failed(900, get->id, "103101", "request sign failed", "-8001"));
        REQUIRE(end.ending);
        CHECK(end.ending->reason == Reason::TOKEN_FAILED);
        CHECK(end.ending->advice == Advice::UseSms);
        CHECK(find(end, CommandType::GetToken) == nullptr);
    }
    SECTION("carriers the SDK did not report are still asked, one request each way") {
        FlowConfig c = sdk_config();
        c.carriers_per_request = 1;  // a provider that asks one carrier at a time but reports what it saw
        Flow flow(c);
        const auto get_out = flow.handle(start(0, "13800138000", false));
        const Command* get = find(get_out, CommandType::GetToken);
        REQUIRE(get != nullptr);
        Event e = token_error(100, get->id, "2002");
        e.carrier_codes = {"103111", "", ""};
        const auto next = flow.handle(e);
        const Command* cu = find(next, CommandType::GetToken);
        REQUIRE(cu != nullptr);
        CHECK(cu->op == Operator::CU);
    }
}

TEST_CASE("the providers' own codes: setup mistakes stop at once, with their reason", "[flow][provider]") {
    const std::pair<const char*, Reason> cases[] = {
        {"SETUP_ASSET", Reason::SETUP_ASSET}, {"SETUP_SERVER", Reason::SETUP_SERVER},
        {"SETUP_CORS", Reason::SETUP_CORS},   {"SDK_MISSING", Reason::SDK_MISSING},
        {"SDK_STUCK", Reason::SDK_STUCK},
    };
    for (const auto& [code, reason] : cases) {
        CAPTURE(code);
        Flow flow;
        const auto get_out = flow.handle(start(0, "13800138000", false));
        const Command* get = find(get_out, CommandType::GetToken);
        REQUIRE(get != nullptr);
        const auto end = flow.handle(token_error(50, get->id, code));
        REQUIRE(end.ending);
        CHECK(end.ending->reason == reason);
        CHECK(end.ending->code == code);
        CHECK(find(end, CommandType::GetToken) == nullptr);  // not a carrier's refusal: nobody else is asked
        const auto row = provider_code_info(code);
        REQUIRE(row);
        CHECK(row->action == TokenErrorAction::Stop);
    }
    // The driver's own codes keep their meaning.
    CHECK(provider_code_info("TIMEOUT")->reason == Reason::TOKEN_TIMEOUT);
    CHECK(provider_code_info("TIMEOUT")->action == TokenErrorAction::NextCarrier);
    CHECK(provider_code_info("CLOSED")->reason == Reason::LOGIN_CLOSED);
    CHECK(provider_code_info("NETWORK")->action == TokenErrorAction::NextCarrier);
    CHECK_FALSE(provider_code_info("2002"));
}
