import type { Store } from '../state/store';
import { kill, parseSignal } from '../runtime/kill';

export default function (a: { id: string; signal?: string; all: boolean }, s: Store): void {
  kill(s, a.id, parseSignal(a.signal), a.all);
}
