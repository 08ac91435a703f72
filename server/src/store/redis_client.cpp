#include "store/redis_client.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <tuple>

#include "store/store.hpp"

namespace nv::server {
namespace {

std::optional<std::string> percent_decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out += s[i];
            continue;
        }
        auto hex = [](char c) -> int {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            return -1;
        };
        if (i + 2 >= s.size()) return std::nullopt;
        const int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return out;
}

std::string ssl_error_text() {
    const unsigned long e = ERR_get_error();
    if (e == 0) return "TLS failure";
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    return buf;
}

void set_timeout(int fd, std::int64_t ms) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(ms / 1000);
    tv.tv_usec = static_cast<suseconds_t>((ms % 1000) * 1000);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

}  // namespace

namespace {

// host[:port] or [v6]:port, into `host` and `port` (unchanged when the text has none); an error text or "".
std::string parse_host_port(std::string host, std::string& out_host, int& port) {
    const std::size_t bracket = host.rfind(']');
    if (const std::size_t colon = host.rfind(':'); colon != std::string::npos &&
                                                   (bracket == std::string::npos ? host.find(':') == colon : colon > bracket)) {
        const std::string digits = host.substr(colon + 1);
        char* end = nullptr;
        const long p = std::strtol(digits.c_str(), &end, 10);
        if (digits.empty() || *end != '\0' || p < 1 || p > 65535) return "the Redis URL's port must be 1-65535";
        port = static_cast<int>(p);
        host.resize(colon);
    }
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host.empty() || host.find_first_of("/?#, ") != std::string::npos) {
        return "the Redis URL needs a host: redis://host[:port][/db]";
    }
    out_host = host;
    return "";
}

// host[:port],host[:port]... into `out` (`default_port` where none is given); an error text or "".
std::string parse_host_list(std::string_view text, int default_port, std::vector<std::pair<std::string, int>>& out) {
    while (true) {
        const std::size_t comma = text.find(',');
        std::pair<std::string, int> n{"", default_port};
        if (std::string e = parse_host_port(std::string(text.substr(0, comma)), n.first, n.second); !e.empty()) return e;
        out.push_back(n);
        if (comma == std::string_view::npos) return "";
        text.remove_prefix(comma + 1);
    }
}

std::string parse_db(std::string_view text, int& db) {
    std::string digits(text);
    char* end = nullptr;
    const long d = std::strtol(digits.c_str(), &end, 10);
    if (digits.empty() || *end != '\0' || d < 0 || d > 1'000'000) {
        return "the Redis URL's database must be a number: redis://host:port/0";
    }
    db = static_cast<int>(d);
    return "";
}

}  // namespace

int redis_key_slot(std::string_view key) {
    if (const std::size_t open = key.find('{'); open != std::string_view::npos) {
        if (const std::size_t close = key.find('}', open + 1); close != std::string_view::npos && close > open + 1) {
            key = key.substr(open + 1, close - open - 1);
        }
    }
    std::uint16_t crc = 0;
    for (const char ch : key) {
        crc ^= static_cast<std::uint16_t>(static_cast<unsigned char>(ch) << 8);
        for (int i = 0; i < 8; ++i) crc = static_cast<std::uint16_t>(crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1);
    }
    return crc & 16383;
}

