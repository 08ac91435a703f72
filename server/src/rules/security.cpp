#include "rules/security.hpp"

#include <algorithm>

namespace nv::server {

bool valid_origin(const std::string& o) {
    const std::size_t scheme_end = o.find("://");
    if (scheme_end == std::string::npos) return false;
    const std::string scheme = o.substr(0, scheme_end);
    if (scheme != "http" && scheme != "https") return false;
    const std::string rest = o.substr(scheme_end + 3);
    if (rest.empty() || rest.find_first_of("/?#@ \t") != std::string::npos) return false;
    return std::all_of(rest.begin(), rest.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
               c == ':' || c == '[' || c == ']';
    });
}

OriginCheck check_origin(const std::string& origin, const std::string& host, bool tls,
                         const std::vector<std::string>& allowed) {
    if (origin.empty()) return OriginCheck::None;
    if (!host.empty() && origin == std::string(tls ? "https://" : "http://") + host) return OriginCheck::SameOrigin;
    if (origin != "null" && std::find(allowed.begin(), allowed.end(), origin) != allowed.end()) return OriginCheck::Listed;
    return OriginCheck::Refused;
}

std::vector<std::pair<std::string, std::string>> cors_headers(const std::string& origin, bool preflight) {
    std::vector<std::pair<std::string, std::string>> h{
        {"Access-Control-Allow-Origin", origin},
        {"Vary", "Origin"},
        {"Access-Control-Expose-Headers", "X-Request-Id, Retry-After"},
    };
    if (preflight) {
        h.emplace_back("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
        h.emplace_back("Access-Control-Allow-Headers", "Content-Type, Accept-Language, X-Sandbox-Device");
        h.emplace_back("Access-Control-Max-Age", "600");
    }
    return h;
}

std::vector<std::pair<std::string, std::string>> refusal_cors_headers(const std::string& origin,
                                                                      const std::string& method,
                                                                      const std::string& path) {
    if (method != "GET" || path != "/api/v1/config" || !valid_origin(origin)) return {};
    return {{"Access-Control-Allow-Origin", origin}, {"Vary", "Origin"}};
}

std::vector<std::pair<std::string, std::string>> security_headers() {
    return {
        {"X-Content-Type-Options", "nosniff"},
        {"Referrer-Policy", "strict-origin-when-cross-origin"},
        {"Content-Security-Policy",
         "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; "
         "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"},
        {"X-Frame-Options", "DENY"},
    };
}

}  // namespace nv::server
