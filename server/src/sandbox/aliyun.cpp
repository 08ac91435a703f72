// The sandbox: Aliyun's Dypnsapi (2017-05-25), as dypnsapi.aliyuncs.com answers it. RPC style: every action is
// POST / (GET works too) with its parameters in the query, the action in x-acs-action (or the Action parameter),
// signed with the V3 signature (ACS3-HMAC-SHA256). Business failures are HTTP 200 with Code other than "OK";
// the gateway's own refusals (signature, date, nonce, unknown action) are 4xx.
#include <httplib.h>

#include <algorithm>

#include "base/crypto.hpp"
#include "http/http_util.hpp"
#include "sandbox/state.hpp"
#include "vendor/acs3_signature.hpp"

namespace nv::server {
using namespace sandbox_detail;

namespace {

constexpr const char* kVersion = "2017-05-25";
constexpr std::size_t kMaxQueryValue = 4096;

std::string request_id() {
    std::string h = random_hex(16);
    for (char& c : h) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// RFC 3986 percent-decoding ("+" stays "+": the V3 encoding never writes a space as "+"). nullopt: malformed.
std::optional<std::string> percent_decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out += s[i];
            continue;
        }
        if (i + 2 >= s.size()) return std::nullopt;
        const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return out;
}

// The query as sent (the raw target, not httplib's params: a form body must not leak into the signed query).
std::optional<acs3::Pairs> raw_query(const httplib::Request& req) {
    acs3::Pairs out;
    const std::size_t q = req.target.find('?');
    if (q == std::string::npos) return out;
    std::string_view rest = std::string_view(req.target).substr(q + 1);
    while (!rest.empty()) {
        const std::size_t amp = rest.find('&');
        const std::string_view part = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
        if (part.empty()) continue;
        const std::size_t eq = part.find('=');
        const auto k = percent_decode(part.substr(0, eq));
        const auto v = percent_decode(eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1));
        if (!k || !v) return std::nullopt;
        out.emplace_back(*k, *v);
    }
    return out;
}

std::optional<std::string> param(const acs3::Pairs& q, std::string_view name) {
    for (const auto& [k, v] : q) {
        if (k == name) return v;
    }
    return std::nullopt;
}

bool digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

void Sandbox::State::aliyun_reply(httplib::Response& res, int status, const std::string& code,
                                  const std::string& message, const json& extra) {
    json j{{"RequestId", request_id()}, {"Code", code}, {"Message", message}};
    if (status != 200) {
        j["HostId"] = "dypnsapi.aliyuncs.com";
        j["Recommend"] = "https://api.aliyun.com/troubleshoot?q=" + code + "&product=Dypnsapi";
    }
    for (const auto& [k, v] : extra.items()) j[k] = v;
    const std::string counted =
        code == "OK" && extra.contains("GateVerify") ? extra["GateVerify"]["VerifyResult"].get<std::string>() : code;
    ++aliyun_answers[counted];
    send_json(res, status, j);
}

