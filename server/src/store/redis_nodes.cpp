#include "store/redis_nodes.hpp"

#include <algorithm>
#include <thread>
#include <tuple>

#include "store/store.hpp"

namespace nv::server {
namespace {

constexpr auto kReconnectPause = std::chrono::milliseconds(200);
constexpr std::size_t kMaxIdle = 128;       // per node
constexpr int kSlots = 16384;
constexpr int kMaxRedirects = 5;            // MOVED and ASK, per call
constexpr auto kTryAgainPause = std::chrono::milliseconds(25);
constexpr auto kMapReadPause = std::chrono::milliseconds(100);  // at most ten reads of the slot map a second

std::string where_of(const std::pair<std::string, int>& a) {
    return (a.first.find(':') != std::string::npos ? "[" + a.first + "]" : a.first) + ":" + std::to_string(a.second);
}

// "MOVED 3999 127.0.0.1:6381" or "ASK 3999 [::1]:6381": the slot and the address.
bool parse_redirect(const std::string& e, int& slot, std::pair<std::string, int>& to) {
    const std::size_t a = e.find(' '), b = a == std::string::npos ? a : e.find(' ', a + 1);
    if (b == std::string::npos) return false;
    const std::string where = e.substr(b + 1);
    const std::size_t colon = where.rfind(':');
    if (colon == std::string::npos) return false;
    char* end = nullptr;
    const long sl = std::strtol(e.c_str() + a + 1, &end, 10);
    const long port = std::strtol(where.c_str() + colon + 1, nullptr, 10);
    if (sl < 0 || sl >= kSlots || port <= 0 || port > 65535) return false;
    std::string host = where.substr(0, colon);
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    slot = static_cast<int>(sl);
    to = {host, static_cast<int>(port)};
    return true;
}

std::int64_t port_of(const RedisReply& r) {
    const std::string s = r.str();
    char* end = nullptr;
    const long p = std::strtol(s.c_str(), &end, 10);
    return s.empty() || *end != '\0' ? 0 : p;
}

}  // namespace

RedisNodes::RedisNodes(RedisOptions options) : options_(std::move(options)) {}

RedisReply RedisNodes::run(std::string_view key, const std::function<RedisReply(RedisConnection&)>& fn) {
    if (!options_.url.cluster_nodes.empty()) return run_cluster(key, fn);
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

// ---- Redis Cluster

RedisReply RedisNodes::run_cluster(std::string_view key, const std::function<RedisReply(RedisConnection&)>& fn) {
    const int slot = redis_key_slot(key);
    Address ask;  // after ASK: the node to ask next, once
    int redirects = 0;
    const auto started = std::chrono::steady_clock::now();
    for (;;) {
        const bool asking = !ask.first.empty();
        const Address node = asking ? ask : slot_owner(slot);
        ask = {};
        std::unique_ptr<RedisConnection> c = acquire_node(node);
        RedisReply r;
        try {
            c->set_asking(asking);
            r = fn(*c);
            c->set_asking(false);
        } catch (const StoreError&) {
            // This node is gone or broken (killed, partitioned, a failover under way): its connections go, and
            // the next call reads the map again (from another node) to find who serves the slot now.
            drop_node(c->where());
            map_is_stale();
            throw;
        }
        if (!r.is_error()) {
            release(std::move(c));
            return r;
        }
        const std::string e = r.str();
        release(std::move(c));  // a refusal is a reply: the connection is fine
        int to_slot = 0;
        Address to;
        const bool moved = e.rfind("MOVED ", 0) == 0, asked = e.rfind("ASK ", 0) == 0;
        if ((moved || asked) && parse_redirect(e, to_slot, to)) {
            if (++redirects > kMaxRedirects) {
                map_is_stale();
                throw StoreError("Redis Cluster: slot " + std::to_string(slot) + " redirected " +
                                 std::to_string(kMaxRedirects) + " times (last: " + e.substr(0, 80) + ")");
            }
            if (moved) {  // the slot has a new owner for good: note it now, and read the whole map again soon
                ++redirects_->moved;
                set_slot_owner(to_slot, to);
                map_is_stale();
            } else {
                ++redirects_->ask;
                ask = to;  // the slot is being moved and this key is already (or will be) there: ask it, once
            }
            continue;
        }
        if (e.rfind("TRYAGAIN", 0) == 0 &&
            std::chrono::steady_clock::now() - started < std::chrono::milliseconds(kTryAgainMs)) {
            // The slot is half moved (some of the script's keys on each side, or new keys on the importing master
            // before the move completes): a moment later it is whole again. The ASK that led here does not count
            // against kMaxRedirects: the time budget bounds this loop (ASK, TRYAGAIN, ASK, ... until it is done).
            ++redirects_->tryagain;
            redirects = 0;
            std::this_thread::sleep_for(kTryAgainPause);
            continue;
        }
        if (e.rfind("CLUSTERDOWN", 0) == 0 || e.rfind("TRYAGAIN", 0) == 0) map_is_stale();
        throw StoreError("Redis refused a command: " + e.substr(0, 200));
    }
}

RedisNodes::Address RedisNodes::slot_owner(int slot) {
    std::lock_guard lock(map_mu_);
    const auto now = std::chrono::steady_clock::now();
    if (stale_ && (slot_master_.empty() || now - read_at_ >= kMapReadPause)) refresh_map_locked();
    if (slot_master_.empty()) throw StoreError(map_error_);
    const int m = slot_master_[static_cast<std::size_t>(slot)];
    if (m < 0) {
        stale_ = true;
        throw StoreError("Redis Cluster: no master serves slot " + std::to_string(slot) + " (the cluster is down or "
                         "the slot is not assigned)");
    }
    return masters_[static_cast<std::size_t>(m)];
}

void RedisNodes::refresh_map_locked() {
    read_at_ = std::chrono::steady_clock::now();
    if (known_.empty()) known_ = options_.url.cluster_nodes;
    // Ask the masters the map names first (they know best), then every other node ever seen; a node whose
    // connection just failed is asked last, so a dead one does not make every read wait for its timeout.
    std::vector<Address> order = masters_;
    for (const auto& k : known_) {
        if (std::find(order.begin(), order.end(), k) == order.end()) order.push_back(k);
    }
    {
        std::lock_guard lock(pool_mu_);
        std::stable_partition(order.begin(), order.end(), [&](const Address& a) {
            const auto it = node_pools_.find(where_of(a));
            return it == node_pools_.end() || read_at_ >= it->second.down_until;
        });
    }
    std::string errors;
    for (const Address& node : order) {
        RedisOptions o = options_;
        std::tie(o.url.host, o.url.port) = node;
        o.url.db = 0;
        try {
            RedisConnection c(o);
            const RedisReply r = c.command({"CLUSTER", "SLOTS"});
            if (r.is_error()) throw StoreError("Redis at " + where_of(node) + ": " + r.str().substr(0, 120));
            std::vector<Address> masters;
            std::vector<int> slots(kSlots, -1);
            for (std::size_t i = 0; i < r.size(); ++i) {
                const RedisReply range = r.element(i);
                const std::int64_t from = range.element(0).integer(), to = range.element(1).integer();
                if (range.size() < 3 || from < 0 || to >= kSlots || from > to) continue;
                for (std::size_t j = 2; j < range.size(); ++j) {
                    const RedisReply n = range.element(j);
                    // An empty host is the node that answered (one that does not know its own address).
                    Address a{n.element(0).str().empty() ? node.first : n.element(0).str(),
                              static_cast<int>(n.element(1).integer())};
                    if (a.second <= 0 || a.second > 65535 || a.first == "?") continue;
                    if (std::find(known_.begin(), known_.end(), a) == known_.end()) known_.push_back(a);
                    if (j != 2) continue;  // a replica: known, never written to
                    auto m = std::find(masters.begin(), masters.end(), a);
                    if (m == masters.end()) m = masters.insert(masters.end(), a);
                    std::fill(slots.begin() + from, slots.begin() + to + 1, static_cast<int>(m - masters.begin()));
                }
            }
            if (masters.empty()) throw StoreError("Redis at " + where_of(node) + " serves no slot (is it a Cluster node?)");
            masters_ = std::move(masters);
            slot_master_ = std::move(slots);
            stale_ = false;
            map_error_.clear();
            return;
        } catch (const StoreError& e) {
            errors += std::string("; ") + e.what();
        }
    }
    map_error_ = "no Redis Cluster node gave the slot map (CLUSTER SLOTS)" + errors;
}

void RedisNodes::set_slot_owner(int slot, const Address& a) {
    std::lock_guard lock(map_mu_);
    if (slot_master_.empty()) return;
    auto m = std::find(masters_.begin(), masters_.end(), a);
    if (m == masters_.end()) m = masters_.insert(masters_.end(), a);
    slot_master_[static_cast<std::size_t>(slot)] = static_cast<int>(m - masters_.begin());
}

void RedisNodes::map_is_stale() {
    std::lock_guard lock(map_mu_);
    stale_ = true;
}

std::unique_ptr<RedisConnection> RedisNodes::acquire_node(const Address& node) {
    const std::string where = where_of(node);
    {
        std::lock_guard lock(pool_mu_);
        NodePool& p = node_pools_[where];
        if (!p.idle.empty()) {
            auto c = std::move(p.idle.back());
            p.idle.pop_back();
            return c;
        }
        if (std::chrono::steady_clock::now() < p.down_until) throw StoreError(p.down_error);
    }
    RedisOptions o = options_;
    std::tie(o.url.host, o.url.port) = node;
    o.url.db = 0;
    try {
        return std::make_unique<RedisConnection>(o);
    } catch (const StoreError& e) {
        map_is_stale();
        std::lock_guard lock(pool_mu_);
        NodePool& p = node_pools_[where];
        p.down_until = std::chrono::steady_clock::now() + kReconnectPause;
        p.down_error = e.what();
        throw;
    }
}

void RedisNodes::drop_node(const std::string& where) {
    std::lock_guard lock(pool_mu_);
    if (const auto it = node_pools_.find(where); it != node_pools_.end()) it->second.idle.clear();
}

// ---- one server, or the master the sentinels name

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
    // The master we had, if any; else (or when it is no master now) each sentinel's answer in the URL's order,
    // until one names a server that says it is the master: a sentinel that has not heard of a failover yet names
    // the old master, and the next one may already know the new.
    std::string errors;
    std::vector<Address> tried;
    Address cached;
    {
        std::lock_guard lock(master_mu_);
        cached = master_;
    }
    if (!cached.first.empty()) {
        tried.push_back(cached);
        try {
            return connect_master(cached);
        } catch (const StoreError& e) {
            forget_master();
            errors += std::string("; ") + e.what();
        }
    }
    for (const auto& sentinel : options_.url.sentinels) {
        Address named;
        try {
            named = ask_sentinel(sentinel);
        } catch (const StoreError& e) {
            errors += std::string("; ") + e.what();
            continue;
        }
        if (std::find(tried.begin(), tried.end(), named) != tried.end()) continue;
        tried.push_back(named);
        try {
            auto c = connect_master(named);
            std::lock_guard lock(master_mu_);
            master_ = named;
            return c;
        } catch (const StoreError& e) {
            errors += std::string("; ") + e.what();
        }
    }
    throw StoreError((tried.empty() ? "no sentinel named a master for \"" + options_.url.master_name + "\""
                                    : "no server the sentinels named is the master of \"" + options_.url.master_name +
                                          "\"") +
                     errors);
}

std::unique_ptr<RedisConnection> RedisNodes::connect_master(const Address& a) {
    RedisOptions o = options_;
    std::tie(o.url.host, o.url.port) = a;
    auto c = std::make_unique<RedisConnection>(o);
    // The sentinels' answer can be stale (a failover in progress, an old master back as a replica): write only
    // to a server that says it is the master.
    const RedisReply role = c->command({"ROLE"});
    const std::string what = role.size() > 0 ? role.element(0).str() : role.str();
    if (role.is_error() || what != "master") {
        throw StoreError("Redis at " + where_of(a) + " is not the master of \"" + options_.url.master_name + "\" (ROLE " +
                         what.substr(0, 40) + "); asking the sentinels again");
    }
    return c;
}

RedisNodes::Address RedisNodes::ask_sentinel(const Address& sentinel) {
    RedisOptions so = options_;
    std::tie(so.url.host, so.url.port) = sentinel;
    so.url.user.clear();
    so.url.password.clear();
    so.url.db = 0;
    RedisConnection c(so);
    const RedisReply r = c.command({"SENTINEL", "get-master-addr-by-name", options_.url.master_name});
    if (r.size() == 2) {
        const std::int64_t p = port_of(r.element(1));
        if (p > 0 && p < 65536) return {r.element(0).str(), static_cast<int>(p)};
    }
    throw StoreError("the sentinel at " + where_of(sentinel) + " does not know \"" + options_.url.master_name + "\"");
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
    auto& idle = options_.url.cluster_nodes.empty() ? idle_ : node_pools_[c->where()].idle;
    if (idle.size() < kMaxIdle) idle.push_back(std::move(c));
}

}  // namespace nv::server
