#!/usr/bin/env python3
#
# qemu-xnet: the vxlan netdev against the Linux kernel's vxlan driver.
#
# Copyright (c) 2026 The qemu-xnet authors
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Two network namespaces play two hosts joined by a veth pair (the
# underlay, 10.99.0.0/24 and fd99::/64):
#
#   host A (this process's private namespace)   host B (unshare --net)
#   QEMU -M none                                 br0 192.168.99.2/24
#     netswitch sw0 (bridge)                       (fd98::2/64)
#       p0: dgram on 127.0.0.1 <- this script      vx0: Linux vxlan, id N,
#       up: our vxlan netdev  --- va ===== vb ---       dstport 4789
#
# The script plays a station on the inner side of QEMU's switch (MAC
# 52:54:00:99:00:01, 192.168.99.1 / fd98::1): it sends an ARP request
# (IPv6: a neighbour solicitation) and an ICMP echo request to host B's
# bridge address, and checks the replies, which crossed Linux's vxlan and
# ours.  tshark, capturing on va, checks the VXLAN decode of both
# directions (VNI, inner frames) in a capture of va; host B's "bridge fdb" and QEMU's
# query-vxlan show what each side learnt.  Once over an IPv4 underlay,
# once over IPv6.
#
# Network rule: everything lives in namespaces made here; the script
# refuses to run unless its namespace has only loopback.  Output is TAP.

import argparse
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                'guest'))
import e2e  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

MAC_A = bytes.fromhex('525400990001')
WAIT = 5.0          # seconds for an expected reply

UNDERLAY = {
    4: {'a': '10.99.0.1', 'b': '10.99.0.2', 'plen': 24, 'vni': 42,
        'inner_a': '192.168.99.1', 'inner_b': '192.168.99.2'},
    6: {'a': 'fd99::1', 'b': 'fd99::2', 'plen': 64, 'vni': 43,
        'inner_a': 'fd98::1', 'inner_b': 'fd98::2'},
}


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def result(self, ok, name, detail=''):
        self.n += 1
        self.failed += not ok
        print('%s %d - %s%s' % ('ok' if ok else 'not ok', self.n, name,
                                (' # ' + detail) if detail and not ok else ''),
              flush=True)
        if detail and ok:
            print('# ' + detail, flush=True)


def enter_own_netns():
    """A network namespace of this script's own, loopback only."""
    e2e.enter_private_netns('XNET_VXLAN_NETNS', 'vxlan-interop')


def run(cmd, ns_pid=None, check=True):
    if ns_pid:
        cmd = ['nsenter', '-t', str(ns_pid), '-n'] + cmd
    return subprocess.run(cmd, check=check, capture_output=True, text=True)


def checksum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


# Frames the station sends

def arp_request(src_ip, dst_ip):
    arp = struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, 1, MAC_A,
                      socket.inet_aton(src_ip), b'\0' * 6,
                      socket.inet_aton(dst_ip))
    return b'\xff' * 6 + MAC_A + b'\x08\x06' + arp


def ipv4_packet(src, dst, proto, payload):
    hdr = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), 1, 0, 64,
                      proto, 0, socket.inet_aton(src), socket.inet_aton(dst))
    hdr = hdr[:10] + struct.pack('!H', checksum(hdr)) + hdr[12:]
    return hdr + payload


def icmp6_sum(src, dst, body):
    pseudo = (socket.inet_pton(socket.AF_INET6, src) +
              socket.inet_pton(socket.AF_INET6, dst) +
              struct.pack('!I3xB', len(body), 58))
    return checksum(pseudo + body)


def ipv6_packet(src, dst, body, hops=64):
    body = body[:2] + struct.pack('!H', icmp6_sum(src, dst, body)) + body[4:]
    return (struct.pack('!IHBB', 6 << 28, len(body), 58, hops) +
            socket.inet_pton(socket.AF_INET6, src) +
            socket.inet_pton(socket.AF_INET6, dst) + body)


def neighbour_solicitation(src_ip, dst_ip):
    target = socket.inet_pton(socket.AF_INET6, dst_ip)
    group = 'ff02::1:ff' + '%02x:%02x%02x' % tuple(target[13:])
    body = (struct.pack('!BBHI', 135, 0, 0, 0) + target +
            struct.pack('!BB6s', 1, 1, MAC_A))
    mac = bytes([0x33, 0x33, 0xff]) + target[13:]
    return mac + MAC_A + b'\x86\xdd' + ipv6_packet(src_ip, group, body, 255)


