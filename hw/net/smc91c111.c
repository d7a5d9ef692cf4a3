/*
 * SMSC LAN91C111 10/100 non-PCI Ethernet controller (MAC + PHY)
 *
 * Copyright (c) 2026 The qemu-xnet authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Written from the SMSC LAN91C111 datasheet (revision 1.92) and from what
 * the Linux smc91x driver expects of the chip.
 *
 * The chip has 16 bytes of I/O space: four banks of registers selected by
 * the bank select register at offset 0xe, which every bank shares.  Frames
 * live in 8 KiB of packet memory split into four 2 KiB pages; the MMU hands
 * out one page per packet (the 91C111 ignores the size in an ALLOCATE
 * command), and three queues of packet numbers connect it to the MAC: the
 * TX FIFO (packets waiting to go out), the TX completion FIFO and the RX
 * FIFO.  In memory a packet is: status word, byte count word, data, and a
 * control word whose high byte is the control byte (ODD, CRC) and whose
 * low byte holds the last data byte when the length is odd.
 *
 * Model notes (where the emulation has to choose):
 *
 * - Everything completes at once: MMU commands (BUSY always reads 0),
 *   transmissions (a packet goes out during the ENQUEUE command, or when
 *   TXENA is set with packets queued), EEPROM reloads and stores.
 * - Frames shorter than an Ethernet header are not handed to the network
 *   (without PAD_EN a guest can build them); with the PHY powered down
 *   (link down while the netdev is up) nothing is sent or received.
 * - QEMU's network carries no FCS and has no collisions: a transmission
 *   only fails for lost carrier (link down with TCR.MON_CSN set), and the
 *   collision and deferral counters in ECR never count, so the counter
 *   roll-over EPH interrupt cannot happen.  With TCR.NOCRC and the control
 *   byte's CRC bit clear the guest supplied the FCS: its last four data
 *   bytes are not sent (as the LAN9118 with CRC_DISABLE); otherwise the
 *   chip would append the FCS, and the data goes as it is.  PAD_EN pads
 *   to 60 bytes, after that.
 * - Received frames shorter than 60 bytes are padded, as the wire would
 *   carry them.  With RCR.STRIP_CRC clear the FCS is computed and stored
 *   after the data (the byte count includes it, as on the chip).
 * - Flow control: the receiver never drops a frame a backend offers for
 *   lack of memory.  While no page is free, .can_receive is false and a
 *   frame that does not fit is refused (receive returns 0); QEMU's net queue
 *   keeps it and the device flushes the queue once the guest frees memory.
 *   A pending TX allocation is served before any waiting frame, so RX
 *   traffic cannot starve transmission.  RX_OVRN therefore only happens to
 *   frames the chip itself had nowhere to put: looped-back frames.  Frames
 *   the receiver discards (receiver off, PHY down, runt, too big for a
 *   page) are counted in rx-dropped, overruns in rx-overruns (read-only QOM
 *   properties); each has a trace line.
 * - Loopback (TCR.EPH_LOOP, TCR.LOOP or the PHY's BMCR loopback) hands the
 *   frame to the receive path inside the device, never to the network.  The
 *   receive path never starts a transmission and never calls back into the
 *   net layer, so there is no recursion; a looped frame that finds no free
 *   page is an overrun, as on the chip.
 * - A 32-bit write at offset 0xc only reaches the bank select register at
 *   0xe.  Drivers on 32-bit buses (Linux's SMC_MUST_ALIGN_WRITE) select the
 *   bank that way and rely on the low half being dropped: it would
 *   otherwise acknowledge/mask interrupts or rewrite CONTROL or ERCV.
 *   Other 32-bit accesses are two 16-bit ones, low half first; 8-bit ones
 *   reach one byte of a 16-bit register.  The DATA register (bank 2,
 *   0x8-0xb) moves 1, 2 or 4 bytes of packet memory per access, whatever
 *   offset in it is used, and PTR.READ does not matter.
 * - The packet pointer is 11 bits and wraps inside the 2 KiB page.  A
 *   released packet number is also removed from the TX and RX FIFOs, so no
 *   queue refers to free memory; the TX completion FIFO keeps it, because
 *   drivers release a completed packet before acknowledging TX_INT.
 * - The internal PHY sits at MII address 0 and is reached by bit-banging
 *   MGMT with IEEE 802.3 clause 22 frames (at least 32 preamble ones).  No
 *   other address answers: MDI reads 0 then, which is what makes Linux's
 *   scan of addresses 1-31 find nothing.  Auto-negotiation completes at
 *   once against a partner that offers 10/100 half and full duplex.  The
 *   link follows the netdev's link state and the PHY's power-down bit.
 * - Not modelled: early transmit (PTR.ETEN), ERCV.RCV_DISCRD (reception is
 *   instantaneous), CONFIG.EXT_PHY (external MII), the LED selects, FORCOL
 *   and half-duplex own-frame reception (TCR.FDUPLX).  EEPROM: 64 words,
 *   CONFIG at word 0, BASE at word 1 and the individual address at words
 *   0x20-0x22 (IOS pins strapped to 0); RELOAD reads all three, STORE
 *   writes CONFIG and BASE only.
 */

#include "qemu/osdep.h"
#include "qemu/bitops.h"
#include "qemu/host-utils.h"
#include "qemu/error-report.h"
#include "qemu/log.h"
#include "qemu/module.h"
#include "qapi/error.h"
#include "hw/sysbus.h"
#include "hw/irq.h"
#include "hw/qdev-properties.h"
#include "hw/registerfields.h"
#include "hw/resettable.h"
#include "hw/net/smc91c111.h"
#include "migration/vmstate.h"
#include "net/net.h"
#include "net/eth.h"
#include "xnet/trace.h"
#include <zlib.h> /* crc32() for the FCS */

#define TYPE_SMC91C111 "smc91c111"
OBJECT_DECLARE_SIMPLE_TYPE(SMC91C111State, SMC91C111)

#define SMC_MMIO_SIZE           16
#define SMC_NUM_PAGES           4
#define SMC_PAGE_SIZE           2048
#define SMC_PAGE_MASK           (SMC_PAGE_SIZE - 1)
#define SMC_EEPROM_WORDS        64
#define SMC_PHY_ADDR            0

/* Register offsets; the bank decides which register an offset is */
REG16(BANK_SELECT, 0xe)         /* every bank */

/* Bank 0 */
REG16(TCR, 0x0)
    FIELD(TCR, TXENA, 0, 1)
    FIELD(TCR, LOOP, 1, 1)
    FIELD(TCR, FORCOL, 2, 1)
    FIELD(TCR, PAD_EN, 7, 1)
    FIELD(TCR, NOCRC, 8, 1)
    FIELD(TCR, MON_CSN, 10, 1)
    FIELD(TCR, FDUPLX, 11, 1)
    FIELD(TCR, STP_SQET, 12, 1)
    FIELD(TCR, EPH_LOOP, 13, 1)
    FIELD(TCR, SWFDUP, 15, 1)
REG16(EPH_STATUS, 0x2)
    FIELD(EPH_STATUS, TX_SUC, 0, 1)
    FIELD(EPH_STATUS, SNGLCOL, 1, 1)
    FIELD(EPH_STATUS, MULCOL, 2, 1)
    FIELD(EPH_STATUS, LTX_MULT, 3, 1)
    FIELD(EPH_STATUS, COL16, 4, 1)
    FIELD(EPH_STATUS, SQET, 5, 1)
    FIELD(EPH_STATUS, LTX_BRD, 6, 1)
    FIELD(EPH_STATUS, TX_DEFR, 7, 1)
    FIELD(EPH_STATUS, LATCOL, 9, 1)
    FIELD(EPH_STATUS, LOST_CARR, 10, 1)
    FIELD(EPH_STATUS, EXC_DEF, 11, 1)
    FIELD(EPH_STATUS, CTR_ROL, 12, 1)
    FIELD(EPH_STATUS, LINK_OK, 14, 1)
    FIELD(EPH_STATUS, TXUNRN, 15, 1)
REG16(RCR, 0x4)
    FIELD(RCR, RX_ABORT, 0, 1)
    FIELD(RCR, PRMS, 1, 1)
    FIELD(RCR, ALMUL, 2, 1)
    FIELD(RCR, RXEN, 8, 1)
    FIELD(RCR, STRIP_CRC, 9, 1)
    FIELD(RCR, ABORT_ENB, 13, 1)
    FIELD(RCR, FILT_CAR, 14, 1)
    FIELD(RCR, SOFT_RST, 15, 1)
REG16(ECR, 0x6)
REG16(MIR, 0x8)
REG16(RPCR, 0xa)

/* Bank 1 */
REG16(CONFIG, 0x0)
    FIELD(CONFIG, EXT_PHY, 9, 1)
    FIELD(CONFIG, GPCNTRL, 10, 1)
    FIELD(CONFIG, NO_WAIT, 12, 1)
    FIELD(CONFIG, EPH_POWER_EN, 15, 1)
REG16(BASE, 0x2)
REG16(IA01, 0x4)
REG16(IA23, 0x6)
REG16(IA45, 0x8)
REG16(GP, 0xa)
REG16(CONTROL, 0xc)
    FIELD(CONTROL, STORE, 0, 1)
    FIELD(CONTROL, RELOAD, 1, 1)
    FIELD(CONTROL, EEPROM_SELECT, 2, 1)
    FIELD(CONTROL, TE_ENABLE, 5, 1)
    FIELD(CONTROL, CR_ENABLE, 6, 1)
    FIELD(CONTROL, LE_ENABLE, 7, 1)
    FIELD(CONTROL, AUTO_RELEASE, 11, 1)
    FIELD(CONTROL, RCV_BAD, 14, 1)

