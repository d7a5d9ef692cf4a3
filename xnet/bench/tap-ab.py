#!/usr/bin/env python3
#
# qemu-xnet: iperf3 through a tap into a Linux bridge, ours against
# upstream, interleaved (issue 18's "where does the time go" A/B).
#
# Copyright (c) 2026 The qemu-xnet authors
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Through slirp the rate is bound by slirp's TCP, which never scales its
# window (65,535 bytes in flight).  This runs the same guests where no
# such window applies: in a private network namespace, a Linux bridge br0
# (192.168.98.1/24) with a tap device tap0 in it, and iperf3's server on
# the bridge's address, so the host side is Linux's TCP with window
# scaling and offloads.
#
#   ours:     the guest's NIC on a netswitch whose uplink is
#             '-netdev tap,ifname=tap0' (vnet header: super-frames whole)
#   upstream: upstream's NIC straight on '-netdev tap,ifname=tap0',
#             from the pristine build (build/pristine/obj)
#
# Runs alternate (ours, upstream, ours, ...) and the medians are printed.
# A benchmark: run it on a quiet machine (make bench's rules), never in
# make check.
#
# Network rule: the namespace is made here and has nothing but loopback
# before the script adds br0 and tap0; the guest talks only to br0.

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'guest'))
import e2e  # noqa: E402
import importlib  # noqa: E402
two_guests = importlib.import_module('two-guests')

BRIDGE_IP = '192.168.98.1'
GUEST_IP = '192.168.98.10'
GUEST_MAC = '52:54:00:98:00:0a'
IPERF_PORT = 5201
TAP = 'tap,id=t0,ifname=tap0,script=no,downscript=no'

# Our NIC -> upstream's, on the same board and guest
UPSTREAM_NIC = {'virtio-legacy-pci': 'virtio-pci', 'virtio-legacy': 'virtio'}


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True)


def make_bridge():
    run(['ip', 'link', 'add', 'br0', 'type', 'bridge'])
    run(['ip', 'addr', 'add', BRIDGE_IP + '/24', 'dev', 'br0'])
    run(['ip', 'tuntap', 'add', 'tap0', 'mode', 'tap'])
    run(['ip', 'link', 'set', 'tap0', 'master', 'br0'])
    run(['ip', 'link', 'set', 'tap0', 'up'])
    run(['ip', 'link', 'set', 'br0', 'up'])


def network_args(nic, switched):
    """The NIC's arguments: behind a netswitch with a tap uplink, or
    straight on the tap."""
    nic_args = two_guests.with_mac(e2e.BOARDS[nic][2], GUEST_MAC)
    if switched:
        return (['-object', 'netswitch,id=sw0,policy=bridge',
                 '-netdev', TAP,
                 '-netdev', 'swport,id=up,switch=sw0,netdev=t0'] + nic_args)
    return [a.replace('swport,id=nic0,switch=sw0',
                      TAP.replace('id=t0', 'id=nic0'))
            for a in nic_args]


class TapGuest(two_guests.Guest):
    def __init__(self, nic, qemu_dir, switched, iperf_dir, iperf_time):
        binary, machine, nic_args, xnic, console = e2e.BOARDS[nic]
        g = os.path.join(e2e.GUEST, e2e.ARCH[binary])
        self.qmp_path = os.path.join(e2e.LOGDIR, 'tap-ab.qmp')
        self.cmd = ([os.path.join(qemu_dir, binary)] +
                    [a.format(g=e2e.GUEST) for a in machine] +
                    ['-kernel', g + '/vmlinuz', '-initrd', g + '/initrd.gz',
                     '-append', ' '.join([
                         'console=' + console, 'xnet.nic=' + xnic,
                         'xnet.ip=%s/24' % GUEST_IP, 'xnet.peer=' + BRIDGE_IP,
                         'xnet.iperf=%s:%d' % (BRIDGE_IP, IPERF_PORT),
                         'xnet.iperf_dir=' + iperf_dir,
                         'xnet.iperf_time=%d' % iperf_time,
                         'xnet.steps=ifconfig,iperf'])] +
                    network_args(nic, switched) +
                    ['-display', 'none', '-monitor', 'none',
                     '-serial', 'stdio', '-no-reboot',
                     '-name', 'debug-threads=on',
                     '-qmp', 'unix:%s,server=on,wait=off' % self.qmp_path])
        os.makedirs(e2e.LOGDIR, exist_ok=True)
        self.logpath = os.path.join(
            e2e.LOGDIR, 'tap-ab-%s-%s.log' % (nic, 'switch' if switched
                                              else 'direct'))
        self.log = open(self.logpath, 'w')
        self.lines = []
        self.seen = 0
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        threading.Thread(target=self._read, daemon=True).start()


def thread_cpu(pid):
    """{thread name: CPU seconds} of QEMU's threads."""
    out = {}
    task = '/proc/%d/task' % pid
    for tid in os.listdir(task):
        try:
            with open('%s/%s/stat' % (task, tid)) as f:
                text = f.read()
        except OSError:
            continue
        name = text[text.index('(') + 1:text.rindex(')')]
        fields = text.rsplit(')', 1)[1].split()
        out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) \
            / os.sysconf('SC_CLK_TCK')
    return out


