/*
 * QTest testcase for the netswitch object and its swport netdevs
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Every port is a socket netdev on one end of a socketpair whose other end
 * the test holds, so frames go in and come out byte for byte ("-netdev
 * socket" frames each packet with a 4-byte big-endian length).  The
 * machine is 'none': no guest, just the switch.
 *
 * Synchronisation: after writing a frame the test polls the ingress
 * port's rx counter (query-netswitch) until the switch has taken it; the
 * switch forwards synchronously, so by then every copy has been written to
 * the egress sockets, and a port that got nothing has nothing to read.
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"

#define MAX_PORTS       4
#define FRAME_MAX       (64 * 1024 + 1024)
#define POLL_MAX        10000
#define NS_PER_SEC      1000000000LL

typedef struct Switch {
    QTestState *qts;
    int nports;
    int fd[MAX_PORTS];          /* our end of port pN's socket */
} Switch;

static const uint8_t MAC_A[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x0a };
static const uint8_t MAC_B[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x0b };
static const uint8_t MAC_C[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x0c };
static const uint8_t MAC_BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/*
 * Start QEMU with a netswitch of @swopts and @nports ports p0..pN-1, port i
 * getting the extra options @portopts[i] (may be NULL).
 */
static void switch_start(Switch *s, const char *swopts, int nports,
                         const char *const *portopts)
{
    GString *cmd = g_string_new("-M none ");
    int i;

    g_assert_cmpint(nports, <=, MAX_PORTS);
    g_string_append_printf(cmd, "-object netswitch,id=sw0%s%s ",
                           swopts ? "," : "", swopts ? swopts : "");
    s->nports = nports;
    for (i = 0; i < nports; i++) {
        int sv[2];

        g_assert_cmpint(socketpair(PF_UNIX, SOCK_STREAM, 0, sv), ==, 0);
        s->fd[i] = sv[0];
        g_string_append_printf(cmd, "-netdev socket,id=b%d,fd=%d "
                               "-netdev swport,id=p%d,switch=sw0,netdev=b%d%s%s ",
                               i, sv[1], i, i,
                               portopts && portopts[i] ? "," : "",
                               portopts && portopts[i] ? portopts[i] : "");
    }
    s->qts = qtest_init(cmd->str);
    for (i = 0; i < nports; i++) {
        /* QEMU has its own copy of the other end now */
        int flags = fcntl(s->fd[i], F_GETFL);

        fcntl(s->fd[i], F_SETFL, flags | O_NONBLOCK);
    }
    g_string_free(cmd, true);
}

static void switch_stop(Switch *s)
{
    int i;

    qtest_quit(s->qts);
    for (i = 0; i < s->nports; i++) {
        close(s->fd[i]);
    }
}

static size_t make_frame(uint8_t *buf, const uint8_t *dst, const uint8_t *src,
                         size_t len)
{
    size_t i;

    g_assert_cmpuint(len, >=, 14);
    memcpy(buf, dst, 6);
    memcpy(buf + 6, src, 6);
    buf[12] = 0x08;                 /* IPv4: any type but 802.1Q */
    buf[13] = 0x00;
    for (i = 14; i < len; i++) {
        buf[i] = i * 7 + len;
    }
    return len;
}

static void write_all(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;

    while (len) {
        ssize_t n = write(fd, p, len);

        if (n < 0 && errno == EAGAIN) {
            GPollFD pfd = { .fd = fd, .events = G_IO_OUT };

            g_assert_cmpint(g_poll(&pfd, 1, 10000), ==, 1);
            continue;
        }
        g_assert_cmpint(n, >, 0);
        p += n;
        len -= n;
    }
}

/* The port's counters, from query-netswitch. */
static QDict *port_info(Switch *s, const char *port)
{
    QDict *resp = qtest_qmp(s->qts, "{'execute': 'query-netswitch',"
                            " 'arguments': {'id': 'sw0'}}");
    QList *sws = qdict_get_qlist(resp, "return");
    QDict *sw = qobject_to(QDict, qlist_peek(sws));
    QList *ports = qdict_get_qlist(sw, "ports");
    QListEntry *e;
    QDict *found = NULL;

    QLIST_FOREACH_ENTRY(ports, e) {
        QDict *p = qobject_to(QDict, qlist_entry_obj(e));

        if (!strcmp(qdict_get_str(p, "name"), port)) {
            found = p;
            qobject_ref(found);
        }
    }
    qobject_unref(resp);
    g_assert(found);
    return found;
}

static uint64_t port_get(Switch *s, int port, const char *dict,
                         const char *name)
{
    g_autofree char *pname = g_strdup_printf("p%d", port);
    QDict *p = port_info(s, pname);
    uint64_t v = qdict_get_int(dict ? qdict_get_qdict(p, dict) : p, name);

    qobject_unref(p);
    return v;
}

/* A counter of query-netswitch's port: rx-packets, tx-bytes ... */
static uint64_t port_counter(Switch *s, int port, const char *name)
{
    return port_get(s, port, NULL, name);
}

/* A drop counter of the port, by reason: runt, hairpin ... */
static uint64_t port_drops(Switch *s, int port, const char *reason)
{
    return port_get(s, port, "drops", reason);
}

/* Send @frame into port @port and wait until the switch has taken it. */
static void inject(Switch *s, int port, const uint8_t *frame, size_t len)
{
    uint64_t before = port_counter(s, port, "rx-packets");
    uint32_t be_len = htonl(len);
    int i;

    write_all(s->fd[port], &be_len, sizeof(be_len));
    write_all(s->fd[port], frame, len);
    for (i = 0; i < POLL_MAX; i++) {
        if (port_counter(s, port, "rx-packets") > before) {
            return;
        }
    }
    g_assert_not_reached();
}

/*
 * The next frame that port @port sent, or -1 if it sent nothing.  The
 * switch writes a whole frame before inject() returns, so no waiting.
 */
static ssize_t take(Switch *s, int port, uint8_t *buf, size_t size)
{
    uint32_t be_len;
    size_t len, got = 0;
    ssize_t n = recv(s->fd[port], &be_len, sizeof(be_len), MSG_DONTWAIT);

    if (n < 0 && errno == EAGAIN) {
        return -1;
    }
    g_assert_cmpint(n, ==, sizeof(be_len));
    len = ntohl(be_len);
    g_assert_cmpuint(len, <=, size);
    while (got < len) {
        n = recv(s->fd[port], buf + got, len - got, MSG_DONTWAIT);
        g_assert_cmpint(n, >, 0);
        got += n;
    }
    return len;
}

