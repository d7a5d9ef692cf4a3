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
    unsigned int offload_caps;  /* NSW_OFFLOAD_*: what the owner takes */
    uint16_t pvid;
    NswVlanSet allowed;
    NswPortStats stats;
    /* Egress: NswPacket references, oldest first */
    GQueue queue;
    size_t queue_bytes;
    unsigned int queue_max_frames;
    size_t queue_max_bytes;
    /* nsw_port_writable() came while the switch was busy */
    bool writable_pending;
    /* Port policies, all off (rate, limit or count 0) by default */
    NswTokenBucket shaper;      /* egress, bytes */
    uint64_t shaper_bps;
    int64_t shaped_until;       /* 0, or when the queue's head may go */
    NswTokenBucket policer;     /* ingress, bytes */
    uint64_t policer_bps;
    NswTokenBucket storm;       /* ingress floods, frames */
    unsigned int max_macs;
    uint8_t (*allowed_macs)[ETH_ALEN];
    unsigned int n_allowed_macs;
    /* Loop protection: MAC moves to this port in the current second */
    int64_t flap_window_ns;
    unsigned int flap_moves;
};

/* A frame that arrived while the switch was busy with another */
typedef struct NswBacklogEntry {
    NswPort *in;
    NswPacket *pkt;
    int64_t now_ns;
} NswBacklogEntry;

struct NswSwitch {
    const NswPolicy *policy;
    NswMacTable *macs;
    GPtrArray *ports;           /* by index; NULL in free slots */
    size_t max_frame_len;
    /* switching a frame or sending a queue: callbacks may come back */
    bool busy;
    GQueue backlog;             /* NswBacklogEntry, oldest first */
    unsigned int writable_pending;  /* ports with writable_pending set */
    unsigned int shaped_waiting;    /* ports with shaped_until set */
    unsigned int flap_limit;
    /* The time of the current call into the switch */
    int64_t now_ns;
    NswPortStats removed;       /* what removed ports counted */
};

static const char *const drop_reason_names[NSW_DROP__MAX] = {
    [NSW_DROP_QUEUE_FULL] = "queue-full",
    [NSW_DROP_VLAN_FILTERED] = "vlan-filtered",
    [NSW_DROP_RUNT] = "runt",
    [NSW_DROP_OVERSIZE] = "oversize",
    [NSW_DROP_INVALID_SOURCE] = "invalid-source",
    [NSW_DROP_LINK_DOWN] = "link-down",
    [NSW_DROP_HAIRPIN] = "hairpin",
    [NSW_DROP_TX_ERROR] = "tx-error",
    [NSW_DROP_POLICED] = "policed",
    [NSW_DROP_STORM] = "storm",
    [NSW_DROP_MAC_LIMIT] = "mac-limit",
    [NSW_DROP_SPOOFED] = "spoofed",
    [NSW_DROP_BAD_OFFLOAD] = "bad-offload",
    [NSW_DROP_VM_MIGRATED] = "vm-migrated",
    [NSW_DROP_VM_STOPPED] = "vm-stopped",
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
    sw->flap_limit = NSW_FLAP_LIMIT_DEFAULT;
    g_queue_init(&sw->backlog);
    return sw;
}

static void backlog_entry_free(NswBacklogEntry *entry)
{
    nsw_packet_unref(entry->pkt);
    g_free(entry);
}

/* Drop @in's frames from the backlog; they were never counted. */
static void backlog_forget_port(NswSwitch *sw, NswPort *in)
{
    GList *l = sw->backlog.head;

    while (l) {
        GList *next = l->next;
        NswBacklogEntry *entry = l->data;

        if (entry->in == in) {
            g_queue_delete_link(&sw->backlog, l);
            backlog_entry_free(entry);
        }
        l = next;
    }
}

/* @port no longer waits for its shaper's timer */
static void shaper_forget(NswPort *port)
{
    if (port->shaped_until) {
        port->shaped_until = 0;
        port->sw->shaped_waiting--;
    }
}

/* Empty @port's queue, counting every frame in it as dropped for @reason */
static void queue_drop_all(NswPort *port, NswDropReason reason)
{
    NswPacket *pkt;

    shaper_forget(port);
    while ((pkt = g_queue_pop_head(&port->queue))) {
        nsw_port_drop_tx(port, reason);
        nsw_packet_unref(pkt);
    }
    port->queue_bytes = 0;
}

