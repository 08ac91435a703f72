#include "http/static_files.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "base/request_log.hpp"

namespace nv::server {
namespace {

std::string trim(std::string s) {
    const std::size_t b = s.find_first_not_of(" \t");
    if (b == std::string::npos) return "";
    return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    return s;
}

bool read_file(const std::string& path, std::string& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::ostringstream ss;
    ss << in.rdbuf();
    out = ss.str();
    return static_cast<bool>(in) || in.eof();
}

// A variant is used only when it is at least as new as its source (a stale .br after a rebuild is ignored).
bool fresh_variant(const std::string& file, const std::string& variant) {
    struct stat a {
    }, b{};
    if (stat(file.c_str(), &a) != 0 || stat(variant.c_str(), &b) != 0 || !S_ISREG(b.st_mode)) return false;
    return b.st_mtim.tv_sec > a.st_mtim.tv_sec ||
           (b.st_mtim.tv_sec == a.st_mtim.tv_sec && b.st_mtim.tv_nsec >= a.st_mtim.tv_nsec);
}

}  // namespace

std::string static_file_for(const std::vector<StaticMount>& mounts, const std::string& path) {
    for (const StaticMount& m : mounts) {
        if (path.compare(0, m.prefix.size(), m.prefix) != 0) continue;
        std::string file = m.dir + "/" + path.substr(m.prefix.size());
        if (!file.empty() && file.back() == '/') file += "index.html";
        struct stat st {};
        if (stat(file.c_str(), &st) == 0 && S_ISREG(st.st_mode)) return file;
    }
    return "";
}

std::vector<std::string> acceptable_codings(const std::string& accept_encoding) {
    bool br = false, gzip = false, star = false, no_br = false, no_gzip = false;
    std::stringstream list(accept_encoding);
    for (std::string item; std::getline(list, item, ',');) {
        std::string coding = lower(trim(item.substr(0, item.find(';'))));
        double q = 1;
        if (const std::size_t at = item.find(";"); at != std::string::npos) {
            const std::string params = lower(item.substr(at + 1));
            if (const std::size_t qp = params.find("q="); qp != std::string::npos) {
                q = std::strtod(params.c_str() + qp + 2, nullptr);
            }
        }
        const bool ok = q > 0;
        if (coding == "br")
            (ok ? br : no_br) = true;
        else if (coding == "gzip" || coding == "x-gzip")
            (ok ? gzip : no_gzip) = true;
        else if (coding == "*" && ok)
            star = true;
    }
    std::vector<std::string> out;
    if ((br || star) && !no_br) out.emplace_back("br");
    if ((gzip || star) && !no_gzip) out.emplace_back("gzip");
    return out;
}

std::string weak_etag(const std::string& file) {
    struct stat st {};
    if (stat(file.c_str(), &st) != 0) return "";
    const long long ns = static_cast<long long>(st.st_mtim.tv_sec) * 1'000'000'000LL + st.st_mtim.tv_nsec;
    char buf[64];
    std::snprintf(buf, sizeof buf, "W/\"%llx-%llx\"", static_cast<unsigned long long>(st.st_size),
                  static_cast<unsigned long long>(ns));
    return buf;
}

bool none_match(const std::string& if_none_match, const std::string& etag) {
    if (etag.empty()) return false;
    auto opaque = [](std::string t) { return t.rfind("W/", 0) == 0 ? t.substr(2) : t; };
    std::stringstream list(if_none_match);
    for (std::string item; std::getline(list, item, ',');) {
        item = trim(item);
        if (item == "*" || (!item.empty() && opaque(item) == opaque(etag))) return true;
    }
    return false;
}

void install_static_files(httplib::Server& s, std::vector<StaticMount> mounts) {
    s.set_file_extension_and_mimetype_mapping("wasm", "application/wasm");
    s.set_file_extension_and_mimetype_mapping("mjs", "text/javascript");
    s.set_file_extension_and_mimetype_mapping("js", "text/javascript");
    s.set_file_extension_and_mimetype_mapping("map", "application/json");
    s.set_file_extension_and_mimetype_mapping("ts", "text/plain");
    s.set_file_extension_and_mimetype_mapping("ico", "image/x-icon");
    for (const StaticMount& m : mounts) {
        if (!s.set_mount_point(m.prefix, m.dir)) {
            log_event("warn", "static directory missing", "\"dir\":" + nlohmann::json(m.dir).dump());
        }
    }
    s.set_file_request_handler([mounts](const httplib::Request& req, httplib::Response& res) {
        const std::string file = static_file_for(mounts, req.path);
        if (file.empty()) return;
        res.set_header("Cache-Control", "no-cache");  // may be stored, but revalidated before each use
        res.set_header("Vary", "Accept-Encoding");
        const std::string etag = weak_etag(file);
        if (!etag.empty()) res.set_header("ETag", etag);
        if (none_match(req.get_header_value("If-None-Match"), etag)) {
            res.status = 304;
            res.body.clear();
            return;
        }
        if (req.has_header("Range")) return;  // ranges are served from the file itself, unencoded
        for (const std::string& coding : acceptable_codings(req.get_header_value("Accept-Encoding"))) {
            const std::string variant = file + (coding == "br" ? ".br" : ".gz");
            std::string body;
            if (!fresh_variant(file, variant) || !read_file(variant, body)) continue;
            res.body = std::move(body);
            res.set_header("Content-Encoding", coding);
            // cpp-httplib would compress a text body again for a client that accepts it: this answer is
            // encoded already, so the request's Accept-Encoding is spent (cpp-httplib owns the request object
            // and hands handlers a const view of it).
            const_cast<httplib::Request&>(req).headers.erase("Accept-Encoding");
            return;
        }
    });
}

}  // namespace nv::server
