#include "nv/json.hpp"

#include <cmath>
#include <utility>

namespace nv::json {

Value Value::make_bool(bool b) {
    Value v;
    v.type_ = Type::Bool;
    v.bool_ = b;
    return v;
}

Value Value::make_number(double n) {
    Value v;
    v.type_ = Type::Number;
    v.number_ = n;
    return v;
}

Value Value::make_string(std::string s) {
    Value v;
    v.type_ = Type::String;
    v.string_ = std::move(s);
    return v;
}

Value Value::make_array() {
    Value v;
    v.type_ = Type::Array;
    return v;
}

Value Value::make_object() {
    Value v;
    v.type_ = Type::Object;
    return v;
}

const Value* Value::find(std::string_view key) const {
    for (const auto& m : members_) {
        if (m.key == key) return &m.value;
    }
    return nullptr;
}

void Value::push(Value v) { items_.push_back(std::move(v)); }

void Value::set(std::string key, Value v) { members_.push_back(Member{std::move(key), std::move(v)}); }

namespace {

// Length of the UTF-8 sequence starting at s[i], or 0 when it is malformed.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) return 1;
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if ((b0 & 0xE0) == 0xC0) {
        len = 2;
        cp = b0 & 0x1Fu;
    } else if ((b0 & 0xF0) == 0xE0) {
        len = 3;
        cp = b0 & 0x0Fu;
    } else if ((b0 & 0xF8) == 0xF0) {
        len = 4;
        cp = b0 & 0x07u;
    } else {
        return 0;
    }
    if (i + len > s.size()) return 0;
    for (std::size_t k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (b & 0x3Fu);
    }
    static constexpr std::uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

class Parser {
public:
    explicit Parser(std::string_view s) : s_(s) {}

    ParseResult run() {
        ParseResult r;
        skip_ws();
        if (!value(r.value, 0)) {
            r.error = error_;
            r.offset = pos_;
            r.value = Value{};
            return r;
        }
        skip_ws();
        if (pos_ != s_.size()) {
            r.error = ParseError::Syntax;
            r.offset = pos_;
            r.value = Value{};
        }
        return r;
    }

private:
    bool fail(ParseError e) {
        if (error_ == ParseError::None) error_ = e;
        return false;
    }

    void skip_ws() {
        while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
            ++pos_;
        }
    }

    bool literal(std::string_view word) {
        if (s_.substr(pos_, word.size()) != word) return fail(ParseError::Syntax);
        pos_ += word.size();
        return true;
    }

    bool value(Value& out, std::size_t depth) {
        if (depth >= kMaxDepth) return fail(ParseError::TooDeep);
        if (pos_ >= s_.size()) return fail(ParseError::Syntax);
        switch (s_[pos_]) {
            case 'n':
                out = Value{};
                return literal("null");
            case 't':
                out = Value::make_bool(true);
                return literal("true");
            case 'f':
                out = Value::make_bool(false);
                return literal("false");
            case '"': {
                std::string str;
                if (!string(str)) return false;
                out = Value::make_string(std::move(str));
                return true;
            }
            case '[':
                return array(out, depth);
            case '{':
                return object(out, depth);
            default:
                return number(out);
        }
    }

    bool array(Value& out, std::size_t depth) {
        out = Value::make_array();
        ++pos_;  // '['
        skip_ws();
        if (pos_ < s_.size() && s_[pos_] == ']') {
            ++pos_;
            return true;
        }
        for (;;) {
            Value item;
            skip_ws();
            if (!value(item, depth + 1)) return false;
            out.push(std::move(item));
            skip_ws();
            if (pos_ >= s_.size()) return fail(ParseError::Syntax);
            if (s_[pos_] == ',') {
                ++pos_;
                continue;
            }
            if (s_[pos_] == ']') {
                ++pos_;
                return true;
            }
            return fail(ParseError::Syntax);
        }
    }

    bool object(Value& out, std::size_t depth) {
        out = Value::make_object();
        ++pos_;  // '{'
        skip_ws();
        if (pos_ < s_.size() && s_[pos_] == '}') {
            ++pos_;
            return true;
        }
        for (;;) {
            skip_ws();
            if (pos_ >= s_.size() || s_[pos_] != '"') return fail(ParseError::Syntax);
            const std::size_t key_at = pos_;
            std::string key;
            if (!string(key)) return false;
            if (out.find(key) != nullptr) {
                pos_ = key_at;
                return fail(ParseError::DuplicateKey);
            }
            skip_ws();
            if (pos_ >= s_.size() || s_[pos_] != ':') return fail(ParseError::Syntax);
            ++pos_;
            skip_ws();
            Value item;
            if (!value(item, depth + 1)) return false;
            out.set(std::move(key), std::move(item));
            skip_ws();
            if (pos_ >= s_.size()) return fail(ParseError::Syntax);
            if (s_[pos_] == ',') {
                ++pos_;
                continue;
            }
            if (s_[pos_] == '}') {
                ++pos_;
                return true;
            }
            return fail(ParseError::Syntax);
        }
    }