std::optional<RedisUrl> parse_redis_url(const std::string& text, std::string& error) {
    RedisUrl u;
    std::string_view rest = text;
    enum Kind { Single, Sentinel, Cluster } kind = Single;
    for (const auto& [scheme, tls, k] :
         {std::tuple{"redis://", false, Single}, {"rediss://", true, Single}, {"redis-sentinel://", false, Sentinel},
          {"rediss-sentinel://", true, Sentinel}, {"redis-cluster://", false, Cluster},
          {"rediss-cluster://", true, Cluster}}) {
        if (rest.rfind(scheme, 0) == 0) {
            rest.remove_prefix(std::string_view(scheme).size());
            u.tls = tls;
            kind = k;
            break;
        }
        if (std::string_view(scheme) == "rediss-cluster://") {
            error = "a Redis store URL starts with redis:// or rediss:// (TLS), redis-sentinel:// or "
                    "rediss-sentinel:// (Sentinel), or redis-cluster:// or rediss-cluster:// (Cluster)";
            return std::nullopt;
        }
    }
    const bool sentinel = kind == Sentinel;
    const std::size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
        const std::string_view userinfo = authority.substr(0, at);
        authority.remove_prefix(at + 1);
        const std::size_t colon = userinfo.find(':');
        const auto user = percent_decode(userinfo.substr(0, colon));
        const auto pass = colon == std::string_view::npos ? std::optional<std::string>("")
                                                          : percent_decode(userinfo.substr(colon + 1));
        if (!user || !pass) {
            error = "the Redis URL's user or password has a bad %-escape";
            return std::nullopt;
        }
        if (colon == std::string_view::npos) {  // redis://password@host, as several clients accept
            u.password = *user;
        } else {
            u.user = *user;
            u.password = *pass;
        }
    }
    if (kind == Cluster) {  // host[:port],host[:port]...[/0]
        error = parse_host_list(authority, 6379, u.cluster_nodes);
        if (!error.empty()) {
            error = "redis-cluster://host[:port][,host[:port]...]: " + error;
            return std::nullopt;
        }
        if (!path.empty() && path != "0") {
            error = "a Redis Cluster has only database 0: redis-cluster://host:port[,host:port...]";
            return std::nullopt;
        }
        return u;
    }
    if (!sentinel) {
        error = parse_host_port(std::string(authority), u.host, u.port);
        if (error.empty() && !path.empty()) error = parse_db(path, u.db);
        if (!error.empty()) return std::nullopt;
        return u;
    }
    // Sentinel: host[:port],host[:port].../MASTER[/db]
    error = parse_host_list(authority, 26379, u.sentinels);
    if (!error.empty()) {
        error = "redis-sentinel://host[:port][,host[:port]...]/MASTER[/db]: " + error;
        return std::nullopt;
    }
    const std::size_t db_slash = path.find('/');
    u.master_name = std::string(path.substr(0, db_slash));
    if (u.master_name.empty() || u.master_name.find_first_of(" ?#") != std::string::npos) {
        error = "redis-sentinel:// needs the master's name: redis-sentinel://host:26379/MASTER[/db]";
        return std::nullopt;
    }
    if (db_slash != std::string_view::npos && !(error = parse_db(path.substr(db_slash + 1), u.db)).empty()) {
        return std::nullopt;
    }
    return u;
}

std::string redacted_redis_url(const std::string& url) {
    const std::size_t scheme = url.find("://");
    const std::size_t at = url.rfind('@');
    if (scheme == std::string::npos || at == std::string::npos || at < scheme) return url;
    const std::string userinfo = url.substr(scheme + 3, at - scheme - 3);
    const std::size_t colon = userinfo.find(':');
    const std::string user = colon == std::string::npos ? "" : userinfo.substr(0, colon);
    return url.substr(0, scheme + 3) + user + ":***" + url.substr(at);
}

// ---- replies

void RedisReplyFree::operator()(redisReply* r) const {
    if (owned && r) freeReplyObject(r);
}
RedisReply::RedisReply(redisReply* r) : r_(r, RedisReplyFree{true}) {}
RedisReply::RedisReply(redisReply* r, bool owned) : r_(r, RedisReplyFree{owned}) {}
bool RedisReply::is_error() const { return !r_ || r_->type == REDIS_REPLY_ERROR; }
bool RedisReply::is_nil() const { return r_ && r_->type == REDIS_REPLY_NIL; }
std::int64_t RedisReply::integer() const { return r_ && r_->type == REDIS_REPLY_INTEGER ? r_->integer : 0; }
std::string RedisReply::str() const {
    if (!r_) return "";
    if (r_->type == REDIS_REPLY_STRING || r_->type == REDIS_REPLY_STATUS || r_->type == REDIS_REPLY_ERROR) {
        return std::string(r_->str, r_->len);
    }
    if (r_->type == REDIS_REPLY_INTEGER) return std::to_string(r_->integer);
    return "";
}
std::size_t RedisReply::size() const { return r_ && r_->type == REDIS_REPLY_ARRAY ? r_->elements : 0; }
RedisReply RedisReply::element(std::size_t i) const {
    return i < size() ? RedisReply(r_->element[i], false) : RedisReply(nullptr, false);
}

