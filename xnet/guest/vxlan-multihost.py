#!/usr/bin/env python3
#
# qemu-xnet: guests on three "hosts" joined by VXLAN (make demo-multihost;
# --tap for make check).
#
# Copyright (c) 2026 The qemu-xnet authors
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Three network namespaces play three hosts on one underlay (a Linux
# bridge in this script's own namespace, veth pairs to each host,
# 10.99.0.0/24, MTU 1600 so that 1500-byte guest frames fit with the
# 50 bytes of VXLAN over IPv4):
#
#   host A 10.99.0.1            host B 10.99.0.2           host C 10.99.0.3
#   QEMU: guest A               Linux: vx0 (VNI 42)        QEMU: guest C
#   192.168.99.11               in br0, 192.168.99.2       192.168.99.13
#   on netswitch sw0,                                      on netswitch sw0,
#   uplink vxlan to B and C                                uplink vxlan to A, B
#
# Guest A pings host B's Linux bridge address (tshark decodes a capture of
# host B's wire: VXLAN, the VNI, the echo requests and replies inside) and
# serves iperf3; guest C pings guest A and runs iperf3 against it.  Then
# the VTEPs' counters: guest-to-guest unicast must have gone from QEMU to
# QEMU only, once learnt (host B's vxlan device saw little of it), and
# broadcast must have reached every VTEP (host B learnt both guests' MAC
# addresses).
#
# Network rule: every address is private to the namespaces made here.

import argparse
import importlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402
two_guests = importlib.import_module('two-guests')
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
interop = importlib.import_module('vxlan-interop')   # Capture, vxlan_decode

VNI = 42
MTU = 1600
DEADLINE = 300
HOSTS = {'a': '10.99.0.1', 'b': '10.99.0.2', 'c': '10.99.0.3'}
GUESTS = {'a': ('192.168.99.11', '52:54:00:99:01:0a'),
          'c': ('192.168.99.13', '52:54:00:99:01:0c')}
LINUX_BR = '192.168.99.2'


def run(cmd, ns_pid=None):
    if ns_pid:
        cmd = ['nsenter', '-t', str(ns_pid), '-n'] + cmd
    return subprocess.run(cmd, check=True, capture_output=True, text=True)


def enter_own_netns():
    """A network namespace of this script's own, loopback only."""
    e2e.enter_private_netns('XNET_VXLAN_NETNS', 'vxlan-multihost')


def new_host():
    p = subprocess.Popen(['unshare', '--net', 'sleep', 'infinity'])
    while (os.readlink('/proc/%d/ns/net' % p.pid) ==
           os.readlink('/proc/self/ns/net')):
        pass
    run(['ip', 'link', 'set', 'lo', 'up'], p.pid)
    return p


def setup_underlay(hosts):
    run(['ip', 'link', 'add', 'ul', 'mtu', str(MTU), 'type', 'bridge'])
    run(['ip', 'link', 'set', 'ul', 'up'])
    for name, proc in hosts.items():
        wire, nic = 'ul-' + name, 'eth0'
        run(['ip', 'link', 'add', wire, 'mtu', str(MTU), 'type', 'veth',
             'peer', 'name', 'tmp-' + name, 'mtu', str(MTU)])
        run(['ip', 'link', 'set', wire, 'master', 'ul'])
        run(['ip', 'link', 'set', wire, 'up'])
        run(['ip', 'link', 'set', 'tmp-' + name, 'netns', str(proc.pid)])
        run(['ip', 'link', 'set', 'tmp-' + name, 'name', nic], proc.pid)
        run(['ip', 'addr', 'add', HOSTS[name] + '/24', 'dev', nic], proc.pid)
        run(['ip', 'link', 'set', nic, 'up'], proc.pid)


def setup_linux_vtep(pid):
    """Host B: a Linux vxlan device with both QEMUs as remotes, in a bridge
    with an address (docs/system/vxlan.rst)."""
    run(['ip', 'link', 'add', 'vx0', 'type', 'vxlan', 'id', str(VNI),
         'dstport', '4789', 'local', HOSTS['b'], 'remote', HOSTS['a'],
         'dev', 'eth0'], pid)
    run(['bridge', 'fdb', 'append', '00:00:00:00:00:00', 'dev', 'vx0',
         'dst', HOSTS['c']], pid)
    run(['ip', 'link', 'add', 'br0', 'type', 'bridge'], pid)
    run(['ip', 'link', 'set', 'vx0', 'master', 'br0'], pid)
    run(['ip', 'addr', 'add', LINUX_BR + '/24', 'dev', 'br0'], pid)
    run(['ip', 'link', 'set', 'vx0', 'up'], pid)
    run(['ip', 'link', 'set', 'br0', 'up'], pid)


class HostGuest(two_guests.Guest):
    """A guest whose QEMU runs in a host's namespace, on a netswitch with
    a vxlan uplink; QMP on a socket QEMU connects to."""

    def __init__(self, name, nic, qemu_dir, ns_pid, append, tmp):
        binary, machine, nic_args, xnic, console = e2e.BOARDS[nic]
        ip, mac = GUESTS[name]
        nic_args = two_guests.with_mac(nic_args, mac)
        remotes = [HOSTS[h] for h in sorted(HOSTS) if h != name]
        g = os.path.join(e2e.GUEST, e2e.ARCH[binary])
        self.qmp_path = os.path.join(tmp, 'qmp-%s.sock' % name)
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.qmp_path)
        self.listener.listen(1)
        self.cmd = (['nsenter', '-t', str(ns_pid), '-n',
                     os.path.join(qemu_dir, binary)] +
                    [a.format(g=e2e.GUEST) for a in machine] +
                    ['-kernel', g + '/vmlinuz', '-initrd', g + '/initrd.gz',
                     '-append', ' '.join(['console=' + console,
                                          'xnet.nic=' + xnic,
                                          'xnet.ip=%s/24' % ip] + append),
                     '-object', 'netswitch,id=sw0,policy=bridge',
                     '-netdev', 'vxlan,id=vx0,local=%s,%s,vni=%d'
                     % (HOSTS[name], ','.join('remote=' + r for r in remotes),
                        VNI),
                     '-netdev', 'swport,id=up,switch=sw0,netdev=vx0'] +
                    nic_args +
                    ['-display', 'none', '-monitor', 'none',
                     '-serial', 'stdio', '-no-reboot',
                     '-qmp', 'unix:' + self.qmp_path])
        self.start(os.path.join(e2e.LOGDIR, 'vxlan-multihost-%s.log'
                                % name))
        self.listener.settimeout(30)
        self.qmp, _ = self.listener.accept()
        self.qmp_file = self.qmp.makefile('rw')
        self.qmp_file.readline()
        self.query('qmp_capabilities')

    def query(self, command, **args):
        self.qmp_file.write(json.dumps({'execute': command,
                                        'arguments': args}) + '\n')
        self.qmp_file.flush()
        while True:
            r = json.loads(self.qmp_file.readline())
            if 'return' in r or 'error' in r:
                return r.get('return')

    def steps(self, deadline):
        """Every 'XNET: step ok|fail' until 'XNET: done' (or @deadline)."""
        results = {}
        while True:
            line = self.wait_for(r'XNET: \S+ (ok|fail)|XNET: done', deadline)
            if not line:
                return results, False
            m = re.search(r'XNET: (\S+) ?(ok|fail)?(.*)', line)
            if m.group(1) == 'done':
                return results, m.group(3).strip() == 'rc=0'
            results[m.group(1)] = (m.group(2), e2e.parse_kv(m.group(3)))
            e2e.log('guest %s: %s %s' % (self.logpath[-5], m.group(1),
                                         m.group(2)))


