#include "dgen/numa_place.h"

#include <numa.h>
#include <numaif.h>
#include <sched.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "dgen/values.h"

namespace dgen {

std::string pin_thread(const std::vector<unsigned>& cpus, unsigned node) {
    cpu_set_t set;
    CPU_ZERO(&set);
    for (unsigned c : cpus) CPU_SET(c, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0)
        return std::string("sched_setaffinity: ") + std::strerror(errno);
    if (numa_available() >= 0) numa_set_preferred(static_cast<int>(node));
    return {};
}

NodePool::NodePool(unsigned node, size_t bytes) : bytes_(bytes), node_(node) {
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        throw std::system_error(errno, std::generic_category(),
                                "cannot map node " + std::to_string(node) + "'s pool of " + format_size(bytes));
    base_ = static_cast<uint8_t*>(p);
    if (numa_available() < 0) {
        warning_ = "no NUMA support in this kernel: pool memory is not bound to a node";
        return;
    }
    unsigned long mask[16] = {};
    if (node >= sizeof mask * 8) {
        warning_ = "node " + std::to_string(node) + " is beyond the bind mask; pool not bound";
        return;
    }
    mask[node / (8 * sizeof(unsigned long))] |= 1ul << (node % (8 * sizeof(unsigned long)));
    if (mbind(base_, bytes, MPOL_BIND, mask, sizeof mask * 8, 0) != 0)
        warning_ = std::string("mbind to node ") + std::to_string(node) + ": " + std::strerror(errno);
}

NodePool::~NodePool() {
    if (base_) munmap(base_, bytes_);
}

int node_of(const void* p) {
    int node = -1;
    if (get_mempolicy(&node, nullptr, 0, const_cast<void*>(p), MPOL_F_NODE | MPOL_F_ADDR) != 0)
        return -1;
    return node;
}

}  // namespace dgen
