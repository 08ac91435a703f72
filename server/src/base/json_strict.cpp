#include "base/json_strict.hpp"

#include <unordered_set>
#include <vector>

namespace nv::server {

StrictJson parse_json_strict(std::string_view text) {
    using json = nlohmann::json;
    StrictJson out;
    // One set of seen keys per open object; arrays open no set (their elements' objects open their own).
    std::vector<std::unordered_set<std::string>> open;
    auto watch = [&](int, json::parse_event_t event, json& parsed) {
        switch (event) {
            case json::parse_event_t::object_start: open.emplace_back(); break;
            case json::parse_event_t::object_end:
                if (!open.empty()) open.pop_back();
                break;
            case json::parse_event_t::key:
                if (!open.empty() && !open.back().insert(parsed.get<std::string>()).second &&
                    out.duplicate_key.empty()) {
                    out.duplicate_key = parsed.get<std::string>();
                }
                break;
            default: break;
        }
        return true;
    };
    out.value = json::parse(text.begin(), text.end(), watch, /*allow_exceptions=*/false);
    out.ok = !out.value.is_discarded() && out.duplicate_key.empty();
    if (!out.ok) out.value = json(json::value_t::discarded);
    return out;
}

}  // namespace nv::server
