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

}  // namespace nv::detail
