/*
 * netswitch core: switch, policy and VLAN set unit tests
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include <math.h>
#include "qemu/bswap.h"
#include "net/checksum.h"
#include "net/netswitch-core.h"

#define SEC         1000000000LL
#define MAX_PORTS   8

/* Host @n's unicast address */
#define MAC(n)      ((const uint8_t[6]) { 0x02, 0x00, 0x00, 0x00, 0x00, (n) })
#define BCAST       ((const uint8_t[6]) { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff })
#define MCAST       ((const uint8_t[6]) { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 })

typedef struct Frame {
    uint8_t data[2048];
    size_t len;
} Frame;

typedef enum TxMode {
    TX_OK,
    TX_BUSY,        /* transmit returns 0 */
    TX_ERROR,       /* transmit returns -1 */
} TxMode;

typedef struct TestSwitch TestSwitch;

typedef struct TestPort {
    TestSwitch *ts;
    NswPort *port;
    bool full;                  /* can_transmit returns false */
    TxMode tx_mode;
    bool keep;                  /* take a reference to every frame */
    GPtrArray *rx;              /* GBytes: what the switch sent us */
    GPtrArray *kept;            /* NswPacket: references kept */
    const uint8_t *last_data;   /* nsw_packet_data() of the last frame */
    const Frame *answer;        /* sent back into the switch on every frame */
    bool hold;                  /* as a GRO would: take frames, send later */
    unsigned int held;          /* frames taken and held, for drop_held */
    uint64_t held_bytes;
} TestPort;

struct TestSwitch {
    NswSwitch *sw;
    TestPort ports[MAX_PORTS];
    unsigned int nports;
    int64_t now_ns;
};

static bool tp_can_transmit(NswPort *port, void *opaque)
{
    TestPort *tp = opaque;

    return !tp->full;
}

static ssize_t tp_transmit(NswPort *port, NswPacket *pkt, void *opaque)
{
    TestPort *tp = opaque;

    g_assert(tp->port == port);
    if (tp->tx_mode != TX_OK) {
        return tp->tx_mode == TX_BUSY ? 0 : -1;
    }
    g_ptr_array_add(tp->rx, g_bytes_new(nsw_packet_data(pkt),
                                        nsw_packet_len(pkt)));
    tp->last_data = nsw_packet_data(pkt);
    if (tp->keep) {
        g_ptr_array_add(tp->kept, nsw_packet_ref(pkt));
    }
    if (tp->hold) {
        tp->held++;
        tp->held_bytes += nsw_packet_len(pkt);
    }
    if (tp->answer) {
        /* as slirp does: answer from inside the receive handler */
        nsw_switch_input(tp->ts->sw, port, tp->answer->data, tp->answer->len,
                         tp->ts->now_ns);
    }
    return nsw_packet_len(pkt);
}

static unsigned int tp_drop_held(NswPort *port, NswDropReason reason,
                                 void *opaque)
{
    TestPort *tp = opaque;
    unsigned int held = tp->held;

    nsw_port_drop_sent(port, tp->held, tp->held_bytes, reason);
    tp->held = 0;
    tp->held_bytes = 0;
    return held;
}

static const NswPortOps test_port_ops = {
    .can_transmit = tp_can_transmit,
    .transmit = tp_transmit,
    .drop_held = tp_drop_held,
};

static TestSwitch *ts_new(const char *policy, unsigned int nports)
{
    TestSwitch *ts = g_new0(TestSwitch, 1);
    unsigned int i;

    ts->sw = nsw_switch_new(nsw_policy_lookup(policy));
    ts->nports = nports;
    for (i = 0; i < nports; i++) {
        TestPort *tp = &ts->ports[i];
        g_autofree char *name = g_strdup_printf("p%u", i);

        tp->ts = ts;
        tp->rx = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
        tp->kept = g_ptr_array_new_with_free_func(
            (GDestroyNotify)nsw_packet_unref);
        tp->port = nsw_port_add(ts->sw, name, &test_port_ops, tp);
        g_assert_cmpuint(nsw_port_index(tp->port), ==, i);
    }
    return ts;
}

static void ts_free(TestSwitch *ts)
{
    unsigned int i;

    nsw_switch_free(ts->sw);
    for (i = 0; i < ts->nports; i++) {
        g_ptr_array_free(ts->ports[i].rx, true);
        g_ptr_array_free(ts->ports[i].kept, true);
    }
    g_free(ts);
}

static void ts_send(TestSwitch *ts, unsigned int i, const Frame *f)
{
    nsw_switch_input(ts->sw, ts->ports[i].port, f->data, f->len, ts->now_ns);
}

static void ts_clear_rx(TestSwitch *ts)
{
    unsigned int i;

    for (i = 0; i < ts->nports; i++) {
        g_ptr_array_set_size(ts->ports[i].rx, 0);
    }
}

static const NswPortStats *stats(TestSwitch *ts, unsigned int i)
{
    return nsw_port_stats(ts->ports[i].port);
}

static uint64_t total_drops(TestSwitch *ts, unsigned int i)
{
    uint64_t total = 0;
    unsigned int r;

    for (r = 0; r < NSW_DROP__MAX; r++) {
        total += stats(ts, i)->drops[r];
    }
    return total;
}

/* Port @i got exactly the frames @f (n of them), in order. */
static void assert_rx(TestSwitch *ts, unsigned int i, const Frame *f,
                      unsigned int n)
{
    GPtrArray *rx = ts->ports[i].rx;
    unsigned int k;

    g_assert_cmpuint(rx->len, ==, n);
    for (k = 0; k < n; k++) {
        gsize len;
        const void *data = g_bytes_get_data(g_ptr_array_index(rx, k), &len);

        g_assert_cmpmem(data, len, f[k].data, f[k].len);
    }
}

static void assert_rx_none(TestSwitch *ts, unsigned int i)
{
    g_assert_cmpuint(ts->ports[i].rx->len, ==, 0);
}

/* An untagged frame of @len bytes with a payload that tells bytes apart */
static Frame make_frame(const uint8_t *dst, const uint8_t *src, size_t len)
{
    Frame f = { .len = len };
    size_t i;

    g_assert(len <= sizeof(f.data));
    memcpy(f.data, dst, 6);
    memcpy(f.data + 6, src, 6);
    f.data[12] = 0x08;
    f.data[13] = 0x00;
    for (i = 14; i < len; i++) {
        f.data[i] = i * 7;
    }
    return f;
}

/* @f with an 802.1Q tag inserted after the MACs */
static Frame tagged(const Frame *f, uint16_t tci)
{
    Frame t = { .len = f->len + 4 };

    memcpy(t.data, f->data, 12);
    t.data[12] = 0x81;
    t.data[13] = 0x00;
    t.data[14] = tci >> 8;
    t.data[15] = tci;
    memcpy(t.data + 16, f->data + 12, f->len - 12);
    return t;
}

static int port_of(TestSwitch *ts, const uint8_t *mac, uint16_t vid)
{
    unsigned int port;

    return nsw_mac_table_lookup(nsw_switch_mac_table(ts->sw), mac, vid,
                                ts->now_ns, &port) ? port : -1;
}

/*
 * VLAN sets
 */

static void test_vlan_set_parse(void)
{
    NswVlanSet set;
    char *err = NULL;
    unsigned int vid, count = 0;

    g_assert_true(nsw_vlan_set_parse(&set, "1,10-20,100", &err));
    g_assert_null(err);
    for (vid = 0; vid < NSW_VLAN_COUNT; vid++) {
        count += nsw_vlan_set_test(&set, vid);
    }
    g_assert_cmpuint(count, ==, 13);
    g_assert_true(nsw_vlan_set_test(&set, 1));
    g_assert_true(nsw_vlan_set_test(&set, 10));
    g_assert_true(nsw_vlan_set_test(&set, 20));
    g_assert_true(nsw_vlan_set_test(&set, 100));
    g_assert_false(nsw_vlan_set_test(&set, 9));
    g_assert_false(nsw_vlan_set_test(&set, 21));

    g_assert_true(nsw_vlan_set_parse(&set, "4094,7-7", &err));
    g_assert_true(nsw_vlan_set_test(&set, 4094));
    g_assert_true(nsw_vlan_set_test(&set, 7));
    g_assert_false(nsw_vlan_set_test(&set, 1));

    g_assert_true(nsw_vlan_set_parse(&set, "", &err));
    for (vid = 0; vid < NSW_VLAN_COUNT; vid++) {
        g_assert_false(nsw_vlan_set_test(&set, vid));
    }
}

static void test_vlan_set_parse_errors(void)
{
    static const char *const bad[] = {
        "0", "4095", "20-10", "1,", ",1", "a", "1-", "1;2", "1,,2", " 1",
        "-5", "1-4095", "99999999999999999999",
    };
    NswVlanSet set, before;
    unsigned int i;

    g_assert_true(nsw_vlan_set_parse(&set, "5", NULL));
    before = set;
    for (i = 0; i < ARRAY_SIZE(bad); i++) {
        char *err = NULL;

        g_assert_false(nsw_vlan_set_parse(&set, bad[i], &err));
        g_assert_nonnull(err);
        g_assert_cmpmem(&set, sizeof(set), &before, sizeof(before));
        g_free(err);
    }
}

static void test_vlan_set_format(void)
{
    static const char *const lists[] = {
        "", "1", "1,10-20,100", "1-4094", "2,4,6-7", "4093-4094",
    };
    NswVlanSet set;
    unsigned int i;

    for (i = 0; i < ARRAY_SIZE(lists); i++) {
        g_autofree char *str = NULL;

        g_assert_true(nsw_vlan_set_parse(&set, lists[i], NULL));
        str = nsw_vlan_set_format(&set);
        g_assert_cmpstr(str, ==, lists[i]);
    }
}

/*
 * Policies and ports
 */

static void drop_all_input(NswSwitch *sw, NswPort *in, NswPacket *pkt,
                           int64_t now_ns)
{
    nsw_port_drop_rx(in, NSW_DROP_TX_ERROR);
}

static const NswPolicy drop_all_policy = {
    .name = "test-drop-all",
    .description = "drops everything",
    .input = drop_all_input,
};

static const NswPolicy fake_hub_policy = {
    .name = "hub",
    .input = drop_all_input,
};

static void append_name(const NswPolicy *policy, void *opaque)
{
    g_string_append_printf(opaque, "%s;", policy->name);
}

static void test_policy_registry(void)
{
    g_autoptr(GString) names = g_string_new("");
    TestSwitch *ts;
    Frame f = make_frame(BCAST, MAC(1), 60);

    g_assert(nsw_policy_lookup("hub") == &nsw_policy_hub);
    g_assert(nsw_policy_lookup("bridge") == &nsw_policy_bridge);
    g_assert(nsw_policy_lookup("vlan") == &nsw_policy_vlan);
    g_assert_null(nsw_policy_lookup("test-drop-all"));
    g_assert_false(nsw_policy_register(&fake_hub_policy));
    g_assert(nsw_policy_lookup("hub") == &nsw_policy_hub);

    g_assert_true(nsw_policy_register(&drop_all_policy));
    g_assert_false(nsw_policy_register(&drop_all_policy));
    nsw_policy_foreach(append_name, names);
    g_assert_cmpstr(names->str, ==, "hub;bridge;vlan;test-drop-all;");

    ts = ts_new("test-drop-all", 2);
    g_assert(nsw_switch_policy(ts->sw) == &drop_all_policy);
    ts_send(ts, 0, &f);
    assert_rx_none(ts, 1);
    g_assert_cmpuint(stats(ts, 0)->drops[NSW_DROP_TX_ERROR], ==, 1);
    ts_free(ts);
}

