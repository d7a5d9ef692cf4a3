#!/usr/bin/env python3
#
# qemu-xnet: where an iperf3 run's time goes (issue 18).
#
# Copyright (c) 2026 The qemu-xnet authors
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Boots the Debian guest (xnet/guest/e2e.py's set-up, in a private network
# namespace) and runs iperf3 one way only (--dir tx: guest->host, the
# default; rx: host->guest).  While iperf3 runs:
#   - every QEMU thread's CPU time is sampled from /proc (QEMU runs with
#     -name debug-threads=on, so the vCPU thread is "CPU 0/TCG"): the vCPU
#     thread sleeps while the guest idles (WFI, HLT), so its share of a
#     core says how busy the guest's CPU is;
#   - --perf: 'perf record -F 499' on QEMU, reported by thread and symbol;
#   - --capture (our build, NIC behind the netswitch): the guest's switch
#     port and the slirp uplink write pcap files, which tshark reads for
#     the window the receiver advertises (slirp; the guest for rx), the
#     bytes in flight against it, the super-frame sizes, the ACK rate
#     and the delays.
# A capture costs the main loop a write per frame: take the throughput
# and the profile from a run without it.
#
#   python3 xnet/bench/tx-anatomy.py --perf            # ours, profile
#   python3 xnet/bench/tx-anatomy.py --capture         # ours, pcap
#   python3 xnet/bench/tx-anatomy.py --nic virtio --direct \
#       --qemu-dir build/pristine/obj --perf           # upstream
#
# Run it under the build lock, and under the quiet-machine rule when the
# figures are to be reported (docs/devel/benchmarks.rst).

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), 'guest'))
import e2e  # noqa: E402

CLK_TCK = os.sysconf('SC_CLK_TCK')
MSS = 1448


def children_of(pid):
    """PIDs whose parent is @pid."""
    out = []
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % d) as f:
                fields = f.read().rsplit(')', 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(d))
    return out


def thread_times(pid):
    """{tid: (name, CPU seconds)} of every thread of @pid."""
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
        out[int(tid)] = (name, (int(fields[11]) + int(fields[12])) / CLK_TCK)
    return out


class Watch:
    """e2e's progress hooks: measure QEMU while iperf3 runs.

    The guest's steps are ifconfig, dhcp, iperf: iperf3 starts right after
    the "dhcp ok" line, and the window opens @settle seconds later.
    """

    def __init__(self, seconds, perf_path=None, sched_path=None, settle=2.0):
        self.seconds = seconds
        self.perf_path = perf_path
        self.sched_path = sched_path
        self.settle = settle
        self.threads = None
        self.thread = None

    # the hooks e2e.run_guest() calls; only event() matters here
    def command(self, cmd, append, logpath):
        pass

    def start(self, steps, now):
        pass

    def tick(self, now):
        pass

    def stop(self, now, why):
        if self.thread:
            self.thread.join()

    def event(self, name, verdict, kv, now):
        if name == 'dhcp' and verdict == 'ok' and not self.thread:
            self.thread = threading.Thread(target=self.measure, daemon=True)
            self.thread.start()

    def measure(self):
        qemu = [p for p in children_of(os.getpid()) if 'qemu-system' in
                open('/proc/%d/cmdline' % p).read()]
        if len(qemu) != 1:
            print('tx-anatomy: expected one QEMU child, found %s' % qemu)
            return
        pid = qemu[0]
        time.sleep(self.settle)
        recorders = []
        if self.perf_path:
            recorders.append(subprocess.Popen(['perf', 'record', '-F', '499', '-p',
                                     str(pid), '-o', self.perf_path, '--',
                                     'sleep', str(self.seconds)],
                                    stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL))
        if self.sched_path:
            # every context switch on the machine, with call chains: when
            # and why the vCPU thread leaves its core, and for how long
            recorders.append(subprocess.Popen(['perf', 'record', '-e',
                                     'sched:sched_switch', '-g', '-a', '-o',
                                     self.sched_path, '--', 'sleep',
                                     str(self.seconds)],
                                    stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL))
        before, t0 = thread_times(pid), time.monotonic()
        time.sleep(self.seconds)
        after, t1 = thread_times(pid), time.monotonic()
        for r in recorders:
            r.wait()
        self.threads = []
        for tid, (name, cpu) in after.items():
            used = cpu - before.get(tid, (name, 0.0))[1]
            self.threads.append((name, tid, used / (t1 - t0)))
        self.threads.sort(key=lambda t: -t[2])


