// Looking up an existing container: its record and derived status.
import type { State, Status } from '../config/types';
import { Store, type Record } from '../state/store';
import { status } from '../state/status';
import { RuntimeError } from '../util/errors';

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

/** The State of runtime.md, plus runc's extra fields (rootfs, created, owner). */
export function stateOf(l: Loaded): State & { rootfs: string; created: string; owner: string } {
  const r = l.record;
  const s: State & { rootfs: string; created: string; owner: string } = {
    ociVersion: r.ociVersion,
    id: r.id,
    pid: l.status === 'stopped' ? 0 : r.pid,
    status: l.status,
    bundle: r.bundle,
    rootfs: r.rootfs,
    created: r.created,
    owner: r.owner,
  };
  if (r.annotations && Object.keys(r.annotations).length) s.annotations = r.annotations;
  return s;
}
