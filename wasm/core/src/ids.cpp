#include "ids.hpp"

namespace nv::detail {

std::string_view nth_id(const char* packed, std::size_t index) {
    for (;;) {
        std::size_t n = 0;
        while (packed[n] != '\0') ++n;
        if (index-- == 0) return {packed, n};
        packed += n + 1;
    }
}

std::size_t id_index(const char* packed, std::size_t count, std::string_view id) {
    std::size_t i = 0;
    while (i < count && nth_id(packed, i) != id) ++i;
    return i;
}

}  // namespace nv::detail
