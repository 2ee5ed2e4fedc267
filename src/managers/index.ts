// Managers: shared objects served by a manager process, used through proxies. Re-exports only.
export { BaseManager, type ConnectOptions, type StartOptions } from './base-manager.ts';
export { Manager, SyncManager } from './manager.ts';
export { ManagerServer } from './manager-server.ts';
export { SharedMemoryManager } from './shared-memory-manager.ts';
export { BaseProxy, type Token, type ProxyClass } from './proxy.ts';
export { AutoProxy, type Remote } from './proxies/auto.ts';
export { DictProxy, ListProxy, NamespaceProxy, ValueProxy, ArrayProxy, type DictKey } from './proxies/collections.ts';
export { QueueProxy, JoinableQueueProxy } from './proxies/queue.ts';
export { PoolProxy, type RemoteCallOptions } from './proxies/pool.ts';
export {
  LockProxy,
  SemaphoreProxy,
  EventProxy,
  ConditionProxy,
  BarrierProxy,
  type AcquireOptions,
  type ProxyWaitOptions,
  type HeldProxy,
} from './proxies/sync.ts';
export { ManagerError, ManagerClosedError, SharedObjectGoneError, NotExposedError, ManagerProtocolError } from './errors.ts';
export type { ManagerOptions } from './options.ts';
export type { RegisterOptions } from './registry.ts';
export { managerServer } from './server-main.ts';
