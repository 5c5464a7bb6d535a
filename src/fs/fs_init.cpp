#include "fs.h"

namespace dgen::fs {

// Requests up to max_read (libfuse 3.14 sizes its buffer for 1 MiB); the mount option
// -o max_read is added by the daemon too, which the kernel needs as well.
void init(void* userdata, fuse_conn_info* conn) {
    const Context& c = *static_cast<Context*>(userdata);
    conn->max_read = c.dataset.max_read;
    conn->max_write = c.dataset.max_read;  // the verify area checks writes as large as reads
    if (conn->capable & FUSE_CAP_ASYNC_READ) conn->want |= FUSE_CAP_ASYNC_READ;
    conn->want &= ~FUSE_CAP_AUTO_INVAL_DATA;  // contents never change
    conn->time_gran = 1000000000;             // whole seconds
    // READDIRPLUS for every readdir call, not only the first of a directory: the kernel's
    // auto mode falls back to plain READDIR after one call unless lookups followed, so a
    // cold `cp -r` or `rsync` of a large directory paid one LOOKUP round trip per entry.
    conn->want &= ~FUSE_CAP_READDIRPLUS_AUTO;
    // Without OPEN the kernel would truncate an O_TRUNC open in its cache alone (atomic
    // O_TRUNC rides on OPEN): the dataset would not refuse it, nor the verify area start
    // the file over. Without the flag it sends SETATTR(size 0) first.
    if (c.skip_open) conn->want &= ~FUSE_CAP_ATOMIC_O_TRUNC;
}

}  // namespace dgen::fs
