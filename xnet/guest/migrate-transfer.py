#!/usr/bin/env python3
#
# qemu-xnet: live migration in the middle of a TCP transfer, the way users
# migrate on one host (as libvirt sets it up): both QEMUs' netswitch
# uplinks are taps on one Linux bridge, and the guest's MAC must move from
# A's tap to B's through QEMU's self-announce (RARP) after migration.
#
# Copyright (c) 2026 The qemu-xnet authors
# SPDX-License-Identifier: GPL-2.0-or-later
#
#   HTTP server 192.168.77.1 on br0 (a Linux bridge, this namespace only)
#        |-- tap0 -- swport up -- netswitch sw0 in QEMU A -- NIC (--nic)
#        `-- tap1 -- swport up -- netswitch sw0 in QEMU B (-incoming)
#
# The guest (static 192.168.77.10; lan9118 on vexpress-a9 by default,
# smc91c111 on realview-eb, virtio-legacy on virtio-mmio) pipes a wget into
# md5sum; when the server has sent half of the file (--hops N: k/(N+1) of
# it for hop k), the source migrates live to a new QEMU on the other tap
# and quits.  Results: the transfer completes with the right md5, the
# bridge's FDB has the guest's MAC on the new tap after each hop, the
# guest's kernel logged no TX timeout or reset, and neither the guest's
# drop counters nor the last switch counted a drop.  Each source's
# switch, read after the migration and before it quits, accounts for
# every frame it took (docs/system/netswitch.rst, Accounting): nothing
# left queued, what it still held counted as vm-migrated, no other drop.
# --rx-full migrates while the guest's RX is full and frames wait in the
# switch for it: a UDP flood into the source's tap, far beyond what the
# guest's NIC takes, runs from before the migration to its end.  (slirp is not
# used: libslirp migrates no TCP connection.)
#
# Network rule: everything runs in a private network namespace (e2e.py's)
# whose only addresses are the bridge's 192.168.77.1 and the guest's.

import argparse
import hashlib
import http.server
import json
import os
import random
import re
import socket
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402
import migrate  # noqa: E402

BRIDGE, HOST_IP, GUEST_IP = 'br0', '192.168.77.1', '192.168.77.10'
GUEST_MAC = '52:54:00:77:00:0a'
DATA_MIB = 48           # about 6 s at the LAN9118's ~8 MiB/s: room to migrate
# The server sends no faster than this, so that the transfer lasts long
# enough to migrate in its middle whatever the NIC: a virtio-net-legacy
# guest on q35 takes the tap's super-frames whole at about 4 Gbit/s and
# would have all 48 MiB before a migration could start.
SERVER_MIB_S = 8
TRANSFER_DEADLINE = 120
# How long QEMU announces a migrated guest (RARPs from its MAC) with the
# default parameters: rounds 50, 150, 250 and 350 ms apart, 0.8 s, and a
# margin.  A hop waits for the last host's announcements to end before it
# starts the next destination: a RARP that the next destination's switch
# took while it waited for the migration would reach the guest once it
# runs there, and the guest's kernel, which has no handler for RARP,
# counts it in rx_dropped: a frame delivered, but not told apart from a
# loss.  Hosts a second apart are not what users do; the FDB checks still
# show that each announcement moves the guest's MAC.
ANNOUNCE_S = 1.2


def sh(*cmd):
    subprocess.run(cmd, check=True)


def make_bridge():
    """br0 with the host's address, and the two QEMUs' taps on it."""
    sh('ip', 'link', 'add', BRIDGE, 'type', 'bridge')
    sh('ip', 'addr', 'add', HOST_IP + '/24', 'dev', BRIDGE)
    sh('ip', 'link', 'set', BRIDGE, 'up')
    for tap in ('tap0', 'tap1'):
        sh('ip', 'tuntap', 'add', 'dev', tap, 'mode', 'tap')
        sh('ip', 'link', 'set', tap, 'master', BRIDGE)
        sh('ip', 'link', 'set', tap, 'up')


