/*
 * vxlan: a VXLAN tunnel endpoint netdev (RFC 7348)
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 *   -netdev vxlan,id=vx0,local=ADDR[:PORT],remote=ADDR[:PORT][,remote=...],
 *                 vni=N[,src-port-min=N,src-port-max=N][,ageing=S]
 *                 [,max-entries=N]
 *
 * Each frame of the peer (a NIC, or a netswitch port) leaves in a UDP
 * datagram: an 8-byte VXLAN header (flags with the I bit, 24-bit VNI,
 * RFC 7348 section 5) followed by the frame, to the UDP port of the
 * remote (4789 by default).  Datagrams received on the local port with
 * the I flag and our VNI give their frame to the peer; the others are
 * dropped and counted by reason.  As Linux's vxlan device does:
 * - broadcast, multicast and unknown unicast go to every configured
 *   remote (head-end replication);
 * - the inner source MAC of each received frame is learnt with the
 *   endpoint it came from (net/vxlan-fdb.c, ageing on the virtual clock),
 *   and unicast to a learnt address goes to that endpoint only;
 * - the UDP source port is a hash of the inner flow, within a range, so
 *   that the underlay's ECMP spreads flows but keeps each one on one path.
 *
 * A UDP socket can only send from the port it is bound to, so per-flow
 * source ports need a raw socket (CAP_NET_RAW): we build the UDP header
 * and the kernel the IP header.  Without that privilege every datagram
 * leaves from the local port, and query-vxlan says so.  The raw socket
 * is for sending only: a filter that drops everything keeps the kernel
 * from queueing every UDP datagram of the host on it.
 *
 * Everything a datagram carries is hostile: it is read into one buffer
 * of the largest UDP payload, parsed with explicit length checks, and
 * nothing received allocates memory except a bounded FDB entry.
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/qapi-commands-vxlan.h"
#include "qapi/qapi-types-net.h"
#include "qemu/cutils.h"
#include "qemu/error-report.h"
#include "qemu/main-loop.h"
#include "qemu/queue.h"
#include "qemu/sockets.h"
#include "qemu/timer.h"
#include "qobject/qdict.h"
#include "monitor/hmp.h"
#include "monitor/monitor.h"
#include "net/net.h"
#include "net/vxlan-fdb.h"
#include "vxlan.h"
#ifdef CONFIG_LINUX
#include <linux/filter.h>
#endif

#define VXLAN_DEFAULT_PORT      4789    /* IANA, RFC 7348 section 5 */
#define VXLAN_HLEN              8
#define VXLAN_FLAG_I            0x08    /* "a valid VNI", first byte */
#define VXLAN_VNI_MAX           0xffffff
#define VXLAN_ETH_HLEN          14
#define VXLAN_UDP_HLEN          8
#define VXLAN_MAX_PAYLOAD       65535   /* UDP length field */
/* datagrams read per wake-up, so that other file descriptors get a turn */
#define VXLAN_RX_BURST          64
/* Linux's default ephemeral range, which its vxlan uses too */
#define VXLAN_SPORT_MIN         32768
#define VXLAN_SPORT_MAX         60999
#define VXLAN_AGEING_DEFAULT    300
#define VXLAN_FDB_DEFAULT       1024
#define VXLAN_FDB_MAX           65536

typedef struct VxlanState {
    NetClientState nc;
    QTAILQ_ENTRY(VxlanState) next;
    int fd;                     /* UDP on local: receives (and sends) */
    int raw_fd;                 /* sends, from per-flow ports; or -1 */
    bool read_poll;
    bool write_poll;            /* a unicast frame waits for socket room */
    uint32_t vni;
    VxlanVtep local;
    VxlanVtep *remotes;
    unsigned int nremotes;
    uint16_t sport_min, sport_max;
    uint32_t ageing;            /* seconds, 0: forever */
    uint32_t max_entries;
    VxlanFdb *fdb;
    VxlanCounters counters;
    VxlanDrops drops;
    uint8_t rxbuf[VXLAN_MAX_PAYLOAD];
} VxlanState;

static QTAILQ_HEAD(, VxlanState) vxlan_list =
    QTAILQ_HEAD_INITIALIZER(vxlan_list);

static int64_t vxlan_now(void)
{
    return qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
}

/* Addresses */