PING_ID, PING_SEQ = 0x7878, 1
PING_DATA = bytes(range(56))


def echo_request(family, dst_mac, src_ip, dst_ip):
    if family == 4:
        body = struct.pack('!BBHHH', 8, 0, 0, PING_ID, PING_SEQ) + PING_DATA
        body = body[:2] + struct.pack('!H', checksum(body)) + body[4:]
        return dst_mac + MAC_A + b'\x08\x00' + ipv4_packet(src_ip, dst_ip, 1,
                                                           body)
    body = struct.pack('!BBHHH', 128, 0, 0, PING_ID, PING_SEQ) + PING_DATA
    return dst_mac + MAC_A + b'\x86\xdd' + ipv6_packet(src_ip, dst_ip, body)


# What the station expects back

def is_arp_reply(f, ip_b):
    return (len(f) >= 42 and f[0:6] == MAC_A and f[12:14] == b'\x08\x06' and
            struct.unpack('!H', f[20:22])[0] == 2 and
            f[28:32] == socket.inet_aton(ip_b))


def is_neighbour_advert(f, ip_b):
    return (len(f) >= 78 and f[0:6] == MAC_A and f[12:14] == b'\x86\xdd' and
            f[20] == 58 and f[54] == 136 and
            f[62:78] == socket.inet_pton(socket.AF_INET6, ip_b))


def is_echo_reply(family, f):
    if f[0:6] != MAC_A:
        return False
    if family == 4:
        return (f[12:14] == b'\x08\x00' and f[23] == 1 and f[34] == 0 and
                struct.unpack('!HH', f[38:42]) == (PING_ID, PING_SEQ) and
                f[42:42 + len(PING_DATA)] == PING_DATA)
    return (f[12:14] == b'\x86\xdd' and f[20] == 58 and f[54] == 129 and
            struct.unpack('!HH', f[58:62]) == (PING_ID, PING_SEQ) and
            f[62:62 + len(PING_DATA)] == PING_DATA)


def wait_frame(sock, match):
    """The first frame that @match accepts, or None after WAIT seconds."""
    sock.settimeout(WAIT)
    try:
        while True:
            f = sock.recv(65536)
            if match(f):
                return f
    except socket.timeout:
        return None


class Qmp:
    """QMP over a socket QEMU connects to (-qmp unix:PATH, client mode):
    accept() returns when QEMU is up, so there is nothing to poll for."""

    def __init__(self, listener):
        listener.settimeout(30)
        self.sock, _ = listener.accept()
        self.sock.settimeout(30)
        self.buf = b''
        self.read()
        self.cmd('qmp_capabilities')

    def read(self):
        while b'\n' not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError('QMP closed')
            self.buf += chunk
        line, self.buf = self.buf.split(b'\n', 1)
        return json.loads(line)

    def cmd(self, name, **args):
        self.sock.sendall(json.dumps({'execute': name,
                                      'arguments': args}).encode() + b'\n')
        while True:
            r = self.read()
            if 'return' in r or 'error' in r:
                return r


def start_host_b():
    """A second network namespace; returns the process holding it."""
    return subprocess.Popen(['unshare', '--net', 'sleep', 'infinity'])


def setup_underlay(b_pid):
    run(['ip', 'link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb'])
    run(['ip', 'link', 'set', 'vb', 'netns', str(b_pid)])
    for fam, u in UNDERLAY.items():
        extra = ['nodad'] if fam == 6 else []
        run(['ip', 'addr', 'add', '%s/%d' % (u['a'], u['plen']), 'dev', 'va']
            + extra)
        run(['ip', 'addr', 'add', '%s/%d' % (u['b'], u['plen']), 'dev', 'vb']
            + extra, b_pid)
    run(['ip', 'link', 'set', 'va', 'up'])
    run(['ip', 'link', 'set', 'lo', 'up'], b_pid)
    run(['ip', 'link', 'set', 'vb', 'up'], b_pid)


