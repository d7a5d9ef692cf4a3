/*
 * QTest testcase for the SMSC LAN91C111 Ethernet controller
 *
 * Copyright (c) 2026 The qemu-xnet authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Runs on realview-eb, which maps the SMC91C111 at 0x4e000000 when a NIC
 * is configured for it.  Register offsets and values are those of the SMSC
 * LAN91C111 datasheet; the access patterns (bit-banged MII frames, packet
 * headers, control words) are those of the Linux smc91x driver.
 *
 * The NIC's backend is one end of a socketpair; the test holds the other
 * end and speaks the socket netdev's stream framing (a 4-byte big-endian
 * length, then the frame).  Frames the device sends are on the socket by
 * the time the MMIO write that sent them returns.  Frames the test sends
 * reach the device when QEMU's main loop runs, which every qtest command
 * does: the test polls a register a bounded number of times.  To show
 * that a frame was NOT received, the test sends an accepted frame after it
 * and waits for that one: the stream keeps them in order.
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "xnet-nic-helpers.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"

#define SMC_BASE            0x4e000000

/* Every bank */
#define BSR                 0xe
/* Bank 0 */
#define TCR                 0x0
#define EPHSR               0x2
#define RCR                 0x4
#define ECR                 0x6
#define MIR                 0x8
#define RPCR                0xa
/* Bank 1 */
#define CONFIG              0x0
#define BASE                0x2
#define IA0                 0x4
#define GP                  0xa
#define CONTROL             0xc
/* Bank 2 */
#define MMU                 0x0
#define PNR                 0x2
#define ARR                 0x3
#define FIFO                0x4
#define RXFIFO              0x5
#define PTR                 0x6
#define DATA                0x8
#define IST                 0xc
#define MSK                 0xd
/* Bank 3 */
#define MT0                 0x0
#define MGMT                0x8
#define REV                 0xa
#define ERCV                0xc

#define TCR_TXENA           0x0001
#define TCR_LOOP            0x0002
#define TCR_PAD_EN          0x0080
#define TCR_NOCRC           0x0100
#define TCR_MON_CSN         0x0400
#define TCR_EPH_LOOP        0x2000

#define ES_TX_SUC           0x0001
#define ES_LTX_MULT         0x0008
#define ES_LTX_BRD          0x0040
#define ES_LOST_CARR        0x0400
#define ES_LINK_OK          0x4000

#define RCR_PRMS            0x0002
#define RCR_ALMUL           0x0004
#define RCR_RXEN            0x0100
#define RCR_STRIP_CRC       0x0200
#define RCR_SOFTRST         0x8000

#define CTL_STORE           0x0001
#define CTL_RELOAD          0x0002
#define CTL_EEPROM_SELECT   0x0004
#define CTL_TE_ENABLE       0x0020
#define CTL_LE_ENABLE       0x0080
#define CTL_AUTO_RELEASE    0x0800

#define MC_ALLOC            (1 << 5)
#define MC_RESET            (2 << 5)
#define MC_REMOVE           (3 << 5)
#define MC_RELEASE          (4 << 5)
#define MC_FREEPKT          (5 << 5)
#define MC_ENQUEUE          (6 << 5)
#define MC_RSTTXFIFO        (7 << 5)

#define AR_FAILED           0x80
#define FIFO_EMPTY          0x80

#define PTR_RCV             0x8000
#define PTR_AUTOINC         0x4000
#define PTR_READ            0x2000

#define IM_RCV_INT          0x01
#define IM_TX_INT           0x02
#define IM_TX_EMPTY_INT     0x04
#define IM_ALLOC_INT        0x08
#define IM_RX_OVRN_INT      0x10
#define IM_EPH_INT          0x20
#define IM_ERCV_INT         0x40
#define IM_MDINT            0x80

#define MII_MDO             0x0001
#define MII_MDI             0x0002
#define MII_MCLK            0x0004
#define MII_MDOE            0x0008

#define RS_MULTICAST        0x0001
#define RS_HASH(s)          (((s) >> 1) & 0x3f)
#define RS_TOOLONG          0x0800
#define RS_ODDFRAME         0x1000
#define RS_BRODCAST         0x4000

#define CTLBYTE_CRC         0x10
#define CTLBYTE_ODD         0x20
#define CTLBYTE_RX          0x40

/* Internal PHY (address 0) */
#define PHY_ADDR            0
#define MII_BMCR            0
#define MII_BMSR            1
#define MII_PHYSID1         2
#define MII_PHYSID2         3
#define MII_ADVERTISE       4
#define MII_LPA             5
#define PHY_CFG1            16
#define PHY_INT             18
#define PHY_MASK            19
#define BMCR_RESET          0x8000
#define BMCR_PDOWN          0x0800
#define BMSR_LSTATUS        0x0004
#define BMSR_ANEGCOMPLETE   0x0020
#define PHY_INT_INT         0x8000
#define PHY_INT_LNKFAIL     0x4000
#define PHY_INT_SPDDET      0x0080
#define PHY_INT_DPLXDET     0x0040

#define TEST_MAC            "02:11:22:33:44:55"
static const uint8_t test_mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
static const uint8_t other_mac[6] = { 0x02, 0x99, 0x88, 0x77, 0x66, 0x55 };
static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t mcast_mac[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };

#define PAGE_SIZE_BYTES     2048
#define NUM_PAGES           4
#define FCS_LEN             4
/* qtest commands that may pass before a socket frame reaches the NIC */
#define RX_POLL_MAX         2000
/* polls showing that nothing else happens */
#define SETTLE_POLLS        50

typedef struct Nic {
    QTestState *qts;
    int fd;                 /* our end of the NIC's socket netdev */
    char *path;             /* QOM path of the device */
} Nic;

/* Registers */

static void select_bank(Nic *n, int bank)
{
    qtest_writew(n->qts, SMC_BASE + BSR, bank);
}

static uint16_t rd16(Nic *n, int bank, int off)
{
    select_bank(n, bank);
    return qtest_readw(n->qts, SMC_BASE + off);
}

static uint8_t rd8(Nic *n, int bank, int off)
{
    select_bank(n, bank);
    return qtest_readb(n->qts, SMC_BASE + off);
}

static void wr16(Nic *n, int bank, int off, uint16_t val)
{
    select_bank(n, bank);
    qtest_writew(n->qts, SMC_BASE + off, val);
}

static void wr8(Nic *n, int bank, int off, uint8_t val)
{
    select_bank(n, bank);
    qtest_writeb(n->qts, SMC_BASE + off, val);
}

static void nic_start_with(Nic *n, const char *extra)
{
    int sv[2];

    g_assert_cmpint(socketpair(PF_UNIX, SOCK_STREAM, 0, sv), ==, 0);
    n->qts = qtest_initf("-M realview-eb "
                         "-nic socket,fd=%d,model=smc91c111,mac=" TEST_MAC
                         " %s", sv[1], extra);
    close(sv[1]);
    n->fd = sv[0];
    n->path = xnet_find_board_device(n->qts, "smc91c111");
}

static void nic_start(Nic *n)
{
    nic_start_with(n, "");
}

static void nic_stop(Nic *n)
{
    qtest_quit(n->qts);
    close(n->fd);
    g_free(n->path);
}

static uint32_t counter(Nic *n, const char *name)
{
    QDict *resp = qtest_qmp(n->qts, "{'execute': 'qom-get', 'arguments':"
                            " {'path': %s, 'property': %s}}", n->path, name);
    uint32_t val = qdict_get_int(resp, "return");

    qobject_unref(resp);
    return val;
}

/* The NIC's net client is named after the model */
static void set_link(Nic *n, bool up)
{
    qtest_qmp_assert_success(n->qts, "{'execute': 'set_link', 'arguments':"
                             " {'name': 'smc91c111.0', 'up': %i}}", up);
}

/* MII management, bit-banged through MGMT the way Linux's smc91x does */

static void mii_out(Nic *n, uint32_t val, int bits)
{
    uint16_t reg = (rd16(n, 3, MGMT) & ~(MII_MCLK | MII_MDOE | MII_MDO)) |
                   MII_MDOE;
    uint32_t mask;

    for (mask = 1u << (bits - 1); mask; mask >>= 1) {
        uint16_t bit = (val & mask) ? MII_MDO : 0;

        qtest_writew(n->qts, SMC_BASE + MGMT, reg | bit);
        qtest_writew(n->qts, SMC_BASE + MGMT, reg | bit | MII_MCLK);
    }
}

