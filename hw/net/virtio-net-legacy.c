/*
 * qemu-xnet: a legacy (virtio 0.9.5) network device
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 *   -device virtio-net-legacy-device,netdev=N   (virtio-mmio, legacy)
 *   -device virtio-net-legacy-pci,netdev=N      (legacy I/O BAR)
 *
 * A network device for the "legacy" virtio interface only: the guest sees
 * virtio 0.9.5 (no VERSION_1, guest-endian rings and headers, the 8-byte
 * config space of mac and status).  Rings are QEMU's virtio core's: this
 * file only pops, fills and pushes elements.
 *
 * Nothing here trusts the guest.  A descriptor chain the core cannot map
 * (bad address, loop, length) breaks the device in the core; a chain that
 * breaks the virtio-net protocol (no room for the header, wrong
 * direction) breaks it here with virtio_error(); a frame that is merely
 * unusable (runt, too long, offload we did not offer) is dropped, logged
 * with LOG_GUEST_ERROR and counted.  The counters are read-only QOM
 * properties (rx-frames, rx-dropped, ...).
 *
 * TX: a kick schedules a bottom half that sends at most tx_burst frames
 * and reschedules itself while the ring has more; guest kicks are off
 * meanwhile.  A frame the peer cannot take now is queued by QEMU's net
 * layer; its buffer goes back to the guest when the peer takes it, and
 * TX stops until then.
 *
 * Offloads (HOST_TSO4/6, HOST_ECN, CSUM): a guest may send 64 KiB TCP
 * super-frames and frames with partial checksums.  Every field of the
 * header is checked against the frame (nsw_offload_from_vnet_hdr()); a
 * bad one is a counted drop.  A peer that takes virtio-net headers (a
 * netswitch port, tap with vnet_hdr) gets the frame whole with its
 * header, and segments or completes it where it must, once; any other
 * peer gets the segments, made here by the same code
 * (nsw_offload_segment()).  No frame but a super-frame is longer than
 * 1518 bytes; a longer one is dropped.  With GUEST_TSO4/6 and GUEST_ECN
 * the guest receives the super-frames and partial checksums such a peer
 * hands us (GUEST_CSUM) as they are.
 *
 * Ring updates and frame copies from the TX bottom half and from frame
 * delivery run under the transport's re-entrancy guard: a guest that aims
 * them at the transport's registers gets a failed write, not a device
 * reset in the middle of a ring update.
 *
 * RX: with MRG_RXBUF a frame is spread over as many buffers as it needs
 * (num_buffers in the first header).  When the ring has too little room,
 * can_receive()/receive() leave the frame in QEMU's net queue and guest
 * kicks are turned on; the kick flushes the queue.  A frame that does not
 * fit a ring whose every entry is available never will: it is dropped.
 * With GUEST_CSUM, DATA_VALID is set only on TCP/UDP frames whose checksum
 * was verified.
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/qapi-events-net.h"
#include "qapi/qapi-types-net.h"
#include "qapi/util.h"
#include "qemu/host-utils.h"
#include "qemu/iov.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/module.h"
#include "hw/qdev-properties.h"
#include "hw/virtio/virtio.h"
#include "hw/virtio/virtio-access.h"
#include "hw/virtio/virtio-net-legacy.h"
#include "migration/vmstate.h"
#include "net/checksum.h"
#include "net/eth.h"
#include "net/net.h"
#include "net/netswitch-offload.h"
#include "system/system.h"
#include "standard-headers/linux/virtio_ids.h"
#include "standard-headers/linux/virtio_net.h"
#include "xnet/trace.h"

#define VNL_QUEUE_SIZE_DEFAULT  256
#define VNL_QUEUE_SIZE_MIN      2
#define VNL_CTRL_QUEUE_SIZE     64
#define VNL_TX_BURST_DEFAULT    256
/*
 * The longest frame a driver may send but a super-frame.  We offer no MTU,
 * so a frame is at most a VLAN-tagged Ethernet frame without its FCS:
 * 1518 bytes, what Linux's driver sizes its buffers for (MAX_PACKET_LEN)
 * and what every NIC behind a netswitch can take.  Segments of a
 * super-frame are held to the same length.
 */
#define VNL_TX_MAX_FRAME        (ETH_HLEN + sizeof(struct vlan_header) + \
                                 ETH_MTU)
/* Legacy config space: mac[6] and status, nothing after */
#define VNL_CONFIG_SIZE         offsetof(struct virtio_net_config, \
                                         max_virtqueue_pairs)

/* Feature bits a user may turn off (all on by default) */
#define VNL_CTRL_FEATURES \
    (BIT_ULL(VIRTIO_NET_F_CTRL_RX) | BIT_ULL(VIRTIO_NET_F_CTRL_RX_EXTRA) | \
     BIT_ULL(VIRTIO_NET_F_CTRL_VLAN) | BIT_ULL(VIRTIO_NET_F_CTRL_MAC_ADDR) | \
     BIT_ULL(VIRTIO_NET_F_GUEST_ANNOUNCE))
/* Segmentation offload the guest may ask of us, and we of the guest */
#define VNL_HOST_GSO_FEATURES \
    (BIT_ULL(VIRTIO_NET_F_HOST_TSO4) | BIT_ULL(VIRTIO_NET_F_HOST_TSO6) | \
     BIT_ULL(VIRTIO_NET_F_HOST_ECN))
#define VNL_GUEST_GSO_FEATURES \
    (BIT_ULL(VIRTIO_NET_F_GUEST_TSO4) | BIT_ULL(VIRTIO_NET_F_GUEST_TSO6) | \
     BIT_ULL(VIRTIO_NET_F_GUEST_ECN))
/* How much of a frame nsw_offload_from_vnet_hdr() reads: its headers */
#define VNL_TX_HEAD_LEN         256
/* Ring features that exist only with VERSION_1 */
#define VNL_MODERN_ONLY_FEATURES \
    (BIT_ULL(VIRTIO_F_RING_PACKED) | BIT_ULL(VIRTIO_F_IN_ORDER) | \
     BIT_ULL(VIRTIO_F_RING_RESET))

typedef enum {
    VNL_TX_DONE,        /* sent or dropped: return the buffer */
    VNL_TX_QUEUED,      /* the peer queued it: return the buffer later */
    VNL_TX_BROKEN,      /* protocol violation: the device is broken */
} VNLTxResult;

static bool vnl_has(VirtIONetLegacy *n, unsigned int fbit)
{
    return virtio_vdev_has_feature(VIRTIO_DEVICE(n), fbit);
}

static NetClientState *vnl_nc(VirtIONetLegacy *n)
{
    return qemu_get_queue(n->nic);
}

/* The header before every frame: 12 bytes with MRG_RXBUF, else 10 */
static size_t vnl_hdr_len(VirtIONetLegacy *n)
{
    return vnl_has(n, VIRTIO_NET_F_MRG_RXBUF) ?
        sizeof(struct virtio_net_hdr_mrg_rxbuf) :
        sizeof(struct virtio_net_hdr);
}

/* Whether the rings may be used now: driver ready and VM running */
static bool vnl_running(VirtIONetLegacy *n)
{
    return n->driver_ok && VIRTIO_DEVICE(n)->vm_running;
}

/*
 * The re-entrancy guard of our transport (virtio-mmio, the virtio-pci
 * proxy): it owns every register a guest can aim a ring or a buffer at,
 * while this device owns none.  Engaged while we write guest memory from
 * a bottom half or a frame delivery, it makes such a write fail instead
 * of, say, resetting the device in the middle of a ring update
 * (CVE-2024-3446 was this bug in upstream's virtio devices).
 */
static MemReentrancyGuard *vnl_transport_guard(DeviceState *dev)
{
    return &qdev_get_parent_bus(dev)->parent->mem_reentrancy_guard;
}

static bool vnl_queue_size_ok(uint16_t size)
{
    return size >= VNL_QUEUE_SIZE_MIN && size <= VIRTQUEUE_MAX_SIZE &&
           is_power_of_2(size);
}

/* Tell QMP listeners (NIC_RX_FILTER_CHANGED) once until they query again */
static void vnl_rxfilter_notify(VirtIONetLegacy *n)
{
    NetClientState *nc = vnl_nc(n);
    g_autofree char *path = NULL;

    if (!nc->rxfilter_notify_enabled) {
        return;
    }
    path = object_get_canonical_path(OBJECT(n));
    qapi_event_send_nic_rx_filter_changed(nc->name, path);
    nc->rxfilter_notify_enabled = 0;
}

/* ---- TX ---------------------------------------------------------------- */

static void vnl_tx_complete(NetClientState *nc, ssize_t len);

