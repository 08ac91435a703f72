// The SQLite store: admission is atomic and ordered (a used token first, then quotas), refunds give quota
// back, the ledger counts, and all of it survives closing and reopening the file.
#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <thread>

#include "calendar.hpp"
#include "sqlite_store.hpp"

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

}  // namespace

TEST_CASE("sqlite store: tokens are single use until they expire", "[store]") {
    TempDb db;
    SqliteStore s(db.path());
    QuotaLimits l;
    CHECK(s.admit(adm("1", "tok", kMidnight), l).status == AdmitStatus::Admitted);
    CHECK(s.admit(adm("2", "tok", kMidnight + 60'000), l).status == AdmitStatus::TokenUsed);
    // After its lifetime a token is forgotten (the vendor refuses it then anyway, as expired).
    CHECK(s.admit(adm("3", "tok", kMidnight + 120'001), l).status == AdmitStatus::Admitted);
}

TEST_CASE("sqlite store: quotas, refusals that spend nothing, refunds", "[store]") {
    TempDb db;
    SqliteStore s(db.path());
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

TEST_CASE("sqlite store: state survives a restart", "[store]") {
    TempDb db;
    QuotaLimits l;
    l.number_interval_ms = 0;
    {
        SqliteStore s(db.path());
        for (int i = 0; i < 10; ++i) {
            REQUIRE(s.admit(adm("1", "t" + std::to_string(i), kMidnight + i), l).status == AdmitStatus::Admitted);
        }
        s.record_result("app", shanghai_day(kMidnight), 9000);
        s.record_result("app", shanghai_day(kMidnight), 9000);
        s.record_result("app", shanghai_day(kMidnight), 9001);
    }
    SqliteStore s(db.path());
    const AdmitResult r = s.admit(adm("1", "t10", kMidnight + 100), l);
    CHECK(r.status == AdmitStatus::Limited);
    CHECK(r.reason == Reason::NUMBER_DAILY_LIMIT);
    CHECK(s.admit(adm("2", "t0", kMidnight + 100), l).status == AdmitStatus::TokenUsed);
    const UsageCounts u = s.usage("app", shanghai_day(kMidnight));
    CHECK(u.at(9000) == 2);
    CHECK(u.at(9001) == 1);
    CHECK(s.usage("app", shanghai_day(kMidnight) + 1).empty());
    CHECK(s.usage("other", shanghai_day(kMidnight)).empty());
    CHECK(s.healthy());
}

TEST_CASE("sqlite store: concurrent admissions never overspend", "[store]") {
    TempDb db;
    SqliteStore s(db.path());
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

TEST_CASE("sqlite store: an unusable path is a clear error", "[store]") {
    CHECK_THROWS_WITH(SqliteStore("/nonexistent-dir/x/nv.db"), Catch::Contains("cannot open the database"));
}