static void assert_got(Switch *s, int port, const uint8_t *frame, size_t len)
{
    g_autofree uint8_t *buf = g_malloc(FRAME_MAX);
    ssize_t got = take(s, port, buf, FRAME_MAX);

    g_assert_cmpint(got, ==, len);
    g_assert(memcmp(buf, frame, len) == 0);
}

static void assert_nothing(Switch *s, int port)
{
    uint8_t buf[FRAME_MAX];

    g_assert_cmpint(take(s, port, buf, sizeof(buf)), ==, -1);
}

static void test_hub_floods(void)
{
    Switch s;
    uint8_t f[100];
    size_t len = make_frame(f, MAC_B, MAC_A, 100);

    switch_start(&s, "policy=hub", 3, NULL);
    inject(&s, 0, f, len);
    assert_got(&s, 1, f, len);
    assert_got(&s, 2, f, len);
    assert_nothing(&s, 0);
    /* a hub learns nothing: the reverse direction floods as well */
    make_frame(f, MAC_A, MAC_B, 80);
    inject(&s, 1, f, 80);
    assert_got(&s, 0, f, 80);
    assert_got(&s, 2, f, 80);
    assert_nothing(&s, 1);
    g_assert_cmpuint(port_counter(&s, 0, "tx-packets"), ==, 1);
    g_assert_cmpuint(port_counter(&s, 2, "tx-bytes"), ==, 180);
    switch_stop(&s);
}

static void test_bridge_learns(void)
{
    Switch s;
    uint8_t f[64];

    switch_start(&s, "policy=bridge", 3, NULL);

    /* broadcast from A on p0: flooded, and A is learnt on p0 */
    make_frame(f, MAC_BCAST, MAC_A, 64);
    inject(&s, 0, f, 64);
    assert_got(&s, 1, f, 64);
    assert_got(&s, 2, f, 64);

    /* B on p1 answers A: only p0 gets it */
    make_frame(f, MAC_A, MAC_B, 64);
    inject(&s, 1, f, 64);
    assert_got(&s, 0, f, 64);
    assert_nothing(&s, 2);

    /* A to B: only p1 */
    make_frame(f, MAC_B, MAC_A, 64);
    inject(&s, 0, f, 64);
    assert_got(&s, 1, f, 64);
    assert_nothing(&s, 2);

    /* unknown unicast C floods, but never back to its ingress port */
    make_frame(f, MAC_C, MAC_A, 64);
    inject(&s, 0, f, 64);
    assert_got(&s, 1, f, 64);
    assert_got(&s, 2, f, 64);
    assert_nothing(&s, 0);

    /* no hairpin: a frame for A arriving on A's own port goes nowhere */
    make_frame(f, MAC_A, MAC_C, 64);
    inject(&s, 0, f, 64);
    assert_nothing(&s, 0);
    assert_nothing(&s, 1);
    assert_nothing(&s, 2);
    g_assert_cmpuint(port_drops(&s, 0, "hairpin"), ==, 1);
    switch_stop(&s);
}

/* hairpin=on: p0's own broadcast and its unicast to itself come back */
static void test_bridge_hairpin_port(void)
{
    static const char *const ports[] = { "hairpin=on", NULL };
    Switch s;
    uint8_t f[64];
    g_autofree char *text = NULL;
    QDict *info;

    switch_start(&s, "policy=bridge", 2, ports);
    info = port_info(&s, "p0");
    g_assert_true(qdict_get_bool(info, "hairpin"));
    qobject_unref(info);
    info = port_info(&s, "p1");
    g_assert_false(qdict_get_bool(info, "hairpin"));
    qobject_unref(info);

    make_frame(f, MAC_BCAST, MAC_A, 64);
    inject(&s, 0, f, 64);
    assert_got(&s, 0, f, 64);
    assert_got(&s, 1, f, 64);

    /* A lives on p0: a frame to A from p0 goes back to p0 only */
    make_frame(f, MAC_A, MAC_C, 64);
    inject(&s, 0, f, 64);
    assert_got(&s, 0, f, 64);
    assert_nothing(&s, 1);
    g_assert_cmpuint(port_drops(&s, 0, "hairpin"), ==, 0);

    /* p1 does not reflect */
    make_frame(f, MAC_BCAST, MAC_B, 64);
    inject(&s, 1, f, 64);
    assert_got(&s, 0, f, 64);
    assert_nothing(&s, 1);

    text = qtest_hmp(s.qts, "info netswitch sw0");
    g_assert(strstr(text, "port p0: peer b0, link up, hairpin"));
    g_assert(strstr(text, "port p1: peer b1, link up"));
    g_assert_null(strstr(text, "port p1: peer b1, link up, hairpin"));
    switch_stop(&s);
}

static int mac_table_size(Switch *s)
{
    QDict *resp = qtest_qmp(s->qts, "{'execute': 'query-netswitch'}");
    QDict *sw = qobject_to(QDict, qlist_peek(qdict_get_qlist(resp, "return")));
    int n = qlist_size(qdict_get_qlist(sw, "mac-table"));

    qobject_unref(resp);
    return n;
}

static void test_bridge_ageing(void)
{
    Switch s;
    uint8_t f[64];

    switch_start(&s, "policy=bridge,ageing-time=10", 3, NULL);
    make_frame(f, MAC_BCAST, MAC_A, 64);
    inject(&s, 0, f, 64);
    take(&s, 1, f, sizeof(f));
    take(&s, 2, f, sizeof(f));
    g_assert_cmpint(mac_table_size(&s), ==, 1);

    /* 9 s later A is still known: B's frame for A goes to p0 only */
    qtest_clock_step(s.qts, 9 * NS_PER_SEC);
    make_frame(f, MAC_A, MAC_B, 64);
    inject(&s, 1, f, 64);
    assert_got(&s, 0, f, 64);
    assert_nothing(&s, 2);

    /* B was learnt at 9 s, A at 0 s: at 11 s only B remains */
    qtest_clock_step(s.qts, 2 * NS_PER_SEC);
    g_assert_cmpint(mac_table_size(&s), ==, 1);
    make_frame(f, MAC_A, MAC_B, 64);
    inject(&s, 1, f, 64);
    assert_got(&s, 0, f, 64);
    assert_got(&s, 2, f, 64);       /* A unknown again: flooded */
    switch_stop(&s);
}

