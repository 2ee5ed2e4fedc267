// Script for the Node IPC round-trip rows: sends every message back.
process.on('message', (m) => process.send(m));