static size_t vtep_addr_len(const VxlanVtep *v)
{
    return v->family == AF_INET ? 4 : 16;
}

static socklen_t vtep_to_sockaddr(const VxlanVtep *v, uint16_t port,
                                  struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof(*ss));
    if (v->family == AF_INET) {
        struct sockaddr_in *sin = (struct sockaddr_in *)ss;

        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        memcpy(&sin->sin_addr, v->addr, 4);
        return sizeof(*sin);
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        memcpy(&sin6->sin6_addr, v->addr, 16);
        return sizeof(*sin6);
    }
}

static bool vtep_from_sockaddr(VxlanVtep *v, const struct sockaddr_storage *ss)
{
    memset(v, 0, sizeof(*v));
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

        v->family = AF_INET;
        v->port = ntohs(sin->sin_port);
        memcpy(v->addr, &sin->sin_addr, 4);
        return true;
    }
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

        v->family = AF_INET6;
        v->port = ntohs(sin6->sin6_port);
        memcpy(v->addr, &sin6->sin6_addr, 16);
        return true;
    }
    return false;
}

/* "10.99.0.1:4789" or "[::1]:4789" */
static char *vtep_str(const VxlanVtep *v)
{
    char buf[INET6_ADDRSTRLEN];

    inet_ntop(v->family, v->addr, buf, sizeof(buf));
    if (v->family == AF_INET6) {
        return g_strdup_printf("[%s]:%u", buf, v->port);
    }
    return g_strdup_printf("%s:%u", buf, v->port);
}

static bool vtep_is_multicast(const VxlanVtep *v)
{
    return v->family == AF_INET ? (v->addr[0] & 0xf0) == 0xe0
                                : v->addr[0] == 0xff;
}

/*
 * "ADDR[:PORT]": a numeric IPv4 address, or an IPv6 address bare or in
 * brackets (brackets are needed to give it a port).
 */
static bool vtep_parse(const char *str, VxlanVtep *v, Error **errp)
{
    g_autofree char *host = NULL;
    const char *port = NULL;
    const char *colon = strchr(str, ':');
    unsigned int portnum = VXLAN_DEFAULT_PORT;

    memset(v, 0, sizeof(*v));
    if (str[0] == '[') {
        const char *end = strchr(str, ']');

        if (!end || (end[1] && end[1] != ':')) {
            error_setg(errp, "vxlan: bad address '%s'", str);
            return false;
        }
        host = g_strndup(str + 1, end - str - 1);
        port = end[1] ? end + 2 : NULL;
    } else if (colon && strchr(colon + 1, ':')) {
        host = g_strdup(str);               /* a bare IPv6 address */
    } else if (colon) {
        host = g_strndup(str, colon - str);
        port = colon + 1;
    } else {
        host = g_strdup(str);
    }
    if (port && (qemu_strtoui(port, NULL, 10, &portnum) < 0 ||
                 portnum == 0 || portnum > 65535)) {
        error_setg(errp, "vxlan: bad port in '%s'", str);
        return false;
    }
    if (inet_pton(AF_INET, host, v->addr) == 1) {
        v->family = AF_INET;
    } else if (inet_pton(AF_INET6, host, v->addr) == 1) {
        v->family = AF_INET6;
    } else {
        error_setg(errp, "vxlan: '%s' is not a numeric IPv4 or IPv6 address",
                   host);
        return false;
    }
    v->port = portnum;
    return true;
}

/* Transmit: frames of the peer into datagrams */

/* FNV-1a over @len bytes, folded into @h */
static uint32_t hash_bytes(uint32_t h, const uint8_t *p, size_t len)
{
    while (len--) {
        h = (h ^ *p++) * 16777619u;
    }
    return h;
}

/*
 * A hash of the inner frame's flow: the Ethernet addresses and type and,
 * for IPv4 and IPv6, the addresses, the protocol and (TCP, UDP, SCTP, not
 * a later fragment) the ports.  So every frame of one connection takes
 * the same source port, and different connections spread over the range.
 */
