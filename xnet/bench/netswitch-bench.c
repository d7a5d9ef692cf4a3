/*
 * netswitch core forwarding benchmark
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Measures how many frames per second the "bridge" policy forwards, for
 * known unicast and for broadcast floods, next to a flood done the way
 * net/hub.c does it (one copy of the frame per other port).  Transmit
 * callbacks only count, so the figures are the switch's own cost.
 *
 * Not a test: it checks only that every frame arrived where it should.
 * Build it against a configured tree, e.g. from /work/main:
 *
 *   gcc -O2 -iquote include -iquote build/obj -iquote build/src/include \
 *       -iquote build/src $(pkg-config --cflags glib-2.0) \
 *       xnet/bench/netswitch-bench.c net/netswitch/{packet,mac-table}.c \
 *       net/netswitch/{switch,vlan-set,policy,policy-hub}.c \
 *       net/netswitch/{policy-bridge,policy-vlan}.c \
 *       $(pkg-config --libs glib-2.0) -o netswitch-bench
 *
 * Usage: netswitch-bench [SECONDS]  (time per measurement, default 0.5)
 */

#include "qemu/osdep.h"
#include "net/netswitch-core.h"

#define MAX_PORTS   16
#define BATCH       4096

typedef struct BenchPort {
    uint64_t frames;
    uint64_t bytes;
} BenchPort;

typedef struct Frame {
    uint8_t data[1500];
    size_t len;
} Frame;

typedef struct Workload {
    unsigned int nports;
    size_t len;
    bool flood;
    Frame frames[MAX_PORTS];    /* frames[i] is sent by port i */
} Workload;

static ssize_t bench_transmit(NswPort *port, NswPacket *pkt, void *opaque)
{
    BenchPort *bp = opaque;

    bp->frames++;
    bp->bytes += nsw_packet_len(pkt);
    return nsw_packet_len(pkt);
}

static const NswPortOps bench_ops = {
    .transmit = bench_transmit,
};

static void host_mac(uint8_t *mac, unsigned int host)
{
    static const uint8_t base[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x00 };

    memcpy(mac, base, 6);
    mac[5] = host + 1;
}

/* Port i sends to port i + 1's host, or to everyone when flooding. */
static void make_workload(Workload *w, unsigned int nports, size_t len,
                          bool flood)
{
    unsigned int i;

    w->nports = nports;
    w->len = len;
    w->flood = flood;
    for (i = 0; i < nports; i++) {
        Frame *f = &w->frames[i];

        memset(f->data, 0x5a, len);
        if (flood) {
            memset(f->data, 0xff, 6);
        } else {
            host_mac(f->data, (i + 1) % nports);
        }
        host_mac(f->data + 6, i);
        f->data[12] = 0x08;
        f->data[13] = 0x00;
        f->len = len;
    }
}

static int64_t now_ns(void)
{
    return g_get_monotonic_time() * 1000;
}

/* Deliveries one input makes */
static unsigned int fanout(const Workload *w)
{
    return w->flood ? w->nports - 1 : 1;
}

/* Run @w through a bridge for @seconds; returns input frames per second. */
static double run_netswitch(const Workload *w, double seconds)
{
    NswSwitch *sw = nsw_switch_new(nsw_policy_lookup("bridge"));
    BenchPort counters[MAX_PORTS] = { 0 };
    NswPort *ports[MAX_PORTS];
    uint64_t sent = 0, delivered = 0;
    int64_t start, now, end;
    unsigned int i;

    for (i = 0; i < w->nports; i++) {
        g_autofree char *name = g_strdup_printf("p%u", i);

        ports[i] = nsw_port_add(sw, name, &bench_ops, &counters[i]);
    }
    /* Let the bridge learn every host before timing. */
    for (i = 0; i < w->nports; i++) {
        Frame hello = w->frames[i];

        memset(hello.data, 0xff, 6);
        nsw_switch_input(sw, ports[i], hello.data, hello.len, now_ns());
    }
    memset(counters, 0, sizeof(counters));

    start = now = now_ns();
    end = start + seconds * 1e9;
    while (now < end) {
        for (i = 0; i < BATCH; i++) {
            unsigned int in = i % w->nports;

            nsw_switch_input(sw, ports[in], w->frames[in].data, w->len, now);
        }
        sent += BATCH;
        now = now_ns();
    }
    for (i = 0; i < w->nports; i++) {
        delivered += counters[i].frames;
    }
    if (delivered != sent * fanout(w)) {
        fprintf(stderr, "netswitch: %" PRIu64 " deliveries, expected %"
                PRIu64 "\n", delivered, sent * fanout(w));
        exit(1);
    }
    nsw_switch_free(sw);
    return sent / ((now - start) / 1e9);
}