static uint32_t mii_in(Nic *n, int bits)
{
    uint16_t reg = rd16(n, 3, MGMT) & ~(MII_MCLK | MII_MDOE | MII_MDO);
    uint32_t mask, val = 0;

    qtest_writew(n->qts, SMC_BASE + MGMT, reg);
    for (mask = 1u << (bits - 1); mask; mask >>= 1) {
        if (qtest_readw(n->qts, SMC_BASE + MGMT) & MII_MDI) {
            val |= mask;
        }
        qtest_writew(n->qts, SMC_BASE + MGMT, reg);
        qtest_writew(n->qts, SMC_BASE + MGMT, reg | MII_MCLK);
    }
    return val;
}

static void mii_idle(Nic *n)
{
    wr16(n, 3, MGMT, rd16(n, 3, MGMT) & ~(MII_MCLK | MII_MDOE | MII_MDO));
}

/* All 18 bits after the header: the turnaround bits must read 0 */
static uint32_t phy_read18(Nic *n, int phy, int reg)
{
    uint32_t val;

    mii_out(n, 0xffffffff, 32);
    mii_out(n, 6 << 10 | phy << 5 | reg, 14);
    val = mii_in(n, 18);
    mii_idle(n);
    return val;
}

static uint16_t phy_read(Nic *n, int reg)
{
    uint32_t val = phy_read18(n, PHY_ADDR, reg);

    g_assert_cmphex(val >> 16, ==, 0);
    return val;
}

static void phy_write(Nic *n, int reg, uint16_t val)
{
    mii_out(n, 0xffffffff, 32);
    mii_out(n, 5u << 28 | PHY_ADDR << 23 | reg << 18 | 2 << 16 | val, 32);
    mii_idle(n);
}

/* Frames */

static void make_frame(uint8_t *buf, size_t len, const uint8_t *da,
                       uint8_t seed)
{
    size_t i;

    memcpy(buf, da, 6);
    memcpy(buf + 6, other_mac, 6);
    buf[12] = 0x08;
    buf[13] = 0x00;
    for (i = 14; i < len; i++) {
        buf[i] = seed + i * 3;
    }
}

/* The Ethernet FCS (reflected CRC-32), as its bytes go on the wire */
static uint32_t eth_fcs(const uint8_t *p, size_t n)
{
    uint32_t crc = 0xffffffff;
    size_t i;
    int bit;

    for (i = 0; i < n; i++) {
        crc ^= p[i];
        for (bit = 0; bit < 8; bit++) {
            crc = (crc >> 1) ^ (0xedb88320 & -(crc & 1));
        }
    }
    return ~crc;
}

/* The top 6 bits of the address's CRC, as the datasheet defines the hash */
static unsigned mcast_hash(const uint8_t *addr)
{
    uint32_t crc = 0xffffffff;
    int i, bit;

    for (i = 0; i < 6; i++) {
        uint8_t octet = addr[i];

        for (bit = 0; bit < 8; bit++, octet >>= 1) {
            crc = (crc << 1) ^ (((crc >> 31) ^ (octet & 1)) ? 0x04c11db7 : 0);
        }
    }
    return crc >> 26;
}

/* Socket side */




static void socket_expect(Nic *n, const uint8_t *frame, size_t len)
{
    uint8_t buf[PAGE_SIZE_BYTES];

    g_assert_true(xnet_socket_has_frame(n->fd));
    g_assert_cmpuint(xnet_socket_recv_frame(n->fd, buf, sizeof(buf)), ==, len);
    g_assert_cmpmem(buf, len, frame, len);
}

/* MMU and packet memory */

static uint8_t ist(Nic *n)
{
    return rd8(n, 2, IST);
}

static void ack(Nic *n, uint8_t bits)
{
    wr8(n, 2, IST, bits);
}

static void mmu(Nic *n, uint8_t cmd)
{
    wr16(n, 2, MMU, cmd);
    g_assert_cmphex(rd16(n, 2, MMU) & 1, ==, 0);   /* never busy */
}

static int free_pages(Nic *n)
{
    return rd16(n, 0, MIR) >> 8;
}

/* Allocate a TX packet the way the driver does; -1 if none is free */
static int alloc_packet(Nic *n)
{
    uint8_t arr;

    mmu(n, MC_ALLOC);
    arr = rd8(n, 2, ARR);
    /* ALLOC_INT is the complement of ARR.FAILED */
    g_assert_cmphex(!!(ist(n) & IM_ALLOC_INT), ==, !(arr & AR_FAILED));
    if (arr & AR_FAILED) {
        return -1;
    }
    g_assert_cmpuint(arr, <, NUM_PAGES);
    return arr;
}

static void set_ptr(Nic *n, uint16_t ptr)
{
    wr16(n, 2, PTR, ptr);
}

/* Write @len bytes at the pointer through DATA, @width bytes at a time */
static void data_write(Nic *n, const uint8_t *p, size_t len, int width)
{
    size_t i;

    select_bank(n, 2);
    for (i = 0; i < len; i += width) {
        switch (width) {
        case 1:
            qtest_writeb(n->qts, SMC_BASE + DATA, p[i]);
            break;
        case 2:
            qtest_writew(n->qts, SMC_BASE + DATA, lduw_le_p(p + i));
            break;
        case 4:
            qtest_writel(n->qts, SMC_BASE + DATA, ldl_le_p(p + i));
            break;
        }
    }
}

static void data_read(Nic *n, uint8_t *p, size_t len, int width)
{
    size_t i;

    select_bank(n, 2);
    for (i = 0; i < len; i += width) {
        switch (width) {
        case 1:
            p[i] = qtest_readb(n->qts, SMC_BASE + DATA);
            break;
        case 2:
            stw_le_p(p + i, qtest_readw(n->qts, SMC_BASE + DATA));
            break;
        case 4:
            stl_le_p(p + i, qtest_readl(n->qts, SMC_BASE + DATA));
            break;
        }
    }
}

/* Fill packet @pn as the driver does: header, even data, control word */
/* A TX packet whose control byte has @ctl (CRC) besides ODD */
static void write_packet_ctl(Nic *n, int pn, const uint8_t *frame, size_t len,
                             int width, uint8_t ctl)
{
    uint8_t buf[PAGE_SIZE_BYTES] = { 0 };
    size_t even = len & ~1;
    size_t n_bytes = 4 + even;

    stw_le_p(buf, 0);
    stw_le_p(buf + 2, len + 6);
    memcpy(buf + 4, frame, even);
    wr8(n, 2, PNR, pn);
    set_ptr(n, PTR_AUTOINC);
    /* Whole words of @width, the remainder in halfwords */
    data_write(n, buf, n_bytes & ~(width - 1), width);
    data_write(n, buf + (n_bytes & ~(width - 1)), n_bytes & (width - 1), 2);
    stw_le_p(buf, ctl << 8 | ((len & 1) ? 0x2000 | frame[len - 1] : 0));
    data_write(n, buf, 2, width == 4 ? 2 : width);
}

static void write_packet(Nic *n, int pn, const uint8_t *frame, size_t len,
                         int width)
{
    write_packet_ctl(n, pn, frame, len, width, 0);
}

static void enqueue(Nic *n, int pn)
{
    wr8(n, 2, PNR, pn);
    mmu(n, MC_ENQUEUE);
}

static int send_frame(Nic *n, const uint8_t *frame, size_t len, int width)
{
    int pn = alloc_packet(n);

    g_assert_cmpint(pn, >=, 0);
    write_packet(n, pn, frame, len, width);
    enqueue(n, pn);
    return pn;
}

/* Wait for the RX FIFO to hold a packet */
static void wait_rcv(Nic *n)
{
    int i;

    for (i = 0; i < RX_POLL_MAX && !(ist(n) & IM_RCV_INT); i++) {
        /* each qtest command runs the main loop */
    }
    g_assert_cmphex(ist(n) & IM_RCV_INT, ==, IM_RCV_INT);
}

/*
 * Read the packet at the RX FIFO's head into @buf (the whole page area
 * covered by its byte count) with 32-bit reads; return the byte count.
 */
static uint16_t rx_peek(Nic *n, uint8_t *buf, uint16_t *status)
{
    uint8_t rxpn = rd8(n, 2, RXFIFO);
    uint32_t hdr;
    uint16_t count;

    g_assert_cmphex(rxpn & FIFO_EMPTY, ==, 0);
    set_ptr(n, PTR_RCV | PTR_AUTOINC | PTR_READ);
    hdr = qtest_readl(n->qts, SMC_BASE + DATA);
    *status = hdr;
    count = hdr >> 16;
    g_assert_cmpuint(count & 1, ==, 0);
    g_assert_cmpuint(count, >=, 6);
    g_assert_cmpuint(count, <=, PAGE_SIZE_BYTES);
    stl_le_p(buf, hdr);
    data_read(n, buf + 4, ROUND_UP(count - 4, 4), 4);
    return count;
}

