#!/usr/bin/env python3
#
# qemu-xnet test runner: runs our test programs and counts their TAP results.
#
# Copyright (c) 2026 The qemu-xnet authors
# SPDX-License-Identifier: GPL-2.0-or-later
#
# "Our" tests are the meson tests built from a source file of this repository:
# tests/qtest/NAME.c is registered by upstream's loop as 'qtest-TARGET/NAME',
# tests/unit/NAME.c as 'NAME'.  Each runs with the environment, working
# directory and timeout meson gives it; every TAP 'ok' / 'not ok' line is one
# result.  A program that fails without a TAP failure, or that reports no
# result at all, counts as one failure: a test that ran nothing never passes.
# Besides ours, three of QEMU's generic qtests run for arm (UPSTREAM_GENERIC).
#
# The last line is 'N passed, N failed' (', N skipped' when some were).

import argparse
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'xnet', 'guest'))
from e2e import enter_private_netns  # noqa: E402  (the network rule)
TAP_RESULT = re.compile(r'^(not ok|ok)\b\s*\d*\s*(?:-\s*)?(.*?)\s*(#\s*(SKIP|TODO)\b.*)?$',
                        re.IGNORECASE)
TEST_DIRS = ('tests/qtest', 'tests/unit')

# QEMU's own tests that start every machine and device of a target: they
# show that our replacements (lan9118, smc91c111) break no board.  They
# need the firmware blobs of xnet/fetch-firmware.sh.
UPSTREAM_GENERIC = ('qtest-arm/device-introspect-test', 'qtest-arm/qom-test',
                    'qtest-arm/test-hmp')


def our_test_names():
    names = set()
    for d in TEST_DIRS:
        path = os.path.join(ROOT, d)
        if not os.path.isdir(path):
            continue
        for f in os.listdir(path):
            if f.endswith('.c') and ('test' in f):
                names.add(f[:-2])
    return names


def select_tests(build, names, only):
    out = subprocess.run(['meson', 'introspect', '--tests', build],
                         check=True, capture_output=True, text=True).stdout
    selected = []
    for t in json.loads(out):
        base = t['name'].rsplit('/', 1)[-1]
        ours = base in names or t['name'] in UPSTREAM_GENERIC
        if ours and (not only or any(o in t['name'] for o in only)):
            selected.append(t)
    return sorted(selected, key=lambda t: t['name'])


def build_tests(build, tests):
    targets = sorted({os.path.relpath(t['cmd'][0], build) for t in tests})
    if targets:
        p = subprocess.run(['ninja', '-C', build] + targets,
                           capture_output=True, text=True)
        if p.returncode:
            print(p.stdout[-6000:] + p.stderr[-2000:])
            sys.exit('run-tests: building the tests failed')


# Under make check-sanitize: stop at the first report, so that the test
# whose QEMU or program it was fails; everything runs about 3 times slower.
SANITIZER_ENV = {
    'ASAN_OPTIONS': 'abort_on_error=1:detect_leaks=0',
    'UBSAN_OPTIONS': 'halt_on_error=1:abort_on_error=1:print_stacktrace=1',
}
SANITIZER_SLOWDOWN = 3


def run_one(build, t, counts, logdir, sanitized=False):
    env = dict(os.environ)
    env.update(t.get('env') or {})
    timeout = t.get('timeout') or 60
    if sanitized:
        env.update(SANITIZER_ENV)
        timeout *= SANITIZER_SLOWDOWN
    name = t['name']
    logfile = os.path.join(logdir, name.replace('/', '_') + '.log')
    try:
        p = subprocess.run(t['cmd'], cwd=t.get('workdir') or build, env=env,
                           capture_output=True, text=True, timeout=timeout)
        output, rc, why = p.stdout + p.stderr, p.returncode, 'exit %d' % p.returncode
    except subprocess.TimeoutExpired as e:
        output = (e.stdout or b'').decode(errors='replace') if isinstance(e.stdout, bytes) else (e.stdout or '')
        rc, why = -1, 'timed out after %ds' % timeout
    with open(logfile, 'w') as f:
        f.write(output)

    results = 0
    tap_failed = False
    for line in output.splitlines():
        m = TAP_RESULT.match(line.strip())
        if not m:
            continue
        results += 1
        status, desc, directive = m.group(1).lower(), m.group(2), (m.group(4) or '').upper()
        if directive == 'SKIP':
            counts['skipped'] += 1
            print('SKIP %s %s' % (name, desc))
        elif status == 'ok' or directive == 'TODO':
            counts['passed'] += 1
            print('PASS %s %s' % (name, desc))
        else:
            counts['failed'] += 1
            tap_failed = True
            print('FAIL %s %s' % (name, desc))
    if (rc != 0 and not tap_failed) or results == 0:
        counts['failed'] += 1
        print('FAIL %s (%s, %d results; log: %s)' % (name, why, results,
                                                    os.path.relpath(logfile, ROOT)))
    elif tap_failed:
        print('     log: %s' % os.path.relpath(logfile, ROOT))


