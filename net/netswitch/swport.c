/*
 * netswitch: the swport netdev, a port of a netswitch object
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 *   -netdev swport,id=p0,switch=sw0[,netdev=BACKEND][,pvid=N][,vlans=LIST]
 *                              [,capture=FILE][,hairpin=on]
 *
 * A swport is a net client whose peer is a device (which names it with
 * netdev=p0) or a backend (named with netdev=BACKEND).  Frames the peer
 * sends arrive in swport_receive() and go into the switch; frames the
 * switch sends out of the port go to the peer with qemu_send_packet().
 *
 * Flow control follows QEMU's net queues.  A frame whose one destination
 * port cannot take it is refused (receive returns 0): QEMU queues it and
 * disables this port's receive until qemu_flush_queued_packets().  The
 * busy port's peer calls qemu_flush_queued_packets() on itself when it has
 * room again, which reaches swport_peer_flush(); the switch then resumes
 * the waiting ports, whose queues we flush there and then, as a hub does.
 *
 * The switch never re-enters itself: a frame that arrives while it is
 * switching (slirp answers from inside its receive handler, a hairpin
 * port's device from inside its transmit) is refused, queued by QEMU, and
 * switched right after the frame that caused it, before swport_receive()
 * returns.  Doing that from a bottom half instead costs a main-loop wake-up
 * and a BQL hand-over per frame, which a vCPU sending TCP pays once per
 * ACK.  The number of such drains per frame is bounded, so two ports that
 * answer each other cannot keep us here; the rest waits for the bottom
 * half.
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/qapi-types-net.h"
#include "qemu/main-loop.h"
#include "qemu/error-report.h"
#include "net/net.h"
#include "net/queue.h"
#include "pcap.h"
#include "swport.h"
#include "trace.h"

/* Queue flushes per switched frame, for the frames that arrived meanwhile */
#define SWPORT_DRAIN_MAX    64

struct SwPort {
    NetClientState nc;
    NetSwitch *sw;
    NswPort *port;
    NswPcap *capture;
    QEMUBH *flush_bh;       /* re-deliver the frames QEMU queued for us */
    bool deferred;          /* on sw->deferred */
    QSIMPLEQ_ENTRY(SwPort) next_deferred;
};

static SwPort *swport_from_nc(NetClientState *nc)
{
    return DO_UPCAST(SwPort, nc, nc);
}

static bool swport_can_transmit(NswPort *port, void *opaque)
{
    SwPort *s = opaque;

    /* false also while the VM is stopped: frames must not pile up then */
    return s->nc.peer && qemu_can_send_packet(&s->nc);
}

static ssize_t swport_transmit(NswPort *port, NswPacket *pkt, void *opaque)
{
    SwPort *s = opaque;
    const uint8_t *data = nsw_packet_data(pkt);
    size_t len = nsw_packet_len(pkt);

    if (!s->nc.peer) {
        return -1;
    }
    if (!qemu_can_send_packet(&s->nc)) {
        return 0;
    }
    if (s->capture) {
        nsw_pcap_write(s->capture, data, len);
    }
    trace_swport_transmit(s->nc.name, len);
    /* 0 means QEMU queued it for the peer: accepted all the same */
    qemu_send_packet(&s->nc, data, len);
    return len;
}

static void swport_flush_bh(void *opaque)
{
    SwPort *s = opaque;

    qemu_flush_queued_packets(&s->nc);
}

/* A frame arrived while the switch was busy: QEMU keeps it queued for us */
static void swport_defer(SwPort *s)
{
    if (!s->deferred) {
        s->deferred = true;
        QSIMPLEQ_INSERT_TAIL(&s->sw->deferred, s, next_deferred);
    }
}

static void swport_undefer(SwPort *s)
{
    if (s->deferred) {
        s->deferred = false;
        QSIMPLEQ_REMOVE(&s->sw->deferred, s, SwPort, next_deferred);
    }
}

/*
 * Deliver the frames QEMU queued for @s.  Not qemu_flush_queued_packets():
 * that also wakes the main loop to re-poll backends' file descriptors,
 * which frames from here never need (they come from a backend or device
 * that answered synchronously, not from a descriptor), and one wake-up
 * per TCP ACK slows a sending guest's vCPU.
 */
static void swport_flush_deferred(SwPort *s)
{
    s->nc.receive_disabled = 0;
    qemu_net_queue_flush(s->nc.incoming_queue);
}