def setup_linux_vtep(b_pid, fam):
    """Host B: vxlan device in a bridge with an address, as docs say."""
    u = UNDERLAY[fam]
    vx, br = 'vx%d' % fam, 'br%d' % fam
    run(['ip', 'link', 'add', vx, 'type', 'vxlan', 'id', str(u['vni']),
         'dstport', '4789', 'local', u['b'], 'remote', u['a'], 'dev', 'vb'],
        b_pid)
    run(['ip', 'link', 'add', br, 'type', 'bridge'], b_pid)
    run(['ip', 'link', 'set', vx, 'master', br], b_pid)
    run(['ip', 'addr', 'add', '%s/%d' % (u['inner_b'], 24 if fam == 4 else 64),
         'dev', br] + (['nodad'] if fam == 6 else []), b_pid)
    run(['ip', 'link', 'set', vx, 'up'], b_pid)
    run(['ip', 'link', 'set', br, 'up'], b_pid)
    info = json.loads(run(['ip', '-j', 'link', 'show', br], b_pid).stdout)
    return vx, bytes.fromhex(info[0]['address'].replace(':', ''))


class Capture:
    """Every frame on an interface, both directions, through an AF_PACKET
    socket: it captures from the moment it is bound, so unlike starting
    tshark there is no readiness to wait for.  tshark decodes the file."""

    ETH_P_ALL = 3

    def __init__(self, ifname):
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                                  socket.htons(self.ETH_P_ALL))
        self.sock.bind((ifname, 0))
        self.sock.setblocking(False)

    def save(self, path):
        """Write what was captured so far as a pcap file."""
        with open(path, 'wb') as f:
            f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
            while True:
                try:
                    frame = self.sock.recv(65535)
                except BlockingIOError:
                    break
                f.write(struct.pack('<IIII', 0, 0, len(frame), len(frame)))
                f.write(frame)
        self.sock.close()


def vxlan_decode(pcap, fam):
    """Each VXLAN datagram in @pcap: VNI, UDP ports, the inner frame's
    addresses and type, its ICMP or ICMPv6 type.  ICMP errors that quote
    a datagram are left out: only frames whose outer protocol is UDP."""
    out = run(['tshark', '-r', pcap, '-Y', 'vxlan', '-T', 'fields',
               '-E', 'separator=|', '-e', 'ip.proto' if fam == 4
               else 'ipv6.nxt', '-e', 'vxlan.vni', '-e', 'udp.srcport',
               '-e', 'udp.dstport', '-e', 'eth.src', '-e', 'eth.dst',
               '-e', 'icmp.type', '-e', 'icmpv6.type'])
    rows = []
    for line in out.stdout.splitlines():
        proto, vni, sport, dport, src, dst, icmp, icmp6 = line.split('|')
        if proto.split(',')[0] != '17':
            continue
        # eth.* have two values: the outer frame's, then the inner one's
        rows.append({'vni': int(vni), 'sport': int(sport), 'dport': int(dport),
                     'src': src.split(',')[-1], 'dst': dst.split(',')[-1],
                     'icmp': icmp, 'icmp6': icmp6})
    return rows


def mac_str(b):
    return ':'.join('%02x' % x for x in b)


