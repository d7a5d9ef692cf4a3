#!/usr/bin/env bash
#
# qemu-xnet demo: vexpress-a9 with its LAN9118 on user networking (slirp).
#
# Copyright (c) 2026 The qemu-xnet authors
# SPDX-License-Identifier: GPL-2.0-or-later
#
# For now it starts the board with no guest, shows the NIC and its slirp
# peer in the monitor, and quits; the guest demo replaces it.  It runs in a
# private network namespace (see xnet/netns.sh).

set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/netns.sh"
xnet_private_netns "$0" "$@"

qemu="$here/../build/obj/qemu-system-arm"
cmd=("$qemu" -M vexpress-a9 -display none -serial none -monitor stdio
     -netdev user,id=wan,net=10.0.2.0/24,dhcpstart=10.0.2.15
     -net nic,model=lan9118,netdev=wan)
echo "demo: ${cmd[*]#$here/../}"
out=$(printf 'info network\nquit\n' | timeout 60 "${cmd[@]}")
printf '%s\n' "$out" | tr -d '\r' | grep -v '^(qemu)' | sed 's/\x1b\[[0-9;]*[A-Za-z]//g' | sed 's/^/  /'
printf '%s\n' "$out" | grep -q 'lan9118.*model=lan9118' &&
    printf '%s\n' "$out" | grep -q 'wan: index=0,type=user' ||
    { echo "demo: FAILED: the LAN9118 is not attached to the user netdev"; exit 1; }
echo "demo: vexpress-a9 started with its LAN9118 on slirp (10.0.2.0/24) and quit cleanly"
