// The static files: the web package at /sdk/ (its build output in web/dist/) and the demo at /. cpp-httplib
// finds the file (its mount points validate the path); this adds what a page's load needs on the wire:
//   - a precompressed variant (file.br, file.gz, made by web/build.mjs) chosen by Accept-Encoding, with
//     Vary: Accept-Encoding. cpp-httplib compresses text and JavaScript itself but not application/wasm, which
//     would otherwise go out raw (60 KB instead of about 25);
//   - a validator (a weak ETag from the file's size and modification time) and 304 Not Modified for a
//     revalidation, with Cache-Control: no-cache, so a repeat visit costs a round trip, not the bundle, and a
//     new build is picked up at once.
#pragma once

#include <httplib.h>

#include <string>
#include <vector>

namespace nv::server {

struct StaticMount {
    std::string prefix;  // "/sdk", "/"
    std::string dir;
};

// The file a path names under the first mount whose prefix it starts with (cpp-httplib's own rule, so that
// what this answers about is the file cpp-httplib read), or "" when none.
std::string static_file_for(const std::vector<StaticMount>& mounts, const std::string& path);

// The encodings of `accept_encoding` that have a variant on disk, best first: "br", "gzip", or none. A coding
// with q=0 is refused; "*" counts for both.
std::vector<std::string> acceptable_codings(const std::string& accept_encoding);

// W/"<size>-<mtime ns>" in hex, or "" when the file cannot be read.
std::string weak_etag(const std::string& file);

// If-None-Match (a list, or "*") against an ETag, compared weakly (RFC 9110 13.1.2).
bool none_match(const std::string& if_none_match, const std::string& etag);

// Registers the mounts and the post-processing of every file answer.
void install_static_files(httplib::Server& server, std::vector<StaticMount> mounts);

}  // namespace nv::server
