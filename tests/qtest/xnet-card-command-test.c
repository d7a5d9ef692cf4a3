/*
 * QTest testcase: "qemu-system-arm -M vexpress -netdev user" as written
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The project's one-line promise, and the rules behind it:
 * - "vexpress" is an alias of vexpress-a9 (patches/0010);
 * - a -netdev without id= is the backend of the board's default NIC, as
 *   -nic with the same options would be (net/xnet-default-netdev.c);
 *   id-less -netdevs and -nics take the board's NICs in command-line
 *   order, before -net nic; one left without a NIC is an error.
 *
 * The DHCP tests talk to slirp through the LAN9118's registers: a DHCP
 * DISCOVER written to the TX FIFO must come back from the RX FIFO as
 * slirp's OFFER of 10.0.2.15 from 10.0.2.2.  They start slirp, so they
 * run only in xnet/run-tests.py's private network namespace, where slirp
 * has no interface but loopback; the guest side only talks to 10.0.2.2.
 *
 * Cases where QEMU must refuse the command line run QEMU in a GLib test
 * subprocess, whose stderr (QEMU's too) the parent test matches.
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "xnet-nic-helpers.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"

#define LAN9118_BASE        0x4e000000

/* LAN9118 registers and bits (SMSC LAN9118 datasheet, section 5) */
#define RX_DATA_FIFO        0x00
#define TX_DATA_FIFO        0x20
#define RX_STATUS_FIFO      0x40
#define TX_STATUS_FIFO      0x48
#define RX_FIFO_INF         0x7c
#define TX_CFG              0x70
#define MAC_CSR_CMD         0xa4
#define MAC_CSR_DATA        0xa8
#define TX_CFG_TX_ON        (1u << 1)
#define MAC_CSR_BUSY        (1u << 31)
#define MAC_CSR_READ        (1u << 30)
#define MAC_CR              1
#define ADDRH               2
#define ADDRL               3
#define MAC_CR_RXEN         (1u << 2)
#define MAC_CR_TXEN         (1u << 3)
#define TXA_FIRST           (1u << 13)
#define TXA_LAST            (1u << 12)
#define TXB_TAG(t)          ((uint32_t)(t) << 16)
#define TX_STS_ES           (1u << 15)
#define RXS_LEN(s)          (((s) >> 16) & 0x3fff)
#define RXS_ES              (1u << 15)
#define RX_FIFO_INF_STATUS(v) (((v) >> 16) & 0xff)

/* qtest commands that may pass before slirp's answer reaches the NIC */
#define RX_POLL_MAX         2000
/* frames to look through for the OFFER (slirp may send others first) */
#define RX_FRAMES_MAX       8

/* DHCP (RFC 2131) on the wire */
#define ETH_HLEN            14
#define IP_HLEN             20
#define UDP_HLEN            8
#define BOOTP_FIXED         236     /* op .. file, before the options */
#define IP_TOTAL            576     /* every host must accept this size */
#define DHCP_FRAME_LEN      (ETH_HLEN + IP_TOTAL)
#define DHCP_XID            0x786e6574  /* "xnet" */
#define DHCP_MSG_TYPE       53
#define DHCP_SERVER_ID      54
#define DHCP_END            255
#define DHCPDISCOVER        1
#define DHCPOFFER           2

static const uint8_t slirp_host[4] = { 10, 0, 2, 2 };
static const uint8_t slirp_guest[4] = { 10, 0, 2, 15 };

/* The card's command: vexpress, its LAN9118 on an id-less -netdev */
#define CARD_ARGS           "-M vexpress -netdev user"
/* The netswitch variant: the NIC joins a port whose uplink is slirp */
#define SWITCH_ARGS \
    "-M vexpress -object netswitch,id=sw0,policy=bridge " \
    "-netdev user,id=wan -netdev swport,id=up,switch=sw0,netdev=wan " \
    "-netdev swport,switch=sw0"

/* LAN9118 access */

static uint32_t lan_read(QTestState *qts, uint32_t reg)
{
    return qtest_readl(qts, LAN9118_BASE + reg);
}

static void lan_write(QTestState *qts, uint32_t reg, uint32_t val)
{
    qtest_writel(qts, LAN9118_BASE + reg, val);
}

/* MAC CSRs: a command completes before its busy bit can be polled */
static uint32_t mac_read(QTestState *qts, uint32_t index)
{
    lan_write(qts, MAC_CSR_CMD, MAC_CSR_BUSY | MAC_CSR_READ | index);
    g_assert_cmphex(lan_read(qts, MAC_CSR_CMD) & MAC_CSR_BUSY, ==, 0);
    return lan_read(qts, MAC_CSR_DATA);
}