static void test_drop_reason_names(void)
{
    static const char *const names[NSW_DROP__MAX] = {
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
    unsigned int r;

    for (r = 0; r < NSW_DROP__MAX; r++) {
        g_assert_cmpstr(nsw_drop_reason_name(r), ==, names[r]);
    }
}

static void test_ports(void)
{
    TestSwitch *ts = ts_new("bridge", 3);
    NswSwitch *sw = ts->sw;
    NswPort *p1 = ts->ports[1].port, *again;
    Frame f = make_frame(BCAST, MAC(2), 60);

    g_assert(nsw_switch_find_port(sw, "p1") == p1);
    g_assert_null(nsw_switch_find_port(sw, "p9"));
    g_assert_null(nsw_port_add(sw, "p1", &test_port_ops, NULL));
    g_assert_cmpstr(nsw_port_name(p1), ==, "p1");
    g_assert(nsw_port_opaque(p1) == &ts->ports[1]);
    g_assert(nsw_switch_port_by_index(sw, 1) == p1);
    g_assert_null(nsw_switch_port_by_index(sw, 3));
    g_assert(nsw_switch_next_port(sw, NULL) == ts->ports[0].port);
    g_assert(nsw_switch_next_port(sw, ts->ports[0].port) == p1);
    g_assert_true(nsw_port_link_up(p1));
    g_assert_cmpuint(nsw_port_pvid(p1), ==, 1);

    /* Removing a port forgets what was learned on it. */
    ts_send(ts, 1, &f);
    g_assert_cmpint(port_of(ts, MAC(2), 0), ==, 1);
    nsw_port_remove(p1);
    g_assert_cmpint(port_of(ts, MAC(2), 0), ==, -1);
    g_assert_null(nsw_switch_find_port(sw, "p1"));
    g_assert(nsw_switch_next_port(sw, ts->ports[0].port) ==
             ts->ports[2].port);

    /* The lowest free index is reused. */
    again = nsw_port_add(sw, "p1-again", &test_port_ops, &ts->ports[1]);
    g_assert_cmpuint(nsw_port_index(again), ==, 1);
    ts->ports[1].port = again;
    ts_free(ts);
}

/*
 * hub
 */

static void test_hub_floods(void)
{
    TestSwitch *ts = ts_new("hub", 4);
    Frame f = make_frame(MAC(3), MAC(1), 100);
    Frame g = make_frame(MAC(1), MAC(3), 60);

    ts_send(ts, 0, &f);
    assert_rx_none(ts, 0);
    assert_rx(ts, 1, &f, 1);
    assert_rx(ts, 2, &f, 1);
    assert_rx(ts, 3, &f, 1);

    /* A hub learns nothing: the reply goes everywhere too. */
    ts_send(ts, 2, &g);
    assert_rx(ts, 0, &g, 1);
    assert_rx(ts, 1, (Frame[]) { f, g }, 2);
    assert_rx(ts, 2, &f, 1);
    assert_rx(ts, 3, (Frame[]) { f, g }, 2);
    g_assert_cmpuint(nsw_mac_table_count(nsw_switch_mac_table(ts->sw)), ==, 0);

    g_assert_cmpuint(stats(ts, 0)->rx_packets, ==, 1);
    g_assert_cmpuint(stats(ts, 0)->rx_bytes, ==, 100);
    g_assert_cmpuint(stats(ts, 0)->tx_packets, ==, 1);
    g_assert_cmpuint(stats(ts, 0)->tx_bytes, ==, 60);
    g_assert_cmpuint(stats(ts, 1)->tx_packets, ==, 2);
    g_assert_cmpuint(stats(ts, 1)->tx_bytes, ==, 160);
    g_assert_cmpuint(stats(ts, 2)->tx_packets, ==, 1);
    g_assert_cmpuint(stats(ts, 2)->rx_packets, ==, 1);
    g_assert_cmpuint(total_drops(ts, 0) + total_drops(ts, 1) +
                     total_drops(ts, 2) + total_drops(ts, 3), ==, 0);

    nsw_port_reset_stats(ts->ports[1].port);
    g_assert_cmpuint(stats(ts, 1)->tx_packets, ==, 0);
    g_assert_cmpuint(stats(ts, 1)->tx_bytes, ==, 0);
    g_assert_cmpuint(stats(ts, 0)->rx_packets, ==, 1);
    ts_free(ts);
}

/*
 * bridge
 */

static void test_bridge_learns(void)
{
    TestSwitch *ts = ts_new("bridge", 3);
    Frame f = make_frame(BCAST, MAC(1), 60);

    g_assert_cmpint(port_of(ts, MAC(1), 0), ==, -1);
    ts_send(ts, 2, &f);
    g_assert_cmpint(port_of(ts, MAC(1), 0), ==, 2);
    g_assert_cmpuint(nsw_mac_table_count(nsw_switch_mac_table(ts->sw)), ==, 1);
    ts_free(ts);
}

static void test_bridge_unknown_floods(void)
{
    TestSwitch *ts = ts_new("bridge", 4);
    Frame f = make_frame(MAC(9), MAC(1), 70);

    ts_send(ts, 1, &f);
    assert_rx(ts, 0, &f, 1);
    assert_rx_none(ts, 1);
    assert_rx(ts, 2, &f, 1);
    assert_rx(ts, 3, &f, 1);
    ts_free(ts);
}

static void test_bridge_known_unicast(void)
{
    TestSwitch *ts = ts_new("bridge", 4);
    Frame hello = make_frame(BCAST, MAC(3), 60);
    Frame f = make_frame(MAC(3), MAC(1), 1514);

    ts_send(ts, 3, &hello);
    ts_clear_rx(ts);
    ts_send(ts, 0, &f);
    assert_rx_none(ts, 0);
    assert_rx_none(ts, 1);
    assert_rx_none(ts, 2);
    assert_rx(ts, 3, &f, 1);
    /* Sent without a copy: the port saw the caller's buffer. */
    g_assert(ts->ports[3].last_data == f.data);
    g_assert_cmpuint(stats(ts, 3)->tx_packets, ==, 1);
    g_assert_cmpuint(stats(ts, 3)->tx_bytes, ==, 1514);
    g_assert_cmpuint(stats(ts, 0)->rx_packets, ==, 1);
    g_assert_cmpuint(stats(ts, 0)->rx_bytes, ==, 1514);
    ts_free(ts);
}

static void test_bridge_broadcast_floods(void)
{
    TestSwitch *ts = ts_new("bridge", 3);
    Frame hello = make_frame(BCAST, MAC(2), 60);
    Frame b = make_frame(BCAST, MAC(1), 60);
    Frame m = make_frame(MCAST, MAC(1), 60);

    ts_send(ts, 2, &hello);
    ts_clear_rx(ts);
    ts_send(ts, 0, &b);
    ts_send(ts, 0, &m);
    assert_rx_none(ts, 0);
    assert_rx(ts, 1, (Frame[]) { b, m }, 2);
    assert_rx(ts, 2, (Frame[]) { b, m }, 2);
    ts_free(ts);
}

static void test_bridge_no_hairpin(void)
{
    TestSwitch *ts = ts_new("bridge", 3);
    Frame hello = make_frame(BCAST, MAC(1), 60);
    Frame f = make_frame(MAC(1), MAC(2), 60);

    ts_send(ts, 0, &hello);
    ts_clear_rx(ts);
    /* MAC(1) lives on port 0, so a frame from port 0 to it goes nowhere. */
    ts_send(ts, 0, &f);
    assert_rx_none(ts, 0);
    assert_rx_none(ts, 1);
    assert_rx_none(ts, 2);
    g_assert_cmpuint(stats(ts, 0)->drops[NSW_DROP_HAIRPIN], ==, 1);
    g_assert_cmpuint(total_drops(ts, 0), ==, 1);
    g_assert_cmpuint(stats(ts, 0)->rx_packets, ==, 2);
    g_assert_cmpuint(stats(ts, 0)->tx_packets, ==, 0);
    ts_free(ts);
}

/* A hairpin port gets its own floods and its unicasts to itself back. */
static void test_hub_hairpin(void)
{
    TestSwitch *ts = ts_new("hub", 3);
    Frame f = make_frame(BCAST, MAC(1), 60);
    Frame g = make_frame(BCAST, MAC(2), 70);

    g_assert_false(nsw_port_hairpin(ts->ports[0].port));
    nsw_port_set_hairpin(ts->ports[0].port, true);
    g_assert_true(nsw_port_hairpin(ts->ports[0].port));
    ts_send(ts, 0, &f);
    assert_rx(ts, 0, &f, 1);
    assert_rx(ts, 1, &f, 1);
    assert_rx(ts, 2, &f, 1);

    /* Only port 0 reflects: port 1's flood skips port 1. */
    ts_send(ts, 1, &g);
    assert_rx(ts, 0, (Frame[]) { f, g }, 2);
    assert_rx(ts, 1, &f, 1);
    g_assert_cmpuint(stats(ts, 0)->tx_packets, ==, 2);
    g_assert_cmpuint(total_drops(ts, 0), ==, 0);
    ts_free(ts);
}

static void test_bridge_hairpin_unicast(void)
{
    TestSwitch *ts = ts_new("bridge", 3);
    Frame hello = make_frame(BCAST, MAC(1), 60);
    Frame f = make_frame(MAC(1), MAC(2), 60);

    nsw_port_set_hairpin(ts->ports[0].port, true);
    ts_send(ts, 0, &hello);
    ts_clear_rx(ts);
    ts_send(ts, 0, &f);
    assert_rx(ts, 0, &f, 1);
    assert_rx_none(ts, 1);
    assert_rx_none(ts, 2);
    g_assert_cmpuint(stats(ts, 0)->drops[NSW_DROP_HAIRPIN], ==, 0);

    /* Turned off again, the same frame is a hairpin drop. */
    nsw_port_set_hairpin(ts->ports[0].port, false);
    ts_clear_rx(ts);
    ts_send(ts, 0, &f);
    assert_rx_none(ts, 0);
    g_assert_cmpuint(stats(ts, 0)->drops[NSW_DROP_HAIRPIN], ==, 1);
    ts_free(ts);
}

static void test_bridge_multicast_source(void)
{
    TestSwitch *ts = ts_new("bridge", 3);
    Frame f = make_frame(BCAST, MCAST, 60);

    ts_send(ts, 1, &f);
    assert_rx_none(ts, 0);
    assert_rx_none(ts, 2);
    g_assert_cmpuint(stats(ts, 1)->drops[NSW_DROP_INVALID_SOURCE], ==, 1);
    g_assert_cmpuint(total_drops(ts, 1), ==, 1);
    g_assert_cmpuint(stats(ts, 1)->rx_packets, ==, 1);
    g_assert_cmpuint(nsw_mac_table_count(nsw_switch_mac_table(ts->sw)), ==, 0);
    ts_free(ts);
}

static void test_bridge_runt(void)
{
    TestSwitch *ts = ts_new("bridge", 2);
    Frame f = make_frame(BCAST, MAC(1), 14);

    f.len = 13;
    ts_send(ts, 0, &f);
    assert_rx_none(ts, 1);
    f.len = 0;
    ts_send(ts, 0, &f);
    g_assert_cmpuint(stats(ts, 0)->drops[NSW_DROP_RUNT], ==, 2);
    g_assert_cmpuint(stats(ts, 0)->rx_packets, ==, 2);
    g_assert_cmpuint(stats(ts, 0)->rx_bytes, ==, 13);
    g_assert_cmpint(port_of(ts, MAC(1), 0), ==, -1);

    /* A bare header is not a runt. */
    f.len = 14;
    ts_send(ts, 0, &f);
    assert_rx(ts, 1, &f, 1);
    g_assert_cmpuint(total_drops(ts, 0), ==, 2);
    ts_free(ts);
}

static void test_bridge_oversize(void)
{
    TestSwitch *ts = ts_new("bridge", 2);
    size_t max = NSW_DEFAULT_MAX_FRAME_LEN;
    g_autofree uint8_t *big = g_malloc0(max + 1);
    Frame f = make_frame(BCAST, MAC(1), 101);

    memcpy(big, f.data, 14);
    g_assert_cmpuint(nsw_switch_max_frame_len(ts->sw), ==, 65535);
    nsw_switch_input(ts->sw, ts->ports[0].port, big, max + 1, 0);
    g_assert_cmpuint(stats(ts, 0)->drops[NSW_DROP_OVERSIZE], ==, 1);
    g_assert_cmpuint(ts->ports[1].rx->len, ==, 0);
    nsw_switch_input(ts->sw, ts->ports[0].port, big, max, 0);
    g_assert_cmpuint(ts->ports[1].rx->len, ==, 1);

    nsw_switch_set_max_frame_len(ts->sw, 100);
    ts_clear_rx(ts);
    ts_send(ts, 0, &f);
    assert_rx_none(ts, 1);
    g_assert_cmpuint(stats(ts, 0)->drops[NSW_DROP_OVERSIZE], ==, 2);
    f.len = 100;
    ts_send(ts, 0, &f);
    assert_rx(ts, 1, &f, 1);
    g_assert_cmpuint(total_drops(ts, 0), ==, 2);
    ts_free(ts);
}

static void test_bridge_station_move(void)
{
    TestSwitch *ts = ts_new("bridge", 3);
    Frame hello = make_frame(BCAST, MAC(5), 60);
    Frame f = make_frame(MAC(5), MAC(1), 60);

    ts_send(ts, 1, &hello);
    ts_send(ts, 2, &hello);
    ts_clear_rx(ts);
    ts_send(ts, 0, &f);
    assert_rx_none(ts, 1);
    assert_rx(ts, 2, &f, 1);
    ts_free(ts);
}

static void test_bridge_ageing(void)
{
    TestSwitch *ts = ts_new("bridge", 3);
    NswMacTable *macs = nsw_switch_mac_table(ts->sw);
    Frame hello = make_frame(BCAST, MAC(2), 60);
    Frame f = make_frame(MAC(2), MAC(1), 60);

    g_assert_cmpint(nsw_mac_table_ageing(macs), ==,
                    NSW_MAC_TABLE_DEFAULT_AGEING_NS);
    nsw_mac_table_set_ageing(macs, 10 * SEC);
    ts_send(ts, 1, &hello);
    ts_clear_rx(ts);

    ts->now_ns = 10 * SEC;
    ts_send(ts, 0, &f);
    assert_rx_none(ts, 2);
    assert_rx(ts, 1, &f, 1);

    /* Aged out: flooded again, and the input removed the entry. */
    ts->now_ns = 10 * SEC + 1;
    ts_send(ts, 0, &f);
    assert_rx(ts, 2, &f, 1);
    assert_rx(ts, 1, (Frame[]) { f, f }, 2);
    g_assert_cmpuint(nsw_mac_table_count(macs), ==, 1);
    ts_free(ts);
}

/*
 * vlan: ports 0 and 1 access VLAN 10, port 2 access VLAN 20, port 3 a
 * trunk of VLANs 10 and 20 with no untagged VLAN.
 */
static TestSwitch *vlan_switch(unsigned int nports)
{
    TestSwitch *ts = ts_new("vlan", nports);
    NswVlanSet trunk;

    g_assert_true(nsw_vlan_set_parse(&trunk, "10,20", NULL));
    nsw_port_set_pvid(ts->ports[0].port, 10);
    nsw_port_set_pvid(ts->ports[1].port, 10);
    nsw_port_set_pvid(ts->ports[2].port, 20);
    nsw_port_set_pvid(ts->ports[3].port, 0);
    nsw_port_set_allowed_vlans(ts->ports[3].port, &trunk);
    return ts;
}

static void test_vlan_access_isolation(void)
{
    TestSwitch *ts = vlan_switch(4);
    Frame b10 = make_frame(BCAST, MAC(1), 60);
    Frame b20 = make_frame(BCAST, MAC(3), 60);
    Frame t10 = tagged(&b10, 10), t20 = tagged(&b20, 20);

    ts_send(ts, 0, &b10);
    assert_rx(ts, 1, &b10, 1);
    assert_rx_none(ts, 2);
    assert_rx(ts, 3, &t10, 1);

    ts_clear_rx(ts);
    ts_send(ts, 2, &b20);
    assert_rx_none(ts, 0);
    assert_rx_none(ts, 1);
    assert_rx(ts, 3, &t20, 1);
    g_assert_cmpint(port_of(ts, MAC(1), 10), ==, 0);
    g_assert_cmpint(port_of(ts, MAC(3), 20), ==, 2);
    g_assert_cmpint(port_of(ts, MAC(3), 10), ==, -1);
    ts_free(ts);
}

/* A hairpin trunk gets its tagged flood back with the same tag. */
static void test_vlan_hairpin_trunk(void)
{
    TestSwitch *ts = vlan_switch(4);
    Frame b10 = make_frame(BCAST, MAC(7), 60);
    Frame t10 = tagged(&b10, 10);

    nsw_port_set_hairpin(ts->ports[3].port, true);
    ts_send(ts, 3, &t10);
    assert_rx(ts, 3, &t10, 1);
    assert_rx(ts, 0, &b10, 1);
    assert_rx(ts, 1, &b10, 1);
    assert_rx_none(ts, 2);
    ts_free(ts);
}

/* A padded 60-byte frame leaves the trunk as exactly these 64 bytes. */
static void test_vlan_trunk_tags(void)
{
    static const uint8_t expected[64] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
        0x81, 0x00, 0x00, 0x0a, 0x08, 0x00,
        0x62, 0x69, 0x70, 0x77, 0x7e, 0x85, 0x8c, 0x93, 0x9a, 0xa1, 0xa8, 0xaf,
        0xb6, 0xbd, 0xc4, 0xcb, 0xd2, 0xd9, 0xe0, 0xe7, 0xee, 0xf5, 0xfc, 0x03,
        0x0a, 0x11, 0x18, 0x1f, 0x26, 0x2d, 0x34, 0x3b, 0x42, 0x49, 0x50, 0x57,
        0x5e, 0x65, 0x6c, 0x73, 0x7a, 0x81, 0x88, 0x8f, 0x96, 0x9d,
    };
    TestSwitch *ts = vlan_switch(4);
    Frame f = make_frame(BCAST, MAC(1), 60);
    gsize len;
    const void *data;

    ts_send(ts, 0, &f);
    g_assert_cmpuint(ts->ports[3].rx->len, ==, 1);
    data = g_bytes_get_data(g_ptr_array_index(ts->ports[3].rx, 0), &len);
    g_assert_cmpmem(data, len, expected, sizeof(expected));
    g_assert_cmpuint(stats(ts, 3)->tx_bytes, ==, 64);
    g_assert_cmpuint(stats(ts, 1)->tx_bytes, ==, 60);
    ts_free(ts);
}

