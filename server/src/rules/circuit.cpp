#include "rules/circuit.hpp"

namespace nv::server {

CircuitView circuit_view(const CircuitState& s, std::int64_t now_ms) {
    if (s.open_until_ms == 0) return CircuitView::Closed;
    return now_ms < s.open_until_ms ? CircuitView::Open : CircuitView::HalfOpen;
}

CircuitAdmission circuit_admit(const CircuitState& s, std::int64_t now_ms) {
    switch (circuit_view(s, now_ms)) {
        case CircuitView::Closed: return {true, s};
        case CircuitView::Open: return {false, s};
        case CircuitView::HalfOpen: {
            if (s.trial_in_flight) return {false, s};
            CircuitState next = s;
            next.trial_in_flight = true;
            return {true, next};
        }
    }
    return {true, s};
}

CircuitState circuit_record(const CircuitState& s, bool failed, const CircuitPolicy& p, std::int64_t now_ms) {
    CircuitState next = s;
    next.trial_in_flight = false;
    if (!failed) return CircuitState{};
    ++next.consecutive_failures;
    // A failed trial (half-open) opens it again at once; a closed circuit opens at the threshold.
    if (s.open_until_ms != 0 || next.consecutive_failures >= p.failures_to_open) next.open_until_ms = now_ms + p.open_ms;
    return next;
}

const char* circuit_view_id(CircuitView v) {
    switch (v) {
        case CircuitView::Closed: return "closed";
        case CircuitView::Open: return "open";
        case CircuitView::HalfOpen: return "half_open";
    }
    return "closed";
}

}  // namespace nv::server
