// The environment verdict: block only on a definite negative.
#include <catch2/catch.hpp>

#include "nv/environment.hpp"

using namespace nv;

namespace {

const char* kAndroid = "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 Chrome/116 Mobile Safari/537.36";
const char* kIphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1";
const char* kDesktop = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";

EnvSignals phone_with(const char* type) {
    EnvSignals s;
    s.user_agent = kAndroid;
    NetInfo n;
    n.type = type;
    s.connection = n;
    return s;
}

}  // namespace

TEST_CASE("definite negatives block, with one advice", "[environment]") {
    struct Case {
        EnvSignals s;
        Reason reason;
        Advice advice;
    };
    EnvSignals offline = phone_with("cellular");
    offline.on_line = false;
    EnvSignals desktop;
    desktop.user_agent = kDesktop;
    EnvSignals mini = phone_with("cellular");
    mini.mini_program = true;
    EnvSignals vpn;
    vpn.user_agent = kIphone;
    vpn.bridge = NetworkReport{NetworkState::Cellular, true};
    const Case cases[] = {
        {phone_with("wifi"), Reason::WIFI_ON, Advice::TurnOffWifi},
        {phone_with("none"), Reason::OFFLINE, Advice::TurnOnMobileData},
        {offline, Reason::OFFLINE, Advice::TurnOnMobileData},
        {desktop, Reason::DESKTOP, Advice::UseSms},
        {mini, Reason::MINI_PROGRAM, Advice::UseSms},
        {vpn, Reason::VPN_ON, Advice::TurnOffVpn},
        {phone_with("ethernet"), Reason::NOT_CELLULAR, Advice::TurnOnMobileData},
    };
    for (const auto& c : cases) {
        CAPTURE(reason_id(c.reason));
        const Environment env = evaluate_environment(c.s);
        CHECK(env.verdict == Verdict::Unsupported);
        REQUIRE_FALSE(env.reasons.empty());
        CHECK(env.reasons.front() == c.reason);
        CHECK(reason_blocks(env.reasons.front()));
        CHECK(env.advice == c.advice);
    }
}

TEST_CASE("a missing Network Information API is unknown, not unsupported", "[environment]") {
    EnvSignals ios;
    ios.user_agent = kIphone;
    ios.on_line = true;
    const Environment env = evaluate_environment(ios);
    CHECK(env.verdict == Verdict::Unknown);
    CHECK(env.reasons == ReasonList{Reason::NO_NETINFO});
    CHECK(env.advice == Advice::Proceed);
}

TEST_CASE("warnings never block", "[environment]") {
    EnvSignals s = phone_with("cellular");
    s.connection->effective_type = "2g";
    s.connection->save_data = true;
    const Environment env = evaluate_environment(s);
    CHECK(env.verdict == Verdict::Supported);
    CHECK(env.reasons == ReasonList{Reason::SLOW_2G, Reason::DATA_SAVER});
    for (const Reason r : env.reasons) CHECK_FALSE(reason_blocks(r));
}

TEST_CASE("the sandbox's simulated device replaces the browser's network", "[environment]") {
    EnvSignals s;
    s.user_agent = kDesktop;
    NetInfo wifi;
    wifi.type = "wifi";
    s.connection = wifi;
    s.sandbox = NetworkReport{NetworkState::Cellular, false};
    const Environment env = evaluate_environment(s);
    CHECK(env.verdict == Verdict::Supported);
    CHECK(env.network.source == "sandbox");
    s.sandbox->network = NetworkState::CellularWifi;
    CHECK(evaluate_environment(s).reasons.front() == Reason::WIFI_ON);
}

TEST_CASE("client classification", "[environment][client]") {
    EnvSignals s;
    s.user_agent = "Mozilla/5.0 (Linux; Android 13; V2183A Build/TP1A; wv) AppleWebKit/537.36 Version/4.0 Chrome/107 "
                   "Mobile Safari/537.36 MicroMessenger/8.0.42 NetType/5G Language/zh_CN";
    ClientInfo c = classify_client(s);
    CHECK(c.os == "android");
    CHECK(c.app == "wechat");
    CHECK(c.webview == "android");
    CHECK(c.mobile);
    CHECK_FALSE(c.desktop);
    CHECK(evaluate_environment(s).verdict == Verdict::Supported);  // NetType/5G

    s.user_agent = "Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 wxwork/4.1";
    c = classify_client(s);
    CHECK(c.app == "wecom");
    CHECK(c.webview == "wkwebview");

    s = {};
    s.user_agent = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15";
    s.max_touch_points = 5;
    CHECK(classify_client(s).os == "ios");  // iPadOS asking for the desktop site
    s.max_touch_points = 0;
    CHECK(classify_client(s).desktop);

    s = {};
    s.user_agent = kDesktop;
    s.ua_platform = "Android";  // "request desktop site" on a phone: the hints tell the truth
    CHECK_FALSE(classify_client(s).desktop);
}

TEST_CASE("advice and verdict ids are stable", "[environment]") {
    CHECK(verdict_id(Verdict::Supported) == "supported");
    CHECK(verdict_id(Verdict::Unsupported) == "unsupported");
    CHECK(verdict_id(Verdict::Unknown) == "unknown");
    CHECK(advice_id(Advice::Proceed) == "proceed");
    CHECK(advice_id(Advice::TurnOffWifi) == "turn_off_wifi");
    CHECK(advice_id(Advice::TurnOnMobileData) == "turn_on_mobile_data");
    CHECK(advice_id(Advice::TurnOffVpn) == "turn_off_vpn");
    CHECK(advice_id(Advice::UseSms) == "use_sms");
    for (const Advice a : {Advice::Proceed, Advice::TurnOffWifi, Advice::TurnOnMobileData, Advice::TurnOffVpn,
                           Advice::UseSms}) {
        CHECK_FALSE(advice_message(a, Locale::ZhCN).empty());
        CHECK_FALSE(advice_message(a, Locale::En).empty());
    }
}
