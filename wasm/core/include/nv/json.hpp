// A small JSON reader and writer for the core's string boundary.
//
// The wasm bundle has a size budget (25 KB gzip for everything a page downloads), and a general JSON library
// costs more than that on its own (TOOLCHAIN.md). The core only exchanges small, flat documents, so this file
// offers exactly what it needs: a strict parser (RFC 8259, UTF-8 validated, depth- and size-limited, never
// throws) into a flat node array, and a streaming writer. The server uses nlohmann/json; only the core uses this.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "nv/string.hpp"

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
    // Also the layout of a tape's nodes (read_tape): 24 bytes, little-endian, at these offsets.
    struct Node {
        Type type = Type::Null;     // 0
        std::uint8_t truth = 0;     // 1: Bool: its value; String in a tape: its text parsed follows (parsed())
        std::uint8_t escaped = 0;   // 2: String: decoded into the arena (never in a tape)
        std::uint32_t begin = 0;    // 4: String: where its text starts (input, tape strings, or arena)
        std::uint32_t end = 0;      // 8: String: where it ends
        std::uint32_t next = 0;     // 12: index of the node after this subtree
        double number = 0;          // 16: Number
    };

    // Parses exactly one JSON value (surrounding whitespace allowed); `text` must outlive the document.
    // Duplicate object keys are an error: two meanings for one field is exactly the ambiguity a hostile input
    // would use. `offset` receives the byte offset of the first problem.
    ParseError parse(std::string_view text, std::size_t max_bytes, std::size_t* offset = nullptr);

    // Reads a value already parsed and laid out as nodes: the page's build of the module reads no JSON text
    // (docs/wasm-size.md); the web package's loader parses it with the browser's JSON.parse and writes a tape:
    //   the node count (uint32) and 4 bytes of padding | count nodes as Node | the strings' UTF-8 bytes
    // where a string's begin and end index the strings' bytes. Nothing in a tape is trusted: it must describe
    // one value exactly (every `next` where its subtree ends, object keys strings), with the text parser's
    // rules (valid UTF-8, finite numbers, no duplicate keys, nesting under kMaxDepth); at most max_bytes of
    // strings and max_bytes / 2 nodes, the most a JSON text of max_bytes holds. A string whose `truth` is 1
    // carries its own text parsed: that value follows it, within its `next`, as a document of its own (nesting
    // counted from 0, no parsed string inside); the loader does this for a verify_result's body. The nodes are
    // read where they are, so the tape must start 8-byte aligned (nv_alloc's blocks are) and outlive the
    // document.
    ParseError read_tape(std::string_view tape, std::size_t max_bytes);

    [[nodiscard]] const Node& node(std::size_t i) const { return nodes_[i]; }
    [[nodiscard]] Type type(std::size_t i) const { return nodes_[i].type; }
    [[nodiscard]] std::size_t size() const { return size_; }

    // The value of `key` in object `obj`, or kNone.
    [[nodiscard]] std::size_t find(std::size_t obj, std::string_view key) const;
    // Children: the first element (array) or first key (object; its value is key + 1), then `next_sibling`.
    [[nodiscard]] std::size_t first_child(std::size_t i) const;
    [[nodiscard]] std::size_t next_sibling(std::size_t container, std::size_t child) const;
    // A tape string's text parsed (read_tape): the value's index, or kNone.
    [[nodiscard]] std::size_t parsed(std::size_t i) const;

    // A string's decoded text; valid as long as the document and its input.
    [[nodiscard]] std::string_view text(std::size_t i) const;
    [[nodiscard]] String string(std::size_t i) const { return String(text(i)); }
    [[nodiscard]] bool string_is(std::size_t i, std::string_view s) const;

private:
    std::string_view text_;  // the input text, or a tape's strings
    String arena_;
    std::vector<Node> parsed_;     // the text parser's nodes
    const Node* nodes_ = nullptr;  // parsed_'s, or a tape's (read where they are)
    std::size_t size_ = 0;
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
