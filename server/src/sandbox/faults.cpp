// The sandbox: faults on request (latency, 5xx, malformed JSON, a dropped connection, a forced code).
#include <httplib.h>

#include <chrono>
#include <thread>

#include "base/crypto.hpp"
#include "http/http_util.hpp"
#include "sandbox/state.hpp"

namespace nv::server {
namespace sandbox_detail {

json fault_json(const Fault& f) {
    json j{{"faultId", f.id},
           {"target", f.target == FaultTarget::Vendor    ? "vendor"
                      : f.target == FaultTarget::Gateway ? "gateway"
                                                         : "all"}};
    if (f.latency_ms) j["latencyMs"] = f.latency_ms;
    if (f.status) j["status"] = f.status;
    if (f.malformed) j["malformed"] = true;
    if (f.drop) j["drop"] = true;
    if (f.vendor_code) j["vendorCode"] = *f.vendor_code;
    if (f.aliyun_code) j["aliyunCode"] = *f.aliyun_code;
    if (f.vendor) j["vendor"] = vendor_info(*f.vendor).key;
    if (f.probability > 0) j["probability"] = f.probability;
    j["remaining"] = f.remaining < 0 ? json(nullptr) : json(f.remaining);
    return j;
}

}  // namespace sandbox_detail

using namespace sandbox_detail;

// The first active fault for `target`, consumed once.
std::optional<Fault> Sandbox::State::take_fault(FaultTarget target, VendorId vendor) {
    std::lock_guard lock(mu);
    // Faults with a probability share one roll, so 5% + 5% + 1% + 1% hit exactly 12% of requests.
    double roll = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    for (auto it = faults.begin(); it != faults.end(); ++it) {
        if (it->target != target && it->target != FaultTarget::All) continue;
        if (target == FaultTarget::Vendor && it->vendor && *it->vendor != vendor) continue;
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
bool Sandbox::State::apply_fault(const std::optional<Fault>& f, httplib::Response& res) {
    if (!f) return false;
    if (f->latency_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(f->latency_ms));
    if (f->drop) {
        // Headers go out, then the body never does: the client sees the connection break mid-response.
        res.set_content_provider(64, "application/json",
                                 [](std::size_t, std::size_t, httplib::DataSink&) { return false; });
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

void Sandbox::State::add_fault(const httplib::Request& req, httplib::Response& res) {
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
            if (t == "vendor")
                f.target = FaultTarget::Vendor;
            else if (t == "gateway")
                f.target = FaultTarget::Gateway;
            else if (t == "all")
                f.target = FaultTarget::All;
            else
                return bad(k);
        } else if (k == "latencyMs") {
            if (!v.is_number_integer() || v.get<std::int64_t>() < 0 || v.get<std::int64_t>() > kMaxLatencyMs)
                return bad(k);
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
        } else if (k == "aliyunCode") {
            if (!v.is_string() || v.get<std::string>().empty() || v.get<std::string>().size() > 64) return bad(k);
            f.aliyun_code = v.get<std::string>();
        } else if (k == "vendor") {
            const auto vendor = v.is_string() ? vendor_from_key(v.get<std::string>()) : std::nullopt;
            if (!vendor) return bad(k);
            f.vendor = vendor;
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
    if (!f.latency_ms && !f.status && !f.malformed && !f.drop && !f.vendor_code && !f.aliyun_code) {
        return bad("latencyMs|status|malformed|drop|vendorCode|aliyunCode");
    }
    if (f.vendor && f.target != FaultTarget::Vendor) return bad("vendor");
    f.id = "flt_" + random_hex(6);
    std::lock_guard lock(mu);
    if (faults.size() >= 100) return bad("count");
    faults.push_back(f);
    send_json(res, 201, fault_json(f));
}

}  // namespace nv::server
