#include "http/worker_pool.hpp"

#include <system_error>
#include <thread>

#include "base/request_log.hpp"

namespace nv::server {

WorkerPool::WorkerPool(std::size_t max_threads, std::size_t keep, std::chrono::milliseconds idle_exit,
                       std::shared_ptr<PoolGauges> gauges)
    : max_threads_(max_threads < 1 ? 1 : max_threads), keep_(keep), idle_exit_(idle_exit), gauges_(std::move(gauges)) {
    if (gauges_) gauges_->max = max_threads_;
}

void WorkerPool::publish() {
    if (!gauges_) return;
    gauges_->threads.store(threads_, std::memory_order_relaxed);
    gauges_->busy.store(threads_ - idle_, std::memory_order_relaxed);
    gauges_->queued.store(jobs_.size() > idle_ ? jobs_.size() - idle_ : 0, std::memory_order_relaxed);
}

WorkerPool::~WorkerPool() {
    shutdown();
}

void WorkerPool::enqueue(std::function<void()> job) {
    std::unique_lock lock(mu_);
    jobs_.push_back(std::move(job));
    // A waiting thread takes it; with none waiting for this job, start one (below the maximum). Threads are
    // detached: each one counts itself out under the lock as its last act, and shutdown() waits for the count.
    if (idle_ < jobs_.size() && threads_ < max_threads_ && !shutdown_) {
        try {
            std::thread([this] { work(); }).detach();
            ++threads_;
            ++idle_;  // counted as waiting until it takes a job, so the next enqueue does not start another
            if (threads_ > peak_) peak_ = threads_;
        } catch (const std::system_error& e) {
            // Out of threads (RLIMIT_NPROC, memory): the job waits for a running thread instead.
            if (!spawn_failed_logged_) {
                spawn_failed_logged_ = true;
                log_event("warn", "cannot start another worker thread; requests wait for a free one",
                          "\"threads\":" + std::to_string(threads_));
            }
        }
    }
    publish();
    lock.unlock();
    work_cv_.notify_one();
}

void WorkerPool::work() {
    std::unique_lock lock(mu_);
    for (;;) {
        const bool got = work_cv_.wait_for(lock, idle_exit_, [this] { return !jobs_.empty() || shutdown_; });
        if (!got && threads_ > keep_) break;  // idle for idle_exit_, and more of us than we keep
        if (jobs_.empty()) {
            if (shutdown_) break;
            continue;
        }
        std::function<void()> job = std::move(jobs_.front());
        jobs_.pop_front();
        --idle_;
        publish();
        lock.unlock();
        job();
        job = nullptr;  // release what the job captured before counting as idle again
        lock.lock();
        ++idle_;
        publish();
    }
    --idle_;
    --threads_;
    publish();
    done_cv_.notify_all();
}

void WorkerPool::shutdown() {
    std::unique_lock lock(mu_);
    shutdown_ = true;
    work_cv_.notify_all();
    done_cv_.wait(lock, [this] { return threads_ == 0; });
}

WorkerPool::Stats WorkerPool::stats() const {
    std::lock_guard lock(mu_);
    return Stats{threads_, idle_, jobs_.size() > idle_ ? jobs_.size() - idle_ : 0, peak_};
}

}  // namespace nv::server
