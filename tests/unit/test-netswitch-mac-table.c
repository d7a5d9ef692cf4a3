/*
 * netswitch core: NswMacTable unit tests
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "net/netswitch-core.h"

#define SEC     1000000000LL

static const uint8_t mac_a[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b };
static const uint8_t mac_c[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x0c };
static const uint8_t mac_d[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x0d };

/* Port of @mac in @vid, or -1 when the table has none */
static int port_of(NswMacTable *t, const uint8_t *mac, uint16_t vid,
                   int64_t now_ns)
{
    unsigned int port;

    return nsw_mac_table_lookup(t, mac, vid, now_ns, &port) ? port : -1;
}

static void test_learn_lookup(void)
{
    NswMacTable *t = nsw_mac_table_new(16, 0);

    g_assert_cmpint(port_of(t, mac_a, 0, 0), ==, -1);
    g_assert_cmpint(nsw_mac_table_learn(t, mac_a, 0, 3, 0), ==,
                    NSW_LEARN_NEW);
    g_assert_cmpint(nsw_mac_table_learn(t, mac_b, 0, 5, 0), ==,
                    NSW_LEARN_NEW);
    g_assert_cmpint(port_of(t, mac_a, 0, 0), ==, 3);
    g_assert_cmpint(port_of(t, mac_b, 0, 0), ==, 5);
    g_assert_cmpint(port_of(t, mac_c, 0, 0), ==, -1);
    g_assert_cmpint(nsw_mac_table_learn(t, mac_a, 0, 3, 1), ==,
                    NSW_LEARN_REFRESHED);
    g_assert_cmpuint(nsw_mac_table_count(t), ==, 2);
    nsw_mac_table_free(t);
}

static void test_per_vlan(void)
{
    NswMacTable *t = nsw_mac_table_new(16, 0);

    nsw_mac_table_learn(t, mac_a, 10, 1, 0);
    g_assert_cmpint(nsw_mac_table_learn(t, mac_a, 20, 2, 0), ==,
                    NSW_LEARN_NEW);
    g_assert_cmpint(port_of(t, mac_a, 10, 0), ==, 1);
    g_assert_cmpint(port_of(t, mac_a, 20, 0), ==, 2);
    g_assert_cmpint(port_of(t, mac_a, 30, 0), ==, -1);
    g_assert_cmpint(port_of(t, mac_a, 0, 0), ==, -1);
    g_assert_cmpuint(nsw_mac_table_count(t), ==, 2);
    nsw_mac_table_free(t);
}

static void test_move(void)
{
    NswMacTable *t = nsw_mac_table_new(16, 0);

    nsw_mac_table_learn(t, mac_a, 0, 1, 0);
    g_assert_cmpint(nsw_mac_table_learn(t, mac_a, 0, 2, 1), ==,
                    NSW_LEARN_MOVED);
    g_assert_cmpint(port_of(t, mac_a, 0, 1), ==, 2);
    g_assert_cmpuint(nsw_mac_table_count(t), ==, 1);
    nsw_mac_table_free(t);
}

static void test_multicast_source(void)
{
    static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
    static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    NswMacTable *t = nsw_mac_table_new(16, 0);

    g_assert_cmpint(nsw_mac_table_learn(t, mcast, 0, 1, 0), ==,
                    NSW_LEARN_IGNORED);
    g_assert_cmpint(nsw_mac_table_learn(t, bcast, 0, 1, 0), ==,
                    NSW_LEARN_IGNORED);
    g_assert_cmpint(port_of(t, mcast, 0, 0), ==, -1);
    g_assert_cmpint(port_of(t, bcast, 0, 0), ==, -1);
    g_assert_cmpuint(nsw_mac_table_count(t), ==, 0);
    nsw_mac_table_free(t);
}

