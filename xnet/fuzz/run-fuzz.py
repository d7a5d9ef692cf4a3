#!/usr/bin/env python3
#
# qemu-xnet fuzzing: run QEMU's generic fuzzer on our targets
# (xnet/fuzz/targets.conf), keep the figures, turn crashes into traces.
#
# Copyright (c) 2026 The qemu-xnet authors
# SPDX-License-Identifier: GPL-2.0-or-later
#
#   run-fuzz.py list
#   run-fuzz.py run TARGET [--seconds N] [--runs N] [--background]
#   run-fuzz.py campaign [TARGET...] --until HH:MM [--slice N]
#                                      each target in turn, in the background
#   run-fuzz.py trace TARGET INPUT     print INPUT as a qtest command trace
#   run-fuzz.py table                  the results as an rST table
#   run-fuzz.py keep TARGET...         minimize the corpus into the tree
#   run-fuzz.py replay [TARGET...]     run every kept input once (no fuzzing)
#   run-fuzz.py clock [TARGET...]      virtual time each kept input takes (gdb)
#
# A run starts from build/fuzz/corpus/TARGET, seeded from the small corpus in
# xnet/fuzz/seeds/TARGET and the kept corpus xnet/fuzz/corpus/TARGET.tar.xz,
# so that a campaign goes on where the last piece stopped, on any checkout.
# Inputs that crash land in build/fuzz/crashes/TARGET, the run's figures in
# build/fuzz/results/TARGET.json and, one line per run, in the campaign's
# ledger xnet/fuzz/campaign.jsonl, which is committed: each line names the
# code the run fuzzed (code_id()), so that the table can add up the
# executions that ran on today's code across sessions and machines.
# Everything runs in a private network namespace, like the guest tests.

import argparse
import collections
import configparser
import datetime
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'xnet', 'guest'))
from e2e import enter_private_netns  # noqa: E402  (the network rule)

FUZZ = os.path.join(ROOT, 'build', 'fuzz')
OBJ = os.path.join(FUZZ, 'obj')
SEEDS = os.path.join(ROOT, 'xnet', 'fuzz', 'seeds')
KEPT = os.path.join(ROOT, 'xnet', 'fuzz', 'corpus')
LEDGER = os.path.join(ROOT, 'xnet', 'fuzz', 'campaign.jsonl')
# What a fuzz binary is built from, besides upstream: our sources, our
# patches (the fuzzer's harness among them); and the target's own section
# of targets.conf.
# Docs, tests and scripts do not change what is fuzzed.
CODE_PATHS = ('hw', 'net', 'include', 'qapi', 'patches', 'configure')
CRASH_PREFIXES = ('crash-', 'leak-', 'timeout-', 'oom-')

# The sanitizers stop at the first error and say where; leaks in QEMU's
# start-up are upstream's and not what these targets look for.
SANITIZER_ENV = {
    'ASAN_OPTIONS': 'detect_leaks=0:abort_on_error=1:symbolize=1',
    'UBSAN_OPTIONS': 'halt_on_error=1:abort_on_error=1:print_stacktrace=1',
}


def targets():
    cp = configparser.ConfigParser(interpolation=None)
    cp.read(os.path.join(ROOT, 'xnet', 'fuzz', 'targets.conf'))
    out = {}
    for name in cp.sections():
        sec = cp[name]
        out[name] = {
            'arch': sec['arch'],
            'args': ' '.join(sec['args'].split()).replace('{root}', ROOT),
            'objects': ' '.join(sec['objects'].split()),
        }
    return out


def target(name):
    all_targets = targets()
    if name not in all_targets:
        sys.exit('run-fuzz: no target %r (have: %s)' % (name, ', '.join(all_targets)))
    return all_targets[name]


def fuzzer_env(t):
    env = dict(os.environ, **SANITIZER_ENV)
    env['QEMU_FUZZ_ARGS'] = t['args']
    env['QEMU_FUZZ_OBJECTS'] = t['objects']
    return env


