// The core's small JSON reader and writer.
#include <cmath>
#include <catch2/catch.hpp>

#include "nv/json.hpp"
#include "nv/utf8.hpp"

using namespace nv::json;

namespace {

ParseError parse(std::string_view text, std::size_t max_bytes) {
    Document doc;
    return doc.parse(text, max_bytes);
}

}  // namespace

TEST_CASE("numbers are read as the nearest double wherever the digits and the exponent are in range", "[json]") {
    auto read = [](std::string_view text) {
        Document doc;
        REQUIRE(doc.parse(text, 1024) == ParseError::None);
        REQUIRE(doc.type(0) == Type::Number);
        return doc.node(0).number;
    };
    // Exactly what the compiler's own literals give (correctly rounded), through one exact power of ten.
    CHECK(read("0.1") == 0.1);
    CHECK(read("1.45") == 1.45);
    CHECK(read("-0.3") == -0.3);
    CHECK(read("123.456e2") == 12345.6);
    CHECK(read("9007199254740991") == 9007199254740991.0);
    CHECK(read("1700000000123.5") == 1700000000123.5);
    CHECK(read("2.5E-3") == 0.0025);
    CHECK(read("1e22") == 1e22);
    CHECK(read("3e-22") == 3e-22);
    // Beyond the exact range: the right magnitude, within a few ulps.
    CHECK(std::abs(read("1e300") / 1e300 - 1) < 1e-14);
    CHECK(std::abs(read("5e-310") / 5e-310 - 1) < 1e-9);
    CHECK(read("1e-400") == 0);
    CHECK(read("0e999") == 0);
}

TEST_CASE("parses what the core exchanges", "[json]") {
    const std::string text = R"( {"a": [1, -2.5, 1e3, true, false, null], "b": {"c": "d\n\u00e9\ud83d\ude00"}, "e": "plain"} )";
    Document doc;
    REQUIRE(doc.parse(text, 1024) == ParseError::None);
    REQUIRE(doc.type(0) == Type::Object);
    const std::size_t a = doc.find(0, "a");
    REQUIRE(a != kNone);
    REQUIRE(doc.type(a) == Type::Array);
    std::vector<std::size_t> items;
    for (std::size_t i = doc.first_child(a); i != kNone; i = doc.next_sibling(a, i)) items.push_back(i);
    REQUIRE(items.size() == 6);
    CHECK(doc.node(items[0]).number == 1);
    CHECK(doc.node(items[1]).number == -2.5);
    CHECK(doc.node(items[2]).number == 1000);
    CHECK(doc.node(items[3]).truth);
    CHECK_FALSE(doc.node(items[4]).truth);
    CHECK(doc.type(items[5]) == Type::Null);
    const std::size_t b = doc.find(0, "b");
    REQUIRE(b != kNone);
    const std::size_t c = doc.find(b, "c");
    CHECK(doc.string(c) == "d\n\xc3\xa9\xf0\x9f\x98\x80");
    CHECK(doc.string_is(c, "d\n\xc3\xa9\xf0\x9f\x98\x80"));
    CHECK(doc.text(c).size() == 8);
    CHECK(doc.string(doc.find(0, "e")) == "plain");
    CHECK(doc.find(0, "zzz") == kNone);
    CHECK(doc.find(a, "a") == kNone);  // not an object
    std::vector<std::string> keys;
    for (std::size_t k = doc.first_child(0); k != kNone; k = doc.next_sibling(0, k)) keys.push_back(doc.string(k));
    CHECK(keys == std::vector<std::string>{"a", "b", "e"});
    Document empty;
    REQUIRE(empty.parse("{}", 16) == ParseError::None);
    CHECK(empty.first_child(0) == kNone);
}

TEST_CASE("views of decoded strings stay valid for the document's life", "[json]") {
    std::string text = "[";
    for (int i = 0; i < 2000; ++i) text += std::string(i ? "," : "") + "\"a\\u00e9\\n" + std::to_string(i) + "\"";
    text += "]";
    Document doc;
    REQUIRE(doc.parse(text, text.size()) == ParseError::None);
    std::vector<std::string_view> views;
    for (std::size_t i = doc.first_child(0); i != kNone; i = doc.next_sibling(0, i)) views.push_back(doc.text(i));
    REQUIRE(views.size() == 2000);
    for (std::size_t i = 0; i < views.size(); ++i) CHECK(views[i] == "a\xc3\xa9\n" + std::to_string(i));
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
        {"{\"a\" 1}", ParseError::Syntax},  {"{1:2}", ParseError::Syntax},       {"[1 2]", ParseError::Syntax},
        {"\"\\ud800\"", ParseError::BadUtf8}, {"\"\\udc00\"", ParseError::BadUtf8}, {"\"\\ud800\\u0041\"", ParseError::BadUtf8},
        {"\"\xff\"", ParseError::BadUtf8},  {"\"\xed\xa0\x80\"", ParseError::BadUtf8}, {"\"\xf4\x90\x80\x80\"", ParseError::BadUtf8},
        {"{\"a\":1,\"a\":2}", ParseError::DuplicateKey},
        {"{\"a\":1,\"\\u0061\":2}", ParseError::DuplicateKey},  // the same key, spelled differently
        {"{\"a\":{\"b\":1},\"b\":1}", ParseError::None},        // the same key at different levels is fine
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        CHECK(parse(c.text, 1024) == c.error);
    }
    CHECK(parse(std::string(40, '[') + std::string(40, ']'), 1024) == ParseError::TooDeep);
    CHECK(parse(std::string(31, '[') + std::string(31, ']'), 1024) == ParseError::None);
    CHECK(parse("[1,2,3]", 3) == ParseError::TooLarge);
}

TEST_CASE("UTF-8 validation", "[json][utf8]") {
    using nv::valid_utf8;
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
    CHECK(parse(w.str(), 4096) == ParseError::None);
}
