#!/usr/bin/env bash
#
# qemu-xnet: build the Debian guest image for our demos and end-to-end tests.
#
# Copyright (c) 2026 The qemu-xnet authors
# SPDX-License-Identifier: GPL-2.0-or-later
#
#   xnet/guest/build-image.sh ARCH        ARCH = armhf | amd64
#
# From Debian 12 (bookworm) packages, fetched with 'apt-get download' (never
# installed), it writes build/guest/ARCH/:
#   vmlinuz        the kernel (linux-image-armmp / linux-image-amd64)
#   initrd.gz      newc cpio + gzip: busybox, iperf3, ethtool and their
#                  libraries, the NIC modules (flat in /lib/modules, with one
#                  load-order list per NIC: /lib/modules/nic.NAME), our /init
#                  and udhcpc script
#   *.dtb          armhf: vexpress-v2p-ca9.dtb (from the kernel package) and
#                  realview-eb-smc91c111.dtb (compiled from our .dts)
#   versions.txt   exact package versions, module load orders, libraries
#   kernel.config  the kernel's config, for reference
#   root/          the unpacked initrd tree, for inspection
# and for amd64 it runs xnet/fetch-firmware.sh: the PC firmware QEMU's +ds
# source leaves out, in build/firmware/, given to QEMU with -L.
# Downloads are kept in build/guest/dl/ARCH/.
#
# It is cached: the image is rebuilt only when a package version (what apt
# would install now) or one of our inputs (this script, init, udhcpc.script,
# the .dts) changes.  XNET_GUEST_FORCE=1 rebuilds anyway.
#
# As root it installs the host tools it needs and, for armhf, runs
# 'dpkg --add-architecture armhf' and 'apt-get update' once.

set -euo pipefail
export LC_ALL=C
PATH=$PATH:/usr/sbin:/sbin

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

say() { printf 'guest: %s\n' "$*"; }
die() { printf 'guest: error: %s\n' "$*" >&2; exit 1; }
usage() { echo "usage: $0 armhf|amd64" >&2; exit 2; }
is_root() { [ "$(id -u)" = 0 ]; }

[ $# = 1 ] || usage
arch=$1
case $arch in
armhf)
    kernel_meta=linux-image-armmp
    triplet=arm-linux-gnueabihf
    interp=/lib/ld-linux-armhf.so.3
    nics="lan9118 smc91c111 virtio-mmio virtio-pci"
    kernel_dtbs="vexpress-v2p-ca9.dtb"
    our_dts="realview-eb-smc91c111.dts"
    ;;
amd64)
    kernel_meta=linux-image-amd64
    triplet=x86_64-linux-gnu
    interp=/lib64/ld-linux-x86-64.so.2
    nics="virtio-pci e1000e igb"
    kernel_dtbs=""
    our_dts=""
    ;;
*)
    usage
    ;;
esac

# The modules each NIC needs; their dependencies come from modinfo.  Order
# matters only among these roots: smsc (the LAN911x internal PHY driver) is
# loaded before smsc911x so that the PHY binds to it rather than to the
# generic PHY driver.
nic_roots() {
    case $1 in
    lan9118)     echo smsc smsc911x ;;
    smc91c111)   echo smc91x ;;
    virtio-mmio) echo virtio_mmio virtio_net ;;
    virtio-pci)  echo virtio_pci virtio_net ;;
    e1000e)      echo e1000e ;;
    igb)         echo igb ;;
    *)           die "no module list for NIC $1" ;;
    esac
}

# Userland: busybox (static), iperf3 and ethtool (the guest's offload
# features, 'ethtool -k') with the libraries they need (the build checks the
# ELF NEEDED closure against what these packages provide).
user_pkgs="busybox-static iperf3 libiperf0 libc6 libssl3 libsctp1 ethtool libmnl0"
# The dynamic binaries copied from them, at the same path in the image
user_bins="/usr/bin/iperf3 /sbin/ethtool"

inputs=("$here/build-image.sh" "$here/init" "$here/udhcpc.script")
[ -n "$our_dts" ] && inputs+=("$here/$our_dts")

