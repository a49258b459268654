import type { Store } from '../state/store';
import { del } from '../runtime/delete';

export default function (a: { id: string; force: boolean }, s: Store): void {
  del(s, a.id, a.force);
}
