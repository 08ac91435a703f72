// The browser-facing policy as pure functions: which origins may call the API, the CORS answer, the headers
// every response carries, and the constant-time comparison the admin token goes through.
#include <catch2/catch.hpp>

#include "base/crypto.hpp"
#include "rules/security.hpp"

using namespace nv::server;

TEST_CASE("security: origins are checked exactly", "[security]") {
    const std::vector<std::string> allowed{"https://shop.example.com", "http://localhost:3000"};
    CHECK(check_origin("", "127.0.0.1:8080", false, allowed) == OriginCheck::None);
    CHECK(check_origin("http://127.0.0.1:8080", "127.0.0.1:8080", false, allowed) == OriginCheck::SameOrigin);
    CHECK(check_origin("https://127.0.0.1:8080", "127.0.0.1:8080", false, allowed) == OriginCheck::Refused);
    CHECK(check_origin("https://127.0.0.1:8080", "127.0.0.1:8080", true, allowed) == OriginCheck::SameOrigin);
    CHECK(check_origin("https://shop.example.com", "api.example.com", true, allowed) == OriginCheck::Listed);
    CHECK(check_origin("http://localhost:3000", "api.example.com", true, allowed) == OriginCheck::Listed);
    for (const char* o : {"https://shop.example.com.evil.io", "http://shop.example.com", "https://SHOP.example.com",
                          "https://shop.example.com:443", "null", "https://evil.example"}) {
        INFO(o);
        CHECK(check_origin(o, "api.example.com", true, allowed) == OriginCheck::Refused);
    }
    CHECK(check_origin("null", "", false, {"null"}) == OriginCheck::Refused);  // never, even if configured
}

TEST_CASE("security: CORS answers and hardened headers", "[security]") {
    auto find = [](const auto& headers, const std::string& name) -> std::string {
        for (const auto& [k, v] : headers) {
            if (k == name) return v;
        }
        return "";
    };
    const auto simple = cors_headers("https://shop.example.com", false);
    CHECK(find(simple, "Access-Control-Allow-Origin") == "https://shop.example.com");
    CHECK(find(simple, "Vary") == "Origin");
    CHECK(find(simple, "Access-Control-Allow-Methods").empty());
    const auto pre = cors_headers("https://shop.example.com", true);
    CHECK(find(pre, "Access-Control-Allow-Methods") == "GET, POST, OPTIONS");
    CHECK(find(pre, "Access-Control-Allow-Headers").find("Content-Type") != std::string::npos);
    // The sandbox token provider's header, sent cross-origin to /sandbox/carriers/{op}/token.
    CHECK(find(pre, "Access-Control-Allow-Headers").find("X-Sandbox-Device") != std::string::npos);
    CHECK(find(pre, "Access-Control-Allow-Credentials").empty());  // no cookies cross-origin

    const auto h = security_headers();
    CHECK(find(h, "X-Content-Type-Options") == "nosniff");
    CHECK(find(h, "Referrer-Policy") == "strict-origin-when-cross-origin");
    const std::string csp = find(h, "Content-Security-Policy");
    CHECK(csp.find("script-src 'self' 'wasm-unsafe-eval'") != std::string::npos);
    CHECK(csp.find("'unsafe-inline'") == std::string::npos);
    CHECK(csp.find("'unsafe-eval'") == std::string::npos);

    CHECK(valid_origin("https://shop.example.com"));
    CHECK(valid_origin("http://[::1]:8080"));
    CHECK_FALSE(valid_origin("https://shop.example.com/"));
    CHECK_FALSE(valid_origin("https://user@shop.example.com"));
    CHECK_FALSE(valid_origin("javascript://x"));
}

TEST_CASE("security: a refused origin reads its refusal on GET /api/v1/config only", "[security]") {
    const auto readable = refusal_cors_headers("https://evil.example", "GET", "/api/v1/config");
    REQUIRE(readable.size() == 2);
    CHECK(readable[0] == std::pair<std::string, std::string>{"Access-Control-Allow-Origin", "https://evil.example"});
    CHECK(readable[1] == std::pair<std::string, std::string>{"Vary", "Origin"});
    // Nothing for any other request, preflights included, nor for an origin that is not one.
    CHECK(refusal_cors_headers("https://evil.example", "POST", "/api/v1/config").empty());
    CHECK(refusal_cors_headers("https://evil.example", "OPTIONS", "/api/v1/config").empty());
    CHECK(refusal_cors_headers("https://evil.example", "POST", "/api/v1/verify").empty());
    CHECK(refusal_cors_headers("https://evil.example", "GET", "/api/v1/usage").empty());
    CHECK(refusal_cors_headers("https://evil.example", "GET", "/api/v1/config/").empty());
    CHECK(refusal_cors_headers("null", "GET", "/api/v1/config").empty());
    CHECK(refusal_cors_headers("https://evil.example/x", "GET", "/api/v1/config").empty());
}

TEST_CASE("security: the admin token comparison", "[security]") {
    CHECK(constant_time_equal("sandbox-admin", "sandbox-admin"));
    CHECK_FALSE(constant_time_equal("sandbox-admin", "sandbox-admiN"));   // last byte
    CHECK_FALSE(constant_time_equal("sandbox-admin", "Sandbox-admin"));   // first byte
    CHECK_FALSE(constant_time_equal("sandbox-admin", "sandbox-admin2"));  // longer
    CHECK_FALSE(constant_time_equal("sandbox-admin", "sandbox-admi"));    // a prefix
    CHECK_FALSE(constant_time_equal("sandbox-admin", ""));
    CHECK_FALSE(constant_time_equal(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
}
