// The companion server's HTTP surface (server/openapi.yaml), one installer per resource: /api/v1/config,
// /api/v1/verify (and /check), /api/v1/login (and /check), /api/v1/risk, /api/v1/sms/{send,check}, /api/v1/usage,
// /.well-known/jwks.json, /healthz and /metrics, and the static web package at
// /sdk/ and the demo at /. Handlers only translate between HTTP and the rules (quota, outcome, risk, billing) and
// adapters (store, upstream client) they are given.
#pragma once

#include <string>

#include "usecase/app.hpp"

namespace httplib {
class Server;
}

namespace nv::server {

// The listener's settings (tune_server) and every resource below.
void install_api(httplib::Server& server, App& app);

void install_config_routes(httplib::Server& server, App& app);
void install_verify_routes(httplib::Server& server, App& app);
void install_login_routes(httplib::Server& server, App& app);   // /api/v1/login (one-click login)
void install_vendor_routes(httplib::Server& server, App& app);  // /api/v1/vendor-session
void install_risk_routes(httplib::Server& server, App& app);    // /api/v1/risk (the partner's backend)
void install_keys_routes(httplib::Server& server, App& app);    // /.well-known/jwks.json
void install_sms_routes(httplib::Server& server, App& app);
void install_usage_routes(httplib::Server& server, App& app);
void install_health_routes(httplib::Server& server, App& app);  // /healthz, /metrics
void install_static_routes(httplib::Server& server, App& app);  // /sdk/, /

// GET, PUT, PATCH and DELETE on a POST-only API route: a JSON 405 METHOD_NOT_ALLOWED with `Allow: POST`.
void post_only(httplib::Server& server, const std::string& path);

}  // namespace nv::server
