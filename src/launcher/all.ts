// Registers every start method's implementation (imported for its side effect by the public
// entry and by contexts; see registry.ts for why the registry does not import them itself).
import { forkMethod } from './fork.ts';
import { forkserverMethod } from './forkserver.ts';
import { registerStartMethod } from './registry.ts';
import { spawnMethod } from './spawn.ts';

registerStartMethod(spawnMethod);
registerStartMethod(forkserverMethod);
registerStartMethod(forkMethod);
