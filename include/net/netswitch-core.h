/*
 * netswitch core: an Ethernet packet switch that does not depend on
 * QEMU's net layer
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Model
 * -----
 * An NswSwitch owns numbered ports (NswPort) and a MAC table (NswMacTable).
 * The code that owns a port (the "glue", e.g. a QEMU netdev) hands every
 * frame the port receives to nsw_switch_input(); the switch's policy
 * ("hub", "bridge", "vlan", or one registered with nsw_policy_register())
 * decides where it goes, and the switch calls the egress ports' transmit
 * callbacks.  Forwarding allocates nothing per frame: the caller's buffer
 * is wrapped in an NswPacket that every egress port shares, and only a
 * frame that needs a different 802.1Q encoding on some port is copied,
 * once per encoding.  Ports are known to the MAC table by nsw_port_index().
 *
 * Time is always passed in (now_ns, from any monotonic clock), so the core
 * needs no timers: MAC entries older than the table's ageing time are
 * ignored by lookups and removed by nsw_mac_table_age(), which the switch
 * runs on every input.
 *
 * Queueing: every port has a bounded egress queue.  A frame for a port
 * that cannot take it now waits in that port's queue and goes out when the
 * glue reports the port writable again (nsw_port_writable()); a frame for
 * a port whose queue is full is dropped and counted there (queue-full).
 * So nsw_switch_input() always consumes its frame and no port ever waits
 * for another.  A frame that arrives while the switch is busy with
 * another one (a callback answered synchronously) is copied to the
 * switch's backlog and switched right after; nsw_switch_has_pending()
 * tells the glue when a bounded part of that work is left for later
 * (nsw_switch_run_pending()), so that two ports answering each other
 * cannot keep the caller in the switch.
 *
 * Accounting: every frame that enters through port P counts in P's
 * rx_packets and then either in P's rx_dropped (under one reason) or, once
 * for every port it is sent toward, in P's forwarded.  Every copy sent
 * toward a port Q counts in Q's tx_packets or tx_dropped, or waits in Q's
 * queue.  So, per switch: sum(forwarded) = sum(tx_packets + tx_dropped +
 * queue length), and nothing is lost uncounted.
 *
 * The core is single threaded: every call for one switch, including the
 * callbacks it makes, must be serialised by the caller (in QEMU, the BQL).
 * Callbacks may send frames into the switch again, but must not remove
 * ports or free the switch.
 */

#ifndef NET_NETSWITCH_CORE_H
#define NET_NETSWITCH_CORE_H

#include "qemu/bitops.h"
#include "qemu/units.h"
#include "net/netswitch-offload.h"

typedef struct NswPacket NswPacket;
typedef struct NswMacTable NswMacTable;
typedef struct NswSwitch NswSwitch;
typedef struct NswPort NswPort;
typedef struct NswPolicy NswPolicy;

#define NSW_NS_PER_SEC          1000000000LL

/* 802.1Q */
#define NSW_VLAN_TPID           0x8100
#define NSW_VLAN_TAG_LEN        4
#define NSW_VLAN_COUNT          4096    /* VID 0 and 4095 are reserved */
#define NSW_VLAN_VID_MAX        4094
#define NSW_VLAN_VID_MASK       0x0fff
#define NSW_TCI_VID(tci)        ((tci) & NSW_VLAN_VID_MASK)

/*
 * Packets
 *
 * An NswPacket is a reference-counted frame buffer.  Packets made by
 * nsw_packet_new() own a copy of the frame; sending one to many ports
 * shares that copy.  Packets made by nsw_packet_wrap() only point at a
 * buffer that their creator keeps valid for as long as it uses the
 * wrapper (nsw_switch_input() wraps the caller's frame this way): whoever
 * wants to keep such a packet must call nsw_packet_ref(), which copies the
 * frame the first time and shares that copy with later callers, and the
 * creator releases the wrapper with nsw_packet_unwrap().
 *
 * The fields are private; they are here so that a packet can be wrapped
 * on the stack.
 */
