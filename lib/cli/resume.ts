import type { Store } from '../state/store';
import { setPaused } from '../runtime/pause';

export default function (a: { id: string }, s: Store): void {
  setPaused(s, a.id, false);
}
