// GET /.well-known/jwks.json: the public keys that check the assertions (DESIGN 10), the current one first and
// the previous one after it, so a rotation breaks no partner that caches the set for a few minutes.
#include <httplib.h>

#include "http/http_util.hpp"
#include "http/routes.hpp"

namespace nv::server {

void install_keys_routes(httplib::Server& s, App& app) {
    const std::string body = jwks(app.keys).dump();
    s.Get("/.well-known/jwks.json", [body](const httplib::Request&, httplib::Response& res) {
        res.set_header("Cache-Control", "public, max-age=300");
        res.set_content(body, "application/json");
    });
}

}  // namespace nv::server
