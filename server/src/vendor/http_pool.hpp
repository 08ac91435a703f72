// The connections to one vendor host: kept alive and reused from a small pool (one cpp-httplib client runs one
// request at a time), certificate verification always on (the system CA bundle, or a configured CA file), and
// every failure reported by kind (UpstreamReply::transport). There is no retry: once a request may have reached
// the vendor, a second one could bill twice.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "rules/outcome.hpp"

namespace httplib {
class Client;
}

namespace nv::server {

class HttpPool {
public:
    using Headers = std::vector<std::pair<std::string, std::string>>;

    // `url` is the vendor's base (scheme, host, port); `configure` adds what every request of this vendor carries
    // (Jiguang: Basic auth). Up to `max_idle` connections are kept open for reuse.
    HttpPool(UpstreamSettings settings, UrlParts url, std::size_t max_idle,
             std::function<void(httplib::Client&)> configure = {});
    ~HttpPool();
    HttpPool(const HttpPool&) = delete;
    HttpPool& operator=(const HttpPool&) = delete;

    // POST `path_and_query` with `body` of `content_type` and the extra `headers`.
    UpstreamReply post(const std::string& path_and_query, const std::string& body, const std::string& content_type,
                       const Headers& headers = {});

    const UrlParts& url() const { return url_; }

private:
    std::unique_ptr<httplib::Client> make_client() const;

    UpstreamSettings settings_;
    UrlParts url_;
    std::size_t max_idle_;
    std::function<void(httplib::Client&)> configure_;
    std::mutex mu_;
    std::vector<std::unique_ptr<httplib::Client>> idle_;
};

}  // namespace nv::server
