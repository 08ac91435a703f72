// The H5 token flow as a sans-I/O state machine.
//
// The driver (JS in a browser, or a test with a fake clock) feeds timestamped events and carries out the
// commands the flow returns; the flow never reads a clock and never performs I/O. One Flow lives as long as the
// page's verifier and runs one attempt at a time:
//
//   idle -> checking_env -> fetching_token -> token_ready -> verifying -> verified | not_verified | fallback
//
// A one-click login attempt (DESIGN 8; event `login`) runs the same machine with a loginToken instead of a
// verify token and no number: the carrier's authorization page is part of fetching the token, the submission is
// a `login` command, and it ends logged_in | not_verified (risk deny) | fallback (SMS login).
//
// Rules it owns (each one tested with a fake clock):
//   - carrier order from the number segment, then the other gateways (ported numbers);
//   - a per-carrier token timeout (default 4,000 ms) inside an overall budget (default 8,000 ms; shorter when
//     the environment verdict is `unknown`); a provider whose SDK asks the next carriers itself (the vendor's Web
//     SDK, carriersPerRequest 3) gets one request with the time of every carrier it covers, and its per-carrier
//     answers (`carriers` on token_error) count as those carriers' failures, so no carrier is asked twice;
//   - before the first token is requested, the companion server is asked whether the attempt may spend its quota
//     (`check`, when the start or login event asks for it): a quota refusal or a server that cannot be reached
//     is said before a carrier token is spent, and the server's TOO_SOON is the same refusal as the flow's own;
//   - a token is verified under the carrier that issued it (`operator` on the token event), not the one asked;
//   - token lifetime per carrier (CM 120 s, CU 600 s, CT 60 s), counted from the moment the token was
//     requested (the earliest it can have been issued): valid while now < requested + TTL, so an expired token
//     is never submitted; a prefetched token that expired is refetched;
//   - single use: a token is spent the moment it is submitted, and a token seen before is never submitted again;
//   - at most 30 tokens requested but left unused in 10 minutes (the carriers' limit);
//   - the 30 s same-number interval, with the remaining time so the page can show a countdown;
//   - consent to the carrier's terms before any request leaves the page;
//   - every ending, with the vendor/SDK/carrier codes mapped to reasons.
// Login differs where the number is unknown or the user is involved: the carrier order is the network's
// carrier (a hint from the provider), else the configured order (CM -> CU -> CT); the per-carrier timeout
// (default 60 s) covers the user reading and confirming the carrier's page; loginTokens live CM 120 s, CU and
// CT 30 min; a user who closes the page ends the attempt (LOGIN_CLOSED) and nothing is asked again; there is no
// same-number interval, and no token is refetched after the server refused one (that would show the carrier's
// page again without the user asking).
//
// Timers: the flow asks for at most one wake-up at a time (`wake` with an absolute time); the driver (re)arms a
// single timer and sends `tick` when it fires. Replies carry the id of the command they answer; a reply to a
// command the flow has given up on is reported as `ignored` (a token that arrives late is counted as unused).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "nv/carrier.hpp"
#include "nv/environment.hpp"
#include "nv/phone.hpp"
#include "nv/reasons.hpp"
#include "nv/string.hpp"