/* Switch the frames that arrived while the last one was being switched */
static void swport_drain_deferred(NetSwitch *sw)
{
    unsigned int budget = SWPORT_DRAIN_MAX;
    SwPort *s;

    if (sw->draining) {
        return;     /* the outer drain goes on with what we deferred */
    }
    sw->draining = true;
    while ((s = QSIMPLEQ_FIRST(&sw->deferred))) {
        swport_undefer(s);
        if (!budget) {
            trace_swport_drain_limit(s->nc.name);
            qemu_bh_schedule(s->flush_bh);
            continue;
        }
        budget--;
        swport_flush_deferred(s);
    }
    sw->draining = false;
}

/*
 * @s may send again.  Resumed by swport_peer_flush(), it joins the
 * deferred ports that function drains; resumed otherwise (a port went
 * away or lost its link, possibly during a netdev's cleanup) it flushes
 * from a bottom half.
 */
static void swport_resume(NswPort *port, void *opaque)
{
    SwPort *s = opaque;

    if (s->sw->resuming) {
        swport_defer(s);
    } else {
        qemu_bh_schedule(s->flush_bh);
    }
}

static const NswPortOps swport_ops = {
    .can_transmit = swport_can_transmit,
    .transmit = swport_transmit,
    .resume = swport_resume,
};

static ssize_t swport_receive(NetClientState *nc, const uint8_t *buf,
                              size_t size)
{
    SwPort *s = swport_from_nc(nc);
    NetSwitch *sw = s->sw;
    ssize_t ret;

    if (sw->switching) {
        trace_swport_deferred(nc->name, size);
        swport_defer(s);
        return 0;
    }
    sw->switching = true;
    ret = nsw_switch_input(sw->core, s->port, buf, size, netswitch_now());
    sw->switching = false;

    trace_swport_receive(nc->name, size, ret);
    if (ret > 0 && s->capture) {
        nsw_pcap_write(s->capture, buf, size);
    }
    swport_drain_deferred(sw);
    return ret;
}

/*
 * The device or backend connected to @s can take frames again.  The
 * ports whose frames waited for it send them now, as net_hub_flush()
 * does for a hub: from a bottom half, every frame a guest makes room for
 * would cost a main-loop wake-up and a BQL hand-over, and a receiving
 * guest's vCPU would pay for them.
 */
static void swport_peer_ready(SwPort *s)
{
    NetSwitch *sw = s->sw;

    trace_swport_peer_ready(s->nc.name);
    sw->resuming = true;
    nsw_port_writable(s->port);
    sw->resuming = false;
    if (!sw->switching) {
        /* else the frame being switched drains them when it is through */
        swport_drain_deferred(sw);
    }
}

/*
 * Unlike QEMU's own flush, no qemu_notify_event(): that wakes the main loop
 * so that backends re-poll their descriptors once their queued frames are
 * through, and the only sender into @nc's queue is the swport, which polls
 * none.  A device calls this for every frame its guest makes room for.
 */
void swport_peer_flush(NetClientState *nc, bool purge)
{
    if (!qemu_net_queue_flush(nc->incoming_queue) && purge) {
        qemu_net_queue_purge(nc->incoming_queue, nc->peer);
    }
    swport_peer_ready(swport_from_nc(nc->peer));
}

static void swport_link_status_changed(NetClientState *nc)
{
    SwPort *s = swport_from_nc(nc);

    nsw_port_set_link(s->port, !nc->link_down);
}

static void swport_cleanup(NetClientState *nc)
{
    SwPort *s = swport_from_nc(nc);

    swport_undefer(s);
    if (s->port) {
        nsw_port_remove(s->port);
        s->port = NULL;
    }
    qemu_bh_delete(s->flush_bh);
    nsw_pcap_close(s->capture);
    s->sw->nports--;
    object_unref(OBJECT(s->sw));
}

static NetClientInfo swport_info = {
    .type = NET_CLIENT_DRIVER_SWPORT,
    .size = sizeof(SwPort),
    .receive = swport_receive,
    .link_status_changed = swport_link_status_changed,
    .cleanup = swport_cleanup,
};

/* The backend named by netdev=, which must be free to connect. */
static NetClientState *swport_find_backend(const char *id, Error **errp)
{
    NetClientState *backend = qemu_find_netdev(id);

    if (!backend) {
        error_setg(errp, "netdev '%s' not found (define it before the port)",
                   id);
        return NULL;
    }
    if (backend->info->type == NET_CLIENT_DRIVER_NIC) {
        error_setg(errp, "'%s' is a device: give the device netdev=<port id>",
                   id);
        return NULL;
    }
    if (backend->peer) {
        error_setg(errp, "netdev '%s' is already connected to '%s'", id,
                   backend->peer->name);
        return NULL;
    }
    return backend;
}

