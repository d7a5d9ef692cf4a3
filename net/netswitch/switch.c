/*
 * netswitch core: ports, statistics, input and delivery
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "net/eth.h"
#include "net/netswitch-core.h"

struct NswPort {
    NswSwitch *sw;
    unsigned int index;
    char *name;
    const NswPortOps *ops;
    void *opaque;
    bool link_up;
    bool hairpin;
    uint16_t pvid;
    NswVlanSet allowed;
    NswPortStats stats;
    /* Indexes of the ports whose frame for us was refused with 0 */
    GArray *waiters;
};

struct NswSwitch {
    const NswPolicy *policy;
    NswMacTable *macs;
    GPtrArray *ports;           /* by index; NULL in free slots */
    size_t max_frame_len;
};

static const char *const drop_reason_names[NSW_DROP__MAX] = {
    [NSW_DROP_NO_BUFFER] = "no-buffer",
    [NSW_DROP_VLAN_FILTERED] = "vlan-filtered",
    [NSW_DROP_RUNT] = "runt",
    [NSW_DROP_OVERSIZE] = "oversize",
    [NSW_DROP_INVALID_SOURCE] = "invalid-source",
    [NSW_DROP_LINK_DOWN] = "link-down",
    [NSW_DROP_HAIRPIN] = "hairpin",
    [NSW_DROP_TX_ERROR] = "tx-error",
};

const char *nsw_drop_reason_name(NswDropReason reason)
{
    g_assert(reason < NSW_DROP__MAX);
    return drop_reason_names[reason];
}

NswSwitch *nsw_switch_new(const NswPolicy *policy)
{
    NswSwitch *sw = g_new0(NswSwitch, 1);

    sw->policy = policy;
    sw->macs = nsw_mac_table_new(NSW_MAC_TABLE_DEFAULT_SIZE,
                                 NSW_MAC_TABLE_DEFAULT_AGEING_NS);
    sw->ports = g_ptr_array_new();
    sw->max_frame_len = NSW_DEFAULT_MAX_FRAME_LEN;
    return sw;
}

static void port_free(NswPort *port)
{
    g_array_free(port->waiters, true);
    g_free(port->name);
    g_free(port);
}

void nsw_switch_free(NswSwitch *sw)
{
    NswPort *port, *next;

    for (port = nsw_switch_next_port(sw, NULL); port; port = next) {
        next = nsw_switch_next_port(sw, port);
        port_free(port);
    }
    g_ptr_array_free(sw->ports, true);
    nsw_mac_table_free(sw->macs);
    g_free(sw);
}

const NswPolicy *nsw_switch_policy(const NswSwitch *sw)
{
    return sw->policy;
}

NswMacTable *nsw_switch_mac_table(NswSwitch *sw)
{
    return sw->macs;
}

void nsw_switch_set_max_frame_len(NswSwitch *sw, size_t max_frame_len)
{
    sw->max_frame_len = max_frame_len;
}

size_t nsw_switch_max_frame_len(const NswSwitch *sw)
{
    return sw->max_frame_len;
}

NswPort *nsw_switch_port_by_index(NswSwitch *sw, unsigned int index)
{
    return index < sw->ports->len ? g_ptr_array_index(sw->ports, index) : NULL;
}

NswPort *nsw_switch_next_port(NswSwitch *sw, NswPort *prev)
{
    unsigned int i;

    for (i = prev ? prev->index + 1 : 0; i < sw->ports->len; i++) {
        NswPort *port = g_ptr_array_index(sw->ports, i);

        if (port) {
            return port;
        }
    }
    return NULL;
}

NswPort *nsw_switch_find_port(NswSwitch *sw, const char *name)
{
    NswPort *port = NULL;

    while ((port = nsw_switch_next_port(sw, port))) {
        if (!strcmp(port->name, name)) {
            return port;
        }
    }
    return NULL;
}

static unsigned int free_index(NswSwitch *sw)
{
    unsigned int i;

    for (i = 0; i < sw->ports->len; i++) {
        if (!g_ptr_array_index(sw->ports, i)) {
            return i;
        }
    }
    g_ptr_array_add(sw->ports, NULL);
    return i;
}