def ensure_firmware(t):
    """The firmware of -L {root}/build/firmware, fetched with apt."""
    if 'build/firmware' in t['args']:
        subprocess.run([os.path.join(ROOT, 'xnet', 'fetch-firmware.sh')],
                       check=True)


def fuzzer_binary(t):
    exe = os.path.join(OBJ, 'qemu-fuzz-' + t['arch'])
    if not os.access(exe, os.X_OK):
        sys.exit('run-fuzz: %s is missing: run "make fuzz" first' % exe)
    return exe


def child_in_own_netns(t):
    """A program that runs the fuzzer in a network namespace of its own.

    libFuzzer's -merge=1 starts its child processes with the parent's
    argv[0], and each child starts a QEMU of its own beside the parent's:
    a target that binds fixed ports (vxlan-decap) fails to start in the
    parent's namespace, and libFuzzer retries it forever.  So the parent
    runs with this program as its argv[0].  It lives beside the fuzzer,
    whose directory QEMU takes from argv[0] for its data files.
    """
    exe = fuzzer_binary(t)
    wrapper = exe + '-own-netns'
    with open(wrapper, 'w') as f:
        f.write('#!/bin/sh\n'
                '# run-fuzz.py keep: a merge child in a network namespace of its own\n'
                'exec unshare --net -- sh -c \'ip link set lo up && exec "$0" "$@"\' '
                '%s "$@"\n' % shlex.quote(exe))
    os.chmod(wrapper, 0o755)
    return wrapper


def kept_corpus(name):
    return os.path.join(KEPT, name + '.tar.xz')


def unpack_kept(name, corpus):
    """Add the kept corpus's inputs to @corpus; returns how many it has."""
    path = kept_corpus(name)
    if not os.path.exists(path):
        return 0
    with tarfile.open(path) as tar:
        members = [m for m in tar.getmembers()
                   if m.isfile() and '/' not in m.name and not m.name.startswith('.')]
        for m in members:
            dst = os.path.join(corpus, m.name)
            if not os.path.exists(dst):
                with open(dst, 'wb') as f:
                    f.write(tar.extractfile(m).read())
    return len(members)


def seed_corpus(name, corpus):
    os.makedirs(corpus, exist_ok=True)
    seeds = os.path.join(SEEDS, name)
    if os.path.isdir(seeds):
        for f in os.listdir(seeds):
            dst = os.path.join(corpus, f)
            if not os.path.exists(dst):
                shutil.copy(os.path.join(seeds, f), dst)
    unpack_kept(name, corpus)


def crashes(crash_dir):
    if not os.path.isdir(crash_dir):
        return []
    return sorted(f for f in os.listdir(crash_dir) if f.startswith(CRASH_PREFIXES))


# libFuzzer's status lines ("#1234 pulse cov: 567 ft: 890 corp: 12/3Kb ...")
# and its -print_final_stats=1 block ("stat::number_of_executed_units: N").
STATUS = re.compile(r'^#(\d+)\s+\S+\s+cov: (\d+) ft: (\d+) corp: (\d+)/')
FINAL = re.compile(r'^stat::(\w+):\s+(\d+)')


def parse_log(path):
    figures = {}
    with open(path, errors='replace') as f:
        for line in f:
            m = STATUS.match(line)
            if m:
                figures['edges'] = int(m.group(2))
                figures['features'] = int(m.group(3))
                figures['corpus'] = int(m.group(4))
            m = FINAL.match(line)
            if m:
                figures[m.group(1)] = int(m.group(2))
    return figures


def run_in_background():
    """Take only CPU time nothing else wants (SCHED_IDLE), for campaigns
    beside builds and benchmarks; the fuzzer inherits it."""
    os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))