struct NswPacket {
    uint8_t *data;
    size_t len;
    unsigned int refcnt;    /* 0: wraps a buffer owned by someone else */
    size_t size;            /* bytes in buf[] */
    NswPacket *copy;        /* a wrapper's copy, once nsw_packet_ref() made it */
    /*
     * NULL for an ordinary frame; else what is left to do to it (a
     * super-frame, a partial checksum), see nsw_packet_set_offload(),
     * and, once a port needed it done, the frames that makes
     */
    const NswOffload *offload;
    NswPacket **segs;
    unsigned int nsegs;
    NswOffload offload_store;
    uint8_t buf[];
};

typedef enum NswVlanEncap {
    NSW_VLAN_UNTAGGED,
    NSW_VLAN_TAGGED,
    NSW_VLAN_TRUNCATED,     /* TPID 0x8100 but shorter than a tagged header */
} NswVlanEncap;

/* A new packet holding a copy of @data; its one reference is the caller's. */
NswPacket *nsw_packet_new(const void *data, size_t len);
/* A private copy of @pkt's frame, with its offload metadata */
NswPacket *nsw_packet_copy(const NswPacket *pkt);

/* Make @pkt a wrapper around @data, which the caller keeps valid. */
void nsw_packet_wrap(NswPacket *pkt, const void *data, size_t len);

/* Done with the wrapper @pkt: drop its reference to its copy, if any. */
void nsw_packet_unwrap(NswPacket *pkt);

/*
 * Take a reference to @pkt.  Returns @pkt itself, or for a wrapped packet
 * its copy (made on the first call): always use the result.
 */
NswPacket *nsw_packet_ref(NswPacket *pkt) G_GNUC_WARN_UNUSED_RESULT;

/* Drop a reference taken with nsw_packet_new() or nsw_packet_ref(). */
void nsw_packet_unref(NswPacket *pkt);

static inline const uint8_t *nsw_packet_data(const NswPacket *pkt)
{
    return pkt->data;
}

static inline size_t nsw_packet_len(const NswPacket *pkt)
{
    return pkt->len;
}

/* True when writing to @pkt would be seen through another reference. */
bool nsw_packet_is_shared(const NswPacket *pkt);

/*
 * The functions below take over the caller's reference to @pkt (never a
 * wrapper) and return the reference to use instead.  They work in place
 * unless @pkt is shared (or lacks room for the change), and then copy once.
 */

/* @pkt, or a private copy of it: nsw_packet_writable_data() may be used. */
NswPacket *nsw_packet_make_writable(NswPacket *pkt) G_GNUC_WARN_UNUSED_RESULT;

/* Insert an 802.1Q tag (TPID 0x8100, @tci) after the MAC addresses. */
NswPacket *nsw_packet_vlan_push(NswPacket *pkt,
                                uint16_t tci) G_GNUC_WARN_UNUSED_RESULT;

/*
 * Remove the 802.1Q tag of a NSW_VLAN_TAGGED frame.  The result is zero
 * padded to ETH_ZLEN (60) bytes: a minimum-size tagged frame would
 * otherwise become a runt.
 */
NswPacket *nsw_packet_vlan_pop(NswPacket *pkt) G_GNUC_WARN_UNUSED_RESULT;

/*
 * Offload: @pkt (a wrapper too) is a super-frame or has a partial checksum,
 * as @off (checked with nsw_offload_from_vnet_hdr()) says.
 */
void nsw_packet_set_offload(NswPacket *pkt, const NswOffload *off);

static inline const NswOffload *nsw_packet_offload(const NswPacket *pkt)
{
    return pkt->offload;
}

/*
 * The frames @pkt becomes with its offloads done (segments, or the frame
 * with its checksum): made on the first call and kept with @pkt, so that
 * every port of a flood that needs them shares them.  *@n gets how many.
 */
NswPacket *const *nsw_packet_done_offload(NswPacket *pkt, unsigned int *n);

