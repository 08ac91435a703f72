// The core's small JSON reader and writer.
#include <cmath>
#include <cstring>
#include <string>
#include <vector>
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

namespace {

// A tape as web/src/loader.js writes one (Document::read_tape), built node by node, in 8-aligned storage.
struct Tape {
    std::vector<Document::Node> nodes;
    std::string strings;

    std::size_t add(Type type, std::uint8_t truth = 0, double number = 0) {
        Document::Node n;
        n.type = type;
        n.truth = truth;
        n.number = number;
        nodes.push_back(n);
        return nodes.size() - 1;
    }
    std::size_t text(std::string_view s, std::uint8_t parsed = 0) {
        const std::size_t i = add(Type::String, parsed);
        nodes[i].begin = static_cast<std::uint32_t>(strings.size());
        strings += s;
        nodes[i].end = static_cast<std::uint32_t>(strings.size());
        nodes[i].next = static_cast<std::uint32_t>(i + 1);
        return i;
    }
    std::size_t scalar(Type type, std::uint8_t truth = 0, double number = 0) {
        const std::size_t i = add(type, truth, number);
        nodes[i].next = static_cast<std::uint32_t>(i + 1);
        return i;
    }
    void close(std::size_t container) { nodes[container].next = static_cast<std::uint32_t>(nodes.size()); }

    // The bytes, in storage that keeps them 8-byte aligned.
    std::string_view bytes() {
        const std::uint32_t count = static_cast<std::uint32_t>(nodes.size());
        const std::size_t size = 8 + nodes.size() * sizeof(Document::Node) + strings.size();
        storage.assign((size + 7) / 8, 0);
        auto* out = reinterpret_cast<char*>(storage.data());
        std::memcpy(out, &count, 4);
        std::memcpy(out + 8, nodes.data(), nodes.size() * sizeof(Document::Node));
        std::memcpy(out + 8 + nodes.size() * sizeof(Document::Node), strings.data(), strings.size());
        return {out, size};
    }
    std::vector<std::uint64_t> storage;
};

// {"a":[1.5,true,null],"b":"x"}
Tape sample() {
    Tape t;
    const std::size_t root = t.add(Type::Object);
    t.text("a");
    const std::size_t a = t.add(Type::Array);
    t.scalar(Type::Number, 0, 1.5);
    t.scalar(Type::Bool, 1);
    t.scalar(Type::Null);
    t.close(a);
    t.text("b");
    t.text("x");
    t.close(root);
    return t;
}

}  // namespace

TEST_CASE("a tape is read as the document its text would have been", "[json][tape]") {
    Tape t = sample();
    Document doc;
    REQUIRE(doc.read_tape(t.bytes(), 1024) == ParseError::None);
    REQUIRE(doc.size() == 8);
    const std::size_t a = doc.find(0, "a");
    REQUIRE(a == 2);
    REQUIRE(doc.type(a) == Type::Array);
    const std::size_t first = doc.first_child(a);
    CHECK(doc.node(first).number == 1.5);
    const std::size_t second = doc.next_sibling(a, first);
    CHECK(doc.node(second).truth == 1);
    CHECK(doc.type(doc.next_sibling(a, second)) == Type::Null);
    CHECK(doc.text(doc.find(0, "b")) == "x");
    CHECK(doc.find(0, "c") == kNone);
    CHECK(doc.parsed(doc.find(0, "b")) == kNone);

    // The same value as text reads the same.
    Document text;
    REQUIRE(text.parse(R"({"a":[1.5,true,null],"b":"x"})", 1024) == ParseError::None);
    REQUIRE(text.size() == doc.size());
    for (std::size_t i = 0; i < doc.size(); ++i) {
        CHECK(text.type(i) == doc.type(i));
        CHECK(text.node(i).next == doc.node(i).next);
    }
}

TEST_CASE("a tape string may carry its text parsed, as a document of its own", "[json][tape]") {
    // {"body": "<text>" followed by {"verified":true} nested 31 deeper than its own root would allow outside}
    Tape t;
    const std::size_t root = t.add(Type::Object);
    t.text("body");
    const std::size_t body = t.text("", 1);
    const std::size_t reply = t.add(Type::Object);
    t.text("verified");
    t.scalar(Type::Bool, 1);
    t.close(reply);
    t.close(body);
    t.close(root);
    Document doc;
    REQUIRE(doc.read_tape(t.bytes(), 1024) == ParseError::None);
    REQUIRE(doc.parsed(body) == reply);
    CHECK(doc.node(doc.find(reply, "verified")).truth == 1);
    CHECK(doc.next_sibling(0, 1) == kNone);  // the parsed value is inside the string's subtree

    // Its nesting counts from its own root: 31 arrays inside the parsed object pass, 32 do not.
    for (const int arrays : {31, 32}) {
        Tape d;
        const std::size_t r = d.add(Type::Object);
        d.text("body");
        const std::size_t s = d.text("", 1);
        std::vector<std::size_t> open{d.add(Type::Object)};
        d.text("x");
        for (int k = 1; k < arrays; ++k) open.push_back(d.add(Type::Array));
        d.scalar(Type::Null);
        for (auto it = open.rbegin(); it != open.rend(); ++it) d.close(*it);
        d.close(s);
        d.close(r);
        CHECK(doc.read_tape(d.bytes(), 4096) == (arrays == 31 ? ParseError::None : ParseError::TooDeep));
    }

    // A parsed value holds no parsed string of its own (the recursion stays bounded).
    Tape n;
    const std::size_t r = n.add(Type::Object);
    n.text("body");
    const std::size_t outer = n.text("", 1);
    const std::size_t inner = n.text("", 1);
    n.scalar(Type::Null);
    n.close(inner);
    n.close(outer);
    n.close(r);
    CHECK(doc.read_tape(n.bytes(), 1024) == ParseError::Syntax);
}

