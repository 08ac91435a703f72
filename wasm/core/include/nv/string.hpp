// The core's owning string: std::string in native builds, nv::LeanString in the wasm builds.
//
// libc++'s std::string keeps short strings inline, so every access branches on which form it holds, and those
// branches are inlined wherever the core touches a string: 0.8 KB gzip of the page's module
// (docs/wasm-size.md). The core's strings are few and short-lived (an answer being written, a phone number, a
// token), so in WebAssembly a pointer, a size and a capacity are enough. Native builds keep std::string: the
// server and the tests hold the core's strings as std::string, and the tests that compare the native build with
// the wasm one byte for byte check that both behave alike. The core uses only what both types offer (the
// functions below); tests/unit/string_test.cpp tests LeanString natively.
#pragma once

#include <cstddef>
#include <string_view>
#include <utility>

#ifndef __EMSCRIPTEN__
#include <string>
#endif

namespace nv {

class LeanString {
public:
    LeanString() = default;
    LeanString(std::string_view s) { append(s); }  // NOLINT(google-explicit-constructor): as std::string
    LeanString(const char* s) : LeanString(std::string_view(s)) {}  // NOLINT(google-explicit-constructor)
    LeanString(const LeanString& other) : LeanString(std::string_view(other)) {}
    LeanString(LeanString&& other) noexcept : p_(other.p_), n_(other.n_), cap_(other.cap_) {
        other.p_ = nullptr;
        other.n_ = other.cap_ = 0;
    }
    ~LeanString();
    LeanString& operator=(const LeanString& other) { return assign(other); }
    LeanString& operator=(LeanString&& other) noexcept;
    LeanString& operator=(std::string_view s) { return assign(s); }
    LeanString& operator=(const char* s) { return assign(s); }

    LeanString& assign(std::string_view s);
    // Out of memory traps (the module's memory is capped): the loader answers CORE_FAILED, as it did when
    // libc++'s string aborted.
    LeanString& append(const char* s, std::size_t n);
    LeanString& append(std::string_view s) { return append(s.data(), s.size()); }
    LeanString& append(std::size_t count, char c);
    LeanString& operator+=(char c) { return append(&c, 1); }
    LeanString& operator+=(std::string_view s) { return append(s); }
    LeanString& operator+=(const char* s) { return append(std::string_view(s)); }
    void reserve(std::size_t n);
    void clear() { resize_down(0); }
    void pop_back() { resize_down(n_ - 1); }

    [[nodiscard]] std::size_t size() const { return n_; }
    [[nodiscard]] bool empty() const { return n_ == 0; }
    [[nodiscard]] const char* data() const { return p_ != nullptr ? p_ : ""; }  // NUL-terminated
    [[nodiscard]] char operator[](std::size_t i) const { return data()[i]; }
    [[nodiscard]] const char* begin() const { return data(); }
    [[nodiscard]] const char* end() const { return data() + n_; }
    operator std::string_view() const { return {data(), n_}; }  // NOLINT(google-explicit-constructor)

    friend bool operator==(const LeanString& a, std::string_view b) { return std::string_view(a) == b; }
    friend bool operator==(const LeanString& a, const char* b) { return std::string_view(a) == b; }
    friend LeanString operator+(LeanString a, std::string_view b) { return std::move(a.append(b)); }

private:
    char* grow(std::size_t need);
    void resize_down(std::size_t n) {
        n_ = n;
        if (p_ != nullptr) p_[n] = '\0';
    }
    char* p_ = nullptr;
    std::size_t n_ = 0;
    std::size_t cap_ = 0;  // bytes at p_, the terminating NUL included
};

#ifdef __EMSCRIPTEN__
using String = LeanString;
#else
using String = std::string;
#endif

}  // namespace nv
