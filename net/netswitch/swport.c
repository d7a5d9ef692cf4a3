/*
 * netswitch: the swport netdev, a port of a netswitch object
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 *   -netdev swport,id=p0,switch=sw0[,netdev=BACKEND][,pvid=N][,vlans=LIST]
 *                              [,capture=FILE][,hairpin=on]
 *                              [,queue-frames=N][,queue-bytes=N]
 *
 * A swport is a net client whose peer is a device (which names it with
 * netdev=p0) or a backend (named with netdev=BACKEND).  Frames the peer
 * sends arrive in swport_receive() and go into the switch, which always
 * takes them; frames the switch sends out of the port go to the peer with
 * qemu_sendv_packet_async().
 *
 * Flow control is the switch's: a frame for a port whose peer cannot
 * receive waits in that port's egress queue (or is dropped and counted
 * when the queue is full), and no port ever makes another wait.  QEMU
 * tells us that a peer can receive again through NetClientInfo's
 * peer_ready, which the peer's qemu_flush_queued_packets() calls; we then
 * send the port's queue right there, so a guest that makes room for one
 * frame gets the next one without a main-loop wake-up.  A peer may still
 * refuse a frame it said it could take (a device whose free buffers are
 * too small for it): QEMU's net layer then queues it for the peer, and
 * the port sends nothing more until QEMU has delivered it, so the frames
 * behind it wait, in order and counted, in the switch.  Should QEMU purge
 * it instead, or the VM leave by migration (drop_held), it is counted
 * as dropped: the switch had counted it as sent.
 *
 * Offloads: like tap with vnet_hdr, a port takes and gives virtio-net
 * headers once its device asks (qemu_set_vnet_hdr_len(), as
 * virtio-net-legacy and upstream's virtio-net do when they see
 * qemu_has_vnet_hdr()).  The header of a frame from the device is checked
 * against the frame and becomes the frame's offload metadata in the
 * switch (a bad one is dropped, bad-offload); a frame toward the device
 * gets a header that says what is left to do to it.  What the device
 * takes as it is (qemu_set_offload(): partial checksums, TSO4/6, ECN) is
 * the port's offload capabilities: the switch segments super-frames for
 * every port that does not take them.  A backend behind a port
 * (netdev=) that speaks the same headers, tap with vnet_hdr, is asked to
 * use them (swport_backend_offloads()): the host's kernel then hands us
 * its TCP super-frames whole and takes ours, as it does for upstream's
 * virtio-net on a tap.  Every other backend gets plain frames.
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/qapi-types-net.h"
#include "qapi/qapi-events-netswitch.h"
#include "qemu/main-loop.h"
#include "qemu/error-report.h"
#include "system/runstate.h"
#include "net/net.h"
#include "net/queue.h"
#include "pcap.h"
#include "swport.h"
#include "trace.h"

struct SwPort {
    NetClientState nc;
    NetSwitch *sw;
    NswPort *port;
    NswPcap *capture;
    /* The virtio-net header the device sends and takes, 0: none */
    int peer_hdr_len;
    /*
     * gro=on (the default): the super-frame being merged, sent from
     * gro_bh at the latest; made when a device first takes super-frames
     */
    bool gro_enabled;
    NswGro *gro;
    uint64_t gro_acks_counted;  /* of nsw_gro_acks_thinned(), in the stats */
    QEMUBH *gro_bh;
    /*
     * What QEMU's net layer queued for the peer (a send that returned 0),
     * oldest first, as SwPortSent: until swport_sent() hears of them.
     */
    GQueue net_queued;
    /* The reason our own purge of those counts them under; else __MAX */
    NswDropReason purge_reason;
};

/* A packet QEMU queued for the peer: the switch's frames it stands for */
typedef struct SwPortSent {
    unsigned int frames;
    uint64_t bytes;
} SwPortSent;

static SwPort *swport_from_nc(NetClientState *nc)
{
    return DO_UPCAST(SwPort, nc, nc);
}

