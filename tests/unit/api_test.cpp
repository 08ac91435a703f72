// The JSON boundary: never throws, never crashes, always answers an object with "ok".
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <random>

#include "nv/api.hpp"

using nlohmann::json;

namespace {

json call(nv::Engine& e, int fn, std::int32_t flow, const std::string& in) {
    std::string out;
    switch (fn) {
        case 0: out = e.phone(in); break;
        case 1: out = e.environment(in); break;
        case 2: out = e.describe(in); break;
        case 3: out = e.info(in); break;
        case 4: out = e.flow_create(in); break;
        case 5: out = e.flow_step(flow, in); break;
        default: out = e.flow_destroy(flow); break;
    }
    const json j = json::parse(out, nullptr, false);
    REQUIRE_FALSE(j.is_discarded());  // every answer is valid JSON ...
    REQUIRE(j.is_object());
    REQUIRE(j.contains("ok"));        // ... with an "ok"
    if (!j["ok"].get<bool>()) {
        REQUIRE(j["error"]["code"].is_string());
        REQUIRE_FALSE(j["error"]["message"].get<std::string>().empty());
    }
    return j;
}

}  // namespace

TEST_CASE("random bytes and mutated documents never break the boundary", "[api][robustness]") {
    std::mt19937 rng(20261123);  // fixed seed: a failure reproduces
    nv::Engine engine;
    const json created = call(engine, 4, 0, "{}");
    const auto flow = created["flow"].get<std::int32_t>();
    const std::string seeds[] = {
        R"({"input":"+86 138 0013 8000"})",
        R"js({"userAgent":"Mozilla/5.0 (iPhone)","connection":{"type":"cellular","effectiveType":"4g"},"bridge":{"network":"wifi","vpn":true}})js",
        R"({"type":"start","now":5,"phone":"13800138000","consent":true,"signals":{"connection":{"type":"cellular"}}})",
        R"({"type":"verify_result","now":9,"id":2,"status":200,"body":"{\"verified\":true,\"result\":\"consistent\"}"})",
        R"({"vendor":9001,"locale":"en"})",
    };
    for (int i = 0; i < 3000; ++i) {
        std::string in = seeds[static_cast<std::size_t>(i) % std::size(seeds)];
        const int edits = 1 + static_cast<int>(rng() % 6);
        for (int k = 0; k < edits && !in.empty(); ++k) {
            const std::size_t at = rng() % in.size();
            switch (rng() % 3) {
                case 0: in[at] = static_cast<char>(rng() % 256); break;
                case 1: in.erase(at, 1); break;
                default: in.insert(at, 1, static_cast<char>(rng() % 256)); break;
            }
        }
        for (int fn = 0; fn < 6; ++fn) call(engine, fn, flow, in);
    }
    CHECK(engine.open_flows() >= 1);
}

TEST_CASE("flows are bounded and destroyed handles stay dead", "[api]") {
    nv::Engine engine;
    std::vector<std::int32_t> handles;
    for (std::size_t i = 0; i < nv::kMaxFlows; ++i) {
        const json j = call(engine, 4, 0, "{}");
        REQUIRE(j["ok"].get<bool>());
        handles.push_back(j["flow"].get<std::int32_t>());
    }
    const json full = call(engine, 4, 0, "{}");
    CHECK(full["error"]["code"] == "TOO_MANY_FLOWS");
    CHECK(call(engine, 6, handles[3], "")["ok"].get<bool>());
    CHECK(call(engine, 6, handles[3], "")["error"]["code"] == "UNKNOWN_FLOW");
    CHECK(call(engine, 5, handles[3], R"({"type":"tick","now":1})")["error"]["code"] == "UNKNOWN_FLOW");
    const json again = call(engine, 4, 0, "{}");
    REQUIRE(again["ok"].get<bool>());
    CHECK(again["flow"].get<std::int32_t>() != handles[3]);  // handles are not reused
}

