// linux.sysctl: only keys that belong to a namespace the container has.
import type { NamespacePlan } from './namespaces';
import { PlanError } from './errors';

const IPC_KEYS = new Set([
  'kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall',
  'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced',
]);

/**
 * The components of a sysctl name in either of sysctl(8)'s spellings:
 * "net.ipv4.conf.eth0/100.forwarding" (dots separate, a "/" is a "." of the
 * name) or "net/ipv4/conf/eth0.100/forwarding" (the first separator is a "/":
 * slashes separate, dots are literal). runc and crun accept both.
 */
function sysctlParts(key: string): string[] | null {
  const slashes = /^[^./]+\//.test(key);
  const parts = slashes ? key.split('/') : key.split('.').map((p) => p.replace(/\//g, '.'));
  if (parts.length < 2 || !/^[a-z0-9_]+$/.test(parts[0])) return null;
  // Nothing that leaves /proc/sys or is no file name (an interface may be "eth0.100" or "br-1@x").
  if (parts.some((p) => p === '' || p === '.' || p === '..' || /[\s\0/]/.test(p))) return null;
  return parts;
}

export function planSysctls(sysctl: Record<string, string> = {}, ns: NamespacePlan): [string, string][] {
  return Object.entries(sysctl).map(([name, value]) => {
    const where = `linux.sysctl.${name}`;
    const parts = sysctlParts(name);
    if (!parts) throw new PlanError(where, 'invalid sysctl name');
    const key = parts.join('.');
    if (IPC_KEYS.has(key) || key.startsWith('fs.mqueue.')) {
      if (!ns.has('ipc')) throw new PlanError(where, 'needs an ipc namespace (the container shares the host\'s)');
    } else if (key.startsWith('net.')) {
      if (!ns.has('network')) throw new PlanError(where, 'needs a network namespace (the container shares the host\'s)');
    } else if (key === 'kernel.hostname' || key === 'kernel.domainname') {
      if (!ns.has('uts')) throw new PlanError(where, 'needs a uts namespace');
    } else {
      throw new PlanError(where, 'is not namespaced: it would change the host');
    }
    return [`/proc/sys/${parts.join('/')}`, String(value)];
  });
}
