/*
 * netswitch core: the "hub" policy, which sends every frame everywhere
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "net/netswitch-core.h"

static void hub_input(NswSwitch *sw, NswPort *in, NswPacket *pkt,
                      int64_t now_ns)
{
    nsw_switch_flood(sw, in, pkt);
}

const NswPolicy nsw_policy_hub = {
    .name = "hub",
    .description = "repeat every frame to all other ports",
    .input = hub_input,
};
