// ThreadSanitizer and the order the kernel gives FUSE requests.
//
// An OPEN answered on one thread and a READ of that file served on another are ordered
// by the kernel: the READ is sent only after the OPEN's reply. TSan learns that order
// from read(2) and write(2) on /dev/fuse (it treats every file descriptor as one
// synchronization object), but not from io_uring, whose requests and replies pass
// through shared rings. So every thread that takes a request from the kernel acquires,
// and every thread that hands a reply to it releases, this one object: what TSan sees is
// then what the kernel guarantees. Without TSan these are empty.
#pragma once

namespace dgen::fs {

#if defined(__SANITIZE_THREAD__)
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
inline char g_kernel_order;
inline void took_request_from_kernel() { __tsan_acquire(&g_kernel_order); }
inline void giving_reply_to_kernel() { __tsan_release(&g_kernel_order); }
#else
inline void took_request_from_kernel() {}
inline void giving_reply_to_kernel() {}
#endif

}  // namespace dgen::fs