static bool swport_can_transmit(NswPort *port, void *opaque)
{
    SwPort *s = opaque;

    /*
     * false also while the VM is stopped: frames wait in the queue.  A
     * port with nothing connected says yes, and swport_transmit() drops
     * the frame (tx-error): nothing would ever drain a queue for it.
     */
    return !s->nc.peer ||
           (g_queue_is_empty(&s->net_queued) && qemu_can_send_packet(&s->nc));
}

/* QEMU delivered (@ret > 0) or purged a packet it had queued for the peer */
static void swport_sent(NetClientState *nc, ssize_t ret)
{
    SwPort *s = swport_from_nc(nc);
    g_autofree SwPortSent *sent = g_queue_pop_head(&s->net_queued);
    NswDropReason reason = s->purge_reason;

    if (!sent || ret != 0 || !s->port) {
        return;
    }
    if (reason == NSW_DROP__MAX) {
        /* QEMU drops what it queued for devices when the VM stops */
        reason = runstate_is_running() ? NSW_DROP_TX_ERROR
                                       : NSW_DROP_VM_STOPPED;
    }
    nsw_port_drop_sent(s->port, sent->frames, sent->bytes, reason);
}

/*
 * Send @iov to the peer: @frames of the switch's frames, @bytes long as
 * the switch counted them.  Should QEMU queue it, note what it stands for.
 */
static void swport_sendv(SwPort *s, const struct iovec *iov, int iovcnt,
                         unsigned int frames, uint64_t bytes)
{
    SwPortSent *sent;

    if (qemu_sendv_packet_async(&s->nc, iov, iovcnt, swport_sent) != 0) {
        return;
    }
    sent = g_new(SwPortSent, 1);
    sent->frames = frames;
    sent->bytes = bytes;
    g_queue_push_tail(&s->net_queued, sent);
}

/* To a device that takes virtio-net headers: what is left to do, or 0s */
static void swport_send_with_hdr(SwPort *s, const uint8_t *data, size_t len,
                                 const NswOffload *off, unsigned int frames,
                                 uint64_t bytes)
{
    struct virtio_net_hdr_mrg_rxbuf hdr = { 0 };
    struct iovec iov[2] = {
        { .iov_base = &hdr, .iov_len = s->peer_hdr_len },
        { .iov_base = (void *)data, .iov_len = len },
    };

    if (off) {
        nsw_offload_to_vnet_hdr(off, &hdr.hdr);
    }
    swport_sendv(s, iov, 2, frames, bytes);
}

/* Send the super-frame being merged (or its one segment, as it came) */
static void swport_gro_flush(SwPort *s)
{
    const NswOffload *off;
    size_t len;
    uint64_t bytes;
    unsigned int frames = nsw_gro_held(s->gro, &bytes);
    const uint8_t *data = nsw_gro_flush(s->gro, &len, &off);

    trace_swport_gro_flush(s->nc.name, len, off ? off->gso_size : 0,
                           nsw_gro_acks_thinned(s->gro));
    swport_send_with_hdr(s, data, len, off, frames, bytes);
}

/*
 * Send the super-frame being merged if the peer can take it now: not
 * while the VM is stopped, nor behind a packet QEMU still queues for it.
 * Otherwise it waits for swport_peer_ready().
 */
static void swport_gro_flush_if_ready(SwPort *s)
{
    if (s->gro && nsw_gro_pending(s->gro) && s->nc.peer && s->peer_hdr_len &&
        g_queue_is_empty(&s->net_queued) && qemu_can_send_packet(&s->nc)) {
        swport_gro_flush(s);
    }
}

/* The end of a burst: what was merged goes out now */
static void swport_gro_bh(void *opaque)
{
    swport_gro_flush_if_ready(opaque);
}

/* Count as dropped under @reason the frames of the super-frame held */
static unsigned int swport_gro_drop(SwPort *s, NswDropReason reason)
{
    uint64_t bytes;
    unsigned int frames;

    if (!s->gro) {
        return 0;
    }
    frames = nsw_gro_held(s->gro, &bytes);
    if (frames) {
        nsw_gro_drop(s->gro);
        nsw_port_drop_sent(s->port, frames, bytes, reason);
    }
    return frames;
}