/* Run the TX ring from the bottom half; guest kicks are useless meanwhile */
static void vnl_tx_schedule(VirtIONetLegacy *n)
{
    n->tx_waiting = true;
    virtio_queue_set_notification(n->tx_vq, 0);
    if (vnl_running(n)) {
        qemu_bh_schedule(n->tx_bh);
    }
}

/* The longest frame the negotiated features let the guest send */
static size_t vnl_tx_max_len(VirtIONetLegacy *n)
{
    return vnl_has(n, VIRTIO_NET_F_HOST_TSO4) ||
           vnl_has(n, VIRTIO_NET_F_HOST_TSO6) ? NSW_GSO_MAX_LEN :
           VNL_TX_MAX_FRAME;
}

/* The guest's header, in the host's byte order */
static void vnl_hdr_to_host(VirtIONetLegacy *n, struct virtio_net_hdr *hdr)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(n);

    hdr->hdr_len = virtio_lduw_p(vdev, &hdr->hdr_len);
    hdr->gso_size = virtio_lduw_p(vdev, &hdr->gso_size);
    hdr->csum_start = virtio_lduw_p(vdev, &hdr->csum_start);
    hdr->csum_offset = virtio_lduw_p(vdev, &hdr->csum_offset);
}

/* Which offload the header asks for that the guest did not negotiate */
static const char *vnl_tx_unnegotiated(VirtIONetLegacy *n,
                                       const struct virtio_net_hdr *hdr)
{
    switch (hdr->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) {
    case VIRTIO_NET_HDR_GSO_TCPV4:
        if (!vnl_has(n, VIRTIO_NET_F_HOST_TSO4)) {
            return "TSO4 was not negotiated";
        }
        break;
    case VIRTIO_NET_HDR_GSO_TCPV6:
        if (!vnl_has(n, VIRTIO_NET_F_HOST_TSO6)) {
            return "TSO6 was not negotiated";
        }
        break;
    }
    if ((hdr->gso_type & VIRTIO_NET_HDR_GSO_ECN) &&
        !vnl_has(n, VIRTIO_NET_F_HOST_ECN)) {
        return "ECN was not negotiated";
    }
    if ((hdr->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
        !vnl_has(n, VIRTIO_NET_F_CSUM)) {
        return "checksum offload was not negotiated";
    }
    return NULL;
}

/*
 * Why a TX frame cannot be sent as the guest described it, or NULL with
 * @off filled.  @head holds the frame's first bytes (its headers).
 */
static const char *vnl_tx_check(VirtIONetLegacy *n,
                                const struct virtio_net_hdr *hdr,
                                const uint8_t *head, size_t len,
                                NswOffload *off)
{
    const char *why;

    if (len < ETH_HLEN) {
        return "shorter than an Ethernet header";
    }
    if (len > vnl_tx_max_len(n)) {
        return "longer than the negotiated features allow";
    }
    why = vnl_tx_unnegotiated(n, hdr);
    if (!why) {
        why = nsw_offload_from_vnet_hdr(off, hdr, head, len, VNL_TX_MAX_FRAME);
    }
    if (!why && off->gso_type == NSW_GSO_NONE && len > VNL_TX_MAX_FRAME) {
        why = "longer than 1518 bytes but not a super-frame";
    }
    return why;
}

/*
 * A peer that takes virtio-net headers gets the frame whole, straight
 * from the guest's buffers, behind a header in the host's byte order.
 */
static ssize_t vnl_tx_with_hdr(VirtIONetLegacy *n, VirtQueueElement *elem,
                               const NswOffload *off, size_t len)
{
    struct virtio_net_hdr_mrg_rxbuf hdr = { 0 };
    unsigned int sg_num;

    nsw_offload_to_vnet_hdr(off, &hdr.hdr);
    n->tx_sg[0].iov_base = &hdr;
    n->tx_sg[0].iov_len = n->peer_hdr_len;
    sg_num = iov_copy(n->tx_sg + 1, ARRAY_SIZE(n->tx_sg) - 1,
                      elem->out_sg, elem->out_num, vnl_hdr_len(n), len);
    if (off->gso_type != NSW_GSO_NONE) {
        n->stats.tx_gso++;
    }
    return qemu_sendv_packet_async(vnl_nc(n), n->tx_sg, sg_num + 1,
                                   vnl_tx_complete);
}

/*
 * Any other peer gets what the guest asked for done: the segments of a
 * super-frame, or the frame with its checksum complete.  Only the last
 * one waits for the peer (QEMU's net queue copies the others).
 */
static ssize_t vnl_tx_done_here(VirtIONetLegacy *n, VirtQueueElement *elem,
                                const NswOffload *off, size_t len)
{
    NetClientState *nc = vnl_nc(n);
    unsigned int count = nsw_offload_segments(off, len);
    ssize_t ret = 0;

    iov_to_buf(elem->out_sg, elem->out_num, vnl_hdr_len(n), n->tx_buf, len);
    for (unsigned int i = 0; i < count; i++) {
        size_t seg_len = nsw_offload_segment(off, n->tx_buf, len, i,
                                             n->seg_buf);

        if (i + 1 < count) {
            qemu_send_packet(nc, n->seg_buf, seg_len);
        } else {
            ret = qemu_send_packet_async(nc, n->seg_buf, seg_len,
                                         vnl_tx_complete);
        }
    }
    if (off->gso_type != NSW_GSO_NONE) {
        n->stats.tx_gso++;
        n->stats.tx_segments += count;
    } else {
        n->stats.tx_csum++;
    }
    return ret;
}

static VNLTxResult vnl_tx_one(VirtIONetLegacy *n, VirtQueueElement *elem)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(n);
    NetClientState *nc = vnl_nc(n);
    struct virtio_net_hdr hdr;
    size_t hdr_len = vnl_hdr_len(n);
    size_t size = iov_size(elem->out_sg, elem->out_num);
    size_t len;
    NswOffload off;
    const char *why;
    ssize_t ret;

    if (elem->in_num) {
        virtio_error(vdev, "virtio-net-legacy: TX buffer has device-writable "
                     "descriptors");
        return VNL_TX_BROKEN;
    }
    if (size < hdr_len) {
        virtio_error(vdev, "virtio-net-legacy: TX buffer of %zu bytes has no "
                     "room for the %zu-byte header", size, hdr_len);
        return VNL_TX_BROKEN;
    }
    iov_to_buf(elem->out_sg, elem->out_num, 0, &hdr, sizeof(hdr));
    vnl_hdr_to_host(n, &hdr);
    len = size - hdr_len;
    iov_to_buf(elem->out_sg, elem->out_num, hdr_len, n->tx_head,
               MIN(len, VNL_TX_HEAD_LEN));

    why = vnl_tx_check(n, &hdr, n->tx_head, len, &off);
    if (why) {
        qemu_log_mask(LOG_GUEST_ERROR, "virtio-net-legacy: TX frame of %zu "
                      "bytes dropped: %s\n", len, why);
        n->stats.tx_bad_offload += hdr.gso_type || hdr.flags;
    } else if (nc->link_down) {
        why = "link down";
    }
    if (why) {
        n->stats.tx_dropped++;
        trace_virtio_net_legacy_tx_drop(why, len);
        return VNL_TX_DONE;
    }

    trace_virtio_net_legacy_tx_frame(len, off.needs_csum, off.gso_type,
                                     off.gso_size);
    if (n->peer_hdr_len) {
        ret = vnl_tx_with_hdr(n, elem, &off, len);
    } else if (nsw_offload_needed(&off)) {
        ret = vnl_tx_done_here(n, elem, &off, len);
    } else {
        unsigned int sg_num = iov_copy(n->tx_sg, ARRAY_SIZE(n->tx_sg),
                                       elem->out_sg, elem->out_num,
                                       hdr_len, len);

        ret = qemu_sendv_packet_async(nc, n->tx_sg, sg_num, vnl_tx_complete);
    }
    n->stats.tx_frames++;
    return ret == 0 ? VNL_TX_QUEUED : VNL_TX_DONE;
}

/*
 * Send up to tx_burst frames.  Returns how many, -EBUSY while the peer
 * holds a queued frame of ours, -EINVAL when the device broke.
 */
static int vnl_tx_flush(VirtIONetLegacy *n)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(n);
    int count = 0;

    if (n->tx_async_elem) {
        return -EBUSY;
    }
    while (count < n->tx_burst) {
        VirtQueueElement *elem = virtqueue_pop(n->tx_vq, sizeof(*elem));

        if (!elem) {
            break;
        }
        switch (vnl_tx_one(n, elem)) {
        case VNL_TX_DONE:
            virtqueue_push(n->tx_vq, elem, 0);
            g_free(elem);
            count++;
            break;
        case VNL_TX_QUEUED:
            n->tx_async_elem = elem;
            n->stats.tx_peer_waits++;
            if (count) {
                virtio_notify(vdev, n->tx_vq);
            }
            trace_virtio_net_legacy_tx_batch(count + 1, "peer busy");
            return -EBUSY;
        case VNL_TX_BROKEN:
            virtqueue_detach_element(n->tx_vq, elem, 0);
            g_free(elem);
            return -EINVAL;
        }
    }
    if (count) {
        virtio_notify(vdev, n->tx_vq);
        trace_virtio_net_legacy_tx_batch(count, count == n->tx_burst ?
                                         "burst limit" : "ring empty");
    }
    return count;
}

