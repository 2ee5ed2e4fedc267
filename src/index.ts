// multiproc: Python's multiprocessing for TypeScript on Node.js. Re-exports only.
export { Process, type ProcessOptions } from './process.ts';
export type { StdioOption, ChildOptionsInput } from './process-options.ts';
export type { AbortableOptions } from './abortable.ts';
export { setExecutable } from './executable.ts';
export { getLogger, logToStderr, LogLevel, type Logger, type LogRecord, type LogLevelLike } from './log.ts';
export { type Context, getContext, setStartMethod, getStartMethod, getAllStartMethods } from './context.ts';
export { currentProcess, parentProcess, activeChildren, cpuCount, availableParallelism, isMain, type ParentProcess } from './current.ts';
export { registerUserAfterFork as registerAfterFork } from './after-fork.ts';
export { canFork } from './os/fork.ts';
export type { StartMethod } from './start-methods.ts';
export {
  ProcessError,
  TimeoutError,
  WorkerLostError,
  SerializationError,
  StartMethodError,
  BootstrapError,
  ProcessStateError,
  NativeUnavailableError,
} from './errors.ts';
export {
  Pipe,
  Connection,
  Listener,
  Client,
  wait,
  waitReady,
  ConnectionClosedError,
  MessageTooLongError,
  AuthenticationError,
  type RecvOptions,
  type Waitable,
  type ClosedBy,
  type ListenerOptions,
  type AcceptOptions,
  type ClientOptions,
  type Address,
  type Family,
} from './connection/index.ts';
export { FrameError } from './wire/protocol.ts';
export {
  Lock,
  RLock,
  Semaphore,
  BoundedSemaphore,
  Event,
  Condition,
  Barrier,
  type BarrierOptions,
  NotOwnerError,
  TooManyReleasesError,
  OwnerDiedError,
  BrokenBarrierError,
  type Held,
  type WaitOptions,
} from './sync/index.ts';
export {
  Pool,
  type PoolOptions,
  type CallOptions,
  type TraceDocument,
  type TraceEvent,
  type PoolEvents,
  type PoolWorkerInfo,
  type PoolWorkerExit,
  type PoolWorkerExitReason,
} from './pool/index.ts';
export type { PoolState } from './pool/worker-layer.ts';
export type { SendOptions } from './connection/connection.ts';
export {
  SharedMemory,
  ShareableList,
  type ShareableItem,
  RawArray,
  Value,
  SharedArray,
  SharedMemoryExistsError,
  SharedMemoryNotFoundError,
  type SharedMemoryOptions,
  type SynchronizedOptions,
  type SharedLock,
  type ElementType,
  type TypeSpec,
  type TypedArrayOf,
  type ElementOf,
  type LengthOrValues,
} from './shared-memory/index.ts';
export { registerClass, type ClassOptions } from './classes.ts';
export {
  Queue,
  SimpleQueue,
  JoinableQueue,
  QueueEmptyError,
  QueueFullError,
  QueueClosedError,
  QueueItemTooLargeError,
  TaskDoneError,
  type QueueOptions,
} from './queues/index.ts';
export {
  BaseManager,
  Manager,
  SyncManager,
  ManagerServer,
  SharedMemoryManager,
  BaseProxy,
  AutoProxy,
  DictProxy,
  ListProxy,
  NamespaceProxy,
  ValueProxy,
  ArrayProxy,
  QueueProxy,
  JoinableQueueProxy,
  PoolProxy,
  type RemoteCallOptions,
  LockProxy,
  SemaphoreProxy,
  EventProxy,
  ConditionProxy,
  BarrierProxy,
  ManagerError,
  ManagerClosedError,
  SharedObjectGoneError,
  NotExposedError,
  ManagerProtocolError,
  managerServer,
  type StartOptions,
  type ConnectOptions,
  type Token,
  type ProxyClass,
  type Remote,
  type DictKey,
  type AcquireOptions,
  type ProxyWaitOptions,
  type HeldProxy,
  type ManagerOptions,
  type RegisterOptions,
} from './managers/index.ts';
