#include "base/request_log.hpp"

#include <cstdio>
#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>

namespace nv::server {
namespace {

thread_local RequestContext tl_context;
std::mutex log_mu;

std::string timestamp() {
    const auto now = std::chrono::system_clock::now();
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
    return buf;
}

void write_line(const std::string& line) {
    std::lock_guard lock(log_mu);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

}  // namespace

RequestContext& current_request() { return tl_context; }

void reset_request_context() {
    tl_context = RequestContext{};
    tl_context.start = std::chrono::steady_clock::now();
}

void log_request(const std::string& method, const std::string& path, int status, const std::string& ip) {
    const RequestContext& c = tl_context;
    nlohmann::json j;
    j["ts"] = timestamp();
    j["level"] = status >= 500 ? "error" : status >= 400 ? "warn" : "info";
    j["msg"] = "request";
    if (!c.request_id.empty()) j["requestId"] = c.request_id;
    j["method"] = method;
    j["path"] = path;  // the path only: query strings are not logged
    j["status"] = status;
    j["ms"] = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - c.start).count();
    j["ip"] = ip;
    if (!c.phone_masked.empty()) j["phone"] = c.phone_masked;
    if (!c.op.empty()) j["operator"] = c.op;
    if (!c.error.empty()) j["error"] = c.error;
    if (!c.vendor.empty()) j["vendor"] = c.vendor;
    if (c.upstream_code >= 0) j["upstreamCode"] = c.upstream_code;
    if (!c.upstream_failure.empty()) j["upstreamFailure"] = c.upstream_failure;
    if (c.upstream_ms >= 0) j["upstreamMs"] = c.upstream_ms;
    write_line(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void log_event(const std::string& level, const std::string& msg, const std::string& fields_json) {
    nlohmann::json j{{"ts", timestamp()}, {"level", level}, {"msg", msg}};
    std::string line = j.dump();
    if (!fields_json.empty()) {
        line.pop_back();
        line += "," + fields_json + "}";
    }
    write_line(line);
}

}  // namespace nv::server
