// Building the preparation message for spawn and fork-server children: the target and the
// subclass by reference, args and the instance's own fields by structured clone + reduction.
import type { PreparationData } from './bootstrap/preparation-message.ts';
import { PREP_VERSION } from './bootstrap/preparation-message.ts';
import type { ChildOptions } from './process-options.ts';
import type { ProcessInternals } from './process-internals.ts';
import { reduceForChild } from './reduction.ts';
import type { StartMethod } from './start-methods.ts';
import { globalState } from './state.ts';
import { inheritedLogLevel } from './log.ts';
import { kBuiltinClass } from './symbols.ts';
import { referenceTarget } from './loading/target.ts';

type AnyFunction = (...args: never[]) => unknown;

/** The message that lets a fresh process become `process`. Throws SerializationError naming the culprit. */
export function buildPreparation(
  process: object,
  self: ProcessInternals,
  method: StartMethod,
  sentTo: string,
  options: ChildOptions,
): PreparationData {
  const ctor = process.constructor as AnyFunction;
  const cls = Object.hasOwn(ctor, kBuiltinClass) ? null : referenceTarget(ctor, `class ${ctor.name || '(anonymous)'}`, sentTo);
  const target = self.target === undefined ? null : referenceTarget(self.target, 'target', sentTo);
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(process)) fields[key] = (process as Record<string, unknown>)[key];
  const reduced = reduceForChild({ args: self.args, this: fields }, sentTo);
  const state = globalState();
  return {
    version: PREP_VERSION,
    name: self.name,
    identity: self.identity,
    daemon: self.daemon,
    parentPid: globalThis.process.pid,
    parentName: state.name,
    startMethod: method,
    cls,
    target,
    payload: reduced.payload,
    handles: reduced.handles,
    argv: [...globalThis.process.argv],
    cwd: options.cwd ?? globalThis.process.cwd(),
    env: options.env,
    stdio: options.stdio,
    logLevel: inheritedLogLevel(),
    authkey: new Uint8Array(self.authkey),
  };
}
