// Use case: verify that a number belongs to the phone whose carrier issued the token (POST /api/v1/verify), and
// its quota pre-check (POST /api/v1/verify/check). The rules run here: the quotas and the replay guard before
// anything is sent, the vendor call through its circuit, the refund, the usage ledger, the risk policy and the
// signed assertion. The vendor is whichever one issued the token (a token is verified only with its own vendor).
#pragma once

#include <optional>
#include <string>

#include "nv/phone.hpp"
#include "usecase/answer.hpp"
#include "usecase/app.hpp"

namespace nv::server {

struct VerifyNumberRequest {
    PhoneNumber phone;
    std::string token;
    std::optional<Operator> op;  // the gateway that issued the token (ported numbers: not the segment's)
    std::optional<std::string> ex_id;
    std::string ip;  // the client's
    Vendor* vendor = nullptr;
};

Answer verify_number(App& app, const VerifyNumberRequest& r);

// Would verify_number admit `phone` now? 200 {allowed: true}, or exactly the refusal it would get; nothing counted.
Answer check_verify_number(App& app, const PhoneNumber& phone, const std::string& ip, const Vendor& vendor);

}  // namespace nv::server