/* Whether the device takes every super-frame GRO may make */
static bool swport_gro_on(SwPort *s)
{
    const unsigned int all = NSW_OFFLOAD_CSUM | NSW_OFFLOAD_TSO4 |
                             NSW_OFFLOAD_TSO6;

    if (!s->gro_enabled || !s->peer_hdr_len ||
        (nsw_port_offload_caps(s->port) & all) != all) {
        return false;
    }
    if (!s->gro) {
        s->gro = nsw_gro_new();
        s->gro_bh = qemu_bh_new(swport_gro_bh, s);
    }
    return true;
}

/* Count in the port's stats the ACKs GRO thinned since the last call */
static void swport_gro_count_acks(SwPort *s)
{
    uint64_t thinned = nsw_gro_acks_thinned(s->gro);

    if (thinned != s->gro_acks_counted) {
        nsw_port_count_acks_thinned(s->port, thinned - s->gro_acks_counted);
        s->gro_acks_counted = thinned;
    }
}

/*
 * Merge @pkt into the super-frame being built, or start one; false when
 * it cannot be merged and must go out as it is (after what was held).
 */
static bool swport_gro_take(SwPort *s, NswPacket *pkt)
{
    const uint8_t *data = nsw_packet_data(pkt);
    size_t len = nsw_packet_len(pkt);
    bool flush_now;

    if (nsw_packet_offload(pkt)) {
        if (nsw_gro_pending(s->gro)) {
            swport_gro_flush(s);
        }
        return false;
    }
    if (!nsw_gro_offer(s->gro, data, len, &flush_now)) {
        if (!nsw_gro_pending(s->gro)) {
            return false;
        }
        swport_gro_flush(s);
        if (!nsw_gro_offer(s->gro, data, len, &flush_now)) {
            return false;
        }
    }
    swport_gro_count_acks(s);
    if (flush_now) {
        swport_gro_flush(s);
    } else {
        qemu_bh_schedule(s->gro_bh);
    }
    return true;
}

static ssize_t swport_transmit(NswPort *port, NswPacket *pkt, void *opaque)
{
    SwPort *s = opaque;
    const uint8_t *data = nsw_packet_data(pkt);
    size_t len = nsw_packet_len(pkt);

    /* the core asked swport_can_transmit() just before: no need again */
    if (!s->nc.peer) {
        return -1;
    }
    if (s->capture) {
        nsw_pcap_write(s->capture, data, len);
    }
    trace_swport_transmit(s->nc.name, len);
    /* 0 means QEMU queued it for the peer: accepted all the same */
    if (swport_gro_on(s) && swport_gro_take(s, pkt)) {
        return len;
    }
    if (!g_queue_is_empty(&s->net_queued)) {
        /* QEMU queued the super-frame GRO let go of: wait behind it */
        return 0;
    }
    if (s->peer_hdr_len) {
        swport_send_with_hdr(s, data, len, nsw_packet_offload(pkt), 1, len);
    } else {
        struct iovec iov = { .iov_base = (void *)data, .iov_len = len };

        swport_sendv(s, &iov, 1, 1, len);
    }
    return len;
}

/*
 * Loop protection took the port down in the switch: take the netdev's link
 * down as set_link does, so that the monitor and a device on the port see
 * it too, and tell the management layer.  Not qmp_set_link() itself: a
 * port netdev_del'd while its device lives on is no longer found by name.
 */
static void swport_loop_detected(NswPort *port, const uint8_t *mac,
                                 void *opaque)
{
    SwPort *s = opaque;
    NetClientState *peer = s->nc.peer;
    const char *id = object_get_canonical_path_component(OBJECT(s->sw));
    g_autofree char *macstr = g_strdup_printf(
        "%02x:%02x:%02x:%02x:%02x:%02x",
        mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);

    warn_report("netswitch %s: port %s taken down: %s keeps moving to it, "
                "a loop between switches? (set_link %s on to resume)",
                id, s->nc.name, macstr, s->nc.name);
    qapi_event_send_netswitch_loop_detected(id, s->nc.name, macstr);
    s->nc.link_down = 1;
    if (peer && peer->info->type == NET_CLIENT_DRIVER_NIC) {
        peer->link_down = 1;
    }
    if (peer && peer->info->link_status_changed) {
        peer->info->link_status_changed(peer);
    }
}