/* Bank 2 */
REG16(MMU_COMMAND, 0x0)
    FIELD(MMU_COMMAND, BUSY, 0, 1)
    FIELD(MMU_COMMAND, OP, 5, 3)
REG16(PNR_ARR, 0x2)             /* PNR in the low byte, ARR in the high */
    FIELD(PNR_ARR, PNR, 0, 6)
    FIELD(PNR_ARR, ARR_PACKET, 8, 6)
    FIELD(PNR_ARR, ARR_FAILED, 15, 1)
REG16(FIFO, 0x4)                /* TX completion FIFO low, RX FIFO high */
REG16(POINTER, 0x6)
    FIELD(POINTER, PTR, 0, 11)
    FIELD(POINTER, NOT_EMPTY, 11, 1)
    FIELD(POINTER, ETEN, 12, 1)
    FIELD(POINTER, READ, 13, 1)
    FIELD(POINTER, AUTO_INCR, 14, 1)
    FIELD(POINTER, RCV, 15, 1)
REG16(DATA, 0x8)                /* 0x8-0xb */
REG16(INTERRUPT, 0xc)           /* status/acknowledge low, mask high */

/* Bank 3 */
REG16(MT01, 0x0)
REG16(MT23, 0x2)
REG16(MT45, 0x4)
REG16(MT67, 0x6)
REG16(MGMT, 0x8)
    FIELD(MGMT, MDO, 0, 1)
    FIELD(MGMT, MDI, 1, 1)
    FIELD(MGMT, MCLK, 2, 1)
    FIELD(MGMT, MDOE, 3, 1)
    FIELD(MGMT, MSK_CRS100, 14, 1)
REG16(REVISION, 0xa)
REG16(ERCV, 0xc)
    FIELD(ERCV, THRESHOLD, 0, 5)
    FIELD(ERCV, RCV_DISCRD, 7, 1)

/* The decode switches look registers up by bank and offset */
#define BANKED(bank, offset)    (((bank) << 4) | (offset))

/* Writable bits; the others read as their fixed (reset) values */
#define TCR_WMASK       0xbd87
#define RCR_WMASK       0xe307
#define RPCR_WMASK      0x38fc
#define CONFIG_WMASK    0x9600
#define CONFIG_FIXED    0x20b1
#define BASE_WMASK      0xff00
#define BASE_FIXED      0x0001
#define CONTROL_WMASK   0x48e7
#define CONTROL_FIXED   0x1210
#define POINTER_WMASK   0xf7ff
#define MGMT_WMASK      0x400d
#define MGMT_FIXED      0x3330
#define ERCV_FIXED      0x3300

/* Reset values */
#define TCR_RESET       0x0000
#define CONFIG_RESET    0xa0b1
#define BASE_RESET      0x1801
#define CONTROL_RESET   CONTROL_FIXED
#define ERCV_RESET      0x331f
#define BANK_SIGNATURE  0x3300
#define SMC_REVISION    0x3391  /* chip 9 (LAN91C11x), revision 1 */

/* MMU commands (MMU_COMMAND.OP) */
enum {
    MMU_NOOP = 0,
    MMU_ALLOC = 1,
    MMU_RESET = 2,
    MMU_REMOVE_RX = 3,
    MMU_RELEASE_RX = 4,
    MMU_RELEASE_PACKET = 5,
    MMU_ENQUEUE_TX = 6,
    MMU_RESET_TX_FIFOS = 7,
};

#define ARR_FAILED          0x80
#define FIFO_EMPTY          0x80

/* Interrupt status/mask bits */
#define INT_RCV             BIT(0)
#define INT_TX              BIT(1)
#define INT_TX_EMPTY        BIT(2)
#define INT_ALLOC           BIT(3)
#define INT_RX_OVRN         BIT(4)
#define INT_EPH             BIT(5)
#define INT_ERCV            BIT(6)
#define INT_MD              BIT(7)
/* Bits held in a latch until acknowledged; the others follow a condition */
#define INT_LATCHED         (INT_TX_EMPTY | INT_RX_OVRN | INT_ERCV | INT_MD)
#define INT_RESET           INT_TX_EMPTY    /* the TX FIFO starts empty */

/* In-memory packet format */
#define PKT_STATUS          0
#define PKT_BYTE_COUNT      2
#define PKT_DATA            4
#define PKT_OVERHEAD        6   /* status, byte count, control word */
#define PKT_BYTE_COUNT_MASK 0x7fe   /* the LSB is taken as 0 */
#define PKT_CTL_CRC         0x10
#define PKT_CTL_ODD         0x20
#define PKT_CTL_RX          0x40    /* the controller writes this bit */

/* Receive frame status word */
#define RXS_MULTCAST        BIT(0)
#define RXS_HASH_SHIFT      1
#define RXS_TOOSHORT        BIT(10)
#define RXS_TOOLNG          BIT(11)
#define RXS_ODDFRM          BIT(12)
#define RXS_BADCRC          BIT(13)
#define RXS_BRODCAST        BIT(14)
#define RXS_ALGNERR         BIT(15)

/* The longest frame on the cable is 1518 bytes with its FCS */
#define SMC_FRAME_MAX       (1518 - ETH_FCS_LEN)

/* EPH status bits a fatal transmit error may set; TXENA clears them */
#define EPH_TX_ERRORS       (R_EPH_STATUS_TXUNRN_MASK | \
                             R_EPH_STATUS_LOST_CARR_MASK | \
                             R_EPH_STATUS_LATCOL_MASK | \
                             R_EPH_STATUS_COL16_MASK | \
                             R_EPH_STATUS_SQET_MASK)

/* EEPROM layout (IOS2-0 = 0) */
#define EEPROM_CONFIG       0x00
#define EEPROM_BASE         0x01
#define EEPROM_IA           0x20

/* Internal PHY registers (IEEE 802.3 clause 22 plus vendor ones) */
#define PHY_BMCR            0
#define PHY_BMSR            1
#define PHY_ID1             2
#define PHY_ID2             3
#define PHY_ANAR            4
#define PHY_ANLPAR          5
#define PHY_CFG1            16
#define PHY_CFG2            17
#define PHY_STATUS_OUT      18
#define PHY_MASK            19

#define BMCR_COLTST         BIT(7)
#define BMCR_DPLX           BIT(8)
#define BMCR_ANEG_RST       BIT(9)
#define BMCR_MII_DIS        BIT(10)
#define BMCR_PDN            BIT(11)
#define BMCR_ANEG_EN        BIT(12)
#define BMCR_SPEED          BIT(13)
#define BMCR_LPBK           BIT(14)
#define BMCR_RST            BIT(15)
#define BMCR_RESET          (BMCR_SPEED | BMCR_ANEG_EN)
#define BMCR_WMASK          0x7d80

#define BMSR_EXREG          BIT(0)
#define BMSR_LINK           BIT(2)
#define BMSR_CAP_ANEG       BIT(3)
#define BMSR_ANEG_ACK       BIT(5)
#define BMSR_CAPS           (0x7800 | BMSR_CAP_ANEG | BMSR_EXREG)

#define PHY_ID1_VALUE       0x0016
#define PHY_ID2_VALUE       0xf840

/* Ability bits of ANAR and ANLPAR */
#define AN_CSMA             0x0001
#define AN_10HD             BIT(5)
#define AN_10FD             BIT(6)
#define AN_100HD            BIT(7)
#define AN_100FD            BIT(8)
#define AN_ACK              BIT(14)
#define ANAR_RESET          (AN_100FD | AN_100HD | AN_10FD | AN_10HD | AN_CSMA)
#define ANAR_WMASK          0x21ff
#define AN_PARTNER          (AN_ACK | ANAR_RESET)

#define CFG1_WMASK          0xe7ff
#define CFG2_WMASK          0x003c

#define STOUT_DPLXDET       BIT(6)
#define STOUT_SPDDET        BIT(7)
#define STOUT_LNKFAIL       BIT(14)
#define STOUT_INT           BIT(15)
#define STOUT_BITS          0x7fc0  /* the status bits, INT excluded */
#define PHY_MASK_WMASK      0xffc0
#define PHY_MASK_RESET      0xffc0

/* MII management frames: 32 preamble ones, ST OP PHYAD REGAD, TA, data */
#define MII_PREAMBLE        32
#define MII_HEADER_BITS     14
#define MII_DATA_BITS       18      /* turnaround and 16 data bits */
#define MII_OP_WRITE        1
#define MII_OP_READ         2

typedef enum {
    MII_IDLE,           /* counting preamble ones */
    MII_HEADER,         /* start, opcode, PHY address, register address */
    MII_WRITE_DATA,     /* turnaround and data from the host */
    MII_READ_DATA,      /* turnaround and data driven by the PHY */
    MII_STATE_MAX,
} SMCMiiState;

typedef struct SMCFifo {
    uint8_t entry[SMC_NUM_PAGES];
    uint8_t count;
} SMCFifo;

struct SMC91C111State {
    SysBusDevice parent_obj;

    MemoryRegion mmio;
    qemu_irq irq;
    NICState *nic;
    NICConf conf;

    uint8_t bank;

    /* Bank 0 */
    uint16_t tcr;
    uint16_t eph_status;        /* last completion status; LINK_OK is live */
    uint16_t rcr;
    uint16_t rpcr;

    /* Bank 1 */
    uint16_t config;
    uint16_t base;
    uint8_t ia[ETH_ALEN];
    uint16_t gp;
    uint16_t control;

    /* Bank 2 */
    uint8_t pnr;
    uint8_t arr;
    uint16_t ptr;
    uint8_t int_latch;          /* the INT_LATCHED bits */
    uint8_t int_mask;

