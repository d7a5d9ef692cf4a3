#!/usr/bin/env python3
#
# qemu-xnet soak run: a guest behind the netswitch moves traffic of every
# kind for a long while (the guest's "soak" step: iperf3 both ways in turn,
# a wget loop and a ping beside them) while QEMU's resident memory is
# sampled.  Reports, per NIC, the memory growth after warm-up, the guest's
# and the switch's drops, and writes the memory curve as an SVG.
#
# Copyright (c) 2026 The qemu-xnet authors
# SPDX-License-Identifier: GPL-2.0-or-later
#
#   soak.py [--nics lan9118,virtio-legacy] [--minutes 30] [--sanitized]
#
# 'make soak' runs it (SOAK_ARGS passes options); not part of make check.
# Like every guest run it lives in a private network namespace.

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402

OUT = os.path.join(e2e.ROOT, 'build', 'soak')
IPERF_SECONDS = 20
# Growth allowed after warm-up (the bar)
MAX_GROWTH_KIB = 1024


def smaps_rss_kib(pid):
    """[(permissions, name, size in KiB, Rss in KiB)] of every mapping of
    @pid, or None once it has gone."""
    out = []
    try:
        with open('/proc/%d/smaps' % pid) as f:
            for line in f:
                m = re.match(r'^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(\S*)',
                             line)
                if m:
                    size = (int(m.group(2), 16) - int(m.group(1), 16)) >> 10
                    out.append([m.group(3), m.group(4), size, 0])
                elif line.startswith('Rss:') and out:
                    out[-1][3] = int(line.split()[1])
    except OSError:
        return None
    return out


def tcg_cache_kib(pid):
    """RSS of TCG's translation cache: the largest executable anonymous
    mapping (tcg's code_gen_buffer, 1 GiB of address space by default).

    It fills as the guest runs code it has not run before, 2 MiB at a time
    with transparent huge pages, up to its size, and then starts over:
    memory QEMU uses by design, not the growth this soak looks for.
    """
    maps = smaps_rss_kib(pid)
    if maps is None:
        return None
    return max([(size, rss) for perm, name, size, rss in maps
                if 'x' in perm and not name] or [(0, 0)])[1]


def rss_breakdown_kib(pid):
    """QEMU's RSS by kind of mapping: the main heap ([heap], glibc's brk
    arena), other anonymous memory (thread arenas, stacks, RAM blocks,
    TCG's cache), file-backed (binaries, libraries), for finding what a
    growth is made of."""
    maps = smaps_rss_kib(pid)
    if maps is None:
        return None
    out = {'heap': 0, 'anon': 0, 'file': 0}
    for perm, name, size, rss in maps:
        out['heap' if name == '[heap]' else
            'file' if name.startswith('/') else 'anon'] += rss
    return out


def rss_kib(pid):
    try:
        with open('/proc/%d/status' % pid) as f:
            for line in f:
                if line.startswith('VmRSS:'):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


