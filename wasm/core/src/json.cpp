#include "nv/json.hpp"

#include "nv/utf8.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>

namespace nv::json {

namespace {

// Length of the UTF-8 sequence starting at s[i], or 0 when it is malformed.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
    std::uint32_t cp = 0;
    return decode_utf8(s, i, cp);
}

// Four hex digits at s[i]; -1 when they are not.
long hex4(std::string_view s, std::size_t i) {
    if (i + 4 > s.size()) return -1;
    long cp = 0;
    for (std::size_t k = i; k < i + 4; ++k) {
        const char c = s[k];
        cp <<= 4;
        if (c >= '0' && c <= '9') {
            cp |= c - '0';
        } else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
            cp |= (c | 0x20) - 'a' + 10;
        } else {
            return -1;
        }
    }
    return cp;
}

// Decodes the body of a string the parser validated.
String unescape(std::string_view raw) {
    String out;
    for (std::size_t k = 0; k < raw.size(); ++k) {
        if (raw[k] != '\\') {
            out += raw[k];
            continue;
        }
        const char e = raw[++k];
        switch (e) {
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'u': {
                auto cp = static_cast<std::uint32_t>(hex4(raw, k + 1));
                k += 4;
                if (cp >= 0xD800 && cp <= 0xDBFF) {  // the parser checked that a low surrogate follows
                    const auto lo = static_cast<std::uint32_t>(hex4(raw, k + 3));
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    k += 6;
                }
                append_utf8(out, cp);
                break;
            }
            default: out += e; break;  // " \\ /
        }
    }
    return out;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

struct Parser {
    std::string_view s;
    std::vector<Document::Node>& nodes;
    String& arena;
    std::size_t pos = 0;
    ParseError error = ParseError::None;

    bool fail(ParseError e) {
        if (error == ParseError::None) error = e;
        return false;
    }

    void skip_ws() {
        while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t' || s[pos] == '\n' || s[pos] == '\r')) ++pos;
    }

    bool eat(char c) {
        skip_ws();
        if (pos < s.size() && s[pos] == c) {
            ++pos;
            return true;
        }
        return false;
    }

    // Validates a string starting at the opening quote and records it.
    bool string() {
        Document::Node n;
        n.type = Type::String;
        n.begin = static_cast<std::uint32_t>(++pos);
        while (pos < s.size()) {
            const auto c = static_cast<unsigned char>(s[pos]);
            if (c == '"') {
                n.end = static_cast<std::uint32_t>(pos++);
                n.next = static_cast<std::uint32_t>(nodes.size() + 1);
                if (n.escaped) {
                    const String decoded = unescape(s.substr(n.begin, n.end - n.begin));
                    n.begin = static_cast<std::uint32_t>(arena.size());
                    arena += decoded;  // never reallocates: reserved to the input's size, decoded text is shorter
                    n.end = static_cast<std::uint32_t>(arena.size());
                }
                nodes.push_back(n);
                return true;
            }
            if (c < 0x20) return fail(ParseError::Syntax);
            if (c == '\\') {
                n.escaped = true;
                if (++pos >= s.size()) return fail(ParseError::Syntax);
                const char e = s[pos++];
                if (e == 'u') {
                    const long cp = hex4(s, pos);
                    if (cp < 0) return fail(ParseError::Syntax);
                    pos += 4;
                    if (cp >= 0xDC00 && cp <= 0xDFFF) return fail(ParseError::BadUtf8);
                    if (cp >= 0xD800 && cp <= 0xDBFF) {
                        // A high surrogate must be followed by an escaped low one.
                        if (s.substr(pos, 2) != "\\u") return fail(ParseError::BadUtf8);
                        const long lo = hex4(s, pos + 2);
                        if (lo < 0) return fail(ParseError::Syntax);
                        if (lo < 0xDC00 || lo > 0xDFFF) return fail(ParseError::BadUtf8);
                        pos += 6;
                    }
                } else if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' &&
                           e != 't') {
                    --pos;
                    return fail(ParseError::Syntax);
                }
                continue;
            }
            const std::size_t len = utf8_sequence(s, pos);
            if (len == 0) return fail(ParseError::BadUtf8);
            pos += len;
        }
        return fail(ParseError::Syntax);
    }

    bool number() {
        const std::size_t start = pos;
        const bool negative = s[pos] == '-';
        if (negative) ++pos;
        if (pos >= s.size() || !is_digit(s[pos])) return fail(ParseError::Syntax);
        double mantissa = 0;
        int exponent = 0;
        if (s[pos] == '0') {
            ++pos;
        } else {
            while (pos < s.size() && is_digit(s[pos])) mantissa = mantissa * 10 + (s[pos++] - '0');
        }
        if (pos < s.size() && s[pos] == '.') {
            ++pos;
            if (pos >= s.size() || !is_digit(s[pos])) return fail(ParseError::Syntax);
            while (pos < s.size() && is_digit(s[pos])) {
                mantissa = mantissa * 10 + (s[pos++] - '0');
                --exponent;
            }
        }
        if (pos < s.size() && (s[pos] == 'e' || s[pos] == 'E')) {
            ++pos;
            bool exp_negative = false;
            if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) exp_negative = s[pos++] == '-';
            if (pos >= s.size() || !is_digit(s[pos])) return fail(ParseError::Syntax);
            int e = 0;
            while (pos < s.size() && is_digit(s[pos])) {
                if (e < 100000) e = e * 10 + (s[pos] - '0');
                ++pos;
            }
            exponent += exp_negative ? -e : e;
        }
        // Scaled by exact powers of ten (at most 1e22) instead of std::pow, which cost 0.8 KB gzip of the page:
        // one multiplication or division, so correctly rounded, whenever the digits fit in 53 bits and
        // |exponent| <= 22 (every timestamp, duration and rate the core reads); beyond that a few rounded steps.
        double v = mantissa;
        for (int k = exponent < 0 ? -exponent : exponent; k > 0 && v != 0 && std::isfinite(v);) {
            const int step = k > 22 ? 22 : k;
            double scale = 1;
            for (int i = 0; i < step; ++i) scale *= 10;
            v = exponent < 0 ? v / scale : v * scale;
            k -= step;
        }
        if (!std::isfinite(v)) {
            pos = start;
            return fail(ParseError::Syntax);
        }
        Document::Node n;
        n.type = Type::Number;
        n.number = negative ? -v : v;
        n.next = static_cast<std::uint32_t>(nodes.size() + 1);
        nodes.push_back(n);
        return true;
    }

    bool literal(std::string_view word, Type type, bool truth) {
        if (s.substr(pos, word.size()) != word) return fail(ParseError::Syntax);
        pos += word.size();
        Document::Node n;
        n.type = type;
        n.truth = truth;
        n.next = static_cast<std::uint32_t>(nodes.size() + 1);
        nodes.push_back(n);
        return true;
    }

    [[nodiscard]] std::string_view text(const Document::Node& n) const {
        return (n.escaped ? std::string_view(arena) : s).substr(n.begin, n.end - n.begin);
    }

    bool value(std::size_t depth) {
        if (depth >= kMaxDepth) return fail(ParseError::TooDeep);
        skip_ws();
        if (pos >= s.size()) return fail(ParseError::Syntax);
        const char c = s[pos];
        if (c == '"') return string();
        if (c == 'n') return literal("null", Type::Null, false);
        if (c == 't') return literal("true", Type::Bool, true);
        if (c == 'f') return literal("false", Type::Bool, false);
        if (c != '[' && c != '{') return number();

        const bool object = c == '{';
        const std::size_t self = nodes.size();
        Document::Node n;
        n.type = object ? Type::Object : Type::Array;
        nodes.push_back(n);
        ++pos;
        if (!eat(object ? '}' : ']')) {
            do {
                if (object) {
                    skip_ws();
                    if (pos >= s.size() || s[pos] != '"') return fail(ParseError::Syntax);
                    const std::size_t key_at = pos;
                    if (!string()) return false;
                    const Document::Node& key = nodes.back();
                    for (std::size_t k = self + 1; k + 1 < nodes.size(); k = nodes[k + 1].next) {
                        if (text(nodes[k]) == text(key)) {
                            pos = key_at;
                            return fail(ParseError::DuplicateKey);
                        }
                    }
                    if (!eat(':')) return fail(ParseError::Syntax);
                }
                if (!value(depth + 1)) return false;
            } while (eat(','));
            if (!eat(object ? '}' : ']')) return fail(ParseError::Syntax);
        }
        nodes[self].next = static_cast<std::uint32_t>(nodes.size());
        return true;
    }
};

}  // namespace

