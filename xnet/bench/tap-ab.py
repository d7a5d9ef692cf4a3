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
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'guest'))
import e2e  # noqa: E402
import importlib  # noqa: E402
two_guests = importlib.import_module('two-guests')
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
tx_anatomy = importlib.import_module('tx-anatomy')

tap_uplink = importlib.import_module('tap-uplink')

BRIDGE_IP = tap_uplink.BRIDGE_IP
GUEST_MAC = tap_uplink.GUEST_MAC

# Our NIC -> upstream's, on the same board and guest
UPSTREAM_NIC = {'virtio-legacy-pci': 'virtio-pci', 'virtio-legacy': 'virtio'}


def network_args(nic, switched):
    """The NIC's arguments: behind a netswitch with a tap uplink, or
    straight on the tap."""
    if switched:
        return tap_uplink.switched_network(nic)
    nic_args = two_guests.with_mac(e2e.BOARDS[nic][2], GUEST_MAC)
    return [a.replace('swport,id=nic0,switch=sw0',
                      tap_uplink.TAP.replace('id=t0', 'id=nic0'))
            for a in nic_args]


def start_guest(nic, qemu_dir, switched, iperf_port, iperf_dir, iperf_time):
    """A guest that runs iperf3 against the bridge, with QEMU's threads
    named (for their CPU shares)."""
    return tap_uplink.TapGuest(
        nic, qemu_dir,
        ['xnet.iperf=%s:%d' % (BRIDGE_IP, iperf_port),
         'xnet.iperf_dir=' + iperf_dir, 'xnet.iperf_time=%d' % iperf_time,
         'xnet.steps=ifconfig,iperf'],
        network_args(nic, switched),
        'tap-ab-%s-%s' % (nic, 'switch' if switched else 'direct'),
        extra=['-name', 'debug-threads=on'])


def thread_cpu(pid):
    """{thread name: CPU seconds} of QEMU's threads."""
    out = {}
    for name, seconds in tx_anatomy.thread_times(pid).values():
        out[name] = out.get(name, 0.0) + seconds
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


def one_run(nic, qemu_dir, switched, iperf_port, iperf_dir, iperf_time):
    """The guest's iperf3 result (tx_mbps, rx_mbps ...) of one boot, with
    'shares' (the vCPU's and main loop's shares of a core; None unless
    one direction is run) and 'switch' (its counters; None if direct)."""
    guest = start_guest(nic, qemu_dir, switched, iperf_port, iperf_dir,
                        iperf_time)
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
    tap_uplink.make_bridge()
    servers = e2e.Servers(BRIDGE_IP)
    runs = {'ours': [], 'upstream': []}
    try:
        for i in range(args.pairs):
            for who in ('ours', 'upstream'):
                kv = one_run(args.nic if who == 'ours'
                             else UPSTREAM_NIC[args.nic],
                             args.qemu_dir if who == 'ours'
                             else args.upstream_dir,
                             who == 'ours', servers.iperf_port,
                             args.iperf_dir, args.iperf_time)
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
        servers.close()
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
