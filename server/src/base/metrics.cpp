#include "base/metrics.hpp"

#include <sstream>

namespace nv::server {

void Metrics::request(const std::string& route, int status) {
    std::lock_guard lock(mu_);
    ++requests_[{route, status}];
}

void Metrics::upstream(double seconds, const std::string& outcome, std::string_view vendor) {
    std::lock_guard lock(mu_);
    ++upstream_codes_[{std::string(vendor), outcome}];
    Latency& l = latency_[std::string(vendor)];
    ++l.count;
    l.sum += seconds;
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
        if (seconds <= kBuckets[i]) ++l.buckets[i];
    }
}

void Metrics::quota_rejection(const std::string& reason) {
    std::lock_guard lock(mu_);
    ++quota_[reason];
}

void Metrics::circuit_refusal(std::string_view vendor) {
    std::lock_guard lock(mu_);
    ++circuit_refusals_[std::string(vendor)];
}

void Metrics::store_error(const std::string& op) {
    std::lock_guard lock(mu_);
    ++store_errors_[op];
}

void Metrics::store_fail_open() {
    std::lock_guard lock(mu_);
    ++fail_open_;
}

void Metrics::watch_pool(std::shared_ptr<const PoolGauges> pool) {
    std::lock_guard lock(mu_);
    pool_ = std::move(pool);
}

void Metrics::watch_redirects(std::shared_ptr<const RedirectCounters> counters) {
    std::lock_guard lock(mu_);
    redirects_ = std::move(counters);
}

std::string Metrics::render() const {
    std::lock_guard lock(mu_);
    std::ostringstream o;
    o << "# HELP nv_http_requests_total HTTP requests by route and status.\n"
         "# TYPE nv_http_requests_total counter\n";
    for (const auto& [k, v] : requests_) {
        o << "nv_http_requests_total{route=\"" << k.first << "\",status=\"" << k.second << "\"} " << v << '\n';
    }
    o << "# HELP nv_upstream_latency_seconds Latency of calls to each vendor's verify and login endpoints.\n"
         "# TYPE nv_upstream_latency_seconds histogram\n";
    for (const auto& [vendor, l] : latency_) {
        const std::string v = "vendor=\"" + vendor + "\"";
        for (std::size_t i = 0; i < kBuckets.size(); ++i) {
            o << "nv_upstream_latency_seconds_bucket{" << v << ",le=\"" << kBuckets[i] << "\"} " << l.buckets[i] << '\n';
        }
        o << "nv_upstream_latency_seconds_bucket{" << v << ",le=\"+Inf\"} " << l.count << '\n'
          << "nv_upstream_latency_seconds_sum{" << v << "} " << l.sum << '\n'
          << "nv_upstream_latency_seconds_count{" << v << "} " << l.count << '\n';
    }
    o << "# HELP nv_upstream_codes_total Vendor answers by vendor and code (or transport failure).\n"
         "# TYPE nv_upstream_codes_total counter\n";
    for (const auto& [k, v] : upstream_codes_) {
        o << "nv_upstream_codes_total{vendor=\"" << k.first << "\",code=\"" << k.second << "\"} " << v << '\n';
    }
    o << "# HELP nv_vendor_circuit_refusals_total Calls refused without being sent: the vendor's circuit was open.\n"
         "# TYPE nv_vendor_circuit_refusals_total counter\n";
    for (const auto& [k, v] : circuit_refusals_) o << "nv_vendor_circuit_refusals_total{vendor=\"" << k << "\"} " << v << '\n';
    o << "# HELP nv_quota_rejections_total Verifications refused before spending quota, by reason.\n"
         "# TYPE nv_quota_rejections_total counter\n";
    for (const auto& [k, v] : quota_) o << "nv_quota_rejections_total{reason=\"" << k << "\"} " << v << '\n';
    o << "# HELP nv_store_errors_total Store calls that failed (the store was unreachable or refused), by operation.\n"
         "# TYPE nv_store_errors_total counter\n";
    for (const auto& [k, v] : store_errors_) o << "nv_store_errors_total{op=\"" << k << "\"} " << v << '\n';
    o << "# HELP nv_store_fail_open_total Verifications admitted without quota checks while the store was down.\n"
         "# TYPE nv_store_fail_open_total counter\n"
      << "nv_store_fail_open_total " << fail_open_ << '\n';
    if (pool_) {
        // One thread per open connection (cpp-httplib): busy near max means new connections wait.
        o << "# HELP nv_worker_threads Threads of the API listener's pool: alive, busy (each holds one open "
             "connection), and the maximum (--threads).\n"
             "# TYPE nv_worker_threads gauge\n"
          << "nv_worker_threads{state=\"alive\"} " << pool_->threads.load() << '\n'
          << "nv_worker_threads{state=\"busy\"} " << pool_->busy.load() << '\n'
          << "nv_worker_threads{state=\"max\"} " << pool_->max.load() << '\n'
          << "# HELP nv_worker_queue Connections accepted and waiting for a free thread.\n"
             "# TYPE nv_worker_queue gauge\n"
          << "nv_worker_queue " << pool_->queued.load() << '\n';
    }
    if (redirects_) {
        o << "# HELP nv_redis_redirects_total Redis Cluster redirections followed: MOVED (the slot has a new owner), "
             "ASK (a slot being moved), TRYAGAIN (retried while a slot is half moved).\n"
             "# TYPE nv_redis_redirects_total counter\n"
          << "nv_redis_redirects_total{kind=\"moved\"} " << redirects_->moved.load() << '\n'
          << "nv_redis_redirects_total{kind=\"ask\"} " << redirects_->ask.load() << '\n'
          << "nv_redis_redirects_total{kind=\"tryagain\"} " << redirects_->tryagain.load() << '\n';
    }
    return o.str();
}

}  // namespace nv::server