static void test_ageing(void)
{
    NswMacTable *t = nsw_mac_table_new(16, 10 * SEC);

    nsw_mac_table_learn(t, mac_a, 0, 1, 100 * SEC);
    nsw_mac_table_learn(t, mac_b, 0, 2, 105 * SEC);

    /* Exactly ageing_ns old is still valid; one ns more is not. */
    g_assert_cmpint(port_of(t, mac_a, 0, 110 * SEC), ==, 1);
    g_assert_cmpint(port_of(t, mac_a, 0, 110 * SEC + 1), ==, -1);
    g_assert_cmpint(port_of(t, mac_b, 0, 110 * SEC + 1), ==, 2);

    /* Lookups ignore aged entries; nsw_mac_table_age() removes them. */
    g_assert_cmpuint(nsw_mac_table_count(t), ==, 2);
    g_assert_cmpuint(nsw_mac_table_age(t, 110 * SEC), ==, 0);
    g_assert_cmpuint(nsw_mac_table_age(t, 110 * SEC + 1), ==, 1);
    g_assert_cmpuint(nsw_mac_table_count(t), ==, 1);
    g_assert_cmpint(port_of(t, mac_b, 0, 115 * SEC), ==, 2);
    g_assert_cmpuint(nsw_mac_table_age(t, 200 * SEC), ==, 1);
    g_assert_cmpuint(nsw_mac_table_count(t), ==, 0);
    nsw_mac_table_free(t);
}

static void test_ageing_refresh(void)
{
    NswMacTable *t = nsw_mac_table_new(16, 10 * SEC);

    nsw_mac_table_learn(t, mac_a, 0, 1, 0);
    nsw_mac_table_learn(t, mac_b, 0, 2, 1 * SEC);
    g_assert_cmpint(nsw_mac_table_learn(t, mac_a, 0, 1, 8 * SEC), ==,
                    NSW_LEARN_REFRESHED);
    g_assert_cmpuint(nsw_mac_table_age(t, 15 * SEC), ==, 1);
    g_assert_cmpint(port_of(t, mac_a, 0, 15 * SEC), ==, 1);
    g_assert_cmpint(port_of(t, mac_b, 0, 15 * SEC), ==, -1);

    /* Learning an aged entry that age() has not removed is new again. */
    g_assert_cmpint(nsw_mac_table_learn(t, mac_a, 0, 1, 30 * SEC), ==,
                    NSW_LEARN_NEW);
    nsw_mac_table_free(t);
}

static void test_ageing_disabled(void)
{
    NswMacTable *t = nsw_mac_table_new(16, 0);

    nsw_mac_table_learn(t, mac_a, 0, 1, 0);
    g_assert_cmpuint(nsw_mac_table_age(t, INT64_MAX), ==, 0);
    g_assert_cmpint(port_of(t, mac_a, 0, INT64_MAX), ==, 1);

    /* Turning ageing on applies to entries already there. */
    nsw_mac_table_set_ageing(t, SEC);
    g_assert_cmpint(port_of(t, mac_a, 0, 2 * SEC), ==, -1);
    g_assert_cmpuint(nsw_mac_table_age(t, 2 * SEC), ==, 1);
    nsw_mac_table_free(t);
}

/* A clock going back cannot reorder entries, so ageing still finds them. */
static void test_clock_backwards(void)
{
    NswMacTable *t = nsw_mac_table_new(16, 10 * SEC);

    nsw_mac_table_learn(t, mac_a, 0, 1, 50 * SEC);
    nsw_mac_table_learn(t, mac_b, 0, 2, 40 * SEC);
    /* b counts as seen at 50 s, like a */
    g_assert_cmpint(port_of(t, mac_b, 0, 55 * SEC), ==, 2);
    g_assert_cmpuint(nsw_mac_table_age(t, 60 * SEC), ==, 0);
    g_assert_cmpuint(nsw_mac_table_age(t, 60 * SEC + 1), ==, 2);
    nsw_mac_table_free(t);
}

static void test_limit_evicts_lru(void)
{
    NswMacTable *t = nsw_mac_table_new(3, 0);

    nsw_mac_table_learn(t, mac_a, 0, 1, 1);
    nsw_mac_table_learn(t, mac_b, 0, 2, 2);
    nsw_mac_table_learn(t, mac_c, 0, 3, 3);
    /* a is now the most recently seen: b is the one to go */
    nsw_mac_table_learn(t, mac_a, 0, 1, 4);
    g_assert_cmpint(nsw_mac_table_learn(t, mac_d, 0, 4, 5), ==,
                    NSW_LEARN_NEW);
    g_assert_cmpuint(nsw_mac_table_count(t), ==, 3);
    g_assert_cmpint(port_of(t, mac_a, 0, 5), ==, 1);
    g_assert_cmpint(port_of(t, mac_b, 0, 5), ==, -1);
    g_assert_cmpint(port_of(t, mac_c, 0, 5), ==, 3);
    g_assert_cmpint(port_of(t, mac_d, 0, 5), ==, 4);
    nsw_mac_table_free(t);
}

