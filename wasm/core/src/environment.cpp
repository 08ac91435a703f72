#include "nv/environment.hpp"

#include <algorithm>

namespace nv {
namespace {

bool has(std::string_view haystack, std::string_view needle) { return haystack.find(needle) != std::string_view::npos; }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool has_nocase(std::string_view haystack, std::string_view needle) {
    if (needle.size() > haystack.size()) return false;
    for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
        std::size_t k = 0;
        while (k < needle.size() && lower(haystack[i + k]) == lower(needle[k])) ++k;
        if (k == needle.size()) return true;
    }
    return false;
}

// WeChat, QQ and some other in-app browsers append "NetType/WIFI", "NetType/4G", ... to their user agent.
std::string_view ua_net_type(std::string_view ua) {
    const auto at = ua.find("NetType/");
    if (at == std::string_view::npos) return {};
    const auto start = at + 8;
    auto end = start;
    while (end < ua.size() && ua[end] != ' ' && ua[end] != ';' && ua[end] != ')') ++end;
    return ua.substr(start, end - start);
}

struct AdviceRow {
    std::string_view id;
    std::string_view zh;
    std::string_view en;
};

constexpr AdviceRow kAdvice[] = {
    {"proceed", "可以进行本机号码校验。", "Carrier verification can go ahead."},
    {"turn_off_wifi", "请关闭 Wi-Fi，使用移动数据后重试。", "Turn off Wi-Fi and use mobile data, then try again."},
    {"turn_on_mobile_data", "请打开移动数据后重试。", "Turn on mobile data, then try again."},
    {"turn_off_vpn", "请关闭 VPN 或代理后重试。", "Turn off your VPN or proxy, then try again."},
    {"use_sms", "请使用短信验证码完成验证。", "Please verify with an SMS code instead."},
};

// The order in which blocking reasons are reported; the first decides the advice.
constexpr Reason kBlockingOrder[] = {Reason::MINI_PROGRAM, Reason::DESKTOP, Reason::OFFLINE,
                                     Reason::WIFI_ON,      Reason::NOT_CELLULAR, Reason::VPN_ON};

Advice advice_for(Reason r) {
    switch (r) {
        case Reason::MINI_PROGRAM:
        case Reason::DESKTOP: return Advice::UseSms;
        case Reason::OFFLINE:
        case Reason::NOT_CELLULAR: return Advice::TurnOnMobileData;
        case Reason::WIFI_ON: return Advice::TurnOffWifi;
        case Reason::VPN_ON: return Advice::TurnOffVpn;
        default: return Advice::Proceed;
    }
}

// What the network looks like from all sources together.
struct Observed {
    bool cellular = false;
    bool wifi = false;
    bool offline = false;
    bool not_cellular = false;  // ethernet, bluetooth, wimax: some other link
    bool unknown_type = false;  // a source answered, but with "unknown"/"other"/"mixed"
    bool vpn = false;
    bool slow = false;
    std::string_view type;      // what the view reports
    std::string_view source;
};

void note(Observed& o, std::string_view type, std::string_view source) {
    // Keep the most decisive observation for the view: offline > wifi > other link > cellular > unknown.
    auto rank = [](std::string_view t) {
        if (t == "offline") return 5;
        if (t == "cellular+wifi") return 4;
        if (t == "wifi") return 4;
        if (t == "ethernet" || t == "other") return 3;
        if (t == "cellular") return 2;
        return t.empty() ? 0 : 1;
    };
    if (rank(type) > rank(o.type)) {
        o.type = type;
        o.source = source;
    }
}

void observe_report(Observed& o, const NetworkReport& r, std::string_view source) {
    switch (r.network) {
        case NetworkState::Cellular: o.cellular = true; break;
        case NetworkState::Wifi: o.wifi = true; break;
        case NetworkState::CellularWifi:
            o.wifi = true;
            o.cellular = true;
            break;
        case NetworkState::Offline: o.offline = true; break;
        case NetworkState::Unknown: o.unknown_type = true; break;
    }
    o.vpn = o.vpn || r.vpn;
    note(o, network_state_id(r.network), source);
}

void observe_netinfo(Observed& o, const NetInfo& c) {
    const std::string_view t = c.type;
    if (t == "cellular") {
        o.cellular = true;
        note(o, "cellular", "netinfo");
    } else if (t == "wifi") {
        o.wifi = true;
        note(o, "wifi", "netinfo");
    } else if (t == "none") {
        o.offline = true;
        note(o, "offline", "netinfo");
    } else if (t == "ethernet") {
        o.not_cellular = true;
        note(o, "ethernet", "netinfo");
    } else if (t == "bluetooth" || t == "wimax") {
        o.not_cellular = true;
        note(o, "other", "netinfo");
    } else if (!t.empty()) {
        o.unknown_type = true;  // "unknown", "other", "mixed"
        note(o, "unknown", "netinfo");
    }
    if (c.effective_type == "slow-2g" || c.effective_type == "2g") o.slow = true;
}

void observe_user_agent(Observed& o, std::string_view ua) {
    const std::string_view net = ua_net_type(ua);
    if (net.empty()) return;
    if (has_nocase(net, "wifi")) {
        o.wifi = true;
        note(o, "wifi", "user-agent");
    } else if (net == "2G" || net == "3G" || net == "4G" || net == "5G" || net == "2g" || net == "3g" ||
               net == "4g" || net == "5g") {
        o.cellular = true;
        if (net[0] == '2') o.slow = true;
        note(o, "cellular", "user-agent");
    } else {
        o.unknown_type = true;
        note(o, "unknown", "user-agent");
    }
}

}  // namespace

