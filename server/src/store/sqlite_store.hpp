// The embedded store: one SQLite file in WAL mode. Every admission is one IMMEDIATE transaction, so several
// processes may share the file safely; state survives restarts (quotas, used tokens, the ledger). WAL
// checkpoints run twice a second on a background connection, mostly off the request path.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "store/store.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace nv::server {

class SqliteStore final : public Store {
public:
    // Opens (creating if needed) the database at `path`; throws StoreError with a readable message on failure.
    explicit SqliteStore(const std::string& path);
    ~SqliteStore() override;
    SqliteStore(const SqliteStore&) = delete;
    SqliteStore& operator=(const SqliteStore&) = delete;

    AdmitResult admit(const Admission& a, const QuotaLimits& limits) override;
    void refund(const Admission& a, std::int64_t previous_last_ms) override;
    void record_result(const std::string& app_key, std::int64_t day, const std::string& code) override;
    UsageCounts usage(const std::string& app_key, std::int64_t day) override;
    void put_sms_code(const std::string& app_key, const std::string& number_key, const std::string& code_hash,
                      std::int64_t expires_ms) override;
    SmsCheck check_sms_code(const std::string& app_key, const std::string& number_key, const std::string& code_hash,
                            std::int64_t now_ms, int max_attempts) override;
    bool healthy(const std::string& app_key) override;
    std::string kind() const override { return "sqlite"; }

private:
    struct Statements;
    void exec(const char* sql);
    QuotaState load(const Admission& a);
    void save(const Admission& a, const QuotaState& s);
    void purge(std::int64_t now_ms);

    void checkpoint_loop();

    std::mutex mu_;
    sqlite3* db_ = nullptr;
    // Checkpoints copy the WAL back into the database and fsync it; done inline they stall every request behind
    // the store's lock (p99 ~500 ms in the benchmark). A second connection does them in the background instead.
    sqlite3* checkpointer_ = nullptr;
    std::thread checkpoint_thread_;
    std::mutex stop_mu_;
    std::condition_variable stop_cv_;
    bool stopping_ = false;
    std::unique_ptr<Statements> st_;
    std::uint64_t admissions_ = 0;
};

}  // namespace nv::server
