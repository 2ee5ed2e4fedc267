// The TypeScript view of what the native addon (build/Release/multiproc.node) exports.
// A thin binding: syscalls in, errors out. Errors thrown by it are plain `Error`s whose message
// is like `fork: Resource temporarily unavailable`, with `code` ('EAGAIN'), `errno` (negative,
// as in Node's own errors, so `util.getSystemErrorName(err.errno)` works) and `syscall`.
// Bad argument types throw TypeError, bad values RangeError.

/** How a child ended: `exitCode` set when it exited, `signal` (a number) when it was killed. */
export interface WaitStatus {
  pid: number;
  exitCode: number | null;
  signal: number | null;
}

/** A uv_poll on Node's loop (level-triggered: it calls back until the fd is drained or closed). */
export interface FdWatcher {
  close(): void;
  ref(): void;
  unref(): void;
}

/** The error shape the addon throws for a failed syscall. */
export interface NativeSystemError extends Error {
  code: string;
  errno: number;
  syscall: string;
}

/**
 * Socket families of listenSocket/connectSocket: 'unix' (a path), 'unix-abstract' (a name in
 * Linux's abstract namespace, without its leading NUL), 'inet'/'inet6' (a numeric address).
 */
export type SocketFamily = 'unix' | 'unix-abstract' | 'inet' | 'inet6';