namespace nv {

struct FlowConfig {
    std::int64_t token_timeout_ms = 4'000;     // per carrier
    std::int64_t budget_ms = 8'000;            // all carriers together, when the environment is `supported`
    std::int64_t unknown_budget_ms = 5'000;    // ... when it is `unknown`
    std::int64_t min_attempt_ms = 500;         // do not start a carrier with less time than this left
    std::int64_t verify_timeout_ms = 10'000;   // the companion server's answer
    std::int64_t env_timeout_ms = 2'000;       // waiting for the driver's environment signals
    std::int64_t same_number_interval_ms = 30'000;
    std::array<std::int64_t, 3> token_ttl_ms{120'000, 600'000, 60'000};  // CM, CU, CT
    OperatorList operators{Operator::CM, Operator::CU, Operator::CT};  // gateways enabled for the app
    std::int64_t unused_token_limit = 30;      // at most kUnusedTokenMemory
    std::int64_t unused_token_window_ms = 600'000;
    std::int64_t max_refetches = 1;            // after the server reports an expired or used token
    std::int64_t login_timeout_ms = 60'000;    // one-click login, per carrier: includes the user confirming
    std::int64_t login_budget_ms = 90'000;     // one-click login, all carriers together
    std::array<std::int64_t, 3> login_token_ttl_ms{120'000, 1'800'000, 1'800'000};  // CM, CU, CT
    std::int64_t carriers_per_request = 1;     // carriers one token request covers (an SDK that hands over itself)
    std::int64_t check_timeout_ms = 3'000;     // the companion server's answer to `check`
};

inline constexpr std::size_t kUsedTokenMemory = 64;    // submitted tokens remembered (as hashes) to refuse replays
inline constexpr std::size_t kCooldownMemory = 32;     // numbers whose same-number interval is tracked
inline constexpr std::size_t kUnusedTokenMemory = 64;  // discarded-token times kept for the unused-token limit

// The numeric settings as data: their JSON names, members and valid ranges. Reading, validating and writing a
// configuration are each one loop over this table.
struct ConfigField {
    const char* name;
    std::int64_t FlowConfig::*member;
    std::int64_t min;
    std::int64_t max;
};
extern const ConfigField kConfigFields[15];

// The name of the first invalid setting, or an empty view when the configuration is usable.
std::string_view validate(const FlowConfig& config);

enum class FlowState : std::uint8_t {
    Idle,
    Prefetching,
    TokenReady,  // a prefetched token waits for `start` (or, inside an attempt, a token is about to be submitted)
    CheckingEnv,
    CheckingServer,  // asking the companion server whether the attempt may spend its quota (`check`)
    FetchingToken,
    Verifying,
    Verified,
    NotVerified,
    Fallback,
    Cancelled,
    LoggedIn,
};

std::string_view flow_state_id(FlowState s);

enum class ReplyResult : std::uint8_t { None, Consistent, Inconsistent, Unknown, Other };
enum class RiskDecision : std::uint8_t { None, Allow, Review, StepUp, Deny };

ReplyResult reply_result_from_id(std::string_view id);     // "consistent", ...; Other when unrecognised
RiskDecision risk_decision_from_id(std::string_view id);   // "allow", "review", "step_up", "deny"; None otherwise
std::string_view risk_decision_id(RiskDecision d);

// The companion server's reply to POST /api/v1/verify, as far as the flow needs it.
struct VerifyReply {
    int status = 0;                  // HTTP status
    bool body_ok = false;            // the body was a JSON object
    std::optional<bool> verified;
    ReplyResult result = ReplyResult::None;
    int upstream_code = -1;          // the vendor's code (9000, 9001, ...); -1 when absent
    bool has_error = false;          // an error body: {"error": {"code", ...}}
    Reason error = Reason::SERVER_ERROR;  // its code; SERVER_ERROR when the code is not a known reason
    std::optional<std::int64_t> retry_after_sec;
    std::optional<int> risk_score;
    RiskDecision risk_decision = RiskDecision::None;
    std::optional<bool> logged_in;   // the reply to POST /api/v1/login
};

enum class EventType : std::uint8_t {
    Start,         // phone, consent, [signals]: begin an attempt
    Prefetch,      // phone, consent, [signals]: fetch the first carrier's token ahead of `start`
    Env,           // signals: the environment (answer to collect_env, or a network change)
    Token,         // id, token, [operator]: the carrier that issued it, when not the one asked
    TokenError,    // id, code: SDK code (2002), carrier code (103111), or TIMEOUT / NETWORK / ABORTED / a setup
                   // code; [carriers]: each carrier's own code when the provider's SDK asked several
    VerifyResult,  // id, reply (to verify, login or check)
    VerifyFailed,  // id, code: TIMEOUT or NETWORK (the request to the server itself failed)
    Tick,          // the timer fired
    Cancel,        // the user or page gave up
    Cooldown,      // phone: how long until this number may be verified again (no state change)
    Login,         // consent, [signals], [operator]: begin a one-click login attempt
};

// An event's text fields are views: the caller keeps them alive for the duration of handle(); the flow copies
// what it keeps.
struct Event {
    EventType type = EventType::Tick;
    std::int64_t now = 0;  // ms, from a monotonic clock; never decreasing
    std::string_view phone;
    bool consent = false;
    std::optional<EnvSignals> signals;
    std::uint32_t id = 0;
    std::string_view token;
    std::string_view code;
    VerifyReply reply;
    std::optional<Operator> op;  // Login: the network's carrier, when the provider knows it; Token: the issuer
    bool check = false;          // Start, Login: ask the companion server before a token is requested
    // TokenError: each carrier's own code (CM, CU, CT; empty when absent) when the provider's SDK asked several.
    std::array<std::string_view, 3> carrier_codes{};
};

// GetLoginToken and Login are the one-click login's GetToken and Verify; CancelToken and CancelVerify cancel
// either kind.
// Check asks the companion server whether the attempt may spend its quota (answered like Verify; cancelled with
// CancelVerify).
enum class CommandType : std::uint8_t {
    CollectEnv, GetToken, CancelToken, Verify, CancelVerify, Wake, GetLoginToken, Login, Check
};

std::string_view command_id(CommandType c);

struct Command {
    CommandType type = CommandType::Wake;
    std::uint32_t id = 0;          // GetToken, CancelToken, Verify, CancelVerify
    Operator op = Operator::CM;    // GetToken, Verify
    std::int64_t timeout_ms = 0;   // GetToken, Verify
    std::int64_t at = 0;           // Wake
    std::string_view phone;        // Verify, Check; points into the Flow, valid until its next handle()
    std::string_view token;        // Verify; likewise
};

enum class Outcome : std::uint8_t { Verified, NotVerified, Fallback, Cancelled, LoggedIn };

std::string_view outcome_id(Outcome o);

struct Ending {
    Outcome outcome = Outcome::Fallback;
    Reason reason = Reason::OK;
    Advice advice = Advice::UseSms;    // what the user can do next
    std::optional<Operator> op;        // the gateway that issued the submitted token
    String code;                  // the vendor / SDK / carrier code behind the reason, if any
    std::optional<std::int64_t> retry_after_ms;
    std::optional<int> risk_score;
    RiskDecision risk_decision = RiskDecision::None;
    std::int64_t elapsed_ms = 0;       // since `start`
};

// `start` or `prefetch` refused without changing anything (bad number, no consent, too soon, ...).
struct Rejection {
    Reason reason = Reason::OK;
    std::optional<std::int64_t> retry_after_ms;
};

struct FlowOutput {
    Reason error = Reason::OK;        // misuse (time going backwards, start while busy): nothing changed
    FlowState state = FlowState::Idle;
    FixedList<FlowState, 8> path;     // states entered during this step, in order (for a timeline)
    FixedList<Command, 6> commands;
    std::optional<Ending> ending;
    std::optional<Rejection> rejected;
    bool ignored = false;             // a reply nobody waits for any more
    std::optional<Environment> environment;  // when this step evaluated the environment (views into the event)
    std::optional<std::int64_t> cooldown_ms; // answer to Cooldown
    std::optional<std::int64_t> token_expires_at;  // when a token was obtained in this step
};

class Flow {
public:
    explicit Flow(FlowConfig config = {});

    FlowOutput handle(const Event& e);

    [[nodiscard]] FlowState state() const { return state_; }
    [[nodiscard]] const FlowConfig& config() const { return cfg_; }
    // Milliseconds until `national` may be verified again (0 when it may be now).
    [[nodiscard]] std::int64_t cooldown_remaining(std::string_view national, std::int64_t now) const;

private:
    struct Pending {
        std::uint32_t id = 0;
        Operator op = Operator::CM;
        std::int64_t started = 0;
        std::int64_t deadline = 0;
        std::size_t covers = 1;  // carriers the request covers (carriers_per_request)
    };
    struct Cooldown {
        std::array<char, 11> number{};
        std::int64_t until = 0;
    };

    void enter(FlowOutput& out, FlowState s);
    void command(FlowOutput& out, CommandType type, std::uint32_t id);
    void end(FlowOutput& out, std::int64_t now, Outcome outcome, Reason reason);
    void wake(FlowOutput& out, std::int64_t at);
    [[nodiscard]] bool active() const;

    void on_start(const Event& e, FlowOutput& out);
    void on_prefetch(const Event& e, FlowOutput& out);
    void on_env(const Event& e, FlowOutput& out);
    void on_token(const Event& e, FlowOutput& out);
    void on_token_error(const Event& e, FlowOutput& out);
    void on_verify_result(const Event& e, FlowOutput& out);
    void on_verify_failed(std::int64_t now, bool timeout, FlowOutput& out);
    void on_tick(std::int64_t now, FlowOutput& out);
    void on_cancel(std::int64_t now, FlowOutput& out);
    void on_login(const Event& e, FlowOutput& out);
    void on_login_result(const VerifyReply& r, std::int64_t now, FlowOutput& out);
    void on_check_result(const VerifyReply& r, std::int64_t now, FlowOutput& out);
    void begin_fetching(std::int64_t now, FlowOutput& out);
    void begin_attempt(const Event& e, FlowOutput& out);
    [[nodiscard]] std::int64_t ttl_for(Operator op) const;

    // Checks shared by start and prefetch; false (with out.rejected) when refused.
    bool admit(const Event& e, FlowOutput& out, PhoneNumber& phone);
    void environment_ready(const Environment& env, std::int64_t now, FlowOutput& out);
    void fetch_next(std::int64_t now, FlowOutput& out);
    void request_token(Operator op, std::int64_t now, std::int64_t timeout, std::size_t covers, FlowOutput& out);
    void count_failure(Reason reason, std::string_view code);
    void carrier_failed(Reason reason, std::string_view code, std::int64_t now, FlowOutput& out);
    void carriers_failed(const Event& e, Reason reason, std::int64_t now, FlowOutput& out);
    void submit(String token, Operator op, std::int64_t now, FlowOutput& out);
    void refetch_or_end(Reason reason, Operator op, std::int64_t now, FlowOutput& out);
    void drop_cached_token(std::int64_t now);

    [[nodiscard]] int unused_tokens_in_window(std::int64_t now) const;
    void note_unused_token(std::int64_t now);
    [[nodiscard]] bool token_was_used(std::string_view token) const;
    void start_cooldown(std::int64_t until);

    FlowConfig cfg_;
    FlowState state_ = FlowState::Idle;
    std::int64_t last_now_ = 0;
    std::uint32_t next_id_ = 1;

    // The current attempt.
    bool login_ = false;          // a one-click login attempt (no number)
    bool check_ = false;          // ask the companion server before the first token
    bool env_unknown_ = false;    // the environment verdict was `unknown` (a shorter budget)
    String phone_;           // national digits
    OperatorList order_;
    std::size_t next_op_ = 0;
    std::int64_t attempt_start_ = 0;
    std::int64_t budget_end_ = 0;
    std::int64_t env_deadline_ = 0;
    std::int64_t refetches_ = 0;
    int failures_ = 0;            // carriers that failed in this attempt
    bool only_mismatch_ = true;   // ... all with a "not my subscriber" code
    Reason last_failure_ = Reason::TOKEN_FAILED;
    String last_code_;
    Pending token_req_;           // id 0: none
    Pending verify_req_;          // id 0: none
    String submitted_;       // the token of the verify command in flight
    Ending ending_;               // the ending being built

    // A prefetched token.
    String cached_;
    Operator cached_op_ = Operator::CM;
    std::int64_t cached_expires_ = 0;

    // Memory across attempts, fixed in size: rings overwrite their oldest entry.
    std::array<std::uint64_t, kUsedTokenMemory> used_{};  // FNV-1a hashes of submitted tokens
    std::size_t used_next_ = 0;
    std::array<Cooldown, kCooldownMemory> cooldowns_{};
    std::array<std::int64_t, kUnusedTokenMemory> unused_{};  // when tokens were discarded unused
    std::size_t unused_count_ = 0;
    std::size_t unused_next_ = 0;
};

}  // namespace nv
