// Alibaba Cloud's Phone Number Verification Service (Dypnsapi 2017-05-25) behind the vendor port. RPC style: every
// action is POST {base}/ with its parameters in the query and an empty body, signed with the V3 signature
// (acs3_signature.hpp) under the AccessKey pair, which never leaves the server:
//   GetAuthToken(Url, Origin, SceneCode, BizType 0 verify | 1 login) -> TokenInfo {AccessToken 10 min, JwtToken 1 h}
//   VerifyPhoneWithToken(PhoneNumber, SpToken) -> GateVerify.VerifyResult PASS | REJECT | UNKNOWN
//   GetPhoneWithToken(SpToken)                 -> Data.Mobile (one-click login)
// Business failures arrive as HTTP 200 with Code other than "OK" (map_aliyun_reply). The page session is reusable:
// it is cached per origin and process and fetched again a minute before it expires.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "config/config.hpp"
#include "vendor/acs3_signature.hpp"
#include "vendor/http_pool.hpp"
#include "vendor/vendor.hpp"

namespace nv::server {

class AliyunVendor final : public Vendor {
public:
    // `settings.base` must be valid (config validation checks it); `transport` gives the timeouts and TLS settings.
    AliyunVendor(AliyunSettings settings, const UpstreamSettings& transport, std::size_t max_idle,
                 std::function<std::int64_t()> now_ms);
    ~AliyunVendor() override;

    VendorId id() const override { return VendorId::Aliyun; }
    VendorResult verify(const VerifyCall& call, const OutcomeContext& ctx) override;
    VendorResult login(const LoginCall& call, const OutcomeContext& ctx) override;
    std::optional<UpstreamReply> business_risk(const std::string&, const std::optional<std::string>&,
                                               const std::optional<std::string>&) override {
        return std::nullopt;  // Aliyun has no business-risk API
    }
    SessionResult session(const std::string& origin, bool login, std::int64_t now_ms) override;

    // The request `call` would send (tests compare its signature with the official SDK's).
    acs3::Request signed_request(const std::string& action, const acs3::Pairs& params, std::int64_t now_ms,
                                 const std::string& nonce) const;

private:
    UpstreamReply call(const std::string& action, const acs3::Pairs& params);

    AliyunSettings settings_;
    std::unique_ptr<HttpPool> pool_;
    std::string host_header_;
    std::function<std::int64_t()> now_ms_;
    std::mutex mu_;
    std::map<std::string, PageSession> sessions_;  // by origin + process
};

}  // namespace nv::server