static void test_shrink_limit(void)
{
    NswMacTable *t = nsw_mac_table_new(8, 0);

    nsw_mac_table_learn(t, mac_a, 0, 1, 1);
    nsw_mac_table_learn(t, mac_b, 0, 2, 2);
    nsw_mac_table_learn(t, mac_c, 0, 3, 3);
    nsw_mac_table_learn(t, mac_d, 0, 4, 4);
    nsw_mac_table_set_max_entries(t, 2);
    g_assert_cmpuint(nsw_mac_table_max_entries(t), ==, 2);
    g_assert_cmpuint(nsw_mac_table_count(t), ==, 2);
    g_assert_cmpint(port_of(t, mac_a, 0, 5), ==, -1);
    g_assert_cmpint(port_of(t, mac_b, 0, 5), ==, -1);
    g_assert_cmpint(port_of(t, mac_c, 0, 5), ==, 3);
    g_assert_cmpint(port_of(t, mac_d, 0, 5), ==, 4);

    /* Growing keeps what is there. */
    nsw_mac_table_set_max_entries(t, 1000);
    g_assert_cmpint(port_of(t, mac_c, 0, 5), ==, 3);
    g_assert_cmpint(port_of(t, mac_d, 0, 5), ==, 4);
    nsw_mac_table_free(t);
}

/* A table filled to its default size finds all its entries. */
static void test_full_default_size(void)
{
    NswMacTable *t = nsw_mac_table_new(NSW_MAC_TABLE_DEFAULT_SIZE, 0);
    uint8_t mac[6] = { 0x02, 0x42, 0, 0, 0, 0 };
    unsigned int i, port;

    for (i = 0; i < NSW_MAC_TABLE_DEFAULT_SIZE; i++) {
        mac[4] = i >> 8;
        mac[5] = i;
        g_assert_cmpint(nsw_mac_table_learn(t, mac, i % 7, i % 13, i), ==,
                        NSW_LEARN_NEW);
    }
    g_assert_cmpuint(nsw_mac_table_count(t), ==, NSW_MAC_TABLE_DEFAULT_SIZE);
    for (i = 0; i < NSW_MAC_TABLE_DEFAULT_SIZE; i++) {
        mac[4] = i >> 8;
        mac[5] = i;
        g_assert_true(nsw_mac_table_lookup(t, mac, i % 7, i, &port));
        g_assert_cmpuint(port, ==, i % 13);
    }
    /* One more evicts the first learned. */
    mac[3] = 1;
    nsw_mac_table_learn(t, mac, 0, 0, i);
    mac[3] = mac[4] = mac[5] = 0;
    g_assert_false(nsw_mac_table_lookup(t, mac, 0, i, &port));
    mac[5] = 1;
    g_assert_true(nsw_mac_table_lookup(t, mac, 1, i, &port));
    nsw_mac_table_free(t);
}

static NswMacTable *table_of_four(void)
{
    NswMacTable *t = nsw_mac_table_new(16, 0);

    nsw_mac_table_learn(t, mac_a, 10, 1, 0);
    nsw_mac_table_learn(t, mac_b, 10, 2, 0);
    nsw_mac_table_learn(t, mac_c, 20, 1, 0);
    nsw_mac_table_learn(t, mac_d, 20, 2, 0);
    return t;
}

static void test_flush(void)
{
    NswMacTable *t = table_of_four();

    g_assert_cmpuint(nsw_mac_table_flush(t), ==, 4);
    g_assert_cmpuint(nsw_mac_table_count(t), ==, 0);
    g_assert_cmpint(port_of(t, mac_a, 10, 0), ==, -1);
    nsw_mac_table_free(t);
}

