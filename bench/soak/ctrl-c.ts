// Ctrl+C of a program running a Pool: SIGINT to its whole process group (what a terminal sends)
// while both workers are busy. The program must end, and no process of its tree may be left
// (found by the marker in their environment, and by the process group): no orphans.
import { readdirSync } from 'node:fs';
import type { StartMethod } from '../../src/index.ts';
import { findMarked, killAll, readStat, waitForNoneMarked } from './proc.ts';
import { Failures, HUNG, row, spread, within, type Row } from './row.ts';
import { announced, startProgram } from './script.ts';

const UP_DEADLINE_MS = 120_000;
const GONE_DEADLINE_MS = 15_000;

/** `count` Ctrl+C's of a busy Pool's program under `method`. */
export async function ctrlC(method: StartMethod, count: number): Promise<Row> {
  const startedAt = performance.now();
  const failures = new Failures();
  const goneMs: number[] = [];
  const endings = new Map<string, number>();
  for (let round = 0; round < count; round++) {
    const program = startProgram('pool-main.ts', [method], true);
    const group = program.child.pid as number;
    try {
      const workers = await announced(program.dir, 2, UP_DEADLINE_MS);
      if (workers.length < 2) failures.add(`round ${round}: ${workers.length} of 2 workers busy within ${UP_DEADLINE_MS} ms`);
      const pressedAt = performance.now();
      process.kill(-group, 'SIGINT');
      const ended = await within(program.ended, GONE_DEADLINE_MS);
      if (ended === HUNG) failures.add(`round ${round}: the program still runs ${GONE_DEADLINE_MS} ms after Ctrl+C`);
      else endings.set(ended.signal ?? `exit ${ended.code}`, (endings.get(ended.signal ?? `exit ${ended.code}`) ?? 0) + 1);
      // A process in the middle of exiting no longer shows its environment: wait for the group too.
      const survivors = await waitForNoneMarked(program.marker, GONE_DEADLINE_MS);
      let inGroup = groupMembers(group);
      while (inGroup.length > 0 && performance.now() - pressedAt < GONE_DEADLINE_MS) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        inGroup = groupMembers(group);
      }
      goneMs.push(performance.now() - pressedAt);
      if (survivors.length > 0 || inGroup.length > 0) {
        failures.add(
          `round ${round}: left after Ctrl+C: ${survivors
            .map((s) => `${s.pid} ${s.cmdline}`)
            .join('; ')
            .slice(0, 300)} (group ${group}: ${inGroup.map((pid) => `${pid} ${readStat(pid)?.state ?? 'gone'}`).join(', ')})`,
        );
      }
    } finally {
      killAll([...findMarked(program.marker).map((p) => p.pid), ...groupMembers(group)]);
      program.cleanUp();
    }
  }
  const figures = `ended by ${[...endings].map(([how, n]) => `${how} ×${n}`).join(', ')}; tree gone after ${spread(goneMs)}`;
  return row('Ctrl+C of a busy Pool', method, count, failures, figures, startedAt);
}

/** Live processes of process group `group`. */
function groupMembers(group: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      const stat = readStat(pid);
      return stat !== null && stat.pgrp === group && stat.state !== 'Z';
    });
}
