// The core's small JSON reader and writer.
#include <catch2/catch.hpp>

#include "nv/json.hpp"

using namespace nv::json;

TEST_CASE("parses what the core exchanges", "[json]") {
    const ParseResult r = parse(R"( {"a": [1, -2.5, 1e3, true, false, null], "b": {"c": "d\n\u00e9\ud83d\ude00"}} )", 1024);
    REQUIRE(r.error == ParseError::None);
    const Value& v = r.value;
    REQUIRE(v.is_object());
    const Value* a = v.find("a");
    REQUIRE(a != nullptr);
    REQUIRE(a->items().size() == 6);
    CHECK(a->items()[0].as_number() == 1);
    CHECK(a->items()[1].as_number() == -2.5);
    CHECK(a->items()[2].as_number() == 1000);
    CHECK(a->items()[3].as_bool());
    CHECK(a->items()[5].is_null());
    CHECK(v.find("b")->find("c")->as_string() == "d\n\xc3\xa9\xf0\x9f\x98\x80");
    CHECK(v.find("zzz") == nullptr);
}

TEST_CASE("refuses what is not JSON", "[json]") {
    struct Case {
        const char* text;
        ParseError error;
    };
    const Case cases[] = {
        {"", ParseError::Syntax},           {"{", ParseError::Syntax},           {"{\"a\":1,}", ParseError::Syntax},
        {"[1,]", ParseError::Syntax},       {"01", ParseError::Syntax},          {"1.", ParseError::Syntax},
        {"-", ParseError::Syntax},          {"1e", ParseError::Syntax},          {"NaN", ParseError::Syntax},
        {"'a'", ParseError::Syntax},        {"\"a", ParseError::Syntax},         {"\"\\x\"", ParseError::Syntax},
        {"\"\t\"", ParseError::Syntax},     {"{} {}", ParseError::Syntax},       {"1e999", ParseError::Syntax},
        {"\"\\ud800\"", ParseError::BadUtf8}, {"\"\\udc00\"", ParseError::BadUtf8}, {"\"\\ud800\\u0041\"", ParseError::BadUtf8},
        {"\"\xff\"", ParseError::BadUtf8},  {"\"\xed\xa0\x80\"", ParseError::BadUtf8}, {"\"\xf4\x90\x80\x80\"", ParseError::BadUtf8},
        {"{\"a\":1,\"a\":2}", ParseError::DuplicateKey},
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        CHECK(parse(c.text, 1024).error == c.error);
    }
    CHECK(parse(std::string(40, '[') + std::string(40, ']'), 1024).error == ParseError::TooDeep);
    CHECK(parse(std::string(31, '[') + std::string(31, ']'), 1024).error == ParseError::None);
    CHECK(parse("[1,2,3]", 3).error == ParseError::TooLarge);
}

TEST_CASE("UTF-8 validation", "[json]") {
    CHECK(valid_utf8("plain"));
    CHECK(valid_utf8("\xe4\xb8\xad\xe6\x96\x87"));
    CHECK_FALSE(valid_utf8("\xe4\xb8"));
    CHECK_FALSE(valid_utf8("\xc0\x80"));
    CHECK_FALSE(valid_utf8("\x80"));
}

TEST_CASE("the writer escapes and formats", "[json]") {
    Writer w;
    w.begin_object()
        .field("s", "q\"b\\n\n\x01")
        .field("i", std::int64_t{-42})
        .field("min", std::int64_t{INT64_MIN})
        .field("t", true)
        .key("d")
        .number(1.25)
        .key("e")
        .number(10.0)
        .key("f")
        .number(0.1)
        .key("g")
        .number(1.0 / 0.0)
        .key("a")
        .begin_array()
        .integer(1)
        .null()
        .end_array()
        .end_object();
    CHECK(w.str() == R"({"s":"q\"b\\n\n\u0001","i":-42,"min":-9223372036854775808,"t":true,"d":1.25,"e":10,"f":0.1,"g":null,"a":[1,null]})");
    // What it writes, it reads back.
    CHECK(parse(w.str(), 4096).error == ParseError::None);
}
