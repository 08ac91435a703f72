// Where a Redis command goes, and the connections that take it there: one Redis server (redis://), or the master
// that Redis Sentinel names (redis-sentinel://), followed through a failover: every new connection asks the
// sentinels (once, then cached) and checks ROLE, and any failure (a dead master, a READONLY reply from one
// demoted to replica) drops the pool and the cached address. RedisStore says what to run; this says where.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

private:
    std::unique_ptr<RedisConnection> acquire();
    std::unique_ptr<RedisConnection> connect();    // a new connection (with Sentinel: to a verified master)
    std::pair<std::string, int> master_address();  // Sentinel: the master's address, asked once and cached
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
};

}  // namespace nv::server
