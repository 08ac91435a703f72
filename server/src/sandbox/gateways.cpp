// The sandbox: the carriers' token gateways (CM, CU, CT), for verify tokens and one-click loginTokens, and the
// login gateway's number pre-fetch (what a carrier does before it shows its authorization page).
#include <httplib.h>

#include <algorithm>

#include "base/crypto.hpp"
#include "http/http_util.hpp"
#include "sandbox/state.hpp"

namespace nv::server {
using namespace sandbox_detail;

void Sandbox::State::carrier_error(httplib::Response& res, int status, Operator op, const std::string& code,
                                   Reason reason, const char* message) {
    send_json(res, status,
              json{{"operator", operator_id(op)}, {"code", code}, {"reason", reason_id(reason)}, {"message", message}});
}

std::optional<Operator> Sandbox::State::gateway_operator(const httplib::Request& req, httplib::Response& res) {
    const auto op = operator_from_id(std::string(req.matches[1]));
    if (!op) send_error(res, 404, Reason::BAD_OPERATOR, request_locale(req));
    return op;
}

const Sandbox::State::Device* Sandbox::State::gateway_device(const httplib::Request& req, httplib::Response& res,
                                                             Operator op) {
    const Locale locale = request_locale(req);
    std::string device_id = req.get_header_value("X-Sandbox-Device");
    if (device_id.empty() && req.has_param("device")) device_id = req.get_param_value("device");
    if (device_id.empty()) {
        send_error(
            res, 400, Reason::BAD_ARGUMENT, locale, std::nullopt,
            json{{"field", "X-Sandbox-Device"}, {"detail", "send the simulated device's id in X-Sandbox-Device"}});
        return nullptr;
    }
    auto it = devices.find(device_id);
    if (it == devices.end()) {
        send_error(res, 404, Reason::NOT_FOUND, locale, std::nullopt, json{{"deviceId", device_id}});
        return nullptr;
    }
    const Device& d = it->second;
    // What a real gateway sees: offline phones never reach it; with Wi-Fi on, the browser's request leaves
    // over Wi-Fi and the gateway cannot identify a subscriber; through a VPN, or over another carrier's data,
    // the source address is not the carrier's own.
    if (d.network == Network::Offline) {
        carrier_error(res, 503, op, "1005", Reason::OFFLINE, "network unavailable");
        return nullptr;
    }
    if (d.network != Network::Cellular) {
        carrier_error(res, 403, op, "2004", Reason::WIFI_ON,
                      "the request did not arrive over cellular data (Wi-Fi is on)");
        return nullptr;
    }
    if (d.vpn || d.op != op) {
        const auto code = op == Operator::CM ? "103111" : op == Operator::CT ? "800008" : "SOURCE_IP_ERROR";
        carrier_error(res, 403, op, code, Reason::CARRIER_MISMATCH,
                      "source IP is not on this carrier's network (VPN, proxy or another SIM's data)");
        return nullptr;
    }
    return &d;
}

std::int64_t Sandbox::State::unused_tokens(const std::string& key, std::int64_t now_ms) const {
    if (opt.unused_token_limit <= 0) return 0;
    const auto mine = by_device.find(key);
    if (mine == by_device.end()) return 0;
    std::int64_t unused = 0;
    for (const auto& [issued, tok] : mine->second) {
        if (issued + opt.token_window_ms <= now_ms) continue;  // outside the window
        const auto it = tokens.find(tok);
        if (it != tokens.end() && !it->second.used) ++unused;
    }
    return unused;
}

bool Sandbox::State::token_limit_reached(httplib::Response& res, Operator op, const std::string& key,
                                         std::int64_t now_ms) const {
    if ((opt.unused_token_limit > 0 && unused_tokens(key, now_ms) >= opt.unused_token_limit) ||
        tokens.size() >= kMaxTokens) {
        carrier_error(res, 429, op, "TOKEN_LIMIT", Reason::TOKEN_LIMIT, "at most 30 unused tokens per 10 minutes");
        return true;
    }
    return false;
}

namespace {

// ?vendor=jiguang (the default) or ?vendor=aliyun: whose SDK the token is for. nullopt: answered 400.
std::optional<VendorId> token_vendor(const httplib::Request& req, httplib::Response& res) {
    if (!req.has_param("vendor")) return VendorId::Jiguang;
    const auto v = vendor_from_key(req.get_param_value("vendor"));
    if (!v) {
        send_error(res, 400, Reason::VENDOR_NOT_CONFIGURED, request_locale(req), std::nullopt,
                   json{{"field", "vendor"}, {"detail", "vendor is jiguang or aliyun"}});
    }
    return v;
}

}  // namespace

void Sandbox::State::issue_token(const httplib::Request& req, httplib::Response& res, bool login) {
    const auto gateway = gateway_operator(req, res);
    if (!gateway) return;
    const Operator op = *gateway;
    const auto vendor = token_vendor(req, res);
    if (!vendor) return;
    const bool aliyun = *vendor == VendorId::Aliyun;
    if (apply_fault(take_fault(FaultTarget::Gateway), res)) return;
    std::lock_guard lock(mu);
    const Device* device = gateway_device(req, res, op);
    if (!device) return;
    const Device& d = *device;
    const std::int64_t now_ms = now();
    // Tokens are forgotten once older than the longest lifetime plus the limit's window: by then they are
    // long expired, and a late verify gets 9003 exactly as for an expired one.
    const std::int64_t keep_ms = kMaxTtlMs + opt.token_window_ms;
    while (!by_age.empty() && by_age.front().first + keep_ms < now_ms) {
        tokens.erase(by_age.front().second);
        by_age.pop_front();
    }
    // Each kind (and each vendor's SDK) has its own 30-per-10-minutes.
    const std::string key = d.id + (login ? ":login" : "") + (aliyun ? ":aliyun" : "");
    auto& mine = by_device[key];
    while (!mine.empty() && mine.front().first + opt.token_window_ms <= now_ms) mine.pop_front();
    if (token_limit_reached(res, op, key, now_ms)) return;
    // Aliyun's login page asks the user for the number's middle four digits before it issues anything.
    if (aliyun && login && !aliyun_login_check(req, res, d, op)) return;
    const std::int64_t ttl = vendor_token_ttl_ms(*vendor, op, login);
    Token t{d.id, d.phone, op, d.risk_score, now_ms, now_ms + ttl, false, login, *vendor};
    // Aliyun's spToken is Base64 (with + / =) of an opaque blob, several dozen characters.
    const std::string token = aliyun ? base64_encode(std::string(operator_id(op)) + ":" + random_hex(16) + ":" +
                                                     sha256_bytes(random_hex(8)).substr(0, 13))
                                     : (login ? "LTsid" : "STsid") + std::string(operator_id(op)) + random_hex(20);
    tokens[token] = t;
    by_age.emplace_back(now_ms, token);
    if (opt.unused_token_limit > 0) mine.emplace_back(now_ms, token);
    json j{{"operator", operator_id(op)}};
    if (aliyun) {
        j["vendor"] = "aliyun";
        j["spToken"] = token;
    } else {
        j[login ? "loginToken" : "token"] = token;
    }
    if (login) j["masked"] = mask_phone(d.phone);
    j["expiresInSec"] = ttl / 1000;
    j["expiresAt"] = t.expires_ms;
    send_json(res, 200, j);
}

bool Sandbox::State::aliyun_login_check(const httplib::Request& req, httplib::Response& res, const Device& d,
                                        Operator op) {
    const Locale locale = request_locale(req);
    const std::int64_t now_ms = now();
    // CM and CT lock one-click login for 24 h after three wrong tries in a row; CU does not lock.
    const bool locks = op != Operator::CU;
    LoginLock& lock = aliyun_login_locks[d.phone];
    if (locks && lock.locked_until_ms > now_ms) {
        send_json(res, 403,
                  json{{"operator", operator_id(op)},
                       {"code", "ERROR_MOBILE_OVER_LIMIT"},
                       {"reason", reason_id(Reason::LOGIN_FAILED)},
                       {"message", "too many wrong tries: one-click login for this number is locked for 24 hours"},
                       {"retryAfterSec", (lock.locked_until_ms - now_ms + 999) / 1000}});
        return false;
    }
    json body;
    if (!read_object(req, res, body, locale)) return false;
    if (const auto k = unknown_field(body, {"middleDigits"})) {
        send_error(res, 400, Reason::UNKNOWN_FIELD, locale, std::nullopt,
                   json{{"field", k->size() > 64 ? k->substr(0, 64) : *k}});
        return false;
    }
    const std::string digits =
        body.contains("middleDigits") && body["middleDigits"].is_string() ? body["middleDigits"].get<std::string>() : "";
    const bool well_formed =
        digits.size() == 4 && std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!well_formed) {
        send_error(res, 400, Reason::BAD_ARGUMENT, locale, std::nullopt,
                   json{{"field", "middleDigits"},
                        {"detail", "the four middle digits of the number (the 4th to 7th), as the user typed them"}});
        return false;
    }
    if (digits == d.phone.substr(3, 4)) {
        lock = LoginLock{};
        return true;
    }
    ++lock.wrong;
    json j{{"operator", operator_id(op)},
           {"code", "MIDDLE_DIGITS_WRONG"},
           {"reason", reason_id(Reason::LOGIN_FAILED)},
           {"message", "the middle four digits do not match this phone's number"}};
    if (locks) {
        if (lock.wrong >= kAliyunLoginTries) {
            lock.locked_until_ms = now_ms + 24 * 3'600'000LL;
            lock.wrong = 0;
        }
        j["remainingTries"] = lock.locked_until_ms > now_ms ? 0 : kAliyunLoginTries - lock.wrong;
    }
    send_json(res, 403, j);
    return false;
}

void Sandbox::State::login_prefetch(const httplib::Request& req, httplib::Response& res) {
    const auto op = gateway_operator(req, res);
    if (!op) return;
    if (apply_fault(take_fault(FaultTarget::Gateway), res)) return;
    std::lock_guard lock(mu);
    const Device* d = gateway_device(req, res, *op);
    if (!d) return;
    // Nothing is issued or counted: only what login-token would answer now, without its token.
    if (token_limit_reached(res, *op, d->id + ":login", now())) return;
    send_json(res, 200, json{{"operator", operator_id(*op)}, {"masked", mask_phone(d->phone)}});
}

}  // namespace nv::server
