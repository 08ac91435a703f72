// nv::LeanString, the core's owning string in the wasm builds (nv/string.hpp), tested natively: the wasm builds
// run it through every fixture, this checks the edges the fixtures do not reach.
#include <catch2/catch.hpp>

#include <string>
#include <utility>

#include "nv/string.hpp"

using nv::LeanString;

TEST_CASE("LeanString grows, stays NUL-terminated and compares as its text", "[string]") {
    LeanString s;
    CHECK(s.empty());
    CHECK(std::string(s.data()).empty());
    std::string expected;
    for (int i = 0; i < 500; ++i) {  // many reallocations
        s += static_cast<char>('a' + i % 26);
        expected += static_cast<char>('a' + i % 26);
    }
    s.append(3, '*');
    expected.append(3, '*');
    s.append("xyz");
    expected += "xyz";
    REQUIRE(s.size() == expected.size());
    CHECK(std::string_view(s) == expected);
    CHECK(s.data()[s.size()] == '\0');
    CHECK(s == std::string_view(expected));
    CHECK(s[0] == 'a');
    CHECK(*(s.end() - 1) == 'z');

    s.pop_back();
    CHECK(s.size() == expected.size() - 1);
    CHECK(s.data()[s.size()] == '\0');
    s.clear();
    CHECK(s.empty());
    CHECK(s.data()[0] == '\0');
}

TEST_CASE("LeanString copies, moves and appends from itself", "[string]") {
    LeanString a("hello");
    LeanString b = a;
    b += ", world";
    CHECK(a == "hello");
    CHECK(b == "hello, world");

    LeanString c = std::move(b);
    CHECK(c == "hello, world");
    CHECK(b.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty and usable
    b = "again";
    CHECK(b == "again");

    c = std::string_view(c).substr(7);  // assigned from its own tail
    CHECK(c == "world");
    c.append(std::string_view(c));  // appended to itself, across a reallocation
    c.append(std::string_view(c));
    CHECK(c == "worldworldworldworld");
    const LeanString& same = c;
    c = same;  // self-assignment
    CHECK(c == "worldworldworldworld");

    CHECK(LeanString("+86") + "13800138000" == "+8613800138000");
    LeanString d;
    d = std::move(a);
    CHECK(d == "hello");
    d = std::move(d);  // NOLINT(clang-diagnostic-self-move): self-move keeps the text
    CHECK(d == "hello");
}
