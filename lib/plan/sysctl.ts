// linux.sysctl: only keys that belong to a namespace the container has.
import type { NamespacePlan } from './namespaces';
import { PlanError } from './errors';

const IPC_KEYS = new Set([
  'kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall',
  'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced',
]);

export function planSysctls(sysctl: Record<string, string> = {}, ns: NamespacePlan): [string, string][] {
  return Object.entries(sysctl).map(([key, value]) => {
    const where = `linux.sysctl.${key}`;
    if (!/^[a-z0-9_]+(\.[a-zA-Z0-9_-]+)+$/.test(key)) throw new PlanError(where, 'invalid sysctl name');
    if (IPC_KEYS.has(key) || key.startsWith('fs.mqueue.')) {
      if (!ns.has('ipc')) throw new PlanError(where, 'needs an ipc namespace (the container shares the host\'s)');
    } else if (key.startsWith('net.')) {
      if (!ns.has('network')) throw new PlanError(where, 'needs a network namespace (the container shares the host\'s)');
    } else if (key === 'kernel.hostname' || key === 'kernel.domainname') {
      if (!ns.has('uts')) throw new PlanError(where, 'needs a uts namespace');
    } else {
      throw new PlanError(where, 'is not namespaced: it would change the host');
    }
    return [`/proc/sys/${key.replace(/\./g, '/')}`, String(value)];
  });
}
