#include "nv/api.hpp"

#include <cmath>

#include "nv/json.hpp"

namespace nv {
namespace {

using json::Document;
using json::kNone;
using json::Type;
using json::Writer;

constexpr double kMaxSafeInteger = 9007199254740991.0;  // 2^53 - 1

struct Problem {
    Reason code = Reason::OK;
    String field;
};

// Strict reader for one input object: knows its allowed keys and reports the first problem with a path.
class Fields {
public:
    // The object at `obj`, which is `name` in `parent`'s object (the top-level object has no parent).
    Fields(const Document& doc, std::size_t obj, Problem& problem, const Fields* parent = nullptr,
           const char* name = nullptr)
        : doc_(doc), obj_(obj), problem_(problem), parent_(parent), name_(name) {}

    bool fail(Reason r, std::string_view key) {
        if (problem_.code == Reason::OK) {
            problem_.code = r;
            problem_.field.clear();
            path_to(problem_.field);
            problem_.field += key;
        }
        return false;
    }

    [[nodiscard]] bool ok() const { return problem_.code == Reason::OK; }
    [[nodiscard]] const Document& doc() const { return doc_; }

    // Every member must be one of `keys`, a comma-separated list ("type,now,phone").
    bool only(const char* keys) {
        for (std::size_t k = doc_.first_child(obj_); k != kNone; k = doc_.next_sibling(obj_, k)) {
            bool known = false;
            for (const char* p = keys; !known && *p != '\0';) {
                const char* end = p;
                while (*end != '\0' && *end != ',') ++end;
                known = doc_.string_is(k, std::string_view(p, static_cast<std::size_t>(end - p)));
                p = *end == ',' ? end + 1 : end;
            }
            if (!known) return fail(Reason::UNKNOWN_FIELD, doc_.string(k));
        }
        return true;
    }

    // The value's index when present and not null, else kNone.
    [[nodiscard]] std::size_t get(const char* key) const {
        const std::size_t v = doc_.find(obj_, key);
        return (v == kNone || doc_.type(v) == Type::Null) ? kNone : v;
    }

    // The value when present with the wanted type; kNone when absent; a problem when mistyped.
    std::size_t typed(const char* key, Type type) {
        const std::size_t v = get(key);
        if (v != kNone && doc_.type(v) != type) {
            fail(Reason::BAD_ARGUMENT, key);
            return kNone;
        }
        return v;
    }

    // A string field as a view into the document.
    bool string(const char* key, std::string_view& out, bool required, std::size_t max_bytes = 4096) {
        const std::size_t v = typed(key, Type::String);
        if (v == kNone) return ok() && (required ? fail(Reason::BAD_ARGUMENT, key) : true);
        if (doc_.text(v).size() > max_bytes) return fail(Reason::INPUT_TOO_LARGE, key);
        out = doc_.text(v);
        return true;
    }

    bool boolean(const char* key, bool& out) {
        const std::size_t v = typed(key, Type::Bool);
        if (v != kNone) out = doc_.node(v).truth != 0;
        return ok();
    }

    bool boolean(const char* key, std::optional<bool>& out) {
        const std::size_t v = typed(key, Type::Bool);
        if (v != kNone) out = doc_.node(v).truth != 0;
        return ok();
    }

    bool number(const char* key, double& out) {
        const std::size_t v = typed(key, Type::Number);
        if (v != kNone) out = doc_.node(v).number;
        return ok();
    }

    bool integer(const char* key, std::int64_t& out, std::int64_t lo, std::int64_t hi, bool required = false) {
        const std::size_t v = typed(key, Type::Number);
        if (v == kNone) return ok() && (required ? fail(Reason::BAD_ARGUMENT, key) : true);
        const double d = doc_.node(v).number;
        if (d != std::floor(d) || d < static_cast<double>(lo) || d > static_cast<double>(hi)) {
            return fail(Reason::BAD_ARGUMENT, key);
        }
        out = static_cast<std::int64_t>(d);
        return true;
    }

    bool integer(const char* key, int& out, int lo, int hi) {
        std::int64_t v = out;
        if (!integer(key, v, lo, hi)) return false;
        out = static_cast<int>(v);
        return true;
    }

    // A timestamp in ms from a monotonic clock: fractional values (performance.now()) are floored.
    bool time(const char* key, std::int64_t& out) {
        const std::size_t v = get(key);
        if (v == kNone || doc_.type(v) != Type::Number) return fail(Reason::BAD_ARGUMENT, key);
        const double d = doc_.node(v).number;
        if (d < 0 || d > kMaxSafeInteger) return fail(Reason::BAD_TIME, key);
        out = static_cast<std::int64_t>(std::floor(d));
        return true;
    }

