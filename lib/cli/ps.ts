// ps: the processes of a container (the operation: lib/runtime/ps.ts). json =
// array of host pids (containerd reads stdout+stderr together: nothing on
// stderr on success); table = the host's ps output (args default -ef) limited
// to the container's pids.
import * as fs from 'node:fs';
import type { Store } from '../state/store';
import { containerPids, psTable } from '../runtime/ps';

export default function (a: { id: string; format: string; _: (string | number)[] }, s: Store): void {
  const pids = containerPids(s, a.id);
  if (a.format === 'json') {
    fs.writeSync(1, JSON.stringify(pids) + '\n');
    return;
  }
  fs.writeSync(1, psTable(pids, a._.slice(1).map(String)).join('\n') + '\n');
}