TEST_CASE("a malformed tape is refused, never read", "[json][tape]") {
    Document doc;
    auto read = [&](Tape t) { return doc.read_tape(t.bytes(), 1024); };
    auto damaged = [&](auto edit) {
        Tape t = sample();
        edit(t);
        return read(t);
    };
    CHECK(doc.read_tape("", 1024) == ParseError::Syntax);
    CHECK(damaged([](Tape& t) { t.nodes.pop_back(); }) == ParseError::Syntax);             // a node missing
    CHECK(damaged([](Tape& t) { t.scalar(Type::Null); }) == ParseError::Syntax);           // a node too many
    CHECK(damaged([](Tape& t) { t.nodes[0].next = 99; }) == ParseError::Syntax);           // past the end
    CHECK(damaged([](Tape& t) { t.nodes[0].next = 0; }) == ParseError::Syntax);            // before itself
    CHECK(damaged([](Tape& t) { t.nodes[2].next = 4; }) == ParseError::Syntax);            // inside its children
    CHECK(damaged([](Tape& t) { t.nodes[1].end = 99; }) == ParseError::Syntax);            // past the strings
    CHECK(damaged([](Tape& t) { t.nodes[1].begin = 1; t.nodes[1].end = 0; }) == ParseError::Syntax);
    CHECK(damaged([](Tape& t) { t.nodes[1].escaped = 1; }) == ParseError::Syntax);         // no arena in a tape
    CHECK(damaged([](Tape& t) { t.nodes[4].truth = 2; }) == ParseError::Syntax);           // a bool is 0 or 1
    CHECK(damaged([](Tape& t) { t.nodes[3].truth = 1; }) == ParseError::Syntax);           // a number has none
    CHECK(damaged([](Tape& t) { t.nodes[1].truth = 1; }) == ParseError::Syntax);           // a key is never parsed
    CHECK(damaged([](Tape& t) { t.nodes[1].type = Type::Null; }) == ParseError::Syntax);   // a key that is not a string
    CHECK(damaged([](Tape& t) { t.nodes[3].type = static_cast<Type>(9); }) == ParseError::Syntax);
    CHECK(damaged([](Tape& t) { t.nodes[3].number = std::nan(""); }) == ParseError::Syntax);
    CHECK(damaged([](Tape& t) { t.nodes[3].number = 1.0 / 0.0; }) == ParseError::Syntax);
    CHECK(damaged([](Tape& t) { t.strings[1] = 'a'; }) == ParseError::DuplicateKey);       // "b" -> "a"
    CHECK(damaged([](Tape& t) { t.strings[2] = '\xff'; }) == ParseError::BadUtf8);

    Tape deep;
    std::vector<std::size_t> open;
    for (int k = 0; k < 33; ++k) open.push_back(deep.add(Type::Array));
    for (auto it = open.rbegin(); it != open.rend(); ++it) deep.close(*it);
    CHECK(read(deep) == ParseError::TooDeep);

    Tape t = sample();
    std::string_view bytes = t.bytes();
    CHECK(doc.read_tape(bytes.substr(0, bytes.size() - 1), 1024) == ParseError::Syntax);  // the strings cut short
    CHECK(doc.read_tape(bytes, 15) == ParseError::TooLarge);                               // 8 nodes > 15 / 2
    CHECK(doc.read_tape(bytes, 16) == ParseError::None);
    Tape big = sample();
    big.strings += std::string(14, ' ');
    CHECK(doc.read_tape(big.bytes(), 16) == ParseError::TooLarge);                          // 17 bytes of strings
    // Not 8-byte aligned: refused rather than read.
    std::vector<std::uint64_t> shifted(t.storage.size() + 1, 0);
    std::memcpy(reinterpret_cast<char*>(shifted.data()) + 4, bytes.data(), bytes.size());
    CHECK(doc.read_tape({reinterpret_cast<char*>(shifted.data()) + 4, bytes.size()}, 1024) == ParseError::Syntax);
    CHECK(doc.size() == 0);  // a refused tape leaves no document
}
