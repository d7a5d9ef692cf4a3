/*
 * vxlan: VxlanFdb unit tests (learning, moves, ageing, the bound)
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "net/vxlan-fdb.h"

#define SEC     1000000000LL

static const uint8_t mac_a[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b };
static const uint8_t mac_c[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x0c };

static VxlanVtep vtep4(uint8_t last, uint16_t port)
{
    VxlanVtep v;

    memset(&v, 0, sizeof(v));
    v.family = AF_INET;
    v.port = port;
    v.addr[0] = 10;
    v.addr[1] = 99;
    v.addr[3] = last;
    return v;
}

static VxlanVtep vtep6(uint8_t last, uint16_t port)
{
    VxlanVtep v;

    memset(&v, 0, sizeof(v));
    v.family = AF_INET6;
    v.port = port;
    v.addr[0] = 0xfd;
    v.addr[15] = last;
    return v;
}

static bool lookup_is(VxlanFdb *fdb, const uint8_t *mac, const VxlanVtep *v,
                      int64_t now)
{
    const VxlanVtep *got = vxlan_fdb_lookup(fdb, mac, now);

    return got && !memcmp(got, v, sizeof(*v));
}

static void test_learn_lookup(void)
{
    VxlanFdb *fdb = vxlan_fdb_new(16, 0);
    VxlanVtep r1 = vtep4(1, 4789), r2 = vtep6(2, 4789);

    g_assert_null(vxlan_fdb_lookup(fdb, mac_a, 0));
    g_assert_cmpint(vxlan_fdb_learn(fdb, mac_a, &r1, 0), ==, VXLAN_FDB_NEW);
    g_assert_cmpint(vxlan_fdb_learn(fdb, mac_b, &r2, 0), ==, VXLAN_FDB_NEW);
    g_assert_true(lookup_is(fdb, mac_a, &r1, 5));
    g_assert_true(lookup_is(fdb, mac_b, &r2, 5));
    g_assert_null(vxlan_fdb_lookup(fdb, mac_c, 5));
    g_assert_cmpint(vxlan_fdb_learn(fdb, mac_a, &r1, 7), ==,
                    VXLAN_FDB_REFRESHED);
    g_assert_cmpuint(vxlan_fdb_count(fdb), ==, 2);
    vxlan_fdb_flush(fdb);
    g_assert_cmpuint(vxlan_fdb_count(fdb), ==, 0);
    g_assert_null(vxlan_fdb_lookup(fdb, mac_a, 8));
    vxlan_fdb_free(fdb);
}

/* The same address behind another endpoint, or another port, moves */
static void test_move(void)
{
    VxlanFdb *fdb = vxlan_fdb_new(16, 0);
    VxlanVtep r1 = vtep4(1, 4789), r2 = vtep4(2, 4789), r1p = vtep4(1, 5000);

    vxlan_fdb_learn(fdb, mac_a, &r1, 0);
    g_assert_cmpint(vxlan_fdb_learn(fdb, mac_a, &r2, 1), ==, VXLAN_FDB_MOVED);
    g_assert_true(lookup_is(fdb, mac_a, &r2, 1));
    g_assert_cmpint(vxlan_fdb_learn(fdb, mac_a, &r1p, 2), ==,
                    VXLAN_FDB_MOVED);
    g_assert_true(lookup_is(fdb, mac_a, &r1p, 2));
    g_assert_cmpuint(vxlan_fdb_count(fdb), ==, 1);
    vxlan_fdb_free(fdb);
}

static void count_entry(const uint8_t *mac, const VxlanVtep *vtep,
                        int64_t age_ns, void *opaque)
{
    int64_t *ages = opaque;

    ages[mac[5] - 0x0a] = age_ns;
}

