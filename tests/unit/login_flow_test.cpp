// The one-click login flow's rules (DESIGN 8), driven with a fake clock.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "flow_events.hpp"
#include "nv/flow.hpp"

using namespace nv;
using namespace nv::test;

namespace {

Event login(std::int64_t now, std::optional<Operator> op = std::nullopt, const char* net = "cellular",
            bool consent = true) {
    Event e;
    e.type = EventType::Login;
    e.now = now;
    e.consent = consent;
    e.signals = network(net);
    e.op = op;
    return e;
}

Event answer(std::int64_t now, std::uint32_t id, int status, std::optional<bool> logged_in, int upstream = -1,
             RiskDecision risk = RiskDecision::None, std::string error = {}) {
    Event e;
    e.type = EventType::VerifyResult;
    e.now = now;
    e.id = id;
    e.reply.status = status;
    e.reply.body_ok = true;
    e.reply.logged_in = logged_in;
    e.reply.upstream_code = upstream;
    e.reply.risk_decision = risk;
    if (!error.empty()) {
        e.reply.has_error = true;
        e.reply.error = reason_from_id(error).value_or(Reason::SERVER_ERROR);
    }
    return e;
}

// Starts a login and returns the get_login_token command's id.
std::uint32_t begin(Flow& flow, std::int64_t now, std::optional<Operator> op = std::nullopt) {
    const auto out = flow.handle(login(now, op));
    const Command* get = find(out, CommandType::GetLoginToken);
    REQUIRE(get != nullptr);
    REQUIRE(find(out, CommandType::GetToken) == nullptr);  // a login never asks for a verify token
    return get->id;
}

}  // namespace

TEST_CASE("login: the network's carrier first, else CM -> CU -> CT", "[login][order]") {
    {
        Flow flow;
        const auto out = flow.handle(login(0));
        const Command* get = find(out, CommandType::GetLoginToken);
        REQUIRE(get != nullptr);
        CHECK(get->op == Operator::CM);
        // CM closes with a carrier refusal: CU is next, then CT.
        const auto next = flow.handle(token_error(100, get->id, "2002"));
        const Command* cu = find(next, CommandType::GetLoginToken);
        REQUIRE(cu != nullptr);
        CHECK(cu->op == Operator::CU);
        const auto last = flow.handle(token_error(200, cu->id, "2002"));
        const Command* ct = find(last, CommandType::GetLoginToken);
        REQUIRE(ct != nullptr);
        CHECK(ct->op == Operator::CT);
        const auto end = flow.handle(token_error(300, ct->id, "2002"));
        REQUIRE(end.ending);
        CHECK(end.ending->outcome == Outcome::Fallback);
    }
    {
        Flow flow;
        const auto out = flow.handle(login(0, Operator::CT));
        const Command* get = find(out, CommandType::GetLoginToken);
        REQUIRE(get != nullptr);
        CHECK(get->op == Operator::CT);
        const auto next = flow.handle(token_error(100, get->id, "2002"));
        const Command* second = find(next, CommandType::GetLoginToken);
        REQUIRE(second != nullptr);
        CHECK(second->op == Operator::CM);
    }
}

TEST_CASE("login: environment first, and Wi-Fi gets advice and no token request", "[login][env]") {
    Flow flow;
    const auto out = flow.handle(login(0, Operator::CM, "wifi"));
    CHECK(find(out, CommandType::GetLoginToken) == nullptr);
    CHECK(out.commands.empty());
    REQUIRE(out.ending);
    CHECK(out.ending->outcome == Outcome::Fallback);
    CHECK(out.ending->reason == Reason::WIFI_ON);
    CHECK(out.ending->advice == Advice::TurnOffWifi);
}

TEST_CASE("login: consent before anything leaves the page", "[login][consent]") {
    Flow flow;
    const auto out = flow.handle(login(0, Operator::CM, "cellular", false));
    REQUIRE(out.rejected);
    CHECK(out.rejected->reason == Reason::CONSENT_REQUIRED);
    CHECK(out.commands.empty());
    CHECK(flow.state() == FlowState::Idle);
}