def thread_shares(guest, iperf_time):
    """The vCPU thread's and the main loop's shares of a core over the
    middle of a one-way iperf3 run, which starts right after the guest's
    ifconfig step."""
    if not guest.wait_for(r'XNET: ifconfig ok', time.monotonic() + 240):
        return None
    time.sleep(3)                       # TCP's slow start, iperf3's set-up
    before, t0 = thread_cpu(guest.proc.pid), time.monotonic()
    time.sleep(max(iperf_time - 5, 1))
    after, t1 = thread_cpu(guest.proc.pid), time.monotonic()
    main = os.path.basename(guest.cmd[0])[:15]     # the comm of the process

    def share(name):
        return (after.get(name, 0.0) - before.get(name, 0.0)) / (t1 - t0)
    vcpu = [n for n in after if n.startswith('CPU 0/')]
    return {'vcpu': share(vcpu[0]) if vcpu else None, 'main': share(main)}


def one_run(nic, qemu_dir, switched, iperf_dir, iperf_time):
    """The guest's iperf3 result (tx_mbps, rx_mbps ...) of one boot, and
    the vCPU's share of a core (None unless one direction is run)."""
    guest = TapGuest(nic, qemu_dir, switched, iperf_dir, iperf_time)
    try:
        shares = (thread_shares(guest, iperf_time) if iperf_dir != 'both'
                  else None)
        line = guest.wait_for(r'XNET: iperf3 (ok|fail)',
                              time.monotonic() + 240 + 2 * iperf_time)
        switch = (e2e.switch_drops(guest.qmp_path) if switched else None)
    finally:
        guest.stop()
    if not line or 'iperf3 ok' not in line:
        sys.exit('tap-ab: %s: no iperf3 result (%s; log %s)'
                 % (nic, line, guest.logpath))
    kv = e2e.parse_kv(line)
    kv['shares'] = shares
    kv['switch'] = switch
    return kv


def drop_reasons(switch):
    """The switch's drops by reason, those not zero ('0' if none)."""
    reasons = ['%s %d' % (k, v) for k, v in sorted(switch.items())
               if v and k != 'drops' and not k.startswith('gso-')]
    return ', '.join(reasons) or '0'


def number(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--nic', default='virtio-legacy-pci',
                    choices=sorted(UPSTREAM_NIC))
    ap.add_argument('--qemu-dir', default=os.path.join(e2e.ROOT, 'build', 'obj'))
    ap.add_argument('--upstream-dir',
                    default=os.path.join(e2e.ROOT, 'build', 'pristine', 'obj'))
    ap.add_argument('--pairs', type=int, default=3)
    ap.add_argument('--iperf-time', type=int, default=10)
    ap.add_argument('--iperf-dir', choices=('both', 'tx', 'rx'), default='both')
    args = ap.parse_args()
    if os.environ.get('XNET_TAPAB_NETNS') != '1':
        e2e.build_image(e2e.ARCH[e2e.BOARDS[args.nic][0]])
    e2e.enter_private_netns('XNET_TAPAB_NETNS', 'tap-ab')
    make_bridge()
    server = subprocess.Popen(['iperf3', '-s', '-B', BRIDGE_IP,
                               '-p', str(IPERF_PORT)],
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    runs = {'ours': [], 'upstream': []}
    try:
        for i in range(args.pairs):
            for who in ('ours', 'upstream'):
                kv = one_run(args.nic if who == 'ours'
                             else UPSTREAM_NIC[args.nic],
                             args.qemu_dir if who == 'ours'
                             else args.upstream_dir,
                             who == 'ours', args.iperf_dir, args.iperf_time)
                runs[who].append(kv)
                sh, sw = kv['shares'], kv['switch']
                e2e.log('pair %d %-8s guest->host %s host->guest %s Mbit/s'
                        '%s%s' % (i + 1, who, kv.get('tx_mbps'),
                                  kv.get('rx_mbps'),
                                  '' if not sh else
                                  ', vCPU %.0f %%, main loop %.0f %%'
                                  % (100 * sh['vcpu'], 100 * sh['main']),
                                  '' if not sw else
                                  ', switch: %d super-frames whole, %d '
                                  'segmented into %d, drops: %s'
                                  % (sw['gso-whole'], sw['gso-segmented'],
                                     sw['gso-segments'], drop_reasons(sw))))
    finally:
        server.kill()
        server.wait()
    print('%-22s %10s %10s %8s' % ('tap, %s' % args.nic, 'ours',
                                   'upstream', 'ratio'))
    for key, name in (('tx_mbps', 'guest->host (Mbit/s)'),
                      ('rx_mbps', 'host->guest (Mbit/s)')):
        ours = [number(kv.get(key)) for kv in runs['ours']]
        up = [number(kv.get(key)) for kv in runs['upstream']]
        if None in ours or None in up:
            continue
        mo, mu = statistics.median(ours), statistics.median(up)
        print('%-22s %10.0f %10.0f %7.2fx' % (name, mo, mu, mo / mu))
        print('%-22s %21s' % ('  runs', ' '.join('%.0f/%.0f' % p
                                                for p in zip(ours, up))))
    for who in ('ours', 'upstream'):
        shares = [kv['shares'] for kv in runs[who] if kv['shares']]
        if shares:
            print('%-22s %s' % ('vCPU/main, ' + who, ' '.join(
                '%.0f/%.0f%%' % (100 * v['vcpu'], 100 * v['main'])
                for v in shares)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