static uint32_t inner_flow_hash(const uint8_t *f, size_t len)
{
    uint32_t h = hash_bytes(2166136261u, f, 14);
    size_t l3 = 14;
    uint16_t type = lduw_be_p(f + 12);
    size_t l4 = 0;
    uint8_t proto = 0;

    if (type == 0x8100 && len >= 18) {
        type = lduw_be_p(f + 16);
        l3 = 18;
    }
    if (type == 0x0800 && len >= l3 + 20) {
        const uint8_t *ip = f + l3;

        proto = ip[9];
        h = hash_bytes(h, ip + 12, 8);
        if (!(lduw_be_p(ip + 6) & 0x1fff)) {     /* fragment offset 0 */
            l4 = l3 + (ip[0] & 0xf) * 4;
        }
    } else if (type == 0x86dd && len >= l3 + 40) {
        const uint8_t *ip = f + l3;

        proto = ip[6];
        h = hash_bytes(h, ip + 8, 32);
        l4 = l3 + 40;
    }
    h = hash_bytes(h, &proto, 1);
    if (l4 && (proto == 6 || proto == 17 || proto == 132) &&
        len >= l4 + 4) {
        h = hash_bytes(h, f + l4, 4);
    }
    /* final avalanche, so that nearby flows land far apart */
    h ^= h >> 16;
    h *= 0x85ebca6b;
    h ^= h >> 13;
    return h;
}

static uint16_t vxlan_source_port(VxlanState *s, const uint8_t *f,
                                  size_t len)
{
    uint32_t span = s->sport_max - s->sport_min + 1;

    return s->sport_min + (((uint64_t)inner_flow_hash(f, len) * span) >> 32);
}

static void vxlan_fill_header(VxlanState *s, uint8_t *hdr)
{
    memset(hdr, 0, VXLAN_HLEN);
    hdr[0] = VXLAN_FLAG_I;
    hdr[4] = s->vni >> 16;
    hdr[5] = s->vni >> 8;
    hdr[6] = s->vni;
}

/*
 * One datagram with @frame to @dst: 0 when sent, else the negated errno
 * (-EAGAIN: the socket's send buffer is full, nothing counted yet).
 */
static int vxlan_send_to(VxlanState *s, const VxlanVtep *dst,
                         uint16_t sport, const uint8_t *frame, size_t len)
{
    uint8_t udp[VXLAN_UDP_HLEN];
    uint8_t vxh[VXLAN_HLEN];
    struct iovec iov[3];
    struct sockaddr_storage ss;
    struct msghdr msg = { .msg_name = &ss, .msg_iov = iov };
    int fd = s->fd;
    size_t payload = VXLAN_HLEN + len;
    ssize_t ret;

    vxlan_fill_header(s, vxh);
    if (s->raw_fd >= 0) {
        /* the kernel fills the IP header; IPv6 computes the checksum */
        stw_be_p(udp, sport);
        stw_be_p(udp + 2, dst->port);
        stw_be_p(udp + 4, VXLAN_UDP_HLEN + payload);
        stw_be_p(udp + 6, 0);   /* IPv4: no checksum, RFC 7348 section 5 */
        iov[msg.msg_iovlen++] = (struct iovec) { udp, sizeof(udp) };
        fd = s->raw_fd;
    }
    iov[msg.msg_iovlen++] = (struct iovec) { vxh, sizeof(vxh) };
    iov[msg.msg_iovlen++] = (struct iovec) { (void *)frame, len };
    /* a raw socket takes the port from our UDP header, not from here */
    msg.msg_namelen = vtep_to_sockaddr(dst, s->raw_fd >= 0 ? 0 : dst->port,
                                       &ss);
    do {
        ret = sendmsg(fd, &msg, 0);
    } while (ret < 0 && errno == EINTR);
    if (ret < 0) {
        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    }
    s->counters.encap_frames++;
    s->counters.encap_bytes += len;
    return 0;
}

static void vxlan_read(void *opaque);
static void vxlan_writable(void *opaque);

/* Watch the sockets for what read_poll and write_poll ask */
static void vxlan_update_handlers(VxlanState *s)
{
    qemu_set_fd_handler(s->fd, s->read_poll ? vxlan_read : NULL,
                        s->write_poll && s->raw_fd < 0 ? vxlan_writable : NULL,
                        s);
    if (s->raw_fd >= 0) {
        qemu_set_fd_handler(s->raw_fd, NULL,
                            s->write_poll ? vxlan_writable : NULL, s);
    }
}

static void vxlan_write_poll(VxlanState *s, bool enable)
{
    s->write_poll = enable;
    vxlan_update_handlers(s);
}

