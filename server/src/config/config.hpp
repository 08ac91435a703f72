// The server's settings: defaults, then a JSON config file (--config), then environment variables, then
// command-line flags, each overriding the one before. Secrets (the vendor master secret, the admin token) come
// only from the file or the environment, never from flags (other users can read a process's arguments).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "nv/vendors.hpp"
#include "rules/circuit.hpp"
#include "rules/quota.hpp"
#include "rules/risk.hpp"

namespace nv::server {

// The vendor documentation's own example credentials: the sandbox's defaults, so its curl examples run as
// written against the sandbox. They are public, and never valid against the real vendor.
inline constexpr const char* kSandboxAppKey = "7d431e42dfa6a6d693ac2d04";
inline constexpr const char* kSandboxMasterSecret = "5e987ac6d2e04d95a9d8f0d1";
inline constexpr const char* kSandboxAdminToken = "sandbox-admin";
inline constexpr const char* kSandboxBackendToken = "sandbox-backend";
inline constexpr const char* kProductionUpstream = "https://api.verification.jpush.cn";
// Aliyun's sandbox AccessKey pair and scheme code (the sandbox's defaults; never valid at Aliyun).
inline constexpr const char* kSandboxAliyunKeyId = "sandbox-aliyun-id";
inline constexpr const char* kSandboxAliyunKeySecret = "sandbox-aliyun-secret";
inline constexpr const char* kSandboxAliyunSceneCode = "FC100000000000001";
inline constexpr const char* kAliyunProductionBase = "https://dypnsapi.aliyuncs.com";

struct UpstreamSettings {
    std::string base = kProductionUpstream;  // scheme://host[:port][/path prefix]
    int api_version = 2;                     // 1: /v1/web/h5/verify; 2: /v2/web/h5/verify (risk score, client IP)
    std::string ca_file;                     // empty: the system CA bundle
    std::int64_t timeout_ms = 5'000;         // read/write timeout for one verify call
    std::int64_t connect_timeout_ms = 2'000;
    // Only from the --upstream-insecure-skip-verify flag (never the file or the environment), and logged as a
    // warning at startup and on /healthz: for a development upstream with a self-signed certificate.
    bool insecure_skip_verify = false;
};

// Aliyun Dypnsapi (the `aliyun` entry of `vendors`). The AccessKey pair only from the file or the environment
// (NV_ALIYUN_ACCESS_KEY_ID, NV_ALIYUN_ACCESS_KEY_SECRET); the scheme code also from NV_ALIYUN_SCENE_CODE. The
// timeouts and TLS settings are the upstream's.
struct AliyunSettings {
    std::string base = kAliyunProductionBase;
    std::string access_key_id;
    std::string access_key_secret;
    std::string scene_code;  // the 认证方案 (FC...) registered with the partner's page Url and Origin
};

struct FlowTimeouts {  // published to the page by /api/v1/config
    std::int64_t token_timeout_ms = 4'000;
    std::int64_t token_budget_ms = 8'000;
    std::int64_t verify_timeout_ms = 10'000;
};

// Where quotas, used tokens and the ledger live (store.hpp): one SQLite file, or Redis shared by several servers.
struct StoreSettings {
    std::string url;  // "sqlite:PATH" (the default, PATH = db_path), "redis://..." or "rediss://..." (TLS)
    std::string redis_ca;                 // rediss: CA bundle to verify Redis with (empty: the system's)
    std::string redis_cert, redis_key;    // rediss: a client certificate, if Redis asks for one
    std::string redis_password;           // NV_REDIS_PASSWORD: AUTH without putting the password in the URL
    std::int64_t redis_timeout_ms = 1'000;          // one command
    std::int64_t redis_connect_timeout_ms = 1'000;
    // Durability on failover: after each write, WAIT for this many replicas to have it (-1: 1 with
    // redis-sentinel:// and redis-cluster://, 0 otherwise; all connected ones when fewer are connected), at most
    // redis_wait_timeout_ms; fewer is a store failure (503).
    std::int64_t redis_wait_replicas = -1;
    std::int64_t redis_wait_timeout_ms = 100;
    // false (the default): while the store is unreachable, verifications are refused with 503
    // STORE_UNAVAILABLE, so the paid quota cannot be overspent. true: they go ahead without quota checks or the
    // replay guard (logged and counted in nv_store_fail_open_total).
    bool fail_open = false;

    bool is_redis() const {
        for (const char* scheme : {"redis://", "rediss://", "redis-sentinel://", "rediss-sentinel://", "redis-cluster://",
                                   "rediss-cluster://"}) {
            if (url.rfind(scheme, 0) == 0) return true;
        }
        return false;
    }
};

// Signed results (DESIGN 10): every success carries a compact JWS (ES256) a partner's backend verifies against
// /.well-known/jwks.json.
struct AssertionSettings {
    std::string key_file;           // the current signing key: an EC P-256 private key, PEM (PKCS#8 or SEC1)
    std::string previous_key_file;  // the key it replaced: published in the JWKS (not used to sign) until removed
    std::string issuer = "nv-server";
    std::string audience = "partner-backend";
    std::int64_t ttl_sec = 300;
};

struct ServerConfig {
    std::string host = "127.0.0.1";
    int port = 8080;  // 0: any free port (printed in the "listening" log line)
    // The most worker threads; they start on demand. cpp-httplib holds one per open connection, so this is the
    // number of connections served at once (docs/server.md, "Threads": measured against vendor latency).
    int threads = 1024;
    bool sandbox = false;
    int sandbox_port = 0;  // the sandbox's own loopback listener (the upstream client's target); 0: any free port
    // Use the sandbox of another nv-server (the base URL of its sandbox listener, or of its main listener)
    // instead of starting one: its vendor is the upstream and SMS codes go to its inbox. Implies sandbox mode.
    // For several instances behind one front (scripts/stack.sh), where the sandbox's state must live in one
    // process.
    std::string sandbox_url;