std::string_view network_state_id(NetworkState n) {
    switch (n) {
        case NetworkState::Cellular: return "cellular";
        case NetworkState::Wifi: return "wifi";
        case NetworkState::CellularWifi: return "cellular+wifi";
        case NetworkState::Offline: return "offline";
        case NetworkState::Unknown: return "unknown";
    }
    return "unknown";
}

std::optional<NetworkState> network_state_from_id(std::string_view id) {
    for (const auto n : {NetworkState::Cellular, NetworkState::Wifi, NetworkState::CellularWifi,
                         NetworkState::Offline, NetworkState::Unknown}) {
        if (network_state_id(n) == id) return n;
    }
    return std::nullopt;
}

std::string_view verdict_id(Verdict v) {
    switch (v) {
        case Verdict::Supported: return "supported";
        case Verdict::Unsupported: return "unsupported";
        case Verdict::Unknown: return "unknown";
    }
    return "unknown";
}

std::string_view advice_id(Advice a) { return kAdvice[static_cast<int>(a)].id; }

std::string_view advice_message(Advice a, Locale locale) {
    const auto& row = kAdvice[static_cast<int>(a)];
    return locale == Locale::ZhCN ? row.zh : row.en;
}

bool reason_blocks(Reason r) {
    return std::find(std::begin(kBlockingOrder), std::end(kBlockingOrder), r) != std::end(kBlockingOrder);
}

