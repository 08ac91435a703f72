#include "vendor/http_pool.hpp"

#include <httplib.h>

#include <chrono>

namespace nv::server {
namespace {

std::int64_t ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

HttpPool::HttpPool(UpstreamSettings settings, UrlParts url, std::size_t max_idle,
                   std::function<void(httplib::Client&)> configure)
    : settings_(std::move(settings)), url_(std::move(url)), max_idle_(max_idle), configure_(std::move(configure)) {}

HttpPool::~HttpPool() = default;

std::unique_ptr<httplib::Client> HttpPool::make_client() const {
    auto c = std::make_unique<httplib::Client>(url_.scheme + "://" + url_.host + ":" + std::to_string(url_.port));
    c->set_keep_alive(true);
    c->set_tcp_nodelay(true);
    c->set_follow_location(false);
    c->set_connection_timeout(std::chrono::milliseconds(settings_.connect_timeout_ms));
    c->set_read_timeout(std::chrono::milliseconds(settings_.timeout_ms));
    c->set_write_timeout(std::chrono::milliseconds(settings_.timeout_ms));
    if (configure_) configure_(*c);
    if (url_.scheme == "https") {
        c->enable_server_certificate_verification(!settings_.insecure_skip_verify);
        if (!settings_.ca_file.empty()) c->set_ca_cert_path(settings_.ca_file);
    }
    return c;
}

UpstreamReply HttpPool::post(const std::string& path, const std::string& body, const std::string& content_type,
                             const Headers& headers) {
    std::unique_ptr<httplib::Client> client;
    {
        std::lock_guard lock(mu_);
        if (!idle_.empty()) {
            client = std::move(idle_.back());
            idle_.pop_back();
        }
    }
    if (!client) client = make_client();

    httplib::Headers h;
    for (const auto& [k, v] : headers) h.emplace(k, v);
    const auto t0 = std::chrono::steady_clock::now();
    httplib::Result res = client->Post(path, h, body, content_type);
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
