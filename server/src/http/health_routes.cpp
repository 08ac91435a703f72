#include <httplib.h>

#include <nlohmann/json.hpp>

#include "http/http_util.hpp"
#include "http/routes.hpp"

namespace nv::server {

void install_health_routes(httplib::Server& s, App& app) {
    App* a = &app;
    s.Get("/healthz", [a](const httplib::Request&, httplib::Response& res) {
        const bool ok = a->store.healthy(a->config.app_key);
        send_json(res, ok ? 200 : 503,
                  nlohmann::json{{"status", ok ? "ok" : "degraded"},
                                 {"store", ok ? "ok" : "failing"},
                                 {"storeKind", a->store.kind()},
                                 {"storeFailOpen", a->config.store.fail_open},
                                 {"upstreamTlsVerify", !a->config.upstream.insecure_skip_verify},
                                 {"sandbox", a->config.sandbox},
                                 {"version", NV_VERSION}});
    });
    s.Get("/metrics", [a](const httplib::Request&, httplib::Response& res) {
        res.set_content(a->metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
    });
}

}  // namespace nv::server