out=$top/build/guest/$arch
dl=$top/build/guest/dl/$arch
mkdir -p "$out" "$dl"

# One build at a time (apt and dpkg state are shared between the arches).
exec 9> "$top/build/guest/.lock"
flock 9

# --- host tools ------------------------------------------------------------
# (also what the guest runs need on the host: unshare and ip for the private
# network namespace, iperf3 for the server the guest measures against)

check_tools() {
    local missing=() t
    for t in apt-get:apt dpkg-deb:dpkg cpio:cpio gzip:gzip modinfo:kmod \
             readelf:binutils sha256sum:coreutils unshare:util-linux ip:iproute2 \
             iperf3:iperf3 ${our_dts:+dtc:device-tree-compiler}; do
        command -v "${t%%:*}" > /dev/null || missing+=("${t#*:}")
    done
    [ ${#missing[@]} = 0 ] && return 0
    is_root || die "missing host packages: ${missing[*]} (apt-get install ${missing[*]})"
    say "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" > "$out/apt-get-install.log" 2>&1 ||
        die "apt-get install ${missing[*]} failed (see $out/apt-get-install.log)"
}
check_tools

# --- apt: architecture, indexes, versions ----------------------------------

apt_updated=0
apt_update() {
    [ $apt_updated = 1 ] && return 0
    apt_updated=1
    is_root || die "the apt indexes lack $arch packages: run 'apt-get update' as root"
    say "apt-get update"
    # A partial failure (one index out of sync on the mirror) leaves the
    # others usable: go on, and fail below only if a package is missing.
    apt-get update -q > "$out/apt-get-update.log" 2>&1 ||
        say "apt-get update reported errors (see $out/apt-get-update.log); using the indexes it has"
}

if [ "$arch" != "$(dpkg --print-architecture)" ] &&
   ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
    is_root || die "run as root once: dpkg --add-architecture $arch && apt-get update"
    say "dpkg --add-architecture $arch"
    dpkg --add-architecture "$arch"
    apt_update
fi

# candidates PKG...: "NAME VERSION" for each PKG apt can install now.
candidates() {
    local p args=()
    for p in "$@"; do args+=("$p:$arch"); done
    apt-cache policy "${args[@]}" 2> /dev/null | awk '
        /^[^ ]/ { p = $0; sub(/:$/, "", p); sub(/:.*/, "", p) }
        /^  Candidate:/ && $2 != "(none)" { print p, $2 }'
}

# The meta package names the versioned image package (linux-image-6.1.0-NN-X).
kernel_pkg() {
    apt-cache show --no-all-versions "$kernel_meta:$arch" 2> /dev/null |
        sed -n 's/^Depends: //p' | tr ',' '\n' |
        sed -n 's/^ *\(linux-image-[0-9][^ :]*\).*/\1/p' | head -n 1
}

resolve() {
    local p v all
    kpkg=$(kernel_pkg)
    [ -n "$kpkg" ] || return 1
    read -r -a pkgs <<< "$kpkg $user_pkgs"
    all=$(candidates "$kernel_meta" "${pkgs[@]}")
    vers=()
    for p in "$kernel_meta" "${pkgs[@]}"; do
        v=$(awk -v p="$p" '$1 == p { print $2; exit }' <<< "$all")
        [ -n "$v" ] || return 1
        [ "$p" = "$kernel_meta" ] && meta_ver=$v || vers+=("$v")
    done
}
if ! resolve; then
    apt_update
    resolve || die "cannot resolve $kernel_meta and $user_pkgs for $arch from the apt indexes"
fi
krel=${kpkg#linux-image-}

versions_text() {
    local i
    echo "kernel-release $krel"
    echo "package $kernel_meta:$arch $meta_ver (meta package, not downloaded)"
    for i in "${!pkgs[@]}"; do
        echo "package ${pkgs[$i]}:$arch ${vers[$i]}"
    done
}

key=$({ versions_text; sha256sum "${inputs[@]}" | cut -d' ' -f1; } | sha256sum | cut -c1-16)

outputs=(initrd.gz vmlinuz versions.txt)
for f in $kernel_dtbs; do outputs+=("$f"); done
[ -n "$our_dts" ] && outputs+=("${our_dts%.dts}.dtb")

# The PC firmware of the x86_64 guest (build/firmware, see fetch-firmware.sh)
[ "$arch" = amd64 ] && "$top/xnet/fetch-firmware.sh"

up_to_date() {
    local f
    [ -z "${XNET_GUEST_FORCE:-}" ] && [ -f "$out/.stamp" ] && [ "$(cat "$out/.stamp")" = "$key" ] || return 1
    for f in "${outputs[@]}"; do [ -s "$out/$f" ] || return 1; done
}
if up_to_date; then
    say "$arch: up to date (kernel $krel, image $key)"
    exit 0
fi
rm -f "$out/.stamp"
say "$arch: building image $key (kernel $krel)"

# --- download --------------------------------------------------------------

# deb_path NAME VERSION: where apt-get download puts it (epoch ':' -> %3a).
deb_path() { echo "$dl/$1_${2//:/%3a}_$arch.deb"; }

fetch=() wanted=()
for i in "${!pkgs[@]}"; do
    f=$(deb_path "${pkgs[$i]}" "${vers[$i]}")
    wanted+=("$f")
    [ -s "$f" ] || fetch+=("${pkgs[$i]}:$arch=${vers[$i]}")
done
for f in "$dl"/*.deb; do
    [ -e "$f" ] || continue
    case " ${wanted[*]} " in *" $f "*) ;; *) rm -f "$f" ;; esac
done
if [ ${#fetch[@]} -gt 0 ]; then
    say "apt-get download ${fetch[*]}"
    (cd "$dl" && apt-get -q -o APT::Sandbox::User=root download "${fetch[@]}") > "$out/apt-get-download.log" 2>&1 ||
        die "apt-get download failed (see $out/apt-get-download.log)"
fi
for i in "${!pkgs[@]}"; do
    f=${wanted[$i]}
    [ -s "$f" ] || die "apt-get download did not produce $f"
    [ "$(dpkg-deb -f "$f" Package):$(dpkg-deb -f "$f" Version)" = "${pkgs[$i]}:${vers[$i]}" ] ||
        die "$f is not ${pkgs[$i]} ${vers[$i]}"
done

# --- unpack ----------------------------------------------------------------

stage=$out/stage
pk=$stage/pkgs
root=$out/root
rm -rf "$stage" "$root"
mkdir -p "$pk"
say "unpacking ${#pkgs[@]} packages"
for f in "${wanted[@]}"; do
    dpkg-deb -x "$f" "$pk"
done

# in_tree PATH: PATH inside $pk with its symlinks resolved inside $pk.
in_tree() {
    local p=$1 n=0 t
    while [ -L "$pk$p" ]; do
        t=$(readlink "$pk$p")
        case $t in /*) p=$t ;; *) p=$(dirname "$p")/$t ;; esac
        n=$((n + 1))
        [ $n -lt 20 ] || die "symlink loop at $1"
    done
    [ -e "$pk$p" ] || return 1
    echo "$pk$p"
}

mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,srv,root,etc/xnet,lib/modules,"lib/$triplet"}
chmod 1777 "$root/tmp"

# --- userland --------------------------------------------------------------

cp "$(in_tree /bin/busybox)" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
for bin in $user_bins; do
    cp "$(in_tree "$bin")" "$root$bin"
done

elf_interp() { readelf -l "$1" | sed -n 's/.*Requesting program interpreter: \(.*\)]$/\1/p'; }
elf_needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*Shared library: \[\(.*\)\]$/\1/p'; }

todo=()
for bin in $user_bins; do
    got=$(elf_interp "$root$bin")
    [ "$got" = "$interp" ] || die "$bin's interpreter is '$got', expected $interp"
    todo+=("$root$bin")
done

# Copy the NEEDED closure of those binaries into /lib/TRIPLET.
libs=()
while [ ${#todo[@]} -gt 0 ]; do
    elf=${todo[0]}
    todo=("${todo[@]:1}")
    for lib in $(elf_needed "$elf"); do
        case " ${libs[*]} " in *" $lib "*) continue ;; esac
        src=
        for d in "/lib/$triplet" "/usr/lib/$triplet" /lib /usr/lib; do
            src=$(in_tree "$d/$lib") && break
        done
        [ -n "$src" ] || die "${elf#$root} needs $lib, which none of $user_pkgs provides: add its package to build-image.sh"
        cp "$src" "$root/lib/$triplet/$lib"
        libs+=("$lib")
        todo+=("$root/lib/$triplet/$lib")
    done
done
# The loader itself, at the path the binaries ask for (as Debian lays it out).
ld=$(basename "$interp")
if [ ! -e "$root/lib/$triplet/$ld" ]; then
    cp "$(in_tree "$interp")" "$root/lib/$triplet/$ld"
    libs+=("$ld")
fi
mkdir -p "$root$(dirname "$interp")"
if [ "$interp" = "/lib/$ld" ]; then
    ln -s "$triplet/$ld" "$root$interp"
else
    ln -s "/lib/$triplet/$ld" "$root$interp"
fi
echo "/lib/$triplet" > "$root/etc/xnet/libdir"

# --- kernel and modules ----------------------------------------------------

moddir=$pk/lib/modules/$krel
[ -d "$moddir" ] || die "$kpkg has no lib/modules/$krel"
vmlinuz=$(in_tree "/boot/vmlinuz-$krel") || die "$kpkg has no /boot/vmlinuz-$krel"

declare -A modfile=() builtin=()
while read -r f; do
    n=${f##*/}; n=${n%%.ko*}; n=${n//-/_}
    modfile[$n]=$f
done < <(cd "$moddir" && find kernel -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.gz' -o -name '*.ko.zst')
while read -r f; do
    n=${f##*/}; n=${n%%.ko*}; n=${n//-/_}
    builtin[$n]=1
done < "$moddir/modules.builtin"

# visit MODULE: append MODULE to $order after its dependencies (modinfo).
declare -A seen=()
order=() inkernel=()
visit() {
    local m=$1 d
    case ${seen[$m]:-} in
    'done') return 0 ;;
    active) die "module dependency cycle at $m" ;;
    esac
    if [ -n "${builtin[$m]:-}" ]; then
        seen[$m]='done'
        inkernel+=("$m")
        return 0
    fi
    [ -n "${modfile[$m]:-}" ] || die "module $m is neither in $kpkg nor built into $krel"
    seen[$m]=active
    for d in $(modinfo -F depends "$moddir/${modfile[$m]}" | tr , ' '); do
        visit "${d//-/_}"
    done
    seen[$m]='done'
    order+=("$m")
}

# put_module MODULE: copy it uncompressed into /lib/modules, check vermagic.
put_module() {
    local src=$moddir/${modfile[$1]} dst=$root/lib/modules/$1.ko vm
    [ -e "$dst" ] && return 0
    case $src in
    *.ko)     cp "$src" "$dst" ;;
    *.ko.xz)  xz -dc "$src" > "$dst" ;;
    *.ko.gz)  gzip -dc "$src" > "$dst" ;;
    *.ko.zst) zstd -qdc "$src" > "$dst" ;;
    esac
    vm=$(modinfo -F vermagic "$dst")
    [ "${vm%% *}" = "$krel" ] || die "$1: vermagic '$vm' does not match $krel"
}

