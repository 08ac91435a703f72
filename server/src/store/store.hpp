// Where quota counters, used tokens and the usage ledger live. One interface; the embedded default is SQLite
// (sqlite_store.hpp, a file that survives restarts); the Redis backend (redis_store.hpp) is for
// several instances sharing quotas. The
// quota rules themselves are in quota.hpp: a store only loads, decides with them and saves, atomically.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>

#include "rules/quota.hpp"

namespace nv::server {

// One verification asking to spend quota. Keys are hashes: stores never hold phone numbers or tokens in clear.
struct Admission {
    std::string app_key;
    std::string number_key;  // sha256 of the national number
    std::string ip;          // the client IP ("" when unknown: no IP limit)
    std::string token_key;   // sha256 of the carrier token
    std::int64_t token_expires_ms = 0;  // remember the token as used until then
    std::int64_t now_ms = 0;
    // A quota pre-check (POST /api/v1/verify/check, /api/v1/login/check): the same rules on the same counters,
    // decided by the same admit(), but nothing is written (no count, no interval, no token remembered) and no
    // token is looked up (`token_key` is ignored). Admitted then means "an admission now would be admitted".
    bool check_only = false;
};

enum class AdmitStatus { Admitted, TokenUsed, Limited };

struct AdmitResult {
    AdmitStatus status = AdmitStatus::Limited;
    Reason reason = Reason::OK;            // when Limited: TOO_SOON, NUMBER_DAILY_LIMIT, APP_DAILY_LIMIT, IP_LIMIT
    std::int64_t retry_after_sec = 0;      // when Limited
    std::int64_t previous_last_ms = -1;    // when Admitted: for refund()
};

enum class SmsCheck { Ok, Wrong, Expired };

// Vendor answers counted per appKey and Asia/Shanghai day, by the answer's ledger code: Jiguang's code ("9000"), or
// the vendor's key and its answer for another vendor ("aliyun:PASS").
using UsageCounts = std::map<std::string, std::int64_t>;

// A store that cannot do its job (disk full, database locked for too long) throws this; the server answers 503.
struct StoreError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class Store {
public:
    virtual ~Store() = default;

    // Refuses a token seen before (until it expires), then applies the quota rules; when admitted, counts the
    // verification and remembers the token, in one atomic step. With `a.check_only`, only the quota rules, and
    // nothing is written: the answer an admission would get now.
    virtual AdmitResult admit(const Admission& a, const QuotaLimits& limits) = 0;

    // Gives back the quota of an admitted verification the vendor did not process (quota::refund). The token
    // stays used.
    virtual void refund(const Admission& a, std::int64_t previous_last_ms) = 0;

    // Counts one vendor answer in the usage ledger.
    virtual void record_result(const std::string& app_key, std::int64_t day, const std::string& code) = 0;
    virtual UsageCounts usage(const std::string& app_key, std::int64_t day) = 0;

    // SMS fallback codes, one per appKey+number (a new one replaces the old), stored as a hash.
    virtual void put_sms_code(const std::string& app_key, const std::string& number_key, const std::string& code_hash,
                              std::int64_t expires_ms) = 0;
    // Ok consumes the code; Wrong counts an attempt and, at `max_attempts`, destroys it; Expired when there is
    // none, it expired, or it was used up.
    virtual SmsCheck check_sms_code(const std::string& app_key, const std::string& number_key,
                                    const std::string& code_hash, std::int64_t now_ms, int max_attempts) = 0;

    // True when the store would serve this appKey's operations now: the check takes the same path they take (for
    // Redis, a scripted write on the node that owns the appKey's slot). /healthz answers 503 when it is false.
    virtual bool healthy(const std::string& app_key) = 0;
    virtual std::string kind() const = 0;  // "sqlite" or "redis", for /healthz and the log
};

}  // namespace nv::server
