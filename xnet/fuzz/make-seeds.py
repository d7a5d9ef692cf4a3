#!/usr/bin/env python3
#
# qemu-xnet: write the seed corpus of our fuzz targets (xnet/fuzz/seeds/).
#
# Copyright (c) 2026 The qemu-xnet authors
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Each seed is a short driver session in the generic fuzzer's input format
# (tests/qtest/fuzz/generic_fuzz.c: commands separated by "FUZZ", the first
# byte of a command selects the operation): enable the NIC, send one
# broadcast frame, and read back status and data.  With the targets' hairpin
# ports that frame comes back, so the fuzzer starts from inputs that already
# reach the transmit and the receive paths.  Run this after changing it and
# commit the files it writes.

import os
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SEEDS = os.path.join(ROOT, 'xnet', 'fuzz', 'seeds')

SEPARATOR = b'FUZZ'
OP_IN, OP_OUT, OP_READ, OP_WRITE = 0, 1, 2, 3
OP_ADD_DMA_PATTERN, OP_CLOCK_STEP = 7, 9
SIZES = {1: 0, 2: 1, 4: 2, 8: 3}


def write(offset, value, size=4, base=0):
    return bytes([OP_WRITE]) + struct.pack('<BBxxIQ', SIZES[size], base, offset, value)


def read(offset, size=4, base=0):
    return bytes([OP_READ]) + struct.pack('<BBxxI', SIZES[size], base, offset)


def outp(offset, value, size=4, base=0):
    return bytes([OP_OUT]) + struct.pack('<BBHI', SIZES[size], base, offset, value)


def inp(offset, size=4, base=0):
    return bytes([OP_IN]) + struct.pack('<BBH', SIZES[size], base, offset)


def dma_pattern(data, index=0, stride=0):
    return bytes([OP_ADD_DMA_PATTERN, index, stride]) + data


def clock_step():
    return bytes([OP_CLOCK_STEP])


def seed(cmds):
    return SEPARATOR.join(cmds)


# A 60-byte broadcast IPv4-ish frame from 02:00:00:00:00:01
FRAME = (b'\xff' * 6 + b'\x02\x00\x00\x00\x00\x01' + b'\x08\x00' +
         bytes(range(46)))


# A VXLAN datagram (RFC 7348: I flag, VNI 42) carrying FRAME: the LAN9118
# sends it as a frame, the vxlan-decap target's dgram port turns that frame
# into a UDP datagram for the vxlan netdev
VXLAN_DATAGRAM = b'\x08\x00\x00\x00\x00\x00\x2a\x00' + FRAME


def lan9118(frame=FRAME):
    mac_cr = (1 << 18) | (1 << 3) | (1 << 2)        # PRMS, TXEN, RXEN
    cmds = [write(0xa8, mac_cr), write(0xa4, 0x80000001),   # MAC_CR via CSR
            write(0x54, 0x111), write(0x5c, 0xffffffff),    # IRQ_CFG, INT_EN
            write(0x70, 0x2),                               # TX_CFG.TX_ON
            write(0x20, (1 << 13) | (1 << 12) | len(frame)),  # cmd A: FS LS
            write(0x20, (0x1234 << 16) | len(frame))]         # cmd B: tag
    for i in range(0, len(frame), 4):
        cmds.append(write(0x20, struct.unpack('<I', frame[i:i + 4])[0]))
    cmds += [read(0x48), read(0x7c), read(0x40)]            # TX/RX status
    cmds += [read(0x00)] * 16                               # the frame back
    cmds += [read(0x58), write(0x58, 0xffffffff), clock_step()]
    return seed(cmds)


def smc91c111():
    bank = lambda n: write(0xe, n, 2)                       # noqa: E731
    cmds = [bank(0), write(0x0, 0x0001, 2),                 # TCR.TXENA
            write(0x4, 0x0302, 2),                          # RCR: RXEN, PRMS
            bank(2), write(0xc, 0xff00, 2),                 # all interrupts
            write(0x0, 0x20, 2),                            # MMU: allocate
            read(0x3, 1), write(0x2, 0, 1),                 # ARR -> PNR
            write(0x6, 0x4000, 2),                          # pointer, autoinc
            write(0x8, 0, 2), write(0x8, len(FRAME) + 6, 2)]  # status, count
    for i in range(0, len(FRAME), 2):
        cmds.append(write(0x8, struct.unpack('<H', FRAME[i:i + 2])[0], 2))
    cmds += [write(0x8, 0, 2),                              # control byte
             write(0x0, 0xc0, 2),                           # MMU: enqueue
             read(0xc, 2), read(0x4, 2),                    # IST, FIFO ports
             write(0x6, 0xe000, 2)]                         # RX, read, auto
    cmds += [read(0x8, 2)] * 34
    cmds += [write(0x0, 0x80, 2), clock_step()]             # MMU: release RX
    return seed(cmds)


RAM_ARM = 0x60000000        # vexpress-a9's RAM (legacy virtio PFNs: 4 KiB)
RING = 0x00100000


def virtio_mmio(base):
    pfn = (RAM_ARM + RING) >> 12
    cmds = [write(0x70, 0, base=base), write(0x70, 3, base=base),
            write(0x14, 0, base=base), read(0x10, base=base),
            write(0x20, (1 << 5) | (1 << 15), base=base),   # MAC, MRG_RXBUF
            write(0x28, 4096, base=base)]                   # GuestPageSize
    for q in range(3):
        cmds += [write(0x30, q, base=base), read(0x34, base=base),
                 write(0x38, 256, base=base),
                 write(0x40, pfn + 3 * q, base=base)]
    cmds += [write(0x70, 7, base=base),
             dma_pattern(struct.pack('<QIHH', RAM_ARM + 0x200000, 1514, 0, 0)),
             write(0x50, 0, base=base), write(0x50, 1, base=base),
             read(0x60, base=base), write(0x64, 3, base=base), clock_step()]
    return cmds