    std::string app_key;
    std::string master_secret;
    std::string admin_token;  // bearer token for /api/v1/usage; empty: the endpoint is disabled
    std::string backend_token;  // bearer token for POST /api/v1/risk (the partner's backend); empty: disabled
    // One-click login: the private half of the RSA key pair whose public half is registered with the vendor
    // (PEM, PKCS#1 or PKCS#8). Empty: POST /api/v1/login answers 503 LOGIN_NOT_CONFIGURED (in sandbox mode
    // the server makes a key pair at start and gives the sandbox vendor its public half).
    std::string login_private_key_file;
    AssertionSettings assertion;
    // The SMS fallback asks the vendor's business-risk API first and sends no code to a number whose decision
    // is deny (SMS pumping). Default: on in sandbox mode, off otherwise (it is billed); config sms.riskCheck.
    std::optional<bool> sms_risk_check;
    UpstreamSettings upstream;  // Jiguang's REST API (and the transport settings every vendor uses)
    // The vendors, in order: the first is the default of /api/v1/verify and /api/v1/login, and the order the page
    // asks them in (config `vendors`, --vendors jiguang,aliyun). Empty: [jiguang], or in sandbox mode [jiguang,
    // aliyun], both emulated.
    std::vector<VendorId> vendors;
    AliyunSettings aliyun;
    // Per carrier (CM, CU, CT), the order the page asks the vendors in (config `routing`, e.g. {"CM": ["aliyun",
    // "jiguang"]}); a carrier not listed follows `vendors`.
    std::array<std::vector<VendorId>, 3> routing;
    // Each vendor's circuit (config circuit: {failuresToOpen, openSec}).
    CircuitPolicy circuit;

    // The SQLite store's file (--db, NV_DB, "db", or --store sqlite:PATH). Without one, it goes into the state
    // directory (default_state_dir; never the working directory): nv-server.db, or nv-server-sandbox.db in
    // sandbox mode, so a demo never mixes with real quotas.
    std::string db_path;
    std::string db_dir;  // set when db_path is that default: the directory to create (0700) before opening it
    StoreSettings store;
    std::string web_dir;   // served at /sdk/
    std::string demo_dir;  // served at /
    std::string tls_cert, tls_key;  // both set: serve HTTPS
    // Behind the shipped front (server/deploy/nginx.conf.template), which bounds what cpp-httplib cannot:
    // header floods, slow clients, idle connections. Takes the client IP from the last X-Forwarded-For hop
    // (the front's own). Without it, listening on a non-loopback address logs a warning at startup.
    bool trust_proxy = false;
    std::int64_t max_body_bytes = 16 * 1024;
    // Origins (scheme://host[:port]) whose pages may call the API across origins. Empty: only pages we serve
    // ourselves (the demo); other origins get 403 ORIGIN_NOT_ALLOWED.
    std::vector<std::string> cors_origins;
    // A connection is closed when a read or a write waits longer than this, or when idle between requests.
    int read_timeout_sec = 10;
    int write_timeout_sec = 10;
    int idle_timeout_sec = 5;

    QuotaLimits quotas;
    RiskThresholds risk;
    std::int64_t prepaid_volume = 10'000;  // the vendor package size, for the usage report's price estimate
    FlowTimeouts flow;

    // The sandbox vendor's own limits (9005/9006/9007) and its gateways' unused-token limit; benchmarks raise them.
    QuotaLimits sandbox_vendor_limits;
    std::int64_t sandbox_unused_tokens = 30;
};

struct ConfigResult {
    std::optional<ServerConfig> config;
    std::string error;  // when there is no config and no help/version request
    bool help = false;
    bool version = false;
};

using EnvLookup = std::function<std::optional<std::string>(const char* name)>;

// Parses `args` (without the program name), the environment and the --config file.
ConfigResult load_config(const std::vector<std::string>& args, const EnvLookup& env);

// Applies one JSON config document (the --config file's content) on top of `cfg`; returns an error or "".
std::string apply_config_json(const std::string& text, ServerConfig& cfg);

// The --help text.
std::string config_help();

// Where the SQLite store's file goes when none is given: systemd's StateDirectory= ($STATE_DIRECTORY, the first
// when it lists several; the shipped unit's is /var/lib/nv-server), else $XDG_STATE_HOME/nv-server, else
// $HOME/.local/state/nv-server (the XDG Base Directory rules: a relative value is ignored). "" when none is set.
std::string default_state_dir(const EnvLookup& env);

// Creates `dir` and any missing parent with mode 0700 (an existing one keeps its mode); `created` says whether
// `dir` itself was made. Returns an error message, or "".
std::string make_private_dir(const std::string& dir, bool& created);

struct UrlParts {
    std::string scheme;  // http or https
    std::string host;
    int port = 0;
    std::string path;  // prefix without a trailing slash ("" or "/sandbox/vendor")
};
std::optional<UrlParts> parse_base_url(const std::string& url);
bool is_loopback_host(const std::string& host);

}  // namespace nv::server
