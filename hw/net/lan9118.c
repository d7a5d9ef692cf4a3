/*
 * SMSC LAN9118 10/100 non-PCI Ethernet controller
 *
 * Copyright (c) 2026 The qemu-xnet authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Written from the SMSC LAN9118 datasheet (revision 1.5) and from what the
 * Linux smsc911x driver expects of the chip.  The internal PHY is QEMU's
 * lan9118-phy device.
 *
 * Model notes (where the emulation has to choose):
 *
 * - The host sees four FIFOs: TX data (which also carries the TX commands),
 *   TX status, RX data and RX status.  HW_CFG.TX_FIF_SZ splits the 16 KiB of
 *   FIFO memory between them exactly as the datasheet's table does.
 * - The transmitter consumes the TX data FIFO word by word while it is on
 *   (TX_CFG.TX_ON and MAC_CR.TXEN); a frame goes out when its last segment
 *   is complete.  While it is off, data stays in the FIFO.  A frame whose
 *   commands are inconsistent (TX command B differing between segments,
 *   buffer sizes not adding up to the packet length, a segment outside a
 *   packet, a packet longer than 1518 bytes, 1522 with CRC_DISABLE whose
 *   FCS is stripped) raises TXE, is discarded and produces no TX status;
 *   the transmitter then carries on with the next command, as the
 *   datasheet says it continues operation after TXE.
 * - TX_IOC is set when a buffer whose command A has IOC is completely in
 *   the TX data FIFO (the datasheet's definition of IOC), transmitter on
 *   or off: the host side of the FIFO is followed word by word for it.
 * - Received frames are stored with their FCS (the RX status length counts
 *   it, as on the chip), after RX_CFG.RXDOFF offset bytes and padded to the
 *   RX end alignment.  Frames from the network backend shorter than the
 *   Ethernet minimum are padded first, as the wire would carry them.
 * - Flow control: an enabled receiver never drops what a backend offers
 *   for want of room.  While the RX FIFOs cannot take a maximum-size frame,
 *   .can_receive is false; a frame that does not fit is refused (receive
 *   returns 0) and QEMU's net queue keeps it.  Whenever the guest frees RX
 *   FIFO space the device flushes that queue.  RX_DROP (and RXDF) count the
 *   frames the chip itself had nowhere to put: a frame larger than the
 *   whole RX data FIFO, and looped-back frames meeting a full RX FIFO.
 *   Frames rejected by the address filter are not "dropped" frames and are
 *   not counted.
 * - With the receiver off (MAC_CR.RXEN clear) or in a loopback mode the
 *   MAC does not hear the wire: .can_receive says yes and the frames are
 *   lost (not counted in RX_DROP, which the MAC never reaches), so that a
 *   sender is never held up by a receiver that is off.
 * - Every frame thrown away, for any reason but the address filter, is
 *   counted in the read-only QOM property rx-dropped and traced.
 * - Loopback (MAC_CR.LOOPBK or PHY BMCR loopback) hands the frame straight
 *   to the receive path inside the device: it never passes through the net
 *   layer or MMIO, and the receive path never starts a transmission, so
 *   there is no recursion.
 * - Everything the chip does with a delay (soft reset, EEPROM and MAC CSR
 *   commands, MII accesses, RX fast-forward, FIFO dumps) completes at once,
 *   so the busy bits always read 0.
 * - The IRQ de-assertion interval (IRQ_CFG.INT_DEAS): once the pin
 *   de-asserts it stays de-asserted for INT_DEAS * 10 us of virtual time.
 *   The interval's end is recorded, and a timer is armed only when an
 *   interrupt has to wait for it.
 * - FIFO level interrupts (RSFL, RSFF, TSFL, TSFF, TDFA) are set whenever
 *   their condition holds, so clearing one while the condition persists
 *   sets it again; this is what lets the Linux driver clear RSFL after its
 *   last RX status read without losing a frame that arrived meanwhile.
 * - 16-bit accesses: in 16-bit bus mode the chip builds each 32-bit access
 *   from two 16-bit ones.  A read of either half performs the 32-bit read
 *   (with its side effects) and latches the other half for the next read
 *   of it, so a pair pops a FIFO once in either order; a write of a low
 *   half is held until the upper half arrives.  The same applies with a
 *   32-bit bus, so boards whose guests use 16-bit accesses keep working.
 *   The mode_16bit property only changes what HW_CFG reports.
 * - Not modelled: wake-up frame and magic packet detection (WUFF/WUCSR are
 *   plain registers), GPIO pins and their interrupts, pause frames (FLOW,
 *   AFC_CFG are plain registers), MAC pad stripping, TX checksum/underrun.
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "qemu/bitops.h"
#include "qemu/host-utils.h"
#include "qemu/error-report.h"
#include "qemu/log.h"
#include "qemu/module.h"
#include "qemu/timer.h"
#include "qemu/bswap.h"
#include "qapi/error.h"
#include "hw/sysbus.h"
#include "hw/irq.h"
#include "hw/ptimer.h"
#include "hw/qdev-properties.h"
#include "hw/registerfields.h"
#include "hw/resettable.h"
#include "hw/net/lan9118.h"
#include "hw/net/lan9118_phy.h"
#include "hw/net/mii.h"
#include "migration/vmstate.h"
#include "net/net.h"
#include "net/eth.h"
#include "xnet/trace.h"
#include <zlib.h> /* crc32() for the FCS */

OBJECT_DECLARE_SIMPLE_TYPE(Lan9118State, LAN9118)

/* System control and status registers (byte offsets) */
REG32(RX_DATA_FIFO, 0x00)           /* and its aliases up to 0x1c */
REG32(TX_DATA_FIFO, 0x20)           /* and its aliases up to 0x3c */
REG32(RX_STATUS_FIFO, 0x40)
REG32(RX_STATUS_FIFO_PEEK, 0x44)
REG32(TX_STATUS_FIFO, 0x48)
REG32(TX_STATUS_FIFO_PEEK, 0x4c)
REG32(ID_REV, 0x50)
REG32(IRQ_CFG, 0x54)
    FIELD(IRQ_CFG, IRQ_TYPE, 0, 1)
    FIELD(IRQ_CFG, IRQ_POL, 4, 1)
    FIELD(IRQ_CFG, IRQ_EN, 8, 1)
    FIELD(IRQ_CFG, IRQ_INT, 12, 1)
    FIELD(IRQ_CFG, INT_DEAS_STS, 13, 1)
    FIELD(IRQ_CFG, INT_DEAS_CLR, 14, 1)
    FIELD(IRQ_CFG, INT_DEAS, 24, 8)
REG32(INT_STS, 0x58)                /* INT_EN uses the same bit layout */
    FIELD(INT_STS, GPIO, 0, 3)
    FIELD(INT_STS, RSFL, 3, 1)
    FIELD(INT_STS, RSFF, 4, 1)
    FIELD(INT_STS, RXDF, 6, 1)
    FIELD(INT_STS, TSFL, 7, 1)
    FIELD(INT_STS, TSFF, 8, 1)
    FIELD(INT_STS, TDFA, 9, 1)
    FIELD(INT_STS, TDFO, 10, 1)
    FIELD(INT_STS, TDFU, 11, 1)
    FIELD(INT_STS, TXE, 13, 1)
    FIELD(INT_STS, RXE, 14, 1)
    FIELD(INT_STS, RWT, 15, 1)
    FIELD(INT_STS, TXSO, 16, 1)
    FIELD(INT_STS, PME, 17, 1)
    FIELD(INT_STS, PHY, 18, 1)
    FIELD(INT_STS, GPT, 19, 1)
    FIELD(INT_STS, RXD, 20, 1)
    FIELD(INT_STS, TX_IOC, 21, 1)
    FIELD(INT_STS, RXDFH, 23, 1)
    FIELD(INT_STS, RXSTOP, 24, 1)
    FIELD(INT_STS, TXSTOP, 25, 1)
    FIELD(INT_STS, SW, 31, 1)
REG32(INT_EN, 0x5c)
REG32(BYTE_TEST, 0x64)
REG32(FIFO_INT, 0x68)
    FIELD(FIFO_INT, RX_STS_LEVEL, 0, 8)
    FIELD(FIFO_INT, TX_STS_LEVEL, 16, 8)
    FIELD(FIFO_INT, TX_AVAIL_LEVEL, 24, 8)
REG32(RX_CFG, 0x6c)
    FIELD(RX_CFG, RXDOFF, 8, 5)
    FIELD(RX_CFG, RX_DUMP, 15, 1)
    FIELD(RX_CFG, RX_DMA_CNT, 16, 12)
    FIELD(RX_CFG, RX_EA, 30, 2)
REG32(TX_CFG, 0x70)
    FIELD(TX_CFG, STOP_TX, 0, 1)
    FIELD(TX_CFG, TX_ON, 1, 1)
    FIELD(TX_CFG, TXSAO, 2, 1)
    FIELD(TX_CFG, TXD_DUMP, 14, 1)
    FIELD(TX_CFG, TXS_DUMP, 15, 1)
REG32(HW_CFG, 0x74)
    FIELD(HW_CFG, SRST, 0, 1)
    FIELD(HW_CFG, BUS_32BIT, 2, 1)
    FIELD(HW_CFG, TR, 12, 2)
    FIELD(HW_CFG, TX_FIF_SZ, 16, 4)
    FIELD(HW_CFG, SF, 20, 1)
    FIELD(HW_CFG, TTM, 21, 1)
REG32(RX_DP_CTRL, 0x78)
    FIELD(RX_DP_CTRL, RX_FFWD, 31, 1)
REG32(RX_FIFO_INF, 0x7c)
    FIELD(RX_FIFO_INF, RXDUSED, 0, 16)
    FIELD(RX_FIFO_INF, RXSUSED, 16, 8)
REG32(TX_FIFO_INF, 0x80)
    FIELD(TX_FIFO_INF, TDFREE, 0, 16)
    FIELD(TX_FIFO_INF, TSUSED, 16, 8)
REG32(PMT_CTRL, 0x84)
    FIELD(PMT_CTRL, READY, 0, 1)
    FIELD(PMT_CTRL, PME_EN, 1, 1)
    FIELD(PMT_CTRL, PME_POL, 2, 1)
    FIELD(PMT_CTRL, PME_IND, 3, 1)
    FIELD(PMT_CTRL, WUPS, 4, 2)
    FIELD(PMT_CTRL, PME_TYPE, 6, 1)
    FIELD(PMT_CTRL, ED_EN, 8, 1)
    FIELD(PMT_CTRL, WOL_EN, 9, 1)
    FIELD(PMT_CTRL, PHY_RST, 10, 1)
    FIELD(PMT_CTRL, PM_MODE, 12, 2)
REG32(GPIO_CFG, 0x88)
    FIELD(GPIO_CFG, EEPR_EN, 20, 3)
REG32(GPT_CFG, 0x8c)
    FIELD(GPT_CFG, GPT_LOAD, 0, 16)
    FIELD(GPT_CFG, TIMER_EN, 29, 1)
REG32(GPT_CNT, 0x90)
REG32(WORD_SWAP, 0x98)
REG32(FREE_RUN, 0x9c)
REG32(RX_DROP, 0xa0)
REG32(MAC_CSR_CMD, 0xa4)
    FIELD(MAC_CSR_CMD, ADDR, 0, 8)
    FIELD(MAC_CSR_CMD, R_NOT_W, 30, 1)
    FIELD(MAC_CSR_CMD, BUSY, 31, 1)
REG32(MAC_CSR_DATA, 0xa8)
REG32(AFC_CFG, 0xac)
REG32(E2P_CMD, 0xb0)
    FIELD(E2P_CMD, ADDR, 0, 8)
    FIELD(E2P_CMD, MAC_LOADED, 8, 1)
    FIELD(E2P_CMD, TIMEOUT, 9, 1)
    FIELD(E2P_CMD, CMD, 28, 3)
    FIELD(E2P_CMD, BUSY, 31, 1)
REG32(E2P_DATA, 0xb4)

#define LAN9118_MMIO_SIZE       0x100

#define LAN9118_ID_REV          0x01180001  /* chip 0x0118, revision 1 */
#define LAN9118_BYTE_TEST       0x87654321
#define LAN9118_WORD_SWAP_ON    0xffffffff

/* Bits of INT_STS/INT_EN the LAN9118 implements */
#define INT_IMPLEMENTED \
    (R_INT_STS_GPIO_MASK | R_INT_STS_RSFL_MASK | R_INT_STS_RSFF_MASK |     \
     R_INT_STS_RXDF_MASK | R_INT_STS_TSFL_MASK | R_INT_STS_TSFF_MASK |     \
     R_INT_STS_TDFA_MASK | R_INT_STS_TDFO_MASK | R_INT_STS_TDFU_MASK |     \
     R_INT_STS_TXE_MASK | R_INT_STS_RXE_MASK | R_INT_STS_RWT_MASK |        \
     R_INT_STS_TXSO_MASK | R_INT_STS_PME_MASK | R_INT_STS_PHY_MASK |       \
     R_INT_STS_GPT_MASK | R_INT_STS_RXD_MASK | R_INT_STS_TX_IOC_MASK |     \
     R_INT_STS_RXDFH_MASK | R_INT_STS_RXSTOP_MASK | R_INT_STS_TXSTOP_MASK | \
     R_INT_STS_SW_MASK)

/* INT_STS.PHY follows the PHY's interrupt line; it cannot be cleared here */
#define INT_WRITE_TO_CLEAR      (INT_IMPLEMENTED & ~R_INT_STS_PHY_MASK)