/*
 * Check the packet at the RX FIFO's head against @frame (padded to 60
 * bytes as on the wire, with the FCS unless stripped), release it, and
 * return its status word.
 */
static uint16_t rx_expect(Nic *n, const uint8_t *frame, size_t len,
                          bool fcs)
{
    uint8_t buf[PAGE_SIZE_BYTES + 4];
    uint8_t want[PAGE_SIZE_BYTES] = { 0 };
    size_t wire = MAX(len, 60);
    size_t stored = wire + (fcs ? FCS_LEN : 0);
    uint16_t status, count;
    bool odd = stored & 1;

    wait_rcv(n);
    count = rx_peek(n, buf, &status);
    memcpy(want, frame, len);
    if (fcs) {
        stl_le_p(want + wire, eth_fcs(want, wire));
    }
    g_assert_cmpuint(count, ==, stored + (odd ? 5 : 6));
    g_assert_cmpuint(!!(status & RS_ODDFRAME), ==, odd);
    g_assert_cmpmem(buf + 4, stored, want, stored);
    /* The control byte closes the packet */
    g_assert_cmphex(buf[count - 1], ==, CTLBYTE_RX | (odd ? CTLBYTE_ODD : 0));
    mmu(n, MC_RELEASE);
    return status;
}

static void rx_enable(Nic *n, uint16_t extra)
{
    wr16(n, 0, RCR, RCR_RXEN | RCR_STRIP_CRC | extra);
}

static void tx_enable(Nic *n, uint16_t extra)
{
    wr16(n, 0, TCR, TCR_TXENA | extra);
}

/* Tests */

static void test_reset_values(void)
{
    Nic n;
    int i;

    nic_start(&n);
    /* The bank register's signature, in every bank */
    for (i = 0; i < 4; i++) {
        select_bank(&n, i);
        g_assert_cmphex(qtest_readw(n.qts, SMC_BASE + BSR), ==, 0x3300 | i);
    }
    /* Its high byte cannot be written */
    qtest_writew(n.qts, SMC_BASE + BSR, 0xff01);
    g_assert_cmphex(qtest_readw(n.qts, SMC_BASE + BSR), ==, 0x3301);

    g_assert_cmphex(rd16(&n, 0, TCR), ==, 0);
    g_assert_cmphex(rd16(&n, 0, EPHSR), ==, ES_LINK_OK);
    g_assert_cmphex(rd16(&n, 0, RCR), ==, 0);
    g_assert_cmphex(rd16(&n, 0, ECR), ==, 0);
    g_assert_cmphex(rd16(&n, 0, MIR), ==, 0x0404);
    g_assert_cmphex(rd16(&n, 0, RPCR), ==, 0);

    g_assert_cmphex(rd16(&n, 1, CONFIG), ==, 0xa0b1);
    g_assert_cmphex(rd16(&n, 1, BASE), ==, 0x1801);
    for (i = 0; i < 6; i++) {
        g_assert_cmphex(rd8(&n, 1, IA0 + i), ==, test_mac[i]);
    }
    g_assert_cmphex(rd16(&n, 1, GP), ==, 0);
    g_assert_cmphex(rd16(&n, 1, CONTROL), ==, 0x1210);

    g_assert_cmphex(rd16(&n, 2, MMU), ==, 0);
    g_assert_cmphex(rd16(&n, 2, PNR), ==, 0x8000);
    g_assert_cmphex(rd16(&n, 2, FIFO), ==, 0x8080);
    g_assert_cmphex(rd16(&n, 2, PTR), ==, 0);
    g_assert_cmphex(rd16(&n, 2, IST), ==, IM_TX_EMPTY_INT);

    for (i = 0; i < 8; i += 2) {
        g_assert_cmphex(rd16(&n, 3, MT0 + i), ==, 0);
    }
    g_assert_cmphex(rd16(&n, 3, MGMT), ==, 0x3330);
    g_assert_cmphex(rd16(&n, 3, REV), ==, 0x3391);
    g_assert_cmphex(rd16(&n, 3, ERCV), ==, 0x331f);

    /* Bytes of a 16-bit register, and a 32-bit read of two of them */
    g_assert_cmphex(rd8(&n, 3, REV), ==, 0x91);
    g_assert_cmphex(rd8(&n, 3, REV + 1), ==, 0x33);
    select_bank(&n, 1);
    g_assert_cmphex(qtest_readl(n.qts, SMC_BASE + IA0), ==,
                    ldl_le_p(test_mac));

    /* The reserved banks read 0 and ignore writes */
    select_bank(&n, 5);
    g_assert_cmphex(qtest_readw(n.qts, SMC_BASE + 0), ==, 0);
    qtest_writew(n.qts, SMC_BASE + 0, 0xffff);
    g_assert_cmphex(qtest_readw(n.qts, SMC_BASE + BSR), ==, 0x3305);
    g_assert_cmphex(rd16(&n, 1, CONFIG), ==, 0xa0b1);

    /*
     * A 32-bit write at 0xc only selects the bank (Linux's aligned bank
     * switch): the interrupt mask in bank 2 and CONTROL in bank 1 stay.
     */
    wr8(&n, 2, MSK, 0x5a);
    qtest_writel(n.qts, SMC_BASE + 0xc, 1 << 16);
    g_assert_cmphex(qtest_readw(n.qts, SMC_BASE + BSR), ==, 0x3301);
    g_assert_cmphex(qtest_readw(n.qts, SMC_BASE + CONTROL), ==, 0x1210);
    qtest_writel(n.qts, SMC_BASE + 0xc, 2 << 16);
    g_assert_cmphex(qtest_readb(n.qts, SMC_BASE + MSK), ==, 0x5a);

    /* A 32-bit write at 0x4 in bank 1 writes IA0-IA3 */
    select_bank(&n, 1);
    qtest_writel(n.qts, SMC_BASE + 0x4, 0xddccbbaa);
    g_assert_cmphex(qtest_readw(n.qts, SMC_BASE + 0x4), ==, 0xbbaa);
    g_assert_cmphex(qtest_readw(n.qts, SMC_BASE + 0x6), ==, 0xddcc);
    nic_stop(&n);
}