# Guest end-to-end runs (xnet/guest/e2e.py): boot, DHCP, ping and wget on
# every NIC model.  Their images are built (with apt) before the suite
# enters its private network namespace.
E2E = {
    'name': 'e2e/guests',
    'cmd': [sys.executable, os.path.join(ROOT, 'xnet', 'guest', 'e2e.py'),
            '--tap', '--nic', 'all', '--steps', 'ifconfig,dhcp,ping,wget'],
    'timeout': 900,
}

# Live migration of a booted guest (xnet/guest/migrate.py): the Debian
# armhf guest on vexpress-a9 takes its lease, moves to a second QEMU and
# must still answer on its console, take timer interrupts and ping
# 10.0.2.2.  The default secure=on is what patch 0014 fixed (the Secure
# banks of cp15).  About 13 s.  make check-migration adds secure=off
# (Linux in Non-secure state, through a file (exec:cat) that B loads after
# A has quit) and virtio-legacy (the virtio-mmio transport as well).
MIGRATE = [
    {'name': 'e2e/migrate-' + label,
     'cmd': [sys.executable, os.path.join(ROOT, 'xnet', 'guest', 'migrate.py'),
             '--tap'] + args,
     'timeout': 120}
    for label, args in (('lan9118', ['--nic', 'lan9118']),)
]
# In the middle of a wget (md5 checked) through the netswitch, whose uplink
# is a tap on a Linux bridge: A on tap0 migrates live to B on tap1, both
# capturing the guest's port into one file (xnet/guest/migrate-transfer.py,
# about 13 s).
MIGRATE_TRANSFER = os.path.join(ROOT, 'xnet', 'guest', 'migrate-transfer.py')
MIGRATE.append({'name': 'e2e/migrate-transfer-lan9118',
                'cmd': [sys.executable, MIGRATE_TRANSFER, '--tap', '--capture'],
                'timeout': 180})
GUEST_TESTS = [E2E] + MIGRATE
# make check-migration: the migration runs of make check, and more (make
# check keeps the LAN9118's two, the guide's budget keeping it near 10 min).
MIGRATION_EXTRA = [
    {'name': 'e2e/migrate-' + label,
     'cmd': [sys.executable, os.path.join(ROOT, 'xnet', 'guest', 'migrate.py'),
             '--tap'] + args,
     'timeout': 120}
    for label, args in (('lan9118-secure-off-file',
                         ['--nic', 'lan9118', '--secure', 'off', '--via', 'file']),
                        ('virtio-legacy', ['--nic', 'virtio-legacy']))
] + [
    {'name': 'e2e/migrate-transfer-lan9118-pingpong',
     'cmd': [sys.executable, MIGRATE_TRANSFER, '--tap', '--hops', '3', '--capture'],
     'timeout': 180},
    # the guest's RX full and hundreds of frames waiting in the switch for
    # it when the migration completes (a UDP flood from the host)
    {'name': 'e2e/migrate-transfer-lan9118-rx-full',
     'cmd': [sys.executable, MIGRATE_TRANSFER, '--tap', '--rx-full'],
     'timeout': 180},
    {'name': 'e2e/migrate-transfer-smc91c111',
     'cmd': [sys.executable, MIGRATE_TRANSFER, '--tap', '--nic', 'smc91c111'],
     'timeout': 240},
    {'name': 'e2e/migrate-transfer-virtio-legacy',
     'cmd': [sys.executable, MIGRATE_TRANSFER, '--tap', '--nic', 'virtio-legacy'],
     'timeout': 180},
    {'name': 'e2e/migrate-transfer-virtio-legacy-pci',
     'cmd': [sys.executable, MIGRATE_TRANSFER, '--tap', '--nic', 'virtio-legacy-pci'],
     'timeout': 300},
    {'name': 'e2e/migrate-smc91c111',
     'cmd': [sys.executable, os.path.join(ROOT, 'xnet', 'guest', 'migrate.py'),
             '--tap', '--nic', 'smc91c111'],
     'timeout': 120},
]


# The vxlan netdev against Linux's vxlan driver in two namespaces of its
# own (xnet/vxlan-interop.py); no guest image needed.  In make check.
VXLAN_INTEROP = {
    'name': 'vxlan/linux-interop',
    'cmd': [sys.executable, os.path.join(ROOT, 'xnet', 'vxlan-interop.py')],
    'timeout': 120,
}

# run-fuzz.py's process handling (a libFuzzer stand-in, no QEMU): a few
# seconds.  In make check.
FUZZ_RUNNER = {
    'name': 'fuzz/runner',
    'cmd': [sys.executable, os.path.join(ROOT, 'xnet', 'fuzz', 'test-run-fuzz.py')],
    'timeout': 60,
}

