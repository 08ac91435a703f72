// Use case: a number's business risk, for the partner's backend (POST /api/v1/risk) and for the SMS fallback's
// pumping check. Only a vendor with a business-risk API answers (the first configured one that has it: Jiguang;
// Aliyun has none); without one the query is VENDOR_NOT_SUPPORTED, never a made-up score.
#pragma once

#include <optional>
#include <string>

#include "nv/phone.hpp"
#include "usecase/answer.hpp"
#include "usecase/app.hpp"

namespace nv::server {

Answer business_risk(App& app, const PhoneNumber& phone, const std::optional<std::string>& ip,
                     const std::optional<std::string>& ex_id);

// The SMS-pumping check: true when the number's risk decision is deny (`risk` gets {score, level, decision}). A
// query that fails, or no vendor with a risk API, does not block the fallback (a failure is logged).
bool sms_risk_denies(App& app, const std::string& national, const std::string& ip, nlohmann::json& risk);

}  // namespace nv::server