def with_extras(capture_dir):
    """Wrap e2e.qemu_command(): thread names, and captures on the ports."""
    plain = e2e.qemu_command

    def qemu_command(nic, qemu_dir, append, direct=False, qmp_path=None,
                     shape=None):
        cmd = plain(nic, qemu_dir, append, direct, qmp_path, shape)
        if capture_dir and not direct:
            for i, a in enumerate(cmd):
                for port in ('nic0', 'up'):
                    if a.startswith('swport,id=%s,' % port):
                        cmd[i] = a + ',capture=%s/%s.pcap' % (capture_dir, port)
        return cmd + ['-name', 'debug-threads=on']
    e2e.qemu_command = qemu_command


def tshark_rows(path, fields, display_filter):
    p = subprocess.run(['tshark', '-r', path, '-n', '-Y', display_filter,
                        '-T', 'fields', '-E', 'separator=,']
                       + sum((['-e', f] for f in fields), []),
                       capture_output=True, text=True, check=True)
    rows = []
    for line in p.stdout.splitlines():
        values = line.split(',')
        rows.append(dict(zip(fields, values)))
    return rows


def num(v, kind=float):
    try:
        return kind(v)
    except ValueError:
        return None


def quantiles(values):
    values = sorted(v for v in values if v is not None)
    if not values:
        return '-'
    pick = lambda q: values[min(len(values) - 1, int(q * len(values)))]
    return 'n=%d min=%g p10=%g median=%g p90=%g max=%g' % (
        len(values), values[0], pick(0.1), pick(0.5), pick(0.9), values[-1])


def analyse_port(path, guest_ip, server_port, guest_sends=True):
    """The iperf3 data stream as seen at one switch port; @guest_sends:
    guest->host (else host->guest, iperf3 -R)."""
    fields = ['frame.time_relative', 'ip.src', 'tcp.stream', 'tcp.len',
              'tcp.seq', 'tcp.ack', 'tcp.window_size',
              'tcp.analysis.bytes_in_flight', 'tcp.analysis.ack_rtt',
              'frame.len']
    rows = tshark_rows(path, fields, 'tcp.port == %d' % server_port)
    # the data connection: the stream that carries the most payload
    payload = {}
    for r in rows:
        payload[r['tcp.stream']] = payload.get(r['tcp.stream'], 0) + int(r['tcp.len'] or 0)
    stream = max(payload, key=payload.get)
    rows = [r for r in rows if r['tcp.stream'] == stream]
    sent_by = lambda r: (r['ip.src'] == guest_ip) == guest_sends
    data = [r for r in rows if sent_by(r) and int(r['tcp.len']) > 0]
    acks = [r for r in rows if not sent_by(r)]
    t0, t1 = float(data[0]['frame.time_relative']), float(data[-1]['frame.time_relative'])
    # skip the first and last second: slow start and the end of the run
    lo, hi = t0 + 1.0, t1 - 1.0
    inside = lambda r: lo <= float(r['frame.time_relative']) <= hi
    data_in = [r for r in data if inside(r)]
    acks_in = [r for r in acks if inside(r)]
    span = hi - lo
    sent = sum(int(r['tcp.len']) for r in data_in)
    # the window slirp advertised last, at each data frame
    windows, in_flight, ratio = [], [], []
    last_win = None
    events = sorted([(float(r['frame.time_relative']), 0, r) for r in acks_in] +
                    [(float(r['frame.time_relative']), 1, r) for r in data_in],
                    key=lambda e: (e[0], e[1]))
    gaps, last_ack_t = [], None
    for t, kind, r in events:
        if kind == 0:
            last_win = num(r['tcp.window_size'], int)
            windows.append(last_win)
            last_ack_t = t
            continue
        f = num(r['tcp.analysis.bytes_in_flight'], int)
        in_flight.append(f)
        if f is not None and last_win:
            ratio.append(f / last_win)
        if last_ack_t is not None:
            gaps.append((t - last_ack_t) * 1e3)
            last_ack_t = None
    limited = sum(1 for x in ratio if x >= 1 - 2 * MSS / 65535) / max(1, len(ratio))
    return {
        'port': os.path.basename(path),
        'seconds': round(span, 2),
        'goodput_mbps': round(sent * 8 / span / 1e6, 1),
        'data_frames_per_s': round(len(data_in) / span),
        'acks_per_s': round(len(acks_in) / span),
        'acks_per_data_frame': round(len(acks_in) / max(1, len(data_in)), 2),
        'payload_per_data_frame': quantiles(int(r['tcp.len']) for r in data_in),
        'window_advertised': quantiles(windows),
        'bytes_in_flight': quantiles(in_flight),
        'in_flight_over_window': quantiles(round(x, 3) for x in ratio),
        'data_frames_within_2_mss_of_window': '%.0f%%' % (100 * limited),
        'ack_rtt_ms_at_port': quantiles(
            round(float(r['tcp.analysis.ack_rtt']) * 1e3, 3)
            for r in acks_in if r['tcp.analysis.ack_rtt']),
        'ack_to_next_data_ms': quantiles(round(g, 3) for g in gaps),
    }


