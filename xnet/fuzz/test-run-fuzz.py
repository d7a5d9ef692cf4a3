#!/usr/bin/env python3
#
# Tests of run-fuzz.py's process handling, with a stand-in for libFuzzer:
# a run is split into processes of at most MAX_INPUTS_PER_PROCESS inputs
# (the harness's virtual clock grows for as long as one process lives);
# a process that keeps spinning after its time is stopped by the watchdog,
# its input saved and recorded as a "timeout-" in the ledger; and one that
# only waits (a fuzzer starved of CPU) is left to finish.  Also: a
# campaign's --until earlier than now means tomorrow, and table --codes
# adds up each code's runs apart.  Prints TAP.
#
# Copyright (c) 2026 The qemu-xnet authors
# SPDX-License-Identifier: GPL-2.0-or-later

import argparse
import datetime
import importlib.util
import json
import os
import stat
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location('run_fuzz',
                                              os.path.join(HERE, 'run-fuzz.py'))
rf = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rf)

# What the runner needs of libFuzzer: -runs, -artifact_prefix, the final
# stats, and a crash file when a deadly signal (SIGABRT) arrives.
FAKE_FUZZER = r'''#!/usr/bin/env python3
import os, signal, sys, time
opts = dict(a.lstrip('-').split('=', 1) for a in sys.argv[1:]
            if a.startswith('-') and '=' in a)
def deadly_signal(*_):
    open(opts['artifact_prefix'] + 'crash-f00d', 'w').close()
    print('==1== ERROR: libFuzzer: deadly signal', flush=True)
    os._exit(77)
signal.signal(signal.SIGABRT, deadly_signal)
with open(os.environ['FAKE_FUZZER_CALLS'], 'a') as f:
    f.write(opts['runs'] + '\n')
if os.environ.get('FAKE_FUZZER_HANG') == 'spin':
    while True:                     # an input that never returns
        pass
if os.environ.get('FAKE_FUZZER_HANG') == 'starved':
    time.sleep(3)                   # no CPU for a while, then done
print('stat::number_of_executed_units: %s' % opts['runs'])
'''

results = []


def check(ok, what):
    results.append(ok)
    print('%s %d - %s' % ('ok' if ok else 'not ok', len(results), what), flush=True)


def ledger_lines():
    if not os.path.exists(rf.LEDGER):
        return []
    with open(rf.LEDGER) as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    rf.enter_private_netns()
    print('1..10', flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        fake = os.path.join(tmp, 'qemu-fuzz-fake')
        with open(fake, 'w') as f:
            f.write(FAKE_FUZZER)
        os.chmod(fake, os.stat(fake).st_mode | stat.S_IXUSR)
        calls = os.path.join(tmp, 'calls')
        os.environ['FAKE_FUZZER_CALLS'] = calls
        rf.FUZZ = os.path.join(tmp, 'fuzz')
        rf.LEDGER = os.path.join(tmp, 'campaign.jsonl')
        rf.fuzzer_binary = lambda t: fake
        name = 'smc91c111'              # seeds and a kept corpus, no firmware

        rf.MAX_INPUTS_PER_PROCESS = 3
        args = argparse.Namespace(target=name, seconds=600, runs=7, timeout=10,
                                  background=False)
        rc = rf.cmd_run(args)
        with open(calls) as f:
            per_process = [int(line) for line in f]
        check(rc == 0 and per_process == [3, 3, 1],
              'run --runs 7 ran processes of 3, 3 and 1 inputs: %s' % per_process)
        check([r['executions'] for r in ledger_lines()] == [3, 3, 1],
              'each process has its ledger line')

        os.remove(rf.LEDGER)
        os.environ['FAKE_FUZZER_HANG'] = 'spin'
        rf.WATCHDOG_GRACE_SECONDS = 1
        rf.WATCHDOG_POLL_SECONDS = 0.2
        args.seconds = 1
        start = time.monotonic()
        rc = rf.cmd_run(args)
        took = time.monotonic() - start
        runs = ledger_lines()
        check(rc == 1 and took < 30, 'a spinning process is stopped (%.1f s)' % took)
        check(len(runs) == 1 and runs[0]['new_crashes'] == ['timeout-f00d'],
              'its input is recorded as a timeout: %s' %
              [r['new_crashes'] for r in runs])
        crash_dir = os.path.join(rf.FUZZ, 'crashes', name)
        check(os.listdir(crash_dir) == ['timeout-f00d'], 'and saved as timeout-f00d')

        os.remove(rf.LEDGER)
        os.remove(os.path.join(crash_dir, 'timeout-f00d'))
        os.environ['FAKE_FUZZER_HANG'] = 'starved'
        args.runs = 3
        rc = rf.cmd_run(args)
        runs = ledger_lines()
        check(rc == 0 and [r['exit_code'] for r in runs] == [0],
              'a process without CPU for 2 s past its time is left to finish')
        check(runs[0]['new_crashes'] == [] and not os.listdir(crash_dir),
              'and nothing is recorded against it')

    utc = datetime.timezone.utc
    late = datetime.datetime(2026, 12, 7, 23, 15, tzinfo=utc)
    check(rf.campaign_deadline('01:30', late) ==
          datetime.datetime(2026, 12, 8, 1, 30, tzinfo=utc),
          'campaign --until 01:30 at 23:15 ends tomorrow at 01:30')
    check(rf.campaign_deadline('23:45', late) ==
          datetime.datetime(2026, 12, 7, 23, 45, tzinfo=utc),
          'campaign --until 23:45 at 23:15 ends today')

    run = dict(date='2026-12-07', seconds=10, executions=100, edges=5,
               corpus=3, new_crashes=[])
    ledger = [dict(run, code='aaa', commit='c1'),
              dict(run, code='bbb', commit='c2', new_crashes=['oom-1']),
              dict(run, code='aaa', commit='c3', edges=7, new_crashes=['crash-2'])]
    rows = [line.split() for line in rf.codes_table(ledger, 'aaa').splitlines()[3:5]]
    check(rows == [['aaa', '(this)', 'c1..c3', '2026-12-07', '2', '20', '200', '7',
                    '3', '1', 'crash'],
                   ['bbb', 'c2', '2026-12-07', '1', '10', '100', '5', '3', '1', 'oom']],
          'table --codes adds up runs per code id: %s' % rows)
    return 0 if all(results) else 1


if __name__ == '__main__':
    sys.exit(main())
