#include "http/lingering_close.hpp"

#include <dirent.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>

namespace nv::server {
namespace {

// An address as cpp-httplib writes it (getnameinfo, numeric host) and its port.
bool address_of(const sockaddr_storage& a, socklen_t len, std::string& host, int& port) {
    char buf[NI_MAXHOST];
    char serv[NI_MAXSERV];
    if (getnameinfo(reinterpret_cast<const sockaddr*>(&a), len, buf, sizeof buf, serv, sizeof serv,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        return false;
    }
    host = buf;
    port = std::atoi(serv);
    return true;
}

bool matches(int fd, const httplib::Request& req) {
    sockaddr_storage a{};
    socklen_t len = sizeof a;
    std::string host;
    int port = -1;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0 || !address_of(a, len, host, port) ||
        port != req.local_port || host != req.local_addr) {
        return false;
    }
    len = sizeof a;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0 || !address_of(a, len, host, port)) return false;
    return port == req.remote_port && host == req.remote_addr;
}

// Reads and drops what the client still sends, within the bounds; returns when they are reached, the client
// closes, or it goes quiet.
void drain(int fd, const Lingering& l) {
    const auto deadline = std::chrono::steady_clock::now() + l.total;
    std::size_t dropped = 0;
    char buf[16384];
    while (dropped < l.max_bytes) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return;
        pollfd p{fd, POLLIN, 0};
        const int wait = static_cast<int>(std::min(left, l.idle).count());
        if (poll(&p, 1, wait) <= 0) return;
        const ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n <= 0) return;
        dropped += static_cast<std::size_t>(n);
    }
}

}  // namespace

int connection_socket(const httplib::Request& req) {
    if (req.remote_port < 0 || req.local_port < 0) return -1;
    std::unique_ptr<DIR, int (*)(DIR*)> dir(opendir("/proc/self/fd"), closedir);
    if (!dir) return -1;
    const int own = dirfd(dir.get());
    while (const dirent* e = readdir(dir.get())) {
        char* end = nullptr;
        const long fd = std::strtol(e->d_name, &end, 10);
        if (end == e->d_name || *end != '\0' || fd == own) continue;
        if (matches(static_cast<int>(fd), req)) return static_cast<int>(fd);
    }
    return -1;
}

void close_after_response(const httplib::Request& req, httplib::Response& res, Lingering lingering) {
    auto body = std::make_shared<std::string>(std::move(res.body));
    res.body.clear();
    const std::string type = res.get_header_value("Content-Type");
    res.headers.erase("Content-Type");  // set_content_provider sets it again
    res.set_header("Connection", "close");
    const httplib::Request* r = &req;  // the provider runs while cpp-httplib still holds the request
    res.set_content_provider(body->size(), type.c_str(),
                             [body, r, lingering](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
                                 if (!sink.write(body->data() + offset, length)) return false;
                                 if (const int fd = connection_socket(*r); fd >= 0) {
                                     shutdown(fd, SHUT_WR);  // the answer is complete: the client sees its end
                                     drain(fd, lingering);
                                 }
                                 // Report a failure after the last byte, so that cpp-httplib closes the
                                 // connection instead of reading the unread body as the next request.
                                 return false;
                             });
}

}  // namespace nv::server
