/*
 * QTest testcase for the vxlan netdev (RFC 7348)
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The machine is 'none'.  QEMU's VTEP vx0 is the backend of port p1 of a
 * hub netswitch; port p0's backend is a socket netdev on one end of a
 * socketpair whose other end the test holds (the "inner" side: frames
 * framed with a 4-byte big-endian length).  The far VTEPs are the test's
 * own UDP sockets on the loopback address.
 *
 * Synchronisation, no sleeps:
 * - a frame written to the inner socket has been switched, encapsulated
 *   and sent once p0's rx counter (query-netswitch) has moved;
 * - a datagram sent to vx0 has been handled once the sum of vx0's
 *   decap-frames and drop counters (query-vxlan) has moved, and a frame
 *   it carried is by then in the inner socket;
 * - "nothing was sent to VTEP X" is checked by sending a broadcast
 *   marker afterwards: the first datagram X receives must be the marker
 *   (one sender, one loopback socket: order is kept).
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"

#define NREMOTES        2
#define VNI             42
#define FRAME_MAX       2048
#define POLL_MAX        10000
#define WAIT_MS         10000
#define NS_PER_SEC      1000000000LL
#define SPORT_MIN       40000
#define SPORT_MAX       40015

typedef struct Vx {
    QTestState *qts;
    int family;
    int inner;                          /* our end of p0's socket */
    int remote[NREMOTES];               /* the far VTEPs */
    struct sockaddr_storage local;      /* vx0's address */
    socklen_t local_len;
    char remote_str[NREMOTES][64];
} Vx;

static const uint8_t MAC_A[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x0a };
static const uint8_t MAC_B[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x0b };
static const uint8_t MAC_C[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x0c };
static const uint8_t MAC_BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static socklen_t loopback(int family, uint16_t port,
                          struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof(*ss));
    if (family == AF_INET) {
        struct sockaddr_in *sin = (struct sockaddr_in *)ss;

        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        return sizeof(*sin);
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        sin6->sin6_addr = in6addr_loopback;
        return sizeof(*sin6);
    }
}

static uint16_t sockaddr_port(const struct sockaddr_storage *ss)
{
    return ntohs(ss->ss_family == AF_INET ?
                 ((const struct sockaddr_in *)ss)->sin_port :
                 ((const struct sockaddr_in6 *)ss)->sin6_port);
}

/* A UDP socket bound to a free loopback port, or -1 (no IPv6 here) */
static int udp_socket(int family, uint16_t *port)
{
    struct sockaddr_storage ss;
    socklen_t len = loopback(family, 0, &ss);
    int fd = socket(family, SOCK_DGRAM, 0);

    if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0) {
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    g_assert_cmpint(getsockname(fd, (struct sockaddr *)&ss, &len), ==, 0);
    *port = sockaddr_port(&ss);
    return fd;
}

static char *addr_str(int family, uint16_t port)
{
    return family == AF_INET ? g_strdup_printf("127.0.0.1:%u", port)
                             : g_strdup_printf("[::1]:%u", port);
}

/* Start QEMU; false (test skipped) when @family has no loopback here */
static bool vx_start(Vx *v, int family, const char *extra)
{
    g_autofree char *local = NULL;
    g_autoptr(GString) cmd = g_string_new("-M none ");
    uint16_t port, local_port;
    int sv[2], fd, i, flags;

    memset(v, 0, sizeof(*v));
    v->family = family;
    /* a free port for vx0: take one and give it back */
    fd = udp_socket(family, &local_port);
    if (fd < 0) {
        g_test_skip("no loopback address of this family");
        return false;
    }
    close(fd);
    v->local_len = loopback(family, local_port, &v->local);
    local = addr_str(family, local_port);
    for (i = 0; i < NREMOTES; i++) {
        g_autofree char *str = NULL;

        v->remote[i] = udp_socket(family, &port);
        g_assert_cmpint(v->remote[i], >=, 0);
        str = addr_str(family, port);
        g_strlcpy(v->remote_str[i], str, sizeof(v->remote_str[i]));
    }
    g_assert_cmpint(socketpair(PF_UNIX, SOCK_STREAM, 0, sv), ==, 0);
    v->inner = sv[0];
    g_string_append_printf(cmd, "-object netswitch,id=sw0,policy=hub "
                           "-netdev socket,id=b0,fd=%d "
                           "-netdev swport,id=p0,switch=sw0,netdev=b0 "
                           "-netdev vxlan,id=vx0,local=%s,vni=%d,"
                           "src-port-min=%d,src-port-max=%d",
                           sv[1], local, VNI, SPORT_MIN, SPORT_MAX);
    for (i = 0; i < NREMOTES; i++) {
        g_string_append_printf(cmd, ",remote=%s", v->remote_str[i]);
    }
    g_string_append_printf(cmd, "%s%s -netdev swport,id=p1,switch=sw0,"
                           "netdev=vx0", extra ? "," : "", extra ? extra : "");
    v->qts = qtest_init(cmd->str);
    close(sv[1]);
    flags = fcntl(v->inner, F_GETFL);
    fcntl(v->inner, F_SETFL, flags | O_NONBLOCK);
    return true;
}