/** Everything the addon exports (Linux). */
export interface NativeBinding {
  readonly abiVersion: 5;
  /** NODE_MODULE_VERSION it was compiled against; must equal process.versions.modules (it uses V8's C++ API). */
  readonly nodeAbi: number;
  /**
   * fork(2) after MADV_DOFORK on every mapping; in the child uv_loop_fork, and inherited
   * unix-socket servers forget their path (so closing them does not unlink the parent's socket).
   * 0 in the child.
   */
  fork(): number;
  /** waitpid(2), reaps; null when noHang and the child still runs; EINTR retried. */
  waitpid(pid: number, noHang: boolean): WaitStatus | null;
  /** waitid(P_PID, WEXITED|WNOWAIT[|WNOHANG]): learns the end without reaping. */
  waitidNoWait(pid: number, noHang: boolean): WaitStatus | null;
  /** pidfd_open(2); the fd is close-on-exec. */
  pidfdOpen(pid: number): number;
  /** poll(2), blocking (-1 = forever); the fds that are readable, hung up or in error. */
  pollReadable(fds: number[], timeoutMs: number): number[];
  /** poll(2) without blocking, again and again for up to `spinMicros` µs: the index in `fds` of the first readable (or hung up) one, -1 if none in time. */
  spinReadable(fds: number[], spinMicros: number): number;
  /** uv_poll on Node's loop; calls back (microtasks run after) on readable/HUP; ref'd. libuv makes `fd` non-blocking; one watcher per fd. */
  watchReadable(fd: number, callback: () => void): FdWatcher;
  /**
   * A ref'd uv_prepare (it keeps the loop alive) that calls back when the loop has nothing left
   * but itself and `stuckRequests` requests: first with `again` false (emit 'beforeExit'), then,
   * if that scheduled nothing, at once with `again` true (exit). For forked children, which must
   * not let uv_run() return (Node's DrainTasks would wait for worker threads they do not have).
   */
  watchLoopIdle(stuckRequests: number, callback: (again: boolean) => void): LoopIdleWatcher;
  /** _exit(2). */
  exit(code: number): never;
  /** prctl(PR_SET_PDEATHSIG). */
  setPdeathsig(signal: number): void;
  getpid(): number;
  getppid(): number;
  /** kill(2). */
  kill(pid: number, signal: number): void;
  /** AF_UNIX SOCK_STREAM|SOCK_CLOEXEC pair. */
  socketpair(): [number, number];
  /** pipe2(O_CLOEXEC): [read, write]. */
  pipe(): [number, number];
  /** sendmsg + SCM_RIGHTS (MSG_NOSIGNAL); bytes sent; EAGAIN thrown with code 'EAGAIN'. */
  sendFds(fd: number, data: Uint8Array, fds: number[]): number;
  /** recvmsg(MSG_CMSG_CLOEXEC); null on EAGAIN; empty data = EOF. */
  recvFds(fd: number, maxLength: number): { data: Buffer; fds: number[] } | null;
  /**
   * Reads what is there into `target` from `offset`, up to `length` bytes, never blocking (even if
   * the fd's O_NONBLOCK was cleared: recv(MSG_DONTWAIT), or poll(0) then read(2) on a pipe); while
   * nothing is there, tries again for up to `spinMicros` µs (0: once). The byte count; 0 at EOF
   * (or ECONNRESET); -1 when nothing came (no exception).
   */
  tryRead(fd: number, target: Uint8Array, offset: number, length: number, spinMicros: number): number;
  /** tryRead that keeps the fds sent with the bytes (SCM_RIGHTS), in order, for takeFds (a socket only). */
  tryReadKeepingFds(fd: number, target: Uint8Array, offset: number, length: number, spinMicros: number): number;
  /** The oldest set of fds tryReadKeepingFds kept for `fd` ([-1]: the kernel dropped them), or null. */
  takeFds(fd: number): number[] | null;
  /** Close the fds kept for `fd` and not taken. */
  dropFds(fd: number): void;
  /** write(2) on a non-blocking fd of `length` bytes of `data` from `offset`: the byte count, -1 when the kernel has no room now (EAGAIN). */
  tryWrite(fd: number, data: Uint8Array, offset: number, length: number): number;
  /** Whether the other end of `fd` is gone (a socket's peer closed; a pipe's write end has no reader left). Never blocks. */
  peerClosed(fd: number): boolean;
  /** close(2), after closing this thread's watchReadable watchers on `fd` (libuv must not keep a closed fd number). */
  close(fd: number): void;
  /** fcntl(F_DUPFD_CLOEXEC). */
  dup(fd: number): number;
  /** dup2(2) (watchers on `to` closed first, as for close); the target is not close-on-exec. */
  dup2(from: number, to: number): void;
  setCloexec(fd: number, on: boolean): void;
  setNonBlocking(fd: number, on: boolean): void;
  /**
   * Where V8 says `fn` was defined: url is the script's resource name (file:// URL for ESM, a path
   * for CJS); 1-based line/column; null for builtins, bound functions, no script.
   */
  functionLocation(fn: Function): { url: string; line: number; column: number } | null;
  /** shm_open(3) with O_CLOEXEC: 'create' = O_CREAT|O_EXCL|O_RDWR, 'open' = O_RDWR. */
  shmOpen(name: string, mode: 'create' | 'open', perm: number): number;
  ftruncate(fd: number, size: number): void;
  fstatSize(fd: number): number;
  /** mmap(MAP_SHARED, RW) as a real SharedArrayBuffer that munmaps when collected. */
  mmapShared(fd: number, size: number): SharedArrayBuffer;
  shmUnlink(name: string): void;
  /** Anonymous shared memory, close-on-exec: a memfd named `name`, or a POSIX segment unlinked at once where memfd_create is missing. */
  shmAnonymous(name: string): number;
  /** FUTEX_WAIT (process-shared) on the int32 at byteOffset; -1 = forever; EINTR retried. 'ok' may be spurious: re-check the value. */
  futexWait(sab: SharedArrayBuffer, byteOffset: number, expected: number, timeoutMs: number): 'ok' | 'not-equal' | 'timed-out';
  /** FUTEX_WAKE; how many waiters were woken. */
  futexWake(sab: SharedArrayBuffer, byteOffset: number, count: number): number;
  /**
   * Terminate the current JavaScript execution (uncatchable; no catch/finally runs), then call
   * `fn` from a fresh turn of the event loop. For a child forked inside start(): it must never
   * return into the parent's code.
   */
  unwindThenCall(
    fn: () => void,
    asyncHookFields: Uint32Array,
    asyncIdFields: Float64Array,
    indices: [kStackLength: number, kExecutionAsyncId: number, kTriggerAsyncId: number],
  ): void;
  /**
   * futex_waitv(2) on the process-shared int32 at byteOffset (and a private cancellation word) on
   * a reusable helper thread; `callback(result)` runs on the loop. Returns an id for
   * futexWaitCancel. -1 = forever. The loop is kept alive while a wait is pending.
   */
  futexWaitAsync(
    sab: SharedArrayBuffer,
    byteOffset: number,
    expected: number,
    timeoutMs: number,
    callback: (result: 'ok' | 'not-equal' | 'timed-out' | 'cancelled' | 'error') => void,
  ): number;
  /** End a pending futexWaitAsync: its callback gets 'cancelled' (or the result that came first). */
  futexWaitCancel(id: number): void;
  /** In a forked child: forget the helper threads (and their pending waits) the child does not have. */
  syncAfterFork(): void;
  /** socket + bind + listen: a non-blocking, close-on-exec listening socket (a unix socket file is 0600; SO_REUSEADDR on TCP). */
  listenSocket(family: SocketFamily, address: string, port: number, backlog: number): number;
  /** accept4(SOCK_CLOEXEC) on a listening socket: the connection's fd (TCP_NODELAY on TCP), or -1 when none waits. */
  accept(fd: number): number;
  /** Where this end (peer false) or the other end of a socket is: a unix path ('' unnamed), or [ip, port]. */
  socketAddress(fd: number, peer: boolean): string | [string, number] | null;
  /**
   * socket + non-blocking connect: [fd, true] when connected at once, [fd, false] while a TCP
   * connect is in progress (watchWritable, then connectResult). TCP_NODELAY on TCP.
   */
  connectSocket(family: SocketFamily, address: string, port: number): [number, boolean];
  /** After a connect in progress made the fd writable: returns when it connected, throws its error (ECONNREFUSED …) when not. */
  connectResult(fd: number): void;
  /** watchReadable's twin for writability (a connect in progress completing). */
  watchWritable(fd: number, callback: () => void): FdWatcher;
}

/** What watchLoopIdle returns. */
export interface LoopIdleWatcher {
  close(): void;
  /** Change how many requests count as stuck (some inherited ones did complete after all). */
  setStuck(stuckRequests: number): void;
}