/* The frame bytes of an unshared packet (see nsw_packet_make_writable()). */
uint8_t *nsw_packet_writable_data(NswPacket *pkt);

/* How @frame is encapsulated; stores the TCI in *@tci when tagged. */
NswVlanEncap nsw_eth_vlan_parse(const uint8_t *frame, size_t len,
                                uint16_t *tci);

/*
 * VLAN sets: which VIDs a port carries tagged.
 */
typedef struct NswVlanSet {
    unsigned long bits[BITS_TO_LONGS(NSW_VLAN_COUNT)];
} NswVlanSet;

static inline bool nsw_vlan_set_test(const NswVlanSet *set, uint16_t vid)
{
    return vid < NSW_VLAN_COUNT && test_bit(vid, set->bits);
}

/*
 * Set @set from a list like "1,10-20,100" (VIDs 1-4094; "" is empty).
 * On failure @set is unchanged and, unless @errmsg is NULL, *@errmsg is
 * set to a message to g_free().
 */
bool nsw_vlan_set_parse(NswVlanSet *set, const char *str, char **errmsg);

/* The shortest list nsw_vlan_set_parse() turns back into @set; g_free it. */
char *nsw_vlan_set_format(const NswVlanSet *set);

/*
 * MAC table: (MAC, VID) -> port index, with a size limit and ageing.
 *
 * When the table is full, learning a new address evicts the least
 * recently seen entry.  Entries older than the ageing time (0 = never
 * age) are treated as absent and removed by nsw_mac_table_age().
 * now_ns is expected to be monotonic; a time earlier than one already
 * learned at is taken as that time, so entries stay ordered by age.
 */
#define NSW_MAC_TABLE_DEFAULT_SIZE      8192
#define NSW_MAC_TABLE_MAX_SIZE          (1u << 20)
#define NSW_MAC_TABLE_DEFAULT_AGEING_NS (300 * 1000000000LL)  /* 300 s */

typedef enum NswLearnResult {
    NSW_LEARN_IGNORED,      /* multicast source: never learned */
    NSW_LEARN_REFRESHED,    /* known on the same port */
    NSW_LEARN_MOVED,        /* known on another port, now on this one */
    NSW_LEARN_NEW,          /* was absent (or had aged out) */
} NswLearnResult;

/* Called for each entry, least recently seen first; must not modify it. */
typedef void NswMacEntryFunc(const uint8_t *mac, uint16_t vid,
                             unsigned int port, int64_t age_ns, void *opaque);

/* @max_entries: 1 to NSW_MAC_TABLE_MAX_SIZE */
NswMacTable *nsw_mac_table_new(unsigned int max_entries, int64_t ageing_ns);
void nsw_mac_table_free(NswMacTable *table);
void nsw_mac_table_set_max_entries(NswMacTable *table,
                                   unsigned int max_entries);
unsigned int nsw_mac_table_max_entries(const NswMacTable *table);
void nsw_mac_table_set_ageing(NswMacTable *table, int64_t ageing_ns);
int64_t nsw_mac_table_ageing(const NswMacTable *table);
/* Entries stored, including aged ones nsw_mac_table_age() has not removed */
unsigned int nsw_mac_table_count(const NswMacTable *table);
/* The same, of one port */
unsigned int nsw_mac_table_port_count(const NswMacTable *table,
                                      unsigned int port);

NswLearnResult nsw_mac_table_learn(NswMacTable *table, const uint8_t *mac,
                                   uint16_t vid, unsigned int port,
                                   int64_t now_ns);
bool nsw_mac_table_lookup(const NswMacTable *table, const uint8_t *mac,
                          uint16_t vid, int64_t now_ns, unsigned int *port);
void nsw_mac_table_foreach(const NswMacTable *table, int64_t now_ns,
                           NswMacEntryFunc *func, void *opaque);

