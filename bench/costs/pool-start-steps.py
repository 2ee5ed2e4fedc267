# Median CPU time and minor page faults of each step of a Pool worker's start, from the MARK
# lines of bench/costs/pool-start.mjs run on a probed build (bench/costs/pool-start-probes.py):
#   python3 bench/costs/pool-start-steps.py marks.txt [more.txt …]
# Round 0 (the fork server's own start) is left out. Per worker process: the CPU and faults
# between consecutive marks of that process (its first pass through each step), and `fork → the
# server left` as the totals at that mark (a fork-server child's counts start at its fork). Also:
# how many workers were fresh forks and how many were served by a warm spare, and the median
# start + map.
import re
import statistics as st
import sys
from collections import defaultdict

steps = defaultdict(list)
starts = forks = 0
totals = []
for name in sys.argv[1:]:
    rnd = -1
    per = defaultdict(list)
    for line in open(name):
        if line.startswith('TOTAL') and rnd >= 1:
            totals.append(float(line.split()[1]))
        m = re.match(r'MARK (\d+) (\d+) (.*?)(?: @cpu=([\d.]+) @flt=(\d+))?$', line.strip())
        if not m:
            continue
        pid, _, label, cpu, flt = m.groups()
        if label.startswith('ROUND'):
            rnd = int(label.split()[1])
            continue
        if rnd < 1 or cpu is None:
            continue
        starts += label.startswith('S replied')
        forks += label.startswith('S forked')
        if label.startswith(('C ', 'W ')) and label != 'C forked':
            per[(name, rnd, pid)].append((label, float(cpu), int(flt)))
    for events in per.values():
        seen = set()
        if events[0][0] == 'C left server':
            steps['fork → C left server (totals)'].append(events[0][1:])
        for (a, ca, fa), (b, cb, fb) in zip(events, events[1:]):
            key = f'{a} → {b}'
            if key not in seen:
                seen.add(key)
                steps[key].append((cb - ca, fb - fa))
print(f'workers started: {starts}, fresh forks: {forks}, served by a spare: {starts - forks}')
if totals:
    print(f'start + map: median {st.median(totals):.1f} ms over {len(totals)} rounds')
for key, values in steps.items():
    if len(values) >= 3:
        cpu = st.median(v[0] for v in values)
        faults = st.median(v[1] for v in values)
        print(f'{key:36} n={len(values):3}  CPU {cpu:5.2f} ms  faults {faults:4.0f}')