static void vnl_tx_bh(void *opaque)
{
    VirtIONetLegacy *n = opaque;
    int ret;

    if (!vnl_running(n)) {
        return;     /* tx_waiting stays: set_status reschedules us */
    }
    ret = vnl_tx_flush(n);
    if (ret < 0) {
        return;     /* vnl_tx_complete() or a reset restarts us */
    }
    if (ret >= n->tx_burst) {
        /* Let the rest of QEMU run before the next batch */
        qemu_bh_schedule(n->tx_bh);
        return;
    }
    /*
     * The ring looked empty: take kicks again, then look once more, for
     * the guest may have added frames before it saw kicks enabled.
     */
    virtio_queue_set_notification(n->tx_vq, 1);
    ret = vnl_tx_flush(n);
    if (ret == -EBUSY || ret > 0) {
        virtio_queue_set_notification(n->tx_vq, 0);
        if (ret > 0) {
            qemu_bh_schedule(n->tx_bh);
        }
        return;
    }
    n->tx_waiting = false;
}

/* The peer took (or purged) the frame it had queued */
static void vnl_tx_complete(NetClientState *nc, ssize_t len)
{
    VirtIONetLegacy *n = qemu_get_nic_opaque(nc);
    VirtIODevice *vdev = VIRTIO_DEVICE(n);

    if (n->tx_async_elem) {
        virtqueue_push(n->tx_vq, n->tx_async_elem, 0);
        virtio_notify(vdev, n->tx_vq);
        g_free(n->tx_async_elem);
        n->tx_async_elem = NULL;
    }
    vnl_tx_schedule(n);
}

static void vnl_handle_tx(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIONetLegacy *n = VIRTIO_NET_LEGACY(vdev);

    if (!n->tx_waiting) {
        vnl_tx_schedule(n);
    }
}

/* Forget TX in flight: on reset and unrealize, when the ring goes away */
static void vnl_tx_cancel(VirtIONetLegacy *n)
{
    if (n->tx_async_elem) {
        virtqueue_detach_element(n->tx_vq, n->tx_async_elem, 0);
        g_free(n->tx_async_elem);
        n->tx_async_elem = NULL;
    }
    /* Drops our frame from the peer's queue; vnl_tx_complete() is called */
    qemu_purge_queued_packets(vnl_nc(n));
    qemu_bh_cancel(n->tx_bh);
    n->tx_waiting = false;
}

/* ---- RX ---------------------------------------------------------------- */

static bool vnl_vlan_allowed(VirtIONetLegacy *n, uint16_t vid)
{
    return n->vlans[vid / 32] & (1U << (vid % 32));
}

static bool vnl_mac_listed(const VirtIONetLegacyMacList *list,
                           const uint8_t *mac)
{
    for (uint32_t i = 0; i < list->count; i++) {
        if (!memcmp(&list->macs[i * ETH_ALEN], mac, ETH_ALEN)) {
            return true;
        }
    }
    return false;
}

/* Why the receive filter rejects a frame (of at least ETH_HLEN), or NULL */
static const char *vnl_rx_filter(VirtIONetLegacy *n, const uint8_t *buf,
                                 size_t size)
{
    /* Bytes, not struct eth_header: a frame may start at any address */
    const uint8_t *dst = buf;

    if (n->promisc) {
        return NULL;
    }
    if (vnl_has(n, VIRTIO_NET_F_CTRL_VLAN) &&
        size >= ETH_HLEN + sizeof(struct vlan_header) &&
        lduw_be_p(buf + offsetof(struct eth_header, h_proto)) == ETH_P_VLAN &&
        !vnl_vlan_allowed(n, lduw_be_p(buf + ETH_HLEN) & 0xfff)) {
        return "vlan";
    }
    if (is_broadcast_ether_addr(dst)) {
        return n->nobcast ? "broadcast" : NULL;
    }
    if (is_multicast_ether_addr(dst)) {
        if (n->nomulti) {
            return "multicast";
        }
        if (n->allmulti || n->multi.overflow ||
            vnl_mac_listed(&n->multi, dst)) {
            return NULL;
        }
        return "multicast";
    }
    if (n->nouni) {
        return "unicast";
    }
    if (n->alluni || n->uni.overflow || !memcmp(dst, n->mac, ETH_ALEN) ||
        vnl_mac_listed(&n->uni, dst)) {
        return NULL;
    }
    return "unicast";
}

/*
 * Whether a frame's TCP or UDP checksum is there and right: only then may
 * the guest skip checking it (DATA_VALID).  Fragments, IPv6 extension
 * headers and UDP without a checksum are left to the guest.
 */
static bool vnl_rx_csum_valid(const uint8_t *buf, size_t size)
{
    struct iovec iov = { .iov_base = (void *)buf, .iov_len = size };
    bool hasip4, hasip6;
    size_t l3off, l4off, l5off, l4len;
    eth_ip6_hdr_info ip6;
    eth_ip4_hdr_info ip4;
    eth_l4_hdr_info l4;
    uint32_t sum, cso;

    eth_get_protocols(&iov, 1, 0, &hasip4, &hasip6, &l3off, &l4off, &l5off,
                      &ip6, &ip4, &l4);
    if (l4.proto != ETH_L4_HDR_PROTO_TCP && l4.proto != ETH_L4_HDR_PROTO_UDP) {
        return false;
    }
    if (hasip4) {
        size_t ip_len = be16_to_cpu(ip4.ip4_hdr.ip_len);
        size_t ip_hdr_len = l4off - l3off;

        if (ip_hdr_len < sizeof(struct ip_header) || ip_len < ip_hdr_len ||
            l3off + ip_len > size) {
            return false;
        }
        l4len = ip_len - ip_hdr_len;
        sum = eth_calc_ip4_pseudo_hdr_csum(&ip4.ip4_hdr, l4len, &cso);
    } else if (hasip6 && !ip6.has_ext_hdrs) {
        l4len = be16_to_cpu(ip6.ip6_hdr.ip6_plen);
        if (l4off + l4len > size) {
            return false;
        }
        sum = eth_calc_ip6_pseudo_hdr_csum(&ip6.ip6_hdr, l4len, ip6.l4proto,
                                           &cso);
    } else {
        return false;
    }
    if (l4.proto == ETH_L4_HDR_PROTO_UDP && l4.hdr.udp.uh_sum == 0) {
        return false;
    }
    sum += net_checksum_add(l4len, (uint8_t *)buf + l4off);
    return net_checksum_finish(sum) == 0;
}

/* The header flags for a received frame */
static uint8_t vnl_rx_hdr_flags(VirtIONetLegacy *n, const uint8_t *buf,
                                size_t size)
{
    if (vnl_has(n, VIRTIO_NET_F_GUEST_CSUM) && vnl_rx_csum_valid(buf, size)) {
        n->stats.rx_csum_valid++;
        return VIRTIO_NET_HDR_F_DATA_VALID;
    }
    return 0;
}

/*
 * The header the guest gets for a frame: what the peer's header (@peer,
 * host byte order) says, in the guest's, when the guest negotiated it.
 * NULL, or why the guest cannot take the frame.  The peer was told what
 * the guest takes (vnl_peer_setup()), so that is a peer's bug.
 */
static const char *vnl_rx_guest_hdr(VirtIONetLegacy *n,
                                    const struct virtio_net_hdr *peer,
                                    const uint8_t *buf, size_t size,
                                    struct virtio_net_hdr *hdr)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(n);
    uint8_t gso = peer->gso_type & ~VIRTIO_NET_HDR_GSO_ECN;

    memset(hdr, 0, sizeof(*hdr));
    if (!(peer->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)) {
        hdr->flags = vnl_rx_hdr_flags(n, buf, size);
        return gso ? "super-frame without a partial checksum" : NULL;
    }
    if (!vnl_has(n, VIRTIO_NET_F_GUEST_CSUM)) {
        return "partial checksum, GUEST_CSUM not negotiated";
    }
    if ((gso == VIRTIO_NET_HDR_GSO_TCPV4 &&
         !vnl_has(n, VIRTIO_NET_F_GUEST_TSO4)) ||
        (gso == VIRTIO_NET_HDR_GSO_TCPV6 &&
         !vnl_has(n, VIRTIO_NET_F_GUEST_TSO6)) ||
        (gso != VIRTIO_NET_HDR_GSO_NONE && gso != VIRTIO_NET_HDR_GSO_TCPV4 &&
         gso != VIRTIO_NET_HDR_GSO_TCPV6) ||
        ((peer->gso_type & VIRTIO_NET_HDR_GSO_ECN) &&
         !vnl_has(n, VIRTIO_NET_F_GUEST_ECN))) {
        return "super-frame the guest did not negotiate";
    }
    hdr->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
    hdr->gso_type = peer->gso_type;
    virtio_stw_p(vdev, &hdr->hdr_len, peer->hdr_len);
    virtio_stw_p(vdev, &hdr->gso_size, peer->gso_size);
    virtio_stw_p(vdev, &hdr->csum_start, peer->csum_start);
    virtio_stw_p(vdev, &hdr->csum_offset, peer->csum_offset);
    if (gso) {
        n->stats.rx_gso++;
    }
    return NULL;
}

