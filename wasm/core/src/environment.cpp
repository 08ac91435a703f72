#include "nv/environment.hpp"

#include <algorithm>

#include "ids.hpp"
#include "message_row.hpp"

namespace nv {
namespace {

// Lookups are tables, not chains of comparisons: every literal compared at its own call site costs the wasm
// module a length computation and a call (docs/wasm-size.md).
struct Rule {
    const char* needle;
    std::uint8_t value;
};

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Where `needle` first occurs in `haystack` (letters compared without case when `fold`), or npos.
std::size_t find_in(std::string_view haystack, std::string_view needle, bool fold = false) {
    for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
        std::size_t k = 0;
        while (k < needle.size() && (fold ? lower(haystack[i + k]) == lower(needle[k]) : haystack[i + k] == needle[k])) ++k;
        if (k == needle.size()) return i;
    }
    return std::string_view::npos;
}

[[gnu::noinline]] bool has(std::string_view haystack, const char* needle) {
    return find_in(haystack, needle) != std::string_view::npos;
}

bool has_nocase(std::string_view haystack, std::string_view needle) {
    return find_in(haystack, needle, true) != std::string_view::npos;
}

// The value of the first rule whose needle occurs in `haystack` (or equals it, when `exact`); 0 if none.
[[gnu::noinline]] std::uint8_t first_match(std::string_view haystack, const Rule* rules, std::size_t n, bool exact) {
    for (std::size_t i = 0; i < n; ++i) {
        if (exact ? haystack == rules[i].needle : has(haystack, rules[i].needle)) return rules[i].value;
    }
    return 0;
}

template <std::size_t N>
std::uint8_t first_match(std::string_view haystack, const Rule (&rules)[N], bool exact = false) {
    return first_match(haystack, rules, N, exact);
}

// Operating systems, the phones' first: Android, iOS and HarmonyOS are mobile, the rest desktops.
enum Os : std::uint8_t { kNoOs, kAndroid, kIos, kHarmonyOs, kWindows, kMacOs, kLinux, kChromeOs };
constexpr const char* kOsIds = "unknown\0android\0ios\0harmonyos\0windows\0macos\0linux\0chromeos";
enum App : std::uint8_t { kNoApp, kWeCom, kWeChat, kAlipay, kDingTalk, kWeibo, kQq, kUc, kBaidu };
constexpr const char* kAppIds = "none\0wecom\0wechat\0alipay\0dingtalk\0weibo\0qq\0uc\0baidu";

constexpr Rule kPlatforms[] = {  // navigator.userAgentData.platform
    {"Android", kAndroid}, {"iOS", kIos},     {"HarmonyOS", kHarmonyOs},  {"OpenHarmony", kHarmonyOs},
    {"Windows", kWindows}, {"macOS", kMacOs}, {"Chrome OS", kChromeOs},   {"ChromeOS", kChromeOs},
    {"Linux", kLinux},
};
constexpr Rule kUserAgentOs[] = {  // order matters: HarmonyOS before Android, phones before desktops
    {"HarmonyOS", kHarmonyOs}, {"OpenHarmony", kHarmonyOs}, {"Android", kAndroid}, {"iPhone", kIos},
    {"iPad", kIos},            {"iPod", kIos},              {"Macintosh", kMacOs}, {"Windows", kWindows},
    {"CrOS", kChromeOs},       {"Linux", kLinux},           {"X11", kLinux},
};
constexpr Rule kApps[] = {  // wxwork before MicroMessenger: WeCom's UA carries both
    {"wxwork", kWeCom}, {"MicroMessenger", kWeChat}, {"AlipayClient", kAlipay}, {"DingTalk", kDingTalk},
    {"Weibo", kWeibo},  {" QQ/", kQq},               {"UCBrowser", kUc},        {"UCWEB", kUc},
    {"baiduboxapp", kBaidu},
};

// WeChat, QQ and some other in-app browsers append "NetType/WIFI", "NetType/4G", ... to their user agent.
std::string_view ua_net_type(std::string_view ua) {
    const auto at = find_in(ua, "NetType/");
    if (at == std::string_view::npos) return {};
    const auto start = at + 8;
    auto end = start;
    while (end < ua.size() && ua[end] != ' ' && ua[end] != ';' && ua[end] != ')') ++end;
    return ua.substr(start, end - start);
}

// X(id, zh-CN message, en message)
#define NV_ADVICE(X)                                                                                              \
    X("proceed", "可以进行本机号码校验。", "Carrier verification can go ahead.")                                  \
    X("turn_off_wifi", "请关闭 Wi-Fi，使用移动数据后重试。", "Turn off Wi-Fi and use mobile data, then try again.") \
    X("turn_on_mobile_data", "请打开移动数据后重试。", "Turn on mobile data, then try again.")                     \
    X("turn_off_vpn", "请关闭 VPN 或代理后重试。", "Turn off your VPN or proxy, then try again.")                   \
    X("use_sms", "请使用短信验证码完成验证。", "Please verify with an SMS code instead.")

constexpr detail::MessageRow kAdvice[] = {NV_ADVICE(NV_MESSAGE_ROW)};

// The order in which blocking reasons are reported, and the advice each one gives; the first decides.
struct Blocking {
    Reason reason;
    Advice advice;
};
constexpr Blocking kBlocking[] = {
    {Reason::MINI_PROGRAM, Advice::UseSms}, {Reason::DESKTOP, Advice::UseSms},
    {Reason::OFFLINE, Advice::TurnOnMobileData}, {Reason::WIFI_ON, Advice::TurnOffWifi},
    {Reason::NOT_CELLULAR, Advice::TurnOnMobileData}, {Reason::VPN_ON, Advice::TurnOffVpn},
};

// What the network view reports, most decisive last: offline > Wi-Fi > another link > cellular > unknown.
enum class View : std::uint8_t { None, Unknown, Cellular, Ethernet, Other, Wifi, CellularWifi, Offline };
constexpr const char* kViewIds = "unknown\0unknown\0cellular\0ethernet\0other\0wifi\0cellular+wifi\0offline";
constexpr int kViewRank[] = {0, 1, 2, 3, 3, 4, 4, 5};

enum class Source : std::uint8_t { None, Sandbox, Bridge, NetInfo, UserAgent, Browser };
constexpr const char* kSourceIds = "none\0sandbox\0bridge\0netinfo\0user-agent\0browser";

// What the network looks like from all sources together.
struct Observed {
    bool cellular = false;
    bool wifi = false;
    bool offline = false;
    bool not_cellular = false;  // ethernet, bluetooth, wimax: some other link
    bool unknown_type = false;  // a source answered, but with "unknown"/"other"/"mixed"
    bool vpn = false;
    bool slow = false;
    View view = View::None;
    Source source = Source::None;

