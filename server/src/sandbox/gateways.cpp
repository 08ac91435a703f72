// The sandbox: the carriers' token gateways (CM, CU, CT), for verify tokens and one-click loginTokens.
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

void Sandbox::State::issue_token(const httplib::Request& req, httplib::Response& res, bool login) {
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
        send_error(
            res, 400, Reason::BAD_ARGUMENT, locale, std::nullopt,
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
    auto& mine = by_device[login ? d.id + ":login" : d.id];  // each kind has its own 30-per-10-minutes
    while (!mine.empty() && mine.front().first + opt.token_window_ms <= now_ms) mine.pop_front();
    if (opt.unused_token_limit > 0) {
        for (const auto& [issued, tok] : mine) {
            const auto it2 = tokens.find(tok);
            if (it2 != tokens.end() && !it2->second.used) ++unused;
        }
    }
    if ((opt.unused_token_limit > 0 && unused >= opt.unused_token_limit) || tokens.size() >= kMaxTokens) {
        carrier_error(res, 429, *op, "TOKEN_LIMIT", Reason::TOKEN_LIMIT, "at most 30 unused tokens per 10 minutes");
        return;
    }
    const OperatorInfo& info = operator_info(*op);
    const std::int64_t ttl = login ? info.login_token_ttl_ms : info.token_ttl_ms;
    Token t{d.id, d.phone, *op, d.risk_score, now_ms, now_ms + ttl, false, login};
    const std::string token = (login ? "LTsid" : "STsid") + std::string(operator_id(*op)) + random_hex(20);
    tokens[token] = t;
    by_age.emplace_back(now_ms, token);
    if (opt.unused_token_limit > 0) mine.emplace_back(now_ms, token);
    if (login) {
        send_json(res, 200,
                  json{{"operator", operator_id(*op)},
                       {"loginToken", token},
                       {"masked", mask_phone(d.phone)},
                       {"expiresInSec", ttl / 1000},
                       {"expiresAt", t.expires_ms}});
        return;
    }
    send_json(res, 200,
              json{{"operator", operator_id(*op)},
                   {"token", token},
                   {"expiresInSec", ttl / 1000},
                   {"expiresAt", t.expires_ms}});
}

}  // namespace nv::server
