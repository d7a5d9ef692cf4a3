/*
 * netswitch core: offload metadata and software segmentation
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A NIC with segmentation offload hands over "super-frames": one TCP
 * frame of up to 64 KiB whose payload is to be cut into gso_size pieces,
 * each with its own headers.  A NIC with checksum offload hands over
 * frames whose TCP/UDP checksum is partial (the pseudo-header sum only).
 * An NswOffload says what is left to do to such a frame; it travels with
 * the frame (through the switch: in its NswPacket) until it reaches a
 * port whose peer can do it itself, or is done here, once, for the ports
 * whose peer cannot (nsw_offload_segment()).
 *
 * Between QEMU's NICs and backends the same facts travel in a virtio-net
 * header (struct virtio_net_hdr, as with tap's vnet_hdr); the functions
 * here convert, and check a header against its frame: a guest wrote it.
 */

#ifndef NET_NETSWITCH_OFFLOAD_H
#define NET_NETSWITCH_OFFLOAD_H

#include "standard-headers/linux/virtio_net.h"

typedef enum NswGsoType {
    NSW_GSO_NONE,
    NSW_GSO_TCPV4,
    NSW_GSO_TCPV6,
} NswGsoType;

/* What a port's peer can take as it is (nsw_port_set_offload_caps()) */
#define NSW_OFFLOAD_CSUM    (1u << 0)   /* partial checksums */
#define NSW_OFFLOAD_TSO4    (1u << 1)   /* TCP/IPv4 super-frames */
#define NSW_OFFLOAD_TSO6    (1u << 2)   /* TCP/IPv6 super-frames */
#define NSW_OFFLOAD_ECN     (1u << 3)   /* super-frames with CWR set */

/*
 * A super-frame is cut into at most this many segments: a gso_size below
 * 64 bytes of TCP payload (Linux never goes below 88) is refused, so one
 * frame from a guest cannot turn into tens of thousands.
 */
#define NSW_GSO_MIN_SIZE    64
/*
 * The longest super-frame: the largest IPv6 datagram (a 40-byte header and
 * 65535 bytes of payload) behind a tagged Ethernet header
 */
#define NSW_GSO_MAX_LEN     (14 + 4 + 40 + 65535)

typedef struct NswOffload {
    uint8_t gso_type;       /* NswGsoType */
    bool needs_csum;        /* the checksum at csum_start + csum_offset */
    bool ecn;               /* a super-frame whose first segment has CWR */
    uint16_t gso_size;      /* TCP payload bytes per segment */
    uint16_t csum_start;
    uint16_t csum_offset;
    uint16_t l3_off;        /* where the IP header starts */
    uint16_t hdr_len;       /* Ethernet, IP and TCP headers */
} NswOffload;

/*
 * Check a virtio-net header (fields in host byte order) against its frame
 * and fill @off.  Returns NULL, or why the header does not describe the
 * frame.  @max_seg_len: the longest segment the sender may ask for.
 */
const char *nsw_offload_from_vnet_hdr(NswOffload *off,
                                      const struct virtio_net_hdr *hdr,
                                      const uint8_t *frame, size_t len,
                                      size_t max_seg_len);

/* The virtio-net header (fields in host byte order) that describes @off */
void nsw_offload_to_vnet_hdr(const NswOffload *off, struct virtio_net_hdr *hdr);

/* Whether @off asks for anything at all */
static inline bool nsw_offload_needed(const NswOffload *off)
{
    return off->gso_type != NSW_GSO_NONE || off->needs_csum;
}

/* Whether a peer that can do @caps takes a frame with @off as it is */
bool nsw_offload_fits(const NswOffload *off, unsigned int caps);

/* How many frames nsw_offload_segment() makes of a @len-byte frame */
unsigned int nsw_offload_segments(const NswOffload *off, size_t len);

/*
 * Write frame @i of those @frame (@len bytes, checked with
 * nsw_offload_from_vnet_hdr()) becomes when its offloads are done, into
 * @out, which has room for hdr_len + gso_size bytes (for a super-frame)
 * or @len (otherwise).  Returns its length.  Every segment gets its TCP
 * sequence number, IPv4 ID and length, PSH and FIN only on the last, CWR
 * only on the first, and correct IPv4 and TCP checksums.
 */
size_t nsw_offload_segment(const NswOffload *off, const uint8_t *frame,
                           size_t len, unsigned int i, uint8_t *out);

/*
 * Receive coalescing (GRO): in-order TCP segments of one flow become one
 * super-frame, by Linux GRO's rules (tcp_gro_receive()): same addresses,
 * ports, TOS/TTL (traffic class and hop limit), ACK number and TCP
 * options; contiguous sequence numbers; no flag but ACK and PSH; a
 * correct TCP checksum (the guest will not check a super-frame's); every
 * segment but the last exactly as long as the first.  PSH or a shorter
 * segment is merged and ends the super-frame.  IPv4 without options or
 * fragments, IPv6 without extension headers.
 *
 * Pure ACKs are thinned: a burst of ACKs of one flow (a receiver
 * acknowledging each segment of a super-frame the guest sent) reaches the
 * guest as the last of them, which acknowledges everything the others
 * did, as Linux's sch_cake does with ack-filter.  Only an ACK flag, no
 * options but timestamps (no SACK), the same sequence number, and an ACK
 * number that moves forward: a duplicate ACK is never dropped.
 */
typedef struct NswGro NswGro;

NswGro *nsw_gro_new(void);
void nsw_gro_free(NswGro *gro);

/*
 * Take @frame into the super-frame being built (or start one).  False:
 * it does not continue it, or cannot be merged at all; flush, then offer
 * it again (a frame no super-frame may start with is refused again: send
 * it as it is).  *@flush_now is set when the super-frame is complete.
 */
bool nsw_gro_offer(NswGro *gro, const uint8_t *frame, size_t len,
                   bool *flush_now);

/* Whether a frame is held */
bool nsw_gro_pending(const NswGro *gro);

/* How many pure ACKs were dropped for a later one, since nsw_gro_new() */
uint64_t nsw_gro_acks_thinned(const NswGro *gro);

/*
 * How many of the frames offered the one held stands for (0: none held;
 * a pure ACK stands for itself only), and in *@bytes their lengths as
 * offered, summed: what the switch counted when it sent them here.
 */
unsigned int nsw_gro_held(const NswGro *gro, uint64_t *bytes);

/* Forget the frame held, unsent (its owner counts it as dropped) */
void nsw_gro_drop(NswGro *gro);

/*
 * The frame held, its length in *@len, and in *@off its offload metadata
 * (NULL: one segment only, the frame as it came).  Valid until the next
 * call; the GRO is empty afterwards.
 */
const uint8_t *nsw_gro_flush(NswGro *gro, size_t *len,
                             const NswOffload **off);

#endif /* NET_NETSWITCH_OFFLOAD_H */