static void test_phy(void)
{
    uint8_t frame[64];
    Nic n;
    int phy, i;

    nic_start(&n);
    /* Linux scans 1-31 first: nobody answers there, MDI stays low */
    for (phy = 1; phy < 32; phy += 10) {
        g_assert_cmphex(phy_read18(&n, phy, MII_PHYSID1), ==, 0);
    }
    g_assert_cmphex(phy_read(&n, MII_PHYSID1), ==, 0x0016);
    g_assert_cmphex(phy_read(&n, MII_PHYSID2) & 0xfff0, ==, 0xf840);
    g_assert_cmphex(phy_read(&n, MII_BMCR), ==, 0x3000);
    g_assert_cmphex(phy_read(&n, MII_BMSR), ==,
                    0x7809 | BMSR_LSTATUS | BMSR_ANEGCOMPLETE);
    g_assert_cmphex(phy_read(&n, MII_ADVERTISE), ==, 0x01e1);
    g_assert_cmphex(phy_read(&n, MII_LPA), ==, 0x41e1);
    g_assert_cmphex(phy_read(&n, PHY_MASK), ==, 0xffc0);
    g_assert_cmphex(phy_read(&n, PHY_INT), ==,
                    PHY_INT_SPDDET | PHY_INT_DPLXDET);

    /* Writes, read back */
    phy_write(&n, MII_ADVERTISE, 0x0061);       /* 10 Mb/s only */
    g_assert_cmphex(phy_read(&n, MII_ADVERTISE), ==, 0x0061);
    g_assert_cmphex(phy_read(&n, PHY_INT), ==, PHY_INT_DPLXDET);
    phy_write(&n, PHY_CFG1, 0x8000);
    g_assert_cmphex(phy_read(&n, PHY_CFG1), ==, 0x8000);
    /* Writes to other PHY addresses go nowhere */
    mii_out(&n, 0xffffffff, 32);
    mii_out(&n, 5u << 28 | 3 << 23 | PHY_CFG1 << 18 | 2 << 16 | 0x4000, 32);
    mii_idle(&n);
    g_assert_cmphex(phy_read(&n, PHY_CFG1), ==, 0x8000);

    /* A frame without the 32-bit preamble is ignored */
    mii_out(&n, 0xffff, 16);
    mii_out(&n, 6 << 10 | PHY_ADDR << 5 | MII_PHYSID1, 14);
    g_assert_cmphex(mii_in(&n, 18), ==, 0);
    mii_idle(&n);

    /* Reset: self-clearing, back to defaults */
    phy_write(&n, MII_BMCR, BMCR_RESET);
    g_assert_cmphex(phy_read(&n, MII_BMCR), ==, 0x3000);
    g_assert_cmphex(phy_read(&n, MII_ADVERTISE), ==, 0x01e1);
    g_assert_cmphex(phy_read(&n, PHY_CFG1), ==, 0);

    /* Link down: BMSR latches it, register 18 and MDINT report it */
    phy_write(&n, PHY_MASK, 0xffc0 & ~PHY_INT_LNKFAIL);
    wr16(&n, 1, CONTROL, 0x1210 | CTL_LE_ENABLE);
    ack(&n, 0xff);
    g_assert_cmphex(ist(&n) & (IM_MDINT | IM_EPH_INT), ==, 0);
    set_link(&n, false);
    g_assert_cmphex(ist(&n) & (IM_MDINT | IM_EPH_INT), ==,
                    IM_MDINT | IM_EPH_INT);
    g_assert_cmphex(rd16(&n, 0, EPHSR) & ES_LINK_OK, ==, 0);
    g_assert_cmphex(phy_read(&n, PHY_INT), ==, PHY_INT_INT | PHY_INT_LNKFAIL);
    g_assert_cmphex(phy_read(&n, PHY_INT), ==, PHY_INT_LNKFAIL);
    ack(&n, IM_MDINT);
    g_assert_cmphex(ist(&n) & IM_MDINT, ==, 0);
    /* The EPH link interrupt goes when LE_ENABLE is cleared */
    wr16(&n, 1, CONTROL, 0x1210);
    wr16(&n, 1, CONTROL, 0x1210 | CTL_LE_ENABLE);
    g_assert_cmphex(ist(&n) & IM_EPH_INT, ==, 0);

    set_link(&n, true);
    g_assert_cmphex(ist(&n) & (IM_MDINT | IM_EPH_INT), ==,
                    IM_MDINT | IM_EPH_INT);
    g_assert_cmphex(rd16(&n, 0, EPHSR) & ES_LINK_OK, ==, ES_LINK_OK);
    /* The link status bit latched low until this read */
    g_assert_cmphex(phy_read(&n, MII_BMSR) & BMSR_LSTATUS, ==, 0);
    g_assert_cmphex(phy_read(&n, MII_BMSR) & BMSR_LSTATUS, ==, BMSR_LSTATUS);
    g_assert_cmphex(phy_read(&n, PHY_INT), ==,
                    PHY_INT_INT | PHY_INT_SPDDET | PHY_INT_DPLXDET);

    /* Power-down takes the link away too: nothing in, nothing out */
    ack(&n, IM_MDINT);
    phy_write(&n, MII_BMCR, 0x3000 | BMCR_PDOWN);
    g_assert_cmphex(ist(&n) & IM_MDINT, ==, IM_MDINT);
    g_assert_cmphex(phy_read(&n, MII_BMSR) & BMSR_LSTATUS, ==, 0);
    g_assert_cmphex(rd16(&n, 0, EPHSR) & ES_LINK_OK, ==, 0);
    rx_enable(&n, 0);
    tx_enable(&n, 0);
    make_frame(frame, 64, test_mac, 1);
    xnet_socket_send_frame(n.fd, frame, 64);
    for (i = 0; i < RX_POLL_MAX && !counter(&n, "rx-dropped"); i++) {
        /* wait */
    }
    g_assert_cmpuint(counter(&n, "rx-dropped"), ==, 1);
    g_assert_cmphex(ist(&n) & IM_RCV_INT, ==, 0);
    send_frame(&n, frame, 64, 4);
    g_assert_false(xnet_socket_has_frame(n.fd));
    /* A PHY reset powers it up again */
    phy_write(&n, MII_BMCR, BMCR_RESET);
    g_assert_cmphex(rd16(&n, 0, EPHSR) & ES_LINK_OK, ==, ES_LINK_OK);
    send_frame(&n, frame, 64, 4);
    socket_expect(&n, frame, 64);
    xnet_socket_send_frame(n.fd, frame, 64);
    rx_expect(&n, frame, 64, false);
    nic_stop(&n);
}

static void test_tx(void)
{
    static const size_t lens[] = { 60, 61, 97, 1514 };
    static const int widths[] = { 1, 2, 4 };
    uint8_t frame[1514];
    uint8_t hdr[4];
    Nic n;
    int w, l, pn;

    nic_start(&n);
    tx_enable(&n, 0);
    /* Without auto-release: completion FIFO, TX_INT, status word */
    for (w = 0; w < ARRAY_SIZE(widths); w++) {
        for (l = 0; l < ARRAY_SIZE(lens); l++) {
            make_frame(frame, lens[l], other_mac, w * 16 + l);
            ack(&n, IM_TX_EMPTY_INT);
            pn = send_frame(&n, frame, lens[l], widths[w]);
            socket_expect(&n, frame, lens[l]);
            g_assert_cmphex(ist(&n) & (IM_TX_INT | IM_TX_EMPTY_INT), ==,
                            IM_TX_INT | IM_TX_EMPTY_INT);
            g_assert_cmphex(rd8(&n, 2, FIFO), ==, pn);
            g_assert_cmphex(rd16(&n, 0, EPHSR), ==, ES_LINK_OK | ES_TX_SUC);
            /* The status word was written back into the packet */
            wr8(&n, 2, PNR, pn);
            set_ptr(&n, PTR_AUTOINC | PTR_READ);
            data_read(&n, hdr, 4, 4);
            g_assert_cmphex(lduw_le_p(hdr), ==, ES_TX_SUC);
            g_assert_cmpuint(lduw_le_p(hdr + 2), ==, lens[l] + 6);
            mmu(&n, MC_FREEPKT);
            g_assert_cmpint(free_pages(&n), ==, NUM_PAGES);
            /* Acknowledging TX_INT pops the completion FIFO */
            ack(&n, IM_TX_INT);
            g_assert_cmphex(ist(&n) & IM_TX_INT, ==, 0);
            g_assert_cmphex(rd8(&n, 2, FIFO), ==, FIFO_EMPTY);
        }
    }

    /* Auto-release: no completion entry, the page comes back at once */
    wr16(&n, 1, CONTROL, 0x1210 | CTL_AUTO_RELEASE);
    make_frame(frame, 100, bcast_mac, 7);
    ack(&n, IM_TX_EMPTY_INT);
    send_frame(&n, frame, 100, 4);
    socket_expect(&n, frame, 100);
    g_assert_cmphex(ist(&n) & (IM_TX_INT | IM_TX_EMPTY_INT), ==,
                    IM_TX_EMPTY_INT);
    g_assert_cmpint(free_pages(&n), ==, NUM_PAGES);
    g_assert_cmphex(rd16(&n, 0, EPHSR), ==,
                    ES_LINK_OK | ES_TX_SUC | ES_LTX_BRD);
    make_frame(frame, 100, mcast_mac, 8);
    send_frame(&n, frame, 100, 4);
    socket_expect(&n, frame, 100);
    g_assert_cmphex(rd16(&n, 0, EPHSR), ==,
                    ES_LINK_OK | ES_TX_SUC | ES_LTX_MULT);

    /* Padding: PAD_EN pads short frames to 60 bytes with zeros */
    memset(frame, 0, sizeof(frame));
    make_frame(frame, 21, other_mac, 9);
    send_frame(&n, frame, 21, 2);
    socket_expect(&n, frame, 21);
    tx_enable(&n, TCR_PAD_EN);
    send_frame(&n, frame, 21, 2);
    socket_expect(&n, frame, 60);

    /*
     * TCR.NOCRC: the guest wrote the FCS as the last four data bytes, and
     * QEMU's network carries none, so they are not sent (before the fix
     * they went out as payload).  The control byte's CRC bit has the chip
     * append the FCS instead: then all the data goes.  Without NOCRC the
     * CRC bit means nothing.
     */
    make_frame(frame, 60, other_mac, 12);
    stl_le_p(frame + 60, eth_fcs(frame, 60));
    tx_enable(&n, TCR_NOCRC);
    send_frame(&n, frame, 64, 4);
    socket_expect(&n, frame, 60);
    pn = alloc_packet(&n);
    write_packet_ctl(&n, pn, frame, 60, 4, CTLBYTE_CRC);
    enqueue(&n, pn);
    socket_expect(&n, frame, 60);
    tx_enable(&n, 0);
    pn = alloc_packet(&n);
    write_packet_ctl(&n, pn, frame, 64, 4, CTLBYTE_CRC);
    enqueue(&n, pn);
    socket_expect(&n, frame, 64);

    /* Transmitter off: packets wait in the TX FIFO until TXENA */
    wr16(&n, 0, TCR, 0);
    make_frame(frame, 64, other_mac, 10);
    pn = send_frame(&n, frame, 64, 4);
    make_frame(frame + 64, 66, other_mac, 11);
    send_frame(&n, frame + 64, 66, 4);
    g_assert_false(xnet_socket_has_frame(n.fd));
    g_assert_cmphex(rd8(&n, 2, FIFO), ==, FIFO_EMPTY);
    g_assert_cmpint(free_pages(&n), ==, NUM_PAGES - 2);
    tx_enable(&n, 0);
    socket_expect(&n, frame, 64);
    socket_expect(&n, frame + 64, 66);
    g_assert_cmpint(free_pages(&n), ==, NUM_PAGES);
    nic_stop(&n);
}