# One fuzzer process runs at most this many inputs; cmd_run() starts the
# next.
# The harness resets the machine after each input but never the virtual
# clock, and each clock_step jumps to the next timer's deadline: on the
# kept corpora an input moves it by 0.02 s (virtio-net-legacy-pci) to
# 2,360 s (smc91c111) of virtual time on average ("run-fuzz.py clock"), so
# after about 4 million inputs in one process it nears INT64_MAX ns (292
# years), where a slirp timer's deadline wraps into the past and fires
# forever (vxlan-decap, 2026-12-07, after 3.79 million).  A quarter of
# that keeps every process well clear of it.
MAX_INPUTS_PER_PROCESS = 1000000

# libFuzzer's -timeout comes with SIGALRM, which QEMU blocks in its main
# thread and hands to libFuzzer's handler from its main loop (signalfd), so
# a loop inside a timer or device callback never times out; -max_total_time
# is only checked between inputs.  Such an input would stop a campaign for
# good.  A process that spends this much CPU time after its time is up is
# hung: SIGABRT makes libFuzzer save the input it is in (as "crash-"),
# which run_process() renames "timeout-".  CPU time, not wall-clock time:
# a background fuzzer that a build starves for half an hour is not hung.
# A process that stops using the CPU altogether (a deadlock) is stopped
# the same way after WATCHDOG_WALL_SECONDS.
WATCHDOG_GRACE_SECONDS = 600
WATCHDOG_WALL_SECONDS = 6 * 3600
WATCHDOG_POLL_SECONDS = 10


def cpu_seconds(pid):
    """User and system time of process @pid, all its threads."""
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def run_fuzzer(cmd, env, log, seconds):
    """Run one fuzzer process; its exit code, and whether it hung."""
    with open(log, 'w') as f:
        proc = subprocess.Popen(cmd, env=env, stdout=f, stderr=subprocess.STDOUT,
                                cwd=FUZZ)
        try:
            return proc.wait(timeout=seconds), False
        except subprocess.TimeoutExpired:
            pass
        cpu_at_end = cpu_seconds(proc.pid)
        wall_at_end = time.monotonic()
        while True:
            try:
                return proc.wait(timeout=WATCHDOG_POLL_SECONDS), False
            except subprocess.TimeoutExpired:
                pass
            if (cpu_seconds(proc.pid) - cpu_at_end > WATCHDOG_GRACE_SECONDS or
                    time.monotonic() - wall_at_end > WATCHDOG_WALL_SECONDS):
                break
        proc.send_signal(signal.SIGABRT)
        try:
            return proc.wait(timeout=120), True
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait(), True


def rename_as_timeouts(crash_dir, names):
    out = []
    for name in names:
        if name.startswith('crash-'):
            new = 'timeout-' + name[len('crash-'):]
            os.rename(os.path.join(crash_dir, name), os.path.join(crash_dir, new))
            name = new
        out.append(name)
    return out