static void vx_stop(Vx *v)
{
    int i;

    qtest_quit(v->qts);
    close(v->inner);
    for (i = 0; i < NREMOTES; i++) {
        close(v->remote[i]);
    }
}

static QDict *vx_info(Vx *v)
{
    QDict *resp = qtest_qmp(v->qts, "{'execute': 'query-vxlan',"
                            " 'arguments': {'id': 'vx0'}}");
    QDict *info = qobject_to(QDict,
                             qlist_peek(qdict_get_qlist(resp, "return")));

    g_assert(info);
    qobject_ref(info);
    qobject_unref(resp);
    return info;
}

/* A counter of query-vxlan: @group is "counters" or "drops" */
static uint64_t vx_get(Vx *v, const char *group, const char *name)
{
    QDict *info = vx_info(v);
    uint64_t n = qdict_get_int(qdict_get_qdict(info, group), name);

    qobject_unref(info);
    return n;
}

/* Every datagram vx0 has handled: passed on or dropped */
static uint64_t vx_handled(Vx *v)
{
    static const char *const drops[] = { "bad-vni", "bad-flags",
                                         "truncated" };
    QDict *info = vx_info(v);
    QDict *d = qdict_get_qdict(info, "drops");
    uint64_t n = qdict_get_int(qdict_get_qdict(info, "counters"),
                               "decap-frames");
    int i;

    for (i = 0; i < ARRAY_SIZE(drops); i++) {
        n += qdict_get_int(d, drops[i]);
    }
    qobject_unref(info);
    return n;
}

static int fdb_size(Vx *v)
{
    QDict *info = vx_info(v);
    int n = qlist_size(qdict_get_qlist(info, "fdb"));

    qobject_unref(info);
    return n;
}

/* The remote FDB entry of @mac, or NULL */
static char *fdb_remote(Vx *v, const char *mac)
{
    QDict *info = vx_info(v);
    QListEntry *e;
    char *remote = NULL;

    QLIST_FOREACH_ENTRY(qdict_get_qlist(info, "fdb"), e) {
        QDict *ent = qobject_to(QDict, qlist_entry_obj(e));

        if (!strcmp(qdict_get_str(ent, "mac"), mac)) {
            remote = g_strdup(qdict_get_str(ent, "remote"));
        }
    }
    qobject_unref(info);
    return remote;
}

static uint64_t p0_rx(Vx *v)
{
    QDict *resp = qtest_qmp(v->qts, "{'execute': 'query-netswitch',"
                            " 'arguments': {'id': 'sw0'}}");
    QDict *sw = qobject_to(QDict, qlist_peek(qdict_get_qlist(resp,
                                                             "return")));
    QListEntry *e;
    uint64_t n = UINT64_MAX;

    QLIST_FOREACH_ENTRY(qdict_get_qlist(sw, "ports"), e) {
        QDict *p = qobject_to(QDict, qlist_entry_obj(e));

        if (!strcmp(qdict_get_str(p, "name"), "p0")) {
            n = qdict_get_int(p, "rx-packets");
        }
    }
    qobject_unref(resp);
    g_assert(n != UINT64_MAX);
    return n;
}

