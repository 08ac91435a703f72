// The environment verdict: can carrier verification work in this browser right now?
//
// Carrier (gateway) verification only works for requests that leave the phone over its cellular data
// connection, so the page must know whether Wi-Fi is on, whether it is online at all, whether this is a phone,
// and whether it runs inside an in-app browser that blocks it. The driver collects what the browser exposes
// (Network Information API, navigator.onLine, user agent and client hints, WeChat's `NetType/` marker, a native
// bridge's report, a sandbox's simulated device) and this module decides:
//   - `unsupported` only on a definite negative (Wi-Fi on, offline, desktop, mini-program, VPN, not cellular);
//   - `supported` when some source positively says cellular;
//   - `unknown` otherwise (iOS Safari has no Network Information API): try with a short budget, then fall back.
// One advice tells the user what to do. Pure: the same signals always give the same verdict.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "nv/fixed_list.hpp"
#include "nv/reasons.hpp"

namespace nv {

enum class NetworkState : std::uint8_t { Cellular, Wifi, CellularWifi, Offline, Unknown };

std::string_view network_state_id(NetworkState n);  // "cellular", "wifi", "cellular+wifi", "offline", "unknown"
std::optional<NetworkState> network_state_from_id(std::string_view id);

// A report from something that knows better than the browser: the native app hosting an H5 view (bridge), or
// the sandbox's simulated device.
struct NetworkReport {
    NetworkState network = NetworkState::Unknown;
    bool vpn = false;
};

// navigator.connection, as far as the browser exposes it. Signals hold views: whoever builds them keeps the
// text alive while they are evaluated (the engine: its parsed input).
struct NetInfo {
    std::string_view type;            // "cellular", "wifi", "none", "ethernet", ...; empty when not exposed
    std::string_view effective_type;  // "slow-2g", "2g", "3g", "4g"; empty when not exposed
    double downlink = -1;        // Mb/s; negative when not exposed
    double downlink_max = -1;
    double rtt = -1;             // ms
    bool save_data = false;
};

struct EnvSignals {
    std::string_view user_agent;
    std::optional<bool> ua_mobile;      // navigator.userAgentData.mobile
    std::string_view ua_platform;       // navigator.userAgentData.platform
    int max_touch_points = -1;          // navigator.maxTouchPoints; -1 when unknown
    std::optional<bool> on_line;        // navigator.onLine
    std::optional<NetInfo> connection;  // absent: no Network Information API (iOS, Firefox, Safari)
    bool mini_program = false;          // window.__wxjs_environment === 'miniprogram' (or the like)
    std::optional<NetworkReport> bridge;
    std::optional<NetworkReport> sandbox;  // replaces the browser's network signals: a simulated device
};

enum class Verdict : std::uint8_t { Supported, Unsupported, Unknown };
enum class Advice : std::uint8_t { Proceed, TurnOffWifi, TurnOnMobileData, TurnOffVpn, UseSms };
inline constexpr Advice kAdviceList[] = {Advice::Proceed, Advice::TurnOffWifi, Advice::TurnOnMobileData,
                                        Advice::TurnOffVpn, Advice::UseSms};

std::string_view verdict_id(Verdict v);  // "supported", "unsupported", "unknown"
std::string_view advice_id(Advice a);    // "proceed", "turn_off_wifi", "turn_on_mobile_data", "turn_off_vpn", "use_sms"
std::string_view advice_message(Advice a, Locale locale);

struct ClientInfo {
    std::string_view os = "unknown";  // android, ios, harmonyos, windows, macos, linux, chromeos, unknown
    std::string_view app = "none";    // wechat, wecom, alipay, qq, weibo, dingtalk, uc, baidu, none
    std::string_view webview = "none";  // android, wkwebview, none
    bool mobile = false;              // definitely a phone or tablet
    bool desktop = false;             // definitely a desktop (the UA and hints agree)
    bool mini_program = false;
};

struct NetworkView {
    std::string_view type = "unknown";  // cellular, wifi, cellular+wifi, offline, ethernet, other, unknown
    std::string_view source = "none";   // sandbox, bridge, netinfo, user-agent, browser (onLine), none
    std::string_view effective_type;    // from NetInfo, when exposed (a view into the signals)
};

using ReasonList = FixedList<Reason, 12>;

struct Environment {
    Verdict verdict = Verdict::Unknown;
    ReasonList reasons;  // blocking reasons first, then warnings; empty when supported without caveats
    Advice advice = Advice::Proceed;
    NetworkView network;
    ClientInfo client;
};

// Reasons that make the verdict `unsupported` on their own.
bool reason_blocks(Reason r);

ClientInfo classify_client(const EnvSignals& signals);
Environment evaluate_environment(const EnvSignals& signals);

}  // namespace nv