/*
 * Whether the RX ring has a buffer (bytes == 0) or room for @bytes.  Guest
 * kicks are wanted only while it has not: then a kick means new buffers.
 */
static bool vnl_rx_has_room(VirtIONetLegacy *n, size_t bytes)
{
    VirtQueue *vq = n->rx_vq;

    if (virtio_queue_empty(vq) ||
        (bytes && !virtqueue_avail_bytes(vq, bytes, 0))) {
        virtio_queue_set_notification(vq, 1);
        /* Buffers the guest added before it saw kicks enabled */
        if (virtio_queue_empty(vq) ||
            (bytes && !virtqueue_avail_bytes(vq, bytes, 0))) {
            return false;
        }
    }
    virtio_queue_set_notification(vq, 0);
    return true;
}

/*
 * Whether the driver has made every entry of the RX ring available.  It
 * can then add no buffer before we use one, so a frame the ring has no
 * room for now never fits.
 */
static bool vnl_rx_ring_full(VirtIONetLegacy *n)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(n);
    int q = virtio_get_queue_index(n->rx_vq);
    /* The avail ring starts with two 16-bit words: flags, then idx */
    hwaddr idx_addr = virtio_queue_get_avail_addr(vdev, q) + sizeof(uint16_t);
    uint16_t avail = virtio_lduw_phys(vdev, idx_addr) -
                     virtio_queue_get_last_avail_idx(vdev, q);

    return avail >= virtio_queue_get_num(vdev, q);
}

static ssize_t vnl_rx_drop(VirtIONetLegacy *n, const char *why, size_t size)
{
    n->stats.rx_dropped++;
    trace_virtio_net_legacy_rx_drop(why, size);
    return size;
}

/* Without MRG_RXBUF: the frame and a 10-byte header in one buffer */
static ssize_t vnl_rx_single(VirtIONetLegacy *n,
                             const struct virtio_net_hdr *hdr,
                             const uint8_t *buf, size_t size)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(n);
    size_t hdr_len = sizeof(*hdr);
    VirtQueueElement *elem;
    size_t room;

    elem = virtqueue_pop(n->rx_vq, sizeof(*elem));
    if (!elem) {
        return vnl_rx_drop(n, "no buffer", size);
    }
    room = iov_size(elem->in_sg, elem->in_num);
    if (elem->out_num || room < hdr_len) {
        virtio_error(vdev, "virtio-net-legacy: RX buffer %s",
                     elem->out_num ? "has device-readable descriptors" :
                     "has no room for the header");
        virtqueue_detach_element(n->rx_vq, elem, 0);
        g_free(elem);
        return vnl_rx_drop(n, "bad buffer", size);
    }
    if (room < hdr_len + size) {
        /* The guest keeps the buffer; smaller frames may still use it */
        qemu_log_mask(LOG_GUEST_ERROR, "virtio-net-legacy: RX buffer of %zu "
                      "bytes cannot hold a %zu-byte frame (no MRG_RXBUF)\n",
                      room, size);
        virtqueue_unpop(n->rx_vq, elem, 0);
        g_free(elem);
        return vnl_rx_drop(n, "buffer too small", size);
    }

    iov_from_buf(elem->in_sg, elem->in_num, 0, hdr, hdr_len);
    iov_from_buf(elem->in_sg, elem->in_num, hdr_len, buf, size);
    virtqueue_push(n->rx_vq, elem, hdr_len + size);
    virtio_notify(vdev, n->rx_vq);
    g_free(elem);
    n->stats.rx_frames++;
    trace_virtio_net_legacy_rx_frame(size, 1, hdr->flags, hdr->gso_type);
    return size;
}

/*
 * With MRG_RXBUF: the 12-byte header then the frame, spread over as many
 * buffers as needed.  vnl_rx_has_room() saw room for all of it; if the
 * guest took buffers back meanwhile, or one is malformed, the buffers go
 * back to the ring unused and the frame is dropped.
 */
static ssize_t vnl_rx_merge(VirtIONetLegacy *n,
                            const struct virtio_net_hdr *ghdr,
                            const uint8_t *buf, size_t size)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(n);
    struct virtio_net_hdr_mrg_rxbuf hdr = { .hdr = *ghdr };
    size_t hdr_len = sizeof(hdr);
    size_t copied = 0;
    unsigned int count = 0;
    const char *why = NULL;

    while (copied < size) {
        VirtQueueElement *elem;
        size_t room, skip, chunk;

        if (count == ARRAY_SIZE(n->rx_elems)) {
            why = "too many buffers";
            break;
        }
        elem = virtqueue_pop(n->rx_vq, sizeof(*elem));
        if (!elem) {
            why = "out of buffers";
            break;
        }
        n->rx_elems[count++] = elem;
        room = iov_size(elem->in_sg, elem->in_num);
        if (elem->out_num || room < hdr_len) {
            /* Every merged buffer must hold at least a header (spec 5.1.6.3) */
            virtio_error(vdev, "virtio-net-legacy: merged RX buffer %s",
                         elem->out_num ? "has device-readable descriptors" :
                         "is smaller than the header");
            why = "bad buffer";
            break;
        }
        skip = count == 1 ? hdr_len : 0;
        chunk = MIN(room - skip, size - copied);
        iov_from_buf(elem->in_sg, elem->in_num, skip, buf + copied, chunk);
        n->rx_lens[count - 1] = skip + chunk;
        copied += chunk;
    }

    if (why) {
        while (count) {
            count--;
            virtqueue_unpop(n->rx_vq, n->rx_elems[count], 0);
            g_free(n->rx_elems[count]);
        }
        return vnl_rx_drop(n, why, size);
    }

    virtio_stw_p(vdev, &hdr.num_buffers, count);
    iov_from_buf(n->rx_elems[0]->in_sg, n->rx_elems[0]->in_num, 0,
                 &hdr, hdr_len);
    for (unsigned int i = 0; i < count; i++) {
        virtqueue_fill(n->rx_vq, n->rx_elems[i], n->rx_lens[i], i);
        g_free(n->rx_elems[i]);
    }
    virtqueue_flush(n->rx_vq, count);
    virtio_notify(vdev, n->rx_vq);
    n->stats.rx_frames++;
    trace_virtio_net_legacy_rx_frame(size, count, hdr.hdr.flags,
                                     hdr.hdr.gso_type);
    return size;
}

static bool vnl_rx_ready(VirtIONetLegacy *n)
{
    return n->driver_ok && !VIRTIO_DEVICE(n)->broken &&
           virtio_queue_ready(n->rx_vq);
}

static bool vnl_can_receive(NetClientState *nc)
{
    VirtIONetLegacy *n = qemu_get_nic_opaque(nc);

    if (!VIRTIO_DEVICE(n)->vm_running) {
        return false;
    }
    if (!vnl_rx_ready(n)) {
        return true;    /* like a NIC whose receiver is off: drop, count */
    }
    return vnl_rx_has_room(n, 0);
}