/* The trunk's tagged 64-byte form of a padded frame leaves untagged as 60. */
static void test_vlan_trunk_untags(void)
{
    TestSwitch *ts = vlan_switch(4);
    Frame f10 = make_frame(BCAST, MAC(7), 60), t10 = tagged(&f10, 10);
    Frame f20 = make_frame(BCAST, MAC(8), 1514), t20 = tagged(&f20, 20);

    ts_send(ts, 3, &t10);
    assert_rx(ts, 0, &f10, 1);
    assert_rx(ts, 1, &f10, 1);
    assert_rx_none(ts, 2);
    assert_rx_none(ts, 3);

    ts_clear_rx(ts);
    ts_send(ts, 3, &t20);
    assert_rx_none(ts, 0);
    assert_rx_none(ts, 1);
    assert_rx(ts, 2, &f20, 1);
    g_assert_cmpint(port_of(ts, MAC(7), 10), ==, 3);
    g_assert_cmpint(port_of(ts, MAC(8), 20), ==, 3);
    g_assert_cmpuint(stats(ts, 3)->rx_bytes, ==, 64 + 1518);
    ts_free(ts);
}

/* Trunk to trunk, the frame keeps its tag, priority bits included. */
static void test_vlan_trunk_to_trunk(void)
{
    TestSwitch *ts = vlan_switch(5);
    NswVlanSet set;
    Frame f = make_frame(BCAST, MAC(7), 80), t = tagged(&f, 0xa014);

    g_assert_true(nsw_vlan_set_parse(&set, "20", NULL));
    nsw_port_set_pvid(ts->ports[4].port, 0);
    nsw_port_set_allowed_vlans(ts->ports[4].port, &set);
    ts_send(ts, 3, &t);
    assert_rx(ts, 4, &t, 1);
    assert_rx(ts, 2, &f, 1);
    assert_rx_none(ts, 0);
    g_assert(ts->ports[4].last_data == t.data);
    ts_free(ts);
}

static void test_vlan_ingress_filter(void)
{
    TestSwitch *ts = vlan_switch(4);
    Frame f = make_frame(BCAST, MAC(7), 60);
    Frame t10 = tagged(&f, 10), t30 = tagged(&f, 30), prio = tagged(&f, 0);
    Frame truncated = t10;
    unsigned int i;

    truncated.len = 17;
    ts_send(ts, 3, &t30);     /* not on the trunk */
    ts_send(ts, 3, &f);       /* no PVID */
    ts_send(ts, 3, &prio);    /* VID 0, and no PVID to give it */
    ts_send(ts, 3, &truncated);
    for (i = 0; i < 4; i++) {
        assert_rx_none(ts, i);
    }
    g_assert_cmpuint(stats(ts, 3)->drops[NSW_DROP_VLAN_FILTERED], ==, 3);
    g_assert_cmpuint(stats(ts, 3)->drops[NSW_DROP_RUNT], ==, 1);
    g_assert_cmpuint(total_drops(ts, 3), ==, 4);
    g_assert_cmpuint(stats(ts, 3)->rx_dropped, ==, 4);
    g_assert_cmpuint(nsw_mac_table_count(nsw_switch_mac_table(ts->sw)), ==, 0);
    ts_free(ts);
}

/* A frame tagged with the port's PVID is that VLAN's, listed or not. */
static void test_vlan_tagged_pvid(void)
{
    TestSwitch *ts = vlan_switch(4);
    Frame f = make_frame(BCAST, MAC(7), 60), t10 = tagged(&f, 10);
    Frame t20 = tagged(&f, 20);

    ts_send(ts, 0, &t10);     /* access port of VLAN 10 */
    assert_rx(ts, 1, &f, 1);
    assert_rx(ts, 3, &t10, 1);
    assert_rx_none(ts, 2);
    g_assert_cmpuint(total_drops(ts, 0), ==, 0);
    g_assert_cmpint(port_of(ts, MAC(7), 10), ==, 0);

    ts_send(ts, 0, &t20);     /* but not another VLAN */
    g_assert_cmpuint(stats(ts, 0)->drops[NSW_DROP_VLAN_FILTERED], ==, 1);
    ts_free(ts);
}

/*
 * Priority-tagged frames (VID 0) join the PVID and keep their priority:
 * untagged on its access ports, tagged with the PVID and the same PCP
 * and DEI on trunks.
 */
static void test_vlan_priority_tagged(void)
{
    TestSwitch *ts = vlan_switch(4);
    Frame f = make_frame(BCAST, MAC(7), 60);
    Frame prio = tagged(&f, 0xb000), t10 = tagged(&f, 0xb000 | 10);
    gsize len;
    const uint8_t *data;

    ts_send(ts, 0, &prio);
    assert_rx(ts, 1, &f, 1);
    assert_rx(ts, 3, &t10, 1);
    assert_rx_none(ts, 2);
    g_assert_cmpint(port_of(ts, MAC(7), 10), ==, 0);
    data = g_bytes_get_data(g_ptr_array_index(ts->ports[3].rx, 0), &len);
    g_assert_cmpuint(data[14], ==, 0xb0);
    g_assert_cmpuint(data[15], ==, 10);
    ts_free(ts);
}

/* Known unicast is looked up and re-encoded per VLAN. */
static void test_vlan_per_vlan_unicast(void)
{
    TestSwitch *ts = vlan_switch(4);
    Frame hello = make_frame(BCAST, MAC(5), 60);
    Frame to10 = make_frame(MAC(5), MAC(9), 60), to20 = to10;
    Frame t10 = tagged(&to10, 10), t20 = tagged(&to20, 20);
    Frame from0 = make_frame(MAC(9), MAC(5), 200);
    Frame from0_tagged = tagged(&from0, 10);

    /* MAC(5) is on port 0 in VLAN 10 and on port 2 in VLAN 20. */
    ts_send(ts, 0, &hello);
    ts_send(ts, 2, &hello);
    ts_clear_rx(ts);

    ts_send(ts, 3, &t20);
    assert_rx_none(ts, 0);
    assert_rx_none(ts, 1);
    assert_rx(ts, 2, &to20, 1);

    ts_clear_rx(ts);
    ts_send(ts, 3, &t10);
    assert_rx(ts, 0, &to10, 1);
    assert_rx_none(ts, 1);
    assert_rx_none(ts, 2);

    /* MAC(9) was learned on the trunk in both VLANs. */
    ts_clear_rx(ts);
    ts_send(ts, 0, &from0);
    assert_rx_none(ts, 1);
    assert_rx(ts, 3, &from0_tagged, 1);
    ts_free(ts);
}