static void test_bridge_table_limit(void)
{
    Switch s;
    uint8_t f[64], src[6];
    int i;

    switch_start(&s, "policy=bridge,max-entries=4", 2, NULL);
    memcpy(src, MAC_A, 6);
    for (i = 0; i < 6; i++) {
        src[5] = 0x20 + i;
        make_frame(f, MAC_BCAST, src, 64);
        inject(&s, 0, f, 64);
        take(&s, 1, f, sizeof(f));
    }
    g_assert_cmpint(mac_table_size(&s), ==, 4);

    /* the least recently seen sources (0x20, 0x21) were evicted */
    src[5] = 0x20;
    make_frame(f, src, MAC_B, 64);
    inject(&s, 1, f, 64);
    assert_got(&s, 0, f, 64);       /* flooded: only p0 anyway */
    src[5] = 0x25;
    make_frame(f, src, MAC_B, 64);
    inject(&s, 1, f, 64);
    assert_got(&s, 0, f, 64);
    switch_stop(&s);
}

/* @f with an 802.1Q tag for @vid inserted after the addresses */
static size_t tag_frame(uint8_t *out, const uint8_t *f, size_t len,
                        uint16_t vid)
{
    memcpy(out, f, 12);
    out[12] = 0x81;
    out[13] = 0x00;
    out[14] = vid >> 8;
    out[15] = vid & 0xff;
    memcpy(out + 16, f + 12, len - 12);
    return len + 4;
}

static void test_vlan(void)
{
    static const char *const ports[] = {
        "pvid=10", "pvid=20", "pvid=0,vlans=10-20", "pvid=10",
    };
    Switch s;
    uint8_t f[100], t[104];
    size_t tlen;

    switch_start(&s, "policy=vlan", 4, ports);

    /* untagged from access port p0 (VLAN 10): p3 untagged, trunk tagged */
    make_frame(f, MAC_BCAST, MAC_A, 100);
    inject(&s, 0, f, 100);
    assert_got(&s, 3, f, 100);
    tlen = tag_frame(t, f, 100, 10);
    assert_got(&s, 2, t, tlen);
    assert_nothing(&s, 1);

    /* tagged VLAN 20 from the trunk: p1 gets it untagged, VLAN 10 nothing */
    make_frame(f, MAC_BCAST, MAC_B, 100);
    tlen = tag_frame(t, f, 100, 20);
    inject(&s, 2, t, tlen);
    assert_got(&s, 1, f, 100);
    assert_nothing(&s, 0);
    assert_nothing(&s, 3);

    /* VLAN 30 is not on the trunk: dropped and counted */
    tlen = tag_frame(t, f, 100, 30);
    inject(&s, 2, t, tlen);
    assert_nothing(&s, 0);
    assert_nothing(&s, 1);
    assert_nothing(&s, 3);
    g_assert_cmpuint(port_drops(&s, 2, "vlan-filtered"), ==, 1);

    /* learning is per VLAN: B is known in 20, not in 10 */
    make_frame(f, MAC_B, MAC_A, 100);
    inject(&s, 0, f, 100);
    assert_got(&s, 3, f, 100);
    tlen = tag_frame(t, f, 100, 10);
    assert_got(&s, 2, t, tlen);
    switch_stop(&s);
}

static void test_bad_frames(void)
{
    Switch s;
    g_autofree uint8_t *f = g_malloc(FRAME_MAX);
    static const uint8_t mcast_src[6] = { 0x01, 0x00, 0x5e, 0, 0, 1 };

    switch_start(&s, "policy=bridge", 2, NULL);
    make_frame(f, MAC_BCAST, MAC_A, 14);
    inject(&s, 0, f, 10);               /* a runt */
    make_frame(f, MAC_B, mcast_src, 64);
    inject(&s, 0, f, 64);
    make_frame(f, MAC_B, MAC_A, 65536);
    inject(&s, 0, f, 65536);            /* over the 65535-byte limit */
    assert_nothing(&s, 1);
    g_assert_cmpuint(port_drops(&s, 0, "runt"), ==, 1);
    g_assert_cmpuint(port_drops(&s, 0, "invalid-source"), ==, 1);
    g_assert_cmpuint(port_drops(&s, 0, "oversize"), ==, 1);
    g_assert_cmpint(mac_table_size(&s), ==, 0);

    /* and the switch still works */
    make_frame(f, MAC_B, MAC_A, 64);
    inject(&s, 0, f, 64);
    assert_got(&s, 1, f, 64);
    switch_stop(&s);
}

static void test_link_down(void)
{
    Switch s;
    uint8_t f[64];

    switch_start(&s, "policy=bridge", 3, NULL);
    make_frame(f, MAC_BCAST, MAC_A, 64);
    inject(&s, 0, f, 64);
    take(&s, 1, f, sizeof(f));
    take(&s, 2, f, sizeof(f));
    g_assert_cmpint(mac_table_size(&s), ==, 1);

    qtest_qmp_assert_success(s.qts, "{'execute': 'set_link',"
                             " 'arguments': {'name': 'p0', 'up': false}}");
    g_assert_cmpint(mac_table_size(&s), ==, 0);
    make_frame(f, MAC_BCAST, MAC_B, 64);
    inject(&s, 1, f, 64);
    assert_nothing(&s, 0);
    assert_got(&s, 2, f, 64);
    g_assert_cmpuint(port_drops(&s, 0, "link-down"), ==, 1);
    switch_stop(&s);
}

static void test_monitor(void)
{
    Switch s;
    uint8_t f[64];
    g_autofree char *text = NULL;

    switch_start(&s, "policy=bridge", 2, NULL);
    make_frame(f, MAC_BCAST, MAC_A, 64);
    inject(&s, 0, f, 64);
    take(&s, 1, f, sizeof(f));

    text = qtest_hmp(s.qts, "info netswitch sw0");
    g_assert(strstr(text, "netswitch sw0: policy bridge, ageing-time 300 s"));
    g_assert(strstr(text, "port p0: peer b0, link up"));
    g_assert(strstr(text, "rx 1 packets 64 bytes (0 dropped), forwarded 1,"
                    " tx 0 packets 0 bytes (0 dropped)"));
    g_assert(strstr(text, "queue 0 frames 0 bytes (max 1024 frames 524288"
                    " bytes), high water 0 frames"));
    g_assert(strstr(text, "52:54:00:00:00:0a"));

    g_free(text);
    text = qtest_hmp(s.qts, "netswitch_mac_flush sw0");
    g_assert_cmpint(mac_table_size(&s), ==, 0);
    switch_stop(&s);
}

/* Like take(), for replies QEMU may send from its main loop (slirp). */
static ssize_t take_wait(Switch *s, int port, uint8_t *buf, size_t size)
{
    int i;

    for (i = 0; i < POLL_MAX; i++) {
        ssize_t len = take(s, port, buf, size);

        if (len >= 0) {
            return len;
        }
        qtest_clock_step(s->qts, 1000000);  /* runs QEMU's main loop */
    }
    return -1;
}