#define IRQ_CFG_WRITABLE \
    (R_IRQ_CFG_IRQ_TYPE_MASK | R_IRQ_CFG_IRQ_POL_MASK | \
     R_IRQ_CFG_IRQ_EN_MASK | R_IRQ_CFG_INT_DEAS_MASK)
#define FIFO_INT_WRITABLE \
    (R_FIFO_INT_RX_STS_LEVEL_MASK | R_FIFO_INT_TX_STS_LEVEL_MASK | \
     R_FIFO_INT_TX_AVAIL_LEVEL_MASK)
#define FIFO_INT_RESET          0x48000000
#define RX_CFG_WRITABLE \
    (R_RX_CFG_RXDOFF_MASK | R_RX_CFG_RX_DMA_CNT_MASK | R_RX_CFG_RX_EA_MASK)
#define TX_CFG_WRITABLE \
    (R_TX_CFG_STOP_TX_MASK | R_TX_CFG_TX_ON_MASK | R_TX_CFG_TXSAO_MASK)
#define HW_CFG_WRITABLE \
    (R_HW_CFG_TR_MASK | R_HW_CFG_TX_FIF_SZ_MASK | R_HW_CFG_SF_MASK | \
     R_HW_CFG_TTM_MASK)
#define PMT_CTRL_WRITABLE \
    (R_PMT_CTRL_PME_EN_MASK | R_PMT_CTRL_PME_POL_MASK | \
     R_PMT_CTRL_PME_IND_MASK | R_PMT_CTRL_PME_TYPE_MASK | \
     R_PMT_CTRL_ED_EN_MASK | R_PMT_CTRL_WOL_EN_MASK | R_PMT_CTRL_PM_MODE_MASK)
#define GPIO_CFG_WRITABLE       0x7777071f
#define GPT_CFG_WRITABLE \
    (R_GPT_CFG_GPT_LOAD_MASK | R_GPT_CFG_TIMER_EN_MASK)
#define GPT_CFG_RESET           0x0000ffff
#define AFC_CFG_WRITABLE        0x00ffffff

/* MAC control and status registers, reached through MAC_CSR_CMD/DATA */
enum {
    MAC_CSR_MAC_CR = 1,
    MAC_CSR_ADDRH = 2,
    MAC_CSR_ADDRL = 3,
    MAC_CSR_HASHH = 4,
    MAC_CSR_HASHL = 5,
    MAC_CSR_MII_ACC = 6,
    MAC_CSR_MII_DATA = 7,
    MAC_CSR_FLOW = 8,
    MAC_CSR_VLAN1 = 9,
    MAC_CSR_VLAN2 = 10,
    MAC_CSR_WUFF = 11,
    MAC_CSR_WUCSR = 12,
};

FIELD(MAC_CR, RXEN, 2, 1)
FIELD(MAC_CR, TXEN, 3, 1)
FIELD(MAC_CR, PADSTR, 8, 1)
FIELD(MAC_CR, BCAST, 11, 1)         /* 1: broadcast frames disabled */
FIELD(MAC_CR, HPFILT, 13, 1)
FIELD(MAC_CR, HO, 15, 1)
FIELD(MAC_CR, PASSBAD, 16, 1)
FIELD(MAC_CR, INVFILT, 17, 1)
FIELD(MAC_CR, PRMS, 18, 1)
FIELD(MAC_CR, MCPAS, 19, 1)
FIELD(MAC_CR, LOOPBK, 21, 1)
FIELD(MAC_CR, RXALL, 31, 1)
#define MAC_CR_WRITABLE         0x90bfbdec
#define MAC_CR_RESET            R_MAC_CR_PRMS_MASK

FIELD(MII_ACC, BUSY, 0, 1)
FIELD(MII_ACC, WRITE, 1, 1)
FIELD(MII_ACC, INDEX, 6, 5)
FIELD(MII_ACC, PHY_ADDR, 11, 5)
#define MII_ACC_WRITABLE \
    (R_MII_ACC_WRITE_MASK | R_MII_ACC_INDEX_MASK | R_MII_ACC_PHY_ADDR_MASK)

FIELD(FLOW, FCBSY, 0, 1)
#define FLOW_WRITABLE           0xffff0006

FIELD(WUCSR, MPEN, 1, 1)
FIELD(WUCSR, WAKE_EN, 2, 1)
FIELD(WUCSR, MPR, 5, 1)
FIELD(WUCSR, WUFR, 6, 1)
FIELD(WUCSR, GUE, 9, 1)

#define LAN9118_VLAN_RESET      0xffff
#define LAN9118_WUFF_WORDS      8

/* The internal PHY answers at this MII address only */
#define LAN9118_PHY_ADDR        1

/* EEPROM: a 93C46-style 128-byte part; 0xa5 at 0 marks a programmed MAC */
#define LAN9118_EEPROM_SIZE     128
#define LAN9118_EEPROM_SIG      0xa5
enum {
    E2P_READ = 0,
    E2P_EWDS = 1,
    E2P_EWEN = 2,
    E2P_WRITE = 3,
    E2P_WRAL = 4,
    E2P_ERASE = 5,
    E2P_ERAL = 6,
    E2P_RELOAD = 7,
};

/* TX command A and B */
FIELD(TX_CMD_A, BUF_SIZE, 0, 11)
FIELD(TX_CMD_A, LAST_SEG, 12, 1)
FIELD(TX_CMD_A, FIRST_SEG, 13, 1)
FIELD(TX_CMD_A, DATA_OFFSET, 16, 5)
FIELD(TX_CMD_A, END_ALIGN, 24, 2)
FIELD(TX_CMD_A, IOC, 31, 1)
FIELD(TX_CMD_B, PKT_LEN, 0, 11)
FIELD(TX_CMD_B, PAD_DISABLE, 12, 1)
FIELD(TX_CMD_B, CRC_DISABLE, 13, 1)
FIELD(TX_CMD_B, PKT_TAG, 16, 16)

/* TX status word */
FIELD(TX_STS, NO_CARRIER, 10, 1)
FIELD(TX_STS, LOSS_OF_CARRIER, 11, 1)
FIELD(TX_STS, ES, 15, 1)
FIELD(TX_STS, PKT_TAG, 16, 16)

/* RX status word */
FIELD(RX_STS, RWT, 4, 1)
FIELD(RX_STS, FRAME_TYPE, 5, 1)
FIELD(RX_STS, TOO_LONG, 7, 1)
FIELD(RX_STS, MCAST, 10, 1)
FIELD(RX_STS, RUNT, 11, 1)
FIELD(RX_STS, LEN_ERR, 12, 1)
FIELD(RX_STS, BCAST, 13, 1)
FIELD(RX_STS, ES, 15, 1)
FIELD(RX_STS, PKT_LEN, 16, 14)
FIELD(RX_STS, FILTER_FAIL, 30, 1)
#define RX_STS_ERRORS \
    (R_RX_STS_RUNT_MASK | R_RX_STS_TOO_LONG_MASK)

/* FIFO memory: 16 KiB split by HW_CFG.TX_FIF_SZ (in KiB) */
#define LAN9118_FIFO_BYTES      (16 * KiB)
#define LAN9118_TX_STATUS_BYTES 512
#define TX_FIF_SZ_MIN           2
#define TX_FIF_SZ_MAX           14
#define TX_FIF_SZ_RESET         5
/* Largest FIFOs the split allows, which size the backing arrays */
#define TX_DATA_WORDS_MAX \
    ((TX_FIF_SZ_MAX * KiB - LAN9118_TX_STATUS_BYTES) / 4)
#define RX_FIFO_BYTES_MAX       (LAN9118_FIFO_BYTES - TX_FIF_SZ_MIN * KiB)
#define RX_DATA_WORDS_MAX \
    ((RX_FIFO_BYTES_MAX - RX_FIFO_BYTES_MAX / 16) / 4)
#define RX_STATUS_MAX           (RX_FIFO_BYTES_MAX / 64)
#define TX_STATUS_MAX           (LAN9118_TX_STATUS_BYTES / 4)
/* Frames whose data sits in the RX data FIFO (runts may be stored) */
#define RX_FRAMES_MAX           256

/* Ethernet sizes, FCS included unless said otherwise */
#define ETH_MAX_PAYLOAD         1500    /* larger type fields are types */
#define ETH_MIN_FRAME           (ETH_ZLEN + ETH_FCS_LEN)        /* 64 */
#define ETH_MAX_FRAME           1518
#define ETH_MAX_VLAN_FRAME      1522
/* The receive watchdog cuts frames off here */
#define LAN9118_RX_FRAME_MAX    2048
/* What can() must find room for: a tagged maximum-size frame */
#define LAN9118_RX_ROOM_FRAME   ETH_MAX_VLAN_FRAME
/* The longest frame sent: a maximum-size tagged frame without FCS */
#define LAN9118_TX_FRAME_MAX    (ETH_MAX_VLAN_FRAME - ETH_FCS_LEN)
/* The TX buffer: that frame plus the FCS a guest writes with CRC_DISABLE */
#define LAN9118_TX_BUF_MAX      ETH_MAX_VLAN_FRAME
#define LAN9118_RXDOFF_MAX      31
#define LAN9118_RX_BUF_BYTES \
    ROUND_UP(LAN9118_RXDOFF_MAX + LAN9118_RX_FRAME_MAX, 32)
/* One TX segment: up to 31 offset bytes, 2047 data bytes, 32-byte aligned */
#define LAN9118_TX_SEG_WORDS_MAX \
    (ROUND_UP(31 + R_TX_CMD_A_BUF_SIZE_MASK, 32) / 4)

#define GPT_PERIOD_NS           (100 * SCALE_US)
#define GPT_COUNT_MAX           0xffff
#define INT_DEAS_UNIT_NS        (10 * SCALE_US)
#define INT_DEAS_MAX_NS         ((int64_t)MAKE_64BIT_MASK(0, \
                                 R_IRQ_CFG_INT_DEAS_LENGTH) * INT_DEAS_UNIT_NS)
#define FREE_RUN_HZ             25000000

typedef enum Lan9118TxState {
    LAN9118_TX_CMD_A,           /* waiting for TX command A */
    LAN9118_TX_CMD_B,           /* waiting for TX command B */
    LAN9118_TX_DATA,            /* taking a segment's data words */
    LAN9118_TX_FRAME_READY,     /* frame complete, waiting for status room */
} Lan9118TxState;

typedef enum Lan9118RxResult {
    LAN9118_RX_STORED,
    LAN9118_RX_DISCARDED,       /* filtered, or a runt the MAC throws away */
    LAN9118_RX_NO_ROOM,
} Lan9118RxResult;

/* A ring over a backing array; the FIFO's capacity may be smaller */
typedef struct Lan9118Ring {
    uint32_t head;
    uint32_t count;
} Lan9118Ring;

struct Lan9118State {
    SysBusDevice parent_obj;

    MemoryRegion mmio;
    qemu_irq irq;
    NICState *nic;
    NICConf conf;
    uint32_t mode_16bit;
    Lan9118PhyState phy;
    IRQState phy_irq;
    ptimer_state *gpt;
    QEMUTimer *deassert_timer;

    /* System CSRs: interrupt controller */
    uint32_t int_en;
    uint32_t int_sts;
    uint32_t irq_cfg;
    uint32_t fifo_int;
    /* System CSRs: data path set-up */
    uint32_t hw_cfg;
    uint32_t word_swap;
    uint32_t tx_cfg;
    uint32_t rx_cfg;
    uint32_t rx_drop;
    /* System CSRs: power management, GPIO, timer, MAC CSR window */
    uint32_t gpt_cfg;
    uint32_t gpio_cfg;
    uint32_t pmt_ctrl;
    uint32_t mac_csr_cmd;
    uint32_t mac_csr_data;
    uint32_t afc_cfg;
    uint32_t e2p_cmd;
    uint32_t e2p_data;
    int64_t free_run_base;

    /* MAC control and status registers */
    uint32_t mac_cr;
    uint32_t mac_addrh;
    uint32_t mac_addrl;
    uint32_t mac_hashh;
    uint32_t mac_hashl;
    uint32_t mii_acc;
    uint32_t mii_data;
    uint32_t mac_flow;
    uint32_t mac_vlan1;
    uint32_t mac_vlan2;
    uint32_t wuff[LAN9118_WUFF_WORDS];
    uint32_t wuff_index;
    uint32_t wucsr;

    /* EEPROM */
    uint8_t eeprom[LAN9118_EEPROM_SIZE];
    bool eeprom_writable;

    /* Interrupt pin */
    bool irq_asserted;
    int64_t deassert_end;       /* QEMU_CLOCK_VIRTUAL ns; 0: no interval */
    bool phy_irq_level;
    int irq_level;

    /*
     * The net layer was told "no" (can_receive false or a frame left
     * queued) and waits for a flush.  Host-side only: post_load sets it.
     */
    bool rx_waiting;
    /* Frames thrown away, the address filter's aside (a QOM property) */
    uint32_t rx_dropped;

    /* FIFOs */
    uint32_t rx_data[RX_DATA_WORDS_MAX];
    Lan9118Ring rx_data_ring;
    uint32_t rx_status[RX_STATUS_MAX];
    Lan9118Ring rx_status_ring;
    uint32_t rx_frame_words[RX_FRAMES_MAX]; /* per frame in rx_data */
    Lan9118Ring rx_frame_words_ring;
    uint32_t tx_data[TX_DATA_WORDS_MAX];
    Lan9118Ring tx_data_ring;
    uint32_t tx_status[TX_STATUS_MAX];
    Lan9118Ring tx_status_ring;