nic_lines=()
for nic in $nics; do
    seen=() order=() inkernel=()
    for m in $(nic_roots "$nic"); do visit "$m"; done
    for m in "${order[@]}"; do put_module "$m"; done
    printf '%s\n' "${order[@]}" > "$root/lib/modules/nic.$nic"
    nic_lines+=("nic $nic: ${order[*]}${inkernel[*]:+ (built in: ${inkernel[*]})}")
done

# --- our files -------------------------------------------------------------

install -m 755 "$here/init" "$root/init"
install -m 755 "$here/udhcpc.script" "$root/etc/xnet/udhcpc.script"
echo "$arch-$krel-$key" > "$root/etc/xnet/image"
# The kernel opens /dev/console before running /init (which then mounts
# devtmpfs); without the node /init reopens the console itself.
if is_root; then
    mknod -m 600 "$root/dev/console" c 5 1
else
    say "not root: no /dev/console node in the initrd (the kernel warns; /init copes)"
fi

{
    echo "# qemu-xnet guest image for $arch, written by xnet/guest/build-image.sh"
    echo "image $arch-$krel-$key"
    versions_text
    printf '%s\n' "${nic_lines[@]}"
    echo "libs $interp ${libs[*]}"
} > "$out/versions.txt.new"
cp "$out/versions.txt.new" "$root/etc/xnet/versions.txt"