static ssize_t vnl_receive(NetClientState *nc, const uint8_t *buf, size_t size)
{
    VirtIONetLegacy *n = qemu_get_nic_opaque(nc);
    struct virtio_net_hdr peer_hdr = { 0 }, hdr;
    size_t peer_hdr_len = n->peer_hdr_len;
    const char *why;
    bool merge;

    if (!VIRTIO_DEVICE(n)->vm_running) {
        return 0;       /* guest memory is frozen: wait */
    }
    if (!vnl_rx_ready(n)) {
        return vnl_rx_drop(n, "device not ready", size);
    }
    if (size < peer_hdr_len + ETH_HLEN) {
        return vnl_rx_drop(n, "runt", size);
    }
    if (peer_hdr_len) {
        /* The peer's header, in the host's byte order, then the frame */
        memcpy(&peer_hdr, buf, sizeof(peer_hdr));
        buf += peer_hdr_len;
        size -= peer_hdr_len;
    }
    why = vnl_rx_filter(n, buf, size);
    if (why) {
        n->stats.rx_filtered++;
        trace_virtio_net_legacy_rx_filtered(why, size);
        return size + peer_hdr_len;
    }
    why = vnl_rx_guest_hdr(n, &peer_hdr, buf, size, &hdr);
    if (why) {
        return vnl_rx_drop(n, why, size) + peer_hdr_len;
    }
    merge = vnl_has(n, VIRTIO_NET_F_MRG_RXBUF);
    if (!vnl_rx_has_room(n, merge ? vnl_hdr_len(n) + size : 0)) {
        if (merge && vnl_rx_ring_full(n)) {
            /* Waiting would stall every frame behind this one for good */
            qemu_log_mask(LOG_GUEST_ERROR, "virtio-net-legacy: a %zu-byte "
                          "frame cannot fit the full RX ring: dropped\n",
                          size);
            return vnl_rx_drop(n, "larger than the whole RX ring", size) +
                   peer_hdr_len;
        }
        trace_virtio_net_legacy_rx_wait(size);
        return 0;       /* queued; the guest's next RX kick flushes it */
    }
    return peer_hdr_len + (merge ? vnl_rx_merge(n, &hdr, buf, size) :
                                   vnl_rx_single(n, &hdr, buf, size));
}

static void vnl_handle_rx(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIONetLegacy *n = VIRTIO_NET_LEGACY(vdev);

    /* New buffers: deliver the frames that waited for them */
    trace_virtio_net_legacy_rx_kick();
    qemu_flush_queued_packets(vnl_nc(n));
}

/* ---- Control queue ----------------------------------------------------- */

/* The data of a command: @len bytes at @off of the driver's buffers */
typedef struct VNLCtrlData {
    const struct iovec *iov;
    unsigned int iov_cnt;
    size_t off;
    size_t len;
} VNLCtrlData;

static uint8_t vnl_ctrl_rx(VirtIONetLegacy *n, uint8_t cmd,
                           const VNLCtrlData *d)
{
    bool *mode;
    uint8_t on;

    if (!vnl_has(n, VIRTIO_NET_F_CTRL_RX)) {
        return VIRTIO_NET_ERR;
    }
    switch (cmd) {
    case VIRTIO_NET_CTRL_RX_PROMISC:
        mode = &n->promisc;
        break;
    case VIRTIO_NET_CTRL_RX_ALLMULTI:
        mode = &n->allmulti;
        break;
    case VIRTIO_NET_CTRL_RX_ALLUNI:
        mode = &n->alluni;
        break;
    case VIRTIO_NET_CTRL_RX_NOMULTI:
        mode = &n->nomulti;
        break;
    case VIRTIO_NET_CTRL_RX_NOUNI:
        mode = &n->nouni;
        break;
    case VIRTIO_NET_CTRL_RX_NOBCAST:
        mode = &n->nobcast;
        break;
    default:
        return VIRTIO_NET_ERR;
    }
    if (cmd > VIRTIO_NET_CTRL_RX_ALLMULTI &&
        !vnl_has(n, VIRTIO_NET_F_CTRL_RX_EXTRA)) {
        return VIRTIO_NET_ERR;
    }
    if (d->len != sizeof(on)) {
        return VIRTIO_NET_ERR;
    }
    iov_to_buf(d->iov, d->iov_cnt, d->off, &on, sizeof(on));
    *mode = on;
    return VIRTIO_NET_OK;
}

/* One list of a MAC_TABLE_SET: a guest-endian count, then the addresses */
static bool vnl_parse_mac_list(VirtIONetLegacy *n, const VNLCtrlData *d,
                               size_t *pos, VirtIONetLegacyMacList *list)
{
    uint32_t entries;
    uint64_t bytes;

    if (d->len - *pos < sizeof(entries)) {
        return false;
    }
    iov_to_buf(d->iov, d->iov_cnt, d->off + *pos, &entries, sizeof(entries));
    entries = virtio_ldl_p(VIRTIO_DEVICE(n), &entries);
    *pos += sizeof(entries);

    bytes = (uint64_t)entries * ETH_ALEN;
    if (bytes > d->len - *pos) {
        return false;
    }
    memset(list, 0, sizeof(*list));
    if (entries > VNL_MAC_TABLE_ENTRIES) {
        list->overflow = true;
    } else {
        iov_to_buf(d->iov, d->iov_cnt, d->off + *pos, list->macs, bytes);
        list->count = entries;
    }
    *pos += bytes;
    return true;
}

static uint8_t vnl_ctrl_mac(VirtIONetLegacy *n, uint8_t cmd,
                            const VNLCtrlData *d)
{
    VirtIONetLegacyMacList uni, multi;
    size_t pos = 0;

    switch (cmd) {
    case VIRTIO_NET_CTRL_MAC_ADDR_SET:
        if (!vnl_has(n, VIRTIO_NET_F_CTRL_MAC_ADDR) || d->len != ETH_ALEN) {
            return VIRTIO_NET_ERR;
        }
        iov_to_buf(d->iov, d->iov_cnt, d->off, n->mac, ETH_ALEN);
        qemu_format_nic_info_str(vnl_nc(n), n->mac);
        return VIRTIO_NET_OK;
    case VIRTIO_NET_CTRL_MAC_TABLE_SET:
        if (!vnl_has(n, VIRTIO_NET_F_CTRL_RX)) {
            return VIRTIO_NET_ERR;
        }
        /* All or nothing: parse both lists before touching the table */
        if (!vnl_parse_mac_list(n, d, &pos, &uni) ||
            !vnl_parse_mac_list(n, d, &pos, &multi) || pos != d->len) {
            return VIRTIO_NET_ERR;
        }
        n->uni = uni;
        n->multi = multi;
        return VIRTIO_NET_OK;
    default:
        return VIRTIO_NET_ERR;
    }
}

static uint8_t vnl_ctrl_vlan(VirtIONetLegacy *n, uint8_t cmd,
                             const VNLCtrlData *d)
{
    uint16_t vid;

    if (!vnl_has(n, VIRTIO_NET_F_CTRL_VLAN) || d->len != sizeof(vid)) {
        return VIRTIO_NET_ERR;
    }
    iov_to_buf(d->iov, d->iov_cnt, d->off, &vid, sizeof(vid));
    vid = virtio_lduw_p(VIRTIO_DEVICE(n), &vid);
    if (vid >= VNL_VLAN_IDS) {
        return VIRTIO_NET_ERR;
    }
    switch (cmd) {
    case VIRTIO_NET_CTRL_VLAN_ADD:
        n->vlans[vid / 32] |= 1U << (vid % 32);
        return VIRTIO_NET_OK;
    case VIRTIO_NET_CTRL_VLAN_DEL:
        n->vlans[vid / 32] &= ~(1U << (vid % 32));
        return VIRTIO_NET_OK;
    default:
        return VIRTIO_NET_ERR;
    }
}

static uint8_t vnl_ctrl_announce(VirtIONetLegacy *n, uint8_t cmd,
                                 const VNLCtrlData *d)
{
    if (!vnl_has(n, VIRTIO_NET_F_GUEST_ANNOUNCE) ||
        cmd != VIRTIO_NET_CTRL_ANNOUNCE_ACK || d->len) {
        return VIRTIO_NET_ERR;
    }
    n->status &= ~VIRTIO_NET_S_ANNOUNCE;
    return VIRTIO_NET_OK;
}

static uint8_t vnl_ctrl_command(VirtIONetLegacy *n, const struct iovec *iov,
                                unsigned int iov_cnt)
{
    struct virtio_net_ctrl_hdr ctrl;
    VNLCtrlData d = {
        .iov = iov,
        .iov_cnt = iov_cnt,
        .off = sizeof(ctrl),
        .len = iov_size(iov, iov_cnt) - sizeof(ctrl),
    };
    uint8_t ack;

    iov_to_buf(iov, iov_cnt, 0, &ctrl, sizeof(ctrl));
    switch (ctrl.class) {
    case VIRTIO_NET_CTRL_RX:
        ack = vnl_ctrl_rx(n, ctrl.cmd, &d);
        break;
    case VIRTIO_NET_CTRL_MAC:
        ack = vnl_ctrl_mac(n, ctrl.cmd, &d);
        break;
    case VIRTIO_NET_CTRL_VLAN:
        ack = vnl_ctrl_vlan(n, ctrl.cmd, &d);
        break;
    case VIRTIO_NET_CTRL_ANNOUNCE:
        ack = vnl_ctrl_announce(n, ctrl.cmd, &d);
        break;
    default:
        ack = VIRTIO_NET_ERR;
        break;
    }
    trace_virtio_net_legacy_ctrl(ctrl.class, ctrl.cmd, d.len, ack);
    if (ack == VIRTIO_NET_OK && ctrl.class != VIRTIO_NET_CTRL_ANNOUNCE) {
        vnl_rxfilter_notify(n);
    }
    return ack;
}