    /* Transmitter */
    uint32_t tx_state;
    uint32_t tx_cmd_a;          /* of the current segment */
    uint32_t tx_cmd_b;          /* of the current packet */
    uint32_t tx_seg_words;      /* data words still to come in the segment */
    uint32_t tx_seg_pos;        /* bytes of the segment seen so far */
    bool tx_in_packet;
    bool tx_packet_bad;
    uint32_t tx_frame_len;
    uint8_t tx_frame[LAN9118_TX_BUF_MAX];
    /* The host side of the TX data FIFO: where its writes are */
    uint32_t tx_load_state;     /* CMD_A, CMD_B or DATA */
    uint32_t tx_load_cmd_a;
    uint32_t tx_load_words;     /* data words of the buffer still to come */

    /* 16-bit access assembly */
    bool read16_valid;
    uint32_t read16_offset;
    uint32_t read16_other;      /* the half read16_offset will return */
    bool write16_valid;
    uint32_t write16_offset;
    uint32_t write16_lower;
};

/* Rings */

static void lan9118_ring_reset(Lan9118Ring *r)
{
    r->head = 0;
    r->count = 0;
}

/* Callers check the FIFO's capacity; a full backing array drops the word */
static void lan9118_ring_push(uint32_t *buf, uint32_t size, Lan9118Ring *r,
                              uint32_t val)
{
    if (r->count < size) {
        buf[(r->head + r->count) % size] = val;
        r->count++;
    }
}

static uint32_t lan9118_ring_peek(const uint32_t *buf, const Lan9118Ring *r)
{
    return r->count ? buf[r->head] : 0;
}

static uint32_t lan9118_ring_pop(const uint32_t *buf, uint32_t size,
                                 Lan9118Ring *r)
{
    uint32_t val;

    if (!r->count) {
        return 0;
    }
    val = buf[r->head];
    r->head = (r->head + 1) % size;
    r->count--;
    return val;
}

static void lan9118_ring_drop(uint32_t size, Lan9118Ring *r, uint32_t n)
{
    n = MIN(n, r->count);
    r->head = (r->head + n) % size;
    r->count -= n;
}

#define RING_PUSH(s, name, val) \
    lan9118_ring_push((s)->name, ARRAY_SIZE((s)->name), &(s)->name##_ring, val)
#define RING_POP(s, name) \
    lan9118_ring_pop((s)->name, ARRAY_SIZE((s)->name), &(s)->name##_ring)
#define RING_PEEK(s, name) \
    lan9118_ring_peek((s)->name, &(s)->name##_ring)
#define RING_DROP(s, name, n) \
    lan9118_ring_drop(ARRAY_SIZE((s)->name), &(s)->name##_ring, n)

/* FIFO sizes from HW_CFG.TX_FIF_SZ */

static uint32_t lan9118_tx_fif_kib(Lan9118State *s)
{
    return FIELD_EX32(s->hw_cfg, HW_CFG, TX_FIF_SZ);
}

static uint32_t lan9118_tx_data_capacity(Lan9118State *s)
{
    return (lan9118_tx_fif_kib(s) * KiB - LAN9118_TX_STATUS_BYTES) / 4;
}

static uint32_t lan9118_rx_fifo_bytes(Lan9118State *s)
{
    return LAN9118_FIFO_BYTES - lan9118_tx_fif_kib(s) * KiB;
}

/* The RX status FIFO takes 1/16 of the RX space, the data FIFO the rest */
static uint32_t lan9118_rx_data_capacity(Lan9118State *s)
{
    uint32_t bytes = lan9118_rx_fifo_bytes(s);

    return (bytes - bytes / 16) / 4;
}

static uint32_t lan9118_rx_status_capacity(Lan9118State *s)
{
    return lan9118_rx_fifo_bytes(s) / 64;
}

static uint32_t lan9118_tx_data_free_bytes(Lan9118State *s)
{
    uint32_t cap = lan9118_tx_data_capacity(s);
    uint32_t used = s->tx_data_ring.count;

    return used < cap ? (cap - used) * 4 : 0;
}

static bool lan9118_fifos_empty(Lan9118State *s)
{
    return !s->rx_data_ring.count && !s->rx_status_ring.count &&
           !s->tx_data_ring.count && !s->tx_status_ring.count;
}

/* Interrupts */

static bool lan9118_irq_active_high(Lan9118State *s)
{
    /* An open-drain pin can only pull low: IRQ_POL counts for push-pull */
    return FIELD_EX32(s->irq_cfg, IRQ_CFG, IRQ_TYPE) &&
           FIELD_EX32(s->irq_cfg, IRQ_CFG, IRQ_POL);
}

/*
 * Arming a timer at every de-assertion would wake QEMU's main loop that
 * often (the Linux driver sets INT_DEAS): only record when it ends.
 */
static void lan9118_start_deassert_interval(Lan9118State *s)
{
    uint32_t units = FIELD_EX32(s->irq_cfg, IRQ_CFG, INT_DEAS);

    timer_del(s->deassert_timer);
    s->deassert_end = units ? qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) +
                              (int64_t)units * INT_DEAS_UNIT_NS : 0;
}

static bool lan9118_deassert_interval_active(Lan9118State *s)
{
    if (s->deassert_end &&
        qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) >= s->deassert_end) {
        s->deassert_end = 0;
    }
    return s->deassert_end != 0;
}

/* Level-style sources: set whenever their FIFO condition holds */
static void lan9118_update_fifo_levels(Lan9118State *s)
{
    uint32_t rx_sts = s->rx_status_ring.count;
    uint32_t tx_sts = s->tx_status_ring.count;

    if (rx_sts > FIELD_EX32(s->fifo_int, FIFO_INT, RX_STS_LEVEL)) {
        s->int_sts |= R_INT_STS_RSFL_MASK;
    }
    if (rx_sts >= lan9118_rx_status_capacity(s)) {
        s->int_sts |= R_INT_STS_RSFF_MASK;
    }
    if (tx_sts > FIELD_EX32(s->fifo_int, FIFO_INT, TX_STS_LEVEL)) {
        s->int_sts |= R_INT_STS_TSFL_MASK;
    }
    if (tx_sts >= TX_STATUS_MAX) {
        s->int_sts |= R_INT_STS_TSFF_MASK;
    }
    if (lan9118_tx_data_free_bytes(s) >
        FIELD_EX32(s->fifo_int, FIFO_INT, TX_AVAIL_LEVEL) * 64) {
        s->int_sts |= R_INT_STS_TDFA_MASK;
    }
}

static void lan9118_set_irq_level(Lan9118State *s, int level, bool force)
{
    if (force || level != s->irq_level) {
        s->irq_level = level;
        trace_lan9118_irq(level, s->int_sts, s->int_en, s->irq_cfg);
        qemu_set_irq(s->irq, level);
    }
}

static void lan9118_update_irq(Lan9118State *s)
{
    bool pending, assert_pin;

    lan9118_update_fifo_levels(s);
    pending = (s->int_sts & s->int_en) != 0;
    s->irq_cfg = FIELD_DP32(s->irq_cfg, IRQ_CFG, IRQ_INT, pending);

    assert_pin = pending && FIELD_EX32(s->irq_cfg, IRQ_CFG, IRQ_EN);
    if (s->irq_asserted && !assert_pin) {
        lan9118_start_deassert_interval(s);
    } else if (!s->irq_asserted && assert_pin &&
               lan9118_deassert_interval_active(s)) {
        /* Held back: the timer asserts it when the interval is over */
        assert_pin = false;
        if (!timer_pending(s->deassert_timer)) {
            timer_mod(s->deassert_timer, s->deassert_end);
        }
    }
    s->irq_asserted = assert_pin;

    lan9118_set_irq_level(s, lan9118_irq_active_high(s) ? assert_pin
                                                        : !assert_pin, false);
}

static void lan9118_deassert_expired(void *opaque)
{
    Lan9118State *s = opaque;

    s->deassert_end = 0;
    lan9118_update_irq(s);
}

static void lan9118_phy_irq(void *opaque, int n, int level)
{
    Lan9118State *s = opaque;

    s->phy_irq_level = level;
    s->int_sts = FIELD_DP32(s->int_sts, INT_STS, PHY, level != 0);
    lan9118_update_irq(s);
}

static void lan9118_gpt_expired(void *opaque)
{
    Lan9118State *s = opaque;

    trace_lan9118_gpt_expired();
    s->int_sts |= R_INT_STS_GPT_MASK;
    lan9118_update_irq(s);
}

/*
 * A frame from the wire, or looped back, that the device threw away for
 * any reason but the address filter: counted in the rx-dropped QOM
 * property (not a chip register; RX_DROP counts only the FIFO
 * controller's drops, and the guest clears it by reading it).
 */
static void lan9118_rx_discard(Lan9118State *s, const char *why, size_t len)
{
    s->rx_dropped++;
    trace_lan9118_rx_discard(why, len);
}

static void lan9118_count_rx_drop(Lan9118State *s)
{
    s->int_sts |= R_INT_STS_RXDF_MASK;
    if (s->rx_drop == UINT32_MAX) {
        return;     /* the counter sticks at its maximum */
    }
    s->rx_drop++;
    if (s->rx_drop == 0x80000000u) {
        /* Past halfway: time the driver read the counter */
        s->int_sts |= R_INT_STS_RXDFH_MASK;
    }
}

/* Receive path */

static bool lan9118_loopback(Lan9118State *s)
{
    return FIELD_EX32(s->mac_cr, MAC_CR, LOOPBK) ||
           (s->phy.control & MII_BMCR_LOOPBACK);
}

static uint32_t lan9118_rx_align(Lan9118State *s)
{
    switch (FIELD_EX32(s->rx_cfg, RX_CFG, RX_EA)) {
    case 1:
        return 16;
    case 2:
        return 32;
    default:
        return 4;
    }
}

/* FIFO words a frame of @len bytes (FCS included) occupies */
static uint32_t lan9118_rx_frame_words(Lan9118State *s, uint32_t len)
{
    return ROUND_UP(FIELD_EX32(s->rx_cfg, RX_CFG, RXDOFF) + len,
                    lan9118_rx_align(s)) / 4;
}

static bool lan9118_rx_has_room(Lan9118State *s, uint32_t len)
{
    uint32_t data_cap = lan9118_rx_data_capacity(s);

    return s->rx_status_ring.count < lan9118_rx_status_capacity(s) &&
           s->rx_frame_words_ring.count < RX_FRAMES_MAX &&
           s->rx_data_ring.count <= data_cap &&
           data_cap - s->rx_data_ring.count >= lan9118_rx_frame_words(s, len);
}

/*
 * Whether frames from the wire reach the MAC receiver.  With RXEN clear
 * the receiver ignores them; in MAC or PHY loopback it hears only our own
 * transmitter.  Either way the wire's frames are lost, as on the chip,
 * not held back: holding them would stall whoever sends to us.
 */
static bool lan9118_rx_hears_wire(Lan9118State *s)
{
    return FIELD_EX32(s->mac_cr, MAC_CR, RXEN) && !lan9118_loopback(s);
}

static bool lan9118_can_receive(NetClientState *nc)
{
    Lan9118State *s = qemu_get_nic_opaque(nc);

    /* Only an enabled receiver with a full RX FIFO makes the wire wait */
    if (!lan9118_rx_hears_wire(s) ||
        lan9118_rx_has_room(s, LAN9118_RX_ROOM_FRAME)) {
        return true;
    }
    /* Whoever asked now holds its frames until lan9118_rx_resume() */
    s->rx_waiting = true;
    return false;
}

/*
 * Called whenever RX FIFO space or the receiver state may have changed.
 * A flush wakes QEMU's main loop, so it is done only when somebody was
 * turned away: not once per frame the guest reads.
 */
static void lan9118_rx_resume(Lan9118State *s)
{
    NetClientState *nc = qemu_get_queue(s->nic);

    if (s->rx_waiting && lan9118_can_receive(nc)) {
        s->rx_waiting = false;
        qemu_flush_queued_packets(nc);
    }
}

static bool lan9118_perfect_match(Lan9118State *s, const uint8_t *da)
{
    uint8_t own[ETH_ALEN];

    stl_le_p(own, s->mac_addrl);
    stw_le_p(own + 4, s->mac_addrh);
    return memcmp(da, own, ETH_ALEN) == 0;
}

/* HASHH:HASHL indexed by the top 6 bits of the destination's CRC */
static bool lan9118_hash_match(Lan9118State *s, const uint8_t *da)
{
    uint32_t index = net_crc32(da, ETH_ALEN) >> 26;
    uint32_t table = index & 0x20 ? s->mac_hashh : s->mac_hashl;

    return table & BIT(index & 0x1f);
}

/* The MAC's address filter: true if the frame is for us */
static bool lan9118_rx_address_ok(Lan9118State *s, const uint8_t *da)
{
    uint32_t cr = s->mac_cr;
    bool match;

    if (FIELD_EX32(cr, MAC_CR, PRMS)) {
        return true;
    }
    if (is_broadcast_ether_addr(da)) {
        return !FIELD_EX32(cr, MAC_CR, BCAST);
    }
    if (is_multicast_ether_addr(da) && FIELD_EX32(cr, MAC_CR, MCPAS)) {
        return true;
    }
    if (FIELD_EX32(cr, MAC_CR, HPFILT) &&
        (is_multicast_ether_addr(da) || FIELD_EX32(cr, MAC_CR, HO))) {
        return lan9118_hash_match(s, da);
    }
    match = lan9118_perfect_match(s, da);
    return FIELD_EX32(cr, MAC_CR, INVFILT) ? !match : match;
}

/* Status bits describing a frame of @size bytes (without FCS) */
static uint32_t lan9118_rx_frame_status(Lan9118State *s, const uint8_t *buf,
                                        size_t size)
{
    /* Bytes, not struct eth_header: a frame may start at any address */
    const uint8_t *dst = buf;
    uint32_t status = 0;
    size_t max = ETH_MAX_FRAME;
    uint16_t type;

    if (size < ETH_HLEN) {
        return R_RX_STS_RUNT_MASK;
    }
    if (is_broadcast_ether_addr(dst)) {
        status |= R_RX_STS_BCAST_MASK;
    } else if (is_multicast_ether_addr(dst)) {
        status |= R_RX_STS_MCAST_MASK;
    }

    type = lduw_be_p(buf + offsetof(struct eth_header, h_proto));
    if (type > ETH_MAX_PAYLOAD) {
        status |= R_RX_STS_FRAME_TYPE_MASK;
    } else if (type != size - ETH_HLEN &&
               !(type < ETH_ZLEN - ETH_HLEN && size == ETH_ZLEN)) {
        /* An 802.3 length field that is not the payload (nor padded) */
        status |= R_RX_STS_LEN_ERR_MASK;
    }
    /* A tag matching VLAN1 or VLAN2 makes a 1522-byte frame legal */
    if (type == s->mac_vlan1 || type == s->mac_vlan2) {
        max = ETH_MAX_VLAN_FRAME;
    }
    if (size + ETH_FCS_LEN > max) {
        status |= R_RX_STS_TOO_LONG_MASK;
    }
    if (size + ETH_FCS_LEN < ETH_MIN_FRAME) {
        status |= R_RX_STS_RUNT_MASK;
    }
    return status;
}

/* Write one frame and its FCS to the RX data FIFO, its status behind it */
static void lan9118_rx_store(Lan9118State *s, const uint8_t *buf,
                             size_t size, uint32_t status)
{
    uint8_t fifo_bytes[LAN9118_RX_BUF_BYTES];
    uint32_t offset = FIELD_EX32(s->rx_cfg, RX_CFG, RXDOFF);
    uint32_t len = MIN(size + ETH_FCS_LEN, LAN9118_RX_FRAME_MAX);
    uint32_t copy = MIN(size, len);
    uint32_t words = lan9118_rx_frame_words(s, len);
    uint8_t fcs[ETH_FCS_LEN];
    uint32_t i;

    if (len < size + ETH_FCS_LEN) {
        /* The receive watchdog expired: the frame is cut off */
        status |= R_RX_STS_RWT_MASK | R_RX_STS_TOO_LONG_MASK;
        s->int_sts |= R_INT_STS_RWT_MASK;
    }
    if (status & RX_STS_ERRORS) {
        status |= R_RX_STS_ES_MASK;
    }
    status = FIELD_DP32(status, RX_STS, PKT_LEN, len);

    memset(fifo_bytes, 0, words * 4);
    memcpy(fifo_bytes + offset, buf, copy);
    stl_le_p(fcs, crc32(0, buf, size));
    memcpy(fifo_bytes + offset + copy, fcs, len - copy);

    for (i = 0; i < words; i++) {
        RING_PUSH(s, rx_data, ldl_le_p(fifo_bytes + i * 4));
    }
    RING_PUSH(s, rx_frame_words, words);
    RING_PUSH(s, rx_status, status);
    trace_lan9118_rx_frame(len, status);
}

/*
 * Offer a frame (without FCS) to the MAC receiver.  Filtering and runt
 * checks come first: a frame the MAC would throw away never needs room.
 */
static Lan9118RxResult lan9118_rx_frame(Lan9118State *s, const uint8_t *buf,
                                        size_t size)
{
    uint32_t status;
    size_t len = MIN(size + ETH_FCS_LEN, LAN9118_RX_FRAME_MAX);

    if (size < ETH_ALEN) {
        lan9118_rx_discard(s, "shorter than an address", size);
        return LAN9118_RX_DISCARDED;
    }
    status = lan9118_rx_frame_status(s, buf, size);
    if (!lan9118_rx_address_ok(s, buf)) {
        if (!FIELD_EX32(s->mac_cr, MAC_CR, RXALL)) {
            trace_lan9118_rx_discard("address filter", size);
            return LAN9118_RX_DISCARDED;
        }
        status |= R_RX_STS_FILTER_FAIL_MASK;
    }
    if ((status & R_RX_STS_RUNT_MASK) &&
        !FIELD_EX32(s->mac_cr, MAC_CR, PASSBAD)) {
        lan9118_rx_discard(s, "runt", size);
        return LAN9118_RX_DISCARDED;
    }
    if (lan9118_rx_frame_words(s, len) > lan9118_rx_data_capacity(s)) {
        /*
         * Larger than the whole RX data FIFO (TX_FIF_SZ leaves it as
         * little as 1920 bytes): it can never be stored, so the FIFO
         * controller drops it (RX_DROP, RXDF) instead of waiting for room
         * that never comes.
         */
        lan9118_rx_discard(s, "larger than the RX data FIFO", size);
        lan9118_count_rx_drop(s);
        return LAN9118_RX_DISCARDED;
    }
    if (!lan9118_rx_has_room(s, len)) {
        return LAN9118_RX_NO_ROOM;
    }
    lan9118_rx_store(s, buf, size, status);
    return LAN9118_RX_STORED;
}

static ssize_t lan9118_receive(NetClientState *nc, const uint8_t *buf,
                               size_t size)
{
    Lan9118State *s = qemu_get_nic_opaque(nc);
    uint8_t padded[ETH_ZLEN];
    size_t padded_size = sizeof(padded);
    const size_t offered = size;

    if (!lan9118_rx_hears_wire(s)) {
        lan9118_rx_discard(s, FIELD_EX32(s->mac_cr, MAC_CR, RXEN) ?
                              "loopback" : "receiver off", size);
        return offered;
    }
    if (!lan9118_can_receive(nc)) {
        /* The net queue keeps the frame until lan9118_rx_resume() */
        trace_lan9118_rx_wait(size, s->rx_data_ring.count,
                              s->rx_status_ring.count);
        return 0;
    }
    /* A real sender pads short frames; QEMU backends may not have */
    if (eth_pad_short_frame(padded, &padded_size, buf, size)) {
        buf = padded;
        size = padded_size;
    }
    if (lan9118_rx_frame(s, buf, size) == LAN9118_RX_NO_ROOM) {
        trace_lan9118_rx_wait(size, s->rx_data_ring.count,
                              s->rx_status_ring.count);
        s->rx_waiting = true;
        return 0;
    }
    lan9118_update_irq(s);
    return offered;
}

/* A transmitted frame looped back inside the MAC or the PHY */
static void lan9118_rx_loopback(Lan9118State *s, const uint8_t *buf,
                                size_t size)
{
    if (!FIELD_EX32(s->mac_cr, MAC_CR, RXEN)) {
        lan9118_rx_discard(s, "receiver off (loopback)", size);
        return;
    }
    if (lan9118_rx_frame(s, buf, size) == LAN9118_RX_NO_ROOM) {
        lan9118_rx_discard(s, "RX FIFO full (loopback)", size);
        lan9118_count_rx_drop(s);
    }
}

static uint32_t lan9118_rx_data_pop(Lan9118State *s)
{
    uint32_t val, dma_cnt;

    if (!s->rx_frame_words_ring.count) {
        qemu_log_mask(LOG_GUEST_ERROR, "lan9118: RX data FIFO underrun\n");
        s->int_sts |= R_INT_STS_RXE_MASK;
        return 0;
    }
    val = RING_POP(s, rx_data);

    dma_cnt = FIELD_EX32(s->rx_cfg, RX_CFG, RX_DMA_CNT);
    if (dma_cnt) {
        s->rx_cfg = FIELD_DP32(s->rx_cfg, RX_CFG, RX_DMA_CNT, dma_cnt - 1);
        if (dma_cnt == 1) {
            s->int_sts |= R_INT_STS_RXD_MASK;
        }
    }

    if (--s->rx_frame_words[s->rx_frame_words_ring.head] == 0) {
        RING_POP(s, rx_frame_words);
        lan9118_rx_resume(s);
    }
    return val;
}

static uint32_t lan9118_rx_status_pop(Lan9118State *s)
{
    uint32_t val;

    if (!s->rx_status_ring.count) {
        qemu_log_mask(LOG_GUEST_ERROR, "lan9118: RX status FIFO underrun\n");
        s->int_sts |= R_INT_STS_RXE_MASK;
        return 0;
    }
    val = RING_POP(s, rx_status);
    lan9118_rx_resume(s);
    return val;
}

/* RX_DP_CTRL.RX_FFWD: skip what is left of the frame at the data FIFO head */
static void lan9118_rx_fast_forward(Lan9118State *s)
{
    uint32_t words;

    if (!s->rx_frame_words_ring.count) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "lan9118: RX fast-forward with an empty data FIFO\n");
        return;
    }
    words = RING_PEEK(s, rx_frame_words);
    if (words < 4) {
        qemu_log_mask(LOG_GUEST_ERROR, "lan9118: RX fast-forward over %u "
                      "words; the datasheet requires at least 4\n", words);
    }
    RING_DROP(s, rx_data, words);
    RING_POP(s, rx_frame_words);
    lan9118_rx_resume(s);
}

