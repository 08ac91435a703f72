// A real redis-server for tests: started on a free loopback port with no persistence, stopped by PID (and killed
// with the test process if that dies first).
#pragma once

#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "store/redis_client.hpp"

namespace nv::test {

inline int free_loopback_port() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        close(fd);
        throw std::runtime_error("no free loopback port");
    }
    close(fd);
    return ntohs(a.sin_port);
}

class RedisServer {
public:
    // `args`: extra redis-server arguments (TLS settings, requirepass ...). With `tls_port`, the server listens
    // for TLS on port() and plain TCP is off.
    // `leading`: arguments before all others (a config file, `--sentinel`).
    explicit RedisServer(std::vector<std::string> args = {}, bool tls = false, std::vector<std::string> leading = {})
        : args_(std::move(args)), leading_(std::move(leading)), tls_(tls) {
        char tmpl[] = "/tmp/nv-redis-XXXXXX";
        dir_ = mkdtemp(tmpl);
        // Not the cluster bus port the caller chose: it is free until this server binds it, so the next free port
        // can be the same one ("Failed listening on port ... (cluster)").
        std::string bus;
        for (std::size_t i = 0; i + 1 < args_.size(); ++i) {
            if (args_[i] == "--cluster-port") bus = args_[i + 1];
        }
        do {
            port_ = free_loopback_port();
        } while (std::to_string(port_) == bus);
        start();
    }
    ~RedisServer() {
        stop();
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    RedisServer(const RedisServer&) = delete;
    RedisServer& operator=(const RedisServer&) = delete;

    int port() const { return port_; }
    std::string url() const { return std::string(tls_ ? "rediss" : "redis") + "://127.0.0.1:" + std::to_string(port_) + "/0"; }

    void start() {
        std::vector<std::string> argv{"redis-server"};
        argv.insert(argv.end(), leading_.begin(), leading_.end());
        argv.insert(argv.end(), {"--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir_,
                                 "--daemonize", "no", "--loglevel", "warning", "--logfile", dir_ + "/redis.log"});
        // A replica's first sync starts at once (Redis 7 waits 5 s by default for more replicas to share it).
        if (std::find(leading_.begin(), leading_.end(), "--sentinel") == leading_.end()) {
            argv.insert(argv.end(), {"--repl-diskless-sync-delay", "0"});
        }
        if (tls_) {
            argv.insert(argv.end(), {"--port", "0", "--tls-port", std::to_string(port_)});
        } else {
            argv.insert(argv.end(), {"--port", std::to_string(port_)});
        }
        argv.insert(argv.end(), args_.begin(), args_.end());
        pid_ = fork();
        if (pid_ == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            std::vector<char*> cargv;
            for (auto& a : argv) cargv.push_back(a.data());
            cargv.push_back(nullptr);
            execvp("redis-server", cargv.data());
            _exit(127);
        }
        // Ready when the port accepts connections.
        for (int i = 0; i < 500; ++i) {
            const int fd = socket(AF_INET, SOCK_STREAM, 0);
            sockaddr_in a{};
            a.sin_family = AF_INET;
            a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            a.sin_port = htons(static_cast<std::uint16_t>(port_));
            const bool up = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
            close(fd);
            if (up) return;
            int status = 0;
            if (waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                throw std::runtime_error("redis-server exited at start (is it installed? see " + dir_ + "/redis.log)");
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        throw std::runtime_error("redis-server did not listen within 5 s");
    }

    // SIGKILL: Redis disappears as a crash would make it (no shutdown handshake).
    void stop() {
        if (pid_ <= 0) return;
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }

    std::string dir() const { return dir_; }

private:
    std::vector<std::string> args_;
    std::vector<std::string> leading_;
    bool tls_ = false;
    std::string dir_;
    int port_ = 0;
    pid_t pid_ = -1;
};

// A redis-sentinel watching `master_name` at 127.0.0.1:`master_port` (quorum 2 of the three a test starts), with
// short timers so a failover takes seconds: down after `down_after_ms`, failover timeout 2 s (a failed election
// is retried after twice that).
class SentinelServer {
public:
    // `extra_conf`: more lines for sentinel.conf (TLS settings); `tls`: the sentinel listens for TLS only.
    SentinelServer(int master_port, const std::string& master_name, int down_after_ms = 1'000,
                   const std::string& extra_conf = "", bool tls = false) {
        char tmpl[] = "/tmp/nv-sentinel-XXXXXX";
        conf_dir_ = mkdtemp(tmpl);
        const std::string conf = conf_dir_ + "/sentinel.conf";
        if (FILE* f = std::fopen(conf.c_str(), "w")) {
            std::fprintf(f,
                         "sentinel monitor %s 127.0.0.1 %d 2\n"
                         "sentinel down-after-milliseconds %s %d\n"
                         "sentinel failover-timeout %s 2000\n"
                         "sentinel parallel-syncs %s 1\n",
                         master_name.c_str(), master_port, master_name.c_str(), down_after_ms, master_name.c_str(),
                         master_name.c_str());
            std::fputs(extra_conf.c_str(), f);
            std::fclose(f);
        }
        server_ = std::make_unique<RedisServer>(std::vector<std::string>{}, tls, std::vector<std::string>{conf, "--sentinel"});
    }
    ~SentinelServer() {
        server_.reset();
        std::error_code ec;
        std::filesystem::remove_all(conf_dir_, ec);
    }
    int port() const { return server_->port(); }

private:
    std::string conf_dir_;
    std::unique_ptr<RedisServer> server_;
};

// A Redis Cluster: `masters` masters with `replicas` replicas each (redis-cli --cluster create), every node a
// RedisServer on a free loopback port with its bus port set (else it is port + 10000, which may be taken or beyond
// 65535). Ready when every node says cluster_state:ok and every master's replicas are in sync.
class RedisCluster {
public:
    // `tls_args` (with `ca_file`, the CA that signed the nodes' certificate): every node speaks TLS only, to
    // clients and on the cluster bus (the arguments hold the certificate settings and --tls-cluster yes).
    // `password`: every node requires it (requirepass, and masterauth for the replicas).
    explicit RedisCluster(int masters = 3, int replicas = 1, int node_timeout_ms = 5'000,
                          std::vector<std::string> tls_args = {}, std::string ca_file = "", std::string password = "")
        : ca_file_(std::move(ca_file)), password_(std::move(password)) {
        if (!password_.empty()) tls_args.insert(tls_args.end(), {"--requirepass", password_, "--masterauth", password_});
        std::string create = "redis-cli" + (ca_file_.empty() ? std::string() : " --tls --cacert " + ca_file_) +
                             (password_.empty() ? std::string() : " --no-auth-warning -a " + password_) +
                             " --cluster create";
        for (int i = 0; i < masters * (1 + replicas); ++i) {
            std::vector<std::string> args{"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                                          "--cluster-node-timeout", std::to_string(node_timeout_ms), "--cluster-port",
                                          std::to_string(free_loopback_port())};
            args.insert(args.end(), tls_args.begin(), tls_args.end());
            nodes.push_back(std::make_unique<RedisServer>(args, !ca_file_.empty()));
            create += " 127.0.0.1:" + std::to_string(nodes.back()->port());
        }
        create += " --cluster-replicas " + std::to_string(replicas) + " --cluster-yes >/dev/null 2>&1";
        if (std::system(create.c_str()) != 0) throw std::runtime_error("redis-cli --cluster create failed");
        wait_ready(replicas);
    }

    // redis-cluster://127.0.0.1:P1,127.0.0.1:P2,... (every node; rediss-cluster:// with TLS)
    std::string url() const {
        std::string u = ca_file_.empty() ? "redis-cluster://" : "rediss-cluster://";
        const std::size_t bare = u.size();
        for (const auto& n : nodes) u += (u.size() > bare ? "," : "") + std::string("127.0.0.1:") + std::to_string(n->port());
        return u;
    }

    // One command to the node on `port` (over TLS, verified with `ca_file`, when it is given).
    static nv::server::RedisReply ask(int port, const std::vector<std::string_view>& args, const std::string& ca_file = "",
                                      const std::string& password = "") {
        nv::server::RedisOptions o;
        o.url.host = "127.0.0.1";
        o.url.port = port;
        o.url.tls = !ca_file.empty();
        o.ca_file = ca_file;
        o.url.password = password;
        nv::server::RedisConnection c(o);
        return c.command(args);
    }

    // The port of the master serving `slot`, as the node at `port` sees it (0: none).
    static int owner_port(int port, int slot) {
        const auto r = ask(port, {"CLUSTER", "SLOTS"});
        for (std::size_t i = 0; i < r.size(); ++i) {
            const auto range = r.element(i);
            if (range.element(0).integer() <= slot && slot <= range.element(1).integer()) {
                return static_cast<int>(range.element(2).element(1).integer());
            }
        }
        return 0;
    }

    RedisServer& node(int port) {
        for (auto& n : nodes) {
            if (n->port() == port) return *n;
        }
        throw std::runtime_error("no cluster node on port " + std::to_string(port));
    }

    std::vector<std::unique_ptr<RedisServer>> nodes;

private:
    std::string ca_file_, password_;
    void wait_ready(int replicas) {
        for (int i = 0; i < 600; ++i) {
            bool ok = true;
            try {
                for (auto& n : nodes) {
                    const std::string info = ask(n->port(), {"INFO", "replication"}, ca_file_, password_).str();
                    ok = ok && ask(n->port(), {"CLUSTER", "INFO"}, ca_file_, password_).str().find("cluster_state:ok") !=
                                   std::string::npos;
                    if (info.find("role:master") != std::string::npos) {
                        ok = ok && info.find("connected_slaves:" + std::to_string(replicas)) != std::string::npos;
                    } else {
                        ok = ok && info.find("master_link_status:up") != std::string::npos;
                    }
                }
            } catch (const std::exception&) {
                ok = false;
            }
            if (ok) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        throw std::runtime_error("the Redis Cluster did not become ready within 30 s");
    }
};

}  // namespace nv::test
