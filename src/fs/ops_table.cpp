#include "fs.h"

namespace dgen::fs {

const fuse_lowlevel_ops& operations() {
    static const fuse_lowlevel_ops ops = [] {
        fuse_lowlevel_ops o{};
        o.access = access;
        o.create = create;
        o.fallocate = fallocate;
        o.forget = forget;
        o.forget_multi = forget_multi;
        o.getattr = getattr;
        o.getxattr = getxattr;
        o.init = init;
        o.link = link;
        o.listxattr = listxattr;
        o.lookup = lookup;
        o.mkdir = mkdir;
        o.mknod = mknod;
        o.open = open;
        o.opendir = opendir;
        o.read = read;
        o.readdir = readdir;
        o.readdirplus = readdirplus;
        o.readlink = readlink;
        o.release = release;
        o.removexattr = removexattr;
        o.rename = rename;
        o.rmdir = rmdir;
        o.setattr = setattr;
        o.setxattr = setxattr;
        o.statfs = statfs;
        o.symlink = symlink;
        o.unlink = unlink;
        o.write = write;
        return o;
    }();
    return ops;
}

}  // namespace dgen::fs