static void lan9118_rx_dump(Lan9118State *s)
{
    lan9118_ring_reset(&s->rx_data_ring);
    lan9118_ring_reset(&s->rx_status_ring);
    lan9118_ring_reset(&s->rx_frame_words_ring);
    lan9118_rx_resume(s);
}

/* Transmit path */

static bool lan9118_tx_running(Lan9118State *s)
{
    return FIELD_EX32(s->tx_cfg, TX_CFG, TX_ON) &&
           FIELD_EX32(s->mac_cr, MAC_CR, TXEN);
}

static void lan9118_tx_reset_packet(Lan9118State *s)
{
    s->tx_state = LAN9118_TX_CMD_A;
    s->tx_in_packet = false;
    s->tx_packet_bad = false;
    s->tx_frame_len = 0;
    s->tx_seg_words = 0;
    s->tx_seg_pos = 0;
}

/* Mark the packet being assembled bad: TXE, and it will not be sent */
static void lan9118_tx_error(Lan9118State *s, const char *why)
{
    if (!s->tx_packet_bad) {
        qemu_log_mask(LOG_GUEST_ERROR, "lan9118: TX error: %s "
                      "(command A 0x%08" PRIx32 ", B 0x%08" PRIx32 ")\n",
                      why, s->tx_cmd_a, s->tx_cmd_b);
        trace_lan9118_tx_error(why, s->tx_cmd_a, s->tx_cmd_b);
        s->int_sts |= R_INT_STS_TXE_MASK;
    }
    s->tx_packet_bad = true;
}

static void lan9118_tx_push_status(Lan9118State *s, uint32_t status)
{
    if (s->tx_status_ring.count < TX_STATUS_MAX) {
        RING_PUSH(s, tx_status, status);
    } else {
        /* Only reachable with TXSAO set: the status is lost */
        s->int_sts |= R_INT_STS_TXSO_MASK;
    }
}

static void lan9118_tx_send(Lan9118State *s)
{
    NetClientState *nc = qemu_get_queue(s->nic);
    uint8_t padded[ETH_ZLEN];
    size_t padded_size = sizeof(padded);
    const uint8_t *frame = s->tx_frame;
    size_t len = s->tx_frame_len;
    uint32_t status = FIELD_DP32(0, TX_STS, PKT_TAG,
                                 FIELD_EX32(s->tx_cmd_b, TX_CMD_B, PKT_TAG));

    /*
     * With CRC insertion disabled the guest wrote the FCS itself; frames in
     * QEMU carry none, so it goes.
     */
    if (FIELD_EX32(s->tx_cmd_b, TX_CMD_B, CRC_DISABLE)) {
        len = len >= ETH_FCS_LEN ? len - ETH_FCS_LEN : 0;
    }
    if (!FIELD_EX32(s->tx_cmd_b, TX_CMD_B, PAD_DISABLE) &&
        eth_pad_short_frame(padded, &padded_size, frame, len)) {
        frame = padded;
        len = padded_size;
    }

    trace_lan9118_tx_frame(len, FIELD_EX32(status, TX_STS, PKT_TAG),
                           lan9118_loopback(s));
    if (lan9118_loopback(s)) {
        lan9118_rx_loopback(s, frame, len);
    } else if (nc->link_down) {
        status |= R_TX_STS_NO_CARRIER_MASK | R_TX_STS_LOSS_OF_CARRIER_MASK |
                  R_TX_STS_ES_MASK;
    } else if (len < ETH_HLEN) {
        /* The chip would put a runt on the wire; QEMU's peers want frames */
        qemu_log_mask(LOG_GUEST_ERROR, "lan9118: %zu-byte frame (padding "
                      "disabled) not passed to the network\n", len);
    } else {
        qemu_send_packet(nc, frame, len);
    }
    lan9118_tx_push_status(s, status);
}