# make check-multihost: guests on two hosts and a Linux VTEP on a third, one
# VXLAN segment (xnet/guest/vxlan-multihost.py, make demo-multihost), and a
# netswitch uplink through -netdev tap into a Linux bridge
# (xnet/guest/tap-uplink.py).  Several minutes: not part of make check.
MULTIHOST_TESTS = [
    {'name': 'vxlan/multihost-guests',
     'cmd': [sys.executable, os.path.join(ROOT, 'xnet', 'guest',
                                          'vxlan-multihost.py'), '--tap'],
     'timeout': 400},
    {'name': 'tap/uplink-guest',
     'cmd': [sys.executable, os.path.join(ROOT, 'xnet', 'guest',
                                          'tap-uplink.py'), '--tap'],
     'timeout': 240},
    {'name': 'tap/uplink-guest-virtio-legacy',
     'cmd': [sys.executable, os.path.join(ROOT, 'xnet', 'guest',
                                          'tap-uplink.py'), '--tap',
             '--nic', 'virtio-legacy'],
     'timeout': 240},
]


# make check-upstream-nics: upstream's e1000e and igb on q35 (the x86_64
# guest, TCG) behind the netswitch, the device speaking virtio-net headers
# with its swport: DHCP, ping, wget (md5), iperf3 both ways, and no frame
# dropped for a bad header (bad-offload).  Not in make check: the two
# x86_64 guests under TCG take about 2.5 minutes (2026-12-07).
UPSTREAM_NICS_TESTS = [
    {'name': 'e2e/upstream-nics',
     'cmd': [sys.executable, os.path.join(ROOT, 'xnet', 'guest', 'e2e.py'),
             '--tap', '--nic', 'upstream',
             '--steps', 'ifconfig,dhcp,ping,wget,iperf'],
     'timeout': 600},
]


def fetch_firmware(build):
    script = os.path.join(ROOT, 'xnet', 'fetch-firmware.sh')
    p = subprocess.run([script, build], capture_output=True, text=True)
    if p.returncode:
        print(p.stdout[-3000:] + p.stderr[-3000:])
        sys.exit('run-tests: fetching the firmware failed')


def prepare_guest_images():
    script = os.path.join(ROOT, 'xnet', 'guest', 'build-image.sh')
    for arch in ('armhf', 'amd64'):
        p = subprocess.run([script, arch], capture_output=True, text=True)
        if p.returncode:
            print(p.stdout[-3000:] + p.stderr[-3000:])
            sys.exit('run-tests: building the %s guest image failed' % arch)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--build', default=os.path.join(ROOT, 'build', 'obj'))
    ap.add_argument('--sanitized', action='store_true',
                    help='the build has ASan and UBSan (make check-sanitize)')
    ap.add_argument('--no-guests', action='store_true',
                    help='skip the guest end-to-end runs')
    ap.add_argument('--migration', action='store_true',
                    help='make check-migration: only the guest migration runs, '
                    'with the longer ones')
    ap.add_argument('--multihost', action='store_true',
                    help='make check-multihost: only the multi-host VXLAN '
                    'and tap uplink guest runs')
    ap.add_argument('--upstream-nics', action='store_true',
                    help='make check-upstream-nics: only the guest runs of '
                    'upstream\'s e1000e and igb behind the netswitch')
    ap.add_argument('only', nargs='*', help='run only tests whose name contains one of these')
    args = ap.parse_args()
    if args.migration:
        GUEST_TESTS.extend(MIGRATION_EXTRA)
        args.only = args.only or ['e2e/migrate']
    if args.multihost:
        GUEST_TESTS.extend(MULTIHOST_TESTS)
        args.only = args.only or ['vxlan/multihost', 'tap/uplink']
    if args.upstream_nics:
        GUEST_TESTS.extend(UPSTREAM_NICS_TESTS)
        args.only = args.only or ['e2e/upstream-nics']
    build = os.path.abspath(args.build)
    guest_tests = [] if args.no_guests else [
        t for t in GUEST_TESTS
        if not args.only or any(o in t['name'] for o in args.only)]
    with_guests = bool(guest_tests)
    if os.environ.get('XNET_IN_NETNS') != '1':
        fetch_firmware(build)           # apt needs the network
        if with_guests:
            prepare_guest_images()
    enter_private_netns()

    tests = select_tests(build, our_test_names(), args.only)
    build_tests(build, tests)
    for g in guest_tests:
        t = dict(g, env={'XNET_IN_NETNS': '1'})
        t['cmd'] = g['cmd'] + ['--qemu-dir', build]
        if args.sanitized:
            t['cmd'].append('--sanitized')
        tests.append(t)
    if not args.only or any(o in VXLAN_INTEROP['name'] for o in args.only):
        tests.append(dict(VXLAN_INTEROP,
                          cmd=VXLAN_INTEROP['cmd'] + ['--qemu-dir', build]))
    if not args.only or any(o in FUZZ_RUNNER['name'] for o in args.only):
        tests.append(FUZZ_RUNNER)
    logdir = os.path.join(build, 'xnet-testlogs')
    os.makedirs(logdir, exist_ok=True)

    counts = {'passed': 0, 'failed': 0, 'skipped': 0}
    for t in tests:
        run_one(build, t, counts, logdir, args.sanitized)
    if not tests:
        counts['failed'] += 1
        print('FAIL no test selected')

    line = '%d passed, %d failed' % (counts['passed'], counts['failed'])
    if counts['skipped']:
        line += ', %d skipped' % counts['skipped']
    print(line)
    return 1 if counts['failed'] else 0


if __name__ == '__main__':
    sys.exit(main())