    bool hex4(std::uint32_t& cp) {
        if (pos_ + 4 > s_.size()) return fail(ParseError::Syntax);
        cp = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = s_[pos_++];
            cp <<= 4;
            if (c >= '0' && c <= '9') {
                cp |= static_cast<std::uint32_t>(c - '0');
            } else if (c >= 'a' && c <= 'f') {
                cp |= static_cast<std::uint32_t>(c - 'a' + 10);
            } else if (c >= 'A' && c <= 'F') {
                cp |= static_cast<std::uint32_t>(c - 'A' + 10);
            } else {
                return fail(ParseError::Syntax);
            }
        }
        return true;
    }

    bool string(std::string& out) {
        ++pos_;  // opening quote
        while (pos_ < s_.size()) {
            const auto c = static_cast<unsigned char>(s_[pos_]);
            if (c == '"') {
                ++pos_;
                return true;
            }
            if (c < 0x20) return fail(ParseError::Syntax);
            if (c == '\\') {
                if (++pos_ >= s_.size()) return fail(ParseError::Syntax);
                const char e = s_[pos_++];
                switch (e) {
                    case '"': out += '"'; break;
                    case '\\': out += '\\'; break;
                    case '/': out += '/'; break;
                    case 'b': out += '\b'; break;
                    case 'f': out += '\f'; break;
                    case 'n': out += '\n'; break;
                    case 'r': out += '\r'; break;
                    case 't': out += '\t'; break;
                    case 'u': {
                        std::uint32_t cp = 0;
                        if (!hex4(cp)) return false;
                        if (cp >= 0xDC00 && cp <= 0xDFFF) return fail(ParseError::BadUtf8);
                        if (cp >= 0xD800 && cp <= 0xDBFF) {
                            std::uint32_t lo = 0;
                            if (s_.substr(pos_, 2) != "\\u") return fail(ParseError::BadUtf8);
                            pos_ += 2;
                            if (!hex4(lo)) return false;
                            if (lo < 0xDC00 || lo > 0xDFFF) return fail(ParseError::BadUtf8);
                            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                        }
                        append_utf8(out, cp);
                        break;
                    }
                    default:
                        --pos_;
                        return fail(ParseError::Syntax);
                }
                continue;
            }
            const std::size_t len = utf8_sequence(s_, pos_);
            if (len == 0) return fail(ParseError::BadUtf8);
            out.append(s_.substr(pos_, len));
            pos_ += len;
        }
        return fail(ParseError::Syntax);
    }

    static bool digit(char c) { return c >= '0' && c <= '9'; }

    bool number(Value& out) {
        const std::size_t start = pos_;
        bool negative = false;
        if (s_[pos_] == '-') {
            negative = true;
            ++pos_;
        }
        if (pos_ >= s_.size() || !digit(s_[pos_])) return fail(ParseError::Syntax);
        double mantissa = 0;
        int exponent = 0;
        if (s_[pos_] == '0') {
            ++pos_;
        } else {
            while (pos_ < s_.size() && digit(s_[pos_])) {
                mantissa = mantissa * 10 + (s_[pos_] - '0');
                ++pos_;
            }
        }
        if (pos_ < s_.size() && s_[pos_] == '.') {
            ++pos_;
            if (pos_ >= s_.size() || !digit(s_[pos_])) return fail(ParseError::Syntax);
            while (pos_ < s_.size() && digit(s_[pos_])) {
                mantissa = mantissa * 10 + (s_[pos_] - '0');
                --exponent;
                ++pos_;
            }
        }
        if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
            ++pos_;
            bool exp_negative = false;
            if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) {
                exp_negative = s_[pos_] == '-';
                ++pos_;
            }
            if (pos_ >= s_.size() || !digit(s_[pos_])) return fail(ParseError::Syntax);
            int e = 0;
            while (pos_ < s_.size() && digit(s_[pos_])) {
                if (e < 100000) e = e * 10 + (s_[pos_] - '0');
                ++pos_;
            }
            exponent += exp_negative ? -e : e;
        }
        double v = mantissa;
        if (exponent != 0 && v != 0) v *= std::pow(10.0, exponent);
        if (!std::isfinite(v)) {
            pos_ = start;
            return fail(ParseError::Syntax);
        }
        out = Value::make_number(negative ? -v : v);
        return true;
    }

    std::string_view s_;
    std::size_t pos_ = 0;
    ParseError error_ = ParseError::None;
};

}  // namespace

ParseResult parse(std::string_view text, std::size_t max_bytes) {
    if (text.size() > max_bytes) {
        ParseResult r;
        r.error = ParseError::TooLarge;
        r.offset = max_bytes;
        return r;
    }
    return Parser(text).run();
}

bool valid_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t len = utf8_sequence(s, i);
        if (len == 0) return false;
        i += len;
    }
    return true;
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

Writer& Writer::key(std::string_view k) {
    string(k);
    out_ += ':';
    need_comma_ = false;
    return *this;
}

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
