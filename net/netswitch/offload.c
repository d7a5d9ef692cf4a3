/*
 * netswitch core: offload metadata and software segmentation
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The rules a segment follows are TCP's (RFC 9293) and those of Linux's
 * own software segmentation, which is what a guest that asks for TSO
 * expects of the device: every segment carries the super-frame's headers
 * with its own sequence number, IPv4 ID (+1 a segment) and lengths; FIN
 * and PSH stay on the last segment only, CWR on the first only
 * (RFC 3168 6.1.2, Linux's tcp_gso_segment()).
 *
 * QEMU's NetTxPkt (hw/net/net_tx_pkt.c) segments too, but it is built
 * only with e1000e, igb or vmxnet3, maps guest memory through PCI, and
 * the netswitch core links without QEMU's device or net layers (unit
 * tests and the benchmark use it alone): the checksums here are QEMU's
 * net/checksum.c, the rest is a few header fields.
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "net/checksum.h"
#include "net/eth.h"
#include "net/netswitch-offload.h"

#define TCP_HDR_MIN         20
#define TCP_OFF_SEQ         4
#define TCP_OFF_ACK         8
#define TCP_OFF_FLAGS       13
#define TCP_OFF_CSUM        16
#define TCP_ACK             0x10
#define TCPOPT_NOP          1
#define TCPOPT_TIMESTAMP    8
#define TCPOLEN_TIMESTAMP   10
#define TCP_FIN             0x01
#define TCP_PSH             0x08
#define TCP_CWR             0x80
#define IP4_HDR_MIN         20
#define IP6_HDR_LEN         40
#define IP_PROTO_TCP_NUM    6
#define VLAN_TAG_LEN        4   /* an 802.1Q tag, as NSW_VLAN_TAG_LEN */

/* Where the IP header starts (behind one 802.1Q tag, if any), its type */
static size_t l3_offset(const uint8_t *frame, size_t len, uint16_t *type)
{
    *type = lduw_be_p(frame + 12);
    if (*type == ETH_P_VLAN && len >= ETH_HLEN + 4) {
        *type = lduw_be_p(frame + ETH_HLEN + 2);
        return ETH_HLEN + 4;
    }
    return ETH_HLEN;
}

/*
 * Does a partial checksum from @csum_start stay out of the Ethernet, 802.1Q
 * and IP headers?  The switch completes it at the egress port, after its
 * ingress checks (anti-spoofing, MAC limit, VLAN classification) have
 * looked at those headers: a checksum the guest points at them would
 * rewrite the source MAC or forge a tag after the fact.  Linux only asks
 * for L4 checksums, behind an IPv4 or IPv6 header.  The bound above
 * leaves room to push a tag (the offsets move by 4 and are 16 bits).
 */
static bool csum_start_in_l4(const uint8_t *frame, size_t len,
                             uint16_t csum_start)
{
    uint16_t type;
    size_t l3 = l3_offset(frame, len, &type);

    if (csum_start > UINT16_MAX - VLAN_TAG_LEN) {
        return false;
    }
    switch (type) {
    case ETH_P_IP:
        return csum_start >= l3 + IP4_HDR_MIN;
    case ETH_P_IPV6:
        return csum_start >= l3 + IP6_HDR_LEN;
    default:
        return false;
    }
}

/* The TCP header's offset in an IPv4 super-frame, or 0 with *why set */
static size_t parse_ip4(const uint8_t *frame, size_t len, size_t l3,
                        const char **why)
{
    const uint8_t *ip = frame + l3;
    size_t ihl;

    if (len < l3 + IP4_HDR_MIN || (ip[0] >> 4) != 4) {
        *why = "TSO4 on a frame that is not IPv4";
        return 0;
    }
    ihl = (ip[0] & 0xf) * 4;
    if (ihl < IP4_HDR_MIN || len < l3 + ihl) {
        *why = "bad IPv4 header length";
    } else if (ip[9] != IP_PROTO_TCP_NUM) {
        *why = "TSO on a frame that is not TCP";
    } else if (lduw_be_p(ip + 6) & 0x3fff) {
        *why = "TSO on an IPv4 fragment";
    } else if (lduw_be_p(ip + 2) != len - l3) {
        *why = "IPv4 total length does not match the frame";
    } else {
        return l3 + ihl;
    }
    return 0;
}

