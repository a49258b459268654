import type { Store } from '../state/store';
import type { Spec } from '../config/types';
import { releaseError } from '../runtime/start';
import { SYNC } from '../addon';

// The native front (addon/front) did a start whose init could not exec: it
// hands the init's message here, so the error reads (and is logged) exactly
// as when node's start sees it.
export default function (a: { id: string; errno: string; message: string }, s: Store): void {
  let spec: Spec | undefined;
  try {
    spec = s.readSpec(a.id);
  } catch { /* no config copy: the program goes unnamed */ }
  throw releaseError(spec, { type: SYNC.ERROR, value: 0, errno: Number(a.errno) || 0, msg: a.message });
}
