#include "store/redis_store.hpp"

#include <openssl/evp.h>

#include <algorithm>

#include "rules/calendar.hpp"
#include "base/crypto.hpp"

namespace nv::server {
namespace {

// The quota rules of quota.cpp, applied to the same three counters (a number's day/count/last, the appKey's
// day/count, the client IP's window start/count) inside Redis, so check-and-count is one atomic round trip. The
// day number and the time to the day's end come from calendar.cpp (ARGV); Lua only compares and counts. A test
// runs this script and quota::admit on the same random states and requires the same decisions.
//
// KEYS: token, number (day, count), interval (the last admission), app, ip   ARGV: now, today, ms to the day's end, token expiry, interval, number daily,
// app daily, ip limit (0: no IP rule), ip window, counter lifetime (to the end of the Asia/Shanghai day), check
// ('1': a quota pre-check, Admission::check_only: the token is not looked up, and the script returns before its
// first write)
// Returns {0, previous last} admitted (a check: would be admitted), {1} token used, {2, reason, wait ms} refused.
constexpr const char* kAdmit = R"lua(
local function s(x) return string.format('%d', x) end
local now, today, to_day_end = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local token_exp, interval = tonumber(ARGV[4]), tonumber(ARGV[5])
local number_daily, app_daily = tonumber(ARGV[6]), tonumber(ARGV[7])
local ip_limit, ip_window, life = tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
local check = ARGV[11] == '1'
if not check then
  local t = redis.call('GET', KEYS[1])
  if t and tonumber(t) > now then return {1} end
end
local n = redis.call('HMGET', KEYS[2], 'd', 'c')
local nd, nc = tonumber(n[1]) or -1, tonumber(n[2]) or 0
local nl = tonumber(redis.call('GET', KEYS[3])) or -1
local a = redis.call('HMGET', KEYS[4], 'd', 'c')
local ad, ac = tonumber(a[1]) or -1, tonumber(a[2]) or 0
local is, ic = -1, 0
if ip_limit > 0 then
  local i = redis.call('HMGET', KEYS[5], 's', 'c')
  is, ic = tonumber(i[1]) or -1, tonumber(i[2]) or 0
end
local number_count = 0
if nd == today then number_count = nc end
local app_count = 0
if ad == today then app_count = ac end
local ip_open = ip_window > 0 and is >= 0 and now < is + ip_window
local ip_count = 0
if ip_open then ip_count = ic end
if ip_limit > 0 and ip_count >= ip_limit then return {2, 'IP_LIMIT', s(is + ip_window - now)} end
if interval > 0 and nl >= 0 and now < nl + interval then return {2, 'TOO_SOON', s(nl + interval - now)} end
if number_daily > 0 and number_count >= number_daily then return {2, 'NUMBER_DAILY_LIMIT', s(to_day_end)} end
if app_daily > 0 and app_count >= app_daily then return {2, 'APP_DAILY_LIMIT', s(to_day_end)} end
if check then return {0, s(nl)} end
redis.call('HSET', KEYS[2], 'd', s(today), 'c', s(number_count + 1))
redis.call('PEXPIRE', KEYS[2], s(math.max(1, life)))
if interval > 0 then
  redis.call('SET', KEYS[3], s(now), 'PX', s(interval))
else
  redis.call('DEL', KEYS[3])
end
redis.call('HSET', KEYS[4], 'd', s(today), 'c', s(app_count + 1))
redis.call('PEXPIRE', KEYS[4], s(math.max(1, life)))
if ip_limit > 0 then
  if ip_open then
    redis.call('HSET', KEYS[5], 'c', s(ip_count + 1))
  else
    redis.call('HSET', KEYS[5], 's', s(now), 'c', '1')
    redis.call('PEXPIRE', KEYS[5], s(ip_window))
  end
end
redis.call('SET', KEYS[1], s(token_exp), 'PX', s(math.max(1, token_exp - now)))
return {0, s(nl)}
)lua";

// quota::refund: KEYS number, interval, app   ARGV admitted at, its day, the previous last admission
// The interval key goes back to the previous admission, for what is left of that one's interval: the current key
// was set at `at` for the whole interval, so the previous one has (at - prev) ms less of it.
constexpr const char* kRefund = R"lua(
local at, day, prev = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local n = redis.call('HMGET', KEYS[1], 'd', 'c')
if tonumber(n[1]) == day and (tonumber(n[2]) or 0) > 0 then redis.call('HINCRBY', KEYS[1], 'c', -1) end
if redis.call('GET', KEYS[2]) == at then
  local rest = redis.call('PTTL', KEYS[2]) - (tonumber(at) - prev)
  if prev >= 0 and rest > 0 then
    redis.call('SET', KEYS[2], string.format('%d', prev), 'PX', string.format('%d', rest))
  else
    redis.call('DEL', KEYS[2])
  end
end
local a = redis.call('HMGET', KEYS[3], 'd', 'c')
if tonumber(a[1]) == day and (tonumber(a[2]) or 0) > 0 then redis.call('HINCRBY', KEYS[3], 'c', -1) end
return 0
)lua";