    /* Bank 3 */
    uint8_t mt[8];
    uint16_t mgmt;              /* MSK_CRS100, MDOE, MCLK, MDO as written */
    uint16_t ercv;

    /* MMU and packet memory */
    uint8_t allocated;          /* one bit per page */
    bool alloc_pending;         /* a failed ALLOCATE waits for a page */
    SMCFifo tx_fifo;
    SMCFifo tx_done_fifo;
    SMCFifo rx_fifo;
    uint8_t mem[SMC_NUM_PAGES][SMC_PAGE_SIZE];

    /* EPH interrupt sources */
    bool eph_link_changed;      /* LINK_OK changed while LE_ENABLE was set */
    bool eph_tx_error;          /* fatal TX error until TXENA is set again */

    uint16_t eeprom[SMC_EEPROM_WORDS];

    /* Internal PHY */
    uint16_t phy_bmcr;
    uint16_t phy_anar;
    uint16_t phy_cfg1;
    uint16_t phy_cfg2;
    uint16_t phy_mask;
    uint16_t phy_status_seen;   /* register 18 status bits at last check */
    bool phy_int;               /* register 18 INT, cleared by reading it */
    bool phy_link_fell;         /* BMSR link status latches low */
    bool link_up;

    /* MII management interface */
    uint32_t mii_state;
    uint32_t mii_ones;          /* preamble ones seen, up to 32 */
    uint32_t mii_bits;          /* bits shifted in, or still to shift out */
    uint32_t mii_shift;
    uint32_t mii_header;        /* the 14 header bits of the current frame */

    /* Frames the receiver could not take (QOM properties, not registers) */
    uint32_t rx_dropped;
    uint32_t rx_overruns;

    /* A frame waits in the net queue until memory is freed */
    bool rx_waiting;
};

/* Packet number queues */

static bool smc_fifo_full(const SMCFifo *f)
{
    return f->count >= SMC_NUM_PAGES;
}

/* Callers check for room first */
static void smc_fifo_push(SMCFifo *f, uint8_t pn)
{
    if (!smc_fifo_full(f)) {
        f->entry[f->count++] = pn;
    }
}

static uint8_t smc_fifo_head(const SMCFifo *f)
{
    return f->count ? f->entry[0] : FIFO_EMPTY;
}

static void smc_fifo_pop(SMCFifo *f)
{
    if (f->count) {
        f->count--;
        memmove(&f->entry[0], &f->entry[1], f->count);
    }
}

static bool smc_fifo_contains(const SMCFifo *f, uint8_t pn)
{
    return memchr(f->entry, pn, f->count) != NULL;
}

static void smc_fifo_remove(SMCFifo *f, uint8_t pn)
{
    uint8_t i, n = 0;

    for (i = 0; i < f->count; i++) {
        if (f->entry[i] != pn) {
            f->entry[n++] = f->entry[i];
        }
    }
    f->count = n;
}

/* Interrupts */

static bool smc_eph_interrupt(SMC91C111State *s)
{
    return (s->eph_link_changed &&
            (s->control & R_CONTROL_LE_ENABLE_MASK)) ||
           ((s->eph_status & R_EPH_STATUS_CTR_ROL_MASK) &&
            (s->control & R_CONTROL_CR_ENABLE_MASK)) ||
           (s->eph_tx_error && (s->control & R_CONTROL_TE_ENABLE_MASK));
}

static uint8_t smc_int_status(SMC91C111State *s)
{
    uint8_t status = s->int_latch;

    /* RCV_INT and TX_INT are the complements of REMPTY and TEMPTY */
    if (s->rx_fifo.count) {
        status |= INT_RCV;
    }
    if (s->tx_done_fifo.count) {
        status |= INT_TX;
    }
    /* ALLOC_INT is the complement of ARR.FAILED */
    if (!(s->arr & ARR_FAILED)) {
        status |= INT_ALLOC;
    }
    if (smc_eph_interrupt(s)) {
        status |= INT_EPH;
    }
    return status;
}

static void smc_update_irq(SMC91C111State *s)
{
    uint8_t status = smc_int_status(s);
    int level = !!(status & s->int_mask);

    trace_smc91c111_irq(level, status, s->int_mask);
    qemu_set_irq(s->irq, level);
}

/* MMU */

static int smc_free_pages(SMC91C111State *s)
{
    return SMC_NUM_PAGES - ctpop8(s->allocated);
}

static int smc_find_free_page(SMC91C111State *s)
{
    int pn;

    for (pn = 0; pn < SMC_NUM_PAGES; pn++) {
        if (!(s->allocated & BIT(pn))) {
            return pn;
        }
    }
    return -1;
}

static void smc_mmu_allocate(SMC91C111State *s)
{
    int pn = smc_find_free_page(s);

    if (pn < 0) {
        /* Served as soon as a page is released */
        s->arr |= ARR_FAILED;
        s->alloc_pending = true;
        trace_smc91c111_alloc(-1);
        return;
    }
    s->allocated |= BIT(pn);
    s->arr = pn;
    s->alloc_pending = false;
    trace_smc91c111_alloc(pn);
}

static void smc_mmu_release(SMC91C111State *s, uint8_t pn)
{
    trace_smc91c111_release(pn);
    s->allocated &= ~BIT(pn);
    smc_fifo_remove(&s->tx_fifo, pn);
    smc_fifo_remove(&s->rx_fifo, pn);
    /* A waiting TX allocation takes the page before any received frame */
    if (s->alloc_pending) {
        smc_mmu_allocate(s);
    }
}

static void smc_mmu_reset(SMC91C111State *s)
{
    s->allocated = 0;
    s->alloc_pending = false;
    s->arr = ARR_FAILED;
    s->pnr = 0;
    s->tx_fifo.count = 0;
    s->tx_done_fifo.count = 0;
    s->rx_fifo.count = 0;
}

/* Internal PHY */

static void smc_phy_resolve(SMC91C111State *s, bool *speed100, bool *duplex)
{
    uint16_t common;

    if (!(s->phy_bmcr & BMCR_ANEG_EN)) {
        *speed100 = s->phy_bmcr & BMCR_SPEED;
        *duplex = s->phy_bmcr & BMCR_DPLX;
        return;
    }
    /* Highest common ability; 10 Mb/s half duplex by parallel detection */
    common = s->phy_anar & AN_PARTNER;
    *speed100 = common & (AN_100FD | AN_100HD);
    *duplex = (common & AN_100FD) ||
              (!(common & AN_100HD) && (common & AN_10FD));
}

/* The status bits of register 18 (Status Output) */
static uint16_t smc_phy_status_bits(SMC91C111State *s)
{
    bool speed100, duplex;

    if (!s->link_up) {
        return STOUT_LNKFAIL;
    }
    smc_phy_resolve(s, &speed100, &duplex);
    return (speed100 ? STOUT_SPDDET : 0) | (duplex ? STOUT_DPLXDET : 0);
}

/*
 * Register 18's INT bit is set when an unmasked status bit changes; its
 * rising edge raises MDINT in the interrupt status register.
 */
static void smc_phy_check_status(SMC91C111State *s)
{
    uint16_t now = smc_phy_status_bits(s);
    uint16_t changed = (now ^ s->phy_status_seen) & ~s->phy_mask & STOUT_BITS;

    s->phy_status_seen = now;
    if (changed && !s->phy_int) {
        s->phy_int = true;
        s->int_latch |= INT_MD;
    }
}

static bool smc_link_is_up(SMC91C111State *s)
{
    return !qemu_get_queue(s->nic)->link_down && !(s->phy_bmcr & BMCR_PDN);
}

/* Re-evaluate the link after the netdev or the PHY changed */
static void smc_update_link(SMC91C111State *s)
{
    bool up = smc_link_is_up(s);

    if (up != s->link_up) {
        trace_smc91c111_link(up);
        s->link_up = up;
        if (!up) {
            s->phy_link_fell = true;
        }
        /* A LINK_OK transition is an EPH interrupt if LE_ENABLE is set */
        if (s->control & R_CONTROL_LE_ENABLE_MASK) {
            s->eph_link_changed = true;
        }
    }
    smc_phy_check_status(s);
}

static void smc_phy_reset(SMC91C111State *s)
{
    s->phy_bmcr = BMCR_RESET;
    s->phy_anar = ANAR_RESET;
    s->phy_cfg1 = 0;
    s->phy_cfg2 = 0;
    s->phy_mask = PHY_MASK_RESET;
    s->phy_int = false;
}

static uint16_t smc_phy_read(SMC91C111State *s, unsigned reg)
{
    uint16_t val = 0;

    switch (reg) {
    case PHY_BMCR:
        val = s->phy_bmcr;
        break;
    case PHY_BMSR:
        val = BMSR_CAPS;
        if (s->link_up && !s->phy_link_fell) {
            val |= BMSR_LINK;
        }
        if (s->link_up && (s->phy_bmcr & BMCR_ANEG_EN)) {
            val |= BMSR_ANEG_ACK;
        }
        s->phy_link_fell = false;
        break;
    case PHY_ID1:
        val = PHY_ID1_VALUE;
        break;
    case PHY_ID2:
        val = PHY_ID2_VALUE;
        break;
    case PHY_ANAR:
        val = s->phy_anar;
        break;
    case PHY_ANLPAR:
        if (s->link_up && (s->phy_bmcr & BMCR_ANEG_EN)) {
            val = AN_PARTNER;
        }
        break;
    case PHY_CFG1:
        val = s->phy_cfg1;
        break;
    case PHY_CFG2:
        val = s->phy_cfg2;
        break;
    case PHY_STATUS_OUT:
        val = smc_phy_status_bits(s) | (s->phy_int ? STOUT_INT : 0);
        s->phy_int = false;
        break;
    case PHY_MASK:
        val = s->phy_mask;
        break;
    default:
        /* Optional clause 22 registers this PHY does not have read 0 */
        break;
    }
    trace_smc91c111_phy_read(reg, val);
    return val;
}

