import type { Store } from '../state/store';
import { start } from '../runtime/start';

export default function (a: { id: string }, s: Store): void {
  start(s, a.id);
}
