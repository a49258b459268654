// Looking up an existing container: its record and derived status.
import type { State, Status } from '../config/types';
import { Store, type Record } from '../state/store';
import { status } from '../state/status';
import { RuntimeError } from '../util/errors';
import { PID, STATUS, stateFields } from '../state/state-text';

export interface Loaded {
  record: Record;
  status: Status;
}

/** "container "X" does not exist": containerd and podman match on "does not exist". */
export function notExist(id: string): RuntimeError {
  return new RuntimeError(`container "${id}" does not exist`);
}

export function load(store: Store, id: string): Loaded {
  const record = store.read(id);
  if (!record) throw notExist(id);
  return { record, status: status(record) };
}

/** A stopped container has no pid (0), as runc says it. */
export const statePid = (l: Loaded): number => (l.status === 'stopped' ? 0 : l.record.pid);

export function stateOf(l: Loaded): State & { rootfs: string; created: string; owner: string } {
  const s: { [k: string]: unknown } = {};
  for (const [k, v] of stateFields(l.record)) s[k] = v === PID ? statePid(l) : v === STATUS ? l.status : v;
  return s as unknown as State & { rootfs: string; created: string; owner: string };
}
