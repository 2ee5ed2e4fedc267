// `multiproc ps` as a library: list or watch the trees of live multiproc processes.
export { listProcesses, watchProcesses, type ListOptions, type WatchOptions } from './list.ts';
export { createProcSource, type ProcSource, type ProcSourceOptions } from './proc-source.ts';
export { formatTrees } from './format-text.ts';
export { formatJson } from './format-json.ts';
export { syscallName } from './syscall-names.ts';
export type { ProcInfo, ProcNode, ProcTree, PsRole, PsStartMethod } from './types.ts';
