#include "http/request_body.hpp"

#include "usecase/spend.hpp"

#include "base/request_log.hpp"
#include "http/http_util.hpp"

namespace nv::server {

using nlohmann::json;

std::optional<json> read_body(const httplib::Request& req, httplib::Response& res, Locale locale,
                              std::initializer_list<const char*> fields) {
    if (!is_json_content_type(req)) {
        send_error(res, 415, Reason::BAD_CONTENT_TYPE, locale);
        return std::nullopt;
    }
    std::optional<json> parsed = parse_body_json(req.body, res, locale);
    if (!parsed) return std::nullopt;
    json& body = *parsed;
    if (!body.is_object()) {
        send_error(res, 400, Reason::BAD_ARGUMENT, locale, std::nullopt, json{{"field", ""}});
        return std::nullopt;
    }
    if (const auto k = unknown_field(body, fields)) {
        send_error(res, 400, Reason::UNKNOWN_FIELD, locale, std::nullopt,
                   json{{"field", k->size() > 64 ? k->substr(0, 64) : *k}});
        return std::nullopt;
    }
    return body;
}

std::optional<PhoneNumber> read_phone(const json& body, httplib::Response& res, Locale locale) {
    std::string text;
    Reason reason = Reason::OK;
    if (!body.contains("phone"))
        reason = Reason::PHONE_EMPTY;
    else if (body["phone"].is_string())
        text = body["phone"].get<std::string>();
    else if (body["phone"].is_number_unsigned())
        text = std::to_string(body["phone"].get<std::uint64_t>());
    else
        reason = Reason::BAD_ARGUMENT;
    PhoneNumber phone;
    if (reason == Reason::OK) {
        phone = parse_phone(text);
        if (!phone.valid) reason = phone.reason;
    }
    if (reason != Reason::OK) {
        send_error(res, 400, reason, locale, std::nullopt, json{{"field", "phone"}});
        return std::nullopt;
    }
    current_request().phone_masked = mask_phone(phone.national);
    return phone;
}

void store_failed(App& app, httplib::Response& res, Locale locale, const char* op, const StoreError& e,
                  const json& extra) {
    send_answer(res, store_unavailable(app, op, e, extra), locale);
}

Vendor* read_vendor(App& app, const nlohmann::json& body, httplib::Response& res, Locale locale) {
    if (!body.contains("vendor") || body["vendor"].is_null()) return &app.vendors.first();
    const auto id = body["vendor"].is_string() ? vendor_from_key(body["vendor"].get<std::string>()) : std::nullopt;
    if (!id) {
        send_error(res, 400, Reason::BAD_ARGUMENT, locale, std::nullopt,
                   nlohmann::json{{"field", "vendor"}, {"detail", "vendor is jiguang or aliyun"}});
        return nullptr;
    }
    Vendor* v = app.vendors.find(*id);
    if (!v) {
        nlohmann::json configured = nlohmann::json::array();
        for (const Vendor* c : app.vendors.all()) configured.push_back(c->info().key);
        send_error(res, 400, Reason::VENDOR_NOT_CONFIGURED, locale, std::nullopt,
                   nlohmann::json{{"field", "vendor"}, {"vendors", configured}});
    }
    return v;
}

}  // namespace nv::server