static void mac_write(QTestState *qts, uint32_t index, uint32_t val)
{
    lan_write(qts, MAC_CSR_DATA, val);
    lan_write(qts, MAC_CSR_CMD, MAC_CSR_BUSY | index);
    g_assert_cmphex(lan_read(qts, MAC_CSR_CMD) & MAC_CSR_BUSY, ==, 0);
}

/* The station address the board gave the NIC (ADDRL: bytes 0-3) */
static void nic_mac(QTestState *qts, uint8_t *mac)
{
    stl_le_p(mac, mac_read(qts, ADDRL));
    stw_le_p(mac + 4, mac_read(qts, ADDRH));
}

/* What the Linux driver does before it sends: MAC TX/RX on, TX on */
static void nic_enable(QTestState *qts)
{
    mac_write(qts, MAC_CR, MAC_CR_TXEN | MAC_CR_RXEN);
    lan_write(qts, TX_CFG, TX_CFG_TX_ON);
}

/* One frame in one buffer; its TX status must say it went out */
static void nic_send(QTestState *qts, const uint8_t *frame, uint32_t len)
{
    uint32_t i, word;

    lan_write(qts, TX_DATA_FIFO, TXA_FIRST | TXA_LAST | len);
    lan_write(qts, TX_DATA_FIFO + 4, TXB_TAG(0x17) | len);
    for (i = 0; i < len; i += 4) {
        word = 0;
        memcpy(&word, frame + i, MIN(4, len - i));
        lan_write(qts, TX_DATA_FIFO, le32_to_cpu(word));
    }
    g_assert_cmphex(lan_read(qts, TX_STATUS_FIFO), ==, TXB_TAG(0x17));
}

/*
 * The next received frame (without its FCS) into @buf, or 0 if none came
 * within RX_POLL_MAX register reads, each of which lets the main loop run.
 */
static size_t nic_receive(QTestState *qts, uint8_t *buf, size_t max)
{
    uint32_t status, len, words, i, word;
    int polls;

    for (polls = 0; polls < RX_POLL_MAX; polls++) {
        if (RX_FIFO_INF_STATUS(lan_read(qts, RX_FIFO_INF))) {
            break;
        }
    }
    if (polls == RX_POLL_MAX) {
        return 0;
    }
    status = lan_read(qts, RX_STATUS_FIFO);
    g_assert_cmphex(status & RXS_ES, ==, 0);
    len = RXS_LEN(status);
    g_assert_cmpuint(len, >, 4);
    g_assert_cmpuint(len - 4, <=, max);
    words = DIV_ROUND_UP(len, 4);
    for (i = 0; i < words; i++) {
        word = cpu_to_le32(lan_read(qts, RX_DATA_FIFO));
        if (i * 4 < len - 4) {
            memcpy(buf + i * 4, &word, MIN(4, len - 4 - i * 4));
        }
    }
    return len - 4;
}

/* DHCP frames */