static void test_tx_lost_carrier(void)
{
    uint8_t frame[80];
    uint8_t hdr[2];
    Nic n;
    int pn;

    nic_start(&n);
    wr16(&n, 1, CONTROL, 0x1210 | CTL_AUTO_RELEASE | CTL_TE_ENABLE);
    tx_enable(&n, TCR_MON_CSN);
    set_link(&n, false);
    make_frame(frame, 80, other_mac, 1);
    pn = send_frame(&n, frame, 80, 4);
    send_frame(&n, frame, 80, 4);       /* waits: TXENA is off now */
    g_assert_false(xnet_socket_has_frame(n.fd));
    /* Fatal: TXENA cleared, EPH and TX interrupts, packet kept */
    g_assert_cmphex(rd16(&n, 0, TCR) & TCR_TXENA, ==, 0);
    g_assert_cmphex(rd16(&n, 0, EPHSR), ==, ES_LOST_CARR);
    g_assert_cmphex(ist(&n) & (IM_EPH_INT | IM_TX_INT), ==,
                    IM_EPH_INT | IM_TX_INT);
    g_assert_cmphex(rd8(&n, 2, FIFO), ==, pn);
    wr8(&n, 2, PNR, pn);
    set_ptr(&n, PTR_AUTOINC | PTR_READ);
    data_read(&n, hdr, 2, 2);
    g_assert_cmphex(lduw_le_p(hdr), ==, ES_LOST_CARR);
    g_assert_cmpint(free_pages(&n), ==, NUM_PAGES - 2);

    /* Setting TXENA again clears the error; the next packet goes out */
    set_link(&n, true);
    tx_enable(&n, TCR_MON_CSN);
    g_assert_cmphex(ist(&n) & IM_EPH_INT, ==, 0);
    socket_expect(&n, frame, 80);
    g_assert_cmphex(rd16(&n, 0, EPHSR), ==, ES_LINK_OK | ES_TX_SUC);
    g_assert_cmpint(free_pages(&n), ==, NUM_PAGES - 1);
    mmu(&n, MC_FREEPKT);
    ack(&n, IM_TX_INT);
    g_assert_cmpint(free_pages(&n), ==, NUM_PAGES);
    g_assert_cmphex(ist(&n) & IM_TX_INT, ==, 0);
    nic_stop(&n);
}

static void test_rx(void)
{
    uint8_t frame[1600];
    uint8_t buf[PAGE_SIZE_BYTES + 4];
    uint16_t status, count;
    Nic n;
    int i;

    nic_start(&n);
    /* Receiver off: the frame is discarded and counted */
    make_frame(frame, 100, test_mac, 1);
    xnet_socket_send_frame(n.fd, frame, 100);
    for (i = 0; i < RX_POLL_MAX && counter(&n, "rx-dropped") == 0; i++) {
        /* wait */
    }
    g_assert_cmpuint(counter(&n, "rx-dropped"), ==, 1);
    g_assert_cmphex(ist(&n) & IM_RCV_INT, ==, 0);

    rx_enable(&n, 0);
    /* Even, odd, short (padded), long */
    make_frame(frame, 100, test_mac, 2);
    xnet_socket_send_frame(n.fd, frame, 100);
    g_assert_cmphex(rx_expect(&n, frame, 100, false), ==,
                    mcast_hash(test_mac) << 1);
    make_frame(frame, 101, test_mac, 3);
    xnet_socket_send_frame(n.fd, frame, 101);
    status = rx_expect(&n, frame, 101, false);
    g_assert_cmphex(status & RS_ODDFRAME, ==, RS_ODDFRAME);
    make_frame(frame, 42, test_mac, 4);
    xnet_socket_send_frame(n.fd, frame, 42);
    g_assert_cmphex(rx_expect(&n, frame, 42, false) & RS_ODDFRAME, ==, 0);
    make_frame(frame, 1514, test_mac, 5);
    xnet_socket_send_frame(n.fd, frame, 1514);
    g_assert_cmphex(rx_expect(&n, frame, 1514, false) & RS_TOOLONG, ==, 0);
    /* Longer than 1518 on the wire: kept, flagged */
    make_frame(frame, 1515, test_mac, 6);
    xnet_socket_send_frame(n.fd, frame, 1515);
    g_assert_cmphex(rx_expect(&n, frame, 1515, false) & RS_TOOLONG, ==,
                    RS_TOOLONG);

    /* STRIP_CRC clear: the FCS is stored and counted */
    wr16(&n, 0, RCR, RCR_RXEN);
    make_frame(frame, 100, test_mac, 7);
    xnet_socket_send_frame(n.fd, frame, 100);
    rx_expect(&n, frame, 100, true);
    make_frame(frame, 77, test_mac, 8);
    xnet_socket_send_frame(n.fd, frame, 77);
    rx_expect(&n, frame, 77, true);

    /* 8- and 16-bit reads see the same bytes */
    rx_enable(&n, 0);
    make_frame(frame, 90, test_mac, 9);
    xnet_socket_send_frame(n.fd, frame, 90);
    wait_rcv(&n);
    count = rx_peek(&n, buf, &status);
    g_assert_cmpuint(count, ==, 96);
    set_ptr(&n, PTR_RCV | PTR_AUTOINC | PTR_READ | 4);
    data_read(&n, buf, 90, 1);
    g_assert_cmpmem(buf, 90, frame, 90);
    set_ptr(&n, PTR_RCV | PTR_AUTOINC | PTR_READ | 4);
    data_read(&n, buf, 90, 2);
    g_assert_cmpmem(buf, 90, frame, 90);
    /* Without AUTO_INCR the pointer stays */
    set_ptr(&n, PTR_RCV | PTR_READ | 4);
    data_read(&n, buf, 4, 1);
    g_assert_cmphex(ldl_le_p(buf), ==, frame[0] * 0x01010101u);
    g_assert_cmphex(rd16(&n, 2, PTR), ==, PTR_RCV | PTR_READ | 4);
    /* REMOVE keeps the page until it is released */
    i = rd8(&n, 2, RXFIFO);
    mmu(&n, MC_REMOVE);
    g_assert_cmphex(ist(&n) & IM_RCV_INT, ==, 0);
    g_assert_cmpint(free_pages(&n), ==, NUM_PAGES - 1);
    wr8(&n, 2, PNR, i);
    mmu(&n, MC_FREEPKT);
    g_assert_cmpint(free_pages(&n), ==, NUM_PAGES);
    g_assert_cmpuint(counter(&n, "rx-dropped"), ==, 1);
    nic_stop(&n);
}

/* Send @rejected, then an accepted marker: only the marker arrives */
static void expect_filtered(Nic *n, const uint8_t *rejected)
{
    uint8_t frame[64], marker[64];

    make_frame(frame, 64, rejected, 0x40);
    make_frame(marker, 64, test_mac, 0x41);
    xnet_socket_send_frame(n->fd, frame, 64);
    xnet_socket_send_frame(n->fd, marker, 64);
    rx_expect(n, marker, 64, false);
    g_assert_cmphex(ist(n) & IM_RCV_INT, ==, 0);
}

static void expect_accepted(Nic *n, const uint8_t *da, uint16_t flags)
{
    uint8_t frame[64];
    uint16_t status;

    make_frame(frame, 64, da, 0x50);
    xnet_socket_send_frame(n->fd, frame, 64);
    status = rx_expect(n, frame, 64, false);
    g_assert_cmphex(status & (RS_BRODCAST | RS_MULTICAST), ==, flags);
    g_assert_cmphex(RS_HASH(status), ==, mcast_hash(da));
}