def fdb_port(mac):
    """The bridge port the FDB has @mac on, or None."""
    out = subprocess.run(['bridge', 'fdb', 'show', 'br', BRIDGE],
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        w = line.split()
        if w and w[0] == mac and 'dev' in w:
            return w[w.index('dev') + 1]
    return None


def tap_counters():
    """The host side's view: what each tap passed and dropped.  Frames the
    bridge sent to a tap while no QEMU read it are counted there (TCP then
    retransmits them).  From /proc/net/dev, which is this namespace's
    (/sys/class/net would be the namespace's that mounted sysfs)."""
    out = []
    with open('/proc/net/dev') as f:
        for line in f:
            name, _, rest = line.partition(':')
            if name.strip() in ('tap0', 'tap1'):
                v = [int(x) for x in rest.split()]
                # rx: bytes packets errs drop ...; tx from the 9th column
                out.append('%s to QEMU %d dropped %d, from QEMU %d dropped %d' % (
                    name.strip(), v[9], v[11], v[1], v[3]))
    return ', '.join(sorted(out))


def wait_fdb(mac, port, timeout=5):
    """Whether the FDB moves @mac to @port within @timeout seconds."""
    deadline = time.monotonic() + timeout
    while fdb_port(mac) != port:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


class DataServer:
    """HTTP on HOST_IP serving /data.bin; counts the bytes it has sent."""

    def __init__(self):
        data = random.Random(20).randbytes(DATA_MIB << 20)
        self.md5 = hashlib.md5(data).hexdigest()
        self.size = len(data)
        self.sent = 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                view = memoryview(data)
                start = time.monotonic()
                for off in range(0, len(data), 64 << 10):
                    self.wfile.write(view[off:off + (64 << 10)])
                    server.sent = off + len(view[off:off + (64 << 10)])
                    ahead = (start + server.sent / (SERVER_MIB_S << 20) -
                             time.monotonic())
                    if ahead > 0:
                        time.sleep(ahead)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer((HOST_IP, 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def wait_sent(self, nbytes, timeout):
        deadline = time.monotonic() + timeout
        while self.sent < nbytes:
            if time.monotonic() > deadline:
                raise migrate.Failure('server sent only %d bytes' % self.sent)
            time.sleep(0.05)


def with_mac(nic_args, mac):
    """@nic_args with the guest NIC's MAC set (the -nic or -device word)."""
    return [a + ',mac=' + mac if (a.startswith('swport,') and 'model=' in a) or
            a.startswith('virtio-net') else a for a in nic_args]


def with_capture(nic_args, path):
    """@nic_args with the guest's switch port capturing into @path."""
    return [a + ',capture=' + path if a.startswith('swport,id=nic0,') else a
            for a in nic_args]


def check_capture(path, since):
    """Whether @path is one pcap file, well formed to its end, that holds
    frames from before and after the wall-clock time @since."""
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 24 or struct.unpack_from('=I', data)[0] != 0xa1b2c3d4:
        return False, 'no pcap header (%d bytes, starts %s)' % (
            len(data), data[:8].hex())
    off, frames, before, after, last = 24, 0, 0, 0, 0.0
    while off + 16 <= len(data):
        sec, usec, caplen, length = struct.unpack_from('=IIII', data, off)
        t = sec + usec / 1e6
        if caplen > 65535 or caplen > length or off + 16 + caplen > len(data) \
                or t < last - 1:
            return False, 'bad record %d at offset %d' % (frames, off)
        last = t
        frames += 1
        if t < since:
            before += 1
        else:
            after += 1
        off += 16 + caplen
    if off != len(data):
        return False, '%d stray bytes at the end' % (len(data) - off)
    return before > 0 and after > 0, '%d frames, %d before the last migration, ' \
        '%d after, well formed to the end' % (frames, before, after)


def qemu_command(args, tap, qmp_path, incoming=None):
    binary, machine, nic_args, xnic, console = e2e.BOARDS[args.nic]
    if args.capture:
        nic_args = with_capture(nic_args, args.capture)
    g = os.path.join(e2e.GUEST, e2e.ARCH[binary])
    return ([os.path.join(args.qemu_dir, binary)] +
            [a.format(g=e2e.GUEST) for a in machine] +
            ['-kernel', g + '/vmlinuz', '-initrd', g + '/initrd.gz',
             '-append', 'console=%s xnet.nic=%s xnet.run=shell' % (console, xnic),
             '-object', 'netswitch,id=sw0,policy=bridge',
             '-netdev', 'tap,id=wan,ifname=%s,script=no,downscript=no' % tap,
             '-netdev', 'swport,id=up,switch=sw0,netdev=wan'] +
            with_mac(nic_args, GUEST_MAC) +
            ['-display', 'none', '-monitor', 'none', '-serial', 'stdio',
             '-no-reboot', '-qmp', 'unix:%s,server=on,wait=off' % qmp_path] +
            (['-incoming', incoming] if incoming else []))


def switch_drops(g):
    """(frames the switch dropped, frames waiting in its queues) over QMP."""
    drops = queued = 0
    for sw in g.command('query-netswitch'):
        for port in sw['ports']:
            drops += sum(port['drops'].values())
            queued += port['queue-len']
    return drops, queued


def switch_account(g):
    """The switches' accounting over QMP: copies sent toward ports
    ('forwarded'), what became of them ('ended': sent, dropped or still
    queued, which must be equal), frames queued, and drops by reason,
    removed ports included."""
    acc = {'forwarded': 0, 'ended': 0, 'queued': 0, 'drops': {},
           'nic-queued': 0, 'held-on': {}}
    for sw in g.command('query-netswitch'):
        for c in sw['ports'] + [sw['removed-ports']]:
            acc['forwarded'] += c['forwarded']
            acc['ended'] += c['tx-packets'] + c['tx-dropped'] + c.get('queue-len', 0)
            acc['queued'] += c.get('queue-len', 0)
            for reason, n in c['drops'].items():
                acc['drops'][reason] = acc['drops'].get(reason, 0) + n
            if c.get('name') == 'nic0':
                acc['nic-queued'] = c['queue-len']
            if c['drops']['vm-migrated']:
                acc['held-on'][c.get('name', 'removed')] = c['drops']['vm-migrated']
    return acc


def settled_source_account(a, timeout=10):
    """The source's accounting once its switch has dropped what it held
    (QEMU's migration notifier does that just after query-migrate first
    says "completed"); the last reading if its queues never empty."""
    deadline = time.monotonic() + timeout
    while True:
        acc = switch_account(a)
        if acc['queued'] == 0 or time.monotonic() > deadline:
            return acc
        time.sleep(0.01)


# What was in flight when the VM left the source: still in its switch
# (vm-migrated), or queued by QEMU for the device, which QEMU drops when
# the VM stops (vm-stopped)
IN_FLIGHT_REASONS = ('vm-migrated', 'vm-stopped')


def check_source_account(acc, allowed):
    """(ok, detail) for a source's switch after the migration: the
    identity holds, nothing is queued, and no drop but those of frames
    in flight (IN_FLIGHT_REASONS) and the reasons in @allowed."""
    other = {r: n for r, n in acc['drops'].items()
             if n and r not in IN_FLIGHT_REASONS and r not in allowed}
    ok = acc['forwarded'] == acc['ended'] and acc['queued'] == 0 and not other
    detail = ('forwarded %d = sent + dropped + queued %d, %d queued, '
              '%d held at the end counted as vm-migrated %s, %d as vm-stopped, '
              'other drops %s' %
              (acc['forwarded'], acc['ended'], acc['queued'],
               acc['drops'].get('vm-migrated', 0), acc['held-on'] or '',
               acc['drops'].get('vm-stopped', 0),
               {r: n for r, n in acc['drops'].items()
                if n and r not in IN_FLIGHT_REASONS} or 'none'))
    return ok, detail


# A stalled transfer: where each side stands (the guest's sockets and
# interrupts, the device's rings, the switch's ports)
STUCK_GUEST = ("cat /proc/interrupts; grep . /sys/class/net/eth0/statistics/*; "
               "cat /proc/net/tcp; grep -A1 Tcp: /proc/net/snmp; dmesg | tail -n 20")
STUCK_HMP = ['info netswitch', 'info irq']


def stuck_report(g, server, base):
    """Write what a stuck transfer looks like to @base.stuck.txt; a line
    that says where, and how much the server had sent."""
    path = base + '.stuck.txt'
    with open(path, 'w') as f:
        f.write('server sent %d of %d bytes\n' % (server.sent, server.size))
        for cmd in (['ss', '-tnie'], ['bridge', 'fdb', 'show', 'br', BRIDGE],
                    ['ip', '-s', 'link']):
            out = subprocess.run(cmd, capture_output=True, text=True)
            f.write('$ %s\n%s%s' % (' '.join(cmd), out.stdout, out.stderr))
        for cmd in STUCK_HMP:
            f.write('(qemu) %s\n%s' % (cmd, migrate.hmp(g, cmd)))
        for q in virtio_queue_status(g):
            f.write('%s\n' % json.dumps(q, sort_keys=True))
            f.write(ring_dump(g, q))
        try:
            g.type(STUCK_GUEST + '; echo "XNET: end $((6 * 7))"')
            g.expect(r'^XNET: end 42$', 10, "the guest's view")
        except migrate.Failure as e:
            f.write('guest: %s\n' % e)
        f.write('guest console, last 4000 characters:\n%s\n' % g.text[-4000:])
        # One more interrupt (a config change): does the transfer go on?
        try:
            g.command('announce-self', initial=50, max=550, rounds=1, step=50)
            g.expect(r'^XNET: md5 ([0-9a-f]{32}) ', 15, 'md5 after announce-self')
            resumed = 'the transfer completed after announce-self'
        except migrate.Failure as e:
            resumed = 'announce-self did not help: %s' % e
        f.write(resumed + '\n')
    return 'the server sent %d of %d bytes; %s; details in %s' % (
        server.sent, server.size, resumed, path)


def ring_dump(g, q):
    """The guest's side of a legacy virtqueue @q: the avail ring's flags,
    index and used_event, the used ring's flags, index and avail_event"""
    if 'vring-avail' not in q:
        return ''
    num = q['vring-num']
    out = ''
    for what, addr in (('avail flags idx', q['vring-avail']),
                       ('avail used_event', q['vring-avail'] + 4 + 2 * num),
                       ('used flags idx', q['vring-used']),
                       ('used avail_event', q['vring-used'] + 4 + 8 * num)):
        n = 2 if 'idx' in what else 1
        out += '  %s: %s' % (what, migrate.hmp(g, 'xp /%dhx 0x%x' % (n, addr)))
    return out


def virtio_queue_status(g):
    """x-query-virtio-queue-status of every virtio device's queues, if any"""
    out = []
    try:
        for dev in g.command('x-query-virtio'):
            stats = {}
            for name in ('rx-frames', 'rx-filtered', 'rx-dropped', 'rx-gso',
                         'tx-frames', 'tx-dropped', 'tx-peer-waits'):
                try:
                    stats[name] = g.command('qom-get', path=dev['path'],
                                            property=name)
                except migrate.Failure as e:
                    stats[name] = str(e)
            out.append({'device': dev['path'], 'stats': stats})
            try:
                st = g.command('x-query-virtio-status', path=dev['path'])
                out.append({k: st.get(k) for k in ('isr', 'status', 'broken',
                                                   'vm-running', 'started')})
            except migrate.Failure as e:
                out.append({'error': str(e)})
            for queue in range(3):
                out.append(g.command('x-query-virtio-queue-status',
                                     path=dev['path'], queue=queue))
    except (migrate.Failure, OSError, ValueError) as e:
        out.append({'error': str(e)})
    return out


def mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(':'))


def ipv4_checksum(header):
    total = sum(struct.unpack('!10H', header))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return ~total & 0xffff


def flood_frame(src_mac):
    """A UDP datagram from the bridge's address to the guest's discard
    port, as an Ethernet frame (1442 bytes)."""
    payload = bytes(1400)
    udp = struct.pack('!HHHH', 9999, 9, 8 + len(payload), 0) + payload
    ip = bytearray(struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0,
                               0x4000, 64, 17, 0, socket.inet_aton(HOST_IP),
                               socket.inet_aton(GUEST_IP)))
    struct.pack_into('!H', ip, 10, ipv4_checksum(bytes(ip)))
    return mac_bytes(GUEST_MAC) + mac_bytes(src_mac) + b'\x08\x00' + bytes(ip) + udp


class Flood:
    """Frames for the guest written into the source QEMU's tap, as fast as
    this thread writes them (far beyond a LAN9118's few MiB/s), until
    stopped: the guest's RX stays full and frames wait in its switch.
    Into that tap alone, not through the bridge, whose FDB moves the
    guest's MAC to the destination's tap as soon as it announces itself:
    the flood must not reach the destination."""

    def __init__(self, tap):
        info = json.loads(subprocess.run(['ip', '-j', 'link', 'show', BRIDGE],
                                         check=True, capture_output=True,
                                         text=True).stdout)
        self.frame = flood_frame(info[0]['address'])
        self.sent = 0
        self.running = True
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        self.sock.bind((tap, 0))
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            try:
                # never blocks: once the source stops reading its tap,
                # the tap's queue fills and would hold this thread there
                self.sock.send(self.frame, socket.MSG_DONTWAIT)
                self.sent += 1
            except OSError:
                pass

    def stop(self):
        self.running = False
        self.thread.join()
        self.sock.close()


def wait_nic_queue(g, timeout=10):
    """Wait until frames wait in the switch for the guest's NIC; how many."""
    deadline = time.monotonic() + timeout
    while True:
        queued = switch_account(g)['nic-queued']
        if queued or time.monotonic() > deadline:
            return queued
        time.sleep(0.01)


GUEST_DROPS = ("cd /sys/class/net/eth0/statistics && echo \"XNET: drops "
               "$(cat rx_dropped tx_dropped rx_missed_errors rx_fifo_errors "
               "tx_fifo_errors | tr '\\n' ' ')\"")
# When the guest dropped something: its driver's error counters, which say
# whether frames came with an error status (smsc911x counts those in
# rx_dropped too) or the drop was the kernel's own (no protocol handler)
GUEST_ERRORS = ("cd /sys/class/net/eth0/statistics && echo \"XNET: errors "
                "$(cat rx_errors rx_length_errors rx_crc_errors rx_frame_errors "
                "rx_over_errors | tr '\\n' ' ')\"")


def run(args, results):
    base = os.path.join(e2e.LOGDIR, 'migrate-transfer-' + args.nic)
    for old in [base + '.a.log'] + ['%s.b%d.log' % (base, h) for h in range(1, 10)]:
        if os.path.exists(old):
            os.unlink(old)
    paths = {k: base + '.' + k for k in ('a.qmp', 'sock')}
    for p in paths.values():
        if os.path.exists(p):
            os.unlink(p)
    make_bridge()
    server = DataServer()
    a = b = None
    try:
        a = migrate.Guest('A', qemu_command(args, 'tap0', paths['a.qmp']),
                          base + '.a.log', paths['a.qmp'])
        a.expect(r'XNET: shell ok', migrate.BOOT_DEADLINE, 'shell')
        a.expect(r'# ', migrate.BOOT_DEADLINE, 'prompt', partial=True)
        a.shell('ip link set eth0 up; ip addr add %s/24 dev eth0; '
                'for i in $(seq 30); do ping -c 1 -W 1 %s >/dev/null && break; done; '
                'echo "XNET: reach $?"' % (GUEST_IP, HOST_IP),
                r'^XNET: reach (\d+)$', 'ping to the bridge', timeout=60)
        a.type('(wget -q -O - http://%s:%d/data.bin | md5sum | '
               'sed "s/^/XNET: md5 /") &' % (HOST_IP, server.port))
        # Hop k leaves when the server has sent k/(hops+1) of the file:
        # A (tap0) -> B (tap1) -> A' (tap0) ...
        running_since = None    # when the last destination began to run
        for hop in range(1, args.hops + 1):
            server.wait_sent(server.size * hop // (args.hops + 1), 60)
            if running_since is not None:
                time.sleep(max(0, running_since + ANNOUNCE_S - time.monotonic()))
            if server.sent >= server.size:
                raise migrate.Failure('hop %d: the transfer ended before it: '
                                      'use fewer hops or more data' % hop)
            tap = 'tap%d' % (hop % 2)
            # each QEMU its own QMP path: QEMU unlinks its own when it quits
            qmp = '%s.b%d.qmp' % (base, hop)
            if os.path.exists(qmp):
                os.unlink(qmp)
            b = migrate.Guest('B%d' % hop, qemu_command(
                args, tap, qmp, 'unix:' + paths['sock']),
                '%s.b%d.log' % (base, hop), qmp)
            b.connect_qmp()
            if a.qmp is None:
                a.connect_qmp()
            at = server.sent
            flood = None
            if args.rx_full:
                flood = Flood('tap%d' % ((hop - 1) % 2))
                waiting = wait_nic_queue(a)
                results.append((waiting > 0, 'hop %d: RX full before the migration' % hop,
                                '%d frames wait in the switch for the guest' % waiting))
            try:
                st = migrate.migrate(a, 'unix:' + paths['sock'])
            finally:
                if flood:
                    flood.stop()
            migrated_at = time.time()
            # A quits now: its switch must account for every frame before
            acc = settled_source_account(a)
            a.command('quit')
            a.stop()
            migrate.wait_running(b)
            running_since = time.monotonic()
            ok, detail = check_source_account(
                acc, ('queue-full',) if args.rx_full else ())
            results.append((ok, 'hop %d: migrated to %s mid-transfer, every frame '
                            'of the source\'s switch accounted for' % (hop, tap),
                            'at %d of %d bytes, %d ms downtime; %s%s' %
                            (at, server.size, st.get('downtime', -1), detail,
                             '; the flood sent %d datagrams' % flood.sent
                             if flood else '')))
            if args.rx_full:
                held = acc['drops'].get('vm-migrated', 0)
                results.append((held > 0, 'hop %d: frames still waited for the '
                                'guest when the migration completed' % hop,
                                '%d counted as vm-migrated' % held))
            a, b = b, None          # the next hop's source
            if hop < args.hops:
                # B's self-announce must have moved the MAC before the next hop
                results.append((wait_fdb(GUEST_MAC, tap), "hop %d: bridge FDB has the guest's "
                                "MAC on %s" % (hop, tap), 'on %s' % fdb_port(GUEST_MAC)))
        b = a
        try:
            m = b.expect(r'^XNET: md5 ([0-9a-f]{32}) ', TRANSFER_DEADLINE,
                         'md5 of the transfer')
        except migrate.Failure as e:
            raise migrate.Failure('%s; %s' % (e, stuck_report(b, server, base)))
        results.append((m.group(1) == server.md5, 'transfer completed, md5',
                        '%s (want %s)' % (m.group(1), server.md5)))
        port = fdb_port(GUEST_MAC)
        results.append((port == tap, "bridge FDB has the guest's MAC on %s" % tap,
                        'on %s' % port))
        # the kernel's TX watchdog ("NETDEV WATCHDOG: eth0 ... timed out")
        # and the drivers' reset messages (not x86's "NMI watchdog" at boot)
        m = b.shell("dmesg | grep -iE 'NETDEV WATCHDOG|timed out|tx.?timeout|"
                    "(eth0|smsc|smc91|virtio).*reset' | grep -c .",
                    r'^(\d+)$', 'dmesg count')
        results.append((m.group(1) == '0', 'guest kernel logged no TX timeout or reset',
                        '%s lines' % m.group(1)))
        m = b.shell(GUEST_DROPS, r'^XNET: drops ([\d ]+)$', 'guest drop counters')
        drops = [int(x) for x in m.group(1).split()]
        detail = 'rx_dropped tx_dropped rx_missed rx_fifo tx_fifo = %s' % drops
        if any(drops):
            m = b.shell(GUEST_ERRORS, r'^XNET: errors ([\d ]+)$', 'guest error counters')
            detail += '; rx_errors rx_length rx_crc rx_frame rx_over = %s' % m.group(1).split()
        results.append((not any(drops), 'guest driver dropped nothing', detail))
        drops, queued = switch_drops(b)
        results.append((drops == 0, 'netswitch dropped nothing in the last QEMU',
                        '%d drops, %d queued; %s' % (drops, queued, tap_counters())))
        if args.capture:
            ok, detail = check_capture(args.capture, migrated_at)
            results.append((ok, "one capture file across the migrations (every "
                            "QEMU's capture= names it)", detail))
    except migrate.Failure as e:
        results.append((False, 'run', str(e)))
    finally:
        for g in (a, b):
            if g:
                g.stop()
        server.httpd.shutdown()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--qemu-dir', default=os.path.join(e2e.ROOT, 'build', 'obj'))
    ap.add_argument('--tap', action='store_true')
    ap.add_argument('--nic', default='lan9118',
                    choices=('lan9118', 'smc91c111', 'virtio-legacy',
                             'virtio-legacy-pci'),
                    help='the guest NIC and its board (e2e.py\'s BOARDS)')
    ap.add_argument('--hops', type=int, default=1,
                    help='migrations during the one transfer: 1 is A to B, '
                    '3 is A to B to A to B (ping-pong, tap0 and tap1 in turn)')
    ap.add_argument('--sanitized', action='store_true',
                    help='QEMU is built with ASan/UBSan: slower deadlines, and '
                    'one more result, whether any QEMU reported anything')
    ap.add_argument('--rx-full', action='store_true',
                    help="flood the guest from the host during each migration, so "
                    "that its RX is full and frames wait in the switch")
    ap.add_argument('--capture', action='store_true',
                    help="every QEMU captures the guest's switch port into the "
                    'same file, which must be one well-formed capture at the end')
    args = ap.parse_args()
    args.qemu_dir = os.path.abspath(args.qemu_dir)
    args.capture = (os.path.join(e2e.LOGDIR, 'migrate-transfer-%s.pcap' % args.nic)
                    if args.capture else None)
    # A namespace of its own even under run-tests.py, whose namespace the
    # other tests share: the bridge and taps go with it when this exits.
    if os.environ.get('XNET_TRANSFER_NETNS') != '1':
        os.environ['XNET_TRANSFER_NETNS'] = '1'
        os.environ.pop('XNET_IN_NETNS', None)
    e2e.enter_private_netns()
    if args.sanitized:
        migrate.SLOWDOWN = 3
    os.makedirs(e2e.LOGDIR, exist_ok=True)
    results = []
    name = 'migrate-transfer %s%s%s' % (args.nic, ' x%d' % args.hops if args.hops > 1 else '',
                                        ' rx-full' if args.rx_full else '')
    start = time.monotonic()
    run(args, results)
    if args.sanitized:
        base = os.path.join(e2e.LOGDIR, 'migrate-transfer-' + args.nic)
        results.append(migrate.sanitizer_result(
            [base + '.a.log'] + ['%s.b%d.log' % (base, h)
                                 for h in range(1, args.hops + 1)]))
    for i, (ok, label, detail) in enumerate(results, 1):
        if args.tap:
            print('%s %d - %s: %s (%s)' %
                  ('ok' if ok else 'not ok', i, name, label, detail))
        else:
            print('%-4s %s: %s' % ('ok' if ok else 'FAIL', label, detail))
    if args.tap:
        print('1..%d' % len(results))
    print('# %s: %.1f s' % (name, time.monotonic() - start))
    return 0 if results and all(r[0] for r in results) else 1


if __name__ == '__main__':
    sys.exit(main())
