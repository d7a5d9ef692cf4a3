#!/usr/bin/env python3
#
# qemu-xnet guest runs: boot a Debian guest on one NIC model, let it run
# ifconfig, DHCP, ping, wget and iperf3 against servers on the host's
# loopback (reached through slirp as 10.0.2.2), and report the results.
#
# Copyright (c) 2026 The qemu-xnet authors
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Used by 'make demo' (progress, the guest's own output and a table),
# 'make check' (--tap: one TAP result per step) and 'make bench' (--json).
# For the LAN9118, the demo first runs the card's command itself,
# "qemu-system-arm -M vexpress -netdev user" plus what the guest needs to
# boot, straight on slirp; then every NIC runs behind a netswitch.  Everything runs in a private network
# namespace whose only interface is loopback: the guest can reach nothing
# but the host servers here (10.0.2.2), slirp's DNS (10.0.2.3) and itself.
#
# The guest's /init (xnet/guest/init) prints "XNET: <step> ok|fail k=v"
# lines on the serial console; every wait here has a deadline.

import argparse
import hashlib
import http.server
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GUEST = os.path.join(ROOT, 'build', 'guest')
LOGDIR = os.path.join(ROOT, 'build', 'e2e-logs')
DATA_MIB = 4

# x86_64 guests run under TCG unless XNET_X86_ACCEL=kvm.  On this machine
# kind /dev/kvm is kvm-pvm (software virtualization inside a Firecracker
# guest, no VMX): it refuses QEMU's MSR_IA32_ARCH_CAPABILITIES write with
# -cpu host or max, and with -arch-capabilities SeaBIOS and the boot loader
# run but the kernel's decompressor crawls (measured 2026-11-22: about
# 90 KiB/s, no kernel message within 300 s), so KVM is opt-in.
# QEMU's +ds source has no firmware: build/firmware holds Debian's builds
# of it (xnet/fetch-firmware.sh, which build-image.sh amd64 runs).
X86_ACCEL = (['-accel', 'kvm', '-cpu', 'host,-arch-capabilities']
             if os.environ.get('XNET_X86_ACCEL') == 'kvm'
             else ['-accel', 'tcg'])

# NIC model -> (QEMU binary, machine arguments, NIC arguments, xnet.nic, console)
BOARDS = {
    'lan9118': ('qemu-system-arm',
                ['-M', 'vexpress-a9', '-m', '256',
                 '-dtb', '{g}/armhf/vexpress-v2p-ca9.dtb'],
                ['-nic', 'swport,id=nic0,switch=sw0,model=lan9118'],
                'lan9118', 'ttyAMA0'),
    'smc91c111': ('qemu-system-arm',
                  ['-M', 'realview-eb', '-cpu', 'cortex-a8', '-m', '256',
                   '-dtb', '{g}/armhf/realview-eb-smc91c111.dtb'],
                  ['-nic', 'swport,id=nic0,switch=sw0,model=smc91c111'],
                  'smc91c111', 'ttyAMA0'),
    'virtio': ('qemu-system-arm',
               ['-M', 'vexpress-a9', '-m', '256',
                '-dtb', '{g}/armhf/vexpress-v2p-ca9.dtb'],
               ['-netdev', 'swport,id=nic0,switch=sw0',
                '-device', 'virtio-net-device,netdev=nic0'],
               'virtio-mmio', 'ttyAMA0'),
    'virtio-legacy': ('qemu-system-arm',
                      ['-M', 'vexpress-a9', '-m', '256',
                       '-dtb', '{g}/armhf/vexpress-v2p-ca9.dtb'],
                      ['-netdev', 'swport,id=nic0,switch=sw0',
                       '-device', 'virtio-net-legacy-device,netdev=nic0'],
                      'virtio-mmio', 'ttyAMA0'),
}
# build-image.sh amd64 fetches the PC firmware into build/firmware
BOARDS['virtio-legacy-pci'] = (
    'qemu-system-x86_64',
    ['-M', 'q35', '-m', '512', '-L', os.path.join(ROOT, 'build', 'firmware')] + X86_ACCEL,
    ['-netdev', 'swport,id=nic0,switch=sw0',
     '-device', 'virtio-net-legacy-pci,netdev=nic0'],
    'virtio-pci', 'ttyS0')
# Upstream's virtio-net-pci in legacy mode on the same guest (for make bench)
BOARDS['virtio-pci'] = (
    'qemu-system-x86_64', BOARDS['virtio-legacy-pci'][1],
    ['-netdev', 'swport,id=nic0,switch=sw0',
     '-device', 'virtio-net-pci,netdev=nic0,disable-modern=on,disable-legacy=off'],
    'virtio-pci', 'ttyS0')
# Upstream's PCIe NICs that speak virtio-net headers with a peer that has
# them (qemu_has_vnet_hdr(): the swport does), on the same x86_64 guest:
# e1000e (82574L) and igb (82576), each on its own swport
for _model in ('e1000e', 'igb'):
    BOARDS[_model] = (
        'qemu-system-x86_64', BOARDS['virtio-legacy-pci'][1],
        ['-netdev', 'swport,id=nic0,switch=sw0',
         '-device', '%s,netdev=nic0' % _model],
        _model, 'ttyS0')

# Every offload property of virtio-net-legacy switched off (the device's
# csum, guest_csum, host_tso4 ... properties): the guest's driver must then
# turn the features off as well
NO_OFFLOAD_PROPS = ','.join(p + '=off' for p in (
    'csum', 'guest_csum', 'host_tso4', 'host_tso6', 'host_ecn',
    'guest_tso4', 'guest_tso6', 'guest_ecn'))


def without_offloads(board):
    binary, machine, nic_args, xnic, console = board
    nic_args = [a + ',' + NO_OFFLOAD_PROPS
                if a.startswith('virtio-net-legacy') else a
                for a in nic_args]
    return (binary, machine, nic_args, xnic, console)


for _nic in ('virtio-legacy', 'virtio-legacy-pci'):
    BOARDS[_nic + '-nooffload'] = without_offloads(BOARDS[_nic])

# What the guest's 'ethtool -k' must show (xnet/guest/init's step offloads,
# keys with _ for -) on the NICs whose offloads we promise: with CSUM and
# HOST_TSO4/6/ECN negotiated the guest sends partial checksums and TCP
# super-frames (tx-checksumming, tx-tcp*-segmentation), with GUEST_TSO4/6
# it takes super-frames (rx-gro-hw); with the properties off, none of it.
# Not rx-checksumming: Linux 6.1's virtio_net turns it on without
# GUEST_CSUM too (seen 2026-12-07 with guest features 0x38af8020).
OFFLOADS_ON = {
    'tx_checksumming': 'on', 'tcp_segmentation_offload': 'on',
    'tx_tcp_segmentation': 'on', 'tx_tcp6_segmentation': 'on',
    'tx_tcp_ecn_segmentation': 'on', 'rx_gro_hw': 'on',
}
OFFLOADS_OFF = dict.fromkeys(OFFLOADS_ON, 'off')
# e1000e and igb: their Linux drivers turn on checksum offload and TSO
OFFLOADS_INTEL = {'tx_checksumming': 'on', 'tcp_segmentation_offload': 'on'}
OFFLOAD_EXPECT = {
    'virtio-legacy': OFFLOADS_ON,
    'virtio-legacy-pci': OFFLOADS_ON,
    'virtio-legacy-nooffload': OFFLOADS_OFF,
    'virtio-legacy-pci-nooffload': OFFLOADS_OFF,
    'e1000e': OFFLOADS_INTEL,
    'igb': OFFLOADS_INTEL,
}
# NICs whose guest's TSO frames must reach the switch whole, with a GSO
# header, when the guest sends bulk data (iperf3): the switch then cuts
# them for slirp (gso-segmented), as a NIC that segments itself or sends
# no header would not make it do
TSO_TO_SWITCH = ('e1000e', 'igb')

# --nic all: our models, and upstream's virtio-net-device on our switch
ALL_NICS = ['lan9118', 'smc91c111', 'virtio', 'virtio-legacy',
            'virtio-legacy-nooffload', 'virtio-legacy-pci',
            'virtio-legacy-pci-nooffload']
# --nic upstream: upstream's NICs with virtio-net headers on a swport
UPSTREAM_NICS = ['e1000e', 'igb']
ARCH = {'qemu-system-arm': 'armhf', 'qemu-system-x86_64': 'amd64'}

STEP_DEADLINE = {'boot': 120, 'ifconfig': 30, 'dhcp': 60, 'ping': 60,
                 'wget': 120, 'iperf3': 120, 'done': 60}


# What ASan and UBSan print when they find something in QEMU.
SANITIZER_REPORT = re.compile(r'ERROR: AddressSanitizer|runtime error:|'
                              r'ERROR: LeakSanitizer|SUMMARY: UndefinedBehavior')


def log(msg):
    print('e2e: ' + msg, flush=True)


def enter_private_netns(marker='XNET_IN_NETNS', who='e2e'):
    """Re-run this program in a new network namespace with only loopback.

    The network rule: whatever starts slirp or a guest never reaches a real
    interface.  Returns only inside the namespace.  A script that makes
    interfaces of its own (veth, tap, vxlan) passes a @marker of its own,
    so that it gets a namespace of its own even inside run-tests.py's and
    nothing it makes outlives it.
    """
    if os.environ.get(marker) == '1':
        subprocess.run(['ip', 'link', 'set', 'lo', 'up'], check=True)
        links = subprocess.run(['ip', '-o', 'link', 'show'], check=True,
                               capture_output=True, text=True).stdout
        names = [l.split(': ')[1].split('@')[0] for l in links.splitlines()]
        if names != ['lo']:
            sys.exit('%s: refusing to run: interfaces %s' % (who, names))
        return
    env = dict(os.environ, **{marker: '1'})
    cmd = ['unshare', '--net']
    if os.geteuid() != 0:
        cmd.append('--map-root-user')
    os.execvpe(cmd[0], cmd + ['--', sys.executable] + sys.argv, env)


def build_image(arch):
    subprocess.run([os.path.join(ROOT, 'xnet', 'guest', 'build-image.sh'), arch],
                   check=True)


def test_data():
    """Deterministic, incompressible-looking data for wget."""
    out = bytearray()
    block = b'qemu-xnet'
    while len(out) < DATA_MIB << 20:
        block = hashlib.sha256(block).digest()
        out += block
    return bytes(out[:DATA_MIB << 20])


class Servers:
    """An HTTP server and an iperf3 server on 127.0.0.1 (slirp's 10.0.2.2),
    or on @host."""

    def __init__(self, host='127.0.0.1'):
        data = test_data()
        self.md5 = hashlib.md5(data).hexdigest()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path != '/data.bin':
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer((host, 0), Handler)
        self.http_port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.iperf_port = free_port()
        self.iperf = None
        if shutil.which('iperf3'):
            self.iperf = subprocess.Popen(
                ['iperf3', '-s', '-B', host, '-p', str(self.iperf_port)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def close(self):
        self.httpd.shutdown()
        if self.iperf:
            self.iperf.kill()
            self.iperf.wait()


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def direct_nic_args(nic_args):
    """The same NIC straight on slirp, for upstream QEMU (no netswitch)."""
    out = []
    for a in nic_args:
        if a.startswith('swport,'):
            a = a.replace('swport,', 'user,', 1).replace(',switch=sw0', '')
            a += ',net=10.0.2.0/24,dhcpstart=10.0.2.15'
        out.append(a)
    return out


def qmp_command(path, command, timeout=10):
    """Run one QMP command on QEMU's socket @path; its 'return', or None."""
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(timeout)
            s.connect(path)
            f = s.makefile('rw')
            json.loads(f.readline())                    # the greeting
            for cmd in ('qmp_capabilities', command):
                f.write(json.dumps({'execute': cmd}) + '\n')
                f.flush()
                while True:
                    reply = json.loads(f.readline())
                    if 'return' in reply or 'error' in reply:
                        break                           # skip events
            return reply.get('return')
    except (OSError, ValueError):
        return None


def switch_drops(qmp_path):
    """The netswitch's drop counters summed over its ports, by reason."""
    switches = qmp_command(qmp_path, 'query-netswitch')
    if not switches:
        return None
    total = {}
    for sw in switches:
        for port in sw['ports']:
            for reason, n in port['drops'].items():
                total[reason] = total.get(reason, 0) + n
    total['drops'] = sum(total.values())
    # What became of the guest's TCP super-frames (segmentation offload)
    for key in ('gso-whole', 'gso-segmented', 'gso-segments'):
        total[key] = sum(port.get(key, 0) for sw in switches
                         for port in sw['ports'])
    return total


def shaped(args, rate):
    """@args with the guest's swport (id=nic0) shaped to @rate bit/s."""
    return [a + ',rate=%d' % rate if a.startswith('swport,id=nic0,') else a
            for a in args]


def qemu_command(nic, qemu_dir, append, direct=False, qmp_path=None,
                 shape=None):
    binary, machine, nic_args, xnic, console = BOARDS[nic]
    arch = ARCH[binary]
    # XNET_GRO=off: no receive coalescing at the guest's switch port
    if os.environ.get('XNET_GRO') in ('on', 'off'):
        nic_args = [a + ',gro=' + os.environ['XNET_GRO']
                    if a.startswith('swport,id=nic0,') else a
                    for a in nic_args]
    g = GUEST
    if direct:
        network = direct_nic_args(nic_args)
    else:
        # shape: both ways, the guest's port (what it receives) and the
        # uplink (what it sends)
        up = 'swport,id=up,switch=sw0,netdev=wan' + (
            ',rate=%d' % shape if shape else '')
        network = ['-object', 'netswitch,id=sw0,policy=bridge',
                   '-netdev', 'user,id=wan,net=10.0.2.0/24,dhcpstart=10.0.2.15',
                   '-netdev', up] + (shaped(nic_args, shape) if shape
                                     else nic_args)
    return ([os.path.join(qemu_dir, binary)] +
            [a.format(g=g) for a in machine] +
            ['-kernel', '%s/%s/vmlinuz' % (g, arch),
             '-initrd', '%s/%s/initrd.gz' % (g, arch),
             '-append', append] + network +
            ['-display', 'none', '-monitor', 'none', '-serial', 'stdio',
             '-no-reboot'] +
            (['-qmp', 'unix:%s,server=on,wait=off' % qmp_path] if qmp_path else []))


# make demo's shaped run: the lan9118 behind ports shaped to 10 Mbit/s
DEMO_SHAPE = 10 * 1000 * 1000

# The card's command: the board's default NIC on an id-less -netdev.  The
# guest needs -kernel, -initrd, -dtb and -append; -nographic puts its
# console on QEMU's stdout, where the runner reads it.
CARD = ['-M', 'vexpress', '-netdev', 'user']


def guest_append(nic, servers, steps, iperf_time, iperf_dir, ping_count=None):
    console, xnic = BOARDS[nic][4], BOARDS[nic][3]
    append = ['console=' + console, 'xnet.nic=' + xnic,
              'xnet.steps=' + ','.join(steps),
              'xnet.http=10.0.2.2:%d/data.bin' % servers.http_port,
              'xnet.md5=' + servers.md5,
              'xnet.iperf=10.0.2.2:%d' % servers.iperf_port,
              'xnet.iperf_time=%d' % iperf_time,
              'xnet.iperf_dir=' + iperf_dir]
    if ping_count:
        append.append('xnet.ping_count=%d' % ping_count)
    return ' '.join(append)


def card_command(qemu_dir, append):
    g = os.path.join(GUEST, 'armhf')
    return ([os.path.join(qemu_dir, 'qemu-system-arm')] + CARD +
            ['-kernel', g + '/vmlinuz', '-initrd', g + '/initrd.gz',
             '-dtb', g + '/vexpress-v2p-ca9.dtb', '-append', append,
             '-nographic'])


def parse_kv(text):
    return dict(re.findall(r'(\w+)=(\S+)', text))


def run_guest(nic, qemu_dir, steps, iperf_time, progress=None, direct=False,
              iperf_dir='both', card=False, guest_out=None, ping_count=None,
              shape=None):
    """Boot, collect XNET lines; returns (results, log path, wall seconds).

    card: run the card's command (CARD) instead of BOARDS[nic]'s network.
    shape: shape the guest's switch ports both ways to this many bit/s.
    progress: a Progress that shows the steps as they run, or None.
    guest_out: a list that receives the guest's own output, as
    (tag, line) from its "xnet-out TAG: line" lines.
    """
    servers = Servers()
    if 'iperf' in steps and not servers.iperf:
        steps = [s for s in steps if s != 'iperf']
    os.makedirs(LOGDIR, exist_ok=True)
    run_name = nic + ('-card' if card else '') + (
        '-shaped' if shape else '')
    qmp_path = os.path.join(LOGDIR, run_name + '.qmp')
    if os.path.exists(qmp_path):
        os.unlink(qmp_path)
    append = guest_append(nic, servers, steps, iperf_time, iperf_dir,
                          ping_count)
    if card:
        cmd = card_command(qemu_dir, append)
    else:
        cmd = qemu_command(nic, qemu_dir, append, direct, qmp_path, shape)
    # From the top of the tree, so that the command shown is the one run
    cmd = [a.replace(ROOT + '/', '') for a in cmd]
    logpath = os.path.join(LOGDIR, run_name + '.log')
    if progress:
        progress.command(cmd, append, os.path.relpath(logpath, ROOT))
    results = {}
    start = time.monotonic()
    with open(logpath, 'w') as logf:
        logf.write(' '.join(cmd) + '\n')
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, cwd=ROOT,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        lines = []
        reader = threading.Thread(target=lambda: lines.extend(
            iter_lines(proc.stdout, logf)), daemon=True)
        reader.start()
        if progress:
            progress.start(steps, start)
        seen = 0
        step = 'boot'
        deadline = start + STEP_DEADLINE['boot']
        while True:
            now = time.monotonic()
            if progress:
                progress.tick(now)
            if now > deadline:
                results[step] = ('fail', {'why': 'timed out'})
                break
            if seen < len(lines):
                line = lines[seen]
                seen += 1
                out = re.match(r'.*xnet-out ([\w-]+): ?(.*)', line)
                if out and guest_out is not None:
                    guest_out.append((out.group(1), out.group(2)))
                m = re.match(r'.*XNET: (\S+) ?(ok|fail)?(.*)', line)
                if not m:
                    continue
                name, verdict, rest = m.group(1), m.group(2), m.group(3)
                kv = parse_kv(rest)
                if name == 'lease':
                    results['lease'] = ('ok', {'ip': rest.split()[0]})
                    kv['t'] = '%.1f' % (time.monotonic() - start)
                    results['lease'][1]['t'] = kv['t']
                if verdict:
                    results[name] = (verdict, kv)
                if progress:
                    progress.event(name, verdict, kv, time.monotonic())
                if name == 'done':
                    drops = switch_drops(qmp_path)
                    if drops is not None:
                        # every header the device sent was a good one
                        results['switch'] = (
                            'fail' if drops.get('bad-offload') else 'ok',
                            drops)
                        if drops['gso-whole'] or drops['gso-segmented']:
                            print('# netswitch: %d super-frames passed whole, '
                                  '%d segmented into %d frames' %
                                  (drops['gso-whole'], drops['gso-segmented'],
                                   drops['gso-segments']), flush=True)
                    break
                step = name
                deadline = time.monotonic() + max(STEP_DEADLINE.values()) + iperf_time * 2
                continue
            if proc.poll() is not None and not reader.is_alive():
                results.setdefault(step, ('fail', {'why': 'QEMU exited %d' % proc.returncode}))
                break
            time.sleep(0.05)
        if progress:
            progress.stop(time.monotonic(), results.get(step))
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        reader.join(5)
    servers.close()
    report = next((l for l in lines if SANITIZER_REPORT.search(l)), None)
    results['sanitizers'] = ('fail', {'why': report}) if report else ('ok', {})
    return results, logpath, time.monotonic() - start


def iter_lines(stream, logf):
    for raw in stream:
        line = raw.decode(errors='replace').rstrip('\r\n')
        logf.write(line + '\n')
        logf.flush()
        yield line


STEPS = ['ifconfig', 'dhcp', 'ping', 'wget', 'iperf']


def steps_for(nic, steps):
    """The guest's steps for @nic: ethtool's view of its offloads after
    ifconfig, for a NIC whose offloads are checked."""
    if nic not in OFFLOAD_EXPECT or 'offloads' in steps:
        return steps
    i = steps.index('ifconfig') + 1 if 'ifconfig' in steps else 0
    return steps[:i] + ['offloads'] + steps[i:]


def result_problem(nic, step, results, bulk_tx=False):
    """What is wrong with @step's result of a run on @nic, or None.

    dhcp must lease 10.0.2.15; offloads must show OFFLOAD_EXPECT[nic];
    switch: no frame dropped for a bad virtio-net header (bad-offload),
    and, after the guest sent bulk data (@bulk_tx), super-frames from a
    TSO_TO_SWITCH NIC.
    """
    verdict, kv = results.get(step, ('fail', {'why': 'no result'}))
    if step == 'switch' and 'bad-offload' in kv:
        if verdict != 'ok':
            return 'bad-offload drops: %d' % kv['bad-offload']
        if bulk_tx and nic in TSO_TO_SWITCH and not kv.get('gso-segmented'):
            return 'no TSO super-frame reached the switch'
        return None
    if verdict != 'ok':
        return kv.get('why', 'failed')
    if step == 'dhcp':
        ip = results.get('lease', ('', {}))[1].get('ip')
        return None if ip == '10.0.2.15' else 'leased %s' % ip
    if step == 'offloads':
        wrong = ['%s=%s (want %s)' % (k, kv.get(k, 'none'), v)
                 for k, v in sorted(OFFLOAD_EXPECT[nic].items())
                 if kv.get(k) != v]
        return ', '.join(wrong) or None
    return None


WIDTH = 80      # the demo's lines stay shorter than this (a terminal's)


def wrap_words(words, first, indent, sep=' \\'):
    """Lines of @words after @first, then after @indent, each shorter than
    WIDTH with @sep at the end of all but the last."""
    lines, cur = [], first
    for i, w in enumerate(words):
        end = sep if i + 1 < len(words) else ''
        if cur != first and len(cur) + 1 + len(w) + len(end) >= WIDTH:
            lines.append(cur + sep)
            cur = indent + w
        else:
            cur = cur + ('' if cur == first else ' ') + w
    return lines + [cur]


def command_words(cmd):
    """The words of a command for wrapping: an option with its value."""
    words = []
    for a in cmd:
        if words and words[-1].startswith('-') and ' ' not in words[-1] and \
                not a.startswith('-'):
            words[-1] += ' ' + a
        else:
            words.append(a)
    return words


class Progress:
    """The demo's view of a run: one line per step, with elapsed seconds.

    Steps, each ended by the guest's verdict line: boot (QEMU start to the
    NIC being up: "ifconfig"), lease ("dhcp"), ping, wget, iperf3.  On a
    terminal the running step's line counts its seconds in place; otherwise
    it is printed when the step starts and every TICK seconds after.
    """
    TICK = 10
    ORDER = [('boot', 'ifconfig', 'ifconfig'), ('lease', 'dhcp', 'dhcp'),
             ('ping', 'ping', 'ping'), ('wget', 'wget', 'wget'),
             ('iperf3', 'iperf', 'iperf3')]

    def __init__(self, out=sys.stdout):
        self.out = out
        self.tty = out.isatty()
        self.todo = []
        self.kv = {}

    def say(self, text):
        self.out.write(text + '\n')
        self.out.flush()

    def command(self, cmd, append, logpath):
        shown = ['"$APPEND"' if a == append else shlex.quote(a) for a in cmd]
        for line in wrap_words(command_words(shown), '  ', '      '):
            self.say(line)
        self.say("  where APPEND is the guest's kernel command line:")
        for line in wrap_words(append.split(), '      ', '      ', sep=''):
            self.say(line)
        self.say('  serial log: ' + logpath)

    def start(self, steps, now):
        # (label, guest step, name of the guest's verdict line)
        self.todo = [o for o in self.ORDER
                     if o[1] in steps or o[0] == 'boot']
        self.begin(now)

    def begin(self, now):
        self.t0 = self.last = now
        if self.todo and not self.tty:
            self.say('  %-7s ... %3d s' % (self.todo[0][0], 0))
        self.tick(now)

    def tick(self, now):
        if not self.todo:
            return
        secs = int(now - self.t0)
        if self.tty:
            if now - self.last >= 1 or now == self.t0:
                self.out.write('\r  %-7s ... %3d s' % (self.todo[0][0], secs))
                self.out.flush()
                self.last = now
        elif now - self.last >= self.TICK:
            self.say('  %-7s ... %3d s' % (self.todo[0][0], secs))
            self.last = now

    def event(self, name, verdict, kv, now):
        self.kv[name] = kv
        if not self.todo or not verdict:
            return
        label, _, line = self.todo[0]
        if name != line:
            return
        self.finish(verdict, self.detail(label, verdict, kv), now)

    def finish(self, verdict, detail, now):
        label = self.todo.pop(0)[0]
        text = '  %-7s %-4s %5.1f s  %s' % (label, verdict, now - self.t0,
                                            detail)
        if len(text) >= WIDTH:
            text = text[:WIDTH - 4] + '...'
        self.say(('\r' + text.ljust(22)) if self.tty else text)
        self.begin(now)

    def stop(self, now, why):
        """The run ended: a step still running failed (@why)."""
        if self.todo:
            self.finish('FAIL', (why or ('', {}))[1].get('why', 'no verdict'),
                        now)
            while self.todo:
                self.todo.pop(0)

    def detail(self, label, verdict, kv):
        if verdict != 'ok':
            return ' '.join('%s=%s' % i for i in kv.items())
        boot = self.kv.get('boot', {})
        if label == 'boot':
            return 'Linux %s, %s %s, carrier %s' % (
                boot.get('kernel', '?'), kv.get('if'), kv.get('mac'),
                kv.get('carrier'))
        if label == 'lease':
            return '%s, router %s, DNS %s' % (kv.get('ip'), kv.get('router'),
                                              kv.get('dns'))
        if label == 'ping':
            return '%s/%s replies from %s, avg %s ms' % (
                kv.get('recv'), kv.get('sent'), kv.get('host'),
                kv.get('rtt_avg'))
        if label == 'wget':
            return '%d KiB at %s KiB/s, md5 ok' % (
                int(kv.get('bytes', 0)) // 1024, kv.get('kib_s'))
        return 'guest->host %s, host->guest %s Mbit/s' % (
            kv.get('tx_mbps'), kv.get('rx_mbps'))


def print_guest_output(out, indent='    '):
    """The guest's own output (ping, iperf3 summaries, ifconfig), by tag.

    A line too wide for WIDTH columns loses padding: first iperf3's before
    its last column, then runs of spaces.
    """
    out = [(tag, line.rstrip()) for tag, line in out]
    # without the blank lines that end a command's output
    out = [o for i, o in enumerate(out)
           if o[1] or (i + 1 < len(out) and out[i + 1][0] == o[0])]
    print("  the guest's own output:")
    for tag, line in out:
        if len(indent) + len(line) >= WIDTH:
            # iperf3 pads its last column ("sender", "receiver") far out
            line = re.sub(r' {3,}(sender|receiver)$', r'  \1', line)
        if len(indent) + len(line) >= WIDTH:
            line = re.sub(r'  +', ' ', line)
        print((indent + line).rstrip())


def summary_row(nic, results):
    def get(step, key, fmt='%s'):
        r = results.get(step)
        if not r or r[0] != 'ok' or key not in r[1]:
            return 'FAIL' if r and r[0] == 'fail' else '-'
        return fmt % r[1][key]
    lease = results.get('lease', ('fail', {}))[1]
    return [nic, lease.get('ip', '-'), lease.get('t', '-'),
            get('ping', 'rtt_avg'), get('wget', 'kib_s'),
            get('iperf3', 'tx_mbps'), get('iperf3', 'rx_mbps')]


def print_table(rows):
    """The summary, two header lines so that it fits 80 columns."""
    head = [['', 'DHCP', 'lease', 'ping', 'wget', 'iperf3 tx', 'iperf3 rx'],
            ['NIC', 'lease', '(s)', 'avg (ms)', '(KiB/s)', '(Mbit/s)',
             '(Mbit/s)']]
    widths = [max(len(str(r[i])) for r in head + rows)
              for i in range(len(head[0]))]
    for r in head + rows:
        print('  '.join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--nic', default='lan9118',
                    help='a NIC of BOARDS (lan9118, smc91c111, virtio-legacy, '
                    'virtio-legacy-pci, e1000e ...), a comma list, all (ours) '
                    'or upstream (e1000e and igb on q35)')
    ap.add_argument('--qemu-dir', default=os.path.join(ROOT, 'build', 'obj'))
    ap.add_argument('--steps', default=','.join(STEPS))
    ap.add_argument('--iperf-time', type=int, default=5)
    ap.add_argument('--iperf-dir', choices=('both', 'tx', 'rx'), default='both',
                    help='iperf3 directions: tx is guest->host, rx host->guest')
    ap.add_argument('--tap', action='store_true', help='TAP output for make check')
    ap.add_argument('--json', action='store_true')
    ap.add_argument('--sanitized', action='store_true',
                    help='QEMU is built with ASan/UBSan: one more result per '
                    'NIC, whether QEMU reported nothing')
    ap.add_argument('--direct', action='store_true',
                    help='NIC straight on slirp, no netswitch (upstream QEMU)')
    ap.add_argument('--shape', type=int, metavar='BITS',
                    help='shape every NIC\'s switch ports (the guest\'s and the '
                    'uplink) to BITS per second; make demo adds a run of the '
                    'lan9118 shaped to 10 Mbit/s')
    ap.add_argument('--no-card', action='store_true',
                    help='leave out the first run, the card\'s command '
                    '(-M vexpress -netdev user), which runs with the lan9118')
    args = ap.parse_args()
    nics = {'all': ALL_NICS, 'upstream': UPSTREAM_NICS}.get(
        args.nic, args.nic.split(','))
    unknown = [n for n in nics if n not in BOARDS]
    if unknown:
        sys.exit('e2e: unknown NIC %s (have: %s)' % (', '.join(unknown), ', '.join(BOARDS)))
    steps = args.steps.split(',')
    if os.environ.get('XNET_IN_NETNS') != '1':
        # apt needs the network: build the images before leaving it
        for arch in sorted({ARCH[BOARDS[n][0]] for n in nics}):
            build_image(arch)
    enter_private_netns()

    # (label, NIC, card?, shape): the card's command first (not in make
    # bench, whose rows compare the netswitch runs with upstream's)
    runs = [(nic, nic, False, args.shape) for nic in nics]
    demo = not args.tap and not args.json
    if not args.json and 'lan9118' in nics and not args.direct and \
            not args.no_card:
        runs.insert(0, ('lan9118 card', 'lan9118', True, None))
    if demo and 'lan9118' in nics and not args.direct and not args.shape:
        runs.append(('lan9118 10M', 'lan9118', False, DEMO_SHAPE))

    rows, failed, tapn, allres = [], 0, 0, {}
    for i, (label, nic, card, shape) in enumerate(runs):
        progress = guest_out = None
        if demo:
            progress, guest_out = Progress(), []
            print()
            log('[%d/%d] %s' % (i + 1, len(runs), card and
                'the card\'s command: the LAN9118 straight on slirp' or
                '%s behind a netswitch (bridge) whose uplink is slirp%s' %
                (nic, shape and ', both shaped to %g Mbit/s' % (shape / 1e6)
                 or '')))
        results, logpath, secs = run_guest(nic, args.qemu_dir,
                                           steps_for(nic, steps),
                                           args.iperf_time, progress,
                                           args.direct, args.iperf_dir,
                                           card=card, guest_out=guest_out,
                                           ping_count=3 if demo else None,
                                           shape=shape)
        if demo:
            print_guest_output(guest_out)
        allres[label if shape else nic] = {k: {'verdict': v[0], **v[1]}
                                           for k, v in results.items()}
        rows.append(summary_row(label, results))
        want = ['ifconfig', 'dhcp'] + [s for s in steps if s in ('ping', 'wget')]
        if nic in OFFLOAD_EXPECT:
            want.append('offloads')
        if 'iperf' in steps:
            want.append('iperf3')
        if not card and not args.direct:
            want.append('switch')
        if args.sanitized:
            want.append('sanitizers')
        for s in want:
            why = result_problem(nic, s, results, bulk_tx=(
                'iperf' in steps and args.iperf_dir != 'rx'))
            failed += why is not None
            tapn += 1
            if args.tap:
                where = os.path.relpath(logpath, ROOT)
                print('%s %d - %s %s%s' % (
                    'not ok' if why else 'ok', tapn, label, s,
                    ' (%s; serial log: %s)' % (why, where) if why else ''))
            elif why and s in ('offloads', 'switch'):
                log('%s %s: %s' % (label, s, why))
    if args.tap:
        print('1..%d' % tapn)
    elif args.json:
        print(json.dumps(allres, indent=1))
    else:
        print()
        print_table(rows)
        if any(r[2] for r in runs):
            print('lan9118 card: -M vexpress -netdev user; the others: '
                  'behind a netswitch.')
        if any(r[3] for r in runs):
            print('10M: the guest\'s port and the uplink shaped to 10 Mbit/s '
                  '(rate=10000000).')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
