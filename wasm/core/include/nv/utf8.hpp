// UTF-8, strictly: the JSON reader and the phone-number parser both refuse what is not well-formed text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "nv/string.hpp"

namespace nv {

// Decodes the sequence at s[i] into `cp` and returns its length, or 0 when it is malformed: truncated, overlong,
// a surrogate, or above U+10FFFF.
std::size_t decode_utf8(std::string_view s, std::size_t i, std::uint32_t& cp);

void append_utf8(String& out, std::uint32_t cp);

// True when all of `s` is well-formed UTF-8.
bool valid_utf8(std::string_view s);

}  // namespace nv