/*
 * Flooding from an access port to two trunks and two access ports: the
 * access ports see the caller's buffer itself, the trunks share one tagged
 * copy.  Ports that keep a frame keep what nsw_packet_ref() gave them: for
 * the access ports, one copy of the caller's buffer that both share.
 */
static void test_vlan_shared_encoding(void)
{
    TestSwitch *ts = vlan_switch(6);
    NswPacket *trunk_a, *trunk_b, *access_a, *access_b;
    Frame f = make_frame(BCAST, MAC(1), 60), t = tagged(&f, 10);
    NswVlanSet set;

    g_assert_true(nsw_vlan_set_parse(&set, "10", NULL));
    nsw_port_set_pvid(ts->ports[4].port, 0);
    nsw_port_set_allowed_vlans(ts->ports[4].port, &set);
    nsw_port_set_pvid(ts->ports[5].port, 10);
    for (unsigned int i = 1; i < 6; i++) {
        ts->ports[i].keep = true;
    }

    ts_send(ts, 0, &f);
    assert_rx(ts, 1, &f, 1);
    assert_rx(ts, 5, &f, 1);
    assert_rx(ts, 3, &t, 1);
    assert_rx(ts, 4, &t, 1);
    g_assert(ts->ports[1].last_data == f.data);
    g_assert(ts->ports[5].last_data == f.data);
    g_assert(ts->ports[3].last_data == ts->ports[4].last_data);

    trunk_a = g_ptr_array_index(ts->ports[3].kept, 0);
    trunk_b = g_ptr_array_index(ts->ports[4].kept, 0);
    g_assert(trunk_a == trunk_b);
    g_assert_true(nsw_packet_is_shared(trunk_a));
    g_assert_cmpmem(nsw_packet_data(trunk_a), nsw_packet_len(trunk_a),
                    t.data, t.len);

    access_a = g_ptr_array_index(ts->ports[1].kept, 0);
    access_b = g_ptr_array_index(ts->ports[5].kept, 0);
    g_assert(access_a == access_b);
    g_assert(nsw_packet_data(access_a) != f.data);
    g_assert_true(nsw_packet_is_shared(access_a));
    g_assert_cmpmem(nsw_packet_data(access_a), nsw_packet_len(access_a),
                    f.data, f.len);
    ts_free(ts);
}

/*
 * An entry written into the table for a port outside the frame's VLAN
 * (say by management) must not leak the frame into that port.  It was
 * never sent toward that port, so the drop counts on the way in.
 */
static void test_vlan_unicast_to_non_member(void)
{
    TestSwitch *ts = vlan_switch(4);
    Frame f = make_frame(MAC(5), MAC(1), 60);

    nsw_mac_table_learn(nsw_switch_mac_table(ts->sw), MAC(5), 10, 2, 0);
    ts_send(ts, 0, &f);
    assert_rx_none(ts, 1);
    assert_rx_none(ts, 2);
    assert_rx_none(ts, 3);
    g_assert_cmpuint(stats(ts, 0)->drops[NSW_DROP_VLAN_FILTERED], ==, 1);
    g_assert_cmpuint(stats(ts, 0)->rx_dropped, ==, 1);
    g_assert_cmpuint(total_drops(ts, 2), ==, 0);
    ts_free(ts);
}

/*
 * Egress queues
 */

/* Bridge of 3 ports where port 1 has MAC(2) and port 0 wants to reach it */
static TestSwitch *flow_switch(Frame *to2)
{
    TestSwitch *ts = ts_new("bridge", 3);
    Frame hello = make_frame(BCAST, MAC(2), 60);

    ts_send(ts, 1, &hello);
    ts_clear_rx(ts);
    *to2 = make_frame(MAC(2), MAC(1), 60);
    return ts;
}

/*
 * Over the ports of @ts and the ones removed from it: every copy sent
 * toward a port was sent, dropped or waits in its queue.
 */
static void assert_accounted(TestSwitch *ts)
{
    const NswPortStats *gone = nsw_switch_removed_stats(ts->sw);
    uint64_t forwarded = gone->forwarded;
    uint64_t ended = gone->tx_packets + gone->tx_dropped;
    NswPort *port = NULL;

    while ((port = nsw_switch_next_port(ts->sw, port))) {
        const NswPortStats *st = nsw_port_stats(port);

        forwarded += st->forwarded;
        ended += st->tx_packets + st->tx_dropped + nsw_port_queue_len(port);
    }
    g_assert_cmpuint(forwarded, ==, ended);
}

/* A port that cannot take frames queues them and stalls nobody else. */
static void test_queue_busy_port_isolated(void)
{
    Frame f, g;
    TestSwitch *ts = flow_switch(&f);
    Frame hello3 = make_frame(BCAST, MAC(3), 60);

    ts_send(ts, 2, &hello3);
    ts_clear_rx(ts);
    g = make_frame(MAC(3), MAC(1), 70);

    ts->ports[1].full = true;
    ts_send(ts, 0, &f);
    ts_send(ts, 0, &g);
    ts_send(ts, 0, &f);
    assert_rx_none(ts, 1);
    assert_rx(ts, 2, &g, 1);
    g_assert_cmpuint(stats(ts, 0)->rx_packets, ==, 3);
    g_assert_cmpuint(stats(ts, 0)->forwarded, ==, 3);
    g_assert_cmpuint(nsw_port_queue_len(ts->ports[1].port), ==, 2);
    g_assert_cmpuint(nsw_port_queue_bytes(ts->ports[1].port), ==, 120);
    g_assert_cmpuint(total_drops(ts, 1), ==, 0);
    assert_accounted(ts);

    /* Told about a port that has nothing queued: nothing happens */
    nsw_port_writable(ts->ports[2].port, ts->now_ns);
    assert_rx(ts, 2, &g, 1);

    ts->ports[1].full = false;
    nsw_port_writable(ts->ports[1].port, ts->now_ns);
    assert_rx(ts, 1, (Frame[]) { f, f }, 2);
    g_assert_cmpuint(nsw_port_queue_len(ts->ports[1].port), ==, 0);
    g_assert_cmpuint(nsw_port_queue_bytes(ts->ports[1].port), ==, 0);
    g_assert_cmpuint(stats(ts, 1)->tx_packets, ==, 3);    /* with hello3 */
    g_assert_cmpuint(stats(ts, 1)->queue_high_water, ==, 2);
    assert_accounted(ts);
    ts_free(ts);
}

/* A transmit that says busy keeps the frame, first in the queue. */
static void test_queue_transmit_busy(void)
{
    Frame f;
    TestSwitch *ts = flow_switch(&f);
    Frame f2 = make_frame(MAC(2), MAC(1), 61);

    ts->ports[1].tx_mode = TX_BUSY;
    ts_send(ts, 0, &f);
    ts_send(ts, 0, &f2);
    g_assert_cmpuint(nsw_port_queue_len(ts->ports[1].port), ==, 2);
    g_assert_cmpuint(stats(ts, 1)->tx_packets, ==, 0);
    g_assert_cmpuint(total_drops(ts, 1), ==, 0);

    ts->ports[1].tx_mode = TX_OK;
    nsw_port_writable(ts->ports[1].port, ts->now_ns);
    assert_rx(ts, 1, (Frame[]) { f, f2 }, 2);
    g_assert_cmpuint(stats(ts, 1)->tx_bytes, ==, 121);
    assert_accounted(ts);
    ts_free(ts);
}

/* A port with room again that did not say so is sent to, in order. */
static void test_queue_keeps_order(void)
{
    Frame f;
    TestSwitch *ts = flow_switch(&f);
    Frame f2 = make_frame(MAC(2), MAC(1), 61);
    gsize len;

    ts->ports[1].full = true;
    ts_send(ts, 0, &f);
    ts->ports[1].full = false;
    ts_send(ts, 0, &f2);
    g_assert_cmpuint(ts->ports[1].rx->len, ==, 2);
    g_bytes_get_data(g_ptr_array_index(ts->ports[1].rx, 0), &len);
    g_assert_cmpuint(len, ==, 60);
    g_bytes_get_data(g_ptr_array_index(ts->ports[1].rx, 1), &len);
    g_assert_cmpuint(len, ==, 61);
    ts_free(ts);
}

/* Beyond its limits, in frames or in bytes, a queue drops and counts. */
static void test_queue_full(void)
{
    Frame f;
    TestSwitch *ts = flow_switch(&f);
    Frame big = make_frame(MAC(2), MAC(1), 1000);
    unsigned int i;

    ts->ports[1].full = true;
    nsw_port_set_queue_limits(ts->ports[1].port, 3, 100000);
    for (i = 0; i < 5; i++) {
        ts_send(ts, 0, &f);
    }
    g_assert_cmpuint(nsw_port_queue_len(ts->ports[1].port), ==, 3);
    g_assert_cmpuint(stats(ts, 1)->drops[NSW_DROP_QUEUE_FULL], ==, 2);
    g_assert_cmpuint(stats(ts, 1)->tx_dropped, ==, 2);
    g_assert_cmpuint(stats(ts, 0)->rx_dropped, ==, 0);
    assert_accounted(ts);

    /* 180 bytes queued: 1000 more do not fit in 1100 */
    nsw_port_set_queue_limits(ts->ports[1].port, 100, 1100);
    ts_send(ts, 0, &big);
    g_assert_cmpuint(stats(ts, 1)->drops[NSW_DROP_QUEUE_FULL], ==, 3);
    nsw_port_set_queue_limits(ts->ports[1].port, 100, 1180);
    ts_send(ts, 0, &big);
    g_assert_cmpuint(nsw_port_queue_len(ts->ports[1].port), ==, 4);
    g_assert_cmpuint(nsw_port_queue_bytes(ts->ports[1].port), ==, 1180);

    /* A lower limit drops nothing already queued */
    nsw_port_set_queue_limits(ts->ports[1].port, 1, 1);
    g_assert_cmpuint(nsw_port_queue_len(ts->ports[1].port), ==, 4);
    ts->ports[1].full = false;
    nsw_port_writable(ts->ports[1].port, ts->now_ns);
    g_assert_cmpuint(ts->ports[1].rx->len, ==, 4);
    assert_accounted(ts);
    ts_free(ts);
}

/* Floods queue for busy ports too, and never copy per port. */
static void test_queue_flood(void)
{
    TestSwitch *ts = ts_new("bridge", 4);
    Frame f = make_frame(BCAST, MAC(1), 60);
    gsize len;

    ts->ports[2].full = true;
    ts->ports[3].tx_mode = TX_BUSY;
    ts->ports[2].keep = ts->ports[3].keep = true;
    ts_send(ts, 0, &f);
    assert_rx(ts, 1, &f, 1);
    assert_rx_none(ts, 2);
    assert_rx_none(ts, 3);
    g_assert_cmpuint(nsw_port_queue_len(ts->ports[2].port), ==, 1);
    g_assert_cmpuint(nsw_port_queue_len(ts->ports[3].port), ==, 1);
    g_assert_cmpuint(stats(ts, 0)->forwarded, ==, 3);

    ts->ports[2].full = false;
    ts->ports[3].tx_mode = TX_OK;
    nsw_port_writable(ts->ports[2].port, ts->now_ns);
    nsw_port_writable(ts->ports[3].port, ts->now_ns);
    assert_rx(ts, 2, &f, 1);
    assert_rx(ts, 3, &f, 1);
    /* both sent the one copy made when the first of them queued it */
    g_assert(ts->ports[2].last_data == ts->ports[3].last_data);
    g_bytes_get_data(g_ptr_array_index(ts->ports[2].rx, 0), &len);
    g_assert_cmpuint(len, ==, 60);
    assert_accounted(ts);
    ts_free(ts);
}

static void test_queue_tx_error(void)
{
    Frame f;
    TestSwitch *ts = flow_switch(&f);
    Frame b = make_frame(BCAST, MAC(1), 60);

    ts->ports[1].tx_mode = TX_ERROR;
    ts_send(ts, 0, &f);
    ts_send(ts, 0, &b);
    g_assert_cmpuint(stats(ts, 1)->drops[NSW_DROP_TX_ERROR], ==, 2);
    g_assert_cmpuint(stats(ts, 1)->tx_packets, ==, 0);
    assert_rx(ts, 2, &b, 1);
    assert_accounted(ts);
    ts_free(ts);
}

