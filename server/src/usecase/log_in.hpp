// Use case: one-click login (POST /api/v1/login), and its quota pre-check (POST /api/v1/login/check). The page
// sends the token the carrier's authorization page gave it after the user confirmed (Jiguang's loginToken, or
// Aliyun's login spToken after the user typed the middle four digits); the vendor gives back the number: Jiguang
// encrypted under the partner's registered RSA public key (decrypted here with the private half), Aliyun in
// clear. Only the appKey's daily limit and the client IP's window apply (the number is not known before), counted
// apart from verifications; the token is refused if seen before. The page gets the masked number and a signed
// assertion (amr carrier_login); the number itself reaches only the partner's backend, inside the assertion.
#pragma once

#include <optional>
#include <string>

#include "usecase/answer.hpp"
#include "usecase/app.hpp"

namespace nv::server {

struct LogInRequest {
    std::string token;
    std::optional<Operator> op;
    std::optional<std::string> ex_id;
    std::string ip;
    Vendor* vendor = nullptr;
};

Answer log_in(App& app, const LogInRequest& r);

// Would log_in be admitted now? 200 {allowed: true}, or exactly the refusal it would get; nothing counted.
Answer check_log_in(App& app, const std::string& ip, const Vendor& vendor);

}  // namespace nv::server
