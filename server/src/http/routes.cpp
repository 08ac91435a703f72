#include "http/routes.hpp"

#include "http/listener.hpp"

namespace nv::server {

void install_api(httplib::Server& s, App& app) {
    tune_server(s, app.config, &app.metrics);
    install_config_routes(s, app);
    install_verify_routes(s, app);
    install_login_routes(s, app);
    install_vendor_routes(s, app);
    install_risk_routes(s, app);
    install_keys_routes(s, app);
    install_usage_routes(s, app);
    install_sms_routes(s, app);
    install_health_routes(s, app);
    install_static_routes(s, app);
}

}  // namespace nv::server