class GuestRun:
    """One QEMU with its guest in the soak step; samples RSS meanwhile."""

    def __init__(self, nic, qemu_dir, seconds, interval):
        self.nic, self.seconds, self.interval = nic, seconds, interval
        self.servers = e2e.Servers()
        os.makedirs(OUT, exist_ok=True)
        self.qmp = os.path.join(OUT, nic + '.qmp')
        if os.path.exists(self.qmp):
            os.unlink(self.qmp)
        append = e2e.guest_append(nic, self.servers, ['ifconfig', 'dhcp', 'soak'],
                                  IPERF_SECONDS, 'both')
        append += ' xnet.soak=%d xnet.soak_iperf=%d' % (seconds, IPERF_SECONDS)
        # -mem-prealloc: the guest's RAM is resident from the start, so
        # that RSS measures QEMU's own memory.  Without it the guest's page
        # cache reaching RAM it had not touched yet counts too, in 2 MiB
        # steps (transparent huge pages): the one step of a 30-minute
        # LAN9118 soak on 2026-12-07, flat for 24 minutes after it.
        self.cmd = [a.replace(e2e.ROOT + '/', '') for a in
                    e2e.qemu_command(nic, qemu_dir, append, qmp_path=self.qmp)]
        self.cmd.insert(1, '-mem-prealloc')
        self.log = os.path.join(OUT, nic + '.log')
        # (seconds since start, RSS KiB, of which TCG's translation cache)
        self.samples = []
        self.breakdown = []
        self.results = {}
        self.lines = []

    def run(self):
        start = time.monotonic()
        with open(self.log, 'w') as logf:
            logf.write(' '.join(self.cmd) + '\n')
            proc = subprocess.Popen(self.cmd, cwd=e2e.ROOT, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL)
            reader = threading.Thread(target=lambda: self.lines.extend(
                e2e.iter_lines(proc.stdout, logf)), daemon=True)
            reader.start()
            try:
                self._watch(proc, start)
            finally:
                if proc.poll() is None:
                    proc.kill()
                proc.wait()
                reader.join(5)
                self.servers.close()
        report = next((l for l in self.lines if e2e.SANITIZER_REPORT.search(l)), None)
        self.results['sanitizers'] = ('fail', {'why': report}) if report else ('ok', {})

    def _watch(self, proc, start):
        """Sample until the guest says done, or a deadline passes."""
        deadline = start + 180 + self.seconds + 120
        next_sample, seen = start, 0
        while time.monotonic() < deadline and proc.poll() is None:
            now = time.monotonic()
            if now >= next_sample:
                rss, tcg = rss_kib(proc.pid), tcg_cache_kib(proc.pid)
                if rss is not None and tcg is not None:
                    self.samples.append((now - start, rss, tcg))
                    if len(self.samples) % 6 == 1:      # every minute
                        self.breakdown.append(
                            (now - start, tcg, rss_breakdown_kib(proc.pid)))
                next_sample += self.interval
            while seen < len(self.lines):
                m = re.match(r'.*XNET: (\S+) ?(ok|fail)?(.*)', self.lines[seen])
                seen += 1
                if not m:
                    continue
                name, verdict, rest = m.groups()
                if verdict:
                    self.results[name] = (verdict, e2e.parse_kv(rest))
                if name == 'soak-progress':
                    print('soak: %s %s' % (self.nic, rest.strip()), flush=True)
                if name == 'done':
                    drops = e2e.switch_drops(self.qmp)
                    self.results['switch'] = ('ok' if drops is not None
                                              else 'fail', drops or {})
                    return
            time.sleep(0.2)
        self.results.setdefault('done', ('fail', {'why': 'timed out'}))

    def save(self):
        """Keep the samples, so that runs of separate soaks share one plot."""
        with open(os.path.join(OUT, self.label + '.samples.json'), 'w') as f:
            json.dump({'nic': self.label, 'samples': self.samples}, f)
        # (seconds, TCG's cache, RSS by kind) once a minute, to read by hand
        with open(os.path.join(OUT, self.label + '.breakdown.json'), 'w') as f:
            json.dump(self.breakdown, f)

    def growth_kib(self, warmup, with_tcg=False):
        """RSS at the end less RSS at the end of warm-up (medians of 3),
        without TCG's translation cache unless @with_tcg."""
        after = [r if with_tcg else r - tcg for t, r, tcg in self.samples
                 if t >= warmup]
        if len(after) < 6:
            return None
        return statistics.median(after[-3:]) - statistics.median(after[:3])


class SavedRun:
    """The samples of an earlier run of this soak, for the plot."""

    def __init__(self, path):
        with open(path) as f:
            saved = json.load(f)
        self.nic = saved['nic']
        # runs saved before the cache was sampled: all of it counts
        self.samples = [tuple(s) if len(s) == 3 else (s[0], s[1], 0)
                        for s in saved['samples']]


def saved_runs():
    """Every NIC's last saved run, in a fixed order."""
    return [SavedRun(os.path.join(OUT, f)) for f in sorted(os.listdir(OUT))
            if f.endswith('.samples.json')]


def growth_curve(run, warmup):
    """(seconds, MiB more than at the end of warm-up) after warm-up."""
    after = [(t, r - tcg) for t, r, tcg in run.samples if t >= warmup]
    if len(after) < 3:
        return None, []
    base = statistics.median(r for _, r in after[:3])
    return base, [(t, (r - base) / 1024) for t, r in after]


