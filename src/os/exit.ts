// How a forked child ends. It must never take Node's normal exit path (its shutdown joins V8 and
// platform threads that do not exist in the child, and hangs or crashes), so every way out ends
// in _exit(2) after the 'exit' listeners ran:
// - process.exit(N) and process.reallyExit(N): 'exit' listeners, then _exit(N);
// - the end of the event loop: Node emits 'exit' (after 'beforeExit'); we _exit(exitCode ?? 0)
//   once its listeners ran, instead of returning to Node's teardown;
// - an uncaught exception or unhandled rejection without handlers: Node emits 'exit' with 1;
//   we print the error as Node would and _exit(1).
// stdout/stderr: files and TTYs are written synchronously; a pipe whose buffer is full keeps
// the rest queued, and, exactly like process.exit() in any Node process, an explicit exit does
// not wait for it. The end of the loop and exitAfterFlush() do wait.
import { writeSync } from 'node:fs';
import { inspect } from 'node:util';
import type { NativeBinding } from '../native/types.ts';

let installed = false;
let fatal: { error: unknown } | undefined;

function writeStderr(text: string): void {
  const bytes = Buffer.from(text);
  for (let offset = 0, tries = 0; offset < bytes.length && tries < 10_000; tries++) {
    try {
      offset += writeSync(2, bytes, offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return;
    }
  }
}

/** Print an uncaught error the way Node does before it exits with 1. */
export function printUncaught(error: unknown): void {
  const shown = error instanceof Error ? inspect(error) : `Uncaught ${inspect(error)}`;
  writeStderr(`${shown}\n\nNode.js ${process.version}\n`);
}

/** In a forked child: route every exit through _exit(2). Idempotent. */
export function routeChildExit(native: NativeBinding): void {
  if (installed) return;
  installed = true;
  const emit = process.emit.bind(process) as (event: string | symbol, ...args: unknown[]) => boolean;
  const finish = (fallback: unknown): never => {
    const code = process.exitCode ?? (typeof fallback === 'number' ? fallback : 0);
    if (fatal !== undefined) printUncaught(fatal.error);
    return native.exit(Number(code) & 0xff);
  };
  process.emit = function (this: NodeJS.Process, event: string | symbol, ...args: unknown[]): boolean {
    if (event !== 'exit') return emit(event, ...args);
    try {
      emit(event, ...args);
    } catch (error) {
      printUncaught(error); // a throwing 'exit' listener: Node would exit with 7
      process.exitCode = 7;
    }
    return finish(args[0]);
  } as typeof process.emit;
  (process as unknown as { reallyExit(code?: number): never }).reallyExit = (code?: number) => {
    if (fatal !== undefined) printUncaught(fatal.error);
    return native.exit(Number(code ?? 0) & 0xff);
  };
  // Node prints a fatal error only after the 'exit' event, and from C++: remember it here.
  process.on('uncaughtExceptionMonitor', (error) => {
    if (process.listenerCount('uncaughtException') > 0 || process.hasUncaughtExceptionCaptureCallback()) return;
    fatal = { error };
    process.nextTick(() => (fatal = undefined)); // only reached when the error was not fatal after all
  });
}

/** The stdio streams that still hold output not yet handed to the OS (a full pipe). */
function unflushed(): NodeJS.WriteStream[] {
  return [process.stdout, process.stderr].filter((stream) => stream.writableLength > 0 && !stream.destroyed);
}

/**
 * In a forked child: run the 'exit' listeners and _exit(code), at once when stdout and stderr
 * hold nothing, else once they have handed their output to the OS (then it returns a Promise).
 */
export function exitAfterFlush(code: number): undefined | Promise<never> {
  const pending = unflushed();
  if (pending.length === 0) process.exit(code);
  return Promise.all(pending.map((stream) => new Promise<void>((resolve) => stream.write('', () => resolve())))).then(() =>
    process.exit(code),
  );
}
