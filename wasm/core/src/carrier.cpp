#include "nv/carrier.hpp"

#include <iterator>

#include "ids.hpp"
#include "message_row.hpp"

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

// X(id, zh-CN, en): the carriers' texts a page shows, in the order carrier_name() and operator_info() read them:
// a name per Carrier, then per Operator its branding line, its agreement's title and its agreement's link (the
// carriers require the branding line and the agreement next to the consent checkbox, DESIGN 7).
#define NV_CARRIER_TEXTS(X)                                                                                       \
    X("CARRIER_CM", "中国移动", "China Mobile")                                                                   \
    X("CARRIER_CU", "中国联通", "China Unicom")                                                                   \
    X("CARRIER_CT", "中国电信", "China Telecom")                                                                  \
    X("CARRIER_CBN", "中国广电", "China Broadnet")                                                                \
    X("CARRIER_MVNO", "虚拟运营商", "Virtual operator")                                                           \
    X("CARRIER_UNKNOWN", "未知运营商", "Unknown carrier")                                                         \
    X("BRANDING_CM", "中国移动提供认证服务", "Authentication provided by China Mobile")                           \
    X("BRANDING_CU", "中国联通提供认证服务", "Authentication provided by China Unicom")                           \
    X("BRANDING_CT", "天翼账号提供认证服务", "Authentication provided by China Telecom eSurfing account")         \
    X("AGREEMENT_CM", "《中国移动认证服务条款》", "China Mobile Authentication Terms")                             \
    X("AGREEMENT_CU", "《中国联通认证服务协议》", "China Unicom Authentication Agreement")                         \
    X("AGREEMENT_CT", "《天翼账号服务与隐私协议》", "eSurfing Account Service and Privacy Agreement")               \
    X("AGREEMENT_URL_CM", "https://wap.cmpassport.com/resources/html/contract.html",                             \
      "https://wap.cmpassport.com/resources/html/contract.html")                                                  \
    X("AGREEMENT_URL_CU", "https://msv6.wosms.cn/html/oauth/protocol2.html",                                     \
      "https://msv6.wosms.cn/html/oauth/protocol2.html")                                                          \
    X("AGREEMENT_URL_CT", "https://e.189.cn/sdk/agreement/detail.do", "https://e.189.cn/sdk/agreement/detail.do")

constexpr detail::MessageRow kTexts[] = {NV_CARRIER_TEXTS(NV_MESSAGE_ROW)};
constexpr std::size_t kBranding = 6;
constexpr std::size_t kAgreement = kBranding + 3;
constexpr std::size_t kAgreementUrl = kAgreement + 3;
static_assert(std::size(kTexts) == kAgreementUrl + 3);

constexpr Text text(std::size_t i) { return {kTexts[i].message(Locale::ZhCN), kTexts[i].message(Locale::En)}; }

constexpr OperatorInfo info(Operator op, std::int64_t token_ttl_ms, std::string_view networks,
                            std::int64_t login_token_ttl_ms) {
    const auto i = static_cast<std::size_t>(op);
    return {op,           text(i),         text(kBranding + i), text(kAgreement + i), text(kAgreementUrl + i).en,
            token_ttl_ms, networks,        login_token_ttl_ms};
}

constexpr OperatorInfo kOperatorInfo[] = {
    info(Operator::CM, 120'000, "2G/3G/4G/5G", 120'000),
    info(Operator::CU, 600'000, "3G/4G/5G", 1'800'000),
    info(Operator::CT, 60'000, "4G/5G", 1'800'000),
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

Text carrier_name(Carrier c) { return text(static_cast<std::size_t>(c)); }

std::size_t carrier_text_count() { return std::size(kTexts); }

std::string_view carrier_text_id(std::size_t i) { return kTexts[i].id(); }

Text carrier_text(std::size_t i) { return text(i); }

}  // namespace nv