/*
 * MAC table and VLAN changes leave queued frames where they are: they go
 * out when the port has room.
 */
static void test_queue_survives_table_changes(void)
{
    Frame f;
    TestSwitch *ts = flow_switch(&f);
    Frame moved = make_frame(BCAST, MAC(2), 60);
    NswVlanSet none = { };

    ts->ports[1].full = true;
    ts_send(ts, 0, &f);
    nsw_mac_table_flush(nsw_switch_mac_table(ts->sw));
    ts_send(ts, 1, &moved);     /* MAC(2) learnt again on 1 */
    ts_send(ts, 0, &f);
    ts->now_ns += 1000 * SEC;   /* everything ages out */
    ts_send(ts, 2, &moved);     /* MAC(2) moves to 2; its flood queues on 1 */
    nsw_port_set_pvid(ts->ports[1].port, 5);
    nsw_port_set_allowed_vlans(ts->ports[1].port, &none);
    g_assert_cmpuint(nsw_port_queue_len(ts->ports[1].port), ==, 3);

    ts->ports[1].full = false;
    nsw_port_writable(ts->ports[1].port, ts->now_ns);
    g_assert_cmpuint(ts->ports[1].rx->len, ==, 3);
    g_assert_cmpuint(total_drops(ts, 1), ==, 0);
    assert_accounted(ts);
    ts_free(ts);
}

/* Link down and removal empty the queue, and count what they dropped. */
static void test_queue_link_down_drops(void)
{
    Frame f;
    TestSwitch *ts = flow_switch(&f);

    ts->ports[1].full = true;
    ts_send(ts, 0, &f);
    ts_send(ts, 0, &f);
    nsw_port_set_link(ts->ports[1].port, false);
    g_assert_cmpuint(nsw_port_queue_len(ts->ports[1].port), ==, 0);
    g_assert_cmpuint(stats(ts, 1)->drops[NSW_DROP_LINK_DOWN], ==, 2);
    g_assert_cmpuint(stats(ts, 1)->tx_dropped, ==, 2);
    assert_accounted(ts);

    ts->ports[1].full = false;
    nsw_port_set_link(ts->ports[1].port, true);
    nsw_port_writable(ts->ports[1].port, ts->now_ns);
    assert_rx_none(ts, 1);
    ts_free(ts);
}

static void test_queue_remove_counts(void)
{
    Frame f;
    TestSwitch *ts = flow_switch(&f);
    const NswPortStats *gone = nsw_switch_removed_stats(ts->sw);

    ts->ports[1].full = true;
    ts_send(ts, 0, &f);
    ts_send(ts, 0, &f);
    ts_send(ts, 1, &f);     /* hairpin: dropped on the way in */
    nsw_port_remove(ts->ports[1].port);
    ts->ports[1].port = nsw_port_add(ts->sw, "p1", &test_port_ops,
                                     &ts->ports[1]);
    g_assert_cmpuint(gone->tx_dropped, ==, 2);
    g_assert_cmpuint(gone->drops[NSW_DROP_LINK_DOWN], ==, 2);
    g_assert_cmpuint(gone->rx_packets, ==, 2);     /* with flow_switch's */
    g_assert_cmpuint(gone->rx_dropped, ==, 1);
    assert_accounted(ts);

    /* MAC(2) left with its port: the next frame for it floods */
    ts->ports[1].full = false;
    ts_send(ts, 0, &f);
    assert_rx(ts, 1, &f, 1);
    assert_rx(ts, 2, &f, 1);
    ts_free(ts);
}

/*
 * A frame sent into the switch from one of its callbacks (slirp answers
 * from inside its receive handler) is switched once the first is through.
 */
static void test_backlog_answer(void)
{
    TestSwitch *ts = ts_new("bridge", 3);
    Frame ping = make_frame(BCAST, MAC(1), 60);
    Frame pong = make_frame(MAC(1), MAC(2), 70);

    ts->ports[1].answer = &pong;
    ts_send(ts, 0, &ping);
    assert_rx(ts, 0, &pong, 1);
    assert_rx(ts, 1, &ping, 1);
    assert_rx(ts, 2, &ping, 1);
    g_assert_cmpuint(stats(ts, 1)->rx_packets, ==, 1);
    g_assert_false(nsw_switch_has_pending(ts->sw));
    assert_accounted(ts);
    ts_free(ts);
}

/*
 * Two ports that answer every frame with a frame to the other: each call
 * returns after a bounded amount of work, and the rest is pending.
 */
static void test_backlog_bounded(void)
{
    TestSwitch *ts = ts_new("bridge", 2);
    Frame a = make_frame(MAC(2), MAC(1), 60);
    Frame b = make_frame(MAC(1), MAC(2), 60);
    unsigned int i;

    ts_send(ts, 0, &a);     /* learn MAC(1) on 0 */
    ts_send(ts, 1, &b);     /* learn MAC(2) on 1 */
    ts_clear_rx(ts);
    ts->ports[0].answer = &a;
    ts->ports[1].answer = &b;
    ts_send(ts, 0, &a);
    g_assert_true(nsw_switch_has_pending(ts->sw));
    g_assert_cmpuint(ts->ports[1].rx->len, <=, NSW_PENDING_BUDGET + 1);
    for (i = 0; i < 10; i++) {
        unsigned int before = ts->ports[0].rx->len + ts->ports[1].rx->len;

        nsw_switch_run_pending(ts->sw, ts->now_ns);
        g_assert_true(nsw_switch_has_pending(ts->sw));
        g_assert_cmpuint(ts->ports[0].rx->len + ts->ports[1].rx->len, ==,
                         before + NSW_PENDING_BUDGET);
    }
    ts->ports[0].answer = ts->ports[1].answer = NULL;
    nsw_switch_run_pending(ts->sw, ts->now_ns);
    g_assert_false(nsw_switch_has_pending(ts->sw));
    assert_accounted(ts);
    ts_free(ts);
}

/*
 * What the switch holds when its VM has migrated away is dropped and
 * counted under the reason given: queued frames on the port they were
 * for, backlog frames (not switched yet) as received and dropped on the
 * port they came in on.  Nothing of it goes out afterwards.
 */
static void test_drop_held(void)
{
    TestSwitch *ts = ts_new("bridge", 3);
    Frame a = make_frame(MAC(2), MAC(1), 60);
    Frame b = make_frame(MAC(1), MAC(2), 60);
    Frame c = make_frame(MAC(3), MAC(1), 80);
    Frame hello3 = make_frame(BCAST, MAC(3), 60);
    uint64_t rx_before, backlog;
    unsigned int dropped, delivered;

    ts_send(ts, 0, &a);     /* learn MAC(1) on 0 */
    ts_send(ts, 1, &b);     /* learn MAC(2) on 1 */
    ts_send(ts, 2, &hello3);
    ts_clear_rx(ts);
    ts->ports[2].full = true;
    ts_send(ts, 0, &c);
    ts_send(ts, 0, &c);
    g_assert_cmpuint(nsw_port_queue_len(ts->ports[2].port), ==, 2);
    /* two ports answering each other leave frames in the backlog */
    ts->ports[0].answer = &a;
    ts->ports[1].answer = &b;
    ts_send(ts, 0, &a);
    ts->ports[0].answer = ts->ports[1].answer = NULL;
    g_assert_true(nsw_switch_has_pending(ts->sw));
    rx_before = stats(ts, 0)->rx_packets + stats(ts, 1)->rx_packets;

    dropped = nsw_switch_drop_held(ts->sw, NSW_DROP_VM_MIGRATED);
    backlog = stats(ts, 0)->rx_packets + stats(ts, 1)->rx_packets -
              rx_before;
    g_assert_cmpuint(backlog, >, 0);
    g_assert_cmpuint(dropped, ==, 2 + backlog);
    g_assert_false(nsw_switch_has_pending(ts->sw));
    g_assert_cmpuint(nsw_port_queue_len(ts->ports[2].port), ==, 0);
    g_assert_cmpuint(nsw_port_queue_bytes(ts->ports[2].port), ==, 0);
    g_assert_cmpuint(stats(ts, 2)->drops[NSW_DROP_VM_MIGRATED], ==, 2);
    g_assert_cmpuint(stats(ts, 2)->tx_dropped, ==, 2);
    g_assert_cmpuint(stats(ts, 0)->drops[NSW_DROP_VM_MIGRATED] +
                     stats(ts, 1)->drops[NSW_DROP_VM_MIGRATED], ==, backlog);
    g_assert_cmpuint(stats(ts, 0)->rx_dropped + stats(ts, 1)->rx_dropped, ==,
                     backlog);
    assert_accounted(ts);

    delivered = ts->ports[0].rx->len + ts->ports[1].rx->len;
    nsw_switch_run_pending(ts->sw, ts->now_ns);
    ts->ports[2].full = false;
    nsw_port_writable(ts->ports[2].port, ts->now_ns);
    g_assert_cmpuint(ts->ports[0].rx->len + ts->ports[1].rx->len, ==,
                     delivered);
    assert_rx_none(ts, 2);

    /* The switch goes on working: a later frame is switched as usual */
    ts_send(ts, 0, &c);
    assert_rx(ts, 2, &c, 1);
    assert_accounted(ts);
    ts_free(ts);
}

/*
 * Frames a port's owner took but still holds when the VM migrates away (a
 * super-frame being merged, frames its net layer queued): the switch had
 * counted them as sent, and drop_held moves them to the owner's port's
 * drops, under the reason given, with the accounting identity intact.
 * Without the drop_held op they would stay counted as sent, and the
 * identity would hold over frames nobody ever received.
 */
static void test_drop_held_by_owner(void)
{
    TestSwitch *ts = ts_new("hub", 3);
    Frame a = make_frame(BCAST, MAC(1), 60);
    Frame b = make_frame(BCAST, MAC(1), 100);

    ts->ports[1].hold = true;
    ts_send(ts, 0, &a);
    ts_send(ts, 0, &b);
    ts_send(ts, 0, &a);
    g_assert_cmpuint(stats(ts, 1)->tx_packets, ==, 3);
    g_assert_cmpuint(ts->ports[1].held, ==, 3);
    assert_accounted(ts);

    g_assert_cmpuint(nsw_switch_drop_held(ts->sw, NSW_DROP_VM_MIGRATED), ==,
                     3);
    g_assert_cmpuint(stats(ts, 1)->tx_packets, ==, 0);
    g_assert_cmpuint(stats(ts, 1)->tx_bytes, ==, 0);
    g_assert_cmpuint(stats(ts, 1)->tx_dropped, ==, 3);
    g_assert_cmpuint(stats(ts, 1)->drops[NSW_DROP_VM_MIGRATED], ==, 3);
    /* The port that delivered keeps its frames counted as sent */
    g_assert_cmpuint(stats(ts, 2)->tx_packets, ==, 3);
    g_assert_cmpuint(stats(ts, 2)->tx_bytes, ==, 60 + 100 + 60);
    assert_accounted(ts);

    /* An owner that claims more than it was sent cannot underflow */
    nsw_port_drop_sent(ts->ports[2].port, 10, 1000, NSW_DROP_TX_ERROR);
    g_assert_cmpuint(stats(ts, 2)->tx_packets, ==, 0);
    g_assert_cmpuint(stats(ts, 2)->tx_bytes, ==, 0);
    g_assert_cmpuint(stats(ts, 2)->tx_dropped, ==, 3);
    assert_accounted(ts);
    ts_free(ts);
}

/*
 * The accounting invariant after a million frames of every kind into a
 * switch with slow and broken ports.
 */
