#include "nv/phone.hpp"

#include "nv/utf8.hpp"

#include <cstdint>

namespace nv {
namespace {

enum class CharClass : std::uint8_t { Digit, Plus, Separator, Other };

CharClass classify(std::uint32_t cp, char& digit) {
    if (cp >= '0' && cp <= '9') {
        digit = static_cast<char>(cp);
        return CharClass::Digit;
    }
    if (cp >= 0xFF10 && cp <= 0xFF19) {  // full-width digits
        digit = static_cast<char>('0' + (cp - 0xFF10));
        return CharClass::Digit;
    }
    if (cp == '+' || cp == 0xFF0B) return CharClass::Plus;
    switch (cp) {
        case ' ': case '\t': case '-': case '(': case ')': case '[': case ']': case '.':
        case 0x00A0:             // no-break space
        case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2014: case 0x2015:  // hyphens, dashes
        case 0x2212:             // minus sign
        case 0x2027: case 0x30FB: case 0xFF65:  // middle dots
        case 0x3000:             // ideographic space
        case 0xFF08: case 0xFF09: case 0xFF0D: case 0xFF0E:  // full-width ( ) - .
        case 0x3010: case 0x3011:  // 【 】
        case 0x200B: case 0x200C: case 0x200D: case 0x200E: case 0x200F:  // zero-width, direction marks
        case 0x202A: case 0x202B: case 0x202C: case 0x202D: case 0x202E:  // bidi embeddings from contacts apps
        case 0x2060: case 0xFEFF: case 0x202F:
            return CharClass::Separator;
        default:
            break;
    }
    if (cp >= 0x2000 && cp <= 0x200A) return CharClass::Separator;  // typographic spaces
    return CharClass::Other;
}

// The answer for `national` (the digits seen so far): refused for `r`, or, with OK, valid unless its segment
// is one the carriers do not verify.
PhoneNumber answer(Reason r, std::string_view national) {
    PhoneNumber p;
    p.reason = r;
    p.national = national;
    if (!national.empty() && national[0] == '1') p.segment = lookup_segment(national);
    if (r == Reason::OK) {
        p.valid = p.segment.kind == LineKind::Mobile;
        if (!p.valid) p.reason = Reason::PHONE_NOT_SUPPORTED;
    }
    return p;
}

}  // namespace

PhoneNumber parse_phone(std::string_view input) {
    if (input.size() > kMaxPhoneInputBytes) return answer(Reason::PHONE_TOO_LONG, {});

    char buffer[kMaxPhoneInputBytes];  // a digit takes at least one byte of input
    std::size_t count = 0;
    bool plus = false;
    for (std::size_t i = 0; i < input.size();) {
        std::uint32_t cp = 0;
        const std::size_t len = decode_utf8(input, i, cp);
        if (len == 0) return answer(Reason::PHONE_INVALID_CHARS, {});
        i += len;
        char d = 0;
        switch (classify(cp, d)) {
            case CharClass::Digit:
                buffer[count++] = d;
                break;
            case CharClass::Plus:
                // A single leading plus is a country code marker; anywhere else it is garbage.
                if (plus || count != 0) return answer(Reason::PHONE_INVALID_CHARS, {});
                plus = true;
                break;
            case CharClass::Separator:
                break;
            case CharClass::Other:
                return answer(Reason::PHONE_INVALID_CHARS, {});
        }
    }
    const std::string_view digits(buffer, count);
    if (digits.empty()) return answer(plus ? Reason::PHONE_TOO_SHORT : Reason::PHONE_EMPTY, {});

    std::string_view national = digits;
    if (plus) {
        // "+86..." is ours; "+8" and "+" alone are still being typed; any other country code is not.
        if (digits == "8") return answer(Reason::PHONE_TOO_SHORT, {});
        if (digits.substr(0, 2) != "86") return answer(Reason::PHONE_NOT_MAINLAND, {});
        national = digits.substr(2);
    } else if (digits.size() < 4 && std::string_view("0086").substr(0, digits.size()) == digits) {
        return answer(Reason::PHONE_TOO_SHORT, {});  // "00", "008": the international prefix being typed
    } else if (digits.substr(0, 4) == "0086") {
        national = digits.substr(4);
    } else if (digits.substr(0, 2) == "00") {
        return answer(Reason::PHONE_NOT_MAINLAND, {});  // another international prefix: 00852..., 001...
    } else if (digits.size() == 13 && digits.substr(0, 3) == "861") {
        national = digits.substr(2);  // "8613800138000": the country code without its plus
    }

    // Mobile numbers are 1[3-9]...; 0... is a landline (010-...), 10x/11x/12x are service numbers (10086, 12306).
    Reason r = Reason::OK;
    if (national.empty() || national.size() < 11) {
        r = Reason::PHONE_TOO_SHORT;
    } else if (national.size() > 11) {
        r = Reason::PHONE_TOO_LONG;
    }
    if (!national.empty() && (national[0] != '1' || (national.size() >= 2 && national[1] < '3'))) {
        r = Reason::PHONE_NOT_MOBILE;
    }
    return answer(r, national);
}

String mask_phone(std::string_view national) {
    const std::size_t n = national.size();
    if (n == 0) return {};
    std::size_t head = 3;
    std::size_t tail = 4;
    // Hide at least half of whatever this is, however long.
    while (head + tail > n / 2 && (head > 0 || tail > 0)) {
        if (tail >= head && tail > 0) {
            --tail;
        } else {
            --head;
        }
    }
    if (n >= 11) {
        head = 3;
        tail = 4;
    }
    String out(national.substr(0, head));
    out.append(n - head - tail, '*');
    out.append(national.substr(n - tail));
    return out;
}

String e164(const PhoneNumber& phone) {
    if (!phone.valid) return {};
    return "+86" + phone.national;
}

OperatorList operator_order(const SegmentInfo& segment, const OperatorList& enabled) {
    OperatorList order;
    if (segment.network && enabled.contains(*segment.network)) order.push_back(*segment.network);
    for (const Operator op : kOperators) {
        if (enabled.contains(op) && !order.contains(op)) order.push_back(op);
    }
    return order;
}

}  // namespace nv
