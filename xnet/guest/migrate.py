#!/usr/bin/env python3
#
# qemu-xnet live migration of a booted guest: boot a Debian guest in QEMU A,
# let it take its DHCP lease, migrate it live to QEMU B (started with
# -incoming on a unix socket), let A exit, and check that the guest keeps
# running in B: its console answers, its timer interrupts arrive (sleep
# returns, the timer's count in /proc/interrupts grows) and its network
# works (ping 10.0.2.2 through slirp).
#
# Copyright (c) 2026 The qemu-xnet authors
# SPDX-License-Identifier: GPL-2.0-or-later
#
# libslirp migrates no connection to the host (slirp_state_save() keeps only
# guestfwd sockets), so across migration through slirp only stateless
# traffic can survive: the check is ping, as a user would try it.
#
# The guest runs a console shell (xnet.run=shell); this program types
# commands on its serial console (QEMU's stdio) and reads their output.
# Every wait has a deadline.  Runs in a private network namespace whose only
# interface is loopback (the network rule), like e2e.py.
#
#   migrate.py [--nic lan9118|virtio-legacy|smc91c111] [--secure on|off]
#              [--via socket|file] [--direct] [--qemu-dir DIR] [--tap]
#
# --direct puts the NIC straight on slirp (-nic user,...), for a pristine
# upstream build that has no netswitch.

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402

ROOT = e2e.ROOT

# NIC -> the -nic model for --direct (straight on slirp)
DIRECT_MODEL = {'lan9118': 'lan9118', 'smc91c111': 'smc91c111',
                'virtio-legacy': 'virtio-net-device'}

BOOT_DEADLINE = 120     # QEMU start to the guest's shell
STEP_DEADLINE = 30      # one command typed on the console
SLOWDOWN = 1            # 3 under ASan/UBSan (--sanitized): every deadline


class Failure(Exception):
    pass