/* These return how many entries they removed. */
unsigned int nsw_mac_table_age(NswMacTable *table, int64_t now_ns);
unsigned int nsw_mac_table_flush(NswMacTable *table);
unsigned int nsw_mac_table_flush_port(NswMacTable *table, unsigned int port);
unsigned int nsw_mac_table_flush_vlan(NswMacTable *table, uint16_t vid);

/*
 * Token bucket: at most @burst units at once, refilled at @rate units per
 * second of the caller's clock.  Units are bytes for rates and policers,
 * frames for storm control.  A full bucket lets one take of any size
 * through and goes into debt for the rest, so that nothing larger than
 * the burst waits forever and the long-run rate still holds.  A clock
 * that goes back (a snapshot loaded) restarts the refill from there.
 */
#define NSW_TB_MAX_RATE     (1ull << 40)    /* units per second */
#define NSW_TB_MAX_BURST    (1ull << 30)    /* units */

typedef struct NswTokenBucket {
    uint64_t rate;              /* 0: no limit */
    uint64_t burst;
    int64_t tokens;             /* in units x 10^9 (unit-nanoseconds) */
    int64_t last_ns;
} NswTokenBucket;

/*
 * @rate 0 turns the limit off, keeping @burst; else 1..NSW_TB_MAX_RATE,
 * @burst 1..NSW_TB_MAX_BURST.  A take is at most NSW_TB_MAX_BURST units.
 */
void nsw_tb_init(NswTokenBucket *tb, uint64_t rate, uint64_t burst,
                 int64_t now_ns);
static inline bool nsw_tb_enabled(const NswTokenBucket *tb)
{
    return tb->rate != 0;
}
/* Take @units if the bucket allows them now; false leaves it as it was. */
bool nsw_tb_take(NswTokenBucket *tb, uint64_t units, int64_t now_ns);
/* Nanoseconds until nsw_tb_take(@units) will succeed (0: now) */
int64_t nsw_tb_wait_ns(NswTokenBucket *tb, uint64_t units, int64_t now_ns);

/*
 * Ports and statistics
 *
 * Every frame nsw_switch_input() takes counts in the ingress port's
 * rx_packets/rx_bytes, whatever becomes of it (see "Accounting" above).
 * Every frame a port's transmit callback accepts counts in its
 * tx_packets/tx_bytes, with the length it was sent with.  A drop counts
 * once, in drops[] under its reason and in rx_dropped (on the ingress
 * port, before the frame was sent anywhere) or tx_dropped (on the port a
 * copy was sent toward).
 */
typedef enum NswDropReason {
    NSW_DROP_QUEUE_FULL,        /* egress queue or switch backlog full */
    NSW_DROP_VLAN_FILTERED,     /* VLAN not carried by the port */
    NSW_DROP_RUNT,              /* ingress: shorter than its L2 header */
    NSW_DROP_OVERSIZE,          /* ingress: longer than max_frame_len */
    NSW_DROP_INVALID_SOURCE,    /* ingress: multicast source address */
    NSW_DROP_LINK_DOWN,         /* ingress or egress port is down */
    NSW_DROP_HAIRPIN,           /* ingress: destination is on that port */
    NSW_DROP_TX_ERROR,          /* egress: transmit callback failed */
    NSW_DROP_POLICED,           /* ingress: over the port's policing rate */
    NSW_DROP_STORM,             /* ingress: a flood over the storm limit */
    NSW_DROP_MAC_LIMIT,         /* ingress: new source over the MAC limit */
    NSW_DROP_SPOOFED,           /* ingress: source not in the allowed list */
    NSW_DROP_BAD_OFFLOAD,       /* ingress: offload header does not fit */
    NSW_DROP_VM_MIGRATED,       /* held when the VM left: drop_held() */
    NSW_DROP_VM_STOPPED,        /* the owner's layer dropped it at VM stop */
    NSW_DROP__MAX,
} NswDropReason;

/* "queue-full", "vlan-filtered", ...: the enum's name in lower case */
const char *nsw_drop_reason_name(NswDropReason reason);

