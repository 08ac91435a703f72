#include "sandbox/sandbox.hpp"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "http/http_util.hpp"
#include "nv/phone.hpp"
#include "sandbox/state.hpp"

namespace nv::server {
namespace sandbox_detail {

// A body that is not JSON at all is refused before any field is read.
bool read_object(const httplib::Request& req, httplib::Response& res, json& out, Locale locale) {
    if (!req.body.empty() && !is_json_content_type(req)) {
        send_error(res, 415, Reason::BAD_CONTENT_TYPE, locale);
        return false;
    }
    if (req.body.empty()) {
        out = json::object();
    } else if (auto parsed = parse_body_json(req.body, res, locale)) {
        out = std::move(*parsed);
    } else {
        return false;
    }
    if (!out.is_object()) {
        send_error(res, 400, Reason::BAD_ARGUMENT, locale, std::nullopt, json{{"field", ""}});
        return false;
    }
    return true;
}

}  // namespace sandbox_detail

using namespace sandbox_detail;

struct Sandbox::Inbox final : SmsSender {
    State* st = nullptr;
    bool send(const std::string& national, const std::string& text, const std::string& code) override {
        std::lock_guard lock(st->mu);
        auto& box = st->inbox[national];
        box.push_back(json{{"from", "106900000000"}, {"text", text}, {"code", code}, {"at", st->now()}});
        while (box.size() > 20) box.pop_front();
        if (st->inbox.size() > kMaxDevices) st->inbox.erase(st->inbox.begin());
        return true;
    }
};

Sandbox::Sandbox(SandboxOptions options, std::function<std::int64_t()> now_ms)
    : state_(std::make_unique<State>()), inbox_(std::make_unique<Inbox>()) {
    inbox_->st = state_.get();
    state_->opt = std::move(options);
    state_->now = std::move(now_ms);
}

Sandbox::~Sandbox() = default;

void Sandbox::set_listener_endpoint(std::string endpoint) {
    std::lock_guard lock(state_->mu);
    state_->opt.listener_endpoint = std::move(endpoint);
}

SmsSender& Sandbox::sms_sender() {
    return *inbox_;
}

namespace {

enum class VendorRoute { Verify, Login, Risk };

struct VendorPath {
    const char* path;
    bool v2;
    VendorRoute route;
};

constexpr VendorPath kVendorPaths[] = {
    {"/v1/web/verify", false, VendorRoute::Verify},         {"/v1/web/h5/verify", false, VendorRoute::Verify},
    {"/v2/web/verify", true, VendorRoute::Verify},          {"/v2/web/h5/verify", true, VendorRoute::Verify},
    {"/v1/web/h5/loginTokenVerify", false, VendorRoute::Login}, {"/v2/web/h5/loginTokenVerify", true, VendorRoute::Login},
    {"/v2/web/queryBusinessRisk", true, VendorRoute::Risk},
};

// Every method reaches the handler, so a GET gets the vendor's own 9013.
void mount_vendor(httplib::Server& s, Sandbox::State* st, const std::string& prefix) {
    for (const auto& p : kVendorPaths) {
        const std::string path = prefix + p.path;
        auto h = [st, p](const httplib::Request& req, httplib::Response& res) {
            switch (p.route) {
                case VendorRoute::Verify: return st->vendor_verify(req, res, p.v2);
                case VendorRoute::Login: return st->vendor_login(req, res, p.v2);
                case VendorRoute::Risk: return st->vendor_risk(req, res);
            }
        };
        s.Post(path, h);
        s.Get(path, h);
        s.Put(path, h);
        s.Patch(path, h);
        s.Delete(path, h);
    }
}

// Aliyun's Dypnsapi: every action is POST / (GET answered too).
void mount_aliyun(httplib::Server& s, Sandbox::State* st, const std::string& path) {
    auto h = [st](const httplib::Request& req, httplib::Response& res) { st->aliyun_call(req, res); };
    s.Post(path, h);
    s.Get(path, h);
}

}  // namespace

void Sandbox::mount(httplib::Server& s) {
    State* st = state_.get();
    s.Get("/sandbox", [st](const httplib::Request&, httplib::Response& res) {
        send_json(
            res, 200,
            json{{"sandbox", true},
                 {"credentials",
                  {{"appKey", st->opt.app_key},
                   {"masterSecret", st->opt.master_secret},
                   {"note", "the vendor documentation's public example pair"}}},
                 {"endpoints",
                  {"POST /sandbox/devices", "GET|PATCH|PUT|DELETE /sandbox/devices/{deviceId}",
                   "POST /sandbox/carriers/{CM|CU|CT}/token (header X-Sandbox-Device)",
                   "POST /sandbox/carriers/{CM|CU|CT}/login-prefetch (header X-Sandbox-Device: the masked number "
                   "the carrier's one-click login page would show, or its refusal; nothing issued)",
                   "POST /sandbox/carriers/{CM|CU|CT}/login-token (header X-Sandbox-Device: the carrier's one-click "
                   "login page, confirmed)",
                   "POST|GET|DELETE /sandbox/faults",
                   "POST /sandbox/sms (the SMS gateway of the instances sharing this sandbox)",
                   "POST /sandbox/vendor/v1/web/h5/verify (and /v1/web/verify, /v2/web/verify, /v2/web/h5/verify)",
                   "POST /sandbox/vendor/v1/web/h5/loginTokenVerify (and /v2/web/h5/loginTokenVerify)",
                   "POST /sandbox/vendor/v2/web/queryBusinessRisk",
                   "POST /sandbox/carriers/{CM|CU|CT}/token?vendor=aliyun (an Aliyun spToken)",
                   "POST /sandbox/carriers/{CM|CU|CT}/login-token?vendor=aliyun {middleDigits} (an Aliyun login "
                   "spToken after the user typed the number's middle four digits)",
                   "POST /sandbox/aliyun/ (Dypnsapi 2017-05-25: GetAuthToken, VerifyPhoneWithToken, "
                   "GetPhoneWithToken; V3 signature)",
                   "GET /sandbox/aliyun/usage"}},
                 {"aliyun",
                  {{"endpoint", st->opt.listener_endpoint},
                   {"accessKeyId", st->opt.aliyun_key_id},
                   {"accessKeySecret", st->opt.aliyun_key_secret},
                   {"sceneCode", st->opt.aliyun_scene_code},
                   {"note", "the sandbox's own AccessKey pair; never valid at Aliyun"}}}});
    });
    s.Post("/sandbox/devices",
           [st](const httplib::Request& req, httplib::Response& res) { st->create_device(req, res); });
    s.Get("/sandbox/devices", [st](const httplib::Request&, httplib::Response& res) {
        std::lock_guard lock(st->mu);
        json list = json::array();
        for (const auto& [id, d] : st->devices) list.push_back(device_json(d));
        send_json(res, 200, json{{"devices", list}});
    });
    const char* device_path = R"(/sandbox/devices/([A-Za-z0-9_]{1,64}))";
    auto dev = [st](const httplib::Request& req, httplib::Response& res) { st->device_op(req, res); };
    s.Get(device_path, dev);
    s.Patch(device_path, dev);
    s.Put(device_path, dev);
    s.Delete(device_path, dev);
    s.Get(R"(/sandbox/devices/([A-Za-z0-9_]{1,64})/inbox)", [st](const httplib::Request& req, httplib::Response& res) {
        std::lock_guard lock(st->mu);
        const auto it = st->devices.find(req.matches[1]);
        if (it == st->devices.end()) {
            send_error(res, 404, Reason::NOT_FOUND, request_locale(req), std::nullopt,
                       json{{"deviceId", req.matches[1]}});
            return;
        }
        const auto box = st->inbox.find(it->second.phone);
        json messages = json::array();
        if (box != st->inbox.end()) {
            for (const json& m : box->second) messages.push_back(m);
        }
        send_json(res, 200, json{{"deviceId", it->second.id}, {"phone", it->second.phone}, {"messages", messages}});
    });
    s.Post(R"(/sandbox/carriers/([A-Za-z]{1,8})/token)",
           [st](const httplib::Request& req, httplib::Response& res) { st->issue_token(req, res); });
    s.Post(R"(/sandbox/carriers/([A-Za-z]{1,8})/login-token)",
           [st](const httplib::Request& req, httplib::Response& res) { st->issue_token(req, res, true); });
    s.Post(R"(/sandbox/carriers/([A-Za-z]{1,8})/login-prefetch)",
           [st](const httplib::Request& req, httplib::Response& res) { st->login_prefetch(req, res); });
    // The sandbox's SMS gateway, for the instances that share this sandbox (--sandbox-url): the text lands in
    // the inbox of the simulated devices with that number, as a code this instance sends does.
    Inbox* inbox = inbox_.get();
    s.Post("/sandbox/sms", [inbox](const httplib::Request& req, httplib::Response& res) {
        const Locale locale = request_locale(req);
        json body;
        if (!read_object(req, res, body, locale)) return;
        if (const auto k = unknown_field(body, {"phone", "text", "code"})) {
            return send_error(res, 400, Reason::UNKNOWN_FIELD, locale, std::nullopt,
                              json{{"field", k->size() > 64 ? k->substr(0, 64) : *k}});
        }
        auto text_of = [&](const char* key, std::size_t max) -> std::optional<std::string> {
            if (!body.contains(key) || !body[key].is_string() || body[key].get<std::string>().size() > max) {
                send_error(res, 400, Reason::BAD_ARGUMENT, locale, std::nullopt, json{{"field", key}});
                return std::nullopt;
            }
            return body[key].get<std::string>();
        };
        const auto phone = text_of("phone", 11);
        if (!phone) return;
        const auto text = text_of("text", 500);
        if (!text) return;
        const auto code = text_of("code", 8);
        if (!code) return;
        if (!parse_phone(*phone).valid) {
            return send_error(res, 400, Reason::BAD_ARGUMENT, locale, std::nullopt, json{{"field", "phone"}});
        }
        inbox->send(*phone, *text, *code);
        send_json(res, 202, json{{"delivered", true}});
    });
    s.Post("/sandbox/faults", [st](const httplib::Request& req, httplib::Response& res) { st->add_fault(req, res); });
    s.Get("/sandbox/faults", [st](const httplib::Request&, httplib::Response& res) {
        std::lock_guard lock(st->mu);
        json list = json::array();
        for (const Fault& f : st->faults) list.push_back(fault_json(f));
        send_json(res, 200, json{{"faults", list}});
    });
    s.Delete("/sandbox/faults", [st](const httplib::Request&, httplib::Response& res) {
        std::lock_guard lock(st->mu);
        st->faults.clear();
        res.status = 204;
    });
    // What the emulated vendor answered, by code: what its bill would say (9000 and 9001 are billed). Tests
    // reconcile nv-server's usage ledger against it.
    s.Get("/sandbox/vendor/usage", [st](const httplib::Request&, httplib::Response& res) {
        std::lock_guard lock(st->mu);
        json by_code = json::object();
        std::uint64_t billed = 0;
        for (const auto& [code, n] : st->vendor_answers) {
            by_code[std::to_string(code)] = n;
            if (vendor_code_info(code).billed) billed += n;
        }
        send_json(res, 200,
                  json{{"billed", billed},
                       {"byCode", by_code},
                       {"delayedRequests", st->delayed_requests},
                       {"billedAfterDelay", st->billed_after_delay}});
    });
    mount_vendor(s, st, "/sandbox/vendor");
    // What the emulated Aliyun answered, by Code (VerifyResult for a verification): PASS and REJECT are billed.
    s.Get("/sandbox/aliyun/usage", [st](const httplib::Request&, httplib::Response& res) {
        std::lock_guard lock(st->mu);
        json by_code = json::object();
        std::uint64_t billed = 0;
        for (const auto& [code, n] : st->aliyun_answers) {
            by_code[code] = n;
            if (const auto r = aliyun_verify_result(code); r && r->billed) billed += n;
        }
        send_json(res, 200, json{{"billed", billed}, {"byCode", by_code}});
    });
    mount_aliyun(s, st, "/sandbox/aliyun/");
    mount_aliyun(s, st, "/sandbox/aliyun");
}

void Sandbox::mount_vendor_root(httplib::Server& s) {
    State* st = state_.get();
    mount_vendor(s, st, "");
    mount_aliyun(s, st, "/");
}

}  // namespace nv::server
