// Phone numbers: normalisation, validation, masking, carrier guess.
#include <catch2/catch.hpp>

#include "nv/phone.hpp"

using namespace nv;

TEST_CASE("normalisation accepts what users type and paste", "[phone]") {
    const char* inputs[] = {
        "13800138000",          "+8613800138000",       "+86 138 0013 8000",   "0086 138 0013 8000",
        "0086-138-0013-8000",   "(+86) 138-0013-8000",  "+86(138)00138000",    "8613800138000",
        "１３８００１３８０００", "＋８６１３８００１３８０００", "138\u30000013\u30008000", "\u200e138 0013 8000\u200f",
        "138\u20130013\u20148000", "\ufeff13800138000", "[138] 0013 8000",    "138.0013.8000",
    };
    for (const char* in : inputs) {
        CAPTURE(in);
        const PhoneNumber p = parse_phone(in);
        CHECK(p.valid);
        CHECK(p.reason == Reason::OK);
        CHECK(p.national == "13800138000");
        CHECK(e164(p) == "+8613800138000");
    }
}

TEST_CASE("rejections say why", "[phone]") {
    struct Case {
        const char* in;
        Reason reason;
    };
    const Case cases[] = {
        {"", Reason::PHONE_EMPTY},
        {" \t ", Reason::PHONE_EMPTY},
        {"1380013800", Reason::PHONE_TOO_SHORT},
        {"138001380000", Reason::PHONE_TOO_LONG},
        {"+86", Reason::PHONE_TOO_SHORT},
        {"+", Reason::PHONE_TOO_SHORT},
        {"13800I38000", Reason::PHONE_INVALID_CHARS},
        {"138*0013*8000", Reason::PHONE_INVALID_CHARS},
        {"1380013800+0", Reason::PHONE_INVALID_CHARS},
        {"\xff\xfe", Reason::PHONE_INVALID_CHARS},
        {"138\xc0\xaf", Reason::PHONE_INVALID_CHARS},  // overlong encoding of '/'
        {"+852 9123 4567", Reason::PHONE_NOT_MAINLAND},
        {"+44 7700 900123", Reason::PHONE_NOT_MAINLAND},
        {"001 650 253 0000", Reason::PHONE_NOT_MAINLAND},
        {"021-6123-4567", Reason::PHONE_NOT_MOBILE},
        {"10086", Reason::PHONE_NOT_MOBILE},
        {"11012345678", Reason::PHONE_NOT_MOBILE},
        {"12306", Reason::PHONE_NOT_MOBILE},
        {"95588", Reason::PHONE_NOT_MOBILE},
        {"14812345678", Reason::PHONE_NOT_SUPPORTED},
        {"14612345678", Reason::PHONE_NOT_SUPPORTED},
        {"13491234567", Reason::PHONE_NOT_SUPPORTED},
    };
    for (const auto& c : cases) {
        CAPTURE(c.in);
        const PhoneNumber p = parse_phone(c.in);
        CHECK_FALSE(p.valid);
        CHECK(reason_id(p.reason) == reason_id(c.reason));
        CHECK(e164(p).empty());
    }
    CHECK(parse_phone(std::string(kMaxPhoneInputBytes + 1, '1')).reason == Reason::PHONE_TOO_LONG);
    CHECK(parse_phone(std::string_view("138\0" "00138000", 12)).reason == Reason::PHONE_INVALID_CHARS);
}

TEST_CASE("carrier guess from the number segment", "[phone][carrier]") {
    struct Case {
        const char* number;
        Carrier carrier;
        std::optional<Operator> network;
    };
    const Case cases[] = {
        {"13412345678", Carrier::CM, Operator::CM},  {"13912345678", Carrier::CM, Operator::CM},
        {"15012345678", Carrier::CM, Operator::CM},  {"18812345678", Carrier::CM, Operator::CM},
        {"19812345678", Carrier::CM, Operator::CM},  {"13012345678", Carrier::CU, Operator::CU},
        {"15512345678", Carrier::CU, Operator::CU},  {"17612345678", Carrier::CU, Operator::CU},
        {"18512345678", Carrier::CU, Operator::CU},  {"13312345678", Carrier::CT, Operator::CT},
        {"15312345678", Carrier::CT, Operator::CT},  {"17712345678", Carrier::CT, Operator::CT},
        {"18012345678", Carrier::CT, Operator::CT},  {"19012345678", Carrier::CT, Operator::CT},
        {"19212345678", Carrier::CBN, Operator::CM}, {"17051234567", Carrier::MVNO, Operator::CM},
        {"17091234567", Carrier::MVNO, Operator::CU}, {"17021234567", Carrier::MVNO, Operator::CT},
        {"16512345678", Carrier::MVNO, Operator::CM}, {"19412345678", Carrier::Unknown, std::nullopt},
    };
    for (const auto& c : cases) {
        CAPTURE(c.number);
        const PhoneNumber p = parse_phone(c.number);
        REQUIRE(p.valid);
        CHECK(carrier_id(p.segment.carrier) == carrier_id(c.carrier));
        CHECK(p.segment.network == c.network);
    }
    // While typing: three digits are enough, except where the fourth decides.
    CHECK(lookup_segment("13").carrier == Carrier::Unknown);
    CHECK(lookup_segment("189").carrier == Carrier::CT);
    CHECK(lookup_segment("170").carrier == Carrier::Unknown);
    CHECK(lookup_segment("1706").network == Operator::CM);
}

TEST_CASE("carrier order: the segment's network first, then the others", "[phone][carrier]") {
    const OperatorList all{Operator::CM, Operator::CU, Operator::CT};
    CHECK(operator_order(lookup_segment("189"), all) == OperatorList{Operator::CT, Operator::CM, Operator::CU});
    CHECK(operator_order(lookup_segment("186"), all) == OperatorList{Operator::CU, Operator::CM, Operator::CT});
    CHECK(operator_order(lookup_segment("194"), all) == all);
    CHECK(operator_order(lookup_segment("189"), {Operator::CU}) == OperatorList{Operator::CU});
}

TEST_CASE("masking", "[phone][mask]") {
    CHECK(mask_phone("13800138000") == "138****8000");
    CHECK(mask_phone("8613800138000") == "861******8000");
    CHECK(mask_phone("") == "");
    CHECK(mask_phone("1") == "*");
    CHECK(mask_phone("1380") == "1**0");
    CHECK(mask_phone("13800138") == "13****38");
    // Whatever the length, at least half is hidden.
    for (std::size_t n = 1; n < 11; ++n) {
        const std::string masked = mask_phone(std::string(n, '7'));
        const auto hidden = static_cast<std::size_t>(std::count(masked.begin(), masked.end(), '*'));
        CAPTURE(n, masked);
        CHECK(masked.size() == n);
        CHECK(hidden * 2 >= n);
    }
}