static uint16_t ip_checksum(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;
    size_t i;

    for (i = 0; i + 1 < len; i += 2) {
        sum += lduw_be_p(p + i);
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return ~sum;
}

/* A client's first DISCOVER: broadcast from 0.0.0.0, UDP 68 -> 67 */
static void make_discover(uint8_t *f, const uint8_t *mac)
{
    uint8_t *ip = f + ETH_HLEN, *udp = ip + IP_HLEN, *bootp = udp + UDP_HLEN;
    uint8_t *opt = bootp + BOOTP_FIXED;

    memset(f, 0, DHCP_FRAME_LEN);
    memset(f, 0xff, 6);
    memcpy(f + 6, mac, 6);
    stw_be_p(f + 12, 0x0800);

    ip[0] = 0x45;
    stw_be_p(ip + 2, IP_TOTAL);
    ip[8] = 64;
    ip[9] = 17;                         /* UDP */
    memset(ip + 16, 0xff, 4);           /* to 255.255.255.255 */
    stw_be_p(ip + 10, ip_checksum(ip, IP_HLEN));

    stw_be_p(udp, 68);
    stw_be_p(udp + 2, 67);
    stw_be_p(udp + 4, IP_TOTAL - IP_HLEN);  /* checksum 0: none */

    bootp[0] = 1;                       /* BOOTREQUEST */
    bootp[1] = 1;                       /* Ethernet */
    bootp[2] = 6;
    stl_be_p(bootp + 4, DHCP_XID);
    memcpy(bootp + 28, mac, 6);         /* chaddr */
    stl_be_p(opt, 0x63825363);          /* the magic cookie */
    opt[4] = DHCP_MSG_TYPE;
    opt[5] = 1;
    opt[6] = DHCPDISCOVER;
    opt[7] = DHCP_END;
}

/* The value of DHCP option @code of the BOOTP message at @bootp, or NULL */
static const uint8_t *dhcp_option(const uint8_t *bootp, size_t len,
                                  uint8_t code, uint8_t want_len)
{
    size_t i = BOOTP_FIXED + 4;

    while (i + 2 <= len && bootp[i] != DHCP_END) {
        if (bootp[i] == 0) {            /* pad */
            i++;
            continue;
        }
        if (bootp[i] == code && bootp[i + 1] == want_len &&
            i + 2 + want_len <= len) {
            return bootp + i + 2;
        }
        i += 2 + bootp[i + 1];
    }
    return NULL;
}

/* Is @f (of @len bytes) slirp's OFFER for our DISCOVER?  Checks it all. */
static bool is_our_offer(const uint8_t *f, size_t len)
{
    const uint8_t *ip = f + ETH_HLEN, *udp = ip + IP_HLEN;
    const uint8_t *bootp = udp + UDP_HLEN, *type, *server;
    size_t blen;

    if (len < ETH_HLEN + IP_HLEN + UDP_HLEN + BOOTP_FIXED + 4 ||
        lduw_be_p(f + 12) != 0x0800 || ip[9] != 17 ||
        lduw_be_p(udp) != 67 || lduw_be_p(udp + 2) != 68) {
        return false;                   /* some other frame of slirp's */
    }
    blen = len - (bootp - f);
    g_assert_cmpmem(ip + 12, 4, slirp_host, 4);       /* from 10.0.2.2 */
    g_assert_cmpuint(bootp[0], ==, 2);                /* BOOTREPLY */
    g_assert_cmphex(ldl_be_p(bootp + 4), ==, DHCP_XID);
    g_assert_cmpmem(bootp + 16, 4, slirp_guest, 4);   /* yiaddr */
    g_assert_cmphex(ldl_be_p(bootp + BOOTP_FIXED), ==, 0x63825363);
    type = dhcp_option(bootp, blen, DHCP_MSG_TYPE, 1);
    g_assert_nonnull(type);
    g_assert_cmpuint(*type, ==, DHCPOFFER);
    server = dhcp_option(bootp, blen, DHCP_SERVER_ID, 4);
    g_assert_nonnull(server);
    g_assert_cmpmem(server, 4, slirp_host, 4);
    return true;
}

/* DISCOVER through the LAN9118's TX FIFO; the OFFER from its RX FIFO */
static void check_dhcp_offer(QTestState *qts)
{
    uint8_t mac[6], discover[DHCP_FRAME_LEN], buf[2048];
    size_t len;
    int n;

    nic_mac(qts, mac);
    nic_enable(qts);
    make_discover(discover, mac);
    nic_send(qts, discover, sizeof(discover));
    for (n = 0; n < RX_FRAMES_MAX; n++) {
        len = nic_receive(qts, buf, sizeof(buf));
        g_assert_cmpuint(len, >, 0);
        if (is_our_offer(buf, len)) {
            return;
        }
    }
    g_assert_not_reached();
}

/* Monitor views */

/*
 * "info network" shows a NIC and, on the next line, its peer:
 *   lan9118.0: index=0,type=nic,model=lan9118,macaddr=...
 *    \ ID: index=0,type=user,...
 * The peer's line without " \ ", or NULL if the NIC is absent or alone.
 */
static char *nic_peer_line(QTestState *qts, const char *nic)
{
    g_autofree char *out = qtest_hmp(qts, "info network");
    g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
    g_autofree char *prefix = g_strdup_printf("%s: ", nic);
    int i;

    for (i = 0; lines[i]; i++) {
        g_strchomp(lines[i]);
        if (g_str_has_prefix(lines[i], prefix) && lines[i + 1]) {
            g_strchomp(lines[i + 1]);
            if (g_str_has_prefix(lines[i + 1], " \\ ")) {
                return g_strdup(lines[i + 1] + 3);
            }
        }
    }
    return NULL;
}

/* The id in a peer line "ID: index=..." */
static char *peer_id(const char *peer)
{
    const char *colon = strchr(peer, ':');

    g_assert_nonnull(colon);
    return g_strndup(peer, colon - peer);
}

/* The LAN9118's "netdev" property, over QMP */
static char *nic_netdev_qom(QTestState *qts)
{
    g_autofree char *path = xnet_find_board_device(qts, "lan9118");
    QDict *resp = qtest_qmp(qts, "{'execute': 'qom-get', 'arguments':"
                            " {'path': %s, 'property': 'netdev'}}", path);
    char *id;

    g_assert(qdict_haskey(resp, "return"));
    id = g_strdup(qdict_get_str(resp, "return"));
    qobject_unref(resp);
    return id;
}

/* The LAN9118 is on a backend of @type; returns that backend's id */
static char *check_nic_backend(QTestState *qts, const char *type)
{
    g_autofree char *peer = nic_peer_line(qts, "lan9118.0");
    g_autofree char *want = g_strdup_printf("type=%s,", type);
    g_autofree char *qom = NULL;
    char *id;

    g_assert_nonnull(peer);
    g_assert_nonnull(strstr(peer, want));
    id = peer_id(peer);
    qom = nic_netdev_qom(qts);
    g_assert_cmpstr(qom, ==, id);
    return id;
}

/* QEMU must refuse a command line (run from a GLib test subprocess) */

static void unlink_qtest_sockets(void)
{
    const char *suffix[] = { "sock", "qmp" };
    int i;

    for (i = 0; i < ARRAY_SIZE(suffix); i++) {
        g_autofree char *path = g_strdup_printf("%s/qtest-%d.%s",
                                                g_get_tmp_dir(), getpid(),
                                                suffix[i]);
        unlink(path);
    }
}

/* In the subprocess: QEMU with @args exits with status 1 while starting */
static void qemu_must_fail(const char *args)
{
    QTestState *qts = qtest_init_with_env_and_capabilities(NULL, args,
                                                           NULL, false);

    qtest_set_expected_status(qts, 1);
    qtest_wait_qemu(qts);
    qtest_quit(qts);
    unlink_qtest_sockets();
}

/* In the parent: run this test's subprocess; QEMU said @pattern */
static void assert_refused(const char *pattern)
{
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed();
    g_test_trap_assert_stderr(pattern);
}

/*
 * QEMU run directly with @args (split at spaces), for options that print
 * and exit: its exit status, and its stdout in @out.
 */
static int qemu_run(const char *args, char **out)
{
    g_autofree char *cmd = g_strdup_printf("%s %s",
                                           g_getenv("QTEST_QEMU_BINARY"),
                                           args);
    g_auto(GStrv) argv = g_strsplit(cmd, " ", -1);
    GError *err = NULL;
    int status;

    g_assert_true(g_spawn_sync(NULL, argv, NULL,
                               G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, out,
                               NULL, &status, &err));
    g_assert_no_error(err);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Tests */

/* "vexpress" names vexpress-a9, in -M help and in query-machines */
static void test_machine_alias(void)
{
    g_autofree char *out = NULL;
    QTestState *qts;
    QDict *resp;
    QListEntry *e;
    bool found = false;

    g_assert_cmpint(qemu_run("-M help", &out), ==, 0);
    g_assert_true(g_regex_match_simple(
        "^vexpress +ARM Versatile Express for Cortex-A9 "
        "\\(alias of vexpress-a9\\)$", out, G_REGEX_MULTILINE, 0));

    qts = qtest_init("-M vexpress");
    resp = qtest_qmp(qts, "{'execute': 'query-machines'}");
    QLIST_FOREACH_ENTRY(qdict_get_qlist(resp, "return"), e) {
        QDict *m = qobject_to(QDict, qlist_entry_obj(e));

        if (!strcmp(qdict_get_str(m, "name"), "vexpress-a9")) {
            g_assert_cmpstr(qdict_get_try_str(m, "alias"), ==, "vexpress");
            found = true;
        }
    }
    g_assert_true(found);
    qobject_unref(resp);
    qtest_quit(qts);
}

/* The card's command wires the LAN9118 to a user backend */
static void test_card_wiring(void)
{
    QTestState *qts = qtest_init(CARD_ARGS);
    g_autofree char *peer = nic_peer_line(qts, "lan9118.0");
    g_autofree char *id = check_nic_backend(qts, "user");

    /* slirp's defaults: 10.0.2.0/24 */
    g_assert_nonnull(strstr(peer, "net=10.0.2.0,"));
    /* a generated id, which no user could have typed */
    g_assert_cmpint(id[0], ==, '#');
    qtest_quit(qts);
}

/* ... and slirp answers a DHCP DISCOVER sent through its registers */
static void test_card_dhcp(void)
{
    QTestState *qts = qtest_init(CARD_ARGS);

    check_dhcp_offer(qts);
    qtest_quit(qts);
}

/* With id=, the backend stays a backend: no NIC, upstream's warning */
static void test_with_id_warns(void)
{
    if (g_test_subprocess()) {
        QTestState *qts = qtest_init("-M vexpress -netdev user,id=n0");
        g_autofree char *out = qtest_hmp(qts, "info network");

        g_assert_null(strstr(out, "lan9118"));
        g_assert_true(g_str_has_prefix(out, "n0: index=0,type=user,"));
        qtest_quit(qts);
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed();
    g_test_trap_assert_stderr("*warning: netdev n0 has no peer*");
}

/* vexpress has one NIC: the second id-less -netdev is an error */
static void test_two_netdevs(void)
{
    if (g_test_subprocess()) {
        qemu_must_fail("-M vexpress -netdev user -netdev user,net=10.0.3.0/24");
        return;
    }
    assert_refused("*-netdev user,net=10.0.3.0/24: machine 'vexpress-a9' "
                   "has no NIC left for this -netdev without id=*");
}

/* -nic first: it takes the LAN9118, the id-less -netdev after it fails */
static void test_nic_then_netdev(void)
{
    if (g_test_subprocess()) {
        qemu_must_fail("-M vexpress -nic user,net=10.0.3.0/24 -netdev user");
        return;
    }
    assert_refused("*-netdev user: machine 'vexpress-a9' has no NIC left*");
}

/*
 * With @args, the LAN9118 is on the id-less -netdev's backend (10.0.2.0),
 * and the other NIC option finds no NIC left: upstream's warning.
 */
static void check_netdev_takes_lan9118(const char *args)
{
    if (g_test_subprocess()) {
        QTestState *qts = qtest_init(args);
        g_autofree char *peer = nic_peer_line(qts, "lan9118.0");

        g_assert_nonnull(peer);
        g_assert_nonnull(strstr(peer, "type=user,net=10.0.2.0,"));
        qtest_quit(qts);
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed();
    g_test_trap_assert_stderr("*warning: requested NIC (*) was not created*");
}

/* -netdev first: it takes the LAN9118, the -nic after it only warns */
static void test_netdev_then_nic(void)
{
    check_netdev_takes_lan9118("-M vexpress -netdev user "
                               "-nic user,net=10.0.3.0/24");
}

/* -net nic comes after the id-less -netdev, wherever it is written */
static void test_net_nic_after(void)
{
    check_netdev_takes_lan9118("-M vexpress -net nic "
                               "-net user,net=10.0.3.0/24 -netdev user");
}

/* -netdev swport without id: the LAN9118 joins that switch port */
static void test_swport_without_id(void)
{
    QTestState *qts = qtest_init(SWITCH_ARGS);
    g_autofree char *id = check_nic_backend(qts, "swport");

    check_dhcp_offer(qts);
    qtest_quit(qts);
}

/* -nic's own options are refused on a -netdev, with the way out */
static void test_nic_options_refused(void)
{
    if (g_test_subprocess()) {
        qemu_must_fail("-M vexpress -netdev user,model=lan9118");
        return;
    }
    assert_refused("*'model' is an option of -nic, not of -netdev: "
                   "use -nic user,model=lan9118*");
}

/* "-netdev help" states the rule after the list of backends */
static void test_netdev_help(void)
{
    g_autofree char *out = NULL;

    g_assert_cmpint(qemu_run("-M none -netdev help", &out), ==, 0);
    g_assert_nonnull(strstr(out, "Available netdev backend types:"));
    g_assert_nonnull(strstr(out, "A -netdev without id= is the backend of "
                            "the board's default NIC"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    qtest_add_func("/xnet-card-command/machine-alias", test_machine_alias);
    qtest_add_func("/xnet-card-command/card/wiring", test_card_wiring);
    qtest_add_func("/xnet-card-command/card/dhcp", test_card_dhcp);
    qtest_add_func("/xnet-card-command/with-id-warns", test_with_id_warns);
    qtest_add_func("/xnet-card-command/two-netdevs", test_two_netdevs);
    qtest_add_func("/xnet-card-command/nic-then-netdev",
                   test_nic_then_netdev);
    qtest_add_func("/xnet-card-command/netdev-then-nic",
                   test_netdev_then_nic);
    qtest_add_func("/xnet-card-command/net-nic-after", test_net_nic_after);
    qtest_add_func("/xnet-card-command/swport", test_swport_without_id);
    qtest_add_func("/xnet-card-command/nic-options-refused",
                   test_nic_options_refused);
    qtest_add_func("/xnet-card-command/netdev-help", test_netdev_help);

    return g_test_run();
}
