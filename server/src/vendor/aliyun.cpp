#include "vendor/aliyun.hpp"

#include <nlohmann/json.hpp>

#include "base/crypto.hpp"
#include "base/json_strict.hpp"

namespace nv::server {
namespace {

constexpr const char* kVersion = "2017-05-25";
// A cached page session is handed out only while it has at least this long left; a page then has time to use it.
constexpr std::int64_t kSessionMarginMs = 60'000;

}  // namespace

AliyunVendor::AliyunVendor(AliyunSettings settings, const UpstreamSettings& transport, std::size_t max_idle,
                           std::function<std::int64_t()> now_ms)
    : settings_(std::move(settings)), now_ms_(std::move(now_ms)) {
    const UrlParts url = parse_base_url(settings_.base).value_or(UrlParts{"https", "invalid", 443, ""});
    const bool default_port = (url.scheme == "https" && url.port == 443) || (url.scheme == "http" && url.port == 80);
    host_header_ = default_port ? url.host : url.host + ":" + std::to_string(url.port);
    pool_ = std::make_unique<HttpPool>(transport, url, max_idle);
}

AliyunVendor::~AliyunVendor() = default;

acs3::Request AliyunVendor::signed_request(const std::string& action, const acs3::Pairs& params, std::int64_t now_ms,
                                           const std::string& nonce) const {
    acs3::Request r;
    r.method = "POST";
    r.path = pool_->url().path + "/";
    r.query = params;
    r.headers = {{"host", host_header_},
                 {"x-acs-action", action},
                 {"x-acs-version", kVersion},
                 {"x-acs-date", acs3::format_date(now_ms)},
                 {"x-acs-signature-nonce", nonce}};
    acs3::sign(r, settings_.access_key_id, settings_.access_key_secret);
    return r;
}

UpstreamReply AliyunVendor::call(const std::string& action, const acs3::Pairs& params) {
    const acs3::Request r = signed_request(action, params, now_ms_(), random_hex(16));
    HttpPool::Headers headers;
    for (const auto& [k, v] : r.headers) headers.emplace_back(k == "host" ? "Host" : k, v);
    headers.emplace_back("Accept", "application/json");
    const std::string query = acs3::canonical_query(r.query);
    return pool_->post(r.path + (query.empty() ? "" : "?" + query), r.body, "", headers);
}

VendorResult AliyunVendor::verify(const VerifyCall& c, const OutcomeContext& ctx) {
    VendorResult r;
    r.reply = call("VerifyPhoneWithToken", {{"PhoneNumber", c.phone}, {"SpToken", c.token}});
    OutcomeContext octx = ctx;
    octx.api = VendorApi::Verify;
    r.outcome = map_aliyun_reply(r.reply, octx);
    return r;
}

VendorResult AliyunVendor::login(const LoginCall& c, const OutcomeContext& ctx) {
    VendorResult r;
    r.reply = call("GetPhoneWithToken", {{"SpToken", c.token}});
    OutcomeContext octx = ctx;
    octx.api = VendorApi::Login;
    r.outcome = map_aliyun_reply(r.reply, octx);
    return r;
}

SessionResult AliyunVendor::session(const std::string& origin, bool login, std::int64_t now_ms) {
    const std::string key = origin + (login ? "|1" : "|0");
    {
        std::lock_guard lock(mu_);
        const auto it = sessions_.find(key);
        if (it != sessions_.end() && it->second.expires_ms - now_ms > kSessionMarginMs) {
            return SessionResult{it->second, {}, {}};
        }
    }
    SessionResult out;
    out.reply = call("GetAuthToken", {{"Url", origin + "/"},
                                      {"Origin", origin},
                                      {"SceneCode", settings_.scene_code},
                                      {"BizType", login ? "1" : "0"}});
    OutcomeContext ctx;
    ctx.now_ms = now_ms;
    out.failure = map_aliyun_reply(out.reply, ctx);
    if (out.failure.answer_code != "OK") return out;  // a transport failure or a Code other than OK
    const nlohmann::json doc = parse_json_strict(out.reply.body).value;
    const nlohmann::json* info =
        doc.is_object() && doc.contains("TokenInfo") && doc["TokenInfo"].is_object() ? &doc["TokenInfo"] : nullptr;
    auto token = [&](const char* name) -> std::string {
        if (!info || !info->contains(name) || !(*info)[name].is_string()) return {};
        const std::string t = (*info)[name].get<std::string>();
        return t.size() <= 8192 ? t : std::string();
    };
    PageSession s{token("AccessToken"), token("JwtToken"), 0};
    if (s.access_token.empty() || s.jwt_token.empty()) {
        out.failure = VerifyOutcome{};  // an "OK" without the two tokens is not one: UPSTREAM_ERROR
        out.failure.answer_code = "OK";
        return out;
    }
    const VendorInfo& v = vendor_info(VendorId::Aliyun);
    s.expires_ms = now_ms + std::min(v.session_token_ttl_ms, v.session_jwt_ttl_ms);
    {
        std::lock_guard lock(mu_);
        if (sessions_.size() >= 1024) sessions_.clear();  // origins are the configured ones: never this many
        sessions_[key] = s;
    }
    out.session = s;
    return out;
}

}  // namespace nv::server
