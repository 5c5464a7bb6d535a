// Carrying a plan out: pin the calling thread, then allocate memory on its node so the
// pages are first touched there (fio's order: pin, set the policy, allocate).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dgen {

// Pins the calling thread to `cpus` (OS PU numbers) and prefers memory from `node`.
// Returns "" or what failed (errno text).
std::string pin_thread(const std::vector<unsigned>& cpus, unsigned node);

// A region of `bytes` bound to `node` (mbind, MPOL_BIND), not yet touched: a pool that
// workers carve their buffers from. Falls back to plain memory if the kernel has no
// NUMA support (then node_of() says -1). Throws std::system_error ("cannot map node N's
// pool of SIZE: Cannot allocate memory") if the region cannot be mapped.
class NodePool {
public:
    NodePool(unsigned node, size_t bytes);
    ~NodePool();
    NodePool(const NodePool&) = delete;
    NodePool& operator=(const NodePool&) = delete;

    // The i-th slice of `size` bytes; the caller touches it from its pinned thread.
    uint8_t* slice(size_t i, size_t size) const { return base_ + i * size; }
    size_t bytes() const { return bytes_; }
    unsigned node() const { return node_; }
    const std::string& warning() const { return warning_; }

private:
    uint8_t* base_ = nullptr;
    size_t bytes_ = 0;
    unsigned node_ = 0;
    std::string warning_;
};

// The NUMA node holding the page at `p` (get_mempolicy MPOL_F_NODE|MPOL_F_ADDR), -1 if
// unknown. Touch the page first.
int node_of(const void* p);

}  // namespace dgen