/* p0 is a socket port as usual; slirp (restricted) is the port 'up'. */
static void switch_start_with_slirp(Switch *s)
{
    int sv[2];

    g_assert_cmpint(socketpair(PF_UNIX, SOCK_STREAM, 0, sv), ==, 0);
    s->nports = 1;
    s->fd[0] = sv[0];
    s->qts = qtest_initf("-M none -object netswitch,id=sw0 "
                         "-netdev user,id=wan,restrict=on "
                         "-netdev swport,id=up,switch=sw0,netdev=wan "
                         "-netdev socket,id=b0,fd=%d "
                         "-netdev swport,id=p0,switch=sw0,netdev=b0", sv[1]);
    close(sv[1]);
    fcntl(s->fd[0], F_SETFL, fcntl(s->fd[0], F_GETFL) | O_NONBLOCK);
}

static uint16_t ip_checksum(const uint8_t *hdr, size_t len)
{
    uint32_t sum = 0;
    size_t i;

    for (i = 0; i < len; i += 2) {
        sum += (hdr[i] << 8) | hdr[i + 1];
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return ~sum;
}

#define ETH_HLEN_       14
#define IP_HLEN         20
#define UDP_HLEN        8
#define BOOTP_LEN       300
#define BOOTP_YIADDR    16
#define BOOTP_CHADDR    28
#define BOOTP_OPTIONS   236

static size_t make_dhcp_discover(uint8_t *f)
{
    uint8_t *ip = f + ETH_HLEN_, *udp = ip + IP_HLEN, *bootp = udp + UDP_HLEN;
    size_t ip_len = IP_HLEN + UDP_HLEN + BOOTP_LEN;
    uint16_t csum;

    memset(f, 0, ETH_HLEN_ + ip_len);
    memcpy(f, MAC_BCAST, 6);
    memcpy(f + 6, MAC_A, 6);
    f[12] = 0x08;
    ip[0] = 0x45;
    ip[2] = ip_len >> 8;
    ip[3] = ip_len & 0xff;
    ip[8] = 64;
    ip[9] = 17;                                 /* UDP */
    memset(ip + 16, 0xff, 4);                   /* to 255.255.255.255 */
    csum = ip_checksum(ip, IP_HLEN);
    ip[10] = csum >> 8;
    ip[11] = csum & 0xff;
    udp[1] = 68;
    udp[3] = 67;
    udp[4] = (UDP_HLEN + BOOTP_LEN) >> 8;
    udp[5] = (UDP_HLEN + BOOTP_LEN) & 0xff;
    bootp[0] = 1;                               /* BOOTREQUEST */
    bootp[1] = 1;
    bootp[2] = 6;
    memcpy(bootp + 4, "\x12\x34\x56\x78", 4); /* xid */
    bootp[10] = 0x80;                           /* broadcast reply */
    memcpy(bootp + BOOTP_CHADDR, MAC_A, 6);
    memcpy(bootp + BOOTP_OPTIONS, "\x63\x82\x53\x63" /* magic cookie */
           "\x35\x01\x01"                        /* DHCPDISCOVER */
           "\xff", 8);
    return ETH_HLEN_ + ip_len;
}

static void test_slirp_port(void)
{
    static const uint8_t gw[4] = { 10, 0, 2, 2 }, lease[4] = { 10, 0, 2, 15 };
    Switch s;
    uint8_t f[1024], r[FRAME_MAX];
    const uint8_t *ip = r + ETH_HLEN_, *bootp = ip + IP_HLEN + UDP_HLEN;
    ssize_t len;

    switch_start_with_slirp(&s);

    /* DHCPDISCOVER on p0: slirp offers 10.0.2.15, from 10.0.2.2 */
    inject(&s, 0, f, make_dhcp_discover(f));
    len = take_wait(&s, 0, r, sizeof(r));
    g_assert_cmpint(len, >, ETH_HLEN_ + IP_HLEN + UDP_HLEN + BOOTP_OPTIONS + 7);
    g_assert_cmphex(r[12], ==, 0x08);
    g_assert_cmphex(r[13], ==, 0x00);
    g_assert(memcmp(ip + 12, gw, 4) == 0);
    g_assert_cmpint(ip[IP_HLEN + 1], ==, 67);   /* from the DHCP server port */
    g_assert_cmpint(bootp[0], ==, 2);           /* BOOTREPLY */
    g_assert(memcmp(bootp + BOOTP_YIADDR, lease, 4) == 0);
    g_assert(memcmp(bootp + BOOTP_OPTIONS, "\x63\x82\x53\x63\x35\x01\x02", 7)
             == 0);                             /* DHCPOFFER */

    /* ARP for 10.0.2.2 from 10.0.2.15: answered with slirp's MAC */
    memset(f, 0, 60);
    memcpy(f, MAC_BCAST, 6);
    memcpy(f + 6, MAC_A, 6);
    memcpy(f + 12, "\x08\x06\x00\x01\x08\x00\x06\x04\x00\x01", 10);
    memcpy(f + 22, MAC_A, 6);
    memcpy(f + 28, lease, 4);
    memcpy(f + 38, gw, 4);
    inject(&s, 0, f, 60);
    len = take_wait(&s, 0, r, sizeof(r));
    g_assert_cmpint(len, >=, 42);
    g_assert(memcmp(r, MAC_A, 6) == 0);
    g_assert(memcmp(r + 12, "\x08\x06", 2) == 0);
    g_assert_cmpint(r[21], ==, 2);              /* ARP reply */
    g_assert(memcmp(r + 28, gw, 4) == 0);
    g_assert(memcmp(r + 38, lease, 4) == 0);
    switch_stop(&s);
}

static void test_no_switch(void)
{
    QTestState *qts = qtest_init("-M none");
    QDict *resp = qtest_qmp(qts, "{'execute': 'query-netswitch'}");
    g_autofree char *text = NULL;

    g_assert_cmpint(qlist_size(qdict_get_qlist(resp, "return")), ==, 0);
    qobject_unref(resp);
    text = qtest_hmp(qts, "info netswitch");
    g_assert(strstr(text, "no netswitch"));
    qtest_quit(qts);
}

static void test_backend_in_use(void)
{
    Switch s;
    QDict *resp;

    switch_start(&s, NULL, 1, NULL);
    resp = qtest_qmp(s.qts, "{'execute': 'netdev_add', 'arguments':"
                     " {'type': 'swport', 'id': 'p9', 'switch': 'sw0',"
                     "  'netdev': 'b0'}}");
    g_assert(qdict_haskey(resp, "error"));
    g_assert(strstr(qdict_get_str(qdict_get_qdict(resp, "error"), "desc"),
                    "already connected"));
    qobject_unref(resp);
    switch_stop(&s);
}

static void test_vm_stopped(void)
{
    Switch s;
    uint8_t f[64];
    uint32_t be_len = htonl(64);
    int i;

    switch_start(&s, "policy=bridge", 2, NULL);
    qtest_qmp_assert_success(s.qts, "{'execute': 'stop'}");
    make_frame(f, MAC_B, MAC_A, 64);
    write_all(s.fd[0], &be_len, 4);
    write_all(s.fd[0], f, 64);
    qtest_qmp_assert_success(s.qts, "{'execute': 'cont'}");
    /* the frame waited and is switched once the VM runs */
    for (i = 0; i < POLL_MAX && !port_counter(&s, 0, "rx-packets"); i++) {
        /* each query runs QEMU's main loop once more */
    }
    g_assert_cmpuint(port_counter(&s, 0, "rx-packets"), ==, 1);
    assert_got(&s, 1, f, 64);
    switch_stop(&s);
}

static void test_capture(void)
{
    static const char *ports[2];
    g_autofree char *path = g_strdup_printf("%s/netswitch-test-%d.pcap",
                                            g_get_tmp_dir(), getpid());
    g_autofree char *opt = g_strdup_printf("capture=%s", path);
    g_autofree char *data = NULL;
    Switch s;
    uint8_t f[70];
    size_t len;
    uint32_t magic, linktype, caplen;

    ports[0] = opt;
    switch_start(&s, "policy=bridge", 2, ports);
    make_frame(f, MAC_BCAST, MAC_A, 70);
    inject(&s, 0, f, 70);                       /* received by p0 */
    take(&s, 1, f, sizeof(f));
    make_frame(f, MAC_A, MAC_B, 60);
    inject(&s, 1, f, 60);                       /* sent by p0 */
    take(&s, 0, f, sizeof(f));
    switch_stop(&s);

    g_assert(g_file_get_contents(path, &data, &len, NULL));
    g_assert_cmpuint(len, ==, 24 + 16 + 70 + 16 + 60);
    memcpy(&magic, data, 4);
    memcpy(&linktype, data + 20, 4);
    memcpy(&caplen, data + 24 + 8, 4);
    g_assert_cmphex(magic, ==, 0xa1b2c3d4);
    g_assert_cmpuint(linktype, ==, 1);
    g_assert_cmpuint(caplen, ==, 70);
    g_assert(memcmp(data + 24 + 16 + 70 + 16, f, 60) == 0);

    /* tshark, when installed, must read the file as two Ethernet frames */
    if (g_find_program_in_path("tshark")) {
        g_autofree char *cmd = g_strdup_printf("tshark -r %s -T fields "
                                               "-e frame.len", path);
        g_autofree char *out = NULL;
        int status;

        g_assert(g_spawn_command_line_sync(cmd, &out, NULL, &status, NULL));
        g_assert_cmpint(status, ==, 0);
        g_assert_cmpstr(out, ==, "70\n60\n");
    }
    unlink(path);
}

/*
 * Egress queues and accounting
 */

/* query-netswitch's entry for sw0 (unref it) */
static QDict *switch_info(Switch *s)
{
    QDict *resp = qtest_qmp(s->qts, "{'execute': 'query-netswitch',"
                            " 'arguments': {'id': 'sw0'}}");
    QDict *sw = qobject_to(QDict, qlist_peek(qdict_get_qlist(resp, "return")));

    qobject_ref(sw);
    qobject_unref(resp);
    return sw;
}

/*
 * The accounting invariant, from query-netswitch alone: every copy sent
 * toward a port was sent, dropped, or waits in the port's queue.  Returns
 * the frames still queued.
 */
static uint64_t assert_accounted(Switch *s)
{
    QDict *sw = switch_info(s);
    QDict *gone = qdict_get_qdict(sw, "removed-ports");
    uint64_t forwarded = qdict_get_int(gone, "forwarded");
    uint64_t ended = qdict_get_int(gone, "tx-packets") +
                     qdict_get_int(gone, "tx-dropped");
    uint64_t queued = 0;
    QListEntry *e;

    QLIST_FOREACH_ENTRY(qdict_get_qlist(sw, "ports"), e) {
        QDict *p = qobject_to(QDict, qlist_entry_obj(e));

        forwarded += qdict_get_int(p, "forwarded");
        ended += qdict_get_int(p, "tx-packets") +
                 qdict_get_int(p, "tx-dropped");
        queued += qdict_get_int(p, "queue-len");
    }
    g_assert_cmpuint(forwarded, ==, ended + queued);
    qobject_unref(sw);
    return queued;
}

/* Run a QMP command, which must fail. */
static void G_GNUC_PRINTF(2, 3) qmp_assert_error(Switch *s, const char *fmt,
                                                 ...)
{
    va_list ap;
    QDict *resp;

    va_start(ap, fmt);
    resp = qtest_vqmp(s->qts, fmt, ap);
    va_end(ap);
    g_assert(qdict_haskey(resp, "error"));
    qobject_unref(resp);
}

/* Read and count whole frames from @fd until it would block. */
static void drain_frames(int fd, GByteArray *pending, uint64_t *frames)
{
    uint8_t buf[65536];
    ssize_t n;

    while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
        g_byte_array_append(pending, buf, n);
    }
    while (pending->len >= 4) {
        uint32_t be_len;
        size_t len;

        memcpy(&be_len, pending->data, 4);
        len = ntohl(be_len);
        if (pending->len < 4 + len) {
            break;
        }
        g_byte_array_remove_range(pending, 0, 4 + len);
        (*frames)++;
    }
}

