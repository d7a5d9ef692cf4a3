/*
 * netswitch core: reference-counted frame buffers and 802.1Q helpers
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "net/eth.h"
#include "net/netswitch-core.h"

/* Room for one tag in front, so that pushing one does not copy. */
#define NSW_PACKET_HEADROOM     NSW_VLAN_TAG_LEN

/* MAC addresses, TPID and TCI */
#define NSW_VLAN_HLEN           (2 * ETH_ALEN + NSW_VLAN_TAG_LEN + 2)

static NswPacket *packet_alloc(size_t len)
{
    /* Enough tail room for nsw_packet_vlan_pop() to pad in place. */
    size_t size = NSW_PACKET_HEADROOM + MAX(len, ETH_ZLEN + NSW_VLAN_TAG_LEN);
    NswPacket *pkt = g_malloc(sizeof(*pkt) + size);

    pkt->refcnt = 1;
    pkt->size = size;
    pkt->copy = NULL;
    pkt->data = pkt->buf + NSW_PACKET_HEADROOM;
    pkt->len = len;
    pkt->offload = NULL;
    pkt->segs = NULL;
    return pkt;
}

/*
 * @copy is @pkt with @delta bytes more (an 802.1Q tag pushed, < 0: popped)
 * after the MAC addresses: it carries @pkt's offload, moved by @delta.
 */
static void copy_offload(NswPacket *copy, const NswPacket *pkt, int delta)
{
    NswOffload off;

    if (likely(!pkt->offload)) {
        return;
    }
    off = *pkt->offload;
    /*
     * nsw_offload_from_vnet_hdr() keeps csum_start behind an IP header and
     * 4 below 65536, so a tag pushed or popped cannot wrap it.
     */
    g_assert(off.csum_start + delta >= 0 &&
             off.csum_start + delta <= UINT16_MAX);
    off.csum_start += delta;
    off.l3_off += delta;
    off.hdr_len += off.hdr_len ? delta : 0;
    nsw_packet_set_offload(copy, &off);
}

static void free_done_offload(NswPacket *pkt)
{
    for (unsigned int i = 0; i < pkt->nsegs; i++) {
        nsw_packet_unref(pkt->segs[i]);
    }
    g_free(pkt->segs);
    pkt->segs = NULL;
}

void nsw_packet_set_offload(NswPacket *pkt, const NswOffload *off)
{
    g_assert(!pkt->segs);
    pkt->offload_store = *off;
    pkt->offload = &pkt->offload_store;
}

NswPacket *const *nsw_packet_done_offload(NswPacket *pkt, unsigned int *n)
{
    const NswOffload *off = pkt->offload;

    if (!pkt->segs) {
        pkt->nsegs = nsw_offload_segments(off, pkt->len);
        pkt->segs = g_new(NswPacket *, pkt->nsegs);
        for (unsigned int i = 0; i < pkt->nsegs; i++) {
            size_t room = off->gso_type == NSW_GSO_NONE ? pkt->len :
                          off->hdr_len + off->gso_size;
            NswPacket *seg = packet_alloc(room);

            seg->len = nsw_offload_segment(off, pkt->data, pkt->len, i,
                                           seg->data);
            pkt->segs[i] = seg;
        }
    }
    *n = pkt->nsegs;
    return pkt->segs;
}

NswPacket *nsw_packet_new(const void *data, size_t len)
{
    NswPacket *pkt = packet_alloc(len);

    memcpy(pkt->data, data, len);
    return pkt;
}

NswPacket *nsw_packet_copy(const NswPacket *pkt)
{
    NswPacket *copy = nsw_packet_new(pkt->data, pkt->len);

    copy_offload(copy, pkt, 0);
    return copy;
}

void nsw_packet_wrap(NswPacket *pkt, const void *data, size_t len)
{
    /* Never written through: wrappers are never writable. */
    pkt->data = (uint8_t *)data;
    pkt->len = len;
    pkt->refcnt = 0;
    pkt->size = 0;
    pkt->copy = NULL;
    pkt->offload = NULL;
    pkt->segs = NULL;
}

static bool packet_is_wrapper(const NswPacket *pkt)
{
    return pkt->refcnt == 0;
}

void nsw_packet_unwrap(NswPacket *pkt)
{
    g_assert(packet_is_wrapper(pkt));
    if (pkt->copy) {
        nsw_packet_unref(pkt->copy);
        pkt->copy = NULL;
    }
    if (pkt->segs) {
        free_done_offload(pkt);
    }
}

NswPacket *nsw_packet_ref(NswPacket *pkt)
{
    if (packet_is_wrapper(pkt)) {
        /* One copy for all the ports that queue a flooded frame */
        if (!pkt->copy) {
            pkt->copy = nsw_packet_copy(pkt);
        }
        pkt = pkt->copy;
    }
    pkt->refcnt++;
    return pkt;
}

void nsw_packet_unref(NswPacket *pkt)
{
    g_assert(!packet_is_wrapper(pkt));
    if (--pkt->refcnt == 0) {
        if (unlikely(pkt->segs)) {
            free_done_offload(pkt);
        }
        g_free(pkt);
    }
}

