#include "config/config.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string_view>

#include "base/json_strict.hpp"
#include "store/redis_client.hpp"
#include "rules/security.hpp"

namespace nv::server {
namespace {

using nlohmann::json;

std::optional<std::int64_t> to_int(const std::string& s) {
    std::int64_t v = 0;
    const auto* end = s.data() + s.size();
    const auto [p, ec] = std::from_chars(s.data(), end, v);
    if (ec != std::errc() || p != end) return std::nullopt;
    return v;
}

// Walks one JSON object, refusing keys it does not know (a typo must not silently fall back to a default).
class Reader {
public:
    Reader(const json& obj, std::string path, std::string& error) : obj_(obj), path_(std::move(path)), error_(error) {
        if (!obj_.is_object()) fail(path_.empty() ? "the config file must hold a JSON object" : path_ + " must be an object");
    }

    bool ok() const { return error_.empty(); }

    void str(const char* key, std::string& out) {
        if (const json* v = take(key)) {
            if (v->is_string()) out = v->get<std::string>();
            else fail(name(key) + " must be a string");
        }
    }
    void boolean(const char* key, bool& out) {
        if (const json* v = take(key)) {
            if (v->is_boolean()) out = v->get<bool>();
            else fail(name(key) + " must be true or false");
        }
    }
    template <class T>
    void integer(const char* key, T& out, std::int64_t lo, std::int64_t hi, std::int64_t scale = 1) {
        if (const json* v = take(key)) {
            if (!v->is_number_integer() || v->get<std::int64_t>() < lo || v->get<std::int64_t>() > hi) {
                fail(name(key) + " must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
            } else {
                out = static_cast<T>(v->get<std::int64_t>() * scale);
            }
        }
    }
    const json* object(const char* key) { return take(key); }
    std::string name(const char* key) const { return path_.empty() ? key : path_ + "." + key; }

    void finish() {
        if (!ok() || !obj_.is_object()) return;
        for (const auto& [k, v] : obj_.items()) {
            (void)v;
            bool known = false;
            for (const auto& s : seen_) known = known || s == k;
            if (!known) {
                fail("unknown setting \"" + name(k.c_str()) + "\"");
                return;
            }
        }
    }
    void fail(const std::string& message) {
        if (error_.empty()) error_ = message;
    }

private:
    const json* take(const char* key) {
        seen_.emplace_back(key);
        if (!ok() || !obj_.is_object()) return nullptr;
        auto it = obj_.find(key);
        return it == obj_.end() ? nullptr : &*it;
    }

    const json& obj_;
    std::string path_;
    std::string& error_;
    std::vector<std::string> seen_;
};

constexpr std::int64_t kMaxMs = 24LL * 3600 * 1000;
constexpr int kMaxThreads = 4096;
constexpr std::int64_t kBig = std::numeric_limits<std::int32_t>::max();

std::string validate(const ServerConfig& c) {
    if (!thresholds_valid(c.risk)) return "risk thresholds must rise: 0 < review < stepUp < deny";
    if (!c.sandbox_url.empty()) {
        const auto s = parse_base_url(c.sandbox_url);
        if (!s || !s->path.empty() || !is_loopback_host(s->host)) {
            return "--sandbox-url must be the loopback base URL of another nv-server's sandbox "
                   "(http://127.0.0.1:PORT)";
        }
    }
    if (c.tls_cert.empty() != c.tls_key.empty()) return "TLS needs both a certificate (--tls-cert) and a key (--tls-key)";
    const auto url = parse_base_url(c.upstream.base);
    if (!url) return "the upstream base URL must look like https://host[:port][/path]";
    if (url->scheme == "http" && !is_loopback_host(url->host)) {
        return "the upstream must use https (plain http is allowed only to a loopback address)";
    }
    for (std::size_t i = 0; i < c.vendors.size(); ++i) {
        for (std::size_t j = 0; j < i; ++j) {
            if (c.vendors[i] == c.vendors[j]) {
                return "vendors: " + std::string(vendor_info(c.vendors[i]).key) + " is listed twice";
            }
        }
    }
    for (const auto& order : c.routing) {
        for (const VendorId v : order) {
            if (std::find(c.vendors.begin(), c.vendors.end(), v) == c.vendors.end()) {
                return "routing names " + std::string(vendor_info(v).key) + ", which is not in vendors";
            }
        }
    }
    if (std::find(c.vendors.begin(), c.vendors.end(), VendorId::Aliyun) != c.vendors.end()) {
        const auto a = parse_base_url(c.aliyun.base);
        if (!a) return "the aliyun base URL must look like https://dypnsapi.aliyuncs.com";
        if (a->scheme == "http" && !is_loopback_host(a->host)) {
            return "the aliyun base must use https (plain http is allowed only to a loopback address)";
        }
        if (c.aliyun.access_key_id.empty() || c.aliyun.access_key_secret.empty() || c.aliyun.scene_code.empty()) {
            return "the aliyun vendor needs its AccessKey pair and scheme code: set NV_ALIYUN_ACCESS_KEY_ID, "
                   "NV_ALIYUN_ACCESS_KEY_SECRET and NV_ALIYUN_SCENE_CODE (or accessKeyId, accessKeySecret and "
                   "sceneCode in the aliyun entry of vendors in the --config file)";
        }
    }
    for (const std::string& o : c.cors_origins) {
        if (!valid_origin(o)) return "CORS origin \"" + o + "\" must look like https://shop.example.com (scheme://host[:port])";
    }
    if (c.store.is_redis()) {
        std::string e;
        if (!parse_redis_url(c.store.url, e)) return "--store: " + e;
    } else if (!c.store.url.empty() && c.store.url.rfind("sqlite:", 0) != 0) {
        return "the store must be sqlite:PATH, redis://host[:port][/db], rediss://host[:port][/db], "
               "redis-sentinel://host[:port][,host[:port]...]/MASTER[/db] or redis-cluster://host[:port][,host[:port]...]";
    } else if (c.store.url.size() == 7) {
        return "the store needs a path: sqlite:PATH";
    }
    if (c.assertion.issuer.empty() || c.assertion.audience.empty()) return "assertion issuer and audience must not be empty";
    if (!c.backend_token.empty() && c.backend_token.size() < 16 && !c.sandbox) {
        return "NV_BACKEND_TOKEN must be at least 16 characters";
    }
    const bool jiguang = std::find(c.vendors.begin(), c.vendors.end(), VendorId::Jiguang) != c.vendors.end();
    if (!c.sandbox && jiguang && (c.app_key.empty() || c.master_secret.empty())) {
        return "production mode needs the vendor credentials: set NV_APP_KEY and NV_MASTER_SECRET (or appKey and "
               "masterSecret in the --config file), or start with --sandbox";
    }
    if (!c.sandbox && c.assertion.key_file.empty()) {
        return "production mode needs the assertion signing key (an EC P-256 private key, PEM): set "
               "NV_ASSERTION_KEY_FILE (or assertion.keyFile in the --config file); docs/backend.md shows how to make "
               "one";
    }
    if (c.store.url.empty()) {
        return "no file was given for the SQLite store, and there is no state directory to put it in (none of "
               "STATE_DIRECTORY, XDG_STATE_HOME, HOME is set): give one with --db PATH (or NV_DB, or --store "
               "sqlite:PATH), or use --store redis://...";
    }
    return "";
}

}  // namespace

bool is_loopback_host(const std::string& host) {
    return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

std::optional<UrlParts> parse_base_url(const std::string& url) {
    UrlParts u;
    std::string rest;
    if (url.rfind("https://", 0) == 0) {
        u.scheme = "https";
        rest = url.substr(8);
        u.port = 443;
    } else if (url.rfind("http://", 0) == 0) {
        u.scheme = "http";
        rest = url.substr(7);
        u.port = 80;
    } else {
        return std::nullopt;
    }
    const std::size_t slash = rest.find('/');
    std::string authority = rest.substr(0, slash);
    u.path = slash == std::string::npos ? "" : rest.substr(slash);
    while (!u.path.empty() && u.path.back() == '/') u.path.pop_back();
    if (authority.empty() || authority.find_first_of("@?#") != std::string::npos) return std::nullopt;
    const std::size_t colon = authority.rfind(':');
    if (colon != std::string::npos && authority.find(']') == std::string::npos) {
        const auto port = to_int(authority.substr(colon + 1));
        if (!port || *port < 1 || *port > 65535) return std::nullopt;
        u.port = static_cast<int>(*port);
        authority.resize(colon);
    }
    if (authority.empty()) return std::nullopt;
    for (char ch : authority) {
        const bool okc = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                         ch == '.' || ch == '-' || ch == '[' || ch == ']' || ch == ':';
        if (!okc) return std::nullopt;
    }
    u.host = authority;
    if (u.path.find_first_of("?# ") != std::string::npos) return std::nullopt;
    return u;
}

std::string apply_config_json(const std::string& text, ServerConfig& c) {
    const StrictJson parsed = parse_json_strict(text);
    if (!parsed.duplicate_key.empty()) return "the setting \"" + parsed.duplicate_key + "\" appears twice";
    if (!parsed.ok) return "the config file is not valid JSON";
    const json& doc = parsed.value;
    std::string error;
    Reader r(doc, "", error);
    r.str("host", c.host);
    r.integer("port", c.port, 0, 65535);
    r.integer("threads", c.threads, 1, kMaxThreads);
    r.boolean("sandbox", c.sandbox);
    r.integer("sandboxPort", c.sandbox_port, 0, 65535);
    r.str("sandboxUrl", c.sandbox_url);
    r.str("appKey", c.app_key);
    r.str("masterSecret", c.master_secret);
    r.str("adminToken", c.admin_token);
    r.str("backendToken", c.backend_token);
    if (const json* l = r.object("login")) {
        Reader u(*l, "login", error);
        u.str("privateKeyFile", c.login_private_key_file);
        u.finish();
    }
    if (const json* a = r.object("assertion")) {
        Reader u(*a, "assertion", error);
        u.str("keyFile", c.assertion.key_file);
        u.str("previousKeyFile", c.assertion.previous_key_file);
        u.str("issuer", c.assertion.issuer);
        u.str("audience", c.assertion.audience);
        u.integer("ttlSec", c.assertion.ttl_sec, 10, 3'600);
        u.finish();
    }
    if (const json* m = r.object("sms")) {
        Reader u(*m, "sms", error);
        bool on = false;
        if (m->contains("riskCheck")) {
            u.boolean("riskCheck", on);
            c.sms_risk_check = on;
        }
        u.finish();
    }
    r.str("db", c.db_path);
    r.str("store", c.store.url);
    r.boolean("storeFailOpen", c.store.fail_open);
    if (const json* rd = r.object("redis")) {
        Reader u(*rd, "redis", error);
        u.str("caFile", c.store.redis_ca);
        u.str("certFile", c.store.redis_cert);
        u.str("keyFile", c.store.redis_key);
        u.integer("timeoutMs", c.store.redis_timeout_ms, 10, 60'000);
        u.integer("connectTimeoutMs", c.store.redis_connect_timeout_ms, 10, 60'000);
        u.integer("waitReplicas", c.store.redis_wait_replicas, -1, 16);
        u.integer("waitTimeoutMs", c.store.redis_wait_timeout_ms, 1, 10'000);
        u.finish();
    }
    r.str("webDir", c.web_dir);
    r.str("demoDir", c.demo_dir);
    r.boolean("trustProxy", c.trust_proxy);
    r.integer("maxBodyBytes", c.max_body_bytes, 256, 1 << 20);
    r.integer("readTimeoutSec", c.read_timeout_sec, 1, 300);
    r.integer("writeTimeoutSec", c.write_timeout_sec, 1, 300);
    r.integer("idleTimeoutSec", c.idle_timeout_sec, 1, 300);
    if (const json* origins = r.object("corsOrigins")) {
        c.cors_origins.clear();
        if (!origins->is_array()) r.fail("corsOrigins must be a list of origins");
        for (const json& o : origins->is_array() ? *origins : json::array()) {
            if (!o.is_string() || !valid_origin(o.get<std::string>())) {
                r.fail("corsOrigins: each must look like https://shop.example.com (scheme://host[:port], no path)");
                break;
            }
            c.cors_origins.push_back(o.get<std::string>());
        }
    }
    r.integer("prepaidVolume", c.prepaid_volume, 1, kBig);
    if (const json* vendors = r.object("vendors")) {
        c.vendors.clear();
        if (!vendors->is_array() || vendors->empty()) r.fail("vendors must be a non-empty list of {\"name\": ...}");
        for (const json& v : vendors->is_array() ? *vendors : json::array()) {
            const auto id = v.is_object() && v.contains("name") && v["name"].is_string()
                                ? vendor_from_key(v["name"].get<std::string>())
                                : std::nullopt;
            if (!id) {
                r.fail("vendors: each entry needs a name, jiguang or aliyun");
                break;
            }
            c.vendors.push_back(*id);
            Reader e(v, "vendors." + std::string(vendor_info(*id).key), error);
            std::string name;
            e.str("name", name);
            if (*id == VendorId::Aliyun) {
                e.str("base", c.aliyun.base);
                e.str("sceneCode", c.aliyun.scene_code);
                e.str("accessKeyId", c.aliyun.access_key_id);
                e.str("accessKeySecret", c.aliyun.access_key_secret);
            }
            e.finish();
        }
    }
    if (const json* circuit = r.object("circuit")) {
        Reader u(*circuit, "circuit", error);
        u.integer("failuresToOpen", c.circuit.failures_to_open, 1, 1000);
        u.integer("openSec", c.circuit.open_ms, 1, 3600, 1000);
        u.finish();
    }
    if (const json* routing = r.object("routing")) {
        Reader rt(*routing, "routing", error);
        for (std::size_t op = 0; op < 3; ++op) {
            const std::string carrier(operator_id(static_cast<Operator>(op)));
            const json* order = rt.object(carrier.c_str());
            if (!order) continue;
            c.routing[op].clear();
            if (!order->is_array() || order->empty()) rt.fail("routing." + carrier + " must be a list of vendor names");
            for (const json& v : order->is_array() ? *order : json::array()) {
                const auto id = v.is_string() ? vendor_from_key(v.get<std::string>()) : std::nullopt;
                if (!id) {
                    rt.fail("routing." + carrier + ": each must be jiguang or aliyun");
                    break;
                }
                c.routing[op].push_back(*id);
            }
        }
        rt.finish();
    }
    if (const json* up = r.object("upstream")) {
        Reader u(*up, "upstream", error);
        u.str("base", c.upstream.base);
        u.integer("apiVersion", c.upstream.api_version, 1, 2);
        u.str("caFile", c.upstream.ca_file);
        u.integer("timeoutMs", c.upstream.timeout_ms, 100, 120'000);
        u.integer("connectTimeoutMs", c.upstream.connect_timeout_ms, 100, 60'000);
        u.finish();
    }
    if (const json* tls = r.object("tls")) {
        Reader t(*tls, "tls", error);
        t.str("cert", c.tls_cert);
        t.str("key", c.tls_key);
        t.finish();
    }
    // The vendor's three limits, read the same way for our quotas and for the sandbox vendor's own.
    auto vendor_limits = [](Reader& u, QuotaLimits& l) {
        u.integer("numberIntervalSec", l.number_interval_ms, 0, 86'400, 1000);
        u.integer("numberDaily", l.number_daily, 0, kBig);
        u.integer("appDaily", l.app_daily, 0, kBig);
    };
    if (const json* q = r.object("quotas")) {
        Reader u(*q, "quotas", error);
        vendor_limits(u, c.quotas);
        u.integer("ipLimit", c.quotas.ip_limit, 0, kBig);
        u.integer("ipWindowSec", c.quotas.ip_window_ms, 1, 86'400, 1000);
        u.finish();
    }
    if (const json* q = r.object("sandboxLimits")) {
        Reader u(*q, "sandboxLimits", error);
        vendor_limits(u, c.sandbox_vendor_limits);
        u.integer("unusedTokens", c.sandbox_unused_tokens, 0, kBig);
        u.finish();
    }
    if (const json* k = r.object("risk")) {
        Reader u(*k, "risk", error);
        u.integer("review", c.risk.review, 1, 100'000);
        u.integer("stepUp", c.risk.step_up, 1, 100'000);
        u.integer("deny", c.risk.deny, 1, 100'000);
        u.finish();
    }
    if (const json* f = r.object("flow")) {
        Reader u(*f, "flow", error);
        u.integer("tokenTimeoutMs", c.flow.token_timeout_ms, 100, kMaxMs);
        u.integer("tokenBudgetMs", c.flow.token_budget_ms, 100, kMaxMs);
        u.integer("verifyTimeoutMs", c.flow.verify_timeout_ms, 100, kMaxMs);
        u.finish();
    }
    r.finish();
    return error;
}

ConfigResult load_config(const std::vector<std::string>& args, const EnvLookup& env) {
    ConfigResult result;
    ServerConfig c;
    c.web_dir = std::string(NV_SOURCE_DIR) + "/web";
    c.demo_dir = std::string(NV_SOURCE_DIR) + "/demo";

    // Flags are read first (to find --config and --help) and applied last.
    struct Flag {
        std::string name, value;
    };
    std::vector<Flag> flags;
    std::string config_file;
    static const char* const kValued[] = {"--port", "--host", "--config", "--db", "--threads", "--upstream",
                                          "--upstream-ca", "--api-version", "--tls-cert", "--tls-key", "--web-dir",
                                          "--demo-dir", "--sandbox-port", "--store", "--redis-ca", "--cors-origin",
                                          "--sandbox-url", "--vendors"};
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string a = args[i];
        std::string value;
        bool has_value = false;
        if (const std::size_t eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
            value = a.substr(eq + 1);
            a.resize(eq);
            has_value = true;
        }
        if (a == "--help" || a == "-h") {
            result.help = true;
            return result;
        }
        if (a == "--version") {
            result.version = true;
            return result;
        }
        if (a == "--sandbox" || a == "--store-fail-open" || a == "--upstream-insecure-skip-verify" ||
            a == "--behind-proxy") {
            flags.push_back({a, ""});
            continue;
        }
        bool valued = false;
        for (const char* v : kValued) valued = valued || a == v;
        if (!valued) {
            result.error = "unknown option \"" + a + "\" (see --help)";
            return result;
        }
        if (!has_value) {
            if (i + 1 >= args.size()) {
                result.error = "option " + a + " needs a value (see --help)";
                return result;
            }
            value = args[++i];
        }
        if (a == "--config") config_file = value;
        else flags.push_back({a, value});
    }

    if (!config_file.empty()) {
        std::ifstream in(config_file, std::ios::binary);
        if (!in) {
            result.error = "cannot read the config file " + config_file;
            return result;
        }
        std::stringstream ss;
        ss << in.rdbuf();
        if (std::string e = apply_config_json(ss.str(), c); !e.empty()) {
            result.error = config_file + ": " + e;
            return result;
        }
    }

    auto set_int = [&](const std::string& what, const std::string& text, auto& out, std::int64_t lo, std::int64_t hi) {
        const auto v = to_int(text);
        if (!v || *v < lo || *v > hi) {
            result.error = what + " must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
            return false;
        }
        out = static_cast<std::remove_reference_t<decltype(out)>>(*v);
        return true;
    };
    struct EnvVar {
        const char* name;
        std::string* target;
    };
    const EnvVar strings[] = {{"NV_APP_KEY", &c.app_key},          {"NV_MASTER_SECRET", &c.master_secret},
                              {"NV_ADMIN_TOKEN", &c.admin_token},  {"NV_UPSTREAM_BASE", &c.upstream.base},
                              {"NV_UPSTREAM_CA", &c.upstream.ca_file}, {"NV_DB", &c.db_path},
                              {"NV_HOST", &c.host},                {"NV_STORE", &c.store.url},
                              {"NV_REDIS_CA", &c.store.redis_ca},  {"NV_REDIS_PASSWORD", &c.store.redis_password},
                              {"NV_BACKEND_TOKEN", &c.backend_token},
                              {"NV_LOGIN_PRIVATE_KEY_FILE", &c.login_private_key_file},
                              {"NV_ASSERTION_KEY_FILE", &c.assertion.key_file},
                              {"NV_ASSERTION_PREVIOUS_KEY_FILE", &c.assertion.previous_key_file},
                              {"NV_ASSERTION_ISSUER", &c.assertion.issuer},
                              {"NV_ASSERTION_AUDIENCE", &c.assertion.audience},
                              {"NV_ALIYUN_ACCESS_KEY_ID", &c.aliyun.access_key_id},
                              {"NV_ALIYUN_ACCESS_KEY_SECRET", &c.aliyun.access_key_secret},
                              {"NV_ALIYUN_SCENE_CODE", &c.aliyun.scene_code}};
    for (const EnvVar& e : strings) {
        if (auto v = env(e.name)) *e.target = *v;
    }
    // systemd credentials (LoadCredential=assertion.pem:..., login.pem:...; server/deploy/nv-server@.service): the
    // unit's own user may read them, although the files on disk are root's.
    if (auto dir = env("CREDENTIALS_DIRECTORY"); dir && !dir->empty()) {
        auto readable = [](const std::string& p) { return std::ifstream(p).good(); };
        if (c.assertion.key_file.empty() && readable(*dir + "/assertion.pem")) c.assertion.key_file = *dir + "/assertion.pem";
        if (c.login_private_key_file.empty() && readable(*dir + "/login.pem")) c.login_private_key_file = *dir + "/login.pem";
        if (c.assertion.previous_key_file.empty() && readable(*dir + "/assertion-previous.pem")) {
            c.assertion.previous_key_file = *dir + "/assertion-previous.pem";
        }
    }
    if (auto v = env("NV_CORS_ORIGINS")) {
        c.cors_origins.clear();
        std::stringstream list(*v);
        for (std::string o; std::getline(list, o, ',');) {
            o.erase(0, o.find_first_not_of(' '));
            o.erase(o.find_last_not_of(' ') + 1);
            if (!o.empty()) c.cors_origins.push_back(o);
        }
    }
    if (auto v = env("NV_PORT"); v && !set_int("NV_PORT", *v, c.port, 0, 65535)) return result;
    if (auto v = env("NV_API_VERSION"); v && !set_int("NV_API_VERSION", *v, c.upstream.api_version, 1, 2)) return result;

    for (const Flag& f : flags) {
        bool ok = true;
        if (f.name == "--sandbox") c.sandbox = true;
        else if (f.name == "--store-fail-open") c.store.fail_open = true;
        else if (f.name == "--upstream-insecure-skip-verify") c.upstream.insecure_skip_verify = true;
        else if (f.name == "--behind-proxy") c.trust_proxy = true;
        else if (f.name == "--sandbox-url") c.sandbox_url = f.value;
        else if (f.name == "--cors-origin") c.cors_origins.push_back(f.value);
        else if (f.name == "--store") c.store.url = f.value;
        else if (f.name == "--redis-ca") c.store.redis_ca = f.value;
        else if (f.name == "--port") ok = set_int("--port", f.value, c.port, 0, 65535);
        else if (f.name == "--host") c.host = f.value;
        else if (f.name == "--db") {
            c.db_path = f.value;
            c.store.url.clear();  // --db after --store sqlite:... (or NV_STORE): the later setting wins
        }
        else if (f.name == "--threads") ok = set_int("--threads", f.value, c.threads, 1, kMaxThreads);
        else if (f.name == "--upstream") c.upstream.base = f.value;
        else if (f.name == "--upstream-ca") c.upstream.ca_file = f.value;
        else if (f.name == "--api-version") ok = set_int("--api-version", f.value, c.upstream.api_version, 1, 2);
        else if (f.name == "--tls-cert") c.tls_cert = f.value;
        else if (f.name == "--tls-key") c.tls_key = f.value;
        else if (f.name == "--web-dir") c.web_dir = f.value;
        else if (f.name == "--demo-dir") c.demo_dir = f.value;
        else if (f.name == "--sandbox-port") ok = set_int("--sandbox-port", f.value, c.sandbox_port, 0, 65535);
        else if (f.name == "--vendors") {
            c.vendors.clear();
            std::stringstream list(f.value);
            for (std::string name; std::getline(list, name, ',');) {
                const auto id = vendor_from_key(name);
                if (!id) {
                    result.error = "--vendors: \"" + name + "\" is not a vendor (jiguang, aliyun)";
                    return result;
                }
                c.vendors.push_back(*id);
            }
            if (c.vendors.empty()) {
                result.error = "--vendors needs at least one vendor (jiguang, aliyun)";
                return result;
            }
        }
        if (!ok) return result;
    }

    if (!c.sandbox_url.empty()) {
        while (!c.sandbox_url.empty() && c.sandbox_url.back() == '/') c.sandbox_url.pop_back();
        c.sandbox = true;
        if (c.upstream.base == kProductionUpstream) c.upstream.base = c.sandbox_url + "/sandbox/vendor";
    }
    if (c.sandbox) {
        // The sandbox needs nothing: the documented example credentials and a known admin token.
        if (c.app_key.empty()) c.app_key = kSandboxAppKey;
        if (c.master_secret.empty()) c.master_secret = kSandboxMasterSecret;
        if (c.admin_token.empty()) c.admin_token = kSandboxAdminToken;
        if (c.backend_token.empty()) c.backend_token = kSandboxBackendToken;
        if (!c.sms_risk_check) c.sms_risk_check = true;
        // Both vendors are emulated; Aliyun's base is the sandbox's listener (main.cpp) or the shared sandbox.
        if (c.vendors.empty()) c.vendors = {VendorId::Jiguang, VendorId::Aliyun};
        if (c.aliyun.access_key_id.empty()) c.aliyun.access_key_id = kSandboxAliyunKeyId;
        if (c.aliyun.access_key_secret.empty()) c.aliyun.access_key_secret = kSandboxAliyunKeySecret;
        if (c.aliyun.scene_code.empty()) c.aliyun.scene_code = kSandboxAliyunSceneCode;
        if (!c.sandbox_url.empty() && c.aliyun.base == kAliyunProductionBase) {
            c.aliyun.base = c.sandbox_url + "/sandbox/aliyun";
        }
    }
    if (c.vendors.empty()) c.vendors = {VendorId::Jiguang};
    // --db PATH and --store sqlite:PATH are the same setting. With neither, the file goes into the state
    // directory, never the working directory (a service's cwd, or wherever a demo was started).
    if (c.store.url.empty()) {
        if (c.db_path.empty()) {
            c.db_dir = default_state_dir(env);
            if (!c.db_dir.empty()) c.db_path = c.db_dir + (c.sandbox ? "/nv-server-sandbox.db" : "/nv-server.db");
        }
        if (!c.db_path.empty()) c.store.url = "sqlite:" + c.db_path;  // else validate() says what to do
    } else if (c.store.url.rfind("sqlite:", 0) == 0) {
        c.db_path = c.store.url.substr(7);
    }
    if (std::string e = validate(c); !e.empty()) {
        result.error = e;
        return result;
    }
    result.config = std::move(c);
    return result;
}

std::string default_state_dir(const EnvLookup& env) {
    auto absolute = [&](const char* name) -> std::string {
        std::string v = env(name).value_or("");
        if (std::string_view(name) == "STATE_DIRECTORY") v = v.substr(0, v.find(':'));  // systemd: a:b when several
        while (v.size() > 1 && v.back() == '/') v.pop_back();
        return !v.empty() && v.front() == '/' ? v : "";
    };
    if (std::string d = absolute("STATE_DIRECTORY"); !d.empty()) return d;
    if (std::string d = absolute("XDG_STATE_HOME"); !d.empty()) return (d == "/" ? "" : d) + "/nv-server";
    if (std::string d = absolute("HOME"); !d.empty()) return (d == "/" ? "" : d) + "/.local/state/nv-server";
    return "";
}

std::string make_private_dir(const std::string& dir, bool& created) {
    created = false;
    for (std::size_t at = 1; at <= dir.size(); ++at) {
        if (at < dir.size() && dir[at] != '/') continue;
        const std::string part = dir.substr(0, at);
        if (mkdir(part.c_str(), 0700) == 0) {
            created = at == dir.size();
        } else if (errno != EEXIST) {
            return "cannot create the directory " + part + ": " + std::strerror(errno);
        }
    }
    struct stat st{};
    if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return dir + " is not a directory";
    return "";
}

std::string config_help() {
    return R"(nv-server: the companion server for carrier number verification (and its sandbox).

Usage: nv-server [--sandbox] [options]

  --sandbox               emulate the carriers and the vendor (mounted at /sandbox/); needs no credentials
  --port N                listen port (default 8080; 0 picks a free port, printed in the "listening" line)
  --host ADDR             listen address (default 127.0.0.1; 0.0.0.0 for all interfaces)
  --config FILE           a JSON config file (see docs/server.md for every setting)
  --store URL             where quotas, used tokens and the usage ledger live:
                          sqlite:PATH for one server (the default: nv-server.db, nv-server-sandbox.db with
                          --sandbox, in the state directory: $STATE_DIRECTORY, else $XDG_STATE_HOME/nv-server,
                          else $HOME/.local/state/nv-server, made 0700 if missing; never the working directory), or
                          redis://[:PASSWORD@]HOST[:PORT][/DB] shared by several servers,
                          or redis-sentinel://[:PASSWORD@]HOST[:PORT][,HOST[:PORT]...]/MASTER[/DB]: the master the
                          sentinels name, followed through a failover, or
                          redis-cluster://[:PASSWORD@]HOST[:PORT][,HOST[:PORT]...]: a Redis Cluster, each appKey's
                          keys on the node that owns its slot, followed through resharding and failover
                          (rediss://, rediss-sentinel://, rediss-cluster:// for TLS);
                          prefer NV_REDIS_PASSWORD to a password in the URL (arguments are visible to others)
  --db PATH               the same as --store sqlite:PATH
  --store-fail-open       while the store is unreachable, verify without quota checks (default: refuse with
                          503 STORE_UNAVAILABLE, so the paid quota cannot be overspent)
  --redis-ca FILE         CA certificates (PEM) to verify Redis over TLS with (rediss:// servers, TLS sentinels
                          and cluster nodes), instead of the system bundle
  --cors-origin ORIGIN    a partner page origin (https://shop.example.com) allowed to call the API across
                          origins; repeat for several (default: none, only pages this server serves)
  --upstream-insecure-skip-verify
                          DANGEROUS, development only: do not verify the upstream's TLS certificate (logged as a
                          warning at startup and shown on /healthz; there is no config or env equivalent)
  --threads N             the most worker threads (default 1024, started on demand): each open connection
                          holds one, so this is how many connections are served at once
  --behind-proxy          nv-server runs behind the shipped nginx front (server/deploy/): take the client IP
                          from X-Forwarded-For (config: trustProxy). Without it, listening on a non-loopback
                          address logs a warning: see "Limits" below
  --vendors LIST          the vendors, in order: jiguang, aliyun or jiguang,aliyun (config: vendors, which also
                          takes Aliyun's sceneCode and base). The first is the default for /api/v1/verify and
                          /api/v1/login. Default: jiguang; in sandbox mode jiguang,aliyun, both emulated
  --upstream URL          Jiguang's base URL (default https://api.verification.jpush.cn;
                          in sandbox mode the sandbox's own listener)
  --upstream-ca FILE      CA certificates (PEM) to verify the upstream with, instead of the system bundle
  --api-version 1|2       /v1/web/h5/verify or /v2/web/h5/verify (v2, the default, adds the risk score)
  --tls-cert FILE, --tls-key FILE
                          serve HTTPS with this certificate and key
  --web-dir DIR           served at /sdk/ (default: the repository's web/)
  --demo-dir DIR          served at / (default: the repository's demo/)
  --sandbox-port N        the sandbox's own loopback listener (default 0: a free port)
  --sandbox-url URL       use another nv-server's sandbox (http://127.0.0.1:PORT, its sandbox listener)
                          instead of starting one: several instances behind one front share one sandbox
  --help, --version

Environment (overrides the config file; flags override both):
  NV_APP_KEY, NV_MASTER_SECRET   Jiguang's credentials (required unless --sandbox; never logged)
  NV_ALIYUN_ACCESS_KEY_ID, NV_ALIYUN_ACCESS_KEY_SECRET, NV_ALIYUN_SCENE_CODE
                                 Aliyun's AccessKey pair (never logged, never sent to a page) and scheme code, when
                                 aliyun is among the vendors (sandbox: sandbox-aliyun-id / sandbox-aliyun-secret)
  NV_ADMIN_TOKEN                 bearer token for GET /api/v1/usage (sandbox default: sandbox-admin)
  NV_BACKEND_TOKEN               bearer token for POST /api/v1/risk, the partner backend's business-risk query
                                 (sandbox default: sandbox-backend; empty: the route answers 503)
  NV_ASSERTION_KEY_FILE          the EC P-256 private key (PEM) that signs every success's assertion (required
                                 unless --sandbox, which makes one at start); NV_ASSERTION_PREVIOUS_KEY_FILE: the
                                 key it replaced, still published at /.well-known/jwks.json; NV_ASSERTION_ISSUER,
                                 NV_ASSERTION_AUDIENCE: the iss and aud claims (default nv-server, partner-backend)
  NV_LOGIN_PRIVATE_KEY_FILE      one-click login: the RSA private key (PEM, PKCS#1 or PKCS#8) whose public half is
                                 registered with the vendor (--sandbox makes a pair at start)
  NV_STORE, NV_REDIS_PASSWORD (AUTH; never logged), NV_REDIS_CA
  NV_CORS_ORIGINS                comma-separated partner origins (like --cors-origin)
  NV_UPSTREAM_BASE, NV_UPSTREAM_CA, NV_API_VERSION, NV_DB, NV_HOST, NV_PORT
  STATE_DIRECTORY (systemd's StateDirectory=), XDG_STATE_HOME, HOME
                                 where the SQLite file goes without --db / --store (see --store); with none of
                                 them set, nv-server asks for --db

Limits: nv-server refuses every request body it can see to be too large or ambiguous before reading it
(over maxBodyBytes: 413; chunked: 411; two different Content-Lengths: 400; a JSON key given twice: 400),
and closes a read or write that stalls for readTimeoutSec/writeTimeoutSec. It cannot bound, because
cpp-httplib 0.11 reads them before any of its code runs: the number and length of header lines (one request
of 20,000 lines of 8 KB took 470 MB), a client trickling a byte just inside each read timeout (slow-loris),
and the number of silent connections (each holds a thread until its timeout). On the open internet run it
behind the shipped nginx front, which bounds all three: server/deploy/ and docs/deploy.md.

Stops cleanly on SIGTERM or SIGINT. Logs one JSON line per request to stdout (phone numbers masked).
)";
}

}  // namespace nv::server
