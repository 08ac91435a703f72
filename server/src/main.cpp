// nv-server: wiring only. Reads the configuration, opens the store, starts the sandbox's own listener when
// asked (or uses another instance's, --sandbox-url), mounts the API and serves until SIGTERM or SIGINT.
#include <httplib.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "base/metrics.hpp"
#include "base/request_log.hpp"
#include "config/config.hpp"
#include "usecase/assertions.hpp"
#include "http/listener.hpp"
#include "http/routes.hpp"
#include "sandbox/sandbox.hpp"
#include "store/redis_store.hpp"
#include "store/sqlite_store.hpp"
#include "vendor/sandbox_sms.hpp"
#include "vendor/aliyun.hpp"
#include "vendor/jiguang.hpp"

namespace {

using namespace nv::server;

std::int64_t unix_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// The store the configuration names. SQLite opens its file now (a bad path is a startup error); Redis connects
// on first use, so the server starts (and reports itself degraded) while Redis is still down.
std::unique_ptr<Store> open_store(const ServerConfig& cfg, Metrics& metrics) {
    if (!cfg.store.is_redis()) return std::make_unique<SqliteStore>(cfg.db_path);
    std::string error;
    RedisOptions o;
    o.url = *parse_redis_url(cfg.store.url, error);  // validated with the config
    if (!cfg.store.redis_password.empty()) o.url.password = cfg.store.redis_password;
    o.ca_file = cfg.store.redis_ca;
    o.cert_file = cfg.store.redis_cert;
    o.key_file = cfg.store.redis_key;
    o.io_timeout_ms = cfg.store.redis_timeout_ms;
    o.connect_timeout_ms = cfg.store.redis_connect_timeout_ms;
    o.wait_replicas = static_cast<int>(cfg.store.redis_wait_replicas >= 0 ? cfg.store.redis_wait_replicas
                                                                          : (o.url.sentinels.empty() && o.url.cluster_nodes.empty() ? 0 : 1));
    o.wait_timeout_ms = cfg.store.redis_wait_timeout_ms;
    auto store = std::make_unique<RedisStore>(o);
    if (store->is_cluster()) metrics.watch_redirects(store->redirects());
    if (!store->healthy(cfg.app_key)) {
        log_event("warn", "store unreachable at startup; verifications answer 503 until it is back",
                  "\"store\":" + nlohmann::json(redacted_redis_url(cfg.store.url)).dump() +
                      ",\"error\":" + nlohmann::json(store->health_error()).dump());
    }
    return store;
}

// Every open connection is a descriptor (and a thread): the soft limit, often 1024, would refuse connections
// long before the thread limit. Raised to the hard limit, as servers do; returns the limit now in force.
rlim_t raise_open_files_limit() {
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return 0;
    if (lim.rlim_cur < lim.rlim_max) {
        rlimit raised = lim;
        raised.rlim_cur = lim.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
    }
    return lim.rlim_cur;
}

std::unique_ptr<httplib::Server> make_server(const ServerConfig& cfg) {
    if (!cfg.tls_cert.empty()) {
        auto s = std::make_unique<httplib::SSLServer>(cfg.tls_cert.c_str(), cfg.tls_key.c_str());
        if (!s->is_valid()) return nullptr;
        return s;
    }
    return std::make_unique<httplib::Server>();
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    const ConfigResult loaded = load_config(args, [](const char* name) -> std::optional<std::string> {
        const char* v = std::getenv(name);
        return v ? std::optional<std::string>(v) : std::nullopt;
    });
    if (loaded.help) {
        std::cout << config_help();
        return 0;
    }
    if (loaded.version) {
        std::cout << "nv-server " << NV_VERSION << "\n";
        return 0;
    }
    if (!loaded.config) {
        std::cerr << "nv-server: " << loaded.error << "\n";
        return 2;
    }
    ServerConfig cfg = *loaded.config;

    // Signals are taken by one thread with sigwait; block them before any other thread exists.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    signal(SIGPIPE, SIG_IGN);
    const rlim_t open_files = raise_open_files_limit();

    // The default SQLite file lives in the state directory (config.hpp), made private if it is not there yet.
    if (!cfg.db_dir.empty()) {
        bool created = false;
        if (const std::string e = make_private_dir(cfg.db_dir, created); !e.empty()) {
            std::cerr << "nv-server: " << e << " (for the SQLite store " << cfg.db_path
                      << "); give another file with --db PATH\n";
            return 1;
        }
        if (created) {
            log_event("info", "created the state directory for the SQLite store",
                      "\"dir\":" + nlohmann::json(cfg.db_dir).dump());
        }
    }

    Metrics metrics;
    std::unique_ptr<Store> store;
    try {
        store = open_store(cfg, metrics);
    } catch (const StoreError& e) {
        std::cerr << "nv-server: " << e.what() << "\n";
        return 1;
    }
    std::string key_error;
    const auto keys = load_keys(cfg, key_error);
    if (!keys) {
        std::cerr << "nv-server: " << key_error << "\n";
        return 2;
    }
    if (keys->generated_signing) {
        log_event("info", "sandbox: assertions are signed with a key made at start (set NV_ASSERTION_KEY_FILE to keep "
                          "one across restarts)", "\"kid\":" + nlohmann::json(keys->kid).dump());
    }
    if (!keys->login) {
        log_event(cfg.sandbox ? "warn" : "info",
                  cfg.sandbox ? "one-click login is off: an instance using another's sandbox (--sandbox-url) needs that "
                                "instance's login key in NV_LOGIN_PRIVATE_KEY_FILE"
                              : "one-click login is off: set NV_LOGIN_PRIVATE_KEY_FILE to the RSA key registered with "
                                "the vendor");
    }

    // The sandbox answers on its own loopback listener, which the upstream client calls exactly like the real
    // vendor (its own threads: a verify waiting on the sandbox never waits for a thread of its own pool). The
    // same sandbox is also mounted at /sandbox/ on the main listener for the demo and for curl.
    std::unique_ptr<Sandbox> sandbox;
    std::unique_ptr<httplib::Server> sandbox_server;
    std::thread sandbox_thread;
    if (cfg.sandbox && cfg.sandbox_url.empty()) {
        SandboxOptions so;
        so.app_key = nv::server::kSandboxAppKey;
        so.master_secret = nv::server::kSandboxMasterSecret;
        so.vendor_limits = cfg.sandbox_vendor_limits;
        so.unused_token_limit = cfg.sandbox_unused_tokens;
        so.aliyun_key_id = nv::server::kSandboxAliyunKeyId;
        so.aliyun_key_secret = nv::server::kSandboxAliyunKeySecret;
        so.aliyun_scene_code = nv::server::kSandboxAliyunSceneCode;
        if (keys->login) {
            std::string e;
            so.login_public_key = Key::public_from_pem(keys->login->public_pem(), e).value_or(Key{});
        }
        sandbox = std::make_unique<Sandbox>(so, unix_ms);
        sandbox_server = std::make_unique<httplib::Server>();
        tune_server(*sandbox_server, cfg, nullptr, /*log_requests=*/false);
        sandbox->mount(*sandbox_server);
        sandbox->mount_vendor_root(*sandbox_server);
        const int sport = bind_listener(*sandbox_server, "127.0.0.1", cfg.sandbox_port);
        if (sport < 0) {
            std::cerr << "nv-server: cannot listen on 127.0.0.1:" << cfg.sandbox_port << " for the sandbox\n";
            return 1;
        }
        if (cfg.upstream.base == nv::server::kProductionUpstream) {
            cfg.upstream.base = "http://127.0.0.1:" + std::to_string(sport) + "/sandbox/vendor";
        }
        sandbox->set_listener_endpoint("127.0.0.1:" + std::to_string(sport));
        if (cfg.aliyun.base == nv::server::kAliyunProductionBase) {
            cfg.aliyun.base = "http://127.0.0.1:" + std::to_string(sport);  // Dypnsapi at POST /, as at Aliyun
        }
        sandbox_thread = std::thread([&] { sandbox_server->listen_after_bind(); });
        log_event("info", "sandbox listening", "\"port\":" + std::to_string(sport));
    }

    if (cfg.upstream.insecure_skip_verify) {
        log_event("warn", "UPSTREAM TLS CERTIFICATE VERIFICATION IS OFF (--upstream-insecure-skip-verify): anyone on "
                          "the path can read the vendor credentials; development only");
        std::cerr << "nv-server: WARNING: --upstream-insecure-skip-verify: the upstream's TLS certificate is NOT "
                     "verified; never use this in production\n";
    }
    UpstreamClient upstream(cfg.upstream, cfg.app_key, cfg.master_secret, static_cast<std::size_t>(cfg.threads));
    // The vendor port: each configured vendor's adapter, in the configured order.
    JiguangVendor jiguang(upstream);
    std::unique_ptr<AliyunVendor> aliyun;
    Vendors vendors(cfg.circuit);
    for (const nv::VendorId v : cfg.vendors) {
        if (v == nv::VendorId::Jiguang) vendors.add(jiguang);
        if (v == nv::VendorId::Aliyun) {
            aliyun = std::make_unique<AliyunVendor>(cfg.aliyun, cfg.upstream, static_cast<std::size_t>(cfg.threads),
                                                    unix_ms);
            vendors.add(*aliyun);
        }
    }
    NoSmsSender no_sms;
    SandboxSmsSender shared_sandbox_sms(cfg.sandbox_url);
    SmsSender& sms = sandbox                    ? sandbox->sms_sender()
                     : !cfg.sandbox_url.empty() ? static_cast<SmsSender&>(shared_sandbox_sms)
                                                : static_cast<SmsSender&>(no_sms);
    if (cfg.sms_risk_check.value_or(false) && !vendors.with_risk()) {
        log_event("warn", "sms.riskCheck is on, but no configured vendor has a business-risk API (Aliyun has none): "
                          "SMS codes are sent without the SMS-pumping check");
    }
    App app{cfg, *store, upstream, vendors, metrics, sms, *keys, unix_ms};
    std::unique_ptr<httplib::Server> server = make_server(cfg);
    if (!server) {
        std::cerr << "nv-server: cannot load the TLS certificate or key (" << cfg.tls_cert << ", " << cfg.tls_key << ")\n";
        return 1;
    }
    install_api(*server, app);
    if (sandbox) sandbox->mount(*server);

    const int port = bind_listener(*server, cfg.host, cfg.port);
    if (port < 0) {
        std::cerr << "nv-server: cannot listen on " << cfg.host << ":" << cfg.port << " (in use, or not allowed)\n";
        if (sandbox_server) {
            sandbox_server->stop();
            sandbox_thread.join();
        }
        return 1;
    }

    if (!is_loopback_host(cfg.host) && !cfg.trust_proxy) {
        log_event("warn",
                  "listening on a non-loopback address without --behind-proxy: cpp-httplib does not bound header "
                  "floods, slow-loris clients or silent connections; put the shipped nginx front "
                  "(server/deploy/) before it",
                  "\"host\":" + nlohmann::json(cfg.host).dump());
    }

    std::thread signal_thread([&] {
        int sig = 0;
        sigwait(&stop_signals, &sig);
        log_event("info", "stopping", "\"signal\":" + std::to_string(sig));
        server->stop();
    });

    const auto upstream_url = parse_base_url(cfg.upstream.base);
    nlohmann::json fields{{"port", port},
                          {"host", cfg.host},
                          {"tls", !cfg.tls_cert.empty()},
                          {"sandbox", cfg.sandbox},
                          {"sandboxUrl", cfg.sandbox_url},
                          {"behindProxy", cfg.trust_proxy},
                          {"threads", cfg.threads},
                          {"maxOpenFiles", open_files},
                          {"upstream", upstream_url ? upstream_url->scheme + "://" + upstream_url->host + ":" +
                                                          std::to_string(upstream_url->port) + upstream.path()
                                                    : ""},
                          {"store", cfg.store.is_redis() ? redacted_redis_url(cfg.store.url) : cfg.store.url},
                          {"storeFailOpen", cfg.store.fail_open},
                          {"assertionKid", keys->kid},
                          {"login", keys->login.has_value()},
                          {"db", cfg.store.is_redis() ? "" : cfg.db_path},
                          // The partner pages that may call the API from their own origin ([]: only ours).
                          {"corsOrigins", cfg.cors_origins}};
    std::string f = fields.dump();
    log_event("info", "listening", f.substr(1, f.size() - 2));

    server->listen_after_bind();  // returns after stop()

    if (sandbox_server) {
        sandbox_server->stop();
        sandbox_thread.join();
    }
    // If the server stopped for another reason, the signal thread is still in sigwait: a SIGTERM to the process
    // wakes it (every thread blocks SIGTERM, so when that thread is already gone it just stays pending).
    kill(getpid(), SIGTERM);
    signal_thread.join();
    log_event("info", "stopped");
    return 0;
}
