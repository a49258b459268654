// run: the flags of `ocirun run` (the operation: lib/runtime/run.ts).
import type { Store } from '../state/store';
import { validateId } from '../state/store';
import { run } from '../runtime/run';

interface RunArgs {
  id: string; bundle: string; pidFile?: string; consoleSocket?: string; pidfdSocket?: string; detach: boolean;
  noPivot: boolean; preserveFds: number; keep: boolean; systemdCgroup?: boolean;
}

export default function (a: RunArgs, s: Store): Promise<number> {
  return run(s, {
    id: validateId(a.id), bundle: a.bundle, pidFile: a.pidFile, consoleSocket: a.consoleSocket, pidfdSocket: a.pidfdSocket, detach: a.detach,
    noPivot: a.noPivot, preserveFds: a.preserveFds, keep: a.keep, systemdCgroup: a.systemdCgroup,
  });
}
