#!/usr/bin/env bash
# The install and the Debian package (issue 8):
#  1. `cmake --install BUILD --prefix /usr` into a DESTDIR lays out the binaries, both
#     units (for that prefix), the man pages (gzipped, they render), /etc/dgenfs/dgenfs.ini
#     and the docs; a second install keeps an edited /etc/dgenfs/dgenfs.ini; --prefix
#     /usr/local gives units that name /usr/local/bin/dgenfs.
#  2. `cpack -G DEB` makes dgenfs_<version>_<arch>.deb: Depends names fuse3 and the
#     package of every shared library the binaries need, /etc/dgenfs/dgenfs.ini is its
#     one conffile, and it carries exactly what step 1 installed.
#  3. In a throwaway container with a real systemd (container.sh): apt-get installs it,
#     dgenfs.service mounts /mnt/dgen and serves the bytes `dgen cat` writes, and
#     `apt-get remove` then `purge` leave nothing of the package, nor the .wants links
#     of enabled units, nor /mnt/dgen.
# Set by CTest: DGEN_BUILD_DIR, the build directory (cmake --install and cpack read it).
source "$(dirname "$0")/functions.sh"

if [ "${DGEN_SANITIZED:-0}" = 1 ]; then
    skip "a package of sanitizer binaries is not the product"
fi
: "${DGEN_BUILD_DIR:?DGEN_BUILD_DIR must point at the build directory}"
[ "$(id -u)" -eq 0 ] || skip "needs root (the container)"
requires cmake cpack dpkg dpkg-deb man gzip readelf ldd
[ -f "$DGEN_BUILD_DIR/man/dgen.1.gz" ] || skip "built with DGEN_MAN_PAGES=OFF"
SRC=$(realpath "$(dirname "$0")/../..")
VERSION=$("$DGEN" --version | awk '{print $2; exit}' | tr -d ,)
[ -n "$VERSION" ] || fail "no version in 'dgen --version'"

# --- 1. cmake --install ------------------------------------------------------------------
# cmake --install and cpack (re)write BUILD/install_manifest.txt, the list of what the last
# real install wrote (docs/OPERATIONS.md removes a source install with it): keep it.
manifest=$DGEN_BUILD_DIR/install_manifest.txt
if [ -f "$manifest" ]; then
    cp -p "$manifest" "$TMPDIR_TEST/install_manifest.txt" || fail "cp $manifest"
    on_exit "cp -p '$TMPDIR_TEST/install_manifest.txt' '$manifest'"
else
    on_exit "rm -f '$manifest'"
fi
dest=$TMPDIR_TEST/dest
install_to() {  # DESTDIR PREFIX
    DESTDIR=$1 cmake --install "$DGEN_BUILD_DIR" --prefix "$2" >"$TMPDIR_TEST/install.log" 2>&1 ||
        fail "cmake --install --prefix $2: $(cat "$TMPDIR_TEST/install.log")"
}
install_to "$dest" /usr

for f in usr/bin/dgen usr/bin/dgenfs; do
    [ -x "$dest/$f" ] || fail "/$f not installed (or not executable)"
done
for f in usr/share/dgenfs/dgenfs.ini usr/share/doc/dgenfs/README.md \
    usr/share/doc/dgenfs/OPERATIONS.md usr/share/doc/dgenfs/dgenfs.md; do
    [ -f "$dest/$f" ] || fail "/$f not installed"
done
[ -n "$(ls "$dest/usr/share/dgenfs/examples/"*.ini)" ] || fail "no examples in /usr/share/dgenfs/examples"
cmp "$dest/etc/dgenfs/dgenfs.ini" "$SRC/config/dgenfs.ini" ||
    fail "/etc/dgenfs/dgenfs.ini is not config/dgenfs.ini"