static size_t parse_ip6(const uint8_t *frame, size_t len, size_t l3,
                        const char **why)
{
    const uint8_t *ip = frame + l3;

    if (len < l3 + IP6_HDR_LEN || (ip[0] >> 4) != 6) {
        *why = "TSO6 on a frame that is not IPv6";
    } else if (ip[6] != IP_PROTO_TCP_NUM) {
        *why = "TSO6 with IPv6 extension headers or not TCP";
    } else if (lduw_be_p(ip + 4) != len - l3 - IP6_HDR_LEN) {
        *why = "IPv6 payload length does not match the frame";
    } else {
        return l3 + IP6_HDR_LEN;
    }
    return 0;
}

/* Fill the super-frame part of @off (gso_type set); NULL when it fits */
static const char *parse_super_frame(NswOffload *off, const uint8_t *frame,
                                     size_t len, size_t max_seg_len)
{
    const char *why = NULL;
    uint16_t type;
    size_t l3, l4, tcp_len;

    if (!off->needs_csum) {
        return "segmentation without NEEDS_CSUM";
    }
    if (len > NSW_GSO_MAX_LEN) {
        return "longer than a super-frame may be";
    }
    l3 = l3_offset(frame, len, &type);
    if (off->gso_type == NSW_GSO_TCPV4) {
        l4 = type == ETH_P_IP ? parse_ip4(frame, len, l3, &why) : 0;
    } else {
        l4 = type == ETH_P_IPV6 ? parse_ip6(frame, len, l3, &why) : 0;
    }
    if (!l4) {
        return why ?: "GSO type does not match the EtherType";
    }
    if (len < l4 + TCP_HDR_MIN) {
        return "no room for the TCP header";
    }
    tcp_len = (frame[l4 + 12] >> 4) * 4;
    if (tcp_len < TCP_HDR_MIN || len <= l4 + tcp_len) {
        return "bad TCP header length, or no payload";
    }
    if (off->csum_start != l4 || off->csum_offset != TCP_OFF_CSUM) {
        return "checksum position is not the TCP checksum";
    }
    if (off->gso_size < NSW_GSO_MIN_SIZE) {
        return "gso_size too small";
    }
    if (l4 + tcp_len + off->gso_size > max_seg_len) {
        return "gso_size makes segments longer than the link allows";
    }
    off->l3_off = l3;
    off->hdr_len = l4 + tcp_len;
    return NULL;
}

const char *nsw_offload_from_vnet_hdr(NswOffload *off,
                                      const struct virtio_net_hdr *hdr,
                                      const uint8_t *frame, size_t len,
                                      size_t max_seg_len)
{
    bool ecn = hdr->gso_type & VIRTIO_NET_HDR_GSO_ECN;

    memset(off, 0, sizeof(*off));
    if (len < ETH_HLEN) {
        return "shorter than an Ethernet header";
    }
    if (hdr->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
        if ((size_t)hdr->csum_start + hdr->csum_offset + 2 > len) {
            return "checksum position outside the frame";
        }
        if (!csum_start_in_l4(frame, len, hdr->csum_start)) {
            return "checksum position inside the Ethernet or IP header";
        }
        off->needs_csum = true;
        off->csum_start = hdr->csum_start;
        off->csum_offset = hdr->csum_offset;
    }
    /* Only a hint (spec 5.1.6.2): it must not point past the frame */
    if (hdr->hdr_len > len) {
        return "hdr_len beyond the frame";
    }
    switch (hdr->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) {
    case VIRTIO_NET_HDR_GSO_NONE:
        return ecn ? "ECN without segmentation" : NULL;
    case VIRTIO_NET_HDR_GSO_TCPV4:
        off->gso_type = NSW_GSO_TCPV4;
        break;
    case VIRTIO_NET_HDR_GSO_TCPV6:
        off->gso_type = NSW_GSO_TCPV6;
        break;
    case VIRTIO_NET_HDR_GSO_UDP:
        return "UDP fragmentation offload was not offered";
    default:
        return "unknown GSO type";
    }
    off->ecn = ecn;
    off->gso_size = hdr->gso_size;
    return parse_super_frame(off, frame, len, max_seg_len);
}