ClientInfo classify_client(const EnvSignals& s) {
    ClientInfo c;
    const std::string_view ua = s.user_agent;
    const std::string_view platform = s.ua_platform;

    // Client hints are more trustworthy than the UA string ("request desktop site" rewrites the UA only).
    if (platform == "Android") {
        c.os = "android";
    } else if (platform == "iOS") {
        c.os = "ios";
    } else if (platform == "HarmonyOS" || platform == "OpenHarmony") {
        c.os = "harmonyos";
    } else if (platform == "Windows") {
        c.os = "windows";
    } else if (platform == "macOS") {
        c.os = "macos";
    } else if (platform == "Chrome OS" || platform == "ChromeOS") {
        c.os = "chromeos";
    } else if (platform == "Linux") {
        c.os = "linux";
    } else if (has(ua, "HarmonyOS") || has(ua, "OpenHarmony")) {
        c.os = "harmonyos";
    } else if (has(ua, "Android")) {
        c.os = "android";
    } else if (has(ua, "iPhone") || has(ua, "iPad") || has(ua, "iPod")) {
        c.os = "ios";
    } else if (has(ua, "Macintosh")) {
        // iPadOS 13+ asks for desktop pages with a Mac UA; only a touch screen gives it away.
        c.os = s.max_touch_points > 1 ? "ios" : "macos";
    } else if (has(ua, "Windows")) {
        c.os = "windows";
    } else if (has(ua, "CrOS")) {
        c.os = "chromeos";
    } else if (has(ua, "Linux") || has(ua, "X11")) {
        c.os = "linux";
    }

    const bool mobile_os = c.os == "android" || c.os == "ios" || c.os == "harmonyos";
    c.mobile = mobile_os || s.ua_mobile.value_or(false) || has(ua, "Mobile") || has(ua, "Mobi");
    c.desktop = !c.mobile && (c.os == "windows" || c.os == "macos" || c.os == "linux" || c.os == "chromeos");

    if (has(ua, "wxwork")) {
        c.app = "wecom";
    } else if (has(ua, "MicroMessenger")) {
        c.app = "wechat";
    } else if (has(ua, "AlipayClient")) {
        c.app = "alipay";
    } else if (has(ua, "DingTalk")) {
        c.app = "dingtalk";
    } else if (has(ua, "Weibo")) {
        c.app = "weibo";
    } else if (has(ua, " QQ/")) {
        c.app = "qq";
    } else if (has(ua, "UCBrowser") || has(ua, "UCWEB")) {
        c.app = "uc";
    } else if (has(ua, "baiduboxapp")) {
        c.app = "baidu";
    }

    if (c.os == "android" && has(ua, "; wv)")) {
        c.webview = "android";
    } else if (c.os == "ios" && has(ua, "AppleWebKit") && !has(ua, "Safari/")) {
        c.webview = "wkwebview";  // in-app views (WeChat, Alipay, partner apps) drop the Safari token
    }

    c.mini_program = s.mini_program || has_nocase(ua, "miniprogram");
    return c;
}

Environment evaluate_environment(const EnvSignals& s) {
    Environment env;
    env.client = classify_client(s);

    Observed o;
    if (s.sandbox) {
        observe_report(o, *s.sandbox, "sandbox");
    } else {
        if (s.bridge) observe_report(o, *s.bridge, "bridge");
        if (s.connection) observe_netinfo(o, *s.connection);
        observe_user_agent(o, s.user_agent);
    }
    if (s.on_line == false) {
        o.offline = true;
        note(o, "offline", "browser");
    }

    ReasonList blocking;  // pushed in kBlockingOrder: the first one decides the advice
    if (env.client.mini_program) blocking.push_back(Reason::MINI_PROGRAM);
    // A simulated device or a native bridge means the page runs on (or stands in for) a phone.
    if (env.client.desktop && !s.sandbox && !s.bridge) blocking.push_back(Reason::DESKTOP);
    if (o.offline) blocking.push_back(Reason::OFFLINE);
    if (o.wifi) blocking.push_back(Reason::WIFI_ON);
    if (o.not_cellular) blocking.push_back(Reason::NOT_CELLULAR);
    if (o.vpn) blocking.push_back(Reason::VPN_ON);
    env.reasons = blocking;
    if (!blocking.empty()) {
        env.verdict = Verdict::Unsupported;
        env.advice = advice_for(blocking.front());
    } else if (o.cellular) {
        env.verdict = Verdict::Supported;
    } else {
        env.verdict = Verdict::Unknown;
        env.reasons.push_back(o.unknown_type ? Reason::NETWORK_UNKNOWN : Reason::NO_NETINFO);
    }
    if (o.slow && !s.sandbox) env.reasons.push_back(Reason::SLOW_2G);
    if (s.connection && s.connection->save_data && !s.sandbox) env.reasons.push_back(Reason::DATA_SAVER);

    env.network.type = o.type.empty() ? "unknown" : o.type;
    env.network.source = o.source.empty() ? "none" : o.source;
    if (s.connection) env.network.effective_type = s.connection->effective_type;
    return env;
}

}  // namespace nv
