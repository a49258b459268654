// linux.namespaces -> what the child clones, joins and unshares.
import type { Namespace, NamespaceType } from '../config/types';
import { CLONE } from './types';
import { PlanError } from './errors';

export const NS_FLAG: Record<NamespaceType, number> = {
  mount: CLONE.NEWNS, uts: CLONE.NEWUTS, ipc: CLONE.NEWIPC, user: CLONE.NEWUSER,
  pid: CLONE.NEWPID, network: CLONE.NEWNET, cgroup: CLONE.NEWCGROUP, time: CLONE.NEWTIME,
};

/** /proc/<pid>/ns/<name> for each type. */
export const NS_PROC_NAME: Record<NamespaceType, string> = {
  mount: 'mnt', uts: 'uts', ipc: 'ipc', user: 'user', pid: 'pid', network: 'net',
  cgroup: 'cgroup', time: 'time',
};

export interface NamespacePlan {
  cloneFlags: number;
  unshareFlags: number;
  forkNeeded: boolean;
  /** Namespaces to join: path and the CLONE_NEW* type; the caller opens them. */
  joins: { path: string; nstype: number; type: NamespaceType }[];
  has: (t: NamespaceType) => boolean;
  isNew: (t: NamespaceType) => boolean;
}

export function planNamespaces(nss: Namespace[] = []): NamespacePlan {
  const byType = new Map<NamespaceType, Namespace>();
  nss.forEach((ns, i) => {
    if (byType.has(ns.type)) throw new PlanError(`linux.namespaces[${i}].type`, `duplicate namespace "${ns.type}"`);
    byType.set(ns.type, ns);
  });
  let cloneFlags = 0;
  let unshareFlags = 0;
  const joins: NamespacePlan['joins'] = [];
  for (const [type, ns] of byType) {
    if (ns.path) joins.push({ path: ns.path, nstype: NS_FLAG[type], type });
    else if (type === 'user') cloneFlags |= CLONE.NEWUSER; // the parent writes its maps
    else unshareFlags |= NS_FLAG[type];
  }
  const pid = byType.get('pid');
  let forkNeeded: boolean;
  if (!byType.has('user') && !pid?.path && !(unshareFlags & CLONE.NEWTIME)) {
    // The common case (no user namespace, no pid namespace joined by path,
    // no new time namespace): the clone itself makes the new namespaces, as
    // crun does. The first child is then the init (pid 1 of a new pid
    // namespace): no second fork. And the namespaces are made in the
    // runtime's context, so the kernel charges their memory (a copy of the
    // host's mount table, a network namespace) to the runtime's cgroup, not
    // to the container's, which the child joins only after. The cgroup
    // namespace is still unshared after that join: it is rooted where the
    // child is when it is made.
    cloneFlags = unshareFlags & ~CLONE.NEWCGROUP;
    unshareFlags &= CLONE.NEWCGROUP;
    forkNeeded = false;
  } else {
    // A user namespace must exist (and the child be root in it) before the
    // namespaces it owns; pid and time namespaces joined or made after clone
    // take effect for children: the real init is forked.
    forkNeeded = !!pid || (unshareFlags & CLONE.NEWTIME) !== 0;
  }
  return {
    cloneFlags, unshareFlags, forkNeeded, joins,
    has: (t) => byType.has(t),
    isNew: (t) => byType.has(t) && !byType.get(t)!.path,
  };
}
