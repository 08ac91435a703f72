// Phone numbers as users type them: normalise, validate (mainland China mobile), mask, guess the carrier.
//
// Input is whatever a user typed or pasted: `+86 138-0013-8000`, `0086 13800138000`, `(+86)138 0013 8000`,
// full-width digits from a Chinese IME, invisible direction marks from a contacts app. A result always says why
// a number was refused (a Reason), and carries the digits and the carrier guess seen so far, so a page can show
// the carrier while the user is still typing. No exceptions, no allocation beyond the result.
#pragma once

#include <string_view>

#include "nv/carrier.hpp"
#include "nv/reasons.hpp"
#include "nv/string.hpp"

namespace nv {

inline constexpr std::size_t kMaxPhoneInputBytes = 128;

struct PhoneNumber {
    bool valid = false;
    Reason reason = Reason::OK;  // why not valid; OK when valid
    String national;        // the national digits seen so far (country code stripped)
    SegmentInfo segment;         // carrier guess from `national` (Unknown while too few digits)
};

PhoneNumber parse_phone(std::string_view input);

// "138****8000" for an 11-digit number. Other lengths keep at most the first 3 and last 4 characters and hide at
// least half, so a log line never carries a usable number.
String mask_phone(std::string_view national);

// "+8613800138000"; empty unless `phone.valid`.
String e164(const PhoneNumber& phone);

// The gateways to ask, in order: the segment's host network first, then the others in CM, CU, CT order (ported
// numbers keep their segment). Only operators in `enabled` are returned.
OperatorList operator_order(const SegmentInfo& segment, const OperatorList& enabled);

}  // namespace nv