/* Room again: what the net layer holds for us goes out now */
static void vxlan_writable(void *opaque)
{
    VxlanState *s = opaque;

    vxlan_write_poll(s, false);
    qemu_flush_queued_packets(&s->nc);
}

static ssize_t vxlan_receive(NetClientState *nc, const uint8_t *buf,
                             size_t size)
{
    VxlanState *s = DO_UPCAST(VxlanState, nc, nc);
    const VxlanVtep *dst;
    uint16_t sport;
    unsigned int i;
    int err;

    if (size < VXLAN_ETH_HLEN) {
        s->drops.runt++;
        return size;
    }
    if (VXLAN_UDP_HLEN + VXLAN_HLEN + size > VXLAN_MAX_PAYLOAD) {
        s->drops.tx_error++;        /* no UDP length can say it */
        return size;
    }
    sport = vxlan_source_port(s, buf, size);
    dst = (buf[0] & 1) ? NULL : vxlan_fdb_lookup(s->fdb, buf, vxlan_now());
    if (dst) {
        err = vxlan_send_to(s, dst, sport, buf, size);
        if (err == -EAGAIN) {
            /*
             * A full send buffer: as dgram does, have the net layer keep
             * the frame (and the peer wait) until the socket has room.
             */
            vxlan_write_poll(s, true);
            return 0;
        }
        s->counters.unicast++;
        s->drops.tx_error += err != 0;
        return size;
    }
    /*
     * Head-end replication cannot wait for one remote's room without
     * sending the others' copies twice: a copy that finds no room is a
     * counted drop, like any other send error.
     */
    s->counters.flooded++;
    for (i = 0; i < s->nremotes; i++) {
        s->drops.tx_error += vxlan_send_to(s, &s->remotes[i], sport, buf,
                                           size) != 0;
    }
    return size;
}

/* Receive: datagrams into frames for the peer */

static void vxlan_read_poll(VxlanState *s, bool enable)
{
    s->read_poll = enable;
    vxlan_update_handlers(s);
}

static void vxlan_sent(NetClientState *nc, ssize_t len)
{
    VxlanState *s = DO_UPCAST(VxlanState, nc, nc);

    /* a frame queued before cleanup may complete after it */
    if (!s->read_poll && s->fd >= 0) {
        vxlan_read_poll(s, true);
    }
}

/*
 * The endpoint to send to for an address learnt from a datagram of
 * @from: a configured remote of that address and port, else one of that
 * address (a Linux VTEP sends from a hashed port, but listens on its
 * configured one), else that address at our own port (as Linux, whose
 * vxlan device has one port for both).
 */
static void vxlan_learnt_endpoint(VxlanState *s, const VxlanVtep *from,
                                  VxlanVtep *out)
{
    size_t alen = vtep_addr_len(from);
    unsigned int i;

    for (i = 0; i < s->nremotes; i++) {
        if (!memcmp(&s->remotes[i], from, sizeof(*from))) {
            *out = s->remotes[i];
            return;
        }
    }
    for (i = 0; i < s->nremotes; i++) {
        if (s->remotes[i].family == from->family &&
            !memcmp(s->remotes[i].addr, from->addr, alen)) {
            *out = s->remotes[i];
            return;
        }
    }
    *out = *from;
    out->port = s->local.port;
}

static void vxlan_learn(VxlanState *s, const uint8_t *src_mac,
                        const struct sockaddr_storage *from)
{
    static const uint8_t zero_mac[6];
    VxlanVtep v, endpoint;

    /* a multicast or all-zeros source is no station's address */
    if ((src_mac[0] & 1) || !memcmp(src_mac, zero_mac, 6) ||
        !vtep_from_sockaddr(&v, from)) {
        return;
    }
    vxlan_learnt_endpoint(s, &v, &endpoint);
    if (vxlan_fdb_learn(s->fdb, src_mac, &endpoint, vxlan_now()) ==
        VXLAN_FDB_FULL) {
        s->drops.fdb_full++;
    }
}

/*
 * One datagram of @len bytes (its real length, which may exceed what was
 * read) from @from.  RFC 7348 section 5: the I flag must be set; the
 * reserved fields are ignored on receipt.
 */
