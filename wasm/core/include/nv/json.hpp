// A small JSON reader and writer for the core's string boundary.
//
// The wasm bundle has a size budget (25 KB gzip for everything a page downloads), and a general JSON library
// costs more than that on its own (TOOLCHAIN.md). The core only exchanges small, flat documents, so this file
// offers exactly what it needs: a strict parser (RFC 8259, UTF-8 validated, depth- and size-limited, never
// throws) into a flat node array, and a streaming writer. The server uses nlohmann/json; only the core uses this.
#pragma once

#include <cstddef>
#include <cstdint>
#include "nv/string.hpp"
#include <string_view>
#include <vector>

namespace nv::json {

enum class Type : std::uint8_t { Null, Bool, Number, String, Array, Object };

enum class ParseError : std::uint8_t { None, Syntax, BadUtf8, TooDeep, TooLarge, DuplicateKey };

inline constexpr std::size_t kMaxDepth = 32;
inline constexpr std::size_t kNone = static_cast<std::size_t>(-1);

// A parsed document: a flat array of nodes over the (borrowed) input text, in document order. An array's
// elements and an object's key/value pairs follow their container; `next` skips a whole subtree. Strings are
// views: into the input when they have no escapes, else into one arena the parser decodes them into (reserved to
// the input's size, so views never move). Flat nodes and views keep the wasm small: no recursive value type, no
// string copies to construct, move and destroy.
class Document {
public:
    struct Node {
        Type type = Type::Null;
        bool truth = false;       // Bool
        bool escaped = false;     // String: decoded into the arena
        std::uint32_t begin = 0;  // String: where its text starts (input, or arena when escaped)
        std::uint32_t end = 0;    // String: where it ends
        std::uint32_t next = 0;   // index of the node after this subtree
        double number = 0;        // Number
    };

    // Parses exactly one JSON value (surrounding whitespace allowed); `text` must outlive the document.
    // Duplicate object keys are an error: two meanings for one field is exactly the ambiguity a hostile input
    // would use. `offset` receives the byte offset of the first problem.
    ParseError parse(std::string_view text, std::size_t max_bytes, std::size_t* offset = nullptr);

    [[nodiscard]] const Node& node(std::size_t i) const { return nodes_[i]; }
    [[nodiscard]] Type type(std::size_t i) const { return nodes_[i].type; }
    [[nodiscard]] std::size_t size() const { return nodes_.size(); }

    // The value of `key` in object `obj`, or kNone.
    [[nodiscard]] std::size_t find(std::size_t obj, std::string_view key) const;
    // Children: the first element (array) or first key (object; its value is key + 1), then `next_sibling`.
    [[nodiscard]] std::size_t first_child(std::size_t i) const;
    [[nodiscard]] std::size_t next_sibling(std::size_t container, std::size_t child) const;

    // A string's decoded text; valid as long as the document and its input.
    [[nodiscard]] std::string_view text(std::size_t i) const;
    [[nodiscard]] String string(std::size_t i) const { return String(text(i)); }
    [[nodiscard]] bool string_is(std::size_t i, std::string_view s) const;

private:
    std::string_view text_;
    String arena_;
    std::vector<Node> nodes_;
};

// Streaming writer. It trusts its caller to nest correctly (the core only writes fixed shapes); strings are
// escaped and assumed to be valid UTF-8. Keys and literal values are `const char*` on purpose: a literal passed
// as a pointer costs one constant at the call site, where a string_view costs a length computation and stack
// traffic, and the core writes a few hundred fields (docs/wasm-size.md).
class Writer {
public:
    Writer& begin_object();
    Writer& end_object();
    Writer& begin_array();
    Writer& end_array();
    Writer& key(const char* k);
    Writer& string(std::string_view s);
    Writer& integer(std::int64_t n);
    Writer& number(double n);
    Writer& boolean(bool b);
    Writer& null();
    Writer& raw(std::string_view json);  // an already-serialised value

    // `key(k)` followed by the value, in one call.
    Writer& field(const char* k, std::string_view s);
    Writer& field(const char* k, const char* s);
    Writer& field(const char* k, std::int64_t n);
    Writer& field(const char* k, int n) { return field(k, static_cast<std::int64_t>(n)); }
    Writer& field(const char* k, bool b);
    Writer& object(const char* k);  // key(k).begin_object()
    Writer& array(const char* k);   // key(k).begin_array()

    [[nodiscard]] const String& str() const { return out_; }
    String take() { return std::move(out_); }

private:
    void separate();
    String out_;
    bool need_comma_ = false;
};

}  // namespace nv::json