static void vnl_handle_ctrl(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIONetLegacy *n = VIRTIO_NET_LEGACY(vdev);
    VirtQueueElement *elem;

    while ((elem = virtqueue_pop(vq, sizeof(*elem)))) {
        uint8_t ack;

        if (iov_size(elem->in_sg, elem->in_num) < sizeof(ack) ||
            iov_size(elem->out_sg, elem->out_num) <
            sizeof(struct virtio_net_ctrl_hdr)) {
            virtio_error(vdev, "virtio-net-legacy: control command without "
                         "a header or without room for the ack");
            virtqueue_detach_element(vq, elem, 0);
            g_free(elem);
            return;
        }
        ack = vnl_ctrl_command(n, elem->out_sg, elem->out_num);
        iov_from_buf(elem->in_sg, elem->in_num, 0, &ack, sizeof(ack));
        virtqueue_push(vq, elem, sizeof(ack));
        virtio_notify(vdev, vq);
        g_free(elem);
    }
}

/* ---- Link, announce, rx-filter query ---------------------------------- */

static void vnl_link_status_changed(NetClientState *nc)
{
    VirtIONetLegacy *n = qemu_get_nic_opaque(nc);
    uint16_t old = n->status;

    if (nc->link_down) {
        n->status &= ~VIRTIO_NET_S_LINK_UP;
    } else {
        n->status |= VIRTIO_NET_S_LINK_UP;
    }
    if (n->status != old) {
        trace_virtio_net_legacy_link(!nc->link_down);
        if (vnl_has(n, VIRTIO_NET_F_STATUS)) {
            virtio_notify_config(VIRTIO_DEVICE(n));
        }
    }
}

/* qemu_announce_self() (after migration, or QMP announce-self) */
static void vnl_announce(NetClientState *nc)
{
    VirtIONetLegacy *n = qemu_get_nic_opaque(nc);

    if (vnl_has(n, VIRTIO_NET_F_GUEST_ANNOUNCE) &&
        vnl_has(n, VIRTIO_NET_F_CTRL_VQ)) {
        trace_virtio_net_legacy_announce();
        n->status |= VIRTIO_NET_S_ANNOUNCE;
        virtio_notify_config(VIRTIO_DEVICE(n));
    }
}

static strList *vnl_mac_strlist(const VirtIONetLegacyMacList *list)
{
    strList *head = NULL, **tail = &head;

    for (uint32_t i = 0; i < list->count; i++) {
        QAPI_LIST_APPEND(tail,
                         qemu_mac_strdup_printf(&list->macs[i * ETH_ALEN]));
    }
    return head;
}

static RxState vnl_rx_state(bool none, bool all)
{
    return none ? RX_STATE_NONE : all ? RX_STATE_ALL : RX_STATE_NORMAL;
}

static RxFilterInfo *vnl_query_rx_filter(NetClientState *nc)
{
    VirtIONetLegacy *n = qemu_get_nic_opaque(nc);
    RxFilterInfo *info = g_new0(RxFilterInfo, 1);
    intList **vlan_tail = &info->vlan_table;

    info->name = g_strdup(nc->name);
    info->promiscuous = n->promisc;
    info->unicast = vnl_rx_state(n->nouni, n->alluni);
    info->multicast = vnl_rx_state(n->nomulti, n->allmulti);
    info->broadcast_allowed = !n->nobcast;
    info->unicast_overflow = n->uni.overflow;
    info->multicast_overflow = n->multi.overflow;
    info->main_mac = qemu_mac_strdup_printf(n->mac);
    info->unicast_table = vnl_mac_strlist(&n->uni);
    info->multicast_table = vnl_mac_strlist(&n->multi);
    if (vnl_has(n, VIRTIO_NET_F_CTRL_VLAN)) {
        info->vlan = RX_STATE_NORMAL;
        for (int vid = 0; vid < VNL_VLAN_IDS; vid++) {
            if (vnl_vlan_allowed(n, vid)) {
                QAPI_LIST_APPEND(vlan_tail, vid);
            }
        }
    } else {
        info->vlan = RX_STATE_ALL;
    }
    /* The next change may be signalled again */
    nc->rxfilter_notify_enabled = 1;
    return info;
}

static NetClientInfo vnl_net_info = {
    .type = NET_CLIENT_DRIVER_NIC,
    .size = sizeof(NICState),
    .can_receive = vnl_can_receive,
    .receive = vnl_receive,
    .link_status_changed = vnl_link_status_changed,
    .query_rx_filter = vnl_query_rx_filter,
    .announce = vnl_announce,
};

/* ---- VirtIODevice ------------------------------------------------------ */

static uint64_t vnl_get_features(VirtIODevice *vdev, uint64_t features,
                                 Error **errp)
{
    VirtIONetLegacy *n = VIRTIO_NET_LEGACY(vdev);

    /* A modern transport (virtio-mmio force-legacy=off) offers VERSION_1 */
    if (virtio_has_feature(features, VIRTIO_F_VERSION_1)) {
        error_setg(errp, "%s is a legacy (virtio 0.9.5) device and cannot "
                   "sit on a modern virtio transport",
                   object_get_typename(OBJECT(vdev)));
        error_append_hint(errp, "Use a legacy transport, e.g. "
                          "-global virtio-mmio.force-legacy=on\n");
        return features;
    }
    features &= ~VNL_MODERN_ONLY_FEATURES;
    features |= n->host_features | BIT_ULL(VIRTIO_NET_F_MAC);
    if (!virtio_has_feature(features, VIRTIO_NET_F_CTRL_VQ)) {
        features &= ~VNL_CTRL_FEATURES;
    }
    if (!virtio_has_feature(features, VIRTIO_NET_F_CTRL_RX)) {
        virtio_clear_feature(&features, VIRTIO_NET_F_CTRL_RX_EXTRA);
    }
    /* Spec 5.1.3.1: TSO needs the matching checksum offload, ECN a TSO */
    if (!virtio_has_feature(features, VIRTIO_NET_F_CSUM)) {
        features &= ~VNL_HOST_GSO_FEATURES;
    }
    if (!virtio_has_feature(features, VIRTIO_NET_F_GUEST_CSUM)) {
        features &= ~VNL_GUEST_GSO_FEATURES;
    }
    if (!virtio_has_feature(features, VIRTIO_NET_F_HOST_TSO4) &&
        !virtio_has_feature(features, VIRTIO_NET_F_HOST_TSO6)) {
        virtio_clear_feature(&features, VIRTIO_NET_F_HOST_ECN);
    }
    if (!virtio_has_feature(features, VIRTIO_NET_F_GUEST_TSO4) &&
        !virtio_has_feature(features, VIRTIO_NET_F_GUEST_TSO6)) {
        virtio_clear_feature(&features, VIRTIO_NET_F_GUEST_ECN);
    }
    return features;
}

/*
 * Tell a peer that takes virtio-net headers (a netswitch port, tap with
 * vnet_hdr) to use our header length, and what the guest takes as it is:
 * it then hands us super-frames and partial checksums only if the guest
 * negotiated them, and segments or completes the rest.  A peer without
 * headers (slirp, socket ...) gets plain frames, made here.  Once set, a
 * peer keeps using headers (tap cannot go back), so after a reset too.
 */
static void vnl_peer_setup(VirtIONetLegacy *n, uint64_t features)
{
    NetClientState *peer = vnl_nc(n)->peer;
    int hdr_len = virtio_has_feature(features, VIRTIO_NET_F_MRG_RXBUF) ?
        sizeof(struct virtio_net_hdr_mrg_rxbuf) : sizeof(struct virtio_net_hdr);
    bool csum = virtio_has_feature(features, VIRTIO_NET_F_GUEST_CSUM);
    bool tso4 = virtio_has_feature(features, VIRTIO_NET_F_GUEST_TSO4);
    bool tso6 = virtio_has_feature(features, VIRTIO_NET_F_GUEST_TSO6);
    bool ecn = virtio_has_feature(features, VIRTIO_NET_F_GUEST_ECN);

    if (!qemu_has_vnet_hdr(peer) || !qemu_has_vnet_hdr_len(peer, hdr_len)) {
        return;
    }
    qemu_set_vnet_hdr_len(peer, hdr_len);
    n->peer_hdr_len = hdr_len;
    qemu_set_offload(peer, csum, tso4, tso6, ecn, 0, 0, 0);
    trace_virtio_net_legacy_peer_offload(hdr_len, csum, tso4, tso6, ecn);
}

static void vnl_set_features(VirtIODevice *vdev, uint64_t features)
{
    VirtIONetLegacy *n = VIRTIO_NET_LEGACY(vdev);

    trace_virtio_net_legacy_set_features(features);
    vnl_peer_setup(n, features);
}