typedef struct NswPortStats {
    uint64_t rx_packets;
    uint64_t rx_bytes;
    uint64_t rx_dropped;        /* of rx_packets, dropped on the way in */
    uint64_t forwarded;         /* copies of admitted frames sent onward */
    uint64_t tx_packets;
    uint64_t tx_bytes;
    uint64_t tx_dropped;        /* copies sent toward this port, dropped */
    uint64_t drops[NSW_DROP__MAX];
    unsigned int queue_high_water;  /* most frames ever queued at once */
    /*
     * Super-frames sent toward this port: whole (its peer takes them), or
     * segmented here, and into how many segments (each a tx_packets or a
     * tx_dropped of its own)
     */
    uint64_t gso_whole;
    uint64_t gso_segmented;
    uint64_t gso_segments;
    /*
     * Of tx_packets, pure ACKs the owner's receive coalescing left out
     * because a later ACK of the flow, which it sent, acknowledged all
     * they did (nsw_port_count_acks_thinned())
     */
    uint64_t gro_acks_thinned;
} NswPortStats;

/* Callbacks of a port's owner; @opaque is the one given to nsw_port_add(). */
typedef struct NswPortOps {
    /*
     * Loop protection took the port's link down (nsw_switch_set_flap_limit):
     * @mac moved to it too often.  NULL: not told.
     */
    void (*loop_detected)(NswPort *port, const uint8_t *mac, void *opaque);
    /* May the switch transmit now?  NULL: always. */
    bool (*can_transmit)(NswPort *port, void *opaque);
    /*
     * Send @pkt out of the port, always right after can_transmit said
     * yes: return > 0 when sent, 0 when busy (the frame stays queued
     * until nsw_port_writable()), < 0 when dropped.
     * @pkt is only valid during the call; to keep it, take a reference
     * with nsw_packet_ref() and keep what that returns.
     */
    ssize_t (*transmit)(NswPort *port, NswPacket *pkt, void *opaque);
    /*
     * nsw_switch_drop_held() asks: drop what the owner still holds of
     * frames transmit() took (a super-frame being merged, frames its own
     * layer queued for its peer), counting each with nsw_port_drop_sent()
     * under @reason; return how many.  NULL: it holds none.
     */
    unsigned int (*drop_held)(NswPort *port, NswDropReason reason,
                              void *opaque);
} NswPortOps;

/*
 * Frame lengths exclude the FCS and include any VLAN tag.  A super-frame
 * may be up to NSW_GSO_MAX_LEN whatever the limit: its segments keep to
 * the sender's MTU.
 */
#define NSW_DEFAULT_MAX_FRAME_LEN       65535

/* @policy: from nsw_policy_lookup() */
NswSwitch *nsw_switch_new(const NswPolicy *policy);
/* Removes the remaining ports without calling their callbacks. */
void nsw_switch_free(NswSwitch *sw);
const NswPolicy *nsw_switch_policy(const NswSwitch *sw);
/* For its size and ageing settings and for dumps */
NswMacTable *nsw_switch_mac_table(NswSwitch *sw);
void nsw_switch_set_max_frame_len(NswSwitch *sw, size_t max_frame_len);
size_t nsw_switch_max_frame_len(const NswSwitch *sw);

/*
 * A new port, link up, untagged VLAN 1 and no tagged VLANs.  Returns NULL
 * if a port of that name exists.  The port takes the lowest free index.
 */
NswPort *nsw_port_add(NswSwitch *sw, const char *name, const NswPortOps *ops,
                      void *opaque);
/*
 * Flushes its MAC entries and drops its queue; its counters, with the
 * queued frames as tx_dropped (link-down), go to nsw_switch_removed_stats().
 */
void nsw_port_remove(NswPort *port);
NswPort *nsw_switch_find_port(NswSwitch *sw, const char *name);
NswPort *nsw_switch_port_by_index(NswSwitch *sw, unsigned int index);
/* Ports in index order: pass NULL for the first; NULL after the last. */
NswPort *nsw_switch_next_port(NswSwitch *sw, NswPort *prev);