static size_t make_frame(uint8_t *buf, const uint8_t *dst, const uint8_t *src,
                         size_t len, uint16_t flow)
{
    size_t i;

    memcpy(buf, dst, 6);
    memcpy(buf + 6, src, 6);
    buf[12] = 0x08;                 /* IPv4, TCP, ports from @flow */
    buf[13] = 0x00;
    for (i = 14; i < len; i++) {
        buf[i] = i * 7 + len;
    }
    if (len >= 14 + 24) {
        buf[14] = 0x45;             /* version 4, 20-byte header */
        buf[14 + 6] = buf[14 + 7] = 0;  /* not a fragment */
        buf[14 + 9] = 6;
        stw_be_p(buf + 34, flow);
        stw_be_p(buf + 36, 80);
    }
    return len;
}

/* Write @frame into p0 and wait until the switch has taken it */
static void send_inner(Vx *v, const uint8_t *frame, size_t len)
{
    uint64_t before = p0_rx(v);
    uint32_t be_len = htonl(len);
    int i;

    g_assert_cmpint(write(v->inner, &be_len, 4), ==, 4);
    g_assert_cmpint(write(v->inner, frame, len), ==, len);
    for (i = 0; i < POLL_MAX && p0_rx(v) == before; i++) {
        continue;
    }
    g_assert_cmpuint(p0_rx(v), >, before);
}

/* The next frame vx0 gave p0, or -1 when there is none */
static ssize_t take_inner(Vx *v, uint8_t *buf, size_t size)
{
    uint32_t be_len;
    ssize_t n = recv(v->inner, &be_len, 4, MSG_DONTWAIT);
    size_t len;

    if (n < 0 && errno == EAGAIN) {
        return -1;
    }
    g_assert_cmpint(n, ==, 4);
    len = ntohl(be_len);
    g_assert_cmpuint(len, <=, size);
    g_assert_cmpint(recv(v->inner, buf, len, MSG_WAITALL), ==, len);
    return len;
}

/* A datagram from far VTEP @r to vx0; waits until vx0 handled it */
static void send_remote(Vx *v, int r, const void *data, size_t len)
{
    uint64_t before = vx_handled(v);
    int i;

    g_assert_cmpint(sendto(v->remote[r], data, len, 0,
                           (struct sockaddr *)&v->local, v->local_len),
                    ==, len);
    for (i = 0; i < POLL_MAX && vx_handled(v) == before; i++) {
        continue;
    }
    g_assert_cmpuint(vx_handled(v), ==, before + 1);
}

/* A VXLAN datagram: header with @flags and @vni, then @frame */
static size_t make_datagram(uint8_t *buf, uint8_t flags, uint32_t vni,
                            const uint8_t *frame, size_t len)
{
    memset(buf, 0, 8);
    buf[0] = flags;
    buf[4] = vni >> 16;
    buf[5] = vni >> 8;
    buf[6] = vni;
    memcpy(buf + 8, frame, len);
    return 8 + len;
}

/*
 * The next datagram far VTEP @r received (waiting for it), its source in
 * @from; -1 if none came within WAIT_MS.
 */
static ssize_t recv_remote(Vx *v, int r, uint8_t *buf, size_t size,
                           struct sockaddr_storage *from)
{
    GPollFD pfd = { .fd = v->remote[r], .events = G_IO_IN };
    socklen_t fromlen = sizeof(*from);

    if (g_poll(&pfd, 1, WAIT_MS) != 1) {
        return -1;
    }
    return recvfrom(v->remote[r], buf, size, 0, (struct sockaddr *)from,
                    &fromlen);
}

static bool flow_source_port(Vx *v)
{
    QDict *info = vx_info(v);
    bool on = qdict_get_bool(info, "flow-source-port");

    qobject_unref(info);
    return on;
}

/* Far VTEP @r received @frame, well encapsulated, from vx0 */
static uint16_t assert_encap(Vx *v, int r, const uint8_t *frame, size_t len)
{
    uint8_t buf[FRAME_MAX + 8];
    struct sockaddr_storage from;
    ssize_t n = recv_remote(v, r, buf, sizeof(buf), &from);
    uint16_t sport = sockaddr_port(&from);

    g_assert_cmpint(n, ==, 8 + len);
    g_assert_cmphex(buf[0], ==, 0x08);          /* I flag only */
    g_assert_cmphex(buf[1] | buf[2] | buf[3] | buf[7], ==, 0);
    g_assert_cmpuint((buf[4] << 16) | (buf[5] << 8) | buf[6], ==, VNI);
    g_assert(memcmp(buf + 8, frame, len) == 0);
    if (flow_source_port(v)) {
        g_assert_cmpuint(sport, >=, SPORT_MIN);
        g_assert_cmpuint(sport, <=, SPORT_MAX);
    } else {
        g_assert_cmpuint(sport, ==, sockaddr_port(&v->local));
    }
    return sport;
}

