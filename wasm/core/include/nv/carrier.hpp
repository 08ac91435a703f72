// Carriers, number segments and the carrier facts of DESIGN 7.
//
// `Operator` is one of the three networks that run token gateways (CM, CU, CT): the only values a token can
// come from. `Carrier` is who issued a number segment, which also covers China Broadnet (192) and the virtual
// operators (162/165/167/170/171); those ride a host network, which is the first gateway to ask. Ported numbers
// keep their segment, so a guess is only an ordering hint: the token flow tries the other gateways after it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "nv/fixed_list.hpp"

namespace nv {

enum class Operator : std::uint8_t { CM, CU, CT };
inline constexpr std::array<Operator, 3> kOperators{Operator::CM, Operator::CU, Operator::CT};

enum class Carrier : std::uint8_t { CM, CU, CT, CBN, MVNO, Unknown };

// An ordered list of gateways, at most three.
using OperatorList = FixedList<Operator, 3>;

enum class LineKind : std::uint8_t {
    Mobile,    // an ordinary voice + data subscription
    DataOnly,  // data cards and IoT segments (145/146/148/149/172): carriers do not verify them
    Satellite, // 1349 and 174: no cellular data path to a token gateway
};

struct SegmentInfo {
    Carrier carrier = Carrier::Unknown;
    std::optional<Operator> network;  // the host network whose gateway serves the number, if known
    LineKind kind = LineKind::Mobile;
    std::string_view segment;         // the prefix the table matched ("138", "1703"); empty when unknown
};

// Looks up the segment of a national number (digits only, starting with '1'). Needs three digits, or four for
// the segments split at the fourth digit (134, 170); with fewer it returns Carrier::Unknown.
SegmentInfo lookup_segment(std::string_view national_digits);

std::string_view operator_id(Operator op);  // "CM", "CU", "CT"
std::optional<Operator> operator_from_id(std::string_view id);
std::string_view carrier_id(Carrier c);  // "CM", "CU", "CT", "CBN", "MVNO", "UNKNOWN"
std::string_view line_kind_id(LineKind k);  // "mobile", "data_only", "satellite"

struct Text {
    std::string_view zh;
    std::string_view en;
};

struct OperatorInfo {
    Operator op;
    Text name;
    Text branding;   // the line the carriers require next to the consent checkbox
    Text agreement;  // the agreement's title
    std::string_view agreement_url;
    std::int64_t token_ttl_ms;  // the number-verification token's lifetime
    std::string_view networks;  // generations the carrier supports for verification
    std::int64_t login_token_ttl_ms;  // the one-click loginToken's lifetime (DESIGN 8)
};

const OperatorInfo& operator_info(Operator op);

// Every carrier's name (China Broadnet, the virtual operators and "unknown" included).
Text carrier_name(Carrier c);

// The carriers' texts a page shows (names, branding lines, agreements and their links) as a message table: the
// page's build of the module holds keys in their place, like the reasons' messages (message_row.hpp), and the
// web package's loader fills them in from its locale's table.
std::size_t carrier_text_count();
std::string_view carrier_text_id(std::size_t i);  // "CARRIER_CM", "BRANDING_CM", "AGREEMENT_URL_CM", ...
Text carrier_text(std::size_t i);

}  // namespace nv