class Report:
    def __init__(self, tap):
        self.tap = tap
        self.n = 0
        self.failed = 0

    def check(self, ok, name, detail=''):
        self.n += 1
        self.failed += not ok
        if self.tap:
            print('%s %d - %s' % ('ok' if ok else 'not ok', self.n, name))
            if detail:
                print('# ' + detail)
        else:
            print('  [%s] %s%s' % ('ok' if ok else 'FAIL', name,
                                   ('\n        ' + detail) if detail else ''))
        sys.stdout.flush()


def fdb_of(info):
    return {e['mac']: e['remote'] for e in info['fdb']}


def linux_vtep_state(pid):
    link = json.loads(run(['ip', '-s', '-j', 'link', 'show', 'vx0'],
                          pid).stdout)[0]
    fdb = run(['bridge', 'fdb', 'show', 'dev', 'vx0'], pid).stdout
    return link['stats64']['rx']['packets'], link['stats64']['tx']['packets'], fdb


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--nic', default='lan9118', choices=list(e2e.BOARDS))
    ap.add_argument('--qemu-dir', default=os.path.join(e2e.ROOT, 'build', 'obj'))
    ap.add_argument('--iperf-time', type=int, default=5)
    ap.add_argument('--tap', action='store_true')
    args = ap.parse_args()
    # run-tests.py (XNET_IN_NETNS) built the image before leaving the network
    if '1' not in (os.environ.get('XNET_VXLAN_NETNS'),
                   os.environ.get('XNET_IN_NETNS')):
        e2e.build_image(e2e.ARCH[e2e.BOARDS[args.nic][0]])
    enter_own_netns()
    os.makedirs(e2e.LOGDIR, exist_ok=True)
    rep = Report(args.tap)
    tmp = tempfile.mkdtemp(prefix='xnet-vxlan-mh-')
    hosts = {name: new_host() for name in HOSTS}
    guests = {}
    deadline = time.monotonic() + DEADLINE
    try:
        setup_underlay(hosts)
        setup_linux_vtep(hosts['b'].pid)
        # host B's wire: what guest A's ping to host B looks like there
        capture = interop.Capture('ul-b')
        ga, gc = GUESTS['a'][0], GUESTS['c'][0]
        e2e.log('host A: booting guest A (%s)' % ga)
        guests['a'] = HostGuest('a', args.nic, args.qemu_dir, hosts['a'].pid,
                                ['xnet.peer=%s,%s' % (LINUX_BR, gc),
                                 'xnet.ping=' + LINUX_BR,
                                 'xnet.steps=ifconfig,ping,serve,wait',
                                 'xnet.wait=0'], tmp)
        ping_b = guests['a'].wait_for(r'XNET: ping (ok|fail)', deadline)
        rep.check(bool(ping_b) and 'ping ok' in ping_b,
                  'guest A pings host B\'s Linux bridge %s across VXLAN'
                  % LINUX_BR, ping_b or 'no ping result')
        pcap = os.path.join(tmp, 'ul-b.pcap')
        capture.save(pcap)
        rows = interop.vxlan_decode(pcap, 4)
        mac_a = GUESTS['a'][1]
        rep.check(rows and all(r['vni'] == VNI for r in rows) and
                  any(r['src'] == mac_a and r['icmp'] == '8' for r in rows) and
                  any(r['dst'] == mac_a and r['icmp'] == '0' for r in rows),
                  'tshark on host B\'s wire: VXLAN, VNI %d, guest A\'s echo '
                  'requests and host B\'s replies inside' % VNI,
                  '%d datagrams, %d echo requests, %d replies' % (
                      len(rows),
                      sum(r['src'] == mac_a and r['icmp'] == '8' for r in rows),
                      sum(r['dst'] == mac_a and r['icmp'] == '0' for r in rows)))
        served = guests['a'].wait_for(r'XNET: serve (ok|fail)', deadline)
        if not served or 'serve ok' not in served:
            rep.check(False, 'guest A serves iperf3', served or 'timed out')
            return 1
        kv = e2e.parse_kv(served)
        e2e.log('host C: booting guest C (%s)' % gc)
        guests['c'] = HostGuest('c', args.nic, args.qemu_dir, hosts['c'].pid,
                                ['xnet.peer=%s,%s' % (ga, LINUX_BR),
                                 'xnet.ping=' + ga,
                                 'xnet.steps=ifconfig,ping,iperf',
                                 'xnet.iperf=%s:%s' % (ga, kv['iperf3']),
                                 'xnet.iperf_time=%d' % args.iperf_time], tmp)
        results, done_ok = guests['c'].steps(deadline)
        ping = results.get('ping', ('fail', {}))
        iperf = results.get('iperf3', ('fail', {}))
        rep.check(ping[0] == 'ok', 'guest C pings guest A across VXLAN',
                  'rtt avg %s ms' % ping[1].get('rtt_avg', '-'))
        rep.check(iperf[0] == 'ok', 'iperf3 guest C <-> guest A across VXLAN',
                  'C->A %s Mbit/s, A->C %s Mbit/s' % (
                      iperf[1].get('tx_mbps', '-'), iperf[1].get('rx_mbps', '-')))

        info = {n: g.query('query-vxlan', id='vx0')[0]
                for n, g in guests.items()}
        b_rx, b_tx, b_fdb = linux_vtep_state(hosts['b'].pid)
        for n, i in info.items():
            print('  VTEP %s (QEMU, %s): %s\n      drops %s\n      fdb %s' % (
                n.upper(), HOSTS[n], i['counters'], i['drops'], fdb_of(i)))
        print('  VTEP B (Linux vx0, %s): rx %d packets, tx %d packets\n'
              '      fdb %s' % (HOSTS['b'], b_rx, b_tx,
                                b_fdb.strip().replace('\n', '; ')))
        fa, fc = fdb_of(info['a']), fdb_of(info['c'])
        rep.check(fa.get(GUESTS['c'][1]) == HOSTS['c'] + ':4789' and
                  fc.get(GUESTS['a'][1]) == HOSTS['a'] + ':4789',
                  'each QEMU learnt the other guest behind the other QEMU')
        c = info['c']['counters']
        rep.check(c['unicast'] > 1000 and b_rx < c['unicast'] // 10,
                  'guest-to-guest unicast went QEMU to QEMU only: host B '
                  'received %d packets, QEMU C sent %d unicast' % (
                      b_rx, c['unicast']))
        rep.check(all('%s dst %s' % (GUESTS[n][1], HOSTS[n]) in b_fdb
                      for n in GUESTS),
                  'broadcast reached host B: Linux learnt both guests')
        rep.check(not any(v for i in info.values()
                          for v in i['drops'].values()),
                  'no VTEP dropped anything')
    finally:
        for g in guests.values():
            g.stop()
        for p in hosts.values():
            p.kill()
            p.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    if args.tap:
        print('1..%d' % rep.n)
    return 1 if rep.failed else 0


if __name__ == '__main__':
    sys.exit(main())
