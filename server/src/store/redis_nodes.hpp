// Where a Redis command goes, and the connections that take it there. RedisStore says what to run; this says where:
// - one Redis server (redis://);
// - the master that Redis Sentinel names (redis-sentinel://), followed through a failover: a new connection goes
//   to the cached master, else to what the sentinels name (in the URL's order, the next one's answer when a
//   server named is not the master), and checks ROLE; any failure (a dead master, a READONLY reply from one
//   demoted to replica) drops the pool and the cached address;
// - the Redis Cluster node that owns the key's slot (redis-cluster://): the slot map from CLUSTER SLOTS, one pool
//   per node; MOVED updates the slot and has the map re-read, ASK is followed once (ASKING), TRYAGAIN (a slot
//   half moved) is retried for a bounded time; a node that fails has its pool dropped and the map re-read, so
//   a resharding or a replica's promotion is followed.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/metrics.hpp"
#include "store/redis_client.hpp"

namespace nv::server {

class RedisNodes {
public:
    explicit RedisNodes(RedisOptions options);

    // Runs `fn` on a connection to the server that holds `key` and returns its reply. A Redis error reply is
    // thrown as StoreError ("Redis refused a command: ..."), as is any I/O failure; after a failure the pool (and,
    // with Sentinel, the master's address) is dropped, so the next call makes fresh connections.
    RedisReply run(std::string_view key, const std::function<RedisReply(RedisConnection&)>& fn);

    const RedisOptions& options() const { return options_; }

    // Redis Cluster: the redirections followed so far (MOVED, ASK) and the retries of a half-moved slot
    // (TRYAGAIN), for /metrics and the tests.
    std::shared_ptr<const RedirectCounters> redirects() const { return redirects_; }

    // Redis Cluster: how long a slot that is being moved is retried (TRYAGAIN) before the call fails.
    static constexpr int kTryAgainMs = 1'000;

private:
    using Address = std::pair<std::string, int>;
    RedisReply run_cluster(std::string_view key, const std::function<RedisReply(RedisConnection&)>& fn);
    Address slot_owner(int slot);             // Cluster: from the map, read again first when it is stale
    void refresh_map_locked();                // Cluster: CLUSTER SLOTS from the first node that answers
    void set_slot_owner(int slot, const Address& a);
    void map_is_stale();
    std::unique_ptr<RedisConnection> acquire_node(const Address& node);  // Cluster: a pooled or new connection
    void drop_node(const std::string& where);

    std::unique_ptr<RedisConnection> acquire();
    std::unique_ptr<RedisConnection> connect();    // a new connection (with Sentinel: to a verified master)
    std::unique_ptr<RedisConnection> connect_master(const Address& a);  // Sentinel: refused unless ROLE is master
    Address ask_sentinel(const Address& sentinel);  // Sentinel: the master it names
    void forget_master();                          // Sentinel: ask again on the next connection
    void dropped();                                // after a failure: no idle connection, no cached master
    void release(std::unique_ptr<RedisConnection> c);

    RedisOptions options_;

    std::mutex master_mu_;
    std::pair<std::string, int> master_;  // guarded by master_mu_; empty host: not resolved

    std::mutex pool_mu_;
    std::vector<std::unique_ptr<RedisConnection>> idle_;
    std::chrono::steady_clock::time_point down_until_{};
    std::string down_error_;

    // Cluster
    struct NodePool {
        std::vector<std::unique_ptr<RedisConnection>> idle;
        std::chrono::steady_clock::time_point down_until{};
        std::string down_error;
    };
    std::map<std::string, NodePool> node_pools_;  // by host:port; guarded by pool_mu_
    std::mutex map_mu_;
    std::vector<Address> masters_;   // guarded by map_mu_: every master the map names
    std::vector<int> slot_master_;   // guarded by map_mu_: 16384 indexes into masters_ (-1: no master); empty: unknown
    std::vector<Address> known_;     // guarded by map_mu_: the URL's nodes, then every node a map named
    bool stale_ = true;              // guarded by map_mu_
    std::chrono::steady_clock::time_point read_at_{};  // guarded by map_mu_: the last attempt to read the map
    std::string map_error_;          // guarded by map_mu_: why the last attempt failed
    std::shared_ptr<RedirectCounters> redirects_ = std::make_shared<RedirectCounters>();
};

}  // namespace nv::server
