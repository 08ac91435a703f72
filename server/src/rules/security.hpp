// The server's browser-facing security policy (issue 6): which origins may call the API across origins, and the
// headers every response carries. Pure functions, so every rule is tested without a socket.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace nv::server {

enum class OriginCheck {
    None,        // no Origin header: not a browser's cross-origin call (curl, a server)
    SameOrigin,  // the page was served by us (the demo): nothing to add
    Listed,      // a configured partner origin: answer with Access-Control-Allow-Origin
    Refused,     // any other origin: the API refuses (403 ORIGIN_NOT_ALLOWED)
};

// `host` is the request's Host header, `tls` whether we serve HTTPS; origins compare exactly (scheme, host, port),
// as browsers send them ("https://shop.example.com", no path). "null" (sandboxed frames, file://) is refused.
OriginCheck check_origin(const std::string& origin, const std::string& host, bool tls,
                         const std::vector<std::string>& allowed);

// Headers for a response to an allowed cross-origin call (Listed): the origin echoed, Vary, and what the
// API exposes. With `preflight`, also the methods, request headers and cache time of an OPTIONS answer; the
// request headers include X-Sandbox-Device, which the sandbox token provider sends to /sandbox/carriers/.
std::vector<std::pair<std::string, std::string>> cors_headers(const std::string& origin, bool preflight);

// Headers for the 403 ORIGIN_NOT_ALLOWED answer to a Refused origin. Exactly one request may read its refusal:
// GET /api/v1/config (a partner page's first call), so the page can say ORIGIN_NOT_ALLOWED instead of "server
// unreachable": the origin echoed and Vary, nothing exposed, no credentials. Empty for every other request
// (preflights included, so no refused page can send anything else), and for an origin that is not well formed
// (`null` among them).
std::vector<std::pair<std::string, std::string>> refusal_cors_headers(const std::string& origin,
                                                                      const std::string& method,
                                                                      const std::string& path);

// Every response: no MIME sniffing; a referrer policy that still sends our origin to the carriers' gateways
// (China Mobile's checks origin/referer) but never a full URL across origins; and a Content-Security-Policy
// for the demo that allows only our own scripts plus WebAssembly compilation ('wasm-unsafe-eval').
std::vector<std::pair<std::string, std::string>> security_headers();

// A valid origin setting: scheme://host[:port], http or https, no path, no trailing slash.
bool valid_origin(const std::string& origin);

}  // namespace nv::server
