# qemu-xnet: run guest traffic in a private network namespace (sourced).
#
# Copyright (c) 2026 The qemu-xnet authors
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The network rule: guest traffic never leaves this machine.  Anything that
# starts slirp or a guest runs through xnet_private_netns, which re-executes
# the calling script in a new network namespace whose only interface is
# loopback, and refuses to go on if any other interface is present.

# xnet_private_netns "$0" "$@": call at the top of a script; returns only
# inside the private namespace.
xnet_private_netns() {
    if [ "${XNET_IN_NETNS:-}" != 1 ]; then
        command -v unshare >/dev/null || { echo "netns: unshare (util-linux) is missing" >&2; exit 1; }
        XNET_IN_NETNS=1 exec unshare --net -- bash "$@"
    fi
    ip link set lo up
    local others
    others=$(ip -o link show | awk -F': ' '{print $2}' | grep -vx lo || true)
    if [ -n "$others" ]; then
        echo "netns: refusing to run: interfaces other than lo: $others" >&2
        exit 1
    fi
}
