// Delivers SMS codes to another nv-server's sandbox (POST {sandbox}/sandbox/sms), for an instance started with
// --sandbox-url: several instances behind one front share one sandbox, so a code sent by any of them lands
// in the inbox the demo reads.
#pragma once

#include <string>

#include "vendor/sms_sender.hpp"

namespace nv::server {

class SandboxSmsSender final : public SmsSender {
public:
    explicit SandboxSmsSender(std::string sandbox_base_url);  // http://127.0.0.1:PORT (validated by config)
    bool send(const std::string& national, const std::string& text, const std::string& code) override;

private:
    std::string base_;
};

}  // namespace nv::server
