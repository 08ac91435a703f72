// A list with fixed capacity and no heap: the core's outputs and memories are small and bounded, and a
// std::vector per element type costs the wasm module its growth and copy code (docs/wasm-size.md).
#pragma once

#include <array>
#include <cstddef>
#include <initializer_list>

namespace nv {

template <class T, std::size_t N>
class FixedList {
public:
    FixedList() = default;
    FixedList(std::initializer_list<T> items) {
        for (const T& item : items) push_back(item);
    }

    // False (and nothing stored) when full.
    bool push_back(const T& item) {
        if (size_ == N) return false;
        items_[size_++] = item;
        return true;
    }
    [[nodiscard]] bool contains(const T& item) const {
        for (std::size_t i = 0; i < size_; ++i) {
            if (items_[i] == item) return true;
        }
        return false;
    }
    [[nodiscard]] std::size_t size() const { return size_; }
    [[nodiscard]] static constexpr std::size_t capacity() { return N; }
    [[nodiscard]] bool empty() const { return size_ == 0; }
    [[nodiscard]] const T& operator[](std::size_t i) const { return items_[i]; }
    [[nodiscard]] T& operator[](std::size_t i) { return items_[i]; }
    [[nodiscard]] const T& front() const { return items_[0]; }
    [[nodiscard]] const T* begin() const { return items_.data(); }
    [[nodiscard]] const T* end() const { return items_.data() + size_; }
    void clear() { size_ = 0; }

    friend bool operator==(const FixedList& a, const FixedList& b) {
        if (a.size_ != b.size_) return false;
        for (std::size_t i = 0; i < a.size_; ++i) {
            if (!(a.items_[i] == b.items_[i])) return false;
        }
        return true;
    }

private:
    std::array<T, N> items_{};
    std::size_t size_ = 0;
};

}  // namespace nv
