// Every module that registers a rebuilder (or a reducer) for a shareable object, imported for its
// side effects: a child loads this before rebuilding its arguments (src/bootstrap/run-child.ts).
import './connection/pipe.ts';
import './connection/net-handles.ts';
import './sync/index.ts';
import './shared-memory/mappings.ts';
import './shared-memory/shared-memory.ts';
import './shared-memory/shareable-list.ts';
import './shared-memory/synchronized.ts';
import './shared-memory/value.ts';
import './shared-memory/shared-array.ts';
import './queues/index.ts';
import './managers/proxies/collections.ts';
import './managers/proxies/queue.ts';
import './managers/proxies/sync.ts';
import './managers/proxies/pool.ts';
import './managers/proxies/auto.ts';
