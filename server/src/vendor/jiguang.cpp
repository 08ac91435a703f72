#include "vendor/jiguang.hpp"

#include <httplib.h>

#include <nlohmann/json.hpp>

namespace nv::server {

UpstreamClient::UpstreamClient(UpstreamSettings settings, std::string app_key, std::string master_secret,
                               std::size_t max_idle)
    : settings_(std::move(settings)) {
    const UrlParts url = parse_base_url(settings_.base).value_or(UrlParts{"https", "invalid", 443, ""});
    const std::string v = settings_.api_version == 1 ? "/v1" : "/v2";
    path_ = url.path + v + "/web/h5/verify";
    login_path_ = url.path + v + "/web/h5/loginTokenVerify";
    risk_path_ = url.path + "/v2/web/queryBusinessRisk";  // there is no v1
    pool_ = std::make_unique<HttpPool>(settings_, url, max_idle,
                                       [key = std::move(app_key), secret = std::move(master_secret)](httplib::Client& c) {
                                           c.set_basic_auth(key, secret);
                                       });
}

UpstreamClient::~UpstreamClient() = default;
UpstreamReply UpstreamClient::verify(const UpstreamRequest& request) {
    nlohmann::json body{{"token", request.token}, {"phone", request.phone}};
    if (request.ex_id) body["exID"] = *request.ex_id;
    if (settings_.api_version == 2 && request.ip && !request.ip->empty()) body["ip"] = *request.ip;
    return post(path_, body.dump());
}

UpstreamReply UpstreamClient::login_token_verify(const std::string& login_token,
                                                 const std::optional<std::string>& ex_id,
                                                 const std::optional<std::string>& ip) {
    nlohmann::json body{{"loginToken", login_token}};
    if (ex_id) body["exID"] = *ex_id;
    if (settings_.api_version == 2 && ip && !ip->empty()) body["ip"] = *ip;
    return post(login_path_, body.dump());
}

UpstreamReply UpstreamClient::business_risk(const std::string& phone, const std::optional<std::string>& ip,
                                            const std::optional<std::string>& ex_id) {
    nlohmann::json body{{"phone", phone}};
    if (ip && !ip->empty()) body["ip"] = *ip;
    if (ex_id) body["exID"] = *ex_id;
    return post(risk_path_, body.dump());
}

UpstreamReply UpstreamClient::post(const std::string& path, const std::string& body) {
    return pool_->post(path, body, "application/json");
}

VendorResult JiguangVendor::verify(const VerifyCall& call, const OutcomeContext& ctx) {
    VendorResult r;
    r.reply = client_.verify(UpstreamRequest{call.token, call.phone, call.ex_id, call.ip});
    r.outcome = map_upstream(r.reply, ctx);
    return r;
}

VendorResult JiguangVendor::login(const LoginCall& call, const OutcomeContext& ctx) {
    VendorResult r;
    r.reply = client_.login_token_verify(call.token, call.ex_id, call.ip);
    r.outcome = map_upstream(r.reply, ctx);
    return r;
}

std::optional<UpstreamReply> JiguangVendor::business_risk(const std::string& phone,
                                                          const std::optional<std::string>& ip,
                                                          const std::optional<std::string>& ex_id) {
    return client_.business_risk(phone, ip, ex_id);
}

SessionResult JiguangVendor::session(const std::string&, bool, std::int64_t) {
    // Jiguang's Web SDK is initialised with the appKey alone: there is no page session to hand out.
    SessionResult r;
    r.failure.http_status = 400;
    r.failure.reason = Reason::VENDOR_NOT_SUPPORTED;
    return r;
}

}  // namespace nv::server
