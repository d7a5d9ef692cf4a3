#!/usr/bin/env python3
#
# qemu-xnet: a netswitch uplink through -netdev tap into a Linux bridge
# (--tap for make check).
#
# Copyright (c) 2026 The qemu-xnet authors
# SPDX-License-Identifier: GPL-2.0-or-later
#
# In a private network namespace: a Linux bridge br0 with 192.168.98.1/24
# and a tap device tap0 in it; QEMU runs a guest (192.168.98.10) on a
# netswitch whose uplink is '-netdev tap,ifname=tap0'.  The guest pings
# the bridge's address, and the bridge must have learnt the guest's MAC
# address on tap0.  This is the path from a netswitch to Linux bridges
# and Open vSwitch on one host.
#
# The guest then fetches a file (md5 checked) from an HTTP server on the
# bridge's address.  The tap speaks virtio-net headers with the uplink
# port, so the host's kernel hands over its TCP super-frames whole: the
# switch must cut them into segments for the LAN9118 or SMC91C111
# (gso-segmented on the guest's port) and pass them whole to a
# virtio-net-legacy guest that negotiated GUEST_TSO (gso-whole).
#
# Network rule: the namespace is made here and has nothing but loopback
# before the script adds br0 and tap0.

import argparse
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402
import importlib  # noqa: E402
two_guests = importlib.import_module('two-guests')

BRIDGE_IP = '192.168.98.1'
GUEST_IP = '192.168.98.10'
GUEST_MAC = '52:54:00:98:00:0a'
TAP = 'tap,id=t0,ifname=tap0,script=no,downscript=no'
DEADLINE = 180


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True)


def make_bridge():
    """br0 with BRIDGE_IP, and tap0 in it for QEMU to open."""
    run(['ip', 'link', 'add', 'br0', 'type', 'bridge'])
    run(['ip', 'addr', 'add', BRIDGE_IP + '/24', 'dev', 'br0'])
    run(['ip', 'tuntap', 'add', 'tap0', 'mode', 'tap'])
    run(['ip', 'link', 'set', 'tap0', 'master', 'br0'])
    run(['ip', 'link', 'set', 'tap0', 'up'])
    run(['ip', 'link', 'set', 'br0', 'up'])


def enter_own_netns():
    """A network namespace of this script's own, loopback only."""
    e2e.enter_private_netns('XNET_TAP_NETNS', 'tap-uplink')


def switched_network(nic):
    """The guest's NIC (GUEST_MAC) on a netswitch whose uplink is tap0."""
    return (['-object', 'netswitch,id=sw0,policy=bridge',
             '-netdev', TAP,
             '-netdev', 'swport,id=up,switch=sw0,netdev=t0'] +
            two_guests.with_mac(e2e.BOARDS[nic][2], GUEST_MAC))


class TapGuest(two_guests.Guest):
    """A guest at GUEST_IP on the bridge: @xnet_args are the words of its
    kernel command line beyond its NIC and address (its steps), @network
    its NIC and uplink arguments; its console goes to LOGDIR/@label.log
    and its QMP socket is LOGDIR/@label.qmp."""

    def __init__(self, nic, qemu_dir, xnet_args, network, label, extra=()):
        binary, machine, nic_args, xnic, console = e2e.BOARDS[nic]
        self.qmp_path = os.path.join(e2e.LOGDIR, label + '.qmp')
        g = os.path.join(e2e.GUEST, e2e.ARCH[binary])
        self.cmd = ([os.path.join(qemu_dir, binary)] +
                    [a.format(g=e2e.GUEST) for a in machine] +
                    ['-kernel', g + '/vmlinuz', '-initrd', g + '/initrd.gz',
                     '-append', ' '.join([
                         'console=' + console, 'xnet.nic=' + xnic,
                         'xnet.ip=%s/24' % GUEST_IP, 'xnet.peer=' + BRIDGE_IP]
                         + xnet_args)] +
                    network +
                    ['-display', 'none', '-monitor', 'none',
                     '-serial', 'stdio', '-no-reboot',
                     '-qmp', 'unix:%s,server=on,wait=off' % self.qmp_path] +
                    list(extra))
        self.start(os.path.join(e2e.LOGDIR, label + '.log'))