static void vnl_get_config(VirtIODevice *vdev, uint8_t *config)
{
    VirtIONetLegacy *n = VIRTIO_NET_LEGACY(vdev);
    struct virtio_net_config cfg = { 0 };

    memcpy(cfg.mac, n->mac, ETH_ALEN);
    virtio_stw_p(vdev, &cfg.status, n->status);
    memcpy(config, &cfg, VNL_CONFIG_SIZE);
}

static void vnl_set_config(VirtIODevice *vdev, const uint8_t *config)
{
    VirtIONetLegacy *n = VIRTIO_NET_LEGACY(vdev);
    struct virtio_net_config cfg = { 0 };

    /* Legacy drivers without CTRL_MAC_ADDR change the address here */
    memcpy(&cfg, config, VNL_CONFIG_SIZE);
    if (!vnl_has(n, VIRTIO_NET_F_CTRL_MAC_ADDR) &&
        memcmp(cfg.mac, n->mac, ETH_ALEN)) {
        memcpy(n->mac, cfg.mac, ETH_ALEN);
        qemu_format_nic_info_str(vnl_nc(n), n->mac);
    }
}

static void vnl_set_queue_size(VirtIODevice *vdev, VirtQueue *vq, int num)
{
    int i = virtio_get_queue_index(vq);

    /*
     * A legacy ring's avail and used parts follow its descriptors at
     * offsets that depend on its size.  A driver that placed the ring
     * already (iPXE does before it writes any status; so may a fuzzer)
     * laid it out for the size it read then: resizing now would move the
     * avail and used rings away from where the driver keeps them, and
     * leave the core's mapping of them too small.  That ring keeps its
     * size until the next reset.
     */
    if (virtio_queue_get_num(vdev, i) == num ||
        virtio_queue_get_desc_addr(vdev, i)) {
        return;
    }
    virtio_queue_set_num(vdev, i, num);
}

/*
 * Give the rings their configured sizes.  The virtio core of QEMU 10.0.13
 * creates every queue with VIRTQUEUE_MAX_SIZE entries whatever the device
 * asks (a stable fix: see virtio_add_queue()) and returns to that on every
 * reset, so this runs at realize and again when a driver starts after a
 * reset (its first status write, usually ACK before it reads the sizes).
 * Rings the driver placed before that keep the size it saw.  A smaller
 * ring is safe: the core's per-queue arrays keep their maximum size.
 * virtio-mmio still lets its driver pick any size up to the transport's
 * QueueNumMax; legacy PCI has no such choice.
 */
static void vnl_set_queue_sizes(VirtIONetLegacy *n)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(n);

    vnl_set_queue_size(vdev, n->rx_vq, n->rx_queue_size);
    vnl_set_queue_size(vdev, n->tx_vq, n->tx_queue_size);
    vnl_set_queue_size(vdev, n->ctrl_vq, VNL_CTRL_QUEUE_SIZE);
}

/* Called before vdev->status changes, and on VM stop and start */
static void vnl_set_status(VirtIODevice *vdev, uint8_t status)
{
    VirtIONetLegacy *n = VIRTIO_NET_LEGACY(vdev);

    if (!vdev->status && status) {
        vnl_set_queue_sizes(n);     /* a driver starts after a reset */
    }
    n->driver_ok = status & VIRTIO_CONFIG_S_DRIVER_OK;
    trace_virtio_net_legacy_status(status, vnl_running(n));
    if (!vnl_running(n)) {
        qemu_bh_cancel(n->tx_bh);   /* tx_waiting stays for the restart */
        return;
    }
    if (n->tx_waiting) {
        qemu_bh_schedule(n->tx_bh);
    }
    qemu_flush_queued_packets(vnl_nc(n));
}

static void vnl_reset(VirtIODevice *vdev)
{
    VirtIONetLegacy *n = VIRTIO_NET_LEGACY(vdev);

    vnl_tx_cancel(n);
    /*
     * Receive everything until a driver says otherwise with CTRL_RX: a
     * driver without it has no other way to get its multicast frames.
     */
    n->promisc = true;
    n->allmulti = n->alluni = false;
    n->nomulti = n->nouni = n->nobcast = false;
    memset(&n->uni, 0, sizeof(n->uni));
    memset(&n->multi, 0, sizeof(n->multi));
    memset(n->vlans, 0, sizeof(n->vlans));
    n->status &= ~VIRTIO_NET_S_ANNOUNCE;
    memcpy(n->mac, n->nic_conf.macaddr.a, ETH_ALEN);
    qemu_format_nic_info_str(vnl_nc(n), n->mac);
    /* Until a driver negotiates again, the peer sends nothing it must not */
    if (n->peer_hdr_len) {
        qemu_set_offload(vnl_nc(n)->peer, 0, 0, 0, 0, 0, 0, 0);
    }
}

static int vnl_post_load(VirtIODevice *vdev)
{
    VirtIONetLegacy *n = VIRTIO_NET_LEGACY(vdev);

    /* The link state travels in the config space */
    vnl_nc(n)->link_down = !(n->status & VIRTIO_NET_S_LINK_UP);
    /* The peer on this side takes the headers and offloads of the guest */
    vnl_peer_setup(n, vdev->guest_features);
    return 0;
}

static void vnl_realize(DeviceState *dev, Error **errp)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(dev);
    VirtIONetLegacy *n = VIRTIO_NET_LEGACY(dev);
    NetClientState *nc;

    if (!vnl_queue_size_ok(n->rx_queue_size) ||
        !vnl_queue_size_ok(n->tx_queue_size)) {
        error_setg(errp, "rx_queue_size (%u) and tx_queue_size (%u) must be "
                   "powers of 2 between %d and %d", n->rx_queue_size,
                   n->tx_queue_size, VNL_QUEUE_SIZE_MIN, VIRTQUEUE_MAX_SIZE);
        return;
    }
    if (!n->tx_burst) {
        error_setg(errp, "tx_burst must be at least 1");
        return;
    }

    virtio_init(vdev, VIRTIO_ID_NET, VNL_CONFIG_SIZE);
    n->rx_vq = virtio_add_queue(vdev, n->rx_queue_size, vnl_handle_rx);
    n->tx_vq = virtio_add_queue(vdev, n->tx_queue_size, vnl_handle_tx);
    n->ctrl_vq = virtio_add_queue(vdev, VNL_CTRL_QUEUE_SIZE, vnl_handle_ctrl);
    vnl_set_queue_sizes(n);
    n->tx_bh = virtio_bh_new_guarded(dev, vnl_tx_bh, n);
    n->tx_buf = g_malloc(NSW_GSO_MAX_LEN);
    n->seg_buf = g_malloc(VNL_TX_MAX_FRAME);

    qemu_macaddr_default_if_unset(&n->nic_conf.macaddr);
    memcpy(n->mac, n->nic_conf.macaddr.a, ETH_ALEN);
    n->status = VIRTIO_NET_S_LINK_UP;
    n->promisc = true;
    n->nic = qemu_new_nic(&vnl_net_info, &n->nic_conf,
                          n->netclient_type ?: object_get_typename(OBJECT(dev)),
                          n->netclient_name ?: dev->id,
                          vnl_transport_guard(dev), n);
    nc = vnl_nc(n);
    nc->rxfilter_notify_enabled = 1;
    qemu_format_nic_info_str(nc, n->mac);
}

static void vnl_unrealize(DeviceState *dev)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(dev);
    VirtIONetLegacy *n = VIRTIO_NET_LEGACY(dev);

    vnl_tx_cancel(n);
    qemu_del_nic(n->nic);
    qemu_bh_delete(n->tx_bh);
    virtio_delete_queue(n->rx_vq);
    virtio_delete_queue(n->tx_vq);
    virtio_delete_queue(n->ctrl_vq);
    g_free(n->tx_buf);
    g_free(n->seg_buf);
    g_free(n->netclient_name);
    g_free(n->netclient_type);
    n->netclient_name = NULL;
    n->netclient_type = NULL;
    virtio_cleanup(vdev);
}

void virtio_net_legacy_set_netclient_name(VirtIONetLegacy *n,
                                          const char *name,
                                          const char *type)
{
    g_free(n->netclient_name);
    g_free(n->netclient_type);
    n->netclient_name = g_strdup(name);
    n->netclient_type = g_strdup(type);
}