def run_process(name, t, code, runs, seconds, timeout):
    """One fuzzer process on @name's corpus, recorded in the ledger."""
    exe = fuzzer_binary(t)
    corpus = os.path.join(FUZZ, 'corpus', name)
    crash_dir = os.path.join(FUZZ, 'crashes', name)
    before = set(crashes(crash_dir))
    log = os.path.join(FUZZ, 'logs', name + '.log')
    cmd = [exe, '--fuzz-target=generic-fuzz', corpus,
           '-max_total_time=%d' % seconds, '-runs=%d' % runs,
           '-artifact_prefix=%s/' % crash_dir, '-print_final_stats=1',
           '-timeout=%d' % timeout]
    print('run-fuzz: %s for up to %d s or %d runs (log: %s)' %
          (name, seconds, runs, os.path.relpath(log, ROOT)), flush=True)
    start = datetime.datetime.now(datetime.timezone.utc)
    rc, hung = run_fuzzer(cmd, fuzzer_env(t), log, seconds)
    elapsed = (datetime.datetime.now(datetime.timezone.utc) - start).total_seconds()
    figures = parse_log(log)
    new = sorted(set(crashes(crash_dir)) - before)
    if hung:
        print('run-fuzz: %s: hung after its time was up, stopped with SIGABRT'
              % name, flush=True)
        new = rename_as_timeouts(crash_dir, new)
    result = {
        'target': name,
        'date': start.strftime('%Y-%m-%d'),
        'seconds': round(elapsed),
        'executions': figures.get('number_of_executed_units', 0),
        'exec_per_sec': figures.get('average_exec_per_sec', 0),
        'edges': figures.get('edges', 0),
        'corpus': figures.get('corpus', 0),
        'peak_rss_mb': figures.get('peak_rss_mb', 0),
        'new_crashes': new,
        'exit_code': rc,
    }
    with open(os.path.join(FUZZ, 'results', name + '.json'), 'w') as f:
        json.dump(result, f, indent=1)
    result['commit'] = source_commit()
    result['code'] = code
    with open(LEDGER, 'a') as f:
        f.write(json.dumps(result, sort_keys=True) + '\n')
    print('run-fuzz: %(target)s: %(executions)d executions in %(seconds)d s '
          '(%(exec_per_sec)d/s), %(edges)d edges, corpus %(corpus)d' % result)
    if new or rc != 0:
        print('run-fuzz: %s: exit code %d, new crashes: %s (see %s)' %
              (name, rc, ' '.join(new) or 'none', os.path.relpath(log, ROOT)))
    return result


