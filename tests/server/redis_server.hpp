// A real redis-server for tests: started on a free loopback port with no persistence, stopped by PID (and killed
// with the test process if that dies first).
#pragma once

#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
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
    explicit RedisServer(std::vector<std::string> args = {}, bool tls = false) : args_(std::move(args)), tls_(tls) {
        char tmpl[] = "/tmp/nv-redis-XXXXXX";
        dir_ = mkdtemp(tmpl);
        port_ = free_loopback_port();
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
        std::vector<std::string> argv{"redis-server", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                      "--dir", dir_, "--daemonize", "no", "--loglevel", "warning",
                                      "--logfile", dir_ + "/redis.log"};
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
    bool tls_ = false;
    std::string dir_;
    int port_ = 0;
    pid_t pid_ = -1;
};

}  // namespace nv::test
