// Calendar days in China Standard Time (Asia/Shanghai, UTC+8 all year: China has had no daylight saving time
// since 1991). The vendor's daily limits and its bill count calendar days there, so ours do too.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nv::server {

inline constexpr std::int64_t kDayMs = 86'400'000;
inline constexpr std::int64_t kShanghaiOffsetMs = 8 * 3'600'000;

// Days since 1970-01-01 in Asia/Shanghai for a Unix time in milliseconds.
std::int64_t shanghai_day(std::int64_t epoch_ms);

// Milliseconds from `epoch_ms` to the next Asia/Shanghai midnight (1..kDayMs).
std::int64_t ms_until_next_day(std::int64_t epoch_ms);

// "2026-11-23" for a day number, and back. parse_day refuses anything but a real YYYY-MM-DD date.
std::string day_string(std::int64_t day);
std::optional<std::int64_t> parse_day(std::string_view text);

}  // namespace nv::server
