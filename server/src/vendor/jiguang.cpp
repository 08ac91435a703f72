#include "vendor/jiguang.hpp"

#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>

namespace nv::server {
namespace {

std::int64_t ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

UpstreamClient::UpstreamClient(UpstreamSettings settings, std::string app_key, std::string master_secret,
                               std::size_t max_idle)
    : settings_(std::move(settings)),
      app_key_(std::move(app_key)),
      master_secret_(std::move(master_secret)),
      max_idle_(max_idle) {
    url_ = parse_base_url(settings_.base).value_or(UrlParts{"https", "invalid", 443, ""});
    const std::string v = settings_.api_version == 1 ? "/v1" : "/v2";
    path_ = url_.path + v + "/web/h5/verify";
    login_path_ = url_.path + v + "/web/h5/loginTokenVerify";
    risk_path_ = url_.path + "/v2/web/queryBusinessRisk";  // there is no v1
}

UpstreamClient::~UpstreamClient() = default;

std::unique_ptr<httplib::Client> UpstreamClient::make_client() const {
    auto c = std::make_unique<httplib::Client>(url_.scheme + "://" + url_.host + ":" + std::to_string(url_.port));
    c->set_keep_alive(true);
    c->set_tcp_nodelay(true);
    c->set_follow_location(false);
    c->set_connection_timeout(std::chrono::milliseconds(settings_.connect_timeout_ms));
    c->set_read_timeout(std::chrono::milliseconds(settings_.timeout_ms));
    c->set_write_timeout(std::chrono::milliseconds(settings_.timeout_ms));
    c->set_basic_auth(app_key_, master_secret_);
    if (url_.scheme == "https") {
        c->enable_server_certificate_verification(!settings_.insecure_skip_verify);
        if (!settings_.ca_file.empty()) c->set_ca_cert_path(settings_.ca_file);
    }
    return c;
}

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
    std::unique_ptr<httplib::Client> client;
    {
        std::lock_guard lock(mu_);
        if (!idle_.empty()) {
            client = std::move(idle_.back());
            idle_.pop_back();
        }
    }
    if (!client) client = make_client();

    const auto t0 = std::chrono::steady_clock::now();
    httplib::Result res = client->Post(path, body, "application/json");
    UpstreamReply reply;
    reply.elapsed_ms = ms_since(t0);
    if (res) {
        reply.transport = Transport::Ok;
        reply.status = res->status;
        reply.body = std::move(res->body);
    } else {
        switch (res.error()) {
            case httplib::Error::Connection:
            case httplib::Error::ConnectionTimeout:
            case httplib::Error::BindIPAddress: reply.transport = Transport::ConnectFailed; break;
            case httplib::Error::SSLConnection:
            case httplib::Error::SSLLoadingCerts:
            case httplib::Error::SSLServerVerification: reply.transport = Transport::TlsFailed; break;
            default:
                // cpp-httplib reports a read timeout as a read error: the clock tells them apart.
                reply.transport =
                    reply.elapsed_ms + 50 >= settings_.timeout_ms ? Transport::Timeout : Transport::Dropped;
                break;
        }
    }

    // A client whose connection failed starts afresh next time; a healthy one goes back to the pool.
    if (res) {
        std::lock_guard lock(mu_);
        if (idle_.size() < max_idle_) idle_.push_back(std::move(client));
    }
    return reply;
}

}  // namespace nv::server