def guest_port(qmp_path):
    """The guest's port (nic0) in query-netswitch, or None."""
    switches = e2e.qmp_command(qmp_path, 'query-netswitch') or []
    for port in (p for sw in switches for p in sw['ports']):
        if port['name'] == 'nic0':
            return port
    return None


def super_frames_result(nic, port):
    """The kernel's super-frames reached the guest's port: whole for a NIC
    that takes them, cut by the switch for one that does not."""
    if port is None:
        return (False, 'the host kernel sends TCP super-frames through the '
                'tap', 'no query-netswitch answer')
    counts = 'gso-whole %d, gso-segmented %d into %d frames' % (
        port['gso-whole'], port['gso-segmented'], port['gso-segments'])
    if nic in ('virtio-legacy', 'virtio-legacy-pci'):   # GUEST_TSO4/6
        return (port['gso-whole'] > 0, 'the host kernel\'s TCP super-frames '
                'reach the guest whole through the tap', counts)
    return (port['gso-segmented'] > 0 and
            port['gso-segments'] > port['gso-segmented'],
            'the switch cuts the host kernel\'s TCP super-frames from the '
            'tap into segments for the guest\'s NIC', counts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--nic', default='lan9118', choices=list(e2e.BOARDS))
    ap.add_argument('--qemu-dir', default=os.path.join(e2e.ROOT, 'build', 'obj'))
    ap.add_argument('--tap', action='store_true', help='TAP output')
    args = ap.parse_args()
    if '1' not in (os.environ.get('XNET_TAP_NETNS'),
                   os.environ.get('XNET_IN_NETNS')):
        e2e.build_image(e2e.ARCH[e2e.BOARDS[args.nic][0]])
    enter_own_netns()
    make_bridge()

    servers = e2e.Servers(BRIDGE_IP)
    guest = TapGuest(args.nic, args.qemu_dir,
                     ['xnet.ping=' + BRIDGE_IP,
                      'xnet.http=%s:%d/data.bin' % (BRIDGE_IP, servers.http_port),
                      'xnet.md5=' + servers.md5,
                      'xnet.steps=ifconfig,ping,wget'],
                     switched_network(args.nic), 'tap-uplink')
    deadline = time.monotonic() + DEADLINE
    try:
        line = guest.wait_for(r'XNET: ping (ok|fail)', deadline)
        fdb = run(['bridge', 'fdb', 'show', 'br', 'br0']).stdout
        wget = guest.wait_for(r'XNET: wget (ok|fail)', deadline)
        port = guest_port(guest.qmp_path)
    finally:
        guest.stop()
        servers.close()
    results = [
        (bool(line) and 'ping ok' in line,
         'the guest pings the Linux bridge %s through the tap uplink'
         % BRIDGE_IP, line or 'no ping result (log: %s)' % guest.logpath),
        (re.search(r'^%s dev tap0 master br0' % GUEST_MAC, fdb, re.M)
         is not None, 'the bridge learnt the guest on tap0',
         fdb.strip().replace('\n', '; ')),
        (bool(wget) and 'wget ok' in wget,
         'the guest fetches a file from the bridge, md5 checked',
         wget or 'no wget result (log: %s)' % guest.logpath),
        super_frames_result(args.nic, port),
    ]
    for i, (ok, name, detail) in enumerate(results, 1):
        if args.tap:
            print('%s %d - %s\n# %s' % ('ok' if ok else 'not ok', i, name,
                                        detail))
        else:
            print('  [%s] %s\n        %s' % ('ok' if ok else 'FAIL', name,
                                            detail))
    if args.tap:
        print('1..%d' % len(results))
    return 0 if all(ok for ok, _, _ in results) else 1


if __name__ == '__main__':
    sys.exit(main())
