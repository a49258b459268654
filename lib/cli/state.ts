import * as fs from 'node:fs';
import type { Store } from '../state/store';
import { load, statePid } from '../runtime/container';
import { renderState, stateFields, stateParts } from '../state/state-text';

// The same parts the native front fills (state-text.ts, front.ts).
export default function (a: { id: string }, s: Store): void {
  const l = load(s, a.id);
  fs.writeSync(1, renderState(stateParts(stateFields(l.record)), statePid(l), l.status));
}
