// The threads that serve connections. cpp-httplib 0.11 holds one pool thread per open connection (a keep-alive
// connection keeps it while idle, a silent one until its timeout), so the pool's size is the number of
// connections served at once: with the vendor answering in 50 ms, 256 client connections need 256 threads, or
// vendor latency is not what limits throughput (docs/server.md, "Threads"). This pool starts threads on
// demand, up to a maximum, and lets them go after a while idle: a quiet server stays small, a busy one is not
// capped by a number chosen for the quiet case.
#pragma once

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

#include "base/metrics.hpp"

namespace nv::server {

class WorkerPool final : public httplib::TaskQueue {
public:
    // At most `max_threads` at once; `keep` stay however long they idle, the others exit after `idle_exit`.
    // `gauges`, when given, follow the pool's state for /metrics.
    WorkerPool(std::size_t max_threads, std::size_t keep, std::chrono::milliseconds idle_exit,
               std::shared_ptr<PoolGauges> gauges = nullptr);
    ~WorkerPool() override;
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    void enqueue(std::function<void()> job) override;
    // Runs the jobs already queued, then waits for every thread to finish.
    void shutdown() override;

    struct Stats {
        std::size_t threads = 0;  // alive now
        std::size_t idle = 0;     // alive and waiting for a job
        std::size_t queued = 0;   // jobs waiting for a thread (all threads busy, and at the maximum)
        std::size_t peak = 0;     // the most threads alive at once so far
    };
    Stats stats() const;

private:
    void work();
    void publish();  // under mu_

    const std::size_t max_threads_;
    const std::size_t keep_;
    const std::chrono::milliseconds idle_exit_;
    const std::shared_ptr<PoolGauges> gauges_;
    mutable std::mutex mu_;
    std::condition_variable work_cv_;  // a job arrived, or shutdown
    std::condition_variable done_cv_;  // a thread finished
    std::deque<std::function<void()>> jobs_;
    std::size_t threads_ = 0;
    std::size_t idle_ = 0;
    std::size_t peak_ = 0;
    bool shutdown_ = false;
    bool spawn_failed_logged_ = false;
};

}  // namespace nv::server