// KEYS ledger(day), this increment's mark   ARGV code, ledger lifetime, mark lifetime
// Applied once per mark: a retry of an increment whose reply was lost finds its mark and adds nothing.
constexpr const char* kLedgerAdd = R"lua(
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[3]) then
  redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
)lua";

// KEYS sms   ARGV code hash, expires at, lifetime
constexpr const char* kSmsPut = R"lua(
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'h', ARGV[1], 'e', ARGV[2], 'a', '0')
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 0
)lua";

// KEYS sms   ARGV code hash, now, max attempts   Returns 0 expired, 1 ok, 2 wrong.
constexpr const char* kSmsCheck = R"lua(
local v = redis.call('HMGET', KEYS[1], 'h', 'e', 'a')
if not v[1] then return 0 end
local attempts, max = tonumber(v[3]) or 0, tonumber(ARGV[3])
if tonumber(v[2]) <= tonumber(ARGV[2]) or attempts >= max then
  redis.call('DEL', KEYS[1])
  return 0
end
if v[1] == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
if attempts + 1 >= max then redis.call('DEL', KEYS[1]) else redis.call('HINCRBY', KEYS[1], 'a', 1) end
return 2
)lua";

// KEYS probe (in the appKey's slot)   Returns 1. The readiness probe: a write through the scripting path every
// operation takes, so a node that cannot serve the appKey's operations (a Cluster node that does not own its slot
// answers MOVED, a replica READONLY, a full one OOM) fails it as the operations would.
constexpr const char* kProbe = R"lua(
redis.call('SET', KEYS[1], '1', 'PX', 60000)
return 1
)lua";

constexpr std::int64_t kLedgerLifetimeMs = 400 * kDayMs;  // over a year: enough to reconcile any bill
constexpr std::int64_t kMarkLifetimeMs = kDayMs;           // how long a ledger increment's id is remembered
constexpr std::size_t kMaxPending = 1'000'000;             // increments held through an outage (fail-open)

std::string sha1_hex(const std::string& text) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(text.data(), text.size(), md, &len, EVP_sha1(), nullptr);
    static const char* const kHex = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < len; ++i) {
        out += kHex[md[i] >> 4];
        out += kHex[md[i] & 15];
    }
    return out;
}

std::int64_t to_int(const RedisReply& r) {
    if (r.raw() == nullptr) return 0;
    const std::string s = r.str();
    try {
        return s.empty() ? 0 : std::stoll(s);
    } catch (...) {
        throw StoreError("Redis: unexpected reply \"" + s.substr(0, 40) + "\"");
    }
}

Reason reason_from(const std::string& id) {
    if (id == "IP_LIMIT") return Reason::IP_LIMIT;
    if (id == "TOO_SOON") return Reason::TOO_SOON;
    if (id == "NUMBER_DAILY_LIMIT") return Reason::NUMBER_DAILY_LIMIT;
    if (id == "APP_DAILY_LIMIT") return Reason::APP_DAILY_LIMIT;
    throw StoreError("Redis: unexpected quota reason \"" + id.substr(0, 40) + "\"");
}

}  // namespace

RedisStore::RedisStore(RedisOptions options, std::string key_prefix)
    : options_(options), nodes_(std::move(options)), prefix_(std::move(key_prefix)) {
    for (auto [script, source] : {std::pair{&admit_, kAdmit}, {&refund_, kRefund}, {&ledger_add_, kLedgerAdd},
                                  {&sms_put_, kSmsPut}, {&sms_check_, kSmsCheck}, {&probe_, kProbe}}) {
        script->source = source;
        script->sha = sha1_hex(source);
    }
}