static void lan9118_tx_segment_done(Lan9118State *s)
{
    uint32_t pkt_len = FIELD_EX32(s->tx_cmd_b, TX_CMD_B, PKT_LEN);

    s->tx_state = LAN9118_TX_CMD_A;
    if (!FIELD_EX32(s->tx_cmd_a, TX_CMD_A, LAST_SEG)) {
        return;
    }
    s->tx_in_packet = false;
    if (!s->tx_packet_bad && s->tx_frame_len != pkt_len) {
        lan9118_tx_error(s, "buffer sizes do not add up to the packet length");
    }
    if (!s->tx_packet_bad) {
        s->tx_state = LAN9118_TX_FRAME_READY;
    }
}

/*
 * The longest PKT_LEN: a tagged frame without FCS, or with it when the
 * guest supplies the FCS itself (CRC_DISABLE); the frame that goes out
 * is the same size either way, the FCS being stripped.
 */
static uint32_t lan9118_tx_pkt_len_max(uint32_t cmd_b)
{
    return LAN9118_TX_FRAME_MAX +
           (FIELD_EX32(cmd_b, TX_CMD_B, CRC_DISABLE) ? ETH_FCS_LEN : 0);
}

/* Data words that follow command A: offset, buffer, end alignment */
static uint32_t lan9118_tx_buffer_words(uint32_t cmd_a)
{
    uint32_t size = FIELD_EX32(cmd_a, TX_CMD_A, BUF_SIZE);
    uint32_t offset = FIELD_EX32(cmd_a, TX_CMD_A, DATA_OFFSET);
    static const uint32_t align[] = { 4, 16, 32, 4 /* reserved */ };

    return ROUND_UP(offset + size,
                    align[FIELD_EX32(cmd_a, TX_CMD_A, END_ALIGN)]) / 4;
}

static void lan9118_tx_command_b(Lan9118State *s, uint32_t cmd_b)
{
    uint32_t cmd_a = s->tx_cmd_a;
    uint32_t size = FIELD_EX32(cmd_a, TX_CMD_A, BUF_SIZE);

    if (FIELD_EX32(cmd_a, TX_CMD_A, FIRST_SEG)) {
        if (s->tx_in_packet) {
            /* The previous packet never got its last segment */
            lan9118_tx_error(s, "first segment inside a packet");
        }
        s->tx_in_packet = true;
        s->tx_packet_bad = false;
        s->tx_frame_len = 0;
        s->tx_cmd_b = cmd_b;
        if (FIELD_EX32(cmd_b, TX_CMD_B, PKT_LEN) >
            lan9118_tx_pkt_len_max(cmd_b)) {
            lan9118_tx_error(s, "packet longer than an Ethernet frame");
        }
    } else if (!s->tx_in_packet) {
        s->tx_in_packet = true;
        s->tx_packet_bad = false;
        s->tx_frame_len = 0;
        s->tx_cmd_b = cmd_b;
        lan9118_tx_error(s, "packet without a first segment");
    } else if (cmd_b != s->tx_cmd_b) {
        lan9118_tx_error(s, "command B differs between segments");
    }

    if (FIELD_EX32(cmd_a, TX_CMD_A, END_ALIGN) == 3) {
        lan9118_tx_error(s, "reserved buffer end alignment");
    }
    if (s->tx_frame_len + size > FIELD_EX32(s->tx_cmd_b, TX_CMD_B, PKT_LEN)) {
        lan9118_tx_error(s, "buffer sizes exceed the packet length");
    }

    s->tx_seg_words = lan9118_tx_buffer_words(cmd_a);
    s->tx_seg_pos = 0;
    s->tx_state = LAN9118_TX_DATA;
    if (!s->tx_seg_words) {
        lan9118_tx_segment_done(s);
    }
}

/* One data word of the current segment: keep the bytes inside the buffer */
static void lan9118_tx_data_word(Lan9118State *s, uint32_t word)
{
    uint32_t offset = FIELD_EX32(s->tx_cmd_a, TX_CMD_A, DATA_OFFSET);
    uint32_t end = offset + FIELD_EX32(s->tx_cmd_a, TX_CMD_A, BUF_SIZE);
    int i;

    for (i = 0; i < 4; i++) {
        uint32_t pos = s->tx_seg_pos + i;

        if (pos >= offset && pos < end && !s->tx_packet_bad &&
            s->tx_frame_len < sizeof(s->tx_frame)) {
            s->tx_frame[s->tx_frame_len++] = word >> (i * 8);
        }
    }
    s->tx_seg_pos += 4;
    if (--s->tx_seg_words == 0) {
        lan9118_tx_segment_done(s);
    }
}

static bool lan9118_tx_status_has_room(Lan9118State *s)
{
    return s->tx_status_ring.count < TX_STATUS_MAX ||
           FIELD_EX32(s->tx_cfg, TX_CFG, TXSAO);
}

/* TX_CFG.STOP_TX takes effect between packets */
static void lan9118_tx_check_stop(Lan9118State *s)
{
    if (FIELD_EX32(s->tx_cfg, TX_CFG, STOP_TX) &&
        s->tx_state == LAN9118_TX_CMD_A && !s->tx_in_packet) {
        s->tx_cfg &= ~(R_TX_CFG_STOP_TX_MASK | R_TX_CFG_TX_ON_MASK);
        s->int_sts |= R_INT_STS_TXSTOP_MASK;
    }
}

/* Run the transmitter over whatever the TX data FIFO holds */
static void lan9118_tx_process(Lan9118State *s)
{
    while (lan9118_tx_running(s)) {
        uint32_t word;

        if (s->tx_state == LAN9118_TX_FRAME_READY) {
            if (!lan9118_tx_status_has_room(s)) {
                break;  /* resumes when the guest reads a TX status */
            }
            lan9118_tx_send(s);
            s->tx_state = LAN9118_TX_CMD_A;
            continue;
        }
        if (!s->tx_data_ring.count) {
            break;
        }
        word = RING_POP(s, tx_data);
        switch (s->tx_state) {
        case LAN9118_TX_CMD_A:
            s->tx_cmd_a = word;
            s->tx_state = LAN9118_TX_CMD_B;
            break;
        case LAN9118_TX_CMD_B:
            lan9118_tx_command_b(s, word);
            break;
        default:
            lan9118_tx_data_word(s, word);
            break;
        }
    }
    lan9118_tx_check_stop(s);
}

/*
 * Follow the host's stream of commands and buffers one word at a time
 * (@state, @cmd_a, @words as in Lan9118State.tx_load_*).  Returns true
 * when the word completes a buffer.
 */
static bool lan9118_tx_load_step(uint32_t *state, uint32_t *cmd_a,
                                 uint32_t *words, uint32_t word)
{
    switch (*state) {
    case LAN9118_TX_CMD_A:
        *cmd_a = word;
        *state = LAN9118_TX_CMD_B;
        return false;
    case LAN9118_TX_CMD_B:
        *words = lan9118_tx_buffer_words(*cmd_a);
        break;
    default:
        *words -= 1;
        break;
    }
    *state = *words ? LAN9118_TX_DATA : LAN9118_TX_CMD_A;
    return !*words;
}

/*
 * Where the host's writes are is where the transmitter is, moved on over
 * the words waiting in the TX data FIFO: after migration and a TX data
 * dump nothing else needs saving.
 */
static void lan9118_tx_load_resync(Lan9118State *s)
{
    uint32_t i;

    s->tx_load_state = s->tx_state == LAN9118_TX_FRAME_READY ?
                       LAN9118_TX_CMD_A : s->tx_state;
    s->tx_load_cmd_a = s->tx_cmd_a;
    s->tx_load_words = s->tx_state == LAN9118_TX_DATA ? s->tx_seg_words : 0;
    for (i = 0; i < s->tx_data_ring.count; i++) {
        lan9118_tx_load_step(&s->tx_load_state, &s->tx_load_cmd_a,
                             &s->tx_load_words,
                             s->tx_data[(s->tx_data_ring.head + i) %
                                        TX_DATA_WORDS_MAX]);
    }
}

static void lan9118_tx_data_push(Lan9118State *s, uint32_t val)
{
    if (s->tx_data_ring.count >= lan9118_tx_data_capacity(s)) {
        qemu_log_mask(LOG_GUEST_ERROR, "lan9118: TX data FIFO overrun\n");
        s->int_sts |= R_INT_STS_TDFO_MASK | R_INT_STS_TXE_MASK;
        return;
    }
    RING_PUSH(s, tx_data, val);
    /*
     * TX command A's IOC: "TXDONE [TX_IOC] will be asserted when the
     * current buffer has been fully loaded into the TX FIFO" (datasheet,
     * TX command 'A'), whether the transmitter runs (TX_ON) or not.
     */
    if (lan9118_tx_load_step(&s->tx_load_state, &s->tx_load_cmd_a,
                             &s->tx_load_words, val) &&
        FIELD_EX32(s->tx_load_cmd_a, TX_CMD_A, IOC)) {
        s->int_sts |= R_INT_STS_TX_IOC_MASK;
    }
    lan9118_tx_process(s);
}

/*
 * The common case of a data word: the transmitter runs, nothing waits in
 * the TX data FIFO ahead of it, and the word lies wholly inside the buffer
 * being loaded without ending it.  It goes straight into the frame, which
 * is what the FIFO path would do with it; nothing an interrupt depends on
 * changes.  Returns false, having done nothing, for any other word.  The
 * Linux driver writes a 1514-byte frame as some 380 such words, so this is
 * most of the transmit path's time in the device.
 */
static bool lan9118_tx_data_direct(Lan9118State *s, uint32_t val)
{
    uint32_t offset = FIELD_EX32(s->tx_cmd_a, TX_CMD_A, DATA_OFFSET);
    uint32_t end = offset + FIELD_EX32(s->tx_cmd_a, TX_CMD_A, BUF_SIZE);

    if (s->tx_data_ring.count || s->tx_state != LAN9118_TX_DATA ||
        s->tx_load_state != LAN9118_TX_DATA || s->tx_seg_words <= 1 ||
        s->tx_load_words != s->tx_seg_words || s->tx_packet_bad ||
        s->tx_seg_pos < offset || s->tx_seg_pos + 4 > end ||
        s->tx_frame_len + 4 > sizeof(s->tx_frame) || !lan9118_tx_running(s)) {
        return false;
    }
    stl_le_p(&s->tx_frame[s->tx_frame_len], val);
    s->tx_frame_len += 4;
    s->tx_seg_pos += 4;
    s->tx_seg_words--;
    s->tx_load_words--;
    return true;
}

static uint32_t lan9118_tx_status_pop(Lan9118State *s)
{
    uint32_t val;

    if (!s->tx_status_ring.count) {
        qemu_log_mask(LOG_GUEST_ERROR, "lan9118: TX status FIFO underrun\n");
        return 0;
    }
    val = RING_POP(s, tx_status);
    lan9118_tx_process(s);
    return val;
}

/* EEPROM */

/* The address in ADDRH:ADDRL changed: "info network" shows the new one */
static void lan9118_mac_address_changed(Lan9118State *s)
{
    uint8_t mac[ETH_ALEN];

    stl_le_p(mac, s->mac_addrl);
    stw_le_p(mac + 4, s->mac_addrh);
    qemu_format_nic_info_str(qemu_get_queue(s->nic), mac);
}

static void lan9118_load_mac_address(Lan9118State *s, const uint8_t *mac)
{
    s->mac_addrl = ldl_le_p(mac);
    s->mac_addrh = lduw_le_p(mac + 4);
    lan9118_mac_address_changed(s);
}

/* What the chip does after reset and on RELOAD */
static void lan9118_eeprom_reload(Lan9118State *s, bool at_reset)
{
    bool programmed = s->eeprom[0] == LAN9118_EEPROM_SIG;

    if (programmed) {
        lan9118_load_mac_address(s, &s->eeprom[1]);
    } else if (at_reset) {
        /* No programmed EEPROM: the board supplies the address */
        lan9118_load_mac_address(s, s->conf.macaddr.a);
    }
    s->e2p_cmd = FIELD_DP32(s->e2p_cmd, E2P_CMD, MAC_LOADED, programmed);
}

static void lan9118_eeprom_command(Lan9118State *s, uint32_t val)
{
    uint32_t cmd = FIELD_EX32(val, E2P_CMD, CMD);
    uint32_t addr = FIELD_EX32(val, E2P_CMD, ADDR) % LAN9118_EEPROM_SIZE;

    if (val & R_E2P_CMD_TIMEOUT_MASK) {
        s->e2p_cmd &= ~R_E2P_CMD_TIMEOUT_MASK;
    }
    s->e2p_cmd = FIELD_DP32(s->e2p_cmd, E2P_CMD, CMD, cmd);
    s->e2p_cmd = FIELD_DP32(s->e2p_cmd, E2P_CMD, ADDR,
                            FIELD_EX32(val, E2P_CMD, ADDR));
    if (!FIELD_EX32(val, E2P_CMD, BUSY)) {
        return;
    }
    trace_lan9118_eeprom_command(cmd, addr, s->e2p_data);

    /* With EEDIO/EECLK used as GPO/LED pins, nothing answers */
    if (FIELD_EX32(s->gpio_cfg, GPIO_CFG, EEPR_EN)) {
        s->e2p_cmd |= R_E2P_CMD_TIMEOUT_MASK;
        return;
    }

    switch (cmd) {
    case E2P_READ:
        s->e2p_data = s->eeprom[addr];
        break;
    case E2P_EWDS:
        s->eeprom_writable = false;
        break;
    case E2P_EWEN:
        s->eeprom_writable = true;
        break;
    case E2P_WRITE:
        if (s->eeprom_writable) {
            s->eeprom[addr] = s->e2p_data;
        }
        break;
    case E2P_WRAL:
        if (s->eeprom_writable) {
            memset(s->eeprom, s->e2p_data, sizeof(s->eeprom));
        }
        break;
    case E2P_ERASE:
        if (s->eeprom_writable) {
            s->eeprom[addr] = 0xff;
        }
        break;
    case E2P_ERAL:
        if (s->eeprom_writable) {
            memset(s->eeprom, 0xff, sizeof(s->eeprom));
        }
        break;
    case E2P_RELOAD:
        lan9118_eeprom_reload(s, false);
        break;
    }
}

