#include "rules/billing.hpp"

#include <cmath>

namespace nv::server {

std::optional<PriceTier> tier_for(std::int64_t prepaid_volume) {
    for (const PriceTier& t : kPriceTiers) {
        if (prepaid_volume <= t.up_to) return t;
    }
    return std::nullopt;
}

double estimate_cost(std::int64_t billed, const PriceTier& tier) {
    return std::round(static_cast<double>(billed) * tier.unit_price * 10'000.0) / 10'000.0;
}

}  // namespace nv::server