RedisStore::~RedisStore() {
    try {
        flush_pending();
    } catch (const StoreError&) {
        // Redis is down at shutdown: flush_pending logged nothing, the caller's log shows the outage.
    }
}

std::string RedisStore::key(const std::string& app_key, const std::string& rest) const {
    return prefix_ + ":{" + app_key + "}:" + rest;
}

RedisReply RedisStore::eval(const Script& s, const std::vector<std::string>& keys, const std::vector<std::string>& args,
                            bool writes) {
    // One script, one slot: a Redis Cluster refuses a script whose keys live in two (CROSSSLOT), so this is
    // checked on every topology, and the store suite on a single Redis catches a key that breaks the rule.
    const int slot = redis_key_slot(keys.front());
    for (const auto& k : keys) {
        if (redis_key_slot(k) != slot) throw StoreError("Redis: a script's keys span two Cluster slots (" + k + ")");
    }
    return nodes_.run(keys.front(), [&](RedisConnection& c) {
        const std::string nkeys = std::to_string(keys.size());
        std::vector<std::string_view> argv{"EVALSHA", s.sha, nkeys};
        for (const auto& k : keys) argv.emplace_back(k);
        for (const auto& a : args) argv.emplace_back(a);
        RedisReply r = c.command(argv);
        if (r.is_error() && r.str().rfind("NOSCRIPT", 0) == 0) {  // a new or restarted Redis: send the source once
            argv[0] = "EVAL";
            argv[1] = s.source;
            r = c.command(argv);
        }
        if (r.is_error() || !writes || options_.wait_replicas <= 0) return r;
        // Replication is asynchronous: a failover could lose this write after it was answered (a used token
        // passing again). Answer only once the replicas have it: as many as asked for, or all that are
        // connected when fewer are (after a failover, until the old master rejoins as a replica).
        const RedisReply role = c.command({"ROLE"});
        const std::int64_t connected = role.size() >= 3 ? static_cast<std::int64_t>(role.element(2).size()) : 0;
        const std::int64_t want = std::min<std::int64_t>(options_.wait_replicas, connected);
        if (want > 0) {
            const RedisReply w = c.command({"WAIT", std::to_string(want), std::to_string(options_.wait_timeout_ms)});
            if (w.is_error() || w.integer() < want) {
                throw StoreError("Redis: the write reached " + std::to_string(w.integer()) + " of " +
                                 std::to_string(want) + " replicas (redis.waitReplicas) within " +
                                 std::to_string(options_.wait_timeout_ms) + " ms");
            }
        }
        return r;
    });
}

AdmitResult RedisStore::admit(const Admission& a, const QuotaLimits& limits) {
    const std::int64_t today = shanghai_day(a.now_ms);
    const std::int64_t to_day_end = ms_until_next_day(a.now_ms);
    const bool ip_rule = !a.ip.empty() && limits.ip_limit > 0;
    const RedisReply r =
        eval(admit_,
             {key(a.app_key, "t:" + a.token_key), key(a.app_key, "n:" + a.number_key),
              key(a.app_key, "v:" + a.number_key), key(a.app_key, "a"),
              key(a.app_key, "i:" + (a.ip.empty() ? std::string("-") : a.ip))},
             {std::to_string(a.now_ms), std::to_string(today), std::to_string(to_day_end),
              std::to_string(a.token_expires_ms), std::to_string(limits.number_interval_ms),
              std::to_string(limits.number_daily), std::to_string(limits.app_daily),
              std::to_string(ip_rule ? limits.ip_limit : 0), std::to_string(limits.ip_window_ms),
              std::to_string(to_day_end), a.check_only ? "1" : "0"},
             /*writes=*/!a.check_only);
    AdmitResult result;
    const std::int64_t status = to_int(r.element(0));
    if (r.size() == 2 && status == 0) {
        result.status = AdmitStatus::Admitted;
        result.previous_last_ms = to_int(r.element(1));
    } else if (r.size() == 1 && status == 1) {
        result.status = AdmitStatus::TokenUsed;
    } else if (r.size() == 3 && status == 2) {
        result.status = AdmitStatus::Limited;
        result.reason = reason_from(r.element(1).str());
        result.retry_after_sec = std::max<std::int64_t>(1, (to_int(r.element(2)) + 999) / 1000);
    } else {
        throw StoreError("Redis: unexpected reply from the admission script");
    }
    // Ledger counts held back by an earlier outage go out now that Redis answers. If that fails, the admission
    // still stands (it is counted): the counts stay pending rather than the request failing after the fact. A
    // check writes nothing, not even those.
    if (a.check_only) return result;
    try {
        flush_pending();
    } catch (const StoreError&) {
    }
    return result;
}

