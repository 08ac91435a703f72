// Configuration: defaults, the JSON file, environment variables and flags, in that order of precedence, and a
// clear error for everything wrong.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "config/config.hpp"

using namespace nv::server;

namespace {

struct Env {
    // A home, as every login shell has: the default SQLite file goes under it (default_state_dir). Assign `vars`
    // to take it away.
    Env(std::map<std::string, std::string> v = {}) : vars(std::move(v)) { vars.emplace("HOME", "/home/nv-test"); }
    std::map<std::string, std::string> vars;
    EnvLookup lookup() const {
        return [this](const char* name) -> std::optional<std::string> {
            auto it = vars.find(name);
            return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
        };
    }
};

ConfigResult load(std::vector<std::string> args, const Env& env = {}) { return load_config(args, env.lookup()); }

std::string temp_file(const std::string& content) {
    char name[] = "/tmp/nv-config-XXXXXX";
    const int fd = mkstemp(name);
    REQUIRE(fd >= 0);
    FILE* f = fdopen(fd, "w");
    std::fputs(content.c_str(), f);
    std::fclose(f);
    return name;
}

}  // namespace

TEST_CASE("config: --sandbox needs nothing else", "[config]") {
    auto r = load({"--sandbox", "--port", "8080"});
    REQUIRE(r.config);
    CHECK(r.config->sandbox);
    CHECK(r.config->port == 8080);
    CHECK(r.config->app_key == kSandboxAppKey);
    CHECK(r.config->master_secret == kSandboxMasterSecret);
    CHECK(r.config->backend_token == kSandboxBackendToken);
    CHECK(r.config->sms_risk_check == true);
    CHECK(r.config->assertion.key_file.empty());  // made at start
    CHECK(r.config->assertion.audience == "partner-backend");
    CHECK(r.config->assertion.ttl_sec == 300);
    CHECK(r.config->upstream.api_version == 2);
    CHECK(r.config->quotas.number_interval_ms == 30'000);
    CHECK(r.config->quotas.number_daily == 10);
    CHECK(r.config->quotas.app_daily == 500'000);
}

TEST_CASE("config: production needs credentials, from the environment", "[config]") {
    auto none = load({});
    REQUIRE_FALSE(none.config);
    CHECK_THAT(none.error, Catch::Contains("NV_APP_KEY"));
    Env env{{{"NV_APP_KEY", "key"}, {"NV_MASTER_SECRET", "s3cret"}, {"NV_API_VERSION", "1"}, {"NV_PORT", "9000"}}};
    // ... and the key that signs assertions (DESIGN 10): a partner's backend must be able to check them after a
    // restart, so production never makes one up.
    auto keyless = load({"--port=9001"}, env);
    REQUIRE_FALSE(keyless.config);
    CHECK_THAT(keyless.error, Catch::Contains("NV_ASSERTION_KEY_FILE"));
    env.vars["NV_ASSERTION_KEY_FILE"] = "/etc/nv/assertion.pem";
    auto r = load({"--port=9001"}, env);
    REQUIRE(r.config);
    CHECK(r.config->assertion.key_file == "/etc/nv/assertion.pem");
    CHECK(r.config->backend_token.empty());          // the risk route is off unless configured
    CHECK_FALSE(r.config->sms_risk_check.value_or(false));  // billed: off unless asked for

    // Under systemd, the keys are credentials (LoadCredential=): found in $CREDENTIALS_DIRECTORY.
    const std::string creds = std::filesystem::temp_directory_path() / "nv-creds-test";
    std::filesystem::create_directories(creds);
    std::ofstream(creds + "/assertion.pem") << "x";
    Env systemd{{{"NV_APP_KEY", "key"}, {"NV_MASTER_SECRET", "s3cret"}, {"CREDENTIALS_DIRECTORY", creds}}};
    auto unit = load({}, systemd);
    REQUIRE(unit.config);
    CHECK(unit.config->assertion.key_file == creds + "/assertion.pem");
    CHECK(unit.config->login_private_key_file.empty());  // no login.pem credential: one-click login is off
    std::ofstream(creds + "/login.pem") << "x";
    CHECK(load({}, systemd).config->login_private_key_file == creds + "/login.pem");
    CHECK(load({}, systemd).config->assertion.previous_key_file.empty());
    std::ofstream(creds + "/assertion-previous.pem") << "x";
    CHECK(load({}, systemd).config->assertion.previous_key_file == creds + "/assertion-previous.pem");
    std::filesystem::remove_all(creds);
    CHECK(r.config->app_key == "key");
    CHECK(r.config->master_secret == "s3cret");
    CHECK(r.config->upstream.api_version == 1);
    CHECK(r.config->port == 9001);  // the flag wins over NV_PORT
    CHECK(r.config->upstream.base == "https://api.verification.jpush.cn");
}

TEST_CASE("config: the file, then env, then flags", "[config]") {
    const std::string path = temp_file(R"({"port": 7000, "appKey": "file-key", "masterSecret": "file-secret",
        "upstream": {"base": "https://vendor.example:8443/api", "apiVersion": 1, "timeoutMs": 3000},
        "quotas": {"numberIntervalSec": 0, "numberDaily": 20, "ipLimit": 5, "ipWindowSec": 10},
        "risk": {"review": 100, "stepUp": 500, "deny": 800}, "prepaidVolume": 60000})");
    Env env{{{"NV_APP_KEY", "env-key"}, {"NV_ASSERTION_KEY_FILE", "/k.pem"}}};
    auto r = load({"--config", path, "--api-version", "2"}, env);
    std::remove(path.c_str());
    REQUIRE(r.config);
    CHECK(r.config->port == 7000);
    CHECK(r.config->app_key == "env-key");
    CHECK(r.config->master_secret == "file-secret");
    CHECK(r.config->upstream.api_version == 2);
    CHECK(r.config->upstream.timeout_ms == 3000);
    CHECK(r.config->quotas.number_interval_ms == 0);
    CHECK(r.config->quotas.number_daily == 20);
    CHECK(r.config->quotas.ip_window_ms == 10'000);
    CHECK(r.config->risk.step_up == 500);
    CHECK(r.config->prepaid_volume == 60'000);
}

TEST_CASE("config: mistakes are named", "[config]") {
    struct Case {
        std::vector<std::string> args;
        const char* error;
    };
    const Case cases[] = {
        {{"--sandbox", "--port", "70000"}, "--port must be an integer"},
        {{"--sandbox", "--port"}, "needs a value"},
        {{"--sandbox", "--bogus"}, "unknown option"},
        {{"--sandbox", "--api-version", "3"}, "--api-version"},
        {{"--sandbox", "--upstream", "ftp://x"}, "upstream base URL"},
        {{"--sandbox", "--upstream", "http://vendor.example"}, "must use https"},
        {{"--sandbox", "--tls-cert", "a.pem"}, "both a certificate"},
        {{"--config", "/nonexistent/nv.json"}, "cannot read"},
    };
    for (const Case& c : cases) {
        auto r = load(c.args);
        INFO(c.error);
        CHECK_FALSE(r.config);
        CHECK_THAT(r.error, Catch::Contains(c.error));
    }
    ServerConfig cfg;
    CHECK_THAT(apply_config_json("{", cfg), Catch::Contains("not valid JSON"));
    CHECK_THAT(apply_config_json("[]", cfg), Catch::Contains("JSON object"));
    CHECK_THAT(apply_config_json(R"({"prot": 1})", cfg), Catch::Contains("unknown setting \"prot\""));
    CHECK_THAT(apply_config_json(R"({"quotas": {"numberDialy": 1}})", cfg), Catch::Contains("quotas.numberDialy"));
    CHECK_THAT(apply_config_json(R"({"port": "80"})", cfg), Catch::Contains("port must be an integer"));
    CHECK_THAT(apply_config_json(R"({"sandbox": 1})", cfg), Catch::Contains("true or false"));
    ServerConfig risk;
    CHECK(apply_config_json(R"({"risk": {"review": 700}})", risk).empty());
    risk.sandbox = true;
    auto bad_risk = temp_file(R"({"sandbox": true, "risk": {"review": 700}})");
    auto r = load({"--config", bad_risk});
    std::remove(bad_risk.c_str());
    CHECK_THAT(r.error, Catch::Contains("risk thresholds"));
}

TEST_CASE("config: --help and --version, help lists every flag and variable", "[config]") {
    CHECK(load({"--help"}).help);
    CHECK(load({"--version"}).version);
    const std::string help = config_help();
    for (const char* flag : {"--sandbox", "--port", "--host", "--config", "--db", "--threads", "--upstream",
                             "--upstream-ca", "--api-version", "--tls-cert", "--tls-key", "--web-dir", "--demo-dir",
                             "--sandbox-port", "--sandbox-url", "--behind-proxy", "NV_APP_KEY", "NV_MASTER_SECRET",
                             "NV_ADMIN_TOKEN"}) {
        CHECK_THAT(help, Catch::Contains(flag));
    }
    // What nv-server cannot bound itself is said where an operator looks first.
    CHECK_THAT(help, Catch::Contains("header lines"));
    CHECK_THAT(help, Catch::Contains("slow-loris"));
    CHECK_THAT(help, Catch::Contains("silent connections"));
}

TEST_CASE("config: threads, --behind-proxy and --sandbox-url", "[config]") {
    auto d = load({"--sandbox"});
    REQUIRE(d.config);
    CHECK(d.config->threads == 1024);  // sized for vendor latency (docs/server.md, "Threads")
    CHECK_FALSE(d.config->trust_proxy);
    CHECK(load({"--sandbox", "--threads", "4096"}).config->threads == 4096);
    CHECK_THAT(load({"--sandbox", "--threads", "4097"}).error, Catch::Contains("--threads"));
    CHECK(load({"--sandbox", "--behind-proxy"}).config->trust_proxy);
    const std::string file = temp_file(R"({"trustProxy": true, "threads": 300})");
    auto f = load({"--sandbox", "--config", file});
    std::remove(file.c_str());
    REQUIRE(f.config);
    CHECK(f.config->trust_proxy);
    CHECK(f.config->threads == 300);

    // Another instance's sandbox: sandbox mode, its vendor as the upstream, no credentials needed.
    auto s = load({"--sandbox-url", "http://127.0.0.1:9100/"});
    REQUIRE(s.config);
    CHECK(s.config->sandbox);
    CHECK(s.config->sandbox_url == "http://127.0.0.1:9100");
    CHECK(s.config->upstream.base == "http://127.0.0.1:9100/sandbox/vendor");
    CHECK(s.config->app_key == kSandboxAppKey);
    for (const char* bad : {"https://sandbox.example.com", "http://127.0.0.1:9100/sandbox", "127.0.0.1:9100"}) {
        CHECK_THAT(load({"--sandbox-url", bad}).error, Catch::Contains("--sandbox-url"));
    }
}

TEST_CASE("config: a setting given twice in the file is refused by name", "[config]") {
    const std::string file = temp_file(R"({"port": 8080, "quotas": {"numberDaily": 10, "numberDaily": 1000}})");
    auto r = load({"--sandbox", "--config", file});
    std::remove(file.c_str());
    REQUIRE_FALSE(r.config);
    CHECK_THAT(r.error, Catch::Contains("\"numberDaily\" appears twice"));
}

TEST_CASE("config: base URLs", "[config]") {
    auto u = parse_base_url("https://api.verification.jpush.cn");
    REQUIRE(u);
    CHECK(u->port == 443);
    CHECK(u->path.empty());
    u = parse_base_url("http://127.0.0.1:8080/sandbox/vendor/");
    REQUIRE(u);
    CHECK(u->host == "127.0.0.1");
    CHECK(u->port == 8080);
    CHECK(u->path == "/sandbox/vendor");
    CHECK_FALSE(parse_base_url("https://user@host"));
    CHECK_FALSE(parse_base_url("https://host:0"));
    CHECK_FALSE(parse_base_url("https://"));
    CHECK_FALSE(parse_base_url("https://host/a?b"));
    CHECK(is_loopback_host("127.0.0.1"));
    CHECK(is_loopback_host("localhost"));
    CHECK_FALSE(is_loopback_host("vendor.example"));
}

TEST_CASE("config: --store chooses SQLite or Redis, fail-open is explicit", "[config]") {
    auto def = load({"--sandbox"});
    REQUIRE(def.config);
    CHECK(def.config->store.url == "sqlite:/home/nv-test/.local/state/nv-server/nv-server-sandbox.db");
    CHECK_FALSE(def.config->store.is_redis());
    CHECK_FALSE(def.config->store.fail_open);

    auto db = load({"--sandbox", "--db", "/tmp/x.db"});
    REQUIRE(db.config);
    CHECK(db.config->store.url == "sqlite:/tmp/x.db");
    CHECK(db.config->db_dir.empty());  // a file given: no directory is made for it

    auto sq = load({"--sandbox", "--store", "sqlite:/tmp/y.db"});
    REQUIRE(sq.config);
    CHECK(sq.config->db_path == "/tmp/y.db");

    Env env;
    env.vars["NV_REDIS_PASSWORD"] = "pw";
    auto rd = load({"--sandbox", "--store", "redis://127.0.0.1:6379/0", "--store-fail-open", "--redis-ca", "/ca.pem"}, env);
    REQUIRE(rd.config);
    CHECK(rd.config->store.is_redis());
    CHECK(rd.config->store.fail_open);
    CHECK(rd.config->store.redis_ca == "/ca.pem");
    CHECK(rd.config->store.redis_password == "pw");

    const std::string path = temp_file(R"({"store":"rediss://r.internal:6380/1","storeFailOpen":false,
        "redis":{"caFile":"/etc/ca.pem","timeoutMs":250,"connectTimeoutMs":500}})");
    auto file = load({"--sandbox", "--config", path});
    std::remove(path.c_str());
    REQUIRE(file.config);
    CHECK(file.config->store.url == "rediss://r.internal:6380/1");
    CHECK(file.config->store.redis_timeout_ms == 250);
    CHECK(file.config->store.redis_connect_timeout_ms == 500);
    CHECK(file.config->store.redis_wait_replicas == -1);  // the default: 1 with Sentinel, 0 without
    CHECK(file.config->store.redis_wait_timeout_ms == 100);

    const std::string sentinel = temp_file(R"({"store":"redis-sentinel://s1:26379,s2/mymaster/2",
        "redis":{"waitReplicas":2,"waitTimeoutMs":50}})");
    auto sn = load({"--sandbox", "--config", sentinel});
    std::remove(sentinel.c_str());
    REQUIRE(sn.config);
    CHECK(sn.config->store.is_redis());
    CHECK(sn.config->store.redis_wait_replicas == 2);
    CHECK(sn.config->store.redis_wait_timeout_ms == 50);
    auto cl = load({"--sandbox", "--store", "redis-cluster://n1:7000,n2:7001"});
    REQUIRE(cl.config);
    CHECK(cl.config->store.is_redis());
    const std::string too_many = temp_file(R"({"redis":{"waitReplicas":17}})");
    auto tm = load({"--sandbox", "--config", too_many});
    std::remove(too_many.c_str());
    CHECK_THAT(tm.error, Catch::Contains("redis.waitReplicas"));

    for (const char* bad : {"memcached://x", "redis://", "redis://h:70000", "sqlite:", "redis-sentinel://s1",
                            "redis-sentinel://s1:0/m", "redis-cluster://n1/1", "redis-cluster://"}) {
        INFO(bad);
        auto r = load({"--sandbox", "--store", bad});
        CHECK_FALSE(r.config);
        CHECK_THAT(r.error, Catch::Contains("store"));
    }
    const std::string unknown = temp_file(R"({"redis":{"tls":true}})");
    auto u = load({"--sandbox", "--config", unknown});
    std::remove(unknown.c_str());
    CHECK_THAT(u.error, Catch::Contains("redis.tls"));
}

TEST_CASE("config: the default SQLite file is in the state directory, never the working directory", "[config]") {
    auto with = [](std::map<std::string, std::string> vars) {
        Env env;
        env.vars = std::move(vars);
        return env;
    };
    const Env home = with({{"HOME", "/home/u"}});
    auto prod = load({}, with({{"HOME", "/home/u"}, {"NV_APP_KEY", "k"}, {"NV_MASTER_SECRET", "s"},
                               {"NV_ASSERTION_KEY_FILE", "/k.pem"}}));
    REQUIRE(prod.config);
    CHECK(prod.config->db_path == "/home/u/.local/state/nv-server/nv-server.db");
    CHECK(prod.config->store.url == "sqlite:/home/u/.local/state/nv-server/nv-server.db");
    CHECK(prod.config->db_dir == "/home/u/.local/state/nv-server");
    // In sandbox mode its own file, so a demo never mixes with real quotas.
    auto sb = load({"--sandbox"}, home);
    REQUIRE(sb.config);
    CHECK(sb.config->db_path == "/home/u/.local/state/nv-server/nv-server-sandbox.db");
    CHECK(load({"--sandbox-url", "http://127.0.0.1:9100"}, home).config->db_path ==
          "/home/u/.local/state/nv-server/nv-server-sandbox.db");
    // XDG_STATE_HOME before HOME; systemd's STATE_DIRECTORY before both (the first of several).
    auto xdg = load({"--sandbox"}, with({{"HOME", "/home/u"}, {"XDG_STATE_HOME", "/xdg/state/"}}));
    CHECK(xdg.config->db_path == "/xdg/state/nv-server/nv-server-sandbox.db");
    CHECK(xdg.config->db_dir == "/xdg/state/nv-server");
    auto sd = load({"--sandbox"},
                   with({{"HOME", "/home/u"}, {"XDG_STATE_HOME", "/xdg"}, {"STATE_DIRECTORY", "/var/lib/nv-server"}}));
    CHECK(sd.config->db_path == "/var/lib/nv-server/nv-server-sandbox.db");
    CHECK(sd.config->db_dir == "/var/lib/nv-server");
    CHECK(load({"--sandbox"}, with({{"STATE_DIRECTORY", "/var/lib/a:/var/lib/b"}})).config->db_path ==
          "/var/lib/a/nv-server-sandbox.db");
    // Relative values are ignored (the XDG rule): the next one applies.
    CHECK(load({"--sandbox"}, with({{"HOME", "/home/u"}, {"XDG_STATE_HOME", "state"}})).config->db_path ==
          "/home/u/.local/state/nv-server/nv-server-sandbox.db");
    // None of them: a clear error asking for --db (after the credentials' own error, which comes first).
    for (const auto& vars : std::vector<std::map<std::string, std::string>>{{}, {{"HOME", ""}}, {{"HOME", "rel"}}}) {
        auto none = load({"--sandbox"}, with(vars));
        CHECK_FALSE(none.config);
        CHECK_THAT(none.error, Catch::Contains("--db PATH"));
        CHECK_THAT(none.error, Catch::Contains("STATE_DIRECTORY"));
    }
    CHECK_THAT(load({}, with({})).error, Catch::Contains("NV_APP_KEY"));
    // --db, --store, NV_DB, NV_STORE and the config file keep their meaning, with or without a state directory.
    CHECK(load({"--sandbox", "--db", "rel.db"}, with({})).config->db_path == "rel.db");
    CHECK(load({"--sandbox", "--store", "sqlite:/s.db"}, with({})).config->db_path == "/s.db");
    CHECK(load({"--sandbox"}, with({{"NV_DB", "/e.db"}})).config->store.url == "sqlite:/e.db");
    CHECK(load({"--sandbox"}, with({{"NV_STORE", "sqlite:/f.db"}})).config->db_path == "/f.db");
    auto redis = load({"--sandbox", "--store", "redis://127.0.0.1:6379/0"}, with({}));
    REQUIRE(redis.config);
    CHECK(redis.config->db_dir.empty());
    const std::string file = temp_file(R"({"db":"/c.db"})");
    auto f = load({"--sandbox", "--config", file}, home);
    std::remove(file.c_str());
    REQUIRE(f.config);
    CHECK(f.config->store.url == "sqlite:/c.db");
    CHECK(f.config->db_dir.empty());
}

TEST_CASE("config: the state directory is made private, with its parents", "[config]") {
    char tmpl[] = "/tmp/nv-state-XXXXXX";
    const std::filesystem::path root = mkdtemp(tmpl);
    const std::string dir = (root / "a" / "b" / "nv-server").string();
    bool created = false;
    CHECK(make_private_dir(dir, created).empty());
    CHECK(created);
    for (const auto& p : {root / "a", root / "a" / "b", std::filesystem::path(dir)}) {
        INFO(p);
        CHECK((std::filesystem::status(p).permissions() & std::filesystem::perms::all) ==
              std::filesystem::perms::owner_all);
    }
    CHECK(make_private_dir(dir, created).empty());  // there already: fine, and not "created"
    CHECK_FALSE(created);
    std::ofstream(root / "file") << "x";
    CHECK_THAT(make_private_dir((root / "file" / "x").string(), created), Catch::Contains("cannot create"));
    CHECK_THAT(make_private_dir((root / "file").string(), created), Catch::Contains("not a directory"));
    std::filesystem::remove_all(root);
}

TEST_CASE("config: CORS origins, connection timeouts, and TLS verification only off by flag", "[config]") {
    auto def = load({"--sandbox"});
    REQUIRE(def.config);
    CHECK(def.config->cors_origins.empty());
    CHECK(def.config->read_timeout_sec == 10);
    CHECK(def.config->idle_timeout_sec == 5);
    CHECK_FALSE(def.config->upstream.insecure_skip_verify);

    Env env;
    env.vars["NV_CORS_ORIGINS"] = "https://a.example, https://b.example:8443";
    auto r = load({"--sandbox", "--cors-origin", "https://c.example", "--upstream-insecure-skip-verify"}, env);
    REQUIRE(r.config);
    CHECK(r.config->cors_origins ==
          std::vector<std::string>{"https://a.example", "https://b.example:8443", "https://c.example"});
    CHECK(r.config->upstream.insecure_skip_verify);

    const std::string path = temp_file(R"({"corsOrigins":["https://shop.example.com"],"readTimeoutSec":2,
        "writeTimeoutSec":3,"idleTimeoutSec":4})");
    auto f = load({"--sandbox", "--config", path});
    std::remove(path.c_str());
    REQUIRE(f.config);
    CHECK(f.config->cors_origins == std::vector<std::string>{"https://shop.example.com"});
    CHECK(f.config->read_timeout_sec == 2);
    CHECK(f.config->write_timeout_sec == 3);
    CHECK(f.config->idle_timeout_sec == 4);

    for (const char* bad : {"shop.example.com", "https://shop.example.com/", "ftp://x", "https://a.example/path", "*"}) {
        INFO(bad);
        auto b = load({"--sandbox", "--cors-origin", bad});
        CHECK_FALSE(b.config);
        CHECK_THAT(b.error, Catch::Contains("CORS origin"));
    }
    for (const char* text : {R"({"corsOrigins":"https://a.example"})", R"({"corsOrigins":[1]})",
                             R"({"upstream":{"insecureSkipVerify":true}})", R"({"readTimeoutSec":0})"}) {
        INFO(text);
        const std::string p = temp_file(text);
        auto b = load({"--sandbox", "--config", p});
        std::remove(p.c_str());
        CHECK_FALSE(b.config);
    }
    Env insecure_env;
    insecure_env.vars["NV_UPSTREAM_INSECURE_SKIP_VERIFY"] = "1";  // no such variable: env cannot turn it off
    auto e = load({"--sandbox"}, insecure_env);
    REQUIRE(e.config);
    CHECK_FALSE(e.config->upstream.insecure_skip_verify);
}
