#include "rules/quota.hpp"

#include <algorithm>

#include "rules/calendar.hpp"

namespace nv::server {
namespace {

std::int64_t ceil_sec(std::int64_t ms) { return std::max<std::int64_t>(1, (ms + 999) / 1000); }

QuotaDecision refuse(Reason reason, std::int64_t wait_ms) {
    QuotaDecision d;
    d.reason = reason;
    d.retry_after_sec = ceil_sec(wait_ms);
    return d;
}

}  // namespace

QuotaDecision admit(const QuotaState& s, const QuotaLimits& l, std::int64_t now) {
    const std::int64_t today = shanghai_day(now);
    const std::int64_t number_count = s.number.day == today ? s.number.count : 0;
    const std::int64_t app_count = s.app.start == today ? s.app.count : 0;
    const bool ip_window_open = l.ip_window_ms > 0 && s.ip.start >= 0 && now < s.ip.start + l.ip_window_ms;
    const std::int64_t ip_count = ip_window_open ? s.ip.count : 0;

    // The cheapest-to-wait refusal first: a user can wait out 30 s, not a daily limit.
    if (l.ip_limit > 0 && ip_count >= l.ip_limit) return refuse(Reason::IP_LIMIT, s.ip.start + l.ip_window_ms - now);
    if (l.number_interval_ms > 0 && s.number.last_ms >= 0 && now < s.number.last_ms + l.number_interval_ms) {
        return refuse(Reason::TOO_SOON, s.number.last_ms + l.number_interval_ms - now);
    }
    if (l.number_daily > 0 && number_count >= l.number_daily) {
        return refuse(Reason::NUMBER_DAILY_LIMIT, ms_until_next_day(now));
    }
    if (l.app_daily > 0 && app_count >= l.app_daily) return refuse(Reason::APP_DAILY_LIMIT, ms_until_next_day(now));

    QuotaDecision d;
    d.allowed = true;
    d.next.number = {today, number_count + 1, now};
    d.next.app = {today, app_count + 1};
    d.next.ip = ip_window_open ? WindowCounter{s.ip.start, ip_count + 1} : WindowCounter{now, 1};
    return d;
}

QuotaState refund(const QuotaState& s, std::int64_t admitted_at, std::int64_t previous_last_ms) {
    QuotaState r = s;
    const std::int64_t day = shanghai_day(admitted_at);
    if (r.number.day == day && r.number.count > 0) --r.number.count;
    if (r.number.last_ms == admitted_at) r.number.last_ms = previous_last_ms;
    if (r.app.start == day && r.app.count > 0) --r.app.count;
    // The client-IP window is not refunded: it limits requests, whatever became of them.
    return r;
}

}  // namespace nv::server