static void test_flush_port(void)
{
    NswMacTable *t = table_of_four();

    g_assert_cmpuint(nsw_mac_table_flush_port(t, 1), ==, 2);
    g_assert_cmpint(port_of(t, mac_a, 10, 0), ==, -1);
    g_assert_cmpint(port_of(t, mac_b, 10, 0), ==, 2);
    g_assert_cmpint(port_of(t, mac_c, 20, 0), ==, -1);
    g_assert_cmpint(port_of(t, mac_d, 20, 0), ==, 2);
    g_assert_cmpuint(nsw_mac_table_flush_port(t, 1), ==, 0);
    nsw_mac_table_free(t);
}

static void test_flush_vlan(void)
{
    NswMacTable *t = table_of_four();

    g_assert_cmpuint(nsw_mac_table_flush_vlan(t, 20), ==, 2);
    g_assert_cmpint(port_of(t, mac_a, 10, 0), ==, 1);
    g_assert_cmpint(port_of(t, mac_b, 10, 0), ==, 2);
    g_assert_cmpint(port_of(t, mac_c, 20, 0), ==, -1);
    g_assert_cmpint(port_of(t, mac_d, 20, 0), ==, -1);
    nsw_mac_table_free(t);
}

static void dump_entry(const uint8_t *mac, uint16_t vid, unsigned int port,
                       int64_t age_ns, void *opaque)
{
    g_string_append_printf(opaque, "%02x:%02x:%02x:%02x:%02x:%02x %u %u %"
                           PRId64 "\n", mac[0], mac[1], mac[2], mac[3],
                           mac[4], mac[5], vid, port, age_ns);
}

static void test_foreach(void)
{
    static const uint8_t mac_e[6] = { 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54 };
    NswMacTable *t = nsw_mac_table_new(16, 100);
    g_autoptr(GString) dump = g_string_new("");

    nsw_mac_table_learn(t, mac_a, 1, 7, 10);
    nsw_mac_table_learn(t, mac_e, 4094, 3, 50);
    nsw_mac_table_learn(t, mac_b, 2, 8, 60);
    nsw_mac_table_learn(t, mac_a, 1, 7, 70);
    /* Least recently seen first; a@1 is refreshed, nothing has aged yet */
    nsw_mac_table_foreach(t, 150, dump_entry, dump);
    g_assert_cmpstr(dump->str, ==,
                    "fe:dc:ba:98:76:54 4094 3 100\n"
                    "02:00:00:00:00:0b 2 8 90\n"
                    "02:00:00:00:00:0a 1 7 80\n");
    /* Aged entries are not dumped. */
    g_string_truncate(dump, 0);
    nsw_mac_table_foreach(t, 151, dump_entry, dump);
    g_assert_cmpstr(dump->str, ==,
                    "02:00:00:00:00:0b 2 8 91\n"
                    "02:00:00:00:00:0a 1 7 81\n");
    nsw_mac_table_free(t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/netswitch/mac-table/learn-lookup", test_learn_lookup);
    g_test_add_func("/netswitch/mac-table/per-vlan", test_per_vlan);
    g_test_add_func("/netswitch/mac-table/move", test_move);
    g_test_add_func("/netswitch/mac-table/multicast-source",
                    test_multicast_source);
    g_test_add_func("/netswitch/mac-table/ageing", test_ageing);
    g_test_add_func("/netswitch/mac-table/ageing-refresh",
                    test_ageing_refresh);
    g_test_add_func("/netswitch/mac-table/ageing-disabled",
                    test_ageing_disabled);
    g_test_add_func("/netswitch/mac-table/clock-backwards",
                    test_clock_backwards);
    g_test_add_func("/netswitch/mac-table/limit-evicts-lru",
                    test_limit_evicts_lru);
    g_test_add_func("/netswitch/mac-table/shrink-limit", test_shrink_limit);
    g_test_add_func("/netswitch/mac-table/full-default-size",
                    test_full_default_size);
    g_test_add_func("/netswitch/mac-table/flush", test_flush);
    g_test_add_func("/netswitch/mac-table/flush-port", test_flush_port);
    g_test_add_func("/netswitch/mac-table/flush-vlan", test_flush_vlan);
    g_test_add_func("/netswitch/mac-table/foreach", test_foreach);
    return g_test_run();
}
