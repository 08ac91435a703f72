// The sandbox's internals, shared by its files (devices, gateways, vendor, faults): the emulated world's types and
// its one state object. Only server/src/sandbox/ includes this header.
#pragma once

#include <httplib.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "nv/phone.hpp"
#include "nv/reasons.hpp"
#include "nv/vendors.hpp"
#include "rules/quota.hpp"
#include "sandbox/sandbox.hpp"

namespace nv::server {
namespace sandbox_detail {

using nlohmann::json;

inline constexpr std::size_t kMaxDevices = 10'000;
inline constexpr std::size_t kMaxTokens = 500'000;
inline constexpr std::int64_t kMaxTtlMs = 1'800'000;  // the longest token lifetime (CU and CT loginTokens)
inline constexpr std::int64_t kMaxLatencyMs = 60'000;
inline constexpr std::uint64_t kFirstSerial = 117'270'465'679'982'592ULL;  // the documentation's example id

enum class Network { Cellular, Wifi, CellularWifi, Offline };

std::optional<Network> network_from_id(const std::string& s);
const char* network_id(Network n);

struct Device {
    std::string id;
    std::string phone;  // national digits
    Carrier carrier = Carrier::Unknown;
    Operator op = Operator::CM;  // the network of the SIM carrying data (ported numbers: not the segment's)
    Network network = Network::Cellular;
    bool vpn = false;
    int risk_score = 0;
};

struct Token {
    std::string device_id;
    std::string phone;
    Operator op = Operator::CM;
    int risk_score = 0;
    std::int64_t issued_ms = 0;
    std::int64_t expires_ms = 0;
    bool used = false;
    bool login = false;  // a one-click loginToken (only loginTokenVerify takes it), else a verify token
    VendorId vendor = VendorId::Jiguang;  // only the vendor that issued a token verifies it
};

inline constexpr std::size_t kMaxAliyunNonces = 200'000;
inline constexpr std::size_t kMaxAliyunSessions = 10'000;
inline constexpr std::int64_t kAliyunClockSkewMs = 15 * 60'000;  // x-acs-date and nonces: 15 minutes
inline constexpr std::int64_t kAliyunCmDailyChecks = 10;          // CM: 10 H5 checks per number per rolling 24 h
inline constexpr int kAliyunLoginTries = 3;                       // CM, CT: wrong middle digits before a 24 h lock

// What GetAuthToken handed out: a page session for one origin and one process (BizType 0 verify, 1 login).
struct AliyunSession {
    std::string origin;
    int biz_type = 0;
    std::int64_t expires_ms = 0;
};

// CM's and CT's lock on one-click login after wrong middle digits.
struct LoginLock {
    int wrong = 0;
    std::int64_t locked_until_ms = 0;
};

enum class FaultTarget { Vendor, Gateway, All };

struct Fault {
    std::string id;
    FaultTarget target = FaultTarget::Vendor;
    std::int64_t latency_ms = 0;
    int status = 0;  // 5xx to answer with
    bool malformed = false;
    bool drop = false;
    std::optional<int> vendor_code;
    std::optional<std::string> aliyun_code;  // Aliyun: a forced Code, or PASS / REJECT / UNKNOWN as VerifyResult
    std::optional<VendorId> vendor;          // the vendor target's faults: one vendor, or (unset) every vendor
    std::int64_t remaining = -1;  // -1: until cleared
    double probability = 0;       // > 0: applies to this share of requests (one roll per request across faults)
};

json device_json(const Device& d);
json fault_json(const Fault& f);
json risk_tags(int score);

// A body that is not JSON at all is refused before any field is read.
bool read_object(const httplib::Request& req, httplib::Response& res, json& out, Locale locale);

}  // namespace sandbox_detail

struct Sandbox::State {
    using Device = sandbox_detail::Device;
    using Token = sandbox_detail::Token;
    using Fault = sandbox_detail::Fault;
    using FaultTarget = sandbox_detail::FaultTarget;
    using json = nlohmann::json;

    SandboxOptions opt;
    std::function<std::int64_t()> now;
    std::mutex mu;
    std::map<std::string, Device> devices;
    std::map<std::string, Token> tokens;
    // Issue order, for forgetting long-dead tokens, and each device's tokens, for the unused-token limit:
    // both keep issuing O(log n) however many tokens exist (the benchmark mints tens of thousands).
    std::deque<std::pair<std::int64_t, std::string>> by_age;  // (issued, token)
    std::map<std::string, std::deque<std::pair<std::int64_t, std::string>>> by_device;
    std::vector<Fault> faults;
    std::map<std::string, std::deque<json>> inbox;  // by phone number, newest last, at most 20 each
    std::uint64_t serial = sandbox_detail::kFirstSerial;
    std::map<int, std::uint64_t> vendor_answers;  // every code the vendor API answered, for reconciliation
    // Billed answers sent after a latency fault: a client with a shorter timeout gave up on them (the vendor
    // still bills them), so a reconciliation has to know them apart.
    std::uint64_t billed_after_delay = 0;
    std::uint64_t delayed_requests = 0;
    bool delayed_now = false;  // the request being answered (under mu) was delayed by a fault
    std::mt19937_64 rng{std::random_device{}()};
    // The vendor's own limits, by appKey+phone and appKey.
    std::map<std::string, NumberCounter> vendor_numbers;
    WindowCounter vendor_app;
    // Aliyun: nonces seen in the last 15 minutes, the page sessions handed out, its answers by Code/VerifyResult,
    // CM's rolling 24-hour checks per number, and the login locks per number.
    std::map<std::string, std::int64_t> aliyun_nonces;
    std::deque<std::pair<std::int64_t, std::string>> aliyun_nonce_order;
    std::map<std::string, sandbox_detail::AliyunSession> aliyun_sessions;
    std::map<std::string, std::uint64_t> aliyun_answers;
    std::map<std::string, std::deque<std::int64_t>> aliyun_cm_checks;
    std::map<std::string, sandbox_detail::LoginLock> aliyun_login_locks;

