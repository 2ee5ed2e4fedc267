// Every module that registers a rebuilder (or a reducer) for a shareable object, imported for its
// side effects: a child loads this before rebuilding its arguments (src/bootstrap/run-child.ts).
import './connection/pipe.ts';
import './sync/index.ts';