static void port_free(NswPort *port)
{
    queue_drop_all(port, NSW_DROP_LINK_DOWN);
    g_free(port->allowed_macs);
    g_free(port->name);
    g_free(port);
}

void nsw_switch_free(NswSwitch *sw)
{
    NswPort *port, *next;

    g_queue_clear_full(&sw->backlog, (GDestroyNotify)backlog_entry_free);
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
    g_queue_init(&port->queue);
    port->queue_max_frames = NSW_QUEUE_DEFAULT_FRAMES;
    port->queue_max_bytes = NSW_QUEUE_DEFAULT_BYTES;
    g_ptr_array_index(sw->ports, port->index) = port;
    return port;
}

static void stats_add(NswPortStats *sum, const NswPortStats *st)
{
    unsigned int i;

    sum->rx_packets += st->rx_packets;
    sum->rx_bytes += st->rx_bytes;
    sum->rx_dropped += st->rx_dropped;
    sum->forwarded += st->forwarded;
    sum->tx_packets += st->tx_packets;
    sum->tx_bytes += st->tx_bytes;
    sum->tx_dropped += st->tx_dropped;
    for (i = 0; i < NSW_DROP__MAX; i++) {
        sum->drops[i] += st->drops[i];
    }
    sum->queue_high_water = MAX(sum->queue_high_water, st->queue_high_water);
    sum->gso_whole += st->gso_whole;
    sum->gso_segmented += st->gso_segmented;
    sum->gso_segments += st->gso_segments;
    sum->gro_acks_thinned += st->gro_acks_thinned;
}

void nsw_port_remove(NswPort *port)
{
    NswSwitch *sw = port->sw;

    g_assert(!sw->busy);
    nsw_mac_table_flush_port(sw->macs, port->index);
    backlog_forget_port(sw, port);
    if (port->writable_pending) {
        sw->writable_pending--;
    }
    queue_drop_all(port, NSW_DROP_LINK_DOWN);
    stats_add(&sw->removed, &port->stats);
    g_ptr_array_index(sw->ports, port->index) = NULL;
    port_free(port);
}