# The units: both made from systemd/dgenfs.service.in, with the paths of this prefix.
units=$dest/usr/lib/systemd/system
# check_unit FILE WANT...: FILE holds each WANT line and no @VAR@ left unfilled.
check_unit() {
    local file=$1 want
    shift
    [ -f "$file" ] || fail "$file not installed"
    if grep -n '@[A-Za-z_]*@' "$file"; then fail "$file: a placeholder is left"; fi
    for want in "$@"; do
        grep -qxF -- "$want" "$file" || fail "$file lacks the line '$want'"
    done
}
check_unit "$units/dgenfs.service" \
    "Description=dgenfs synthetic test data at /mnt/dgen" \
    "Documentation=man:dgenfs(8) file:/usr/share/doc/dgenfs/OPERATIONS.md" \
    "ExecStart=/usr/bin/dgenfs -f -o allow_other,auto_unmount --default-mountpoint /mnt/dgen /etc/dgenfs/dgenfs.ini"
check_unit "$units/dgenfs@.service" \
    "Description=dgenfs synthetic test data: /etc/dgenfs/%i.ini" \
    "ExecStart=/usr/bin/dgenfs -f -o allow_other,auto_unmount --default-mountpoint /mnt/dgen-%i /etc/dgenfs/%i.ini"

# The man pages: gzipped, they render without warnings, and dgen(1) holds a section for
# every subcommand that `dgen --help` lists.
man1=$dest/usr/share/man/man1/dgen.1.gz
man8=$dest/usr/share/man/man8/dgenfs.8.gz
for page in "$man1" "$man8"; do
    gzip -t "$page" || fail "$page is not gzip"
    out=$(MANWIDTH=80 man --warnings -l "$page" 2>"$TMPDIR_TEST/man.err") || fail "man -l $page failed"
    [ ! -s "$TMPDIR_TEST/man.err" ] || fail "man -l $page warns: $(cat "$TMPDIR_TEST/man.err")"
    grep -q '^SEE ALSO' <<<"$out" || fail "$page has no SEE ALSO"
done
page1=$(MANWIDTH=200 man -l "$man1")
grep -qF 'dgen - write, check and benchmark' <<<"$page1" || fail "dgen(1) has no NAME line"
commands=$(sed -n '/^Subcommands:/,$ s/^  \([a-z][a-z0-9-]*\)  .*/\1/p' <<<"$("$DGEN" --help)")
[ -n "$commands" ] || fail "no subcommands in 'dgen --help'"
for cmd in $commands; do
    grep -qE "^   dgen $cmd( |:)" <<<"$page1" || fail "dgen(1) has no section for 'dgen $cmd'"
done
page8=$(MANWIDTH=200 man -l "$man8")
grep -qF 'dgenfs - mount synthetic storage test data' <<<"$page8" || fail "dgenfs(8) has no NAME line"
grep -qE '^ +--version|-V, --version' <<<"$page8" || fail "dgenfs(8) does not list --version"

# A second install keeps an edited /etc/dgenfs/dgenfs.ini (the new default stays in
# share/dgenfs).
echo "; edited by test-package-deb" >>"$dest/etc/dgenfs/dgenfs.ini"
install_to "$dest" /usr
grep -qx '; edited by test-package-deb' "$dest/etc/dgenfs/dgenfs.ini" ||
    fail "a second cmake --install overwrote the edited /etc/dgenfs/dgenfs.ini"
grep -q 'Keeping: .*/etc/dgenfs/dgenfs.ini' "$TMPDIR_TEST/install.log" ||
    fail "the second install did not say it kept /etc/dgenfs/dgenfs.ini: $(cat "$TMPDIR_TEST/install.log")"
cmp "$dest/usr/share/dgenfs/dgenfs.ini" "$SRC/config/dgenfs.ini" ||
    fail "/usr/share/dgenfs/dgenfs.ini is not the default"