def ip_checksum(header):
    total = sum(struct.unpack('!%dH' % (len(header) // 2), header))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return ~total & 0xffff


def tso_frame(ipv6, payload=3000):
    """A TCP super-frame as a guest with HOST_TSO hands it over: the
    virtio-net header (NEEDS_CSUM, TCPV4/TCPV6, MSS 1448), then Ethernet,
    IP and TCP headers for the whole payload.  The switch cuts it into
    three segments for every port that cannot take it whole."""
    tcp = struct.pack('!HHIIBBHHH', 40000, 5001, 1000, 1, 5 << 4, 0x18,
                      65535, 0, 0)
    data = bytes(i & 0xff for i in range(payload))
    if ipv6:
        ip = struct.pack('!IHBB16s16s', 6 << 28, len(tcp) + payload, 6, 64,
                         bytes(15) + b'\x01', bytes(15) + b'\x02')
        ethertype, gso_type = 0x86dd, 4
    else:
        ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp) + payload,
                         1, 0, 64, 6, 0, bytes([10, 0, 2, 15]),
                         bytes([10, 0, 2, 2]))
        ip = ip[:10] + struct.pack('!H', ip_checksum(ip)) + ip[12:]
        ethertype, gso_type = 0x0800, 1
    eth = b'\xff' * 6 + b'\x02\x00\x00\x00\x00\x01' + struct.pack('!H', ethertype)
    hdr_len = len(eth) + len(ip) + len(tcp)
    vhdr = struct.pack('<BBHHHH', 1, gso_type, hdr_len, 1448,
                       len(eth) + len(ip), 16)
    return vhdr + eth + ip + tcp + data


def virtio_mmio_tso(base, ipv6):
    """Negotiate CSUM and HOST_TSO4/6, then send one super-frame.

    The generic fuzzer answers the device's reads of guest memory with its
    DMA patterns in turn, one per read; a TX kick reads the used ring's
    flags, the avail index, the avail ring's first entry, descriptor 0 and
    then the buffer, so the patterns are those five in that order (the
    next read of the avail index gets the sixth: still 1, nothing more)."""
    pfn = (RAM_ARM + RING) >> 12
    frame = tso_frame(ipv6)
    buf = RAM_ARM + 0x200000
    features = (1 << 0) | (1 << 5) | (1 << (12 if ipv6 else 11))
    cmds = [write(0x70, 0, base=base), write(0x70, 3, base=base),
            write(0x14, 0, base=base), read(0x10, base=base),
            write(0x20, features, base=base), write(0x28, 4096, base=base)]
    for q in range(3):
        cmds += [write(0x30, q, base=base), read(0x34, base=base),
                 write(0x38, 256, base=base),
                 write(0x40, pfn + 3 * q, base=base)]
    cmds += [write(0x70, 7, base=base),
             dma_pattern(b'\x00\x00'),                      # used flags
             dma_pattern(b'\x01\x00'),                      # avail idx
             dma_pattern(b'\x00\x00'),                      # avail ring[0]
             dma_pattern(struct.pack('<QIHH', buf, len(frame), 0, 0)),
             dma_pattern(frame),
             dma_pattern(b'\x01\x00'),                      # avail idx
             write(0x50, 1, base=base), clock_step()]
    return seed(cmds)


def virtio_pci():
    pfn = 0x100000 >> 12
    cmds = [outp(18, 0, 1), outp(18, 3, 1), inp(0),
            outp(4, (1 << 5) | (1 << 15))]
    for q in range(3):
        cmds += [outp(14, q, 2), inp(12, 2), outp(8, pfn + 3 * q)]
    cmds += [outp(18, 7, 1),
             dma_pattern(struct.pack('<QIHH', 0x200000, 1514, 0, 0)),
             outp(16, 0, 2), outp(16, 1, 2), inp(19, 1), clock_step()]
    return seed(cmds)


def main():
    seeds = {
        'lan9118': [lan9118()],
        'smc91c111': [smc91c111()],
        # which of vexpress's four virtio-mmio transports has the NIC
        # depends on the order the fuzzer found them: one seed for each
        'virtio-net-legacy-mmio': [seed(virtio_mmio(b)) for b in range(4)],
        'virtio-net-legacy-pci': [virtio_pci()],
        'netswitch-hairpin': [lan9118()] + [
            seed([lan9118()] + virtio_mmio(b)) for b in range(1, 5)],
        'netswitch-offload': [seed(virtio_mmio(b)) for b in range(4)] + [
            virtio_mmio_tso(b, ipv6) for b in range(4) for ipv6 in (False, True)],
        'netswitch-policies': [lan9118()] + [
            seed([lan9118()] + virtio_mmio(b)) for b in range(1, 5)],
        # a datagram of our VNI (decapsulated, back to the LAN9118), one of
        # another VNI, and one without the I flag
        'vxlan-decap': [lan9118(VXLAN_DATAGRAM),
                        lan9118(VXLAN_DATAGRAM[:6] + b'\x2b' +
                                VXLAN_DATAGRAM[7:]),
                        lan9118(b'\x00' + VXLAN_DATAGRAM[1:])],
    }
    for target, inputs in seeds.items():
        d = os.path.join(SEEDS, target)
        os.makedirs(d, exist_ok=True)
        for f in os.listdir(d):
            os.unlink(os.path.join(d, f))
        for i, data in enumerate(inputs):
            with open(os.path.join(d, 'seed-%d' % i), 'wb') as f:
                f.write(data)
        print('%s: %d seeds' % (target, len(inputs)))


if __name__ == '__main__':
    main()
