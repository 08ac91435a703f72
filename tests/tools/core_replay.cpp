// Prints every answer of the native core to tests/fixtures/core_cases.json as a JSON array of strings, in order.
// tests/wasm/core.test.mjs runs the same calls against the wasm build and compares answer by answer.
#include <iostream>

#include "../support/fixtures.hpp"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: core_replay FIXTURES.json\n";
        return 2;
    }
    try {
        const auto doc = nv::test::load_fixtures(argv[1]);
        nv::Engine engine;
        nlohmann::json out = nlohmann::json::array();
        for (const auto& call : nv::test::run_all(doc, engine)) out.push_back(call.output);
        std::cout << out.dump() << '\n';
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "core_replay: " << e.what() << '\n';
        return 1;
    }
}
