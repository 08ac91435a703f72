// libFuzzer: phone-number normalisation (nv::parse_phone), the code the browser and the server share.
// Invariants: never crashes; a valid number is 11 ASCII digits whose re-parse gives the same number; an invalid
// one carries a reason.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "nv/phone.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const nv::PhoneNumber p = nv::parse_phone(input);
    if (p.valid) {
        if (p.national.size() != 11) std::abort();
        for (char c : p.national) {
            if (c < '0' || c > '9') std::abort();
        }
        const nv::PhoneNumber again = nv::parse_phone(p.national);
        if (!again.valid || again.national != p.national) std::abort();
    } else if (p.reason == nv::Reason::OK) {
        std::abort();
    }
    return 0;
}