ParseError Document::parse(std::string_view text, std::size_t max_bytes, std::size_t* offset) {
    text_ = text;
    parsed_.clear();
    arena_.clear();
    size_ = 0;
    if (text.size() > max_bytes) {
        if (offset != nullptr) *offset = max_bytes;
        return ParseError::TooLarge;
    }
    arena_.reserve(text.size());
    Parser p{text, parsed_, arena_};
    if (p.value(0)) {
        p.skip_ws();
        if (p.pos != text.size()) p.fail(ParseError::Syntax);
    }
    if (p.error != ParseError::None) {
        parsed_.clear();
        if (offset != nullptr) *offset = p.pos;
    }
    nodes_ = parsed_.data();
    size_ = parsed_.size();
    return p.error;
}

// A tape's nodes are read where they are: the loader (web/src/loader.js) writes this layout.
static_assert(sizeof(Document::Node) == 24 && offsetof(Document::Node, truth) == 1 &&
              offsetof(Document::Node, escaped) == 2 && offsetof(Document::Node, begin) == 4 &&
              offsetof(Document::Node, end) == 8 && offsetof(Document::Node, next) == 12 &&
              offsetof(Document::Node, number) == 16);

namespace {

// Checks a tape's nodes as Parser checks text, the same rules in the same order of precedence.
struct TapeCheck {
    const Document::Node* nodes;
    std::size_t count;
    std::string_view strings;
    bool in_parsed = false;  // inside a string's parsed value, which holds no parsed string of its own