/* VTEP @r got nothing before the broadcast marker that we send now */
static void assert_nothing_before_marker(Vx *v, int r)
{
    uint8_t marker[64];

    make_frame(marker, MAC_BCAST, MAC_A, sizeof(marker), 9);
    marker[63] = 0x5a;
    send_inner(v, marker, sizeof(marker));
    assert_encap(v, r, marker, sizeof(marker));
    /* and the other remote got it too: drain it */
    assert_encap(v, !r, marker, sizeof(marker));
}

static void check_flood_and_decap(int family)
{
    Vx v;
    uint8_t f[100], d[200], got[FRAME_MAX];

    if (!vx_start(&v, family, NULL)) {
        return;
    }
    /* head-end replication: a broadcast goes to both remotes */
    make_frame(f, MAC_BCAST, MAC_A, sizeof(f), 1);
    send_inner(&v, f, sizeof(f));
    assert_encap(&v, 0, f, sizeof(f));
    assert_encap(&v, 1, f, sizeof(f));
    g_assert_cmpuint(vx_get(&v, "counters", "encap-frames"), ==, 2);
    g_assert_cmpuint(vx_get(&v, "counters", "encap-bytes"), ==, 200);
    g_assert_cmpuint(vx_get(&v, "counters", "flooded"), ==, 1);

    /* and a datagram of our VNI gives its frame to the inner side */
    make_frame(f, MAC_A, MAC_B, 80, 2);
    send_remote(&v, 1, d, make_datagram(d, 0x08, VNI, f, 80));
    g_assert_cmpint(take_inner(&v, got, sizeof(got)), ==, 80);
    g_assert(memcmp(got, f, 80) == 0);
    g_assert_cmpuint(vx_get(&v, "counters", "decap-frames"), ==, 1);
    g_assert_cmpuint(vx_get(&v, "counters", "decap-bytes"), ==, 80);
    vx_stop(&v);
}

static void test_ipv4(void)
{
    check_flood_and_decap(AF_INET);
}

static void test_ipv6(void)
{
    check_flood_and_decap(AF_INET6);
}

/*
 * Datagrams of another VNI, without the I flag, or too short are
 * dropped and counted by reason; the reserved bits are ignored (RFC 7348
 * section 5).  The good datagram sent last is the only frame p0 gets.
 */
static void test_bad_datagrams(void)
{
    Vx v;
    uint8_t f[64], d[128], got[FRAME_MAX];
    size_t len;

    vx_start(&v, AF_INET, NULL);
    make_frame(f, MAC_A, MAC_B, sizeof(f), 1);
    send_remote(&v, 0, d, make_datagram(d, 0x08, VNI + 1, f, sizeof(f)));
    send_remote(&v, 0, d, make_datagram(d, 0x08, VNI | 0x10000, f,
                                        sizeof(f)));
    send_remote(&v, 0, d, make_datagram(d, 0x00, VNI, f, sizeof(f)));
    send_remote(&v, 0, d, make_datagram(d, 0x80, VNI, f, sizeof(f)));
    send_remote(&v, 0, d, 7);                       /* half a header */
    send_remote(&v, 0, d, make_datagram(d, 0x08, VNI, f, 13));   /* runt */
    g_assert_cmpuint(vx_get(&v, "drops", "bad-vni"), ==, 2);
    g_assert_cmpuint(vx_get(&v, "drops", "bad-flags"), ==, 2);
    g_assert_cmpuint(vx_get(&v, "drops", "truncated"), ==, 2);
    g_assert_cmpuint(vx_get(&v, "counters", "decap-frames"), ==, 0);
    g_assert_cmpint(fdb_size(&v), ==, 0);      /* learnt nothing either */
    g_assert_cmpint(take_inner(&v, got, sizeof(got)), ==, -1);

    /* reserved bits set, I flag set, our VNI: accepted */
    len = make_datagram(d, 0xff, VNI, f, sizeof(f));
    d[1] = d[2] = d[3] = d[7] = 0xff;
    send_remote(&v, 0, d, len);
    g_assert_cmpint(take_inner(&v, got, sizeof(got)), ==, sizeof(f));
    g_assert(memcmp(got, f, sizeof(f)) == 0);
    g_assert_cmpint(take_inner(&v, got, sizeof(got)), ==, -1);
    vx_stop(&v);
}