static void smc_phy_write(SMC91C111State *s, unsigned reg, uint16_t val)
{
    trace_smc91c111_phy_write(reg, val);
    switch (reg) {
    case PHY_BMCR:
        if (val & BMCR_RST) {
            /* Self-clearing; the reset is over before the next access */
            smc_phy_reset(s);
        } else {
            /* ANEG_RST self-clears too: negotiation completes at once */
            s->phy_bmcr = val & BMCR_WMASK & ~BMCR_ANEG_RST;
        }
        break;
    case PHY_ANAR:
        s->phy_anar = val & ANAR_WMASK;
        break;
    case PHY_CFG1:
        s->phy_cfg1 = val & CFG1_WMASK;
        break;
    case PHY_CFG2:
        s->phy_cfg2 = val & CFG2_WMASK;
        break;
    case PHY_MASK:
        s->phy_mask = val & PHY_MASK_WMASK;
        break;
    case PHY_BMSR:
    case PHY_ID1:
    case PHY_ID2:
    case PHY_ANLPAR:
    case PHY_STATUS_OUT:
        qemu_log_mask(LOG_GUEST_ERROR,
                      "smc91c111: write to read-only PHY register %u\n", reg);
        return;
    default:
        qemu_log_mask(LOG_UNIMP,
                      "smc91c111: write to unimplemented PHY register %u\n",
                      reg);
        return;
    }
    smc_update_link(s);
}

/* MII management: one rising edge of MCLK with @bit on the line */

static void smc_mii_idle(SMC91C111State *s)
{
    s->mii_state = MII_IDLE;
    s->mii_ones = 0;
    s->mii_bits = 0;
}

static void smc_mii_header_done(SMC91C111State *s)
{
    unsigned start = extract32(s->mii_header, 12, 2);
    unsigned op = extract32(s->mii_header, 10, 2);
    unsigned phy = extract32(s->mii_header, 5, 5);
    unsigned reg = extract32(s->mii_header, 0, 5);

    if (start != 1 || (op != MII_OP_READ && op != MII_OP_WRITE)) {
        smc_mii_idle(s);
        return;
    }
    if (op == MII_OP_WRITE) {
        s->mii_state = MII_WRITE_DATA;
        s->mii_bits = 0;
        s->mii_shift = 0;
        return;
    }
    if (phy != SMC_PHY_ADDR) {
        /* Nobody drives MDI: the frame reads as zeros */
        trace_smc91c111_phy_ignored(phy, op);
        smc_mii_idle(s);
        return;
    }
    /* The PHY drives both turnaround bits low, then the data, MSB first */
    s->mii_state = MII_READ_DATA;
    s->mii_shift = smc_phy_read(s, reg);
    s->mii_bits = MII_DATA_BITS;
}

static void smc_mii_clock(SMC91C111State *s, bool bit)
{
    switch (s->mii_state) {
    case MII_IDLE:
        if (bit) {
            s->mii_ones = MIN(s->mii_ones + 1, MII_PREAMBLE);
        } else if (s->mii_ones >= MII_PREAMBLE) {
            /* The first bit of the start delimiter */
            s->mii_state = MII_HEADER;
            s->mii_header = 0;
            s->mii_bits = 1;
        } else {
            s->mii_ones = 0;
        }
        break;
    case MII_HEADER:
        s->mii_header = (s->mii_header << 1) | bit;
        if (++s->mii_bits == MII_HEADER_BITS) {
            smc_mii_header_done(s);
        }
        break;
    case MII_WRITE_DATA:
        s->mii_shift = (s->mii_shift << 1) | bit;
        if (++s->mii_bits == MII_DATA_BITS) {
            unsigned phy = extract32(s->mii_header, 5, 5);

            if (phy == SMC_PHY_ADDR) {
                smc_phy_write(s, extract32(s->mii_header, 0, 5),
                              s->mii_shift & 0xffff);
            } else {
                trace_smc91c111_phy_ignored(phy, MII_OP_WRITE);
            }
            smc_mii_idle(s);
        }
        break;
    case MII_READ_DATA:
        if (--s->mii_bits == 0) {
            smc_mii_idle(s);
        }
        break;
    default:
        g_assert_not_reached();
    }
}

/* What the PHY drives on MDI */
static bool smc_mii_mdi(SMC91C111State *s)
{
    return s->mii_state == MII_READ_DATA &&
           extract32(s->mii_shift, s->mii_bits - 1, 1);
}

static void smc_mgmt_write(SMC91C111State *s, uint16_t val)
{
    bool clock_was_low = !(s->mgmt & R_MGMT_MCLK_MASK);

    s->mgmt = val & MGMT_WMASK;
    if (clock_was_low && (s->mgmt & R_MGMT_MCLK_MASK)) {
        /* An undriven line is pulled high, as in the idle state */
        bool bit = !(s->mgmt & R_MGMT_MDOE_MASK) ||
                   (s->mgmt & R_MGMT_MDO_MASK);

        smc_mii_clock(s, bit);
    }
}

static uint16_t smc_mgmt_read(SMC91C111State *s)
{
    return MGMT_FIXED | s->mgmt | (smc_mii_mdi(s) ? R_MGMT_MDI_MASK : 0);
}

/* Receive */

static bool smc_rx_enabled(SMC91C111State *s)
{
    return (s->rcr & R_RCR_RXEN_MASK) &&
           !(s->rcr & R_RCR_SOFT_RST_MASK) &&
           (s->config & R_CONFIG_EPH_POWER_EN_MASK);
}

static bool smc_rx_has_room(SMC91C111State *s)
{
    return smc_find_free_page(s) >= 0 && !smc_fifo_full(&s->rx_fifo);
}

static bool smc91c111_can_receive(NetClientState *nc)
{
    SMC91C111State *s = qemu_get_nic_opaque(nc);

    /* A disabled receiver takes frames and discards them */
    if (!smc_rx_enabled(s) || smc_rx_has_room(s)) {
        return true;
    }
    s->rx_waiting = true;
    return false;
}

/* Flush the net queue once memory was freed for frames waiting in it */
static void smc_rx_resume(SMC91C111State *s)
{
    NetClientState *nc = qemu_get_queue(s->nic);

    if (s->rx_waiting && smc91c111_can_receive(nc)) {
        s->rx_waiting = false;
        trace_smc91c111_rx_resume(smc_free_pages(s));
        qemu_flush_queued_packets(nc);
    }
}

static unsigned smc_mcast_hash(const uint8_t *da)
{
    /* The six most significant bits of the destination address's CRC */
    return net_crc32(da, ETH_ALEN) >> 26;
}

static bool smc_rx_address_ok(SMC91C111State *s, const uint8_t *da)
{
    unsigned hash;

    if (s->rcr & R_RCR_PRMS_MASK) {
        return true;
    }
    if (is_broadcast_ether_addr(da)) {
        return true;
    }
    if (is_multicast_ether_addr(da)) {
        if (s->rcr & R_RCR_ALMUL_MASK) {
            return true;
        }
        /* Hash bits 5-3 select the MT byte, bits 2-0 the bit */
        hash = smc_mcast_hash(da);
        return s->mt[hash >> 3] & BIT(hash & 7);
    }
    return !memcmp(da, s->ia, ETH_ALEN);
}

static void smc_rx_drop(SMC91C111State *s, const char *why, size_t len)
{
    s->rx_dropped++;
    trace_smc91c111_rx_drop(why, len, s->rx_dropped);
}

static uint16_t smc_rx_status(const uint8_t *frame, size_t data_len,
                              size_t stored_len)
{
    uint16_t status = smc_mcast_hash(frame) << RXS_HASH_SHIFT;

    if (is_multicast_ether_addr(frame)) {
        status |= RXS_MULTCAST;
    }
    if (is_broadcast_ether_addr(frame)) {
        status |= RXS_BRODCAST;
    }
    if (data_len > SMC_FRAME_MAX) {
        status |= RXS_TOOLNG;
    }
    if (stored_len & 1) {
        status |= RXS_ODDFRM;
    }
    return status;
}

/*
 * Store a frame that passed the address filter in a free page and queue
 * it on the RX FIFO; without memory, count an overrun.
 */
static void smc_rx_store(SMC91C111State *s, const uint8_t *buf, size_t len)
{
    size_t data_len = MAX(len, ETH_ZLEN);
    size_t fcs_len = (s->rcr & R_RCR_STRIP_CRC_MASK) ? 0 : ETH_FCS_LEN;
    size_t stored = data_len + fcs_len;
    bool odd = stored & 1;
    size_t count = PKT_DATA + stored + (odd ? 1 : 2);
    uint16_t status;
    uint8_t *page;
    int pn;

    if (count > SMC_PAGE_SIZE) {
        /* Longer than a page: the receiver aborts the frame */
        s->rcr |= R_RCR_RX_ABORT_MASK;
        s->int_latch |= INT_RX_OVRN;
        smc_rx_drop(s, "longer than a page", len);
        return;
    }
    pn = smc_find_free_page(s);
    if (pn < 0 || smc_fifo_full(&s->rx_fifo)) {
        s->rx_overruns++;
        s->int_latch |= INT_RX_OVRN;
        trace_smc91c111_rx_overrun(len, s->rx_overruns);
        return;
    }

    s->allocated |= BIT(pn);
    page = s->mem[pn];
    memcpy(page + PKT_DATA, buf, len);
    memset(page + PKT_DATA + len, 0, data_len - len);
    if (fcs_len) {
        stl_le_p(page + PKT_DATA + data_len,
                 crc32(0, page + PKT_DATA, data_len));
    }
    if (!odd) {
        page[PKT_DATA + stored] = 0;
    }
    page[count - 1] = PKT_CTL_RX | (odd ? PKT_CTL_ODD : 0);
    status = smc_rx_status(buf, data_len, stored);
    stw_le_p(page + PKT_STATUS, status);
    stw_le_p(page + PKT_BYTE_COUNT, count);
    smc_fifo_push(&s->rx_fifo, pn);

    /* Early receive: more bytes than the threshold (64-byte units) */
    if (stored > FIELD_EX16(s->ercv, ERCV, THRESHOLD) * 64) {
        s->int_latch |= INT_ERCV;
    }
    trace_smc91c111_rx_frame(pn, len, status, count);
}

