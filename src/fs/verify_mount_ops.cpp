// The verify area's own mount (special.h says why it has one): the dataset mount's
// operations, with FUSE's root, inode 1, standing for the area's root, 2^63 | 1. Every
// other inode the kernel names on this mount came from the area's own replies and has
// the bit set, so each operation hands it to the verify area.
#include "fs.h"
#include "verify_area.h"

namespace dgen::fs {

namespace {

fuse_ino_t area(fuse_ino_t ino) { return ino == FUSE_ROOT_ID ? VerifyArea::root() : ino; }

}  // namespace

const fuse_lowlevel_ops& verify_operations() {
    static const fuse_lowlevel_ops ops = [] {
        fuse_lowlevel_ops o = operations();
        o.access = [](fuse_req_t r, fuse_ino_t i, int mask) { access(r, area(i), mask); };
        o.create = [](fuse_req_t r, fuse_ino_t p, const char* n, mode_t m, fuse_file_info* fi) {
            create(r, area(p), n, m, fi);
        };
        o.fallocate = [](fuse_req_t r, fuse_ino_t i, int m, off_t off, off_t len, fuse_file_info* fi) {
            fallocate(r, area(i), m, off, len, fi);
        };
        o.getattr = [](fuse_req_t r, fuse_ino_t i, fuse_file_info* fi) { getattr(r, area(i), fi); };
        o.getxattr = [](fuse_req_t r, fuse_ino_t i, const char* n, size_t size) { getxattr(r, area(i), n, size); };
        o.link = [](fuse_req_t r, fuse_ino_t i, fuse_ino_t p, const char* n) { link(r, area(i), area(p), n); };
        o.listxattr = [](fuse_req_t r, fuse_ino_t i, size_t size) { listxattr(r, area(i), size); };
        o.lookup = [](fuse_req_t r, fuse_ino_t p, const char* n) { lookup(r, area(p), n); };
        o.mkdir = [](fuse_req_t r, fuse_ino_t p, const char* n, mode_t m) { mkdir(r, area(p), n, m); };
        o.mknod = [](fuse_req_t r, fuse_ino_t p, const char* n, mode_t m, dev_t d) { mknod(r, area(p), n, m, d); };
        o.open = [](fuse_req_t r, fuse_ino_t i, fuse_file_info* fi) { open(r, area(i), fi); };
        o.opendir = [](fuse_req_t r, fuse_ino_t i, fuse_file_info* fi) { opendir(r, area(i), fi); };
        o.read = [](fuse_req_t r, fuse_ino_t i, size_t size, off_t off, fuse_file_info* fi) {
            read(r, area(i), size, off, fi);
        };
        o.readdir = [](fuse_req_t r, fuse_ino_t i, size_t size, off_t off, fuse_file_info* fi) {
            readdir(r, area(i), size, off, fi);
        };
        o.readdirplus = [](fuse_req_t r, fuse_ino_t i, size_t size, off_t off, fuse_file_info* fi) {
            readdirplus(r, area(i), size, off, fi);
        };
        o.readlink = [](fuse_req_t r, fuse_ino_t i) { readlink(r, area(i)); };
        o.release = [](fuse_req_t r, fuse_ino_t i, fuse_file_info* fi) { release(r, area(i), fi); };
        o.removexattr = [](fuse_req_t r, fuse_ino_t i, const char* n) { removexattr(r, area(i), n); };
        o.rename = [](fuse_req_t r, fuse_ino_t p, const char* n, fuse_ino_t np, const char* nn, unsigned f) {
            rename(r, area(p), n, area(np), nn, f);
        };
        o.rmdir = [](fuse_req_t r, fuse_ino_t p, const char* n) { rmdir(r, area(p), n); };
        o.setattr = [](fuse_req_t r, fuse_ino_t i, struct stat* a, int to_set, fuse_file_info* fi) {
            setattr(r, area(i), a, to_set, fi);
        };
        o.setxattr = [](fuse_req_t r, fuse_ino_t i, const char* n, const char* v, size_t size, int f) {
            setxattr(r, area(i), n, v, size, f);
        };
        o.statfs = [](fuse_req_t r, fuse_ino_t i) { statfs(r, area(i)); };
        o.symlink = [](fuse_req_t r, const char* l, fuse_ino_t p, const char* n) { symlink(r, l, area(p), n); };
        o.unlink = [](fuse_req_t r, fuse_ino_t p, const char* n) { unlink(r, area(p), n); };
        o.write = [](fuse_req_t r, fuse_ino_t i, const char* buf, size_t size, off_t off, fuse_file_info* fi) {
            write(r, area(i), buf, size, off, fi);
        };
        return o;
    }();
    return ops;
}

}  // namespace dgen::fs