/*
 * Write @buf to @fd; while it would block, read what port @fast sends so
 * that the switch can go on delivering to it.
 */
static void write_pumping(int fd, const void *buf, size_t len, int fast,
                          GByteArray *pending, uint64_t *frames)
{
    const uint8_t *p = buf;

    while (len) {
        ssize_t n = send(fd, p, len, MSG_DONTWAIT);

        if (n < 0 && errno == EAGAIN) {
            GPollFD pfd[2] = {
                { .fd = fd, .events = G_IO_OUT },
                { .fd = fast, .events = G_IO_IN },
            };

            g_assert_cmpint(g_poll(pfd, 2, 10000), >, 0);
            drain_frames(fast, pending, frames);
            continue;
        }
        g_assert_cmpint(n, >, 0);
        p += n;
        len -= n;
    }
}

/*
 * One port whose backend never reads (p1) must not hold up the others: p0
 * sends a million frames alternately to p1 and p2, and p2 gets every one
 * of its own while p1's excess is dropped and counted as queue-full; then
 * the accounting invariant holds, from query-netswitch alone.
 */
static void test_stuck_port_isolated(void)
{
    const int n = 1000000;
    Switch s;
    uint8_t f1[64], f2[64];
    uint32_t be_len = htonl(64);
    g_autoptr(GByteArray) pending = g_byte_array_new();
    uint64_t fast = 0, stuck_tx, stuck_full, queued;
    int i;

    /*
     * p2's queue holds all its frames, so that how fast this test reads
     * them cannot matter; p1 has the default queue.
     */
    switch_start(&s, "policy=bridge", 3, (const char *const[]) {
                     NULL, NULL, "queue-frames=100000,queue-bytes=67108864" });
    /* p1 has MAC_B, p2 MAC_C */
    make_frame(f1, MAC_BCAST, MAC_B, 64);
    inject(&s, 1, f1, 64);
    make_frame(f2, MAC_BCAST, MAC_C, 64);
    inject(&s, 2, f2, 64);
    take(&s, 0, f1, sizeof(f1));
    take(&s, 0, f2, sizeof(f2));
    take(&s, 2, f1, sizeof(f1));
    /* p1's socket gets the flood from p2 and then nothing is ever read */

    make_frame(f1, MAC_B, MAC_A, 64);
    make_frame(f2, MAC_C, MAC_A, 64);
    for (i = 0; i < n; i++) {
        write_pumping(s.fd[0], &be_len, 4, s.fd[2], pending, &fast);
        write_pumping(s.fd[0], i % 2 ? f2 : f1, 64, s.fd[2], pending, &fast);
        drain_frames(s.fd[2], pending, &fast);
    }
    /* wait for the switch to take them all, reading p2 meanwhile */
    while (port_counter(&s, 0, "rx-packets") < n + 0ULL) {
        drain_frames(s.fd[2], pending, &fast);
    }
    while (fast < n / 2) {
        GPollFD pfd = { .fd = s.fd[2], .events = G_IO_IN };

        g_assert_cmpint(g_poll(&pfd, 1, 10000), ==, 1);
        drain_frames(s.fd[2], pending, &fast);
    }
    g_assert_cmpuint(fast, ==, n / 2);
    g_assert_cmpuint(port_drops(&s, 2, "queue-full"), ==, 0);

    /* p1 took what its socket held, its queue is full, the rest counted */
    stuck_tx = port_counter(&s, 1, "tx-packets");
    stuck_full = port_drops(&s, 1, "queue-full");
    queued = port_counter(&s, 1, "queue-len");
    g_assert_cmpuint(stuck_full, >, 0);
    g_assert_cmpuint(queued, ==, port_counter(&s, 1, "queue-high-water"));
    g_assert_cmpuint(stuck_tx + stuck_full + queued, ==, n / 2 + 1);
    g_assert_cmpuint(assert_accounted(&s), ==, queued);

    /* Link down: the queue is dropped and counted, nothing in between */
    qtest_qmp_assert_success(s.qts, "{'execute': 'set_link',"
                             " 'arguments': {'name': 'p1', 'up': false}}");
    g_assert_cmpuint(port_drops(&s, 1, "link-down"), ==, queued);
    g_assert_cmpuint(assert_accounted(&s), ==, 0);
    switch_stop(&s);
}