    // A nested object, or kNone when absent/null (with a problem when it is something else).
    std::size_t object(const char* key) { return typed(key, Type::Object); }

    // The nested object `key`, as Fields (empty when it is absent: obj kNone).
    [[nodiscard]] Fields nested(const char* key) { return Fields(doc_, object(key), problem_, this, key); }
    [[nodiscard]] bool present() const { return obj_ != kNone; }

private:
    // Appends this object's path ("signals.connection."), the prefix of its fields' names in a problem.
    void path_to(String& out) const {
        if (parent_ == nullptr) return;
        parent_->path_to(out);
        out += name_;
        out += '.';
    }

    const Document& doc_;
    std::size_t obj_;
    Problem& problem_;
    const Fields* parent_;
    const char* name_;
};

void write_error(Writer& w, Reason r, std::string_view field, Locale locale) {
    w.begin_object().field("ok", false).object("error");
    w.field("code", reason_id(r)).field("message", reason_message(r, locale));
    if (!field.empty()) w.field("field", field);
    w.end_object().end_object();
}

String error_json(Reason r, std::string_view field, Locale locale) {
    Writer w;
    write_error(w, r, field, locale);
    return w.take();
}

String error_json(const Problem& p, Locale locale) { return error_json(p.code, p.field, locale); }

// Reads `input`, which must be a JSON object, or describes why it is not one. The page's build of the module
// (NV_VALUE_TAPE) reads the loader's tapes instead of JSON text, with the same checks (json.hpp, read_tape).
bool parse_object(std::string_view input, Document& doc, Problem& problem) {
#ifdef NV_VALUE_TAPE
    switch (doc.read_tape(input, kMaxInputBytes)) {
#else
    switch (doc.parse(input, kMaxInputBytes)) {
#endif
        case json::ParseError::None: break;
        case json::ParseError::BadUtf8: problem.code = Reason::BAD_UTF8; return false;
        case json::ParseError::TooLarge: problem.code = Reason::INPUT_TOO_LARGE; return false;
        default: problem.code = Reason::BAD_JSON; return false;
    }
    if (doc.type(0) != Type::Object) {
        problem.code = Reason::BAD_JSON;
        return false;
    }
    return true;
}

// Reads `locale` when present; the default is zh-CN, the product's users' language.
bool read_locale(Fields& f, Locale& locale) {
    std::string_view id;
    if (!f.string("locale", id, false, 32)) return false;
    if (id.empty()) return true;
    const auto l = locale_from_id(id);
    if (!l) return f.fail(Reason::BAD_ARGUMENT, "locale");
    locale = *l;
    return true;
}

// One request to the engine: its parsed input, its first problem and the locale of the answer.
struct Request {
    Document doc;
    Problem problem;
    Locale locale = Locale::ZhCN;

    // Parses `input`, checks its keys against `keys` (comma-separated) and reads `locale` when it is allowed.
    bool open(std::string_view input, const char* keys) {
        if (!parse_object(input, doc, problem)) return false;
        Fields f = fields();
        f.only(keys);
        read_locale(f, locale);
        return f.ok();
    }
    Fields fields() { return Fields(doc, 0, problem); }
    [[nodiscard]] String error() const { return error_json(problem, locale); }
};

// The environment signals in `f`'s object.
bool read_signals(Fields& f, EnvSignals& s, bool allow_locale, Locale* locale) {
    if (allow_locale) {
        f.only("userAgent,uaData,maxTouchPoints,onLine,connection,miniProgram,bridge,sandbox,locale");
        if (locale != nullptr) read_locale(f, *locale);
    } else {
        f.only("userAgent,uaData,maxTouchPoints,onLine,connection,miniProgram,bridge,sandbox");
    }
    f.string("userAgent", s.user_agent, false, 2048);
    std::int64_t touch = -1;
    f.integer("maxTouchPoints", touch, 0, 1000);
    s.max_touch_points = static_cast<int>(touch);
    f.boolean("onLine", s.on_line);
    f.boolean("miniProgram", s.mini_program);
    if (Fields u = f.nested("uaData"); u.present()) {
        u.only("mobile,platform");
        u.boolean("mobile", s.ua_mobile);
        u.string("platform", s.ua_platform, false, 64);
    }
    if (Fields n = f.nested("connection"); n.present()) {
        n.only("type,effectiveType,downlink,downlinkMax,rtt,saveData");
        NetInfo info;
        n.string("type", info.type, false, 32);
        n.string("effectiveType", info.effective_type, false, 32);
        n.number("downlink", info.downlink);
        n.number("downlinkMax", info.downlink_max);
        n.number("rtt", info.rtt);
        n.boolean("saveData", info.save_data);
        s.connection = info;
    }
    for (const char* key : {"bridge", "sandbox"}) {
        Fields b = f.nested(key);
        if (!b.present()) continue;
        b.only("network,vpn");
        NetworkReport report;
        std::string_view network;
        b.string("network", network, true, 32);
        if (b.ok()) {
            const auto state = network_state_from_id(network);
            if (!state) {
                b.fail(Reason::BAD_ARGUMENT, "network");
            } else {
                report.network = *state;
            }
        }
        b.boolean("vpn", report.vpn);
        (key[0] == 'b' ? s.bridge : s.sandbox) = report;
    }
    return f.ok();
}

void write_text(Writer& w, const char* key, Text t) {
    w.object(key).field("zh-CN", t.zh).field("en", t.en).end_object();
}

void write_environment(Writer& w, const Environment& env, Locale locale) {
    w.begin_object();
    w.field("verdict", verdict_id(env.verdict));
    w.array("reasons");
    for (const Reason r : env.reasons) w.string(reason_id(r));
    w.end_array();
    w.field("advice", advice_id(env.advice));
    std::string_view message = advice_message(env.advice, locale);
    if (env.verdict == Verdict::Unknown && !env.reasons.empty()) message = reason_message(env.reasons.front(), locale);
    w.field("message", message);
    w.array("details");
    for (const Reason r : env.reasons) {
        w.begin_object().field("code", reason_id(r)).field("message", reason_message(r, locale));
        w.field("blocking", reason_blocks(r)).end_object();
    }
    w.end_array();
    w.object("network").field("type", env.network.type).field("source", env.network.source);
    if (!env.network.effective_type.empty()) w.field("effectiveType", env.network.effective_type);
    w.end_object();
    w.object("client");
    w.field("os", env.client.os).field("app", env.client.app).field("webview", env.client.webview);
    w.field("mobile", env.client.mobile).field("desktop", env.client.desktop);
    w.field("miniProgram", env.client.mini_program);
    w.end_object();
    w.end_object();
}

std::int64_t ceil_seconds(std::int64_t ms) { return (ms + 999) / 1000; }

void write_retry(Writer& w, std::optional<std::int64_t> ms) {
    if (!ms) return;
    w.field("retryAfterMs", *ms).field("retryAfterSec", ceil_seconds(*ms));
}

// The per-carrier lifetimes, read and written alike.
struct TtlSetting {
    const char* key;
    std::array<std::int64_t, 3> FlowConfig::*member;
};
constexpr TtlSetting kTtlSettings[] = {{"tokenTtlMs", &FlowConfig::token_ttl_ms},
                                       {"loginTokenTtlMs", &FlowConfig::login_token_ttl_ms}};

void write_config(Writer& w, const FlowConfig& c) {
    w.begin_object();
    for (const auto& f : kConfigFields) {
        if (f.name != nullptr) w.field(f.name, c.*f.member);
    }
    for (const auto& [key, ttl] : kTtlSettings) {
        w.object(key);
        for (const Operator op : kOperators) w.field(operator_id(op).data(), (c.*ttl)[static_cast<std::size_t>(op)]);
        w.end_object();
    }
    w.array("operators");
    for (const Operator op : c.operators) w.string(operator_id(op));
    w.end_array();
    w.end_object();
}

// The companion server's reply body, read leniently: it is someone else's document, and a malformed or
// contradictory one must end the flow with a clear reason, not an API error. `body` is the event's string node.
VerifyReply read_reply(std::int64_t status, const Document& event, std::size_t body) {
    VerifyReply r;
    r.status = static_cast<int>(status);
#ifdef NV_VALUE_TAPE
    // The loader parsed the body (JSON.parse) and laid its value out after the string, when it was JSON.
    const Document& doc = event;
    const std::size_t root = body == kNone ? kNone : doc.parsed(body);
#else
    Document doc;
    const std::size_t root =
        body != kNone && doc.parse(event.text(body), kMaxInputBytes) == json::ParseError::None ? 0 : kNone;
#endif
    if (root == kNone || doc.type(root) != Type::Object) return r;
    r.body_ok = true;
    auto member = [&](std::size_t obj, std::string_view key, Type type) {
        const std::size_t v = doc.find(obj, key);
        return (v != kNone && doc.type(v) == type) ? v : kNone;
    };
    auto as_int = [&](std::size_t v, double hi) -> std::optional<std::int64_t> {
        if (v == kNone) return std::nullopt;
        const double d = doc.node(v).number;
        if (d != std::floor(d) || d < 0 || d > hi) return std::nullopt;
        return static_cast<std::int64_t>(d);
    };
    auto text = [&](std::size_t v) { return v == kNone ? std::string_view() : doc.text(v); };
    if (const std::size_t v = member(root, "verified", Type::Bool); v != kNone) r.verified = doc.node(v).truth != 0;
    if (const std::size_t v = member(root, "loggedIn", Type::Bool); v != kNone) r.logged_in = doc.node(v).truth != 0;
    r.result = reply_result_from_id(text(member(root, "result", Type::String)));
    if (const std::size_t up = member(root, "upstream", Type::Object); up != kNone) {
        if (const auto code = as_int(member(up, "code", Type::Number), 999999)) r.upstream_code = static_cast<int>(*code);
    }
    if (const std::size_t err = member(root, "error", Type::Object); err != kNone) {
        r.has_error = true;
        r.error = reason_from_id(text(member(err, "code", Type::String))).value_or(Reason::SERVER_ERROR);
        r.retry_after_sec = as_int(member(err, "retryAfterSec", Type::Number), 86400 * 2);
    }
    if (const std::size_t risk = member(root, "risk", Type::Object); risk != kNone) {
        if (const auto score = as_int(member(risk, "score", Type::Number), 1000)) r.risk_score = static_cast<int>(*score);
        r.risk_decision = risk_decision_from_id(text(member(risk, "decision", Type::String)));
    }
    return r;
}

// What each event carries: its type, its keys (checked with Fields::only) and which fields to read.
enum EventField : std::uint16_t {
    kPhone = 1, kConsent = 2, kOperator = 4, kSignals = 8, kSignalsRequired = 16, kId = 32, kToken = 64,
    kCode = 128, kReply = 256, kCheck = 512, kCarriers = 1024,
};
struct EventShape {
    const char* name;
    EventType type;
    const char* keys;
    std::uint16_t fields;
};
constexpr EventShape kEvents[] = {
    {"start", EventType::Start, "type,now,phone,consent,signals,check", kPhone | kConsent | kSignals | kCheck},
    {"prefetch", EventType::Prefetch, "type,now,phone,consent,signals", kPhone | kConsent | kSignals},
    {"env", EventType::Env, "type,now,signals", kSignals | kSignalsRequired},
    {"token", EventType::Token, "type,now,id,token,operator", kId | kToken | kOperator},
    {"token_error", EventType::TokenError, "type,now,id,code,carriers", kId | kCode | kCarriers},
    {"verify_result", EventType::VerifyResult, "type,now,id,status,body", kId | kReply},
    {"verify_failed", EventType::VerifyFailed, "type,now,id,code", kId | kCode},
    {"tick", EventType::Tick, "type,now", 0},
    {"cancel", EventType::Cancel, "type,now", 0},
    {"cooldown", EventType::Cooldown, "type,now,phone", kPhone},
    {"login", EventType::Login, "type,now,consent,signals,operator,check", kConsent | kOperator | kSignals | kCheck},
    {"login_result", EventType::VerifyResult, "type,now,id,status,body", kId | kReply},
    {"login_failed", EventType::VerifyFailed, "type,now,id,code", kId | kCode},
    {"check_result", EventType::VerifyResult, "type,now,id,status,body", kId | kReply},
    {"check_failed", EventType::VerifyFailed, "type,now,id,code", kId | kCode},
};

// `scratch` holds a numeric code's text for as long as the event lives.
bool read_event(const Document& doc, Problem& problem, Event& e, String& scratch) {
    Fields f(doc, 0, problem);
    std::string_view type;
    if (!f.string("type", type, true, 32)) return false;
    const EventShape* shape = nullptr;
    for (const auto& s : kEvents) {
        if (type == s.name) shape = &s;
    }
    if (shape == nullptr) return f.fail(Reason::UNKNOWN_EVENT, "type");
    e.type = shape->type;
    const unsigned has = shape->fields;

    f.only(shape->keys);
    if ((has & kPhone) != 0) f.string("phone", e.phone, true, 1024);
    if ((has & kConsent) != 0) f.boolean("consent", e.consent);
    if ((has & kCheck) != 0) f.boolean("check", e.check);
    if ((has & kOperator) != 0) {
        std::string_view op;
        if (f.string("operator", op, false, 8) && !op.empty()) {
            e.op = operator_from_id(op);
            if (!e.op) f.fail(Reason::BAD_OPERATOR, "operator");
        }
    }
    if (!f.ok()) return false;
    f.time("now", e.now);

    if ((has & kSignals) != 0) {
        if (Fields sig = f.nested("signals"); sig.present()) {
            EnvSignals s;
            if (read_signals(sig, s, false, nullptr)) e.signals = s;
        } else if ((has & kSignalsRequired) != 0 && f.ok()) {
            f.fail(Reason::BAD_ARGUMENT, "signals");
        }
    }
    if ((has & kId) != 0) {
        std::int64_t id = 0;
        f.integer("id", id, 1, 0xFFFFFFFF, true);
        e.id = static_cast<std::uint32_t>(id);
    }
    if ((has & kToken) != 0) f.string("token", e.token, true, 4096);
    if ((has & kCode) != 0) {
        // Codes come as numbers (SDK: 2002) or strings (carrier: "103111", driver: "TIMEOUT").
        const std::size_t c = f.get("code");
        const double n = c == kNone ? -1 : doc.node(c).number;
        if (c != kNone && doc.type(c) == Type::String && doc.text(c).size() <= 64) {
            e.code = doc.text(c);
        } else if (c != kNone && doc.type(c) == Type::Number && n == std::floor(n) && n >= 0 && n < 1e9) {
            Writer w;
            w.integer(static_cast<std::int64_t>(n));
            scratch = w.take();
            e.code = scratch;
        } else {
            f.fail(Reason::BAD_ARGUMENT, "code");
        }
    }
    if ((has & kCarriers) != 0) {
        // Each carrier's own code, when the provider's SDK asked several (the vendor's Web SDK on 2002).
        if (Fields m = f.nested("carriers"); m.present()) {
            m.only("CM,CU,CT");
            for (const Operator op : kOperators) {
                m.string(operator_id(op).data(), e.carrier_codes[static_cast<std::size_t>(op)], false, 64);
            }
        }
    }
    if ((has & kReply) != 0) {
        std::int64_t status = 0;
        f.integer("status", status, 0, 999, true);
        std::string_view body;
        f.string("body", body, false, kMaxInputBytes);
        if (f.ok()) e.reply = read_reply(status, doc, f.get("body"));
    }
    return problem.code == Reason::OK;
}

void write_command(Writer& w, const Command& c) {
    w.begin_object().field("cmd", command_id(c.type));
    switch (c.type) {
        case CommandType::CollectEnv: break;
        case CommandType::Wake: w.field("at", c.at); break;
        case CommandType::CancelToken:
        case CommandType::CancelVerify: w.field("id", static_cast<std::int64_t>(c.id)); break;
        case CommandType::GetToken:
        case CommandType::GetLoginToken:
            w.field("id", static_cast<std::int64_t>(c.id)).field("operator", operator_id(c.op));
            w.field("timeoutMs", c.timeout_ms);
            break;
        case CommandType::Login:
            w.field("id", static_cast<std::int64_t>(c.id)).field("operator", operator_id(c.op));
            w.field("token", c.token).field("timeoutMs", c.timeout_ms);
            break;
        case CommandType::Verify:
            w.field("id", static_cast<std::int64_t>(c.id)).field("operator", operator_id(c.op));
            w.field("phone", c.phone).field("token", c.token).field("timeoutMs", c.timeout_ms);
            break;
        case CommandType::Check:
            w.field("id", static_cast<std::int64_t>(c.id));
            if (!c.phone.empty()) w.field("phone", c.phone);
            w.field("timeoutMs", c.timeout_ms);
            break;
    }
    w.end_object();
}

void write_ending(Writer& w, const Ending& e, Locale locale) {
    w.begin_object();
    w.field("outcome", outcome_id(e.outcome)).field("verified", e.outcome == Outcome::Verified);
    if (e.outcome == Outcome::LoggedIn) w.field("loggedIn", true);
    w.field("reason", reason_id(e.reason)).field("message", reason_message(e.reason, locale));
    w.field("advice", advice_id(e.advice)).field("adviceMessage", advice_message(e.advice, locale));
    // Pages switch to SMS on these endings (DESIGN 7); a cancel is the page's own decision.
    w.field("fallback", e.outcome == Outcome::Fallback || e.outcome == Outcome::NotVerified ? "sms" : "none");
    if (e.op) w.field("operator", operator_id(*e.op));
    if (!e.code.empty()) w.field("code", e.code);
    write_retry(w, e.retry_after_ms);
    if (e.risk_score || e.risk_decision != RiskDecision::None) {
        w.object("risk");
        if (e.risk_score) w.field("score", static_cast<std::int64_t>(*e.risk_score));
        if (e.risk_decision != RiskDecision::None) w.field("decision", risk_decision_id(e.risk_decision));
        w.end_object();
    }
    w.field("elapsedMs", e.elapsed_ms);
    w.end_object();
}

}  // namespace

String Engine::phone(std::string_view input) {
    Request req;
    if (!req.open(input, "input,locale")) return req.error();
    std::string_view raw;
    if (!req.fields().string("input", raw, true, kMaxInputBytes)) return req.error();
    const Locale locale = req.locale;

    const PhoneNumber p = parse_phone(raw);
    Writer w;
    w.begin_object().field("ok", true).field("valid", p.valid);
    if (!p.valid) w.field("reason", reason_id(p.reason)).field("message", reason_message(p.reason, locale));
    w.field("national", p.national);
    if (p.valid) w.field("e164", e164(p)).field("masked", mask_phone(p.national));
    w.field("carrier", carrier_id(p.segment.carrier));
    const Text name = carrier_name(p.segment.carrier);
    w.field("carrierName", locale == Locale::ZhCN ? name.zh : name.en);
    if (p.segment.network) w.field("network", operator_id(*p.segment.network));
    if (!p.segment.segment.empty()) w.field("segment", p.segment.segment).field("kind", line_kind_id(p.segment.kind));
    if (p.valid) {
        w.array("operators");
        for (const Operator op : operator_order(p.segment, OperatorList{Operator::CM, Operator::CU, Operator::CT})) {
            w.string(operator_id(op));
        }
        w.end_array();
    }
    w.end_object();
    return w.take();
}

String Engine::environment(std::string_view input) {
    Problem problem;
    Document doc;
    Locale locale = Locale::ZhCN;
    if (!parse_object(input, doc, problem)) return error_json(problem, locale);
    EnvSignals s;
    Fields f(doc, 0, problem);
    if (!read_signals(f, s, true, &locale)) return error_json(problem, locale);
    const Environment env = evaluate_environment(s);
    Writer w;
    w.begin_object().field("ok", true).key("environment");
    write_environment(w, env, locale);
    w.end_object();
    return w.take();
}

String Engine::describe(std::string_view input) {
    Request req;
    if (!req.open(input, "vendor,sdk,reason,carrier,code,advice,list,locale")) return req.error();
    Fields f = req.fields();

    auto messages = [](Writer& w, Reason r) {
        w.field("reason", reason_id(r));
        w.object("messages");
        w.field("zh-CN", reason_message(r, Locale::ZhCN)).field("en", reason_message(r, Locale::En));
        w.end_object();
    };
    auto action_id = [](TokenErrorAction a) { return a == TokenErrorAction::Stop ? "stop" : "next_carrier"; };
    auto vendor_outcome_id = [](VendorOutcome o) -> std::string_view {
        switch (o) {
            case VendorOutcome::Consistent: return "consistent";
            case VendorOutcome::Inconsistent: return "inconsistent";
            case VendorOutcome::Unknown: return "unknown";
            case VendorOutcome::TokenRejected: return "token_rejected";
            case VendorOutcome::RateLimited: return "rate_limited";
            case VendorOutcome::Refused: return "refused";
            case VendorOutcome::ServerError: return "server_error";
        }
        return "server_error";
    };
    auto vendor = [&](Writer& w, const VendorCodeInfo& v) {
        w.begin_object().field("vendor", static_cast<std::int64_t>(v.code));
        messages(w, v.reason);
        w.field("outcome", vendor_outcome_id(v.outcome)).field("billed", v.billed).end_object();
    };
    auto sdk = [&](Writer& w, const SdkCodeInfo& s) {
        w.begin_object().field("sdk", static_cast<std::int64_t>(s.code));
        messages(w, s.reason);
        w.field("action", action_id(s.action)).end_object();
    };
    auto carrier = [&](Writer& w, const CarrierCodeInfo& c) {
        w.begin_object().field("carrier", operator_id(c.op)).field("code", c.code);
        messages(w, c.reason);
        w.field("action", action_id(c.action)).end_object();
    };
    auto reason = [&](Writer& w, Reason r) {
        w.begin_object();
        messages(w, r);
        w.field("blocking", reason_blocks(r)).end_object();
    };

    Writer w;
    w.begin_object().field("ok", true);
    std::string_view text;
    std::int64_t number = 0;
    if (f.get("list") != kNone) {
        f.string("list", text, true, 16);
        std::size_t n = 0;
        if (text == "reasons") {
            w.array("reasons");
            for (std::size_t i = 0; i < reason_count(); ++i) reason(w, reason_at(i));
        } else if (text == "vendor") {
            w.array("vendor");
            const VendorCodeInfo* rows = vendor_codes(&n);
            for (std::size_t i = 0; i < n; ++i) vendor(w, rows[i]);
        } else if (text == "sdk") {
            w.array("sdk");
            const SdkCodeInfo* rows = sdk_codes(&n);
            for (std::size_t i = 0; i < n; ++i) sdk(w, rows[i]);
        } else if (text == "carrier") {
            w.array("carrier");
            const CarrierCodeInfo* rows = carrier_codes(&n);
            for (std::size_t i = 0; i < n; ++i) carrier(w, rows[i]);
        } else if (text == "advice") {
            w.array("advice");
            for (const Advice a : kAdviceList) {
                w.begin_object().field("advice", advice_id(a)).object("messages");
                w.field("zh-CN", advice_message(a, Locale::ZhCN)).field("en", advice_message(a, Locale::En));
                w.end_object().end_object();
            }
        } else if (text == "texts") {
            w.array("texts");
            for (std::size_t i = 0; i < carrier_text_count(); ++i) {
                w.begin_object().field("text", carrier_text_id(i));
                write_text(w, "messages", carrier_text(i));
                w.end_object();
            }
        } else {
            f.fail(Reason::BAD_ARGUMENT, "list");
        }
        w.end_array();
    } else if (f.get("vendor") != kNone) {
        if (f.integer("vendor", number, 0, 999999, true)) {
            w.key("code");
            vendor(w, vendor_code_info(static_cast<int>(number)));
        }
    } else if (f.get("sdk") != kNone) {
        if (f.integer("sdk", number, 0, 999999, true)) {
            w.key("code");
            sdk(w, sdk_code_info(static_cast<int>(number)));
        }
    } else if (f.get("carrier") != kNone) {
        std::string_view op_id;
        f.string("carrier", op_id, true, 8);
        f.string("code", text, true, 64);
        const auto op = operator_from_id(op_id);
        if (f.ok() && !op) f.fail(Reason::BAD_ARGUMENT, "carrier");
        if (f.ok()) {
            w.key("code");
            const auto row = carrier_code_info(*op, text);
            carrier(w, row ? *row : CarrierCodeInfo{*op, text, Reason::TOKEN_FAILED, TokenErrorAction::NextCarrier});
        }
    } else if (f.get("reason") != kNone) {
        f.string("reason", text, true, 64);
        const auto r = reason_from_id(text);
        if (f.ok() && !r) f.fail(Reason::BAD_ARGUMENT, "reason");
        if (f.ok()) {
            w.key("code");
            reason(w, *r);
        }
    } else if (f.get("advice") != kNone) {
        f.string("advice", text, true, 32);
        bool found = false;
        for (const Advice a : kAdviceList) {
            if (advice_id(a) != text) continue;
            found = true;
            w.object("code").field("advice", advice_id(a)).object("messages");
            w.field("zh-CN", advice_message(a, Locale::ZhCN)).field("en", advice_message(a, Locale::En));
            w.end_object().end_object();
        }
        if (f.ok() && !found) f.fail(Reason::BAD_ARGUMENT, "advice");
    } else {
        f.fail(Reason::BAD_ARGUMENT, "vendor");
    }
    if (!f.ok()) return req.error();
    w.end_object();
    return w.take();
}

String Engine::message_ids() {
    String out;
    for (std::size_t i = 0; i < reason_count(); ++i) {
        out += reason_id(reason_at(i));
        out += ',';
    }
    for (const Advice a : kAdviceList) {
        out += advice_id(a);
        out += ',';
    }
    for (std::size_t i = 0; i < carrier_text_count(); ++i) {
        out += carrier_text_id(i);
        out += ',';
    }
    out.pop_back();
    return out;
}

String Engine::info(std::string_view input) {
    Request req;
    if (!req.open(input, "locale")) return req.error();

    Writer w;
    w.begin_object().field("ok", true).field("version", kVersion);
    w.array("carriers");
    for (const Operator op : kOperators) {
        const OperatorInfo& o = operator_info(op);
        w.begin_object().field("id", operator_id(op));
        write_text(w, "name", o.name);
        write_text(w, "branding", o.branding);
        w.object("agreement");
        write_text(w, "name", o.agreement);
        w.field("url", o.agreement_url).end_object();
        w.field("tokenTtlMs", o.token_ttl_ms).field("loginTokenTtlMs", o.login_token_ttl_ms);
        w.field("networks", o.networks);
        w.end_object();
    }
    w.end_array();
    w.key("defaults");
    write_config(w, FlowConfig{});
    w.end_object();
    return w.take();
}

String Engine::flow_create(std::string_view input) {
    Request req;
    if (!req.open(input, "tokenTimeoutMs,budgetMs,unknownBudgetMs,minAttemptMs,verifyTimeoutMs,envTimeoutMs,"
                         "sameNumberIntervalMs,tokenTtlMs,operators,unusedTokenLimit,unusedTokenWindowMs,"
                         "maxRefetches,loginTimeoutMs,loginBudgetMs,loginTokenTtlMs,carriersPerRequest,checkTimeoutMs,locale")) {
        return req.error();
    }
    const Document& doc = req.doc;
    const Locale locale = req.locale;
    Fields f = req.fields();
    FlowConfig c;
    // Out-of-range values are refused by validate(), with the setting's name; here only the type is checked.
    constexpr std::int64_t kDay = 86'400'000;
    for (const auto& cf : kConfigFields) {
        if (cf.name != nullptr) f.integer(cf.name, c.*cf.member, -kDay, kDay);
    }
    for (const auto& [key, ttl] : kTtlSettings) {
        if (Fields t = f.nested(key); t.present()) {
            t.only("CM,CU,CT");
            for (const Operator op : kOperators) {
                t.integer(operator_id(op).data(), (c.*ttl)[static_cast<std::size_t>(op)], 0, kDay);
            }
        }
    }
    if (const std::size_t ops = f.typed("operators", Type::Array); ops != kNone) {
        {
            c.operators.clear();
            for (std::size_t item = doc.first_child(ops); item != kNone; item = doc.next_sibling(ops, item)) {
                const auto op = doc.type(item) == Type::String ? operator_from_id(doc.text(item)) : std::nullopt;
                if (!op || !c.operators.push_back(*op)) {
                    f.fail(Reason::BAD_ARGUMENT, "operators");
                    break;
                }
            }
        }
    }
    if (!f.ok()) return req.error();
    if (const std::string_view bad = validate(c); !bad.empty()) return error_json(Reason::BAD_ARGUMENT, bad, locale);
    Slot* slot = find(0);  // a free one
    if (slot == nullptr) return error_json(Reason::TOO_MANY_FLOWS, {}, locale);

    const std::int32_t handle = next_handle_;
    next_handle_ = next_handle_ == 0x7FFFFFFF ? 1 : next_handle_ + 1;
    *slot = Slot{handle, locale, std::make_unique<Flow>(c)};
    Writer w;
    w.begin_object().field("ok", true).field("flow", static_cast<std::int64_t>(handle)).key("config");
    write_config(w, c);
    w.end_object();
    return w.take();
}

// The slot holding flow `handle`; with 0, a free slot.
Engine::Slot* Engine::find(std::int32_t handle) {
    for (auto& s : flows_) {
        if ((s.flow ? s.handle : 0) == handle) return &s;
    }
    return nullptr;
}

std::size_t Engine::open_flows() const {
    std::size_t n = 0;
    for (const auto& s : flows_) n += s.flow ? 1U : 0U;
    return n;
}

String Engine::flow_step(std::int32_t flow, std::string_view event) {
    Slot* slot = flow == 0 ? nullptr : find(flow);
    if (slot == nullptr) return error_json(Reason::UNKNOWN_FLOW, "flow", Locale::ZhCN);
    const Locale locale = slot->locale;
    Problem problem;
    Document doc;
    if (!parse_object(event, doc, problem)) return error_json(problem, locale);
    Event e;
    String scratch;
    if (!read_event(doc, problem, e, scratch)) return error_json(problem, locale);

    const FlowOutput out = slot->flow->handle(e);
    if (out.error != Reason::OK) {
        return error_json(out.error, out.error == Reason::BAD_TIME ? "now" : "type", locale);
    }
    Writer w;
    w.begin_object().field("ok", true).field("state", flow_state_id(out.state));
    w.array("path");
    for (const FlowState s : out.path) w.string(flow_state_id(s));
    w.end_array();
    w.array("commands");
    for (const Command& c : out.commands) write_command(w, c);
    w.end_array();
    if (out.ignored) w.field("ignored", true);
    if (out.environment) {
        w.key("environment");
        write_environment(w, *out.environment, locale);
    }
    if (out.rejected) {
        w.object("rejected");
        w.field("reason", reason_id(out.rejected->reason));
        w.field("message", reason_message(out.rejected->reason, locale));
        write_retry(w, out.rejected->retry_after_ms);
        w.end_object();
    }
    if (out.ending) {
        w.key("ending");
        write_ending(w, *out.ending, locale);
    }
    if (out.cooldown_ms) {
        w.field("cooldownMs", *out.cooldown_ms).field("retryAfterSec", ceil_seconds(*out.cooldown_ms));
    }
    if (out.token_expires_at) w.field("tokenExpiresAt", *out.token_expires_at);
    w.end_object();
    return w.take();
}

String Engine::flow_destroy(std::int32_t flow) {
    Slot* slot = flow == 0 ? nullptr : find(flow);
    if (slot == nullptr) return error_json(Reason::UNKNOWN_FLOW, "flow", Locale::ZhCN);
    slot->flow.reset();
    return R"({"ok":true})";
}

}  // namespace nv
