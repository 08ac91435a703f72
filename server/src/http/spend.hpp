// Spending the paid quota, shared by the routes that call a billed vendor endpoint (verify, one-click login):
// admit the call against the store's quotas and replay guard before anything is sent, and afterwards give the
// quota back when the vendor processed nothing, count the answer in the usage ledger, and record the call in
// the metrics and the request log. The quota pre-checks (/api/v1/verify/check, /api/v1/login/check) ask the
// same admission in check-only mode.
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <optional>

#include "usecase/app.hpp"

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

// The quota pre-check: `a` decided by the store's own admission with Admission::check_only, so the rules are
// exactly those admit_spending applies, and nothing is counted or remembered. True: an admission now would be
// admitted (the caller answers 200), also while the store is down with --store-fail-open (the admission would
// go ahead then). False: answered as admit_spending would have answered (429 with the quota's reason,
// retryAfterSec and Retry-After; 503 STORE_UNAVAILABLE), `common` being the answer's extra members. A refusal
// is not counted in nv_quota_rejections_total: nothing was refused a spend.
bool check_spending(App& app, Admission a, const QuotaLimits& limits, httplib::Response& res, Locale locale,
                    const nlohmann::json& common);

// After the vendor answered (or did not): refund, ledger, metrics, request log.
// `vendor` answered (or did not): its answer is counted under its key in the ledger and the metrics.
void settle_spending(App& app, const Spending& s, const UpstreamReply& reply, const VerifyOutcome& out,
                     VendorId vendor = VendorId::Jiguang);

}  // namespace nv::server