// ---- connection

RedisConnection::RedisConnection(const RedisOptions& o)
    : where_((o.url.host.find(':') != std::string::npos ? "[" + o.url.host + "]" : o.url.host) + ":" +
             std::to_string(o.url.port)) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (const int rc = getaddrinfo(o.url.host.c_str(), std::to_string(o.url.port).c_str(), &hints, &found); rc != 0) {
        throw StoreError("Redis at " + where_ + ": cannot resolve the host (" + gai_strerror(rc) + ")");
    }
    std::string last = "no address";
    for (addrinfo* ai = found; ai && fd_ < 0; ai = ai->ai_next) {
        const int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
        if (fd < 0) continue;
        int rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
        if (rc < 0 && errno == EINPROGRESS) {
            pollfd p{fd, POLLOUT, 0};
            rc = poll(&p, 1, static_cast<int>(o.connect_timeout_ms));
            int err = 0;
            socklen_t len = sizeof err;
            if (rc == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) {
                rc = 0;
            } else {
                last = rc == 0 ? "connect timed out" : std::strerror(err ? err : errno);
                rc = -1;
            }
        } else if (rc < 0) {
            last = std::strerror(errno);
        }
        if (rc == 0) {
            fd_ = fd;
        } else {
            close(fd);
        }
    }
    freeaddrinfo(found);
    if (fd_ < 0) throw StoreError("Redis at " + where_ + " is unreachable (" + last + ")");
    fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) & ~O_NONBLOCK);
    const int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(fd_, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
    set_timeout(fd_, o.io_timeout_ms);

    reader_ = redisReaderCreate();
    if (!reader_) fail("out of memory");

    if (o.url.tls) {
        ctx_ = SSL_CTX_new(TLS_client_method());
        if (!ctx_) fail(ssl_error_text());
        SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
        SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);  // always: there is no switch to turn it off
        const bool cas = o.ca_file.empty() ? SSL_CTX_set_default_verify_paths(ctx_) == 1
                                           : SSL_CTX_load_verify_locations(ctx_, o.ca_file.c_str(), nullptr) == 1;
        if (!cas) fail("cannot load the CA certificates " + (o.ca_file.empty() ? "(system)" : o.ca_file));
        if (!o.cert_file.empty()) {
            if (SSL_CTX_use_certificate_chain_file(ctx_, o.cert_file.c_str()) != 1 ||
                SSL_CTX_use_PrivateKey_file(ctx_, o.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
                fail("cannot load the client certificate or key");
            }
        }
        ssl_ = SSL_new(ctx_);
        if (!ssl_) fail(ssl_error_text());
        SSL_set_fd(ssl_, fd_);
        in6_addr ip6{};
        in_addr ip4{};
        const bool is_ip = inet_pton(AF_INET, o.url.host.c_str(), &ip4) == 1 || inet_pton(AF_INET6, o.url.host.c_str(), &ip6) == 1;
        if (is_ip) {
            X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), o.url.host.c_str());
        } else {
            SSL_set_tlsext_host_name(ssl_, o.url.host.c_str());
            SSL_set1_host(ssl_, o.url.host.c_str());
        }
        if (SSL_connect(ssl_) != 1) {
            const long v = SSL_get_verify_result(ssl_);
            fail(v != X509_V_OK ? std::string("the server's certificate was refused (") +
                                      X509_verify_cert_error_string(v) + ")"
                                : "TLS handshake failed (" + ssl_error_text() + ")");
        }
    }

    // A command here can also fail in transport (the server closes the connection, a timeout), which throws
    // without fail(): release what was made, as fail() does, since the destructor does not run for a constructor.
    try {
        if (!o.url.password.empty()) {
            RedisReply r = o.url.user.empty() ? command({"AUTH", o.url.password})
                                              : command({"AUTH", o.url.user, o.url.password});
            // Redis's own message ("WRONGPASS invalid username-password pair ...") names no secret.
            if (r.is_error()) fail("authentication failed (" + r.str() + ")");
        } else {
            // Without a password, find out now whether one is needed: Redis would otherwise refuse our first script
            // with a cryptic "Protocol error: unauthenticated multibulk length".
            RedisReply r = command({"PING"});
            if (r.is_error() && r.str().rfind("NOAUTH", 0) == 0) {
                fail("Redis requires a password (NOAUTH): set NV_REDIS_PASSWORD, or use redis://:PASSWORD@host");
            }
        }
        if (o.url.db != 0) {
            RedisReply r = command({"SELECT", std::to_string(o.url.db)});
            if (r.is_error()) fail("cannot select database " + std::to_string(o.url.db) + " (" + r.str() + ")");
        }
    } catch (const StoreError&) {
        release();
        throw;
    }
}

