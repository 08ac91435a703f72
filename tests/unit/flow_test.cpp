// The token flow's rules, driven with a fake clock.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "flow_events.hpp"
#include "nv/flow.hpp"

using namespace nv;
using namespace nv::test;

namespace {

// Time is an input: the test owns it and moves it.
struct FakeClock {
    std::int64_t now = 0;
    std::int64_t advance(std::int64_t ms) { return now += ms; }
};

EnvSignals cellular() {
    EnvSignals s;
    s.user_agent = "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 Chrome/116 Mobile Safari/537.36";
    NetInfo n;
    n.type = "cellular";
    n.effective_type = "4g";
    s.connection = n;
    s.on_line = true;
    return s;
}

EnvSignals ios_safari() {
    EnvSignals s;
    s.user_agent = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1";
    return s;
}

// Events hold views: arguments must outlive the handle() call they are passed to (a full expression does).
Event start(std::int64_t now, std::string_view phone, std::optional<EnvSignals> signals = cellular()) {
    Event e;
    e.type = EventType::Start;
    e.now = now;
    e.phone = phone;
    e.consent = true;
    e.signals = std::move(signals);
    return e;
}

Event prefetch(std::int64_t now, std::string_view phone) {
    Event e = start(now, phone, std::nullopt);
    e.type = EventType::Prefetch;
    return e;
}

Event reply(std::int64_t now, std::uint32_t id, int status, std::string result, bool verified,
            std::string error_code = {}) {
    Event e;
    e.type = EventType::VerifyResult;
    e.now = now;
    e.id = id;
    e.reply.status = status;
    e.reply.body_ok = true;
    e.reply.result = reply_result_from_id(result);
    e.reply.verified = verified;
    if (!error_code.empty()) {
        e.reply.has_error = true;
        e.reply.error = reason_from_id(error_code).value_or(Reason::SERVER_ERROR);
    }
    return e;
}

std::int64_t ttl_of(Operator op) { return operator_info(op).token_ttl_ms; }

}  // namespace

