// The verify area's FUSE operations (special.h): each hands its request to VerifyArea
// (verify_area.h) and turns the answer into a reply. Entries and attributes are never
// cached: the area changes with every write, and per_node_mount shows it in several
// mounts at once.
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <ctime>
#include <memory>
#include <vector>

#include "special.h"
#include "verify_area.h"

namespace dgen::fs::verify_area {
namespace {

constexpr const char* kStatusXattr = "user.dgen.verify";

struct stat to_stat(const VerifyArea::Attr& a, const Context& c) {
    struct stat st {};
    st.st_ino = a.ino;
    st.st_mode = (a.dir ? S_IFDIR : S_IFREG) | a.mode;
    st.st_nlink = a.nlink;
    st.st_uid = c.uid;
    st.st_gid = c.gid;
    st.st_size = static_cast<off_t>(a.size);
    st.st_blocks = static_cast<blkcnt_t>(a.size / 512 + (a.size % 512 != 0));
    st.st_blksize = static_cast<blksize_t>(c.dataset.max_read);  // cp writes this much at a time
    st.st_mtim.tv_sec = a.mtime;
    st.st_atim.tv_sec = st.st_ctim.tv_sec = c.ns->mtime();
    return st;
}

fuse_entry_param to_entry(const VerifyArea::Attr& a, const Context& c) {
    fuse_entry_param e{};
    e.ino = a.ino;
    e.generation = 1;
    e.attr = to_stat(a, c);
    return e;  // timeouts 0
}

// Every inode of the area belongs to the mounting user; the modes are the area's own.
// dgenfs checks them itself (permission.h): the kernel does not, without
// default_permissions.
Owned owned(const VerifyArea::Attr& a, const Context& c) { return Owned{c.uid, c.gid, a.mode, a.dir}; }

// 0 when the request's caller may `mask` (R_OK | W_OK | X_OK) the inode; else the errno.
int may(fuse_req_t req, VerifyArea& area, const Context& c, uint64_t ino, int mask) {
    VerifyArea::Attr a;
    if (const int e = area.attr(ino, &a)) return e;
    return check_access(caller_of(req), owned(a, c), mask);
}

// Adding or removing a name in `dir` needs write and search on it, and, when it is
// sticky, owning it or the entry (every entry's owner is the mounting user).
int may_change(fuse_req_t req, VerifyArea& area, const Context& c, uint64_t dir, bool removes) {
    VerifyArea::Attr a;
    if (const int e = area.attr(dir, &a)) return e;
    const Caller who = caller_of(req);
    if (const int e = check_access(who, owned(a, c), W_OK | X_OK)) return e;
    return removes ? check_sticky(who, owned(a, c), Owned{c.uid, c.gid, 0, false}) : 0;
}

// What open(2)'s flags ask of the file.
int open_mask(int flags) {
    const int acc = flags & O_ACCMODE;
    int mask = acc == O_WRONLY ? W_OK : acc == O_RDWR ? (R_OK | W_OK) : R_OK;
    if (flags & O_TRUNC) mask |= W_OK;
    return mask;
}

// As the kernel would check a setattr: chmod, chown and explicit times need the owner
// or root; times set to now need the owner or write permission; truncating by name
// needs write permission (through a descriptor, its open was checked).
int may_setattr(const Caller& who, const Owned& o, int to_set, bool through_fd) {
    const bool owner = check_owner(who, o) == 0;
    const bool explicit_atime = (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_ATIME_NOW)) == FUSE_SET_ATTR_ATIME;
    const bool explicit_mtime = (to_set & (FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_MTIME_NOW)) == FUSE_SET_ATTR_MTIME;
    if (!owner && ((to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) || explicit_atime ||
                   explicit_mtime))
        return EPERM;
    if (!owner && (to_set & (FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MTIME_NOW)))
        if (const int e = check_access(who, o, W_OK)) return e;
    if ((to_set & FUSE_SET_ATTR_SIZE) && !through_fd) return check_access(who, o, W_OK);
    return 0;
}

// Runs `body` against the area, which exists whenever one of its inodes does.
template <class F>
void with_area(fuse_req_t req, const char* op, F&& body) {
    barrier(req, op, [&] {
        VerifyArea* area = ctx(req).verify;
        if (!area) return void(fuse_reply_err(req, ENOENT));
        body(*area, ctx(req));
    });
}

VerifyArea::Handle& handle(fuse_file_info* fi) { return *reinterpret_cast<VerifyArea::Handle*>(fi->fh); }

// The handle a read or write goes through: the open's, or with skip_open (fh 0, no OPEN
// was sent, so nothing checked the caller) the inode's, once the caller may `mask` it.
// Pages another reader brought into the cache are served without asking: the bytes are
// the dataset's own, which every user may read.
int handle_for(fuse_req_t req, VerifyArea& area, const Context& c, fuse_ino_t ino, fuse_file_info* fi, int mask,
               std::shared_ptr<VerifyArea::Handle>* out) {
    if (fi->fh) {
        *out = std::shared_ptr<VerifyArea::Handle>(std::shared_ptr<void>(), &handle(fi));  // not owned
        return 0;
    }
    if (const int e = may(req, area, c, ino, mask)) return e;
    return area.inode_handle(ino, out);
}

void reply_opened(fuse_req_t req, fuse_file_info* fi, std::unique_ptr<VerifyArea::Handle> h,
                  const fuse_entry_param* created) {
    fi->fh = reinterpret_cast<uint64_t>(h.get());
    fi->direct_io = 1;  // every write reaches the check; nothing is cached
    const int sent = created ? fuse_reply_create(req, created, fi) : fuse_reply_open(req, fi);
    if (sent == 0) h.release();  // else the kernel never got it
}

}  // namespace

void lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
    with_area(req, "lookup", [&](VerifyArea& area, const Context& c) {
        if (const int e = may(req, area, c, parent, X_OK)) return void(fuse_reply_err(req, e));
        VerifyArea::Attr a;
        if (const int e = area.lookup(parent, name, &a)) return void(fuse_reply_err(req, e));
        const fuse_entry_param e = to_entry(a, c);
        fuse_reply_entry(req, &e);
    });
}

void forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup) {
    if (VerifyArea* area = ctx(req).verify) area->forget(ino, nlookup);
}

void getattr(fuse_req_t req, fuse_ino_t ino) {
    with_area(req, "getattr", [&](VerifyArea& area, const Context& c) {
        VerifyArea::Attr a;
        if (const int e = area.attr(ino, &a)) return void(fuse_reply_err(req, e));
        const struct stat st = to_stat(a, c);
        fuse_reply_attr(req, &st, 0);
    });
}

void access(fuse_req_t req, fuse_ino_t ino, int mask) {
    with_area(req, "access", [&](VerifyArea& area, const Context& c) { fuse_reply_err(req, may(req, area, c, ino, mask)); });
}

// Size (truncate), mode and mtime are kept; owners and atime are accepted and dropped, so
// cp -a and rsync -a finish without an error. Who may set them: may_setattr.
void setattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set, fuse_file_info* fi) {
    with_area(req, "setattr", [&](VerifyArea& area, const Context& c) {
        VerifyArea::Attr now;
        int e = area.attr(ino, &now);
        // A descriptor's open was checked, unless there was none to check (skip_open).
        if (!e) e = may_setattr(caller_of(req), owned(now, c), to_set, fi != nullptr && fi->fh != 0);
        if (!e && (to_set & FUSE_SET_ATTR_SIZE)) e = area.set_size(ino, static_cast<uint64_t>(attr->st_size));
        if (!e && (to_set & FUSE_SET_ATTR_MODE)) e = area.set_mode(ino, attr->st_mode);
        if (!e && (to_set & FUSE_SET_ATTR_MTIME_NOW)) e = area.set_mtime(ino, std::time(nullptr));
        else if (!e && (to_set & FUSE_SET_ATTR_MTIME)) e = area.set_mtime(ino, attr->st_mtim.tv_sec);
        VerifyArea::Attr a;
        if (!e) e = area.attr(ino, &a);
        if (e) return void(fuse_reply_err(req, e));
        const struct stat st = to_stat(a, c);
        fuse_reply_attr(req, &st, 0);
    });
}

void opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
    with_area(req, "opendir", [&](VerifyArea& area, const Context& c) {
        VerifyArea::Attr a;
        if (const int e = area.attr(ino, &a)) return void(fuse_reply_err(req, e));
        if (!a.dir) return void(fuse_reply_err(req, ENOTDIR));
        if (const int e = check_access(caller_of(req), owned(a, c), R_OK)) return void(fuse_reply_err(req, e));
        fi->fh = 0;
        fuse_reply_open(req, fi);
    });
}

// With attributes (plus), created entries go without their inode, so that the kernel
// looks them up, and counts its reference to them, as for any lookup.
void readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, bool plus) {
    with_area(req, plus ? "readdirplus" : "readdir", [&](VerifyArea& area, const Context& c) {
        std::vector<char> buf(size);
        size_t used = 0;
        const int e = area.list(ino, static_cast<uint64_t>(off),
            [&](const std::string& name, const VerifyArea::Attr& a, uint64_t next) {
                size_t need;
                if (plus) {
                    fuse_entry_param entry = to_entry(a, c);
                    if (VerifyArea::is_created(a.ino)) entry.ino = 0;
                    need = fuse_add_direntry_plus(req, buf.data() + used, size - used, name.c_str(), &entry,
                                                  static_cast<off_t>(next));
                } else {
                    const struct stat st = to_stat(a, c);
                    need = fuse_add_direntry(req, buf.data() + used, size - used, name.c_str(), &st,
                                             static_cast<off_t>(next));
                }
                if (need > size - used) return false;
                used += need;
                return true;
            });
        if (e) return void(fuse_reply_err(req, e));
        fuse_reply_buf(req, buf.data(), used);
    });
}