    // ---- faults (faults.cpp) ----------------------------------------------------------------------------------

    // The first active fault for `target` (and, for the vendor target, `vendor`), consumed once.
    std::optional<Fault> take_fault(FaultTarget target, VendorId vendor = VendorId::Jiguang);

    // Applies a fault's latency, then answers for it when it replaces the response. True: answered.
    static bool apply_fault(const std::optional<Fault>& f, httplib::Response& res);

    void add_fault(const httplib::Request& req, httplib::Response& res);

    // ---- devices (devices.cpp) --------------------------------------------------------------------------------

    // Reads the device fields present in `body` onto `d`; on a problem answers 400 and returns false.
    bool read_device(const json& body, Device& d, bool creating, httplib::Response& res, Locale locale);

    void create_device(const httplib::Request& req, httplib::Response& res);

    void device_op(const httplib::Request& req, httplib::Response& res);

    // ---- carrier token gateways (gateways.cpp) ----------------------------------------------------------------

    static void carrier_error(httplib::Response& res, int status, Operator op, const std::string& code, Reason reason,
                              const char* message);

    // The carrier named by the path ({CM|CU|CT}); otherwise answers 404 BAD_OPERATOR.
    static std::optional<Operator> gateway_operator(const httplib::Request& req, httplib::Response& res);

    // The device (X-Sandbox-Device) when `op`'s gateway would serve it: it exists, is on cellular data with
    // Wi-Fi off, no VPN, and its SIM carrying data is `op`'s. Otherwise the carrier's refusal is answered (or
    // 400 without the header, 404 for an unknown device) and nullptr returned. Under mu.
    const Device* gateway_device(const httplib::Request& req, httplib::Response& res, Operator op);

    // Unused tokens issued under `key` (a device's id, + ":login" for loginTokens) within the limit's window; and
    // the 429 TOKEN_LIMIT answer when they reach opt.unused_token_limit (or the sandbox holds kMaxTokens). Under mu.
    std::int64_t unused_tokens(const std::string& key, std::int64_t now_ms) const;
    bool token_limit_reached(httplib::Response& res, Operator op, const std::string& key, std::int64_t now_ms) const;

    // A verify token, or (login) a loginToken after the emulated authorization page was confirmed.
    void issue_token(const httplib::Request& req, httplib::Response& res, bool login = false);

    // The login gateway's number pre-fetch, before the authorization page is shown: {operator, masked} when
    // login-token would issue a loginToken to this device now, else exactly its refusal. Issues and counts
    // nothing (a gateway fault still applies).
    void login_prefetch(const httplib::Request& req, httplib::Response& res);

    // ---- the vendor API (vendor.cpp) --------------------------------------------------------------------------

    void vendor_reply(httplib::Response& res, int code, const std::optional<std::string>& ex_id, bool with_id,
                      const json& extra = json::object());

    // What every vendor endpoint checks first (method, Basic auth, Content-Type, a JSON object, exID). False:
    // answered.
    bool vendor_admit(const httplib::Request& req, httplib::Response& res, json& body,
                      std::optional<std::string>& ex_id);

    // v2's {score, riskCheck: {code, content, score, tags, detail}} for a device's risk score.
    json risk_extra(int score) const;

    // Every vendor endpoint: a fault first, then (under the lock) vendor_admit, a forced code, then `answer`.
    using VendorAnswer = std::function<void(const json& body, const std::optional<std::string>& ex_id)>;
    void vendor_call(const httplib::Request& req, httplib::Response& res, const VendorAnswer& answer);

    void vendor_verify(const httplib::Request& req, httplib::Response& res, bool v2);
    void vendor_login(const httplib::Request& req, httplib::Response& res, bool v2);
    void vendor_risk(const httplib::Request& req, httplib::Response& res);
    void verify_answer(httplib::Response& res, const json& body, const std::optional<std::string>& ex_id, bool v2);
    void login_answer(httplib::Response& res, const json& body, const std::optional<std::string>& ex_id, bool v2);
    void risk_answer(httplib::Response& res, const json& body, const std::optional<std::string>& ex_id);

    // ---- Aliyun Dypnsapi (aliyun.cpp) -------------------------------------------------------------------------

    // One Dypnsapi request (POST or GET, the action in x-acs-action or the Action query parameter): a fault, the
    // gateway's checks (action, version, Authorization, date, body hash, signature, nonce), then the action.
    void aliyun_call(const httplib::Request& req, httplib::Response& res);
    // Answers {RequestId, Code, Message, ...extra} with `status`, counting the answer.
    void aliyun_reply(httplib::Response& res, int status, const std::string& code, const std::string& message,
                      const json& extra = json::object());
    // The spToken part of issue_token for ?vendor=aliyun (login: the middle digits are checked first). Under mu.
    bool aliyun_login_check(const httplib::Request& req, httplib::Response& res, const Device& d, Operator op);
};

}  // namespace nv::server
