// The vendor bills every consistent and inconsistent result, at a unit price set by the prepaid package
// (DESIGN 7). The usage report uses this to estimate what a day cost, so an operator can reconcile the bill.
#pragma once

#include <cstdint>
#include <optional>

namespace nv::server {

struct PriceTier {
    std::int64_t up_to;  // prepaid volume (calls) this tier covers
    double unit_price;   // CNY per billed call
};

// The vendor's tiers, cheapest last. Above the last tier the price is negotiated ("contact sales").
inline constexpr PriceTier kPriceTiers[] = {
    {10'000, 0.0295}, {50'000, 0.0275}, {250'000, 0.0265}, {500'000, 0.0255}};

// The tier for a prepaid package of `prepaid_volume` calls; nullopt above the last tier.
std::optional<PriceTier> tier_for(std::int64_t prepaid_volume);

// billed × unit price, rounded to 0.0001 CNY (the precision of the price list).
double estimate_cost(std::int64_t billed, const PriceTier& tier);

}  // namespace nv::server