static void vxlan_decap(VxlanState *s, const uint8_t *buf, size_t len,
                        const struct sockaddr_storage *from)
{
    const uint8_t *frame = buf + VXLAN_HLEN;
    size_t frame_len;
    uint32_t vni;

    if (len > sizeof(s->rxbuf) || len < VXLAN_HLEN + VXLAN_ETH_HLEN) {
        s->drops.truncated++;
        return;
    }
    if (!(buf[0] & VXLAN_FLAG_I)) {
        s->drops.bad_flags++;
        return;
    }
    vni = (buf[4] << 16) | (buf[5] << 8) | buf[6];
    if (vni != s->vni) {
        s->drops.bad_vni++;
        return;
    }
    frame_len = len - VXLAN_HLEN;
    vxlan_learn(s, frame + 6, from);
    s->counters.decap_frames++;
    s->counters.decap_bytes += frame_len;
    if (qemu_send_packet_async(&s->nc, frame, frame_len, vxlan_sent) == 0) {
        /* queued for the peer: read nothing more until it is sent */
        vxlan_read_poll(s, false);
    }
}

static void vxlan_read(void *opaque)
{
    VxlanState *s = opaque;
    int i;

    for (i = 0; i < VXLAN_RX_BURST && s->read_poll; i++) {
        struct sockaddr_storage from;
        socklen_t fromlen = sizeof(from);
        ssize_t n;

        memset(&from, 0, sizeof(from));
        n = recvfrom(s->fd, s->rxbuf, sizeof(s->rxbuf), MSG_TRUNC,
                     (struct sockaddr *)&from, &fromlen);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return;     /* EAGAIN: all read; others: nothing to do */
        }
        vxlan_decap(s, s->rxbuf, n, &from);
    }
}

/* Setup and teardown */

static void vxlan_cleanup(NetClientState *nc)
{
    VxlanState *s = DO_UPCAST(VxlanState, nc, nc);

    if (s->fd >= 0) {
        qemu_set_fd_handler(s->fd, NULL, NULL, NULL);
        close(s->fd);
        s->fd = -1;
    }
    if (s->raw_fd >= 0) {
        qemu_set_fd_handler(s->raw_fd, NULL, NULL, NULL);
        close(s->raw_fd);
        s->raw_fd = -1;
    }
    vxlan_fdb_free(s->fdb);
    s->fdb = NULL;
    g_free(s->remotes);
    s->remotes = NULL;
    QTAILQ_REMOVE(&vxlan_list, s, next);
}

static NetClientInfo vxlan_info = {
    .type = NET_CLIENT_DRIVER_VXLAN,
    .size = sizeof(VxlanState),
    .receive = vxlan_receive,
    .cleanup = vxlan_cleanup,
};

static int vxlan_open_udp(const VxlanVtep *local, Error **errp)
{
    struct sockaddr_storage ss;
    socklen_t len = vtep_to_sockaddr(local, local->port, &ss);
    int fd = qemu_socket(local->family, SOCK_DGRAM, 0);
    int on = 1;

    if (fd < 0) {
        error_setg_errno(errp, errno, "vxlan: cannot create a UDP socket");
        return -1;
    }
    if (local->family == AF_INET6) {
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
    }
    if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
        g_autofree char *str = vtep_str(local);

        error_setg_errno(errp, errno, "vxlan: cannot bind to %s", str);
        close(fd);
        return -1;
    }
    qemu_socket_set_nonblock(fd);
    return fd;
}

/*
 * The raw socket for per-flow source ports, or -1 when the process may
 * not have one (then we send from the UDP socket).  Linux only: it must
 * drop what it would receive, and IPv6 must compute UDP checksums.
 */
static int vxlan_open_raw(const VxlanVtep *local)
{
#ifdef CONFIG_LINUX
    struct sock_filter drop_all = BPF_STMT(BPF_RET | BPF_K, 0);
    struct sock_fprog prog = { .len = 1, .filter = &drop_all };
    struct sockaddr_storage ss;
    socklen_t len = vtep_to_sockaddr(local, 0, &ss);
    int csum_offset = 6;        /* the UDP header's checksum field */
    int fd = qemu_socket(local->family, SOCK_RAW, IPPROTO_UDP);

    if (fd < 0) {
        return -1;
    }
    if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
                   sizeof(prog)) < 0 ||
        (local->family == AF_INET6 &&
         setsockopt(fd, IPPROTO_IPV6, IPV6_CHECKSUM, &csum_offset,
                    sizeof(csum_offset)) < 0) ||
        bind(fd, (struct sockaddr *)&ss, len) < 0) {
        close(fd);
        return -1;
    }
    qemu_socket_set_nonblock(fd);
    return fd;
