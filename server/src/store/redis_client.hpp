// A small, blocking Redis client: hiredis (Debian's 0.14) for the protocol (command formatting and the reply
// parser), our own socket for the transport, so TLS can be OpenSSL with certificate verification on (hiredis 0.14
// has no TLS). One connection serves one request at a time; RedisStore keeps a pool of them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct redisReply;
struct redisReader;
struct ssl_ctx_st;
struct ssl_st;

namespace nv::server {

struct RedisUrl {
    bool tls = false;  // rediss://
    std::string host;
    int port = 6379;
    int db = 0;
    std::string user;      // AUTH user (Redis 6 ACL); empty: the default user
    std::string password;  // AUTH password; empty: no AUTH
    // redis-sentinel:// (rediss-sentinel:// for TLS): the sentinels that know where `master_name`'s master is.
    // host and port are then unused: the store asks the sentinels (sent no AUTH; the password is the master's).
    std::vector<std::pair<std::string, int>> sentinels;
    std::string master_name;
    // redis-cluster:// (rediss-cluster:// for TLS): nodes of one Redis Cluster to learn the slot map from (any
    // reachable one will do; the others are learned from it). host and port are then unused; the database is 0.
    std::vector<std::pair<std::string, int>> cluster_nodes;
};

// redis://[[user]:password@]host[:port][/db] or rediss://... (TLS), and
// redis-sentinel://[[user]:password@]host[:port][,host[:port]...]/MASTER[/db] (sentinel port 26379 by default)
// or rediss-sentinel://..., and redis-cluster://[[user]:password@]host[:port][,host[:port]...][/0] or
// rediss-cluster://... Userinfo may be percent-encoded.
std::optional<RedisUrl> parse_redis_url(const std::string& url, std::string& error);

// The Redis Cluster hash slot of a key: CRC16 (XMODEM) of its hash tag (the text between the first '{' and the
// next '}', when that is not empty) or of the whole key, modulo 16384.
int redis_key_slot(std::string_view key);

// The URL with any password replaced by "***", for logs.
std::string redacted_redis_url(const std::string& url);

struct RedisOptions {
    RedisUrl url;
    std::string ca_file;              // rediss: CA bundle (PEM) to verify the server; empty: the system's
    std::string cert_file, key_file;  // rediss: a client certificate, when the server asks for one
    std::int64_t connect_timeout_ms = 1'000;
    std::int64_t io_timeout_ms = 1'000;  // one command's send + reply
    // After each write, WAIT for this many replicas (0: do not wait), or for all connected ones when fewer are
    // connected, for at most wait_timeout_ms; fewer acknowledgements fail the write with StoreError, so an answer
    // is given only for a replicated mark.
    int wait_replicas = 0;
    std::int64_t wait_timeout_ms = 100;
};

struct RedisReplyFree {
    bool owned = true;  // false: an element of an array reply, freed with its parent
    void operator()(redisReply* r) const;
};

// A reply, owned. Redis's own error replies are values (is_error()); I/O failures throw StoreError.
class RedisReply {
public:
    explicit RedisReply(redisReply* r = nullptr);
    bool is_error() const;
    bool is_nil() const;
    std::int64_t integer() const;        // INTEGER replies (0 for anything else)
    std::string str() const;             // STRING, STATUS and ERROR replies
    std::size_t size() const;            // ARRAY element count
    RedisReply element(std::size_t i) const;  // a non-owning view of an ARRAY element
    const redisReply* raw() const { return r_.get(); }

private:
    RedisReply(redisReply* r, bool owned);
    std::unique_ptr<redisReply, RedisReplyFree> r_;
};

class RedisConnection {
public:
    // Connects (TCP, then TLS for rediss://), authenticates and selects the database; throws StoreError with a
    // message that names the host but never the password.
    explicit RedisConnection(const RedisOptions& options);
    ~RedisConnection();
    RedisConnection(const RedisConnection&) = delete;
    RedisConnection& operator=(const RedisConnection&) = delete;

    // Sends one command and reads its reply; throws StoreError on any I/O failure or timeout (the connection is
    // then unusable and must be dropped).
    RedisReply command(const std::vector<std::string_view>& args);

    // Redis Cluster, after an ASK redirection: while on, every command is preceded by ASKING (which holds for one
    // command only, and a script can take two: EVALSHA, then EVAL after NOSCRIPT).
    void set_asking(bool on) { asking_ = on; }

    // host:port
    const std::string& where() const { return where_; }

private:
    void send_all(const char* data, std::size_t n);
    std::size_t receive(char* buf, std::size_t cap);
    [[noreturn]] void fail(const std::string& what);
    void release();  // frees the socket, TLS and reader (the constructor's failures; idempotent)

    std::string where_;  // host:port, for messages
    int fd_ = -1;
    ssl_ctx_st* ctx_ = nullptr;
    ssl_st* ssl_ = nullptr;
    redisReader* reader_ = nullptr;
    bool asking_ = false;
};

}  // namespace nv::server
