#!/usr/bin/env python3
#
# qemu-xnet benchmarks ('make bench'): never part of 'make check'.
#
# Copyright (c) 2026 The qemu-xnet authors
# SPDX-License-Identifier: GPL-2.0-or-later
#
# 1. Guests: for each NIC model, boot the Debian guest (xnet/guest/e2e.py)
#    on our build (NIC behind a netswitch whose uplink is slirp) and on
#    pristine upstream QEMU built from the same source with the same flags
#    (./configure --pristine; NIC straight on slirp), interleaved run by
#    run, and report the medians and the ratio ours/upstream.
# 2. The netswitch core's forwarding rate (xnet/bench/netswitch-bench.c).
#
# The tables are printed and written to build/bench/results.rst, ready to
# paste into docs/devel/benchmarks.rst.

import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, 'build', 'bench')
E2E = os.path.join(ROOT, 'xnet', 'guest', 'e2e.py')
BUILDS = {
    'ours': (os.path.join(ROOT, 'build', 'obj'), []),
    'upstream': (os.path.join(ROOT, 'build', 'pristine', 'obj'), ['--direct']),
    # our build with the NIC straight on slirp: what the switch costs
    'ours-direct': (os.path.join(ROOT, 'build', 'obj'), ['--direct']),
}
# (result key, field, label, higher is better)
METRICS = [
    ('lease', 't', 'boot to lease (s)', False),
    ('ping', 'rtt_avg', 'ping avg (ms)', False),
    ('wget', 'kib_s', 'wget (KiB/s)', True),
    ('iperf3', 'tx_mbps', 'iperf3 guest->host (Mbit/s)', True),
    ('iperf3', 'rx_mbps', 'iperf3 host->guest (Mbit/s)', True),
    ('iperf3', 'tx_retr', 'iperf3 guest->host retransmits', False),
    ('iperf3', 'rx_retr', 'iperf3 host->guest retransmits', False),
    # after all steps: the guest driver's dropped/missed/FIFO counters, and
    # the netswitch's drops over all ports (ours only: upstream has none)
    ('counters', 'drops', 'guest drops (frames)', False),
    ('switch', 'drops', 'netswitch drops (frames)', False),
]


# upstream has no model of ours of these: compare with its own equivalent
UPSTREAM_EQUIVALENT = {'virtio-legacy': 'virtio',
                       'virtio-legacy-pci': 'virtio-pci'}


def guest_run(build, nic, iperf_time, extra_args=()):
    qemu_dir, extra = BUILDS[build]
    extra = extra + list(extra_args)
    if build == 'upstream':
        nic = UPSTREAM_EQUIVALENT.get(nic, nic)
    p = subprocess.run([sys.executable, E2E, '--json', '--nic', nic,
                        '--qemu-dir', qemu_dir, '--iperf-time', str(iperf_time)]
                       + extra, capture_output=True, text=True, timeout=900)
    text = p.stdout
    try:
        return json.loads(text[text.index('{'):])[nic]
    except ValueError:
        return {}


def value(result, key, field):
    r = result.get(key, {})
    try:
        return float(r[field])
    except (KeyError, ValueError):
        return None


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v):
    return '-' if v is None else ('%.3g' % v if v < 100 else '%.0f' % v)


def guest_table(nics, runs, iperf_time, builds=('ours', 'upstream')):
    samples = {(n, b): [] for n in nics for b in builds}
    for i in range(runs):
        for nic in nics:
            for build in builds:      # interleaved: ours, upstream, ours ...
                print('bench: run %d/%d %s %s' % (i + 1, runs, nic, build),
                      flush=True)
                samples[(nic, build)].append(guest_run(build, nic, iperf_time))
    rows = []
    for nic in nics:
        for key, field, label, _ in METRICS:
            ours = median(value(r, key, field) for r in samples[(nic, builds[0])])
            up = median(value(r, key, field) for r in samples[(nic, builds[1])])
            ratio = ours / up if ours is not None and up else None
            rows.append([nic, label, fmt(ours), fmt(up),
                         '-' if ratio is None else '%.2fx' % ratio])
    return rows, samples


def core_table():
    exe = os.path.join(OUT, 'netswitch-bench')
    srcs = ['xnet/bench/netswitch-bench.c'] + [
        'net/netswitch/%s.c' % f for f in
        ('packet', 'mac-table', 'switch', 'token-bucket', 'vlan-set', 'policy',
         'policy-hub', 'policy-bridge', 'policy-vlan', 'offload')] + [
        'build/src/net/checksum.c']
    glib = subprocess.run(['pkg-config', '--cflags', '--libs', 'glib-2.0'],
                          check=True, capture_output=True, text=True).stdout.split()
    subprocess.run(['gcc', '-O2', '-iquote', 'include', '-iquote', 'build/obj',
                    '-iquote', 'build/src/include', '-iquote', 'build/src']
                   + srcs + glib + ['-o', exe], cwd=ROOT, check=True)
    return subprocess.run([exe, '1'], check=True, capture_output=True,
                          text=True).stdout


def run_text(cmd):
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True).stdout


def vxlan_rate_rows(seconds=5):
    """The vxlan netdev's decap and encap rates (xnet/bench/vxlan-rate.py)."""
    out = run_text([sys.executable, 'xnet/bench/vxlan-rate.py',
                    '--seconds', str(seconds)])
    last = out.strip().splitlines()[-1] if out.strip() else '{}'
    try:
        figures = json.loads(last)
    except ValueError:
        figures = {}
    rows = []
    for name in ('decap', 'encap'):
        r = figures.get(name)
        rows.append([name, '-' if not r else '%.0f' % r['kpps_per_cpu_s'],
                     '-' if not r else '%.0f' % r['wall_kpps']])
    return rows