void Sandbox::State::aliyun_call(const httplib::Request& req, httplib::Response& res) {
    const auto fault = take_fault(FaultTarget::Vendor, VendorId::Aliyun);
    if (apply_fault(fault, res)) return;
    std::lock_guard lock(mu);
    const std::int64_t now_ms = now();

    const auto query = raw_query(req);
    if (!query) return aliyun_reply(res, 400, "InvalidParameter", "The query string is not valid percent-encoding.");
    std::string action = req.get_header_value("x-acs-action");
    if (action.empty()) action = param(*query, "Action").value_or("");
    if (req.method != "POST" && req.method != "GET") {
        return aliyun_reply(res, 405, "UnsupportedHTTPMethod", "Only POST and GET are supported.");
    }
    if (action != "GetAuthToken" && action != "VerifyPhoneWithToken" && action != "GetPhoneWithToken") {
        return aliyun_reply(res, 404, "InvalidAction.NotFound",
                            "Specified api is not found, please check your url and method.");
    }
    if (req.get_header_value("x-acs-version") != kVersion) {
        return aliyun_reply(res, 400, "InvalidVersion", "Specified parameter Version is not valid (2017-05-25).");
    }
    const auto auth = acs3::parse_authorization(req.get_header_value("Authorization"));
    if (!auth) {
        return aliyun_reply(res, 400, "IncompleteSignature",
                            "The request signature does not conform to Aliyun standards (ACS3-HMAC-SHA256 "
                            "Credential=...,SignedHeaders=...,Signature=...).");
    }
    if (!constant_time_equal(auth->access_key_id, opt.aliyun_key_id)) {
        return aliyun_reply(res, 404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.");
    }
    const auto date = acs3::parse_date(req.get_header_value("x-acs-date"));
    if (!date) return aliyun_reply(res, 400, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.");
    if (*date < now_ms - kAliyunClockSkewMs || *date > now_ms + kAliyunClockSkewMs) {
        return aliyun_reply(res, 400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.");
    }
    const std::string nonce = req.get_header_value("x-acs-signature-nonce");
    if (nonce.empty() || nonce.size() > 128) {
        return aliyun_reply(res, 400, "MissingSignatureNonce", "SignatureNonce is mandatory for this action.");
    }
    // Every header the signature names must be there; host, the action, the version, the date, the nonce and the
    // body's hash must be among them.
    const std::string& names = auth->signed_headers;
    for (const char* required :
         {"host", "x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce", "x-acs-version"}) {
        if ((";" + names + ";").find(std::string(";") + required + ";") == std::string::npos) {
            return aliyun_reply(res, 400, "IncompleteSignature",
                                std::string("The signed headers must include ") + required + ".");
        }
    }
    acs3::Request signed_req;
    signed_req.method = req.method;
    signed_req.path = req.path;
    signed_req.query = *query;
    for (const auto& [k, v] : req.headers) signed_req.headers.emplace_back(k, v);
    const std::string hashed = req.get_header_value("x-acs-content-sha256");
    const std::string canonical = acs3::canonical_request(signed_req, names, hashed);
    const std::string sts = acs3::string_to_sign(canonical);
    const std::string expected = acs3::signature(opt.aliyun_key_secret, sts);
    if (!constant_time_equal(expected, auth->signature) || hashed != sha256_hex(req.body)) {
        // The gateway echoes what it signed: the best aid when a client's canonical request differs.
        return aliyun_reply(res, 400, "SignatureDoesNotMatch",
                            "Specified signature is not matched with our calculation. server string to sign is:" +
                                sts + "\ncanonical request is:" + canonical);
    }
    while (!aliyun_nonce_order.empty() && (aliyun_nonce_order.front().first + kAliyunClockSkewMs < now_ms ||
                                           aliyun_nonce_order.size() >= kMaxAliyunNonces)) {
        aliyun_nonces.erase(aliyun_nonce_order.front().second);
        aliyun_nonce_order.pop_front();
    }
    if (!aliyun_nonces.emplace(nonce, now_ms).second) {
        return aliyun_reply(res, 400, "SignatureNonceUsed", "Specified signature nonce was used already.");
    }
    aliyun_nonce_order.emplace_back(now_ms, nonce);

    auto value = [&](const char* name) -> std::optional<std::string> {
        auto v = param(*query, name);
        if (v && (v->empty() || v->size() > kMaxQueryValue)) return std::nullopt;
        return v;
    };
    // A forced answer (faults with aliyunCode): a Code, or PASS / REJECT / UNKNOWN for VerifyPhoneWithToken.
    if (fault && fault->aliyun_code) {
        if (aliyun_verify_result(*fault->aliyun_code)) {
            return aliyun_reply(res, 200, "OK", "OK",
                                json{{"GateVerify", {{"VerifyResult", *fault->aliyun_code}, {"VerifyId", random_hex(8)}}}});
        }
        return aliyun_reply(res, 200, *fault->aliyun_code, "forced by a sandbox fault");
    }

    if (action == "GetAuthToken") {
        const auto url = value("Url"), origin = value("Origin"), scene = value("SceneCode"), biz = value("BizType");
        if (!url || !origin || !scene || !biz) {
            return aliyun_reply(res, 200, "isv.INVALID_PARAMETERS", "Url, Origin, SceneCode and BizType are required.");
        }
        if (*scene != opt.aliyun_scene_code) {
            return aliyun_reply(res, 200, "isv.SCENE_QUERY_FAIL", "The scheme (SceneCode) does not exist.");
        }
        if (*biz != "0" && *biz != "1") {
            return aliyun_reply(res, 200, "isv.INVALID_PARAMETERS", "BizType is 0 (verify) or 1 (login).");
        }
        // Url is the origin plus "/", as the scheme registers it.
        const bool web = origin->rfind("https://", 0) == 0 || origin->rfind("http://", 0) == 0;
        if (!web || origin->back() == '/' || *url != *origin + "/") {
            return aliyun_reply(res, 200, "isv.INVALID_PARAMETERS",
                                "Origin is scheme://host[:port] and Url is the same followed by \"/\".");
        }
        const VendorInfo& info = vendor_info(VendorId::Aliyun);
        for (auto it = aliyun_sessions.begin(); it != aliyun_sessions.end();) {
            it = it->second.expires_ms <= now_ms ? aliyun_sessions.erase(it) : std::next(it);
        }
        if (aliyun_sessions.size() >= kMaxAliyunSessions) aliyun_sessions.erase(aliyun_sessions.begin());
        const std::string access = "sbx-at-" + random_hex(24);
        aliyun_sessions[access] = AliyunSession{*origin, *biz == "1", now_ms + info.session_token_ttl_ms};
        const std::string jwt = "sbx-jwt-" + random_hex(24);
        return aliyun_reply(res, 200, "OK", "请求成功",
                            json{{"TokenInfo", {{"AccessToken", access}, {"JwtToken", jwt}}}});
    }

    const auto sp = value("SpToken");
    if (!sp) return aliyun_reply(res, 200, "isv.INVALID_PARAMETERS", "SpToken is required.");
    const bool login = action == "GetPhoneWithToken";
    std::optional<std::string> phone;
    if (!login) {
        phone = value("PhoneNumber");
        if (!phone || phone->size() != 11 || (*phone)[0] != '1' || !digits(*phone)) {
            return aliyun_reply(res, 200, "isv.MOBILE_NUMBER_ILLEGAL", "PhoneNumber is not a valid mobile number.");
        }
    }
    const auto t = tokens.find(*sp);
    if (t == tokens.end() || t->second.vendor != VendorId::Aliyun || t->second.used || t->second.expires_ms <= now_ms) {
        return aliyun_reply(res, 200, "isv.TOKEN_INVALID", "令牌无效 (the spToken is unknown, expired or used)");
    }
    if (t->second.login != login) {
        // A verify spToken on the login API (and the reverse): refused, not spent.
        return aliyun_reply(res, 200, login ? "isv.TOKEN_UNAUTHORIZED_USED" : "isv.TOKEN_INVALID",
                            "The spToken was issued for the other process.");
    }
    if (login) {
        t->second.used = true;
        return aliyun_reply(res, 200, "OK", "请求成功", json{{"Data", {{"Mobile", t->second.phone}}}});
    }
    // The typed number's carrier (by its segment) is not the data SIM's, and it is not this SIM's number either.
    const PhoneNumber typed = parse_phone(*phone);
    if (*phone != t->second.phone && typed.segment.network && *typed.segment.network != t->second.op) {
        t->second.used = true;
        return aliyun_reply(res, 200, "isv.PARAMETERS_MISMATCH",
                            "The number's carrier is not the carrier of the SIM that requested the token.");
    }
    // CM allows 10 H5 checks per number per rolling 24 hours.
    if (t->second.op == Operator::CM) {
        auto& checks = aliyun_cm_checks[*phone];
        while (!checks.empty() && checks.front() + 24 * 3'600'000LL <= now_ms) checks.pop_front();
        if (static_cast<std::int64_t>(checks.size()) >= kAliyunCmDailyChecks) {
            return aliyun_reply(res, 200, "BUSINESS_LIMIT_CONTROL", "The number has exceeded the limit for the day.");
        }
        checks.push_back(now_ms);
        if (aliyun_cm_checks.size() > kMaxDevices * 10) aliyun_cm_checks.erase(aliyun_cm_checks.begin());
    }
    t->second.used = true;
    const char* result = t->second.phone == *phone ? "PASS" : "REJECT";
    aliyun_reply(res, 200, "OK", "请求成功", json{{"GateVerify", {{"VerifyResult", result}, {"VerifyId", random_hex(8)}}}});
}

}  // namespace nv::server
