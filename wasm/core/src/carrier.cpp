#include "nv/carrier.hpp"

#include "ids.hpp"

namespace nv {
namespace {

// Eight bytes a row, the prefix inside it (three or four digits, NUL-padded): no pointer per row, no separate
// string per prefix.
struct SegmentRow {
    char prefix[5];
    Carrier carrier;
    Operator network;
    LineKind kind;
    [[nodiscard]] constexpr std::string_view digits() const { return {prefix, prefix[3] == '\0' ? 3U : 4U}; }
};

constexpr auto CM = Operator::CM;
constexpr auto CU = Operator::CU;
constexpr auto CT = Operator::CT;
constexpr auto M = LineKind::Mobile;
constexpr auto D = LineKind::DataOnly;
constexpr auto S = LineKind::Satellite;

// Four-digit rows come first: a longer prefix wins. Segments not listed (140-144, 154, 160, 161, 163, 164,
// 168, 169, 179, 194) are valid-looking but unallocated; they are reported as Unknown rather than rejected,
// because the numbering plan grows and the vendor, not us, is the authority on a live number.
constexpr SegmentRow kSegments[] = {
    {"1349", Carrier::CT, CT, S},
    {"1700", Carrier::MVNO, CT, M}, {"1701", Carrier::MVNO, CT, M}, {"1702", Carrier::MVNO, CT, M},
    {"1703", Carrier::MVNO, CM, M}, {"1705", Carrier::MVNO, CM, M}, {"1706", Carrier::MVNO, CM, M},
    {"1704", Carrier::MVNO, CU, M}, {"1707", Carrier::MVNO, CU, M}, {"1708", Carrier::MVNO, CU, M},
    {"1709", Carrier::MVNO, CU, M},
    {"130", Carrier::CU, CU, M}, {"131", Carrier::CU, CU, M}, {"132", Carrier::CU, CU, M},
    {"133", Carrier::CT, CT, M}, {"134", Carrier::CM, CM, M}, {"135", Carrier::CM, CM, M},
    {"136", Carrier::CM, CM, M}, {"137", Carrier::CM, CM, M}, {"138", Carrier::CM, CM, M},
    {"139", Carrier::CM, CM, M},
    {"145", Carrier::CU, CU, D}, {"146", Carrier::CU, CU, D}, {"147", Carrier::CM, CM, M},
    {"148", Carrier::CM, CM, D}, {"149", Carrier::CT, CT, D},
    {"150", Carrier::CM, CM, M}, {"151", Carrier::CM, CM, M}, {"152", Carrier::CM, CM, M},
    {"153", Carrier::CT, CT, M}, {"155", Carrier::CU, CU, M}, {"156", Carrier::CU, CU, M},
    {"157", Carrier::CM, CM, M}, {"158", Carrier::CM, CM, M}, {"159", Carrier::CM, CM, M},
    {"162", Carrier::MVNO, CT, M}, {"165", Carrier::MVNO, CM, M}, {"166", Carrier::CU, CU, M},
    {"167", Carrier::MVNO, CU, M},
    {"171", Carrier::MVNO, CU, M}, {"172", Carrier::CM, CM, D}, {"173", Carrier::CT, CT, M},
    {"174", Carrier::CT, CT, S}, {"175", Carrier::CU, CU, M}, {"176", Carrier::CU, CU, M},
    {"177", Carrier::CT, CT, M}, {"178", Carrier::CM, CM, M},
    {"180", Carrier::CT, CT, M}, {"181", Carrier::CT, CT, M}, {"182", Carrier::CM, CM, M},
    {"183", Carrier::CM, CM, M}, {"184", Carrier::CM, CM, M}, {"185", Carrier::CU, CU, M},
    {"186", Carrier::CU, CU, M}, {"187", Carrier::CM, CM, M}, {"188", Carrier::CM, CM, M},
    {"189", Carrier::CT, CT, M},
    {"190", Carrier::CT, CT, M}, {"191", Carrier::CT, CT, M}, {"192", Carrier::CBN, CM, M},
    {"193", Carrier::CT, CT, M}, {"195", Carrier::CM, CM, M}, {"196", Carrier::CU, CU, M},
    {"197", Carrier::CM, CM, M}, {"198", Carrier::CM, CM, M}, {"199", Carrier::CT, CT, M},
};

constexpr OperatorInfo kOperatorInfo[] = {
    {Operator::CM,
     {"中国移动", "China Mobile"},
     {"中国移动提供认证服务", "Authentication provided by China Mobile"},
     {"《中国移动认证服务条款》", "China Mobile Authentication Terms"},
     "https://wap.cmpassport.com/resources/html/contract.html",
     120'000,
     "2G/3G/4G/5G",
     120'000},
    {Operator::CU,
     {"中国联通", "China Unicom"},
     {"中国联通提供认证服务", "Authentication provided by China Unicom"},
     {"《中国联通认证服务协议》", "China Unicom Authentication Agreement"},
     "https://msv6.wosms.cn/html/oauth/protocol2.html",
     600'000,
     "3G/4G/5G",
     1'800'000},
    {Operator::CT,
     {"中国电信", "China Telecom"},
     {"天翼账号提供认证服务", "Authentication provided by China Telecom eSurfing account"},
     {"《天翼账号服务与隐私协议》", "eSurfing Account Service and Privacy Agreement"},
     "https://e.189.cn/sdk/agreement/detail.do",
     60'000,
     "4G/5G",
     1'800'000},
};

}  // namespace

SegmentInfo lookup_segment(std::string_view digits) {
    for (const auto& row : kSegments) {
        const std::string_view prefix = row.digits();
        if (digits.size() >= prefix.size() && digits.substr(0, prefix.size()) == prefix) {
            return SegmentInfo{row.carrier, row.network, row.kind, prefix};
        }
    }
    return SegmentInfo{};
}

std::string_view operator_id(Operator op) {
    return detail::nth_id("CM\0CU\0CT", static_cast<std::size_t>(op));
}

std::optional<Operator> operator_from_id(std::string_view id) {
    const std::size_t i = detail::id_index("CM\0CU\0CT", 3, id);
    if (i == 3) return std::nullopt;
    return static_cast<Operator>(i);
}

std::string_view carrier_id(Carrier c) {
    return detail::nth_id("CM\0CU\0CT\0CBN\0MVNO\0UNKNOWN", static_cast<std::size_t>(c));
}

std::string_view line_kind_id(LineKind k) {
    return detail::nth_id("mobile\0data_only\0satellite", static_cast<std::size_t>(k));
}

const OperatorInfo& operator_info(Operator op) { return kOperatorInfo[static_cast<int>(op)]; }

Text carrier_name(Carrier c) {
    switch (c) {
        case Carrier::CM: return operator_info(Operator::CM).name;
        case Carrier::CU: return operator_info(Operator::CU).name;
        case Carrier::CT: return operator_info(Operator::CT).name;
        case Carrier::CBN: return {"中国广电", "China Broadnet"};
        case Carrier::MVNO: return {"虚拟运营商", "Virtual operator"};
        case Carrier::Unknown: break;
    }
    return {"未知运营商", "Unknown carrier"};
}

}  // namespace nv