/* MAC CSRs and the MII */

static void lan9118_mii_access(Lan9118State *s, uint32_t val)
{
    uint32_t phy = FIELD_EX32(val, MII_ACC, PHY_ADDR);
    uint32_t reg = FIELD_EX32(val, MII_ACC, INDEX);
    bool write = FIELD_EX32(val, MII_ACC, WRITE);

    s->mii_acc = val & MII_ACC_WRITABLE;
    if (phy != LAN9118_PHY_ADDR) {
        /* Nobody drives MDIO: reads see the pull-up */
        if (!write) {
            s->mii_data = 0xffff;
        }
    } else if (write) {
        lan9118_phy_write(&s->phy, reg, s->mii_data);
    } else {
        s->mii_data = lan9118_phy_read(&s->phy, reg);
    }
    trace_lan9118_mii_access(write, phy, reg, s->mii_data);
}

static void lan9118_mac_cr_write(Lan9118State *s, uint32_t val)
{
    uint32_t old = s->mac_cr;

    s->mac_cr = val & MAC_CR_WRITABLE;
    if (FIELD_EX32(old, MAC_CR, RXEN) && !FIELD_EX32(val, MAC_CR, RXEN)) {
        /* Nothing is ever half-received, so the receiver stops at once */
        s->int_sts |= R_INT_STS_RXSTOP_MASK;
    }
    if (FIELD_EX32(val, MAC_CR, PADSTR) && !FIELD_EX32(old, MAC_CR, PADSTR)) {
        qemu_log_mask(LOG_UNIMP, "lan9118: MAC pad stripping\n");
    }
}

static uint32_t lan9118_mac_read(Lan9118State *s, uint32_t index)
{
    uint32_t val;

    switch (index) {
    case MAC_CSR_MAC_CR:
        val = s->mac_cr;
        break;
    case MAC_CSR_ADDRH:
        val = s->mac_addrh;
        break;
    case MAC_CSR_ADDRL:
        val = s->mac_addrl;
        break;
    case MAC_CSR_HASHH:
        val = s->mac_hashh;
        break;
    case MAC_CSR_HASHL:
        val = s->mac_hashl;
        break;
    case MAC_CSR_MII_ACC:
        val = s->mii_acc;
        break;
    case MAC_CSR_MII_DATA:
        val = s->mii_data;
        break;
    case MAC_CSR_FLOW:
        val = s->mac_flow;
        break;
    case MAC_CSR_VLAN1:
        val = s->mac_vlan1;
        break;
    case MAC_CSR_VLAN2:
        val = s->mac_vlan2;
        break;
    case MAC_CSR_WUFF:
        /* The filter words are read in sequence, like they are written */
        val = s->wuff[s->wuff_index];
        s->wuff_index = (s->wuff_index + 1) % LAN9118_WUFF_WORDS;
        break;
    case MAC_CSR_WUCSR:
        val = s->wucsr;
        break;
    default:
        qemu_log_mask(LOG_GUEST_ERROR,
                      "lan9118: read of MAC CSR %" PRIu32 "\n", index);
        val = 0;
        break;
    }
    trace_lan9118_mac_read(index, val);
    return val;
}

static void lan9118_mac_write(Lan9118State *s, uint32_t index, uint32_t val)
{
    trace_lan9118_mac_write(index, val);

    switch (index) {
    case MAC_CSR_MAC_CR:
        lan9118_mac_cr_write(s, val);
        break;
    case MAC_CSR_ADDRH:
        s->mac_addrh = val & 0xffff;
        lan9118_mac_address_changed(s);
        break;
    case MAC_CSR_ADDRL:
        s->mac_addrl = val;
        lan9118_mac_address_changed(s);
        break;
    case MAC_CSR_HASHH:
        s->mac_hashh = val;
        break;
    case MAC_CSR_HASHL:
        s->mac_hashl = val;
        break;
    case MAC_CSR_MII_ACC:
        lan9118_mii_access(s, val);
        break;
    case MAC_CSR_MII_DATA:
        s->mii_data = val & 0xffff;
        break;
    case MAC_CSR_FLOW:
        if (FIELD_EX32(val, FLOW, FCBSY)) {
            qemu_log_mask(LOG_UNIMP, "lan9118: pause frame transmission\n");
        }
        s->mac_flow = val & FLOW_WRITABLE;
        break;
    case MAC_CSR_VLAN1:
        s->mac_vlan1 = val & 0xffff;
        break;
    case MAC_CSR_VLAN2:
        s->mac_vlan2 = val & 0xffff;
        break;
    case MAC_CSR_WUFF:
        s->wuff[s->wuff_index] = val;
        s->wuff_index = (s->wuff_index + 1) % LAN9118_WUFF_WORDS;
        break;
    case MAC_CSR_WUCSR:
        s->wucsr &= ~(val & (R_WUCSR_MPR_MASK | R_WUCSR_WUFR_MASK));
        s->wucsr = (s->wucsr & (R_WUCSR_MPR_MASK | R_WUCSR_WUFR_MASK)) |
                   (val & (R_WUCSR_GUE_MASK | R_WUCSR_WAKE_EN_MASK |
                           R_WUCSR_MPEN_MASK));
        break;
    default:
        qemu_log_mask(LOG_GUEST_ERROR, "lan9118: write of MAC CSR %" PRIu32
                      " (0x%08" PRIx32 ")\n", index, val);
        break;
    }
}

/* MAC_CSR_CMD: the access is done before the guest can poll CSR_BUSY */
static void lan9118_mac_csr_command(Lan9118State *s, uint32_t val)
{
    uint32_t index = FIELD_EX32(val, MAC_CSR_CMD, ADDR);

    s->mac_csr_cmd = val & (R_MAC_CSR_CMD_ADDR_MASK |
                            R_MAC_CSR_CMD_R_NOT_W_MASK);
    if (!FIELD_EX32(val, MAC_CSR_CMD, BUSY)) {
        return;
    }
    if (FIELD_EX32(val, MAC_CSR_CMD, R_NOT_W)) {
        s->mac_csr_data = lan9118_mac_read(s, index);
    } else {
        lan9118_mac_write(s, index, s->mac_csr_data);
        /* MAC_CR and the PHY may have started or stopped TX or RX */
        lan9118_tx_process(s);
        lan9118_rx_resume(s);
    }
}

/* Reset */

static void lan9118_gpt_reset(Lan9118State *s)
{
    s->gpt_cfg = GPT_CFG_RESET;
    ptimer_transaction_begin(s->gpt);
    ptimer_stop(s->gpt);
    ptimer_set_limit(s->gpt, GPT_COUNT_MAX, 1);
    ptimer_transaction_commit(s->gpt);
}

/* HW_CFG.SRST: everything but the EEPROM, the PHY and WORD_SWAP */
static void lan9118_soft_reset(Lan9118State *s)
{
    s->irq_cfg = 0;
    s->int_sts = FIELD_DP32(0, INT_STS, PHY, s->phy_irq_level);
    s->int_en = 0;
    s->hw_cfg = FIELD_DP32(0, HW_CFG, BUS_32BIT, !s->mode_16bit);
    s->hw_cfg = FIELD_DP32(s->hw_cfg, HW_CFG, TX_FIF_SZ, TX_FIF_SZ_RESET);
    s->pmt_ctrl = R_PMT_CTRL_READY_MASK;
    s->fifo_int = FIFO_INT_RESET;
    /* everything else in the system CSR block resets to zero */
    s->tx_cfg = s->rx_cfg = s->rx_drop = 0;
    s->gpio_cfg = s->afc_cfg = 0;
    s->mac_csr_cmd = s->mac_csr_data = 0;
    s->e2p_cmd = s->e2p_data = 0;
    s->eeprom_writable = false;
    lan9118_gpt_reset(s);

    s->mac_cr = MAC_CR_RESET;
    s->mac_hashh = 0;
    s->mac_hashl = 0;
    s->mii_acc = 0;
    s->mii_data = 0;
    s->mac_flow = 0;
    s->mac_vlan1 = LAN9118_VLAN_RESET;
    s->mac_vlan2 = LAN9118_VLAN_RESET;
    memset(s->wuff, 0, sizeof(s->wuff));
    s->wuff_index = 0;
    s->wucsr = 0;

    lan9118_ring_reset(&s->rx_data_ring);
    lan9118_ring_reset(&s->rx_status_ring);
    lan9118_ring_reset(&s->rx_frame_words_ring);
    lan9118_ring_reset(&s->tx_data_ring);
    lan9118_ring_reset(&s->tx_status_ring);
    lan9118_tx_reset_packet(s);
    s->tx_cmd_a = 0;
    s->tx_cmd_b = 0;
    lan9118_tx_load_resync(s);

    s->irq_asserted = false;
    s->deassert_end = 0;
    timer_del(s->deassert_timer);
    s->rx_waiting = true;       /* a sender may wait from before the reset */
    s->read16_valid = false;
    s->write16_valid = false;

    lan9118_eeprom_reload(s, true);
}

static void lan9118_reset_hold(Object *obj, ResetType type)
{
    Lan9118State *s = LAN9118(obj);

    trace_lan9118_reset("hard");
    s->word_swap = 0;
    s->free_run_base = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    lan9118_soft_reset(s);
    lan9118_update_fifo_levels(s);
    /* Drive the pin even if its level looks unchanged: the sink was reset */
    lan9118_set_irq_level(s, !lan9118_irq_active_high(s), true);
}

/* Register access */

static void lan9118_irq_cfg_write(Lan9118State *s, uint32_t val)
{
    s->irq_cfg = (s->irq_cfg & ~IRQ_CFG_WRITABLE) | (val & IRQ_CFG_WRITABLE);
    if (FIELD_EX32(val, IRQ_CFG, INT_DEAS_CLR)) {
        /* Clearing the counter begins a new de-assertion interval */
        lan9118_start_deassert_interval(s);
    }
}

static void lan9118_int_en_write(Lan9118State *s, uint32_t val)
{
    uint32_t old = s->int_en;

    s->int_en = val & INT_IMPLEMENTED;
    if (FIELD_EX32(val, INT_STS, SW) && !FIELD_EX32(old, INT_STS, SW)) {
        /* Enabling the software interrupt raises it */
        s->int_sts |= R_INT_STS_SW_MASK;
    }
}

static void lan9118_rx_cfg_write(Lan9118State *s, uint32_t val)
{
    if (FIELD_EX32(val, RX_CFG, RX_EA) == 3) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "lan9118: reserved RX end alignment, using 4 bytes\n");
    }
    s->rx_cfg = val & RX_CFG_WRITABLE;
    if (FIELD_EX32(val, RX_CFG, RX_DUMP)) {
        lan9118_rx_dump(s);
    }
    /* The offset and alignment change how much room a frame needs */
    lan9118_rx_resume(s);
}

static void lan9118_tx_cfg_write(Lan9118State *s, uint32_t val)
{
    if (FIELD_EX32(val, TX_CFG, TXS_DUMP)) {
        lan9118_ring_reset(&s->tx_status_ring);
    }
    if (FIELD_EX32(val, TX_CFG, TXD_DUMP)) {
        lan9118_ring_reset(&s->tx_data_ring);
        lan9118_tx_reset_packet(s);
        lan9118_tx_load_resync(s);
    }
    s->tx_cfg = val & TX_CFG_WRITABLE;
    lan9118_tx_process(s);
}

static void lan9118_hw_cfg_write(Lan9118State *s, uint32_t val)
{
    uint32_t kib = FIELD_EX32(val, HW_CFG, TX_FIF_SZ);

    if (FIELD_EX32(val, HW_CFG, SRST)) {
        trace_lan9118_reset("soft");
        lan9118_soft_reset(s);
        lan9118_rx_resume(s);
        return;
    }
    if (kib < TX_FIF_SZ_MIN || kib > TX_FIF_SZ_MAX) {
        qemu_log_mask(LOG_GUEST_ERROR, "lan9118: invalid TX FIFO size %"
                      PRIu32 " KiB, keeping %" PRIu32 "\n", kib,
                      lan9118_tx_fif_kib(s));
        kib = lan9118_tx_fif_kib(s);
    } else if (kib != lan9118_tx_fif_kib(s) && !lan9118_fifos_empty(s)) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "lan9118: FIFOs resized while not empty\n");
    }
    s->hw_cfg = (val & HW_CFG_WRITABLE) | (s->hw_cfg & R_HW_CFG_BUS_32BIT_MASK);
    s->hw_cfg = FIELD_DP32(s->hw_cfg, HW_CFG, TX_FIF_SZ, kib);
    lan9118_tx_process(s);
    lan9118_rx_resume(s);
}