const char *nsw_port_name(const NswPort *port);
unsigned int nsw_port_index(const NswPort *port);
void *nsw_port_opaque(const NswPort *port);
const NswPortStats *nsw_port_stats(const NswPort *port);
/*
 * For the owner: @n frames the switch sent out of @port were pure ACKs
 * that a later ACK stood for (they stay counted in tx_packets).
 */
void nsw_port_count_acks_thinned(NswPort *port, uint64_t n);
void nsw_port_reset_stats(NswPort *port);
/* What the ports removed so far counted, added up. */
const NswPortStats *nsw_switch_removed_stats(const NswSwitch *sw);

/*
 * Egress queue limits.  The defaults hold a full slirp TCP send window
 * (128 KiB) into a slow device several times over.  Lowering a limit below
 * what is queued drops nothing: only new frames are refused.
 */
#define NSW_QUEUE_DEFAULT_FRAMES    1024
#define NSW_QUEUE_DEFAULT_BYTES     (512 * KiB)
#define NSW_QUEUE_MAX_FRAMES        (1u << 20)
#define NSW_QUEUE_MAX_BYTES         (1024 * MiB)

/* @max_frames: 1 to NSW_QUEUE_MAX_FRAMES; @max_bytes: 1 to ..._MAX_BYTES */
void nsw_port_set_queue_limits(NswPort *port, unsigned int max_frames,
                               size_t max_bytes);
unsigned int nsw_port_queue_max_frames(const NswPort *port);
size_t nsw_port_queue_max_bytes(const NswPort *port);
/* Frames and bytes waiting in the queue now */
unsigned int nsw_port_queue_len(const NswPort *port);
size_t nsw_port_queue_bytes(const NswPort *port);

/*
 * Offloads the port's owner takes as they are (NSW_OFFLOAD_*, 0 by
 * default): a frame with an offload the port does not take is sent as
 * the frames nsw_packet_done_offload() makes of it.
 */
void nsw_port_set_offload_caps(NswPort *port, unsigned int caps);
unsigned int nsw_port_offload_caps(const NswPort *port);

/*
 * Taking a link down flushes its MAC entries and drops its queue
 * (link-down).  While down, frames from and to it are dropped (link-down).
 */
void nsw_port_set_link(NswPort *port, bool up);

/*
 * Port policies; each costs nothing while off (rate or limit 0).
 *
 * Shaping: frames leave the port at most @rate bits per second with
 * bursts of @burst bytes; frames over the rate wait in the queue.  The
 * glue must call nsw_switch_run_timers() at nsw_switch_next_timer().
 * Policing: frames the port sends into the switch beyond @rate bits per
 * second (bursts of @burst bytes) are dropped (policed).
 * Storm control: broadcast, multicast and unknown unicast frames the port
 * sends beyond @pps per second are dropped (storm).
 * MAC limit: frames from a new source address once @max addresses are
 * learnt on the port are dropped (mac-limit), and it is not learnt.
 * Allowed sources: with @n > 0 addresses, frames from any other source are
 * dropped (spoofed).
 */
#define NSW_RATE_MAX        (NSW_TB_MAX_RATE * 8)   /* bits per second */
#define NSW_STORM_MAX_PPS   NSW_TB_MAX_BURST
/*
 * @rate: 0, or 8 to NSW_RATE_MAX; @burst: 1 to NSW_TB_MAX_BURST (kept
 * while the rate is 0).  A new shaper rate applies to what is queued.
 */
void nsw_port_set_shaper(NswPort *port, uint64_t rate, uint64_t burst,
                         int64_t now_ns);
void nsw_port_set_policer(NswPort *port, uint64_t rate, uint64_t burst,
                          int64_t now_ns);
/* @pps: 0 to NSW_STORM_MAX_PPS */
void nsw_port_set_storm_limit(NswPort *port, uint64_t pps, int64_t now_ns);
void nsw_port_set_max_macs(NswPort *port, unsigned int max);
void nsw_port_set_allowed_macs(NswPort *port, const uint8_t (*macs)[6],
                               unsigned int n);
