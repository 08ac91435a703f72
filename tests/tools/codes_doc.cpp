// Writes docs/error-codes.md from the one table of reasons and codes (wasm/core/include/nv/reasons.hpp).
// The test "docs: error-codes.md is current" fails when the committed file differs from this output;
// regenerate with: build/native/tests/nv_codes_doc > docs/error-codes.md
#include <iostream>
#include <string>

#include "nv/environment.hpp"
#include "nv/reasons.hpp"
#include "nv/vendors.hpp"

using namespace nv;

namespace {

std::string action(TokenErrorAction a) { return a == TokenErrorAction::Stop ? "stop: fall back" : "try the next carrier"; }

std::string outcome(VendorOutcome o) {
    switch (o) {
        case VendorOutcome::Consistent: return "verified";
        case VendorOutcome::Inconsistent: return "not verified (SMS fallback)";
        case VendorOutcome::Unknown: return "fallback";
        case VendorOutcome::TokenRejected: return "refetch a token once, then fallback";
        case VendorOutcome::RateLimited: return "fallback; wait";
        case VendorOutcome::Refused: return "fallback; the operator must act";
        case VendorOutcome::ServerError: return "fallback";
    }
    return "";
}

}  // namespace

int main() {
    std::cout << "# Error and reason codes\n\n"
                 "Generated from `wasm/core/include/nv/reasons.hpp` by `tests/tools/codes_doc.cpp`; do not edit by "
                 "hand (a test compares this file with the table).\n\n"
                 "Every answer of the core, the companion server and the JS package names its reason with one of "
                 "these ids, and carries the message in the page's locale.\n\n"
                 "## Reasons\n\n| id | blocks verification | zh-CN | en |\n|---|---|---|---|\n";
    for (std::size_t i = 0; i < reason_count(); ++i) {
        const Reason r = reason_at(i);
        std::cout << "| `" << reason_id(r) << "` | " << (reason_blocks(r) ? "yes" : "") << " | "
                  << reason_message(r, Locale::ZhCN) << " | " << reason_message(r, Locale::En) << " |\n";
    }
    std::cout << "\n## Advice (one per environment verdict)\n\n| id | zh-CN | en |\n|---|---|---|\n";
    for (const Advice a : {Advice::Proceed, Advice::TurnOffWifi, Advice::TurnOnMobileData, Advice::TurnOffVpn,
                           Advice::UseSms}) {
        std::cout << "| `" << advice_id(a) << "` | " << advice_message(a, Locale::ZhCN) << " | "
                  << advice_message(a, Locale::En) << " |\n";
    }
    std::size_t n = 0;
    std::cout << "\n## Vendor REST codes (`/v1/web/h5/verify`, `/v2/web/h5/verify`)\n\n"
                 "| code | reason | what the flow does | billed |\n|---|---|---|---|\n";
    const VendorCodeInfo* vendor = vendor_codes(&n);
    for (std::size_t i = 0; i < n; ++i) {
        std::cout << "| " << vendor[i].code << " | `" << reason_id(vendor[i].reason) << "` | "
                  << outcome(vendor[i].outcome) << " | " << (vendor[i].billed ? "yes" : "no") << " |\n";
    }
    std::cout << "| any other | `UPSTREAM_UNKNOWN_CODE` | fallback | no |\n";
    std::cout << "\n## Aliyun Dypnsapi codes (`VerifyPhoneWithToken`, `GetPhoneWithToken`, `GetAuthToken`)\n\n"
                 "A business failure arrives as HTTP 200 with `Code` other than `OK`; a success's "
                 "`GateVerify.VerifyResult` decides the verification.\n\n"
                 "| Code or VerifyResult | reason | what the flow does | billed |\n|---|---|---|---|\n";
    const AliyunCodeInfo* results = aliyun_verify_results(&n);
    for (std::size_t i = 0; i < n; ++i) {
        std::cout << "| `" << results[i].code << "` | `" << reason_id(results[i].reason) << "` | "
                  << outcome(results[i].outcome) << " | " << (results[i].billed ? "yes" : "no") << " |\n";
    }
    const AliyunCodeInfo login = aliyun_login_result();
    std::cout << "| `OK` with `Data.Mobile` (ledger: `" << login.code << "`) | `" << reason_id(login.reason) << "` | "
              << outcome(login.outcome) << " | " << (login.billed ? "yes" : "no") << " |\n";
    const AliyunCodeInfo* ali = aliyun_codes(&n);
    for (std::size_t i = 0; i < n; ++i) {
        std::cout << "| `" << ali[i].code << "` | `" << reason_id(ali[i].reason) << "` | " << outcome(ali[i].outcome)
                  << " | " << (ali[i].billed ? "yes" : "no") << " |\n";
    }
    std::cout << "| any other (`isv.*` included) | `UPSTREAM_UNKNOWN_CODE` | fallback | no |\n";
    std::cout << "\n## Vendors\n\n| vendor | name | token lifetime CM / CU / CT (s) | login token CM / CU / CT (s) "
                 "| business risk | billed |\n|---|---|---|---|---|---|\n";
    for (std::size_t i = 0; i < kVendorCount; ++i) {
        const VendorInfo& v = vendor_info(static_cast<VendorId>(i));
        auto secs = [](const auto& t) {
            return std::to_string(t[0] / 1000) + " / " + std::to_string(t[1] / 1000) + " / " +
                   std::to_string(t[2] / 1000);
        };
        std::cout << "| `" << v.key << "` | " << v.name.en << " (" << v.name.zh << ") | " << secs(v.token_ttl_ms)
                  << " | " << secs(v.login_token_ttl_ms) << " | " << (v.offers_risk ? "yes" : "no") << " | "
                  << v.bills << " |\n";
    }
    std::cout << "\n## Vendor Web SDK codes (`getToken`)\n\n| code | reason | what the flow does |\n|---|---|---|\n";
    const SdkCodeInfo* sdk = sdk_codes(&n);
    for (std::size_t i = 0; i < n; ++i) {
        std::cout << "| " << sdk[i].code << " | `" << reason_id(sdk[i].reason) << "` | " << action(sdk[i].action) << " |\n";
    }
    std::cout << "| any other | `SDK_UNKNOWN` | try the next carrier |\n";
    std::cout << "\n## Carrier token-gateway codes\n\n| carrier | code | reason | what the flow does |\n|---|---|---|---|\n";
    const CarrierCodeInfo* carrier = carrier_codes(&n);
    for (std::size_t i = 0; i < n; ++i) {
        std::cout << "| " << operator_id(carrier[i].op) << " | `" << carrier[i].code << "` | `"
                  << reason_id(carrier[i].reason) << "` | " << action(carrier[i].action) << " |\n";
    }
    std::cout << "\nWhen every gateway answers with one of these, the attempt ends with `VPN_SUSPECTED` (advice "
                 "`turn_off_vpn`); unknown codes count as `TOKEN_FAILED` and the next carrier is tried. An SDK that "
                 "asks several carriers itself reports each one's code (`carriers` on `token_error`): each counts "
                 "for its own carrier.\n";
    std::cout << "\n## Token providers' own codes\n\nWhat a token provider reports about itself rather than for "
                 "the SDK or a carrier: its own timeout, a failed request, the user closing the carrier's page, and "
                 "mistakes in the page's setup.\n\n| code | reason | what the flow does |\n|---|---|---|\n";
    const ProviderCodeInfo* own = provider_codes(&n);
    for (std::size_t i = 0; i < n; ++i) {
        std::cout << "| `" << own[i].code << "` | `" << reason_id(own[i].reason) << "` | " << action(own[i].action)
                  << " |\n";
    }
    return 0;
}