/*
 * B is learnt behind remote 1: unicast to B goes to remote 1 only; to an
 * unknown C, to both; a move of B to remote 0 is followed.
 */
static void test_learning(void)
{
    Vx v;
    uint8_t f[64], d[128], got[FRAME_MAX];
    g_autofree char *where = NULL;
    g_autofree char *moved = NULL;

    vx_start(&v, AF_INET, NULL);
    /* multicast and all-zeros sources are delivered, not learnt */
    make_frame(f, MAC_A, MAC_BCAST, sizeof(f), 1);
    send_remote(&v, 1, d, make_datagram(d, 0x08, VNI, f, sizeof(f)));
    g_assert_cmpint(take_inner(&v, got, sizeof(got)), ==, sizeof(f));
    make_frame(f, MAC_A, (const uint8_t[6]) { 0 }, sizeof(f), 1);
    send_remote(&v, 1, d, make_datagram(d, 0x08, VNI, f, sizeof(f)));
    g_assert_cmpint(take_inner(&v, got, sizeof(got)), ==, sizeof(f));
    g_assert_cmpint(fdb_size(&v), ==, 0);

    make_frame(f, MAC_A, MAC_B, sizeof(f), 1);
    send_remote(&v, 1, d, make_datagram(d, 0x08, VNI, f, sizeof(f)));
    take_inner(&v, got, sizeof(got));
    where = fdb_remote(&v, "52:54:00:00:00:0b");
    g_assert_cmpstr(where, ==, v.remote_str[1]);
    g_assert_cmpint(fdb_size(&v), ==, 1);

    make_frame(f, MAC_B, MAC_A, sizeof(f), 2);
    send_inner(&v, f, sizeof(f));
    assert_encap(&v, 1, f, sizeof(f));
    assert_nothing_before_marker(&v, 0);
    g_assert_cmpuint(vx_get(&v, "counters", "unicast"), ==, 1);

    make_frame(f, MAC_C, MAC_A, sizeof(f), 3);
    send_inner(&v, f, sizeof(f));
    assert_encap(&v, 0, f, sizeof(f));
    assert_encap(&v, 1, f, sizeof(f));

    /* B moves behind remote 0 */
    make_frame(f, MAC_A, MAC_B, sizeof(f), 4);
    send_remote(&v, 0, d, make_datagram(d, 0x08, VNI, f, sizeof(f)));
    take_inner(&v, got, sizeof(got));
    moved = fdb_remote(&v, "52:54:00:00:00:0b");
    g_assert_cmpstr(moved, ==, v.remote_str[0]);
    make_frame(f, MAC_B, MAC_A, sizeof(f), 5);
    send_inner(&v, f, sizeof(f));
    assert_encap(&v, 0, f, sizeof(f));
    assert_nothing_before_marker(&v, 1);
    g_assert_cmpuint(vx_get(&v, "counters", "unicast"), ==, 2);
    vx_stop(&v);
}

/* ageing=10: B is forgotten 10 s of virtual time after its last frame */
static void test_ageing(void)
{
    Vx v;
    uint8_t f[64], d[128], got[FRAME_MAX];

    vx_start(&v, AF_INET, "ageing=10");
    make_frame(f, MAC_A, MAC_B, sizeof(f), 1);
    send_remote(&v, 1, d, make_datagram(d, 0x08, VNI, f, sizeof(f)));
    take_inner(&v, got, sizeof(got));

    qtest_clock_step(v.qts, 9 * NS_PER_SEC);
    g_assert_cmpint(fdb_size(&v), ==, 1);
    make_frame(f, MAC_B, MAC_A, sizeof(f), 2);
    send_inner(&v, f, sizeof(f));
    assert_encap(&v, 1, f, sizeof(f));
    assert_nothing_before_marker(&v, 0);

    qtest_clock_step(v.qts, NS_PER_SEC);
    g_assert_cmpint(fdb_size(&v), ==, 0);
    send_inner(&v, f, sizeof(f));          /* flooded again */
    assert_encap(&v, 0, f, sizeof(f));
    assert_encap(&v, 1, f, sizeof(f));
    g_assert_cmpuint(vx_get(&v, "counters", "unicast"), ==, 1);
    vx_stop(&v);
}

