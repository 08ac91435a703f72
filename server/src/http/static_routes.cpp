#include <httplib.h>

#include <nlohmann/json.hpp>

#include "base/request_log.hpp"
#include "http/routes.hpp"

namespace nv::server {

void install_static_routes(httplib::Server& s, App& app) {
    s.set_file_extension_and_mimetype_mapping("wasm", "application/wasm");
    s.set_file_extension_and_mimetype_mapping("mjs", "text/javascript");
    s.set_file_extension_and_mimetype_mapping("js", "text/javascript");
    s.set_file_extension_and_mimetype_mapping("map", "application/json");
    s.set_file_extension_and_mimetype_mapping("ts", "text/plain");
    if (!s.set_mount_point("/sdk", app.config.web_dir)) {
        log_event("warn", "static directory missing", "\"dir\":" + nlohmann::json(app.config.web_dir).dump());
    }
    if (!s.set_mount_point("/", app.config.demo_dir)) {
        log_event("warn", "static directory missing", "\"dir\":" + nlohmann::json(app.config.demo_dir).dump());
    }
}

}  // namespace nv::server
