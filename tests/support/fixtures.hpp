// Runs tests/fixtures/core_cases.json through nv::Engine, in file order.
//
// Used by the Catch2 fixture test (pattern checks) and by core_replay (which prints every answer so the Node
// test can check that the wasm build answers byte for byte the same). The JS twin is tests/wasm/fixtures.mjs;
// both must issue the same calls in the same order.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nv/api.hpp"

namespace nv::test {

struct Call {
    std::string group;     // phone, environment, describe, info, flows, bad_input
    std::string name;      // the case's name (with the step number for flows)
    std::string output;    // the engine's answer, verbatim
    nlohmann::json expected;  // the pattern; null for calls that are not checked (flow_create, flow_destroy)
};

nlohmann::json load_fixtures(const std::string& path);

// Replaces "@name" strings by presets[name], recursively.
nlohmann::json resolve(const nlohmann::json& v, const nlohmann::json& presets);

// The raw bytes of a bad-input case ("raw", "rawHex" or "big").
std::string raw_input(const nlohmann::json& c);

std::vector<Call> run_all(const nlohmann::json& doc, Engine& engine, const std::string& only_group = {});

// Empty when `actual` matches `expected`; else a description of the first difference.
std::string mismatch(const nlohmann::json& expected, const nlohmann::json& actual, const std::string& path = "$");

}  // namespace nv::test
