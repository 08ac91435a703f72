// Alibaba Cloud's V3 request signature (ACS3-HMAC-SHA256), as the Aliyun adapter signs its calls and the sandbox
// checks them: the canonical request (method, path, sorted percent-encoded query, the signed headers, the body's
// SHA-256), its hash under "ACS3-HMAC-SHA256\n", and the HMAC-SHA256 of that with the AccessKey secret, sent as
//   Authorization: ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<a;b;c>,Signature=<hex>
// The signed headers are host, content-type and every x-acs-* header, lowercase and sorted. Tested against the
// published worked example and against the official Node SDK's signature of the same request.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nv::server::acs3 {

inline constexpr std::string_view kAlgorithm = "ACS3-HMAC-SHA256";

using Pairs = std::vector<std::pair<std::string, std::string>>;

// RFC 3986: A-Z a-z 0-9 - _ . ~ stay, every other byte becomes %XX (upper-case hex).
std::string percent_encode(std::string_view s);

// name=value pairs, each percent-encoded, sorted by name (then value), joined by "&".
std::string canonical_query(const Pairs& query);

struct Request {
    std::string method = "POST";
    std::string path = "/";
    Pairs query;    // decoded names and values
    Pairs headers;  // any case; only the signed ones count
    std::string body;
};

// The signed header names of `r` (lowercase, sorted, ";"-joined): host, content-type and x-acs-*.
std::string signed_header_names(const Request& r);

// The canonical request over the headers named in `signed_headers` (";"-joined, lowercase), with `hashed_payload`
// the body's lowercase hex SHA-256.
std::string canonical_request(const Request& r, std::string_view signed_headers, std::string_view hashed_payload);

std::string string_to_sign(std::string_view canonical_request);
std::string signature(std::string_view secret, std::string_view string_to_sign);

// Adds x-acs-content-sha256 (the body's hash) and Authorization to `r.headers`; the other x-acs-* headers (action,
// version, date, nonce) and host must be there already. Returns the Authorization value.
std::string sign(Request& r, std::string_view access_key_id, std::string_view secret);

struct Authorization {
    std::string access_key_id;
    std::string signed_headers;
    std::string signature;
};
std::optional<Authorization> parse_authorization(std::string_view value);

// x-acs-date: UTC, yyyy-MM-ddTHH:mm:ssZ.
std::string format_date(std::int64_t unix_ms);
std::optional<std::int64_t> parse_date(std::string_view text);  // Unix ms

}  // namespace nv::server::acs3
