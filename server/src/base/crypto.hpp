// The few cryptographic helpers the server needs, on OpenSSL: hashes for stored keys (phone numbers and tokens
// are never stored in clear), HMAC for request signatures (Aliyun's ACS3), random ids, Base64 for HTTP Basic auth, and a constant-time comparison for
// secrets.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace nv::server {

std::string sha256_hex(std::string_view data);
std::string sha256_bytes(std::string_view data);  // the 32-byte digest
std::string hmac_sha256_hex(std::string_view key, std::string_view data);  // lowercase hex
std::string random_hex(std::size_t bytes);  // from OpenSSL's CSPRNG
std::string base64_encode(std::string_view data);
std::optional<std::string> base64_decode(std::string_view text);
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace nv::server