static void test_accounting_million(void)
{
    TestSwitch *ts = ts_new("bridge", 5);
    Frame frames[8];
    uint64_t rx = 0, forwarded = 0, queued;
    unsigned int i;
    GRand *rand = g_rand_new_with_seed(42);

    frames[0] = make_frame(MAC(2), MAC(1), 60);     /* to the slow port */
    frames[1] = make_frame(MAC(3), MAC(1), 1514);   /* to the fast port */
    frames[2] = make_frame(BCAST, MAC(1), 60);
    frames[3] = make_frame(MAC(9), MAC(1), 100);    /* unknown */
    frames[4] = make_frame(MAC(1), MAC(1), 60);     /* to itself */
    frames[5] = make_frame(MAC(2), MCAST, 60);      /* invalid source */
    frames[6] = make_frame(MAC(5), MAC(1), 60);     /* to the broken port */
    frames[7] = make_frame(MAC(2), MAC(1), 10);     /* runt */
    for (i = 1; i <= 4; i++) {
        Frame hello = make_frame(BCAST, MAC(i + 1), 60);

        ts_send(ts, i, &hello);
    }
    ts->ports[1].full = true;
    ts->ports[4].tx_mode = TX_ERROR;
    nsw_port_set_queue_limits(ts->ports[1].port, 100, 64 * KiB);
    for (i = 0; i < 1000000; i++) {
        ts_send(ts, 0, &frames[g_rand_int_range(rand, 0, 8)]);
        if (i % 1000 == 0) {
            g_ptr_array_set_size(ts->ports[1].rx, 0);
            g_ptr_array_set_size(ts->ports[2].rx, 0);
            g_ptr_array_set_size(ts->ports[3].rx, 0);
        }
        if (g_rand_int_range(rand, 0, 50) == 0) {
            /* the slow port takes a few now and then */
            ts->ports[1].full = false;
            nsw_port_writable(ts->ports[1].port, ts->now_ns);
            ts->ports[1].full = true;
        }
    }
    assert_accounted(ts);
    queued = nsw_port_queue_len(ts->ports[1].port);
    g_assert_cmpuint(queued, >, 0);
    ts->ports[1].full = false;
    nsw_port_writable(ts->ports[1].port, ts->now_ns);
    g_assert_cmpuint(nsw_port_queue_len(ts->ports[1].port), ==, 0);
    assert_accounted(ts);

    for (i = 0; i < ts->nports; i++) {
        rx += stats(ts, i)->rx_packets - stats(ts, i)->rx_dropped;
        forwarded += stats(ts, i)->forwarded;
    }
    g_assert_cmpuint(stats(ts, 0)->rx_packets, ==, 1000000);
    g_assert_cmpuint(stats(ts, 1)->drops[NSW_DROP_QUEUE_FULL], >, 0);
    g_assert_cmpuint(stats(ts, 4)->drops[NSW_DROP_TX_ERROR], >, 0);
    g_assert_cmpuint(stats(ts, 0)->drops[NSW_DROP_RUNT], >, 0);
    g_assert_cmpuint(forwarded, >, rx);     /* floods fan out */
    g_rand_free(rand);
    ts_free(ts);
}

/*
 * Token buckets and port policies
 */

/* Over 10 s at any rate, a bucket passes rate x 10 + burst units, +-5%. */
static void test_tb_rate_and_burst(void)
{
    static const struct {
        uint64_t rate, burst, unit;
    } cases[] = {
        { 1250000, 65536, 1514 },       /* 10 Mbit/s of full frames */
        { 125000000, 100000, 64 },      /* 1 Gbit/s of small ones */
        { 1000, 1000, 1 },              /* 1000 frames per second */
        { 100, 5000, 1514 },            /* slower than one frame a second */
        { 1000, 1, 1500 },              /* frames far larger than the burst */
    };
    unsigned int i;

    for (i = 0; i < ARRAY_SIZE(cases); i++) {
        NswTokenBucket tb;
        uint64_t passed = 0, expected;
        int64_t now = 5 * SEC, end = now + 10 * SEC;

        nsw_tb_init(&tb, cases[i].rate, cases[i].burst, now);
        /* one unit at a time, whenever the bucket says it may go */
        while (now <= end) {
            if (nsw_tb_take(&tb, cases[i].unit, now)) {
                passed += cases[i].unit;
            } else {
                now += MAX(nsw_tb_wait_ns(&tb, cases[i].unit, now), 1);
            }
        }
        expected = cases[i].rate * 10 + cases[i].burst;
        g_assert_cmpfloat(fabs((double)passed - expected), <=,
                          0.05 * expected + cases[i].unit);
    }
}

/* The burst goes at once, then nothing until tokens come back. */
static void test_tb_burst_then_wait(void)
{
    NswTokenBucket tb;
    unsigned int i;

    nsw_tb_init(&tb, 1000, 10, 0);
    for (i = 0; i < 10; i++) {
        g_assert_true(nsw_tb_take(&tb, 1, 0));
    }
    g_assert_false(nsw_tb_take(&tb, 1, 0));
    g_assert_cmpint(nsw_tb_wait_ns(&tb, 1, 0), ==, 1000000);   /* 1 ms */
    g_assert_false(nsw_tb_take(&tb, 1, 999999));
    g_assert_true(nsw_tb_take(&tb, 1, 1000000));
    /* a unit larger than the burst passes a full bucket, and owes */
    nsw_tb_init(&tb, 1000, 10, 0);
    g_assert_true(nsw_tb_take(&tb, 15, 0));
    g_assert_false(nsw_tb_take(&tb, 1, 5 * 1000000));
    g_assert_true(nsw_tb_take(&tb, 1, 6 * 1000000));
    /* rate 0: no limit */
    nsw_tb_init(&tb, 0, 0, 0);
    g_assert_true(nsw_tb_take(&tb, UINT32_MAX, 0));
    g_assert_cmpint(nsw_tb_wait_ns(&tb, UINT32_MAX, 0), ==, 0);
}

/* Huge rates and long idle times must not overflow. */
static void test_tb_extremes(void)
{
    NswTokenBucket tb;

    nsw_tb_init(&tb, NSW_TB_MAX_RATE, NSW_TB_MAX_BURST, 0);
    g_assert_true(nsw_tb_take(&tb, NSW_TB_MAX_BURST, 0));
    g_assert_true(nsw_tb_take(&tb, NSW_TB_MAX_BURST, INT64_MAX / 2));
    g_assert_false(nsw_tb_take(&tb, NSW_TB_MAX_BURST, INT64_MAX / 2));
    nsw_tb_init(&tb, 1, 1, 0);
    g_assert_true(nsw_tb_take(&tb, 1, 0));
    g_assert_cmpint(nsw_tb_wait_ns(&tb, 1, 0), ==, SEC);
    g_assert_true(nsw_tb_take(&tb, 1, INT64_MAX));
}

/*
 * A shaped port: the burst leaves at once, the rest waits in the queue
 * until nsw_switch_next_timer(), and 10 s pass rate x 10 + burst.
 */
static void test_shaper(void)
{
    Frame f;
    TestSwitch *ts = flow_switch(&f);
    Frame big = make_frame(MAC(2), MAC(1), 1000);
    int64_t start = ts->now_ns, end = start + 10 * SEC;
    uint64_t sent, expected = 1000000 / 8 * 10 + 10000;
    unsigned int i;

    nsw_port_set_shaper(ts->ports[1].port, 1000000, 10000, ts->now_ns);    /* 1 Mbit/s */
    nsw_port_set_queue_limits(ts->ports[1].port, 100000, 100 * MiB);
    for (i = 0; i < 3000; i++) {
        ts_send(ts, 0, &big);
    }
    g_assert_cmpuint(ts->ports[1].rx->len, ==, 10);
    g_assert_cmpint(nsw_switch_next_timer(ts->sw), ==, start + 8000000);

    while (nsw_switch_next_timer(ts->sw) <= end) {
        ts->now_ns = nsw_switch_next_timer(ts->sw);
        nsw_switch_run_timers(ts->sw, ts->now_ns);
    }
    sent = stats(ts, 1)->tx_bytes;
    g_assert_cmpfloat(fabs((double)sent - expected), <=, 0.05 * expected);
    g_assert_cmpuint(total_drops(ts, 1), ==, 0);
    assert_accounted(ts);

    /* Turning the shaper off sends the rest at once */
    nsw_port_set_shaper(ts->ports[1].port, 0, 0, ts->now_ns);
    g_assert_cmpuint(nsw_port_queue_len(ts->ports[1].port), ==, 0);
    g_assert_cmpuint(stats(ts, 1)->tx_packets, ==, 3000);
    g_assert_cmpint(nsw_switch_next_timer(ts->sw), ==, INT64_MAX);
    ts_free(ts);
}

/* A new rate applies to what already waits, not just to later frames. */
static void test_shaper_rate_change(void)
{
    Frame f;
    TestSwitch *ts = flow_switch(&f);
    int64_t slow_deadline;

    nsw_port_set_shaper(ts->ports[1].port, 8, 60, ts->now_ns);  /* 1 B/s */
    ts_send(ts, 0, &f);
    ts_send(ts, 0, &f);
    g_assert_cmpuint(ts->ports[1].rx->len, ==, 1);
    slow_deadline = nsw_switch_next_timer(ts->sw);
    g_assert_cmpint(slow_deadline, ==, ts->now_ns + 60 * SEC);

    /* 8 Mbit/s: the second frame could go at once, and does */
    nsw_port_set_shaper(ts->ports[1].port, 8000000, 60, ts->now_ns);
    g_assert_cmpuint(ts->ports[1].rx->len, ==, 2);
    g_assert_cmpint(nsw_switch_next_timer(ts->sw), ==, INT64_MAX);
    assert_accounted(ts);
    ts_free(ts);
}

/* A clock that goes back (a snapshot loaded) does not stall a bucket. */
static void test_tb_clock_back(void)
{
    NswTokenBucket tb;

    nsw_tb_init(&tb, 1000, 10, 100 * SEC);
    g_assert_true(nsw_tb_take(&tb, 10, 100 * SEC));
    /* back to 1 s: from there, 10 ms earn 10 units as usual */
    g_assert_false(nsw_tb_take(&tb, 10, 1 * SEC));
    g_assert_true(nsw_tb_take(&tb, 10, 1 * SEC + 10 * 1000000));
}

/* A shaped port that goes down stops waiting for its timer. */
static void test_shaper_link_down(void)
{
    Frame f;
    TestSwitch *ts = flow_switch(&f);

    nsw_port_set_shaper(ts->ports[1].port, 8000, 60, ts->now_ns);
    ts_send(ts, 0, &f);
    ts_send(ts, 0, &f);
    g_assert_cmpint(nsw_switch_next_timer(ts->sw), <, INT64_MAX);
    nsw_port_set_link(ts->ports[1].port, false);
    g_assert_cmpint(nsw_switch_next_timer(ts->sw), ==, INT64_MAX);
    g_assert_cmpuint(stats(ts, 1)->drops[NSW_DROP_LINK_DOWN], ==, 1);
    assert_accounted(ts);
    ts_free(ts);
}

/* Policing drops what a port sends beyond its rate, before switching. */
static void test_policer(void)
{
    Frame f;
    TestSwitch *ts = flow_switch(&f);
    unsigned int i;

    nsw_port_set_policer(ts->ports[0].port, 8000 * 8, 600, ts->now_ns);  /* 8000 B/s */
    for (i = 0; i < 20; i++) {
        ts_send(ts, 0, &f);
    }
    g_assert_cmpuint(ts->ports[1].rx->len, ==, 10);      /* the burst */
    g_assert_cmpuint(stats(ts, 0)->drops[NSW_DROP_POLICED], ==, 10);
    g_assert_cmpuint(stats(ts, 0)->rx_dropped, ==, 10);
    ts->now_ns += SEC / 2;                                  /* 4000 B */
    for (i = 0; i < 100; i++) {
        ts_send(ts, 0, &f);
    }
    g_assert_cmpuint(ts->ports[1].rx->len, ==, 20);      /* full again */
    g_assert_cmpuint(stats(ts, 0)->drops[NSW_DROP_POLICED], ==, 100);
    assert_accounted(ts);
    nsw_port_set_policer(ts->ports[0].port, 0, 0, ts->now_ns);
    ts_send(ts, 0, &f);
    g_assert_cmpuint(ts->ports[1].rx->len, ==, 21);
    ts_free(ts);
}

