/*
 * netswitch core: the "vlan" policy, an 802.1Q learning bridge
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Each VLAN is a separate learning bridge.  A frame leaves a port untagged
 * in the port's PVID and tagged in its other allowed VLANs.  At most two
 * encodings of a frame exist: the one it came with, which every port that
 * wants it shares without a copy, and the other one, copied once when the
 * first port needs it.  A priority-tagged frame (VID 0) is first given
 * the PVID in its tag, keeping its priority, and is then a tagged frame
 * of that VLAN like any other.
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "net/eth.h"
#include "net/netswitch-core.h"

typedef enum VlanEgress {
    VLAN_EGRESS_NONE,           /* the port is not in the VLAN */
    VLAN_EGRESS_UNTAGGED,
    VLAN_EGRESS_TAGGED,
} VlanEgress;

typedef struct VlanFrame {
    NswPacket *pkt;             /* as received, or as retagged */
    NswPacket *retagged;        /* a priority-tagged frame with its VLAN */
    NswPacket *other;           /* the other encoding, once made */
    bool tagged;
    uint16_t vid;
} VlanFrame;

static VlanEgress vlan_egress(const NswPort *out, uint16_t vid)
{
    if (nsw_port_pvid(out) == vid) {
        return VLAN_EGRESS_UNTAGGED;
    }
    if (nsw_vlan_set_test(nsw_port_allowed_vlans(out), vid)) {
        return VLAN_EGRESS_TAGGED;
    }
    return VLAN_EGRESS_NONE;
}

/* Does @in take frames of @vid that come in tagged? */
static bool vlan_accepts_tagged(const NswPort *in, uint16_t vid)
{
    return vid == nsw_port_pvid(in) ||
           nsw_vlan_set_test(nsw_port_allowed_vlans(in), vid);
}

/* Give the priority-tagged @frame the VID @vid, keeping PCP and DEI. */
static void vlan_retag(VlanFrame *frame, uint16_t tci, uint16_t vid)
{
    NswPacket *copy = nsw_packet_copy(frame->pkt);

    stw_be_p(nsw_packet_writable_data(copy) + ETH_HLEN,
             (tci & ~NSW_VLAN_VID_MASK) | vid);
    frame->retagged = copy;
    frame->pkt = copy;
}

/*
 * Find the VLAN of @frame received on @in; false when @in refuses it,
 * after counting the drop.
 */
static bool vlan_classify(NswPort *in, VlanFrame *frame)
{
    const NswPacket *pkt = frame->pkt;
    uint16_t pvid = nsw_port_pvid(in);
    bool accepted;
    uint16_t tci;

    switch (nsw_eth_vlan_parse(nsw_packet_data(pkt), nsw_packet_len(pkt),
                               &tci)) {
    case NSW_VLAN_TAGGED:
        frame->tagged = true;
        frame->vid = NSW_TCI_VID(tci);
        if (frame->vid == 0 && pvid != 0) {
            /* 802.1Q 6.9: priority-tagged frames belong to the PVID */
            vlan_retag(frame, tci, pvid);
            frame->vid = pvid;
        }
        accepted = frame->vid != 0 && vlan_accepts_tagged(in, frame->vid);
        break;
    case NSW_VLAN_UNTAGGED:
        frame->tagged = false;
        frame->vid = pvid;
        accepted = frame->vid != 0;
        break;
    default:
        nsw_port_drop_rx(in, NSW_DROP_RUNT);
        return false;
    }
    if (!accepted) {
        nsw_port_drop_rx(in, NSW_DROP_VLAN_FILTERED);
    }
    return accepted;
}

/* @frame as it must leave with @egress (not VLAN_EGRESS_NONE) */
static NswPacket *vlan_encode(VlanFrame *frame, VlanEgress egress)
{
    bool tagged = egress == VLAN_EGRESS_TAGGED;

    if (tagged == frame->tagged) {
        return frame->pkt;
    }
    if (!frame->other) {
        /* Not nsw_packet_ref(): a private copy is changed in place */
        NswPacket *copy = nsw_packet_copy(frame->pkt);

        frame->other = tagged ? nsw_packet_vlan_push(copy, frame->vid)
                              : nsw_packet_vlan_pop(copy);
    }
    return frame->other;
}

static void vlan_unicast(NswSwitch *sw, NswPort *in, NswPort *out,
                         VlanFrame *frame)
{
    VlanEgress egress = vlan_egress(out, frame->vid);

    /* Only for entries added from outside: VLAN changes flush learned ones */
    if (egress == VLAN_EGRESS_NONE) {
        nsw_port_drop_rx(in, NSW_DROP_VLAN_FILTERED);
        return;
    }
    nsw_switch_unicast(sw, in, out, vlan_encode(frame, egress));
}

static void vlan_flood(NswSwitch *sw, NswPort *in, VlanFrame *frame)
{
    NswPort *out = NULL;

    if (!nsw_port_flood_allowed(in)) {
        return;
    }
    while ((out = nsw_switch_next_port(sw, out))) {
        VlanEgress egress = vlan_egress(out, frame->vid);

        if (nsw_port_may_send_back(out, in) && egress != VLAN_EGRESS_NONE) {
            nsw_port_output(in, out, vlan_encode(frame, egress));
        }
    }
}

static void vlan_input(NswSwitch *sw, NswPort *in, NswPacket *pkt,
                       int64_t now_ns)
{
    const uint8_t *eth = nsw_packet_data(pkt);
    VlanFrame frame = { .pkt = pkt };
    NswPort *out;

    if (vlan_classify(in, &frame) &&
        nsw_switch_learn(sw, in, eth + ETH_ALEN, frame.vid, now_ns)) {
        out = nsw_switch_lookup(sw, eth, frame.vid, now_ns);
        if (out) {
            vlan_unicast(sw, in, out, &frame);
        } else {
            vlan_flood(sw, in, &frame);
        }
    }
    if (frame.other) {
        nsw_packet_unref(frame.other);
    }
    if (frame.retagged) {
        nsw_packet_unref(frame.retagged);
    }
}

const NswPolicy nsw_policy_vlan = {
    .name = "vlan",
    .description = "802.1Q learning bridge with per-port PVID and trunks",
    .input = vlan_input,
};
