#include "vendor/acs3_signature.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <map>

#include "base/crypto.hpp"

namespace nv::server::acs3 {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool is_signed_header(std::string_view lower_name) {
    return lower_name == "host" || lower_name == "content-type" || lower_name.rfind("x-acs-", 0) == 0;
}

}  // namespace

std::string percent_encode(std::string_view s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size() * 3);
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += ch;
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

std::string canonical_query(const Pairs& query) {
    std::vector<std::pair<std::string, std::string>> encoded;
    encoded.reserve(query.size());
    for (const auto& [k, v] : query) encoded.emplace_back(percent_encode(k), percent_encode(v));
    std::sort(encoded.begin(), encoded.end());
    std::string out;
    for (const auto& [k, v] : encoded) {
        if (!out.empty()) out += '&';
        out += k;
        out += '=';
        out += v;
    }
    return out;
}

std::string signed_header_names(const Request& r) {
    std::vector<std::string> names;
    for (const auto& [k, v] : r.headers) {
        std::string n = lower(k);
        if (is_signed_header(n) && std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
    }
    std::sort(names.begin(), names.end());
    std::string out;
    for (const auto& n : names) {
        if (!out.empty()) out += ';';
        out += n;
    }
    return out;
}

std::string canonical_request(const Request& r, std::string_view signed_headers, std::string_view hashed_payload) {
    std::map<std::string, std::string> values;  // lowercase name -> trimmed value (the first of a repeated header)
    for (const auto& [k, v] : r.headers) values.emplace(lower(k), std::string(trim(v)));
    std::string out = r.method + "\n" + r.path + "\n" + canonical_query(r.query) + "\n";
    std::string_view names = signed_headers;
    while (!names.empty()) {
        const std::size_t semi = names.find(';');
        const std::string name(names.substr(0, semi));
        const auto it = values.find(name);
        out += name + ":" + (it == values.end() ? std::string() : it->second) + "\n";
        names = semi == std::string_view::npos ? std::string_view() : names.substr(semi + 1);
    }
    out += "\n";
    out += signed_headers;
    out += "\n";
    out += hashed_payload;
    return out;
}

std::string string_to_sign(std::string_view canonical) {
    return std::string(kAlgorithm) + "\n" + sha256_hex(canonical);
}

std::string signature(std::string_view secret, std::string_view sts) { return hmac_sha256_hex(secret, sts); }

std::string sign(Request& r, std::string_view access_key_id, std::string_view secret) {
    const std::string hashed = sha256_hex(r.body);
    r.headers.emplace_back("x-acs-content-sha256", hashed);
    const std::string names = signed_header_names(r);
    const std::string sig = signature(secret, string_to_sign(canonical_request(r, names, hashed)));
    std::string auth = std::string(kAlgorithm) + " Credential=" + std::string(access_key_id) +
                       ",SignedHeaders=" + names + ",Signature=" + sig;
    r.headers.emplace_back("Authorization", auth);
    return auth;
}

std::optional<Authorization> parse_authorization(std::string_view value) {
    const std::string prefix = std::string(kAlgorithm) + " ";
    if (value.substr(0, prefix.size()) != prefix) return std::nullopt;
    value.remove_prefix(prefix.size());
    Authorization a;
    bool cred = false, names = false, sig = false;
    while (!value.empty()) {
        const std::size_t comma = value.find(',');
        const std::string_view part = trim(value.substr(0, comma));
        value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
        const std::size_t eq = part.find('=');
        if (eq == std::string_view::npos) return std::nullopt;
        const std::string_view k = part.substr(0, eq), v = part.substr(eq + 1);
        if (k == "Credential" && !cred) {
            a.access_key_id = v;
            cred = true;
        } else if (k == "SignedHeaders" && !names) {
            a.signed_headers = v;
            names = true;
        } else if (k == "Signature" && !sig) {
            a.signature = v;
            sig = true;
        } else {
            return std::nullopt;
        }
    }
    if (!cred || !names || !sig || a.access_key_id.empty() || a.signed_headers.empty()) return std::nullopt;
    return a;
}

std::string format_date(std::int64_t unix_ms) {
    const std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::optional<std::int64_t> parse_date(std::string_view text) {
    if (text.size() != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
        text[16] != ':' || text[19] != 'Z') {
        return std::nullopt;
    }
    for (const std::size_t i : {0U, 1U, 2U, 3U, 5U, 6U, 8U, 9U, 11U, 12U, 14U, 15U, 17U, 18U}) {
        if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
    }
    auto num = [&](std::size_t at, std::size_t n) { return std::stoi(std::string(text.substr(at, n))); };
    std::tm tm{};
    tm.tm_year = num(0, 4) - 1900;
    tm.tm_mon = num(5, 2) - 1;
    tm.tm_mday = num(8, 2);
    tm.tm_hour = num(11, 2);
    tm.tm_min = num(14, 2);
    tm.tm_sec = num(17, 2);
    if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60) {
        return std::nullopt;
    }
    return static_cast<std::int64_t>(timegm(&tm)) * 1000;
}

}  // namespace nv::server::acs3