# Prefix /usr/local (what setup.sh uses): units under it, naming its binaries.
install_to "$TMPDIR_TEST/local" /usr/local
check_unit "$TMPDIR_TEST/local/usr/local/lib/systemd/system/dgenfs.service" \
    "ExecStart=/usr/local/bin/dgenfs -f -o allow_other,auto_unmount --default-mountpoint /mnt/dgen /etc/dgenfs/dgenfs.ini" \
    "Documentation=man:dgenfs(8) file:/usr/local/share/doc/dgenfs/OPERATIONS.md"
[ -f "$TMPDIR_TEST/local/etc/dgenfs/dgenfs.ini" ] || fail "prefix /usr/local: no /etc/dgenfs/dgenfs.ini"
[ -f "$TMPDIR_TEST/local/usr/local/share/man/man8/dgenfs.8.gz" ] || fail "prefix /usr/local: no dgenfs(8)"
rm -rf "$TMPDIR_TEST/local"
echo "ok: cmake --install (prefix /usr and /usr/local)"

# --- 2. cpack -G DEB ---------------------------------------------------------------------
arch=$(dpkg --print-architecture)
cpack -G DEB --config "$DGEN_BUILD_DIR/CPackConfig.cmake" -B "$TMPDIR_TEST/pkg" >"$TMPDIR_TEST/cpack.log" 2>&1 ||
    fail "cpack: $(cat "$TMPDIR_TEST/cpack.log")"
deb=$TMPDIR_TEST/pkg/dgenfs_${VERSION}_$arch.deb
[ -f "$deb" ] || fail "cpack made no $(basename "$deb"): $(ls "$TMPDIR_TEST/pkg")"
dpkg-deb -I "$deb" >"$TMPDIR_TEST/info" || fail "dpkg-deb -I $deb"
for field in "Package: dgenfs" "Version: $VERSION" "Architecture: $arch" "Section: utils"; do
    grep -qx " $field" "$TMPDIR_TEST/info" || fail "control lacks '$field': $(cat "$TMPDIR_TEST/info")"
done
grep -q '^ Maintainer: .* <.*@.*>$' "$TMPDIR_TEST/info" || fail "control has no Maintainer"
depends=$(dpkg-deb -f "$deb" Depends) || fail "dpkg-deb -f Depends"
# has_dep PACKAGE: Depends names PACKAGE, with or without a version.
has_dep() { tr ',' '\n' <<<"$depends" | sed 's/^ *//; s/ .*//' | grep -qx -- "$1"; }
has_dep fuse3 || fail "Depends lacks fuse3 (fusermount3): $depends"

