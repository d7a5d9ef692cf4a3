#!/usr/bin/env python3
#
# qemu-xnet bench: the vxlan netdev's decapsulation and encapsulation rate
# (frames per second of QEMU CPU time, and per wall second).
#
# Copyright (c) 2026 The qemu-xnet authors
# SPDX-License-Identifier: GPL-2.0-or-later
#
# In a private network namespace (loopback only), QEMU -M none with a hub
# netswitch; xnet/bench/vxlan-blast.c sends 64-byte frames with sendmmsg().
# - decap: datagrams to vx0's local port; vx0 is the switch's only port,
#   so what it decapsulates goes nowhere: decap and switch input cost.
# - encap: frames to a dgram port of the switch, which floods them to vx0,
#   which encapsulates them to a UDP socket that reads nothing: the cost
#   includes the dgram netdev's receive and the loopback delivery.
# The rate per QEMU CPU second is the figure to compare (the machine may
# be shared, and the sender takes a core of its own); run it under
# /work/xnet-qemu.lock like anything that runs QEMU.

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Qemu:
    def __init__(self, binary, args, tmp):
        path = os.path.join(tmp, 'qmp.sock')
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(path)
        listener.listen(1)
        self.proc = subprocess.Popen([binary, '-M', 'none', '-nodefaults',
                                      '-display', 'none',
                                      '-qmp', 'unix:' + path] + args)
        listener.settimeout(30)
        sock, _ = listener.accept()
        listener.close()
        os.unlink(path)
        self.f = sock.makefile('rw')
        self.f.readline()
        self.cmd('qmp_capabilities')

    def cmd(self, name, **args):
        self.f.write(json.dumps({'execute': name, 'arguments': args}) + '\n')
        self.f.flush()
        while True:
            r = json.loads(self.f.readline())
            if 'return' in r:
                return r['return']

    def cpu_seconds(self):
        fields = open('/proc/%d/stat' % self.proc.pid).read().split(')')[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')

    def counter(self, name):
        return self.cmd('query-vxlan', id='vx0')[0]['counters'][name]

    def quit(self):
        self.cmd('quit')
        self.proc.wait()


def measure(blast, qemu, port, counter, secs):
    c0, t0, u0 = qemu.counter(counter), time.monotonic(), qemu.cpu_seconds()
    sent = int(subprocess.run([blast, str(port), str(secs), '42'], check=True,
                              capture_output=True, text=True).stdout)
    c1, t1, u1 = qemu.counter(counter), time.monotonic(), qemu.cpu_seconds()
    n = c1 - c0
    return {'sent': sent, 'frames': n, 'wall_kpps': n / (t1 - t0) / 1e3,
            'cpu_s': u1 - u0, 'kpps_per_cpu_s': n / max(u1 - u0, 1e-9) / 1e3}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--qemu-dir', default=os.path.join(ROOT, 'build', 'obj'))
    ap.add_argument('--seconds', type=int, default=5)
    args = ap.parse_args()
    if os.environ.get('XNET_BENCH_NETNS') != '1':
        env = dict(os.environ, XNET_BENCH_NETNS='1')
        os.execvpe('unshare', ['unshare', '--net', '--', sys.executable] +
                   sys.argv, env)
    subprocess.run(['ip', 'link', 'set', 'lo', 'up'], check=True)
    tmp = tempfile.mkdtemp(prefix='xnet-vxlan-rate-')
    blast = os.path.join(tmp, 'vxlan-blast')
    subprocess.run(['gcc', '-O2', '-o', blast,
                    os.path.join(ROOT, 'xnet', 'bench', 'vxlan-blast.c')],
                   check=True)
    binary = os.path.join(args.qemu_dir, 'qemu-system-arm')
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sink.bind(('127.0.0.1', 0))
    vxlan = ('vxlan,id=vx0,local=127.0.0.1:14789,vni=42,remote=127.0.0.1:%d'
             % sink.getsockname()[1])
    hub = ['-object', 'netswitch,id=sw0,policy=hub',
           '-netdev', vxlan, '-netdev', 'swport,id=p1,switch=sw0,netdev=vx0']

    qemu = Qemu(binary, hub, tmp)
    decap = measure(blast, qemu, 14789, 'decap-frames', args.seconds)
    qemu.quit()
    qemu = Qemu(binary, hub + [
        '-netdev', 'dgram,id=in,local.type=inet,local.host=127.0.0.1,'
        'local.port=14790,remote.type=inet,remote.host=127.0.0.1,remote.port=9',
        '-netdev', 'swport,id=p0,switch=sw0,netdev=in'], tmp)
    encap = measure(blast, qemu, 14790, 'encap-frames', args.seconds)
    qemu.quit()
    for name, r in (('decap', decap), ('encap', encap)):
        print('%s: %d frames (%d sent), %.0f kpps wall, %.2f s QEMU CPU, '
              '%.0f kpps per CPU second' % (name, r['frames'], r['sent'],
                                            r['wall_kpps'], r['cpu_s'],
                                            r['kpps_per_cpu_s']))
    print(json.dumps({'decap': decap, 'encap': encap}))
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
