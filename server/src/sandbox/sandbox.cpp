#include "sandbox/sandbox.hpp"

#include <httplib.h>

#include <algorithm>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "rules/calendar.hpp"
#include "base/crypto.hpp"
#include "http/http_util.hpp"
#include "nv/phone.hpp"

namespace nv::server {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxDevices = 10'000;
constexpr std::size_t kMaxTokens = 500'000;
constexpr std::int64_t kMaxTtlMs = 600'000;  // CU's, the longest token lifetime
constexpr std::int64_t kMaxLatencyMs = 60'000;
constexpr std::uint64_t kFirstSerial = 117'270'465'679'982'592ULL;  // the documentation's example id

enum class Network { Cellular, Wifi, CellularWifi, Offline };

std::optional<Network> network_from_id(const std::string& s) {
    if (s == "cellular") return Network::Cellular;
    if (s == "wifi") return Network::Wifi;
    if (s == "cellular+wifi") return Network::CellularWifi;
    if (s == "offline") return Network::Offline;
    return std::nullopt;
}

const char* network_id(Network n) {
    switch (n) {
        case Network::Cellular: return "cellular";
        case Network::Wifi: return "wifi";
        case Network::CellularWifi: return "cellular+wifi";
        case Network::Offline: return "offline";
    }
    return "offline";
}

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
    std::int64_t remaining = -1;  // -1: until cleared
    double probability = 0;       // > 0: applies to this share of requests (one roll per request across faults)
};

json device_json(const Device& d) {
    return json{{"deviceId", d.id},
                {"phone", d.phone},
                {"carrier", carrier_id(d.carrier)},
                {"operator", operator_id(d.op)},
                {"network", network_id(d.network)},
                {"vpn", d.vpn},
                {"riskScore", d.risk_score}};
}

json fault_json(const Fault& f) {
    json j{{"faultId", f.id},
           {"target", f.target == FaultTarget::Vendor ? "vendor" : f.target == FaultTarget::Gateway ? "gateway" : "all"}};
    if (f.latency_ms) j["latencyMs"] = f.latency_ms;
    if (f.status) j["status"] = f.status;
    if (f.malformed) j["malformed"] = true;
    if (f.drop) j["drop"] = true;
    if (f.vendor_code) j["vendorCode"] = *f.vendor_code;
    if (f.probability > 0) j["probability"] = f.probability;
    j["remaining"] = f.remaining < 0 ? json(nullptr) : json(f.remaining);
    return j;
}

// Tags the sandbox attaches to each risk band (the real service draws them from its own catalogue).
json risk_tags(int score) {
    if (score >= 900) return json::array({"fraud_reported"});
    if (score >= 600) return json::array({"virtual_number"});
    if (score >= 300) return json::array({"frequent_verification"});
    return json::array();
}

// A body that is not JSON at all is refused before any field is read.
bool read_object(const httplib::Request& req, httplib::Response& res, json& out, Locale locale) {
    if (!req.body.empty() && !is_json_content_type(req)) {
        send_error(res, 415, Reason::BAD_CONTENT_TYPE, locale);
        return false;
    }
    out = req.body.empty() ? json::object() : json::parse(req.body, nullptr, false);
    if (out.is_discarded()) {
        send_error(res, 400, Reason::BAD_JSON, locale);
        return false;
    }
    if (!out.is_object()) {
        send_error(res, 400, Reason::BAD_ARGUMENT, locale, std::nullopt, json{{"field", ""}});
        return false;
    }
    return true;
}

}  // namespace

struct Sandbox::State {
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
    std::uint64_t serial = kFirstSerial;
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

    // The first active fault for `target`, consumed once.
    std::optional<Fault> take_fault(FaultTarget target) {
        std::lock_guard lock(mu);
        // Faults with a probability share one roll, so 5% + 5% + 1% + 1% hit exactly 12% of requests.
        double roll = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
        for (auto it = faults.begin(); it != faults.end(); ++it) {
            if (it->target != target && it->target != FaultTarget::All) continue;
            if (it->probability > 0) {
                if (roll >= it->probability) {
                    roll -= it->probability;
                    continue;
                }
            }
            Fault f = *it;
            if (it->remaining > 0 && --it->remaining == 0) faults.erase(it);
            return f;
        }
        return std::nullopt;
    }