/*
 * The VM left by migration: the super-frame held and what QEMU queued for
 * the peer will never be delivered from this process.
 */
static unsigned int swport_drop_held(NswPort *port, NswDropReason reason,
                                     void *opaque)
{
    SwPort *s = opaque;
    unsigned int dropped = swport_gro_drop(s, reason);
    GList *l;

    for (l = s->net_queued.head; l; l = l->next) {
        dropped += ((SwPortSent *)l->data)->frames;
    }
    s->purge_reason = reason;
    qemu_purge_queued_packets(&s->nc);      /* swport_sent() counts them */
    s->purge_reason = NSW_DROP__MAX;
    return dropped;
}

static const NswPortOps swport_ops = {
    .can_transmit = swport_can_transmit,
    .transmit = swport_transmit,
    .loop_detected = swport_loop_detected,
    .drop_held = swport_drop_held,
};

/*
 * A frame behind a virtio-net header from the device: into the switch
 * with its offload metadata, once the header is checked against it.
 */
static void swport_input_with_hdr(SwPort *s, const uint8_t *buf, size_t size)
{
    struct virtio_net_hdr hdr;
    NswOffload off;
    const char *why;

    if (size < s->peer_hdr_len) {
        nsw_port_drop_bad_offload(s->port, size);
        return;
    }
    memcpy(&hdr, buf, sizeof(hdr));
    buf += s->peer_hdr_len;
    size -= s->peer_hdr_len;
    if (s->capture) {
        nsw_pcap_write(s->capture, buf, size);
    }
    if (!(hdr.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
        hdr.gso_type == VIRTIO_NET_HDR_GSO_NONE) {
        nsw_switch_input(s->sw->core, s->port, buf, size, netswitch_now());
        return;
    }
    why = nsw_offload_from_vnet_hdr(&off, &hdr, buf, size,
                                    nsw_switch_max_frame_len(s->sw->core));
    if (why) {
        trace_swport_bad_offload(s->nc.name, why, size);
        nsw_port_drop_bad_offload(s->port, size);
        return;
    }
    nsw_switch_input_offload(s->sw->core, s->port, buf, size, &off,
                             netswitch_now());
}

static ssize_t swport_receive(NetClientState *nc, const uint8_t *buf,
                              size_t size)
{
    SwPort *s = swport_from_nc(nc);

    trace_swport_receive(nc->name, size);
    if (s->peer_hdr_len) {
        swport_input_with_hdr(s, buf, size);
    } else {
        if (s->capture) {
            nsw_pcap_write(s->capture, buf, size);
        }
        nsw_switch_input(s->sw->core, s->port, buf, size, netswitch_now());
    }
    netswitch_kick(s->sw);
    return size;
}

static bool swport_has_vnet_hdr(NetClientState *nc)
{
    return true;
}

static bool swport_has_vnet_hdr_len(NetClientState *nc, int len)
{
    return len == sizeof(struct virtio_net_hdr) ||
           len == sizeof(struct virtio_net_hdr_mrg_rxbuf);
}

static void swport_set_vnet_hdr_len(NetClientState *nc, int len)
{
    swport_from_nc(nc)->peer_hdr_len = len;
}

static void swport_set_offload(NetClientState *nc, int csum, int tso4,
                               int tso6, int ecn, int ufo, int uso4, int uso6)
{
    SwPort *s = swport_from_nc(nc);

    /* UFO and USO are never passed on: such frames get no header here */
    nsw_port_set_offload_caps(s->port,
                              (csum ? NSW_OFFLOAD_CSUM : 0) |
                              (tso4 ? NSW_OFFLOAD_TSO4 : 0) |
                              (tso6 ? NSW_OFFLOAD_TSO6 : 0) |
                              (ecn ? NSW_OFFLOAD_ECN : 0));
    trace_swport_offload(nc->name, s->peer_hdr_len, csum, tso4, tso6, ecn);
}

/*
 * A device is being connected: it starts without headers or offloads,
 * whatever the one before it had asked for.
 */
static bool swport_check_peer_type(NetClientState *nc, ObjectClass *oc,
                                   Error **errp)
{
    SwPort *s = swport_from_nc(nc);

    s->peer_hdr_len = 0;
    nsw_port_set_offload_caps(s->port, 0);
    swport_gro_drop(s, NSW_DROP_LINK_DOWN);     /* for the device before */
    return true;
}

/*
 * The device or backend connected to @nc flushed its queue: it can take
 * frames again, so the port's queue goes out now.  As net_hub_flush() does
 * for a hub, and not from a bottom half: that would cost every frame a
 * guest makes room for a main-loop wake-up and a BQL hand-over.
 */
static void swport_peer_ready(NetClientState *nc)
{
    SwPort *s = swport_from_nc(nc);

    trace_swport_peer_ready(nc->name, nsw_port_queue_len(s->port));
    swport_gro_flush_if_ready(s);       /* held while it could not take it */
    nsw_port_writable(s->port, netswitch_now());
    netswitch_kick(s->sw);
}

static void swport_link_status_changed(NetClientState *nc)
{
    SwPort *s = swport_from_nc(nc);

    nsw_port_set_link(s->port, !nc->link_down);
}

static void swport_cleanup(NetClientState *nc)
{
    SwPort *s = swport_from_nc(nc);

    /* Nothing QEMU queued for the peer may call swport_sent() later */
    s->purge_reason = NSW_DROP_LINK_DOWN;
    qemu_purge_queued_packets(&s->nc);
    g_queue_clear_full(&s->net_queued, g_free);
    if (s->port) {
        nsw_port_remove(s->port);
        s->port = NULL;
    }
    nsw_pcap_close(s->capture);
    if (s->gro_bh) {
        qemu_bh_delete(s->gro_bh);
    }
    nsw_gro_free(s->gro);
    s->sw->nports--;
    object_unref(OBJECT(s->sw));
}

static NetClientInfo swport_info = {
    .type = NET_CLIENT_DRIVER_SWPORT,
    .size = sizeof(SwPort),
    .receive = swport_receive,
    .peer_ready = swport_peer_ready,
    .has_vnet_hdr = swport_has_vnet_hdr,
    .has_vnet_hdr_len = swport_has_vnet_hdr_len,
    .set_vnet_hdr_len = swport_set_vnet_hdr_len,
    .set_offload = swport_set_offload,
    .check_peer_type = swport_check_peer_type,
    .link_status_changed = swport_link_status_changed,
    .cleanup = swport_cleanup,
};

/* The backend named by netdev=, which must be free to connect. */
static NetClientState *swport_find_backend(NetSwitch *sw, const char *id,
                                           Error **errp)
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
    if (backend->info->type == NET_CLIENT_DRIVER_SWPORT &&
        swport_from_nc(backend)->sw == sw) {
        error_setg(errp, "netdev '%s' is a port of the same netswitch: "
                   "the switch would send its frames back to itself", id);
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

/*
 * A backend that speaks virtio-net headers (tap, unless vnet_hdr=off) is
 * set up as a device that asked for them would set us up: 10-byte
 * headers both ways, and from the host's kernel whatever the switch can
 * carry (partial checksums, TSO4/6, ECN; the kernel takes all of those
 * from us).  Without it the kernel segments every super-frame it sends
 * through the tap, and the main loop reads it a segment at a time.
 */
static void swport_backend_offloads(SwPort *s, NetClientState *backend)
{
    const int len = sizeof(struct virtio_net_hdr);

    if (!qemu_has_vnet_hdr(backend) || !qemu_has_vnet_hdr_len(backend, len)) {
        return;
    }
    qemu_set_vnet_hdr_len(backend, len);
    qemu_set_offload(backend, 1, 1, 1, 1, 0, 0, 0);
    swport_set_vnet_hdr_len(&s->nc, len);
    swport_set_offload(&s->nc, 1, 1, 1, 1, 0, 0, 0);
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
        backend = swport_find_backend(sw, opts->netdev, errp);
        if (!backend) {
            return -1;
        }
    }

    nc = qemu_new_net_client(&swport_info, backend, "swport", name);
    s = swport_from_nc(nc);
    g_queue_init(&s->net_queued);
    s->purge_reason = NSW_DROP__MAX;
    s->sw = NETSWITCH(object_ref(OBJECT(sw)));
    sw->nports++;
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
    s->gro_enabled = !opts->has_gro || opts->gro;
    if (!swport_apply_settings(s->port,
                               qapi_NetdevSwportOptions_base(opts), errp)) {
        goto fail;
    }
    if (opts->capture) {
        s->capture = nsw_pcap_open(opts->capture, errp);
        if (!s->capture) {
            goto fail;
        }
    }
    if (backend) {
        swport_backend_offloads(s, backend);
    }
    qemu_set_info_str(nc, "switch=%s", opts->q_switch);
    return 0;

fail:
    qemu_del_net_client(nc);
    return -1;
}

static NetswitchDrops *swport_drops(const NswPortStats *st)
{
    NetswitchDrops *drops = g_new0(NetswitchDrops, 1);

    drops->queue_full = st->drops[NSW_DROP_QUEUE_FULL];
    drops->vlan_filtered = st->drops[NSW_DROP_VLAN_FILTERED];
    drops->runt = st->drops[NSW_DROP_RUNT];
    drops->oversize = st->drops[NSW_DROP_OVERSIZE];
    drops->invalid_source = st->drops[NSW_DROP_INVALID_SOURCE];
    drops->link_down = st->drops[NSW_DROP_LINK_DOWN];
    drops->hairpin = st->drops[NSW_DROP_HAIRPIN];
    drops->tx_error = st->drops[NSW_DROP_TX_ERROR];
    drops->policed = st->drops[NSW_DROP_POLICED];
    drops->storm = st->drops[NSW_DROP_STORM];
    drops->mac_limit = st->drops[NSW_DROP_MAC_LIMIT];
    drops->spoofed = st->drops[NSW_DROP_SPOOFED];
    drops->bad_offload = st->drops[NSW_DROP_BAD_OFFLOAD];
    drops->vm_migrated = st->drops[NSW_DROP_VM_MIGRATED];
    drops->vm_stopped = st->drops[NSW_DROP_VM_STOPPED];
    return drops;
}

void swport_fill_counters(const NswPortStats *st, NetswitchCounters *c)
{
    c->rx_packets = st->rx_packets;
    c->rx_bytes = st->rx_bytes;
    c->rx_dropped = st->rx_dropped;
    c->forwarded = st->forwarded;
    c->tx_packets = st->tx_packets;
    c->tx_bytes = st->tx_bytes;
    c->tx_dropped = st->tx_dropped;
    c->drops = swport_drops(st);
    c->gso_whole = st->gso_whole;
    c->gso_segmented = st->gso_segmented;
    c->gso_segments = st->gso_segments;
    c->gro_acks_thinned = st->gro_acks_thinned;
}

void swport_fill_info(NswPort *port, NetswitchPortInfo *info)
{
    SwPort *s = nsw_port_opaque(port);

    info->name = g_strdup(nsw_port_name(port));
    info->peer = s->nc.peer ? g_strdup(s->nc.peer->name) : NULL;
    info->link_up = nsw_port_link_up(port);
    info->pvid = nsw_port_pvid(port);
    info->vlans = nsw_vlan_set_format(nsw_port_allowed_vlans(port));
    info->hairpin = nsw_port_hairpin(port);
    swport_fill_counters(nsw_port_stats(port),
                         qapi_NetswitchPortInfo_base(info));
    info->queue_len = nsw_port_queue_len(port);
    info->queue_bytes = nsw_port_queue_bytes(port);
    info->queue_high_water = nsw_port_stats(port)->queue_high_water;
    swport_fill_settings(port, info);
}
