// The wasm module's exports: a thin `extern "C"` layer over nv::Engine, and nothing else.
//
// Each function takes a byte range (pointer + length, so non-UTF-8 bytes and embedded NULs reach the core's
// validation instead of being lost in a C string) and returns a NUL-terminated UTF-8 JSON document allocated with
// malloc; the caller frees it with nv_free. A null return means the module is out of memory. No function throws
// or aborts: the core reports every bad input as {"ok":false,"error":{...}}.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "nv/api.hpp"

namespace {

// The engine owns the open flows. It lives here, in the adapter, so the core itself keeps no global state.
nv::Engine& engine() {
    static nv::Engine instance;
    return instance;
}

std::string_view view(const char* p, std::size_t n) { return p == nullptr ? std::string_view{} : std::string_view{p, n}; }

char* to_heap(const nv::String& s) {
    auto* out = static_cast<char*>(std::malloc(s.size() + 1));
    if (out == nullptr) return nullptr;
    std::memcpy(out, s.data(), s.size());
    out[s.size()] = '\0';
    return out;
}

}  // namespace

#define NV_EXPORT extern "C" __attribute__((used, visibility("default")))

NV_EXPORT void* nv_alloc(std::size_t n) { return std::malloc(n == 0 ? 1 : n); }
NV_EXPORT void nv_free(void* p) { std::free(p); }

NV_EXPORT char* nv_phone(const char* p, std::size_t n) { return to_heap(engine().phone(view(p, n))); }
NV_EXPORT char* nv_environment(const char* p, std::size_t n) { return to_heap(engine().environment(view(p, n))); }
#ifndef NV_EXTERNAL_MESSAGES
// Not in the page's build (docs/wasm-size.md): the page reads messages and the carriers' texts from its locale's
// table instead.
NV_EXPORT char* nv_describe(const char* p, std::size_t n) { return to_heap(engine().describe(view(p, n))); }
NV_EXPORT char* nv_info(const char* p, std::size_t n) { return to_heap(engine().info(view(p, n))); }
#endif
NV_EXPORT char* nv_flow_create(const char* p, std::size_t n) { return to_heap(engine().flow_create(view(p, n))); }
NV_EXPORT char* nv_flow_step(std::int32_t flow, const char* p, std::size_t n) {
    return to_heap(engine().flow_step(flow, view(p, n)));
}
NV_EXPORT char* nv_flow_destroy(std::int32_t flow) { return to_heap(engine().flow_destroy(flow)); }
// Not JSON: the ids of the message tables' rows, comma-separated (the loader reads the tables with them).
NV_EXPORT char* nv_message_ids() { return to_heap(nv::Engine::message_ids()); }