void nsw_offload_to_vnet_hdr(const NswOffload *off, struct virtio_net_hdr *hdr)
{
    static const uint8_t gso_types[] = {
        [NSW_GSO_NONE] = VIRTIO_NET_HDR_GSO_NONE,
        [NSW_GSO_TCPV4] = VIRTIO_NET_HDR_GSO_TCPV4,
        [NSW_GSO_TCPV6] = VIRTIO_NET_HDR_GSO_TCPV6,
    };

    memset(hdr, 0, sizeof(*hdr));
    if (off->needs_csum) {
        hdr->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
        hdr->csum_start = off->csum_start;
        hdr->csum_offset = off->csum_offset;
    }
    hdr->gso_type = gso_types[off->gso_type];
    if (off->gso_type != NSW_GSO_NONE) {
        hdr->gso_type |= off->ecn ? VIRTIO_NET_HDR_GSO_ECN : 0;
        hdr->gso_size = off->gso_size;
        hdr->hdr_len = off->hdr_len;
    }
}

bool nsw_offload_fits(const NswOffload *off, unsigned int caps)
{
    if (off->needs_csum && !(caps & NSW_OFFLOAD_CSUM)) {
        return false;
    }
    switch (off->gso_type) {
    case NSW_GSO_TCPV4:
        return (caps & NSW_OFFLOAD_TSO4) &&
               (!off->ecn || (caps & NSW_OFFLOAD_ECN));
    case NSW_GSO_TCPV6:
        return (caps & NSW_OFFLOAD_TSO6) &&
               (!off->ecn || (caps & NSW_OFFLOAD_ECN));
    default:
        return true;
    }
}

unsigned int nsw_offload_segments(const NswOffload *off, size_t len)
{
    if (off->gso_type == NSW_GSO_NONE) {
        return 1;
    }
    return DIV_ROUND_UP(len - off->hdr_len, off->gso_size);
}

/* Complete a partial checksum: the pseudo-header sum is in the field */
static void fill_partial_csum(const NswOffload *off, uint8_t *frame,
                              size_t len)
{
    uint32_t sum = net_checksum_add(len - off->csum_start,
                                    frame + off->csum_start);

    /* 0 would mean "no checksum" to UDP; 0xffff is the same to TCP */
    stw_be_p(frame + off->csum_start + off->csum_offset,
             net_checksum_finish_nozero(sum));
}

/* Fix the IP header of a segment; returns the pseudo-header sum */
static uint32_t fix_ip_header(const NswOffload *off, uint8_t *seg,
                              size_t seg_len, unsigned int i)
{
    uint8_t *ip = seg + off->l3_off;
    uint16_t tcp_len = seg_len - off->csum_start;

    if (off->gso_type == NSW_GSO_TCPV4) {
        size_t ihl = off->csum_start - off->l3_off;

        stw_be_p(ip + 2, seg_len - off->l3_off);
        stw_be_p(ip + 4, lduw_be_p(ip + 4) + i);
        stw_be_p(ip + 10, 0);
        stw_be_p(ip + 10, net_checksum_finish(net_checksum_add(ihl, ip)));
        return net_checksum_add(8, ip + 12) + IP_PROTO_TCP_NUM + tcp_len;
    }
    stw_be_p(ip + 4, tcp_len);
    return net_checksum_add(32, ip + 8) + IP_PROTO_TCP_NUM + tcp_len;
}

size_t nsw_offload_segment(const NswOffload *off, const uint8_t *frame,
                           size_t len, unsigned int i, uint8_t *out)
{
    size_t from, chunk, seg_len;
    uint8_t *tcp = out + off->csum_start;
    uint8_t flags;
    uint32_t sum;

    if (off->gso_type == NSW_GSO_NONE) {
        memcpy(out, frame, len);
        if (off->needs_csum) {
            fill_partial_csum(off, out, len);
        }
        return len;
    }
    from = off->hdr_len + (size_t)i * off->gso_size;
    chunk = MIN(off->gso_size, len - from);
    seg_len = off->hdr_len + chunk;
    memcpy(out, frame, off->hdr_len);
    memcpy(out + off->hdr_len, frame + from, chunk);

    sum = fix_ip_header(off, out, seg_len, i);
    stl_be_p(tcp + TCP_OFF_SEQ,
             ldl_be_p(tcp + TCP_OFF_SEQ) + i * off->gso_size);
    flags = tcp[TCP_OFF_FLAGS];
    if (from + chunk < len) {
        flags &= ~(TCP_FIN | TCP_PSH);
    }
    if (i) {
        flags &= ~TCP_CWR;
    }
    tcp[TCP_OFF_FLAGS] = flags;
    stw_be_p(tcp + TCP_OFF_CSUM, 0);
    sum += net_checksum_add(seg_len - off->csum_start, tcp);
    stw_be_p(tcp + TCP_OFF_CSUM, net_checksum_finish(sum));
    return seg_len;
}