static ssize_t smc91c111_receive(NetClientState *nc, const uint8_t *buf,
                                 size_t len)
{
    SMC91C111State *s = qemu_get_nic_opaque(nc);

    if (!smc_rx_enabled(s)) {
        smc_rx_drop(s, "receiver disabled", len);
        return len;
    }
    if (!s->link_up) {
        /* The netdev is up but the PHY is powered down */
        smc_rx_drop(s, "PHY link down", len);
        return len;
    }
    if (len < ETH_ALEN) {
        smc_rx_drop(s, "runt", len);
        return len;
    }
    if (!smc_rx_address_ok(s, buf)) {
        trace_smc91c111_rx_filter(len);
        return len;
    }
    if (!smc_rx_has_room(s)) {
        /* The net queue keeps the frame; smc_rx_resume() flushes it */
        s->rx_waiting = true;
        trace_smc91c111_rx_wait(len, s->rx_fifo.count);
        return 0;
    }
    smc_rx_store(s, buf, len);
    smc_update_irq(s);
    return len;
}

/* Transmit */

static bool smc_tx_enabled(SMC91C111State *s)
{
    return (s->tcr & R_TCR_TXENA_MASK) &&
           (s->config & R_CONFIG_EPH_POWER_EN_MASK);
}

static bool smc_loopback(SMC91C111State *s)
{
    return (s->tcr & (R_TCR_EPH_LOOP_MASK | R_TCR_LOOP_MASK)) ||
           (s->phy_bmcr & BMCR_LPBK);
}

/* The receive side of a looped-back frame: filter, then store */
static void smc_rx_loopback(SMC91C111State *s, const uint8_t *buf,
                            size_t len)
{
    if (!smc_rx_enabled(s)) {
        smc_rx_drop(s, "receiver disabled", len);
    } else if (len < ETH_ALEN) {
        smc_rx_drop(s, "runt", len);
    } else if (smc_rx_address_ok(s, buf)) {
        smc_rx_store(s, buf, len);
    } else {
        trace_smc91c111_rx_filter(len);
    }
}

/* Send packet @pn; returns its completion status (the EPH status word) */
static uint16_t smc_tx_packet(SMC91C111State *s, uint8_t pn)
{
    uint8_t *page = s->mem[pn];
    uint8_t frame[SMC_PAGE_SIZE];
    unsigned count = lduw_le_p(page + PKT_BYTE_COUNT) & PKT_BYTE_COUNT_MASK;
    uint16_t status;
    size_t len;
    bool loop = smc_loopback(s);

    if (count < PKT_OVERHEAD) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "smc91c111: packet %u: byte count %u too small\n",
                      pn, count);
        return 0;
    }
    len = count - PKT_OVERHEAD;
    if (page[count - 1] & PKT_CTL_ODD) {
        len++;
    }
    memcpy(frame, page + PKT_DATA, len);
    /*
     * TCR.NOCRC: the MAC appends no CRC unless the control byte's CRC bit
     * asks for one (that bit "has meaning only if the NOCRC bit in the
     * TCR is set", datasheet, packet format), so the guest wrote the FCS
     * as the last four data bytes.  Frames on QEMU's network carry no
     * FCS: it goes, as the LAN9118 drops the FCS of a CRC_DISABLE frame.
     */
    if ((s->tcr & R_TCR_NOCRC_MASK) && !(page[count - 1] & PKT_CTL_CRC)) {
        len = len >= ETH_FCS_LEN ? len - ETH_FCS_LEN : 0;
    }
    if ((s->tcr & R_TCR_PAD_EN_MASK) && len < ETH_ZLEN) {
        memset(frame + len, 0, ETH_ZLEN - len);
        len = ETH_ZLEN;
    }

    if (!loop && !s->link_up && (s->tcr & R_TCR_MON_CSN_MASK)) {
        /* Fatal: the transmitter stops until TXENA is set again */
        status = R_EPH_STATUS_LOST_CARR_MASK;
        s->tcr &= ~R_TCR_TXENA_MASK;
        s->eph_tx_error = true;
        trace_smc91c111_tx_frame(pn, len, status, loop);
        return status;
    }

    status = R_EPH_STATUS_TX_SUC_MASK;
    if (len >= ETH_ALEN && is_broadcast_ether_addr(frame)) {
        status |= R_EPH_STATUS_LTX_BRD_MASK;
    } else if (len >= ETH_ALEN && is_multicast_ether_addr(frame)) {
        status |= R_EPH_STATUS_LTX_MULT_MASK;
    }
    trace_smc91c111_tx_frame(pn, len, status, loop);
    if (loop) {
        smc_rx_loopback(s, frame, len);
    } else if (len < ETH_HLEN) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "smc91c111: packet %u: %zu-byte frame not sent\n",
                      pn, len);
    } else if (s->link_up) {
        /* Without a link the frame goes nowhere, yet the MAC succeeds */
        qemu_send_packet(qemu_get_queue(s->nic), frame, len);
    }
    return status;
}

static void smc_tx_complete(SMC91C111State *s, uint8_t pn, uint16_t status)
{
    if (status) {
        stw_le_p(s->mem[pn] + PKT_STATUS, status);
        s->eph_status = status;
    }
    /* Auto-release frees successful packets without a completion entry */
    if ((status & R_EPH_STATUS_TX_SUC_MASK) &&
        (s->control & R_CONTROL_AUTO_RELEASE_MASK)) {
        smc_mmu_release(s, pn);
    } else if (smc_fifo_full(&s->tx_done_fifo)) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "smc91c111: TX completion FIFO full, packet %u lost\n",
                      pn);
    } else {
        smc_fifo_push(&s->tx_done_fifo, pn);
    }
}

static void smc_tx_process(SMC91C111State *s)
{
    bool sent = false;

    while (smc_tx_enabled(s) && s->tx_fifo.count) {
        uint8_t pn = smc_fifo_head(&s->tx_fifo);

        smc_fifo_pop(&s->tx_fifo);
        smc_tx_complete(s, pn, smc_tx_packet(s, pn));
        sent = true;
    }
    if (sent && !s->tx_fifo.count) {
        s->int_latch |= INT_TX_EMPTY;
    }
}

/* MMU commands */

static bool smc_check_pnr(SMC91C111State *s, const char *what)
{
    if (s->pnr >= SMC_NUM_PAGES) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "smc91c111: %s: no packet number %u\n", what, s->pnr);
        return false;
    }
    if (!(s->allocated & BIT(s->pnr))) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "smc91c111: %s: packet %u is not allocated\n",
                      what, s->pnr);
        return false;
    }
    return true;
}

static void smc_mmu_remove_rx(SMC91C111State *s, bool release)
{
    uint8_t pn = smc_fifo_head(&s->rx_fifo);

    if (!s->rx_fifo.count) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "smc91c111: MMU remove with an empty RX FIFO\n");
        return;
    }
    smc_fifo_pop(&s->rx_fifo);
    if (release) {
        smc_mmu_release(s, pn);
    }
}

static void smc_mmu_enqueue(SMC91C111State *s)
{
    if (!smc_check_pnr(s, "enqueue")) {
        return;
    }
    if (smc_fifo_contains(&s->tx_fifo, s->pnr) ||
        smc_fifo_full(&s->tx_fifo)) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "smc91c111: packet %u cannot be queued twice\n",
                      s->pnr);
        return;
    }
    smc_fifo_push(&s->tx_fifo, s->pnr);
    smc_tx_process(s);
}

static void smc_mmu_command(SMC91C111State *s, uint8_t val)
{
    unsigned op = FIELD_EX8(val, MMU_COMMAND, OP);

    trace_smc91c111_mmu_command(op, s->pnr);
    switch (op) {
    case MMU_NOOP:
        break;
    case MMU_ALLOC:
        /* The 91C111 ignores the size: a packet always gets one page */
        if (!s->alloc_pending) {
            smc_mmu_allocate(s);
        }
        break;
    case MMU_RESET:
        smc_mmu_reset(s);
        break;
    case MMU_REMOVE_RX:
        smc_mmu_remove_rx(s, false);
        break;
    case MMU_RELEASE_RX:
        smc_mmu_remove_rx(s, true);
        break;
    case MMU_RELEASE_PACKET:
        if (smc_check_pnr(s, "release")) {
            smc_mmu_release(s, s->pnr);
        }
        break;
    case MMU_ENQUEUE_TX:
        smc_mmu_enqueue(s);
        break;
    case MMU_RESET_TX_FIFOS:
        s->tx_fifo.count = 0;
        s->tx_done_fifo.count = 0;
        break;
    default:
        g_assert_not_reached();
    }
}

/* Packet memory through POINTER and DATA */

