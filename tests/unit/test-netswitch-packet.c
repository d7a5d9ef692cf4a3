/*
 * netswitch core: NswPacket unit tests
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "net/netswitch-core.h"

/* dst 02:..:01, src 02:..:02: the 12 bytes a tag goes after */
static const uint8_t macs[12] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02,
};

/*
 * An untagged frame of @len bytes: MACs, type 0x0800, then bytes 0x80,
 * 0x81, ... that tell where each payload byte came from.
 */
static void make_untagged(uint8_t *buf, size_t len)
{
    size_t i;

    memcpy(buf, macs, 12);
    buf[12] = 0x08;
    buf[13] = 0x00;
    for (i = 14; i < len; i++) {
        buf[i] = 0x80 + i;
    }
}

/* The same frame with the tag 0x8100 @tci after the MACs */
static void make_tagged(uint8_t *buf, size_t untagged_len, uint16_t tci)
{
    uint8_t untagged[2048];

    make_untagged(untagged, untagged_len);
    memcpy(buf, untagged, 12);
    buf[12] = 0x81;
    buf[13] = 0x00;
    buf[14] = tci >> 8;
    buf[15] = tci & 0xff;
    memcpy(buf + 16, untagged + 12, untagged_len - 12);
}

static void test_new_copies(void)
{
    uint8_t frame[64];
    NswPacket *pkt;

    make_untagged(frame, sizeof(frame));
    pkt = nsw_packet_new(frame, sizeof(frame));
    frame[20] ^= 0xff;
    g_assert_cmpuint(nsw_packet_len(pkt), ==, 64);
    g_assert(nsw_packet_data(pkt) != frame);
    g_assert_cmpuint(nsw_packet_data(pkt)[20], ==, (uint8_t)(0x80 + 20));
    g_assert_false(nsw_packet_is_shared(pkt));
    nsw_packet_unref(pkt);
}

static void test_ref_shares(void)
{
    uint8_t frame[64];
    NswPacket *pkt, *ref;

    make_untagged(frame, sizeof(frame));
    pkt = nsw_packet_new(frame, sizeof(frame));
    ref = nsw_packet_ref(pkt);
    g_assert(ref == pkt);
    g_assert_true(nsw_packet_is_shared(pkt));
    nsw_packet_unref(ref);
    g_assert_false(nsw_packet_is_shared(pkt));
    g_assert_cmpmem(nsw_packet_data(pkt), 64, frame, 64);
    nsw_packet_unref(pkt);
}

static void test_make_writable_exclusive(void)
{
    uint8_t frame[64];
    NswPacket *pkt, *w;

    make_untagged(frame, sizeof(frame));
    pkt = nsw_packet_new(frame, sizeof(frame));
    w = nsw_packet_make_writable(pkt);
    g_assert(w == pkt);
    nsw_packet_writable_data(w)[0] = 0xee;
    g_assert_cmpuint(nsw_packet_data(pkt)[0], ==, 0xee);
    nsw_packet_unref(w);
}

static void test_make_writable_shared(void)
{
    uint8_t frame[64];
    NswPacket *pkt, *w;

    make_untagged(frame, sizeof(frame));
    pkt = nsw_packet_new(frame, sizeof(frame));
    w = nsw_packet_make_writable(nsw_packet_ref(pkt));
    g_assert(w != pkt);
    g_assert_false(nsw_packet_is_shared(pkt));
    g_assert_false(nsw_packet_is_shared(w));
    nsw_packet_writable_data(w)[0] = 0xee;
    g_assert_cmpmem(nsw_packet_data(pkt), 64, frame, 64);
    g_assert_cmpuint(nsw_packet_data(w)[0], ==, 0xee);
    g_assert_cmpmem(nsw_packet_data(w) + 1, 63, frame + 1, 63);
    nsw_packet_unref(w);
    nsw_packet_unref(pkt);
}

static void test_wrap(void)
{
    uint8_t frame[64], expected[64];
    NswPacket wrapper, *kept, *again;

    make_untagged(frame, sizeof(frame));
    nsw_packet_wrap(&wrapper, frame, sizeof(frame));
    g_assert(nsw_packet_data(&wrapper) == frame);
    g_assert_cmpuint(nsw_packet_len(&wrapper), ==, 64);
    g_assert_true(nsw_packet_is_shared(&wrapper));

    /* Keeping a wrapped frame must not depend on the caller's buffer. */
    kept = nsw_packet_ref(&wrapper);
    g_assert(kept != &wrapper);
    g_assert(nsw_packet_data(kept) != frame);
    /* Everyone who keeps it shares the one copy */
    again = nsw_packet_ref(&wrapper);
    g_assert(again == kept);
    g_assert_true(nsw_packet_is_shared(kept));
    nsw_packet_unwrap(&wrapper);
    memset(frame, 0, sizeof(frame));
    make_untagged(expected, sizeof(expected));
    g_assert_cmpmem(nsw_packet_data(kept), nsw_packet_len(kept),
                    expected, sizeof(expected));
    nsw_packet_unref(again);
    nsw_packet_unref(kept);
}