/* ---- Receive coalescing ------------------------------------------------ */

struct NswGro {
    uint8_t *buf;           /* NSW_GSO_MAX_LEN: the super-frame so far */
    size_t len;             /* 0: nothing held; else up to the payload's end */
    size_t first_len;       /* the first segment's, Ethernet padding too */
    unsigned int segs;
    uint64_t held_bytes;    /* the frames' lengths as offered, summed */
    uint32_t next_seq;
    NswOffload off;
    /*
     * The buffer holds a pure ACK, not data: the one held (len != 0), or
     * the last one sent, which the next ACK is compared with
     */
    bool ack;
    bool ack_droppable;     /* the ACK held acknowledged more than the last */
    uint64_t acks_thinned;  /* ACKs dropped for a later one */
};

/* Where a mergeable segment's parts are */
typedef struct GroSeg {
    bool v6;
    size_t l3, l4, data;    /* IP header, TCP header, payload */
    size_t end;             /* end of the IP datagram (no Ethernet pad) */
} GroSeg;

NswGro *nsw_gro_new(void)
{
    NswGro *gro = g_new0(NswGro, 1);

    gro->buf = g_malloc(NSW_GSO_MAX_LEN);
    return gro;
}

void nsw_gro_free(NswGro *gro)
{
    if (gro) {
        g_free(gro->buf);
        g_free(gro);
    }
}

bool nsw_gro_pending(const NswGro *gro)
{
    return gro->len != 0;
}

/* The sum of the pseudo-header of a TCP segment of @tcp_len bytes */
static uint32_t tcp_pseudo_sum(bool v6, uint8_t *ip, size_t tcp_len)
{
    return (v6 ? net_checksum_add(32, ip + 8) : net_checksum_add(8, ip + 12)) +
           IP_PROTO_TCP_NUM + tcp_len;
}

/*
 * Whether a pure ACK's options let a later ACK stand for it: none, or
 * NOPs and a timestamp (whose newer value is the one to keep).  SACK
 * blocks say which segments are missing: never thinned.
 */
static bool ack_options_ok(const uint8_t *opt, size_t len)
{
    size_t i = 0;

    while (i < len) {
        if (opt[i] == TCPOPT_NOP) {
            i++;
        } else if (opt[i] == TCPOPT_TIMESTAMP && i + 1 < len &&
                   opt[i + 1] == TCPOLEN_TIMESTAMP &&
                   i + TCPOLEN_TIMESTAMP <= len) {
            i += TCPOLEN_TIMESTAMP;
        } else {
            return false;
        }
    }
    return true;
}

/*
 * Whether @frame is a TCP segment GRO may merge, or a pure ACK it may
 * thin; fills @s
 */
