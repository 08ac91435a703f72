// Refusing a request whose body is still on the wire (too large, chunked, ambiguously framed) without reading
// that body, and without losing the refusal. cpp-httplib 0.11 keeps a connection open unless the *request*
// said "Connection: close", and a plain close() with unread bytes in the receive buffer makes the kernel send a
// reset, which makes the client's kernel discard our answer before the client reads it. So, like nginx's
// lingering close: the answer is written, the write side is shut (the client sees the answer end), what the
// client still sends is read and dropped for a short, bounded while, and then the connection is closed.
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstddef>

namespace nv::server {

struct Lingering {
    std::chrono::milliseconds total{2000};  // the longest the thread drains after the answer
    std::chrono::milliseconds idle{250};    // stop when the client sends nothing for this long
    // Stop after discarding this much (read into a stack buffer, so memory never grows). The time bound is what
    // bounds the thread, as in nginx (which has no byte bound); this one only has to be larger than what a fast
    // client gets through in `total`, since stopping early closes on unread bytes: the reset that follows can
    // make the client's kernel drop the answer, or fail the client's write before it reads the answer.
    std::size_t max_bytes = 256u << 20;
};

// Turns the response `res` holds now into one that is sent and then lingering-closed, as above.
void close_after_response(const httplib::Request& req, httplib::Response& res, Lingering lingering = {});

// The socket of the connection `req` came on (matched by its four addresses), or -1. cpp-httplib 0.11 does
// not hand a request's socket to handlers; this finds it among the process's descriptors (a scan of
// /proc/self/fd: only on refusals, never on the normal path).
int connection_socket(const httplib::Request& req);

}  // namespace nv::server
