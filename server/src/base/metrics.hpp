// Counters and a latency histogram for GET /metrics, in the Prometheus text format (version 0.0.4).
// Label values come from small fixed sets (route names, statuses, vendor codes, reason ids), never from input.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace nv::server {

// A thread pool's gauges, written by the pool (http/worker_pool.hpp) and read by render().
struct PoolGauges {
    std::atomic<std::size_t> threads{0};  // alive
    std::atomic<std::size_t> busy{0};     // serving a connection
    std::atomic<std::size_t> queued{0};   // connections waiting for a thread
    std::atomic<std::size_t> max{0};
};

// The Redis Cluster redirections the store followed (store/redis_nodes.cpp), shown as
// nv_redis_redirects_total{kind}: MOVED and ASK, and TRYAGAIN retries (a slot being moved).
struct RedirectCounters {
    std::atomic<std::int64_t> moved{0}, ask{0}, tryagain{0};
};

class Metrics {
public:
    void request(const std::string& route, int status);
    // One call to `vendor` ("jiguang", "aliyun"): outcome is its answer's code or a transport failure.
    void upstream(double seconds, const std::string& outcome, std::string_view vendor);
    void quota_rejection(const std::string& reason);
    // A call refused because the vendor's circuit was open (nothing sent).
    void circuit_refusal(std::string_view vendor);
    // A store call that failed (op: admit, check, refund, ledger, usage, sms), and verifications admitted without the
    // store because --store-fail-open is set.
    void store_error(const std::string& op);
    void store_fail_open();

    // The API listener's worker pool, shown as nv_worker_threads{state} and nv_worker_queue.
    void watch_pool(std::shared_ptr<const PoolGauges> pool);
    // A Redis Cluster store's redirections, shown as nv_redis_redirects_total{kind}.
    void watch_redirects(std::shared_ptr<const RedirectCounters> counters);

    std::string render() const;

    static constexpr std::array<double, 12> kBuckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

private:
    mutable std::mutex mu_;
    std::map<std::pair<std::string, int>, std::uint64_t> requests_;
    std::map<std::pair<std::string, std::string>, std::uint64_t> upstream_codes_;  // (vendor, code)
    std::map<std::string, std::uint64_t> quota_;
    std::map<std::string, std::uint64_t> circuit_refusals_;  // by vendor
    std::map<std::string, std::uint64_t> store_errors_;
    std::uint64_t fail_open_ = 0;
    std::shared_ptr<const PoolGauges> pool_;
    std::shared_ptr<const RedirectCounters> redirects_;
    struct Latency {
        std::array<std::uint64_t, kBuckets.size()> buckets{};
        std::uint64_t count = 0;
        double sum = 0;
    };
    std::map<std::string, Latency> latency_;  // by vendor
};

}  // namespace nv::server
