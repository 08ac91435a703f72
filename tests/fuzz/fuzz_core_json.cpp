// libFuzzer: the core's JSON boundary, as the page drives it: the environment signal parser
// (Engine::environment), phone and describe requests, and a flow fed one fuzzed event after a valid start (one
// that asks the server first, or not).
// Invariants: never crashes, always answers one JSON object (ok:true or an error with a known reason id), and
// never leaks a flow.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "nv/api.hpp"
#include "nv/reasons.hpp"

namespace {

void check(const std::string& answer) {
    const auto j = nlohmann::json::parse(answer, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("ok") || !j["ok"].is_boolean()) std::abort();
    if (!j["ok"].get<bool>()) {
        const auto& e = j["error"];
        if (!e.is_object() || !e["code"].is_string() || !nv::reason_from_id(e["code"].get<std::string>())) std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    nv::Engine engine;
    switch (data[0] % 4) {
        case 0: check(engine.environment(input)); break;
        case 1: check(engine.phone(input)); break;
        case 2: check(engine.describe(input)); break;
        default: {
            const std::string created = engine.flow_create("{}");
            check(created);
            const auto handle = nlohmann::json::parse(created)["flow"].get<std::int32_t>();
            // Bit 2 of the first byte: the attempt asks the server first (check), so the fuzzed event may answer it.
            check(engine.flow_step(handle, (data[0] & 4) != 0
                                               ? R"({"type":"start","now":0,"phone":"13800138000","consent":true,"check":true})"
                                               : R"({"type":"start","now":0,"phone":"13800138000","consent":true})"));
            check(engine.flow_step(handle, input));
            check(engine.flow_destroy(handle));
            if (engine.open_flows() != 0) std::abort();
        }
    }
    return 0;
}
