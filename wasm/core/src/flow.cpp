#include "nv/flow.hpp"

#include <algorithm>

namespace nv {
namespace {

constexpr std::size_t kUsedTokenMemory = 64;
constexpr std::size_t kCooldownMemory = 32;

bool in_range(std::int64_t v, std::int64_t lo, std::int64_t hi) { return v >= lo && v <= hi; }

std::int64_t ttl_for(const FlowConfig& cfg, Operator op) { return cfg.token_ttl_ms[static_cast<std::size_t>(op)]; }

std::string decimal(int n) {
    // Magnitude as unsigned, so INT_MIN does not overflow.
    auto u = n < 0 ? 0u - static_cast<unsigned>(n) : static_cast<unsigned>(n);
    std::string s;
    do {
        s.insert(s.begin(), static_cast<char>('0' + u % 10));
        u /= 10;
    } while (u != 0);
    if (n < 0) s.insert(s.begin(), '-');
    return s;
}

}  // namespace

std::string_view validate(const FlowConfig& c) {
    if (!in_range(c.token_timeout_ms, 100, 60'000)) return "tokenTimeoutMs";
    if (!in_range(c.budget_ms, 100, 120'000)) return "budgetMs";
    if (!in_range(c.unknown_budget_ms, 100, 120'000)) return "unknownBudgetMs";
    if (!in_range(c.min_attempt_ms, 0, 10'000)) return "minAttemptMs";
    if (!in_range(c.verify_timeout_ms, 100, 120'000)) return "verifyTimeoutMs";
    if (!in_range(c.env_timeout_ms, 0, 60'000)) return "envTimeoutMs";
    if (!in_range(c.same_number_interval_ms, 0, 86'400'000)) return "sameNumberIntervalMs";
    for (const auto ttl : c.token_ttl_ms) {
        if (!in_range(ttl, 1'000, 3'600'000)) return "tokenTtlMs";
    }
    if (c.operators.empty() || c.operators.size() > kOperators.size()) return "operators";
    for (std::size_t i = 0; i < c.operators.size(); ++i) {
        for (std::size_t j = i + 1; j < c.operators.size(); ++j) {
            if (c.operators[i] == c.operators[j]) return "operators";
        }
    }
    if (c.unused_token_limit < 1 || c.unused_token_limit > 1'000) return "unusedTokenLimit";
    if (!in_range(c.unused_token_window_ms, 1'000, 86'400'000)) return "unusedTokenWindowMs";
    if (c.max_refetches < 0 || c.max_refetches > 5) return "maxRefetches";
    return {};
}

std::string_view flow_state_id(FlowState s) {
    switch (s) {
        case FlowState::Idle: return "idle";
        case FlowState::Prefetching: return "prefetching";
        case FlowState::TokenReady: return "token_ready";
        case FlowState::CheckingEnv: return "checking_env";
        case FlowState::FetchingToken: return "fetching_token";
        case FlowState::Verifying: return "verifying";
        case FlowState::Verified: return "verified";
        case FlowState::NotVerified: return "not_verified";
        case FlowState::Fallback: return "fallback";
        case FlowState::Cancelled: return "cancelled";
    }
    return "idle";
}

std::string_view command_id(CommandType c) {
    switch (c) {
        case CommandType::CollectEnv: return "collect_env";
        case CommandType::GetToken: return "get_token";
        case CommandType::CancelToken: return "cancel_token";
        case CommandType::Verify: return "verify";
        case CommandType::CancelVerify: return "cancel_verify";
        case CommandType::Wake: return "wake";
    }
    return "wake";
}

std::string_view outcome_id(Outcome o) {
    switch (o) {
        case Outcome::Verified: return "verified";
        case Outcome::NotVerified: return "not_verified";
        case Outcome::Fallback: return "fallback";
        case Outcome::Cancelled: return "cancelled";
    }
    return "fallback";
}

Flow::Flow(FlowConfig config) : cfg_(std::move(config)) {}

bool Flow::active() const {
    return state_ == FlowState::CheckingEnv || state_ == FlowState::FetchingToken || state_ == FlowState::Verifying;
}

void Flow::enter(FlowOutput& out, FlowState s) {
    state_ = s;
    out.path.push_back(s);
}

void Flow::wake(FlowOutput& out, std::int64_t at) {
    Command c;
    c.type = CommandType::Wake;
    c.at = at;
    out.commands.push_back(c);
}

void Flow::end(FlowOutput& out, std::int64_t now, Ending ending) {
    if (token_req_) {
        Command c;
        c.type = CommandType::CancelToken;
        c.id = token_req_->id;
        out.commands.push_back(c);
        token_req_.reset();
    }
    if (verify_req_) {
        Command c;
        c.type = CommandType::CancelVerify;
        c.id = verify_req_->id;
        out.commands.push_back(c);
        verify_req_.reset();
    }
    ending.elapsed_ms = now - attempt_start_;
    switch (ending.outcome) {
        case Outcome::Verified: enter(out, FlowState::Verified); break;
        case Outcome::NotVerified: enter(out, FlowState::NotVerified); break;
        case Outcome::Fallback: enter(out, FlowState::Fallback); break;
        case Outcome::Cancelled: enter(out, FlowState::Cancelled); break;
    }
    out.ending = std::move(ending);
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
    if (state_ == FlowState::TokenReady && cached_ && e.now >= cached_->expires_at) {
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
        case EventType::VerifyFailed: on_verify_failed(e, out); break;
        case EventType::Tick: on_tick(e, out); break;
        case EventType::Cancel: on_cancel(e, out); break;
        case EventType::Cooldown: {
            const PhoneNumber p = parse_phone(e.phone);
            out.cooldown_ms = cooldown_remaining(p.national, e.now);
            break;
        }
    }
    out.state = state_;
    return out;
}

std::int64_t Flow::cooldown_remaining(std::string_view national, std::int64_t now) const {
    for (const auto& [number, until] : cooldowns_) {
        if (number == national) return until > now ? until - now : 0;
    }
    return 0;
}

void Flow::start_cooldown(std::int64_t until) {
    // Forget intervals that are over, then the oldest if still full: the memory stays bounded.
    cooldowns_.erase(std::remove_if(cooldowns_.begin(), cooldowns_.end(),
                                    [&](const auto& c) { return c.second <= last_now_; }),
                     cooldowns_.end());
    for (auto& c : cooldowns_) {
        if (c.first == phone_) {
            c.second = std::max(c.second, until);
            return;
        }
    }
    if (cooldowns_.size() >= kCooldownMemory) cooldowns_.erase(cooldowns_.begin());
    cooldowns_.emplace_back(phone_, until);
}

int Flow::unused_tokens_in_window(std::int64_t now) const {
    int n = 0;
    for (const auto t : unused_tokens_) {
        if (now - t < cfg_.unused_token_window_ms) ++n;
    }
    return n;
}

void Flow::note_unused_token(std::int64_t now) {
    unused_tokens_.erase(std::remove_if(unused_tokens_.begin(), unused_tokens_.end(),
                                        [&](std::int64_t t) { return now - t >= cfg_.unused_token_window_ms; }),
                         unused_tokens_.end());
    unused_tokens_.push_back(now);
}

bool Flow::token_was_used(std::string_view token) const {
    return std::find(used_tokens_.begin(), used_tokens_.end(), token) != used_tokens_.end();
}

void Flow::remember_used_token(std::string token) {
    if (used_tokens_.size() >= kUsedTokenMemory) used_tokens_.erase(used_tokens_.begin());
    used_tokens_.push_back(std::move(token));
}

void Flow::drop_cached_token(std::int64_t now) {
    if (cached_) {
        note_unused_token(now);
        cached_.reset();
    }
}

void Flow::on_start(const Event& e, FlowOutput& out) {
    if (active()) {
        out.error = Reason::FLOW_BUSY;
        return;
    }
    const PhoneNumber phone = parse_phone(e.phone);
    if (!phone.valid) {
        out.rejected = Rejection{phone.reason, std::nullopt};
        return;
    }
    if (!e.consent) {
        out.rejected = Rejection{Reason::CONSENT_REQUIRED, std::nullopt};
        return;
    }
    if (const auto wait = cooldown_remaining(phone.national, e.now); wait > 0) {
        out.rejected = Rejection{Reason::TOO_SOON, wait};
        return;
    }
    if (state_ == FlowState::Prefetching && token_req_) {
        // The prefetch is superseded; a token it still delivers is counted as unused when it arrives.
        Command c;
        c.type = CommandType::CancelToken;
        c.id = token_req_->id;
        out.commands.push_back(c);
        token_req_.reset();
    }

    phone_ = phone.national;
    order_ = operator_order(phone.segment, cfg_.operators);
    next_op_ = 0;
    attempt_start_ = e.now;
    budget_end_ = e.now;
    refetches_ = 0;
    budget_ran_out_ = false;
    failures_.clear();
    last_code_.clear();
    verify_req_.reset();

    enter(out, FlowState::CheckingEnv);
    if (e.signals) {
        const Environment env = evaluate_environment(*e.signals);
        out.environment = env;
        environment_ready(env, e.now, out);
        return;
    }
    env_deadline_ = e.now + cfg_.env_timeout_ms;
    Command c;
    c.type = CommandType::CollectEnv;
    out.commands.push_back(c);
    wake(out, env_deadline_);
}

void Flow::on_prefetch(const Event& e, FlowOutput& out) {
    if (active() || state_ == FlowState::Prefetching) {
        out.error = Reason::FLOW_BUSY;
        return;
    }
    const PhoneNumber phone = parse_phone(e.phone);
    if (!phone.valid) {
        out.rejected = Rejection{phone.reason, std::nullopt};
        return;
    }
    if (!e.consent) {
        out.rejected = Rejection{Reason::CONSENT_REQUIRED, std::nullopt};
        return;
    }
    if (e.signals) {
        const Environment env = evaluate_environment(*e.signals);
        out.environment = env;
        if (env.verdict == Verdict::Unsupported) {
            out.rejected = Rejection{env.reasons.front(), std::nullopt};
            return;
        }
    }
    const std::vector<Operator> order = operator_order(phone.segment, cfg_.operators);
    if (cached_ && cached_->op == order.front()) {
        out.token_expires_at = cached_->expires_at;
        return;  // already holding a good token for this carrier
    }
    drop_cached_token(e.now);
    if (unused_tokens_in_window(e.now) >= cfg_.unused_token_limit) {
        out.rejected = Rejection{Reason::TOKEN_LIMIT, std::nullopt};
        return;
    }
    Pending p;
    p.id = next_id_++;
    p.op = order.front();
    p.started = e.now;
    p.deadline = e.now + cfg_.token_timeout_ms;
    token_req_ = p;
    Command c;
    c.type = CommandType::GetToken;
    c.id = p.id;
    c.op = p.op;
    c.timeout_ms = cfg_.token_timeout_ms;
    out.commands.push_back(c);
    wake(out, p.deadline);
    enter(out, FlowState::Prefetching);
}

void Flow::on_env(const Event& e, FlowOutput& out) {
    if (!e.signals) return;
    const Environment env = evaluate_environment(*e.signals);
    out.environment = env;
    if (state_ == FlowState::CheckingEnv) {
        environment_ready(env, e.now, out);
    } else if ((state_ == FlowState::FetchingToken || state_ == FlowState::Verifying) &&
               env.verdict == Verdict::Unsupported) {
        // The network changed under a running attempt (Wi-Fi came on): stop now rather than time out.
        Ending end_with;
        end_with.outcome = Outcome::Fallback;
        end_with.reason = env.reasons.front();
        end_with.advice = env.advice;
        if (state_ == FlowState::Verifying) start_cooldown(e.now + cfg_.same_number_interval_ms);
        end(out, e.now, std::move(end_with));
    }
}

void Flow::environment_ready(const Environment& env, std::int64_t now, FlowOutput& out) {
    if (env.verdict == Verdict::Unsupported) {
        Ending ending;
        ending.outcome = Outcome::Fallback;
        ending.reason = env.reasons.front();
        ending.advice = env.advice;
        end(out, now, std::move(ending));
        return;
    }
    const std::int64_t budget =
        env.verdict == Verdict::Unknown ? std::min(cfg_.budget_ms, cfg_.unknown_budget_ms) : cfg_.budget_ms;
    budget_end_ = now + budget;
    // A prefetched token for the first carrier is used if it is still valid; an expired one is refetched.
    if (cached_) {
        Token t = *cached_;
        cached_.reset();
        if (t.op == order_.front() && now < t.expires_at && !token_was_used(t.value)) {
            submit(std::move(t), now, out);
            return;
        }
        note_unused_token(now);
    }
    fetch_next(now, out);
}

void Flow::fetch_next(std::int64_t now, FlowOutput& out) {
    if (next_op_ >= order_.size()) {
        // Every gateway said no. If all of them refused this connection as not theirs, a VPN or proxy (or data
        // through another SIM) is the likely cause; otherwise report the last failure.
        Ending ending;
        ending.outcome = Outcome::Fallback;
        const bool all_mismatch =
            !failures_.empty() && std::all_of(failures_.begin(), failures_.end(),
                                              [](Reason r) { return r == Reason::CARRIER_MISMATCH; });
        if (all_mismatch) {
            ending.reason = Reason::VPN_SUSPECTED;
            ending.advice = Advice::TurnOffVpn;
        } else {
            ending.reason = failures_.empty() ? Reason::TOKEN_FAILED : failures_.back();
            if (ending.reason == Reason::CARRIER_MISMATCH) ending.reason = Reason::TOKEN_FAILED;
        }
        ending.code = last_code_;
        end(out, now, std::move(ending));
        return;
    }
    const std::int64_t remaining = budget_end_ - now;
    if (remaining < cfg_.min_attempt_ms || remaining <= 0) {
        Ending ending;
        ending.outcome = Outcome::Fallback;
        ending.reason = Reason::TOKEN_BUDGET_EXHAUSTED;
        ending.code = last_code_;
        end(out, now, std::move(ending));
        return;
    }
    if (unused_tokens_in_window(now) >= cfg_.unused_token_limit) {
        Ending ending;
        ending.outcome = Outcome::Fallback;
        ending.reason = Reason::TOKEN_LIMIT;
        end(out, now, std::move(ending));
        return;
    }
    Pending p;
    p.id = next_id_++;
    p.op = order_[next_op_];
    p.started = now;
    const std::int64_t timeout = std::min(cfg_.token_timeout_ms, remaining);
    p.deadline = now + timeout;
    token_req_ = p;
    if (state_ != FlowState::FetchingToken) enter(out, FlowState::FetchingToken);
    Command c;
    c.type = CommandType::GetToken;
    c.id = p.id;
    c.op = p.op;
    c.timeout_ms = timeout;
    out.commands.push_back(c);
    wake(out, p.deadline);
}

void Flow::carrier_failed(Reason reason, std::string code, std::int64_t now, FlowOutput& out) {
    failures_.push_back(reason);
    last_code_ = std::move(code);
    token_req_.reset();
    ++next_op_;
    fetch_next(now, out);
}

void Flow::submit(Token token, std::int64_t now, FlowOutput& out) {
    enter(out, FlowState::TokenReady);
    out.token_expires_at = token.expires_at;
    Pending p;
    p.id = next_id_++;
    p.op = token.op;
    p.started = now;
    p.deadline = now + cfg_.verify_timeout_ms;
    verify_req_ = p;
    Command c;
    c.type = CommandType::Verify;
    c.id = p.id;
    c.op = token.op;
    c.timeout_ms = cfg_.verify_timeout_ms;
    c.phone = phone_;
    c.token = token.value;
    // Spent from this moment: the server may consume it even if its answer never arrives.
    remember_used_token(std::move(token.value));
    out.commands.push_back(std::move(c));
    wake(out, p.deadline);
    enter(out, FlowState::Verifying);
}

void Flow::on_token(const Event& e, FlowOutput& out) {
    const bool ours = token_req_ && token_req_->id == e.id &&
                      (state_ == FlowState::FetchingToken || state_ == FlowState::Prefetching);
    if (!ours) {
        // A token we no longer wait for still counts against the carrier's unused-token limit.
        if (!e.token.empty() && e.id != 0 && e.id < next_id_) note_unused_token(e.now);
        out.ignored = true;
        return;
    }
    const Pending req = *token_req_;
    if (e.token.empty()) {
        if (state_ == FlowState::Prefetching) {
            token_req_.reset();
            enter(out, FlowState::Idle);
            return;
        }
        carrier_failed(Reason::TOKEN_FAILED, {}, e.now, out);
        return;
    }
    Token t{e.token, req.op, req.started + ttl_for(cfg_, req.op)};
    if (state_ == FlowState::Prefetching) {
        token_req_.reset();
        if (token_was_used(t.value) || e.now >= t.expires_at) {
            enter(out, FlowState::Idle);
            return;
        }
        out.token_expires_at = t.expires_at;
        cached_ = std::move(t);
        enter(out, FlowState::TokenReady);
        return;
    }
    token_req_.reset();
    if (token_was_used(t.value)) {
        // The provider handed back a token that was already submitted: never send it again.
        refetch_or_end(Reason::TOKEN_USED, {}, req.op, e.now, out);
        return;
    }
    if (e.now >= t.expires_at) {
        note_unused_token(e.now);
        refetch_or_end(Reason::TOKEN_EXPIRED, {}, req.op, e.now, out);
        return;
    }
    submit(std::move(t), e.now, out);
}

void Flow::refetch_or_end(Reason reason, std::string code, Operator op, std::int64_t now, FlowOutput& out) {
    verify_req_.reset();
    // Ask the same carrier again (once, by default) with a fresh per-carrier timeout; it served this SIM before.
    if (refetches_ < cfg_.max_refetches) {
        ++refetches_;
        const auto it = std::find(order_.begin(), order_.end(), op);
        next_op_ = static_cast<std::size_t>(it - order_.begin());
        budget_end_ = std::max(budget_end_, now + cfg_.token_timeout_ms);
        last_code_ = std::move(code);
        if (state_ != FlowState::FetchingToken) enter(out, FlowState::FetchingToken);
        fetch_next(now, out);
        return;
    }
    Ending ending;
    ending.outcome = Outcome::Fallback;
    ending.reason = reason;
    ending.code = std::move(code);
    ending.op = op;
    end(out, now, std::move(ending));
}

void Flow::on_token_error(const Event& e, FlowOutput& out) {
    const bool ours = token_req_ && token_req_->id == e.id &&
                      (state_ == FlowState::FetchingToken || state_ == FlowState::Prefetching);
    if (!ours) {
        out.ignored = true;
        return;
    }
    if (state_ == FlowState::Prefetching) {
        token_req_.reset();
        enter(out, FlowState::Idle);
        return;
    }
    const Operator op = token_req_->op;
    Reason reason = Reason::TOKEN_FAILED;
    TokenErrorAction action = TokenErrorAction::NextCarrier;
    const std::string_view code = e.code;
    bool numeric = !code.empty() && code.size() <= 9;
    int value = 0;
    for (const char ch : code) {
        if (ch < '0' || ch > '9') {
            numeric = false;
            break;
        }
        value = value * 10 + (ch - '0');
    }
    if (code == "TIMEOUT") {
        reason = Reason::TOKEN_TIMEOUT;
    } else if (const auto carrier = carrier_code_info(op, code)) {
        reason = carrier->reason;
        action = carrier->action;
    } else if (numeric) {
        const SdkCodeInfo sdk = sdk_code_info(value);
        reason = sdk.reason == Reason::OK ? Reason::TOKEN_FAILED : sdk.reason;
        action = sdk.action;
    }
    if (action == TokenErrorAction::Stop) {
        Ending ending;
        ending.outcome = Outcome::Fallback;
        ending.reason = reason;
        ending.code = e.code;
        if (reason == Reason::OFFLINE) ending.advice = Advice::TurnOnMobileData;
        token_req_.reset();
        end(out, e.now, std::move(ending));
        return;
    }
    carrier_failed(reason, e.code, e.now, out);
}

void Flow::on_verify_result(const Event& e, FlowOutput& out) {
    if (!(state_ == FlowState::Verifying && verify_req_ && verify_req_->id == e.id)) {
        out.ignored = true;
        return;
    }
    const VerifyReply& r = e.reply;
    const Operator op = verify_req_->op;
    verify_req_.reset();  // answered: nothing left to cancel
    Ending ending;
    ending.outcome = Outcome::Fallback;
    ending.op = op;
    ending.risk_score = r.risk_score;
    ending.risk_decision = r.risk_decision;
    if (r.upstream_code) ending.code = decimal(*r.upstream_code);

    const bool success = r.status >= 200 && r.status < 300;
    if (success && r.body_ok) {
        const bool said_yes = r.verified.value_or(false);
        if (r.result == "consistent" && r.risk_decision == "deny") {
            ending.outcome = Outcome::NotVerified;
            ending.reason = Reason::RISK_DENY;
        } else if (r.result == "consistent" && r.risk_decision == "step_up") {
            ending.reason = Reason::RISK_STEP_UP;
        } else if (said_yes && r.result == "consistent") {
            ending.outcome = Outcome::Verified;
            ending.reason = Reason::CONSISTENT;
            ending.advice = Advice::Proceed;
        } else if (!said_yes && r.result == "inconsistent") {
            ending.outcome = Outcome::NotVerified;
            ending.reason = Reason::INCONSISTENT;
        } else if (!said_yes && r.upstream_code &&
                   vendor_code_info(*r.upstream_code).outcome == VendorOutcome::TokenRejected) {
            refetch_or_end(Reason::TOKEN_EXPIRED, ending.code, op, e.now, out);
            return;
        } else if (!said_yes && r.result == "unknown") {
            ending.reason = r.upstream_code ? vendor_code_info(*r.upstream_code).reason : Reason::RESULT_UNKNOWN;
            if (ending.reason == Reason::UPSTREAM_UNKNOWN_CODE || ending.reason == Reason::CONSISTENT ||
                ending.reason == Reason::INCONSISTENT) {
                ending.reason = Reason::RESULT_UNKNOWN;
            }
        } else {
            ending.reason = Reason::SERVER_ERROR;  // a reply that contradicts itself is not believed
        }
        // The vendor processed this number: the same-number interval starts now.
        start_cooldown(e.now + cfg_.same_number_interval_ms);
        end(out, e.now, std::move(ending));
        return;
    }

    Reason reason = Reason::SERVER_ERROR;
    if (r.body_ok && !r.error_code.empty()) {
        reason = reason_from_id(r.error_code).value_or(Reason::SERVER_ERROR);
    } else if (r.status == 429) {
        reason = Reason::IP_LIMIT;
    } else if (r.status == 502) {
        reason = Reason::UPSTREAM_UNAVAILABLE;
    } else if (r.status == 504) {
        reason = Reason::UPSTREAM_TIMEOUT;
    } else if (r.status >= 400 && r.status < 500) {
        reason = Reason::BAD_REQUEST;
    }
    if (r.retry_after_sec && *r.retry_after_sec > 0) ending.retry_after_ms = *r.retry_after_sec * 1000;

    if (reason == Reason::TOKEN_EXPIRED || reason == Reason::TOKEN_USED) {
        refetch_or_end(reason, ending.code, op, e.now, out);
        return;
    }
    if (reason == Reason::TOO_SOON) {
        const std::int64_t wait = ending.retry_after_ms.value_or(cfg_.same_number_interval_ms);
        ending.retry_after_ms = wait;
        start_cooldown(e.now + wait);
    }
    ending.reason = reason;
    end(out, e.now, std::move(ending));
}

void Flow::on_verify_failed(const Event& e, FlowOutput& out) {
    if (!(state_ == FlowState::Verifying && verify_req_ && verify_req_->id == e.id)) {
        out.ignored = true;
        return;
    }
    Ending ending;
    ending.outcome = Outcome::Fallback;
    ending.op = verify_req_->op;
    verify_req_.reset();  // the request is over, one way or the other
    ending.reason = e.code == "TIMEOUT" ? Reason::SERVER_TIMEOUT : Reason::SERVER_UNREACHABLE;
    ending.code = e.code;
    // The request may have reached the vendor before it failed: assume the number was spent.
    start_cooldown(e.now + cfg_.same_number_interval_ms);
    end(out, e.now, std::move(ending));
}

void Flow::on_tick(const Event& e, FlowOutput& out) {
    const std::int64_t now = e.now;
    switch (state_) {
        case FlowState::CheckingEnv:
            if (now >= env_deadline_) {
                Environment env;
                env.verdict = Verdict::Unknown;
                env.reasons.push_back(Reason::ENV_TIMEOUT);
                out.environment = env;
                environment_ready(env, now, out);
            } else {
                wake(out, env_deadline_);
            }
            return;
        case FlowState::Prefetching:
            if (token_req_ && now >= token_req_->deadline) {
                Command c;
                c.type = CommandType::CancelToken;
                c.id = token_req_->id;
                out.commands.push_back(c);
                token_req_.reset();
                enter(out, FlowState::Idle);
            } else if (token_req_) {
                wake(out, token_req_->deadline);
            }
            return;
        case FlowState::FetchingToken:
            if (token_req_ && now >= token_req_->deadline) {
                Command c;
                c.type = CommandType::CancelToken;
                c.id = token_req_->id;
                out.commands.push_back(c);
                carrier_failed(Reason::TOKEN_TIMEOUT, "TIMEOUT", now, out);
            } else if (token_req_) {
                wake(out, token_req_->deadline);
            }
            return;
        case FlowState::Verifying:
            if (verify_req_ && now >= verify_req_->deadline) {
                Command c;
                c.type = CommandType::CancelVerify;
                c.id = verify_req_->id;
                out.commands.push_back(c);
                Event failed;
                failed.now = now;
                failed.id = verify_req_->id;
                failed.code = "TIMEOUT";
                on_verify_failed(failed, out);
            } else if (verify_req_) {
                wake(out, verify_req_->deadline);
            }
            return;
        default:
            out.ignored = true;
            return;
    }
}

void Flow::on_cancel(const Event& e, FlowOutput& out) {
    if (state_ == FlowState::Prefetching || state_ == FlowState::TokenReady) {
        if (token_req_) {
            Command c;
            c.type = CommandType::CancelToken;
            c.id = token_req_->id;
            out.commands.push_back(c);
            token_req_.reset();
        }
        drop_cached_token(e.now);
        enter(out, FlowState::Idle);
        return;
    }
    if (!active()) {
        out.ignored = true;
        return;
    }
    if (state_ == FlowState::Verifying) start_cooldown(e.now + cfg_.same_number_interval_ms);
    Ending ending;
    ending.outcome = Outcome::Cancelled;
    ending.reason = Reason::CANCELLED;
    ending.advice = Advice::Proceed;
    end(out, e.now, std::move(ending));
}

}  // namespace nv
