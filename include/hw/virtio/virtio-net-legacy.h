/*
 * qemu-xnet: a legacy (virtio 0.9.5) network device
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The device itself, virtio-net-legacy-device, plugs into any legacy
 * virtio transport (virtio-mmio with force-legacy=on, the default); the
 * virtio-net-legacy-pci proxy embeds it behind a legacy I/O BAR.
 */

#ifndef HW_VIRTIO_NET_LEGACY_H
#define HW_VIRTIO_NET_LEGACY_H

#include "hw/virtio/virtio.h"
#include "net/net.h"
#include "qom/object.h"

#define TYPE_VIRTIO_NET_LEGACY "virtio-net-legacy-device"
OBJECT_DECLARE_SIMPLE_TYPE(VirtIONetLegacy, VIRTIO_NET_LEGACY)

/* Entries of each receive filter table (unicast and multicast) */
#define VNL_MAC_TABLE_ENTRIES   64
/* 802.1Q VLAN IDs, one bit each */
#define VNL_VLAN_IDS            4096

typedef struct VirtIONetLegacyMacList {
    uint32_t count;
    /* The guest gave more addresses than fit: accept every such address */
    bool overflow;
    uint8_t macs[VNL_MAC_TABLE_ENTRIES * 6];
} VirtIONetLegacyMacList;

/* Counters, readable as QOM properties (qom-get) for tests and debugging */
typedef struct VirtIONetLegacyStats {
    uint64_t tx_frames;
    uint64_t tx_dropped;
    uint64_t tx_csum;
    /* super-frames sent, the segments we cut them into, bad offload headers */
    uint64_t tx_gso;
    uint64_t tx_segments;
    uint64_t tx_bad_offload;
    /* times TX paused because the peer queued a frame (flow control) */
    uint64_t tx_peer_waits;
    uint64_t rx_frames;
    uint64_t rx_filtered;
    uint64_t rx_dropped;
    uint64_t rx_csum_valid;
    /* super-frames received whole (GUEST_TSO4/6) */
    uint64_t rx_gso;
} VirtIONetLegacyStats;

struct VirtIONetLegacy {
    VirtIODevice parent_obj;

    NICState *nic;
    NICConf nic_conf;
    /* NIC name and model: the PCI proxy's id and type when it has one */
    char *netclient_name;
    char *netclient_type;

    VirtQueue *rx_vq;
    VirtQueue *tx_vq;
    VirtQueue *ctrl_vq;
    uint16_t rx_queue_size;
    uint16_t tx_queue_size;
    uint32_t tx_burst;
    uint64_t host_features;

    /* DRIVER_OK as last written by the guest (set_status) */
    bool driver_ok;

    /* TX: a bottom half runs the ring while tx_waiting */
    QEMUBH *tx_bh;
    bool tx_waiting;
    /* The frame the peer queued: its buffer is returned when it is sent */
    VirtQueueElement *tx_async_elem;
    /*
     * Scratch: the frame without its header, as iovec (one more entry for
     * a header to the peer) or linearised; a copy of its first bytes; a
     * segment of it
     */
    struct iovec tx_sg[VIRTQUEUE_MAX_SIZE + 1];
    uint8_t *tx_buf;
    uint8_t tx_head[256];
    uint8_t *seg_buf;
    /*
     * The length of the virtio-net header our peer takes and gives with
     * every frame (qemu_set_vnet_hdr_len()), 0 if it takes none
     */
    int peer_hdr_len;

    /* RX: the buffers one frame is being merged into */
    VirtQueueElement *rx_elems[VIRTQUEUE_MAX_SIZE];
    size_t rx_lens[VIRTQUEUE_MAX_SIZE];

    /* Config space and receive filter: guest visible, migrated */
    uint8_t mac[6];
    uint16_t status;
    bool promisc;
    bool allmulti;
    bool alluni;
    bool nomulti;
    bool nouni;
    bool nobcast;
    VirtIONetLegacyMacList uni;
    VirtIONetLegacyMacList multi;
    uint32_t vlans[VNL_VLAN_IDS / 32];

    VirtIONetLegacyStats stats;
};

/*
 * Name the NIC after a proxy (its id and type), so that set_link and
 * query-rx-filter find it under the name the user gave.  Call before
 * realize.
 */
void virtio_net_legacy_set_netclient_name(VirtIONetLegacy *n,
                                          const char *name,
                                          const char *type);

#endif
