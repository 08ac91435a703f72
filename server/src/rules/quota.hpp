// Quotas that protect the paid verification quota before it is spent (DESIGN 5, the vendor FAQ's rate limits).
//
// The rules are pure arithmetic on a snapshot of counters, so every edge (the 30 s interval, the Asia/Shanghai
// day boundary, the client-IP window) is tested with exact times. A store reads the snapshot, calls admit(),
// and writes `next` back in the same transaction, so two servers can never both spend the last unit.
#pragma once

#include <cstdint>

#include "nv/reasons.hpp"

namespace nv::server {

// A limit of 0 switches that rule off.
struct QuotaLimits {
    std::int64_t number_interval_ms = 30'000;  // per appKey+number: at least this far apart (vendor 9005)
    std::int64_t number_daily = 10;            // per appKey+number per Asia/Shanghai day (vendor 9006)
    std::int64_t app_daily = 500'000;          // per appKey per Asia/Shanghai day (vendor 9007)
    std::int64_t ip_limit = 120;               // per client IP per window
    std::int64_t ip_window_ms = 60'000;
};

struct NumberCounter {
    std::int64_t day = -1;      // the Asia/Shanghai day `count` belongs to
    std::int64_t count = 0;
    std::int64_t last_ms = -1;  // the last admitted verification; -1: none
};

struct WindowCounter {
    std::int64_t start = -1;  // a day number (app) or a window start in ms (ip)
    std::int64_t count = 0;
};

struct QuotaState {
    NumberCounter number;
    WindowCounter app;
    WindowCounter ip;
};

struct QuotaDecision {
    bool allowed = false;
    Reason reason = Reason::OK;        // TOO_SOON, NUMBER_DAILY_LIMIT, APP_DAILY_LIMIT or IP_LIMIT when refused
    std::int64_t retry_after_sec = 0;  // when refused: when trying again can succeed (>= 1)
    QuotaState next;                   // when allowed: the counters with this verification counted
};

QuotaDecision admit(const QuotaState& state, const QuotaLimits& limits, std::int64_t now_ms);

// Takes one admitted verification back (the vendor did not process it, so it was neither billed nor counted
// there): the counts go down by one and the interval falls back to `previous_last_ms`, unless a later
// verification has been admitted since.
QuotaState refund(const QuotaState& state, std::int64_t admitted_at_ms, std::int64_t previous_last_ms);

}  // namespace nv::server
