#!/usr/bin/env bash
#
# xnet/mkpatch.sh HEADER-FILE OUT.patch FILE... : write a patch of ours.
#
# Copyright (c) 2026 The qemu-xnet authors
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Diffs each FILE (a path in QEMU's tree) as edited in $XNET_EDIT (default
# build/edit) against the pristine upstream file from build/pristine-files,
# and writes OUT.patch: the header (what and why), then the diff.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
header=$1 out=$2; shift 2
edit=${XNET_EDIT:-$root/build/edit}
orig=$root/build/pristine-files
tarball=$(ls "$root"/build/dl/qemu_*.orig.tar.* | head -n 1) || true
top=$( (tar -tf "$tarball" || true) | head -n 1 | cut -d/ -f1)
{
    cat "$header"
    echo
    for f in "$@"; do
        if [ ! -f "$orig/$f" ]; then
            mkdir -p "$orig/$(dirname "$f")"
            tar -xOf "$tarball" "$top/$f" > "$orig/$f"
        fi
        (cd "$root/build" && diff -u --label "a/$f" --label "b/$f" "$orig/$f" "$edit/$f") || true
    done
} > "$out"
echo "wrote $out"