const NswPortStats *nsw_switch_removed_stats(const NswSwitch *sw)
{
    return &sw->removed;
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

void nsw_port_count_acks_thinned(NswPort *port, uint64_t n)
{
    port->stats.gro_acks_thinned += n;
}

void nsw_port_reset_stats(NswPort *port)
{
    memset(&port->stats, 0, sizeof(port->stats));
    port->stats.queue_high_water = g_queue_get_length(&port->queue);
}

void nsw_port_set_queue_limits(NswPort *port, unsigned int max_frames,
                               size_t max_bytes)
{
    g_assert(max_frames >= 1 && max_frames <= NSW_QUEUE_MAX_FRAMES);
    g_assert(max_bytes >= 1 && max_bytes <= NSW_QUEUE_MAX_BYTES);
    port->queue_max_frames = max_frames;
    port->queue_max_bytes = max_bytes;
}

unsigned int nsw_port_queue_max_frames(const NswPort *port)
{
    return port->queue_max_frames;
}

size_t nsw_port_queue_max_bytes(const NswPort *port)
{
    return port->queue_max_bytes;
}

unsigned int nsw_port_queue_len(const NswPort *port)
{
    return port->queue.length;
}

size_t nsw_port_queue_bytes(const NswPort *port)
{
    return port->queue_bytes;
}

void nsw_port_set_offload_caps(NswPort *port, unsigned int caps)
{
    port->offload_caps = caps;
}

unsigned int nsw_port_offload_caps(const NswPort *port)
{
    return port->offload_caps;
}

void nsw_port_set_link(NswPort *port, bool up)
{
    port->link_up = up;
    if (!up) {
        nsw_mac_table_flush_port(port->sw->macs, port->index);
        queue_drop_all(port, NSW_DROP_LINK_DOWN);
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

void nsw_port_set_shaper(NswPort *port, uint64_t rate, uint64_t burst,
                         int64_t now_ns)
{
    g_assert(!rate || (rate >= 8 && rate <= NSW_RATE_MAX));
    port->shaper_bps = rate;
    nsw_tb_init(&port->shaper, DIV_ROUND_UP(rate, 8), burst, now_ns);
    /* What waits goes by the new rate, not the old rate's deadline */
    shaper_forget(port);
    nsw_port_writable(port, now_ns);
}

void nsw_port_get_shaper(const NswPort *port, uint64_t *rate, uint64_t *burst)
{
    *rate = port->shaper_bps;
    *burst = port->shaper.burst;
}

void nsw_port_set_policer(NswPort *port, uint64_t rate, uint64_t burst,
                          int64_t now_ns)
{
    g_assert(!rate || (rate >= 8 && rate <= NSW_RATE_MAX));
    port->policer_bps = rate;
    nsw_tb_init(&port->policer, DIV_ROUND_UP(rate, 8), burst, now_ns);
}

void nsw_port_get_policer(const NswPort *port, uint64_t *rate,
                          uint64_t *burst)
{
    *rate = port->policer_bps;
    *burst = port->policer.burst;
}

void nsw_port_set_storm_limit(NswPort *port, uint64_t pps, int64_t now_ns)
{
    g_assert(pps <= NSW_STORM_MAX_PPS);
    /* a second's worth at once, so that a burst of ARP is not cut short */
    nsw_tb_init(&port->storm, pps, pps, now_ns);
}

uint64_t nsw_port_storm_limit(const NswPort *port)
{
    return port->storm.rate;
}

void nsw_port_set_max_macs(NswPort *port, unsigned int max)
{
    port->max_macs = max;
}

unsigned int nsw_port_max_macs(const NswPort *port)
{
    return port->max_macs;
}

void nsw_port_set_allowed_macs(NswPort *port, const uint8_t (*macs)[6],
                               unsigned int n)
{
    g_free(port->allowed_macs);
    port->allowed_macs = n ? g_memdup2(macs, n * sizeof(*macs)) : NULL;
    port->n_allowed_macs = n;
}

unsigned int nsw_port_allowed_macs(const NswPort *port,
                                   const uint8_t (**macs)[6])
{
    *macs = (const uint8_t (*)[6])port->allowed_macs;
    return port->n_allowed_macs;
}

void nsw_switch_set_flap_limit(NswSwitch *sw, unsigned int moves)
{
    sw->flap_limit = moves;
}

unsigned int nsw_switch_flap_limit(const NswSwitch *sw)
{
    return sw->flap_limit;
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

void nsw_port_drop_rx(NswPort *in, NswDropReason reason)
{
    in->stats.rx_dropped++;
    in->stats.drops[reason]++;
}

void nsw_port_drop_tx(NswPort *out, NswDropReason reason)
{
    out->stats.tx_dropped++;
    out->stats.drops[reason]++;
}

void nsw_port_drop_sent(NswPort *port, unsigned int frames, uint64_t bytes,
                        NswDropReason reason)
{
    /* Never below 0, whatever an owner says: the counters stay sane */
    frames = MIN(frames, port->stats.tx_packets);
    bytes = MIN(bytes, port->stats.tx_bytes);
    port->stats.tx_packets -= frames;
    port->stats.tx_bytes -= bytes;
    port->stats.tx_dropped += frames;
    port->stats.drops[reason] += frames;
}

void nsw_port_drop_bad_offload(NswPort *in, size_t len)
{
    in->stats.rx_packets++;
    in->stats.rx_bytes += len;
    nsw_port_drop_rx(in, NSW_DROP_BAD_OFFLOAD);
}

/* The longest @pkt may be: a super-frame's segments keep to the sender's */
static inline size_t max_frame_len(NswSwitch *sw, const NswPacket *pkt)
{
    if (unlikely(pkt->offload) && pkt->offload->gso_type != NSW_GSO_NONE) {
        return MAX(sw->max_frame_len, NSW_GSO_MAX_LEN);
    }
    return sw->max_frame_len;
}

/* Checks every policy wants; false when the frame was dropped. */
static bool input_acceptable(NswSwitch *sw, NswPort *in, const NswPacket *pkt)
{
    size_t len = nsw_packet_len(pkt);

    if (!in->link_up) {
        nsw_port_drop_rx(in, NSW_DROP_LINK_DOWN);
    } else if (len < ETH_HLEN) {
        nsw_port_drop_rx(in, NSW_DROP_RUNT);
    } else if (len > max_frame_len(sw, pkt)) {
        nsw_port_drop_rx(in, NSW_DROP_OVERSIZE);
    } else {
        return true;
    }
    return false;
}

static bool source_allowed(const NswPort *in, const uint8_t *mac)
{
    unsigned int i;

    for (i = 0; i < in->n_allowed_macs; i++) {
        if (!memcmp(in->allowed_macs[i], mac, ETH_ALEN)) {
            return true;
        }
    }
    return false;
}

/* The port's own ingress policies; false when the frame was dropped. */
static bool ingress_admitted(NswPort *in, const NswPacket *pkt,
                             int64_t now_ns)
{
    if (unlikely(in->n_allowed_macs) &&
        !source_allowed(in, nsw_packet_data(pkt) + ETH_ALEN)) {
        nsw_port_drop_rx(in, NSW_DROP_SPOOFED);
        return false;
    }
    if (unlikely(nsw_tb_enabled(&in->policer)) &&
        !nsw_tb_take(&in->policer, nsw_packet_len(pkt), now_ns)) {
        nsw_port_drop_rx(in, NSW_DROP_POLICED);
        return false;
    }
    return true;
}

/* Switch one frame; the switch is busy meanwhile */
static void switch_one(NswSwitch *sw, NswPort *in, NswPacket *pkt,
                       int64_t now_ns)
{
    in->stats.rx_packets++;
    in->stats.rx_bytes += nsw_packet_len(pkt);
    if (input_acceptable(sw, in, pkt) &&
        ingress_admitted(in, pkt, now_ns)) {
        /* Cheap when nothing is due: it only looks at the oldest entry. */
        nsw_mac_table_age(sw->macs, now_ns);
        sw->policy->input(sw, in, pkt, now_ns);
    }
}

static void backlog_append(NswSwitch *sw, NswPort *in, const uint8_t *buf,
                           size_t len, const NswOffload *off, int64_t now_ns)
{
    NswBacklogEntry *entry;

    if (g_queue_get_length(&sw->backlog) >= NSW_BACKLOG_MAX) {
        in->stats.rx_packets++;
        in->stats.rx_bytes += len;
        nsw_port_drop_rx(in, NSW_DROP_QUEUE_FULL);
        return;
    }
    entry = g_new(NswBacklogEntry, 1);
    entry->in = in;
    entry->pkt = nsw_packet_new(buf, len);
    if (off) {
        nsw_packet_set_offload(entry->pkt, off);
    }
    entry->now_ns = now_ns;
    g_queue_push_tail(&sw->backlog, entry);
}

static inline bool port_can_transmit(NswPort *out)
{
    return !out->ops->can_transmit || out->ops->can_transmit(out, out->opaque);
}

/* Count what became of a transmit that was not refused as busy. */
static inline void count_transmit(NswPort *out, NswPacket *pkt, ssize_t ret)
{
    if (ret > 0) {
        out->stats.tx_packets++;
        out->stats.tx_bytes += nsw_packet_len(pkt);
    } else {
        nsw_port_drop_tx(out, NSW_DROP_TX_ERROR);
    }
}

/*
 * May @pkt leave @port now as far as its shaper is concerned?  If not,
 * note when it may, for nsw_switch_next_timer().
 */
static bool shaper_allows(NswPort *port, const NswPacket *pkt)
{
    NswSwitch *sw = port->sw;
    int64_t wait;

    if (likely(!nsw_tb_enabled(&port->shaper))) {
        return true;
    }
    wait = nsw_tb_wait_ns(&port->shaper, nsw_packet_len(pkt), sw->now_ns);
    if (!wait) {
        return true;
    }
    if (!port->shaped_until) {
        sw->shaped_waiting++;
    }
    port->shaped_until = sw->now_ns + wait;
    return false;
}

/* Transmit @pkt on @port; 0 when the port was busy after all */
static ssize_t port_transmit(NswPort *port, NswPacket *pkt)
{
    ssize_t ret = port->ops->transmit(port, pkt, port->opaque);

    if (ret > 0 && unlikely(nsw_tb_enabled(&port->shaper))) {
        nsw_tb_take(&port->shaper, nsw_packet_len(pkt), port->sw->now_ns);
    }
    return ret;
}

/*
 * Send what waits in @port's queue for as long as its owner takes it and
 * its shaper lets it.  Frames that callbacks send meanwhile go to the
 * backlog (the switch is busy), so the loop ends when the queue is empty
 * or the port busy.
 */
static void queue_send(NswPort *port)
{
    NswPacket *pkt;

    while ((pkt = g_queue_peek_head(&port->queue)) && port_can_transmit(port) &&
           shaper_allows(port, pkt)) {
        ssize_t ret = port_transmit(port, pkt);

        if (ret == 0) {
            break;
        }
        g_queue_pop_head(&port->queue);
        port->queue_bytes -= nsw_packet_len(pkt);
        count_transmit(port, pkt, ret);
        nsw_packet_unref(pkt);
    }
}

static void queue_append(NswPort *out, NswPacket *pkt)
{
    size_t len = nsw_packet_len(pkt);
    unsigned int depth = g_queue_get_length(&out->queue);

    if (depth >= out->queue_max_frames ||
        out->queue_bytes + len > out->queue_max_bytes) {
        nsw_port_drop_tx(out, NSW_DROP_QUEUE_FULL);
        return;
    }
    g_queue_push_tail(&out->queue, nsw_packet_ref(pkt));
    out->queue_bytes += len;
    out->stats.queue_high_water = MAX(out->stats.queue_high_water, depth + 1);
}

/* port_output_one() for a port with its link down, a queue or a shaper */
static void port_output_slow(NswPort *out, NswPacket *pkt)
{
    ssize_t ret;

    if (!out->link_up) {
        nsw_port_drop_tx(out, NSW_DROP_LINK_DOWN);
        return;
    }
    if (unlikely(out->queue.length)) {
        /* Behind what waits; the port may have room without having said so */
        queue_append(out, pkt);
        queue_send(out);
        return;
    }
    if (port_can_transmit(out) && shaper_allows(out, pkt)) {
        ret = port_transmit(out, pkt);
        if (ret != 0) {
            count_transmit(out, pkt, ret);
            return;
        }
    }
    queue_append(out, pkt);
}

/*
 * Send one frame toward @out: now, or behind what waits in its queue.  Most
 * ports, most of the time, have their link up, nothing queued and no
 * shaper: that case is a few loads and the owner's two callbacks, which
 * matters in a flood, where it runs once per port.
 */
static inline void port_output_one(NswPort *out, NswPacket *pkt)
{
    ssize_t ret;

    if (unlikely(!out->link_up || out->queue.length ||
                 nsw_tb_enabled(&out->shaper))) {
        port_output_slow(out, pkt);
        return;
    }
    if (likely(port_can_transmit(out))) {
        ret = out->ops->transmit(out, pkt, out->opaque);
        if (likely(ret > 0)) {
            out->stats.tx_packets++;
            out->stats.tx_bytes += nsw_packet_len(pkt);
            return;
        }
        if (ret < 0) {
            nsw_port_drop_tx(out, NSW_DROP_TX_ERROR);
            return;
        }
    }
    queue_append(out, pkt);
}

/*
 * A frame with offload metadata toward @out: whole if @out's owner takes
 * it so, else the frames made of it (once for every port that needs
 * them).  Returns how many frames that sends toward @out.
 */
static unsigned int port_output_offload(NswPort *out, NswPacket *pkt)
{
    const NswOffload *off = pkt->offload;
    NswPacket *const *segs;
    unsigned int n;

    if (nsw_offload_fits(off, out->offload_caps)) {
        out->stats.gso_whole += off->gso_type != NSW_GSO_NONE;
        port_output_one(out, pkt);
        return 1;
    }
    if (!out->link_up) {
        nsw_port_drop_tx(out, NSW_DROP_LINK_DOWN);
        return 1;
    }
    segs = nsw_packet_done_offload(pkt, &n);
    if (off->gso_type != NSW_GSO_NONE) {
        out->stats.gso_segmented++;
        out->stats.gso_segments += n;
    }
    for (unsigned int i = 0; i < n; i++) {
        port_output_one(out, segs[i]);
    }
    return n;
}

/*
 * Send @pkt toward @out; returns how many frames that is, for the
 * ingress port's forwarded: 1, or the segments of a super-frame.
 */
static inline unsigned int port_output(NswPort *out, NswPacket *pkt)
{
    if (unlikely(pkt->offload)) {
        return port_output_offload(out, pkt);
    }
    port_output_one(out, pkt);
    return 1;
}

void nsw_port_output(NswPort *in, NswPort *out, NswPacket *pkt)
{
    in->stats.forwarded += port_output(out, pkt);
}

/*
 * Do what came in while the switch was busy, at most @budget frames or
 * queue sends; true when something is left.
 */
static bool run_deferred(NswSwitch *sw, unsigned int budget)
{
    NswBacklogEntry *entry;
    NswPort *port;

    if (likely(!sw->writable_pending && !sw->backlog.length)) {
        return false;   /* the usual case, on every frame */
    }
    while (budget && sw->writable_pending) {
        for (port = nsw_switch_next_port(sw, NULL); port && budget;
             port = nsw_switch_next_port(sw, port)) {
            if (port->writable_pending) {
                port->writable_pending = false;
                sw->writable_pending--;
                budget--;
                queue_send(port);
            }
        }
    }
    while (budget && (entry = g_queue_pop_head(&sw->backlog))) {
        budget--;
        switch_one(sw, entry->in, entry->pkt, entry->now_ns);
        backlog_entry_free(entry);
    }
    return sw->writable_pending || sw->backlog.length;
}

bool nsw_switch_has_pending(const NswSwitch *sw)
{
    return !sw->busy && (sw->writable_pending || sw->backlog.length);
}

void nsw_switch_run_pending(NswSwitch *sw, int64_t now_ns)
{
    if (sw->busy) {
        return;     /* the outer call runs them */
    }
    sw->busy = true;
    sw->now_ns = now_ns;
    nsw_mac_table_age(sw->macs, now_ns);
    run_deferred(sw, NSW_PENDING_BUDGET);
    sw->busy = false;
}

void nsw_switch_input_offload(NswSwitch *sw, NswPort *in, const uint8_t *buf,
                              size_t len, const NswOffload *off,
                              int64_t now_ns)
{
    NswPacket pkt;

    g_assert(in->sw == sw);
    if (sw->busy) {
        backlog_append(sw, in, buf, len, off, now_ns);
        return;
    }
    sw->busy = true;
    sw->now_ns = now_ns;
    nsw_packet_wrap(&pkt, buf, len);
    if (unlikely(off)) {
        nsw_packet_set_offload(&pkt, off);
    }
    switch_one(sw, in, &pkt, now_ns);
    if (pkt.copy || pkt.segs) {
        nsw_packet_unwrap(&pkt);
    }
    run_deferred(sw, NSW_PENDING_BUDGET);
    sw->busy = false;
}

void nsw_switch_input(NswSwitch *sw, NswPort *in, const uint8_t *buf,
                      size_t len, int64_t now_ns)
{
    nsw_switch_input_offload(sw, in, buf, len, NULL, now_ns);
}

void nsw_port_writable(NswPort *port, int64_t now_ns)
{
    NswSwitch *sw = port->sw;

    if (sw->busy) {
        /* A callback of ours made room: send once the switch is through */
        if (!port->writable_pending) {
            port->writable_pending = true;
            sw->writable_pending++;
        }
        return;
    }
    sw->busy = true;
    sw->now_ns = now_ns;
    queue_send(port);
    run_deferred(sw, NSW_PENDING_BUDGET);
    sw->busy = false;
}

unsigned int nsw_switch_drop_held(NswSwitch *sw, NswDropReason reason)
{
    NswBacklogEntry *entry;
    NswPort *port = NULL;
    unsigned int dropped = 0;

    g_assert(!sw->busy);
    /* Not switched yet, so not yet counted as received either */
    while ((entry = g_queue_pop_head(&sw->backlog))) {
        entry->in->stats.rx_packets++;
        entry->in->stats.rx_bytes += nsw_packet_len(entry->pkt);
        nsw_port_drop_rx(entry->in, reason);
        backlog_entry_free(entry);
        dropped++;
    }
    while ((port = nsw_switch_next_port(sw, port))) {
        dropped += port->queue.length;
        queue_drop_all(port, reason);
        if (port->ops->drop_held) {
            dropped += port->ops->drop_held(port, reason, port->opaque);
        }
    }
    return dropped;
}

int64_t nsw_switch_next_timer(const NswSwitch *sw)
{
    int64_t next = INT64_MAX;
    unsigned int i;

    if (likely(!sw->shaped_waiting)) {
        return next;
    }
    for (i = 0; i < sw->ports->len; i++) {
        NswPort *port = g_ptr_array_index(sw->ports, i);

        if (port && port->shaped_until) {
            next = MIN(next, port->shaped_until);
        }
    }
    return next;
}

void nsw_switch_run_timers(NswSwitch *sw, int64_t now_ns)
{
    unsigned int i;

    if (sw->busy || !sw->shaped_waiting) {
        return;
    }
    sw->busy = true;
    sw->now_ns = now_ns;
    for (i = 0; i < sw->ports->len; i++) {
        NswPort *port = g_ptr_array_index(sw->ports, i);

        if (port && port->shaped_until && port->shaped_until <= now_ns) {
            shaper_forget(port);
            queue_send(port);
        }
    }
    run_deferred(sw, NSW_PENDING_BUDGET);
    sw->busy = false;
}

/* Would learning @mac on @in take it over its MAC limit? */
static bool over_mac_limit(NswSwitch *sw, NswPort *in, const uint8_t *mac,
                           uint16_t vid, int64_t now_ns)
{
    unsigned int port;

    if (nsw_mac_table_lookup(sw->macs, mac, vid, now_ns, &port) &&
        port == in->index) {
        return false;   /* known here already */
    }
    return nsw_mac_table_port_count(sw->macs, in->index) >= in->max_macs;
}

/* An address moved to @in: is it flapping faster than the limit? */
static bool port_flapping(NswSwitch *sw, NswPort *in, int64_t now_ns)
{
    if (now_ns - in->flap_window_ns >= NSW_NS_PER_SEC ||
        now_ns < in->flap_window_ns) {
        in->flap_window_ns = now_ns;
        in->flap_moves = 0;
    }
    return ++in->flap_moves > sw->flap_limit;
}

/*
 * Take @in's link down: addresses keep moving to it, which is what a loop
 * between switches looks like.  The newer port of the two goes down.
 */
static void loop_protect(NswPort *in, const uint8_t *mac)
{
    nsw_port_set_link(in, false);
    if (in->ops->loop_detected) {
        in->ops->loop_detected(in, mac, in->opaque);
    }
}

bool nsw_switch_learn(NswSwitch *sw, NswPort *in, const uint8_t *mac,
                      uint16_t vid, int64_t now_ns)
{
    if (unlikely(in->max_macs) && !is_multicast_ether_addr(mac) &&
        over_mac_limit(sw, in, mac, vid, now_ns)) {
        nsw_port_drop_rx(in, NSW_DROP_MAC_LIMIT);
        return false;
    }
    switch (nsw_mac_table_learn(sw->macs, mac, vid, in->index, now_ns)) {
    case NSW_LEARN_IGNORED:
        nsw_port_drop_rx(in, NSW_DROP_INVALID_SOURCE);
        return false;
    case NSW_LEARN_MOVED:
        if (sw->flap_limit && port_flapping(sw, in, now_ns)) {
            loop_protect(in, mac);
            nsw_port_drop_rx(in, NSW_DROP_LINK_DOWN);
            return false;
        }
        return true;
    default:
        return true;
    }
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

void nsw_switch_unicast(NswSwitch *sw, NswPort *in, NswPort *out,
                        NswPacket *pkt)
{
    if (!nsw_port_may_send_back(out, in)) {
        nsw_port_drop_rx(in, NSW_DROP_HAIRPIN);
        return;
    }
    nsw_port_output(in, out, pkt);
}

bool nsw_port_flood_allowed(NswPort *in)
{
    if (unlikely(nsw_tb_enabled(&in->storm)) &&
        !nsw_tb_take(&in->storm, 1, in->sw->now_ns)) {
        nsw_port_drop_rx(in, NSW_DROP_STORM);
        return false;
    }
    return true;
}

void nsw_switch_flood(NswSwitch *sw, NswPort *in, NswPacket *pkt)
{
    uint64_t forwarded = 0;
    unsigned int i;

    if (!nsw_port_flood_allowed(in)) {
        return;
    }
    /*
     * The hot loop of a flood: walk the slots rather than call next_port,
     * and count in a local what the callbacks could otherwise change.
     */
    for (i = 0; i < sw->ports->len; i++) {
        NswPort *out = g_ptr_array_index(sw->ports, i);

        if (out && (out != in || in->hairpin)) {
            forwarded += port_output(out, pkt);
        }
    }
    in->stats.forwarded += forwarded;
}