#else
    return -1;
#endif
}

static bool vxlan_parse_remotes(VxlanState *s, const strList *list,
                                Error **errp)
{
    const strList *l;
    unsigned int n = 0;

    for (l = list; l; l = l->next) {
        n++;
    }
    if (!n) {
        error_setg(errp, "vxlan: at least one remote= is needed");
        return false;
    }
    s->remotes = g_new0(VxlanVtep, n);
    for (l = list; l; l = l->next) {
        VxlanVtep *v = &s->remotes[s->nremotes];

        if (!vtep_parse(l->value, v, errp)) {
            return false;
        }
        if (v->family != s->local.family) {
            error_setg(errp, "vxlan: remote %s is not of the address family "
                       "of local", l->value);
            return false;
        }
        if (vtep_is_multicast(v)) {
            error_setg(errp, "vxlan: remote %s is a multicast group; list "
                       "the remote endpoints instead", l->value);
            return false;
        }
        s->nremotes++;
    }
    return true;
}

static bool vxlan_check_options(const NetdevVxlanOptions *o, Error **errp)
{
    uint16_t min = o->has_src_port_min ? o->src_port_min : VXLAN_SPORT_MIN;
    uint16_t max = o->has_src_port_max ? o->src_port_max : VXLAN_SPORT_MAX;

    if (o->vni > VXLAN_VNI_MAX) {
        error_setg(errp, "vxlan: vni must be 0 to %u", VXLAN_VNI_MAX);
        return false;
    }
    if (!min || min > max) {
        error_setg(errp, "vxlan: need 0 < src-port-min <= src-port-max");
        return false;
    }
    if (o->has_max_entries &&
        (o->max_entries < 1 || o->max_entries > VXLAN_FDB_MAX)) {
        error_setg(errp, "vxlan: max-entries must be 1 to %u",
                   VXLAN_FDB_MAX);
        return false;
    }
    return true;
}

int net_init_vxlan(const Netdev *netdev, const char *name,
                   NetClientState *peer, Error **errp)
{
    const NetdevVxlanOptions *o = &netdev->u.vxlan;
    NetClientState *nc;
    VxlanState *s;
    g_autofree char *local = NULL;

    assert(netdev->type == NET_CLIENT_DRIVER_VXLAN);
    if (!vxlan_check_options(o, errp)) {
        return -1;
    }
    nc = qemu_new_net_client(&vxlan_info, peer, "vxlan", name);
    s = DO_UPCAST(VxlanState, nc, nc);
    s->fd = -1;
    s->raw_fd = -1;
    QTAILQ_INSERT_TAIL(&vxlan_list, s, next);
    s->vni = o->vni;
    s->sport_min = o->has_src_port_min ? o->src_port_min : VXLAN_SPORT_MIN;
    s->sport_max = o->has_src_port_max ? o->src_port_max : VXLAN_SPORT_MAX;
    s->ageing = o->has_ageing ? o->ageing : VXLAN_AGEING_DEFAULT;
    s->max_entries = o->has_max_entries ? o->max_entries : VXLAN_FDB_DEFAULT;
    s->fdb = vxlan_fdb_new(s->max_entries,
                           (int64_t)s->ageing * NANOSECONDS_PER_SECOND);
    if (!vtep_parse(o->local, &s->local, errp) ||
        !vxlan_parse_remotes(s, o->remote, errp)) {
        goto fail;
    }
    s->fd = vxlan_open_udp(&s->local, errp);
    if (s->fd < 0) {
        goto fail;
    }
    s->raw_fd = vxlan_open_raw(&s->local);
    local = vtep_str(&s->local);
    qemu_set_info_str(nc, "vxlan vni=%u local=%s remotes=%u", s->vni, local,
                      s->nremotes);
    vxlan_read_poll(s, true);
    return 0;

fail:
    qemu_del_net_client(nc);
    return -1;
}

/* Monitor: query-vxlan, info vxlan */

typedef struct FdbDump {
    VxlanFdbEntryList **tail;
} FdbDump;

