#!/usr/bin/env node
// The `multiproc` command: `run` (a script with the flags fork needs), `ps` (the tree of live
// multiproc processes and what each waits in) and `worker` (a cluster Pool's worker host). Help
// goes to stdout with exit code 0; usage errors go to stderr as `multiproc[ cmd]: message` plus
// where to find help, with exit code 2.
const usage = `Usage:
  multiproc run FILE [args…]   run a script (.js, .mjs, .ts …) under --single-threaded, so it may fork
  multiproc ps [--json] [--watch] [--pid N]
                               the tree of live multiproc processes and what each is waiting in
  multiproc worker --redis URL --queue NAME [--processes N] [--root DIR]
                               serve a cluster Pool's queue (multiproc/cluster; needs bullmq)
  multiproc --help | --version`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'run': {
      const { runCommand } = await import('./run.ts');
      return runCommand(rest);
    }
    case 'ps': {
      const { psCommand } = await import('./ps.ts');
      return psCommand(rest);
    }
    case 'worker': {
      const { workerCommand } = await import('./worker.ts');
      // Once stopped, nothing is left to do (a connection to a Redis that is gone may still retry).
      process.exit(await workerCommand(rest));
    }
    case '--version':
    case '-v': {
      const { readFileSync } = await import('node:fs');
      const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
      console.log(manifest.version);
      return 0;
    }
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      console.log(usage);
      return 0;
    default:
      console.error(`multiproc: unknown command '${command}'.\nRun 'multiproc --help' for usage.`);
      return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