def svg_plot(runs, path, warmup,
             ylabel="RSS growth without TCG's cache (MiB)"):
    """RSS growth after warm-up (MiB) against time (min), one line per run,
    with the issue's 1 MiB bar; no dependencies."""
    w, h, left, bottom = 640, 320, 60, 40
    curves = [(run, *growth_curve(run, warmup)) for run in runs]
    curves = [(run, base, pts) for run, base, pts in curves if pts]
    if not curves:
        return
    pts = [p for _, _, c in curves for p in c]
    tmin, tmax = warmup, max(t for t, _ in pts)
    tmax = max(tmax, tmin + 1)
    lo = min(-2.0, min(g for _, g in pts) - 0.5)
    hi = max(2.0, max(g for _, g in pts) + 0.5)

    def xy(t, g):
        return (left + (w - left - 10) * (t - tmin) / (tmax - tmin),
                h - bottom - (h - bottom - 10) * (g - lo) / (hi - lo))

    colors = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd']
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif" font-size="12">' % (w, h),
           '<rect width="100%" height="100%" fill="white"/>',
           '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>' %
           (left, h - bottom, w - 10, h - bottom),
           '<line x1="%d" y1="10" x2="%d" y2="%d" stroke="black"/>' %
           (left, left, h - bottom)]
    for g, style in ((0, 'stroke="#999"'),
                     (MAX_GROWTH_KIB / 1024, 'stroke="#d62728" stroke-dasharray="4 3"')):
        x0, y = xy(tmin, g)
        x1, _ = xy(tmax, g)
        out.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" %s/>' %
                   (x0, y, x1, y, style))
    for i in range(5):
        g = lo + (hi - lo) * i / 4
        _, y = xy(tmin, g)
        out.append('<text x="%d" y="%.1f" text-anchor="end">%+.1f</text>' %
                   (left - 5, y + 4, g))
        t = tmin + (tmax - tmin) * i / 4
        x, _ = xy(t, lo)
        out.append('<text x="%.1f" y="%d" text-anchor="middle">%.0f</text>' %
                   (x, h - bottom + 16, t / 60))
    out.append('<text x="%d" y="%d" text-anchor="middle">minutes since QEMU '
               'started (from the end of warm-up; dashed: the 1 MiB bar)</text>' %
               ((w + left) // 2, h - 5))
    out.append('<text x="12" y="%d" transform="rotate(-90 12 %d)" '
               'text-anchor="middle">%s</text>' % (h // 2, h // 2, ylabel))
    for i, (run, base, curve) in enumerate(curves):
        poly = ' '.join('%.1f,%.1f' % xy(t, g) for t, g in curve)
        color = colors[i % len(colors)]
        out.append('<polyline fill="none" stroke="%s" points="%s"/>' % (color, poly))
        out.append('<text x="%d" y="%d" fill="%s">%s (from %.0f MiB)</text>' %
                   (left + 10, 24 + 16 * i, color, run.nic, base / 1024))
    out.append('</svg>')
    with open(path, 'w') as f:
        f.write('\n'.join(out) + '\n')


def verdicts(run, warmup, sanitized=False):
    """(name, ok?, text) rows for one run.  Under ASan, RSS is not judged:
    its quarantine keeps freed memory (up to 256 MiB by default)."""
    growth = run.growth_kib(warmup)
    total = run.growth_kib(warmup, with_tcg=True)
    soak = run.results.get('soak', ('fail', {'why': 'not reached'}))
    counters = run.results.get('counters', ('fail', {}))[1]
    switch = run.results.get('switch', ('fail', {}))[1]
    # queue-full drops would be counted, but this run does not oversubscribe
    return [
        ('soak', soak[0] == 'ok', ' '.join('%s=%s' % kv for kv in soak[1].items())),
        ('rss growth after warm-up',
         sanitized or (growth is not None and growth < MAX_GROWTH_KIB),
         'n/a' if growth is None else
         '%+d KiB without TCG\'s translation cache, %+d KiB with it '
         '(%d samples)%s' % (growth, total, len(run.samples),
                             ', not judged under ASan' if sanitized else '')),
        ('guest drops', counters.get('drops') == '0', counters.get('drops', '?')),
        ('switch drops', switch.get('drops') == 0, str(switch.get('drops', '?'))),
        ('sanitizer reports', run.results['sanitizers'][0] == 'ok',
         run.results['sanitizers'][1].get('why', 'none')),
    ]


def main():
    ap = argparse.ArgumentParser(description='qemu-xnet soak run')
    ap.add_argument('--nics', default='lan9118,virtio-legacy')
    ap.add_argument('--minutes', type=float, default=30)
    ap.add_argument('--warmup', type=float, default=5,
                    help='minutes before memory growth is counted')
    ap.add_argument('--interval', type=float, default=10,
                    help='seconds between RSS samples')
    ap.add_argument('--sanitized', action='store_true',
                    help='the ASan/UBSan build of build/fuzz/obj')
    ap.add_argument('--qemu-dir')
    args = ap.parse_args()
    qemu_dir = args.qemu_dir or os.path.join(
        e2e.ROOT, 'build', 'fuzz' if args.sanitized else '', 'obj')
    nics = args.nics.split(',')
    for arch in sorted({e2e.ARCH[e2e.BOARDS[n][0]] for n in nics}):
        e2e.build_image(arch)
    e2e.enter_private_netns()
    warmup = min(args.warmup, args.minutes / 2) * 60
    runs, failed = [], 0
    for nic in nics:
        print('soak: %s for %g minutes (log: %s)' %
              (nic, args.minutes, os.path.relpath(os.path.join(OUT, nic + '.log'),
                                                  e2e.ROOT)), flush=True)
        run = GuestRun(nic, qemu_dir, int(args.minutes * 60), args.interval)
        run.label = nic + ('-sanitized' if args.sanitized else '')
        run.run()
        runs.append(run)
        for name, ok, text in verdicts(run, warmup, args.sanitized):
            print('soak: %-10s %-26s %-4s %s' % (nic, name, 'ok' if ok else 'FAIL', text))
            failed += not ok
    for run in runs:
        run.save()
    svg = os.path.join(OUT, 'soak-rss.svg')
    svg_plot(saved_runs(), svg, warmup)
    print('soak: RSS plot in %s' % os.path.relpath(svg, e2e.ROOT))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
