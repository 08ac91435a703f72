// JSON from outside the process (request bodies, the vendor's answers, the config file), parsed without
// exceptions and refusing an object that names a key twice. nlohmann/json would silently keep the last value,
// while another parser on the way (a WAF, a log pipeline, the vendor's own) may keep the first: one body would
// mean two things to two parsers, which is how smuggling attacks work. RFC 8259 leaves duplicates undefined.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace nv::server {

struct StrictJson {
    nlohmann::json value;  // the document when ok; discarded otherwise
    bool ok = false;
    std::string duplicate_key;  // not ok because this key (the first one found) appears twice in one object
};

StrictJson parse_json_strict(std::string_view text);

}  // namespace nv::server
