#include "rules/risk.hpp"

namespace nv::server {

RiskAssessment assess_risk(int score, const RiskThresholds& t) {
    RiskAssessment a;
    a.score = score;
    a.level = score >= 900 ? "high" : score >= 600 ? "medium_high" : score >= 300 ? "medium" : "low";
    a.decision = score >= t.deny      ? RiskDecision::Deny
                 : score >= t.step_up ? RiskDecision::StepUp
                 : score >= t.review  ? RiskDecision::Review
                                      : RiskDecision::Allow;
    return a;
}

std::string_view risk_decision_id(RiskDecision d) {
    switch (d) {
        case RiskDecision::Allow: return "allow";
        case RiskDecision::Review: return "review";
        case RiskDecision::StepUp: return "step_up";
        case RiskDecision::Deny: return "deny";
    }
    return "deny";
}

bool risk_permits_verified(RiskDecision d) { return d == RiskDecision::Allow || d == RiskDecision::Review; }

bool thresholds_valid(const RiskThresholds& t) { return 0 < t.review && t.review < t.step_up && t.step_up < t.deny; }

}  // namespace nv::server
