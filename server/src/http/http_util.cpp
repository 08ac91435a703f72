#include "http/http_util.hpp"

#include "base/json_strict.hpp"
#include "base/request_log.hpp"

namespace nv::server {

Locale request_locale(const httplib::Request& req) {
    if (req.has_param("locale")) {
        if (auto l = locale_from_id(req.get_param_value("locale"))) return *l;
    }
    const std::string al = req.get_header_value("Accept-Language");
    if (al.size() >= 2 && (al[0] == 'z' || al[0] == 'Z') && (al[1] == 'h' || al[1] == 'H')) return Locale::ZhCN;
    return Locale::En;
}

void send_json(httplib::Response& res, int status, const nlohmann::json& body) {
    res.status = status;
    res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

void send_answer(httplib::Response& res, const Answer& a, Locale locale) {
    if (a.is_error) return send_error(res, a.status, a.reason, locale, a.retry_after_sec, a.body);
    nlohmann::json j = a.body;
    if (a.reason != Reason::OK) {
        j["code"] = reason_id(a.reason);
        j["message"] = reason_message(a.reason, locale);
    }
    send_json(res, a.status, j);
}

void send_error(httplib::Response& res, int status, Reason reason, Locale locale,
                std::optional<std::int64_t> retry_after_sec, const nlohmann::json& extra) {
    nlohmann::json err{{"code", reason_id(reason)}, {"message", reason_message(reason, locale)}};
    if (retry_after_sec) {
        err["retryAfterSec"] = *retry_after_sec;
        res.set_header("Retry-After", std::to_string(*retry_after_sec));
    }
    nlohmann::json body = extra.is_object() ? extra : nlohmann::json::object();
    const std::string& id = current_request().request_id;
    if (!id.empty() && !body.contains("requestId")) body["requestId"] = id;
    body["error"] = std::move(err);
    current_request().error = std::string(reason_id(reason));
    send_json(res, status, body);
}

std::string client_ip(const httplib::Request& req, bool trust_proxy) {
    if (trust_proxy && req.has_header("X-Forwarded-For")) {
        std::string xff = req.get_header_value("X-Forwarded-For");
        const std::size_t comma = xff.rfind(',');
        std::string last = comma == std::string::npos ? xff : xff.substr(comma + 1);
        const std::size_t b = last.find_first_not_of(' ');
        const std::size_t e = last.find_last_not_of(' ');
        if (b != std::string::npos && e - b < 64) return last.substr(b, e - b + 1);
    }
    return req.remote_addr;
}

std::optional<nlohmann::json> parse_body_json(const std::string& body, httplib::Response& res, Locale locale) {
    StrictJson parsed = parse_json_strict(body);
    if (parsed.ok) return std::move(parsed.value);
    if (!parsed.duplicate_key.empty()) {
        const std::string& k = parsed.duplicate_key;
        send_error(res, 400, Reason::BAD_JSON, locale, std::nullopt,
                   nlohmann::json{{"field", k.size() > 64 ? k.substr(0, 64) : k},
                                  {"detail", "this key appears more than once in one object; send it once"}});
    } else {
        send_error(res, 400, Reason::BAD_JSON, locale);
    }
    return std::nullopt;
}

bool is_json_content_type(const httplib::Request& req) {
    std::string ct = req.get_header_value("Content-Type");
    const std::size_t semi = ct.find(';');
    if (semi != std::string::npos) ct.resize(semi);
    while (!ct.empty() && ct.back() == ' ') ct.pop_back();
    for (char& ch : ct) ch = static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
    return ct == "application/json";
}

std::optional<std::string> unknown_field(const nlohmann::json& obj, std::initializer_list<const char*> known) {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
        bool found = false;
        for (const char* k : known) found = found || it.key() == k;
        if (!found) return it.key();
    }
    return std::nullopt;
}

}  // namespace nv::server
