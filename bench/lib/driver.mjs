// A long-lived helper process driven over stdin/stdout with a request/response protocol, so that
// rows that must run in another process (Python, `node --single-threaded`, `node --import tsx`)
// still interleave with the runner's own rows, and the helper's start-up is never measured.
//
// Protocol, one JSON object per line:
//   request  (runner -> helper, stdin):  {"id": 1, "cmd": "startJoin", "params": {...}}
//   response (helper -> runner, stdout): @@bench {"id": 1, "ok": true, "value": 12.3}
//                                        @@bench {"id": 1, "ok": false, "error": "..."}
// Only stdout lines that start with the marker are responses; anything else (a child's output,
// since children inherit stdout) is copied to stderr with the driver's name.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ROOT } from './common.mjs';

export const MARK = '@@bench ';

const live = new Map(); // key -> Driver

/** One helper process. */
export class Driver {
  #child;
  #pending = new Map();
  #nextId = 1;
  #exited = null; // exit description once the helper is gone

  constructor(name, command, args, { env = {} } = {}) {
    this.name = name;
    this.#child = spawn(command, args, {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, ...env },
    });
    this.#child.on('error', (err) => this.#fail(`${name}: ${err.message}`));
    this.#child.on('exit', (code, signal) => this.#fail(`${name} exited (${signal ?? `code ${code}`})`));
    this.#child.stdin.on('error', () => {}); // EPIPE after the helper died: reported by 'exit'
    createInterface({ input: this.#child.stdout }).on('line', (line) => {
      if (!line.startsWith(MARK)) {
        process.stderr.write(`[${name}] ${line}\n`);
        return;
      }
      const msg = JSON.parse(line.slice(MARK.length));
      const waiter = this.#pending.get(msg.id);
      if (!waiter) return;
      this.#pending.delete(msg.id);
      if (msg.ok) waiter.resolve(msg.value);
      else waiter.reject(new Error(msg.error));
    });
  }

  get pid() {
    return this.#child.pid;
  }

  #fail(why) {
    this.#exited ??= why;
    for (const { reject } of this.#pending.values()) reject(new Error(why));
    this.#pending.clear();
  }

  /** Sends one request; resolves with the helper's value, rejects with its error. */
  request(cmd, params = {}) {
    if (this.#exited) return Promise.reject(new Error(this.#exited));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#child.stdin.write(`${JSON.stringify({ id, cmd, params })}\n`);
    });
  }

  /** Ends the helper: EOF on its stdin, then SIGKILL if it has not gone after `graceMs`. */
  async close(graceMs = 5000) {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const gone = new Promise((resolve) => this.#child.once('exit', resolve));
    this.#child.stdin.end();
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(timer);
  }
}

/** The driver registered under `key`, started by `create()` on first use. */
export function getDriver(key, create) {
  let d = live.get(key);
  if (!d) {
    d = create();
    live.set(key, d);
  }
  return d;
}

/** Closes every driver started so far (the runner calls this after each group). */
export async function closeAllDrivers() {
  const all = [...live.values()];
  live.clear();
  await Promise.all(all.map((d) => d.close()));
}

/** The Python 3 helper (bench/python/driver.py). */
export const pythonDriver = () => getDriver('python', () => new Driver('python', 'python3', ['-u', 'bench/python/driver.py']));

/**
 * A Node helper (bench/drivers/node-driver.mjs) started with `flags`, serving the commands
 * exported by `handlers` (a path relative to the repository root).
 */
export const nodeDriver = (flags, handlers) =>
  getDriver(
    `node ${flags.join(' ')} ${handlers}`,
    () => new Driver(`node ${flags.join(' ')}`.trim(), process.execPath, [...flags, 'bench/drivers/node-driver.mjs', handlers]),
  );