static void test_rx_filter(void)
{
    static const uint8_t mcast2[6] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 };
    unsigned hash = mcast_hash(mcast_mac);
    Nic n;

    nic_start(&n);
    rx_enable(&n, 0);
    expect_accepted(&n, test_mac, 0);
    expect_accepted(&n, bcast_mac, RS_BRODCAST | RS_MULTICAST);
    expect_filtered(&n, other_mac);
    expect_filtered(&n, mcast_mac);

    /* The multicast table: byte hash[5:3], bit hash[2:0] */
    g_assert_cmpuint(mcast_hash(mcast2), !=, hash);
    wr8(&n, 3, MT0 + (hash >> 3), 1 << (hash & 7));
    expect_accepted(&n, mcast_mac, RS_MULTICAST);
    expect_filtered(&n, mcast2);

    /* All multicast */
    rx_enable(&n, RCR_ALMUL);
    expect_accepted(&n, mcast2, RS_MULTICAST);
    expect_filtered(&n, other_mac);

    /* Promiscuous */
    rx_enable(&n, RCR_PRMS);
    expect_accepted(&n, other_mac, 0);

    /* A new individual address filters at once */
    rx_enable(&n, 0);
    wr16(&n, 1, IA0 + 4, other_mac[4] | other_mac[5] << 8);
    wr16(&n, 1, IA0 + 2, other_mac[2] | other_mac[3] << 8);
    wr16(&n, 1, IA0, other_mac[0] | other_mac[1] << 8);
    expect_accepted(&n, other_mac, 0);
    nic_stop(&n);
}

/* Frames wait in the backend while memory is full; none is lost */
static void test_rx_backpressure(void)
{
    uint8_t frames[7][200];
    Nic n;
    int i;

    nic_start(&n);
    rx_enable(&n, 0);
    for (i = 0; i < 7; i++) {
        make_frame(frames[i], 200, test_mac, i * 11);
        xnet_socket_send_frame(n.fd, frames[i], 200);
    }
    for (i = 0; i < RX_POLL_MAX && free_pages(&n); i++) {
        /* wait for the first four */
    }
    g_assert_cmpint(free_pages(&n), ==, 0);
    /* Memory full: nothing more comes in, nothing is dropped */
    for (i = 0; i < SETTLE_POLLS; i++) {
        g_assert_cmpint(free_pages(&n), ==, 0);
    }
    g_assert_cmpint(alloc_packet(&n), ==, -1);
    g_assert_cmpuint(counter(&n, "rx-dropped"), ==, 0);
    g_assert_cmpuint(counter(&n, "rx-overruns"), ==, 0);
    g_assert_cmphex(ist(&n) & IM_RX_OVRN_INT, ==, 0);

    /*
     * Releasing the first page serves the pending TX allocation first;
     * freeing that one lets the waiting frames in, in order.
     */
    rx_expect(&n, frames[0], 200, false);
    g_assert_cmphex(rd8(&n, 2, ARR) & AR_FAILED, ==, 0);
    g_assert_cmphex(ist(&n) & IM_ALLOC_INT, ==, IM_ALLOC_INT);
    g_assert_cmpint(free_pages(&n), ==, 0);
    wr8(&n, 2, PNR, rd8(&n, 2, ARR));
    mmu(&n, MC_FREEPKT);
    for (i = 1; i < 7; i++) {
        rx_expect(&n, frames[i], 200, false);
    }
    for (i = 0; i < SETTLE_POLLS; i++) {
        g_assert_cmphex(ist(&n) & IM_RCV_INT, ==, 0);
    }
    g_assert_cmpint(free_pages(&n), ==, NUM_PAGES);
    g_assert_cmpuint(counter(&n, "rx-dropped"), ==, 0);
    nic_stop(&n);
}

/* Looped-back frames with no free page overrun; the chip recovers */
static void test_rx_overrun_loopback(void)
{
    uint8_t frame[128];
    int pages[NUM_PAGES];
    Nic n;
    int i;

    nic_start(&n);
    rx_enable(&n, 0);
    wr16(&n, 1, CONTROL, 0x1210 | CTL_AUTO_RELEASE);
    tx_enable(&n, TCR_EPH_LOOP);

    /* Loopback with memory: the frame comes back, not onto the wire */
    make_frame(frame, 128, test_mac, 1);
    send_frame(&n, frame, 128, 4);
    g_assert_false(xnet_socket_has_frame(n.fd));
    rx_expect(&n, frame, 128, false);
    g_assert_cmpint(free_pages(&n), ==, NUM_PAGES);

    /* Every page taken by TX: the looped frame has nowhere to go */
    for (i = 0; i < NUM_PAGES; i++) {
        pages[i] = alloc_packet(&n);
        g_assert_cmpint(pages[i], >=, 0);
    }
    g_assert_cmpint(alloc_packet(&n), ==, -1);
    write_packet(&n, pages[0], frame, 128, 4);
    ack(&n, IM_RX_OVRN_INT);
    enqueue(&n, pages[0]);
    g_assert_cmphex(ist(&n) & (IM_RX_OVRN_INT | IM_RCV_INT), ==,
                    IM_RX_OVRN_INT);
    g_assert_cmpuint(counter(&n, "rx-overruns"), ==, 1);
    /* Auto-release freed the TX page, which went to the pending alloc */
    g_assert_cmphex(rd8(&n, 2, ARR), ==, pages[0]);
    ack(&n, IM_RX_OVRN_INT);
    g_assert_cmphex(ist(&n) & IM_RX_OVRN_INT, ==, 0);

    /* Recovery: free the pages, loop again */
    for (i = 0; i < NUM_PAGES; i++) {
        wr8(&n, 2, PNR, pages[i]);
        mmu(&n, MC_FREEPKT);
    }
    g_assert_cmpint(free_pages(&n), ==, NUM_PAGES);
    make_frame(frame, 128, test_mac, 2);
    send_frame(&n, frame, 128, 4);
    rx_expect(&n, frame, 128, false);

    /* TCR.LOOP loops back too */
    tx_enable(&n, TCR_LOOP);
    make_frame(frame, 61, bcast_mac, 3);
    send_frame(&n, frame, 61, 1);
    g_assert_false(xnet_socket_has_frame(n.fd));
    rx_expect(&n, frame, 61, false);
    g_assert_cmpuint(counter(&n, "rx-overruns"), ==, 1);
    nic_stop(&n);
}

static void test_mmu_edges(void)
{
    uint8_t frame[100], buf[8];
    Nic n;
    int i, pn;

    nic_start(&n);
    /* Invalid packet numbers: release, enqueue, data access */
    wr8(&n, 2, PNR, 0x3f);
    g_assert_cmphex(rd8(&n, 2, PNR), ==, 0x3f);
    mmu(&n, MC_FREEPKT);
    mmu(&n, MC_ENQUEUE);
    set_ptr(&n, PTR_AUTOINC);
    qtest_writel(n.qts, SMC_BASE + DATA, 0x12345678);
    g_assert_cmphex(qtest_readl(n.qts, SMC_BASE + DATA), ==, 0);
    /* Unallocated packet: not released twice, not sent */
    wr8(&n, 2, PNR, 2);
    mmu(&n, MC_FREEPKT);
    tx_enable(&n, 0);
    mmu(&n, MC_ENQUEUE);
    g_assert_false(xnet_socket_has_frame(n.fd));
    g_assert_cmpint(free_pages(&n), ==, NUM_PAGES);
    /* Empty RX FIFO: remove, release, RX-area data */
    mmu(&n, MC_REMOVE);
    mmu(&n, MC_RELEASE);
    set_ptr(&n, PTR_RCV | PTR_AUTOINC | PTR_READ);
    g_assert_cmphex(qtest_readl(n.qts, SMC_BASE + DATA), ==, 0);
    g_assert_cmphex(rd16(&n, 2, FIFO), ==, 0x8080);

    /* The pointer wraps inside the 2 KiB page */
    pn = alloc_packet(&n);
    wr8(&n, 2, PNR, pn);
    set_ptr(&n, PTR_AUTOINC | 0x7fe);
    qtest_writel(n.qts, SMC_BASE + DATA, 0x44332211);
    g_assert_cmphex(rd16(&n, 2, PTR), ==, PTR_AUTOINC | 0x002);
    set_ptr(&n, PTR_AUTOINC | PTR_READ | 0x7fe);
    data_read(&n, buf, 4, 2);
    g_assert_cmphex(ldl_le_p(buf), ==, 0x44332211);

    /* A byte count below the header size is not sent */
    set_ptr(&n, PTR_AUTOINC);
    qtest_writel(n.qts, SMC_BASE + DATA, 2 << 16);
    enqueue(&n, pn);
    g_assert_false(xnet_socket_has_frame(n.fd));
    g_assert_cmphex(rd8(&n, 2, FIFO), ==, pn);
    /* Enqueued twice while the transmitter is off: queued once */
    wr16(&n, 0, TCR, 0);
    ack(&n, IM_TX_INT);
    enqueue(&n, pn);
    enqueue(&n, pn);
    mmu(&n, MC_RSTTXFIFO);
    tx_enable(&n, 0);
    g_assert_false(xnet_socket_has_frame(n.fd));
    g_assert_cmphex(ist(&n) & IM_TX_INT, ==, 0);

    /* Allocation with no memory fails; a release completes it */
    for (i = 1; i < NUM_PAGES; i++) {
        g_assert_cmpint(alloc_packet(&n), >=, 0);
    }
    g_assert_cmpint(alloc_packet(&n), ==, -1);
    g_assert_cmpint(alloc_packet(&n), ==, -1);
    wr8(&n, 2, PNR, pn);
    mmu(&n, MC_FREEPKT);
    g_assert_cmphex(rd8(&n, 2, ARR), ==, pn);
    g_assert_cmphex(ist(&n) & IM_ALLOC_INT, ==, IM_ALLOC_INT);
    g_assert_cmpint(free_pages(&n), ==, 0);

    /* Reset MMU frees everything */
    mmu(&n, MC_RESET);
    g_assert_cmpint(free_pages(&n), ==, NUM_PAGES);
    g_assert_cmphex(rd16(&n, 2, PNR), ==, 0x8000);
    g_assert_cmphex(ist(&n) & IM_ALLOC_INT, ==, 0);

    /* Unaligned accesses are split into bytes */
    qtest_writew(n.qts, SMC_BASE + BSR - 1, 0x0100);
    g_assert_cmphex(qtest_readw(n.qts, SMC_BASE + BSR), ==, 0x3301);

    /* A frame shorter than an Ethernet header is not sent */
    make_frame(frame, 14, other_mac, 4);
    send_frame(&n, frame, 10, 2);
    g_assert_false(xnet_socket_has_frame(n.fd));
    g_assert_cmphex(rd16(&n, 0, EPHSR), ==, ES_LINK_OK | ES_TX_SUC);
    mmu(&n, MC_RESET);

    /* Still working: a frame out and one in */
    rx_enable(&n, 0);
    make_frame(frame, 100, other_mac, 5);
    send_frame(&n, frame, 100, 4);
    socket_expect(&n, frame, 100);
    make_frame(frame, 100, test_mac, 6);
    xnet_socket_send_frame(n.fd, frame, 100);
    rx_expect(&n, frame, 100, false);
    nic_stop(&n);
}

