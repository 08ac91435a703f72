// One row of a message table (reasons, advice): an id with its zh-CN and en messages.
//
// The page's build of the module (NV_EXTERNAL_MESSAGES, docs/wasm-size.md) carries no message text: a row is the
// key "\2\1" + id, the en message is the whole key and the zh-CN one the key without its first byte, and the web
// package's loader puts the text in their place from dist/nv-messages.<locale>.json, which web/build.mjs writes
// from the full build's describe({list}). So the tables in reasons.hpp and environment.cpp stay the only source
// of every message.
#pragma once

#include <string_view>

#include "nv/reasons.hpp"

namespace nv::detail {

#ifdef NV_EXTERNAL_MESSAGES
struct MessageRow {
    std::string_view key;
    [[nodiscard]] constexpr std::string_view id() const { return key.substr(2); }
    [[nodiscard]] constexpr std::string_view message(Locale locale) const {
        return locale == Locale::ZhCN ? key.substr(1) : key;
    }
};
// id is a string literal
#define NV_MESSAGE_ROW(id, zh, en) ::nv::detail::MessageRow{"\2\1" id},
#else
struct MessageRow {
    std::string_view id_;
    std::string_view zh;
    std::string_view en;
    [[nodiscard]] constexpr std::string_view id() const { return id_; }
    [[nodiscard]] constexpr std::string_view message(Locale locale) const { return locale == Locale::ZhCN ? zh : en; }
};
#define NV_MESSAGE_ROW(id, zh, en) ::nv::detail::MessageRow{id, zh, en},
#endif

}  // namespace nv::detail
