// Jiguang's JVerification REST API, over HTTP(S), with Basic auth (appKey:masterSecret) and JSON bodies:
//   POST {base}/v{1,2}/web/h5/verify            {token, phone, exID?, ip? (v2)}     number verification
//   POST {base}/v{1,2}/web/h5/loginTokenVerify  {loginToken, exID?, ip? (v2)}       one-click login (DESIGN 8)
//   POST {base}/v2/web/queryBusinessRisk        {phone, ip?, exID?}                 business risk (DESIGN 9)
//
// Certificate verification is always on (the system CA bundle, or a configured CA file); the vendor's own curl
// examples use --insecure, we never do. Connections are kept alive and reused from a small pool (one
// cpp-httplib client runs one request at a time). There is no retry: once a request may have reached the
// vendor, a second one could bill twice. Transport failures and HTTP statuses are reported apart.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "rules/outcome.hpp"
#include "vendor/http_pool.hpp"
#include "vendor/vendor.hpp"

namespace nv::server {

struct UpstreamRequest {
    std::string token;
    std::string phone;  // national digits
    std::optional<std::string> ex_id;
    std::optional<std::string> ip;  // v2 only: the client's IP
};

class UpstreamClient {
public:
    // `settings.base` must already be valid (config validation checks it). Up to `max_idle` connections are
    // kept open for reuse: as many as calls can run at once (the server's threads), so a burst does not end
    // in a wave of closes and reconnects.
    UpstreamClient(UpstreamSettings settings, std::string app_key, std::string master_secret,
                   std::size_t max_idle = 64);
    ~UpstreamClient();
    UpstreamClient(const UpstreamClient&) = delete;
    UpstreamClient& operator=(const UpstreamClient&) = delete;

    UpstreamReply verify(const UpstreamRequest& request);
    UpstreamReply login_token_verify(const std::string& login_token, const std::optional<std::string>& ex_id,
                                     const std::optional<std::string>& ip);
    UpstreamReply business_risk(const std::string& phone, const std::optional<std::string>& ip,
                                const std::optional<std::string>& ex_id);

    const std::string& path() const { return path_; }  // e.g. "/v2/web/h5/verify" under the base's prefix

private:
    UpstreamReply post(const std::string& path, const std::string& body);

    UpstreamSettings settings_;
    std::string path_, login_path_, risk_path_;
    std::unique_ptr<HttpPool> pool_;
};

// Jiguang behind the vendor port: its REST client, its answers read by map_upstream.
class JiguangVendor final : public Vendor {
public:
    explicit JiguangVendor(UpstreamClient& client) : client_(client) {}
    VendorId id() const override { return VendorId::Jiguang; }
    VendorResult verify(const VerifyCall& call, const OutcomeContext& ctx) override;
    VendorResult login(const LoginCall& call, const OutcomeContext& ctx) override;
    std::optional<UpstreamReply> business_risk(const std::string& phone, const std::optional<std::string>& ip,
                                               const std::optional<std::string>& ex_id) override;
    SessionResult session(const std::string& origin, bool login, std::int64_t now_ms) override;

private:
    UpstreamClient& client_;
};

}  // namespace nv::server
