// Type tests for the public API's generics: compiled by `npm run typecheck` (tsc --noEmit);
// every @ts-expect-error line must be an error, or the check fails. Not run as code.
import { getContext, Process } from '../../src/index.ts';

function greet(name: string, times: number): void {
  void name;
  void times;
}
function none(): void {}
function optional(label?: string): void {
  void label;
}

export function typeChecks(): void {
  new Process({ target: greet, args: ['Bob', 2] });
  new Process({ target: none });
  new Process({ target: none, args: [] });
  new Process({ target: optional });
  new Process({ target: optional, args: ['x'] });
  new Process();
  new Process({ name: 'n', daemon: true });
  new (getContext('spawn').Process)({ target: greet, args: ['Bob', 2] });

  // @ts-expect-error -- wrong type of an argument
  new Process({ target: greet, args: ['Bob', 'two'] });
  // @ts-expect-error -- too few arguments
  new Process({ target: greet, args: ['Bob'] });
  // @ts-expect-error -- too many arguments
  new Process({ target: none, args: [1] });
  // @ts-expect-error -- args missing for a target with required parameters
  new Process({ target: greet });
  // @ts-expect-error -- daemon must be a boolean
  new Process({ target: none, daemon: 'yes' });
  // @ts-expect-error -- wrong args through a context's Process too
  new (getContext('spawn').Process)({ target: greet, args: [1, 2] });

  class PrintProcess extends Process {
    constructor(readonly who: string) {
      super();
    }
    override run(): void {}
  }
  new PrintProcess('Mike');
  // @ts-expect-error -- the subclass's own constructor is checked
  new PrintProcess(42);

  const p = new Process({ target: none });
  const pid: number | undefined = p.pid;
  const code: number | null = p.exitCode;
  const joined: Promise<void> = p.join(100);
  void [pid, code, joined];
}