static void vnl_instance_init(Object *obj)
{
    VirtIONetLegacy *n = VIRTIO_NET_LEGACY(obj);
    static const struct {
        const char *name;
        size_t offset;
    } counters[] = {
        { "tx-frames", offsetof(VirtIONetLegacyStats, tx_frames) },
        { "tx-dropped", offsetof(VirtIONetLegacyStats, tx_dropped) },
        { "tx-csum", offsetof(VirtIONetLegacyStats, tx_csum) },
        { "tx-gso", offsetof(VirtIONetLegacyStats, tx_gso) },
        { "tx-segments", offsetof(VirtIONetLegacyStats, tx_segments) },
        { "tx-bad-offload", offsetof(VirtIONetLegacyStats, tx_bad_offload) },
        { "rx-gso", offsetof(VirtIONetLegacyStats, rx_gso) },
        { "tx-peer-waits", offsetof(VirtIONetLegacyStats, tx_peer_waits) },
        { "rx-frames", offsetof(VirtIONetLegacyStats, rx_frames) },
        { "rx-filtered", offsetof(VirtIONetLegacyStats, rx_filtered) },
        { "rx-dropped", offsetof(VirtIONetLegacyStats, rx_dropped) },
        { "rx-csum-valid", offsetof(VirtIONetLegacyStats, rx_csum_valid) },
    };

    for (size_t i = 0; i < ARRAY_SIZE(counters); i++) {
        object_property_add_uint64_ptr(obj, counters[i].name,
                                       (uint64_t *)((uint8_t *)&n->stats +
                                                    counters[i].offset),
                                       OBJ_PROP_FLAG_READ);
    }
    /* -boot n and bootindex= give the device's boot ROM its place */
    device_add_bootindex_property(obj, &n->nic_conf.bootindex, "bootindex",
                                  "/ethernet-phy@0", DEVICE(n));
}

static int vnl_mac_list_post_load(void *opaque, int version_id)
{
    VirtIONetLegacyMacList *list = opaque;

    return list->count <= VNL_MAC_TABLE_ENTRIES ? 0 : -EINVAL;
}

static const VMStateDescription vmstate_vnl_mac_list = {
    .name = "virtio-net-legacy/mac-list",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = vnl_mac_list_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(count, VirtIONetLegacyMacList),
        VMSTATE_BOOL(overflow, VirtIONetLegacyMacList),
        VMSTATE_BUFFER(macs, VirtIONetLegacyMacList),
        VMSTATE_END_OF_LIST()
    },
};

/* Our state, saved by the virtio core after the rings (vdc->vmsd) */
static const VMStateDescription vmstate_vnl_device = {
    .name = "virtio-net-legacy-device",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_BUFFER(mac, VirtIONetLegacy),
        VMSTATE_UINT16(status, VirtIONetLegacy),
        VMSTATE_BOOL(promisc, VirtIONetLegacy),
        VMSTATE_BOOL(allmulti, VirtIONetLegacy),
        VMSTATE_BOOL(alluni, VirtIONetLegacy),
        VMSTATE_BOOL(nomulti, VirtIONetLegacy),
        VMSTATE_BOOL(nouni, VirtIONetLegacy),
        VMSTATE_BOOL(nobcast, VirtIONetLegacy),
        VMSTATE_STRUCT(uni, VirtIONetLegacy, 1, vmstate_vnl_mac_list,
                       VirtIONetLegacyMacList),
        VMSTATE_STRUCT(multi, VirtIONetLegacy, 1, vmstate_vnl_mac_list,
                       VirtIONetLegacyMacList),
        VMSTATE_UINT32_ARRAY(vlans, VirtIONetLegacy, VNL_VLAN_IDS / 32),
        VMSTATE_BOOL(tx_waiting, VirtIONetLegacy),
        VMSTATE_UINT64(stats.tx_frames, VirtIONetLegacy),
        VMSTATE_UINT64(stats.tx_dropped, VirtIONetLegacy),
        VMSTATE_UINT64(stats.tx_csum, VirtIONetLegacy),
        VMSTATE_UINT64(stats.tx_peer_waits, VirtIONetLegacy),
        VMSTATE_UINT64(stats.rx_frames, VirtIONetLegacy),
        VMSTATE_UINT64(stats.rx_filtered, VirtIONetLegacy),
        VMSTATE_UINT64(stats.rx_dropped, VirtIONetLegacy),
        VMSTATE_UINT64(stats.rx_csum_valid, VirtIONetLegacy),
        VMSTATE_END_OF_LIST()
    },
};

/* The device's section: the virtio core's state, which includes ours */
static const VMStateDescription vmstate_vnl = {
    .name = "virtio-net-legacy",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_VIRTIO_DEVICE,
        VMSTATE_END_OF_LIST()
    },
};

static const Property vnl_properties[] = {
    DEFINE_NIC_PROPERTIES(VirtIONetLegacy, nic_conf),
    DEFINE_PROP_UINT16("rx_queue_size", VirtIONetLegacy, rx_queue_size,
                       VNL_QUEUE_SIZE_DEFAULT),
    DEFINE_PROP_UINT16("tx_queue_size", VirtIONetLegacy, tx_queue_size,
                       VNL_QUEUE_SIZE_DEFAULT),
    DEFINE_PROP_UINT32("tx_burst", VirtIONetLegacy, tx_burst,
                       VNL_TX_BURST_DEFAULT),
    DEFINE_PROP_BIT64("csum", VirtIONetLegacy, host_features,
                      VIRTIO_NET_F_CSUM, true),
    DEFINE_PROP_BIT64("guest_csum", VirtIONetLegacy, host_features,
                      VIRTIO_NET_F_GUEST_CSUM, true),
    DEFINE_PROP_BIT64("host_tso4", VirtIONetLegacy, host_features,
                      VIRTIO_NET_F_HOST_TSO4, true),
    DEFINE_PROP_BIT64("host_tso6", VirtIONetLegacy, host_features,
                      VIRTIO_NET_F_HOST_TSO6, true),
    DEFINE_PROP_BIT64("host_ecn", VirtIONetLegacy, host_features,
                      VIRTIO_NET_F_HOST_ECN, true),
    DEFINE_PROP_BIT64("guest_tso4", VirtIONetLegacy, host_features,
                      VIRTIO_NET_F_GUEST_TSO4, true),
    DEFINE_PROP_BIT64("guest_tso6", VirtIONetLegacy, host_features,
                      VIRTIO_NET_F_GUEST_TSO6, true),
    DEFINE_PROP_BIT64("guest_ecn", VirtIONetLegacy, host_features,
                      VIRTIO_NET_F_GUEST_ECN, true),
    DEFINE_PROP_BIT64("mrg_rxbuf", VirtIONetLegacy, host_features,
                      VIRTIO_NET_F_MRG_RXBUF, true),
    DEFINE_PROP_BIT64("status", VirtIONetLegacy, host_features,
                      VIRTIO_NET_F_STATUS, true),
    DEFINE_PROP_BIT64("ctrl_vq", VirtIONetLegacy, host_features,
                      VIRTIO_NET_F_CTRL_VQ, true),
    DEFINE_PROP_BIT64("ctrl_rx", VirtIONetLegacy, host_features,
                      VIRTIO_NET_F_CTRL_RX, true),
    DEFINE_PROP_BIT64("ctrl_rx_extra", VirtIONetLegacy, host_features,
                      VIRTIO_NET_F_CTRL_RX_EXTRA, true),
    DEFINE_PROP_BIT64("ctrl_vlan", VirtIONetLegacy, host_features,
                      VIRTIO_NET_F_CTRL_VLAN, true),
    DEFINE_PROP_BIT64("ctrl_mac_addr", VirtIONetLegacy, host_features,
                      VIRTIO_NET_F_CTRL_MAC_ADDR, true),
    DEFINE_PROP_BIT64("guest_announce", VirtIONetLegacy, host_features,
                      VIRTIO_NET_F_GUEST_ANNOUNCE, true),
};

static void vnl_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    VirtioDeviceClass *vdc = VIRTIO_DEVICE_CLASS(klass);

    device_class_set_props(dc, vnl_properties);
    dc->vmsd = &vmstate_vnl;
    dc->desc = "legacy (virtio 0.9.5) network device";
    set_bit(DEVICE_CATEGORY_NETWORK, dc->categories);
    vdc->realize = vnl_realize;
    vdc->unrealize = vnl_unrealize;
    vdc->get_features = vnl_get_features;
    vdc->set_features = vnl_set_features;
    vdc->get_config = vnl_get_config;
    vdc->set_config = vnl_set_config;
    vdc->set_status = vnl_set_status;
    vdc->reset = vnl_reset;
    vdc->post_load = vnl_post_load;
    vdc->vmsd = &vmstate_vnl_device;
}

static const TypeInfo vnl_info = {
    .name = TYPE_VIRTIO_NET_LEGACY,
    .parent = TYPE_VIRTIO_DEVICE,
    .instance_size = sizeof(VirtIONetLegacy),
    .instance_init = vnl_instance_init,
    .class_init = vnl_class_init,
};

static void vnl_register_types(void)
{
    type_register_static(&vnl_info);
}

type_init(vnl_register_types)
