// One JSON line per request on stdout. Handlers add what they know (masked phone, operator, vendor code) to the
// thread's RequestContext; the server's logger writes the line after the response. Secrets and full phone
// numbers never enter the context, so they cannot reach a log line.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace nv::server {

struct RequestContext {
    std::chrono::steady_clock::time_point start;
    std::string request_id;
    std::string phone_masked;
    std::string op;
    std::string error;        // a reason id
    std::string vendor;       // the vendor called, if any
    int upstream_code = -1;   // -1: none
    std::string upstream_failure;
    std::int64_t upstream_ms = -1;
};

// The context of the request this thread is serving (cpp-httplib runs a request's routing, handler and logger
// on one thread).
RequestContext& current_request();
void reset_request_context();

// Writes one line: {"ts":..., "level":"info", "msg":"request", ...}. Thread-safe.
void log_request(const std::string& method, const std::string& path, int status, const std::string& ip);

// A lifecycle line ({"msg":"listening", ...}), `fields` being a JSON object's members without braces.
void log_event(const std::string& level, const std::string& msg, const std::string& fields_json = "");

}  // namespace nv::server