/*
 * Queue limits are per port, set with -netdev and at run time, and
 * shown by query-netswitch; a deleted port's queue counts in
 * removed-ports.  p1's socket is never read, so it fills and p1 queues.
 */
static void test_queue_limits(void)
{
    static const char *const opts[2] = { NULL, "queue-frames=3" };
    const int n = 400;
    Switch s;
    uint8_t f[1514];
    uint64_t tx, full, dropped;
    QDict *sw;
    int i;

    switch_start(&s, "policy=hub", 2, opts);
    g_assert_cmpuint(port_counter(&s, 0, "queue-max-frames"), ==, 1024);
    g_assert_cmpuint(port_counter(&s, 0, "queue-max-bytes"), ==, 512 * 1024);
    g_assert_cmpuint(port_counter(&s, 1, "queue-max-frames"), ==, 3);

    qtest_qmp_assert_success(s.qts, "{'execute': 'netswitch-port-set',"
                             " 'arguments': {'id': 'sw0', 'port': 'p1',"
                             " 'queue-frames': 5, 'queue-bytes': 3100}}");
    g_assert_cmpuint(port_counter(&s, 1, "queue-max-frames"), ==, 5);
    g_assert_cmpuint(port_counter(&s, 1, "queue-max-bytes"), ==, 3100);
    make_frame(f, MAC_BCAST, MAC_A, sizeof(f));
    for (i = 0; i < n; i++) {
        inject(&s, 0, f, sizeof(f));
    }
    /* two frames of 1514 bytes fit in 3100 */
    g_assert_cmpuint(port_counter(&s, 1, "queue-len"), ==, 2);
    g_assert_cmpuint(port_counter(&s, 1, "queue-bytes"), ==, 2 * 1514);
    tx = port_counter(&s, 1, "tx-packets");
    full = port_drops(&s, 1, "queue-full");
    g_assert_cmpuint(full, >, 0);
    g_assert_cmpuint(tx + full + 2, ==, n);
    g_assert_cmpuint(assert_accounted(&s), ==, 2);

    /*
     * Deleting p1 drops its two queued frames, and the one frame QEMU's
     * net layer holds for p1's full socket: the switch had counted that
     * one as sent, and now counts it as dropped (link-down) instead.
     */
    dropped = port_counter(&s, 1, "tx-dropped") + 2 + 1;
    qtest_qmp_assert_success(s.qts, "{'execute': 'netdev_del',"
                             " 'arguments': {'id': 'p1'}}");
    sw = switch_info(&s);
    g_assert_cmpuint(qdict_get_int(qdict_get_qdict(sw, "removed-ports"),
                                   "tx-dropped"), ==, dropped);
    g_assert_cmpuint(qdict_get_int(qdict_get_qdict(sw, "removed-ports"),
                                   "tx-packets"), ==, tx - 1);
    qobject_unref(sw);
    g_assert_cmpuint(assert_accounted(&s), ==, 0);

    qmp_assert_error(&s, "{'execute': 'netswitch-port-set',"
                     " 'arguments': {'id': 'sw0', 'port': 'p0',"
                     " 'queue-frames': 0}}");
    qmp_assert_error(&s, "{'execute': 'netswitch-port-set',"
                     " 'arguments': {'id': 'sw0', 'port': 'p1'}}");
    switch_stop(&s);
}

