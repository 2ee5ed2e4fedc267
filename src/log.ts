// The library's own trace (Python's multiprocessing.util logger): process starts and ends, pool
// worker replacement, fork-server events, at levels. Off by default; on with logToStderr(), or
// MULTIPROC_DEBUG=1 (debug) / =info / =warning / =error / a number in the environment. When off,
// a call costs one comparison: messages are formatted only when they are emitted.
import { format } from 'node:util';
import { rangeError, typeError } from './options.ts';

/** Levels by value, as Python's logging: DEBUG 10, INFO 20, WARNING 30, ERROR 40. */
export const LogLevel = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40 } as const;
/** A level name (case-insensitive) or number. */
export type LogLevelLike = number | 'debug' | 'info' | 'warning' | 'error' | 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';

/** One emitted message. */
export interface LogRecord {
  level: number;
  levelName: string;
  message: string;
  processName: string;
  pid: number;
  time: number;
}

/** The library's logger: `getLogger()`. */
export interface Logger {
  /** Messages below this level are dropped (Infinity: off, the default). */
  readonly level: number;
  setLevel(level: LogLevelLike): void;
  /** Call `handler` for each emitted record; returns a function that removes it. */
  addHandler(handler: (record: LogRecord) => void): () => void;
  isEnabledFor(level: LogLevelLike): boolean;
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warning(message: string, ...args: unknown[]): void;
  error(message: string, ...args: unknown[]): void;
}

interface Shared {
  level: number;
  handlers: Set<(record: LogRecord) => void>;
  stderr: ((record: LogRecord) => void) | null;
}
const key = Symbol.for('multiproc.log.v1');
const holder = globalThis as unknown as Record<symbol, Shared | undefined>;
const shared: Shared = (holder[key] ??= { level: Infinity, handlers: new Set(), stderr: null });

/** A level from a name or number, in the house format. */
export function toLevel(level: unknown, name = 'level'): number {
  if (typeof level === 'number') {
    if (Number.isNaN(level)) rangeError(name, "a level number or one of 'debug', 'info', 'warning', 'error'", level);
    return level;
  }
  if (typeof level !== 'string') typeError(name, "a level number or one of 'debug', 'info', 'warning', 'error'", level);
  const value = (LogLevel as Record<string, number | undefined>)[level.toUpperCase()];
  if (value === undefined) rangeError(name, "a level number or one of 'debug', 'info', 'warning', 'error'", level);
  return value;
}

function levelName(level: number): string {
  return Object.entries(LogLevel).find(([, value]) => value === level)?.[0] ?? `Level ${level}`;
}

function emit(level: number, message: string, args: unknown[]): void {
  const state = (globalThis as unknown as Record<symbol, { name?: string } | undefined>)[Symbol.for('multiproc.state.v1')];
  const record: LogRecord = {
    level,
    levelName: levelName(level),
    message: args.length === 0 ? message : format(message, ...args),
    processName: state?.name ?? 'MainProcess',
    pid: process.pid,
    time: Date.now(),
  };
  for (const handler of shared.handlers) handler(record);
}

/** Emit at `level` (library call sites): one comparison when the logger is off. */
export function logAt(level: number, message: string, ...args: unknown[]): void {
  if (level >= shared.level) emit(level, message, args);
}

const logger: Logger = {
  get level() {
    return shared.level;
  },
  setLevel: (level) => {
    shared.level = toLevel(level);
  },
  addHandler: (handler) => {
    if (typeof handler !== 'function') typeError('handler', 'a function', handler);
    shared.handlers.add(handler);
    return () => {
      shared.handlers.delete(handler);
    };
  },
  isEnabledFor: (level) => toLevel(level) >= shared.level,
  debug: (message, ...args) => logAt(LogLevel.DEBUG, message, ...args),
  info: (message, ...args) => logAt(LogLevel.INFO, message, ...args),
  warning: (message, ...args) => logAt(LogLevel.WARNING, message, ...args),
  error: (message, ...args) => logAt(LogLevel.ERROR, message, ...args),
};

/** The library's logger (Python's get_logger()); off until a level is set. */
export function getLogger(): Logger {
  return logger;
}

/**
 * Print the library's trace on stderr from `level` on (default 'debug'), as Python's
 * log_to_stderr(): `[DEBUG/Process-1] message`. Children started afterwards log the same way.
 */
export function logToStderr(level: LogLevelLike = 'debug'): Logger {
  shared.level = toLevel(level);
  if (shared.stderr === null) {
    shared.stderr = (record) => void process.stderr.write(`[${record.levelName}/${record.processName}] ${record.message}\n`);
    shared.handlers.add(shared.stderr);
  }
  return logger;
}

/** The level children should log at on stderr (logToStderr() was called), else null: for spawn and fork-server children. */
export function inheritedLogLevel(): number | null {
  return shared.stderr !== null && shared.level !== Infinity ? shared.level : null;
}

// MULTIPROC_DEBUG=1 (or a level name or number): on from the start.
const fromEnv = process.env['MULTIPROC_DEBUG'];
if (fromEnv !== undefined && fromEnv !== '' && fromEnv !== '0' && shared.stderr === null) {
  try {
    logToStderr(fromEnv === '1' ? 'debug' : /^\d+$/.test(fromEnv) ? Number(fromEnv) : (fromEnv as LogLevelLike));
  } catch {
    process.stderr.write(
      `multiproc: MULTIPROC_DEBUG=${fromEnv} is not a level (1, debug, info, warning, error or a number); the trace stays off.\n`,
    );
  }
}
