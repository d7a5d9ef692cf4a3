#!/usr/bin/env bash
#
# qemu-xnet: the firmware blobs QEMU's Debian +ds source leaves out.
#
# Copyright (c) 2026 The qemu-xnet authors
# SPDX-License-Identifier: GPL-2.0-or-later
#
#   xnet/fetch-firmware.sh [OBJDIR...]
#
# Debian strips prebuilt binaries from QEMU's source (the "+ds" tarball) and
# ships them as packages built from their own sources: SeaBIOS ('seabios'),
# iPXE's NIC option ROMs ('ipxe-qemu') and the rest ('qemu-system-data':
# linuxboot_dma.bin, kvmvapic.bin, npcm7xx_bootrom.bin ...).  Without them
# q35 and pc cannot boot, and machines with a default NIC or a boot ROM
# (virt, npcm7xx ...) refuse to start, which QEMU's generic qtests (qom-test,
# test-hmp ...) need.
#
# This fetches those packages with 'apt-get download' (never installs them;
# qemu-system-data of QEMU 10.0 from bookworm-backports, which configure
# adds to apt), unpacks /usr/share/qemu into build/firmware/ with its
# symlinks resolved, and links every file into each OBJDIR's
# qemu-bundle/usr/local/share/qemu/, where a QEMU run from its build tree
# looks for data files.  Cached: it downloads again only when apt offers
# other versions (build/firmware/versions.txt).

set -euo pipefail
export LC_ALL=C

top=$(cd "$(dirname "$0")/.." && pwd)
fw=$top/build/firmware
dl=$top/build/dl/firmware

say() { printf 'firmware: %s\n' "$*"; }
die() { printf 'firmware: error: %s\n' "$*" >&2; exit 1; }

# PACKAGE=SUITE ('' = the default candidate)
PACKAGES=(seabios= ipxe-qemu= qemu-system-data=bookworm-backports)

package_version() {
    local pkg=$1 suite=$2
    if [ -n "$suite" ]; then
        apt-cache madison "$pkg" | awk -F' *[|] *' -v s=" $suite/" '
            index($3, s) { print $2; exit }'
    else
        apt-cache policy "$pkg" | sed -n 's/^  Candidate: //p'
    fi
}

versions() {
    local e pkg suite v
    for e in "${PACKAGES[@]}"; do
        pkg=${e%%=*} suite=${e#*=}
        v=$(package_version "$pkg" "$suite")
        [ -n "$v" ] || return 1
        echo "$pkg $v"
    done
}

# resolve_in ROOT PATH: PATH with its symlinks resolved inside ROOT.
resolve_in() {
    local root=$1 p=$2 n=0 t
    while [ -L "$p" ]; do
        t=$(readlink "$p")
        case $t in /*) p=$root$t ;; *) p=$(dirname "$p")/$t ;; esac
        n=$((n + 1))
        [ $n -lt 20 ] || return 1
    done
    [ -e "$p" ] && echo "$p"
}

fetch() {
    local want=$1 pkg v deb stage
    mkdir -p "$dl"
    stage=$(mktemp -d "$top/build/firmware.XXXXXX")
    while read -r pkg v; do
        deb=$(ls "$dl/${pkg}_${v//:/%3a}_"*.deb 2>/dev/null | head -n 1 || true)
        if [ -z "$deb" ]; then
            say "apt-get download $pkg=$v"
            (cd "$dl" && apt-get -q -o APT::Sandbox::User=root download "$pkg=$v") \
                > "$dl/apt-get-download.log" 2>&1 ||
                die "apt-get download $pkg=$v failed (see $dl/apt-get-download.log)"
            deb=$(ls "$dl/${pkg}_${v//:/%3a}_"*.deb | head -n 1)
        fi
        dpkg-deb -x "$deb" "$stage/root"
    done <<< "$want"
    mkdir -p "$stage/out"
    # QEMU's data directory holds all of them side by side, as Debian's
    # qemu-system-* packages link them.  Links into packages we do not
    # fetch (blobs for other architectures) are left out.
    for d in usr/share/seabios usr/lib/ipxe/qemu usr/share/qemu; do
        [ -d "$stage/root/$d" ] || continue
        for f in "$stage/root/$d"/*; do
            f=$(resolve_in "$stage/root" "$f") && [ -f "$f" ] || continue
            cp "$f" "$stage/out/$(basename "${f%/}")" 2>/dev/null || true
        done
    done
    printf '%s\n' "$want" > "$stage/out/versions.txt"
    rm -rf "$fw"
    mv "$stage/out" "$fw"
    rm -rf "$stage"
    say "$(($(ls "$fw" | wc -l) - 1)) files in ${fw#$top/}"
}

want=$(versions) || {
    [ "$(id -u)" = 0 ] && apt-get update -q > /dev/null 2>&1 || true
    want=$(versions) || die "apt offers no ${PACKAGES[*]%%=*} (run ./configure first: it adds bookworm-backports)"
}
if [ ! -f "$fw/versions.txt" ] || [ "$(cat "$fw/versions.txt")" != "$want" ]; then
    fetch "$want"
fi

for obj in "$@"; do
    [ -d "$obj" ] || continue
    share=$obj/qemu-bundle/usr/local/share/qemu
    mkdir -p "$share"
    for f in "$fw"/*; do
        [ "${f##*/}" = versions.txt ] && continue
        [ -e "$share/${f##*/}" ] && [ ! -L "$share/${f##*/}" ] && continue
        ln -sfn "$f" "$share/${f##*/}"
    done
done