TEST_CASE("login: the loginToken lifetimes (CM 2 min, CU and CT 30 min) and the per-carrier timeout",
          "[login][ttl]") {
    REQUIRE(operator_info(Operator::CM).login_token_ttl_ms == 120'000);
    REQUIRE(operator_info(Operator::CU).login_token_ttl_ms == 1'800'000);
    REQUIRE(operator_info(Operator::CT).login_token_ttl_ms == 1'800'000);
    const FlowConfig defaults;
    CHECK(defaults.login_token_ttl_ms[0] == 120'000);
    CHECK(defaults.login_token_ttl_ms[1] == 1'800'000);
    CHECK(defaults.login_token_ttl_ms[2] == 1'800'000);
    struct Case {
        Operator op;
        std::int64_t ttl;
    };
    for (const Case c : {Case{Operator::CM, 120'000}, Case{Operator::CU, 1'800'000}, Case{Operator::CT, 1'800'000}}) {
        for (const std::int64_t offset : {std::int64_t{-1}, std::int64_t{0}}) {
            CAPTURE(operator_id(c.op), offset);
            FlowConfig cfg;
            cfg.login_timeout_ms = 600'000;  // the longest allowed
            cfg.login_budget_ms = 1'200'000;
            // A 30-minute lifetime cannot be outwaited inside a 10-minute timeout: shorten it to 500 s here (the
            // defaults are checked above and below).
            if (c.ttl > 500'000) cfg.login_token_ttl_ms[static_cast<std::size_t>(c.op)] = 500'000;
            const std::int64_t ttl = cfg.login_token_ttl_ms[static_cast<std::size_t>(c.op)];
            Flow flow(cfg);
            const std::uint32_t id = begin(flow, 1'000, c.op);
            const auto out = flow.handle(token(1'000 + ttl + offset, id, "login-token"));
            if (offset < 0) {
                const Command* submit = find(out, CommandType::Login);
                REQUIRE(submit != nullptr);
                CHECK(submit->token == "login-token");
                CHECK(submit->phone.empty());
                CHECK(out.token_expires_at == 1'000 + ttl);
            } else {
                CHECK(find(out, CommandType::Login) == nullptr);  // an expired loginToken is never submitted
                REQUIRE(out.ending);
                CHECK(out.ending->reason == Reason::TOKEN_EXPIRED);
            }
        }
    }
    // A CU loginToken 10 minutes old is still good (a verify token would have expired at 10 minutes).
    FlowConfig cfg;
    cfg.login_timeout_ms = 600'000;
    cfg.login_budget_ms = 1'200'000;
    Flow flow(cfg);
    const std::uint32_t id = begin(flow, 0, Operator::CU);
    CHECK(find(flow.handle(token(600'000 - 1, id, "cu-login")), CommandType::Login) != nullptr);

    // The per-carrier timeout (default 60 s: the user reads and confirms the carrier's page).
    Flow slow;
    const auto first = slow.handle(login(0));
    const Command* get = find(first, CommandType::GetLoginToken);
    REQUIRE(get != nullptr);
    CHECK(get->timeout_ms == 60'000);
    const auto late = slow.handle(tick(60'000));
    CHECK(find(late, CommandType::CancelToken) != nullptr);
    const Command* next = find(late, CommandType::GetLoginToken);
    REQUIRE(next != nullptr);
    CHECK(next->op == Operator::CU);
    CHECK(next->timeout_ms == 30'000);  // what is left of the 90 s budget
}

TEST_CASE("login: single use, and a used loginToken is never submitted again", "[login][replay]") {
    Flow flow;
    std::uint32_t id = begin(flow, 0, Operator::CM);
    const auto out = flow.handle(token(10, id, "once"));
    const Command* submit = find(out, CommandType::Login);
    REQUIRE(submit != nullptr);
    const std::uint32_t sid = submit->id;
    const auto done = flow.handle(answer(20, sid, 200, true, 8000));
    REQUIRE(done.ending);
    CHECK(done.ending->outcome == Outcome::LoggedIn);
    CHECK(done.ending->reason == Reason::LOGGED_IN);
    CHECK(flow.state() == FlowState::LoggedIn);

    id = begin(flow, 100, Operator::CM);
    const auto again = flow.handle(token(110, id, "once"));
    CHECK(find(again, CommandType::Login) == nullptr);
    REQUIRE(again.ending);
    CHECK(again.ending->reason == Reason::TOKEN_USED);  // and no refetch: that would show the page again
}

TEST_CASE("login: at most 30 unused loginTokens in 10 minutes", "[login][limit]") {
    Flow flow;
    std::int64_t now = 0;
    // Tokens that arrive after the attempt gave up are unused: 30 of them fill the window.
    for (int i = 0; i < 30; ++i) {
        const std::uint32_t id = begin(flow, now, Operator::CM);
        Event cancel;
        cancel.type = EventType::Cancel;
        cancel.now = ++now;
        flow.handle(cancel);
        flow.handle(token(++now, id, "late-" + std::to_string(i)));
    }
    const auto out = flow.handle(login(++now, Operator::CM));
    CHECK(find(out, CommandType::GetLoginToken) == nullptr);
    REQUIRE(out.ending);
    CHECK(out.ending->reason == Reason::TOKEN_LIMIT);
    // Ten minutes after the first, they leave the window.
    const auto later = flow.handle(login(600'000 + 100, Operator::CM));
    CHECK(find(later, CommandType::GetLoginToken) != nullptr);
}

TEST_CASE("login: every ending maps to a reason", "[login][codes]") {
    SECTION("the user closed the carrier page: stop, nothing else is asked") {
        for (const char* code : {"CLOSED", "6002"}) {
            CAPTURE(code);
            Flow flow;
            const std::uint32_t id = begin(flow, 0);
            const auto out = flow.handle(token_error(50, id, code));
            CHECK(find(out, CommandType::GetLoginToken) == nullptr);
            REQUIRE(out.ending);
            CHECK(out.ending->outcome == Outcome::Fallback);
            CHECK(out.ending->reason == Reason::LOGIN_CLOSED);
            CHECK(out.ending->op == Operator::CM);
        }
    }
    SECTION("server answers") {
        struct Row {
            int status;
            std::optional<bool> logged_in;
            int upstream;
            RiskDecision risk;
            const char* error;
            Outcome outcome;
            Reason reason;
        };
        const Row rows[] = {
            {200, true, 8000, RiskDecision::Allow, "", Outcome::LoggedIn, Reason::LOGGED_IN},
            {200, true, 8000, RiskDecision::Review, "", Outcome::LoggedIn, Reason::LOGGED_IN},
            {200, false, 8001, RiskDecision::None, "", Outcome::Fallback, Reason::LOGIN_FAILED},
            {200, false, 8000, RiskDecision::StepUp, "", Outcome::Fallback, Reason::RISK_STEP_UP},
            {200, false, 8000, RiskDecision::Deny, "", Outcome::NotVerified, Reason::RISK_DENY},
            {200, std::nullopt, -1, RiskDecision::None, "", Outcome::Fallback, Reason::SERVER_ERROR},
            {400, std::nullopt, 9003, RiskDecision::None, "TOKEN_EXPIRED", Outcome::Fallback, Reason::TOKEN_EXPIRED},
            {409, std::nullopt, -1, RiskDecision::None, "TOKEN_USED", Outcome::Fallback, Reason::TOKEN_USED},
            {503, std::nullopt, 9020, RiskDecision::None, "LOGIN_KEY_MISMATCH", Outcome::Fallback,
             Reason::LOGIN_KEY_MISMATCH},
            {503, std::nullopt, -1, RiskDecision::None, "LOGIN_NOT_CONFIGURED", Outcome::Fallback,
             Reason::LOGIN_NOT_CONFIGURED},
            {429, std::nullopt, -1, RiskDecision::None, "APP_DAILY_LIMIT", Outcome::Fallback, Reason::APP_DAILY_LIMIT},
            {502, std::nullopt, -1, RiskDecision::None, "", Outcome::Fallback, Reason::UPSTREAM_UNAVAILABLE},
        };
        for (const Row& r : rows) {
            CAPTURE(r.status, r.upstream, r.error);
            Flow flow;
            const std::uint32_t id = begin(flow, 0, Operator::CU);
            const auto sub = flow.handle(token(10, id, "tok"));
            const Command* submit = find(sub, CommandType::Login);
            REQUIRE(submit != nullptr);
            CHECK(submit->op == Operator::CU);
            Event e = answer(20, submit->id, r.status, r.logged_in, r.upstream, r.risk, r.error);
            if (r.error[0] == '\0' && r.status != 200) e.reply.body_ok = false;
            const auto out = flow.handle(e);
            CHECK(find(out, CommandType::GetLoginToken) == nullptr);  // never refetched behind the user's back
            REQUIRE(out.ending);
            CHECK(out.ending->outcome == r.outcome);
            CHECK(reason_id(out.ending->reason) == reason_id(r.reason));
        }
    }
    SECTION("no answer from the server in time") {
        Flow flow;
        const std::uint32_t id = begin(flow, 0);
        const auto sub = flow.handle(token(10, id, "tok"));
        REQUIRE(find(sub, CommandType::Login) != nullptr);
        const auto out = flow.handle(tick(10 + FlowConfig{}.verify_timeout_ms));
        REQUIRE(out.ending);
        CHECK(out.ending->reason == Reason::SERVER_TIMEOUT);
    }
}

TEST_CASE("login: no same-number interval", "[login][interval]") {
    Flow flow;
    const std::uint32_t id = begin(flow, 0);
    const auto sub = flow.handle(token(10, id, "tok"));
    flow.handle(answer(20, find(sub, CommandType::Login)->id, 200, true, 8000));
    CHECK(flow.cooldown_remaining("13800138000", 30) == 0);
    // Straight into another login: allowed (the number is not known here).
    CHECK(find(flow.handle(login(40)), CommandType::GetLoginToken) != nullptr);
}
