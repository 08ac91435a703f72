// What every JSON endpoint of the API does with its request: the body's checks, the phone field (parsed by the
// core), and the answer when the store fails.
#pragma once

#include <httplib.h>

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>

#include "usecase/app.hpp"
#include "nv/phone.hpp"
#include "nv/reasons.hpp"

namespace nv::server {

// Content-Type, valid JSON, an object, only the fields it knows; anything else is answered here (415 or 400).
std::optional<nlohmann::json> read_body(const httplib::Request& req, httplib::Response& res, Locale locale,
                                        std::initializer_list<const char*> fields);

// `phone` as users type it (the vendor's own example sends a number, so digits are accepted too), parsed by the
// core; a refusal answers 400 with the core's reason.
std::optional<PhoneNumber> read_phone(const nlohmann::json& body, httplib::Response& res, Locale locale);

// The body's optional `vendor` ("jiguang", "aliyun"; default: the first configured). nullptr when answered: 400
// BAD_ARGUMENT for a name that is no vendor, 400 VENDOR_NOT_CONFIGURED for one this server is not configured for.
Vendor* read_vendor(App& app, const nlohmann::json& body, httplib::Response& res, Locale locale);

// A store failure is the server's problem, said as such (503 STORE_UNAVAILABLE, retry in a few seconds); the
// cause (which names the store's host, never a password) goes to the log and the metric.
void store_failed(App& app, httplib::Response& res, Locale locale, const char* op, const StoreError& e,
                  const nlohmann::json& extra = nlohmann::json::object());

}  // namespace nv::server
