#include "nv/flow.hpp"

#include "ids.hpp"

#include <algorithm>

namespace nv {
namespace {

bool in_range(std::int64_t v, std::int64_t lo, std::int64_t hi) { return v >= lo && v <= hi; }

// Tokens are remembered as 64-bit FNV-1a hashes: a fixed ring, no copies of secrets-in-transit.
std::uint64_t token_hash(std::string_view token) {
    std::uint64_t h = 14695981039346656037ull;
    for (const char c : token) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ull;
    }
    return h == 0 ? 1 : h;  // 0 marks an empty slot
}

String decimal(int n) {
    // Magnitude as unsigned, so INT_MIN does not overflow; digits written from the end of a buffer.
    auto u = n < 0 ? 0u - static_cast<unsigned>(n) : static_cast<unsigned>(n);
    char buf[12];
    std::size_t at = sizeof buf;
    do {
        buf[--at] = static_cast<char>('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (n < 0) buf[--at] = '-';
    return String(std::string_view(buf + at, sizeof buf - at));
}

bool same_number(const std::array<char, 11>& stored, std::string_view national) {
    return national.size() == stored.size() && std::equal(stored.begin(), stored.end(), national.begin());
}

}  // namespace

const ConfigField kConfigFields[15] = {
    {"tokenTimeoutMs", &FlowConfig::token_timeout_ms, 100, 60'000},
    {"budgetMs", &FlowConfig::budget_ms, 100, 120'000},
    {"unknownBudgetMs", &FlowConfig::unknown_budget_ms, 100, 120'000},
    {"minAttemptMs", &FlowConfig::min_attempt_ms, 0, 10'000},
    {"verifyTimeoutMs", &FlowConfig::verify_timeout_ms, 100, 120'000},
    {"envTimeoutMs", &FlowConfig::env_timeout_ms, 0, 60'000},
    {"sameNumberIntervalMs", &FlowConfig::same_number_interval_ms, 0, 86'400'000},
    {"unusedTokenLimit", &FlowConfig::unused_token_limit, 1, static_cast<std::int64_t>(kUnusedTokenMemory)},
    {"unusedTokenWindowMs", &FlowConfig::unused_token_window_ms, 1'000, 86'400'000},
    {"maxRefetches", &FlowConfig::max_refetches, 0, 5},
    {"loginTimeoutMs", &FlowConfig::login_timeout_ms, 1'000, 600'000},
    {"loginBudgetMs", &FlowConfig::login_budget_ms, 1'000, 1'200'000},
    {"carriersPerRequest", &FlowConfig::carriers_per_request, 1, 3},
    {"checkTimeoutMs", &FlowConfig::check_timeout_ms, 100, 60'000},
    {nullptr, nullptr, 0, 0},  // tokenTtlMs, loginTokenTtlMs and operators are checked below
};

std::string_view validate(const FlowConfig& c) {
    for (const auto& f : kConfigFields) {
        if (f.name != nullptr && !in_range(c.*f.member, f.min, f.max)) return f.name;
    }
    for (const auto ttl : c.token_ttl_ms) {
        if (!in_range(ttl, 1'000, 3'600'000)) return "tokenTtlMs";
    }
    for (const auto ttl : c.login_token_ttl_ms) {
        if (!in_range(ttl, 1'000, 3'600'000)) return "loginTokenTtlMs";
    }
    if (c.operators.empty()) return "operators";
    for (std::size_t i = 0; i < c.operators.size(); ++i) {
        for (std::size_t j = i + 1; j < c.operators.size(); ++j) {
            if (c.operators[i] == c.operators[j]) return "operators";
        }
    }
    return {};
}

std::string_view flow_state_id(FlowState s) {
    return detail::nth_id("idle\0prefetching\0token_ready\0checking_env\0checking_server\0fetching_token\0verifying\0"
                          "verified\0"
                          "not_verified\0fallback\0cancelled\0logged_in",
                          static_cast<std::size_t>(s));
}

std::string_view command_id(CommandType c) {
    return detail::nth_id("collect_env\0get_token\0cancel_token\0verify\0cancel_verify\0wake\0get_login_token\0login\0"
                          "check",
                          static_cast<std::size_t>(c));
}

std::string_view outcome_id(Outcome o) {
    return detail::nth_id("verified\0not_verified\0fallback\0cancelled\0logged_in", static_cast<std::size_t>(o));
}

ReplyResult reply_result_from_id(std::string_view id) {
    return static_cast<ReplyResult>(detail::id_index("\0consistent\0inconsistent\0unknown", 4, id));
}

std::string_view risk_decision_id(RiskDecision d) {
    return detail::nth_id("\0allow\0review\0step_up\0deny", static_cast<std::size_t>(d));
}

RiskDecision risk_decision_from_id(std::string_view id) {
    const std::size_t i = detail::id_index("\0allow\0review\0step_up\0deny", 5, id);
    return i == 5 ? RiskDecision::None : static_cast<RiskDecision>(i);
}

Flow::Flow(FlowConfig config) : cfg_(config) {}

std::int64_t Flow::ttl_for(Operator op) const {
    const auto& ttl = login_ ? cfg_.login_token_ttl_ms : cfg_.token_ttl_ms;
    return ttl[static_cast<std::size_t>(op)];
}

bool Flow::active() const {
    return state_ == FlowState::CheckingEnv || state_ == FlowState::CheckingServer ||
           state_ == FlowState::FetchingToken || state_ == FlowState::Verifying;
}

void Flow::enter(FlowOutput& out, FlowState s) {
    state_ = s;
    out.path.push_back(s);
}

void Flow::command(FlowOutput& out, CommandType type, std::uint32_t id) {
    Command c;
    c.type = type;
    c.id = id;
    out.commands.push_back(c);
}

void Flow::wake(FlowOutput& out, std::int64_t at) {
    Command c;
    c.type = CommandType::Wake;
    c.at = at;
    out.commands.push_back(c);
}

// Ends the attempt with `ending_` (which the caller filled in) and the given outcome and reason.
void Flow::end(FlowOutput& out, std::int64_t now, Outcome outcome, Reason reason) {
    if (token_req_.id != 0) command(out, CommandType::CancelToken, token_req_.id);
    if (verify_req_.id != 0) command(out, CommandType::CancelVerify, verify_req_.id);
    token_req_ = {};
    verify_req_ = {};
    ending_.outcome = outcome;
    ending_.reason = reason;
    if (outcome == Outcome::Verified || outcome == Outcome::LoggedIn || outcome == Outcome::Cancelled) {
        ending_.advice = Advice::Proceed;
    }
    ending_.elapsed_ms = now - attempt_start_;
    static constexpr FlowState kStates[] = {FlowState::Verified, FlowState::NotVerified, FlowState::Fallback,
                                            FlowState::Cancelled, FlowState::LoggedIn};
    enter(out, kStates[static_cast<std::size_t>(outcome)]);
    out.ending = ending_;
}

FlowOutput Flow::handle(const Event& e) {
    FlowOutput out;
    if (e.now < 0 || e.now < last_now_) {
        out.error = Reason::BAD_TIME;
        out.state = state_;
        return out;
    }
    last_now_ = e.now;

    // A prefetched token that has expired is dropped whatever happens next.
    if (state_ == FlowState::TokenReady && !cached_.empty() && e.now >= cached_expires_) {
        drop_cached_token(e.now);
        enter(out, FlowState::Idle);
    }

    switch (e.type) {
        case EventType::Start: on_start(e, out); break;
        case EventType::Prefetch: on_prefetch(e, out); break;
        case EventType::Env: on_env(e, out); break;
        case EventType::Token: on_token(e, out); break;
        case EventType::TokenError: on_token_error(e, out); break;
        case EventType::VerifyResult: on_verify_result(e, out); break;
        case EventType::VerifyFailed:
            if (verify_req_.id != e.id || e.id == 0) {
                out.ignored = true;
            } else if (state_ == FlowState::Verifying) {
                on_verify_failed(e.now, e.code == "TIMEOUT", out);
            } else if (state_ == FlowState::CheckingServer) {
                // Nothing reached the vendor: no same-number interval, only the reason.
                verify_req_ = {};
                end(out, e.now, Outcome::Fallback, e.code == "TIMEOUT" ? Reason::SERVER_TIMEOUT : Reason::SERVER_UNREACHABLE);
            } else {
                out.ignored = true;
            }
            break;
        case EventType::Tick: on_tick(e.now, out); break;
        case EventType::Cancel: on_cancel(e.now, out); break;
        case EventType::Cooldown: out.cooldown_ms = cooldown_remaining(parse_phone(e.phone).national, e.now); break;
        case EventType::Login: on_login(e, out); break;
    }
    out.state = state_;
    return out;
}

std::int64_t Flow::cooldown_remaining(std::string_view national, std::int64_t now) const {
    for (const auto& c : cooldowns_) {
        if (c.until > now && same_number(c.number, national)) return c.until - now;
    }
    return 0;
}

void Flow::start_cooldown(std::int64_t until) {
    if (login_) return;  // a login has no number (yet): nothing to space out
    // The number's own slot, else a free or finished one, else the one that finishes first.
    Cooldown* slot = &cooldowns_[0];
    for (auto& c : cooldowns_) {
        if (same_number(c.number, phone_)) {
            slot = &c;
            break;
        }
        if (c.until < slot->until) slot = &c;
    }
    if (!same_number(slot->number, phone_)) {
        std::copy_n(phone_.begin(), std::min(phone_.size(), slot->number.size()), slot->number.begin());
        slot->until = until;
    }
    slot->until = std::max(slot->until, until);
}

int Flow::unused_tokens_in_window(std::int64_t now) const {
    int n = 0;
    for (std::size_t i = 0; i < unused_count_; ++i) {
        if (now - unused_[i] < cfg_.unused_token_window_ms) ++n;
    }
    return n;
}

void Flow::note_unused_token(std::int64_t now) {
    unused_[unused_next_] = now;
    unused_next_ = (unused_next_ + 1) % unused_.size();
    unused_count_ = std::min(unused_count_ + 1, unused_.size());
}

bool Flow::token_was_used(std::string_view token) const {
    const std::uint64_t h = token_hash(token);
    return std::find(used_.begin(), used_.end(), h) != used_.end();
}

void Flow::drop_cached_token(std::int64_t now) {
    if (!cached_.empty()) {
        note_unused_token(now);
        cached_.clear();
    }
}

bool Flow::admit(const Event& e, FlowOutput& out, PhoneNumber& phone) {
    phone = parse_phone(e.phone);
    Reason refused = Reason::OK;
    if (!phone.valid) {
        refused = phone.reason;
    } else if (!e.consent) {
        refused = Reason::CONSENT_REQUIRED;
    }
    if (refused != Reason::OK) out.rejected = Rejection{refused, std::nullopt};
    return refused == Reason::OK;
}

void Flow::on_start(const Event& e, FlowOutput& out) {
    if (active()) {
        out.error = Reason::FLOW_BUSY;
        return;
    }
    PhoneNumber phone;
    if (!admit(e, out, phone)) return;
    if (const auto wait = cooldown_remaining(phone.national, e.now); wait > 0) {
        out.rejected = Rejection{Reason::TOO_SOON, wait};
        return;
    }
    if (state_ == FlowState::Prefetching) {
        // The prefetch is superseded; a token it still delivers is counted as unused when it arrives.
        command(out, CommandType::CancelToken, token_req_.id);
        token_req_ = {};
    }

    login_ = false;
    phone_ = phone.national;
    order_ = operator_order(phone.segment, cfg_.operators);
    begin_attempt(e, out);
}

void Flow::on_login(const Event& e, FlowOutput& out) {
    if (active()) {
        out.error = Reason::FLOW_BUSY;
        return;
    }
    if (!e.consent) {
        out.rejected = Rejection{Reason::CONSENT_REQUIRED, std::nullopt};
        return;
    }
    if (state_ == FlowState::Prefetching) {
        command(out, CommandType::CancelToken, token_req_.id);
        token_req_ = {};
    }
    login_ = true;
    phone_.clear();
    // The network's carrier first when the provider knows it (the SIM carrying data), then the others.
    order_.clear();
    if (e.op && std::find(cfg_.operators.begin(), cfg_.operators.end(), *e.op) != cfg_.operators.end()) {
        order_.push_back(*e.op);
    }
    for (const Operator op : cfg_.operators) {
        if (order_.empty() || order_.front() != op) order_.push_back(op);
    }
    begin_attempt(e, out);
}

void Flow::begin_attempt(const Event& e, FlowOutput& out) {
    check_ = e.check;
    env_unknown_ = false;
    next_op_ = 0;
    attempt_start_ = e.now;
    budget_end_ = e.now;
    refetches_ = 0;
    failures_ = 0;
    only_mismatch_ = true;
    last_code_.clear();
    verify_req_ = {};
    ending_ = Ending{};

    enter(out, FlowState::CheckingEnv);
    if (e.signals) {
        const Environment env = evaluate_environment(*e.signals);
        out.environment = env;
        environment_ready(env, e.now, out);
        return;
    }
    env_deadline_ = e.now + cfg_.env_timeout_ms;
    command(out, CommandType::CollectEnv, 0);
    wake(out, env_deadline_);
}

void Flow::on_prefetch(const Event& e, FlowOutput& out) {
    if (active() || state_ == FlowState::Prefetching) {
        out.error = Reason::FLOW_BUSY;
        return;
    }
    PhoneNumber phone;
    if (!admit(e, out, phone)) return;
    login_ = false;  // prefetching is for verification only
    if (e.signals) {
        const Environment env = evaluate_environment(*e.signals);
        out.environment = env;
        if (env.verdict == Verdict::Unsupported) {
            out.rejected = Rejection{env.reasons.front(), std::nullopt};
            return;
        }
    }
    const Operator first = operator_order(phone.segment, cfg_.operators).front();
    if (!cached_.empty() && cached_op_ == first) {
        out.token_expires_at = cached_expires_;
        return;  // already holding a good token for this carrier
    }
    drop_cached_token(e.now);
    if (unused_tokens_in_window(e.now) >= cfg_.unused_token_limit) {
        out.rejected = Rejection{Reason::TOKEN_LIMIT, std::nullopt};
        return;
    }
    request_token(first, e.now, cfg_.token_timeout_ms, 1, out);
    enter(out, FlowState::Prefetching);
}

void Flow::request_token(Operator op, std::int64_t now, std::int64_t timeout, std::size_t covers, FlowOutput& out) {
    token_req_ = Pending{next_id_++, op, now, now + timeout, covers};
    Command c;
    c.type = login_ ? CommandType::GetLoginToken : CommandType::GetToken;
    c.id = token_req_.id;
    c.op = op;
    c.timeout_ms = timeout;
    out.commands.push_back(c);
    wake(out, token_req_.deadline);
}

void Flow::on_env(const Event& e, FlowOutput& out) {
    if (!e.signals) return;
    const Environment env = evaluate_environment(*e.signals);
    out.environment = env;
    if (state_ == FlowState::CheckingEnv) {
        environment_ready(env, e.now, out);
    } else if ((state_ == FlowState::CheckingServer || state_ == FlowState::FetchingToken ||
                state_ == FlowState::Verifying) &&
               env.verdict == Verdict::Unsupported) {
        // The network changed under a running attempt (Wi-Fi came on): stop now rather than time out.
        if (state_ == FlowState::Verifying) start_cooldown(e.now + cfg_.same_number_interval_ms);
        ending_.advice = env.advice;
        end(out, e.now, Outcome::Fallback, env.reasons.front());
    }
}

void Flow::environment_ready(const Environment& env, std::int64_t now, FlowOutput& out) {
    if (env.verdict == Verdict::Unsupported) {
        ending_.advice = env.advice;
        end(out, now, Outcome::Fallback, env.reasons.front());
        return;
    }
    env_unknown_ = env.verdict == Verdict::Unknown;
    if (check_) {
        // The server's quotas (and its being there at all) are asked before a carrier token is spent; the
        // answer comes as verify_result (or verify_failed) for this request's id.
        enter(out, FlowState::CheckingServer);
        verify_req_ = Pending{next_id_++, Operator::CM, now, now + cfg_.check_timeout_ms};
        Command c;
        c.type = CommandType::Check;
        c.id = verify_req_.id;
        c.timeout_ms = cfg_.check_timeout_ms;
        c.phone = phone_;  // empty for a login
        out.commands.push_back(c);
        wake(out, verify_req_.deadline);
        return;
    }
    begin_fetching(now, out);
}

void Flow::begin_fetching(std::int64_t now, FlowOutput& out) {
    if (login_) {
        // The user reads and confirms the carrier's page inside this budget, so an `unknown` verdict does not
        // shorten it.
        budget_end_ = now + cfg_.login_budget_ms;
        fetch_next(now, out);
        return;
    }
    budget_end_ = now + (env_unknown_ ? std::min(cfg_.budget_ms, cfg_.unknown_budget_ms) : cfg_.budget_ms);
    // A prefetched token for the first carrier is used if it is still valid; an expired one is refetched.
    if (!cached_.empty()) {
        if (cached_op_ == order_.front() && now < cached_expires_ && !token_was_used(cached_)) {
            String token = std::move(cached_);
            cached_.clear();
            out.token_expires_at = cached_expires_;
            submit(std::move(token), cached_op_, now, out);
            return;
        }
        drop_cached_token(now);
    }
    fetch_next(now, out);
}

void Flow::fetch_next(std::int64_t now, FlowOutput& out) {
    ending_.code = last_code_;
    if (next_op_ >= order_.size()) {
        // Every gateway said no. If all of them refused this connection as not theirs, a VPN or proxy (or data
        // through another SIM) is the likely cause; otherwise report the last failure.
        Reason reason = last_failure_;
        if (failures_ > 0 && only_mismatch_) {
            reason = Reason::VPN_SUSPECTED;
            ending_.advice = Advice::TurnOffVpn;
        } else if (failures_ == 0 || reason == Reason::CARRIER_MISMATCH) {
            reason = Reason::TOKEN_FAILED;
        }
        end(out, now, Outcome::Fallback, reason);
        return;
    }
    const std::int64_t remaining = budget_end_ - now;
    if (remaining < cfg_.min_attempt_ms || remaining <= 0) {
        end(out, now, Outcome::Fallback, Reason::TOKEN_BUDGET_EXHAUSTED);
        return;
    }
    if (unused_tokens_in_window(now) >= cfg_.unused_token_limit) {
        end(out, now, Outcome::Fallback, Reason::TOKEN_LIMIT);
        return;
    }
    if (state_ != FlowState::FetchingToken) enter(out, FlowState::FetchingToken);
    // A provider whose SDK hands over to the next carriers itself gets their time in one request.
    const auto covers = std::min(static_cast<std::size_t>(cfg_.carriers_per_request), order_.size() - next_op_);
    const std::int64_t per_carrier = login_ ? cfg_.login_timeout_ms : cfg_.token_timeout_ms;
    request_token(order_[next_op_], now, std::min(per_carrier * static_cast<std::int64_t>(covers), remaining), covers,
                  out);
}

void Flow::count_failure(Reason reason, std::string_view code) {
    ++failures_;
    only_mismatch_ = only_mismatch_ && reason == Reason::CARRIER_MISMATCH;
    last_failure_ = reason;
    last_code_ = code;
}

// The request failed for every carrier it covered (one, or an SDK's whole hand-over).
void Flow::carrier_failed(Reason reason, std::string_view code, std::int64_t now, FlowOutput& out) {
    const std::size_t covers = std::max<std::size_t>(1, token_req_.covers);
    for (std::size_t i = 0; i < covers && next_op_ < order_.size(); ++i) {
        count_failure(reason, code);
        ++next_op_;
    }
    token_req_ = {};
    fetch_next(now, out);
}

// An SDK that asked several carriers reported each one's code: those carriers failed with their own reasons and
// leave the order (none is asked again); the one asked, if the SDK did not report it, failed with `reason`.
void Flow::carriers_failed(const Event& e, Reason reason, std::int64_t now, FlowOutput& out) {
    OperatorList rest;
    for (std::size_t i = 0; i < order_.size(); ++i) {
        const Operator op = order_[i];
        const std::string_view code = e.carrier_codes[static_cast<std::size_t>(op)];
        if (i < next_op_) {
            rest.push_back(op);
        } else if (!code.empty()) {
            const auto carrier = carrier_code_info(op, code);
            count_failure(carrier ? carrier->reason : Reason::TOKEN_FAILED, code);
        } else if (i == next_op_) {
            count_failure(reason, e.code);
        } else {
            rest.push_back(op);
        }
    }
    order_ = rest;
    token_req_ = {};
    fetch_next(now, out);
}

void Flow::submit(String token, Operator op, std::int64_t now, FlowOutput& out) {
    enter(out, FlowState::TokenReady);
    // Spent from this moment: the server may consume it even if its answer never arrives.
    used_[used_next_] = token_hash(token);
    used_next_ = (used_next_ + 1) % used_.size();
    submitted_ = std::move(token);
    verify_req_ = Pending{next_id_++, op, now, now + cfg_.verify_timeout_ms};
    Command c;
    c.type = login_ ? CommandType::Login : CommandType::Verify;
    c.id = verify_req_.id;
    c.op = op;
    c.timeout_ms = cfg_.verify_timeout_ms;
    c.phone = phone_;  // empty for a login
    c.token = submitted_;
    out.commands.push_back(c);
    wake(out, verify_req_.deadline);
    enter(out, FlowState::Verifying);
}

void Flow::on_token(const Event& e, FlowOutput& out) {
    const bool ours = token_req_.id != 0 && token_req_.id == e.id &&
                      (state_ == FlowState::FetchingToken || state_ == FlowState::Prefetching);
    if (!ours) {
        // A token we no longer wait for still counts against the carrier's unused-token limit.
        if (!e.token.empty() && e.id != 0 && e.id < next_id_) note_unused_token(e.now);
        out.ignored = true;
        return;
    }
    Pending req = token_req_;
    token_req_ = {};
    // The carrier that issued the token (an SDK that handed over may answer for another one than it was asked).
    if (e.op) req.op = *e.op;
    const std::int64_t expires = req.started + ttl_for(req.op);
    if (state_ == FlowState::Prefetching) {
        if (e.token.empty() || token_was_used(e.token) || e.now >= expires) {
            enter(out, FlowState::Idle);
            return;
        }
        cached_.assign(e.token);
        cached_op_ = req.op;
        cached_expires_ = expires;
        out.token_expires_at = expires;
        enter(out, FlowState::TokenReady);
        return;
    }
    if (e.token.empty()) {
        carrier_failed(Reason::TOKEN_FAILED, {}, e.now, out);
    } else if (token_was_used(e.token)) {
        // The provider handed back a token that was already submitted: never send it again.
        refetch_or_end(Reason::TOKEN_USED, req.op, e.now, out);
    } else if (e.now >= expires) {
        note_unused_token(e.now);
        refetch_or_end(Reason::TOKEN_EXPIRED, req.op, e.now, out);
    } else {
        out.token_expires_at = expires;
        submit(String(e.token), req.op, e.now, out);
    }
}

void Flow::refetch_or_end(Reason reason, Operator op, std::int64_t now, FlowOutput& out) {
    verify_req_ = {};
    // Ask the same carrier again (once, by default) with a fresh per-carrier timeout; it served this SIM before.
    // Not for a login: that would put the carrier's page before the user again without their asking.
    if (!login_ && refetches_ < cfg_.max_refetches) {
        ++refetches_;
        for (std::size_t i = 0; i < order_.size(); ++i) {
            if (order_[i] == op) next_op_ = i;
        }
        budget_end_ = std::max(budget_end_, now + cfg_.token_timeout_ms);
        if (state_ != FlowState::FetchingToken) enter(out, FlowState::FetchingToken);
        fetch_next(now, out);
        return;
    }
    ending_.op = op;
    end(out, now, Outcome::Fallback, reason);
}

void Flow::on_token_error(const Event& e, FlowOutput& out) {
    const bool ours = token_req_.id != 0 && token_req_.id == e.id &&
                      (state_ == FlowState::FetchingToken || state_ == FlowState::Prefetching);
    if (!ours) {
        out.ignored = true;
        return;
    }
    if (state_ == FlowState::Prefetching) {
        token_req_ = {};
        enter(out, FlowState::Idle);
        return;
    }
    Reason reason = Reason::TOKEN_FAILED;
    TokenErrorAction action = TokenErrorAction::NextCarrier;
    const std::string_view code = e.code;
    // SDK codes are small numbers; at most 9 digits cannot overflow.
    bool numeric = !code.empty() && code.size() <= 9;
    int value = 0;
    for (std::size_t i = 0; numeric && i < code.size(); ++i) {
        numeric = code[i] >= '0' && code[i] <= '9';
        if (numeric) value = value * 10 + (code[i] - '0');
    }
    if (const auto own = provider_code_info(code)) {
        reason = own->reason;
        action = own->action;
    } else if (const auto carrier = carrier_code_info(token_req_.op, code)) {
        reason = carrier->reason;
        action = carrier->action;
    } else if (numeric) {
        const SdkCodeInfo sdk = sdk_code_info(value);
        reason = sdk.reason == Reason::OK ? Reason::TOKEN_FAILED : sdk.reason;
        action = sdk.action;
    }
    if (action == TokenErrorAction::Stop) {
        ending_.code = e.code;
        if (reason == Reason::OFFLINE) ending_.advice = Advice::TurnOnMobileData;
        if (reason == Reason::LOGIN_CLOSED) ending_.op = token_req_.op;
        token_req_ = {};
        end(out, e.now, Outcome::Fallback, reason);
        return;
    }
    bool per_carrier = false;
    for (const auto c : e.carrier_codes) per_carrier = per_carrier || !c.empty();
    if (per_carrier) {
        carriers_failed(e, reason, e.now, out);
    } else {
        carrier_failed(reason, code, e.now, out);
    }
}

namespace {

// The reason behind a server answer that is not a success: its error body's code, else its status.
Reason server_refusal(const VerifyReply& r) {
    if (r.body_ok && r.has_error) return r.error;
    if (r.status == 429) return Reason::IP_LIMIT;
    if (r.status == 502) return Reason::UPSTREAM_UNAVAILABLE;
    if (r.status == 504) return Reason::UPSTREAM_TIMEOUT;
    if (r.status >= 400 && r.status < 500) return Reason::BAD_REQUEST;
    return Reason::SERVER_ERROR;
}

}  // namespace

void Flow::on_verify_result(const Event& e, FlowOutput& out) {
    const bool ours = verify_req_.id != 0 && verify_req_.id == e.id;
    if (ours && state_ == FlowState::CheckingServer) {
        verify_req_ = {};
        on_check_result(e.reply, e.now, out);
        return;
    }
    if (!(ours && state_ == FlowState::Verifying)) {
        out.ignored = true;
        return;
    }
    const VerifyReply& r = e.reply;
    const Operator op = verify_req_.op;
    verify_req_ = {};  // answered: nothing left to cancel
    ending_.op = op;
    ending_.risk_score = r.risk_score;
    ending_.risk_decision = r.risk_decision;
    ending_.code = r.upstream_code >= 0 ? decimal(r.upstream_code) : String();

    if (login_ && r.status >= 200 && r.status < 300 && r.body_ok) {
        on_login_result(r, e.now, out);
        return;
    }
    if (r.status >= 200 && r.status < 300 && r.body_ok) {
        const bool yes = r.verified.value_or(false);
        const bool consistent = r.result == ReplyResult::Consistent;
        Outcome outcome = Outcome::Fallback;
        Reason reason = Reason::SERVER_ERROR;  // a reply that contradicts itself is not believed
        if (consistent && r.risk_decision == RiskDecision::Deny) {
            outcome = Outcome::NotVerified;
            reason = Reason::RISK_DENY;
        } else if (consistent && r.risk_decision == RiskDecision::StepUp) {
            reason = Reason::RISK_STEP_UP;
        } else if (yes && consistent) {
            outcome = Outcome::Verified;
            reason = Reason::CONSISTENT;
        } else if (!yes && r.result == ReplyResult::Inconsistent) {
            outcome = Outcome::NotVerified;
            reason = Reason::INCONSISTENT;
        } else if (!yes && r.upstream_code >= 0 &&
                   vendor_code_info(r.upstream_code).outcome == VendorOutcome::TokenRejected) {
            refetch_or_end(Reason::TOKEN_EXPIRED, op, e.now, out);
            return;
        } else if (!yes && r.result == ReplyResult::Unknown) {
            reason = Reason::RESULT_UNKNOWN;
            if (r.upstream_code >= 0) {
                const VendorCodeInfo v = vendor_code_info(r.upstream_code);
                if (v.outcome != VendorOutcome::Consistent && v.outcome != VendorOutcome::Inconsistent &&
                    v.reason != Reason::UPSTREAM_UNKNOWN_CODE) {
                    reason = v.reason;
                }
            }
        }
        // The vendor processed this number: the same-number interval starts now.
        start_cooldown(e.now + cfg_.same_number_interval_ms);
        end(out, e.now, outcome, reason);
        return;
    }

    const Reason reason = server_refusal(r);
    if (r.retry_after_sec && *r.retry_after_sec > 0) ending_.retry_after_ms = *r.retry_after_sec * 1000;

    if (reason == Reason::TOKEN_EXPIRED || reason == Reason::TOKEN_USED) {
        refetch_or_end(reason, op, e.now, out);
        return;
    }
    if (reason == Reason::TOO_SOON) {
        const std::int64_t wait = ending_.retry_after_ms.value_or(cfg_.same_number_interval_ms);
        ending_.retry_after_ms = wait;
        start_cooldown(e.now + wait);
    }
    end(out, e.now, Outcome::Fallback, reason);
}

// The server's answer to `check`: a success lets the attempt fetch its first token. The server's TOO_SOON is the
// refusal `start` gives for the flow's own same-number interval (the page may have been reloaded since), and
// starts that interval here; any other refusal ends the attempt before a token is spent. A server that does not
// know the check (404, 405: an older one) leaves every rule to the verification itself.
void Flow::on_check_result(const VerifyReply& r, std::int64_t now, FlowOutput& out) {
    if ((r.status >= 200 && r.status < 300) || r.status == 404 || r.status == 405) {
        begin_fetching(now, out);
        return;
    }
    const Reason reason = server_refusal(r);
    std::optional<std::int64_t> wait;
    if (r.retry_after_sec && *r.retry_after_sec > 0) wait = *r.retry_after_sec * 1000;
    if (reason == Reason::TOO_SOON) {
        const std::int64_t ms = wait.value_or(cfg_.same_number_interval_ms);
        start_cooldown(now + ms);
        out.rejected = Rejection{reason, ms};
        enter(out, FlowState::Idle);
        return;
    }
    ending_.retry_after_ms = wait;
    end(out, now, Outcome::Fallback, reason);
}

void Flow::on_login_result(const VerifyReply& r, std::int64_t now, FlowOutput& out) {
    Outcome outcome = Outcome::Fallback;
    Reason reason = Reason::SERVER_ERROR;  // a reply that says neither yes nor no is not believed
    const bool yes = r.logged_in.value_or(false);
    if (r.risk_decision == RiskDecision::Deny) {
        outcome = Outcome::NotVerified;
        reason = Reason::RISK_DENY;
    } else if (r.risk_decision == RiskDecision::StepUp) {
        reason = Reason::RISK_STEP_UP;
    } else if (yes && r.logged_in) {
        outcome = Outcome::LoggedIn;
        reason = Reason::LOGGED_IN;
    } else if (r.logged_in && !yes) {
        reason = Reason::LOGIN_FAILED;
    }
    end(out, now, outcome, reason);
}

void Flow::on_verify_failed(std::int64_t now, bool timeout, FlowOutput& out) {
    ending_.op = verify_req_.op;
    ending_.code = timeout ? "TIMEOUT" : "NETWORK";
    verify_req_ = {};  // the request is over, one way or the other
    // The request may have reached the vendor before it failed: assume the number was spent.
    start_cooldown(now + cfg_.same_number_interval_ms);
    end(out, now, Outcome::Fallback, timeout ? Reason::SERVER_TIMEOUT : Reason::SERVER_UNREACHABLE);
}

void Flow::on_tick(std::int64_t now, FlowOutput& out) {
    std::int64_t deadline = 0;
    switch (state_) {
        case FlowState::CheckingEnv: deadline = env_deadline_; break;
        case FlowState::Prefetching:
        case FlowState::FetchingToken: deadline = token_req_.deadline; break;
        case FlowState::CheckingServer:
        case FlowState::Verifying: deadline = verify_req_.deadline; break;
        default: out.ignored = true; return;
    }
    if (now < deadline) {
        wake(out, deadline);  // early: re-arm the driver's timer
        return;
    }
    switch (state_) {
        case FlowState::CheckingEnv: {
            Environment env;
            env.reasons.push_back(Reason::ENV_TIMEOUT);
            out.environment = env;
            environment_ready(env, now, out);
            return;
        }
        case FlowState::Prefetching:
            command(out, CommandType::CancelToken, token_req_.id);
            token_req_ = {};
            enter(out, FlowState::Idle);
            return;
        case FlowState::FetchingToken:
            command(out, CommandType::CancelToken, token_req_.id);
            carrier_failed(Reason::TOKEN_TIMEOUT, "TIMEOUT", now, out);
            return;
        case FlowState::CheckingServer:
            command(out, CommandType::CancelVerify, verify_req_.id);
            verify_req_ = {};
            end(out, now, Outcome::Fallback, Reason::SERVER_TIMEOUT);
            return;
        default:  // Verifying
            command(out, CommandType::CancelVerify, verify_req_.id);
            on_verify_failed(now, true, out);
            return;
    }
}

void Flow::on_cancel(std::int64_t now, FlowOutput& out) {
    if (state_ == FlowState::Prefetching || state_ == FlowState::TokenReady) {
        if (token_req_.id != 0) command(out, CommandType::CancelToken, token_req_.id);
        token_req_ = {};
        drop_cached_token(now);
        enter(out, FlowState::Idle);
        return;
    }
    if (!active()) {
        out.ignored = true;
        return;
    }
    if (state_ == FlowState::Verifying) start_cooldown(now + cfg_.same_number_interval_ms);
    end(out, now, Outcome::Cancelled, Reason::CANCELLED);
}

}  // namespace nv
