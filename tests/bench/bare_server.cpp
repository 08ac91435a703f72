// The baseline for the verify benchmark: a bare cpp-httplib endpoint with the same tuning as nv-server
// (TCP_NODELAY, keep-alive, the same thread pool) that parses nothing and answers a fixed JSON body. Whatever
// nv-server's verify costs beyond this is our work: validation, the store, the upstream round trip, the log.
//
// POST /chained is the second baseline: the same endpoint, but it first makes one keep-alive POST to the bare
// endpoint (through a second listener, like nv-server's sandbox) before answering, which is the shape of a verify
// (one request in, one upstream call out) with no work of ours in it. Its rate is the ceiling verify can reach.
#include <httplib.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "http/listener.hpp"  // bind_listener: the same socket settings as nv-server

int main(int argc, char** argv) {
    const int port = argc > 1 ? std::atoi(argv[1]) : 0;
    httplib::Server s;
    s.new_task_queue = [] { return new httplib::ThreadPool(64); };
    s.set_tcp_nodelay(true);
    s.set_keep_alive_max_count(10'000);
    s.set_keep_alive_timeout(5);
    const char* body = R"({"requestId":"0000000000000000","verified":true,"result":"consistent","operator":"CM"})";
    s.Post("/api/v1/verify", [body](const httplib::Request&, httplib::Response& res) {
        res.set_content(body, "application/json");
    });
    // The upstream listener of /chained.
    httplib::Server up;
    up.new_task_queue = [] { return new httplib::ThreadPool(64); };
    up.set_tcp_nodelay(true);
    up.set_keep_alive_max_count(10'000);
    up.Post("/api/v1/verify", [body](const httplib::Request&, httplib::Response& res) {
        res.set_content(body, "application/json");
    });
    const int up_port = nv::server::bind_listener(up, "127.0.0.1", 0);
    std::thread up_thread([&] { up.listen_after_bind(); });
    up_thread.detach();
    s.Post("/chained", [body, up_port](const httplib::Request& req, httplib::Response& res) {
        thread_local std::unique_ptr<httplib::Client> client;
        if (!client) {
            client = std::make_unique<httplib::Client>("127.0.0.1", up_port);
            client->set_keep_alive(true);
            client->set_tcp_nodelay(true);
        }
        auto r = client->Post("/api/v1/verify", req.body, "application/json");
        if (!r) {
            res.status = 502;
            return;
        }
        res.set_content(body, "application/json");
    });
    const int bound = nv::server::bind_listener(s, "127.0.0.1", port);
    if (bound < 0) return 1;
    std::printf("{\"msg\":\"listening\",\"port\":%d}\n", bound);
    std::fflush(stdout);
    signal(SIGTERM, [](int) { std::_Exit(0); });
    s.listen_after_bind();
    return 0;
}