# The package's own binaries: every shared library they link directly (NEEDED) comes
# from a package that Depends names (what dpkg-shlibdeps should have found).
dpkg-deb -x "$deb" "$TMPDIR_TEST/x" || fail "dpkg-deb -x $deb"
for bin in "$TMPDIR_TEST/x/usr/bin/dgen" "$TMPDIR_TEST/x/usr/bin/dgenfs"; do
    dynamic=$(readelf -d "$bin") || fail "readelf -d $bin"
    libs=$(ldd "$bin") || fail "ldd $bin"
    needed=$(sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p' <<<"$dynamic")
    [ -n "$needed" ] || fail "$bin needs no shared library?"
    for soname in $needed; do
        lib=$(awk -v so="$soname" '$1 == so && $2 == "=>" {print $3}' <<<"$libs")
        [ -n "$lib" ] || fail "ldd does not resolve $soname for $bin"
        owner=$(dpkg -S "$lib" 2>/dev/null || dpkg -S "$(realpath "$lib")" 2>/dev/null ||
            dpkg -S "/usr$lib" 2>/dev/null) || fail "no package owns $lib (needed by $bin)"
        pkg=${owner%%:*}
        has_dep "$pkg" || fail "$(basename "$bin") needs $lib from $pkg, which Depends lacks: $depends"
    done
done

conffiles=$(dpkg-deb --info "$deb" conffiles) || fail "the .deb has no conffiles"
[ "$conffiles" = /etc/dgenfs/dgenfs.ini ] || fail "conffiles: '$conffiles', want /etc/dgenfs/dgenfs.ini"
for script in postinst prerm postrm; do
    dpkg-deb --info "$deb" "$script" >"$TMPDIR_TEST/$script" || fail "the .deb has no $script"
    sh -n "$TMPDIR_TEST/$script" || fail "$script: syntax error"
done

# Contents: exactly the files and links of the /usr install in step 1.
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {sub(/^\./, "", $6); print $6}' | sort >"$TMPDIR_TEST/deb.list" ||
    fail "dpkg-deb -c $deb"
(cd "$dest" && find . ! -type d | sed 's/^\.//' | sort) >"$TMPDIR_TEST/install.list"
diff "$TMPDIR_TEST/install.list" "$TMPDIR_TEST/deb.list" >"$TMPDIR_TEST/list.diff" ||
    fail "the .deb (>) and cmake --install (<) differ: $(cat "$TMPDIR_TEST/list.diff")"
# ... and the same bytes, but for the binaries (cpack strips them) and the conffile
# (edited above): the units name /usr/bin/dgenfs in the .deb too.
(cd "$dest" && find . -type f ! -path ./usr/bin/dgen ! -path ./usr/bin/dgenfs \
    ! -path ./etc/dgenfs/dgenfs.ini) >"$TMPDIR_TEST/same.list"
while read -r f; do
    cmp "$dest/$f" "$TMPDIR_TEST/x/$f" || fail "the .deb's $f differs from cmake --install's"
done <"$TMPDIR_TEST/same.list"
cmp "$TMPDIR_TEST/x/etc/dgenfs/dgenfs.ini" "$SRC/config/dgenfs.ini" ||
    fail "the .deb's /etc/dgenfs/dgenfs.ini is not config/dgenfs.ini"
echo "ok: $(basename "$deb"): Depends: $depends"

# --- 3. apt-get install, serve, remove, purge in a container ------------------------------
requires systemd-nspawn nsenter unshare findmnt
[ -c /dev/fuse ] || skip "no /dev/fuse"
source "$SRC/tests/integration/container.sh"
CT=dgen-pkg-$$
on_exit "ct_stop $CT; rm -f '$CT_STATE/$CT.log'"
rc=0
ct_boot "$CT" || rc=$?
[ "$rc" -ne 77 ] || skip "no container: systemd-nspawn missing"
[ "$rc" -eq 0 ] || fail "the container did not boot: $(tail -20 "$CT_STATE/$CT.log")"
cp "$deb" "$CT_STATE/$CT-share/" || fail "cp $deb into the container"
chmod 0755 "$CT_STATE/$CT-share"
in_ct() { ct "$CT" "$@"; }
# ct_paths CONDITION: the paths on stdin for which the shell CONDITION on "$p" holds in
# the container.
ct_paths() { in_ct sh -c "while read -r p; do if $1; then echo \"\$p\"; fi; done"; }
journal() { in_ct journalctl --no-pager -n 40 -u 'dgenfs*' 2>&1 || true; }

# The container is a copy of this host: first remove what a host install put there
# (setup.sh up installs to /usr/local and /etc/dgenfs), so the package meets a clean
# system, and a Docker image's /usr/sbin/policy-rc.d, which forbids maintainer scripts to
# stop services (the prerm's deb-systemd-invoke honours it), as a real machine has none.
in_ct sh -c 'rm -rf /usr/sbin/policy-rc.d /etc/dgenfs /usr/local/bin/dgen /usr/local/bin/dgenfs \
    /usr/local/lib/systemd/system/dgenfs.service /usr/local/lib/systemd/system/dgenfs@.service \
    /usr/local/share/dgenfs /usr/local/share/doc/dgenfs \
    /usr/local/share/man/man1/dgen.1.gz /usr/local/share/man/man8/dgenfs.8.gz /mnt/dgen &&
    systemctl daemon-reload' || fail "could not clean the container"
if in_ct dpkg -s dgenfs >/dev/null 2>&1; then fail "dgenfs is already installed in the container"; fi

in_ct env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    "/share/$(basename "$deb")" >"$TMPDIR_TEST/apt-install.log" 2>&1 ||
    fail "apt-get install: $(cat "$TMPDIR_TEST/apt-install.log")"
status=$(in_ct dpkg-query -W -f='${Status}' dgenfs) || fail "dpkg-query dgenfs"
[ "$status" = "install ok installed" ] || fail "dgenfs status: $status"
ver=$(in_ct /usr/bin/dgenfs --version) || fail "dgenfs --version in the container"
[ "$(head -1 <<<"$ver")" = "dgenfs $VERSION" ] || fail "dgenfs --version: $ver"
for want in "dgen /usr/share/man/man1/dgen.1.gz" "dgenfs /usr/share/man/man8/dgenfs.8.gz"; do
    got=$(in_ct man -w "${want%% *}") || fail "man -w ${want%% *} in the container"
    [ "$got" = "${want#* }" ] || fail "man -w ${want%% *}: $got, want ${want#* }"
done
cat_out=$(in_ct systemctl cat dgenfs.service dgenfs@.service) || fail "systemctl cat: $cat_out"
# systemd names the file by the first directory of its search path that holds it:
# /lib/systemd/system on Debian 12, where /lib is a link to /usr/lib.
for unit in dgenfs.service dgenfs@.service; do
    grep -qxE "# (/usr)?/lib/systemd/system/$unit" <<<"$cat_out" ||
        fail "systemctl cat $unit does not show /usr/lib/systemd/system/$unit: $cat_out"
done
# Installing enables and starts nothing.
st=$(in_ct systemctl is-enabled dgenfs.service) || true
[ "$st" = disabled ] || fail "dgenfs.service is '$st' after install, want disabled"
st=$(in_ct systemctl is-active dgenfs.service) || true
[ "$st" = inactive ] || fail "dgenfs.service is '$st' after install, want inactive"
echo "ok: apt-get install in the container"

# dgenfs.service (Type=notify: start returns once the mount serves) mounts /mnt/dgen.
timeout 120 nsenter -t "$(ct_leader "$CT")" -a systemctl start dgenfs.service ||
    fail "systemctl start dgenfs.service failed: $(journal)"
fstype=$(in_ct findmnt -rn -M /mnt/dgen -o FSTYPE) || fail "/mnt/dgen is not mounted: $(journal)"
[ "$fstype" = fuse.dgenfs ] || fail "/mnt/dgen is $fstype, want fuse.dgenfs"
in_ct /usr/bin/dgen ls --config /etc/dgenfs/dgenfs.ini >"$TMPDIR_TEST/ls" || fail "dgen ls in the container"
# A file of 1 MiB or more (its first MiB) and a smaller one (all of it), if the config has them.
checked=0
for pick in '$2 >= 1048576' '$2 < 1048576'; do
    read -r size path < <(awk "\$1 == \"f\" && $pick {print \$2, \$3; exit}" "$TMPDIR_TEST/ls") || continue
    len=$((size < 1048576 ? size : 1048576))
    in_ct head -c "$len" "/mnt/dgen/$path" >"$TMPDIR_TEST/got" || fail "reading /mnt/dgen/$path: $(journal)"
    in_ct /usr/bin/dgen cat --config /etc/dgenfs/dgenfs.ini "$path" --length "$len" >"$TMPDIR_TEST/want" ||
        fail "dgen cat --config /etc/dgenfs/dgenfs.ini $path"
    [ "$(stat -c %s "$TMPDIR_TEST/got")" -eq "$len" ] || fail "/mnt/dgen/$path: short read"
    cmp "$TMPDIR_TEST/got" "$TMPDIR_TEST/want" ||
        fail "/mnt/dgen/$path differs from dgen cat --config /etc/dgenfs/dgenfs.ini $path"
    checked=$((checked + 1))
done
[ "$checked" -gt 0 ] || fail "the default config has no file to read"
in_ct systemctl stop dgenfs.service || fail "systemctl stop dgenfs.service: $(journal)"
if in_ct findmnt -rn -M /mnt/dgen >/dev/null; then fail "/mnt/dgen still mounted after stop"; fi
echo "ok: dgenfs.service mounted /mnt/dgen ($checked files read as dgen cat writes them) and stopped"

# Remove with the service running and enabled (and a template instance enabled): prerm
# stops it, and purge removes the .wants links.
in_ct systemctl enable dgenfs.service dgenfs@example.service >/dev/null 2>&1 || fail "systemctl enable"
timeout 120 nsenter -t "$(ct_leader "$CT")" -a systemctl start dgenfs.service ||
    fail "systemctl start dgenfs.service (again) failed: $(journal)"
in_ct dpkg-query -L dgenfs >"$TMPDIR_TEST/owned" || fail "dpkg -L dgenfs"
ct_paths '[ -f "$p" ] || [ -L "$p" ]' <"$TMPDIR_TEST/owned" >"$TMPDIR_TEST/owned.files" ||
    fail "listing the package's files"
# Its own directories; the others (/usr, /usr/bin, ...) are the system's.
ct_paths '[ -d "$p" ] && [ ! -L "$p" ]' <"$TMPDIR_TEST/owned" | grep dgen >"$TMPDIR_TEST/owned.dirs" ||
    fail "the package owns no dgen directory"
wants=$(in_ct find /etc/systemd/system -path '*.wants/dgenfs*') || fail "find .wants links"
[ "$(wc -l <<<"$wants")" -eq 2 ] || fail "enable made no two .wants links: $wants"

in_ct env DEBIAN_FRONTEND=noninteractive apt-get remove -y dgenfs >"$TMPDIR_TEST/apt-remove.log" 2>&1 ||
    fail "apt-get remove: $(cat "$TMPDIR_TEST/apt-remove.log")"
if in_ct findmnt -rn -M /mnt/dgen >/dev/null; then fail "/mnt/dgen still mounted after remove"; fi
st=$(in_ct systemctl is-active dgenfs.service) || true
[ "$st" = inactive ] || fail "dgenfs.service is '$st' after remove, want inactive"
st=$(in_ct systemctl show -P LoadState dgenfs.service) || fail "systemctl show dgenfs.service"
[ "$st" = not-found ] || fail "systemd still knows dgenfs.service after remove ($st): no daemon-reload?"
status=$(in_ct dpkg-query -W -f='${Status}' dgenfs) || fail "dpkg-query after remove"
[ "$status" = "deinstall ok config-files" ] || fail "dgenfs status after remove: $status"
left=$(ct_paths '[ -e "$p" ] || [ -L "$p" ]' <"$TMPDIR_TEST/owned.files") || fail "checking what remove left"
[ "$left" = /etc/dgenfs/dgenfs.ini ] || fail "after remove, want only the conffile left, have: $left"
echo "ok: apt-get remove stopped the service and left only the conffile"

in_ct env DEBIAN_FRONTEND=noninteractive apt-get purge -y dgenfs >"$TMPDIR_TEST/apt-purge.log" 2>&1 ||
    fail "apt-get purge: $(cat "$TMPDIR_TEST/apt-purge.log")"
if in_ct dpkg -s dgenfs >/dev/null 2>&1; then fail "dpkg still knows dgenfs after purge"; fi
left=$(ct_paths '[ -e "$p" ] || [ -L "$p" ]' <<<"$(cat "$TMPDIR_TEST/owned.files" "$TMPDIR_TEST/owned.dirs")
/mnt/dgen
$wants") || fail "checking what purge left"
[ -z "$left" ] || fail "after purge, left: $left"
echo "ok: apt-get purge left nothing ($(wc -l <"$TMPDIR_TEST/owned.files") files, $(wc -l <"$TMPDIR_TEST/owned.dirs") directories, 2 .wants links, /mnt/dgen)"
