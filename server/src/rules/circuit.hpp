// A circuit breaker per vendor (pure: the caller keeps the state and gives the time). After `failures_to_open`
// consecutive failures (no answer: connect, TLS, timeout, dropped; or a 5xx / unreadable answer) the circuit opens
// for `open_ms`: calls to that vendor are refused at once (nothing is sent, nothing spent), and the page gets its
// token through the next vendor. When the time is up, one trial call goes through (half-open): a success closes
// the circuit, a failure opens it again.
#pragma once

#include <cstdint>

namespace nv::server {

struct CircuitPolicy {
    int failures_to_open = 5;
    std::int64_t open_ms = 30'000;
};

struct CircuitState {
    int consecutive_failures = 0;
    std::int64_t open_until_ms = 0;  // 0: closed
    bool trial_in_flight = false;    // half-open: the one trial call is out
};

enum class CircuitView { Closed, Open, HalfOpen };

CircuitView circuit_view(const CircuitState& s, std::int64_t now_ms);

// May a call go out now? Half-open admits one trial (marked in the returned state).
struct CircuitAdmission {
    bool allowed;
    CircuitState next;
};
CircuitAdmission circuit_admit(const CircuitState& s, std::int64_t now_ms);

// The state after a call that `failed` (or succeeded).
CircuitState circuit_record(const CircuitState& s, bool failed, const CircuitPolicy& p, std::int64_t now_ms);

const char* circuit_view_id(CircuitView v);  // "closed", "open", "half_open"

}  // namespace nv::server