void RedisStore::refund(const Admission& a, std::int64_t previous_last_ms) {
    eval(refund_, {key(a.app_key, "n:" + a.number_key), key(a.app_key, "v:" + a.number_key), key(a.app_key, "a")},
         {std::to_string(a.now_ms), std::to_string(shanghai_day(a.now_ms)), std::to_string(previous_last_ms)});
}

void RedisStore::record_result(const std::string& app_key, std::int64_t day, const std::string& code) {
    record_result_once(app_key, day, code, random_hex(8));
}

void RedisStore::record_result_once(const std::string& app_key, std::int64_t day, const std::string& code,
                                    const std::string& id) {
    {
        std::lock_guard lock(pending_mu_);
        if (pending_.size() >= kMaxPending) {
            throw StoreError("Redis: " + std::to_string(kMaxPending) + " ledger increments are already waiting");
        }
        pending_.push_back({app_key, day, code, id});
    }
    // On failure the increment stays pending and is written by the next call that reaches Redis; the caller
    // logs the outage.
    flush_pending();
}

void RedisStore::flush_pending() {
    for (;;) {
        Pending p;
        {
            std::lock_guard lock(pending_mu_);
            if (pending_.empty()) return;
            p = pending_.front();
            pending_.pop_front();
        }
        try {
            eval(ledger_add_, {key(p.app_key, "l:" + std::to_string(p.day)), key(p.app_key, "r:" + p.id)},
                 {p.code, std::to_string(kLedgerLifetimeMs), std::to_string(kMarkLifetimeMs)});
        } catch (const StoreError&) {
            std::lock_guard lock(pending_mu_);
            pending_.push_front(std::move(p));
            throw;
        }
    }
}

std::int64_t RedisStore::pending_results() {
    std::lock_guard lock(pending_mu_);
    return static_cast<std::int64_t>(pending_.size());
}

UsageCounts RedisStore::usage(const std::string& app_key, std::int64_t day) {
    flush_pending();
    const std::string k = key(app_key, "l:" + std::to_string(day));
    const RedisReply r = nodes_.run(k, [&](RedisConnection& c) { return c.command({"HGETALL", k}); });
    UsageCounts counts;
    for (std::size_t i = 0; i + 1 < r.size(); i += 2) {
        counts[r.element(i).str()] = to_int(r.element(i + 1));
    }
    return counts;
}

void RedisStore::put_sms_code(const std::string& app_key, const std::string& number_key, const std::string& code_hash,
                              std::int64_t expires_ms) {
    eval(sms_put_, {key(app_key, "s:" + number_key)},
         {code_hash, std::to_string(expires_ms), std::to_string(kDayMs)});
}

SmsCheck RedisStore::check_sms_code(const std::string& app_key, const std::string& number_key,
                                    const std::string& code_hash, std::int64_t now_ms, int max_attempts) {
    const RedisReply r = eval(sms_check_, {key(app_key, "s:" + number_key)},
                              {code_hash, std::to_string(now_ms), std::to_string(max_attempts)});
    switch (r.integer()) {
        case 1: return SmsCheck::Ok;
        case 2: return SmsCheck::Wrong;
        default: return SmsCheck::Expired;
    }
}

bool RedisStore::healthy(const std::string& app_key) {
    try {
        if (eval(probe_, {key(app_key, "h")}, {}).integer() != 1) return false;
        flush_pending();
        return true;
    } catch (const StoreError& e) {
        std::lock_guard lock(health_mu_);
        last_health_error_ = e.what();
        return false;
    }
}

std::string RedisStore::health_error() {
    std::lock_guard lock(health_mu_);
    return last_health_error_;
}

}  // namespace nv::server
