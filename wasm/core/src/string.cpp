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

// Moves the bytes to a new block of at least `need` bytes and answers the old one, which the caller frees once it
// has read what it needed from it (append's `s` may point into this string).
char* LeanString::grow(std::size_t need) {
    char* old = p_;
    cap_ = need > cap_ * 2 + 15 ? need : cap_ * 2 + 15;
    p_ = static_cast<char*>(std::malloc(cap_));
    if (p_ == nullptr) __builtin_trap();
    if (old != nullptr) std::memcpy(p_, old, n_);  // null before the first block
    p_[n_] = '\0';
    return old;
}

void LeanString::reserve(std::size_t n) {
    if (n + 1 > cap_) std::free(grow(n + 1));
}

LeanString& LeanString::append(const char* s, std::size_t n) {
    char* old = n_ + n + 1 > cap_ ? grow(n_ + n + 1) : nullptr;
    // When `s` is (part of) this string it lies before p_ + n_, so the two ranges never overlap.
    std::memcpy(p_ + n_, s, n);
    std::free(old);
    n_ += n;
    p_[n_] = '\0';
    return *this;
}

LeanString& LeanString::append(std::size_t count, char c) {
    while (count-- > 0) *this += c;
    return *this;
}

}  // namespace nv