static void test_ageing(void)
{
    VxlanFdb *fdb = vxlan_fdb_new(16, 300 * SEC);
    VxlanVtep r1 = vtep4(1, 4789);
    int64_t ages[3] = { -1, -1, -1 };

    vxlan_fdb_learn(fdb, mac_a, &r1, 0);
    vxlan_fdb_learn(fdb, mac_b, &r1, 100 * SEC);
    g_assert_true(lookup_is(fdb, mac_a, &r1, 300 * SEC - 1));
    vxlan_fdb_foreach(fdb, 200 * SEC, count_entry, ages);
    g_assert_cmpint(ages[0], ==, 200 * SEC);
    g_assert_cmpint(ages[1], ==, 100 * SEC);
    g_assert_cmpint(ages[2], ==, -1);

    /* a at 300 s is gone, b is not; foreach leaves a out too */
    ages[0] = ages[1] = -1;
    vxlan_fdb_foreach(fdb, 300 * SEC, count_entry, ages);
    g_assert_cmpint(ages[0], ==, -1);
    g_assert_cmpint(ages[1], ==, 200 * SEC);
    g_assert_null(vxlan_fdb_lookup(fdb, mac_a, 300 * SEC));
    g_assert_true(lookup_is(fdb, mac_b, &r1, 300 * SEC));

    /* traffic keeps an entry alive; an aged one learnt again is new */
    g_assert_cmpint(vxlan_fdb_learn(fdb, mac_b, &r1, 350 * SEC), ==,
                    VXLAN_FDB_REFRESHED);
    g_assert_true(lookup_is(fdb, mac_b, &r1, 649 * SEC));
    g_assert_cmpint(vxlan_fdb_learn(fdb, mac_b, &r1, 650 * SEC), ==,
                    VXLAN_FDB_NEW);
    vxlan_fdb_free(fdb);
}

/* ageing 0: entries stay */
static void test_no_ageing(void)
{
    VxlanFdb *fdb = vxlan_fdb_new(16, 0);
    VxlanVtep r1 = vtep4(1, 4789);

    vxlan_fdb_learn(fdb, mac_a, &r1, 0);
    g_assert_true(lookup_is(fdb, mac_a, &r1, 1000000 * SEC));
    vxlan_fdb_free(fdb);
}

/*
 * A full table refuses new addresses (known ones still refresh and move)
 * until entries age out; the sweep that frees them runs at most once a
 * second, and a flood of new addresses never grows the table.
 */
static void test_bound(void)
{
    VxlanFdb *fdb = vxlan_fdb_new(4, 10 * SEC);
    VxlanVtep r1 = vtep4(1, 4789), r2 = vtep4(2, 4789);
    uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0 };
    unsigned int i, full = 0;

    for (i = 0; i < 4; i++) {
        mac[5] = i;
        g_assert_cmpint(vxlan_fdb_learn(fdb, mac, &r1, 0), ==, VXLAN_FDB_NEW);
    }
    for (i = 4; i < 100000; i++) {
        mac[3] = i >> 16;
        mac[4] = i >> 8;
        mac[5] = i;
        full += vxlan_fdb_learn(fdb, mac, &r1, SEC) == VXLAN_FDB_FULL;
    }
    g_assert_cmpuint(full, ==, 100000 - 4);
    g_assert_cmpuint(vxlan_fdb_count(fdb), ==, 4);

    /* a known address still moves in a full table */
    mac[3] = mac[4] = 0;
    mac[5] = 2;
    g_assert_cmpint(vxlan_fdb_learn(fdb, mac, &r2, 2 * SEC), ==,
                    VXLAN_FDB_MOVED);

    /* at 10 s the three others aged: room for new ones, and no more */
    g_assert_cmpint(vxlan_fdb_learn(fdb, mac_a, &r1, 10 * SEC), ==,
                    VXLAN_FDB_NEW);
    g_assert_cmpuint(vxlan_fdb_count(fdb), ==, 2);
    g_assert_cmpint(vxlan_fdb_learn(fdb, mac_b, &r1, 10 * SEC), ==,
                    VXLAN_FDB_NEW);
    g_assert_cmpint(vxlan_fdb_learn(fdb, mac_c, &r1, 10 * SEC), ==,
                    VXLAN_FDB_NEW);
    mac[5] = 0x77;
    g_assert_cmpint(vxlan_fdb_learn(fdb, mac, &r1, 10 * SEC), ==,
                    VXLAN_FDB_FULL);
    g_assert_cmpuint(vxlan_fdb_count(fdb), ==, 4);
    vxlan_fdb_free(fdb);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vxlan-fdb/learn-lookup", test_learn_lookup);
    g_test_add_func("/vxlan-fdb/move", test_move);
    g_test_add_func("/vxlan-fdb/ageing", test_ageing);
    g_test_add_func("/vxlan-fdb/no-ageing", test_no_ageing);
    g_test_add_func("/vxlan-fdb/bound", test_bound);
    return g_test_run();
}
