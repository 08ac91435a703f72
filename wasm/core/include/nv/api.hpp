// The core's JSON boundary: every function takes one JSON document and returns one.
//
// This is what the wasm module exports (wasm/bindings wraps each method in an `extern "C"` function) and what
// the native fixture tests call, so the table of cases in tests/fixtures/core_cases.json exercises the very same
// code path in both builds. Every answer is an object with `ok`: `{"ok":true, ...}` or
// `{"ok":false,"error":{"code","message","field"?}}` for misuse (bad JSON, bad UTF-8, unknown or mistyped
// fields, negative or backward timestamps, unknown flow). Nothing here throws, traps or aborts; every input is
// bounded (kMaxInputBytes). The document shapes are specified in docs/core-api.md.
#pragma once

#include <cstdint>
#include <array>
#include <array>
#include <array>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "nv/flow.hpp"
#include "nv/string.hpp"

namespace nv {

inline constexpr std::size_t kMaxInputBytes = 64 * 1024;
inline constexpr std::size_t kMaxFlows = 64;
inline constexpr std::string_view kVersion = "0.1.0";

class Engine {
public:
    String phone(std::string_view input);        // {input, locale?}
    String environment(std::string_view input);  // {signals..., locale?}
    String describe(std::string_view input);     // {vendor} | {sdk} | {reason} | {carrier, code} | {advice} | {list}
    String info(std::string_view input);         // {locale?}: carriers, defaults, version
    String flow_create(std::string_view input);  // FlowConfig fields + locale
    String flow_step(std::int32_t flow, std::string_view event);
    String flow_destroy(std::int32_t flow);
    // Every reason's id in the order of reasons.hpp, then every advice's, then the carriers' texts':
    // "OK,PHONE_EMPTY,...,use_sms,CARRIER_CM,...,AGREEMENT_URL_CT". The per-locale message tables
    // (dist/nv-messages.<locale>.json) are arrays of texts in this order.
    static String message_ids();

    [[nodiscard]] std::size_t open_flows() const;

private:
    struct Slot {
        std::int32_t handle = 0;
        Locale locale = Locale::ZhCN;
        std::unique_ptr<Flow> flow;
    };
    Slot* find(std::int32_t handle);

    std::array<Slot, kMaxFlows> flows_;  // a free slot has no flow
    std::int32_t next_handle_ = 1;
};

}  // namespace nv
