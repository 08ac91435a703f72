// Spending the paid quota, shared by the use cases that call a billed vendor endpoint (verify, one-click login):
// admit the call against the store's quotas and replay guard before anything is sent, and afterwards give the
// quota back when the vendor processed nothing, count the answer in the usage ledger, and record the call in the
// metrics and the request log. The quota pre-checks ask the same admission in check-only mode.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <variant>

#include "usecase/answer.hpp"
#include "usecase/app.hpp"

namespace nv::server {

struct Spending {
    Admission admission;
    AdmitResult admitted;
    bool unguarded = false;  // admitted without the store (fail-open): nothing to refund
};

// Admits `a` under `limits`: the Spending, or the refusal to answer (409 TOKEN_USED, 429 with the quota's reason
// and retryAfterSec, 503 STORE_UNAVAILABLE), `common` being the answer's members.
std::variant<Spending, Answer> admit_spending(App& app, const Admission& a, const QuotaLimits& limits,
                                              const nlohmann::json& common);

// The quota pre-check: `a` decided by the store's own admission with Admission::check_only, so the rules are
// exactly those admit_spending applies, and nothing is counted or remembered. nullopt: an admission now would be
// admitted, also while the store is down with --store-fail-open (the admission would go ahead then). Otherwise the
// refusal admit_spending would answer. A refusal is not counted in nv_quota_rejections_total: nothing was refused
// a spend.
std::optional<Answer> check_spending(App& app, Admission a, const QuotaLimits& limits, const nlohmann::json& common);

// After the vendor answered (or did not, or its circuit was open): refund, ledger, metrics, request log.
void settle_spending(App& app, const Spending& s, const VendorResult& result, VendorId vendor);

// The store failed during `op`: logged, counted, and answered 503 STORE_UNAVAILABLE (retry in 5 s).
Answer store_unavailable(App& app, const char* op, const StoreError& e, const nlohmann::json& common);

}  // namespace nv::server