def cmd_run(args):
    """Fuzz one target for --seconds or --runs inputs, whichever ends first,
    in processes of at most MAX_INPUTS_PER_PROCESS inputs each."""
    t = target(args.target)
    fuzzer_binary(t)                    # a missing build stops us here
    if args.background:
        run_in_background()
    if os.environ.get('XNET_IN_NETNS') != '1':
        ensure_firmware(t)              # apt needs the network
    enter_private_netns()
    for d in ('crashes/' + args.target, 'logs', 'results'):
        os.makedirs(os.path.join(FUZZ, d), exist_ok=True)
    seed_corpus(args.target, os.path.join(FUZZ, 'corpus', args.target))
    code = code_id(args.target)         # before the tree can change
    end = datetime.datetime.now(datetime.timezone.utc) + \
        datetime.timedelta(seconds=args.seconds)
    runs_left = args.runs
    while True:
        runs = min(runs_left, MAX_INPUTS_PER_PROCESS)
        seconds = (end - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
        result = run_process(args.target, t, code, runs, max(1, int(seconds)),
                             args.timeout)
        if result['new_crashes'] or result['exit_code'] != 0:
            return 1
        runs_left -= result['executions']
        seconds = (end - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
        # libFuzzer stopping short of its -runs means its time was up
        if runs_left <= 0 or result['executions'] < runs or seconds < 60:
            return 0


def source_commit():
    """The commit the fuzzed code is, with '+' when the tree had changes."""
    def git(*a):
        return subprocess.run(['git', '-C', ROOT] + list(a), capture_output=True,
                              text=True).stdout.strip()
    head = git('rev-parse', '--short', 'HEAD') or '?'
    return head + ('+' if git('status', '--porcelain', '--untracked-files=no') else '')


def code_id(name):
    """A digest of the code target @name fuzzes, as it is in the working tree.

    Two runs with the same code_id() fuzzed the same code, whatever commit
    they were on: a commit that only touches docs or tests keeps it, and
    uncommitted edits of a source change it.
    """
    files = subprocess.run(['git', '-C', ROOT, 'ls-files', '--cached', '--others',
                            '--exclude-standard', '--'] + list(CODE_PATHS),
                           capture_output=True, text=True, check=True).stdout.split()
    files = sorted(f for f in set(files) if os.path.isfile(os.path.join(ROOT, f)))
    blobs = subprocess.run(['git', '-C', ROOT, 'hash-object', '--stdin-paths'],
                           input='\n'.join(files) + '\n', capture_output=True,
                           text=True, check=True).stdout.split()
    section = json.dumps(target(name), sort_keys=True).replace(ROOT, '{root}')
    digest = hashlib.sha256(section.encode())
    for path, blob in zip(files, blobs):
        digest.update(('%s %s\n' % (path, blob)).encode())
    return digest.hexdigest()[:12]


def ledger():
    """Every recorded run, oldest first."""
    if not os.path.exists(LEDGER):
        return []
    with open(LEDGER) as f:
        return [json.loads(line) for line in f if line.strip()]


def cmd_keep(args):
    """Minimize build/fuzz/corpus/TARGET (libFuzzer -merge=1) into the tree."""
    enter_private_netns()
    for name in args.targets:
        t = target(name)
        corpus = os.path.join(FUZZ, 'corpus', name)
        if not os.path.isdir(corpus):
            sys.exit('run-fuzz: no corpus for %s: run it first' % name)
        with tempfile.TemporaryDirectory(dir=FUZZ) as merged:
            log = os.path.join(FUZZ, 'logs', name + '.merge.log')
            with open(log, 'w') as f:
                rc = subprocess.run([child_in_own_netns(t), '--fuzz-target=generic-fuzz',
                                     '-merge=1', merged, corpus],
                                    executable=fuzzer_binary(t), env=fuzzer_env(t),
                                    stdout=f, stderr=subprocess.STDOUT,
                                    cwd=FUZZ).returncode
            if rc != 0 or (not os.listdir(merged) and os.listdir(corpus)):
                sys.exit('run-fuzz: merging %s failed (see %s)' % (name, log))
            files = sorted(os.listdir(merged))
            os.makedirs(KEPT, exist_ok=True)
            with tarfile.open(kept_corpus(name), 'w:xz') as tar:
                for fn in files:
                    tar.add(os.path.join(merged, fn), arcname=fn,
                            filter=reproducible)
        print('run-fuzz: %s: %d inputs of %d kept in %s' %
              (name, len(files), len(os.listdir(corpus)),
               os.path.relpath(kept_corpus(name), ROOT)))
    return 0


def reproducible(info):
    info.uid = info.gid = 0
    info.uname = info.gname = ''
    info.mtime = 0
    info.mode = 0o644
    return info


# Inputs that once crashed or ran out of memory, kept apart from the
# minimized corpora (which a merge may leave them out of) and replayed in a
# process of their own, under a memory bound of their own: the inputs with
# a ring or its data in flash took 739 to 1,570 MB each before patches 0018
# and 0020, and take under 190 MB together now.
REGRESSIONS = os.path.join(ROOT, 'xnet', 'fuzz', 'regressions')
REGRESSION_RSS_LIMIT_MB = 512
# A kept corpus replays under the bound its campaign ran under, libFuzzer's
# default: one process that reads a whole corpus ends near 1 GB with no
# growth behind it (ASan's quarantine and the allocator's cached chunks;
# 33 MB of live heap), and more so as the corpus grows.
CORPUS_RSS_LIMIT_MB = 2048


def copy_regressions(name, corpus):
    """Copy @name's regression inputs into @corpus; how many there were."""
    src = os.path.join(REGRESSIONS, name)
    files = sorted(os.listdir(src)) if os.path.isdir(src) else []
    for f in files:
        shutil.copy(os.path.join(src, f), os.path.join(corpus, 'regression-' + f))
    return len(files)


def replay_inputs(name, what, fill, rss_limit_mb, timeout):
    """Run the inputs fill(dir) puts in a fresh dir once; True if all passed."""
    t = target(name)
    with tempfile.TemporaryDirectory(dir=FUZZ) as corpus:
        n = fill(name, corpus)
        if not n:
            return True
        log = os.path.join(FUZZ, 'logs', '%s.replay-%s.log' % (name, what))
        os.makedirs(os.path.dirname(log), exist_ok=True)
        with open(log, 'w') as f:
            rc = subprocess.run([fuzzer_binary(t), '--fuzz-target=generic-fuzz',
                                 '-runs=0', '-timeout=%d' % timeout,
                                 '-rss_limit_mb=%d' % rss_limit_mb,
                                 '-print_final_stats=1',
                                 '-artifact_prefix=%s/' % corpus, corpus],
                                env=fuzzer_env(t), stdout=f,
                                stderr=subprocess.STDOUT, cwd=FUZZ).returncode
    verdict = 'ok' if rc == 0 else 'FAILED (exit code %d, see %s)' % (
        rc, os.path.relpath(log, ROOT))
    print('run-fuzz: replay %s %s: %d inputs: %s' % (name, what, n, verdict),
          flush=True)
    return rc == 0


def kept_targets_in_netns(names):
    """@names, or every target with a kept corpus, with their firmware;
    returns inside the private network namespace."""
    names = names or [n for n in targets() if os.path.exists(kept_corpus(n))]
    if os.environ.get('XNET_IN_NETNS') != '1':
        for name in names:
            ensure_firmware(target(name))   # apt needs the network
    enter_private_netns()
    return names


def cmd_replay(args):
    """Run every kept input once under the sanitizers; no new fuzzing."""
    names = kept_targets_in_netns(args.targets)
    failed = 0
    for name in names:
        failed += not replay_inputs(name, 'corpus', unpack_kept,
                                    CORPUS_RSS_LIMIT_MB, args.timeout)
        failed += not replay_inputs(name, 'regressions', copy_regressions,
                                    REGRESSION_RSS_LIMIT_MB, args.timeout)
    return 1 if failed else 0


def campaign_deadline(hhmm, now):
    """The next time of day hhmm (UTC) after now.

    A time earlier than now is tomorrow's: a campaign started at 23:15
    with --until 01:30 means past midnight, not one that ends before it
    begins.
    """
    until = datetime.datetime.combine(now.date(),
                                      datetime.time.fromisoformat(hhmm),
                                      datetime.timezone.utc)
    if until <= now:
        until += datetime.timedelta(days=1)
    return until


def cmd_campaign(args):
    """Background runs of each target in turn, in slices, until a time.

    Each slice goes on from its target's corpus; a target that crashes
    is left out of the next rounds (its crash needs a look first).
    """
    names = args.targets or list(targets())
    for name in names:
        target(name)
    until = campaign_deadline(args.until,
                              datetime.datetime.now(datetime.timezone.utc))
    failed = set()
    while len(failed) < len(names):
        for name in names:
            left = (until - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
            if left < 60:
                return 1 if failed else 0
            if name in failed:
                continue
            rc = subprocess.run([sys.executable, os.path.abspath(__file__), 'run',
                                 name, '--background', '--runs', str(args.runs),
                                 '--seconds', str(int(min(args.slice, left)))]).returncode
            if rc != 0:
                failed.add(name)
    return 1


def cmd_trace(args):
    """Replay one input with the qtest log on; print the commands it sent.

    Upstream's reorder_fuzzer_qtest_trace.py puts the DMA fills the fuzzer
    made just in time before the access that read them, so the trace
    replays in a plain "qemu-system-ARCH -qtest stdio".
    """
    t = target(args.target)
    exe = fuzzer_binary(t)
    enter_private_netns()
    env = fuzzer_env(t)
    env['QTEST_LOG'] = '1'
    env['FUZZ_SERIALIZE_QTEST'] = '1'
    log = os.path.join(FUZZ, 'logs', args.target + '.trace-log')
    os.makedirs(os.path.dirname(log), exist_ok=True)
    with open(log, 'w') as f:
        subprocess.run([exe, '--fuzz-target=generic-fuzz',
                        os.path.abspath(args.input)], env=env, cwd=FUZZ,
                       stdout=subprocess.DEVNULL, stderr=f)
    reorder = os.path.join(ROOT, 'build', 'src', 'scripts', 'oss-fuzz',
                           'reorder_fuzzer_qtest_trace.py')
    return subprocess.run([sys.executable, reorder, log]).returncode


def cmd_clock(args):
    """How far each kept input moves the virtual clock, on average.

    The harness never resets the clock (MAX_INPUTS_PER_PROCESS): replay
    the kept corpus once under gdb and read qtest_clock_counter at exit.
    """
    names = kept_targets_in_netns(args.targets)
    for name in names:
        t = target(name)
        with tempfile.TemporaryDirectory(dir=FUZZ) as corpus:
            n = unpack_kept(name, corpus)
            out = subprocess.run(
                ['gdb', '-q', '-batch', '-ex', 'break exit', '-ex', 'run',
                 '-ex', 'printf "xnet-clock %ld\\n", qtest_clock_counter',
                 '-ex', 'kill', '--args', fuzzer_binary(t),
                 '--fuzz-target=generic-fuzz', '-runs=0', corpus],
                env=fuzzer_env(t), cwd=FUZZ, capture_output=True, text=True).stdout
        m = re.search(r'^xnet-clock (\d+)$', out, re.M)
        if not m or not n:
            print('run-fuzz: clock %s: no reading (is gdb installed?)' % name)
            continue
        per_input = int(m.group(1)) / n
        print('run-fuzz: clock %s: %d inputs, %.3g s of virtual time each; '
              'INT64_MAX ns after %.3g million inputs in one process' %
              (name, n, per_input / 1e9, (2 ** 63 - 1) / max(per_input, 1) / 1e6),
              flush=True)
    return 0


def rst_table(head, rows):
    widths = [max(len(r[i]) for r in [head] + rows) for i in range(len(head))]
    line = '  '.join('=' * w for w in widths)
    out = [line, '  '.join(h.ljust(w) for h, w in zip(head, widths)).rstrip(), line]
    out += ['  '.join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    return '\n'.join(out + [line])


def runs_table(name, runs, code):
    """Every recorded run of one target, with the code it fuzzed."""
    rows = []
    for r in runs:
        crashes = ', '.join(c.split('-')[0] for c in r['new_crashes']) or 'none'
        rows.append([r['date'], r.get('commit', '?'),
                     (r.get('code') or '-') + (' (this)' if r.get('code') == code else ''),
                     str(r['seconds']), str(r['executions']), str(r['edges']),
                     str(r.get('corpus', '-')), crashes])
    return rst_table(['date', 'commit', 'code', 'seconds', 'executions', 'edges',
                      'corpus', 'crashes'], rows)


def codes_table(runs, code):
    """One target's runs added up per code id, in the order each code was
    first fuzzed: what the campaign spent on each version of the code,
    and what each version's runs found."""
    groups = {}
    for r in runs:
        groups.setdefault(r.get('code') or '-', []).append(r)
    rows = []
    for cid, mine in groups.items():
        commits = [r.get('commit', '?') for r in mine]
        dates = sorted({r['date'] for r in mine})
        kinds = collections.Counter(c.split('-')[0] for r in mine
                                    for c in r['new_crashes'])
        rows.append([cid + (' (this)' if cid == code else ''),
                     commits[0] if commits[0] == commits[-1]
                     else commits[0] + '..' + commits[-1],
                     dates[0] if len(dates) == 1 else dates[0] + '..' + dates[-1][5:],
                     str(len(mine)), str(sum(r['seconds'] for r in mine)),
                     str(sum(r['executions'] for r in mine)),
                     str(max(r['edges'] for r in mine)),
                     str(mine[-1].get('corpus', '-')),
                     ', '.join('%d %s' % (n, k) for k, n in kinds.items()) or 'none'])
    return rst_table(['code', 'commits', 'dates', 'runs', 'seconds', 'executions',
                      'edges', 'corpus', 'crashes'], rows)


def cmd_table(args):
    """Per target: the last run, and the campaign's executions in total and
    on the code of this working tree (runs whose code_id() matches)."""
    runs = ledger()
    rows = []
    codes = {name: code_id(name) for name in targets()}
    for name, code in codes.items():
        mine = [r for r in runs if r['target'] == name]
        if not mine:
            rows.append([name, '-', '-', '-', '-', '0', '0', 'not run'])
            continue
        last = mine[-1]
        on_code = [r for r in mine if r.get('code') == code]
        open_crashes = [c for r in on_code for c in r['new_crashes']]
        rows.append([name, last['date'], str(last['executions']),
                     str(last['exec_per_sec']), str(last['edges']),
                     str(sum(r['executions'] for r in mine)),
                     str(sum(r['executions'] for r in on_code)),
                     ', '.join(open_crashes) or 'none'])
    head = ['target', 'last run', 'executions', 'exec/s', 'edges',
            'all runs', 'this code', 'crashes on this code']
    print(rst_table(head, rows))
    for name in targets() if args.runs or args.codes else []:
        mine = [r for r in runs if r['target'] == name]
        if mine:
            print('\n%s\n%s\n' % (name, '~' * len(name)))
            print(runs_table(name, mine, codes[name]) if args.runs
                  else codes_table(mine, codes[name]))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    sub = ap.add_subparsers(dest='cmd', required=True)
    sub.add_parser('list')
    run = sub.add_parser('run')
    run.add_argument('target')
    run.add_argument('--seconds', type=int, default=1800)
    run.add_argument('--runs', type=int, default=1000000)
    run.add_argument('--timeout', type=int,
                     help='seconds one input may take before it is a hang '
                     '(default 10, or 600 with --background)')
    run.add_argument('--background', action='store_true',
                     help='run at SCHED_IDLE beside other work; libFuzzer '
                     'measures a hang in wall-clock time, which a starved '
                     'or paused fuzzer also spends, hence the longer timeout')
    camp = sub.add_parser('campaign')
    camp.add_argument('targets', nargs='*')
    camp.add_argument('--until', required=True, metavar='HH:MM',
                      help='UTC time after which no new slice starts')
    camp.add_argument('--slice', type=int, default=1200,
                      help='seconds per target before the next one')
    camp.add_argument('--runs', type=int, default=10000000)
    tr = sub.add_parser('trace')
    tr.add_argument('target')
    tr.add_argument('input')
    table = sub.add_parser('table')
    detail = table.add_mutually_exclusive_group()
    detail.add_argument('--runs', action='store_true',
                        help='and every run of each target')
    detail.add_argument('--codes', action='store_true',
                        help='and each target\'s runs added up per code id')
    keep = sub.add_parser('keep')
    keep.add_argument('targets', nargs='+')
    replay = sub.add_parser('replay')
    replay.add_argument('targets', nargs='*')
    replay.add_argument('--timeout', type=int, default=10)
    clock = sub.add_parser('clock')
    clock.add_argument('targets', nargs='*')
    args = ap.parse_args()
    if args.cmd == 'list':
        for name, t in targets().items():
            print('%-24s qemu-fuzz-%s  objects: %s' % (name, t['arch'], t['objects']))
        return 0
    if args.cmd == 'run' and args.timeout is None:
        args.timeout = 600 if args.background else 10
    return {'run': cmd_run, 'trace': cmd_trace, 'table': cmd_table,
            'keep': cmd_keep, 'replay': cmd_replay, 'clock': cmd_clock,
            'campaign': cmd_campaign}[args.cmd](args)


if __name__ == '__main__':
    sys.exit(main())
