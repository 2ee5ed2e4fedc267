# Per-step probes of a Pool start (issue 16), applied to a COPY of a checkout, never committed:
#   python3 bench/costs/pool-start-probes.py DIR && (cd DIR && npm run build)
# Each probe writes `MARK pid µs label @cpu=ms @flt=n` to stderr under MP_MARKS=1: CLOCK_MONOTONIC
# (one clock for every process), the process's CPU time and minor page faults so far. Steps: the
# parent (new Pool, each start(), each batch sent and answered), the fork server (request
# handled, modules imported, fork, answer), the child (fork, the server left, the preparation
# rebuilt, the target imported, the worker's entry), and the worker (batch received, each chunk,
# results sent). bench/costs/pool-start.mjs runs rounds; bench/costs/pool-start-steps.py reads them.
import re, sys
root = sys.argv[1]
def edit(path, pairs, imp):
    p = f'{root}/{path}'
    s = open(p).read()
    for a, b in pairs:
        if isinstance(a, re.Pattern):
            s, n = a.subn(b, s, count=1)
        else:
            n = s.count(a); s = s.replace(a, b, 1)
        assert n >= 1, (path, a)
    i = s.index('\nimport ') + 1
    s = s[:i] + imp + '\n' + s[i:]
    open(p, 'w').write(s)
open(f'{root}/src/mark-tmp.ts', 'w').write('''// Temporary probe: cross-process marks on CLOCK_MONOTONIC with this process's CPU and minor faults, under MP_MARKS=1.
import { writeSync } from 'node:fs';
const on = process.env.MP_MARKS === '1';
/** Write one mark. */
export function mark(label: string): void {
  if (!on) return;
  const [s, ns] = process.hrtime();
  const c = process.cpuUsage();
  const f = process.resourceUsage().minorPageFault;
  writeSync(2, `MARK ${process.pid} ${(s * 1e6 + ns / 1e3).toFixed(0)} ${label} @cpu=${((c.user + c.system) / 1000).toFixed(2)} @flt=${f}\\n`);
}
''')
edit('src/pool/workers.ts', [
  (re.compile(r"(\n    const \[parentEnd, childEnd\] = )"), r"\n    mark('P worker-begin');\1"),
  ("      process.start();", "      mark('P start()');\n      process.start();\n      mark('P started ' + process.pid);"),
], "import { mark } from '../mark-tmp.ts';")
edit('src/pool/dispatch.ts', [
  ("    worker.batches.push(batch);", "    worker.batches.push(batch);\n    mark('P send w' + worker.seq + ' n' + tasks.length);"),
  ("    if (this.#trace !== null) this.#traceResults(this.#trace, worker, message);", "    mark('P results w' + worker.seq);\n    if (this.#trace !== null) this.#traceResults(this.#trace, worker, message);"),
], "import { mark } from '../mark-tmp.ts';")
edit('src/pool/pool.ts', [("    const own = (options", "    mark('P new Pool');\n    const own = (options")], "import { mark } from '../mark-tmp.ts';")
edit('src/pool/worker.ts', [
  ("  const entry = trace ? monotonicMicros() : 0;", "  mark('W entry');\n  const entry = trace ? monotonicMicros() : 0;"),
  ("    if (message.t === 'stop') break;", "    mark('W got ' + message.t);\n    if (message.t === 'stop') break;"),
  ("      await sendResults(conn, list);\n", "      mark('W ran');\n      await sendResults(conn, list);\n      mark('W sent');\n"),
  ("    const fn = (await resolveFunction(task.fn)) as AnyFunction;\n    values = await runChunk(", "    mark('W task');\n    const fn = (await resolveFunction(task.fn)) as AnyFunction;\n    mark('W resolved');\n    values = await runChunk("),
  ("    return { t: 'result', id: task.id, ok: false, error: toWireError(error) };\n  }\n  return {", "    return { t: 'result', id: task.id, ok: false, error: toWireError(error) };\n  }\n  mark('W chunk');\n  return {"),
  ("    await conn.send(trace === undefined ? { t: 'results', list } : { t: 'results', list, trace });", "    const sent = conn.send(trace === undefined ? { t: 'results', list } : { t: 'results', list, trace });\n    mark('W send called');\n    await sent;"),
], "import { mark } from '../mark-tmp.ts';")
edit('src/bootstrap/forkserver-main.ts', [
  ("  const fds = pendingFds.splice(0, request.fdCount);", "  mark('S handle start');\n  const fds = pendingFds.splice(0, request.fdCount);"),
  ("  const ready = takeSpare();", "  mark('S imported');\n  const ready = takeSpare();"),
  ("  if (pid === 0) return runServerChild(prep, fds);", "  if (pid === 0) {\n    mark('C forked');\n    return runServerChild(prep, fds);\n  }\n  mark('S forked ' + pid);"),
  (re.compile(r"(  lastStart = performance\.now\(\);\n)"), r"\1  mark('S replied ' + pid);\n"),
  ("  useInThreadLoader();\n  return exit;", "  useInThreadLoader();\n  mark('C left server');\n  return exit;"),
], "import { mark } from '../mark-tmp.ts';")
edit('src/bootstrap/run-child.ts', [
  ("  becomeChild({\n    name: prep.name,", "  mark('C runPrepared');\n  becomeChild({\n    name: prep.name,"),
  ("    runAfterForkHooksInSpawnedChild();", "    mark('C prepared');\n    runAfterForkHooksInSpawnedChild();"),
  ("  const values = rebuildInChild(prep.payload, handles);", "  const values = rebuildInChild(prep.payload, handles);\n  mark('C rebuilt');"),
  ("  await rebuildsSettled();", "  mark('C imported');\n  await rebuildsSettled();"),
], "import { mark } from '../mark-tmp.ts';")
print('ok')