    void note(View v, Source s) {
        wifi = wifi || v == View::Wifi || v == View::CellularWifi;
        cellular = cellular || v == View::Cellular || v == View::CellularWifi;
        offline = offline || v == View::Offline;
        not_cellular = not_cellular || v == View::Ethernet || v == View::Other;
        unknown_type = unknown_type || v == View::Unknown;
        if (kViewRank[static_cast<int>(v)] > kViewRank[static_cast<int>(view)]) {
            view = v;
            source = s;
        }
    }
};

constexpr View kReportViews[] = {View::Cellular, View::Wifi, View::CellularWifi, View::Offline, View::Unknown};

void observe_report(Observed& o, const NetworkReport& r, Source source) {
    o.note(kReportViews[static_cast<int>(r.network)], source);
    o.vpn = o.vpn || r.vpn;
}

void observe_netinfo(Observed& o, const NetInfo& c) {
    struct Row {
        const char* type;
        View view;
    };
    static constexpr Row kTypes[] = {{"cellular", View::Cellular}, {"wifi", View::Wifi},     {"none", View::Offline},
                                     {"ethernet", View::Ethernet}, {"bluetooth", View::Other}, {"wimax", View::Other}};
    if (!c.type.empty()) {
        View v = View::Unknown;  // "unknown", "other", "mixed"
        for (const auto& row : kTypes) {
            if (c.type == row.type) v = row.view;
        }
        o.note(v, Source::NetInfo);
    }
    if (c.effective_type == "slow-2g" || c.effective_type == "2g") o.slow = true;
}

void observe_user_agent(Observed& o, std::string_view ua) {
    const std::string_view net = ua_net_type(ua);
    if (net.empty()) return;
    const bool generation = net.size() == 2 && net[0] >= '2' && net[0] <= '5' && (net[1] == 'G' || net[1] == 'g');
    if (has_nocase(net, "wifi")) {
        o.note(View::Wifi, Source::UserAgent);
    } else if (generation) {
        o.slow = o.slow || net[0] == '2';
        o.note(View::Cellular, Source::UserAgent);
    } else {
        o.note(View::Unknown, Source::UserAgent);
    }
}

}  // namespace