def user_frame(chain):
    """The first frame of a call chain outside the kernel: the call that
    blocked.  QEMU and libc have no frame pointers, so the chain usually
    ends there: __lll_lock_wait is a contended mutex (the BQL, for a vCPU),
    a futex wait from pthread_cond_wait a halted vCPU (the guest idles)."""
    for sym, dso in chain:
        if dso != '([kernel.kallsyms])' and sym != '[unknown]':
            return sym
    return chain[0][0] if chain else '?'


def sched_report(path, thread='CPU 0/TCG'):
    """Time @thread spent off its core, by the QEMU function it blocked in.

    Reads 'perf script' of an all-CPU sched:sched_switch record: a switch
    away from the thread, with its call chain, opens an interval that the
    next switch to it closes.  A thread that is runnable but preempted
    (prev_state R) is waiting for a core, not for QEMU.
    """
    p = subprocess.run(['perf', 'script', '-i', path, '-F',
                        'comm,tid,time,trace,ip,sym,dso'],
                       capture_output=True, text=True)
    tid = None
    out_at, why, total = None, None, {}
    events, chain, head = [], [], None
    for line in p.stdout.splitlines() + ['']:
        if line.startswith(('\t', ' ')) and head:
            parts = line.split()
            if len(parts) >= 3:
                chain.append((parts[1], parts[-1]))
            continue
        if head:
            events.append((head, chain))
        head, chain = (line if 'prev_pid=' in line else None), []
    for head, chain in events:
        t = float(re.search(r' (\d+\.\d+): ', head).group(1))
        prev = re.search(r'prev_comm=(.*?) prev_pid=(\d+).*prev_state=(\S+)', head)
        nxt = re.search(r'next_comm=(.*?) next_pid=(\d+)', head)
        if tid is None and prev.group(1) == thread:
            tid = prev.group(2)
        if tid is None:
            continue
        if prev.group(2) == tid:
            out_at = t
            why = ('preempted (runnable)' if prev.group(3).startswith('R')
                   else user_frame(chain))
        elif nxt.group(2) == tid and out_at is not None:
            n, secs = total.get(why, (0, 0.0))
            total[why] = (n + 1, secs + t - out_at)
            out_at = None
    if not events:
        return []
    span = (float(re.search(r' (\d+\.\d+): ', events[-1][0]).group(1)) -
            float(re.search(r' (\d+\.\d+): ', events[0][0]).group(1)))
    rows = sorted(total.items(), key=lambda kv: -kv[1][1])
    return ['%s: %d times, %.1f%% of %.1f s, mean %.0f us' %
            (w, n, 100 * secs / span, span, 1e6 * secs / n)
            for w, (n, secs) in rows[:12]]


def perf_report(path, sort, lines=25):
    p = subprocess.run(['perf', 'report', '-i', path, '--stdio', '--sort', sort,
                        '--percent-limit', '0.5'],
                       capture_output=True, text=True)
    body = [l for l in p.stdout.splitlines() if l.strip() and not l.startswith('#')]
    return body[:lines]


