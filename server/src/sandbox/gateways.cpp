// The sandbox: the carriers' token gateways (CM, CU, CT), for verify tokens and one-click loginTokens, and the
// login gateway's number pre-fetch (what a carrier does before it shows its authorization page).
#include <httplib.h>

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

void Sandbox::State::issue_token(const httplib::Request& req, httplib::Response& res, bool login) {
    const auto gateway = gateway_operator(req, res);
    if (!gateway) return;
    const Operator op = *gateway;
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
    const std::string key = login ? d.id + ":login" : d.id;  // each kind has its own 30-per-10-minutes
    auto& mine = by_device[key];
    while (!mine.empty() && mine.front().first + opt.token_window_ms <= now_ms) mine.pop_front();
    if (token_limit_reached(res, op, key, now_ms)) return;
    const OperatorInfo& info = operator_info(op);
    const std::int64_t ttl = login ? info.login_token_ttl_ms : info.token_ttl_ms;
    Token t{d.id, d.phone, op, d.risk_score, now_ms, now_ms + ttl, false, login};
    const std::string token = (login ? "LTsid" : "STsid") + std::string(operator_id(op)) + random_hex(20);
    tokens[token] = t;
    by_age.emplace_back(now_ms, token);
    if (opt.unused_token_limit > 0) mine.emplace_back(now_ms, token);
    if (login) {
        send_json(res, 200,
                  json{{"operator", operator_id(op)},
                       {"loginToken", token},
                       {"masked", mask_phone(d.phone)},
                       {"expiresInSec", ttl / 1000},
                       {"expiresAt", t.expires_ms}});
        return;
    }
    send_json(res, 200,
              json{{"operator", operator_id(op)},
                   {"token", token},
                   {"expiresInSec", ttl / 1000},
                   {"expiresAt", t.expires_ms}});
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