# --- outputs ---------------------------------------------------------------

say "writing initrd.gz"
find "$root" -exec touch -h -d @0 {} +
(cd "$root" && find . -mindepth 1 -printf '%P\n' | sort |
    cpio --quiet -o -H newc -R 0:0 --reproducible) | gzip -9n > "$out/initrd.gz.new"
mv "$out/initrd.gz.new" "$out/initrd.gz"
cp "$vmlinuz" "$out/vmlinuz"
cp "$(in_tree "/boot/config-$krel")" "$out/kernel.config"
for f in $kernel_dtbs; do
    src=$(in_tree "/usr/lib/linux-image-$krel/$f") || die "$kpkg has no $f"
    cp "$src" "$out/$f"
done
if [ -n "$our_dts" ]; then
    say "dtc $our_dts"
    dtc -q -I dts -O dtb -o "$out/${our_dts%.dts}.dtb" "$here/$our_dts"
fi

# --- checks ----------------------------------------------------------------

list=$(gzip -dc "$out/initrd.gz" | cpio --quiet -t)
for f in init bin/busybox bin/sh $(echo $user_bins | sed 's#\(^\| \)/#\1#g') etc/xnet/udhcpc.script "${interp#/}"; do
    grep -qx "$f" <<< "$list" || die "initrd.gz lacks $f"