static bool swport_configure_vlans(SwPort *s, const NetdevSwportOptions *opts,
                                   Error **errp)
{
    NswVlanSet allowed;
    char *msg = NULL;

    if (!opts->has_pvid && !opts->vlans) {
        return true;
    }
    if (s->sw->policy != NETSWITCH_POLICY_VLAN) {
        error_setg(errp, "pvid and vlans need a netswitch with policy=vlan");
        return false;
    }
    if (opts->has_pvid) {
        if (opts->pvid > NSW_VLAN_VID_MAX) {
            error_setg(errp, "pvid must be between 0 and %d", NSW_VLAN_VID_MAX);
            return false;
        }
        nsw_port_set_pvid(s->port, opts->pvid);
    }
    if (opts->vlans) {
        if (!nsw_vlan_set_parse(&allowed, opts->vlans, &msg)) {
            error_setg(errp, "vlans=%s: %s", opts->vlans, msg);
            g_free(msg);
            return false;
        }
        nsw_port_set_allowed_vlans(s->port, &allowed);
    }
    return true;
}

int net_init_swport(const Netdev *netdev, const char *name,
                    NetClientState *peer, Error **errp)
{
    const NetdevSwportOptions *opts = &netdev->u.swport;
    NetClientState *nc, *backend = NULL;
    NetSwitch *sw;
    SwPort *s;

    assert(netdev->type == NET_CLIENT_DRIVER_SWPORT);
    assert(!peer);

    sw = netswitch_find(opts->q_switch, errp);
    if (!sw) {
        return -1;
    }
    if (opts->netdev) {
        backend = swport_find_backend(opts->netdev, errp);
        if (!backend) {
            return -1;
        }
    }

    nc = qemu_new_net_client(&swport_info, backend, "swport", name);
    s = swport_from_nc(nc);
    s->sw = NETSWITCH(object_ref(OBJECT(sw)));
    sw->nports++;
    s->flush_bh = qemu_bh_new(swport_flush_bh, s);
    s->port = nsw_port_add(sw->core, name, &swport_ops, s);
    if (!s->port) {
        error_setg(errp, "netswitch '%s' already has a port '%s'",
                   opts->q_switch, name);
        goto fail;
    }
    if (!swport_configure_vlans(s, opts, errp)) {
        goto fail;
    }
    nsw_port_set_hairpin(s->port, opts->has_hairpin && opts->hairpin);
    if (opts->capture) {
        s->capture = nsw_pcap_open(opts->capture, errp);
        if (!s->capture) {
            goto fail;
        }
    }
    qemu_set_info_str(nc, "switch=%s", opts->q_switch);
    return 0;

fail:
    qemu_del_net_client(nc);
    return -1;
}

void swport_fill_info(NswPort *port, NetswitchPortInfo *info)
{
    SwPort *s = nsw_port_opaque(port);
    const NswPortStats *st = nsw_port_stats(port);
    NetswitchDrops *drops = g_new0(NetswitchDrops, 1);

    info->name = g_strdup(nsw_port_name(port));
    info->peer = s->nc.peer ? g_strdup(s->nc.peer->name) : NULL;
    info->link_up = nsw_port_link_up(port);
    info->pvid = nsw_port_pvid(port);
    info->vlans = nsw_vlan_set_format(nsw_port_allowed_vlans(port));
    info->hairpin = nsw_port_hairpin(port);
    info->rx_packets = st->rx_packets;
    info->rx_bytes = st->rx_bytes;
    info->tx_packets = st->tx_packets;
    info->tx_bytes = st->tx_bytes;

    drops->no_buffer = st->drops[NSW_DROP_NO_BUFFER];
    drops->vlan_filtered = st->drops[NSW_DROP_VLAN_FILTERED];
    drops->runt = st->drops[NSW_DROP_RUNT];
    drops->oversize = st->drops[NSW_DROP_OVERSIZE];
    drops->invalid_source = st->drops[NSW_DROP_INVALID_SOURCE];
    drops->link_down = st->drops[NSW_DROP_LINK_DOWN];
    drops->hairpin = st->drops[NSW_DROP_HAIRPIN];
    drops->tx_error = st->drops[NSW_DROP_TX_ERROR];
    info->drops = drops;
}