static bool gro_parse(const uint8_t *frame, size_t len, GroSeg *s)
{
    uint16_t type;
    const uint8_t *ip, *tcp;
    size_t tcp_len;

    if (len < ETH_HLEN) {
        return false;
    }
    s->l3 = l3_offset(frame, len, &type);
    ip = frame + s->l3;
    if (type == ETH_P_IP && len >= s->l3 + IP4_HDR_MIN && ip[0] == 0x45 &&
        ip[9] == IP_PROTO_TCP_NUM && !(lduw_be_p(ip + 6) & 0x3fff)) {
        s->v6 = false;
        s->l4 = s->l3 + IP4_HDR_MIN;
        s->end = s->l3 + lduw_be_p(ip + 2);
    } else if (type == ETH_P_IPV6 && len >= s->l3 + IP6_HDR_LEN &&
               (ip[0] >> 4) == 6 && ip[6] == IP_PROTO_TCP_NUM) {
        s->v6 = true;
        s->l4 = s->l3 + IP6_HDR_LEN;
        s->end = s->l4 + lduw_be_p(ip + 4);
    } else {
        return false;
    }
    if (s->end > len || s->end < s->l4 + TCP_HDR_MIN) {
        return false;
    }
    tcp = frame + s->l4;
    tcp_len = (tcp[12] >> 4) * 4;
    s->data = s->l4 + tcp_len;
    if (tcp_len < TCP_HDR_MIN || s->data > s->end) {
        return false;
    }
    /*
     * Data: only ACK and PSH.  No data: a pure ACK (the ACK flag alone)
     * with at most timestamps, which a later one may stand for.
     */
    if (s->data < s->end ? (tcp[13] & ~(TCP_PSH | TCP_ACK)) ||
                           !(tcp[13] & TCP_ACK)
                         : tcp[13] != TCP_ACK ||
                           !ack_options_ok(tcp + TCP_HDR_MIN,
                                           tcp_len - TCP_HDR_MIN)) {
        return false;
    }
    /* A correct checksum: the guest will not check a super-frame's */
    return net_checksum_finish(tcp_pseudo_sum(s->v6, (uint8_t *)frame + s->l3,
                                              s->end - s->l4) +
                               net_checksum_add(s->end - s->l4,
                                                (uint8_t *)tcp)) == 0;
}

/*
 * Whether @frame (parsed in @s) belongs to the flow of the frame held:
 * the same Ethernet header, addresses, TOS/TTL (traffic class, flow
 * label, hop limit), ports and header lengths
 */
static bool gro_same_flow(NswGro *gro, const uint8_t *frame, const GroSeg *s)
{
    const uint8_t *held = gro->buf, *ip = frame + s->l3, *hip = held + s->l3;

    if (s->l3 != gro->off.l3_off || s->data != gro->off.hdr_len ||
        s->v6 != (gro->off.gso_type == NSW_GSO_TCPV6) ||
        memcmp(frame, held, s->l3)) {
        return false;
    }
    if (s->v6) {
        /* version, traffic class, flow label; next header, hop limit */
        if (memcmp(ip, hip, 4) || memcmp(ip + 6, hip + 6, 34)) {
            return false;
        }
    } else if (ip[1] != hip[1] || ip[8] != hip[8] ||
               memcmp(ip + 12, hip + 12, 8) ||
               (lduw_be_p(ip + 6) ^ lduw_be_p(hip + 6))) {
        return false;
    }
    return !memcmp(frame + s->l4, held + s->l4, 4);
}

/* Whether @s of @frame continues the super-frame held */
static bool gro_continues(NswGro *gro, const uint8_t *frame, const GroSeg *s)
{
    const uint8_t *tcp = frame + s->l4, *htcp = gro->buf + s->l4;
    size_t payload = s->end - s->data;

    if (gro->ack || !gro_same_flow(gro, frame, s)) {
        return false;
    }
    /* ACK number, header length, options; the right sequence */
    return !memcmp(tcp + 8, htcp + 8, 5) &&
           !memcmp(tcp + TCP_HDR_MIN, htcp + TCP_HDR_MIN,
                   s->data - s->l4 - TCP_HDR_MIN) &&
           ldl_be_p(tcp + TCP_OFF_SEQ) == gro->next_seq &&
           payload <= gro->off.gso_size &&
           gro->len + payload <= s->l3 + 65535 + (s->v6 ? IP6_HDR_LEN : 0);
}

/*
 * Whether the pure ACK @frame (parsed in @s) acknowledges more than the
 * one in the buffer (held, or the last one sent): the same flow and
 * sequence number, a later ACK number
 */
static bool gro_ack_advances(NswGro *gro, const uint8_t *frame,
                             const GroSeg *s)
{
    const uint8_t *tcp = frame + s->l4, *htcp = gro->buf + s->l4;

    return gro->ack && gro_same_flow(gro, frame, s) &&
           ldl_be_p(tcp + TCP_OFF_SEQ) == ldl_be_p(htcp + TCP_OFF_SEQ) &&
           (int32_t)(ldl_be_p(tcp + TCP_OFF_ACK) -
                     ldl_be_p(htcp + TCP_OFF_ACK)) > 0;
}

/*
 * A pure ACK: held, or standing for the one held, which is dropped.  Only
 * an ACK that itself acknowledged more than the one before it (held or
 * last sent) may be dropped: a duplicate ACK tells the sender of a loss,
 * so duplicates, and the ACK after them, all reach the guest.
 */
