import type { Store } from '../state/store';
import { create } from '../runtime/create';
import { validateId } from '../state/store';
import { warmAttach } from '../cgroups';

export default function (a: { id: string; bundle: string; pidFile?: string; consoleSocket?: string; noPivot: boolean; preserveFds: number }, s: Store): void {
  // The cgroup join's grace period runs while the config is read and checked.
  warmAttach();
  create(s, {
    id: validateId(a.id), bundle: a.bundle, pidFile: a.pidFile, consoleSocket: a.consoleSocket,
    noPivot: a.noPivot, preserveFds: a.preserveFds,
  });
}