class Guest:
    """One QEMU process: its serial console on stdin/stdout, its QMP socket."""

    def __init__(self, name, cmd, logpath, qmp_path):
        self.name = name
        self.qmp_path = qmp_path
        self.text = ''
        self.pos = 0            # what expect() has consumed of self.text
        self.lock = threading.Condition()
        self.log = open(logpath, 'w')
        self.log.write(' '.join(cmd) + '\n')
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.qmp = None

    def _read(self):
        while True:
            data = os.read(self.proc.stdout.fileno(), 4096)
            if not data:
                break
            chunk = data.decode(errors='replace').replace('\r', '')
            self.log.write(chunk)
            self.log.flush()
            with self.lock:
                self.text += chunk
                self.lock.notify_all()
        with self.lock:
            self.lock.notify_all()

    def expect(self, pattern, timeout, what, partial=False):
        """Wait for @pattern in the console output after the last match.

        Only complete lines are searched (a line still arriving could match
        a prefix of its number), unless @partial (a prompt has no newline).
        """
        regex = re.compile(pattern, re.M)
        timeout *= SLOWDOWN
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                end = len(self.text) if partial else self.text.rfind('\n') + 1
                m = regex.search(self.text, self.pos, max(end, self.pos))
                if m:
                    self.pos = m.end()
                    return m
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Failure('%s: no %s within %d s' % (self.name, what, timeout))
                if self.proc.poll() is not None and not self.reader.is_alive():
                    raise Failure('%s: QEMU exited %d waiting for %s' %
                                  (self.name, self.proc.returncode, what))
                self.lock.wait(min(left, 0.5))

    def type(self, line):
        self.proc.stdin.write(line.encode() + b'\n')
        self.proc.stdin.flush()

    def shell(self, command, pattern, what, timeout=STEP_DEADLINE):
        """Type @command, then wait for @pattern in its output.

        The marker is printed by the guest after the command (with an
        arithmetic expansion, so the echo of the typed line never matches).
        """
        self.type(command + '; echo "XNET: end $((6 * 7))"')
        m = self.expect(pattern, timeout, what)
        self.expect(r'^XNET: end 42$', timeout, what + ' (end)')
        return m

    def connect_qmp(self, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            try:
                s = socket.socket(socket.AF_UNIX)
                s.connect(self.qmp_path)
                break
            except OSError:
                s.close()
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise Failure('%s: no QMP socket' % self.name)
                time.sleep(0.1)
        s.settimeout(timeout)
        self.qmp = s.makefile('rw')
        json.loads(self.qmp.readline())                 # the greeting
        self.command('qmp_capabilities')

    def command(self, name, **args):
        self.qmp.write(json.dumps({'execute': name, 'arguments': args}) + '\n')
        self.qmp.flush()
        while True:
            reply = json.loads(self.qmp.readline())
            if 'error' in reply:
                raise Failure('%s: %s: %s' % (self.name, name, reply['error']))
            if 'return' in reply:
                return reply['return']

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.reader.join(5)
        self.log.close()


def qemu_command(args, qmp_path, incoming=None):
    binary, machine, nic_args, _, _ = e2e.BOARDS[args.nic]
    if args.direct:
        nic_args = ['-nic', 'user,model=%s,net=10.0.2.0/24,dhcpstart=10.0.2.15'
                    % DIRECT_MODEL[args.nic]]
        network = nic_args
    else:
        network = ['-object', 'netswitch,id=sw0,policy=bridge',
                   '-netdev', 'user,id=wan,net=10.0.2.0/24,dhcpstart=10.0.2.15',
                   '-netdev', 'swport,id=up,switch=sw0,netdev=wan'] + nic_args
    machine = [a.format(g=e2e.GUEST) for a in machine]
    if args.secure and machine[0] == '-M':
        machine[1] += ',secure=' + args.secure
    arch = e2e.ARCH[binary]
    append = 'console=%s xnet.nic=%s xnet.run=shell' % (e2e.BOARDS[args.nic][4],
                                                        e2e.BOARDS[args.nic][3])
    return ([os.path.join(args.qemu_dir, binary)] + machine +
            ['-kernel', '%s/%s/vmlinuz' % (e2e.GUEST, arch),
             '-initrd', '%s/%s/initrd.gz' % (e2e.GUEST, arch),
             '-append', append] + network +
            ['-display', 'none', '-monitor', 'none', '-serial', 'stdio',
             '-no-reboot', '-qmp', 'unix:%s,server=on,wait=off' % qmp_path] +
            (['-incoming', incoming] if incoming else []))


# The guest's timer interrupts: the per-CPU timer's line of /proc/interrupts
# (the a9mpcore's TWD on vexpress-a9, the SP804 on realview-eb)
TIMER_IRQ = r'twd|timer|arch_timer|sp804|LOC'


def timer_count(g):
    m = g.shell("grep -E '%s' /proc/interrupts | awk '{ n += $2 } END "
                "{ print \"XNET: timer-irqs \" n }'" % TIMER_IRQ,
                r'^XNET: timer-irqs (\d+)$', 'timer interrupt count')
    return int(m.group(1))


def check_alive(g, results, when):
    """The console answers, timer interrupts arrive, ping 10.0.2.2 works."""
    def check(name, fn):
        label = '%s %s' % (when, name)
        try:
            detail = fn()
            results.append((True, label, detail))
        except Failure as e:
            results.append((False, label, str(e)))
            raise

    check('console answers', lambda: g.shell(
        'echo "XNET: alive $((20 + 22))"', r'^XNET: alive 42$',
        'answer on the console').group(0))

    def timers():
        n0 = timer_count(g)
        g.shell('sleep 1', r'^', 'sleep 1')
        n1 = timer_count(g)
        if n1 <= n0:
            raise Failure('timer interrupts did not grow: %d -> %d' % (n0, n1))
        return 'timer interrupts %d -> %d across sleep 1' % (n0, n1)
    check('timer interrupts', timers)

    def ping():
        m = g.shell('ping -c 3 -W 2 10.0.2.2 | grep -E "packets transmitted"',
                    r'(\d+) packets transmitted, (\d+) packets received',
                    'ping summary', timeout=STEP_DEADLINE)
        if m.group(1) != m.group(2) or m.group(2) == '0':
            raise Failure('ping 10.0.2.2: %s sent, %s received' % m.groups())
        return 'ping 10.0.2.2: %s/%s' % (m.group(2), m.group(1))
    check('ping 10.0.2.2', ping)


def migrate(a, uri, timeout=60):
    """Migrate A to @uri; wait until A reports completion."""
    a.command('migrate', uri=uri)
    deadline = time.monotonic() + timeout
    while True:
        st = a.command('query-migrate')
        status = st.get('status')
        if status == 'completed':
            return st
        if status in ('failed', 'cancelled'):
            raise Failure('migration %s: %s' % (status, st.get('error-desc', '')))
        if time.monotonic() > deadline:
            raise Failure('migration still %s after %d s' % (status, timeout))
        time.sleep(0.2)


def wait_running(b, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        st = b.command('query-status')
        if st.get('status') == 'running':
            return
        if time.monotonic() > deadline:
            raise Failure('B is %s, not running, after migration' % st.get('status'))
        time.sleep(0.2)


def hmp(g, cmd):
    """An HMP command's output over QMP, or the error, as text"""
    try:
        return g.command('human-monitor-command', **{'command-line': cmd})
    except (Failure, OSError, ValueError) as e:
        return 'error: %s\n' % e


def debug_dump(g, path):
    """HMP views of a stuck guest's CPU and interrupt state, into @path."""
    with open(path, 'w') as f:
        for cmd in DEBUG_HMP:
            f.write('(qemu) %s\n%s' % (cmd, hmp(g, cmd)))


DEBUG_HMP = ['info status', 'info registers', 'info pic', 'x/4i $pc',
             'info registers', 'info irq']


def sanitizer_result(logs):
    """Whether ASan/UBSan reported anything in the QEMUs' outputs @logs."""
    for path in logs:
        try:
            with open(path, errors='replace') as f:
                for line in f:
                    if e2e.SANITIZER_REPORT.search(line):
                        return (False, 'sanitizers', line.strip())
        except OSError:
            pass
    return (True, 'sanitizers', 'no report')


def run(args):
    os.makedirs(e2e.LOGDIR, exist_ok=True)
    tag = 'migrate-%s%s%s%s' % (args.nic, '-secure-' + args.secure if args.secure else '',
                                '-direct' if args.direct else '',
                                '-file' if args.via == 'file' else '')
    base = os.path.join(e2e.LOGDIR, tag)
    paths = {k: base + '.' + k for k in ('a.qmp', 'b.qmp', 'sock', 'file')}
    for p in paths.values():
        if os.path.exists(p):
            os.unlink(p)
    results = []
    a = b = None
    start = time.monotonic()
    try:
        a = Guest('A', qemu_command(args, paths['a.qmp']), base + '.a.log',
                  paths['a.qmp'])
        a.expect(r'XNET: shell ok', BOOT_DEADLINE, 'shell')
        a.expect(r'# ', BOOT_DEADLINE, 'prompt', partial=True)
        m = a.shell('udhcpc -i eth0 -q -n -t 10 -T 3 -s /etc/xnet/udhcpc.script '
                    '>/dev/null 2>&1; cat /run/xnet/lease',
                    r'^ip=(\S+) ', 'DHCP lease', timeout=60)
        results.append((m.group(1) == '10.0.2.15', 'A DHCP lease', m.group(0)))
        check_alive(a, results, 'A')
        # A is migrated while running: live to B waiting on a socket, or
        # into a file that B loads once A has gone.
        if args.via == 'file':
            incoming = 'exec:cat ' + paths['file']
            uri = 'exec:cat > ' + paths['file']
        else:
            incoming = uri = 'unix:' + paths['sock']
            b = Guest('B', qemu_command(args, paths['b.qmp'], incoming),
                      base + '.b.log', paths['b.qmp'])
            b.connect_qmp()
        a.connect_qmp()
        t0 = time.monotonic()
        st = migrate(a, uri)
        results.append((True, 'migration completed',
                        '%.1f s, %d ms downtime' % (time.monotonic() - t0,
                                                    st.get('downtime', -1))))
        a.command('quit')
        a.stop()
        if args.via == 'file':
            b = Guest('B', qemu_command(args, paths['b.qmp'], incoming),
                      base + '.b.log', paths['b.qmp'])
            b.connect_qmp()
        wait_running(b)
        check_alive(b, results, 'B')
    except Failure as e:
        if not results or results[-1][0]:
            results.append((False, 'run', str(e)))
        if args.debug and b and b.qmp:
            debug_dump(b, base + '.b.debug')
    finally:
        for g in (a, b):
            if g:
                g.stop()
        if os.path.exists(paths['file']):
            os.unlink(paths['file'])
    return results, time.monotonic() - start, base


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--nic', default='lan9118', choices=sorted(DIRECT_MODEL))
    ap.add_argument('--secure', choices=('on', 'off'),
                    help="the board's secure= property (default: the board's)")
    ap.add_argument('--via', choices=('socket', 'file'), default='socket',
                    help='live to B on a unix socket (default), or into a '
                    'file (exec:cat) that B loads after A has quit')
    ap.add_argument('--direct', action='store_true',
                    help='NIC straight on slirp (for pristine upstream)')
    ap.add_argument('--qemu-dir', default=os.path.join(ROOT, 'build', 'obj'))
    ap.add_argument('--tap', action='store_true')
    ap.add_argument('--sanitized', action='store_true',
                    help='QEMU is built with ASan/UBSan: slower deadlines, and '
                    'one more result, whether either QEMU reported anything')
    ap.add_argument('--debug', action='store_true',
                    help='on failure, dump HMP views of B into its .b.debug')
    args = ap.parse_args()
    args.qemu_dir = os.path.abspath(args.qemu_dir)
    e2e.enter_private_netns()
    if args.sanitized:
        global SLOWDOWN
        SLOWDOWN = 3
    results, secs, base = run(args)
    if args.sanitized:
        results.append(sanitizer_result([base + '.a.log', base + '.b.log']))
    name = 'migrate %s%s%s' % (args.nic, ' secure=' + args.secure if args.secure else '',
                               ' via file' if args.via == 'file' else '')
    for i, (ok, label, detail) in enumerate(results, 1):
        if args.tap:
            print('%s %d - %s: %s (%s)' % ('ok' if ok else 'not ok', i, name,
                                          label, detail))
        else:
            print('%-4s %s: %s' % ('ok' if ok else 'FAIL', label, detail))
    if args.tap:
        print('1..%d' % len(results))
    print('# %s: %.1f s, logs %s.{a,b}.log' % (name, secs,
                                               os.path.relpath(base, ROOT)))
    return 0 if results and all(r[0] for r in results) else 1


if __name__ == '__main__':
    sys.exit(main())