/* Storm control limits floods only: known unicast is not counted. */
static void test_storm_control(void)
{
    Frame f;
    TestSwitch *ts = flow_switch(&f);
    Frame b = make_frame(BCAST, MAC(1), 60);
    Frame unknown = make_frame(MAC(9), MAC(1), 60);
    unsigned int i;

    nsw_port_set_storm_limit(ts->ports[0].port, 5, ts->now_ns);
    for (i = 0; i < 4; i++) {
        ts_send(ts, 0, &b);
        ts_send(ts, 0, &unknown);
        ts_send(ts, 0, &f);
    }
    g_assert_cmpuint(ts->ports[2].rx->len, ==, 5);
    g_assert_cmpuint(ts->ports[1].rx->len, ==, 5 + 4);
    g_assert_cmpuint(stats(ts, 0)->drops[NSW_DROP_STORM], ==, 3);
    ts->now_ns += SEC / 5;                                  /* 1 more */
    ts_send(ts, 0, &b);
    ts_send(ts, 0, &b);
    g_assert_cmpuint(ts->ports[2].rx->len, ==, 6);
    g_assert_cmpuint(stats(ts, 0)->drops[NSW_DROP_STORM], ==, 4);
    assert_accounted(ts);
    ts_free(ts);
}

/* The vlan policy's floods obey storm control too. */
static void test_storm_control_vlan(void)
{
    TestSwitch *ts = vlan_switch(4);
    Frame b = make_frame(BCAST, MAC(1), 60);

    nsw_port_set_storm_limit(ts->ports[0].port, 1, ts->now_ns);
    ts_send(ts, 0, &b);
    ts_send(ts, 0, &b);
    assert_rx(ts, 1, &b, 1);
    g_assert_cmpuint(stats(ts, 0)->drops[NSW_DROP_STORM], ==, 1);
    ts_free(ts);
}

/*
 * A port with a MAC limit learns no more addresses than that, so a guest
 * sending from random addresses cannot evict other ports' entries (and
 * have their traffic flooded to it).
 */
static void test_mac_limit(void)
{
    TestSwitch *ts = ts_new("bridge", 3);
    NswMacTable *table = nsw_switch_mac_table(ts->sw);
    Frame hello = make_frame(BCAST, MAC(2), 60);
    Frame to2 = make_frame(MAC(2), MAC(1), 60);
    unsigned int i;

    nsw_mac_table_set_max_entries(table, 64);
    ts_send(ts, 1, &hello);
    nsw_port_set_max_macs(ts->ports[0].port, 4);
    for (i = 0; i < 1000; i++) {
        Frame f = make_frame(BCAST, (const uint8_t[6]) { 0x02, 0x99, 0, 0,
                                                        i >> 8, i }, 60);

        ts_send(ts, 0, &f);
    }
    g_assert_cmpuint(nsw_mac_table_port_count(table, 0), ==, 4);
    g_assert_cmpuint(stats(ts, 0)->drops[NSW_DROP_MAC_LIMIT], ==, 996);
    g_assert_cmpint(port_of(ts, MAC(2), 0), ==, 1);
    ts_clear_rx(ts);
    ts_send(ts, 2, &to2);
    assert_rx(ts, 1, &to2, 1);
    assert_rx_none(ts, 0);

    /* a known address still passes; another port is not limited */
    ts_send(ts, 0, &(Frame) { .len = 0 });
    for (i = 0; i < 2; i++) {
        Frame f = make_frame(BCAST, (const uint8_t[6]) { 0x02, 0x99, 0, 0,
                                                        0, i }, 60);

        ts_send(ts, 0, &f);
    }
    g_assert_cmpuint(stats(ts, 0)->drops[NSW_DROP_MAC_LIMIT], ==, 996);
    g_assert_cmpuint(nsw_mac_table_port_count(table, 1), ==, 1);
    assert_accounted(ts);
    ts_free(ts);
}

/* Anti-spoofing: only the allowed source addresses get in. */
static void test_allowed_macs(void)
{
    Frame f;
    TestSwitch *ts = flow_switch(&f);
    Frame spoofed = make_frame(MAC(2), MAC(7), 60);
    const uint8_t allowed[2][6] = {
        { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 },
        { 0x02, 0x00, 0x00, 0x00, 0x00, 0x03 },
    };
    const uint8_t (*got)[6];

    nsw_port_set_allowed_macs(ts->ports[0].port, allowed, 2);
    g_assert_cmpuint(nsw_port_allowed_macs(ts->ports[0].port, &got), ==, 2);
    g_assert_cmpmem(got, 12, allowed, 12);
    ts_send(ts, 0, &f);
    ts_send(ts, 0, &spoofed);
    assert_rx(ts, 1, &f, 1);
    g_assert_cmpuint(stats(ts, 0)->drops[NSW_DROP_SPOOFED], ==, 1);
    g_assert_cmpint(port_of(ts, MAC(7), 0), ==, -1);
    nsw_port_set_allowed_macs(ts->ports[0].port, NULL, 0);
    ts_send(ts, 0, &spoofed);
    g_assert_cmpuint(ts->ports[1].rx->len, ==, 2);
    assert_accounted(ts);
    ts_free(ts);
}

/*
 * Loop protection.  Two bridges joined by two cables (sw A's ports 2 and 3
 * to sw B's ports 2 and 3) make a loop: a broadcast goes round for ever,
 * and its source moves between A's two cable ports at every turn.
 */
typedef struct Cable {
    NswSwitch *sw;
    NswPort *port;                  /* the far end */
    unsigned int loops;
} Cable;

static ssize_t cable_transmit(NswPort *port, NswPacket *pkt, void *opaque)
{
    Cable *c = opaque;

    nsw_switch_input(c->sw, c->port, nsw_packet_data(pkt),
                     nsw_packet_len(pkt), 0);
    return nsw_packet_len(pkt);
}

static void cable_loop_detected(NswPort *port, const uint8_t *mac,
                                void *opaque)
{
    Cable *c = opaque;

    c->loops++;
}

static const NswPortOps cable_ops = {
    .transmit = cable_transmit,
    .loop_detected = cable_loop_detected,
};

static ssize_t sink_transmit(NswPort *port, NswPacket *pkt, void *opaque)
{
    return nsw_packet_len(pkt);
}

static const NswPortOps sink_ops = {
    .transmit = sink_transmit,
};

static void test_loop_protection(void)
{
    NswSwitch *a = nsw_switch_new(&nsw_policy_bridge);
    NswSwitch *b = nsw_switch_new(&nsw_policy_bridge);
    Cable ca[2] = { { .sw = b }, { .sw = b } };
    Cable cb[2] = { { .sw = a }, { .sw = a } };
    NswPort *pa[2], *pb[2], *host;
    Frame f = make_frame(BCAST, MAC(1), 60);
    unsigned int i, rounds;

    host = nsw_port_add(a, "host", &sink_ops, NULL);
    for (i = 0; i < 2; i++) {
        g_autofree char *name = g_strdup_printf("cable%u", i);

        pa[i] = nsw_port_add(a, name, &cable_ops, &ca[i]);
        pb[i] = nsw_port_add(b, name, &cable_ops, &cb[i]);
    }
    for (i = 0; i < 2; i++) {
        ca[i].port = pb[i];
        cb[i].port = pa[i];
    }
    nsw_switch_input(a, host, f.data, f.len, 0);
    for (rounds = 0; rounds < 1000 && (nsw_switch_has_pending(a) ||
                                       nsw_switch_has_pending(b));
         rounds++) {
        nsw_switch_run_pending(a, 0);
        nsw_switch_run_pending(b, 0);
    }
    /*
     * The storm ended because a cable went down (both switches may see it
     * flap and cut their end), and each owner was told.
     */
    g_assert_cmpuint(rounds, <, 1000);
    for (i = 0; i < 2; i++) {
        g_assert_cmpuint(ca[i].loops, ==, !nsw_port_link_up(pa[i]));
        g_assert_cmpuint(cb[i].loops, ==, !nsw_port_link_up(pb[i]));
    }
    g_assert_cmpuint(ca[0].loops + ca[1].loops + cb[0].loops + cb[1].loops,
                     >=, 1);

    /* off: the storm goes on (for as long as we care to run it) */
    for (i = 0; i < 2; i++) {
        nsw_port_set_link(pa[i], true);
        nsw_port_set_link(pb[i], true);
    }
    nsw_switch_set_flap_limit(a, 0);
    nsw_switch_set_flap_limit(b, 0);
    g_assert_cmpuint(nsw_switch_flap_limit(a), ==, 0);
    nsw_switch_input(a, host, f.data, f.len, 2 * SEC);
    for (rounds = 0; rounds < 100; rounds++) {
        nsw_switch_run_pending(a, 2 * SEC);
        nsw_switch_run_pending(b, 2 * SEC);
    }
    g_assert_true(nsw_switch_has_pending(a) || nsw_switch_has_pending(b));
    nsw_switch_free(a);
    nsw_switch_free(b);
}

/*
 * Link state
 */

static void test_link_down(void)
{
    Frame f;
    TestSwitch *ts = flow_switch(&f);
    Frame from1 = make_frame(BCAST, MAC(2), 60);

    nsw_port_set_link(ts->ports[1].port, false);
    g_assert_false(nsw_port_link_up(ts->ports[1].port));
    g_assert_cmpint(port_of(ts, MAC(2), 0), ==, -1);

    /* To a down port: flooded (unknown now), counted on the down port */
    ts_send(ts, 0, &f);
    assert_rx_none(ts, 1);
    assert_rx(ts, 2, &f, 1);
    g_assert_cmpuint(stats(ts, 1)->drops[NSW_DROP_LINK_DOWN], ==, 1);

    /* From a down port: dropped, counted, not learned */
    ts_send(ts, 1, &from1);
    assert_rx_none(ts, 0);
    assert_rx(ts, 2, &f, 1);
    g_assert_cmpuint(stats(ts, 1)->drops[NSW_DROP_LINK_DOWN], ==, 2);
    g_assert_cmpuint(total_drops(ts, 1), ==, 2);
    g_assert_cmpint(port_of(ts, MAC(2), 0), ==, -1);

    nsw_port_set_link(ts->ports[1].port, true);
    ts_clear_rx(ts);
    ts_send(ts, 1, &from1);
    ts_send(ts, 0, &f);
    assert_rx(ts, 1, &f, 1);
    assert_rx(ts, 2, &from1, 1);
    ts_free(ts);
}

/* Likewise, a known destination whose link is down gets nothing. */
static void test_link_down_unicast(void)
{
    Frame f;
    TestSwitch *ts = flow_switch(&f);

    nsw_port_set_link(ts->ports[1].port, false);
    nsw_mac_table_learn(nsw_switch_mac_table(ts->sw), MAC(2), 0, 1, 0);
    ts_send(ts, 0, &f);
    assert_rx_none(ts, 1);
    assert_rx_none(ts, 2);
    g_assert_cmpuint(stats(ts, 1)->drops[NSW_DROP_LINK_DOWN], ==, 1);
    assert_accounted(ts);
    ts_free(ts);
}

/*
 * A TCP/IPv4 super-frame of 3000 bytes of payload, gso_size 1000, as a
 * NIC with TSO hands it over; @off gets its checked metadata.
 */
static size_t make_super_frame(uint8_t *buf, NswOffload *off)
{
    struct virtio_net_hdr hdr = {
        .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
        .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
        .gso_size = 1000,
        .csum_start = 34,
        .csum_offset = 16,
    };
    size_t len = 14 + 20 + 20 + 3000;

    memset(buf, 0, len);
    memcpy(buf, BCAST, 6);
    memcpy(buf + 6, MAC(1), 6);
    stw_be_p(buf + 12, 0x0800);
    buf[14] = 0x45;
    stw_be_p(buf + 16, len - 14);
    buf[14 + 9] = 6;
    buf[34 + 12] = 5 << 4;
    buf[34 + 13] = 0x18;        /* ACK, PSH */
    for (size_t i = 54; i < len; i++) {
        buf[i] = i;
    }
    g_assert_null(nsw_offload_from_vnet_hdr(off, &hdr, buf, len, 1518));
    return len;
}

/*
 * A flooded super-frame: the ports that take it get it whole (with its
 * metadata), the others its segments, made once and shared by all of
 * them, including one whose segments wait in its queue.
 */