/* Their current settings: rates in bits per second, bursts in bytes */
void nsw_port_get_shaper(const NswPort *port, uint64_t *rate,
                         uint64_t *burst);
void nsw_port_get_policer(const NswPort *port, uint64_t *rate,
                          uint64_t *burst);
uint64_t nsw_port_storm_limit(const NswPort *port);
unsigned int nsw_port_max_macs(const NswPort *port);
unsigned int nsw_port_allowed_macs(const NswPort *port,
                                   const uint8_t (**macs)[6]);

/*
 * Loop protection: a port to which MAC addresses move more than @moves
 * times within one second has its link taken down, and its owner is told
 * (loop_detected).  Two switches cabled into a loop make every broadcast
 * address flap between the two cables.  0: off.
 */
#define NSW_FLAP_LIMIT_DEFAULT      100
void nsw_switch_set_flap_limit(NswSwitch *sw, unsigned int moves);
unsigned int nsw_switch_flap_limit(const NswSwitch *sw);
bool nsw_port_link_up(const NswPort *port);

/*
 * Reflective relay (802.1Qbg, Linux's bridge hairpin mode): frames may leave
 * by the port they came in on.  Floods then include the ingress port, and a
 * unicast to an address learnt on it is sent back rather than dropped as
 * NSW_DROP_HAIRPIN.  Off by default.
 */
void nsw_port_set_hairpin(NswPort *port, bool on);
bool nsw_port_hairpin(const NswPort *port);
/* May a frame that came in on @in leave by @out?  (For policies.) */
bool nsw_port_may_send_back(const NswPort *out, const NswPort *in);

/*
 * VLAN membership (used by the "vlan" policy).  Untagged and
 * priority-tagged (VID 0) frames join the PVID (0: they are refused);
 * tagged frames must be in the allowed set or in the PVID.  On egress the
 * PVID leaves untagged, other allowed VLANs tagged.  Changing either
 * flushes the port's MAC entries; frames already queued go out as queued.
 */
void nsw_port_set_pvid(NswPort *port, uint16_t pvid);
uint16_t nsw_port_pvid(const NswPort *port);
void nsw_port_set_allowed_vlans(NswPort *port, const NswVlanSet *allowed);
const NswVlanSet *nsw_port_allowed_vlans(const NswPort *port);

/*
 * Handle one frame received on @in: switch it, queue it for busy ports,
 * or drop and count it.  The switch does not keep @buf.  Called while the
 * switch is busy (from one of its callbacks), it copies the frame to its
 * backlog and switches it once the current frame is through.
 */
void nsw_switch_input(NswSwitch *sw, NswPort *in, const uint8_t *buf,
                      size_t len, int64_t now_ns);

/* The same for a frame with offload metadata (@off: NULL if none) */
void nsw_switch_input_offload(NswSwitch *sw, NswPort *in, const uint8_t *buf,
                              size_t len, const NswOffload *off,
                              int64_t now_ns);

/*
 * A frame @in received carried offload metadata that does not describe
 * it: count it received and dropped (bad-offload).
 */
void nsw_port_drop_bad_offload(NswPort *in, size_t len);

/*
 * @frames frames of @bytes in all, counted in @port's tx_packets and
 * tx_bytes when transmit() took them, never reached the owner's peer
 * after all: count them in tx_dropped under @reason instead.
 */
void nsw_port_drop_sent(NswPort *port, unsigned int frames, uint64_t bytes,
                        NswDropReason reason);

/* The owner of @port can transmit again: send what its queue holds. */
void nsw_port_writable(NswPort *port, int64_t now_ns);

/*
 * Drop every frame the switch holds, counted under @reason: those waiting
 * in its ports' queues (tx-dropped there), those in its backlog (received
 * and rx-dropped on the port they came in on) and those the ports' owners
 * hold after transmit() took them (their drop_held op).  For the glue,
 * when whatever the ports' owners would take the frames to is gone (the
 * VM now runs in the destination of a migration).  Not while busy.
 * Returns how many frames that dropped.
 */
