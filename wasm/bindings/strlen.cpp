// The module's strlen: one byte at a time.
//
// musl's word-at-a-time strlen is 121 bytes of code; the core measures short constants (keys, ids) and the
// answers it hands to the loader, where the difference in speed does not show (as for memcpy.cpp).
#include <cstddef>

extern "C" __attribute__((no_builtin("strlen"))) std::size_t strlen(const char* s) {
    const char* p = s;
    while (*p != '\0') ++p;
    return static_cast<std::size_t>(p - s);
}