static void fdb_dump_entry(const uint8_t *mac, const VxlanVtep *vtep,
                           int64_t age_ns, void *opaque)
{
    FdbDump *d = opaque;
    VxlanFdbEntry *e = g_new0(VxlanFdbEntry, 1);

    e->mac = g_strdup_printf("%02x:%02x:%02x:%02x:%02x:%02x",
                             mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
    e->remote = vtep_str(vtep);
    e->age = age_ns / NANOSECONDS_PER_SECOND;
    QAPI_LIST_APPEND(d->tail, e);
}

static VxlanInfo *vxlan_get_info(VxlanState *s)
{
    VxlanInfo *info = g_new0(VxlanInfo, 1);
    strList **remotes = &info->remotes;
    FdbDump dump = { .tail = &info->fdb };
    unsigned int i;

    info->id = g_strdup(s->nc.name);
    info->vni = s->vni;
    info->local = vtep_str(&s->local);
    for (i = 0; i < s->nremotes; i++) {
        QAPI_LIST_APPEND(remotes, vtep_str(&s->remotes[i]));
    }
    info->src_port_min = s->sport_min;
    info->src_port_max = s->sport_max;
    info->flow_source_port = s->raw_fd >= 0;
    info->ageing = s->ageing;
    info->max_entries = s->max_entries;
    info->counters = g_memdup2(&s->counters, sizeof(s->counters));
    info->drops = g_memdup2(&s->drops, sizeof(s->drops));
    vxlan_fdb_foreach(s->fdb, vxlan_now(), fdb_dump_entry, &dump);
    return info;
}

VxlanInfoList *qmp_query_vxlan(const char *id, Error **errp)
{
    VxlanInfoList *head = NULL, **tail = &head;
    VxlanState *s;

    QTAILQ_FOREACH(s, &vxlan_list, next) {
        if (!id || !strcmp(id, s->nc.name)) {
            QAPI_LIST_APPEND(tail, vxlan_get_info(s));
        }
    }
    if (id && !head) {
        error_setg(errp, "'%s' is not a vxlan netdev", id);
    }
    return head;
}

static void hmp_print_vxlan(Monitor *mon, const VxlanInfo *v)
{
    const VxlanCounters *c = v->counters;
    const VxlanDrops *d = v->drops;
    strList *r;
    VxlanFdbEntryList *e;

    monitor_printf(mon, "vxlan %s: vni %u, local %s, source ports %u-%u%s, "
                   "ageing %u s, max-entries %u\n", v->id, v->vni, v->local,
                   v->src_port_min, v->src_port_max,
                   v->flow_source_port ? " (per flow)" : " (unused: no raw "
                   "socket, the local port)", v->ageing, v->max_entries);
    monitor_printf(mon, "  remotes:");
    for (r = v->remotes; r; r = r->next) {
        monitor_printf(mon, " %s", r->value);
    }
    monitor_printf(mon, "\n  encap %" PRIu64 " frames %" PRIu64 " bytes, "
                   "decap %" PRIu64 " frames %" PRIu64 " bytes, flooded %"
                   PRIu64 ", unicast %" PRIu64 "\n", c->encap_frames,
                   c->encap_bytes, c->decap_frames, c->decap_bytes,
                   c->flooded, c->unicast);
    monitor_printf(mon, "  drops: bad-vni %" PRIu64 " bad-flags %" PRIu64
                   " truncated %" PRIu64 " runt %" PRIu64 " tx-error %"
                   PRIu64 " fdb-full %" PRIu64 "\n", d->bad_vni, d->bad_flags,
                   d->truncated, d->runt, d->tx_error, d->fdb_full);
    monitor_printf(mon, "  %-17s %-46s %s\n", "mac", "remote", "age");
    for (e = v->fdb; e; e = e->next) {
        monitor_printf(mon, "  %-17s %-46s %" PRIu64 "\n", e->value->mac,
                       e->value->remote, e->value->age);
    }
}

void hmp_info_vxlan(Monitor *mon, const QDict *qdict)
{
    Error *err = NULL;
    VxlanInfoList *list = qmp_query_vxlan(qdict_get_try_str(qdict, "id"),
                                          &err);
    VxlanInfoList *l;

    if (hmp_handle_error(mon, err)) {
        return;
    }
    if (!list) {
        monitor_printf(mon, "no vxlan\n");
    }
    for (l = list; l; l = l->next) {
        hmp_print_vxlan(mon, l->value);
    }
    qapi_free_VxlanInfoList(list);
}