static void lan9118_pmt_ctrl_write(Lan9118State *s, uint32_t val)
{
    uint32_t wups = FIELD_EX32(s->pmt_ctrl, PMT_CTRL, WUPS) &
                    ~FIELD_EX32(val, PMT_CTRL, WUPS);

    s->pmt_ctrl = (val & PMT_CTRL_WRITABLE) | R_PMT_CTRL_READY_MASK;
    s->pmt_ctrl = FIELD_DP32(s->pmt_ctrl, PMT_CTRL, WUPS, wups);
    if (FIELD_EX32(val, PMT_CTRL, PHY_RST)) {
        lan9118_phy_reset(&s->phy);
        lan9118_rx_resume(s);
    }
    if (FIELD_EX32(val, PMT_CTRL, PM_MODE)) {
        /* Asleep until BYTE_TEST is written; wake-up events not modelled */
        qemu_log_mask(LOG_UNIMP, "lan9118: wake-up events in D1/D2\n");
        s->pmt_ctrl &= ~R_PMT_CTRL_READY_MASK;
    }
}

static void lan9118_gpt_cfg_write(Lan9118State *s, uint32_t val)
{
    uint32_t old = s->gpt_cfg;

    s->gpt_cfg = val & GPT_CFG_WRITABLE;
    ptimer_transaction_begin(s->gpt);
    if (!FIELD_EX32(val, GPT_CFG, TIMER_EN)) {
        ptimer_stop(s->gpt);
    } else if (!FIELD_EX32(old, GPT_CFG, TIMER_EN) ||
               FIELD_EX32(old, GPT_CFG, GPT_LOAD) !=
               FIELD_EX32(val, GPT_CFG, GPT_LOAD)) {
        /* Count down from GPT_LOAD, then wrap to 0xffff and go on */
        ptimer_set_limit(s->gpt, GPT_COUNT_MAX, 0);
        ptimer_set_count(s->gpt, FIELD_EX32(val, GPT_CFG, GPT_LOAD));
        ptimer_run(s->gpt, 0);
    }
    ptimer_transaction_commit(s->gpt);
}

static uint32_t lan9118_free_run(Lan9118State *s)
{
    int64_t ns = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) - s->free_run_base;

    return muldiv64(ns, FREE_RUN_HZ, NANOSECONDS_PER_SECOND);
}

static uint32_t lan9118_reg_read(Lan9118State *s, hwaddr offset)
{
    uint32_t val;

    if (offset < A_TX_DATA_FIFO) {
        return lan9118_rx_data_pop(s);
    }
    if (offset < A_RX_STATUS_FIFO) {
        qemu_log_mask(LOG_GUEST_ERROR, "lan9118: read of the TX data FIFO\n");
        return 0;
    }

    switch (offset) {
    case A_RX_STATUS_FIFO:
        return lan9118_rx_status_pop(s);
    case A_RX_STATUS_FIFO_PEEK:
        return RING_PEEK(s, rx_status);
    case A_TX_STATUS_FIFO:
        return lan9118_tx_status_pop(s);
    case A_TX_STATUS_FIFO_PEEK:
        return RING_PEEK(s, tx_status);
    case A_ID_REV:
        return LAN9118_ID_REV;
    case A_IRQ_CFG:
        return FIELD_DP32(s->irq_cfg, IRQ_CFG, INT_DEAS_STS,
                          lan9118_deassert_interval_active(s));
    case A_INT_STS:
        return s->int_sts;
    case A_INT_EN:
        return s->int_en;
    case A_BYTE_TEST:
        return LAN9118_BYTE_TEST;
    case A_FIFO_INT:
        return s->fifo_int;
    case A_RX_CFG:
        return s->rx_cfg;
    case A_TX_CFG:
        return s->tx_cfg;
    case A_HW_CFG:
        return s->hw_cfg;
    case A_RX_DP_CTRL:
        return 0;   /* a fast-forward is always complete */
    case A_RX_FIFO_INF:
        val = FIELD_DP32(0, RX_FIFO_INF, RXSUSED, s->rx_status_ring.count);
        return FIELD_DP32(val, RX_FIFO_INF, RXDUSED,
                          s->rx_data_ring.count * 4);
    case A_TX_FIFO_INF:
        val = FIELD_DP32(0, TX_FIFO_INF, TSUSED, s->tx_status_ring.count);
        return FIELD_DP32(val, TX_FIFO_INF, TDFREE,
                          lan9118_tx_data_free_bytes(s));
    case A_PMT_CTRL:
        return s->pmt_ctrl;
    case A_GPIO_CFG:
        return s->gpio_cfg;
    case A_GPT_CFG:
        return s->gpt_cfg;
    case A_GPT_CNT:
        return ptimer_get_count(s->gpt) & GPT_COUNT_MAX;
    case A_WORD_SWAP:
        return s->word_swap;
    case A_FREE_RUN:
        return lan9118_free_run(s);
    case A_RX_DROP:
        val = s->rx_drop;
        s->rx_drop = 0;     /* cleared by reading */
        return val;
    case A_MAC_CSR_CMD:
        return s->mac_csr_cmd;
    case A_MAC_CSR_DATA:
        return s->mac_csr_data;
    case A_AFC_CFG:
        return s->afc_cfg;
    case A_E2P_CMD:
        return s->e2p_cmd;
    case A_E2P_DATA:
        return s->e2p_data;
    default:
        qemu_log_mask(LOG_GUEST_ERROR, "lan9118: read of reserved offset 0x%02"
                      HWADDR_PRIx "\n", offset);
        return 0;
    }
}

static void lan9118_reg_write(Lan9118State *s, hwaddr offset, uint32_t val)
{
    if (offset < A_TX_DATA_FIFO) {
        qemu_log_mask(LOG_GUEST_ERROR, "lan9118: write to the RX data FIFO\n");
        return;
    }
    if (offset < A_RX_STATUS_FIFO) {
        lan9118_tx_data_push(s, val);
        return;
    }

    switch (offset) {
    case A_IRQ_CFG:
        lan9118_irq_cfg_write(s, val);
        break;
    case A_INT_STS:
        s->int_sts &= ~(val & INT_WRITE_TO_CLEAR);
        break;
    case A_INT_EN:
        lan9118_int_en_write(s, val);
        break;
    case A_BYTE_TEST:
        /* A write here wakes the chip from D1/D2 */
        s->pmt_ctrl = FIELD_DP32(s->pmt_ctrl, PMT_CTRL, PM_MODE, 0);
        s->pmt_ctrl |= R_PMT_CTRL_READY_MASK;
        break;
    case A_FIFO_INT:
        s->fifo_int = val & FIFO_INT_WRITABLE;
        break;
    case A_RX_CFG:
        lan9118_rx_cfg_write(s, val);
        break;
    case A_TX_CFG:
        lan9118_tx_cfg_write(s, val);
        break;
    case A_HW_CFG:
        lan9118_hw_cfg_write(s, val);
        break;
    case A_RX_DP_CTRL:
        if (FIELD_EX32(val, RX_DP_CTRL, RX_FFWD)) {
            lan9118_rx_fast_forward(s);
        }
        break;
    case A_PMT_CTRL:
        lan9118_pmt_ctrl_write(s, val);
        break;
    case A_GPIO_CFG:
        s->gpio_cfg = val & GPIO_CFG_WRITABLE;
        break;
    case A_GPT_CFG:
        lan9118_gpt_cfg_write(s, val);
        break;
    case A_WORD_SWAP:
        s->word_swap = val;
        break;
    case A_MAC_CSR_CMD:
        lan9118_mac_csr_command(s, val);
        break;
    case A_MAC_CSR_DATA:
        s->mac_csr_data = val;
        break;
    case A_AFC_CFG:
        s->afc_cfg = val & AFC_CFG_WRITABLE;
        break;
    case A_E2P_CMD:
        lan9118_eeprom_command(s, val);
        break;
    case A_E2P_DATA:
        s->e2p_data = val & 0xff;
        break;
    case A_RX_STATUS_FIFO:
    case A_RX_STATUS_FIFO_PEEK:
    case A_TX_STATUS_FIFO:
    case A_TX_STATUS_FIFO_PEEK:
    case A_ID_REV:
    case A_RX_FIFO_INF:
    case A_TX_FIFO_INF:
    case A_GPT_CNT:
    case A_FREE_RUN:
    case A_RX_DROP:
        qemu_log_mask(LOG_GUEST_ERROR, "lan9118: write to read-only offset "
                      "0x%02" HWADDR_PRIx "\n", offset);
        break;
    default:
        qemu_log_mask(LOG_GUEST_ERROR, "lan9118: write to reserved offset "
                      "0x%02" HWADDR_PRIx "\n", offset);
        break;
    }
}

/* WORD_SWAP = 0xffffffff exchanges the 16-bit halves of every access */
static uint32_t lan9118_bus_swap(Lan9118State *s, uint32_t val)
{
    return s->word_swap == LAN9118_WORD_SWAP_ON ? ror32(val, 16) : val;
}

static uint32_t lan9118_bus_read32(Lan9118State *s, hwaddr offset)
{
    return lan9118_bus_swap(s, lan9118_reg_read(s, offset));
}

static void lan9118_bus_write32(Lan9118State *s, hwaddr offset, uint32_t val)
{
    lan9118_reg_write(s, offset, lan9118_bus_swap(s, val));
}

/*
 * Either half first: it does the 32-bit read (with its side effects) and
 * latches the other half, which the next read of that half returns.  A
 * pair of reads thus pops a FIFO once in either order, as the chip's
 * 16-bit interface builds one DWORD access from two word accesses (which
 * half a host reads first depends on WORD_SWAP and on the host's
 * endianness, so both orders occur).
 */
static uint32_t lan9118_bus_read16(Lan9118State *s, hwaddr offset)
{
    hwaddr half = offset & 2;
    uint32_t val;

    if (s->read16_valid && s->read16_offset == (offset & ~1)) {
        s->read16_valid = false;
        return s->read16_other;
    }
    val = lan9118_bus_read32(s, offset & ~3);
    s->read16_valid = true;
    s->read16_offset = (offset & ~3) | (half ^ 2);
    s->read16_other = half ? val & 0xffff : val >> 16;
    return half ? val >> 16 : val & 0xffff;
}

/* Low half first: the 32-bit write happens with the high half */
static void lan9118_bus_write16(Lan9118State *s, hwaddr offset, uint32_t val)
{
    hwaddr reg = offset & ~3;

    if (!(offset & 2)) {
        s->write16_valid = true;
        s->write16_offset = reg;
        s->write16_lower = val & 0xffff;
        return;
    }
    if (!s->write16_valid || s->write16_offset != reg) {
        qemu_log_mask(LOG_GUEST_ERROR, "lan9118: upper half of offset 0x%02"
                      HWADDR_PRIx " written without its lower half\n", reg);
        return;
    }
    s->write16_valid = false;
    lan9118_bus_write32(s, reg, s->write16_lower | (val & 0xffff) << 16);
}

static uint64_t lan9118_read(void *opaque, hwaddr offset, unsigned size)
{
    Lan9118State *s = opaque;
    uint32_t val;

    switch (size) {
    case 4:
        s->read16_valid = false;
        val = lan9118_bus_read32(s, offset);
        break;
    case 2:
        val = lan9118_bus_read16(s, offset);
        break;
    default:
        qemu_log_mask(LOG_GUEST_ERROR, "lan9118: %u-byte read at 0x%02"
                      HWADDR_PRIx "\n", size, offset);
        val = 0;
        break;
    }
    trace_lan9118_read(offset, val, size);
    lan9118_update_irq(s);
    return val;
}

static void lan9118_write(void *opaque, hwaddr offset, uint64_t val,
                          unsigned size)
{
    Lan9118State *s = opaque;

    trace_lan9118_write(offset, val, size);
    switch (size) {
    case 4:
        s->write16_valid = false;
        if (offset >= A_TX_DATA_FIFO && offset < A_RX_STATUS_FIFO &&
            lan9118_tx_data_direct(s, lan9118_bus_swap(s, val))) {
            return;
        }
        lan9118_bus_write32(s, offset, val);
        break;
    case 2:
        lan9118_bus_write16(s, offset, val);
        break;
    default:
        qemu_log_mask(LOG_GUEST_ERROR, "lan9118: %u-byte write at 0x%02"
                      HWADDR_PRIx "\n", size, offset);
        break;
    }
    lan9118_update_irq(s);
}

static const MemoryRegionOps lan9118_mmio_ops = {
    .read = lan9118_read,
    .write = lan9118_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {
        .min_access_size = 1,
        .max_access_size = 4,
    },
};

static void lan9118_set_link(NetClientState *nc)
{
    Lan9118State *s = qemu_get_nic_opaque(nc);

    lan9118_phy_update_link(&s->phy, nc->link_down);
}

static NetClientInfo net_lan9118_info = {
    .type = NET_CLIENT_DRIVER_NIC,
    .size = sizeof(NICState),
    .can_receive = lan9118_can_receive,
    .receive = lan9118_receive,
    .link_status_changed = lan9118_set_link,
};

/* Migration */

static bool lan9118_ring_valid(const Lan9118Ring *r, uint32_t size,
                               uint32_t capacity)
{
    return r->head < size && r->count <= MIN(size, capacity);
}

static bool lan9118_rx_frames_valid(Lan9118State *s)
{
    uint64_t words = 0;
    uint32_t i;

    for (i = 0; i < s->rx_frame_words_ring.count; i++) {
        uint32_t n = s->rx_frame_words[(s->rx_frame_words_ring.head + i) %
                                       RX_FRAMES_MAX];

        if (!n || n > LAN9118_RX_BUF_BYTES / 4) {
            return false;
        }
        words += n;
    }
    return words == s->rx_data_ring.count;
}

