// linux.netDevices (config-linux.md "Network Devices") -> which host devices
// go into the container's network namespace, under which names, and when.
// Pure: lib/runtime/netdevices.ts does the moving.
import type { Spec } from '../config/types';
import type { NamespacePlan } from './namespaces';
import { CLONE } from './types';
import { PlanError } from './errors';

export interface NetDeviceMove {
  /** The device's name on the host (the config's key). */
  host: string;
  /** Its name in the container; a template ("eth%d") lets the kernel pick a free one. */
  name: string;
  template: boolean;
  /** The JSON path for errors: linux.netDevices["eth0"]. */
  where: string;
}

export interface NetDevicePlan {
  devices: NetDeviceMove[];
  /**
   * When the container's network namespace can be reached: "clone" (made by
   * the clone: /proc/<first child>/ns/net, before GO), "hooks" (unshared by
   * the child after a new user namespace: at the pause before the hooks),
   * "path" (joined by path: that namespace, before GO).
   */
  when: 'clone' | 'hooks' | 'path';
  /** when "path": the namespace file. */
  path?: string;
}

/** Why `name` cannot be a network device name (the kernel's dev_valid_name), or undefined. */
function badName(name: string, template: boolean): string | undefined {
  if (name === '') return 'must not be empty';
  // IFNAMSIZ is 16 with the NUL.
  if (Buffer.byteLength(name) > 15) return `"${name}" is longer than 15 bytes (IFNAMSIZ)`;
  if (name === '.' || name === '..') return `"${name}" is not a valid device name`;
  if (name.includes('/')) return `"${name}" contains '/'`;
  if (name.includes(':')) return `"${name}" contains ':'`;
  if (/\s/.test(name)) return `"${name}" contains whitespace`;
  // dev_alloc_name: one '%', followed by 'd' (the template).
  if (name.includes('%') && !template) return `"${name}" has a '%' that is not a final "%d" template`;
  return undefined;
}

const quoted = (s: string) => JSON.stringify(s);

/**
 * The moves, checked: valid names, no two devices given one name, a network
 * namespace to move into, and the privilege to do it. Undefined: nothing to move.
 */
export function planNetDevices(spec: Spec, ns: NamespacePlan, cloneFlags: number, rootless: boolean): NetDevicePlan | undefined {
  const cfg = spec.linux?.netDevices;
  if (!cfg || !Object.keys(cfg).length) return undefined;
  if (!ns.has('network')) {
    throw new PlanError('linux.netDevices', 'needs a network namespace (linux.namespaces has none: the host\'s network is not the container\'s to move devices into)');
  }
  if (rootless) {
    throw new PlanError('linux.netDevices', 'moving host network devices needs CAP_NET_ADMIN over the host\'s network namespace, which a rootless runtime lacks');
  }
  const devices: NetDeviceMove[] = [];
  const byName = new Map<string, string>();
  for (const [host, v] of Object.entries(cfg)) {
    const where = `linux.netDevices[${quoted(host)}]`;
    const hostBad = badName(host, false);
    if (hostBad) throw new PlanError(where, `host device name ${hostBad}`);
    const name = v?.name ?? host;
    const template = /^[^%]*%d$/.test(name);
    const bad = badName(name, template);
    if (bad) throw new PlanError(`${where}.name`, bad);
    const other = byName.get(name);
    if (other !== undefined && !template) throw new PlanError(`${where}.name`, `${quoted(name)} is also the name given to ${quoted(other)}`);
    byName.set(name, host);
    devices.push({ host, name, template, where });
  }
  const joined = ns.joins.find((j) => j.type === 'network');
  if (joined) return { devices, when: 'path', path: joined.path };
  return { devices, when: cloneFlags & CLONE.NEWNET ? 'clone' : 'hooks' };
}