unsigned int nsw_switch_drop_held(NswSwitch *sw, NswDropReason reason);

/*
 * When a shaped port may send again: the glue calls
 * nsw_switch_run_timers() then (INT64_MAX: no timer needed).
 */
int64_t nsw_switch_next_timer(const NswSwitch *sw);
void nsw_switch_run_timers(NswSwitch *sw, int64_t now_ns);

/*
 * Is work left for later: frames in the backlog, or queues to send, that
 * the bound of one call did not reach?  Then the glue should call
 * nsw_switch_run_pending() soon (QEMU: from a bottom half).
 */
bool nsw_switch_has_pending(const NswSwitch *sw);
void nsw_switch_run_pending(NswSwitch *sw, int64_t now_ns);

/* Frames the backlog holds at most; beyond, they are dropped (queue-full) */
#define NSW_BACKLOG_MAX             1024
/* Backlog frames and queue sends one call does at most before it returns */
#define NSW_PENDING_BUDGET          64

/*
 * Policies
 *
 * A policy decides where the frames go.  Its input hook gets frames that
 * passed the generic checks (ingress link up, not a runt or oversized)
 * and uses the helpers below.  It must account for the frame: drop it
 * (nsw_port_drop_rx()) or send it toward one or more ports.
 */
struct NswPolicy {
    const char *name;
    const char *description;
    void (*input)(NswSwitch *sw, NswPort *in, NswPacket *pkt, int64_t now_ns);
};

extern const NswPolicy nsw_policy_hub;
extern const NswPolicy nsw_policy_bridge;
extern const NswPolicy nsw_policy_vlan;

/* Add @policy (kept by pointer); false if its name is taken or 16 are. */
bool nsw_policy_register(const NswPolicy *policy);
const NswPolicy *nsw_policy_lookup(const char *name);
/* Policies in registration order, built-in ones first */
void nsw_policy_foreach(void (*func)(const NswPolicy *policy, void *opaque),
                        void *opaque);

/*
 * Helpers for policies
 */

/* Count a drop of a frame on its way in through @in. */
void nsw_port_drop_rx(NswPort *in, NswDropReason reason);
/* Count a drop of a copy on its way out through @out. */
void nsw_port_drop_tx(NswPort *out, NswDropReason reason);

/*
 * Learn that @mac lives on @in in @vid.  A multicast @mac is counted as
 * NSW_DROP_INVALID_SOURCE on @in and false returned: drop the frame.
 */
bool nsw_switch_learn(NswSwitch *sw, NswPort *in, const uint8_t *mac,
                      uint16_t vid, int64_t now_ns);

/* The port @mac was learned on in @vid, or NULL (also for multicast). */
NswPort *nsw_switch_lookup(NswSwitch *sw, const uint8_t *mac, uint16_t vid,
                           int64_t now_ns);

/*
 * Send @pkt, which came in on @in, toward @out: now when nothing waits in
 * @out's queue and @out can take it, else at the end of that queue.  Counts
 * one forwarded on @in and the outcome on @out.
 */
void nsw_port_output(NswPort *in, NswPort *out, NswPacket *pkt);

/*
 * Send @pkt to its one destination @out.  A frame for its own ingress port
 * is dropped (NSW_DROP_HAIRPIN) unless that port is a hairpin.
 */
void nsw_switch_unicast(NswSwitch *sw, NswPort *in, NswPort *out,
                        NswPacket *pkt);

/*
 * May @in flood a frame now?  False after counting a storm drop: the
 * policy must drop the frame.  nsw_switch_flood() asks it itself.
 */
bool nsw_port_flood_allowed(NswPort *in);

/* Send @pkt to every port but @in (and to @in if it is a hairpin). */
void nsw_switch_flood(NswSwitch *sw, NswPort *in, NswPacket *pkt);

#endif /* NET_NETSWITCH_CORE_H */