static uint8_t *smc_data_page(SMC91C111State *s)
{
    if (s->ptr & R_POINTER_RCV_MASK) {
        if (!s->rx_fifo.count) {
            qemu_log_mask(LOG_GUEST_ERROR,
                          "smc91c111: RX area access, RX FIFO empty\n");
            return NULL;
        }
        return s->mem[smc_fifo_head(&s->rx_fifo)];
    }
    if (s->pnr >= SMC_NUM_PAGES) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "smc91c111: TX area access, no packet %u\n", s->pnr);
        return NULL;
    }
    return s->mem[s->pnr];
}

static void smc_data_advance(SMC91C111State *s, unsigned size)
{
    if (s->ptr & R_POINTER_AUTO_INCR_MASK) {
        s->ptr = FIELD_DP16(s->ptr, POINTER, PTR,
                            FIELD_EX16(s->ptr, POINTER, PTR) + size);
    }
}

static uint32_t smc_data_read(SMC91C111State *s, unsigned size)
{
    const uint8_t *page = smc_data_page(s);
    unsigned addr = FIELD_EX16(s->ptr, POINTER, PTR);
    uint32_t val = 0;
    unsigned i;

    for (i = 0; page && i < size; i++) {
        val |= page[(addr + i) & SMC_PAGE_MASK] << (8 * i);
    }
    smc_data_advance(s, size);
    return val;
}

static void smc_data_write(SMC91C111State *s, uint32_t val, unsigned size)
{
    uint8_t *page = smc_data_page(s);
    unsigned addr = FIELD_EX16(s->ptr, POINTER, PTR);
    unsigned i;

    for (i = 0; page && i < size; i++) {
        page[(addr + i) & SMC_PAGE_MASK] = val >> (8 * i);
    }
    smc_data_advance(s, size);
}

/* EEPROM, through CONTROL.RELOAD/STORE */

static void smc_eeprom_reload(SMC91C111State *s)
{
    int i;

    s->config = CONFIG_FIXED | (s->eeprom[EEPROM_CONFIG] & CONFIG_WMASK);
    s->base = BASE_FIXED | (s->eeprom[EEPROM_BASE] & BASE_WMASK);
    for (i = 0; i < ETH_ALEN / 2; i++) {
        stw_le_p(&s->ia[2 * i], s->eeprom[EEPROM_IA + i]);
    }
    trace_smc91c111_eeprom("reload", 0, 0);
}

/*
 * CONTROL.EEPROM_SELECT low: "RELOAD reads Configuration, Base and
 * Individual Address, and STORE writes Configuration and Base registers"
 * (datasheet, Control Register).  The individual address is never
 * written back: only a word access (EEPROM_SELECT) changes it.
 */
static void smc_eeprom_store(SMC91C111State *s)
{
    s->eeprom[EEPROM_CONFIG] = s->config;
    s->eeprom[EEPROM_BASE] = s->base;
    trace_smc91c111_eeprom("store", 0, 0);
}

/* With EEPROM_SELECT, one word at the address in POINTER moves via GP */
static void smc_eeprom_word(SMC91C111State *s, bool store)
{
    unsigned addr = FIELD_EX16(s->ptr, POINTER, PTR) % SMC_EEPROM_WORDS;

    if (store) {
        s->eeprom[addr] = s->gp;
    } else {
        s->gp = s->eeprom[addr];
    }
    trace_smc91c111_eeprom(store ? "store word" : "read word", addr, s->gp);
}

static void smc_control_write(SMC91C111State *s, uint16_t val)
{
    bool word = val & R_CONTROL_EEPROM_SELECT_MASK;

    s->control = CONTROL_FIXED | (val & CONTROL_WMASK);
    /* Clearing LE_ENABLE is how the link EPH interrupt is acknowledged */
    if (!(s->control & R_CONTROL_LE_ENABLE_MASK)) {
        s->eph_link_changed = false;
    }
    /* Both operations finish at once, so the bits read back as 0 */
    if (val & R_CONTROL_STORE_MASK) {
        word ? smc_eeprom_word(s, true) : smc_eeprom_store(s);
    }
    if (val & R_CONTROL_RELOAD_MASK) {
        word ? smc_eeprom_word(s, false) : smc_eeprom_reload(s);
    }
    s->control &= ~(R_CONTROL_STORE_MASK | R_CONTROL_RELOAD_MASK);
}

/* Reset */

/* Registers a soft reset (RCR.SOFT_RST) and a hard reset both set */
static void smc_reset_registers(SMC91C111State *s)
{
    s->tcr = TCR_RESET;
    s->eph_status = 0;
    s->rcr = 0;
    s->rpcr = 0;
    s->gp = 0;
    s->control = CONTROL_RESET;
    s->ptr = 0;
    s->int_latch = INT_RESET;
    s->int_mask = 0;
    memset(s->mt, 0, sizeof(s->mt));
    s->ercv = ERCV_RESET & R_ERCV_THRESHOLD_MASK;
    s->eph_link_changed = false;
    s->eph_tx_error = false;
    smc_mmu_reset(s);
    s->rx_waiting = true;       /* a sender may wait from before the reset */
}

static void smc_soft_reset(SMC91C111State *s)
{
    /* CONFIG, BASE and the individual address survive; no EEPROM reload */
    trace_smc91c111_reset("soft");
    smc_reset_registers(s);
}

static void smc91c111_reset_hold(Object *obj, ResetType type)
{
    SMC91C111State *s = SMC91C111(obj);

    trace_smc91c111_reset("hard");
    smc_reset_registers(s);
    s->bank = 0;
    s->mgmt = 0;
    smc_mii_idle(s);
    memset(s->mem, 0, sizeof(s->mem));
    /* CONFIG, BASE and the individual address come from the EEPROM */
    smc_eeprom_reload(s);
    smc_phy_reset(s);
    s->phy_link_fell = false;
    s->link_up = smc_link_is_up(s);
    s->phy_status_seen = smc_phy_status_bits(s);
    smc_update_irq(s);
}

/* Register access */

static void smc_write_only_log(SMC91C111State *s, hwaddr offset)
{
    qemu_log_mask(LOG_GUEST_ERROR,
                  "smc91c111: write to read-only register 0x%" HWADDR_PRIx
                  " in bank %u\n", offset, s->bank);
}

static uint16_t smc_reg_read(SMC91C111State *s, hwaddr offset)
{
    if (offset == A_BANK_SELECT) {
        return BANK_SIGNATURE | s->bank;
    }

    switch (BANKED(s->bank, offset)) {
    case BANKED(0, A_TCR):
        return s->tcr;
    case BANKED(0, A_EPH_STATUS):
        return s->eph_status | (s->link_up ? R_EPH_STATUS_LINK_OK_MASK : 0);
    case BANKED(0, A_RCR):
        return s->rcr;
    case BANKED(0, A_ECR):
        /* The counters never count; reading clears the roll-over flag */
        s->eph_status &= ~R_EPH_STATUS_CTR_ROL_MASK;
        return 0;
    case BANKED(0, A_MIR):
        /* Free memory (high byte) and memory size, in 2 KiB units */
        return smc_free_pages(s) << 8 | SMC_NUM_PAGES;
    case BANKED(0, A_RPCR):
        return s->rpcr;

    case BANKED(1, A_CONFIG):
        return s->config;
    case BANKED(1, A_BASE):
        return s->base;
    case BANKED(1, A_IA01):
    case BANKED(1, A_IA23):
    case BANKED(1, A_IA45):
        return lduw_le_p(&s->ia[offset - A_IA01]);
    case BANKED(1, A_GP):
        return s->gp;
    case BANKED(1, A_CONTROL):
        return s->control;

    case BANKED(2, A_MMU_COMMAND):
        return 0;                           /* never busy */
    case BANKED(2, A_PNR_ARR):
        return s->pnr | s->arr << 8;
    case BANKED(2, A_FIFO):
        return smc_fifo_head(&s->tx_done_fifo) |
               smc_fifo_head(&s->rx_fifo) << 8;
    case BANKED(2, A_POINTER):
        return s->ptr;                      /* NOT_EMPTY: writes are done */
    case BANKED(2, A_INTERRUPT):
        return smc_int_status(s) | s->int_mask << 8;

    case BANKED(3, A_MT01):
    case BANKED(3, A_MT23):
    case BANKED(3, A_MT45):
    case BANKED(3, A_MT67):
        return lduw_le_p(&s->mt[offset]);
    case BANKED(3, A_MGMT):
        return smc_mgmt_read(s);
    case BANKED(3, A_REVISION):
        return SMC_REVISION;
    case BANKED(3, A_ERCV):
        return ERCV_FIXED | s->ercv;

    default:
        qemu_log_mask(LOG_GUEST_ERROR,
                      "smc91c111: read of unknown register 0x%" HWADDR_PRIx
                      " in bank %u\n", offset, s->bank);
        return 0;
    }
}

/*
 * Write the bytes of @val selected by @bytes (0x00ff, 0xff00 or 0xffff) to
 * the 16-bit register at even @offset.  Byte-wide registers only take the
 * bytes written; the others merge them with their current value.
 */
