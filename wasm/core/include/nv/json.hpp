// A small JSON reader and writer for the core's string boundary.
//
// The wasm bundle has a size budget (25 KB gzip for everything a page downloads), and a general JSON library
// costs more than that on its own (TOOLCHAIN.md). The core only exchanges small, flat documents, so this file
// offers exactly what it needs: a strict parser (RFC 8259, UTF-8 validated, depth- and size-limited, never
// throws) into a simple tree, and a streaming writer. The server uses nlohmann/json; only the core uses this.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nv::json {

enum class Type : std::uint8_t { Null, Bool, Number, String, Array, Object };

struct Member;

class Value {
public:
    Value() = default;
    static Value make_bool(bool b);
    static Value make_number(double n);
    static Value make_string(std::string s);
    static Value make_array();
    static Value make_object();

    [[nodiscard]] Type type() const { return type_; }
    [[nodiscard]] bool is_null() const { return type_ == Type::Null; }
    [[nodiscard]] bool is_bool() const { return type_ == Type::Bool; }
    [[nodiscard]] bool is_number() const { return type_ == Type::Number; }
    [[nodiscard]] bool is_string() const { return type_ == Type::String; }
    [[nodiscard]] bool is_array() const { return type_ == Type::Array; }
    [[nodiscard]] bool is_object() const { return type_ == Type::Object; }

    [[nodiscard]] bool as_bool() const { return bool_; }
    [[nodiscard]] double as_number() const { return number_; }
    [[nodiscard]] const std::string& as_string() const { return string_; }
    [[nodiscard]] const std::vector<Value>& items() const { return items_; }
    [[nodiscard]] const std::vector<Member>& members() const { return members_; }

    // Object lookup; nullptr when absent or when this is not an object.
    [[nodiscard]] const Value* find(std::string_view key) const;

    void push(Value v);
    void set(std::string key, Value v);

private:
    Type type_ = Type::Null;
    bool bool_ = false;
    double number_ = 0;
    std::string string_;
    std::vector<Value> items_;
    std::vector<Member> members_;
};

struct Member {
    std::string key;
    Value value;
};

enum class ParseError : std::uint8_t { None, Syntax, BadUtf8, TooDeep, TooLarge, DuplicateKey };

struct ParseResult {
    Value value;
    ParseError error = ParseError::None;
    std::size_t offset = 0;  // byte offset of the first problem
};

inline constexpr std::size_t kMaxDepth = 32;

// Parses exactly one JSON value (surrounding whitespace allowed). Duplicate object keys are an error: two
// different meanings for one field is exactly the ambiguity a hostile input would use.
ParseResult parse(std::string_view text, std::size_t max_bytes);

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool valid_utf8(std::string_view s);

// Streaming writer. It trusts its caller to nest correctly (the core only writes fixed shapes); strings are
// escaped and assumed to be valid UTF-8.
class Writer {
public:
    Writer& begin_object();
    Writer& end_object();
    Writer& begin_array();
    Writer& end_array();
    Writer& key(std::string_view k);
    Writer& string(std::string_view s);
    Writer& integer(std::int64_t n);
    Writer& number(double n);
    Writer& boolean(bool b);
    Writer& null();
    Writer& raw(std::string_view json);  // an already-serialised value

    // Shorthands for `key(k).value(v)`.
    Writer& field(std::string_view k, std::string_view s) { return key(k).string(s); }
    Writer& field(std::string_view k, const char* s) { return key(k).string(s); }
    Writer& field(std::string_view k, std::int64_t n) { return key(k).integer(n); }
    Writer& field(std::string_view k, int n) { return key(k).integer(n); }
    Writer& field(std::string_view k, bool b) { return key(k).boolean(b); }

    [[nodiscard]] const std::string& str() const { return out_; }
    std::string take() { return std::move(out_); }

private:
    void separate();
    std::string out_;
    bool need_comma_ = false;
};

}  // namespace nv::json