std::string_view network_state_id(NetworkState n) {
    return detail::nth_id("cellular\0wifi\0cellular+wifi\0offline\0unknown", static_cast<std::size_t>(n));
}

std::optional<NetworkState> network_state_from_id(std::string_view id) {
    const std::size_t i = detail::id_index("cellular\0wifi\0cellular+wifi\0offline\0unknown", 5, id);
    if (i == 5) return std::nullopt;
    return static_cast<NetworkState>(i);
}

std::string_view verdict_id(Verdict v) {
    return detail::nth_id("supported\0unsupported\0unknown", static_cast<std::size_t>(v));
}

std::string_view advice_id(Advice a) { return kAdvice[static_cast<int>(a)].id(); }

std::string_view advice_message(Advice a, Locale locale) {
    return kAdvice[static_cast<int>(a)].message(locale);
}

bool reason_blocks(Reason r) {
    for (const auto& b : kBlocking) {
        if (b.reason == r) return true;
    }
    return false;
}

ClientInfo classify_client(const EnvSignals& s) {
    ClientInfo c;
    const std::string_view ua = s.user_agent;

    // Client hints are more trustworthy than the UA string ("request desktop site" rewrites the UA only).
    std::uint8_t os = first_match(s.ua_platform, kPlatforms, true);
    if (os == kNoOs) os = first_match(ua, kUserAgentOs);
    // iPadOS 13+ asks for desktop pages with a Mac UA; only a touch screen gives it away.
    if (os == kMacOs && s.ua_platform.empty() && s.max_touch_points > 1) os = kIos;
    c.os = detail::nth_id(kOsIds, os);

    const bool mobile_os = os != kNoOs && os <= kHarmonyOs;
    c.mobile = mobile_os || s.ua_mobile.value_or(false) || has(ua, "Mobi");
    c.desktop = !c.mobile && os >= kWindows;

    c.app = detail::nth_id(kAppIds, first_match(ua, kApps));
    if (os == kAndroid && has(ua, "; wv)")) {
        c.webview = "android";
    } else if (os == kIos && has(ua, "AppleWebKit") && !has(ua, "Safari/")) {
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
        observe_report(o, *s.sandbox, Source::Sandbox);
    } else {
        if (s.bridge) observe_report(o, *s.bridge, Source::Bridge);
        if (s.connection) observe_netinfo(o, *s.connection);
        observe_user_agent(o, s.user_agent);
    }
    if (s.on_line == false) o.note(View::Offline, Source::Browser);

    // A simulated device or a native bridge means the page runs on (or stands in for) a phone.
    const bool blocked[] = {env.client.mini_program, env.client.desktop && !s.sandbox && !s.bridge, o.offline,
                            o.wifi, o.not_cellular, o.vpn};
    for (std::size_t i = 0; i < std::size(kBlocking); ++i) {
        if (!blocked[i]) continue;
        if (env.reasons.empty()) env.advice = kBlocking[i].advice;
        env.reasons.push_back(kBlocking[i].reason);
    }
    if (!env.reasons.empty()) {
        env.verdict = Verdict::Unsupported;
    } else if (o.cellular) {
        env.verdict = Verdict::Supported;
    } else {
        env.verdict = Verdict::Unknown;
        env.reasons.push_back(o.unknown_type ? Reason::NETWORK_UNKNOWN : Reason::NO_NETINFO);
    }
    if (o.slow && !s.sandbox) env.reasons.push_back(Reason::SLOW_2G);
    if (s.connection && s.connection->save_data && !s.sandbox) env.reasons.push_back(Reason::DATA_SAVER);

    env.network.type = detail::nth_id(kViewIds, static_cast<std::size_t>(o.view));
    env.network.source = detail::nth_id(kSourceIds, static_cast<std::size_t>(o.source));
    if (s.connection) env.network.effective_type = s.connection->effective_type;
    return env;
}

}  // namespace nv
