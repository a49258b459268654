import * as fs from 'node:fs';
import type { Store } from '../state/store';
import { load, stateOf } from '../runtime/container';
import { RuntimeError } from '../util/errors';

export default function (a: { format: string; quiet: boolean; root?: string }, s: Store): void {
  // As runc 1.2: a --root that does not exist is an error (a typo would
  // otherwise list nothing); the default one not made yet is no containers.
  if (a.root !== undefined && !fs.existsSync(s.root)) throw new RuntimeError(`open ${s.root}: no such file or directory`);
  const states = [];
  for (const id of s.list()) {
    try {
      states.push(stateOf(load(s, id)));
    } catch { /* removed meanwhile, or corrupt: `state ID` tells */ }
  }
  let out: string;
  if (a.quiet) out = states.map((x) => x.id + '\n').join('');
  else if (a.format === 'json') out = JSON.stringify(states) + '\n';
  else {
    const rows = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'],
      ...states.map((x) => [x.id, String(x.pid), x.status, x.bundle, x.created, x.owner])];
    const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    out = rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i] + 3))).join('') + '\n').join('');
  }
  fs.writeSync(1, out);
}
