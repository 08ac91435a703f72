// The one table of reason codes, shared by the core, the wasm API, the companion server's JSON errors and the
// JS package.
//
// A reason is a stable, machine-readable id (`WIFI_ON`, `TOKEN_EXPIRED`, ...) with a message in zh-CN and en
// that a user can act on. Vendor REST codes (9000-9099), the vendor Web SDK codes (0, 1000-2005) and the
// carriers' token-gateway codes all map onto reasons here, together with what the token flow should do about
// them. Everything else (docs/error-codes.md, the server's error bodies) is written from this file.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "nv/carrier.hpp"

namespace nv {

// X(id, zh-CN message, en message)
#define NV_REASONS(X)                                                                                             \
    X(OK, "成功。", "Success.")                                                                                   \
    /* phone number input */                                                                                      \
    X(PHONE_EMPTY, "请输入手机号。", "Please enter a phone number.")                                              \
    X(PHONE_INVALID_CHARS, "手机号只能包含数字，可带 +86、空格或短横线。",                                        \
      "A phone number may contain only digits, with an optional +86, spaces or dashes.")                          \
    X(PHONE_TOO_SHORT, "手机号位数不足，中国大陆手机号为 11 位。",                                                \
      "The number is too short: mainland China mobile numbers have 11 digits.")                                   \
    X(PHONE_TOO_LONG, "手机号位数过多，中国大陆手机号为 11 位。",                                                 \
      "The number is too long: mainland China mobile numbers have 11 digits.")                                    \
    X(PHONE_NOT_MAINLAND, "仅支持中国大陆（+86）手机号。", "Only mainland China (+86) mobile numbers can be verified.") \
    X(PHONE_NOT_MOBILE, "这不是手机号（中国大陆手机号以 13–19 开头）。",                                           \
      "This is not a mobile number (mainland China mobile numbers start with 13-19).")                            \
    X(PHONE_NOT_SUPPORTED, "物联网卡、上网卡和卫星电话号码不支持本机号码校验，请使用短信验证。",                   \
      "Data-only (IoT) and satellite numbers cannot be verified by the carrier; please use an SMS code.")         \
    /* environment */                                                                                             \
    X(WIFI_ON, "请关闭 Wi-Fi，使用移动数据网络后重试。", "Please turn off Wi-Fi and use mobile data, then try again.") \
    X(OFFLINE, "网络未连接，请打开移动数据后重试。", "You are offline. Please turn on mobile data and try again.")   \
    X(DESKTOP, "本机号码校验仅支持手机浏览器，请使用短信验证。",                                                  \
      "Carrier verification works only in a phone's browser; please use an SMS code.")                           \
    X(MINI_PROGRAM, "小程序内无法进行本机号码校验，请使用短信验证。",                                             \
      "Carrier verification is not available inside mini-programs; please use an SMS code.")                     \
    X(VPN_ON, "请关闭 VPN 或代理后重试。", "Please turn off your VPN or proxy and try again.")                      \
    X(NOT_CELLULAR, "当前未使用移动数据网络，请打开移动数据后重试。",                                             \
      "This connection is not mobile data. Please turn on mobile data and try again.")                           \
    X(SLOW_2G, "当前网络信号较弱（2G），校验可能失败。", "The network is slow (2G); verification may fail.")        \
    X(DATA_SAVER, "已开启省流量模式，校验可能失败。", "Data Saver is on; verification may fail.")                  \
    X(NO_NETINFO, "无法确定当前网络类型，将尝试校验。", "The network type cannot be determined; trying anyway.")    \
    X(NETWORK_UNKNOWN, "当前网络类型未知，将尝试校验。", "The network type is unknown; trying anyway.")              \
    X(ENV_TIMEOUT, "未能及时获取网络环境，将尝试校验。", "The network environment was not reported in time; trying anyway.") \
    /* token flow */                                                                                              \
    X(CONSENT_REQUIRED, "请先阅读并同意运营商认证服务条款。", "Please read and accept the carrier's terms first.")   \
    X(TOO_SOON, "同一号码校验过于频繁，请稍后再试。", "This number was verified moments ago; please wait and try again.") \
    X(TOKEN_TIMEOUT, "获取运营商认证超时，请使用短信验证。", "The carrier did not answer in time; please use an SMS code.") \
    X(TOKEN_BUDGET_EXHAUSTED, "运营商认证超时，请使用短信验证。",                                                 \
      "Carrier verification took too long; please use an SMS code.")                                              \
    X(TOKEN_FAILED, "获取运营商认证失败，请使用短信验证。", "The carrier could not authenticate this phone; please use an SMS code.") \
    X(CARRIER_MISMATCH, "运营商网关拒绝了请求（可能开启了 VPN，或移动数据来自另一张卡）。",                        \
      "The carrier gateway refused the request (a VPN may be on, or mobile data uses another SIM).")             \
    X(VPN_SUSPECTED, "运营商无法识别本机网络，请关闭 VPN/代理并确认使用本机 SIM 卡的移动数据。",                   \
      "The carrier could not recognise this connection: turn off any VPN/proxy and use this SIM's mobile data.") \
    X(TOKEN_EXPIRED, "运营商认证已过期，请重试。", "The carrier token has expired; please try again.")             \
    X(TOKEN_USED, "运营商认证已被使用，请重试。", "The carrier token was already used; please try again.")         \
    X(TOKEN_LIMIT, "短时间内请求认证过多，请稍后再试或使用短信验证。",                                            \
      "Too many carrier tokens were requested recently; please wait or use an SMS code.")                         \
    X(NETWORK_CHANGED, "网络环境已变化，请重试。", "The network changed; please try again.")                      \
    X(CANCELLED, "已取消。", "Cancelled.")                                                                        \
    /* one-click login */                                                                                       \
    X(LOGGED_IN, "登录成功：已取得本机号码。", "Logged in: the carrier confirmed this phone's number.")            \
    X(LOGIN_CLOSED, "已关闭运营商授权页，可改用短信验证码登录。",                                                 \
      "The carrier's authorization page was closed; you can log in with an SMS code instead.")                   \
    X(LOGIN_FAILED, "运营商未能确认本机号码，请使用短信验证码登录。",                                              \
      "The carrier could not confirm this phone's number; please log in with an SMS code.")                      \
    X(LOGIN_UNAVAILABLE, "当前页面无法使用一键登录，请使用短信验证码登录。",                                       \
      "One-click login is not available on this page; please log in with an SMS code.")                          \
    X(LOGIN_NOT_CONFIGURED, "服务端未配置一键登录私钥，请联系网站管理员。",                                        \
      "One-click login is not configured on the server (no private key); contact the site's administrator.")    \
    X(LOGIN_KEY_MISMATCH, "一键登录的密钥与应用不匹配（9020），请联系网站管理员。",                                \
      "The one-click login key pair does not match the app (9020: decrypt failed); contact the site's administrator.") \
    /* vendor Web SDK (getToken) */                                                                               \
    X(SDK_UNKNOWN, "认证组件发生未知错误，请使用短信验证。", "The verification SDK failed unexpectedly; please use an SMS code.") \
    X(SDK_INIT_IN_PROGRESS, "认证组件正在初始化，请稍后重试。", "The verification SDK is still starting; please try again shortly.") \
    X(SDK_APPKEY_EMPTY, "认证组件未配置 AppKey。", "The verification SDK has no AppKey configured.")               \
    X(SDK_INIT_FAILED, "认证组件初始化失败，请使用短信验证。", "The verification SDK failed to start; please use an SMS code.") \
    X(SDK_INIT_TIMEOUT, "认证组件初始化超时，请使用短信验证。", "The verification SDK timed out while starting; please use an SMS code.") \
    X(SDK_NOT_INITIALISED, "认证组件尚未初始化。", "The verification SDK is not initialised.")                     \
    X(TOKEN_IN_PROGRESS, "正在获取运营商认证，请勿重复操作。", "A carrier token request is already in progress.")   \
    X(ENV_UNSUPPORTED, "当前网络环境不支持本机号码校验，请使用短信验证。",                                        \
      "This network environment does not support carrier verification; please use an SMS code.")                \
    X(BAD_OPERATOR, "不支持的运营商。", "Unsupported carrier.")                                                    \
    /* vendor REST (/h5/verify) */                                                                                \
    X(CONSISTENT, "校验通过：号码与本机一致。", "Verified: the number belongs to this phone.")                     \
    X(INCONSISTENT, "号码与本机不一致，请检查号码或使用短信验证。",                                               \
      "The number does not match this phone. Check the number or use an SMS code.")                              \
    X(RESULT_UNKNOWN, "运营商暂时无法给出结果，请使用短信验证。", "The carrier could not give a result; please use an SMS code.") \
    X(CONFIG_NOT_FOUND, "服务未配置该应用，请联系网站管理员。", "The service has no configuration for this app; contact the site's administrator.") \
    X(NUMBER_DAILY_LIMIT, "该号码今日校验次数已达上限，请使用短信验证。",                                        \
      "This number has reached today's verification limit; please use an SMS code.")                             \
    X(APP_DAILY_LIMIT, "今日校验次数已达上限，请使用短信验证。", "Today's verification limit has been reached; please use an SMS code.") \
    X(AUTH_MISSING, "服务端缺少认证信息，请联系网站管理员。", "The server sent no credentials; contact the site's administrator.") \
    X(AUTH_FAILED, "服务端认证失败，请联系网站管理员。", "The server's credentials were refused; contact the site's administrator.") \
    X(BAD_PARAMETER, "请求参数不正确。", "A request parameter is invalid.")                                       \
    X(METHOD_NOT_ALLOWED, "请求方法不正确。", "Wrong request method.")                                           \
    X(APP_BLOCKED, "该应用已被停用，请联系网站管理员。", "This app has been blocked; contact the site's administrator.") \
    X(BAD_CONTENT_TYPE, "请求格式不正确（需要 application/json）。", "Wrong Content-Type (application/json is required).") \
    X(BALANCE_LOW, "服务余额不足，请使用短信验证。", "The service balance is too low; please use an SMS code.")    \
    X(SERVICE_DISABLED, "号码认证服务未开通，请联系网站管理员。", "Number verification is not enabled; contact the site's administrator.") \
    X(UPSTREAM_ERROR, "认证服务暂时不可用，请稍后重试或使用短信验证。",                                           \
      "The verification service is temporarily unavailable; try again later or use an SMS code.")               \
    X(UPSTREAM_UNKNOWN_CODE, "认证服务返回了未知结果，请使用短信验证。",                                          \
      "The verification service gave an unknown answer; please use an SMS code.")                                \
    /* companion server */                                                                                        \
    X(UPSTREAM_TIMEOUT, "认证服务响应超时，请稍后重试或使用短信验证。",                                           \
      "The verification service timed out; try again later or use an SMS code.")                                 \
    X(UPSTREAM_UNAVAILABLE, "无法连接认证服务，请稍后重试或使用短信验证。",                                       \
      "The verification service cannot be reached; try again later or use an SMS code.")                         \
    X(VENDOR_THROTTLED, "认证服务繁忙（请求过于频繁），请稍后重试或使用短信验证。",                              \
      "The verification service is busy (too many requests); try again shortly or use an SMS code.")             \
    X(CLOCK_SKEW, "服务器时钟与认证服务相差过大，请联系网站管理员。",                                              \
      "The server's clock is too far from the verification service's; contact the site's administrator.")       \
    X(VENDOR_NOT_CONFIGURED, "服务端未配置该认证服务商。", "This verification vendor is not configured on the server.") \
    X(VENDOR_NOT_SUPPORTED, "所选认证服务商不提供此项服务。", "The selected verification vendor does not offer this service.") \
    X(IP_LIMIT, "请求过于频繁，请稍后再试。", "Too many requests from this network; please wait and try again.")   \
    X(RISK_STEP_UP, "为保障账号安全，请再完成短信验证。", "For your account's safety, please also confirm with an SMS code.") \
    X(RISK_DENY, "该号码存在风险，暂无法完成校验。", "This number was flagged as high risk and cannot be verified now.") \
    X(SERVER_TIMEOUT, "服务器响应超时，请重试。", "The server did not answer in time; please try again.")          \
    X(SERVER_UNREACHABLE, "无法连接服务器，请检查网络后重试。", "The server cannot be reached; check your connection and try again.") \
    X(SERVER_ERROR, "服务器出错，请稍后重试。", "The server failed; please try again later.")                       \
    X(BAD_REQUEST, "请求无效。", "The request is invalid.")                                                       \
    X(UNAUTHORIZED, "管理令牌缺失或不正确。", "The admin bearer token is missing or wrong.")                      \
    X(NOT_FOUND, "请求的资源不存在。", "No such resource.")                                                        \
    X(ORIGIN_NOT_ALLOWED, "此网页的来源未被允许调用该服务。", "This page's origin is not allowed to call this service.") \
    X(STORE_UNAVAILABLE, "配额服务暂不可用，为保护额度已暂停校验，请稍后重试。",                                   \
      "The quota store is unavailable, so verification is paused to protect the quota; please try again shortly.") \
    X(LENGTH_REQUIRED, "请求体须带 Content-Length 发送（不接受分块传输）。",                                       \
      "Send the request body with a Content-Length header; chunked request bodies are not accepted.")           \
    /* the page's setup (what the site's developers must fix; a user can only fall back) */                    \
    X(SETUP_ASSET, "网页未能加载校验组件的文件，请使用短信验证并联系网站管理员。",                                 \
      "The page could not load a file of the verification SDK; please use an SMS code and tell the site's administrator.") \
    X(SETUP_SERVER, "校验服务的地址配置有误（返回了意外的应答），请使用短信验证并联系网站管理员。",                 \
      "The verification server's address is wrong (it gave an unexpected answer); please use an SMS code and tell the site's administrator.") \
    X(SETUP_CORS, "浏览器拦截了校验服务的应答（跨域设置未允许此网页），请使用短信验证并联系网站管理员。",           \
      "The browser blocked the verification server's answer (its CORS settings do not allow this page); please use an SMS code and tell the site's administrator.") \
    X(SDK_MISSING, "此网页未加载运营商认证组件（Web SDK），请使用短信验证。",                                      \
      "The carrier verification SDK is not loaded on this page; please use an SMS code.")                       \
    X(SDK_STUCK, "运营商认证组件无响应，请刷新页面后重试，或使用短信验证。",                                       \
      "The carrier verification SDK stopped responding; reload the page to try again, or use an SMS code.")     \
    /* SMS fallback */                                                                                            \
    X(SMS_CODE_INVALID, "验证码不正确，请重新输入。", "The code is not correct; please check it and try again.")   \
    X(SMS_CODE_EXPIRED, "验证码已失效，请重新获取。", "The code has expired or was used up; please request a new one.") \
    X(SMS_UNAVAILABLE, "短信服务暂不可用，请稍后再试。", "SMS is not available right now; please try again later.") \
    X(SMS_RISK_DENIED, "该号码存在风险，无法发送验证码。", "This number was flagged as high risk; no code can be sent to it.") \
    /* partner backend */                                                                                         \
    X(BACKEND_AUTH_REQUIRED, "后端令牌缺失或不正确。", "The backend bearer token is missing or wrong.")             \
    X(BACKEND_NOT_CONFIGURED, "服务端未配置后端令牌，风险查询不可用。",                                            \
      "No backend token is configured on the server, so the risk query is off.")                                 \
    /* API misuse (developer errors at the boundary) */                                                           \
    X(BAD_JSON, "输入不是合法的 JSON。", "The input is not valid JSON.")                                          \
    X(BAD_UTF8, "输入不是合法的 UTF-8 文本。", "The input is not valid UTF-8 text.")                              \
    X(INPUT_TOO_LARGE, "输入过大。", "The input is too large.")                                                   \
    X(BAD_ARGUMENT, "参数缺失或类型错误。", "A field is missing or has the wrong type.")                          \
    X(UNKNOWN_FIELD, "输入包含未知字段。", "The input has an unknown field.")                                     \
    X(BAD_TIME, "时间戳必须是非负且不倒退的毫秒数。", "Timestamps must be non-negative milliseconds that never go backwards.") \
    X(UNKNOWN_EVENT, "未知的事件类型。", "Unknown event type.")                                                   \
    X(UNKNOWN_FLOW, "流程不存在或已销毁。", "No such flow (it may have been destroyed).")                          \
    X(FLOW_BUSY, "校验正在进行中。", "A verification is already in progress.")                                    \
    X(TOO_MANY_FLOWS, "同时存在的流程过多。", "Too many flows are open at once.")                                 \
    X(OUT_OF_MEMORY, "内存不足。", "Out of memory.")                                                             \
    X(CORE_FAILED, "验证组件出错，请刷新页面后重试。", "The verification module failed; please reload the page and try again.")

enum class Reason : std::uint8_t {
#define NV_REASON_ENUM(id, zh, en) id,
    NV_REASONS(NV_REASON_ENUM)
#undef NV_REASON_ENUM
};

enum class Locale : std::uint8_t { ZhCN, En };

std::string_view reason_id(Reason r);
std::optional<Reason> reason_from_id(std::string_view id);
std::string_view reason_message(Reason r, Locale locale);
std::optional<Locale> locale_from_id(std::string_view id);  // "zh-CN" (also "zh", "zh-Hans") or "en"
std::string_view locale_id(Locale l);
std::size_t reason_count();
Reason reason_at(std::size_t index);

// What the token flow does with a failed getToken.
enum class TokenErrorAction : std::uint8_t {
    NextCarrier,  // this carrier cannot serve the SIM (ported number, wrong gateway, timeout): try the next one
    Stop,         // nothing else will work in this environment: end the attempt with a fallback
};

// How a vendor verify or loginTokenVerify code ends the flow.
enum class VendorOutcome : std::uint8_t {
    Consistent,    // 9000
    Inconsistent,  // 9001
    Unknown,       // 9002
    TokenRejected, // 9003: fetch a new token (once)
    RateLimited,   // 9005/9006/9007: wait or fall back; do not retry now
    Refused,       // configuration, credentials, parameters, balance: the operator must act; fall back
    ServerError,   // 9099 and unknown codes
};

struct VendorCodeInfo {
    int code;
    Reason reason;
    VendorOutcome outcome;
    bool billed;  // consistent and inconsistent results are billed by the vendor
};

struct SdkCodeInfo {
    int code;
    Reason reason;
    TokenErrorAction action;
};

struct CarrierCodeInfo {
    Operator op;
    std::string_view code;
    Reason reason;
    TokenErrorAction action;
};

// Vendor REST codes of DESIGN 7. Unknown codes map to UPSTREAM_UNKNOWN_CODE / ServerError.
VendorCodeInfo vendor_code_info(int code);
const VendorCodeInfo* vendor_codes(std::size_t* count);

// Vendor Web SDK codes (0, 1000-2005). Unknown codes map to SDK_UNKNOWN / NextCarrier.
SdkCodeInfo sdk_code_info(int code);
const SdkCodeInfo* sdk_codes(std::size_t* count);

// Codes a token provider reports for itself rather than for the vendor's SDK or a carrier: its own timeout, a
// failed request, the user closing the carrier's page, and the page's setup mistakes (nothing a user can fix by
// trying again). nullopt when the code is not in the table.
struct ProviderCodeInfo {
    std::string_view code;
    Reason reason;
    TokenErrorAction action;
};
std::optional<ProviderCodeInfo> provider_code_info(std::string_view code);
const ProviderCodeInfo* provider_codes(std::size_t* count);

// Carrier token-gateway codes that mean "this connection is not the carrier's subscriber as seen by the
// gateway" (VPN, proxy, or data from another SIM). nullopt when the code is not in the table.
std::optional<CarrierCodeInfo> carrier_code_info(Operator op, std::string_view code);
const CarrierCodeInfo* carrier_codes(std::size_t* count);

}  // namespace nv