TEST_CASE("fractional timestamps from performance.now() are accepted", "[api]") {
    nv::Engine engine;
    const auto flow = call(engine, 4, 0, "{}")["flow"].get<std::int32_t>();
    const json j = call(engine, 5, flow,
                        R"({"type":"start","now":1234.567,"phone":"13800138000","consent":true,"signals":{"connection":{"type":"cellular"}}})");
    REQUIRE(j["ok"].get<bool>());
    CHECK(j["commands"][1]["at"] == 5234);
}

TEST_CASE("info lists the carriers and the defaults", "[api]") {
    nv::Engine engine;
    const json j = call(engine, 3, 0, "{}");
    REQUIRE(j["carriers"].size() == 3);
    CHECK(j["defaults"]["tokenTimeoutMs"] == 4000);
    CHECK(j["defaults"]["budgetMs"] == 8000);
    CHECK(j["version"] == std::string(nv::kVersion));
}

TEST_CASE("describe lists whole tables", "[api]") {
    nv::Engine engine;
    CHECK(call(engine, 2, 0, R"({"list":"vendor"})")["vendor"].size() == 20);
    CHECK(call(engine, 2, 0, R"({"list":"sdk"})")["sdk"].size() == 13);
    CHECK(call(engine, 2, 0, R"({"list":"reasons"})")["reasons"].size() == nv::reason_count());
    CHECK(call(engine, 2, 0, R"({"list":"advice"})")["advice"].size() == 5);
    CHECK(call(engine, 2, 0, R"({"list":"nope"})")["error"]["field"] == "list");
}

TEST_CASE("message_ids lists every reason in reasons.hpp order, then every advice, then the carriers' texts", "[api]") {
    const std::string ids = nv::Engine::message_ids();
    std::vector<std::string> list;
    for (std::size_t start = 0;;) {
        const std::size_t comma = ids.find(',', start);
        list.emplace_back(ids.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    const std::size_t advice = nv::reason_count();
    const std::size_t texts = advice + std::size(nv::kAdviceList);
    REQUIRE(list.size() == texts + nv::carrier_text_count());
    for (std::size_t i = 0; i < nv::reason_count(); ++i) CHECK(list[i] == nv::reason_id(nv::reason_at(i)));
    for (std::size_t i = 0; i < std::size(nv::kAdviceList); ++i) CHECK(list[advice + i] == nv::advice_id(nv::kAdviceList[i]));
    for (std::size_t i = 0; i < nv::carrier_text_count(); ++i) CHECK(list[texts + i] == nv::carrier_text_id(i));
    CHECK(list.front() == "OK");
    CHECK(list[texts - 1] == "use_sms");
    CHECK(list.back() == "AGREEMENT_URL_CT");
}

TEST_CASE("the carriers' texts: a name per carrier, then each operator's branding, agreement and link", "[api]") {
    using nv::Carrier;
    using nv::Operator;
    CHECK(nv::carrier_text_id(static_cast<std::size_t>(Carrier::CBN)) == "CARRIER_CBN");
    CHECK(nv::carrier_name(Carrier::Unknown).en == "Unknown carrier");
    CHECK(nv::carrier_name(Carrier::MVNO).zh == "虚拟运营商");
    for (const Operator op : nv::kOperators) {
        const auto& info = nv::operator_info(op);
        const std::string id(nv::operator_id(op));
        CHECK(nv::carrier_name(static_cast<Carrier>(op)).zh == info.name.zh);
        bool branding = false;
        bool agreement = false;
        bool url = false;
        for (std::size_t i = 0; i < nv::carrier_text_count(); ++i) {
            const auto text = nv::carrier_text(i);
            if (nv::carrier_text_id(i) == "BRANDING_" + id) branding = text.zh == info.branding.zh && text.en == info.branding.en;
            if (nv::carrier_text_id(i) == "AGREEMENT_" + id) agreement = text.en == info.agreement.en;
            if (nv::carrier_text_id(i) == "AGREEMENT_URL_" + id) url = text.zh == info.agreement_url && text.en == info.agreement_url;
        }
        CHECK(branding);
        CHECK(agreement);
        CHECK(url);
    }
}
