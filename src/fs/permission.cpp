#include "permission.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace dgen::fs {

int check_access(const Caller& who, const Owned& what, int mask) {
    mask &= R_OK | W_OK | X_OK;
    if (who.uid == 0) {
        const bool may_run = what.dir || (what.mode & 0111) != 0;
        return (mask & X_OK) && !may_run ? EACCES : 0;
    }
    uint32_t bits;  // the rwx triple that applies, shifted down to R_OK/W_OK/X_OK
    if (who.uid == what.uid) {
        bits = what.mode >> 6;
    } else if (((what.mode >> 3) & 7) == (what.mode & 7)) {
        bits = what.mode;  // group and others alike: no need to know the groups
    } else {
        bool member = who.gid == what.gid;
        if (!member && who.groups) {
            const std::vector<gid_t> g = who.groups();
            member = std::find(g.begin(), g.end(), what.gid) != g.end();
        }
        bits = member ? what.mode >> 3 : what.mode;
    }
    return (static_cast<uint32_t>(mask) & ~bits & 7) ? EACCES : 0;
}

int check_sticky(const Caller& who, const Owned& dir, const Owned& child) {
    if (!(dir.mode & S_ISVTX) || who.uid == 0 || who.uid == dir.uid || who.uid == child.uid) return 0;
    return EPERM;
}

int check_owner(const Caller& who, const Owned& what) {
    return who.uid == 0 || who.uid == what.uid ? 0 : EPERM;
}

}  // namespace dgen::fs
