/*
 * qemu-xnet: reproducers of the crashes our fuzz targets found
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Each case is one input that crashed QEMU under the generic fuzzer
 * (xnet/fuzz/targets.conf), turned into a qtest command trace with
 * "xnet/fuzz/run-fuzz.py trace" and shortened by hand: the machine of the
 * fuzz target, the commands as the fuzzer sent them, and a check that the
 * trace really reached the code that crashed.  Each failed (QEMU aborted)
 * before its fix.  docs/devel/fuzzing.rst says how to add one.
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"

/* vexpress-a9's last virtio-mmio transport, where -device puts ours */
#define VEXPRESS_VIRTIO_LAST    0x10013600ULL
#define VIRTIO_MMIO_MAGIC       0x74726976      /* "virt" */

/* The uplink port of switch sw0 has sent @min frames into the switch */
static bool uplink_sent(QTestState *qts, uint64_t min)
{
    QDict *resp = qtest_qmp(qts, "{'execute': 'query-netswitch',"
                            " 'arguments': {'id': 'sw0'}}");
    QList *sws = qdict_get_qlist(resp, "return");
    QDict *sw = qobject_to(QDict, qlist_peek(sws));
    QListEntry *e;
    bool sent = false;

    QLIST_FOREACH_ENTRY(qdict_get_qlist(sw, "ports"), e) {
        QDict *p = qobject_to(QDict, qlist_entry_obj(e));

        if (!strcmp(qdict_get_str(p, "name"), "up")) {
            sent = qdict_get_int(p, "rx-packets") >= min;
        }
    }
    qobject_unref(resp);
    return sent;
}

/*
 * Replay a trace of "writeX ADDR VAL", "readX ADDR" and "clock_step"
 * lines, the commands the generic fuzzer sends.
 */
static void replay(QTestState *qts, const char *trace)
{
    g_auto(GStrv) lines = g_strsplit(trace, "\n", -1);

    for (char **l = lines; *l; l++) {
        g_auto(GStrv) w = g_strsplit(g_strstrip(*l), " ", -1);
        uint64_t addr, val;

        if (!w[0] || !*w[0]) {
            continue;
        }
        if (!strcmp(w[0], "clock_step")) {
            qtest_clock_step_next(qts);
            continue;
        }
        g_assert(w[1]);
        addr = g_ascii_strtoull(w[1], NULL, 0);
        if (!strcmp(w[0], "readb")) {
            qtest_readb(qts, addr);
        } else if (!strcmp(w[0], "readw")) {
            qtest_readw(qts, addr);
        } else if (!strcmp(w[0], "readl")) {
            qtest_readl(qts, addr);
        } else {
            g_assert(w[2]);
            val = g_ascii_strtoull(w[2], NULL, 0);
            if (!strcmp(w[0], "writeb")) {
                qtest_writeb(qts, addr, val);
            } else if (!strcmp(w[0], "writew")) {
                qtest_writew(qts, addr, val);
            } else if (!strcmp(w[0], "writel")) {
                qtest_writel(qts, addr, val);
            } else {
                g_assert_not_reached();
            }
        }
    }
}

/*
 * virtio-net-legacy-mmio, 2026-12-02: the guest places RX ring 0 with one
 * entry (QueueNum 1, QueuePFN) while the status is 0, negotiates
 * EVENT_IDX, then sets DRIVER_OK.  The device returned its rings to their
 * configured size (256) on that status write without laying them out
 * again, so the core's mapping of the used ring still had room for one
 * entry; the next frame slirp sent made can_receive() write the used
 * ring's avail_event 2 KiB past the mapping: an assertion in
 * address_space_stw_le_cached().  Fixed in vnl_set_queue_size().
 */
static const char ring_before_start[] =
    "writel 0x10013670 0x0\n"           /* Status: reset */
    "writel 0x10013620 0x30000003\n"    /* GuestFeatures: EVENT_IDX ... */
    "writel 0x10013640 0x60100\n"       /* QueuePFN, queue 0 */
    "writel 0x10013638 0x1\n"           /* QueueNum: 1 */
    "writel 0x10013640 0x60106\n"       /* QueuePFN again */
    "writel 0x10013670 0x7\n"           /* Status: ACK|DRIVER|DRIVER_OK */
    "writel 0x10013650 0x0\n"           /* QueueNotify 0 */
    "writel 0x10013650 0x1\n"           /* QueueNotify 1 */
    "writel 0x10013664 0x3\n";          /* InterruptACK */

static void test_virtio_legacy_ring_before_start(void)
{
    QTestState *qts = qtest_init(
        "-M vexpress-a9 -m 128M -nodefaults -audio none "
        "-object netswitch,id=sw0,policy=bridge "
        "-netdev user,id=wan -netdev swport,id=up,switch=sw0,netdev=wan "
        "-netdev swport,id=p0,switch=sw0,hairpin=on "
        "-device virtio-net-legacy-device,netdev=p0");
    int steps;

    replay(qts, ring_before_start);
    /* Run the timers until slirp has sent something towards the device */
    for (steps = 0; steps < 100 && !uplink_sent(qts, 1); steps++) {
        replay(qts, "clock_step");
    }
    g_assert_true(uplink_sent(qts, 1));
    g_assert_cmphex(qtest_readl(qts, VEXPRESS_VIRTIO_LAST), ==,
                    VIRTIO_MMIO_MAGIC);
    qtest_quit(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/xnet-fuzz-repro/virtio-net-legacy/ring-before-start",
                   test_virtio_legacy_ring_before_start);
    return g_test_run();
}
