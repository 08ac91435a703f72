#include "store/sqlite_store.hpp"

#include <sqlite3.h>

#include "rules/calendar.hpp"

namespace nv::server {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS quota_number(
    app_key TEXT NOT NULL, number_key TEXT NOT NULL, day INTEGER NOT NULL, count INTEGER NOT NULL,
    last_ms INTEGER NOT NULL, PRIMARY KEY(app_key, number_key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS quota_app(
    app_key TEXT PRIMARY KEY, day INTEGER NOT NULL, count INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS quota_ip(
    ip TEXT PRIMARY KEY, start INTEGER NOT NULL, count INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS used_tokens(
    token_key TEXT PRIMARY KEY, expires_ms INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sms_codes(
    app_key TEXT NOT NULL, number_key TEXT NOT NULL, code_hash TEXT NOT NULL, expires_ms INTEGER NOT NULL,
    attempts INTEGER NOT NULL, PRIMARY KEY(app_key, number_key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ledger(
    app_key TEXT NOT NULL, day INTEGER NOT NULL, code INTEGER NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY(app_key, day, code)) WITHOUT ROWID;
)sql";

// Expired tokens and stale counters are swept every this many admissions (cheap, and bounded in size).
constexpr std::uint64_t kPurgeEvery = 4096;


}  // namespace

struct Stmt {
    sqlite3_stmt* s = nullptr;
    ~Stmt() { sqlite3_finalize(s); }
};

struct SqliteStore::Statements {
    Stmt begin, begin_read, commit, rollback;
    Stmt token_get, token_put;
    Stmt number_get, number_put, app_get, app_put, ip_get, ip_put;
    Stmt ledger_add, ledger_get;
    Stmt purge_tokens, purge_numbers, purge_ips;
    Stmt sms_put, sms_get, sms_attempt, sms_delete;
};

namespace {

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
    throw StoreError("SQLite " + what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

void prepare(sqlite3* db, Stmt& st, const char* sql) {
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st.s, nullptr) != SQLITE_OK) fail(db, "prepare");
}

// Binds by position, steps once, and leaves the statement ready for column reads; reset() after use.
class Run {
public:
    Run(sqlite3* db, Stmt& st) : db_(db), s_(st.s) {}
    ~Run() {
        sqlite3_reset(s_);
        sqlite3_clear_bindings(s_);
    }
    Run& text(const std::string& v) {
        sqlite3_bind_text(s_, ++i_, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
        return *this;
    }
    Run& integer(std::int64_t v) {
        sqlite3_bind_int64(s_, ++i_, v);
        return *this;
    }
    bool row() {  // SQLITE_ROW: true; SQLITE_DONE: false; anything else throws
        const int rc = sqlite3_step(s_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        fail(db_, "step");
    }
    std::int64_t col(int i) const { return sqlite3_column_int64(s_, i); }
    std::string text_col(int i) const {
        const auto* t = sqlite3_column_text(s_, i);
        return t ? std::string(reinterpret_cast<const char*>(t), static_cast<std::size_t>(sqlite3_column_bytes(s_, i)))
                 : std::string();
    }

private:
    sqlite3* db_;
    sqlite3_stmt* s_;
    int i_ = 0;
};

}  // namespace

SqliteStore::SqliteStore(const std::string& path) : st_(std::make_unique<Statements>()) {
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
        std::string msg = "cannot open the database " + path + ": " + (db_ ? sqlite3_errmsg(db_) : "out of memory");
        sqlite3_close(db_);
        db_ = nullptr;
        throw StoreError(msg);
    }
    try {
        sqlite3_busy_timeout(db_, 5000);
        // Rows are small: 1 KiB pages write a quarter of the bytes per commit that 4 KiB pages do (measured
        // with vmstat under the verify benchmark: 230 -> 125 MB/s). Takes effect only on a new file.
        exec("PRAGMA page_size=1024");
        exec("PRAGMA journal_mode=WAL");
        // In WAL mode NORMAL loses no committed transaction on a process crash, only on a power cut.
        exec("PRAGMA synchronous=NORMAL");
        exec("PRAGMA wal_autocheckpoint=0");          // checkpoint_loop() does it
        exec("PRAGMA journal_size_limit=8388608");  // once started over, the WAL shrinks back to 8 MiB
        exec(kSchema);
        Statements& s = *st_;
        prepare(db_, s.begin, "BEGIN IMMEDIATE");
        prepare(db_, s.begin_read, "BEGIN");
        prepare(db_, s.commit, "COMMIT");
        prepare(db_, s.rollback, "ROLLBACK");
        prepare(db_, s.token_get, "SELECT expires_ms FROM used_tokens WHERE token_key=?");
        prepare(db_, s.token_put, "INSERT OR REPLACE INTO used_tokens(token_key, expires_ms) VALUES(?, ?)");
        prepare(db_, s.number_get, "SELECT day, count, last_ms FROM quota_number WHERE app_key=? AND number_key=?");
        prepare(db_, s.number_put,
                "INSERT OR REPLACE INTO quota_number(app_key, number_key, day, count, last_ms) VALUES(?, ?, ?, ?, ?)");
        prepare(db_, s.app_get, "SELECT day, count FROM quota_app WHERE app_key=?");
        prepare(db_, s.app_put, "INSERT OR REPLACE INTO quota_app(app_key, day, count) VALUES(?, ?, ?)");
        prepare(db_, s.ip_get, "SELECT start, count FROM quota_ip WHERE ip=?");
        prepare(db_, s.ip_put, "INSERT OR REPLACE INTO quota_ip(ip, start, count) VALUES(?, ?, ?)");
        prepare(db_, s.ledger_add,
                "INSERT INTO ledger(app_key, day, code, count) VALUES(?, ?, ?, 1) "
                "ON CONFLICT(app_key, day, code) DO UPDATE SET count = count + 1");
        prepare(db_, s.ledger_get, "SELECT code, count FROM ledger WHERE app_key=? AND day=?");
        prepare(db_, s.purge_tokens, "DELETE FROM used_tokens WHERE expires_ms <= ?");
        prepare(db_, s.purge_numbers, "DELETE FROM quota_number WHERE day < ? AND last_ms < ?");
        prepare(db_, s.purge_ips, "DELETE FROM quota_ip WHERE start < ?");
        prepare(db_, s.sms_put,
                "INSERT OR REPLACE INTO sms_codes(app_key, number_key, code_hash, expires_ms, attempts) "
                "VALUES(?, ?, ?, ?, 0)");
        prepare(db_, s.sms_get, "SELECT code_hash, expires_ms, attempts FROM sms_codes WHERE app_key=? AND number_key=?");
        prepare(db_, s.sms_attempt, "UPDATE sms_codes SET attempts = attempts + 1 WHERE app_key=? AND number_key=?");
        prepare(db_, s.sms_delete, "DELETE FROM sms_codes WHERE app_key=? AND number_key=?");
        if (sqlite3_open_v2(path.c_str(), &checkpointer_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) !=
            SQLITE_OK) {
            fail(checkpointer_, "open (checkpoint connection)");
        }
        sqlite3_busy_timeout(checkpointer_, 1000);
        // A connection learns that the file is in WAL mode when it first reads it; until then it cannot
        // checkpoint (sqlite3_wal_checkpoint_v2 reports -1 frames).
        if (sqlite3_exec(checkpointer_, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr) != SQLITE_OK) {
            fail(checkpointer_, "read (checkpoint connection)");
        }
    } catch (...) {
        st_.reset();
        sqlite3_close(checkpointer_);
        sqlite3_close(db_);
        db_ = nullptr;
        throw;
    }
    checkpoint_thread_ = std::thread([this] { checkpoint_loop(); });
}

void SqliteStore::checkpoint_loop() {
    std::unique_lock lock(stop_mu_);
    while (!stop_cv_.wait_for(lock, std::chrono::milliseconds(500), [this] { return stopping_; })) {
        // PASSIVE never waits for writers: it copies most of the WAL into the database (and fsyncs) while
        // requests go on. Under constant writes it never catches up with the last frames, and the WAL only
        // starts over after a complete checkpoint; so a second PASSIVE runs with writers held back by our own
        // lock, with little left to copy, and the next write starts the WAL over.
        lock.unlock();
        sqlite3_wal_checkpoint_v2(checkpointer_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
        {
            std::lock_guard writers(mu_);
            sqlite3_wal_checkpoint_v2(checkpointer_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
        }
        lock.lock();
    }
}

SqliteStore::~SqliteStore() {
    {
        std::lock_guard lock(stop_mu_);
        stopping_ = true;
    }
    stop_cv_.notify_all();
    checkpoint_thread_.join();
    sqlite3_wal_checkpoint_v2(checkpointer_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
    sqlite3_close(checkpointer_);
    st_.reset();  // statements before the connection
    sqlite3_close(db_);
}

void SqliteStore::exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
        std::string msg = err ? err : "unknown error";
        sqlite3_free(err);
        throw StoreError("SQLite: " + msg);
    }
}

QuotaState SqliteStore::load(const Admission& a) {
    QuotaState s;
    {
        Run r(db_, st_->number_get);
        r.text(a.app_key).text(a.number_key);
        if (r.row()) s.number = {r.col(0), r.col(1), r.col(2)};
    }
    {
        Run r(db_, st_->app_get);
        r.text(a.app_key);
        if (r.row()) s.app = {r.col(0), r.col(1)};
    }
    if (!a.ip.empty()) {
        Run r(db_, st_->ip_get);
        r.text(a.ip);
        if (r.row()) s.ip = {r.col(0), r.col(1)};
    }
    return s;
}

void SqliteStore::save(const Admission& a, const QuotaState& s) {
    Run(db_, st_->number_put).text(a.app_key).text(a.number_key).integer(s.number.day).integer(s.number.count)
        .integer(s.number.last_ms).row();
    Run(db_, st_->app_put).text(a.app_key).integer(s.app.start).integer(s.app.count).row();
    if (!a.ip.empty()) Run(db_, st_->ip_put).text(a.ip).integer(s.ip.start).integer(s.ip.count).row();
}

void SqliteStore::purge(std::int64_t now) {
    Run(db_, st_->purge_tokens).integer(now).row();
    // A number's row matters while its day or its interval lasts; a day's grace covers any interval setting.
    Run(db_, st_->purge_numbers).integer(shanghai_day(now)).integer(now - kDayMs).row();
    Run(db_, st_->purge_ips).integer(now - kDayMs).row();
}

AdmitResult SqliteStore::admit(const Admission& a, const QuotaLimits& limits) {
    std::lock_guard lock(mu_);
    // A check writes nothing: a deferred (read) transaction, which neither waits for nor holds the write lock
    // another process sharing the file may want. It still reads one consistent snapshot of the counters.
    Run(db_, a.check_only ? st_->begin_read : st_->begin).row();
    try {
        AdmitResult result;
        bool used = false;
        if (!a.check_only) {
            Run r(db_, st_->token_get);
            r.text(a.token_key);
            used = r.row() && r.col(0) > a.now_ms;
        }
        if (used) {
            result.status = AdmitStatus::TokenUsed;
        } else {
            QuotaState state = load(a);
            // The IP limit would be unbounded without an IP: with none, that rule does not apply.
            QuotaLimits l = limits;
            if (a.ip.empty()) l.ip_limit = 0;
            const QuotaDecision d = nv::server::admit(state, l, a.now_ms);
            if (d.allowed) {
                result.status = AdmitStatus::Admitted;
                result.previous_last_ms = state.number.last_ms;
                if (!a.check_only) {
                    save(a, d.next);
                    Run(db_, st_->token_put).text(a.token_key).integer(a.token_expires_ms).row();
                    if (++admissions_ % kPurgeEvery == 0) purge(a.now_ms);
                }
            } else {
                result.status = AdmitStatus::Limited;
                result.reason = d.reason;
                result.retry_after_sec = d.retry_after_sec;
            }
        }
        Run(db_, st_->commit).row();
        return result;
    } catch (...) {
        Run(db_, st_->rollback).row();
        throw;
    }
}

void SqliteStore::refund(const Admission& a, std::int64_t previous_last_ms) {
    std::lock_guard lock(mu_);
    Run(db_, st_->begin).row();
    try {
        const QuotaState state = load(a);
        save(a, nv::server::refund(state, a.now_ms, previous_last_ms));
        Run(db_, st_->commit).row();
    } catch (...) {
        Run(db_, st_->rollback).row();
        throw;
    }
}

void SqliteStore::record_result(const std::string& app_key, std::int64_t day, const std::string& code) {
    std::lock_guard lock(mu_);
    // The column's INTEGER affinity stores Jiguang's "9000" as the integer it always was (files written before
    // other vendors existed keep counting on the same rows); "aliyun:PASS" stays text.
    Run(db_, st_->ledger_add).text(app_key).integer(day).text(code).row();
}

UsageCounts SqliteStore::usage(const std::string& app_key, std::int64_t day) {
    std::lock_guard lock(mu_);
    UsageCounts counts;
    Run r(db_, st_->ledger_get);
    r.text(app_key).integer(day);
    while (r.row()) counts[r.text_col(0)] = r.col(1);
    return counts;
}

void SqliteStore::put_sms_code(const std::string& app_key, const std::string& number_key,
                               const std::string& code_hash, std::int64_t expires_ms) {
    std::lock_guard lock(mu_);
    Run(db_, st_->sms_put).text(app_key).text(number_key).text(code_hash).integer(expires_ms).row();
}

SmsCheck SqliteStore::check_sms_code(const std::string& app_key, const std::string& number_key,
                                     const std::string& code_hash, std::int64_t now_ms, int max_attempts) {
    std::lock_guard lock(mu_);
    Run(db_, st_->begin).row();
    try {
        SmsCheck result = SmsCheck::Expired;
        std::string stored;
        std::int64_t expires = 0, attempts = 0;
        bool found = false;
        {
            Run r(db_, st_->sms_get);
            r.text(app_key).text(number_key);
            if (r.row()) {
                found = true;
                const auto* text = sqlite3_column_text(st_->sms_get.s, 0);
                stored = text ? reinterpret_cast<const char*>(text) : "";
                expires = r.col(1);
                attempts = r.col(2);
            }
        }
        if (found && expires > now_ms && attempts < max_attempts) {
            if (stored == code_hash) {
                result = SmsCheck::Ok;
                Run(db_, st_->sms_delete).text(app_key).text(number_key).row();
            } else {
                result = SmsCheck::Wrong;
                if (attempts + 1 >= max_attempts) Run(db_, st_->sms_delete).text(app_key).text(number_key).row();
                else Run(db_, st_->sms_attempt).text(app_key).text(number_key).row();
            }
        } else if (found) {
            Run(db_, st_->sms_delete).text(app_key).text(number_key).row();
        }
        Run(db_, st_->commit).row();
        return result;
    } catch (...) {
        Run(db_, st_->rollback).row();
        throw;
    }
}

bool SqliteStore::healthy(const std::string& /*app_key*/) {
    std::lock_guard lock(mu_);
    try {
        exec("SELECT 1 FROM ledger LIMIT 1");
        return true;
    } catch (const StoreError&) {
        return false;
    }
}

}  // namespace nv::server
