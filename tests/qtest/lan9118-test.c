/*
 * QTest testcase for the SMSC LAN9118 Ethernet controller
 *
 * Copyright (c) 2026 The qemu-xnet authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Runs on vexpress-a9, which maps the LAN9118 at 0x4e000000 when a NIC is
 * configured.  Register offsets and values are those of the SMSC LAN9118
 * datasheet ("System Control and Status Registers").
 */

#include "qemu/osdep.h"
#include "libqtest.h"

#define LAN9118_BASE        0x4e000000

/* System CSRs */
#define ID_REV              0x50
#define INT_EN              0x5c
#define BYTE_TEST           0x64
#define HW_CFG              0x74
#define PMT_CTRL            0x84

#define BYTE_TEST_VALUE     0x87654321
#define ID_REV_CHIP_LAN9118 0x0118
#define HW_CFG_SRST         (1u << 0)
#define PMT_CTRL_READY      (1u << 0)
#define INT_EN_GPT_INT_EN   (1u << 19)

/* The datasheet bounds a soft reset at 2 ms; allow far more. */
#define SRST_POLL_STEP_NS   (10 * 1000)
#define SRST_POLL_MAX       1000

typedef struct TestNic {
    QTestState *qts;
    int backend_fd;     /* our end of the NIC's socket netdev */
} TestNic;

static uint32_t lan_read(TestNic *t, uint32_t reg)
{
    return qtest_readl(t->qts, LAN9118_BASE + reg);
}

static void lan_write(TestNic *t, uint32_t reg, uint32_t val)
{
    qtest_writel(t->qts, LAN9118_BASE + reg, val);
}

/* vexpress-a9 with its LAN9118 wired to a socketpair, so no frame leaves. */
static void nic_start(TestNic *t)
{
    int sv[2];

    g_assert_cmpint(socketpair(PF_UNIX, SOCK_STREAM, 0, sv), ==, 0);
    t->qts = qtest_initf("-M vexpress-a9 -nic socket,fd=%d,model=lan9118",
                         sv[1]);
    close(sv[1]);
    t->backend_fd = sv[0];
}

static void nic_stop(TestNic *t)
{
    qtest_quit(t->qts);
    close(t->backend_fd);
}

static void test_byte_test(void)
{
    TestNic t;

    nic_start(&t);
    g_assert_cmphex(lan_read(&t, BYTE_TEST), ==, BYTE_TEST_VALUE);
    nic_stop(&t);
}

static void test_id_rev(void)
{
    TestNic t;

    nic_start(&t);
    g_assert_cmphex(lan_read(&t, ID_REV) >> 16, ==, ID_REV_CHIP_LAN9118);
    nic_stop(&t);
}

static void test_soft_reset(void)
{
    TestNic t;
    int polls;

    nic_start(&t);

    /* Something for the reset to undo: INT_EN resets to 0. */
    lan_write(&t, INT_EN, INT_EN_GPT_INT_EN);
    g_assert_cmphex(lan_read(&t, INT_EN), ==, INT_EN_GPT_INT_EN);

    lan_write(&t, HW_CFG, HW_CFG_SRST);
    for (polls = 0; polls < SRST_POLL_MAX; polls++) {
        if (!(lan_read(&t, HW_CFG) & HW_CFG_SRST)) {
            break;
        }
        qtest_clock_step(t.qts, SRST_POLL_STEP_NS);
    }
    g_assert_cmpint(polls, <, SRST_POLL_MAX);

    /* The Linux driver waits for PMT_CTRL.READY before touching the chip. */
    g_assert_cmphex(lan_read(&t, PMT_CTRL) & PMT_CTRL_READY, ==,
                    PMT_CTRL_READY);
    g_assert_cmphex(lan_read(&t, INT_EN), ==, 0);
    g_assert_cmphex(lan_read(&t, BYTE_TEST), ==, BYTE_TEST_VALUE);

    nic_stop(&t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    qtest_add_func("/lan9118/byte-test", test_byte_test);
    qtest_add_func("/lan9118/id-rev", test_id_rev);
    qtest_add_func("/lan9118/soft-reset", test_soft_reset);

    return g_test_run();
}
