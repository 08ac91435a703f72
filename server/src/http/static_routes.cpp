#include "http/routes.hpp"
#include "http/static_files.hpp"

namespace nv::server {

void install_static_routes(httplib::Server& s, App& app) {
    install_static_files(s, {{"/sdk", app.config.web_dir}, {"/", app.config.demo_dir}});
}

}  // namespace nv::server
