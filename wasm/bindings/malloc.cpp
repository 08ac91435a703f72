// The module's allocator: size classes of powers of two, a free list per class, memory from memory.grow.
//
// Emscripten's smallest allocator (emmalloc) is about 1 KB gzip of the page's download (docs/wasm-size.md);
// this one is a third of that because the core's use of memory is simple: every input is bounded
// (nv::kMaxInputBytes, and the loader refuses more than 1 MiB), the flows are few (nv::kMaxFlows), and every
// answer is freed by the loader as soon as it is read. A block keeps its class for life (no splitting, no
// coalescing), so the heap is at most twice the peak of what each class held at once, and a steady page (the
// loader's test calls the core 80,000 times) never grows it. Out of memory (the 64 MB cap) returns null, which
// the exports report as OUT_OF_MEMORY; nothing traps.
#include <cstddef>
#include <cstdint>
#include <cstring>

extern "C" unsigned char __heap_base;                      // the linker's end of data and stack
extern "C" void emscripten_notify_memory_growth(std::size_t);  // the loader's import (a no-op there)

namespace {

constexpr std::size_t kHeader = 8;      // the class index, keeping every block 8-byte aligned
constexpr unsigned kMinShift = 4;       // the smallest block: 16 bytes, header included
constexpr unsigned kClasses = 27 - kMinShift;  // up to 128 MB, more than the memory's cap

void* free_list[kClasses];
std::uintptr_t top;  // the first byte not yet handed out

// `bytes` more of the linear memory, growing it when needed; null at the memory's cap.
void* take(std::size_t bytes) {
    if (top == 0) top = reinterpret_cast<std::uintptr_t>(&__heap_base + 15) & ~std::uintptr_t{15};
    const std::uintptr_t end = top + bytes;
    const std::uintptr_t have = __builtin_wasm_memory_size(0) * 65536;
    if (end < top) return nullptr;
    if (end > have) {
        if (__builtin_wasm_memory_grow(0, (end - have + 65535) / 65536) == SIZE_MAX) return nullptr;
        emscripten_notify_memory_growth(0);
    }
    void* p = reinterpret_cast<void*>(top);
    top = end;
    return p;
}

// The class whose blocks hold `n` bytes after the header, or kClasses when none can.
unsigned class_of(std::size_t n) {
    unsigned c = 0;
    while (c < kClasses && (std::size_t{1} << (c + kMinShift)) - kHeader < n) ++c;
    return c;
}

}  // namespace

extern "C" {

void* malloc(std::size_t n) {
    const unsigned c = class_of(n);
    if (c == kClasses) return nullptr;
    char* block = static_cast<char*>(free_list[c]);
    if (block != nullptr) {
        std::memcpy(&free_list[c], block + kHeader, sizeof(void*));
    } else {
        block = static_cast<char*>(take(std::size_t{1} << (c + kMinShift)));
        if (block == nullptr) return nullptr;
        std::memcpy(block, &c, sizeof c);
    }
    return block + kHeader;
}

void free(void* p) {
    if (p == nullptr) return;
    char* block = static_cast<char*>(p) - kHeader;
    unsigned c = 0;
    std::memcpy(&c, block, sizeof c);
    std::memcpy(static_cast<char*>(p), &free_list[c], sizeof(void*));
    free_list[c] = block;
}

void* realloc(void* p, std::size_t n) {
    if (p == nullptr) return malloc(n);
    unsigned c = 0;
    std::memcpy(&c, static_cast<char*>(p) - kHeader, sizeof c);
    const std::size_t room = (std::size_t{1} << (c + kMinShift)) - kHeader;
    if (n <= room) return p;
    void* q = malloc(n);
    if (q != nullptr) {
        std::memcpy(q, p, room);
        free(p);
    }
    return q;
}

void* calloc(std::size_t count, std::size_t size) {
    if (size != 0 && count > SIZE_MAX / size) return nullptr;
    void* p = malloc(count * size);
    if (p != nullptr) std::memset(p, 0, count * size);
    return p;
}

}  // extern "C"