TEST_CASE("token lifetime per carrier: valid at TTL-1 ms, expired at TTL", "[flow][ttl]") {
    struct Carrier {
        Operator op;
        const char* phone;
        std::int64_t ttl;
    };
    // DESIGN 7: CM 2 min, CU 10 min, CT 1 min.
    const Carrier carriers[] = {{Operator::CM, "13800138000", 120'000},
                                {Operator::CU, "18612345678", 600'000},
                                {Operator::CT, "18912345678", 60'000}};
    for (const auto& c : carriers) {
        CAPTURE(operator_id(c.op));
        REQUIRE(ttl_of(c.op) == c.ttl);
        for (const std::int64_t offset : {std::int64_t{-1}, std::int64_t{0}}) {
            CAPTURE(offset);
            FakeClock clock;
            clock.now = 1'000;  // the lifetime counts from the request, not from zero
            Flow flow;
            const auto pre = flow.handle(prefetch(clock.now, c.phone));
            const Command* get = find(pre, CommandType::GetToken);
            REQUIRE(get != nullptr);
            CHECK(get->op == c.op);
            const std::int64_t requested = clock.now;
            const auto ready = flow.handle(token(clock.advance(250), get->id, "tok"));
            REQUIRE(ready.state == FlowState::TokenReady);
            CHECK(ready.token_expires_at == requested + c.ttl);

            clock.now = requested + c.ttl + offset;
            const auto out = flow.handle(start(clock.now, c.phone));
            if (offset < 0) {
                const Command* v = find(out, CommandType::Verify);
                REQUIRE(v != nullptr);
                CHECK(v->token == "tok");
                CHECK(out.state == FlowState::Verifying);
            } else {
                CHECK(find(out, CommandType::Verify) == nullptr);  // never submitted
                const Command* again = find(out, CommandType::GetToken);
                REQUIRE(again != nullptr);  // refetched instead
                CHECK(again->op == c.op);
                CHECK(out.state == FlowState::FetchingToken);
            }
        }
    }
}

TEST_CASE("a token arriving after its lifetime is refetched, not submitted", "[flow][ttl]") {
    FlowConfig cfg;
    cfg.token_ttl_ms = {1'000, 1'000, 1'000};
    Flow flow(cfg);
    auto out = flow.handle(start(0, "13800138000"));
    const std::uint32_t id = find(out, CommandType::GetToken)->id;
    out = flow.handle(token(999, id, "late-but-ok"));
    CHECK(out.state == FlowState::Verifying);

    Flow flow2(cfg);
    out = flow2.handle(start(0, "13800138000"));
    out = flow2.handle(token(1'000, find(out, CommandType::GetToken)->id, "too-late"));
    CHECK(find(out, CommandType::Verify) == nullptr);
    REQUIRE(find(out, CommandType::GetToken) != nullptr);
}

TEST_CASE("single use: a submitted token is never submitted again", "[flow][replay]") {
    FakeClock clock;
    Flow flow;
    auto out = flow.handle(start(clock.now, "13800138000"));
    out = flow.handle(token(clock.advance(100), find(out, CommandType::GetToken)->id, "tok-1"));
    const Command* v = find(out, CommandType::Verify);
    REQUIRE(v != nullptr);
    out = flow.handle(reply(clock.advance(100), v->id, 200, "consistent", true));
    REQUIRE(out.state == FlowState::Verified);

    // After the same-number interval, a provider that hands back the same token is not believed.
    clock.advance(30'000);
    out = flow.handle(start(clock.now, "13800138000"));
    out = flow.handle(token(clock.advance(10), find(out, CommandType::GetToken)->id, "tok-1"));
    CHECK(find(out, CommandType::Verify) == nullptr);
    const Command* again = find(out, CommandType::GetToken);
    REQUIRE(again != nullptr);
    out = flow.handle(token(clock.advance(10), again->id, "tok-1"));
    CHECK(find(out, CommandType::Verify) == nullptr);
    REQUIRE(out.ending);
    CHECK(out.ending->reason == Reason::TOKEN_USED);
}

TEST_CASE("the server's TOKEN_USED / TOKEN_EXPIRED refetch from the same carrier", "[flow][replay]") {
    for (const char* code : {"TOKEN_USED", "TOKEN_EXPIRED"}) {
        CAPTURE(code);
        Flow flow;
        auto out = flow.handle(start(0, "18612345678"));
        out = flow.handle(token(10, find(out, CommandType::GetToken)->id, "a"));
        out = flow.handle(reply(20, find(out, CommandType::Verify)->id, 409, "", false, code));
        const Command* get = find(out, CommandType::GetToken);
        REQUIRE(get != nullptr);
        CHECK(get->op == Operator::CU);
        out = flow.handle(token(30, get->id, "b"));
        const Command* v = find(out, CommandType::Verify);
        REQUIRE(v != nullptr);
        CHECK(v->token == "b");
    }
}

TEST_CASE("ported numbers move to the next carrier", "[flow][ported]") {
    FakeClock clock;
    Flow flow;
    auto out = flow.handle(start(clock.now, "13800138000"));  // a CM segment ...
    const Command* first = find(out, CommandType::GetToken);
    REQUIRE(first->op == Operator::CM);
    out = flow.handle(token_error(clock.advance(300), first->id, "103111"));  // ... but the SIM is on CU now
    const Command* second = find(out, CommandType::GetToken);
    REQUIRE(second != nullptr);
    CHECK(second->op == Operator::CU);
    out = flow.handle(token(clock.advance(200), second->id, "cu-token"));
    const Command* v = find(out, CommandType::Verify);
    REQUIRE(v != nullptr);
    CHECK(v->op == Operator::CU);
    out = flow.handle(reply(clock.advance(100), v->id, 200, "consistent", true));
    REQUIRE(out.ending);
    CHECK(out.ending->outcome == Outcome::Verified);
    CHECK(out.ending->op == Operator::CU);
}

TEST_CASE("per-carrier timeout and the overall budget", "[flow][budget]") {
    SECTION("defaults: 4,000 ms per carrier inside 8,000 ms") {
        Flow flow;
        auto out = flow.handle(start(0, "18912345678"));
        CHECK(find(out, CommandType::GetToken)->timeout_ms == 4'000);
        out = flow.handle(tick(3'999));
        CHECK(find(out, CommandType::GetToken) == nullptr);
        out = flow.handle(tick(4'000));
        REQUIRE(find(out, CommandType::CancelToken) != nullptr);
        const Command* second = find(out, CommandType::GetToken);
        REQUIRE(second != nullptr);
        CHECK(second->op == Operator::CM);
        CHECK(second->timeout_ms == 4'000);
        out = flow.handle(tick(8'000));
        REQUIRE(out.ending);
        CHECK(out.ending->reason == Reason::TOKEN_BUDGET_EXHAUSTED);
        CHECK(out.ending->elapsed_ms == 8'000);
    }
    SECTION("the last carrier gets only what is left of the budget") {
        FlowConfig cfg;
        cfg.budget_ms = 5'000;
        Flow flow(cfg);
        auto out = flow.handle(start(0, "13800138000"));
        out = flow.handle(tick(4'000));
        CHECK(find(out, CommandType::GetToken)->timeout_ms == 1'000);
    }
    SECTION("less than minAttemptMs left: no new carrier") {
        FlowConfig cfg;
        cfg.budget_ms = 4'400;
        Flow flow(cfg);
        auto out = flow.handle(start(0, "13800138000"));
        out = flow.handle(token_error(4'000, 1, "2002"));
        REQUIRE(out.ending);
        CHECK(out.ending->reason == Reason::TOKEN_BUDGET_EXHAUSTED);
    }
    SECTION("unknown environment: the shorter budget") {
        Flow flow;
        auto out = flow.handle(start(0, "13800138000", ios_safari()));
        REQUIRE(out.environment);
        CHECK(out.environment->verdict == Verdict::Unknown);
        out = flow.handle(tick(4'000));
        CHECK(find(out, CommandType::GetToken)->timeout_ms == 1'000);  // 5,000 - 4,000
        out = flow.handle(tick(5'000));
        REQUIRE(out.ending);
        CHECK(out.ending->reason == Reason::TOKEN_BUDGET_EXHAUSTED);
    }
}

TEST_CASE("the 30 s same-number interval, with a countdown", "[flow][interval]") {
    FakeClock clock;
    Flow flow;
    auto out = flow.handle(start(clock.now, "13800138000"));
    out = flow.handle(token(clock.advance(100), find(out, CommandType::GetToken)->id, "t"));
    out = flow.handle(reply(clock.advance(100), find(out, CommandType::Verify)->id, 200, "inconsistent", false));
    REQUIRE(out.state == FlowState::NotVerified);
    const std::int64_t verified_at = clock.now;

    CHECK(flow.cooldown_remaining("13800138000", verified_at) == 30'000);
    CHECK(flow.cooldown_remaining("13800138000", verified_at + 29'999) == 1);
    CHECK(flow.cooldown_remaining("13800138000", verified_at + 30'000) == 0);
    CHECK(flow.cooldown_remaining("18612345678", verified_at) == 0);  // per number

    out = flow.handle(start(verified_at + 12'345, "+86 138 0013 8000"));  // the same number, typed differently
    REQUIRE(out.rejected);
    CHECK(out.rejected->reason == Reason::TOO_SOON);
    CHECK(out.rejected->retry_after_ms == 17'655);
    CHECK(out.commands.empty());

    out = flow.handle(start(verified_at + 12'346, "18612345678"));  // another number is fine
    CHECK_FALSE(out.rejected);

    FlowConfig cfg;
    cfg.same_number_interval_ms = 60'000;  // configurable
    Flow slow(cfg);
    out = slow.handle(start(0, "13800138000"));
    out = slow.handle(token(1, find(out, CommandType::GetToken)->id, "t"));
    out = slow.handle(reply(2, find(out, CommandType::Verify)->id, 200, "consistent", true));
    CHECK(slow.cooldown_remaining("13800138000", 2) == 60'000);
}

TEST_CASE("at most 30 unused tokens per 10 minutes", "[flow][limit]") {
    FakeClock clock;
    Flow flow;
    for (int i = 0; i < 30; ++i) {
        auto out = flow.handle(prefetch(clock.advance(10), "13800138000"));
        REQUIRE(out.state == FlowState::Prefetching);
        out = flow.handle(token(clock.advance(10), find(out, CommandType::GetToken)->id, "t" + std::to_string(i)));
        REQUIRE(out.state == FlowState::TokenReady);
        Event cancel;
        cancel.type = EventType::Cancel;
        cancel.now = clock.advance(10);
        out = flow.handle(cancel);  // dropped unused
        REQUIRE(out.state == FlowState::Idle);
    }
    auto out = flow.handle(prefetch(clock.advance(10), "13800138000"));
    REQUIRE(out.rejected);
    CHECK(out.rejected->reason == Reason::TOKEN_LIMIT);
    out = flow.handle(start(clock.now, "13800138000"));
    REQUIRE(out.ending);
    CHECK(out.ending->reason == Reason::TOKEN_LIMIT);
    // Ten minutes after the first one was dropped, there is room again.
    out = flow.handle(start(30 + 600'000, "13800138000"));
    CHECK(out.state == FlowState::FetchingToken);
}

TEST_CASE("every ending maps the codes to reasons", "[flow][codes]") {
    struct Case {
        const char* code;
        Reason reason;
        bool next_carrier;
    };
    const Case cases[] = {
        {"2002", Reason::TOKEN_FAILED, true},     {"2005", Reason::BAD_OPERATOR, true},
        {"1000", Reason::SDK_UNKNOWN, true},      {"103111", Reason::CARRIER_MISMATCH, true},
        {"TIMEOUT", Reason::TOKEN_TIMEOUT, true}, {"1001", Reason::SDK_INIT_IN_PROGRESS, false},
        {"1002", Reason::SDK_APPKEY_EMPTY, false}, {"1003", Reason::SDK_INIT_FAILED, false},
        {"1004", Reason::SDK_INIT_TIMEOUT, false}, {"1005", Reason::OFFLINE, false},
        {"2001", Reason::SDK_NOT_INITIALISED, false}, {"2003", Reason::TOKEN_IN_PROGRESS, false},
        {"2004", Reason::ENV_UNSUPPORTED, false},
    };
    for (const auto& c : cases) {
        CAPTURE(c.code);
        Flow flow;
        auto out = flow.handle(start(0, "13800138000"));
        out = flow.handle(token_error(10, find(out, CommandType::GetToken)->id, c.code));
        if (c.next_carrier) {
            REQUIRE(find(out, CommandType::GetToken) != nullptr);
            CHECK(find(out, CommandType::GetToken)->op == Operator::CU);
        } else {
            REQUIRE(out.ending);
            CHECK(out.ending->outcome == Outcome::Fallback);
            CHECK(out.ending->reason == c.reason);
            CHECK(out.ending->code == c.code);
        }
    }

    // A single carrier makes the failure reason visible in the ending.
    for (const auto& c : cases) {
        if (!c.next_carrier) continue;
        CAPTURE(c.code);
        FlowConfig cfg;
        cfg.operators = {Operator::CM};
        Flow flow(cfg);
        auto out = flow.handle(start(0, "13800138000"));
        out = flow.handle(token_error(10, find(out, CommandType::GetToken)->id, c.code));
        REQUIRE(out.ending);
        const Reason expected = c.reason == Reason::CARRIER_MISMATCH ? Reason::VPN_SUSPECTED : c.reason;
        CHECK(out.ending->reason == expected);
    }

    // Server replies, vendor codes and errors.
    struct Reply {
        int status;
        const char* result;
        bool verified;
        const char* error;
        Outcome outcome;
        Reason reason;
    };
    const Reply replies[] = {
        {200, "consistent", true, "", Outcome::Verified, Reason::CONSISTENT},
        {200, "inconsistent", false, "", Outcome::NotVerified, Reason::INCONSISTENT},
        {200, "unknown", false, "", Outcome::Fallback, Reason::RESULT_UNKNOWN},
        {429, "", false, "TOO_SOON", Outcome::Fallback, Reason::TOO_SOON},
        {429, "", false, "NUMBER_DAILY_LIMIT", Outcome::Fallback, Reason::NUMBER_DAILY_LIMIT},
        {429, "", false, "APP_DAILY_LIMIT", Outcome::Fallback, Reason::APP_DAILY_LIMIT},
        {429, "", false, "IP_LIMIT", Outcome::Fallback, Reason::IP_LIMIT},
        {502, "", false, "AUTH_FAILED", Outcome::Fallback, Reason::AUTH_FAILED},
        {502, "", false, "BALANCE_LOW", Outcome::Fallback, Reason::BALANCE_LOW},
        {502, "", false, "UPSTREAM_ERROR", Outcome::Fallback, Reason::UPSTREAM_ERROR},
        {400, "", false, "PHONE_NOT_MOBILE", Outcome::Fallback, Reason::PHONE_NOT_MOBILE},
        {500, "", false, "NOT_A_REASON", Outcome::Fallback, Reason::SERVER_ERROR},
        {503, "", false, "", Outcome::Fallback, Reason::SERVER_ERROR},
        {418, "", false, "", Outcome::Fallback, Reason::BAD_REQUEST},
    };
    for (const auto& r : replies) {
        CAPTURE(r.status, r.result, r.error);
        Flow flow;
        auto out = flow.handle(start(0, "13800138000"));
        out = flow.handle(token(10, find(out, CommandType::GetToken)->id, "t"));
        Event e = reply(20, find(out, CommandType::Verify)->id, r.status, r.result, r.verified, r.error);
        if (r.error[0] == '\0' && r.status >= 400) e.reply.body_ok = false;
        out = flow.handle(e);
        REQUIRE(out.ending);
        CHECK(out.ending->outcome == r.outcome);
        CHECK(out.ending->reason == r.reason);
        CHECK(out.ending->op == Operator::CM);
    }
}

TEST_CASE("vendor codes inside a 200 reply", "[flow][codes]") {
    // Every vendor code of DESIGN 7 reaches a defined ending when the server passes it through as `unknown`.
    std::size_t n = 0;
    const VendorCodeInfo* rows = vendor_codes(&n);
    for (std::size_t i = 0; i < n; ++i) {
        const VendorCodeInfo v = rows[i];
        if (v.outcome == VendorOutcome::Consistent || v.outcome == VendorOutcome::Inconsistent) continue;
        CAPTURE(v.code);
        Flow flow;
        auto out = flow.handle(start(0, "13800138000"));
        out = flow.handle(token(10, find(out, CommandType::GetToken)->id, "t"));
        Event e = reply(20, find(out, CommandType::Verify)->id, 200, "unknown", false);
        e.reply.upstream_code = v.code;
        out = flow.handle(e);
        if (v.outcome == VendorOutcome::TokenRejected) {
            CHECK(find(out, CommandType::GetToken) != nullptr);
            CHECK_FALSE(out.ending);
        } else {
            REQUIRE(out.ending);
            CHECK(out.ending->outcome == Outcome::Fallback);
            CHECK(out.ending->reason == v.reason);
            CHECK(out.ending->code == std::to_string(v.code));
        }
    }
}

TEST_CASE("consent comes before any request", "[flow][consent]") {
    Flow flow;
    Event e = start(0, "13800138000");
    e.consent = false;
    auto out = flow.handle(e);
    REQUIRE(out.rejected);
    CHECK(out.rejected->reason == Reason::CONSENT_REQUIRED);
    CHECK(out.commands.empty());
    CHECK(flow.state() == FlowState::Idle);
    Event p = prefetch(1, "13800138000");
    p.consent = false;
    out = flow.handle(p);
    CHECK(out.commands.empty());
}

TEST_CASE("misuse is reported and changes nothing", "[flow][misuse]") {
    Flow flow;
    auto out = flow.handle(tick(-1));
    CHECK(out.error == Reason::BAD_TIME);
    out = flow.handle(start(100, "13800138000"));
    REQUIRE(out.state == FlowState::FetchingToken);
    out = flow.handle(tick(99));
    CHECK(out.error == Reason::BAD_TIME);
    CHECK(out.commands.empty());
    out = flow.handle(start(100, "13800138000"));
    CHECK(out.error == Reason::FLOW_BUSY);
    CHECK(flow.state() == FlowState::FetchingToken);
}

TEST_CASE("bounded memory over many attempts", "[flow][memory]") {
    FlowConfig cfg;
    cfg.same_number_interval_ms = 0;
    Flow flow(cfg);
    std::int64_t now = 0;
    for (int i = 0; i < 500; ++i) {
        const std::string phone = "138" + std::to_string(10'000'000 + i);
        auto out = flow.handle(start(now += 10, phone));
        out = flow.handle(token(now += 10, find(out, CommandType::GetToken)->id, "tok-" + std::to_string(i)));
        out = flow.handle(reply(now += 10, find(out, CommandType::Verify)->id, 200, "consistent", true));
        REQUIRE(out.state == FlowState::Verified);
    }
    // Old tokens may be forgotten, the most recent are still refused.
    auto out = flow.handle(start(now += 10, "13800138000"));
    out = flow.handle(token(now += 10, find(out, CommandType::GetToken)->id, "tok-499"));
    CHECK(find(out, CommandType::Verify) == nullptr);
}

TEST_CASE("configuration validation", "[flow][config]") {
    CHECK(validate(FlowConfig{}).empty());
    FlowConfig c;
    c.token_timeout_ms = 0;
    CHECK(validate(c) == "tokenTimeoutMs");
    c = {};
    c.operators = {};
    CHECK(validate(c) == "operators");
    c = {};
    c.operators = {Operator::CT, Operator::CT};
    CHECK(validate(c) == "operators");
    c = {};
    c.token_ttl_ms[2] = 999;
    CHECK(validate(c) == "tokenTtlMs");
    c = {};
    c.max_refetches = 6;
    CHECK(validate(c) == "maxRefetches");
}