static void smc_reg_write(SMC91C111State *s, hwaddr offset, uint16_t val,
                          uint16_t bytes)
{
    uint16_t old;

    if (offset == A_BANK_SELECT) {
        if (bytes & 0x00ff) {
            s->bank = val & 7;
        }
        return;
    }

    switch (BANKED(s->bank, offset)) {
    case BANKED(0, A_TCR):
        s->tcr = ((s->tcr & ~bytes) | (val & bytes)) & TCR_WMASK;
        if (val & bytes & R_TCR_TXENA_MASK) {
            /* Setting TXENA clears a fatal transmit error */
            s->eph_status &= ~(EPH_TX_ERRORS | R_EPH_STATUS_TX_SUC_MASK);
            s->eph_tx_error = false;
        }
        smc_tx_process(s);
        break;
    case BANKED(0, A_RCR):
        val = (s->rcr & ~bytes) | (val & bytes);
        if (val & R_RCR_SOFT_RST_MASK) {
            smc_soft_reset(s);
            s->rcr = R_RCR_SOFT_RST_MASK;
            break;
        }
        /* RX_ABORT is cleared by writing it low, never set by the host */
        s->rcr = (val & RCR_WMASK & ~R_RCR_RX_ABORT_MASK) |
                 (s->rcr & val & R_RCR_RX_ABORT_MASK);
        break;
    case BANKED(0, A_RPCR):
        s->rpcr = ((s->rpcr & ~bytes) | (val & bytes)) & RPCR_WMASK;
        break;
    case BANKED(0, A_MIR):
        /*
         * Read-only.  32-bit drivers write RPCR as the high half of a
         * 32-bit write at 0x8, so MIR sees zeros: not worth a log line.
         */
        break;
    case BANKED(0, A_EPH_STATUS):
    case BANKED(0, A_ECR):
    case BANKED(3, A_REVISION):
        smc_write_only_log(s, offset);
        break;

    case BANKED(1, A_CONFIG):
        val = (s->config & ~bytes) | (val & bytes);
        s->config = CONFIG_FIXED | (val & CONFIG_WMASK);
        smc_tx_process(s);
        break;
    case BANKED(1, A_BASE):
        val = (s->base & ~bytes) | (val & bytes);
        s->base = BASE_FIXED | (val & BASE_WMASK);
        break;
    case BANKED(1, A_IA01):
    case BANKED(1, A_IA23):
    case BANKED(1, A_IA45):
        old = lduw_le_p(&s->ia[offset - A_IA01]);
        stw_le_p(&s->ia[offset - A_IA01], (old & ~bytes) | (val & bytes));
        break;
    case BANKED(1, A_GP):
        s->gp = (s->gp & ~bytes) | (val & bytes);
        break;
    case BANKED(1, A_CONTROL):
        smc_control_write(s, (s->control & ~bytes) | (val & bytes));
        break;

    case BANKED(2, A_MMU_COMMAND):
        if (bytes & 0x00ff) {
            smc_mmu_command(s, val);
        }
        break;
    case BANKED(2, A_PNR_ARR):
        /* ARR (high byte) is read-only */
        if (bytes & 0x00ff) {
            s->pnr = FIELD_EX16(val, PNR_ARR, PNR);
        }
        break;
    case BANKED(2, A_FIFO):
        /* Read-only; 32-bit drivers write POINTER with zeros here */
        break;
    case BANKED(2, A_POINTER):
        s->ptr = ((s->ptr & ~bytes) | (val & bytes)) & POINTER_WMASK;
        break;
    case BANKED(2, A_INTERRUPT):
        if (bytes & 0x00ff) {
            /* Acknowledging TX_INT takes the packet off the TX done FIFO */
            if (val & INT_TX) {
                smc_fifo_pop(&s->tx_done_fifo);
            }
            s->int_latch &= ~(val & INT_LATCHED);
        }
        if (bytes & 0xff00) {
            s->int_mask = val >> 8;
        }
        break;

    case BANKED(3, A_MT01):
    case BANKED(3, A_MT23):
    case BANKED(3, A_MT45):
    case BANKED(3, A_MT67):
        old = lduw_le_p(&s->mt[offset]);
        stw_le_p(&s->mt[offset], (old & ~bytes) | (val & bytes));
        break;
    case BANKED(3, A_MGMT):
        smc_mgmt_write(s, (s->mgmt & ~bytes) | (val & bytes));
        break;
    case BANKED(3, A_ERCV):
        /* RCV_DISCRD has nothing to discard: reception is instantaneous */
        if (bytes & 0x00ff) {
            s->ercv = FIELD_EX16(val, ERCV, THRESHOLD);
        }
        break;

    default:
        qemu_log_mask(LOG_GUEST_ERROR,
                      "smc91c111: write to unknown register 0x%" HWADDR_PRIx
                      " in bank %u\n", offset, s->bank);
        break;
    }
}

static bool smc_is_data(SMC91C111State *s, hwaddr offset)
{
    return s->bank == 2 && offset >= A_DATA && offset < A_DATA + 4;
}

static uint64_t smc_read_aligned(SMC91C111State *s, hwaddr offset,
                                 unsigned size)
{
    if (smc_is_data(s, offset)) {
        return smc_data_read(s, size);
    }
    switch (size) {
    case 1:
        return extract32(smc_reg_read(s, offset & ~1), (offset & 1) * 8, 8);
    case 2:
        return smc_reg_read(s, offset);
    case 4:
        return smc_reg_read(s, offset) |
               (uint32_t)smc_reg_read(s, offset + 2) << 16;
    default:
        g_assert_not_reached();
    }
}

static void smc_write_aligned(SMC91C111State *s, hwaddr offset,
                              uint32_t val, unsigned size)
{
    if (smc_is_data(s, offset)) {
        smc_data_write(s, val, size);
        return;
    }
    switch (size) {
    case 1:
        smc_reg_write(s, offset & ~1, val << ((offset & 1) * 8),
                      0xff << ((offset & 1) * 8));
        break;
    case 2:
        smc_reg_write(s, offset, val, 0xffff);
        break;
    case 4:
        if (offset == A_BANK_SELECT - 2) {
            /* Only the bank select register: see the notes at the top */
            smc_reg_write(s, A_BANK_SELECT, val >> 16, 0xffff);
            break;
        }
        smc_reg_write(s, offset, val, 0xffff);
        smc_reg_write(s, offset + 2, val >> 16, 0xffff);
        break;
    default:
        g_assert_not_reached();
    }
}

static bool smc_access_aligned(hwaddr offset, unsigned size)
{
    return !(offset & (size - 1)) && offset + size <= SMC_MMIO_SIZE;
}

static uint64_t smc91c111_read(void *opaque, hwaddr offset, unsigned size)
{
    SMC91C111State *s = opaque;
    uint64_t val = 0;
    unsigned i;

    if (smc_access_aligned(offset, size)) {
        val = smc_read_aligned(s, offset, size);
    } else {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "smc91c111: unaligned %u-byte read at 0x%" HWADDR_PRIx
                      "\n", size, offset);
        for (i = 0; i < size && offset + i < SMC_MMIO_SIZE; i++) {
            val |= smc_read_aligned(s, offset + i, 1) << (8 * i);
        }
    }
    trace_smc91c111_read(s->bank, offset, val, size);
    return val;
}

static void smc91c111_write(void *opaque, hwaddr offset, uint64_t val,
                            unsigned size)
{
    SMC91C111State *s = opaque;
    unsigned i;

    trace_smc91c111_write(s->bank, offset, val, size);
    if (smc_is_data(s, offset) && smc_access_aligned(offset, size)) {
        /* The hot path of packet copies: no interrupt or MMU state moves */
        smc_data_write(s, val, size);
        return;
    }
    if (smc_access_aligned(offset, size)) {
        smc_write_aligned(s, offset, val, size);
    } else {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "smc91c111: unaligned %u-byte write at 0x%" HWADDR_PRIx
                      "\n", size, offset);
        for (i = 0; i < size && offset + i < SMC_MMIO_SIZE; i++) {
            smc_write_aligned(s, offset + i, val >> (8 * i), 1);
        }
    }
    smc_update_irq(s);
    /* Last, with the registers consistent: this may receive frames */
    smc_rx_resume(s);
}

static const MemoryRegionOps smc91c111_mmio_ops = {
    .read = smc91c111_read,
    .write = smc91c111_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {
        .min_access_size = 1,
        .max_access_size = 4,
        .unaligned = true,
    },
    .impl = {
        .min_access_size = 1,
        .max_access_size = 4,
        .unaligned = true,
    },
};

static void smc91c111_set_link(NetClientState *nc)
{
    SMC91C111State *s = qemu_get_nic_opaque(nc);

    smc_update_link(s);
    smc_update_irq(s);
}

static NetClientInfo net_smc91c111_info = {
    .type = NET_CLIENT_DRIVER_NIC,
    .size = sizeof(NICState),
    .can_receive = smc91c111_can_receive,
    .receive = smc91c111_receive,
    .link_status_changed = smc91c111_set_link,
};

/* Migration */

/*
 * Every entry is a packet number; with @owned, each also owns an allocated
 * page and appears once (the TX completion FIFO may hold released ones).
 */
static bool smc_fifo_valid(const SMCFifo *f, bool owned, uint8_t allocated)
{
    uint8_t seen = 0;
    unsigned i;

    if (f->count > SMC_NUM_PAGES) {
        return false;
    }
    for (i = 0; i < f->count; i++) {
        uint8_t pn = f->entry[i];

        if (pn >= SMC_NUM_PAGES) {
            return false;
        }
        if (owned && (!(allocated & BIT(pn)) || (seen & BIT(pn)))) {
            return false;
        }
        seen |= BIT(pn);
    }
    return true;
}

/*
 * The MII shifter as smc_mii_clock() leaves it between two clocks: a
 * restored state from which the next bits could not complete a frame
 * (WRITE_DATA with all 18 bits in, for one) would wedge the PHY.
 */
static bool smc_mii_state_valid(SMC91C111State *s)
{
    if (s->mii_ones > MII_PREAMBLE) {
        return false;
    }
    switch (s->mii_state) {
    case MII_IDLE:
        return s->mii_bits == 0;
    case MII_HEADER:
        return s->mii_bits >= 1 && s->mii_bits < MII_HEADER_BITS &&
               s->mii_header < BIT(s->mii_bits);
    case MII_WRITE_DATA:
        return s->mii_bits < MII_DATA_BITS && s->mii_shift < BIT(s->mii_bits);
    case MII_READ_DATA:
        return s->mii_bits >= 1 && s->mii_bits <= MII_DATA_BITS &&
               s->mii_shift <= UINT16_MAX;
    default:
        return false;
    }
}