def scenario(tap, args, b_pid, fam, tmp):
    u = UNDERLAY[fam]
    tag = 'ipv%d' % fam
    vx, br_mac = setup_linux_vtep(b_pid, fam)

    station = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    station.bind(('127.0.0.1', 0))
    qemu_in = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    qemu_in.bind(('127.0.0.1', 0))
    in_port = qemu_in.getsockname()[1]
    qemu_in.close()                 # QEMU's dgram end takes this port
    st_port = station.getsockname()[1]
    qmp_path = os.path.join(tmp, 'qmp-%s.sock' % tag)
    local = u['a'] if fam == 4 else '[%s]' % u['a']
    remote = u['b'] if fam == 4 else '[%s]' % u['b']
    cmd = [os.path.join(args.qemu_dir, 'qemu-system-arm'), '-M', 'none',
           '-nodefaults', '-display', 'none',
           '-qmp', 'unix:%s' % qmp_path,
           '-object', 'netswitch,id=sw0,policy=bridge',
           '-netdev', 'dgram,id=st,local.type=inet,local.host=127.0.0.1,'
           'local.port=%d,remote.type=inet,remote.host=127.0.0.1,'
           'remote.port=%d' % (in_port, st_port),
           '-netdev', 'swport,id=p0,switch=sw0,netdev=st',
           '-netdev', 'vxlan,id=vx0,local=%s,remote=%s,vni=%d'
           % (local, remote, u['vni']),
           '-netdev', 'swport,id=up,switch=sw0,netdev=vx0']
    pcap = os.path.join(tmp, 'va-%s.pcap' % tag)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(qmp_path)
    listener.listen(1)
    capture = Capture('va')
    qemu = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        qmp = Qmp(listener)
        dest = ('127.0.0.1', in_port)

        # address resolution across both VTEPs
        if fam == 4:
            station.sendto(arp_request(u['inner_a'], u['inner_b']), dest)
            reply = wait_frame(station, lambda f: is_arp_reply(f, u['inner_b']))
        else:
            station.sendto(neighbour_solicitation(u['inner_a'], u['inner_b']),
                           dest)
            reply = wait_frame(station,
                               lambda f: is_neighbour_advert(f, u['inner_b']))
        tap.result(reply is not None and reply[6:12] == br_mac,
                   '%s: host B answers address resolution through Linux vxlan '
                   'and ours' % tag)

        station.sendto(echo_request(fam, br_mac, u['inner_a'], u['inner_b']),
                       dest)
        reply = wait_frame(station, lambda f: is_echo_reply(fam, f))
        tap.result(reply is not None, '%s: ICMP echo to %s answered, payload '
                   'intact' % (tag, u['inner_b']))

        info = qmp.cmd('query-vxlan', id='vx0')['return'][0]
        fdb = {e['mac']: e['remote'] for e in info['fdb']}
        want = '%s:4789' % remote
        tap.result(fdb.get(mac_str(br_mac)) == want,
                   '%s: QEMU learnt host B\'s bridge MAC behind %s' % (tag, want),
                   'fdb %s counters %s drops %s' % (fdb, info['counters'],
                                                    info['drops']))
        tap.result(info['counters']['unicast'] >= 1 and
                   not any(info['drops'].values()),
                   '%s: the echo request went unicast; nothing dropped' % tag)
        qmp.cmd('quit')
        qemu.wait(timeout=30)
    finally:
        if qemu.poll() is None:
            qemu.kill()
            qemu.wait()
        capture.save(pcap)
        station.close()
        listener.close()

    linux_fdb = run(['bridge', 'fdb', 'show', 'dev', vx], b_pid).stdout
    tap.result('%s dst %s' % (mac_str(MAC_A), u['a']) in linux_fdb,
               '%s: Linux learnt our station behind %s' % (tag, u['a']),
               linux_fdb.strip().replace('\n', '; '))

    rows = vxlan_decode(pcap, fam)
    to_b = [r for r in rows if r['src'] == mac_str(MAC_A)]
    from_b = [r for r in rows if r['src'] == mac_str(br_mac)]
    good_vni = rows and all(r['vni'] == u['vni'] for r in rows)
    tap.result(bool(good_vni), '%s: tshark decodes every datagram on va as '
               'VXLAN with VNI %d' % (tag, u['vni']), '%d datagrams' % len(rows))
    echo = ('8', '') if fam == 4 else ('', '128')
    reply = ('0', '') if fam == 4 else ('', '129')
    tap.result(any((r['icmp'], r['icmp6']) == echo for r in to_b) and
               any((r['icmp'], r['icmp6']) == reply for r in from_b),
               '%s: the inner echo request (A->B) and reply (B->A) are in '
               'the capture' % tag)
    tap.result(to_b and all(r['dport'] == 4789 and
                            32768 <= r['sport'] <= 60999 for r in to_b),
               '%s: our datagrams go to port 4789 from a flow port in '
               '32768-60999' % tag,
               'source ports %s' % sorted({r['sport'] for r in to_b}))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--qemu-dir', default=os.path.join(ROOT, 'build', 'obj'))
    ap.add_argument('--keep', action='store_true',
                    help='keep the captures (printed path)')
    args = ap.parse_args()
    if os.geteuid() != 0:
        print('ok 1 - vxlan interop # SKIP needs root (veth, vxlan, bridge)')
        return 0
    for tool in ('tshark', 'bridge', 'nsenter'):
        if not shutil.which(tool):
            print('ok 1 - vxlan interop # SKIP %s is not installed' % tool)
            return 0
    enter_own_netns()
    tap = Tap()
    tmp = tempfile.mkdtemp(prefix='xnet-vxlan-')
    host_b = start_host_b()
    try:
        # the namespace exists once /proc shows another net namespace
        while (os.readlink('/proc/%d/ns/net' % host_b.pid) ==
               os.readlink('/proc/self/ns/net')):
            pass
        setup_underlay(host_b.pid)
        for fam in (4, 6):
            scenario(tap, args, host_b.pid, fam, tmp)
    finally:
        host_b.kill()
        host_b.wait()
        if args.keep:
            print('# captures in %s' % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print('1..%d' % tap.n)
    return 1 if tap.failed else 0


if __name__ == '__main__':
    sys.exit(main())
