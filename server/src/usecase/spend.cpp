#include "usecase/spend.hpp"

#include "base/request_log.hpp"
#include "rules/calendar.hpp"

namespace nv::server {

using nlohmann::json;

Answer store_unavailable(App& app, const char* op, const StoreError& e, const json& common) {
    log_event("error", "store failed", "\"op\":\"" + std::string(op) + "\",\"error\":" + json(e.what()).dump());
    app.metrics.store_error(op);
    return error_answer(503, Reason::STORE_UNAVAILABLE, common, 5);
}

std::variant<Spending, Answer> admit_spending(App& app, const Admission& a, const QuotaLimits& limits,
                                              const json& common) {
    Spending s;
    s.admission = a;
    try {
        s.admitted = app.store.admit(a, limits);
    } catch (const StoreError& e) {
        if (!app.config.store.fail_open) return store_unavailable(app, "admit", e, common);
        log_event("warn", "store failed; going ahead without quota checks (fail-open)",
                  "\"error\":" + json(e.what()).dump());
        app.metrics.store_error("admit");
        app.metrics.store_fail_open();
        s.admitted.status = AdmitStatus::Admitted;
        s.unguarded = true;
    }
    if (s.admitted.status == AdmitStatus::TokenUsed) {
        app.metrics.quota_rejection("TOKEN_USED");
        return error_answer(409, Reason::TOKEN_USED, common);
    }
    if (s.admitted.status == AdmitStatus::Limited) {
        app.metrics.quota_rejection(std::string(reason_id(s.admitted.reason)));
        return error_answer(429, s.admitted.reason, common, s.admitted.retry_after_sec);
    }
    return s;
}

std::optional<Answer> check_spending(App& app, Admission a, const QuotaLimits& limits, const json& common) {
    a.check_only = true;
    AdmitResult r;
    try {
        r = app.store.admit(a, limits);
    } catch (const StoreError& e) {
        if (!app.config.store.fail_open) return store_unavailable(app, "check", e, common);
        log_event("warn", "store failed; the quota check answers allowed, as the admission would go ahead (fail-open)",
                  "\"error\":" + json(e.what()).dump());
        app.metrics.store_error("check");
        return std::nullopt;
    }
    if (r.status == AdmitStatus::Limited) return error_answer(429, r.reason, common, r.retry_after_sec);
    return std::nullopt;  // a check looks up no token: never TokenUsed
}

void settle_spending(App& app, const Spending& s, const VendorResult& result, VendorId vendor) {
    const UpstreamReply& reply = result.reply;
    const VerifyOutcome& out = result.outcome;
    RequestContext& ctx = current_request();
    ctx.vendor = std::string(vendor_info(vendor).key);
    if (out.vendor_code) ctx.upstream_code = *out.vendor_code;
    static const char* const kTransport[] = {"ok", "connect_failed", "tls_failed", "timeout", "dropped"};
    const std::string label = result.circuit_open                ? "circuit_open"
                              : out.answer_code                  ? *out.answer_code
                              : reply.transport == Transport::Ok ? "bad_reply"
                                                                 : kTransport[static_cast<int>(reply.transport)];
    if (!out.answer_code) ctx.upstream_failure = label;
    if (!result.circuit_open) {
        ctx.upstream_ms = reply.elapsed_ms;
        app.metrics.upstream(static_cast<double>(reply.elapsed_ms) / 1000.0, label, vendor_info(vendor).key);
    } else {
        app.metrics.circuit_refusal(vendor_info(vendor).key);
    }

    try {
        if (out.refund && !s.unguarded) app.store.refund(s.admission, s.admitted.previous_last_ms);
    } catch (const StoreError& e) {
        log_event("error", "store failed to refund", "\"error\":" + json(e.what()).dump());
        app.metrics.store_error("refund");
    }
    try {
        if (out.answer_code) {
            const std::string code = vendor == VendorId::Jiguang
                                         ? *out.answer_code
                                         : std::string(vendor_info(vendor).key) + ":" + *out.answer_code;
            app.store.record_result(app.config.app_key, shanghai_day(s.admission.now_ms), code);
        }
    } catch (const StoreError& e) {
        // The answer is still true; only the books are behind (the Redis store keeps the count and writes it
        // when Redis is back). Say so loudly in the log.
        log_event("error", "store failed after the upstream answered", "\"error\":" + json(e.what()).dump());
        app.metrics.store_error("ledger");
    }
}

}  // namespace nv::server