static int smc91c111_post_load(void *opaque, int version_id)
{
    SMC91C111State *s = opaque;

    if (s->bank > 7 || s->pnr >= BIT(R_PNR_ARR_PNR_LENGTH) ||
        (s->arr & ~ARR_FAILED) >= SMC_NUM_PAGES ||
        s->allocated >= BIT(SMC_NUM_PAGES) ||
        (s->alloc_pending && smc_find_free_page(s) >= 0) ||
        (s->int_latch & ~INT_LATCHED) ||
        (s->ercv & ~R_ERCV_THRESHOLD_MASK)) {
        return -EINVAL;
    }
    if (!smc_fifo_valid(&s->tx_fifo, true, s->allocated) ||
        !smc_fifo_valid(&s->rx_fifo, true, s->allocated) ||
        !smc_fifo_valid(&s->tx_done_fifo, false, s->allocated)) {
        return -EINVAL;
    }
    if (!smc_mii_state_valid(s)) {
        return -EINVAL;
    }
    /* The source's net layer state did not migrate: flush once when able */
    s->rx_waiting = true;
    return 0;
}

static const VMStateDescription vmstate_smc_fifo = {
    .name = "smc91c111-fifo",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8_ARRAY(entry, SMCFifo, SMC_NUM_PAGES),
        VMSTATE_UINT8(count, SMCFifo),
        VMSTATE_END_OF_LIST()
    }
};

#define VMSTATE_SMC_FIFO(_f) \
    VMSTATE_STRUCT(_f, SMC91C111State, 1, vmstate_smc_fifo, SMCFifo)

/* Not upstream's model: a different name keeps their streams apart */
static const VMStateDescription vmstate_smc91c111 = {
    .name = "smc91c111-xnet",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = smc91c111_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(bank, SMC91C111State),
        VMSTATE_UINT16(tcr, SMC91C111State),
        VMSTATE_UINT16(eph_status, SMC91C111State),
        VMSTATE_UINT16(rcr, SMC91C111State),
        VMSTATE_UINT16(rpcr, SMC91C111State),
        VMSTATE_UINT16(config, SMC91C111State),
        VMSTATE_UINT16(base, SMC91C111State),
        VMSTATE_UINT8_ARRAY(ia, SMC91C111State, ETH_ALEN),
        VMSTATE_UINT16(gp, SMC91C111State),
        VMSTATE_UINT16(control, SMC91C111State),
        VMSTATE_UINT8(pnr, SMC91C111State),
        VMSTATE_UINT8(arr, SMC91C111State),
        VMSTATE_UINT16(ptr, SMC91C111State),
        VMSTATE_UINT8(int_latch, SMC91C111State),
        VMSTATE_UINT8(int_mask, SMC91C111State),
        VMSTATE_UINT8_ARRAY(mt, SMC91C111State, 8),
        VMSTATE_UINT16(mgmt, SMC91C111State),
        VMSTATE_UINT16(ercv, SMC91C111State),
        VMSTATE_UINT8(allocated, SMC91C111State),
        VMSTATE_BOOL(alloc_pending, SMC91C111State),
        VMSTATE_SMC_FIFO(tx_fifo),
        VMSTATE_SMC_FIFO(tx_done_fifo),
        VMSTATE_SMC_FIFO(rx_fifo),
        VMSTATE_UINT8_2DARRAY(mem, SMC91C111State, SMC_NUM_PAGES,
                              SMC_PAGE_SIZE),
        VMSTATE_BOOL(eph_link_changed, SMC91C111State),
        VMSTATE_BOOL(eph_tx_error, SMC91C111State),
        VMSTATE_UINT16_ARRAY(eeprom, SMC91C111State, SMC_EEPROM_WORDS),
        VMSTATE_UINT16(phy_bmcr, SMC91C111State),
        VMSTATE_UINT16(phy_anar, SMC91C111State),
        VMSTATE_UINT16(phy_cfg1, SMC91C111State),
        VMSTATE_UINT16(phy_cfg2, SMC91C111State),
        VMSTATE_UINT16(phy_mask, SMC91C111State),
        VMSTATE_UINT16(phy_status_seen, SMC91C111State),
        VMSTATE_BOOL(phy_int, SMC91C111State),
        VMSTATE_BOOL(phy_link_fell, SMC91C111State),
        VMSTATE_BOOL(link_up, SMC91C111State),
        VMSTATE_UINT32(mii_state, SMC91C111State),
        VMSTATE_UINT32(mii_ones, SMC91C111State),
        VMSTATE_UINT32(mii_bits, SMC91C111State),
        VMSTATE_UINT32(mii_shift, SMC91C111State),
        VMSTATE_UINT32(mii_header, SMC91C111State),
        VMSTATE_UINT32(rx_dropped, SMC91C111State),
        VMSTATE_UINT32(rx_overruns, SMC91C111State),
        VMSTATE_END_OF_LIST()
    }
};

/* Device */

/*
 * Snapshots of upstream QEMU hold its SMC91C111 model's state in a section
 * named "smc91c111"; ours is "smc91c111-xnet", a different implementation whose
 * state cannot be made from that one.  This section of upstream's name is
 * never saved (needed() is false) but is found when such a snapshot is
 * loaded, and refuses it saying why, instead of QEMU's "Unknown savevm
 * section".  Its version is above any of upstream's, so that the refusal
 * comes from here and not from a version check.
 */
static bool smc91c111_upstream_needed(void *opaque)
{
    return false;
}

static int smc91c111_upstream_pre_load(void *opaque)
{
    error_report("smc91c111: this snapshot holds the state of upstream "
                 "QEMU's SMC91C111 model (section 'smc91c111'); qemu-xnet "
                 "replaces that model with its own, whose state "
                 "('smc91c111-xnet') cannot be converted from it.  Load the "
                 "snapshot with upstream QEMU, or boot the guest afresh");
    return -ENOTSUP;
}

static const VMStateDescription vmstate_smc91c111_upstream = {
    .name = "smc91c111",
    .version_id = INT32_MAX,
    .minimum_version_id = 0,
    .needed = smc91c111_upstream_needed,
    .pre_load = smc91c111_upstream_pre_load,
    .fields = (const VMStateField[]) {
        VMSTATE_END_OF_LIST()
    }
};

static void smc_eeprom_init(SMC91C111State *s)
{
    int i;

    memset(s->eeprom, 0xff, sizeof(s->eeprom));
    s->eeprom[EEPROM_CONFIG] = CONFIG_RESET;
    s->eeprom[EEPROM_BASE] = BASE_RESET;
    for (i = 0; i < ETH_ALEN / 2; i++) {
        s->eeprom[EEPROM_IA + i] = lduw_le_p(&s->conf.macaddr.a[2 * i]);
    }
}

static void smc91c111_realize(DeviceState *dev, Error **errp)
{
    SMC91C111State *s = SMC91C111(dev);
    SysBusDevice *sbd = SYS_BUS_DEVICE(dev);

    memory_region_init_io(&s->mmio, OBJECT(dev), &smc91c111_mmio_ops, s,
                          "smc91c111-mmio", SMC_MMIO_SIZE);
    sysbus_init_mmio(sbd, &s->mmio);
    sysbus_init_irq(sbd, &s->irq);

    qemu_macaddr_default_if_unset(&s->conf.macaddr);
    smc_eeprom_init(s);
    s->nic = qemu_new_nic(&net_smc91c111_info, &s->conf,
                          object_get_typename(OBJECT(dev)), dev->id,
                          &dev->mem_reentrancy_guard, s);
    qemu_format_nic_info_str(qemu_get_queue(s->nic), s->conf.macaddr.a);
    vmstate_register_any(VMSTATE_IF(dev), &vmstate_smc91c111_upstream, s);
}

static void smc91c111_instance_init(Object *obj)
{
    SMC91C111State *s = SMC91C111(obj);

    /* Frames the receiver had to discard, for monitoring and tests */
    object_property_add_uint32_ptr(obj, "rx-dropped", &s->rx_dropped,
                                   OBJ_PROP_FLAG_READ);
    object_property_add_uint32_ptr(obj, "rx-overruns", &s->rx_overruns,
                                   OBJ_PROP_FLAG_READ);
}

static const Property smc91c111_properties[] = {
    DEFINE_NIC_PROPERTIES(SMC91C111State, conf),
};

static void smc91c111_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    ResettableClass *rc = RESETTABLE_CLASS(klass);

    dc->realize = smc91c111_realize;
    dc->vmsd = &vmstate_smc91c111;
    rc->phases.hold = smc91c111_reset_hold;
    device_class_set_props(dc, smc91c111_properties);
    set_bit(DEVICE_CATEGORY_NETWORK, dc->categories);
}

static const TypeInfo smc91c111_types[] = {
    {
        .name = TYPE_SMC91C111,
        .parent = TYPE_SYS_BUS_DEVICE,
        .instance_size = sizeof(SMC91C111State),
        .instance_init = smc91c111_instance_init,
        .class_init = smc91c111_class_init,
    },
};

DEFINE_TYPES(smc91c111_types)

/* For boards: an SMC91C111 with the NIC configured for it */
void smc91c111_init(uint32_t base, qemu_irq irq)
{
    DeviceState *dev = qdev_new(TYPE_SMC91C111);
    SysBusDevice *sbd = SYS_BUS_DEVICE(dev);

    qemu_configure_nic_device(dev, true, NULL);
    sysbus_realize_and_unref(sbd, &error_fatal);
    sysbus_mmio_map(sbd, 0, base);
    sysbus_connect_irq(sbd, 0, irq);
}