bool nsw_packet_is_shared(const NswPacket *pkt)
{
    return pkt->refcnt != 1;
}

/* Consume the caller's reference to @pkt and return @copy instead. */
static NswPacket *packet_replace(NswPacket *pkt, NswPacket *copy)
{
    nsw_packet_unref(pkt);
    return copy;
}

/* The frame changes: segments made of it no longer are its segments */
static void forget_done_offload(NswPacket *pkt)
{
    if (unlikely(pkt->segs)) {
        free_done_offload(pkt);
    }
}

NswPacket *nsw_packet_make_writable(NswPacket *pkt)
{
    g_assert(!packet_is_wrapper(pkt));
    if (!nsw_packet_is_shared(pkt)) {
        forget_done_offload(pkt);
        return pkt;
    }
    return packet_replace(pkt, nsw_packet_copy(pkt));
}

uint8_t *nsw_packet_writable_data(NswPacket *pkt)
{
    g_assert(!nsw_packet_is_shared(pkt));
    return pkt->data;
}

NswVlanEncap nsw_eth_vlan_parse(const uint8_t *frame, size_t len,
                                uint16_t *tci)
{
    if (len < ETH_HLEN || lduw_be_p(frame + 2 * ETH_ALEN) != NSW_VLAN_TPID) {
        return NSW_VLAN_UNTAGGED;
    }
    if (len < NSW_VLAN_HLEN) {
        return NSW_VLAN_TRUNCATED;
    }
    *tci = lduw_be_p(frame + ETH_HLEN);
    return NSW_VLAN_TAGGED;
}

static void write_tag(uint8_t *tag, uint16_t tci)
{
    stw_be_p(tag, NSW_VLAN_TPID);
    stw_be_p(tag + 2, tci);
}

static size_t headroom(const NswPacket *pkt)
{
    return pkt->data - pkt->buf;
}

NswPacket *nsw_packet_vlan_push(NswPacket *pkt, uint16_t tci)
{
    const size_t macs = 2 * ETH_ALEN;
    NswPacket *copy;

    g_assert(!packet_is_wrapper(pkt) && pkt->len >= macs);
    if (!nsw_packet_is_shared(pkt) && headroom(pkt) >= NSW_VLAN_TAG_LEN) {
        if (unlikely(pkt->offload)) {
            forget_done_offload(pkt);
            copy_offload(pkt, pkt, NSW_VLAN_TAG_LEN);
        }
        pkt->data -= NSW_VLAN_TAG_LEN;
        pkt->len += NSW_VLAN_TAG_LEN;
        memmove(pkt->data, pkt->data + NSW_VLAN_TAG_LEN, macs);
        write_tag(pkt->data + macs, tci);
        return pkt;
    }

    /* Copy around the tag rather than copying and then moving. */
    copy = packet_alloc(pkt->len + NSW_VLAN_TAG_LEN);
    memcpy(copy->data, pkt->data, macs);
    write_tag(copy->data + macs, tci);
    memcpy(copy->data + macs + NSW_VLAN_TAG_LEN, pkt->data + macs,
           pkt->len - macs);
    copy_offload(copy, pkt, NSW_VLAN_TAG_LEN);
    return packet_replace(pkt, copy);
}

/* Can @pkt lose its tag in place and still hold @padded_len bytes? */
static bool can_pop_in_place(const NswPacket *pkt, size_t padded_len)
{
    return !nsw_packet_is_shared(pkt) &&
           headroom(pkt) + NSW_VLAN_TAG_LEN + padded_len <= pkt->size;
}

NswPacket *nsw_packet_vlan_pop(NswPacket *pkt)
{
    const size_t macs = 2 * ETH_ALEN;
    size_t len, padded_len;
    NswPacket *copy;
    uint16_t tci;

    g_assert(!packet_is_wrapper(pkt));
    g_assert(nsw_eth_vlan_parse(pkt->data, pkt->len, &tci) == NSW_VLAN_TAGGED);
    len = pkt->len - NSW_VLAN_TAG_LEN;
    padded_len = MAX(len, ETH_ZLEN);

    if (can_pop_in_place(pkt, padded_len)) {
        if (unlikely(pkt->offload)) {
            forget_done_offload(pkt);
            copy_offload(pkt, pkt, -NSW_VLAN_TAG_LEN);
        }
        memmove(pkt->data + NSW_VLAN_TAG_LEN, pkt->data, macs);
        pkt->data += NSW_VLAN_TAG_LEN;
        memset(pkt->data + len, 0, padded_len - len);
        pkt->len = padded_len;
        return pkt;
    }

    copy = packet_alloc(padded_len);
    memcpy(copy->data, pkt->data, macs);
    memcpy(copy->data + macs, pkt->data + macs + NSW_VLAN_TAG_LEN,
           len - macs);
    memset(copy->data + len, 0, padded_len - len);
    copy_offload(copy, pkt, -NSW_VLAN_TAG_LEN);
    return packet_replace(pkt, copy);
}
