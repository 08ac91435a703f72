// The module's memcpy: one byte at a time.
//
// musl's word-at-a-time memcpy is 483 bytes of code, 159 B gzip of the page's download (docs/wasm-size.md); the
// core copies short strings and one input of at most nv::kMaxInputBytes per call, where the difference in speed
// does not show. `no_builtin` keeps the compiler from turning this loop back into a call to memcpy.
#include <cstddef>

extern "C" __attribute__((no_builtin("memcpy"))) void* memcpy(void* __restrict dst, const void* __restrict src,
                                                              std::size_t n) {
    auto* d = static_cast<unsigned char*>(dst);
    const auto* s = static_cast<const unsigned char*>(src);
    while (n-- != 0) *d++ = *s++;
    return dst;
}
