import type { Store } from '../state/store';
import { create } from '../runtime/create';
import { validateId } from '../state/store';

export default function (a: { id: string; bundle: string; pidFile?: string; consoleSocket?: string; pidfdSocket?: string; noPivot: boolean; preserveFds: number; systemdCgroup?: boolean }, s: Store): void {
  create(s, {
    id: validateId(a.id), bundle: a.bundle, pidFile: a.pidFile, consoleSocket: a.consoleSocket, pidfdSocket: a.pidfdSocket,
    noPivot: a.noPivot, preserveFds: a.preserveFds, systemdCgroup: a.systemdCgroup,
  });
}