NswPort *nsw_port_add(NswSwitch *sw, const char *name, const NswPortOps *ops,
                      void *opaque)
{
    NswPort *port;

    if (nsw_switch_find_port(sw, name)) {
        return NULL;
    }
    port = g_new0(NswPort, 1);
    port->sw = sw;
    port->index = free_index(sw);
    port->name = g_strdup(name);
    port->ops = ops;
    port->opaque = opaque;
    port->link_up = true;
    port->pvid = 1;
    port->waiters = g_array_new(false, false, sizeof(unsigned int));
    g_ptr_array_index(sw->ports, port->index) = port;
    return port;
}

/* Forget that @index waits for @port. */
static void stop_waiting(NswPort *port, unsigned int index)
{
    unsigned int i;

    for (i = 0; i < port->waiters->len; i++) {
        if (g_array_index(port->waiters, unsigned int, i) == index) {
            g_array_remove_index_fast(port->waiters, i);
            return;
        }
    }
}

/* Tell the ports waiting for @port to send again. */
static void resume_waiters(NswPort *port)
{
    NswSwitch *sw = port->sw;
    GArray *waiters = port->waiters;
    unsigned int i;

    if (!waiters->len) {
        return;
    }
    /* Resumed ports may send, and wait, again while we go through these. */
    port->waiters = g_array_new(false, false, sizeof(unsigned int));
    for (i = 0; i < waiters->len; i++) {
        NswPort *waiter = nsw_switch_port_by_index(sw,
                              g_array_index(waiters, unsigned int, i));

        if (waiter && waiter->ops->resume) {
            waiter->ops->resume(waiter, waiter->opaque);
        }
    }
    g_array_free(waiters, true);
}

void nsw_port_remove(NswPort *port)
{
    NswSwitch *sw = port->sw;
    NswPort *other = NULL;

    nsw_mac_table_flush_port(sw->macs, port->index);
    while ((other = nsw_switch_next_port(sw, other))) {
        stop_waiting(other, port->index);
    }
    /* Waiters retry once the port is gone, so their frames are flooded. */
    g_ptr_array_index(sw->ports, port->index) = NULL;
    resume_waiters(port);
    port_free(port);
}

const char *nsw_port_name(const NswPort *port)
{
    return port->name;
}

unsigned int nsw_port_index(const NswPort *port)
{
    return port->index;
}

void *nsw_port_opaque(const NswPort *port)
{
    return port->opaque;
}

const NswPortStats *nsw_port_stats(const NswPort *port)
{
    return &port->stats;
}

void nsw_port_reset_stats(NswPort *port)
{
    memset(&port->stats, 0, sizeof(port->stats));
}

void nsw_port_set_link(NswPort *port, bool up)
{
    port->link_up = up;
    if (!up) {
        nsw_mac_table_flush_port(port->sw->macs, port->index);
        /* Their frames are no longer for a known port: let them flood. */
        resume_waiters(port);
    }
}

bool nsw_port_link_up(const NswPort *port)
{
    return port->link_up;
}

void nsw_port_set_hairpin(NswPort *port, bool on)
{
    port->hairpin = on;
}

bool nsw_port_hairpin(const NswPort *port)
{
    return port->hairpin;
}

bool nsw_port_may_send_back(const NswPort *out, const NswPort *in)
{
    return out != in || in->hairpin;
}

void nsw_port_set_pvid(NswPort *port, uint16_t pvid)
{
    g_assert(pvid <= NSW_VLAN_VID_MAX);
    port->pvid = pvid;
    nsw_mac_table_flush_port(port->sw->macs, port->index);
}

uint16_t nsw_port_pvid(const NswPort *port)
{
    return port->pvid;
}

void nsw_port_set_allowed_vlans(NswPort *port, const NswVlanSet *allowed)
{
    port->allowed = *allowed;
    nsw_mac_table_flush_port(port->sw->macs, port->index);
}

const NswVlanSet *nsw_port_allowed_vlans(const NswPort *port)
{
    return &port->allowed;
}

void nsw_port_drop(NswPort *port, NswDropReason reason)
{
    port->stats.drops[reason]++;
}

/* Checks every policy wants; false when the frame was dropped. */
static bool input_acceptable(NswSwitch *sw, NswPort *in, size_t len)
{
    if (!in->link_up) {
        nsw_port_drop(in, NSW_DROP_LINK_DOWN);
    } else if (len < ETH_HLEN) {
        nsw_port_drop(in, NSW_DROP_RUNT);
    } else if (len > sw->max_frame_len) {
        nsw_port_drop(in, NSW_DROP_OVERSIZE);
    } else {
        return true;
    }
    return false;
}