    // Applies a fault's latency, then answers for it when it replaces the response. True: answered.
    static bool apply_fault(const std::optional<Fault>& f, httplib::Response& res) {
        if (!f) return false;
        if (f->latency_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(f->latency_ms));
        if (f->drop) {
            // Headers go out, then the body never does: the client sees the connection break mid-response.
            res.set_content_provider(
                64, "application/json", [](std::size_t, std::size_t, httplib::DataSink&) { return false; });
            return true;
        }
        if (f->status) {
            res.status = f->status;
            res.set_content("<html><body><h1>" + std::to_string(f->status) + " Service Unavailable</h1></body></html>",
                            "text/html");
            return true;
        }
        if (f->malformed) {
            res.status = 200;
            res.set_content(R"({"id": 1172704656, "code": 90)", "application/json");
            return true;
        }
        return false;
    }

    // ---- devices ----------------------------------------------------------------------------------------------

    // Reads the device fields present in `body` onto `d`; on a problem answers 400 and returns false.
    bool read_device(const json& body, Device& d, bool creating, httplib::Response& res, Locale locale) {
        if (const auto k = unknown_field(body, {"phone", "network", "vpn", "riskScore", "operator"})) {
            send_error(res, 400, Reason::UNKNOWN_FIELD, locale, std::nullopt,
                       json{{"field", k->size() > 64 ? k->substr(0, 64) : *k}});
            return false;
        }
        auto bad = [&](const char* field) {
            send_error(res, 400, Reason::BAD_ARGUMENT, locale, std::nullopt, json{{"field", field}});
            return false;
        };
        std::optional<Operator> sim_op;
        if (body.contains("operator")) {
            if (!body["operator"].is_string()) return bad("operator");
            sim_op = operator_from_id(body["operator"].get<std::string>());
            if (!sim_op) {
                send_error(res, 400, Reason::BAD_OPERATOR, locale, std::nullopt, json{{"field", "operator"}});
                return false;
            }
        }
        if (body.contains("phone")) {
            if (!body["phone"].is_string()) return bad("phone");
            const PhoneNumber p = parse_phone(body["phone"].get<std::string>());
            if (!p.valid) {
                send_error(res, 400, p.reason, locale, std::nullopt, json{{"field", "phone"}});
                return false;
            }
            d.phone = p.national;
            d.carrier = p.segment.carrier;
            if (!sim_op && !p.segment.network) {
                send_error(res, 400, Reason::BAD_OPERATOR, locale, std::nullopt, json{{"field", "operator"}});
                return false;
            }
            if (p.segment.network) d.op = *p.segment.network;
        } else if (creating) {
            send_error(res, 400, Reason::PHONE_EMPTY, locale, std::nullopt, json{{"field", "phone"}});
            return false;
        }
        if (sim_op) d.op = *sim_op;
        if (body.contains("network")) {
            const auto n = body["network"].is_string() ? network_from_id(body["network"].get<std::string>()) : std::nullopt;
            if (!n) return bad("network");
            d.network = *n;
        }
        if (body.contains("vpn")) {
            if (!body["vpn"].is_boolean()) return bad("vpn");
            d.vpn = body["vpn"].get<bool>();
        }
        if (body.contains("riskScore")) {
            if (!body["riskScore"].is_number_integer() || body["riskScore"].get<std::int64_t>() < 0 ||
                body["riskScore"].get<std::int64_t>() > 900) {
                return bad("riskScore");
            }
            d.risk_score = static_cast<int>(body["riskScore"].get<std::int64_t>());
        }
        return true;
    }