static void test_offload_flood(void)
{
    TestSwitch *ts = ts_new("hub", 4);
    g_autofree uint8_t *buf = g_malloc(4096);
    NswOffload off;
    size_t len = make_super_frame(buf, &off);
    NswPacket *whole;

    for (unsigned int i = 1; i < 4; i++) {
        ts->ports[i].keep = true;
    }
    nsw_port_set_offload_caps(ts->ports[3].port,
                              NSW_OFFLOAD_CSUM | NSW_OFFLOAD_TSO4);
    ts->ports[2].full = true;
    nsw_switch_input_offload(ts->sw, ts->ports[0].port, buf, len, &off,
                             ts->now_ns);
    ts->ports[2].full = false;
    nsw_port_writable(ts->ports[2].port, ts->now_ns);

    g_assert_cmpuint(ts->ports[1].kept->len, ==, 3);
    g_assert_cmpuint(ts->ports[2].kept->len, ==, 3);
    for (unsigned int k = 0; k < 3; k++) {
        NswPacket *seg = g_ptr_array_index(ts->ports[1].kept, k);

        g_assert_true(seg == g_ptr_array_index(ts->ports[2].kept, k));
        g_assert_null(nsw_packet_offload(seg));
        g_assert_cmpuint(nsw_packet_len(seg), ==, 54 + 1000);
        /* PSH on the last segment only, sequence numbers by 1000 */
        g_assert_cmphex(nsw_packet_data(seg)[34 + 13], ==,
                        k == 2 ? 0x18 : 0x10);
        g_assert_cmpuint(ldl_be_p(nsw_packet_data(seg) + 34 + 4), ==,
                         k * 1000);
    }
    g_assert_cmpuint(ts->ports[3].kept->len, ==, 1);
    whole = g_ptr_array_index(ts->ports[3].kept, 0);
    g_assert_cmpuint(nsw_packet_len(whole), ==, len);
    g_assert_nonnull(nsw_packet_offload(whole));
    g_assert_cmpuint(nsw_packet_offload(whole)->gso_size, ==, 1000);

    g_assert_cmpuint(stats(ts, 0)->forwarded, ==, 3 + 3 + 1);
    g_assert_cmpuint(stats(ts, 1)->gso_segmented, ==, 1);
    g_assert_cmpuint(stats(ts, 1)->gso_segments, ==, 3);
    g_assert_cmpuint(stats(ts, 2)->gso_segments, ==, 3);
    g_assert_cmpuint(stats(ts, 3)->gso_whole, ==, 1);
    g_assert_cmpuint(stats(ts, 3)->gso_segmented, ==, 0);
    assert_accounted(ts);

    nsw_port_drop_bad_offload(ts->ports[0].port, len);
    g_assert_cmpuint(stats(ts, 0)->drops[NSW_DROP_BAD_OFFLOAD], ==, 1);
    assert_accounted(ts);
    ts_free(ts);
}

/* A 64-byte TCP/IPv4 (or /IPv6) frame with a partial checksum at @start */
static const char *csum_at(uint16_t ethertype, uint16_t start,
                           uint16_t offset)
{
    struct virtio_net_hdr hdr = {
        .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
        .csum_start = start,
        .csum_offset = offset,
    };
    uint8_t buf[128] = { 0 };
    NswOffload off;

    memcpy(buf, BCAST, 6);
    memcpy(buf + 6, MAC(1), 6);
    stw_be_p(buf + 12, ethertype);
    buf[14] = ethertype == 0x86dd ? 0x60 : 0x45;
    return nsw_offload_from_vnet_hdr(&off, &hdr, buf, sizeof(buf), 1518);
}

/*
 * The switch completes a partial checksum at the egress port, after its
 * ingress checks: one the guest points at the Ethernet, 802.1Q or IP
 * header would rewrite the source MAC or forge a tag behind them.  Only a
 * checksum behind an IPv4 or IPv6 header is taken (before the fix, all of
 * these but the last two were).
 */
static void test_offload_csum_position(void)
{
    g_assert_null(csum_at(0x0800, 34, 16));             /* TCP over IPv4 */
    g_assert_null(csum_at(0x0800, 34, 6));              /* UDP */
    g_assert_null(csum_at(0x86dd, 54, 16));             /* TCP over IPv6 */
    g_assert_nonnull(csum_at(0x0800, 6, 0));            /* source MAC */
    g_assert_nonnull(csum_at(0x0800, 0, 12));           /* the EtherType */
    g_assert_nonnull(csum_at(0x0800, 24, 0));           /* the IPv4 header */
    g_assert_nonnull(csum_at(0x86dd, 34, 16));          /* the IPv6 header */
    g_assert_nonnull(csum_at(0x0806, 34, 16));          /* not IP at all */
    g_assert_nonnull(csum_at(0x0800, 60, 70));          /* past the frame */
}

/*
 * A super-frame from an access port leaves a trunk port tagged, and still
 * a super-frame: the VLAN policy's copies keep its offload metadata, so a
 * trunk that takes no TSO gets tagged segments, not one 3054-byte frame
 * with an unfinished checksum (as before the fix).
 */
static void test_offload_vlan_trunk(void)
{
    TestSwitch *ts = vlan_switch(4);
    g_autofree uint8_t *buf = g_malloc(4096);
    NswOffload off;
    size_t len = make_super_frame(buf, &off);

    ts->ports[3].keep = true;
    nsw_switch_input_offload(ts->sw, ts->ports[0].port, buf, len, &off,
                             ts->now_ns);
    g_assert_cmpuint(ts->ports[3].kept->len, ==, 3);
    for (unsigned int k = 0; k < 3; k++) {
        NswPacket *seg = g_ptr_array_index(ts->ports[3].kept, k);
        /* a copy: net_checksum_add() takes no const buffer */
        g_autofree uint8_t *d = g_memdup2(nsw_packet_data(seg),
                                          nsw_packet_len(seg));
        size_t tcp_len = 20 + 1000;
        uint32_t sum;

        g_assert_cmpuint(nsw_packet_len(seg), ==, 4 + 54 + 1000);
        g_assert_cmphex(lduw_be_p(d + 12), ==, 0x8100);
        g_assert_cmphex(lduw_be_p(d + 14) & 0xfff, ==, 10);
        g_assert_cmpuint(ldl_be_p(d + 4 + 34 + 4), ==, k * 1000);
        /* The TCP checksum holds: pseudo-header plus segment sum to ~0 */
        sum = net_checksum_add(8, d + 4 + 14 + 12) + 6 + tcp_len;
        sum += net_checksum_add(tcp_len, d + 4 + 34);
        g_assert_cmphex(net_checksum_finish(sum), ==, 0);
    }
    g_assert_cmpuint(stats(ts, 3)->gso_segments, ==, 3);
    assert_accounted(ts);
    ts_free(ts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/netswitch/offload/csum-position",
                    test_offload_csum_position);
    g_test_add_func("/netswitch/offload/vlan-trunk", test_offload_vlan_trunk);
    g_test_add_func("/netswitch/vlan-set/parse", test_vlan_set_parse);
    g_test_add_func("/netswitch/vlan-set/parse-errors",
                    test_vlan_set_parse_errors);
    g_test_add_func("/netswitch/vlan-set/format", test_vlan_set_format);
    g_test_add_func("/netswitch/policy/registry", test_policy_registry);
    g_test_add_func("/netswitch/stats/drop-reason-names",
                    test_drop_reason_names);
    g_test_add_func("/netswitch/port/add-find-remove", test_ports);
    g_test_add_func("/netswitch/hub/floods", test_hub_floods);
    g_test_add_func("/netswitch/offload/flood", test_offload_flood);
    g_test_add_func("/netswitch/bridge/learns", test_bridge_learns);
    g_test_add_func("/netswitch/bridge/unknown-floods",
                    test_bridge_unknown_floods);
    g_test_add_func("/netswitch/bridge/known-unicast",
                    test_bridge_known_unicast);
    g_test_add_func("/netswitch/bridge/broadcast-floods",
                    test_bridge_broadcast_floods);
    g_test_add_func("/netswitch/bridge/no-hairpin", test_bridge_no_hairpin);
    g_test_add_func("/netswitch/hub/hairpin", test_hub_hairpin);
    g_test_add_func("/netswitch/bridge/hairpin-unicast",
                    test_bridge_hairpin_unicast);
    g_test_add_func("/netswitch/vlan/hairpin-trunk", test_vlan_hairpin_trunk);
    g_test_add_func("/netswitch/bridge/multicast-source",
                    test_bridge_multicast_source);
    g_test_add_func("/netswitch/bridge/runt", test_bridge_runt);
    g_test_add_func("/netswitch/bridge/oversize", test_bridge_oversize);
    g_test_add_func("/netswitch/bridge/station-move",
                    test_bridge_station_move);
    g_test_add_func("/netswitch/bridge/ageing", test_bridge_ageing);
    g_test_add_func("/netswitch/vlan/access-isolation",
                    test_vlan_access_isolation);
    g_test_add_func("/netswitch/vlan/trunk-tags", test_vlan_trunk_tags);
    g_test_add_func("/netswitch/vlan/trunk-untags", test_vlan_trunk_untags);
    g_test_add_func("/netswitch/vlan/trunk-to-trunk",
                    test_vlan_trunk_to_trunk);
    g_test_add_func("/netswitch/vlan/ingress-filter",
                    test_vlan_ingress_filter);
    g_test_add_func("/netswitch/vlan/tagged-pvid", test_vlan_tagged_pvid);
    g_test_add_func("/netswitch/vlan/priority-tagged",
                    test_vlan_priority_tagged);
    g_test_add_func("/netswitch/vlan/per-vlan-unicast",
                    test_vlan_per_vlan_unicast);
    g_test_add_func("/netswitch/vlan/shared-encoding",
                    test_vlan_shared_encoding);
    g_test_add_func("/netswitch/vlan/unicast-to-non-member",
                    test_vlan_unicast_to_non_member);
    g_test_add_func("/netswitch/queue/busy-port-isolated",
                    test_queue_busy_port_isolated);
    g_test_add_func("/netswitch/queue/transmit-busy",
                    test_queue_transmit_busy);
    g_test_add_func("/netswitch/queue/keeps-order", test_queue_keeps_order);
    g_test_add_func("/netswitch/queue/full", test_queue_full);
    g_test_add_func("/netswitch/queue/flood", test_queue_flood);
    g_test_add_func("/netswitch/queue/tx-error", test_queue_tx_error);
    g_test_add_func("/netswitch/queue/survives-table-changes",
                    test_queue_survives_table_changes);
    g_test_add_func("/netswitch/queue/link-down-drops",
                    test_queue_link_down_drops);
    g_test_add_func("/netswitch/queue/remove-counts",
                    test_queue_remove_counts);
    g_test_add_func("/netswitch/backlog/answer", test_backlog_answer);
    g_test_add_func("/netswitch/backlog/bounded", test_backlog_bounded);
    g_test_add_func("/netswitch/drop-held", test_drop_held);
    g_test_add_func("/netswitch/drop-held-by-owner", test_drop_held_by_owner);
    g_test_add_func("/netswitch/accounting/million",
                    test_accounting_million);
    g_test_add_func("/netswitch/token-bucket/rate-and-burst",
                    test_tb_rate_and_burst);
    g_test_add_func("/netswitch/token-bucket/burst-then-wait",
                    test_tb_burst_then_wait);
    g_test_add_func("/netswitch/token-bucket/extremes", test_tb_extremes);
    g_test_add_func("/netswitch/policy/shaper", test_shaper);
    g_test_add_func("/netswitch/policy/shaper-link-down",
                    test_shaper_link_down);
    g_test_add_func("/netswitch/policy/shaper-rate-change",
                    test_shaper_rate_change);
    g_test_add_func("/netswitch/token-bucket/clock-back", test_tb_clock_back);
    g_test_add_func("/netswitch/policy/policer", test_policer);
    g_test_add_func("/netswitch/policy/storm-control", test_storm_control);
    g_test_add_func("/netswitch/policy/storm-control-vlan",
                    test_storm_control_vlan);
    g_test_add_func("/netswitch/policy/mac-limit", test_mac_limit);
    g_test_add_func("/netswitch/policy/allowed-macs", test_allowed_macs);
    g_test_add_func("/netswitch/policy/loop-protection",
                    test_loop_protection);
    g_test_add_func("/netswitch/link/down-drops-and-flushes", test_link_down);
    g_test_add_func("/netswitch/link/down-unicast", test_link_down_unicast);
    return g_test_run();
}
