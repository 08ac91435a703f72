// libFuzzer: the tapes the page's build of the module reads instead of JSON text (Document::read_tape; the web
// package's loader writes them, but a page's script can hand the exports any bytes). Invariants: never crashes,
// and a tape it accepts is a document every reader can walk: each container's children end at its `next`, every
// string's text is inside the tape, a parsed string's value is inside it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "nv/json.hpp"

namespace {

using nv::json::Document;
using nv::json::kNone;
using nv::json::Type;

void walk(const Document& doc, std::size_t i, std::string_view tape) {
    const Document::Node& n = doc.node(i);
    if (n.next <= i || n.next > doc.size()) std::abort();
    if (n.type == Type::String) {
        const std::string_view text = doc.text(i);
        if (text.data() < tape.data() || text.data() + text.size() > tape.data() + tape.size()) std::abort();
        if (const std::size_t v = doc.parsed(i); v != kNone) walk(doc, v, tape);
        return;
    }
    if (n.type != Type::Array && n.type != Type::Object) return;
    std::size_t last = i;
    for (std::size_t c = doc.first_child(i); c != kNone; c = doc.next_sibling(i, c)) {
        if (c <= last) std::abort();
        last = c;
        walk(doc, c, tape);
        if (n.type == Type::Object) {
            if (doc.type(c) != Type::String) std::abort();
            walk(doc, c + 1, tape);
            if (doc.find(i, doc.text(c)) != c + 1) std::abort();  // keys are unique
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::vector<std::uint64_t> storage(size / 8 + 1);  // the tape starts 8-byte aligned, as nv_alloc's blocks do
    std::memcpy(storage.data(), data, size);
    const std::string_view tape(reinterpret_cast<const char*>(storage.data()), size);
    Document doc;
    if (doc.read_tape(tape, 64 * 1024) != nv::json::ParseError::None) {
        if (doc.size() != 0) std::abort();
        return 0;
    }
    walk(doc, 0, tape);
    return 0;
}
