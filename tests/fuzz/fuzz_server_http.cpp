// libFuzzer: every JSON request body (and the usage query) nv-server accepts, through the real HTTP stack:
// an in-process nv-server --sandbox (API + sandbox routes, SQLite store on a temp file, quotas off so inputs
// reach the deep code) on a loopback port, driven by a keep-alive client. The first input byte picks the route,
// the rest is the body.
// Invariants: every request gets an answer; never a 500 (the exception guard firing is a bug); every answer is
// a JSON object; every error carries a reason id from the shared table.
#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "http/listener.hpp"
#include "http/routes.hpp"
#include "base/crypto.hpp"
#include "base/metrics.hpp"
#include "sandbox/sandbox.hpp"
#include "store/sqlite_store.hpp"
#include "vendor/aliyun.hpp"
#include "vendor/jiguang.hpp"

using namespace nv::server;

namespace {

struct World {
    ServerConfig cfg;
    std::unique_ptr<SqliteStore> store;
    std::unique_ptr<Sandbox> sandbox;
    std::unique_ptr<UpstreamClient> upstream;
    std::unique_ptr<JiguangVendor> jiguang;
    std::unique_ptr<AliyunVendor> aliyun;
    Vendors vendors;
    Metrics metrics;
    NoSmsSender no_sms;
    KeyRing keys;
    std::unique_ptr<App> app;
    httplib::Server server;
    std::thread thread;
    std::unique_ptr<httplib::Client> client;
};

World* world = nullptr;

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    std::freopen("/dev/null", "w", stdout);  // the request log (libFuzzer reports on stderr)
    world = new World();
    World& w = *world;
    w.cfg.sandbox = true;
    w.cfg.threads = 4;
    w.cfg.app_key = kSandboxAppKey;
    w.cfg.master_secret = kSandboxMasterSecret;
    w.cfg.admin_token = kSandboxAdminToken;
    w.cfg.quotas = QuotaLimits{0, 0, 0, 0, 60'000};
    w.cfg.sandbox_vendor_limits = QuotaLimits{0, 0, 0, 0, 60'000};
    w.cfg.sandbox_unused_tokens = 0;
    w.cfg.upstream.timeout_ms = 2'000;
    const auto dir = std::filesystem::temp_directory_path() / ("nv-fuzz-" + random_hex(6));
    std::filesystem::create_directories(dir);
    w.store = std::make_unique<SqliteStore>((dir / "nv.db").string());
    SandboxOptions so;
    so.app_key = kSandboxAppKey;
    so.master_secret = kSandboxMasterSecret;
    so.vendor_limits = w.cfg.sandbox_vendor_limits;
    so.unused_token_limit = 0;
    so.aliyun_key_id = kSandboxAliyunKeyId;
    so.aliyun_key_secret = kSandboxAliyunKeySecret;
    so.aliyun_scene_code = kSandboxAliyunSceneCode;
    w.cfg.sandbox = true;
    std::string key_error;
    w.keys = *load_keys(w.cfg, key_error);  // sandbox mode: both keys made now
    so.login_public_key = *Key::public_from_pem(w.keys.login->public_pem(), key_error);
    w.sandbox = std::make_unique<Sandbox>(so, now_ms);
    tune_server(w.server, w.cfg, nullptr);  // before binding: TCP_NODELAY is set on the listening socket
    const int port = bind_listener(w.server, "127.0.0.1", 0);
    if (port <= 0) std::abort();
    // The upstream is this very server's sandbox vendor.
    w.cfg.upstream.base = "http://127.0.0.1:" + std::to_string(port) + "/sandbox/vendor";
    w.upstream = std::make_unique<UpstreamClient>(w.cfg.upstream, w.cfg.app_key, w.cfg.master_secret);
    // Both vendors, each the sandbox's emulation on this very server.
    w.cfg.aliyun = AliyunSettings{"http://127.0.0.1:" + std::to_string(port) + "/sandbox/aliyun", kSandboxAliyunKeyId,
                                  kSandboxAliyunKeySecret, kSandboxAliyunSceneCode};
    w.jiguang = std::make_unique<JiguangVendor>(*w.upstream);
    w.aliyun = std::make_unique<AliyunVendor>(w.cfg.aliyun, w.cfg.upstream, 4, now_ms);
    w.vendors.add(*w.jiguang);
    w.vendors.add(*w.aliyun);
    w.app = std::make_unique<App>(
        App{w.cfg, *w.store, *w.upstream, w.vendors, w.metrics, w.sandbox->sms_sender(), w.keys, now_ms});
    install_api(w.server, *w.app);
    w.sandbox->mount(w.server);
    w.thread = std::thread([&w] { w.server.listen_after_bind(); });
    w.client = std::make_unique<httplib::Client>("127.0.0.1", port);
    w.client->set_keep_alive(true);
    w.client->set_tcp_nodelay(true);
    w.client->set_read_timeout(10, 0);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    World& w = *world;
    const std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
    const char* json_type = "application/json";
    const int route = data[0] % 8;
    // Route 7 is split by the next bits (older seeds keep their routes): a text/plain verify, one-click login,
    // the backend's risk query, the sandbox vendor's loginTokenVerify; the text/plain verify's share by the top
    // bits again: the quota pre-checks of verify and of login.
    const int sub = (data[0] / 8) % 4;
    const int check = (data[0] / 32) % 4;
    const bool vendor_shape = route == 5 || (route == 7 && sub == 3);
    const httplib::Headers vendor_auth{
        {"Authorization", "Basic " + base64_encode(std::string(kSandboxAppKey) + ":" + kSandboxMasterSecret)}};
    httplib::Result r = [&]() -> httplib::Result {
        switch (route) {
            case 0: return w.client->Post("/api/v1/verify", body, json_type);
            case 1: return w.client->Post("/api/v1/sms/send", body, json_type);
            case 2: return w.client->Post("/api/v1/sms/check", body, json_type);
            case 3: return w.client->Post("/sandbox/devices", body, json_type);
            case 4: {
                auto f = w.client->Post("/sandbox/faults", body, json_type);
                w.client->Delete("/sandbox/faults");  // a fuzzed fault must not slow every later input
                return f;
            }
            case 5: return w.client->Post("/sandbox/vendor/v2/web/h5/verify", vendor_auth, body, json_type);
            case 6: {
                std::string q;
                static const char* const kHex = "0123456789ABCDEF";
                for (unsigned char c : body) {
                    q += '%';
                    q += kHex[c >> 4];
                    q += kHex[c & 15];
                }
                httplib::Headers h{{"Authorization", std::string("Bearer ") + kSandboxAdminToken}};
                return w.client->Get(("/api/v1/usage?day=" + q).c_str(), h);
            }
            default:
                switch (sub) {
                    case 1: return w.client->Post("/api/v1/login", body, json_type);
                    case 2: {
                        httplib::Headers h{{"Authorization", std::string("Bearer ") + kSandboxBackendToken}};
                        return w.client->Post("/api/v1/risk", h, body, json_type);
                    }
                    case 3: return w.client->Post("/sandbox/vendor/v2/web/h5/loginTokenVerify", vendor_auth, body, json_type);
                    default:
                        if (check == 1) return w.client->Post("/api/v1/verify/check", body, json_type);
                        if (check == 2) return w.client->Post("/api/v1/login/check", body, json_type);
                        return w.client->Post("/api/v1/verify", body, "text/plain");
                }
        }
    }();
    if (!r) std::abort();  // no answer at all
    if (r->status == 500) std::abort();
    const auto j = nlohmann::json::parse(r->body, nullptr, false);
    if (r->status == 204) return 0;
    if (j.is_discarded() || !j.is_object()) std::abort();
    if (vendor_shape) {
        if (!j.contains("code") || !j["code"].is_number_integer()) std::abort();
    } else if (r->status >= 400) {
        const auto& e = j["error"];
        if (!e.is_object() || !e["code"].is_string() || !nv::reason_from_id(e["code"].get<std::string>())) std::abort();
    }
    return 0;
}
