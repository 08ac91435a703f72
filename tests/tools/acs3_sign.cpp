// Signs one request with the server's V3 signer (server/src/vendor/acs3_signature.cpp), for the test that compares
// it with the official Alibaba Cloud SDK's signature of the same request. Reads JSON on stdin:
//   {"method", "path", "query": [[k, v], ...], "headers": [[k, v], ...], "body", "accessKeyId", "secret"}
// where headers are the request's (host and x-acs-* but x-acs-content-sha256, which the signer adds), and prints
//   {"authorization", "canonicalRequest", "stringToSign"}.
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "base/crypto.hpp"
#include "vendor/acs3_signature.hpp"

using namespace nv::server;

int main() {
    const std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    const nlohmann::json in = nlohmann::json::parse(input, nullptr, false);
    if (in.is_discarded() || !in.is_object()) {
        std::cerr << "acs3_sign: stdin is not a JSON object\n";
        return 2;
    }
    acs3::Request r;
    r.method = in.value("method", "POST");
    r.path = in.value("path", "/");
    r.body = in.value("body", "");
    for (const auto& kv : in.value("query", nlohmann::json::array())) r.query.emplace_back(kv[0], kv[1]);
    for (const auto& kv : in.value("headers", nlohmann::json::array())) r.headers.emplace_back(kv[0], kv[1]);
    const std::string auth = acs3::sign(r, in.value("accessKeyId", ""), in.value("secret", ""));
    const std::string canonical = acs3::canonical_request(r, acs3::signed_header_names(r), sha256_hex(r.body));
    std::cout << nlohmann::json{{"authorization", auth},
                                {"canonicalRequest", canonical},
                                {"stringToSign", acs3::string_to_sign(canonical)}}
                     .dump()
              << "\n";
    return 0;
}
