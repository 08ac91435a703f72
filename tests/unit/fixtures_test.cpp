// The shared table of cases (tests/fixtures/core_cases.json) against the native build.
#include <catch2/catch.hpp>

#include "../support/fixtures.hpp"

namespace {

void check_group(const std::string& group) {
    const auto doc = nv::test::load_fixtures(NV_FIXTURES);
    nv::Engine engine;
    const auto calls = nv::test::run_all(doc, engine, group);
    REQUIRE(!calls.empty());
    int checked = 0;
    for (const auto& call : calls) {
        if (call.expected.is_null()) continue;
        const auto actual = nlohmann::json::parse(call.output, nullptr, false);
        REQUIRE_FALSE(actual.is_discarded());
        const std::string problem = nv::test::mismatch(call.expected, actual);
        INFO(call.name << "\n  answer: " << call.output);
        CHECK(problem == "");
        ++checked;
    }
    CHECK(checked > 0);
    CHECK(engine.open_flows() == 0);
}

}  // namespace

TEST_CASE("fixtures: phone numbers", "[fixtures]") { check_group("phone"); }
TEST_CASE("fixtures: environment verdicts", "[fixtures]") { check_group("environment"); }
TEST_CASE("fixtures: code descriptions", "[fixtures]") { check_group("describe"); }
TEST_CASE("fixtures: info", "[fixtures]") { check_group("info"); }
TEST_CASE("fixtures: token flows", "[fixtures]") { check_group("flows"); }
TEST_CASE("fixtures: bad input to every function", "[fixtures]") { check_group("bad_input"); }