    [[nodiscard]] std::string_view text(const Document::Node& n) const {
        return strings.substr(n.begin, n.end - n.begin);
    }

    // The value at nodes[i]; moves `i` past its subtree.
    ParseError value(std::size_t& i, std::size_t depth) {
        if (depth >= kMaxDepth) return ParseError::TooDeep;
        if (i >= count) return ParseError::Syntax;
        const std::size_t self = i++;
        const Document::Node& n = nodes[self];
        if (n.escaped != 0 || n.truth > 1 || (n.truth != 0 && n.type != Type::Bool && n.type != Type::String)) {
            return ParseError::Syntax;
        }
        switch (n.type) {
            case Type::Null:
            case Type::Bool: break;
            case Type::Number:
                if (!std::isfinite(n.number)) return ParseError::Syntax;
                break;
            case Type::String:
                if (n.begin > n.end || n.end > strings.size()) return ParseError::Syntax;
                if (!valid_utf8(text(n))) return ParseError::BadUtf8;
                if (n.truth != 0) {
                    if (in_parsed) return ParseError::Syntax;
                    in_parsed = true;
                    const ParseError e = i < n.next ? value(i, 0) : ParseError::None;
                    in_parsed = false;
                    if (e != ParseError::None) return e;
                }
                break;
            case Type::Array:
            case Type::Object:
                while (i < n.next) {
                    if (n.type == Type::Object) {
                        const std::size_t key = i;
                        if (key >= count || nodes[key].type != Type::String || nodes[key].truth != 0) {
                            return ParseError::Syntax;
                        }
                        if (const ParseError e = value(i, depth + 1); e != ParseError::None) return e;
                        for (std::size_t k = self + 1; k < key; k = nodes[k + 1].next) {
                            if (text(nodes[k]) == text(nodes[key])) return ParseError::DuplicateKey;
                        }
                    }
                    if (const ParseError e = value(i, depth + 1); e != ParseError::None) return e;
                }
                break;
            default: return ParseError::Syntax;
        }
        return n.next == i ? ParseError::None : ParseError::Syntax;
    }
};

}  // namespace

ParseError Document::read_tape(std::string_view tape, std::size_t max_bytes) {
    text_ = {};
    size_ = 0;
    std::uint32_t count = 0;
    if (tape.size() < 8 || reinterpret_cast<std::uintptr_t>(tape.data()) % alignof(Node) != 0) return ParseError::Syntax;
    std::memcpy(&count, tape.data(), sizeof count);
    if (count > max_bytes / 2) return ParseError::TooLarge;
    const std::size_t strings_at = 8 + std::size_t{count} * sizeof(Node);
    if (count == 0 || tape.size() < strings_at) return ParseError::Syntax;
    if (tape.size() - strings_at > max_bytes) return ParseError::TooLarge;
    const auto* nodes = reinterpret_cast<const Node*>(tape.data() + 8);
    TapeCheck check{nodes, count, tape.substr(strings_at)};
    std::size_t i = 0;
    ParseError e = check.value(i, 0);
    if (e == ParseError::None && i != count) e = ParseError::Syntax;
    if (e == ParseError::None) {
        nodes_ = nodes;
        size_ = count;
        text_ = check.strings;
    }
    return e;
}

std::size_t Document::parsed(std::size_t i) const {
    const Node& n = nodes_[i];
    return n.type == Type::String && n.truth != 0 && i + 1 < n.next ? i + 1 : kNone;
}

std::size_t Document::first_child(std::size_t i) const { return i + 1 < nodes_[i].next ? i + 1 : kNone; }

