/*
 * netswitch core: the "bridge" policy, a VLAN-unaware learning bridge
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "net/eth.h"
#include "net/netswitch-core.h"

/* VLAN tags are payload to this policy: every address lives in VID 0. */
#define BRIDGE_VID  0

static void bridge_input(NswSwitch *sw, NswPort *in, NswPacket *pkt,
                         int64_t now_ns)
{
    const uint8_t *frame = nsw_packet_data(pkt);
    NswPort *out;

    if (!nsw_switch_learn(sw, in, frame + ETH_ALEN, BRIDGE_VID, now_ns)) {
        return;
    }
    out = nsw_switch_lookup(sw, frame, BRIDGE_VID, now_ns);
    if (out) {
        nsw_switch_unicast(sw, in, out, pkt);
    } else {
        nsw_switch_flood(sw, in, pkt);
    }
}

const NswPolicy nsw_policy_bridge = {
    .name = "bridge",
    .description = "learning bridge, VLAN tags left alone",
    .input = bridge_input,
};