static void test_irq_line(void)
{
    uint8_t frame[64];
    Nic n;

    nic_start(&n);
    qtest_irq_intercept_out_named(n.qts, n.path, "sysbus-irq");
    /* TX_EMPTY is set at reset but masked */
    g_assert_cmphex(ist(&n), ==, IM_TX_EMPTY_INT);
    g_assert_false(qtest_get_irq(n.qts, 0));
    wr8(&n, 2, MSK, IM_TX_EMPTY_INT);
    g_assert_true(qtest_get_irq(n.qts, 0));
    ack(&n, IM_TX_EMPTY_INT);
    g_assert_false(qtest_get_irq(n.qts, 0));

    /* RCV_INT follows the RX FIFO, whatever is acknowledged */
    wr8(&n, 2, MSK, IM_RCV_INT);
    rx_enable(&n, 0);
    make_frame(frame, 64, test_mac, 1);
    xnet_socket_send_frame(n.fd, frame, 64);
    wait_rcv(&n);
    g_assert_true(qtest_get_irq(n.qts, 0));
    ack(&n, IM_RCV_INT);
    g_assert_true(qtest_get_irq(n.qts, 0));
    wr8(&n, 2, MSK, 0);
    g_assert_false(qtest_get_irq(n.qts, 0));
    wr8(&n, 2, MSK, IM_RCV_INT);
    g_assert_true(qtest_get_irq(n.qts, 0));
    mmu(&n, MC_RELEASE);
    g_assert_false(qtest_get_irq(n.qts, 0));

    /* ALLOC_INT */
    wr8(&n, 2, MSK, IM_ALLOC_INT);
    g_assert_false(qtest_get_irq(n.qts, 0));
    g_assert_cmpint(alloc_packet(&n), >=, 0);
    g_assert_true(qtest_get_irq(n.qts, 0));
    mmu(&n, MC_RESET);
    g_assert_false(qtest_get_irq(n.qts, 0));
    nic_stop(&n);
}

static void test_soft_reset_eeprom(void)
{
    Nic n;

    nic_start(&n);
    /* EEPROM word access through GP and the pointer */
    wr16(&n, 1, GP, 0xbeef);
    set_ptr(&n, 0x10);
    wr16(&n, 1, CONTROL, 0x1210 | CTL_EEPROM_SELECT | CTL_STORE);
    g_assert_cmphex(rd16(&n, 1, CONTROL), ==, 0x1210 | CTL_EEPROM_SELECT);
    wr16(&n, 1, GP, 0);
    wr16(&n, 1, CONTROL, 0x1210 | CTL_EEPROM_SELECT | CTL_RELOAD);
    g_assert_cmphex(rd16(&n, 1, GP), ==, 0xbeef);
    /* The MAC address is at words 0x20-0x22 */
    set_ptr(&n, 0x21);
    wr16(&n, 1, CONTROL, 0x1210 | CTL_EEPROM_SELECT | CTL_RELOAD);
    g_assert_cmphex(rd16(&n, 1, GP), ==, test_mac[2] | test_mac[3] << 8);

    /*
     * RELOAD restores CONFIG, BASE and the individual address; STORE
     * "writes Configuration and Base registers" only (datasheet, Control
     * Register, EEPROM SELECT low).  Before the fix STORE saved the
     * individual address too, and the RELOAD below brought back 0x7788.
     */
    wr16(&n, 1, IA0, 0xaaaa);
    wr16(&n, 1, CONTROL, 0x1210 | CTL_RELOAD);
    g_assert_cmphex(rd16(&n, 1, IA0), ==, test_mac[0] | test_mac[1] << 8);
    wr16(&n, 1, IA0, 0x7788);
    wr16(&n, 1, CONFIG, 0xa0b1 | 0x1000);
    wr16(&n, 1, CONTROL, 0x1210 | CTL_STORE);
    wr16(&n, 1, IA0, 0xaaaa);
    wr16(&n, 1, CONFIG, 0xa0b1);
    wr16(&n, 1, CONTROL, 0x1210 | CTL_RELOAD);
    g_assert_cmphex(rd16(&n, 1, IA0), ==, test_mac[0] | test_mac[1] << 8);
    g_assert_cmphex(rd16(&n, 1, CONFIG), ==, 0xa0b1 | 0x1000);
    /* the address changes in the EEPROM only word by word */
    wr16(&n, 1, GP, 0x7788);
    set_ptr(&n, 0x20);
    wr16(&n, 1, CONTROL, 0x1210 | CTL_EEPROM_SELECT | CTL_STORE);
    wr16(&n, 1, CONTROL, 0x1210 | CTL_RELOAD);
    g_assert_cmphex(rd16(&n, 1, IA0), ==, 0x7788);

    /* Soft reset: CONFIG, BASE and IA survive, the rest does not */
    wr16(&n, 1, CONFIG, 0xa0b1 | 0x1000);
    wr16(&n, 1, GP, 0x1234);
    wr16(&n, 1, CONTROL, 0x1210 | CTL_AUTO_RELEASE);
    wr16(&n, 0, TCR, TCR_TXENA);
    g_assert_cmpint(alloc_packet(&n), >=, 0);
    wr8(&n, 3, MT0, 0xff);
    wr16(&n, 0, RCR, RCR_SOFTRST);
    wr16(&n, 0, RCR, 0);
    g_assert_cmphex(rd16(&n, 1, CONFIG), ==, 0xa0b1 | 0x1000);
    g_assert_cmphex(rd16(&n, 1, IA0), ==, 0x7788);
    g_assert_cmphex(rd16(&n, 1, GP), ==, 0);
    g_assert_cmphex(rd16(&n, 1, CONTROL), ==, 0x1210);
    g_assert_cmphex(rd16(&n, 0, TCR), ==, 0);
    g_assert_cmphex(rd8(&n, 3, MT0), ==, 0);
    g_assert_cmpint(free_pages(&n), ==, NUM_PAGES);
    g_assert_cmphex(rd16(&n, 2, PNR), ==, 0x8000);

    /* A system reset reloads everything from the EEPROM */
    wr16(&n, 1, CONFIG, 0xa0b1);
    qtest_system_reset(n.qts);
    g_assert_cmphex(rd16(&n, 1, IA0), ==, 0x7788);
    g_assert_cmphex(rd16(&n, 1, CONFIG), ==, 0xa0b1 | 0x1000);
    nic_stop(&n);
}

/* Wait for the MIGRATION event that says it is over */
static void migration_wait(QTestState *qts)
{
    bool done = false;

    while (!done) {
        QDict *ev = qtest_qmp_eventwait_ref(qts, "MIGRATION");
        const char *st = qdict_get_str(qdict_get_qdict(ev, "data"), "status");

        g_assert_cmpstr(st, !=, "failed");
        done = !strcmp(st, "completed");
        qobject_unref(ev);
    }
}

