// Events and lookups shared by the token flow's tests (flow_test.cpp, login_flow_test.cpp). Events hold views:
// arguments must outlive the handle() call they are passed to (a full expression does).
#pragma once

#include <algorithm>
#include <string_view>

#include "nv/flow.hpp"

namespace nv::test {

// An Android phone's signals with NetInfo's `type` (cellular, wifi, ...).
inline EnvSignals network(const char* type) {
    EnvSignals s;
    s.user_agent = "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 Chrome/116 Mobile Safari/537.36";
    NetInfo n;
    n.type = type;
    n.effective_type = "4g";
    s.connection = n;
    s.on_line = true;
    return s;
}

inline Event token(std::int64_t now, std::uint32_t id, std::string_view value) {
    Event e;
    e.type = EventType::Token;
    e.now = now;
    e.id = id;
    e.token = value;
    return e;
}

inline Event token_error(std::int64_t now, std::uint32_t id, std::string_view code) {
    Event e;
    e.type = EventType::TokenError;
    e.now = now;
    e.id = id;
    e.code = code;
    return e;
}

inline Event tick(std::int64_t now) {
    Event e;
    e.type = EventType::Tick;
    e.now = now;
    return e;
}

inline const Command* find(const FlowOutput& out, CommandType type) {
    const auto it = std::find_if(out.commands.begin(), out.commands.end(),
                                 [&](const Command& c) { return c.type == type; });
    return it == out.commands.end() ? nullptr : &*it;
}

}  // namespace nv::test
