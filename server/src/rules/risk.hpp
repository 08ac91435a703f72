// The v2 risk policy: the vendor's riskCheck.score (0 low, 300 medium, 600 medium-high, 900 high) becomes a
// decision the page acts on. Thresholds are configurable; a score at or above a threshold takes its decision.
#pragma once

#include <string_view>

namespace nv::server {

struct RiskThresholds {
    int review = 300;   // allow, but flag for review
    int step_up = 600;  // ask for a second factor (SMS)
    int deny = 900;     // refuse: never reported as verified
};

enum class RiskDecision { Allow, Review, StepUp, Deny };

struct RiskAssessment {
    int score = 0;
    std::string_view level;     // low, medium, medium_high, high (the vendor's bands)
    RiskDecision decision = RiskDecision::Allow;
};

RiskAssessment assess_risk(int score, const RiskThresholds& t);
std::string_view risk_decision_id(RiskDecision d);  // allow, review, step_up, deny

// Whether a consistent number may be reported as verified under this decision (allow and review only).
bool risk_permits_verified(RiskDecision d);

// Thresholds must rise strictly: review < step_up < deny.
bool thresholds_valid(const RiskThresholds& t);

}  // namespace nv::server
