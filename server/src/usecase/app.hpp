// The application the HTTP edge serves: its settings and the adapters it was given (store, vendor client,
// metrics, SMS sender, keys, clock). Routes only translate between HTTP and these.
#pragma once

#include <cstdint>
#include <functional>

#include "base/metrics.hpp"
#include "config/config.hpp"
#include "usecase/assertions.hpp"
#include "store/store.hpp"
#include "vendor/sms_sender.hpp"
#include "vendor/jiguang.hpp"
#include "vendor/vendor.hpp"

namespace nv::server {

struct App {
    const ServerConfig& config;
    Store& store;
    UpstreamClient& upstream;  // Jiguang's REST client (business risk, the SMS-pumping check)
    Vendors& vendors;          // every configured vendor behind the port, in order
    Metrics& metrics;
    SmsSender& sms;
    const KeyRing& keys;
    std::function<std::int64_t()> now_ms;  // Unix time in ms (injected so tests can move the clock)
};

}  // namespace nv::server