static void test_vlan_parse(void)
{
    uint8_t frame[64];
    uint16_t tci = 0;

    make_untagged(frame, 60);
    g_assert_cmpint(nsw_eth_vlan_parse(frame, 60, &tci), ==,
                    NSW_VLAN_UNTAGGED);
    g_assert_cmpint(nsw_eth_vlan_parse(frame, 13, &tci), ==,
                    NSW_VLAN_UNTAGGED);

    make_tagged(frame, 60, 0xa00a);
    g_assert_cmpint(nsw_eth_vlan_parse(frame, 64, &tci), ==, NSW_VLAN_TAGGED);
    g_assert_cmphex(tci, ==, 0xa00a);
    g_assert_cmpuint(NSW_TCI_VID(tci), ==, 10);
    g_assert_cmpint(nsw_eth_vlan_parse(frame, 18, &tci), ==, NSW_VLAN_TAGGED);
    g_assert_cmpint(nsw_eth_vlan_parse(frame, 17, &tci), ==,
                    NSW_VLAN_TRUNCATED);
    g_assert_cmpint(nsw_eth_vlan_parse(frame, 14, &tci), ==,
                    NSW_VLAN_TRUNCATED);
}

/* A padded 60-byte frame gains 4 bytes and keeps its 46 payload bytes. */
static void test_vlan_push_padded(void)
{
    static const uint8_t expected[64] = {
        0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02,
        0x81, 0x00, 0x20, 0x64, 0x08, 0x00,
        0x8e, 0x8f, 0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99,
        0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f, 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5,
        0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf, 0xb0, 0xb1,
        0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xbb,
    };
    uint8_t frame[60];
    NswPacket *pkt;

    make_untagged(frame, sizeof(frame));
    pkt = nsw_packet_vlan_push(nsw_packet_new(frame, sizeof(frame)), 0x2064);
    g_assert_cmpmem(nsw_packet_data(pkt), nsw_packet_len(pkt),
                    expected, sizeof(expected));
    nsw_packet_unref(pkt);
}

/* Pushing onto a shared packet leaves the other reference's frame alone. */
static void test_vlan_push_shared(void)
{
    uint8_t frame[100], tagged[104];
    NswPacket *pkt, *pushed;

    make_untagged(frame, sizeof(frame));
    make_tagged(tagged, sizeof(frame), 7);
    pkt = nsw_packet_new(frame, sizeof(frame));
    pushed = nsw_packet_vlan_push(nsw_packet_ref(pkt), 7);
    g_assert(pushed != pkt);
    g_assert_cmpmem(nsw_packet_data(pkt), nsw_packet_len(pkt),
                    frame, sizeof(frame));
    g_assert_cmpmem(nsw_packet_data(pushed), nsw_packet_len(pushed),
                    tagged, sizeof(tagged));
    nsw_packet_unref(pushed);
    nsw_packet_unref(pkt);
}

/* The 64-byte tagged form of a padded frame pops back to the 60 bytes. */
static void test_vlan_pop_padded(void)
{
    uint8_t untagged[60], tagged[64];
    NswPacket *pkt;

    make_untagged(untagged, sizeof(untagged));
    make_tagged(tagged, sizeof(untagged), 10);
    pkt = nsw_packet_vlan_pop(nsw_packet_new(tagged, sizeof(tagged)));
    g_assert_cmpmem(nsw_packet_data(pkt), nsw_packet_len(pkt),
                    untagged, sizeof(untagged));
    nsw_packet_unref(pkt);
}

/* A 60-byte tagged frame would pop to 56 bytes: it is padded to 60. */
static void test_vlan_pop_pads(void)
{
    uint8_t untagged[60] = { 0 }, tagged[60];
    NswPacket *pkt, *shared, *popped;

    make_untagged(untagged, 56);
    make_tagged(tagged, 56, 10);

    pkt = nsw_packet_vlan_pop(nsw_packet_new(tagged, sizeof(tagged)));
    g_assert_cmpmem(nsw_packet_data(pkt), nsw_packet_len(pkt),
                    untagged, sizeof(untagged));
    nsw_packet_unref(pkt);

    /* The same through the copying path */
    shared = nsw_packet_new(tagged, sizeof(tagged));
    popped = nsw_packet_vlan_pop(nsw_packet_ref(shared));
    g_assert(popped != shared);
    g_assert_cmpmem(nsw_packet_data(popped), nsw_packet_len(popped),
                    untagged, sizeof(untagged));
    g_assert_cmpmem(nsw_packet_data(shared), nsw_packet_len(shared),
                    tagged, sizeof(tagged));
    nsw_packet_unref(popped);
    nsw_packet_unref(shared);
}