void open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
    with_area(req, "open", [&](VerifyArea& area, const Context& c) {
        if (const int e = may(req, area, c, ino, open_mask(fi->flags))) return void(fuse_reply_err(req, e));
        if (c.skip_open) return void(fuse_reply_err(req, ENOSYS));  // fs.h: skips_open
        std::unique_ptr<VerifyArea::Handle> h;
        if (const int e = area.open(ino, fi->flags, &h)) return void(fuse_reply_err(req, e));
        reply_opened(req, fi, std::move(h), nullptr);
    });
}

void create(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, fuse_file_info* fi) {
    with_area(req, "create", [&](VerifyArea& area, const Context& c) {
        if (const int e = may_change(req, area, c, parent, false)) return void(fuse_reply_err(req, e));
        std::unique_ptr<VerifyArea::Handle> h;
        VerifyArea::Attr a;
        if (const int e = area.create(parent, name, mode, fi->flags, &a, &h)) return void(fuse_reply_err(req, e));
        const fuse_entry_param entry = to_entry(a, c);
        reply_opened(req, fi, std::move(h), &entry);
    });
}

void read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
    with_area(req, "read", [&](VerifyArea& area, const Context& c) {
        std::shared_ptr<VerifyArea::Handle> h;
        if (const int e = handle_for(req, area, c, ino, fi, R_OK, &h)) return void(fuse_reply_err(req, e));
        thread_local std::vector<uint8_t> buf;
        if (buf.size() < size) buf.resize(size);
        int e = 0;
        const size_t n = area.read(*h, static_cast<uint64_t>(off), size, buf.data(), &e);
        if (e) return void(fuse_reply_err(req, e));
        fuse_reply_buf(req, reinterpret_cast<const char*>(buf.data()), n);
    });
}

void write(fuse_req_t req, fuse_ino_t ino, const char* data, size_t size, off_t off, fuse_file_info* fi) {
    with_area(req, "write", [&](VerifyArea& area, const Context& c) {
        std::shared_ptr<VerifyArea::Handle> h;
        if (const int e = handle_for(req, area, c, ino, fi, W_OK, &h)) return void(fuse_reply_err(req, e));
        const int e = area.write(*h, static_cast<uint64_t>(off), reinterpret_cast<const uint8_t*>(data), size);
        if (e) return void(fuse_reply_err(req, e));
        fuse_reply_write(req, size);
    });
}

void release(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
    with_area(req, "release", [&](VerifyArea& area, const Context&) {
        std::unique_ptr<VerifyArea::Handle> h(&handle(fi));
        area.release(*h);
        fuse_reply_err(req, 0);
    });
}

void mkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode) {
    with_area(req, "mkdir", [&](VerifyArea& area, const Context& c) {
        if (const int e = may_change(req, area, c, parent, false)) return void(fuse_reply_err(req, e));
        VerifyArea::Attr a;
        if (const int e = area.mkdir(parent, name, mode, &a)) return void(fuse_reply_err(req, e));
        const fuse_entry_param entry = to_entry(a, c);
        fuse_reply_entry(req, &entry);
    });
}

void unlink(fuse_req_t req, fuse_ino_t parent, const char* name) {
    with_area(req, "unlink", [&](VerifyArea& area, const Context& c) {
        const int e = may_change(req, area, c, parent, true);
        fuse_reply_err(req, e ? e : area.unlink(parent, name));
    });
}

void rmdir(fuse_req_t req, fuse_ino_t parent, const char* name) {
    with_area(req, "rmdir", [&](VerifyArea& area, const Context& c) {
        const int e = may_change(req, area, c, parent, true);
        fuse_reply_err(req, e ? e : area.rmdir(parent, name));
    });
}

void rename(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t newparent, const char* newname,
            unsigned int flags) {
    with_area(req, "rename", [&](VerifyArea& area, const Context& c) {
        int e = may_change(req, area, c, parent, true);
        if (!e) e = may_change(req, area, c, newparent, true);  // a name there may be replaced
        fuse_reply_err(req, e ? e : area.rename(parent, name, newparent, newname, flags));
    });
}

// user.dgen.verify: how far a file's round trip has come.
void getxattr(fuse_req_t req, fuse_ino_t ino, const char* name, size_t size) {
    with_area(req, "getxattr", [&](VerifyArea& area, const Context&) {
        const auto status = std::strcmp(name, kStatusXattr) == 0 ? area.status(ino) : std::nullopt;
        if (!status) return void(fuse_reply_err(req, ENODATA));
        if (size == 0) return void(fuse_reply_xattr(req, status->size()));
        if (size < status->size()) return void(fuse_reply_err(req, ERANGE));
        fuse_reply_buf(req, status->data(), status->size());
    });
}

void listxattr(fuse_req_t req, fuse_ino_t ino, size_t size) {
    with_area(req, "listxattr", [&](VerifyArea& area, const Context&) {
        const std::string names = area.status(ino) ? std::string(kStatusXattr) + '\0' : "";
        if (size == 0) return void(fuse_reply_xattr(req, names.size()));
        if (size < names.size()) return void(fuse_reply_err(req, ERANGE));
        fuse_reply_buf(req, names.data(), names.size());
    });
}

}  // namespace dgen::fs::verify_area
