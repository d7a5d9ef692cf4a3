#!/usr/bin/env python3
#
# qemu-xnet demo: two guests in two QEMU processes, each on its own
# netswitch, the two switches linked by a dgram (UDP) port: Xvisor's
# guest-to-guest switching, across processes.
#
# Copyright (c) 2026 The qemu-xnet authors
# SPDX-License-Identifier: GPL-2.0-or-later
#
#   guest A (10.0.3.1, serves HTTP and iperf3)     guest B (10.0.3.2)
#        |                                              |
#   sw0 in QEMU A --- dgram 127.0.0.1:PA <-> :PB --- sw0 in QEMU B
#
# No slirp: the guests have static addresses and only talk to each other.
# Like e2e.py it runs in a private network namespace (loopback only).

import argparse
import os
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402

ADDR = {'a': '10.0.3.1', 'b': '10.0.3.2'}
DEADLINE = 240


def with_mac(nic_args, mac):
    """Each guest needs its own MAC: QEMU's default is the same in both."""
    out = list(nic_args)
    i = max(i for i, a in enumerate(out) if 'model=' in a or 'netdev=nic0' in a)
    out[i] += ',mac=' + mac
    return out


class Guest:
    def __init__(self, name, nic, qemu_dir, local_port, remote_port, append):
        binary, machine, nic_args, xnic, console = e2e.BOARDS[nic]
        nic_args = with_mac(nic_args, '52:54:00:00:03:%02x' % (ord(name) - ord('a') + 1))
        g = os.path.join(e2e.GUEST, e2e.ARCH[binary])
        self.cmd = ([os.path.join(qemu_dir, binary)] +
                    [a.format(g=e2e.GUEST) for a in machine] +
                    ['-kernel', g + '/vmlinuz', '-initrd', g + '/initrd.gz',
                     '-append', ' '.join(['console=' + console,
                                          'xnet.nic=' + xnic] + append),
                     '-object', 'netswitch,id=sw0,policy=bridge',
                     '-netdev', 'dgram,id=link,local.type=inet,'
                     'local.host=127.0.0.1,local.port=%d,remote.type=inet,'
                     'remote.host=127.0.0.1,remote.port=%d' % (local_port, remote_port),
                     '-netdev', 'swport,id=trunk,switch=sw0,netdev=link'] +
                    nic_args +
                    ['-display', 'none', '-monitor', 'none', '-serial', 'stdio',
                     '-no-reboot'])
        self.start(os.path.join(e2e.LOGDIR, 'two-guests-%s.log' % name))

    def start(self, logpath):
        """Run self.cmd, its console logged to @logpath and read for
        wait_for()."""
        os.makedirs(e2e.LOGDIR, exist_ok=True)
        self.logpath = logpath
        self.log = open(self.logpath, 'w')
        self.lines = []
        self.seen = 0           # lines wait_for() has looked at
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in e2e.iter_lines(self.proc.stdout, self.log):
            self.lines.append(line)

    def wait_for(self, pattern, deadline):
        """The next line matching @pattern, or None at the deadline."""
        while time.monotonic() < deadline:
            while self.seen < len(self.lines):
                line = self.lines[self.seen]
                self.seen += 1
                if re.search(pattern, line):
                    return line
            if self.proc.poll() is not None and self.seen == len(self.lines):
                return None
            time.sleep(0.05)
        return None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.log.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--nic', default='lan9118', choices=list(e2e.BOARDS))
    ap.add_argument('--qemu-dir', default=os.path.join(e2e.ROOT, 'build', 'obj'))
    ap.add_argument('--iperf-time', type=int, default=5)
    args = ap.parse_args()
    if os.environ.get('XNET_IN_NETNS') != '1':
        e2e.build_image(e2e.ARCH[e2e.BOARDS[args.nic][0]])
    e2e.enter_private_netns()

    pa, pb = e2e.free_port(), e2e.free_port()
    deadline = time.monotonic() + DEADLINE
    e2e.log('booting guest A (%s, serial log: %s)' % (ADDR['a'], os.path.relpath(
        os.path.join(e2e.LOGDIR, 'two-guests-a.log'), e2e.ROOT)))
    a = Guest('a', args.nic, args.qemu_dir, pa, pb,
              ['xnet.ip=%s/24' % ADDR['a'], 'xnet.peer=' + ADDR['b'],
               'xnet.steps=ifconfig,serve,wait', 'xnet.wait=0'])
    b = None
    rc = 1
    try:
        served = a.wait_for(r'XNET: serve (ok|fail)', deadline)
        if not served or 'serve ok' not in served:
            e2e.log('guest A did not start its servers: %s' % served)
            return 1
        kv = e2e.parse_kv(served)
        e2e.log('guest A serves HTTP on %s and iperf3 on %s' % (kv['http'], kv['iperf3']))
        e2e.log('booting guest B (%s)' % ADDR['b'])
        b = Guest('b', args.nic, args.qemu_dir, pb, pa,
                  ['xnet.ip=%s/24' % ADDR['b'], 'xnet.peer=' + ADDR['a'],
                   'xnet.steps=ifconfig,ping,wget,iperf',
                   'xnet.ping=' + ADDR['a'],
                   'xnet.http=%s:%s%s' % (ADDR['a'], kv['http'], kv['path']),
                   'xnet.md5=' + kv['md5'],
                   'xnet.iperf=%s:%s' % (ADDR['a'], kv['iperf3']),
                   'xnet.iperf_time=%d' % args.iperf_time])
        results = {}
        while True:
            line = b.wait_for(r'XNET: \S+ (ok|fail)|XNET: done', deadline)
            if not line:
                e2e.log('guest B: timed out or QEMU exited (log: %s)' % b.logpath)
                break
            m = re.search(r'XNET: (\S+) ?(ok|fail)?(.*)', line)
            if m.group(1) == 'done':
                rc = 0 if m.group(3).strip() == 'rc=0' else 1
                break
            results[m.group(1)] = (m.group(2), e2e.parse_kv(m.group(3)))
            e2e.log('guest B: %s %s' % (m.group(1), m.group(2)))
        row = ['%s <-> %s' % (ADDR['b'], ADDR['a']),
               results.get('ping', ('', {}))[1].get('rtt_avg', '-'),
               results.get('wget', ('', {}))[1].get('kib_s', '-'),
               results.get('iperf3', ('', {}))[1].get('tx_mbps', '-'),
               results.get('iperf3', ('', {}))[1].get('rx_mbps', '-')]
        print()
        head = ['guests (%s, dgram-linked netswitches)' % args.nic, 'ping avg (ms)',
                'wget (KiB/s)', 'iperf3 B->A (Mbit/s)', 'iperf3 A->B (Mbit/s)']
        widths = [max(len(h), len(str(c))) for h, c in zip(head, row)]
        for r in (head, row):
            print('  '.join(str(c).ljust(w) for c, w in zip(r, widths)))
    finally:
        a.stop()
        if b:
            b.stop()
    return rc


if __name__ == '__main__':
    sys.exit(main())
