#include "http/routes.hpp"
#include "nv/vendors.hpp"

#include <httplib.h>

#include <charconv>

#include <nlohmann/json.hpp>

#include "base/crypto.hpp"
#include "http/http_util.hpp"
#include "http/request_body.hpp"
#include "rules/billing.hpp"
#include "rules/calendar.hpp"
#include "rules/outcome.hpp"

namespace nv::server {
namespace {

using nlohmann::json;

void handle_usage(App& app, const httplib::Request& req, httplib::Response& res) {
    const ServerConfig& cfg = app.config;
    const Locale locale = request_locale(req);
    const std::string auth = req.get_header_value("Authorization");
    if (cfg.admin_token.empty()) {
        return send_error(
            res, 403, Reason::UNAUTHORIZED, locale, std::nullopt,
            json{{"detail", "set NV_ADMIN_TOKEN (or adminToken in the config file) to enable this endpoint"}});
    }
    if (auth.rfind("Bearer ", 0) != 0 || !constant_time_equal(auth.substr(7), cfg.admin_token)) {
        res.set_header("WWW-Authenticate", "Bearer");
        return send_error(res, 401, Reason::UNAUTHORIZED, locale);
    }
    std::int64_t day = shanghai_day(app.now_ms());
    if (req.has_param("day")) {
        const auto d = parse_day(req.get_param_value("day"));
        if (!d) return send_error(res, 400, Reason::BAD_ARGUMENT, locale, std::nullopt, json{{"field", "day"}});
        day = *d;
    }
    UsageCounts counts;
    try {
        counts = app.store.usage(cfg.app_key, day);
    } catch (const StoreError& e) {
        return store_failed(app, res, locale, "usage", e);
    }
    // Jiguang's codes ("9000") in byCode, as always; every vendor's apart in byVendor.
    json by_code = json::object();
    json by_vendor = json::object();
    std::int64_t billed = 0, total = 0;
    json by_result{{"consistent", 0}, {"inconsistent", 0}};
    for (const auto& [code, n] : counts) {
        total += n;
        const std::size_t colon = code.find(':');
        const std::string vendor = colon == std::string::npos ? "jiguang" : code.substr(0, colon);
        const std::string answer = colon == std::string::npos ? code : code.substr(colon + 1);
        json& v = by_vendor[vendor];
        if (v.is_null()) v = json{{"billed", 0}, {"byCode", json::object()}};
        v["byCode"][answer] = n;
        VendorOutcome outcome = VendorOutcome::ServerError;
        bool is_billed = false;
        if (vendor == "jiguang") {
            by_code[answer] = n;
            int c = 0;
            const auto [end, ec] = std::from_chars(answer.data(), answer.data() + answer.size(), c);
            if (ec == std::errc() && end == answer.data() + answer.size()) {
                const VendorCodeInfo info = vendor_code_info(c);
                outcome = info.outcome;
                is_billed = info.billed;
            }
        } else if (vendor == "aliyun") {
            const auto r = aliyun_verify_result(answer);
            const AliyunCodeInfo info = r                                   ? *r
                                        : answer == aliyun_login_result().code ? aliyun_login_result()
                                                                               : aliyun_code_info(answer);
            outcome = info.outcome;
            is_billed = info.billed;
        }
        if (is_billed) {
            billed += n;
            v["billed"] = v["billed"].get<std::int64_t>() + n;
        }
        if (outcome == VendorOutcome::Consistent) by_result["consistent"] = by_result["consistent"].get<std::int64_t>() + n;
        if (outcome == VendorOutcome::Inconsistent) {
            by_result["inconsistent"] = by_result["inconsistent"].get<std::int64_t>() + n;
        }
    }
    json estimate;
    if (const auto tier = tier_for(cfg.prepaid_volume)) {
        estimate = json{{"currency", "CNY"},
                        {"prepaidVolume", cfg.prepaid_volume},
                        {"unitPrice", tier->unit_price},
                        {"amount", estimate_cost(billed, *tier)}};
    } else {
        estimate = json{{"currency", "CNY"},
                        {"prepaidVolume", cfg.prepaid_volume},
                        {"unitPrice", nullptr},
                        {"amount", nullptr},
                        {"note", "above 500,000 calls the price is negotiated with the vendor"}};
    }
    send_json(res, 200,
              json{{"day", day_string(day)},
                   {"timezone", "Asia/Shanghai"},
                   {"billed", billed},
                   {"byResult", by_result},
                   {"byCode", by_code},
                   {"byVendor", by_vendor},
                   {"vendorAnswers", total},
                   {"estimate", estimate}});
}

}  // namespace

void install_usage_routes(httplib::Server& s, App& app) {
    App* a = &app;
    s.Get("/api/v1/usage", [a](const httplib::Request& req, httplib::Response& res) { handle_usage(*a, req, res); });
    s.Post("/api/v1/usage", [](const httplib::Request& req, httplib::Response& res) {
        res.set_header("Allow", "GET");
        send_error(res, 405, Reason::METHOD_NOT_ALLOWED, request_locale(req));
    });
}

}  // namespace nv::server