    void create_device(const httplib::Request& req, httplib::Response& res) {
        const Locale locale = request_locale(req);
        json body;
        if (!read_object(req, res, body, locale)) return;
        Device d;
        if (!read_device(body, d, true, res, locale)) return;
        std::lock_guard lock(mu);
        if (devices.size() >= kMaxDevices) {
            send_error(res, 429, Reason::BAD_REQUEST, locale, std::nullopt,
                       json{{"detail", "the sandbox holds at most 10000 devices; delete some first"}});
            return;
        }
        d.id = "dev_" + random_hex(8);
        devices[d.id] = d;
        res.set_header("Location", "/sandbox/devices/" + d.id);
        send_json(res, 201, device_json(d));
    }

    void device_op(const httplib::Request& req, httplib::Response& res) {
        const Locale locale = request_locale(req);
        const std::string id = req.matches[1];
        json body;
        if ((req.method == "PATCH" || req.method == "PUT") && !read_object(req, res, body, locale)) return;
        std::lock_guard lock(mu);
        auto it = devices.find(id);
        if (it == devices.end()) {
            send_error(res, 404, Reason::NOT_FOUND, locale, std::nullopt, json{{"deviceId", id}});
            return;
        }
        if (req.method == "GET") {
            send_json(res, 200, device_json(it->second));
        } else if (req.method == "DELETE") {
            by_device.erase(id);
            devices.erase(it);
            res.status = 204;
        } else {
            // PUT replaces (phone required), PATCH updates the fields given.
            Device d = req.method == "PUT" ? Device{} : it->second;
            d.id = id;
            if (!read_device(body, d, req.method == "PUT", res, locale)) return;
            it->second = d;
            send_json(res, 200, device_json(d));
        }
    }

    // ---- carrier token gateways -------------------------------------------------------------------------------

    void carrier_error(httplib::Response& res, int status, Operator op, const std::string& code, Reason reason,
                       const char* message) {
        send_json(res, status,
                  json{{"operator", operator_id(op)}, {"code", code}, {"reason", reason_id(reason)}, {"message", message}});
    }

    void issue_token(const httplib::Request& req, httplib::Response& res) {
        const Locale locale = request_locale(req);
        const auto op = operator_from_id(std::string(req.matches[1]));
        if (!op) {
            send_error(res, 404, Reason::BAD_OPERATOR, locale);
            return;
        }
        if (apply_fault(take_fault(FaultTarget::Gateway), res)) return;
        std::string device_id = req.get_header_value("X-Sandbox-Device");
        if (device_id.empty() && req.has_param("device")) device_id = req.get_param_value("device");
        if (device_id.empty()) {
            send_error(res, 400, Reason::BAD_ARGUMENT, locale, std::nullopt,
                       json{{"field", "X-Sandbox-Device"}, {"detail", "send the simulated device's id in X-Sandbox-Device"}});
            return;
        }
        std::lock_guard lock(mu);
        auto it = devices.find(device_id);
        if (it == devices.end()) {
            send_error(res, 404, Reason::NOT_FOUND, locale, std::nullopt, json{{"deviceId", device_id}});
            return;
        }
        const Device& d = it->second;
        const std::int64_t now_ms = now();
        // What a real gateway sees: offline phones never reach it; with Wi-Fi on, the browser's request leaves
        // over Wi-Fi and the gateway cannot identify a subscriber; through a VPN, or over another carrier's data,
        // the source address is not the carrier's own.
        if (d.network == Network::Offline) {
            carrier_error(res, 503, *op, "1005", Reason::OFFLINE, "network unavailable");
            return;
        }
        if (d.network != Network::Cellular) {
            carrier_error(res, 403, *op, "2004", Reason::WIFI_ON,
                          "the request did not arrive over cellular data (Wi-Fi is on)");
            return;
        }
        if (d.vpn || d.op != *op) {
            const auto code = *op == Operator::CM ? "103111" : *op == Operator::CT ? "800008" : "SOURCE_IP_ERROR";
            carrier_error(res, 403, *op, code, Reason::CARRIER_MISMATCH,
                          "source IP is not on this carrier's network (VPN, proxy or another SIM's data)");
            return;
        }
        // Tokens are forgotten once older than the longest lifetime plus the limit's window: by then they are
        // long expired, and a late verify gets 9003 exactly as for an expired one.
        const std::int64_t keep_ms = kMaxTtlMs + opt.token_window_ms;
        while (!by_age.empty() && by_age.front().first + keep_ms < now_ms) {
            tokens.erase(by_age.front().second);
            by_age.pop_front();
        }
        std::int64_t unused = 0;
        auto& mine = by_device[d.id];
        while (!mine.empty() && mine.front().first + opt.token_window_ms <= now_ms) mine.pop_front();
        if (opt.unused_token_limit > 0) {
            for (const auto& [issued, tok] : mine) {
                const auto it2 = tokens.find(tok);
                if (it2 != tokens.end() && !it2->second.used) ++unused;
            }
        }
        if ((opt.unused_token_limit > 0 && unused >= opt.unused_token_limit) || tokens.size() >= kMaxTokens) {
            carrier_error(res, 429, *op, "TOKEN_LIMIT", Reason::TOKEN_LIMIT,
                          "at most 30 unused tokens per 10 minutes");
            return;
        }
        const OperatorInfo& info = operator_info(*op);
        Token t{d.id, d.phone, *op, d.risk_score, now_ms, now_ms + info.token_ttl_ms, false};
        const std::string token = "STsid" + std::string(operator_id(*op)) + random_hex(20);
        tokens[token] = t;
        by_age.emplace_back(now_ms, token);
        if (opt.unused_token_limit > 0) mine.emplace_back(now_ms, token);
        send_json(res, 200,
                  json{{"operator", operator_id(*op)},
                       {"token", token},
                       {"expiresInSec", info.token_ttl_ms / 1000},
                       {"expiresAt", t.expires_ms}});
    }