done
for lib in "${libs[@]}"; do
    grep -qx "lib/$triplet/$lib" <<< "$list" || die "initrd.gz lacks lib/$triplet/$lib"
done
for nic in $nics; do
    grep -qx "lib/modules/nic.$nic" <<< "$list" || die "initrd.gz lacks lib/modules/nic.$nic"
done
gzip -dc "$out/initrd.gz" | cpio --quiet -tv init | grep -q '^-rwxr-xr-x' || die "/init is not executable in initrd.gz"
if [ -n "$our_dts" ]; then
    dtc -q -I dtb -O dts -o /dev/null "$out/${our_dts%.dts}.dtb" || die "${our_dts%.dts}.dtb does not decompile"
fi
# A native image can be tried on the spot: the binaries run in a chroot.
if [ "$arch" = "$(dpkg --print-architecture)" ] && is_root; then
    env -i "$(command -v chroot)" "$root" /usr/bin/iperf3 --version > /dev/null || die "iperf3 does not run in the image (chroot)"
    env -i "$(command -v chroot)" "$root" /sbin/ethtool --version > /dev/null || die "ethtool does not run in the image (chroot)"
    env -i "$(command -v chroot)" "$root" /bin/busybox true || die "busybox does not run in the image (chroot)"
fi

mv "$out/versions.txt.new" "$out/versions.txt"
rm -rf "$stage"
echo "$key" > "$out/.stamp"
size() { echo "$(( ($(stat -c %s "$1") + 1023) / 1024 )) KiB"; }
say "$arch: vmlinuz $(size "$out/vmlinuz"), initrd.gz $(size "$out/initrd.gz")${our_dts:+, ${our_dts%.dts}.dtb}"
printf '%s\n' "${nic_lines[@]}" | sed "s/^/guest: $arch: /"
say "$arch: done: $out"
