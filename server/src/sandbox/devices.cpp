// The sandbox: simulated devices (a SIM, its network, VPN, a risk score).
#include <httplib.h>

#include "base/crypto.hpp"
#include "http/http_util.hpp"
#include "sandbox/state.hpp"

namespace nv::server {
namespace sandbox_detail {

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

json device_json(const Device& d) {
    return json{{"deviceId", d.id},
                {"phone", d.phone},
                {"carrier", carrier_id(d.carrier)},
                {"operator", operator_id(d.op)},
                {"network", network_id(d.network)},
                {"vpn", d.vpn},
                {"riskScore", d.risk_score}};
}

}  // namespace sandbox_detail

using namespace sandbox_detail;

// Reads the device fields present in `body` onto `d`; on a problem answers 400 and returns false.
bool Sandbox::State::read_device(const json& body, Device& d, bool creating, httplib::Response& res, Locale locale) {
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

void Sandbox::State::create_device(const httplib::Request& req, httplib::Response& res) {
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

void Sandbox::State::device_op(const httplib::Request& req, httplib::Response& res) {
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

}  // namespace nv::server