/*
 * The baseline: what net/hub.c does for every frame, with QEMU's packet
 * queues reduced to a per-port buffer that each copy goes into.
 */
typedef struct HubPort {
    uint8_t buf[1500];
    BenchPort counter;
    ssize_t (*receive)(struct HubPort *port, const uint8_t *buf, size_t len);
} HubPort;

static ssize_t hub_port_receive(HubPort *port, const uint8_t *buf, size_t len)
{
    port->counter.frames++;
    port->counter.bytes += len;
    return len;
}

static void hub_flood(HubPort *ports, unsigned int nports, unsigned int in,
                      const uint8_t *buf, size_t len)
{
    unsigned int i;

    for (i = 0; i < nports; i++) {
        if (i != in) {
            memcpy(ports[i].buf, buf, len);
            ports[i].receive(&ports[i], ports[i].buf, len);
        }
    }
}

static double run_hub_copy(const Workload *w, double seconds)
{
    g_autofree HubPort *ports = g_new0(HubPort, w->nports);
    uint64_t sent = 0, delivered = 0;
    int64_t start, now, end;
    unsigned int i;

    for (i = 0; i < w->nports; i++) {
        ports[i].receive = hub_port_receive;
    }
    start = now = now_ns();
    end = start + seconds * 1e9;
    while (now < end) {
        for (i = 0; i < BATCH; i++) {
            unsigned int in = i % w->nports;

            hub_flood(ports, w->nports, in, w->frames[in].data, w->len);
        }
        sent += BATCH;
        now = now_ns();
    }
    for (i = 0; i < w->nports; i++) {
        delivered += ports[i].counter.frames;
    }
    if (delivered != sent * (w->nports - 1)) {
        fprintf(stderr, "hub: %" PRIu64 " deliveries, expected %" PRIu64 "\n",
                delivered, sent * (w->nports - 1));
        exit(1);
    }
    return sent / ((now - start) / 1e9);
}

int main(int argc, char **argv)
{
    static const size_t lens[] = { 64, 1500 };
    static const unsigned int nports[] = { 4, 16 };
    double seconds = argc > 1 ? g_ascii_strtod(argv[1], NULL) : 0.5;
    Workload w;
    unsigned int l, p, flood;

    if (seconds <= 0 || seconds > 60) {
        fprintf(stderr, "usage: %s [SECONDS per measurement, 0-60]\n",
                argv[0]);
        return 2;
    }
    printf("Input frames per second, in Mpps (deliveries = input x fan-out)\n");
    printf("%-6s %-5s %-8s %14s %14s %8s\n", "bytes", "ports", "traffic",
           "netswitch", "hub-copy", "ratio");
    for (l = 0; l < ARRAY_SIZE(lens); l++) {
        for (p = 0; p < ARRAY_SIZE(nports); p++) {
            for (flood = 0; flood < 2; flood++) {
                double nsw, hub;

                make_workload(&w, nports[p], lens[l], flood);
                nsw = run_netswitch(&w, seconds) / 1e6;
                hub = run_hub_copy(&w, seconds) / 1e6;
                printf("%-6zu %-5u %-8s %14.2f %14.2f %7.1fx\n", lens[l],
                       nports[p], flood ? "flood" : "unicast", nsw, hub,
                       nsw / hub);
            }
        }
    }
    return 0;
}