def analyse(report, out):
    """Add what perf and tshark make of the run's files to @report."""
    tag = report['run']
    perf_path = os.path.join(out, tag + '.perf.data')
    if os.path.exists(perf_path):
        report['perf_by_thread'] = perf_report(perf_path, 'comm')
        report['perf_by_thread_dso'] = perf_report(perf_path, 'comm,dso')
        report['perf_by_symbol'] = perf_report(perf_path, 'comm,sym', 40)
    sched_path = os.path.join(out, tag + '.sched.data')
    if os.path.exists(sched_path):
        report['vcpu_off_core'] = sched_report(sched_path)
    capture_dir = os.path.join(out, tag)
    if os.path.isdir(capture_dir):
        # the guest's log is overwritten by the next run: not from there
        server_port = int(report['iperf3']['server'].rsplit(':', 1)[1])
        report['capture'] = [
            analyse_port(os.path.join(capture_dir, p + '.pcap'), '10.0.2.15',
                         server_port, report.get('dir', 'tx') == 'tx')
            for p in ('nic0', 'up')]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--nic', default='virtio-legacy')
    ap.add_argument('--qemu-dir', default=os.path.join(e2e.ROOT, 'build', 'obj'))
    ap.add_argument('--direct', action='store_true',
                    help='the NIC straight on slirp (upstream\'s set-up)')
    ap.add_argument('--iperf-time', type=int, default=12)
    ap.add_argument('--seconds', type=int, default=8,
                    help='measuring window inside the iperf3 run')
    ap.add_argument('--perf', action='store_true',
                    help='perf record -F 499 on QEMU')
    ap.add_argument('--sched', action='store_true',
                    help='perf record every context switch (-a -g)')
    ap.add_argument('--capture', action='store_true',
                    help='pcap captures on the guest\'s port and the uplink')
    ap.add_argument('--run-only', action='store_true',
                    help='run and keep the files; analyse them later with '
                    '--analyse-only (tshark takes minutes: not under the '
                    'locks)')
    ap.add_argument('--analyse-only', action='store_true')
    ap.add_argument('--dir', choices=('tx', 'rx'), default='tx',
                    help='tx: guest->host (default); rx: host->guest')
    ap.add_argument('--out', default=os.path.join(e2e.ROOT, 'build', 'bench',
                                                  'anatomy'))
    args = ap.parse_args()
    tag = '%s-%s%s%s%s' % (args.nic, 'direct' if args.direct else 'switch',
                           '-rx' if args.dir == 'rx' else '',
                           '-gro-off' if os.environ.get('XNET_GRO') == 'off'
                           else '', '-capture' if args.capture else '')
    json_path = os.path.join(args.out, tag + '.json')
    if args.analyse_only:
        with open(json_path) as f:
            report = json.load(f)
        analyse(report, args.out)
    else:
        e2e.enter_private_netns()
        os.makedirs(args.out, exist_ok=True)
        report = run(args, tag)
        if not args.run_only:
            analyse(report, args.out)
    text = json.dumps(report, indent=1)
    with open(json_path, 'w') as f:
        f.write(text + '\n')
    print(text)
    return 0


def run(args, tag):
    """One guest->host iperf3 run, measured; the report without analysis."""
    capture_dir = os.path.join(args.out, tag) if args.capture else None
    if capture_dir:
        os.makedirs(capture_dir, exist_ok=True)
    with_extras(capture_dir)
    path = lambda kind: os.path.join(args.out, '%s.%s.data' % (tag, kind))
    for kind in ('perf', 'sched'):
        if os.path.exists(path(kind)):
            os.unlink(path(kind))
    watch = Watch(args.seconds, path('perf') if args.perf else None,
                  path('sched') if args.sched else None)
    results, logpath, _ = e2e.run_guest(
        args.nic, args.qemu_dir, ['ifconfig', 'dhcp', 'iperf'],
        args.iperf_time, progress=watch, direct=args.direct,
        iperf_dir=args.dir)
    # the guest's log, with its ifconfig counters after the run: how many
    # frames the guest took and sent (e2e.py overwrites it next time)
    kept_log = os.path.join(args.out, tag + '.log')
    shutil.copyfile(logpath, kept_log)
    with open(kept_log, errors='replace') as f:
        text = f.read()
    guest_if = {k: re.findall(r'%s packets:(\d+)' % k, text)[-1:]
                for k in ('RX', 'TX')}
    return {'run': tag, 'log': kept_log, 'dir': args.dir,
            'guest_packets': {k: int(v[0]) for k, v in guest_if.items() if v},
            'gro': os.environ.get('XNET_GRO', 'on'),
            'iperf3': results.get('iperf3', ('fail', {}))[1],
            'switch': results.get('switch', ('-', {}))[1],
            'threads_cpu_share': [
                '%s (tid %d): %.0f%%' % (n, tid, 100 * share)
                for n, tid, share in (watch.threads or []) if share >= 0.005]}


if __name__ == '__main__':
    sys.exit(main())
