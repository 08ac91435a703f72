// The sandbox: the carriers' token gateways and the vendor's REST API, emulated faithfully enough that the
// whole journey runs on one machine without credentials (DESIGN 5).
//
// - Simulated devices (a SIM's number and network, the connection: cellular / wifi / cellular+wifi / offline,
//   VPN, a risk score) stand in for phones.
// - POST /sandbox/carriers/{CM|CU|CT}/token issues a token only when that device would really get one from that
//   carrier: cellular data on, Wi-Fi off, no VPN, the carrier of the SIM carrying data. Otherwise it gives the
//   carrier's own error (VPN or another carrier's address: CM 103111, CT 800008, CU SOURCE_IP_ERROR).
//   Tokens live for the carrier's TTL, are single use, and a device gets at most 30 unused ones per 10 minutes.
// - POST /sandbox/carriers/{CM|CU|CT}/login-token: the carrier's one-click login authorization page after the
//   user confirmed (DESIGN 8): a loginToken under the same rules, with the loginToken lifetimes (CM 2 min, CU and
//   CT 30 min), and the SIM's masked number as the page showed it.
// - POST /sandbox/carriers/{CM|CU|CT}/login-prefetch: what a carrier does before it shows that page, pre-fetch
//   the number: the masked number when login-token would issue to this device, else exactly its refusal (another
//   carrier's SIM: that carrier's source-address code); nothing is issued or counted.
// - The vendor's loginTokenVerify (v1, v2) answers 8000 with the device's number encrypted under the partner's
//   RSA public key (PKCS#1 v1.5, base64), and queryBusinessRisk (v2) answers the simulated device's risk score
//   for its number (0 for a number no device has).
// - The vendor's verify endpoints (/v1/web/verify, /v1/web/h5/verify, /v2/...) under /sandbox/vendor, with Basic
//   auth against the documentation's example credentials and the documented shapes and codes.
// - Aliyun's Dypnsapi (2017-05-25) at /sandbox/aliyun/ (and at / on the sandbox's own listener): GetAuthToken,
//   VerifyPhoneWithToken, GetPhoneWithToken, each request's V3 signature checked against the sandbox AccessKey
//   (SignatureDoesNotMatch, SignatureNonceUsed, InvalidTimeStamp.Expired as the real gateway answers). The
//   carriers' token and login-token endpoints issue Aliyun spTokens with ?vendor=aliyun (Aliyun's lifetimes; a
//   login needs the number's middle four digits, and three wrong tries lock it for 24 h on CM and CT).
// - Faults on request (latency, 5xx, malformed JSON, a dropped connection, a forced vendor code) for tests.
// - An SMS inbox per number: the SMS fallback's codes arrive there (GET /sandbox/devices/{id}/inbox).
//
// State is in memory: the sandbox is an emulator, and a restart is a fresh world.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/keys.hpp"
#include "rules/quota.hpp"
#include "vendor/sms_sender.hpp"

namespace httplib {
class Server;
}

namespace nv::server {

struct SandboxOptions {
    std::string app_key;
    std::string master_secret;
    QuotaLimits vendor_limits;          // the vendor's own 9005/9006/9007 limits (ip_limit unused)
    std::int64_t unused_token_limit = 30;  // per device within token_window_ms
    std::int64_t token_window_ms = 600'000;
    Key login_public_key;  // the partner's registered RSA public key: loginTokenVerify encrypts numbers with it
    // The sandbox's own listener ("127.0.0.1:PORT"), where Dypnsapi answers at POST / as at dypnsapi.aliyuncs.com:
    // the endpoint an unmodified Aliyun SDK is pointed at (GET /sandbox shows it).
    std::string listener_endpoint;
    // Aliyun Dypnsapi: the AccessKey pair requests must be signed with, and the one scheme (SceneCode) it knows.
    std::string aliyun_key_id;
    std::string aliyun_key_secret;
    std::string aliyun_scene_code;
};

class Sandbox {
public:
    Sandbox(SandboxOptions options, std::function<std::int64_t()> now_ms);
    ~Sandbox();
    Sandbox(const Sandbox&) = delete;
    Sandbox& operator=(const Sandbox&) = delete;

    // /sandbox, /sandbox/devices..., /sandbox/carriers/..., /sandbox/faults, /sandbox/vendor/v{1,2}/web/...
    void mount(httplib::Server& server);
    // The vendors' paths at the root as well (Jiguang's /v1/web/h5/verify, ...; Aliyun's Dypnsapi at POST /), for
    // the sandbox's own listener.
    void mount_vendor_root(httplib::Server& server);

    // Where the sandbox's own listener was bound ("127.0.0.1:PORT"); call before it serves.
    void set_listener_endpoint(std::string endpoint);

    // Delivers SMS codes to the inbox of the simulated devices with that number (GET .../devices/{id}/inbox).
    SmsSender& sms_sender();

    struct State;  // defined in state.hpp, which only the sandbox's own files include

private:
    struct Inbox;
    std::unique_ptr<State> state_;
    std::unique_ptr<Inbox> inbox_;
};

}  // namespace nv::server