ssize_t nsw_switch_input(NswSwitch *sw, NswPort *in, const uint8_t *buf,
                         size_t len, int64_t now_ns)
{
    NswPacket pkt;

    g_assert(in->sw == sw);
    if (input_acceptable(sw, in, len)) {
        /* Cheap when nothing is due: it only looks at the oldest entry. */
        nsw_mac_table_age(sw->macs, now_ns);
        nsw_packet_wrap(&pkt, buf, len);
        if (!sw->policy->input(sw, in, &pkt, now_ns)) {
            return 0;
        }
    }
    in->stats.rx_packets++;
    in->stats.rx_bytes += len;
    return len;
}

void nsw_port_writable(NswPort *port)
{
    resume_waiters(port);
}

bool nsw_switch_learn(NswSwitch *sw, NswPort *in, const uint8_t *mac,
                      uint16_t vid, int64_t now_ns)
{
    if (nsw_mac_table_learn(sw->macs, mac, vid, in->index, now_ns) ==
        NSW_LEARN_IGNORED) {
        nsw_port_drop(in, NSW_DROP_INVALID_SOURCE);
        return false;
    }
    return true;
}

NswPort *nsw_switch_lookup(NswSwitch *sw, const uint8_t *mac, uint16_t vid,
                           int64_t now_ns)
{
    unsigned int index;

    if (is_multicast_ether_addr(mac) ||
        !nsw_mac_table_lookup(sw->macs, mac, vid, now_ns, &index)) {
        return NULL;
    }
    return nsw_switch_port_by_index(sw, index);
}

static bool port_can_transmit(NswPort *out)
{
    return !out->ops->can_transmit || out->ops->can_transmit(out, out->opaque);
}

/* Count what became of a transmit that was not refused as busy. */
static void count_transmit(NswPort *out, NswPacket *pkt, ssize_t ret)
{
    if (ret > 0) {
        out->stats.tx_packets++;
        out->stats.tx_bytes += nsw_packet_len(pkt);
    } else {
        nsw_port_drop(out, NSW_DROP_TX_ERROR);
    }
}

static void wait_for(NswPort *out, NswPort *in)
{
    stop_waiting(out, in->index);
    g_array_append_val(out->waiters, in->index);
}

bool nsw_switch_unicast(NswSwitch *sw, NswPort *in, NswPort *out,
                        NswPacket *pkt)
{
    ssize_t ret;

    if (!nsw_port_may_send_back(out, in)) {
        nsw_port_drop(in, NSW_DROP_HAIRPIN);
        return true;
    }
    if (!out->link_up) {
        nsw_port_drop(out, NSW_DROP_LINK_DOWN);
        return true;
    }
    if (port_can_transmit(out)) {
        ret = out->ops->transmit(out, pkt, out->opaque);
        if (ret != 0) {
            count_transmit(out, pkt, ret);
            return true;
        }
    }
    wait_for(out, in);
    return false;
}

bool nsw_port_ready(NswPort *out)
{
    if (!out->link_up) {
        nsw_port_drop(out, NSW_DROP_LINK_DOWN);
        return false;
    }
    if (!port_can_transmit(out)) {
        nsw_port_drop(out, NSW_DROP_NO_BUFFER);
        return false;
    }
    return true;
}

void nsw_port_send(NswPort *out, NswPacket *pkt)
{
    ssize_t ret = out->ops->transmit(out, pkt, out->opaque);

    if (ret == 0) {
        nsw_port_drop(out, NSW_DROP_NO_BUFFER);
    } else {
        count_transmit(out, pkt, ret);
    }
}

void nsw_switch_flood(NswSwitch *sw, NswPort *in, NswPacket *pkt)
{
    unsigned int i;

    /* The hot loop of a flood: walk the slots rather than call next_port */
    for (i = 0; i < sw->ports->len; i++) {
        NswPort *out = g_ptr_array_index(sw->ports, i);

        if (out && nsw_port_may_send_back(out, in) && nsw_port_ready(out)) {
            nsw_port_send(out, pkt);
        }
    }
}
