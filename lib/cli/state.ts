import * as fs from 'node:fs';
import type { Store } from '../state/store';
import { load, stateOf } from '../runtime/container';

export default function (a: { id: string }, s: Store): void {
  fs.writeSync(1, JSON.stringify(stateOf(load(s, a.id)), null, 2) + '\n');
}
