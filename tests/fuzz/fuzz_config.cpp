// libFuzzer: the --config file (apply_config_json): any bytes. Invariants: never crashes; an accepted document
// leaves every setting inside its documented range.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "config/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    nv::server::ServerConfig c;
    const std::string error = nv::server::apply_config_json(std::string(reinterpret_cast<const char*>(data), size), c);
    if (error.empty()) {
        if (c.port < 0 || c.port > 65535 || c.threads < 1 || c.threads > 1024) std::abort();
        if (c.max_body_bytes < 256 || c.quotas.number_daily < 0 || c.quotas.ip_window_ms < 1000) std::abort();
        if (c.read_timeout_sec < 1 || c.upstream.api_version < 1 || c.upstream.api_version > 2) std::abort();
    }
    return 0;
}
