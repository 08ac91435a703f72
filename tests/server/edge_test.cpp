// The HTTP edge's own defences, without a socket: strict JSON (a key given twice is refused, at any depth) and
// the worker pool (threads on demand up to a maximum, queueing beyond it, idle ones let go, a clean shutdown).
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "base/json_strict.hpp"
#include "http/worker_pool.hpp"

using namespace nv::server;
using namespace std::chrono_literals;

TEST_CASE("json: a key given twice is refused, and named", "[edge]") {
    CHECK(parse_json_strict(R"({"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]})").ok);  // same name, other objects
    const StrictJson top = parse_json_strict(R"({"phone":"13800138000","token":"t","phone":"13900139000"})");
    CHECK_FALSE(top.ok);
    CHECK(top.duplicate_key == "phone");
    CHECK(top.value.is_discarded());
    const StrictJson deep = parse_json_strict(R"({"x":[1,{"y":{"z":1,"z":2}}]})");
    CHECK_FALSE(deep.ok);
    CHECK(deep.duplicate_key == "z");
    // Escapes decode first: "\u0061" is "a".
    CHECK(parse_json_strict(R"({"a":1,"\u0061":2})").duplicate_key == "a");
    const StrictJson broken = parse_json_strict(R"({"a":1,)");
    CHECK_FALSE(broken.ok);
    CHECK(broken.duplicate_key.empty());
    CHECK(parse_json_strict("[1,2,3]").ok);
    CHECK_FALSE(parse_json_strict("").ok);
}

namespace {

// Jobs that block until released, so the pool's state can be read while they run.
struct Gate {
    std::mutex mu;
    std::condition_variable cv;
    bool open = false;
    std::atomic<int> started{0}, finished{0};
    std::function<void()> job() {
        return [this] {
            ++started;
            std::unique_lock lock(mu);
            cv.wait(lock, [this] { return open; });
            ++finished;
        };
    }
    void release() {
        {
            std::lock_guard lock(mu);
            open = true;
        }
        cv.notify_all();
    }
};

template <class F>
bool eventually(F f, std::chrono::milliseconds limit = 5000ms) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
        if (f()) return true;
        std::this_thread::sleep_for(5ms);
    }
    return f();
}

}  // namespace

TEST_CASE("worker pool: threads start on demand up to the maximum, then jobs queue", "[edge]") {
    auto gauges = std::make_shared<PoolGauges>();
    WorkerPool pool(8, 2, 200ms, gauges);
    CHECK(pool.stats().threads == 0);
    CHECK(gauges->max == 8);
    Gate gate;
    for (int i = 0; i < 12; ++i) pool.enqueue(gate.job());
    REQUIRE(eventually([&] { return gate.started == 8; }));
    std::this_thread::sleep_for(50ms);
    CHECK(gate.started == 8);  // never more than the maximum at once
    const auto busy = pool.stats();
    CHECK(busy.threads == 8);
    CHECK(busy.idle == 0);
    CHECK(busy.queued == 4);
    CHECK(gauges->busy == 8);
    CHECK(gauges->queued == 4);
    gate.release();
    REQUIRE(eventually([&] { return gate.finished == 12; }));
    CHECK(pool.stats().peak == 8);
    // Idle threads beyond the two kept exit after the idle time.
    REQUIRE(eventually([&] { return pool.stats().threads == 2; }));
    CHECK(gauges->threads == 2);
    CHECK(gauges->busy == 0);
    pool.shutdown();
    CHECK(pool.stats().threads == 0);
}

TEST_CASE("worker pool: an idle thread is reused rather than a new one started", "[edge]") {
    WorkerPool pool(64, 64, 10s);
    std::atomic<int> done{0};
    for (int i = 0; i < 50; ++i) {
        pool.enqueue([&] { ++done; });
        REQUIRE(eventually([&] { return done == i + 1; }));
    }
    CHECK(pool.stats().peak <= 2);
}

TEST_CASE("worker pool: shutdown runs the queued jobs, then every thread ends", "[edge]") {
    std::atomic<int> done{0};
    {
        WorkerPool pool(2, 0, 10s);
        Gate gate;
        pool.enqueue(gate.job());
        pool.enqueue(gate.job());
        for (int i = 0; i < 5; ++i) pool.enqueue([&] { ++done; });
        REQUIRE(eventually([&] { return gate.started == 2; }));
        CHECK(done == 0);
        std::thread releaser([&] {
            std::this_thread::sleep_for(50ms);
            gate.release();
        });
        pool.shutdown();
        releaser.join();
        CHECK(gate.finished == 2);
        CHECK(pool.stats().threads == 0);
    }  // the destructor after shutdown() is a no-op
    CHECK(done == 5);
}