def guest_pair_rows(iperf_time):
    """Guest to guest (LAN9118) across VXLAN and across a dgram link."""
    vx = run_text([sys.executable, 'xnet/guest/vxlan-multihost.py', '--tap',
                   '--iperf-time', str(iperf_time)])
    m = re.search(r'C->A (\S+) Mbit/s, A->C (\S+) Mbit/s', vx)
    rows = [['VXLAN (two QEMUs, vxlan netdevs)', m.group(1) if m else '-',
             m.group(2) if m else '-']]
    dg = run_text([sys.executable, 'xnet/guest/two-guests.py',
                   '--iperf-time', str(iperf_time)])
    m = re.search(r'^10\.0\.3\.2 <-> 10\.0\.3\.1\s+\S+\s+\S+\s+(\S+)\s+(\S+)',
                  dg, re.M)
    rows.append(['dgram (two QEMUs, demo-pair)', m.group(1) if m else '-',
                 m.group(2) if m else '-'])
    return rows


def rst_table(head, rows):
    widths = [max(len(str(r[i])) for r in [head] + rows) for i in range(len(head))]
    line = '  '.join('=' * w for w in widths)
    out = [line, '  '.join(h.ljust(w) for h, w in zip(head, widths)), line]
    out += ['  '.join(str(c).ljust(w) for c, w in zip(r, widths)) for r in rows]
    out.append(line)
    return '\n'.join(out)


def machine():
    cpu = '?'
    try:
        with open('/proc/cpuinfo') as f:
            cpu = next(l.split(':', 1)[1].strip() for l in f if l.startswith('model name'))
    except (OSError, StopIteration):
        pass
    return '%s, %d cores, %s' % (cpu, os.cpu_count(), platform.platform())


def shaped_table(runs, iperf_time, rate):
    """The lan9118 behind ports shaped to @rate bit/s both ways (ours)."""
    samples = []
    for i in range(runs):
        print('bench: run %d/%d lan9118 shaped to %d bit/s' % (i + 1, runs, rate),
              flush=True)
        samples.append(guest_run('ours', 'lan9118', iperf_time,
                                 ['--shape', str(rate)]))
    rows = []
    for key, field, label, _ in METRICS:
        if key in ('iperf3', 'counters', 'switch'):
            rows.append(['lan9118', label,
                         fmt(median(value(r, key, field) for r in samples)),
                         ' '.join(fmt(value(r, key, field)) for r in samples)])
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--nics', default='lan9118,smc91c111,virtio-legacy,virtio-legacy-pci')
    ap.add_argument('--iperf-time', type=int, default=10)
    ap.add_argument('--no-guests', action='store_true')
    ap.add_argument('--switch-cost', action='store_true',
                    help='compare our NICs behind the netswitch with the same '
                    'NICs straight on slirp (our build both times) instead '
                    'of with upstream')
    ap.add_argument('--no-vxlan', action='store_true',
                    help='leave out the vxlan netdev rates and the guest '
                    'pairs across VXLAN and dgram')
    ap.add_argument('--shape', type=int, default=10000000,
                    help='also run the lan9118 shaped to this many bit/s '
                    '(0: not)')
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)

    parts = ['Measured %s on %s.' % (datetime.date.today().isoformat(), machine()), '']
    if not args.no_guests:
        builds = ('ours', 'ours-direct' if args.switch_cost else 'upstream')
        rows, samples = guest_table(args.nics.split(','), args.runs,
                                    args.iperf_time, builds)
        with open(os.path.join(OUT, 'guest-samples.json'), 'w') as f:
            json.dump({'%s/%s' % k: v for k, v in samples.items()}, f, indent=1)
        parts += ['Guests (TCG; Debian 6.1 kernels: armmp on arm, amd64 on '
                  'q35 for virtio-legacy-pci; slirp; median of %d runs, '
                  'iperf3 %d s per direction):' % (args.runs, args.iperf_time), '',
                  rst_table(['NIC', 'metric', builds[0], builds[1],
                             '%s/%s' % builds], rows), '']
    if not args.no_guests and args.shape:
        parts += ['Shaping: the lan9118 behind a netswitch whose guest port '
                  'and uplink are shaped to %g Mbit/s (rate=%d), median of %d '
                  'runs, iperf3 %d s per direction:' % (args.shape / 1e6,
                                                        args.shape, args.runs,
                                                        args.iperf_time), '',
                  rst_table(['NIC', 'metric', 'median', 'runs'],
                            shaped_table(args.runs, args.iperf_time,
                                         args.shape)), '']
    if not args.no_vxlan:
        parts += ['vxlan netdev, 64-byte frames (xnet/bench/vxlan-rate.py; '
                  'thousands of frames per second of QEMU CPU time, and per '
                  'wall second):', '',
                  rst_table(['path', 'kpps per CPU s', 'kpps wall'],
                            vxlan_rate_rows()), '']
        if not args.no_guests:
            parts += ['Guest to guest (LAN9118 on vexpress-a9 in two QEMUs, '
                      'iperf3 %d s per direction):' % args.iperf_time, '',
                      rst_table(['link', 'iperf3 out (Mbit/s)',
                                 'iperf3 back (Mbit/s)'],
                                guest_pair_rows(args.iperf_time)), '']
    parts += ['netswitch core (one core, bridge policy; hub-copy is a '
              'net/hub.c-style copy per port):', '', '::', '']
    parts += ['  ' + l for l in core_table().splitlines()]
    text = '\n'.join(parts) + '\n'
    with open(os.path.join(OUT, 'results.rst'), 'w') as f:
        f.write(text)
    print(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
