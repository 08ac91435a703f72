// Small adapters between cpp-httplib and the API's conventions: JSON error bodies with a reason id and a
// localised message, the caller's locale, the client IP, and the checks every JSON endpoint makes.
#pragma once

#include <httplib.h>

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "nv/reasons.hpp"
#include "usecase/answer.hpp"

namespace nv::server {

// ?locale=zh-CN|en, else Accept-Language (zh* -> zh-CN), else English.
Locale request_locale(const httplib::Request& req);

// {"error": {"code", "message", "retryAfterSec"?}} plus `extra` members at the top level; sets Retry-After.
void send_error(httplib::Response& res, int status, Reason reason, Locale locale,
                std::optional<std::int64_t> retry_after_sec = std::nullopt,
                const nlohmann::json& extra = nlohmann::json::object());

void send_json(httplib::Response& res, int status, const nlohmann::json& body);

// A use case's answer in the request's locale: an error as send_error, a result with `code` and `message` from
// its reason (none for Reason::OK).
void send_answer(httplib::Response& res, const Answer& answer, Locale locale);

// The peer address; with trust_proxy, the last X-Forwarded-For hop (the one our proxy added).
std::string client_ip(const httplib::Request& req, bool trust_proxy);

// The first member name of the JSON object `obj` that is not one of `known` (nullopt when all are known):
// every endpoint refuses unknown fields, so a typo never passes silently.
std::optional<std::string> unknown_field(const nlohmann::json& obj, std::initializer_list<const char*> known);

// A request body parsed as JSON (base/json_strict.hpp), or the answer given: 400 BAD_JSON when it is not JSON,
// and 400 BAD_JSON with `field` naming the key when an object repeats a key.
std::optional<nlohmann::json> parse_body_json(const std::string& body, httplib::Response& res, Locale locale);

// application/json, with or without parameters (charset=utf-8).
bool is_json_content_type(const httplib::Request& req);

}  // namespace nv::server