std::size_t Document::next_sibling(std::size_t container, std::size_t child) const {
    // An object's children are key/value pairs: step over the value as well.
    std::size_t n = nodes_[child].next;
    if (nodes_[container].type == Type::Object) n = nodes_[n].next;
    return n < nodes_[container].next ? n : kNone;
}

std::size_t Document::find(std::size_t obj, std::string_view key) const {
    if (obj >= size_ || nodes_[obj].type != Type::Object) return kNone;
    for (std::size_t k = first_child(obj); k != kNone; k = next_sibling(obj, k)) {
        if (string_is(k, key)) return k + 1;
    }
    return kNone;
}

std::string_view Document::text(std::size_t i) const {
    const Node& n = nodes_[i];
    return (n.escaped ? std::string_view(arena_) : text_).substr(n.begin, n.end - n.begin);
}

bool Document::string_is(std::size_t i, std::string_view s) const {
    return nodes_[i].type == Type::String && text(i) == s;
}

void Writer::separate() {
    if (need_comma_) out_ += ',';
    need_comma_ = true;
}

Writer& Writer::begin_object() {
    separate();
    out_ += '{';
    need_comma_ = false;
    return *this;
}

Writer& Writer::end_object() {
    out_ += '}';
    need_comma_ = true;
    return *this;
}

Writer& Writer::begin_array() {
    separate();
    out_ += '[';
    need_comma_ = false;
    return *this;
}

Writer& Writer::end_array() {
    out_ += ']';
    need_comma_ = true;
    return *this;
}

Writer& Writer::key(const char* k) {
    string(k);
    out_ += ':';
    need_comma_ = false;
    return *this;
}

Writer& Writer::field(const char* k, std::string_view s) { return key(k).string(s); }
Writer& Writer::field(const char* k, const char* s) { return key(k).string(s); }
Writer& Writer::field(const char* k, std::int64_t n) { return key(k).integer(n); }
Writer& Writer::field(const char* k, bool b) { return key(k).boolean(b); }
Writer& Writer::object(const char* k) { return key(k).begin_object(); }
Writer& Writer::array(const char* k) { return key(k).begin_array(); }

Writer& Writer::string(std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    separate();
    out_ += '"';
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out_ += '\\';
            out_ += ch;
        } else if (c == '\n') {
            out_ += "\\n";
        } else if (c < 0x20 || c == 0x7F) {
            out_ += "\\u00";
            out_ += kHex[c >> 4];
            out_ += kHex[c & 0xF];
        } else {
            out_ += ch;
        }
    }
    out_ += '"';
    return *this;
}

Writer& Writer::integer(std::int64_t n) {
    separate();
    char buf[24];
    int len = 0;
    // Work on the magnitude as unsigned so INT64_MIN does not overflow.
    std::uint64_t u = n < 0 ? 0 - static_cast<std::uint64_t>(n) : static_cast<std::uint64_t>(n);
    do {
        buf[len++] = static_cast<char>('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (n < 0) out_ += '-';
    while (len > 0) out_ += buf[--len];
    return *this;
}

Writer& Writer::number(double n) {
    if (!std::isfinite(n)) return null();
    if (std::fabs(n) < 9.0e15 && n == std::floor(n)) return integer(static_cast<std::int64_t>(n));
    // Three decimals are plenty for the figures the core echoes (downlink in Mb/s, say); avoids printf.
    const bool negative = n < 0;
    const double scaled = std::floor(std::fabs(n) * 1000 + 0.5);
    if (scaled >= 9.0e15) return integer(static_cast<std::int64_t>(n));
    const auto milli = static_cast<std::int64_t>(scaled);
    separate();
    if (negative) out_ += '-';
    need_comma_ = false;
    integer(milli / 1000);
    std::int64_t frac = milli % 1000;
    if (frac != 0) {
        out_ += '.';
        const char digits[3] = {static_cast<char>('0' + frac / 100), static_cast<char>('0' + frac / 10 % 10),
                                static_cast<char>('0' + frac % 10)};
        int last = 2;
        while (last > 0 && digits[last] == '0') --last;
        out_.append(digits, static_cast<std::size_t>(last + 1));
    }
    return *this;
}

Writer& Writer::boolean(bool b) {
    separate();
    out_ += b ? "true" : "false";
    return *this;
}

Writer& Writer::null() {
    separate();
    out_ += "null";
    return *this;
}

Writer& Writer::raw(std::string_view json) {
    separate();
    out_ += json;
    return *this;
}

}  // namespace nv::json
