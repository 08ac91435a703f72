// What a use case answers, in the product's terms, for the HTTP edge to write out in the request's locale
// (http_util.hpp, send_answer): an error (status, reason, retryAfterSec, and the answer's other members), or a
// result (status, its members, and the reason whose id and message become `code` and `message`; Reason::OK for
// none). Use cases never see HTTP; handlers only decode a request and send what the use case answered.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>

#include "nv/reasons.hpp"

namespace nv::server {

struct Answer {
    int status = 200;
    bool is_error = false;
    Reason reason = Reason::OK;
    std::optional<std::int64_t> retry_after_sec;
    nlohmann::json body = nlohmann::json::object();
};

inline Answer error_answer(int status, Reason reason, nlohmann::json body = nlohmann::json::object(),
                           std::optional<std::int64_t> retry_after_sec = std::nullopt) {
    return Answer{status, true, reason, retry_after_sec, std::move(body)};
}

}  // namespace nv::server