static int lan9118_post_load(void *opaque, int version_id)
{
    Lan9118State *s = opaque;
    uint32_t kib = lan9118_tx_fif_kib(s);
    int64_t now;

    if (kib < TX_FIF_SZ_MIN || kib > TX_FIF_SZ_MAX) {
        return -EINVAL;
    }
    /*
     * A FIFO may hold more than its capacity after a resize, never more
     * than its backing array
     */
    if (!lan9118_ring_valid(&s->rx_data_ring, RX_DATA_WORDS_MAX,
                            RX_DATA_WORDS_MAX) ||
        !lan9118_ring_valid(&s->rx_status_ring, RX_STATUS_MAX,
                            RX_STATUS_MAX) ||
        !lan9118_ring_valid(&s->rx_frame_words_ring, RX_FRAMES_MAX,
                            RX_FRAMES_MAX) ||
        !lan9118_ring_valid(&s->tx_data_ring, TX_DATA_WORDS_MAX,
                            TX_DATA_WORDS_MAX) ||
        !lan9118_ring_valid(&s->tx_status_ring, TX_STATUS_MAX,
                            TX_STATUS_MAX) ||
        !lan9118_rx_frames_valid(s)) {
        return -EINVAL;
    }
    if (s->tx_state > LAN9118_TX_FRAME_READY ||
        s->tx_frame_len > LAN9118_TX_BUF_MAX ||
        s->tx_seg_words > LAN9118_TX_SEG_WORDS_MAX ||
        s->tx_seg_pos > LAN9118_TX_SEG_WORDS_MAX * 4 ||
        s->wuff_index >= LAN9118_WUFF_WORDS ||
        s->read16_offset >= LAN9118_MMIO_SIZE ||
        s->write16_offset >= LAN9118_MMIO_SIZE) {
        return -EINVAL;
    }
    /* An interval never lasts longer than the largest INT_DEAS */
    now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    if (s->deassert_end < 0 || s->deassert_end > now + INT_DEAS_MAX_NS) {
        return -EINVAL;
    }
    lan9118_tx_load_resync(s);
    lan9118_mac_address_changed(s);
    /* The source's net layer state did not migrate: flush once when able */
    s->rx_waiting = true;
    return 0;
}

static const VMStateDescription vmstate_lan9118_ring = {
    .name = "lan9118-ring",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(head, Lan9118Ring),
        VMSTATE_UINT32(count, Lan9118Ring),
        VMSTATE_END_OF_LIST()
    }
};

#define VMSTATE_LAN9118_RING(_f) \
    VMSTATE_STRUCT(_f, Lan9118State, 1, vmstate_lan9118_ring, Lan9118Ring)

/* Not upstream's model: a different name keeps their streams apart */
static const VMStateDescription vmstate_lan9118 = {
    .name = "lan9118-xnet",
    .version_id = 3,
    .minimum_version_id = 3,
    .post_load = lan9118_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(irq_cfg, Lan9118State),
        VMSTATE_UINT32(int_sts, Lan9118State),
        VMSTATE_UINT32(int_en, Lan9118State),
        VMSTATE_UINT32(fifo_int, Lan9118State),
        VMSTATE_UINT32(rx_cfg, Lan9118State),
        VMSTATE_UINT32(tx_cfg, Lan9118State),
        VMSTATE_UINT32(hw_cfg, Lan9118State),
        VMSTATE_UINT32(pmt_ctrl, Lan9118State),
        VMSTATE_UINT32(gpio_cfg, Lan9118State),
        VMSTATE_UINT32(gpt_cfg, Lan9118State),
        VMSTATE_UINT32(word_swap, Lan9118State),
        VMSTATE_UINT32(rx_drop, Lan9118State),
        VMSTATE_UINT32(mac_csr_cmd, Lan9118State),
        VMSTATE_UINT32(mac_csr_data, Lan9118State),
        VMSTATE_UINT32(afc_cfg, Lan9118State),
        VMSTATE_UINT32(e2p_cmd, Lan9118State),
        VMSTATE_UINT32(e2p_data, Lan9118State),
        VMSTATE_INT64(free_run_base, Lan9118State),
        VMSTATE_UINT32(mac_cr, Lan9118State),
        VMSTATE_UINT32(mac_addrh, Lan9118State),
        VMSTATE_UINT32(mac_addrl, Lan9118State),
        VMSTATE_UINT32(mac_hashh, Lan9118State),
        VMSTATE_UINT32(mac_hashl, Lan9118State),
        VMSTATE_UINT32(mii_acc, Lan9118State),
        VMSTATE_UINT32(mii_data, Lan9118State),
        VMSTATE_UINT32(mac_flow, Lan9118State),
        VMSTATE_UINT32(mac_vlan1, Lan9118State),
        VMSTATE_UINT32(mac_vlan2, Lan9118State),
        VMSTATE_UINT32_ARRAY(wuff, Lan9118State, LAN9118_WUFF_WORDS),
        VMSTATE_UINT32(wuff_index, Lan9118State),
        VMSTATE_UINT32(wucsr, Lan9118State),
        VMSTATE_UINT8_ARRAY(eeprom, Lan9118State, LAN9118_EEPROM_SIZE),
        VMSTATE_BOOL(eeprom_writable, Lan9118State),
        VMSTATE_BOOL(irq_asserted, Lan9118State),
        VMSTATE_INT64(deassert_end, Lan9118State),
        VMSTATE_BOOL(phy_irq_level, Lan9118State),
        VMSTATE_INT32(irq_level, Lan9118State),
        VMSTATE_TIMER_PTR(deassert_timer, Lan9118State),
        VMSTATE_PTIMER(gpt, Lan9118State),
        VMSTATE_UINT32_ARRAY(rx_data, Lan9118State, RX_DATA_WORDS_MAX),
        VMSTATE_LAN9118_RING(rx_data_ring),
        VMSTATE_UINT32_ARRAY(rx_status, Lan9118State, RX_STATUS_MAX),
        VMSTATE_LAN9118_RING(rx_status_ring),
        VMSTATE_UINT32_ARRAY(rx_frame_words, Lan9118State, RX_FRAMES_MAX),
        VMSTATE_LAN9118_RING(rx_frame_words_ring),
        VMSTATE_UINT32_ARRAY(tx_data, Lan9118State, TX_DATA_WORDS_MAX),
        VMSTATE_LAN9118_RING(tx_data_ring),
        VMSTATE_UINT32_ARRAY(tx_status, Lan9118State, TX_STATUS_MAX),
        VMSTATE_LAN9118_RING(tx_status_ring),
        VMSTATE_UINT32(tx_state, Lan9118State),
        VMSTATE_UINT32(tx_cmd_a, Lan9118State),
        VMSTATE_UINT32(tx_cmd_b, Lan9118State),
        VMSTATE_UINT32(tx_seg_words, Lan9118State),
        VMSTATE_UINT32(tx_seg_pos, Lan9118State),
        VMSTATE_BOOL(tx_in_packet, Lan9118State),
        VMSTATE_BOOL(tx_packet_bad, Lan9118State),
        VMSTATE_UINT32(tx_frame_len, Lan9118State),
        VMSTATE_UINT8_ARRAY(tx_frame, Lan9118State, LAN9118_TX_BUF_MAX),
        VMSTATE_BOOL(read16_valid, Lan9118State),
        VMSTATE_UINT32(read16_offset, Lan9118State),
        VMSTATE_UINT32(read16_other, Lan9118State),
        VMSTATE_BOOL(write16_valid, Lan9118State),
        VMSTATE_UINT32(write16_offset, Lan9118State),
        VMSTATE_UINT32(write16_lower, Lan9118State),
        VMSTATE_UINT32(rx_dropped, Lan9118State),
        VMSTATE_END_OF_LIST()
    }
};

/*
 * Snapshots of upstream QEMU hold its LAN9118 model's state in a section
 * named "lan9118"; ours is "lan9118-xnet", a different implementation whose
 * state cannot be made from that one.  This section of upstream's name is
 * never saved (needed() is false) but is found when such a snapshot is
 * loaded, and refuses it saying why, instead of QEMU's "Unknown savevm
 * section".  Its version is above any of upstream's, so that the refusal
 * comes from here and not from a version check.
 */
static bool lan9118_upstream_needed(void *opaque)
{
    return false;
}

static int lan9118_upstream_pre_load(void *opaque)
{
    error_report("lan9118: this snapshot holds the state of upstream QEMU's "
                 "LAN9118 model (section 'lan9118'); qemu-xnet replaces that "
                 "model with its own, whose state ('lan9118-xnet') cannot be "
                 "converted from it.  Load the snapshot with upstream QEMU, "
                 "or boot the guest afresh");
    return -ENOTSUP;
}

static const VMStateDescription vmstate_lan9118_upstream = {
    .name = "lan9118",
    .version_id = INT32_MAX,
    .minimum_version_id = 0,
    .needed = lan9118_upstream_needed,
    .pre_load = lan9118_upstream_pre_load,
    .fields = (const VMStateField[]) {
        VMSTATE_END_OF_LIST()
    }
};

/* Device */

static void lan9118_eeprom_init(Lan9118State *s)
{
    memset(s->eeprom, 0xff, sizeof(s->eeprom));
    s->eeprom[0] = LAN9118_EEPROM_SIG;
    memcpy(&s->eeprom[1], s->conf.macaddr.a, ETH_ALEN);
}

static void lan9118_realize(DeviceState *dev, Error **errp)
{
    Lan9118State *s = LAN9118(dev);
    SysBusDevice *sbd = SYS_BUS_DEVICE(dev);

    /* Valid FIFO sizes even before the first reset (the PHY may call in) */
    s->hw_cfg = FIELD_DP32(0, HW_CFG, TX_FIF_SZ, TX_FIF_SZ_RESET);
    memory_region_init_io(&s->mmio, OBJECT(dev), &lan9118_mmio_ops, s,
                          "lan9118-mmio", LAN9118_MMIO_SIZE);
    sysbus_init_mmio(sbd, &s->mmio);
    sysbus_init_irq(sbd, &s->irq);

    qemu_init_irq(&s->phy_irq, lan9118_phy_irq, s, 0);
    object_initialize_child(OBJECT(s), "phy", &s->phy, TYPE_LAN9118_PHY);
    if (!sysbus_realize(SYS_BUS_DEVICE(&s->phy), errp)) {
        return;
    }
    qdev_connect_gpio_out(DEVICE(&s->phy), 0, &s->phy_irq);

    s->gpt = ptimer_init(lan9118_gpt_expired, s,
                         PTIMER_POLICY_WRAP_AFTER_ONE_PERIOD |
                         PTIMER_POLICY_TRIGGER_ONLY_ON_DECREMENT |
                         PTIMER_POLICY_NO_IMMEDIATE_RELOAD |
                         PTIMER_POLICY_NO_COUNTER_ROUND_DOWN);
    ptimer_transaction_begin(s->gpt);
    ptimer_set_period(s->gpt, GPT_PERIOD_NS);
    ptimer_transaction_commit(s->gpt);
    s->deassert_timer = timer_new_ns(QEMU_CLOCK_VIRTUAL,
                                     lan9118_deassert_expired, s);

    qemu_macaddr_default_if_unset(&s->conf.macaddr);
    lan9118_eeprom_init(s);
    s->nic = qemu_new_nic(&net_lan9118_info, &s->conf,
                          object_get_typename(OBJECT(dev)), dev->id,
                          &dev->mem_reentrancy_guard, s);
    qemu_format_nic_info_str(qemu_get_queue(s->nic), s->conf.macaddr.a);
    s->phy.link_down = qemu_get_queue(s->nic)->link_down;
    vmstate_register_any(VMSTATE_IF(dev), &vmstate_lan9118_upstream, s);
}

static const Property lan9118_properties[] = {
    DEFINE_NIC_PROPERTIES(Lan9118State, conf),
    DEFINE_PROP_UINT32("mode_16bit", Lan9118State, mode_16bit, 0),
};

static void lan9118_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    ResettableClass *rc = RESETTABLE_CLASS(klass);

    dc->realize = lan9118_realize;
    dc->vmsd = &vmstate_lan9118;
    rc->phases.hold = lan9118_reset_hold;
    device_class_set_props(dc, lan9118_properties);
    set_bit(DEVICE_CATEGORY_NETWORK, dc->categories);
}

static void lan9118_instance_init(Object *obj)
{
    Lan9118State *s = LAN9118(obj);

    object_property_add_uint32_ptr(obj, "rx-dropped", &s->rx_dropped,
                                   OBJ_PROP_FLAG_READ);
}

static const TypeInfo lan9118_types[] = {
    {
        .name = TYPE_LAN9118,
        .parent = TYPE_SYS_BUS_DEVICE,
        .instance_size = sizeof(Lan9118State),
        .instance_init = lan9118_instance_init,
        .class_init = lan9118_class_init,
    },
};

DEFINE_TYPES(lan9118_types)

/* For boards: a LAN9118 with the NIC configured for it, if any */
void lan9118_init(uint32_t base, qemu_irq irq)
{
    DeviceState *dev = qdev_new(TYPE_LAN9118);
    SysBusDevice *sbd = SYS_BUS_DEVICE(dev);

    qemu_configure_nic_device(dev, true, NULL);
    sysbus_realize_and_unref(sbd, &error_fatal);
    sysbus_mmio_map(sbd, 0, base);
    sysbus_connect_irq(sbd, 0, irq);
}
