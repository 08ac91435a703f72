#include "fixtures.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace nv::test {

using nlohmann::json;

json load_fixtures(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open fixtures: " + path);
    std::stringstream ss;
    ss << in.rdbuf();
    return json::parse(ss.str());
}

json resolve(const json& v, const json& presets) {
    if (v.is_string()) {
        const auto& s = v.get_ref<const std::string&>();
        if (!s.empty() && s[0] == '@' && presets.contains(s.substr(1))) return resolve(presets.at(s.substr(1)), presets);
        return v;
    }
    if (v.is_object()) {
        json out = json::object();
        for (auto it = v.begin(); it != v.end(); ++it) out[it.key()] = resolve(it.value(), presets);
        return out;
    }
    if (v.is_array()) {
        json out = json::array();
        for (const auto& item : v) out.push_back(resolve(item, presets));
        return out;
    }
    return v;
}

std::string raw_input(const json& c) {
    if (c.contains("raw")) return c.at("raw").get<std::string>();
    if (c.contains("rawHex")) {
        const auto hex = c.at("rawHex").get<std::string>();
        std::string bytes;
        for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
            bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
        }
        return bytes;
    }
    if (c.contains("big")) {
        const auto& b = c.at("big");
        std::string s = b.at("prefix").get<std::string>();
        const auto fill = b.at("fill").get<std::string>();
        for (int i = 0; i < b.at("count").get<int>(); ++i) s += fill;
        return s + b.at("suffix").get<std::string>();
    }
    return {};
}

namespace {

std::int32_t handle_of(const std::string& created) {
    const json j = json::parse(created);
    if (!j.value("ok", false)) throw std::runtime_error("flow_create failed: " + created);
    return j.at("flow").get<std::int32_t>();
}

}  // namespace

std::vector<Call> run_all(const json& doc, Engine& engine, const std::string& only_group) {
    const json& presets = doc.at("presets");
    std::vector<Call> calls;
    auto want = [&](const char* g) { return only_group.empty() || only_group == g; };

    if (want("phone")) {
        for (const auto& c : doc.at("phone")) {
            calls.push_back({"phone", c.at("name"), engine.phone(resolve(c.at("in"), presets).dump()), c.at("out")});
        }
    }
    if (want("environment")) {
        for (const auto& c : doc.at("environment")) {
            calls.push_back({"environment", c.at("name"), engine.environment(resolve(c.at("in"), presets).dump()),
                             c.at("out")});
        }
    }
    if (want("describe")) {
        for (const auto& c : doc.at("describe")) {
            calls.push_back({"describe", c.at("name"), engine.describe(resolve(c.at("in"), presets).dump()), c.at("out")});
        }
    }
    if (want("info")) {
        for (const auto& c : doc.at("info")) {
            calls.push_back({"info", c.at("name"), engine.info(resolve(c.at("in"), presets).dump()), c.at("out")});
        }
    }
    if (want("flows")) {
        for (const auto& f : doc.at("flows")) {
            const std::string name = f.at("name");
            const std::string created = engine.flow_create(f.value("config", json::object()).dump());
            calls.push_back({"flows", name + " (create)", created, json()});
            const std::int32_t h = handle_of(created);
            int n = 0;
            for (const auto& step : f.at("steps")) {
                ++n;
                calls.push_back({"flows", name + " #" + std::to_string(n),
                                 engine.flow_step(h, resolve(step.at("event"), presets).dump()), step.at("out")});
            }
            calls.push_back({"flows", name + " (destroy)", engine.flow_destroy(h), json()});
        }
    }
    if (want("bad_input")) {
        for (const auto& c : doc.at("bad_input")) {
            const std::string fn = c.at("fn");
            const std::string name = c.at("name");
            const std::string in = raw_input(c);
            std::string out;
            if (fn == "phone") {
                out = engine.phone(in);
            } else if (fn == "environment") {
                out = engine.environment(in);
            } else if (fn == "describe") {
                out = engine.describe(in);
            } else if (fn == "info") {
                out = engine.info(in);
            } else if (fn == "flow_create") {
                out = engine.flow_create(in);
                // A case that unexpectedly creates a flow must not leak it into the following cases.
                const json j = json::parse(out, nullptr, false);
                if (j.is_object() && j.value("ok", false)) engine.flow_destroy(j.at("flow").get<std::int32_t>());
            } else if (fn == "flow_step" || fn == "flow_destroy") {
                std::int32_t h = 0;
                const bool own = !c.contains("flow");
                if (own) {
                    const std::string created = engine.flow_create("{}");
                    calls.push_back({"bad_input", name + " (create)", created, json()});
                    h = handle_of(created);
                } else {
                    h = c.at("flow").get<std::int32_t>();
                }
                out = fn == "flow_step" ? engine.flow_step(h, in) : engine.flow_destroy(h);
                if (own) calls.push_back({"bad_input", name + " (destroy)", engine.flow_destroy(h), json()});
                calls.push_back({"bad_input", name, out, c.at("out")});
                continue;
            } else {
                throw std::runtime_error("unknown fn in fixtures: " + fn);
            }
            calls.push_back({"bad_input", name, out, c.at("out")});
        }
    }
    return calls;
}

std::string mismatch(const json& expected, const json& actual, const std::string& path) {
    if (expected.is_string() && expected.get<std::string>() == "$absent") {
        return actual.is_discarded() ? std::string{} : path + ": expected no value, got " + actual.dump();
    }
    if (actual.is_discarded()) return path + ": missing, expected " + expected.dump();
    if (expected.is_object()) {
        if (!actual.is_object()) return path + ": expected an object, got " + actual.dump();
        for (auto it = expected.begin(); it != expected.end(); ++it) {
            const json got = actual.contains(it.key()) ? actual.at(it.key()) : json(json::value_t::discarded);
            if (auto m = mismatch(it.value(), got, path + "." + it.key()); !m.empty()) return m;
        }
        return {};
    }
    if (expected.is_array()) {
        if (!actual.is_array() || actual.size() != expected.size()) {
            return path + ": expected " + expected.dump() + ", got " + actual.dump();
        }
        for (std::size_t i = 0; i < expected.size(); ++i) {
            if (auto m = mismatch(expected[i], actual[i], path + "[" + std::to_string(i) + "]"); !m.empty()) return m;
        }
        return {};
    }
    if (expected.is_number() && actual.is_number()) {
        return expected.get<double>() == actual.get<double>() ? std::string{}
                                                               : path + ": expected " + expected.dump() + ", got " + actual.dump();
    }
    return expected == actual ? std::string{} : path + ": expected " + expected.dump() + ", got " + actual.dump();
}

}  // namespace nv::test