static void test_vlan_pop_large(void)
{
    uint8_t untagged[1514], tagged[1518];
    NswPacket *pkt;

    make_untagged(untagged, sizeof(untagged));
    make_tagged(tagged, sizeof(untagged), 4094);
    pkt = nsw_packet_vlan_pop(nsw_packet_new(tagged, sizeof(tagged)));
    g_assert_cmpmem(nsw_packet_data(pkt), nsw_packet_len(pkt),
                    untagged, sizeof(untagged));
    nsw_packet_unref(pkt);
}

/*
 * Stacking and removing tags runs out of head or tail room on the way;
 * the bytes must come out the same whether the work is in place or not.
 */
static void test_vlan_push_pop_stack(void)
{
    uint8_t frame[60], tagged[64], twice[68];
    NswPacket *pkt;

    make_untagged(frame, sizeof(frame));
    make_tagged(tagged, sizeof(frame), 20);
    memcpy(twice, tagged, 12);
    twice[12] = 0x81;
    twice[13] = 0x00;
    twice[14] = 0x00;
    twice[15] = 30;
    memcpy(twice + 16, tagged + 12, 52);

    pkt = nsw_packet_new(frame, sizeof(frame));
    pkt = nsw_packet_vlan_push(pkt, 20);
    pkt = nsw_packet_vlan_push(pkt, 30);
    g_assert_cmpmem(nsw_packet_data(pkt), nsw_packet_len(pkt),
                    twice, sizeof(twice));
    pkt = nsw_packet_vlan_pop(pkt);
    g_assert_cmpmem(nsw_packet_data(pkt), nsw_packet_len(pkt),
                    tagged, sizeof(tagged));
    pkt = nsw_packet_vlan_pop(pkt);
    g_assert_cmpmem(nsw_packet_data(pkt), nsw_packet_len(pkt),
                    frame, sizeof(frame));
    pkt = nsw_packet_vlan_push(pkt, 20);
    g_assert_cmpmem(nsw_packet_data(pkt), nsw_packet_len(pkt),
                    tagged, sizeof(tagged));
    nsw_packet_unref(pkt);
}

/*
 * A minimum-size frame with two tags: the second pop needs more tail room
 * for its padding than the packet has, so it copies.
 */
static void test_vlan_pop_twice_short(void)
{
    uint8_t untagged[60] = { 0 }, once[60], twice[64];
    NswPacket *pkt;

    make_untagged(untagged, 56);
    make_tagged(once, 56, 5);
    memcpy(twice, once, 12);
    twice[12] = 0x81;
    twice[13] = 0x00;
    twice[14] = 0x00;
    twice[15] = 6;
    memcpy(twice + 16, once + 12, 48);

    pkt = nsw_packet_vlan_pop(nsw_packet_new(twice, sizeof(twice)));
    g_assert_cmpmem(nsw_packet_data(pkt), nsw_packet_len(pkt),
                    once, sizeof(once));
    pkt = nsw_packet_vlan_pop(pkt);
    g_assert_cmpmem(nsw_packet_data(pkt), nsw_packet_len(pkt),
                    untagged, sizeof(untagged));
    nsw_packet_unref(pkt);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/netswitch/packet/new-copies", test_new_copies);
    g_test_add_func("/netswitch/packet/ref-shares", test_ref_shares);
    g_test_add_func("/netswitch/packet/make-writable-exclusive",
                    test_make_writable_exclusive);
    g_test_add_func("/netswitch/packet/make-writable-shared",
                    test_make_writable_shared);
    g_test_add_func("/netswitch/packet/wrap", test_wrap);
    g_test_add_func("/netswitch/packet/vlan-parse", test_vlan_parse);
    g_test_add_func("/netswitch/packet/vlan-push-padded",
                    test_vlan_push_padded);
    g_test_add_func("/netswitch/packet/vlan-push-shared",
                    test_vlan_push_shared);
    g_test_add_func("/netswitch/packet/vlan-pop-padded", test_vlan_pop_padded);
    g_test_add_func("/netswitch/packet/vlan-pop-pads", test_vlan_pop_pads);
    g_test_add_func("/netswitch/packet/vlan-pop-large", test_vlan_pop_large);
    g_test_add_func("/netswitch/packet/vlan-push-pop-stack",
                    test_vlan_push_pop_stack);
    g_test_add_func("/netswitch/packet/vlan-pop-twice-short",
                    test_vlan_pop_twice_short);
    return g_test_run();
}
