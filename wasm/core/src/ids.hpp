// Enum ids as one NUL-separated string per enum ("idle\0prefetching\0...") instead of a table of pointers: a
// table entry costs the module a pointer and, at each use, a length computation; the packed form costs neither
// (docs/wasm-size.md). Every id is NUL-terminated, so `.data()` is a C string.
#pragma once

#include <cstddef>
#include <string_view>

namespace nv::detail {

// The `index`-th id of `packed`; the caller passes an index the enum guarantees to be in range.
std::string_view nth_id(const char* packed, std::size_t index);
// The index of `id` in `packed`, or `count` (the number of ids) when it is not there.
std::size_t id_index(const char* packed, std::size_t count, std::string_view id);

}  // namespace nv::detail