RedisConnection::~RedisConnection() {
    if (ssl_) {
        SSL_shutdown(ssl_);
        SSL_free(ssl_);
    }
    if (ctx_) SSL_CTX_free(ctx_);
    if (fd_ >= 0) close(fd_);
    if (reader_) redisReaderFree(reader_);
}

void RedisConnection::release() {
    if (ssl_) SSL_free(ssl_);
    if (ctx_) SSL_CTX_free(ctx_);
    if (fd_ >= 0) close(fd_);
    if (reader_) redisReaderFree(reader_);
    ssl_ = nullptr;
    ctx_ = nullptr;
    fd_ = -1;
    reader_ = nullptr;
}

void RedisConnection::fail(const std::string& what) {
    // The constructor's failures must release what it made so far: the destructor does not run for them.
    release();
    throw StoreError("Redis at " + where_ + ": " + what);
}

void RedisConnection::send_all(const char* data, std::size_t n) {
    while (n > 0) {
        long sent;
        if (ssl_) {
            sent = SSL_write(ssl_, data, static_cast<int>(n));
            if (sent <= 0) throw StoreError("Redis at " + where_ + ": connection lost while sending");
        } else {
            sent = ::send(fd_, data, n, MSG_NOSIGNAL);
            if (sent < 0 && errno == EINTR) continue;
            if (sent <= 0) throw StoreError("Redis at " + where_ + ": connection lost while sending (" + std::strerror(errno) + ")");
        }
        data += sent;
        n -= static_cast<std::size_t>(sent);
    }
}

std::size_t RedisConnection::receive(char* buf, std::size_t cap) {
    for (;;) {
        long got;
        if (ssl_) {
            got = SSL_read(ssl_, buf, static_cast<int>(cap));
        } else {
            got = ::recv(fd_, buf, cap, 0);
            if (got < 0 && errno == EINTR) continue;
        }
        if (got > 0) return static_cast<std::size_t>(got);
        const bool timeout = got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
        throw StoreError("Redis at " + where_ + (timeout ? ": no answer in time" : ": connection closed"));
    }
}

RedisReply RedisConnection::command(const std::vector<std::string_view>& args) {
    if (fd_ < 0) throw StoreError("Redis at " + where_ + ": connection lost");
    if (asking_) {
        asking_ = false;
        const RedisReply ok = command({"ASKING"});
        asking_ = true;
        if (ok.is_error()) throw StoreError("Redis at " + where_ + " refused ASKING (" + ok.str().substr(0, 80) + ")");
    }
    std::vector<const char*> argv;
    std::vector<std::size_t> lens;
    for (std::string_view a : args) {
        argv.push_back(a.data());
        lens.push_back(a.size());
    }
    char* cmd = nullptr;
    const int n = redisFormatCommandArgv(&cmd, static_cast<int>(argv.size()), argv.data(), lens.data());
    if (n < 0 || !cmd) throw StoreError("Redis: out of memory");
    try {
        send_all(cmd, static_cast<std::size_t>(n));
    } catch (...) {
        redisFreeCommand(cmd);
        throw;
    }
    redisFreeCommand(cmd);
    for (;;) {
        void* reply = nullptr;
        if (redisReaderGetReply(reader_, &reply) != REDIS_OK) {
            throw StoreError("Redis at " + where_ + ": unreadable reply (" + std::string(reader_->errstr) + ")");
        }
        if (reply) return RedisReply(static_cast<redisReply*>(reply));
        char buf[16 * 1024];
        const std::size_t got = receive(buf, sizeof buf);
        if (redisReaderFeed(reader_, buf, got) != REDIS_OK) throw StoreError("Redis: out of memory");
    }
}

}  // namespace nv::server