    // ---- the vendor API ---------------------------------------------------------------------------------------

    void vendor_reply(httplib::Response& res, int code, const std::optional<std::string>& ex_id, bool with_id,
                      const json& extra = json::object()) {
        static const std::map<int, const char*> kContent = {
            {9000, "verify consistent"}, {9001, "verify not consistent"}, {9002, "unknown result"},
            {9003, "token expired or not exist"}, {9004, "config not found"}, {9005, "verify too frequently"},
            {9006, "exceeded the daily verification limit of this number"},
            {9007, "exceeded the daily verification limit of this appKey"}, {9010, "missing auth info"},
            {9011, "auth failed"}, {9012, "parameter invalid"}, {9013, "only POST is supported"},
            {9014, "appkey is blocked"}, {9015, "Content-Type must be application/json"},
            {9018, "balance is insufficient"}, {9031, "service not enabled"}, {9099, "server error"}};
        const auto it = kContent.find(code);
        json j;
        if (with_id) j["id"] = serial++;
        ++vendor_answers[code];
        if (delayed_now && (code == 9000 || code == 9001)) ++billed_after_delay;
        j["code"] = code;
        j["content"] = it == kContent.end() ? "error" : it->second;
        if (with_id) j["exID"] = ex_id.value_or("");
        for (const auto& [k, v] : extra.items()) j[k] = v;
        const int status = code <= 9002 ? 200
                           : code == 9010 || code == 9011 ? 401
                           : code == 9013                 ? 405
                           : code == 9005 || code == 9006 || code == 9007 ? 429
                           : code == 9004 || code == 9014 || code == 9018 || code == 9031 ? 403
                           : code == 9099 ? 500
                                          : 400;
        send_json(res, status, j);
    }