/* A port whose backend is a port of the same switch is refused. */
static void test_self_loop_refused(void)
{
    Switch s;
    QDict *resp, *q0;
    uint8_t f[64];

    switch_start(&s, NULL, 1, NULL);
    qtest_qmp_assert_success(s.qts, "{'execute': 'netdev_add', 'arguments':"
                             " {'type': 'swport', 'id': 'q0',"
                             "  'switch': 'sw0'}}");
    resp = qtest_qmp(s.qts, "{'execute': 'netdev_add', 'arguments':"
                     " {'type': 'swport', 'id': 'q1', 'switch': 'sw0',"
                     "  'netdev': 'q0'}}");
    g_assert(qdict_haskey(resp, "error"));
    g_assert(strstr(qdict_get_str(qdict_get_qdict(resp, "error"), "desc"),
                    "same netswitch"));
    qobject_unref(resp);

    /* q0 has nothing connected: what is for it is dropped, not queued */
    make_frame(f, MAC_BCAST, MAC_A, sizeof(f));
    inject(&s, 0, f, sizeof(f));
    q0 = port_info(&s, "q0");
    g_assert_cmpuint(qdict_get_int(qdict_get_qdict(q0, "drops"), "tx-error"),
                     ==, 1);
    g_assert_cmpuint(qdict_get_int(q0, "queue-len"), ==, 0);
    qobject_unref(q0);

    /* a port of another switch is a cable between two switches: fine */
    qtest_qmp_assert_success(s.qts, "{'execute': 'object-add', 'arguments':"
                             " {'qom-type': 'netswitch', 'id': 'sw1'}}");
    qtest_qmp_assert_success(s.qts, "{'execute': 'netdev_add', 'arguments':"
                             " {'type': 'swport', 'id': 'r0', 'switch': 'sw1',"
                             "  'netdev': 'q0'}}");
    switch_stop(&s);
}

/*
 * Port policies
 */

/* Port policies are swport options, shown and changed over QMP. */
static void test_port_settings(void)
{
    Switch s;
    g_autofree char *text = NULL;
    QDict *p;

    /* ',' separates options: a list of two needs QMP, one works here */
    switch_start(&s, "policy=bridge", 2, (const char *const[]) {
                     "rate=10000000,police-rate=20000000,police-burst=3000,"
                     "storm-pps=50,max-macs=4,allowed-macs=52:54:00:00:00:0a",
                     NULL });
    p = port_info(&s, "p0");
    g_assert_cmpuint(qdict_get_int(p, "rate"), ==, 10000000);
    g_assert_cmpuint(qdict_get_int(p, "burst"), ==, 65536);    /* default */
    g_assert_cmpuint(qdict_get_int(p, "police-rate"), ==, 20000000);
    g_assert_cmpuint(qdict_get_int(p, "police-burst"), ==, 3000);
    g_assert_cmpuint(qdict_get_int(p, "storm-pps"), ==, 50);
    g_assert_cmpuint(qdict_get_int(p, "max-macs"), ==, 4);
    g_assert_cmpstr(qdict_get_str(p, "allowed-macs"), ==, "52:54:00:00:00:0a");
    qobject_unref(p);
    p = port_info(&s, "p1");
    g_assert_cmpuint(qdict_get_int(p, "rate"), ==, 0);
    g_assert_cmpstr(qdict_get_str(p, "allowed-macs"), ==, "");
    qobject_unref(p);

    qtest_qmp_assert_success(s.qts, "{'execute': 'netswitch-port-set',"
        " 'arguments': {'id': 'sw0', 'port': 'p0', 'rate': 0,"
        " 'storm-pps': 0, 'allowed-macs':"
        " '52:54:00:00:00:0a,52:54:00:00:00:0b'}}");
    p = port_info(&s, "p0");
    g_assert_cmpuint(qdict_get_int(p, "rate"), ==, 0);
    g_assert_cmpuint(qdict_get_int(p, "storm-pps"), ==, 0);
    g_assert_cmpuint(qdict_get_int(p, "police-rate"), ==, 20000000);
    g_assert_cmpstr(qdict_get_str(p, "allowed-macs"), ==,
                    "52:54:00:00:00:0a,52:54:00:00:00:0b");
    qobject_unref(p);

    /* one bad value changes nothing */
    qmp_assert_error(&s, "{'execute': 'netswitch-port-set',"
                     " 'arguments': {'id': 'sw0', 'port': 'p0',"
                     " 'max-macs': 9, 'rate': 7}}");
    qmp_assert_error(&s, "{'execute': 'netswitch-port-set',"
                     " 'arguments': {'id': 'sw0', 'port': 'p0',"
                     " 'max-macs': 9, 'allowed-macs': 'ff:ff:ff:ff:ff:ff'}}");
    g_assert_cmpuint(port_counter(&s, 0, "max-macs"), ==, 4);

    text = qtest_hmp(s.qts, "info netswitch sw0");
    g_assert(strstr(text, "policies: police 20000000 bit/s burst 3000"
                    " max-macs 4 allowed-macs 52:54:00:00:00:0a,"
                    "52:54:00:00:00:0b"));
    switch_stop(&s);
}

/* Count the frames waiting on @port's socket, reading them. */
static unsigned int count_frames(Switch *s, int port)
{
    g_autofree uint8_t *buf = g_malloc(FRAME_MAX);
    unsigned int n = 0;

    while (take(s, port, buf, FRAME_MAX) >= 0) {
        n++;
    }
    return n;
}

/*
 * Egress shaping on the virtual clock: the burst leaves at once, then the
 * rate, within 5%, as the clock steps.
 */
static void test_shaper_rate(void)
{
    Switch s;
    uint8_t f[1000];
    unsigned int sent;
    int i;

    /* 1 MB/s with a 10 kB burst */
    switch_start(&s, "policy=hub", 2, (const char *const[]) {
                     NULL, "rate=8000000,burst=10000" });
    make_frame(f, MAC_BCAST, MAC_A, sizeof(f));
    for (i = 0; i < 300; i++) {
        inject(&s, 0, f, sizeof(f));
    }
    g_assert_cmpuint(count_frames(&s, 1), ==, 10);
    g_assert_cmpuint(port_counter(&s, 1, "queue-len"), ==, 290);

    /* 200 ms: 200 kB, 200 frames (read as they come: sockets are small) */
    for (sent = 0, i = 0; i < 20; i++) {
        qtest_clock_step(s.qts, 10 * 1000 * 1000);
        sent += count_frames(&s, 1);
    }
    g_assert_cmpuint(sent, >=, 190);
    g_assert_cmpuint(sent, <=, 210);
    g_assert_cmpuint(port_counter(&s, 1, "queue-len"), ==, 290 - sent);
    g_assert_cmpuint(assert_accounted(&s), ==, 290 - sent);

    /* unshaped at run time: the rest goes at once */
    qtest_qmp_assert_success(s.qts, "{'execute': 'netswitch-port-set',"
                             " 'arguments': {'id': 'sw0', 'port': 'p1',"
                             " 'rate': 0}}");
    g_assert_cmpuint(count_frames(&s, 1), ==, 290 - sent);
    switch_stop(&s);
}