static bool gro_thin_ack(NswGro *gro, const uint8_t *frame, size_t len,
                         const GroSeg *s)
{
    bool advances = gro_ack_advances(gro, frame, s);

    if (gro->len) {
        if (!advances || !gro->ack_droppable) {
            return false;
        }
        gro->acks_thinned++;
    }
    memcpy(gro->buf, frame, len);
    gro->first_len = len;
    gro->len = s->end;
    gro->segs = 1;
    gro->held_bytes = len;
    gro->ack = true;
    gro->ack_droppable = advances;
    gro->off = (NswOffload) {
        .gso_type = s->v6 ? NSW_GSO_TCPV6 : NSW_GSO_TCPV4,
        .l3_off = s->l3,
        .hdr_len = s->data,
    };
    return true;
}

bool nsw_gro_offer(NswGro *gro, const uint8_t *frame, size_t len,
                   bool *flush_now)
{
    GroSeg s;
    size_t payload;

    *flush_now = false;
    if (len > NSW_GSO_MAX_LEN || !gro_parse(frame, len, &s)) {
        return false;
    }
    payload = s.end - s.data;
    if (!payload) {
        return gro_thin_ack(gro, frame, len, &s);
    }
    if (!gro->len) {
        /* All of it: a lone segment goes on exactly as it came */
        memcpy(gro->buf, frame, len);
        gro->first_len = len;
        gro->len = s.end;
        gro->segs = 1;
        gro->held_bytes = len;
        gro->ack = false;
        gro->off = (NswOffload) {
            .gso_type = s.v6 ? NSW_GSO_TCPV6 : NSW_GSO_TCPV4,
            .needs_csum = true,
            .gso_size = payload,
            .csum_start = s.l4,
            .csum_offset = TCP_OFF_CSUM,
            .l3_off = s.l3,
            .hdr_len = s.data,
        };
    } else if (gro_continues(gro, frame, &s)) {
        memcpy(gro->buf + gro->len, frame + s.data, payload);
        gro->len += payload;
        gro->segs++;
        gro->held_bytes += len;
        gro->buf[s.l4 + TCP_OFF_FLAGS] |= frame[s.l4 + TCP_OFF_FLAGS];
    } else {
        return false;
    }
    gro->next_seq = ldl_be_p(frame + s.l4 + TCP_OFF_SEQ) + payload;
    *flush_now = payload < gro->off.gso_size ||
                 (frame[s.l4 + TCP_OFF_FLAGS] & TCP_PSH);
    return true;
}

uint64_t nsw_gro_acks_thinned(const NswGro *gro)
{
    return gro->acks_thinned;
}

unsigned int nsw_gro_held(const NswGro *gro, uint64_t *bytes)
{
    if (!gro->len) {
        *bytes = 0;
        return 0;
    }
    *bytes = gro->held_bytes;
    return gro->segs;
}

void nsw_gro_drop(NswGro *gro)
{
    gro->len = 0;
}

const uint8_t *nsw_gro_flush(NswGro *gro, size_t *len,
                             const NswOffload **off)
{
    NswOffload *o = &gro->off;
    uint8_t *ip = gro->buf + o->l3_off;
    uint8_t *tcp = gro->buf + o->csum_start;
    size_t tcp_len = gro->len - o->csum_start;

    *len = gro->len;
    *off = NULL;
    gro->len = 0;
    if (gro->segs == 1) {
        *len = gro->first_len;
        return gro->buf;        /* untouched */
    }
    if (o->gso_type == NSW_GSO_TCPV4) {
        stw_be_p(ip + 2, *len - o->l3_off);
        stw_be_p(ip + 10, 0);
        stw_be_p(ip + 10, net_checksum_finish(
                     net_checksum_add(IP4_HDR_MIN, ip)));
    } else {
        stw_be_p(ip + 4, tcp_len);
    }
    /* A partial checksum: the pseudo-header sum, as Linux leaves it */
    stw_be_p(tcp + TCP_OFF_CSUM,
             (uint16_t)~net_checksum_finish(
                 tcp_pseudo_sum(o->gso_type == NSW_GSO_TCPV6, ip, tcp_len)));
    *off = o;
    return gro->buf;
}
