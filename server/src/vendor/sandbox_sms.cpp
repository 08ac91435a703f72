#include "vendor/sandbox_sms.hpp"

#include <httplib.h>

#include <nlohmann/json.hpp>

namespace nv::server {

SandboxSmsSender::SandboxSmsSender(std::string sandbox_base_url) : base_(std::move(sandbox_base_url)) {}

bool SandboxSmsSender::send(const std::string& national, const std::string& text, const std::string& code) {
    httplib::Client client(base_);
    client.set_tcp_nodelay(true);
    client.set_connection_timeout(std::chrono::seconds(2));
    client.set_read_timeout(std::chrono::seconds(2));
    const nlohmann::json body{{"phone", national}, {"text", text}, {"code", code}};
    const httplib::Result r = client.Post("/sandbox/sms", body.dump(), "application/json");
    return r && r->status == 202;
}

}  // namespace nv::server