/* max-entries bounds what the network can make us learn */
static void test_fdb_bound(void)
{
    Vx v;
    uint8_t f[64], d[128], got[FRAME_MAX];
    int i;

    vx_start(&v, AF_INET, "max-entries=2");
    for (i = 0; i < 5; i++) {
        uint8_t src[6] = { 0x52, 0x54, 0, 0, 1, i };

        make_frame(f, MAC_A, src, sizeof(f), i);
        send_remote(&v, 0, d, make_datagram(d, 0x08, VNI, f, sizeof(f)));
        /* every frame is delivered, learnt or not */
        g_assert_cmpint(take_inner(&v, got, sizeof(got)), ==, sizeof(f));
    }
    g_assert_cmpint(fdb_size(&v), ==, 2);
    g_assert_cmpuint(vx_get(&v, "drops", "fdb-full"), ==, 3);
    vx_stop(&v);
}

/*
 * The UDP source port follows the inner flow: one flow, one port, within
 * src-port-min..max; many flows, several ports.  Needs CAP_NET_RAW (then
 * query-vxlan says flow-source-port); without, every datagram comes from
 * the local port, which assert_encap() checks instead.
 */
static void test_source_port(void)
{
    Vx v;
    uint8_t f[80];
    uint16_t first, port;
    GHashTable *ports = g_hash_table_new(NULL, NULL);
    int flow;

    vx_start(&v, AF_INET, NULL);
    make_frame(f, MAC_BCAST, MAC_A, sizeof(f), 1000);
    send_inner(&v, f, sizeof(f));
    first = assert_encap(&v, 0, f, sizeof(f));
    g_assert_cmpuint(assert_encap(&v, 1, f, sizeof(f)), ==, first);
    f[70] ^= 0xff;                  /* same flow, other payload */
    send_inner(&v, f, sizeof(f));
    g_assert_cmpuint(assert_encap(&v, 0, f, sizeof(f)), ==, first);
    assert_encap(&v, 1, f, sizeof(f));
    for (flow = 0; flow < 32; flow++) {
        make_frame(f, MAC_BCAST, MAC_A, sizeof(f), 2000 + flow);
        send_inner(&v, f, sizeof(f));
        port = assert_encap(&v, 0, f, sizeof(f));
        assert_encap(&v, 1, f, sizeof(f));
        g_hash_table_add(ports, GUINT_TO_POINTER(port));
    }
    if (flow_source_port(&v)) {
        g_assert_cmpuint(g_hash_table_size(ports), >=, 8);
    } else {
        g_test_message("no CAP_NET_RAW: one source port");
    }
    g_hash_table_destroy(ports);
    vx_stop(&v);
}

/* query-vxlan with no vxlan, and with a wrong id */
static void test_monitor(void)
{
    QTestState *qts = qtest_init("-M none");
    QDict *resp = qtest_qmp(qts, "{'execute': 'query-vxlan'}");
    g_autofree char *hmp = NULL;

    g_assert_cmpint(qlist_size(qdict_get_qlist(resp, "return")), ==, 0);
    qobject_unref(resp);
    resp = qtest_qmp(qts, "{'execute': 'query-vxlan',"
                     " 'arguments': {'id': 'nope'}}");
    g_assert(qdict_haskey(resp, "error"));
    qobject_unref(resp);
    hmp = qtest_hmp(qts, "info vxlan");
    g_assert_cmpstr(hmp, ==, "no vxlan\r\n");
    qtest_quit(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/vxlan/ipv4", test_ipv4);
    qtest_add_func("/vxlan/ipv6", test_ipv6);
    qtest_add_func("/vxlan/bad-datagrams", test_bad_datagrams);
    qtest_add_func("/vxlan/learning", test_learning);
    qtest_add_func("/vxlan/ageing", test_ageing);
    qtest_add_func("/vxlan/fdb-bound", test_fdb_bound);
    qtest_add_func("/vxlan/source-port", test_source_port);
    qtest_add_func("/vxlan/monitor", test_monitor);
    return g_test_run();
}