    void vendor_verify(const httplib::Request& req, httplib::Response& res, bool v2) {
        const auto fault = take_fault(FaultTarget::Vendor);
        if (apply_fault(fault, res)) return;
        std::lock_guard lock(mu);
        delayed_now = fault && fault->latency_ms > 0;
        if (delayed_now) ++delayed_requests;
        struct Reset {
            bool& flag;
            ~Reset() { flag = false; }
        } reset{delayed_now};
        if (req.method != "POST") return vendor_reply(res, 9013, std::nullopt, false);

        const std::string auth = req.get_header_value("Authorization");
        if (auth.empty()) return vendor_reply(res, 9010, std::nullopt, false);
        const auto decoded = auth.rfind("Basic ", 0) == 0 ? base64_decode(auth.substr(6)) : std::nullopt;
        const std::size_t colon = decoded ? decoded->find(':') : std::string::npos;
        if (colon == std::string::npos || !constant_time_equal(decoded->substr(0, colon), opt.app_key) ||
            !constant_time_equal(decoded->substr(colon + 1), opt.master_secret)) {
            return vendor_reply(res, 9011, std::nullopt, false);
        }
        if (!is_json_content_type(req)) return vendor_reply(res, 9015, std::nullopt, false);

        const json body = json::parse(req.body, nullptr, false);
        if (body.is_discarded() || !body.is_object()) return vendor_reply(res, 9012, std::nullopt, false);
        std::optional<std::string> ex_id;
        if (body.contains("exID")) {
            if (!body["exID"].is_string()) return vendor_reply(res, 9012, std::nullopt, false);
            ex_id = body["exID"].get<std::string>();
        }
        if (fault && fault->vendor_code) return vendor_reply(res, *fault->vendor_code, ex_id, *fault->vendor_code <= 9002);

        // The documentation's example sends the phone as a number; both forms are accepted.
        std::string phone;
        if (body.contains("phone") && body["phone"].is_string()) phone = body["phone"].get<std::string>();
        else if (body.contains("phone") && body["phone"].is_number_unsigned()) phone = std::to_string(body["phone"].get<std::uint64_t>());
        const bool phone_ok = phone.size() == 11 && phone[0] == '1' &&
                              std::all_of(phone.begin(), phone.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (!body.contains("token") || !body["token"].is_string() || body["token"].get<std::string>().empty() ||
            !phone_ok || (body.contains("ip") && !body["ip"].is_string())) {
            return vendor_reply(res, 9012, ex_id, false);
        }

        // The vendor's own limits come before the token is spent.
        const std::int64_t now_ms = now();
        const std::string number_key = opt.app_key + ":" + phone;
        QuotaState state;
        state.number = vendor_numbers[number_key];
        state.app = vendor_app;
        QuotaLimits limits = opt.vendor_limits;
        limits.ip_limit = 0;
        const QuotaDecision d = admit(state, limits, now_ms);
        if (!d.allowed) {
            const int code = d.reason == Reason::TOO_SOON ? 9005 : d.reason == Reason::NUMBER_DAILY_LIMIT ? 9006 : 9007;
            return vendor_reply(res, code, ex_id, false);
        }

        const auto t = tokens.find(body["token"].get<std::string>());
        if (t == tokens.end() || t->second.used || t->second.expires_ms <= now_ms) {
            return vendor_reply(res, 9003, ex_id, true);
        }
        t->second.used = true;
        vendor_numbers[number_key] = d.next.number;
        vendor_app = d.next.app;
        const bool consistent = t->second.phone == phone;
        json extra = json::object();
        if (v2) {
            int score = t->second.risk_score;
            if (const auto dev = devices.find(t->second.device_id); dev != devices.end()) score = dev->second.risk_score;
            json detail = json::object();
            for (const json& tag : risk_tags(score)) detail[tag.get<std::string>()] = json{{"score", score}};
            extra["score"] = score;
            extra["riskCheck"] = json{{"code", 0}, {"content", "success"}, {"score", score},
                                      {"tags", risk_tags(score)}, {"detail", detail}};
        }
        vendor_reply(res, consistent ? 9000 : 9001, ex_id, true, extra);
    }

    // ---- faults -----------------------------------------------------------------------------------------------

    void add_fault(const httplib::Request& req, httplib::Response& res) {
        const Locale locale = request_locale(req);
        json body;
        if (!read_object(req, res, body, locale)) return;
        Fault f;
        auto bad = [&](const std::string& field) {
            send_error(res, 400, Reason::BAD_ARGUMENT, locale, std::nullopt, json{{"field", field}});
        };
        for (const auto& [k, v] : body.items()) {
            if (k == "target") {
                const std::string t = v.is_string() ? v.get<std::string>() : "";
                if (t == "vendor") f.target = FaultTarget::Vendor;
                else if (t == "gateway") f.target = FaultTarget::Gateway;
                else if (t == "all") f.target = FaultTarget::All;
                else return bad(k);
            } else if (k == "latencyMs") {
                if (!v.is_number_integer() || v.get<std::int64_t>() < 0 || v.get<std::int64_t>() > kMaxLatencyMs) return bad(k);
                f.latency_ms = v.get<std::int64_t>();
            } else if (k == "status") {
                if (!v.is_number_integer() || v.get<std::int64_t>() < 500 || v.get<std::int64_t>() > 599) return bad(k);
                f.status = static_cast<int>(v.get<std::int64_t>());
            } else if (k == "malformed" || k == "drop") {
                if (!v.is_boolean()) return bad(k);
                (k == "drop" ? f.drop : f.malformed) = v.get<bool>();
            } else if (k == "vendorCode") {
                if (!v.is_number_integer() || v.get<std::int64_t>() < 0 || v.get<std::int64_t>() > 99'999) return bad(k);
                f.vendor_code = static_cast<int>(v.get<std::int64_t>());
            } else if (k == "probability") {
                if (!v.is_number() || !(v.get<double>() > 0.0) || v.get<double>() > 1.0) return bad(k);
                f.probability = v.get<double>();
            } else if (k == "count") {
                if (!v.is_number_integer() || v.get<std::int64_t>() < 1 || v.get<std::int64_t>() > 1'000'000) return bad(k);
                f.remaining = v.get<std::int64_t>();
            } else {
                send_error(res, 400, Reason::UNKNOWN_FIELD, locale, std::nullopt, json{{"field", k}});
                return;
            }
        }
        if (!f.latency_ms && !f.status && !f.malformed && !f.drop && !f.vendor_code) {
            return bad("latencyMs|status|malformed|drop|vendorCode");
        }
        f.id = "flt_" + random_hex(6);
        std::lock_guard lock(mu);
        if (faults.size() >= 100) return bad("count");
        faults.push_back(f);
        send_json(res, 201, fault_json(f));
    }
};

struct Sandbox::Inbox final : SmsSender {
    State* st = nullptr;
    bool send(const std::string& national, const std::string& text, const std::string& code) override {
        std::lock_guard lock(st->mu);
        auto& box = st->inbox[national];
        box.push_back(json{{"from", "106900000000"}, {"text", text}, {"code", code}, {"at", st->now()}});
        while (box.size() > 20) box.pop_front();
        if (st->inbox.size() > kMaxDevices) st->inbox.erase(st->inbox.begin());
        return true;
    }
};

Sandbox::Sandbox(SandboxOptions options, std::function<std::int64_t()> now_ms)
    : state_(std::make_unique<State>()), inbox_(std::make_unique<Inbox>()) {
    inbox_->st = state_.get();
    state_->opt = std::move(options);
    state_->now = std::move(now_ms);
}

Sandbox::~Sandbox() = default;

SmsSender& Sandbox::sms_sender() { return *inbox_; }

namespace {

const char* const kVendorPaths[][2] = {
    {"/v1/web/verify", "1"}, {"/v1/web/h5/verify", "1"}, {"/v2/web/verify", "2"}, {"/v2/web/h5/verify", "2"}};

void mount_vendor(httplib::Server& s, Sandbox* self, const std::string& prefix,
                  const std::function<void(const httplib::Request&, httplib::Response&, bool)>& handler) {
    (void)self;
    for (const auto& p : kVendorPaths) {
        const std::string path = prefix + p[0];
        const bool v2 = p[1][0] == '2';
        auto h = [handler, v2](const httplib::Request& req, httplib::Response& res) { handler(req, res, v2); };
        s.Post(path, h);
        s.Get(path, h);
        s.Put(path, h);
        s.Patch(path, h);
        s.Delete(path, h);
    }
}

}  // namespace

void Sandbox::mount(httplib::Server& s) {
    State* st = state_.get();
    s.Get("/sandbox", [st](const httplib::Request&, httplib::Response& res) {
        send_json(res, 200,
                  json{{"sandbox", true},
                       {"credentials", {{"appKey", st->opt.app_key}, {"masterSecret", st->opt.master_secret},
                                        {"note", "the vendor documentation's public example pair"}}},
                       {"endpoints",
                        {"POST /sandbox/devices", "GET|PATCH|PUT|DELETE /sandbox/devices/{deviceId}",
                         "POST /sandbox/carriers/{CM|CU|CT}/token (header X-Sandbox-Device)",
                         "POST|GET|DELETE /sandbox/faults",
                         "POST /sandbox/vendor/v1/web/h5/verify (and /v1/web/verify, /v2/web/verify, /v2/web/h5/verify)"}}});
    });
    s.Post("/sandbox/devices", [st](const httplib::Request& req, httplib::Response& res) { st->create_device(req, res); });
    s.Get("/sandbox/devices", [st](const httplib::Request&, httplib::Response& res) {
        std::lock_guard lock(st->mu);
        json list = json::array();
        for (const auto& [id, d] : st->devices) list.push_back(device_json(d));
        send_json(res, 200, json{{"devices", list}});
    });
    const char* device_path = R"(/sandbox/devices/([A-Za-z0-9_]{1,64}))";
    auto dev = [st](const httplib::Request& req, httplib::Response& res) { st->device_op(req, res); };
    s.Get(device_path, dev);
    s.Patch(device_path, dev);
    s.Put(device_path, dev);
    s.Delete(device_path, dev);
    s.Get(R"(/sandbox/devices/([A-Za-z0-9_]{1,64})/inbox)", [st](const httplib::Request& req, httplib::Response& res) {
        std::lock_guard lock(st->mu);
        const auto it = st->devices.find(req.matches[1]);
        if (it == st->devices.end()) {
            send_error(res, 404, Reason::NOT_FOUND, request_locale(req), std::nullopt, json{{"deviceId", req.matches[1]}});
            return;
        }
        const auto box = st->inbox.find(it->second.phone);
        json messages = json::array();
        if (box != st->inbox.end()) {
            for (const json& m : box->second) messages.push_back(m);
        }
        send_json(res, 200, json{{"deviceId", it->second.id}, {"phone", it->second.phone}, {"messages", messages}});
    });
    s.Post(R"(/sandbox/carriers/([A-Za-z]{1,8})/token)",
           [st](const httplib::Request& req, httplib::Response& res) { st->issue_token(req, res); });
    s.Post("/sandbox/faults", [st](const httplib::Request& req, httplib::Response& res) { st->add_fault(req, res); });
    s.Get("/sandbox/faults", [st](const httplib::Request&, httplib::Response& res) {
        std::lock_guard lock(st->mu);
        json list = json::array();
        for (const Fault& f : st->faults) list.push_back(fault_json(f));
        send_json(res, 200, json{{"faults", list}});
    });
    s.Delete("/sandbox/faults", [st](const httplib::Request&, httplib::Response& res) {
        std::lock_guard lock(st->mu);
        st->faults.clear();
        res.status = 204;
    });
    // What the emulated vendor answered, by code: what its bill would say (9000 and 9001 are billed). Tests
    // reconcile nv-server's usage ledger against it.
    s.Get("/sandbox/vendor/usage", [st](const httplib::Request&, httplib::Response& res) {
        std::lock_guard lock(st->mu);
        json by_code = json::object();
        std::uint64_t billed = 0;
        for (const auto& [code, n] : st->vendor_answers) {
            by_code[std::to_string(code)] = n;
            if (code == 9000 || code == 9001) billed += n;
        }
        send_json(res, 200, json{{"billed", billed},
                                 {"byCode", by_code},
                                 {"delayedRequests", st->delayed_requests},
                                 {"billedAfterDelay", st->billed_after_delay}});
    });
    mount_vendor(s, this, "/sandbox/vendor", [st](const httplib::Request& req, httplib::Response& res, bool v2) {
        st->vendor_verify(req, res, v2);
    });
}

void Sandbox::mount_vendor_root(httplib::Server& s) {
    State* st = state_.get();
    mount_vendor(s, this, "", [st](const httplib::Request& req, httplib::Response& res, bool v2) {
        st->vendor_verify(req, res, v2);
    });
}

}  // namespace nv::server
