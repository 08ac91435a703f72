// The shared store for several nv-server instances behind a load balancer: one Redis server (standalone), the
// master that Redis Sentinel names (redis-sentinel://), or a Redis Cluster (redis-cluster://); RedisNodes finds
// the server for each operation and follows failovers and resharding (tests/server/store_test.cpp).
//
// Every operation is one Lua script (EVALSHA; then ROLE and WAIT when writes wait for replicas) that reads the
// counters, applies the same quota rules as quota.cpp, counts and marks the token, atomically. Keys carry the appKey as a Cluster hash tag
// (`nv:{appKey}:...`), so one script's keys always live in one slot; they expire on their own (counters at the end
// of their Asia/Shanghai day, the client-IP window after it closes, used tokens with the token, SMS codes after
// a day, the ledger after 400 days); nothing is ever scanned. docs/server.md has the key table.
//
// When Redis cannot be reached, operations throw StoreError (the server answers 503, or admits without quota
// when --store-fail-open is set); connections are re-made on demand, so service comes back by itself. Ledger
// increments that fail are kept in memory and written on the next successful call, so an answered verification
// is never lost from the books while the process lives; each carries an id that Redis remembers for a day, so a
// retry after a lost reply (a timeout, Redis dying between the write and the answer) never counts twice.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "store/redis_client.hpp"
#include "store/redis_nodes.hpp"
#include "store/store.hpp"

namespace nv::server {

class RedisStore final : public Store {
public:
    // Does not connect yet: the first operation does (so a server can start while Redis is still coming up).
    // `key_prefix` separates deployments (and tests) sharing one Redis database.
    explicit RedisStore(RedisOptions options, std::string key_prefix = "nv");
    ~RedisStore() override;

    AdmitResult admit(const Admission& a, const QuotaLimits& limits) override;
    void refund(const Admission& a, std::int64_t previous_last_ms) override;
    void record_result(const std::string& app_key, std::int64_t day, const std::string& code) override;
    UsageCounts usage(const std::string& app_key, std::int64_t day) override;
    void put_sms_code(const std::string& app_key, const std::string& number_key, const std::string& code_hash,
                      std::int64_t expires_ms) override;
    SmsCheck check_sms_code(const std::string& app_key, const std::string& number_key, const std::string& code_hash,
                            std::int64_t now_ms, int max_attempts) override;
    // The readiness probe: a write in the appKey's slot through the scripting path (see kProbe).
    bool healthy(const std::string& app_key) override;
    // Why the last probe failed (empty after a success), for the log.
    std::string health_error();
    std::string kind() const override { return "redis"; }

    // Redis Cluster: the redirections followed so far.
    std::shared_ptr<const RedirectCounters> redirects() const { return nodes_.redirects(); }
    bool is_cluster() const { return !options_.url.cluster_nodes.empty(); }

    // Ledger increments waiting for Redis (0 when all are written).
    std::int64_t pending_results();

    // record_result with the increment's id given (record_result draws a random one). An increment is applied
    // at most once per id, so a retry after a lost reply never counts twice. Public for the tests.
    void record_result_once(const std::string& app_key, std::int64_t day, const std::string& code,
                            const std::string& id);

private:
    struct Script {
        std::string source, sha;
    };
    // `writes`: the script may have written, so WAIT for the replicas (redis.waitReplicas) before answering.
    RedisReply eval(const Script& s, const std::vector<std::string>& keys, const std::vector<std::string>& args,
                    bool writes = true);
    void flush_pending();
    std::string key(const std::string& app_key, const std::string& rest) const;

    RedisOptions options_;
    RedisNodes nodes_;
    std::string prefix_;
    Script admit_, refund_, ledger_add_, sms_put_, sms_check_, probe_;
    std::mutex health_mu_;
    std::string last_health_error_;  // guarded by health_mu_

    struct Pending {
        std::string app_key;
        std::int64_t day;
        std::string code;
        std::string id;
    };
    std::mutex pending_mu_;
    std::deque<Pending> pending_;
};

}  // namespace nv::server
