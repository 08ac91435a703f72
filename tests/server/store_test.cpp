// One store test suite, run against both backends: SQLite (a real file) and Redis (a real redis-server on a free
// loopback port, started by the test and stopped by PID). Admission is atomic and ordered (a used token first,
// then quotas), refunds give quota back, the ledger counts, SMS codes are single use, and all of it survives
// closing and reopening the store.
#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <set>
#include <thread>

#include "rules/calendar.hpp"
#include "base/crypto.hpp"
#include "redis_server.hpp"
#include "store/redis_store.hpp"
#include "store/sqlite_store.hpp"

using namespace nv;
using namespace nv::server;

namespace {

constexpr std::int64_t kMidnight = 1'795'363'200'000;

struct TempDb {
    std::filesystem::path dir;
    TempDb() {
        char tmpl[] = "/tmp/nv-store-XXXXXX";
        dir = mkdtemp(tmpl);
    }
    ~TempDb() { std::filesystem::remove_all(dir); }
    std::string path() const { return (dir / "nv.db").string(); }
};

Admission adm(const std::string& number, const std::string& token, std::int64_t now, const std::string& ip = "10.0.0.1") {
    return Admission{"app", "n:" + number, ip, "t:" + token, now + 120'000, now};
}

struct SqliteBackend {
    TempDb db;
    std::unique_ptr<Store> open() { return std::make_unique<SqliteStore>(db.path()); }
};

RedisOptions redis_options(int port) {
    RedisOptions o;
    o.url.host = "127.0.0.1";
    o.url.port = port;
    return o;
}

// One redis-server per test process; each backend instance gets its own key prefix, so tests never share state.
struct RedisBackend {
    static nv::test::RedisServer& server() {
        static nv::test::RedisServer s;
        return s;
    }
    std::string prefix = "test" + random_hex(6);
    std::unique_ptr<Store> open() { return std::make_unique<RedisStore>(redis_options(server().port()), prefix); }
};

// Redis Sentinel: a primary, its replica and three sentinels (quorum 2), all real, on free loopback ports.
struct SentinelTopology {
    // `down_after_ms`: how long the master must be silent before the sentinels fail over (short for the failover
    // test, long for the suite, so a busy machine never triggers one mid-suite).
    explicit SentinelTopology(std::string name_, int down_after_ms = 10'000) : name(std::move(name_)) {
        for (int i = 0; i < 3; ++i) {
            sentinels.push_back(std::make_unique<nv::test::SentinelServer>(primary.port(), name, down_after_ms));
        }
        // Ready when the replica is in sync (admissions WAIT for it) and every sentinel knows the replica and the
        // other two sentinels (so a failover can be agreed).
        wait_for([&] { return info(replica.port(), "replication").find("master_link_status:up") != std::string::npos; });
        wait_for([&] {
            nv::server::RedisConnection c(redis_options(primary.port()));
            c.command({"SET", "nv-ready", "1"});
            return c.command({"WAIT", "1", "1000"}).integer() == 1;
        });
        for (auto& sn : sentinels) {
            wait_for([&] {
                nv::server::RedisConnection c(redis_options(sn->port()));
                return c.command({"SENTINEL", "replicas", name}).size() == 1 &&
                       c.command({"SENTINEL", "sentinels", name}).size() == 2;
            });
        }
    }
    static std::string info(int port, const char* section) {
        nv::server::RedisConnection c(redis_options(port));
        return c.command({"INFO", section}).str();
    }
    template <class F>
    static void wait_for(F ready) {
        for (int i = 0; i < 600; ++i) {
            try {
                if (ready()) return;
            } catch (const StoreError&) {
                // not up yet
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        FAIL("the Sentinel topology did not become ready within 30 s");
    }
    RedisOptions options() const {
        RedisOptions o;
        for (const auto& sn : sentinels) o.url.sentinels.emplace_back("127.0.0.1", sn->port());
        o.url.master_name = name;
        o.wait_replicas = 1;
        o.wait_timeout_ms = 1'000;
        o.io_timeout_ms = 3'000;  // longer than the WAIT
        return o;
    }

    std::string name;
    nv::test::RedisServer primary;
    nv::test::RedisServer replica{{"--replicaof", "127.0.0.1", std::to_string(primary.port())}};
    std::vector<std::unique_ptr<nv::test::SentinelServer>> sentinels;
};

// The store suite on Sentinel: one topology per test process, a key prefix per backend instance.
struct SentinelBackend {
    static SentinelTopology& topology() {
        static SentinelTopology t("nvsuite");
        return t;
    }
    std::string prefix = "test" + random_hex(6);
    std::unique_ptr<Store> open() { return std::make_unique<RedisStore>(topology().options(), prefix); }
};

RedisOptions cluster_options(const nv::test::RedisCluster& c) {
    RedisOptions o;
    std::string e;
    o.url = *parse_redis_url(c.url(), e);
    o.wait_replicas = 1;
    o.wait_timeout_ms = 1'000;
    o.io_timeout_ms = 3'000;  // longer than the WAIT
    return o;
}

// The store suite on a Redis Cluster: three masters with a replica each, one cluster per test process, a key
// prefix per backend instance. The store is given every node; writes WAIT for the replica.
struct ClusterBackend {
    static nv::test::RedisCluster& cluster() {
        static nv::test::RedisCluster c;
        return c;
    }
    std::string prefix = "test" + random_hex(6);
    std::unique_ptr<Store> open() { return std::make_unique<RedisStore>(cluster_options(cluster()), prefix); }
};

}  // namespace

TEMPLATE_TEST_CASE("store: tokens are single use until they expire", "[store]", SqliteBackend, RedisBackend, SentinelBackend, ClusterBackend) {
    TestType backend;
    auto store = backend.open();
    Store& s = *store;
    QuotaLimits l;
    CHECK(s.admit(adm("1", "tok", kMidnight), l).status == AdmitStatus::Admitted);
    CHECK(s.admit(adm("2", "tok", kMidnight + 60'000), l).status == AdmitStatus::TokenUsed);
    // After its lifetime a token is forgotten (the vendor refuses it then anyway, as expired).
    CHECK(s.admit(adm("3", "tok", kMidnight + 120'001), l).status == AdmitStatus::Admitted);
}

TEMPLATE_TEST_CASE("store: quotas, refusals that spend nothing, refunds", "[store]", SqliteBackend, RedisBackend, SentinelBackend, ClusterBackend) {
    TestType backend;
    auto store = backend.open();
    Store& s = *store;
    QuotaLimits l;
    REQUIRE(s.admit(adm("1", "a", kMidnight), l).status == AdmitStatus::Admitted);
    const AdmitResult soon = s.admit(adm("1", "b", kMidnight + 10'000), l);
    CHECK(soon.status == AdmitStatus::Limited);
    CHECK(soon.reason == Reason::TOO_SOON);
    CHECK(soon.retry_after_sec == 20);
    // The refused token was not spent: it is still good once the interval has passed.
    const AdmitResult later = s.admit(adm("1", "b", kMidnight + 30'000), l);
    REQUIRE(later.status == AdmitStatus::Admitted);
    CHECK(later.previous_last_ms == kMidnight);
    // The vendor did not process that one: give it back; the earlier interval applies again.
    s.refund(adm("1", "b", kMidnight + 30'000), later.previous_last_ms);
    CHECK(s.admit(adm("1", "c", kMidnight + 30'001), l).status == AdmitStatus::Admitted);
    // Other numbers are independent.
    CHECK(s.admit(adm("2", "d", kMidnight + 30'002), l).status == AdmitStatus::Admitted);
}

TEMPLATE_TEST_CASE("store: state survives a restart", "[store]", SqliteBackend, RedisBackend, SentinelBackend, ClusterBackend) {
    TestType backend;
    QuotaLimits l;
    l.number_interval_ms = 0;
    {
        auto store = backend.open();
        Store& s = *store;
        for (int i = 0; i < 10; ++i) {
            REQUIRE(s.admit(adm("1", "t" + std::to_string(i), kMidnight + i), l).status == AdmitStatus::Admitted);
        }
        s.record_result("app", shanghai_day(kMidnight), "9000");
        s.record_result("app", shanghai_day(kMidnight), "9000");
        s.record_result("app", shanghai_day(kMidnight), "9001");
    }
    auto store = backend.open();
    Store& s = *store;
    const AdmitResult r = s.admit(adm("1", "t10", kMidnight + 100), l);
    CHECK(r.status == AdmitStatus::Limited);
    CHECK(r.reason == Reason::NUMBER_DAILY_LIMIT);
    CHECK(s.admit(adm("2", "t0", kMidnight + 100), l).status == AdmitStatus::TokenUsed);
    const UsageCounts u = s.usage("app", shanghai_day(kMidnight));
    CHECK(u.at("9000") == 2);
    CHECK(u.at("9001") == 1);
    CHECK(s.usage("app", shanghai_day(kMidnight) + 1).empty());
    CHECK(s.usage("other", shanghai_day(kMidnight)).empty());
    CHECK(s.healthy("app"));
}

TEMPLATE_TEST_CASE("store: concurrent admissions never overspend", "[store]", SqliteBackend, RedisBackend, SentinelBackend, ClusterBackend) {
    TestType backend;
    auto store = backend.open();
    Store& s = *store;
    QuotaLimits l;
    l.number_interval_ms = 0;
    l.number_daily = 0;
    l.ip_limit = 0;
    l.app_daily = 1000;
    std::atomic<int> admitted{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 200; ++i) {
                const std::string id = std::to_string(t) + ":" + std::to_string(i);
                if (s.admit(adm(id, id, kMidnight + i), l).status == AdmitStatus::Admitted) ++admitted;
            }
        });
    }
    for (auto& th : threads) th.join();
    CHECK(admitted == 1000);  // 1600 tried, exactly the daily limit admitted
}

TEST_CASE("sqlite store: an unusable path is a clear error", "[store][sqlite]") {
    CHECK_THROWS_WITH(SqliteStore("/nonexistent-dir/x/nv.db"), Catch::Contains("cannot open the database"));
}

TEMPLATE_TEST_CASE("store: every quota rule, the day boundary and switched-off rules", "[store]", SqliteBackend,
                   RedisBackend, SentinelBackend, ClusterBackend) {
    TestType backend;
    auto store = backend.open();
    Store& s = *store;
    QuotaLimits l;
    l.number_interval_ms = 0;
    l.number_daily = 3;
    l.app_daily = 5;
    l.ip_limit = 4;
    l.ip_window_ms = 60'000;
    const std::int64_t t = kMidnight + 10 * 3'600'000;  // 10:00 Asia/Shanghai... of some day
    int token = 0;
    auto next = [&](const std::string& number, std::int64_t now, const std::string& ip) {
        return s.admit(adm(number, std::to_string(++token), now, ip), l);
    };
    // Per number per day.
    for (int i = 0; i < 3; ++i) REQUIRE(next("1", t + i, "ip-a").status == AdmitStatus::Admitted);
    const AdmitResult daily = next("1", t + 10, "ip-b");
    CHECK(daily.status == AdmitStatus::Limited);
    CHECK(daily.reason == Reason::NUMBER_DAILY_LIMIT);
    CHECK(daily.retry_after_sec == (ms_until_next_day(t + 10) + 999) / 1000);
    // The client IP's window: ip-a has 3, one more is allowed, then refused until the window closes.
    REQUIRE(next("2", t + 20, "ip-a").status == AdmitStatus::Admitted);
    const AdmitResult ip = next("3", t + 30, "ip-a");
    CHECK(ip.status == AdmitStatus::Limited);
    CHECK(ip.reason == Reason::IP_LIMIT);
    CHECK(ip.retry_after_sec == 60);
    // Per appKey per day: 4 so far; one more, then refused (whatever the number or IP).
    REQUIRE(next("4", t + 60'000, "ip-a").status == AdmitStatus::Admitted);
    const AdmitResult app = next("5", t + 60'001, "ip-c");
    CHECK(app.status == AdmitStatus::Limited);
    CHECK(app.reason == Reason::APP_DAILY_LIMIT);
    // No client IP: no IP rule (but the others still count).
    CHECK(next("6", t + 60'002, "").reason == Reason::APP_DAILY_LIMIT);
    // The next Asia/Shanghai day starts every daily count again.
    const std::int64_t tomorrow = t + ms_until_next_day(t);
    CHECK(next("1", tomorrow, "ip-a").status == AdmitStatus::Admitted);
    CHECK(next("5", tomorrow + 1, "ip-c").status == AdmitStatus::Admitted);
    // 0 switches a rule off.
    l.app_daily = 0;
    l.number_daily = 0;
    l.ip_limit = 0;
    for (int i = 0; i < 12; ++i) CHECK(next("1", tomorrow + 100 + i, "ip-a").status == AdmitStatus::Admitted);
}

Admission check(const std::string& number, std::int64_t now, const std::string& ip = "10.0.0.1",
                const std::string& token = "") {
    Admission a = adm(number, token, now, ip);
    a.check_only = true;
    return a;
}

TEMPLATE_TEST_CASE("store: a quota check decides as an admission would, and never counts or remembers", "[store]",
                   SqliteBackend, RedisBackend, SentinelBackend, ClusterBackend) {
    TestType backend;
    auto store = backend.open();
    Store& s = *store;
    QuotaLimits l;
    l.number_daily = 2;
    l.app_daily = 4;
    l.ip_limit = 3;
    l.ip_window_ms = 60'000;
    const std::int64_t t = kMidnight + 10 * 3'600'000;
    auto same = [](const AdmitResult& a, const AdmitResult& b) {
        CHECK(a.status == b.status);
        CHECK(a.reason == b.reason);
        CHECK(a.retry_after_sec == b.retry_after_sec);
    };

    SECTION("checks count nothing: many of them, then the admissions still get every unit") {
        // Far more checks than any limit allows admissions, of the same number, app and IP, with a token.
        for (int i = 0; i < 12; ++i) {
            CHECK(s.admit(check("1", t + i, "ip-a", "tok"), l).status == AdmitStatus::Admitted);
        }
        // The token a check carried was not remembered, and the counters are untouched: all three IP units, the
        // number's two daily ones (no 30 s interval was started), then the refusals a count would give.
        const AdmitResult first = s.admit(adm("1", "tok", t + 100, "ip-a"), l);
        REQUIRE(first.status == AdmitStatus::Admitted);
        CHECK(first.previous_last_ms == -1);
        REQUIRE(s.admit(adm("1", "tok2", t + 30'100, "ip-a"), l).status == AdmitStatus::Admitted);
        REQUIRE(s.admit(adm("2", "tok3", t + 30'200, "ip-a"), l).status == AdmitStatus::Admitted);
        // A check ignores used tokens (it is asked before a token exists), and is still admitted: the number 3,
        // its IP and the appKey have room.
        CHECK(s.admit(check("3", t + 30'300, "ip-b", "tok"), l).status == AdmitStatus::Admitted);
        CHECK(s.admit(adm("3", "tok", t + 30'300, "ip-b"), l).status == AdmitStatus::TokenUsed);
    }

    SECTION("TOO_SOON after an admission, with the retry seconds an admission gets") {
        REQUIRE(s.admit(adm("1", "a", t, "ip-a"), l).status == AdmitStatus::Admitted);
        const AdmitResult checked = s.admit(check("1", t + 10'000), l);
        CHECK(checked.status == AdmitStatus::Limited);
        CHECK(checked.reason == Reason::TOO_SOON);
        CHECK(checked.retry_after_sec == 20);
        // The same refusal as a real admission at that moment (which spends nothing either).
        same(checked, s.admit(adm("1", "b", t + 10'000), l));
        CHECK(s.admit(check("1", t + 29'999), l).retry_after_sec == 1);
        CHECK(s.admit(check("1", t + 30'000), l).status == AdmitStatus::Admitted);
        CHECK(s.admit(check("2", t + 10'000), l).status == AdmitStatus::Admitted);  // another number
    }

    SECTION("NUMBER_DAILY_LIMIT, IP_LIMIT and APP_DAILY_LIMIT, as an admission") {
        l.number_interval_ms = 0;
        REQUIRE(s.admit(adm("1", "a", t, "ip-a"), l).status == AdmitStatus::Admitted);
        REQUIRE(s.admit(adm("1", "b", t + 1, "ip-a"), l).status == AdmitStatus::Admitted);
        const AdmitResult daily = s.admit(check("1", t + 2, "ip-b"), l);
        CHECK(daily.reason == Reason::NUMBER_DAILY_LIMIT);
        CHECK(daily.retry_after_sec == (ms_until_next_day(t + 2) + 999) / 1000);
        same(daily, s.admit(adm("1", "c", t + 2, "ip-b"), l));
        REQUIRE(s.admit(adm("2", "d", t + 3, "ip-a"), l).status == AdmitStatus::Admitted);
        const AdmitResult ip = s.admit(check("3", t + 4, "ip-a"), l);
        CHECK(ip.reason == Reason::IP_LIMIT);
        CHECK(ip.retry_after_sec == 60);
        same(ip, s.admit(adm("3", "e", t + 4, "ip-a"), l));
        CHECK(s.admit(check("3", t + 4, ""), l).status == AdmitStatus::Admitted);  // no client IP: no IP rule
        REQUIRE(s.admit(adm("4", "f", t + 5, "ip-c"), l).status == AdmitStatus::Admitted);
        const AdmitResult app = s.admit(check("5", t + 6, "ip-d"), l);
        CHECK(app.reason == Reason::APP_DAILY_LIMIT);
        same(app, s.admit(adm("5", "g", t + 6, "ip-d"), l));
        // The next Asia/Shanghai day: allowed again.
        CHECK(s.admit(check("1", t + ms_until_next_day(t), "ip-a"), l).status == AdmitStatus::Admitted);
    }
}

TEMPLATE_TEST_CASE("store: the ledger counts per appKey and day", "[store]", SqliteBackend, RedisBackend, SentinelBackend, ClusterBackend) {
    TestType backend;
    auto store = backend.open();
    const std::int64_t day = shanghai_day(kMidnight);
    for (int i = 0; i < 5; ++i) store->record_result("app", day, "9000");
    store->record_result("app", day, "9001");
    store->record_result("app", day + 1, "9000");
    store->record_result("other", day, "9000");
    store->record_result("app", day, "aliyun:PASS");  // another vendor's answers count apart
    store->record_result("app", day, "aliyun:PASS");
    const UsageCounts u = store->usage("app", day);
    CHECK(u.at("aliyun:PASS") == 2);
    CHECK(u.size() == 3);
    CHECK(u.at("9000") == 5);
    CHECK(u.at("9001") == 1);
    CHECK(store->usage("app", day + 1).at("9000") == 1);
    CHECK(store->usage("other", day).at("9000") == 1);
    CHECK(store->usage("app", day - 1).empty());
}

TEMPLATE_TEST_CASE("store: SMS codes are single use, expire, and die after too many wrong tries", "[store]",
                   SqliteBackend, RedisBackend, SentinelBackend, ClusterBackend) {
    TestType backend;
    auto store = backend.open();
    Store& s = *store;
    const std::int64_t t = kMidnight;
    s.put_sms_code("app", "n1", "good", t + 300'000);
    CHECK(s.check_sms_code("app", "n1", "bad", t + 1, 3) == SmsCheck::Wrong);
    CHECK(s.check_sms_code("app", "n2", "good", t + 1, 3) == SmsCheck::Expired);  // another number
    CHECK(s.check_sms_code("app", "n1", "good", t + 2, 3) == SmsCheck::Ok);
    CHECK(s.check_sms_code("app", "n1", "good", t + 3, 3) == SmsCheck::Expired);  // used
    // Expiry.
    s.put_sms_code("app", "n1", "c2", t + 300'000);
    CHECK(s.check_sms_code("app", "n1", "c2", t + 300'000, 3) == SmsCheck::Expired);
    // Three wrong tries destroy the code, even the right one after them fails.
    s.put_sms_code("app", "n1", "c3", t + 300'000);
    CHECK(s.check_sms_code("app", "n1", "x", t + 1, 3) == SmsCheck::Wrong);
    CHECK(s.check_sms_code("app", "n1", "x", t + 2, 3) == SmsCheck::Wrong);
    CHECK(s.check_sms_code("app", "n1", "x", t + 3, 3) == SmsCheck::Wrong);
    CHECK(s.check_sms_code("app", "n1", "c3", t + 4, 3) == SmsCheck::Expired);
    // A new code replaces the old one.
    s.put_sms_code("app", "n1", "c4", t + 300'000);
    s.put_sms_code("app", "n1", "c5", t + 300'000);
    CHECK(s.check_sms_code("app", "n1", "c4", t + 1, 3) == SmsCheck::Wrong);
    CHECK(s.check_sms_code("app", "n1", "c5", t + 2, 3) == SmsCheck::Ok);
}

TEST_CASE("redis store: two stores (two servers) on one Redis never overspend together", "[store][redis]") {
    RedisBackend backend;
    auto a = backend.open();
    auto b = backend.open();
    QuotaLimits l;
    l.number_interval_ms = 30'000;
    l.number_daily = 10;
    l.ip_limit = 0;
    l.app_daily = 300;
    std::atomic<int> admitted{0}, same_number{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, t] {
            Store& s = t % 2 ? *a : *b;
            for (int i = 0; i < 100; ++i) {
                const std::string id = std::to_string(t) + ":" + std::to_string(i);
                if (s.admit(adm(id, id, kMidnight + i), l).status == AdmitStatus::Admitted) ++admitted;
                // Everyone also tries one shared number: the 30 s interval lets exactly one through.
                if (s.admit(adm("shared", "s" + id, kMidnight + i), l).status == AdmitStatus::Admitted) ++same_number;
            }
        });
    }
    for (auto& th : threads) th.join();
    CHECK(admitted + same_number == 300);  // the appKey's daily limit, across both
    CHECK(same_number == 1);
}

TEST_CASE("redis store: the admission script decides exactly as quota::admit", "[store][redis]") {
    RedisBackend backend;
    auto store = backend.open();
    nv::server::RedisConnection raw(redis_options(RedisBackend::server().port()));
    std::mt19937_64 rng(20261123);
    auto pick = [&](std::int64_t lo, std::int64_t hi) { return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng); };
    const std::string p = backend.prefix + ":{app}:";
    int admitted = 0, refused = 0;
    for (int i = 0; i < 2000; ++i) {
        const std::int64_t now = kMidnight + pick(-2 * kDayMs, 2 * kDayMs);
        const std::int64_t today = shanghai_day(now);
        QuotaState st;
        if (pick(0, 3) > 0) st.number = {today + pick(-1, 0), pick(0, 12), -1};
        if (pick(0, 3) > 0) st.number.last_ms = now - pick(0, 60'000);
        if (pick(0, 3) > 0) st.app = {today + pick(-1, 0), pick(0, 12)};
        if (pick(0, 3) > 0) st.ip = {now - pick(0, 120'000), pick(0, 12)};
        QuotaLimits l;
        l.number_interval_ms = pick(0, 1) ? 30'000 : 0;
        l.number_daily = pick(0, 11);
        l.app_daily = pick(0, 11);
        l.ip_limit = pick(0, 11);
        l.ip_window_ms = 60'000;
        const std::string n = std::to_string(i);
        // Write the state as the script keeps it.
        raw.command({"DEL", p + "n:n:" + n, p + "v:n:" + n, p + "a", p + "i:ip"});
        if (st.number.day >= 0) {
            raw.command({"HSET", p + "n:n:" + n, "d", std::to_string(st.number.day), "c", std::to_string(st.number.count)});
        }
        if (st.number.last_ms >= 0) raw.command({"SET", p + "v:n:" + n, std::to_string(st.number.last_ms)});
        if (st.app.start >= 0) {
            raw.command({"HSET", p + "a", "d", std::to_string(st.app.start), "c", std::to_string(st.app.count)});
        }
        if (st.ip.start >= 0) {
            raw.command({"HSET", p + "i:ip", "s", std::to_string(st.ip.start), "c", std::to_string(st.ip.count)});
        }
        const QuotaDecision want = nv::server::admit(st, l, now);
        INFO("case " << i << " now " << now);
        // A check first: the same decision, and not one key written or changed.
        const std::vector<std::string> keys{p + "n:n:" + n, p + "v:n:" + n, p + "a", p + "i:ip", p + "t:tok" + n};
        auto dump = [&] {
            std::string all;
            for (const auto& k : keys) all += k + "=" + raw.command({"DUMP", k}).str() + ";";
            return all;
        };
        const std::string before = dump();
        Admission checked{"app", "n:" + n, "ip", "tok" + n, now + 60'000, now};
        checked.check_only = true;
        const AdmitResult c = store->admit(checked, l);
        CHECK(dump() == before);
        CHECK((c.status == AdmitStatus::Admitted) == want.allowed);
        CHECK(c.reason == want.reason);
        CHECK(c.retry_after_sec == want.retry_after_sec);
        const AdmitResult got = store->admit(Admission{"app", "n:" + n, "ip", "tok" + n, now + 60'000, now}, l);
        if (want.allowed) {
            ++admitted;
            REQUIRE(got.status == AdmitStatus::Admitted);
            CHECK(got.previous_last_ms == st.number.last_ms);
            const RedisReply nr = raw.command({"HMGET", p + "n:n:" + n, "d", "c"});
            CHECK(nr.element(0).str() == std::to_string(want.next.number.day));
            CHECK(nr.element(1).str() == std::to_string(want.next.number.count));
            if (l.number_interval_ms > 0) {
                CHECK(raw.command({"GET", p + "v:n:" + n}).str() == std::to_string(want.next.number.last_ms));
                const std::int64_t ttl = raw.command({"PTTL", p + "v:n:" + n}).integer();
                CHECK(ttl > 0);
                CHECK(ttl <= l.number_interval_ms);
            }
            const RedisReply ar = raw.command({"HMGET", p + "a", "d", "c"});
            CHECK(ar.element(1).str() == std::to_string(want.next.app.count));
            if (l.ip_limit > 0) {
                const RedisReply ir = raw.command({"HMGET", p + "i:ip", "s", "c"});
                CHECK(ir.element(0).str() == std::to_string(want.next.ip.start));
                CHECK(ir.element(1).str() == std::to_string(want.next.ip.count));
            }
        } else {
            ++refused;
            REQUIRE(got.status == AdmitStatus::Limited);
            CHECK(got.reason == want.reason);
            CHECK(got.retry_after_sec == want.retry_after_sec);
        }
        raw.command({"DEL", p + "n:n:" + n, p + "v:n:" + n});
    }
    CHECK(admitted > 200);  // both branches were exercised
    CHECK(refused > 200);
}

TEST_CASE("redis store: every key expires on its own", "[store][redis]") {
    RedisBackend backend;
    auto store = backend.open();
    nv::server::RedisConnection raw(redis_options(RedisBackend::server().port()));
    // Real time here: the lifetimes are relative to the admission's clock.
    const std::int64_t now = 1'795'400'000'000;
    QuotaLimits l;
    REQUIRE(store->admit(Admission{"app", "num", "1.2.3.4", "tok", now + 120'000, now}, l).status == AdmitStatus::Admitted);
    store->record_result("app", shanghai_day(now), "9000");
    store->put_sms_code("app", "num", "h", now + 300'000);
    const RedisReply keys = raw.command({"KEYS", backend.prefix + ":*"});
    REQUIRE(keys.size() == 8);  // token, number, interval, app, ip, ledger, the ledger increment's mark, sms
    for (std::size_t i = 0; i < keys.size(); ++i) {
        const std::string k = keys.element(i).str();
        const std::int64_t ttl = raw.command({"PTTL", k}).integer();
        INFO(k << " PTTL " << ttl);
        CHECK(ttl > 0);
        CHECK(k.find(":{app}:") != std::string::npos);  // one hash tag per appKey (Redis Cluster slots)
        if (k.find(":t:") != std::string::npos) CHECK(ttl <= 120'000);
        if (k.find(":i:") != std::string::npos) CHECK(ttl <= l.ip_window_ms);
        if (k.find(":v:") != std::string::npos) CHECK(ttl <= l.number_interval_ms);  // the 30 s interval
        if (k.find(":r:") != std::string::npos) CHECK(ttl <= kDayMs);                 // an increment's mark
        if (k.find(":n:") != std::string::npos || k.rfind(":a") == k.size() - 2) {
            CHECK(ttl <= ms_until_next_day(now));  // the Asia/Shanghai day's end
            CHECK(ttl > ms_until_next_day(now) - 60'000);
        }
    }
}

TEST_CASE("redis store: unreachable is a clear error, it recovers by itself and keeps the books", "[store][redis]") {
    nv::test::RedisServer server;
    RedisStore store(redis_options(server.port()), "down");
    QuotaLimits l;
    REQUIRE(store.admit(adm("1", "a", kMidnight), l).status == AdmitStatus::Admitted);
    server.stop();
    CHECK_THROWS_AS(store.admit(adm("2", "b", kMidnight), l), StoreError);
    CHECK_THROWS_WITH(store.admit(adm("2", "b", kMidnight), l), Catch::Contains("127.0.0.1:" + std::to_string(server.port())));
    CHECK_FALSE(store.healthy("app"));
    // An answered verification while Redis is away: counted when it is back, not lost.
    CHECK_THROWS_AS(store.record_result("app", 7, "9000"), StoreError);
    CHECK(store.pending_results() == 1);
    server.start();  // same port, empty (no persistence in this test)
    // The store reconnects on its own (after its short reconnect pause).
    bool back = false;
    for (int i = 0; i < 100 && !back; ++i) {
        back = store.healthy("app");
        if (!back) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    REQUIRE(back);
    CHECK(store.pending_results() == 0);
    CHECK(store.usage("app", 7).at("9000") == 1);
    CHECK(store.admit(adm("2", "b", kMidnight), l).status == AdmitStatus::Admitted);
}

TEST_CASE("redis store: a ledger increment retried after a lost reply counts once", "[store][redis]") {
    RedisBackend backend;
    auto store = backend.open();
    auto& redis = static_cast<RedisStore&>(*store);
    // The same increment twice (as a retry after a timeout would send it), and two different ones.
    redis.record_result_once("app", 9, "9000", "id-1");
    redis.record_result_once("app", 9, "9000", "id-1");
    redis.record_result_once("app", 9, "9000", "id-2");
    redis.record_result("app", 9, "9001");
    redis.record_result("app", 9, "9001");
    const UsageCounts u = store->usage("app", 9);
    CHECK(u.at("9000") == 2);
    CHECK(u.at("9001") == 2);
}

// A self-signed certificate for 127.0.0.1 (its own CA): DIR/NAME.pem and DIR/NAME.key.
static void make_self_signed(const std::string& dir, const std::string& name) {
    const std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
                            "-addext subjectAltName=IP:127.0.0.1 -keyout " + dir + "/" + name + ".key -out " + dir + "/" +
                            name + ".pem 2>/dev/null";
    REQUIRE(std::system(cmd.c_str()) == 0);
}

TEST_CASE("redis store: AUTH, and TLS with the server's certificate verified", "[store][redis]") {
    SECTION("a password, right and wrong (never in the message)") {
        nv::test::RedisServer server({"--requirepass", "s3cret-pass"});
        RedisOptions o = redis_options(server.port());
        o.url.password = "wrong-pass";
        RedisStore bad(o, "auth");
        try {
            bad.usage("app", 1);
            FAIL("a wrong password was accepted");
        } catch (const StoreError& e) {
            CHECK_THAT(e.what(), Catch::Contains("authentication failed"));
            CHECK_THAT(e.what(), !Catch::Contains("wrong-pass"));
        }
        o.url.password = "s3cret-pass";
        RedisStore good(o, "auth");
        CHECK(good.healthy("app"));
        good.record_result("app", 1, "9000");
        CHECK(good.usage("app", 1).at("9000") == 1);
    }
    SECTION("rediss:// with a test CA; the system bundle and a wrong CA are refused") {
        char tmpl[] = "/tmp/nv-redis-tls-XXXXXX";
        const std::string dir = mkdtemp(tmpl);
        make_self_signed(dir, "server");
        make_self_signed(dir, "other");
        nv::test::RedisServer server({"--tls-cert-file", dir + "/server.pem", "--tls-key-file", dir + "/server.key",
                                      "--tls-ca-cert-file", dir + "/server.pem", "--tls-auth-clients", "no"},
                                     /*tls=*/true);
        RedisOptions o = redis_options(server.port());
        o.url.tls = true;
        o.ca_file = dir + "/server.pem";
        RedisStore good(o, "tls");
        CHECK(good.healthy("app"));
        good.record_result("app", 1, "9001");
        CHECK(good.usage("app", 1).at("9001") == 1);
        o.ca_file = "";  // the system bundle does not know the test CA
        RedisStore system(o, "tls");
        CHECK_THROWS_WITH(system.usage("app", 1), Catch::Contains("certificate"));
        o.ca_file = dir + "/other.pem";
        RedisStore other(o, "tls");
        CHECK_THROWS_WITH(other.usage("app", 1), Catch::Contains("certificate"));
        std::filesystem::remove_all(dir);
    }
}

// rediss-cluster:// and rediss-sentinel://: every node and sentinel speaks TLS only (the cluster bus and
// replication too), and each connection the store makes (to a node the slot map names, to a sentinel, to the
// master a sentinel names) verifies the certificate against the CA given; another CA is refused.
TEST_CASE("redis store: rediss-cluster:// and rediss-sentinel://, every certificate verified", "[store][redis][tls]") {
    char tmpl[] = "/tmp/nv-redis-tls-XXXXXX";
    const std::string dir = mkdtemp(tmpl);
    make_self_signed(dir, "server");
    make_self_signed(dir, "other");
    const std::string ca = dir + "/server.pem";
    std::vector<std::string> tls{"--tls-cert-file", ca, "--tls-key-file", dir + "/server.key", "--tls-ca-cert-file", ca,
                                 "--tls-auth-clients", "no", "--tls-replication", "yes"};
    std::string e;
    SECTION("Cluster") {
        std::vector<std::string> args = tls;
        args.insert(args.end(), {"--tls-cluster", "yes"});
        nv::test::RedisCluster cluster(3, 0, 5'000, args, ca);
        RedisOptions o;
        o.url = *parse_redis_url(cluster.url(), e);
        REQUIRE(o.url.tls);
        o.ca_file = ca;
        RedisStore store(o, "tlsc");
        std::set<int> owners;
        const int seed = cluster.nodes.front()->port();
        for (int app = 0; app < 12; ++app) {
            const std::string key = "app" + std::to_string(app);
            CHECK(store.healthy(key));
            Admission a = adm("1", "t", kMidnight);
            a.app_key = key;
            CHECK(store.admit(a, QuotaLimits{}).status == AdmitStatus::Admitted);
            const auto slots = nv::test::RedisCluster::ask(seed, {"CLUSTER", "SLOTS"}, ca);
            for (std::size_t i = 0; i < slots.size(); ++i) {
                const auto range = slots.element(i);
                if (range.element(0).integer() <= redis_key_slot(key) && redis_key_slot(key) <= range.element(1).integer()) {
                    owners.insert(static_cast<int>(range.element(2).element(1).integer()));
                }
            }
        }
        CHECK(owners.size() == 3);  // over TLS to all three masters
        o.ca_file = dir + "/other.pem";
        RedisStore wrong(o, "tlsc");
        CHECK_FALSE(wrong.healthy("app"));
        CHECK_THAT(wrong.health_error(), Catch::Contains("certificate"));
    }
    SECTION("Sentinel") {
        nv::test::RedisServer master(tls, /*tls=*/true);
        std::string conf;
        for (std::size_t i = 0; i + 1 < tls.size(); i += 2) conf += tls[i].substr(2) + " " + tls[i + 1] + "\n";
        std::vector<std::unique_ptr<nv::test::SentinelServer>> sentinels;
        std::string url = "rediss-sentinel://";
        for (int i = 0; i < 3; ++i) {
            sentinels.push_back(std::make_unique<nv::test::SentinelServer>(master.port(), "tlsm", 10'000, conf, true));
            url += (i ? ",127.0.0.1:" : "127.0.0.1:") + std::to_string(sentinels.back()->port());
        }
        RedisOptions o;
        o.url = *parse_redis_url(url + "/tlsm", e);
        REQUIRE(o.url.tls);
        o.ca_file = ca;
        RedisStore store(o, "tlss");
        CHECK(store.healthy("app"));
        INFO(store.health_error());
        CHECK(store.admit(adm("1", "t", kMidnight), QuotaLimits{}).status == AdmitStatus::Admitted);
        CHECK(store.admit(adm("2", "t", kMidnight), QuotaLimits{}).status == AdmitStatus::TokenUsed);
        o.ca_file = dir + "/other.pem";
        RedisStore wrong(o, "tlss");
        CHECK_FALSE(wrong.healthy("app"));
        CHECK_THAT(wrong.health_error(), Catch::Contains("certificate"));
    }
    std::filesystem::remove_all(dir);
}

// AUTH on a Cluster: every connection the store makes (to learn the map, to each node) authenticates; a wrong
// password is a clear error that names no secret, and not ready.
TEST_CASE("redis store: redis-cluster:// with a password", "[store][redis][cluster]") {
    nv::test::RedisCluster cluster(3, 1, 5'000, {}, "", "cl-s3cret");
    RedisOptions o = cluster_options(cluster);
    o.url.password = "cl-s3cret";
    RedisStore store(o, "auth");
    for (int app = 0; app < 6; ++app) {
        const std::string key = "app" + std::to_string(app);
        CHECK(store.healthy(key));
        Admission a = adm("1", "t", kMidnight);
        a.app_key = key;
        CHECK(store.admit(a, QuotaLimits{}).status == AdmitStatus::Admitted);  // WAITs for the replica too
    }
    o.url.password = "wrong-pass";
    RedisStore wrong(o, "auth");
    CHECK_FALSE(wrong.healthy("app"));
    CHECK_THAT(wrong.health_error(), Catch::Contains("authentication failed"));
    CHECK_THAT(wrong.health_error(), !Catch::Contains("wrong-pass"));
    o.url.password.clear();
    RedisStore none(o, "auth");
    CHECK_FALSE(none.healthy("app"));
    CHECK_THAT(none.health_error(), Catch::Contains("NOAUTH"));
}

// The readiness probe takes the operations' own path: where they fail for a store reason, it fails too.
TEST_CASE("redis store: a replica serves nothing and is not ready (READONLY)", "[store][redis]") {
    nv::test::RedisServer primary;
    nv::test::RedisServer replica({"--replicaof", "127.0.0.1", std::to_string(primary.port())});
    RedisStore on_primary(redis_options(primary.port()), "ro");
    RedisStore on_replica(redis_options(replica.port()), "ro");
    QuotaLimits l;
    CHECK(on_primary.healthy("app"));
    CHECK(on_primary.health_error().empty());
    CHECK_FALSE(on_replica.healthy("app"));
    CHECK_THAT(on_replica.health_error(), Catch::Contains("READONLY"));
    CHECK_THROWS_WITH(on_replica.admit(adm("1", "ro-a", kMidnight), l), Catch::Contains("READONLY"));
    CHECK(on_primary.admit(adm("1", "ro-a", kMidnight), l).status == AdmitStatus::Admitted);
}

// redis:// is one server, even when that server is a Cluster node: exactly one node (the owner of the appKey's
// slot) serves the appKey, and the probe is true exactly there (before, /healthz said ok on every node). A
// Cluster is given as redis-cluster:// (below).
TEST_CASE("redis store: redis:// to a Redis Cluster node: only the slot's owner serves the appKey, and only it is ready", "[store][redis][cluster]") {
    auto& cluster = ClusterBackend::cluster();
    QuotaLimits l;
    int serving = 0;
    for (std::size_t i = 0; i < cluster.nodes.size(); ++i) {
        RedisStore store(redis_options(cluster.nodes[i]->port()), "cl" + random_hex(4));
        const bool ready = store.healthy("app");
        bool admitted = false;
        std::string error;
        try {
            admitted = store.admit(adm("1", "cl-" + std::to_string(i), kMidnight), l).status == AdmitStatus::Admitted;
        } catch (const StoreError& e) {
            error = e.what();
        }
        CHECK(ready == admitted);
        if (!admitted) {
            CHECK_THAT(error, Catch::Contains("MOVED"));
            CHECK_THAT(store.health_error(), Catch::Contains("MOVED"));
        }
        serving += admitted ? 1 : 0;
    }
    CHECK(serving == 1);  // of three masters and three replicas
}

TEST_CASE("redis store: a key's Cluster slot is Redis's own (CRC16 of the hash tag)", "[store][redis][cluster]") {
    CHECK(redis_key_slot("123456789") == 0x31C3);  // the CRC16/XMODEM check value
    CHECK(redis_key_slot("foo") == 12182);
    CHECK(redis_key_slot("{user1000}.following") == redis_key_slot("{user1000}.followers"));
    CHECK(redis_key_slot("{}x") != redis_key_slot("{}y"));  // an empty tag is no tag: the whole key counts
    CHECK(redis_key_slot("nv:{app}:t:1") == redis_key_slot("app"));
    // And for keys of every shape, what the server itself says.
    const int port = ClusterBackend::cluster().nodes.front()->port();
    std::mt19937 rng(7);
    const std::string alphabet = std::string("ab{}:\x01\xff") + "0";
    for (int i = 0; i < 300; ++i) {
        std::string k;
        for (int j = static_cast<int>(rng() % 12); j >= 0; --j) k += alphabet[rng() % alphabet.size()];
        INFO(k);
        CHECK(redis_key_slot(k) == nv::test::RedisCluster::ask(port, {"CLUSTER", "KEYSLOT", k}).integer());
    }
}

TEST_CASE("redis store: redis-cluster:// given any one node serves every appKey, SMS keys included", "[store][redis][cluster]") {
    auto& cluster = ClusterBackend::cluster();
    QuotaLimits l;
    for (auto& node : cluster.nodes) {  // masters and replicas alike: the rest is learned from the slot map
        RedisOptions o = cluster_options(cluster);
        o.url.cluster_nodes = {{"127.0.0.1", node->port()}};
        RedisStore store(o, "one" + random_hex(4));
        std::set<int> owners;
        for (int app = 0; app < 12; ++app) {
            const std::string key = "app" + std::to_string(app);
            owners.insert(nv::test::RedisCluster::owner_port(node->port(), redis_key_slot(key)));
            CHECK(store.healthy(key));
            Admission a = adm("1", "t", kMidnight);
            a.app_key = key;
            CHECK(store.admit(a, l).status == AdmitStatus::Admitted);
            CHECK(store.admit(a, l).status == AdmitStatus::TokenUsed);
            a.app_key = "sms:" + key;  // the SMS fallback's quota: its own slot
            CHECK(store.admit(a, l).status == AdmitStatus::Admitted);
            store.put_sms_code(key, "n", "h", kMidnight + 300'000);
            CHECK(store.check_sms_code(key, "n", "h", kMidnight, 3) == SmsCheck::Ok);
        }
        CHECK(owners.size() == 3);  // the appKeys were spread over all three masters
    }
    // Not a cluster: a clear error, and not ready.
    RedisOptions o = cluster_options(cluster);
    o.url.cluster_nodes = {{"127.0.0.1", RedisBackend::server().port()}};
    RedisStore plain(o, "x");
    CHECK_FALSE(plain.healthy("app"));
    CHECK_THAT(plain.health_error(), Catch::Contains("CLUSTER SLOTS"));
    o.url.cluster_nodes = {{"127.0.0.1", nv::test::free_loopback_port()}};
    RedisStore nobody(o, "x");
    CHECK_THROWS_WITH(nobody.admit(adm("1", "s", kMidnight), l), Catch::Contains("no Redis Cluster node gave the slot map"));
}

// The appKey's slot moved to another master while admissions run (redis-cli --cluster reshard): MOVED, ASK and
// TRYAGAIN are followed, every admission is answered (none fails for the move), and the counts stay exact.
TEST_CASE("redis store: Cluster resharding under load: the appKey's slot moves, every admission is answered, quotas stay exact", "[store][redis][cluster]") {
    nv::test::RedisCluster cluster;
    const int seed = cluster.nodes.front()->port();
    // An appKey whose slot is among the first few of its master's range: reshard moves a master's lowest slots.
    std::string app;
    int slot = 0, from = 0, first = 0;
    {
        const auto r = nv::test::RedisCluster::ask(seed, {"CLUSTER", "SLOTS"});
        for (int i = 0; app.empty(); ++i) {
            const std::string k = "rs" + std::to_string(i);
            for (std::size_t j = 0; j < r.size(); ++j) {
                const auto range = r.element(j);
                const int lo = static_cast<int>(range.element(0).integer());
                if (redis_key_slot(k) >= lo && redis_key_slot(k) < lo + 8) {
                    app = k;
                    slot = redis_key_slot(k);
                    first = lo;
                    from = static_cast<int>(range.element(2).element(1).integer());
                }
            }
        }
    }
    int to = 0;
    for (auto& n : cluster.nodes) {
        const int p = n->port();
        if (p != from && nv::test::RedisCluster::ask(p, {"ROLE"}).element(0).str() == "master") to = p;
    }
    REQUIRE(to != 0);
    const std::string from_id = nv::test::RedisCluster::ask(from, {"CLUSTER", "MYID"}).str();
    const std::string to_id = nv::test::RedisCluster::ask(to, {"CLUSTER", "MYID"}).str();

    RedisStore store(cluster_options(cluster), "rs");
    QuotaLimits l;
    l.number_interval_ms = 0;
    l.number_daily = 4;  // each number is tried 8 times in a row: exactly 4 are admitted, whatever the move does
    l.app_daily = 0;
    l.ip_limit = 0;
    std::atomic<bool> stop{false}, moving{false};
    std::atomic<int> admitted{0}, limited{0}, failed{0}, during_move{0}, overspent{0}, underspent{0};
    std::atomic<long long> slowest_us{0};
    std::string first_error;
    std::mutex error_mu;
    std::vector<std::thread> load;
    for (int t = 0; t < 4; ++t) {
        load.emplace_back([&, t] {
            int in_group = 0;
            for (int i = 0; !stop || i % 8 != 0; ++i) {  // whole groups of 8
                Admission a = adm(std::to_string(t) + "-" + std::to_string(i / 8), std::to_string(t) + "-" + std::to_string(i),
                                  kMidnight + i);
                a.app_key = app;
                const auto began = std::chrono::steady_clock::now();
                const bool in_move = moving;
                try {
                    if (store.admit(a, l).status == AdmitStatus::Admitted) {
                        ++admitted;
                        ++in_group;
                    } else {
                        ++limited;
                    }
                } catch (const StoreError& e) {
                    ++failed;
                    std::lock_guard lock(error_mu);
                    if (first_error.empty()) first_error = e.what();
                }
                if (in_move) {
                    ++during_move;
                    const long long us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - began).count();
                    if (us > slowest_us) slowest_us = us;
                }
                if (i % 8 == 7) {
                    if (in_group > 4) ++overspent;
                    if (in_group < 4) ++underspent;
                    in_group = 0;
                }
            }
        });
    }
    // Load (and keys) in the slot before the move: at least 400 answers, however slow the machine.
    for (int i = 0; i < 600 && admitted + limited + failed < 400; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    moving = true;
    const auto began = std::chrono::steady_clock::now();
    const std::string reshard = "redis-cli --cluster reshard 127.0.0.1:" + std::to_string(seed) + " --cluster-from " +
                                from_id + " --cluster-to " + to_id + " --cluster-slots " +
                                std::to_string(slot - first + 1) + " --cluster-yes >/dev/null 2>&1";
    const int rc = std::system(reshard.c_str());
    const auto move_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - began).count();
    moving = false;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    stop = true;
    for (auto& th : load) th.join();
    REQUIRE(rc == 0);
    CHECK(nv::test::RedisCluster::owner_port(seed, slot) == to);  // it really moved
    const auto& followed = *store.redirects();
    std::printf("cluster reshard: slot %d moved in %lld ms; %d admissions answered during the move, the slowest in "
                "%.1f ms; %d admitted, %d refused by quota, %d failed in all; followed %lld MOVED, %lld ASK, %lld "
                "TRYAGAIN\n",
                slot, static_cast<long long>(move_ms), during_move.load(), static_cast<double>(slowest_us.load()) / 1000.0,
                admitted.load(), limited.load(), failed.load(), static_cast<long long>(followed.moved.load()),
                static_cast<long long>(followed.ask.load()), static_cast<long long>(followed.tryagain.load()));
    CHECK(followed.moved > 0);  // the move was seen and followed
    // How many admissions met the move half done (ASK, TRYAGAIN) depends on timing: a move once took 30 ms under
    // ASan and none did. The next test holds a slot in that state on purpose.
    INFO(first_error);
    CHECK(failed == 0);
    CHECK(overspent == 0);   // no number got more than its daily 4 across the move
    CHECK(underspent == 0);  // nor fewer (no admission counted but not answered)
    CHECK(admitted == limited);
    // The appKey's own counter (on the slot's new master) counted each admission exactly once.
    CHECK(nv::test::RedisCluster::ask(to, {"HGET", "rs:{" + app + "}:a", "c"}).str() == std::to_string(admitted.load()));
    CHECK(store.healthy(app));
}

// A slot held half migrated (CLUSTER SETSLOT MIGRATING/IMPORTING, keys moved by hand): a key that has left is
// asked of the importing master (ASK, then ASKING); an admission whose keys are split between the masters, or
// that creates keys on the importing one, gets TRYAGAIN and is retried (ASK, TRYAGAIN, ...) until the move
// completes, 500 ms later, and then follows MOVED. Every one is answered and counted once.
TEST_CASE("redis store: Cluster slot held in migration: TRYAGAIN retried, ASK followed, MOVED followed, counts exact", "[store][redis][cluster]") {
    nv::test::RedisCluster cluster(3, 0);
    const int seed = cluster.nodes.front()->port();
    const std::string app = "mig";
    const std::string slot = std::to_string(redis_key_slot(app));
    const int from = nv::test::RedisCluster::owner_port(seed, redis_key_slot(app));
    int to = 0;
    for (auto& n : cluster.nodes) {
        if (n->port() != from) to = n->port();
    }
    const std::string from_id = nv::test::RedisCluster::ask(from, {"CLUSTER", "MYID"}).str();
    const std::string to_id = nv::test::RedisCluster::ask(to, {"CLUSTER", "MYID"}).str();
    const std::string to_port = std::to_string(to);
    auto keys_on = [&](int port) {
        std::vector<std::string> keys;
        const auto r = nv::test::RedisCluster::ask(port, {"CLUSTER", "GETKEYSINSLOT", slot, "1000"});
        for (std::size_t i = 0; i < r.size(); ++i) keys.push_back(r.element(i).str());
        return keys;
    };
    auto migrate = [&](const std::string& key) {
        return nv::test::RedisCluster::ask(from, {"MIGRATE", "127.0.0.1", to_port, key, "0", "5000"}).str();
    };

    RedisStore store(cluster_options(cluster), "mg");
    QuotaLimits l;
    l.number_interval_ms = 0;
    l.number_daily = 3;
    l.app_daily = 0;
    l.ip_limit = 0;
    auto admit = [&](const std::string& number, int i) {
        Admission a = adm(number, number + "-" + std::to_string(i), kMidnight + i);
        a.app_key = app;
        return store.admit(a, l).status;
    };
    REQUIRE(admit("x", 0) == AdmitStatus::Admitted);
    REQUIRE(admit("y", 1) == AdmitStatus::Admitted);

    nv::test::RedisCluster::ask(to, {"CLUSTER", "SETSLOT", slot, "IMPORTING", from_id});
    nv::test::RedisCluster::ask(from, {"CLUSTER", "SETSLOT", slot, "MIGRATING", to_id});
    // Every key but number x's leaves: an admission of x touches both masters' keys.
    std::string x_key;
    for (const auto& k : keys_on(from)) {
        if (k.find("n:x") != std::string::npos) {
            x_key = k;
        } else {
            REQUIRE(migrate(k) == "OK");
        }
    }
    REQUIRE(!x_key.empty());
    // The readiness probe's key is not on the migrating master: ASK, and the importing master writes it.
    CHECK(store.healthy(app));
    CHECK(store.redirects()->ask > 0);
    // x meets TRYAGAIN until its last key has moved (300 ms later) and the slot is handed over (200 ms after that).
    std::string last;
    std::thread finish([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        last = migrate(x_key);
        // All keys on the importing master, the slot not yet handed over: x's new keys there get TRYAGAIN, after
        // an ASK each time, for 200 ms (more ASKs than a call's redirect cap: they are not redirects to give up on).
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        for (auto& n : cluster.nodes) nv::test::RedisCluster::ask(n->port(), {"CLUSTER", "SETSLOT", slot, "NODE", to_id});
    });
    const auto began = std::chrono::steady_clock::now();
    std::string error;
    AdmitStatus x = AdmitStatus::Limited;
    try {
        x = admit("x", 2);
    } catch (const StoreError& e) {
        error = e.what();
    }
    const auto waited = std::chrono::steady_clock::now() - began;
    finish.join();
    INFO(error);
    CHECK(last == "OK");
    CHECK(x == AdmitStatus::Admitted);
    CHECK(waited >= std::chrono::milliseconds(450));  // it waited for the move instead of failing
    CHECK(store.redirects()->tryagain > 0);
    CHECK(keys_on(from).empty());
    CHECK(admit("y", 3) == AdmitStatus::Admitted);
    CHECK(admit("y", 4) == AdmitStatus::Admitted);
    CHECK(admit("y", 5) == AdmitStatus::Limited);  // y's daily 3, counted across both masters exactly once each
    CHECK(admit("x", 6) == AdmitStatus::Admitted);
    CHECK(admit("x", 7) == AdmitStatus::Limited);
    CHECK(store.redirects()->moved > 0);
    CHECK(nv::test::RedisCluster::owner_port(seed, redis_key_slot(app)) == to);
    CHECK(store.healthy(app));
}

// One writer admits without pause; after 200 warm-up admissions (connections, the slot map) and 1,000 measured
// ones, `kill` takes the master down (SIGKILL). Until service has been back for 500 ms (at most 60 s): every
// answer is an admission or StoreError (503), and every tenth round the readiness probe is read. Afterwards every
// acknowledged token must still be used. Prints the rate, the failover time and the counts under `name`.
static void failover_under_load(const char* name, RedisStore& store, int wait_replicas, const std::function<void()>& kill) {
    using clock = std::chrono::steady_clock;
    QuotaLimits l;
    l.number_interval_ms = 0;
    l.number_daily = 0;
    l.app_daily = 0;
    l.ip_limit = 0;
    std::vector<std::string> acknowledged;
    int refused = 0, other = 0;
    bool killed = false, seen_unready = false;
    clock::time_point started, kill_at, back_at, ready_at;
    const auto deadline = clock::now() + std::chrono::seconds(60);
    for (int i = 0; clock::now() < deadline; ++i) {
        if (i == 200) started = clock::now();
        if (i == 1200) {
            kill_at = clock::now();
            std::printf("%s: %.0f sequential admissions/s before the failover (WAIT for %d replica)\n", name,
                        1000 / std::chrono::duration<double>(kill_at - started).count(), wait_replicas);
            kill();
            killed = true;
        }
        const std::string token = std::string(name) + "-" + std::to_string(i);
        try {
            const AdmitResult r = store.admit(adm(std::to_string(i), token, kMidnight + i), l);
            if (r.status == AdmitStatus::Admitted) {
                acknowledged.push_back(token);
                if (killed && back_at == clock::time_point{}) back_at = clock::now();
            } else {
                ++other;
            }
        } catch (const StoreError&) {
            ++refused;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        if (killed && i % 10 == 0) {
            const bool ready = store.healthy("app");
            if (!ready && back_at == clock::time_point{}) seen_unready = true;
            if (ready && ready_at == clock::time_point{}) ready_at = clock::now();
        }
        if (back_at != clock::time_point{} && ready_at != clock::time_point{} &&
            clock::now() - back_at > std::chrono::milliseconds(500)) {
            break;
        }
    }
    REQUIRE(back_at != clock::time_point{});
    const auto failover_ms = std::chrono::duration_cast<std::chrono::milliseconds>(back_at - kill_at).count();
    std::printf("%s failover: service back %lld ms after kill -9 of the master; %d admissions refused (503) "
                "meanwhile, %zu acknowledged in all\n",
                name, static_cast<long long>(failover_ms), refused, acknowledged.size());
    CHECK(other == 0);           // only admissions or store errors while it failed over
    CHECK(refused > 0);          // the outage was seen, not hidden
    CHECK(seen_unready);         // not ready while no master served the appKey
    CHECK(ready_at != clock::time_point{});
    CHECK(failover_ms < 30'000);  // the failover's own time, with a wide margin for slow CI
    int lost = 0;
    for (std::size_t i = 0; i < acknowledged.size(); ++i) {
        if (store.admit(adm("again" + std::to_string(i), acknowledged[i], kMidnight + 100'000), l).status !=
            AdmitStatus::TokenUsed) {
            ++lost;
        }
    }
    std::printf("%s failover: %d of %zu acknowledged tokens passed again after the failover\n", name, lost,
                acknowledged.size());
    CHECK(lost == 0);
}

// kill -9 of the master that owns the appKey's slot, under load: its replica is promoted by the cluster, the
// store follows (answering admissions or StoreError, 503, meanwhile), the probe is false while no master serves
// the slot and true after, and with WAIT every acknowledged token is still used.
TEST_CASE("redis store: Cluster failover under load: the slot's replica takes over, no acknowledged token is lost", "[store][redis][cluster]") {
    nv::test::RedisCluster cluster(3, 1, 2'000);
    RedisOptions fo = cluster_options(cluster);
    if (std::getenv("NV_TEST_NO_WAIT")) fo.wait_replicas = 0;  // to measure what WAIT costs (docs/server.md)
    RedisStore store(fo, "cf");
    const int owner = nv::test::RedisCluster::owner_port(cluster.nodes.front()->port(), redis_key_slot("app"));
    int replica = 0;
    for (auto& n : cluster.nodes) {
        const auto role = nv::test::RedisCluster::ask(n->port(), {"ROLE"});
        if (role.element(0).str() == "slave" && role.element(2).integer() == owner) replica = n->port();
    }
    REQUIRE(replica != 0);
    failover_under_load("cluster", store, fo.wait_replicas, [&] { cluster.node(owner).stop(); });
    CHECK(nv::test::RedisCluster::ask(replica, {"ROLE"}).element(0).str() == "master");
}

// kill -9 of the master under load: a sentinel promotes the replica and the store follows it, answering only
// admissions or StoreError (503) meanwhile; with WAIT every acknowledged token is still used afterwards.
TEST_CASE("redis store: Sentinel failover under load: follows the new master, loses no acknowledged token", "[store][redis][sentinel]") {
    SentinelTopology t("nvfailover", 1'000);
    RedisOptions fo = t.options();
    if (std::getenv("NV_TEST_NO_WAIT")) fo.wait_replicas = 0;
    RedisStore store(fo, "fo");
    failover_under_load("sentinel", store, fo.wait_replicas, [&] { t.primary.stop(); });
    nv::server::RedisConnection promoted(redis_options(t.replica.port()));  // the replica is the master now
    CHECK(promoted.command({"ROLE"}).element(0).str() == "master");
}

TEST_CASE("redis store: Sentinel names the master, and a named server that is not a master is refused (ROLE)", "[store][redis][sentinel]") {
    SentinelBackend b;
    auto store = b.open();
    CHECK(store->healthy("app"));
    // A sentinel whose "master" is in fact a replica (a stale answer, as during a failover): never written to.
    SentinelTopology& t = SentinelBackend::topology();
    nv::test::SentinelServer liar(t.replica.port(), "liar", 60'000);
    RedisOptions o = t.options();
    o.url.sentinels = {{"127.0.0.1", liar.port()}};
    o.url.master_name = "liar";
    RedisStore stale(o, "x");
    CHECK_FALSE(stale.healthy("app"));
    CHECK_THAT(stale.health_error(), Catch::Contains("is not the master of \"liar\""));
    CHECK_THROWS_WITH(stale.admit(adm("1", "s", kMidnight), QuotaLimits{}), Catch::Contains("asking the sentinels again"));
    // Sentinels that do not know the name: a clear error, naming it, and not ready.
    o = t.options();
    o.url.master_name = "nosuchmaster";
    RedisStore unknown(o, "x");
    CHECK_FALSE(unknown.healthy("app"));
    CHECK_THAT(unknown.health_error(), Catch::Contains("nosuchmaster"));
    // No sentinel reachable at all.
    o.url.sentinels = {{"127.0.0.1", nv::test::free_loopback_port()}};
    RedisStore nobody(o, "x");
    CHECK_THROWS_WITH(nobody.admit(adm("1", "s", kMidnight), QuotaLimits{}), Catch::Contains("no sentinel named a master"));
}

// A sentinel that has not heard of a failover names the old master (here: the replica, as one demoted after a
// failover would be). Listed first, it does not cost a request: the next sentinel's answer is tried at once.
TEST_CASE("redis store: Sentinel: a stale sentinel first in the URL is passed over within the same attempt", "[store][redis][sentinel]") {
    SentinelTopology t("nvorder");
    nv::test::SentinelServer stale(t.replica.port(), "nvorder", 60'000);
    RedisOptions o = t.options();
    o.url.sentinels.insert(o.url.sentinels.begin(), {"127.0.0.1", stale.port()});
    RedisStore store(o, "order");
    CHECK(store.healthy("app"));  // the first probe already: no failed request before the right master is found
    CHECK(store.health_error().empty());
    CHECK(store.admit(adm("1", "o", kMidnight), QuotaLimits{}).status == AdmitStatus::Admitted);
    nv::server::RedisConnection primary(redis_options(t.primary.port()));
    CHECK(primary.command({"EXISTS", "order:{app}:t:t:o"}).integer() == 1);  // written to the real master
}

TEST_CASE("redis store: URLs", "[store][redis]") {
    std::string e;
    auto u = parse_redis_url("redis://127.0.0.1:6380/2", e);
    REQUIRE(u);
    CHECK(u->host == "127.0.0.1");
    CHECK(u->port == 6380);
    CHECK(u->db == 2);
    CHECK_FALSE(u->tls);
    u = parse_redis_url("rediss://app:p%40ss@redis.internal", e);
    REQUIRE(u);
    CHECK(u->tls);
    CHECK(u->port == 6379);
    CHECK(u->user == "app");
    CHECK(u->password == "p@ss");
    u = parse_redis_url("redis://:only-pass@[::1]:7000", e);
    REQUIRE(u);
    CHECK(u->host == "::1");
    CHECK(u->password == "only-pass");
    CHECK(u->user.empty());
    for (const char* bad : {"http://x", "redis://", "redis://host:0", "redis://host:99999", "redis://host/x",
                            "redis://host:12a", "redis://a:%zz@host"}) {
        INFO(bad);
        CHECK_FALSE(parse_redis_url(bad, e));
        CHECK_FALSE(e.empty());
    }
    CHECK(redacted_redis_url("redis://app:secret@h:1/0") == "redis://app:***@h:1/0");
    CHECK(redacted_redis_url("redis://h:1/0") == "redis://h:1/0");

    // Sentinel: the sentinels (port 26379 by default), the master's name, the database.
    u = parse_redis_url("redis-sentinel://:pw@10.0.0.1,10.0.0.2:26380,[::1]:5000/mymaster/3", e);
    REQUIRE(u);
    CHECK_FALSE(u->tls);
    CHECK(u->sentinels == std::vector<std::pair<std::string, int>>{{"10.0.0.1", 26379}, {"10.0.0.2", 26380}, {"::1", 5000}});
    CHECK(u->master_name == "mymaster");
    CHECK(u->db == 3);
    CHECK(u->password == "pw");
    u = parse_redis_url("rediss-sentinel://s1:26379/m", e);
    REQUIRE(u);
    CHECK(u->tls);
    CHECK(u->db == 0);
    CHECK(u->master_name == "m");
    for (const char* bad : {"redis-sentinel://s1", "redis-sentinel://s1/", "redis-sentinel://s1,/m", "redis-sentinel://s1:0/m",
                            "redis-sentinel://s1/m/x", "redis-sentinels://s1/m"}) {
        INFO(bad);
        CHECK_FALSE(parse_redis_url(bad, e));
        CHECK_FALSE(e.empty());
    }
    CHECK(redacted_redis_url("redis-sentinel://:secret@s1,s2/m") == "redis-sentinel://:***@s1,s2/m");

    // Cluster: the nodes to learn the map from (port 6379 by default), database 0 only.
    u = parse_redis_url("redis-cluster://app:pw@10.0.0.1,10.0.0.2:7001,[::1]:7002", e);
    REQUIRE(u);
    CHECK_FALSE(u->tls);
    CHECK(u->cluster_nodes == std::vector<std::pair<std::string, int>>{{"10.0.0.1", 6379}, {"10.0.0.2", 7001}, {"::1", 7002}});
    CHECK(u->user == "app");
    CHECK(u->password == "pw");
    CHECK(u->sentinels.empty());
    u = parse_redis_url("rediss-cluster://n1:7000/0", e);
    REQUIRE(u);
    CHECK(u->tls);
    for (const char* bad : {"redis-cluster://", "redis-cluster://n1:7000/1", "redis-cluster://n1,,n2", "redis-cluster://n1:0",
                            "redis-clusters://n1"}) {
        INFO(bad);
        CHECK_FALSE(parse_redis_url(bad, e));
        CHECK_FALSE(e.empty());
    }
    CHECK_THAT((parse_redis_url("redis-cluster://n1/2", e), e), Catch::Contains("only database 0"));
}
