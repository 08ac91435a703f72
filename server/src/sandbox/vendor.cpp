// The sandbox: the vendor's REST API (/v1|v2/web[/h5]/verify, /v1|v2/web/h5/loginTokenVerify,
// /v2/web/queryBusinessRisk).
#include <httplib.h>

#include "base/crypto.hpp"
#include "base/json_strict.hpp"
#include "http/http_util.hpp"
#include "rules/calendar.hpp"
#include "sandbox/state.hpp"

namespace nv::server {
namespace sandbox_detail {

// Tags the sandbox attaches to each risk band (the real service draws them from its own catalogue).
json risk_tags(int score) {
    if (score >= 900) return json::array({"fraud_reported"});
    if (score >= 600) return json::array({"virtual_number"});
    if (score >= 300) return json::array({"frequent_verification"});
    return json::array();
}

}  // namespace sandbox_detail

using namespace sandbox_detail;

void Sandbox::State::vendor_reply(httplib::Response& res, int code, const std::optional<std::string>& ex_id,
                                  bool with_id, const json& extra) {
    static const std::map<int, const char*> kContent = {{9000, "verify consistent"},
                                                        {9001, "verify not consistent"},
                                                        {9002, "unknown result"},
                                                        {9003, "token expired or not exist"},
                                                        {9004, "config not found"},
                                                        {9005, "verify too frequently"},
                                                        {9006, "exceeded the daily verification limit of this number"},
                                                        {9007, "exceeded the daily verification limit of this appKey"},
                                                        {9010, "missing auth info"},
                                                        {9011, "auth failed"},
                                                        {9012, "parameter invalid"},
                                                        {9013, "only POST is supported"},
                                                        {9014, "appkey is blocked"},
                                                        {9015, "Content-Type must be application/json"},
                                                        {9018, "balance is insufficient"},
                                                        {9031, "service not enabled"},
                                                        {9020, "decrypt token failed"},
                                                        {9099, "server error"},
                                                        {8000, "get phone success"},
                                                        {8001, "get phone fail"},
                                                        {0, "success"}};
    const auto it = kContent.find(code);
    json j;
    if (with_id) j["id"] = serial++;
    ++vendor_answers[code];
    if (delayed_now && vendor_code_info(code).billed) ++billed_after_delay;
    j["code"] = code;
    j["content"] = it == kContent.end() ? "error" : it->second;
    if (with_id) j["exID"] = ex_id.value_or("");
    for (const auto& [k, v] : extra.items()) j[k] = v;
    const int status = code <= 9002                                                   ? 200
                       : code == 9010 || code == 9011                                 ? 401
                       : code == 9013                                                 ? 405
                       : code == 9005 || code == 9006 || code == 9007                 ? 429
                       : code == 9004 || code == 9014 || code == 9018 || code == 9031 ? 403
                       : code == 9099                                                 ? 500
                                                                                      : 400;
    send_json(res, status, j);
}

bool Sandbox::State::vendor_admit(const httplib::Request& req, httplib::Response& res, json& body,
                                  std::optional<std::string>& ex_id) {
    if (req.method != "POST") {
        vendor_reply(res, 9013, std::nullopt, false);
        return false;
    }
    const std::string auth = req.get_header_value("Authorization");
    if (auth.empty()) {
        vendor_reply(res, 9010, std::nullopt, false);
        return false;
    }
    const auto decoded = auth.rfind("Basic ", 0) == 0 ? base64_decode(auth.substr(6)) : std::nullopt;
    const std::size_t colon = decoded ? decoded->find(':') : std::string::npos;
    if (colon == std::string::npos || !constant_time_equal(decoded->substr(0, colon), opt.app_key) ||
        !constant_time_equal(decoded->substr(colon + 1), opt.master_secret)) {
        vendor_reply(res, 9011, std::nullopt, false);
        return false;
    }
    if (!is_json_content_type(req)) {
        vendor_reply(res, 9015, std::nullopt, false);
        return false;
    }
    body = parse_json_strict(req.body).value;  // a key given twice is a bad parameter too
    if (body.is_discarded() || !body.is_object()) {
        vendor_reply(res, 9012, std::nullopt, false);
        return false;
    }
    if (body.contains("exID")) {
        if (!body["exID"].is_string()) {
            vendor_reply(res, 9012, std::nullopt, false);
            return false;
        }
        ex_id = body["exID"].get<std::string>();
    }
    return true;
}

namespace {

// Under the state's lock for one vendor request: notes whether a latency fault delayed it (billed answers sent
// after a delay are reported apart), and clears the note when the request is answered.
struct DelayNote {
    bool& flag;
    DelayNote(bool& f, std::uint64_t& delayed, bool was_delayed) : flag(f) {
        flag = was_delayed;
        if (was_delayed) ++delayed;
    }
    ~DelayNote() { flag = false; }
    DelayNote(const DelayNote&) = delete;
    DelayNote& operator=(const DelayNote&) = delete;
};

bool valid_phone(const std::string& phone) {
    return phone.size() == 11 && phone[0] == '1' &&
           std::all_of(phone.begin(), phone.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The documentation's example sends the phone as a number; both forms are accepted.
std::string phone_of(const json& body) {
    if (body.contains("phone") && body["phone"].is_string()) return body["phone"].get<std::string>();
    if (body.contains("phone") && body["phone"].is_number_unsigned()) {
        return std::to_string(body["phone"].get<std::uint64_t>());
    }
    return {};
}

}  // namespace

json Sandbox::State::risk_extra(int score) const {
    json detail = json::object();
    for (const json& tag : risk_tags(score)) detail[tag.get<std::string>()] = json{{"score", score}};
    return json{{"score", score},
                {"riskCheck",
                 json{{"code", 0}, {"content", "success"}, {"score", score}, {"tags", risk_tags(score)}, {"detail", detail}}}};
}

void Sandbox::State::vendor_call(const httplib::Request& req, httplib::Response& res, const VendorAnswer& answer) {
    const auto fault = take_fault(FaultTarget::Vendor);
    if (apply_fault(fault, res)) return;
    std::lock_guard lock(mu);
    DelayNote note(delayed_now, delayed_requests, fault && fault->latency_ms > 0);
    json body;
    std::optional<std::string> ex_id;
    if (!vendor_admit(req, res, body, ex_id)) return;
    if (fault && fault->vendor_code) return vendor_reply(res, *fault->vendor_code, ex_id, *fault->vendor_code <= 9002);
    answer(body, ex_id);
}

void Sandbox::State::vendor_verify(const httplib::Request& req, httplib::Response& res, bool v2) {
    vendor_call(req, res, [&](const json& body, const std::optional<std::string>& ex_id) { verify_answer(res, body, ex_id, v2); });
}

void Sandbox::State::verify_answer(httplib::Response& res, const json& body, const std::optional<std::string>& ex_id,
                                   bool v2) {

    const std::string phone = phone_of(body);
    const bool phone_ok = valid_phone(phone);
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
    if (t == tokens.end() || t->second.used || t->second.login || t->second.expires_ms <= now_ms ||
        t->second.vendor != VendorId::Jiguang) {
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
        extra = risk_extra(score);
    }
    vendor_reply(res, consistent ? 9000 : 9001, ex_id, true, extra);
}

void Sandbox::State::vendor_login(const httplib::Request& req, httplib::Response& res, bool v2) {
    vendor_call(req, res, [&](const json& body, const std::optional<std::string>& ex_id) { login_answer(res, body, ex_id, v2); });
}

void Sandbox::State::login_answer(httplib::Response& res, const json& body, const std::optional<std::string>& ex_id,
                                  bool v2) {
    if (!body.contains("loginToken") || !body["loginToken"].is_string() ||
        body["loginToken"].get<std::string>().empty() || (body.contains("ip") && !body["ip"].is_string())) {
        return vendor_reply(res, 9012, ex_id, false);
    }
    const auto t = tokens.find(body["loginToken"].get<std::string>());
    if (t == tokens.end() || t->second.used || !t->second.login || t->second.expires_ms <= now() ||
        t->second.vendor != VendorId::Jiguang) {
        return vendor_reply(res, 9003, ex_id, true);
    }
    t->second.used = true;
    const auto dev = devices.find(t->second.device_id);
    // The carrier answers for the SIM it saw; a device removed since has no SIM to ask about.
    if (dev == devices.end()) return vendor_reply(res, 8001, ex_id, true);
    const auto cipher = opt.login_public_key.rsa_encrypt(t->second.phone);
    if (!cipher) return vendor_reply(res, 9020, ex_id, true);
    json extra{{"phone", base64_encode(*cipher)}};
    if (v2) extra.update(risk_extra(dev->second.risk_score));
    vendor_reply(res, 8000, ex_id, true, extra);
}

void Sandbox::State::vendor_risk(const httplib::Request& req, httplib::Response& res) {
    vendor_call(req, res, [&](const json& body, const std::optional<std::string>& ex_id) { risk_answer(res, body, ex_id); });
}

void Sandbox::State::risk_answer(httplib::Response& res, const json& body, const std::optional<std::string>& ex_id) {
    const std::string phone = phone_of(body);
    if (!valid_phone(phone) || (body.contains("ip") && !body["ip"].is_string())) {
        return vendor_reply(res, 9012, ex_id, false);
    }
    int score = 0;  // a number no simulated device has: no risk known
    for (const auto& [id, d] : devices) {
        if (d.phone == phone) score = std::max(score, d.risk_score);
    }
    const json check = risk_extra(score)["riskCheck"];
    vendor_reply(res, 0, ex_id, true, json{{"score", score}, {"tags", check["tags"]}, {"detail", check["detail"]}});
}

}  // namespace nv::server
