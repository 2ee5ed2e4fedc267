// CPU time of this process and of another one (by pid), for the cost scripts: figures that do
// not depend on how loaded the machine is, unlike the rates of bench/run.mjs.
import { readFileSync } from 'node:fs';

/** CPU ms (user + system) a process used so far, from /proc/PID/stat (clock ticks of 10 ms). */
export function cpuMsOf(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Starts counting; the returned function gives µs of CPU per operation here and in `pid`. */
export function countCpu(pid) {
  const here = process.cpuUsage();
  const there = cpuMsOf(pid);
  const t0 = performance.now();
  return (ops) => {
    const used = process.cpuUsage(here);
    return {
      perSecond: Math.round(ops / ((performance.now() - t0) / 1e3)),
      hereUsPerOp: +((used.user + used.system) / ops).toFixed(2),
      peerUsPerOp: +(((cpuMsOf(pid) - there) * 1000) / ops).toFixed(2),
    };
  };
}

/** The multiproc build to measure: argv `--dist PATH` (another checkout's dist/index.js, for a before/after), else this one's. */
export function distPath() {
  const at = process.argv.indexOf('--dist');
  return at > 0 ? new URL(process.argv[at + 1], `file://${process.cwd()}/`).href : new URL('../../dist/index.js', import.meta.url).href;
}
