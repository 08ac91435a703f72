#include "nv/string.hpp"

#include <cstdlib>
#include <cstring>

namespace nv {

LeanString::~LeanString() { std::free(p_); }

LeanString& LeanString::operator=(LeanString&& other) noexcept {
    if (this != &other) {
        std::free(p_);
        p_ = other.p_;
        n_ = other.n_;
        cap_ = other.cap_;
        other.p_ = nullptr;
        other.n_ = other.cap_ = 0;
    }
    return *this;
}

LeanString& LeanString::assign(std::string_view s) {
    n_ = 0;  // `s` may be (part of) this string: append moves it to the front
    return append(s);
}

void LeanString::reserve(std::size_t n) {
    if (n + 1 <= cap_) return;
    auto* p = static_cast<char*>(std::realloc(p_, n + 1));
    if (p == nullptr) __builtin_trap();
    if (p_ == nullptr) p[0] = '\0';
    p_ = p;
    cap_ = n + 1;
}

LeanString& LeanString::append(const char* s, std::size_t n) {
    if (n_ + n + 1 > cap_) {
        // `s` may point into this string: it is copied from the new block's old bytes, which realloc kept.
        const bool inside = p_ != nullptr && s >= p_ && s < p_ + n_;
        const std::size_t offset = inside ? static_cast<std::size_t>(s - p_) : 0;
        reserve(n_ + n > cap_ * 2 + 15 ? n_ + n : cap_ * 2 + 15);
        if (inside) s = p_ + offset;
    }
    std::memmove(p_ + n_, s, n);
    n_ += n;
    p_[n_] = '\0';
    return *this;
}

LeanString& LeanString::append(std::size_t count, char c) {
    while (count-- > 0) *this += c;
    return *this;
}

}  // namespace nv
