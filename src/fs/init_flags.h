// FUSE INIT flags newer than libfuse 3.14. Its protocol stops at 7.38, so it never asks for
// what later kernels offer; dgenfs takes two of those itself, by rewriting the INIT reply
// libfuse writes (libfuse's custom I/O hooks, on the session that answers INIT):
//
//   FUSE_DIRECT_IO_ALLOW_MMAP (7.39)  a direct_io file may be mapped MAP_SHARED (without
//                                     it, mmap fails with ENODEV and tools that map
//                                     their input break)
//   FUSE_OVER_IO_URING (7.42)         requests may come over io_uring (uring_queues.h),
//                                     taken when Context::init.want_uring says so
//
// A flag is taken only when the kernel's INIT offered it, so an older kernel sees the
// reply libfuse made.
#pragma once

#include "fs.h"

namespace dgen::fs {

inline constexpr uint64_t kDirectIoAllowMmap = 1ull << 36;  // linux/fuse.h 7.39

// Installs the hooks on a mounted session, before it reads INIT. False (errno set) if
// libfuse refused them.
bool take_later_init_flags(fuse_session* se);

// What the kernel offered and what the reply took, for the start-up log.
struct InitFlags {
    uint64_t offered = 0;
    uint64_t taken = 0;
};
InitFlags later_init_flags(const Context& c);

}  // namespace dgen::fs