/* Policing, storm control, MAC limit and anti-spoofing count their drops */
static void test_ingress_policies(void)
{
    Switch s;
    uint8_t f[64];
    uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x99, 0x00, 0x00 };
    int i;

    switch_start(&s, "policy=bridge", 3, (const char *const[]) {
                     "storm-pps=5,max-macs=3", "allowed-macs=52:54:00:00:00:0b",
                     "police-rate=5120,police-burst=640" });
    /* p0: ten sources, three learnt, all broadcasts over 5 are storm */
    for (i = 0; i < 10; i++) {
        mac[5] = i;
        make_frame(f, MAC_BCAST, mac, sizeof(f));
        inject(&s, 0, f, sizeof(f));
    }
    g_assert_cmpuint(port_drops(&s, 0, "mac-limit"), ==, 7);
    g_assert_cmpuint(port_drops(&s, 0, "storm"), ==, 0);
    g_assert_cmpuint(mac_table_size(&s), ==, 3);
    mac[5] = 0;
    make_frame(f, MAC_BCAST, mac, sizeof(f));
    for (i = 0; i < 5; i++) {
        inject(&s, 0, f, sizeof(f));
    }
    g_assert_cmpuint(port_drops(&s, 0, "storm"), ==, 3);    /* 3 + 5 > 5 */

    /* p1 may only send as MAC_B */
    make_frame(f, MAC_A, MAC_C, sizeof(f));
    inject(&s, 1, f, sizeof(f));
    g_assert_cmpuint(port_drops(&s, 1, "spoofed"), ==, 1);
    make_frame(f, MAC_A, MAC_B, sizeof(f));
    inject(&s, 1, f, sizeof(f));
    g_assert_cmpuint(port_drops(&s, 1, "spoofed"), ==, 1);

    /* p2: 640 bytes at once, then 640 per second of virtual time */
    make_frame(f, MAC_A, MAC_C, sizeof(f));
    for (i = 0; i < 20; i++) {
        inject(&s, 2, f, sizeof(f));
    }
    g_assert_cmpuint(port_drops(&s, 2, "policed"), ==, 10);
    qtest_clock_step(s.qts, 500 * 1000 * 1000);
    for (i = 0; i < 10; i++) {
        inject(&s, 2, f, sizeof(f));
    }
    g_assert_cmpuint(port_drops(&s, 2, "policed"), ==, 15);
    assert_accounted(&s);
    switch_stop(&s);
}

/*
 * Two switches cabled into a loop (two cables between sw0 and sw1): a
 * broadcast would circle for ever.  Its source flaps between sw0's two
 * cable ports, loop protection takes one down and says so on QMP.
 */
static void test_loop_protection(void)
{
    int sv[2];
    QTestState *qts;
    QDict *ev;
    uint8_t f[64];
    uint32_t be_len = htonl(64);
    g_autofree char *text = NULL, *expected = NULL;
    QDict *data;
    const char *port;

    g_assert_cmpint(socketpair(PF_UNIX, SOCK_STREAM, 0, sv), ==, 0);
    qts = qtest_initf("-M none -object netswitch,id=sw0 "
                      "-object netswitch,id=sw1 "
                      "-netdev socket,id=b0,fd=%d "
                      "-netdev swport,id=host,switch=sw0,netdev=b0 "
                      "-netdev swport,id=a0,switch=sw0 "
                      "-netdev swport,id=a1,switch=sw0 "
                      "-netdev swport,id=c0,switch=sw1,netdev=a0 "
                      "-netdev swport,id=c1,switch=sw1,netdev=a1", sv[1]);
    make_frame(f, MAC_BCAST, MAC_A, sizeof(f));
    write_all(sv[0], &be_len, sizeof(be_len));
    write_all(sv[0], f, sizeof(f));
    ev = qtest_qmp_eventwait_ref(qts, "NETSWITCH_LOOP_DETECTED");
    data = qdict_get_qdict(ev, "data");
    g_assert_cmpstr(qdict_get_str(data, "mac"), ==, "52:54:00:00:00:0a");
    port = qdict_get_str(data, "port");
    g_assert(!strcmp(port, "a0") || !strcmp(port, "a1") ||
             !strcmp(port, "c0") || !strcmp(port, "c1"));
    /* the port is down in the switch and for set_link */
    text = qtest_hmp(qts, "info netswitch");
    expected = g_strdup_printf("port %s: peer %s, link down", port,
                               port[0] == 'a' ? (port[1] == '0' ? "c0" : "c1")
                                              : (port[1] == '0' ? "a0" : "a1"));
    g_assert(strstr(text, expected));
    qobject_unref(ev);
    qtest_quit(qts);
    close(sv[0]);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    qtest_add_func("/netswitch/hub/floods", test_hub_floods);
    qtest_add_func("/netswitch/bridge/learns", test_bridge_learns);
    qtest_add_func("/netswitch/bridge/hairpin-port", test_bridge_hairpin_port);
    qtest_add_func("/netswitch/bridge/ageing", test_bridge_ageing);
    qtest_add_func("/netswitch/bridge/table-limit", test_bridge_table_limit);
    qtest_add_func("/netswitch/vlan/isolation-and-tags", test_vlan);
    qtest_add_func("/netswitch/bad-frames", test_bad_frames);
    qtest_add_func("/netswitch/link-down", test_link_down);
    qtest_add_func("/netswitch/monitor", test_monitor);
    qtest_add_func("/netswitch/no-switch", test_no_switch);
    qtest_add_func("/netswitch/backend-in-use", test_backend_in_use);
    qtest_add_func("/netswitch/vm-stopped", test_vm_stopped);
    qtest_add_func("/netswitch/capture", test_capture);
    qtest_add_func("/netswitch/slirp-port", test_slirp_port);
    qtest_add_func("/netswitch/queue/stuck-port-isolated",
                   test_stuck_port_isolated);
    qtest_add_func("/netswitch/queue/limits", test_queue_limits);
    qtest_add_func("/netswitch/self-loop-refused", test_self_loop_refused);
    qtest_add_func("/netswitch/policy/port-settings", test_port_settings);
    qtest_add_func("/netswitch/policy/shaper-rate", test_shaper_rate);
    qtest_add_func("/netswitch/policy/ingress", test_ingress_policies);
    qtest_add_func("/netswitch/policy/loop-protection",
                   test_loop_protection);

    return g_test_run();
}
