// Spending the paid quota, shared by the routes that call a billed vendor endpoint (verify, one-click login):
// admit the call against the store's quotas and replay guard before anything is sent, and afterwards give the
// quota back when the vendor processed nothing, count the answer in the usage ledger, and record the call in
// the metrics and the request log.
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <optional>

#include "http/app.hpp"

namespace nv::server {

struct Spending {
    Admission admission;
    AdmitResult admitted;
    bool unguarded = false;  // admitted without the store (fail-open): nothing to refund
};

// Admits `a` under `limits`; nullopt when the request was answered (409 TOKEN_USED, 429 with the quota's
// reason and retryAfterSec, 503 STORE_UNAVAILABLE), `common` being the answer's extra members.
std::optional<Spending> admit_spending(App& app, const Admission& a, const QuotaLimits& limits, httplib::Response& res,
                                       Locale locale, const nlohmann::json& common);

// After the vendor answered (or did not): refund, ledger, metrics, request log.
void settle_spending(App& app, const Spending& s, const UpstreamReply& reply, const VerifyOutcome& out);

}  // namespace nv::server
