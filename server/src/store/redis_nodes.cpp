#include "store/redis_nodes.hpp"

#include <tuple>

#include "store/store.hpp"

namespace nv::server {
namespace {

constexpr auto kReconnectPause = std::chrono::milliseconds(200);
constexpr std::size_t kMaxIdle = 128;

std::int64_t port_of(const RedisReply& r) {
    const std::string s = r.str();
    char* end = nullptr;
    const long p = std::strtol(s.c_str(), &end, 10);
    return s.empty() || *end != '\0' ? 0 : p;
}

}  // namespace

RedisNodes::RedisNodes(RedisOptions options) : options_(std::move(options)) {}

RedisReply RedisNodes::run(std::string_view, const std::function<RedisReply(RedisConnection&)>& fn) {
    auto c = acquire();
    try {
        RedisReply r = fn(*c);
        if (r.is_error()) throw StoreError("Redis refused a command: " + r.str().substr(0, 200));
        release(std::move(c));
        return r;
    } catch (const StoreError&) {
        // One broken connection usually means all of them are (Redis restarted or went away, or a failover made
        // it a replica): drop the pool and, with Sentinel, the master's address, so the next requests make fresh
        // connections (to the master the sentinels name then) instead of each finding a dead one.
        dropped();
        throw;
    }
}

std::unique_ptr<RedisConnection> RedisNodes::acquire() {
    {
        std::lock_guard lock(pool_mu_);
        if (!idle_.empty()) {
            auto c = std::move(idle_.back());
            idle_.pop_back();
            return c;
        }
        // Just failed to connect: answer at once instead of making every request wait for a connect timeout.
        if (std::chrono::steady_clock::now() < down_until_) throw StoreError(down_error_);
    }
    try {
        return connect();
    } catch (const StoreError& e) {
        forget_master();  // Sentinel: the next connection asks the sentinels again
        std::lock_guard lock(pool_mu_);
        down_until_ = std::chrono::steady_clock::now() + kReconnectPause;
        down_error_ = e.what();
        throw;
    }
}

std::unique_ptr<RedisConnection> RedisNodes::connect() {
    if (options_.url.sentinels.empty()) return std::make_unique<RedisConnection>(options_);
    for (int attempt = 0;; ++attempt) {
        bool cached = false;
        {
            std::lock_guard lock(master_mu_);
            cached = !master_.first.empty();
        }
        RedisOptions o = options_;
        std::tie(o.url.host, o.url.port) = master_address();
        try {
            auto c = std::make_unique<RedisConnection>(o);
            // The sentinels' answer can be stale (a failover in progress, an old master back as a replica):
            // write only to a server that says it is the master.
            const RedisReply role = c->command({"ROLE"});
            const std::string what = role.size() > 0 ? role.element(0).str() : role.str();
            if (role.is_error() || what != "master") {
                throw StoreError("Redis at " + o.url.host + ":" + std::to_string(o.url.port) +
                                 " is not the master of \"" + options_.url.master_name + "\" (ROLE " +
                                 what.substr(0, 40) + "); asking the sentinels again");
            }
            return c;
        } catch (const StoreError&) {
            forget_master();
            if (attempt == 0 && cached) continue;  // the address we had is stale: ask the sentinels now, once
            throw;
        }
    }
}

std::pair<std::string, int> RedisNodes::master_address() {
    std::lock_guard lock(master_mu_);
    if (!master_.first.empty()) return master_;
    std::string errors;
    for (const auto& [host, port] : options_.url.sentinels) {
        RedisOptions so = options_;
        so.url.host = host;
        so.url.port = port;
        so.url.user.clear();
        so.url.password.clear();
        so.url.db = 0;
        try {
            RedisConnection sentinel(so);
            const RedisReply r = sentinel.command({"SENTINEL", "get-master-addr-by-name", options_.url.master_name});
            if (r.size() == 2) {
                const std::int64_t p = port_of(r.element(1));
                if (p > 0 && p < 65536) {
                    master_ = {r.element(0).str(), static_cast<int>(p)};
                    return master_;
                }
            }
            errors += "; " + host + ":" + std::to_string(port) + " does not know \"" + options_.url.master_name + "\"";
        } catch (const StoreError& e) {
            errors += std::string("; ") + e.what();
        }
    }
    throw StoreError("no sentinel named a master for \"" + options_.url.master_name + "\"" + errors);
}

void RedisNodes::forget_master() {
    std::lock_guard lock(master_mu_);
    master_ = {};
}

void RedisNodes::dropped() {
    {
        std::lock_guard lock(pool_mu_);
        idle_.clear();
    }
    forget_master();
}

void RedisNodes::release(std::unique_ptr<RedisConnection> c) {
    std::lock_guard lock(pool_mu_);
    if (idle_.size() < kMaxIdle) idle_.push_back(std::move(c));
}

}  // namespace nv::server