static void migration_events(QTestState *qts)
{
    qtest_qmp_assert_success(qts, "{'execute': 'migrate-set-capabilities',"
                             " 'arguments': {'capabilities': [{"
                             " 'capability': 'events', 'state': true}]}}");
}

/* Save mid-traffic (a received frame, a TX packet, PHY settings), restore */
static void test_migration(void)
{
    g_autofree char *file = g_strdup_printf("%s/smc91c111-mig-%d",
                                            g_get_tmp_dir(), getpid());
    g_autofree char *uri = g_strdup_printf("file:%s", file);
    uint8_t rx_frame[150], tx_frame[90];
    Nic src, dst;
    int pn;

    nic_start(&src);
    rx_enable(&src, 0);
    phy_write(&src, MII_ADVERTISE, 0x0061);
    wr8(&src, 2, MSK, IM_RCV_INT | IM_EPH_INT);
    make_frame(rx_frame, 150, test_mac, 1);
    xnet_socket_send_frame(src.fd, rx_frame, 150);
    wait_rcv(&src);
    pn = alloc_packet(&src);
    make_frame(tx_frame, 90, other_mac, 2);
    write_packet(&src, pn, tx_frame, 90, 4);
    set_ptr(&src, PTR_AUTOINC | 8);
    select_bank(&src, 3);

    migration_events(src.qts);
    qtest_qmp_assert_success(src.qts, "{'execute': 'migrate', 'arguments':"
                             " {'uri': %s}}", uri);
    migration_wait(src.qts);
    nic_stop(&src);

    nic_start_with(&dst, "-incoming defer");
    migration_events(dst.qts);
    /* No self-announcement (RARP) frames on the socket */
    qtest_qmp_assert_success(dst.qts, "{'execute': 'migrate-set-parameters',"
                             " 'arguments': {'announce-rounds': 0}}");
    qtest_qmp_assert_success(dst.qts, "{'execute': 'migrate-incoming',"
                             " 'arguments': {'uri': %s}}", uri);
    migration_wait(dst.qts);
    unlink(file);

    g_assert_cmphex(qtest_readw(dst.qts, SMC_BASE + BSR), ==, 0x3303);
    g_assert_cmphex(rd16(&dst, 2, PTR), ==, PTR_AUTOINC | 8);
    g_assert_cmphex(rd8(&dst, 2, MSK), ==, IM_RCV_INT | IM_EPH_INT);
    g_assert_cmphex(phy_read(&dst, MII_ADVERTISE), ==, 0x0061);
    g_assert_cmpint(free_pages(&dst), ==, NUM_PAGES - 2);
    /* The packet in memory goes out; the received one is still there */
    tx_enable(&dst, 0);
    enqueue(&dst, pn);
    socket_expect(&dst, tx_frame, 90);
    rx_expect(&dst, rx_frame, 150, false);
    make_frame(rx_frame, 150, test_mac, 3);
    xnet_socket_send_frame(dst.fd, rx_frame, 150);
    rx_expect(&dst, rx_frame, 150, false);
    nic_stop(&dst);
}

/*
 * A stream whose MII shifter says WRITE_DATA with all 18 bits in: the
 * next clock would never complete the frame (the count runs past 18), so
 * post_load must refuse it.  The stream is a real one, saved 17 bits into
 * a write frame, with that count patched to 18.  Before the fix the
 * destination accepted it.
 */
static void test_migration_bad_mii(void)
{
    g_autofree char *file = g_strdup_printf("%s/smc91c111-mii-%d",
                                            g_get_tmp_dir(), getpid());
    g_autofree char *uri = g_strdup_printf("file:%s", file);
    /* mii_state WRITE_DATA, 32 preamble ones, 17 bits, shifter, header */
    const uint8_t saved[] = {
        0, 0, 0, 2, 0, 0, 0, 32, 0, 0, 0, 17, 0, 0, 0x5a, 0x5a,
        0, 0, 0x14, 0x02,
    };
    g_autofree gchar *stream = NULL;
    gsize len;
    Nic src, dst;
    QDict *ev;
    const char *st;
    uint8_t *hit;

    nic_start(&src);
    mii_out(&src, 0xffffffff, 32);
    mii_out(&src, 5 << 10 | PHY_ADDR << 5 | 2, 14);    /* write, reg 2 */
    mii_out(&src, 0x5a5a, 17);
    migration_events(src.qts);
    qtest_qmp_assert_success(src.qts, "{'execute': 'migrate', 'arguments':"
                             " {'uri': %s}}", uri);
    migration_wait(src.qts);
    nic_stop(&src);

    g_assert_true(g_file_get_contents(file, &stream, &len, NULL));
    hit = memmem(stream, len, saved, sizeof(saved));
    g_assert_nonnull(hit);
    g_assert_null(memmem(hit + 1, len - (hit + 1 - (uint8_t *)stream),
                         saved, sizeof(saved)));
    hit[11] = 18;
    g_assert_true(g_file_set_contents(file, stream, len, NULL));

    nic_start_with(&dst, "-incoming defer");
    migration_events(dst.qts);
    qtest_qmp_assert_success(dst.qts, "{'execute': 'migrate-incoming',"
                             " 'arguments': {'uri': %s,"
                             " 'exit-on-error': false}}", uri);
    do {
        ev = qtest_qmp_eventwait_ref(dst.qts, "MIGRATION");
        st = qdict_get_str(qdict_get_qdict(ev, "data"), "status");
        g_assert_cmpstr(st, !=, "completed");
        if (!strcmp(st, "failed")) {
            qobject_unref(ev);
            break;
        }
        qobject_unref(ev);
    } while (true);
    unlink(file);
    nic_stop(&dst);
}

/* The other boards that wire up an SMC91C111 */
static void test_boards(void)
{
    static const struct {
        const char *machine;
        uint64_t base;
    } boards[] = {
        { "versatilepb", 0x10010000 },
        { "versatileab", 0x10010000 },
        { "integratorcp", 0xc8000000 },
    };
    int i;

    for (i = 0; i < ARRAY_SIZE(boards); i++) {
        QTestState *qts = qtest_initf("-M %s -nic user,model=smc91c111",
                                      boards[i].machine);

        g_assert_cmphex(qtest_readw(qts, boards[i].base + BSR), ==, 0x3300);
        qtest_writew(qts, boards[i].base + BSR, 3);
        g_assert_cmphex(qtest_readw(qts, boards[i].base + REV), ==, 0x3391);
        qtest_quit(qts);
    }
}

/*
 * A snapshot of upstream QEMU's SMC91C111 model (section 'smc91c111', version
 * 1 in QEMU 10.0) is refused with an error that names the device and
 * says why; before, QEMU said "Unknown savevm section".  The stream is
 * built by hand (a pristine upstream build is not made in this suite):
 * the section header is all the loader reads before refusing.
 */
static void test_upstream_snapshot(void)
{
    g_autofree char *file = g_strdup_printf("%s/smc91c111-upstream-%d",
                                            g_get_tmp_dir(), getpid());
    g_autofree char *args = g_strdup_printf(
        "-M realview-eb -net nic,model=smc91c111 "
        "-global migration.send-configuration=off -incoming file:%s", file);

    xnet_write_foreign_stream(file, "smc91c111", 1);
    xnet_expect_startup_error(args, "state of upstream QEMU's SMC91C111 model");
    unlink(file);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    qtest_add_func("/smc91c111/reset-values", test_reset_values);
    qtest_add_func("/smc91c111/phy", test_phy);
    qtest_add_func("/smc91c111/tx", test_tx);
    qtest_add_func("/smc91c111/tx-lost-carrier", test_tx_lost_carrier);
    qtest_add_func("/smc91c111/rx", test_rx);
    qtest_add_func("/smc91c111/rx-filter", test_rx_filter);
    qtest_add_func("/smc91c111/rx-backpressure", test_rx_backpressure);
    qtest_add_func("/smc91c111/rx-overrun-loopback",
                   test_rx_overrun_loopback);
    qtest_add_func("/smc91c111/mmu-edges", test_mmu_edges);
    qtest_add_func("/smc91c111/irq-line", test_irq_line);
    qtest_add_func("/smc91c111/soft-reset-eeprom", test_soft_reset_eeprom);
    qtest_add_func("/smc91c111/migration", test_migration);
    qtest_add_func("/smc91c111/upstream-snapshot", test_upstream_snapshot);
    qtest_add_func("/smc91c111/migration-bad-mii", test_migration_bad_mii);
    qtest_add_func("/smc91c111/boards", test_boards);
    return g_test_run();
}
