// Moves host network devices into the container's network namespace
// (config-linux.md "Network Devices"; the plan: lib/plan/netdevices.ts), with
// the rtnetlink calls of addon/netdev.cc. Per device: its permanent global
// addresses are read on the host (a move into another namespace drops every
// address), then it is moved and renamed in one request, the addresses are
// added back inside, and it is set up. Nothing is ever moved back: when the
// namespace dies the kernel returns physical devices to the host and destroys
// virtual ones (the spec's "MUST NOT" at delete), which is also what undoes a
// failed create.
import * as fs from 'node:fs';
import type { NetDeviceMove } from '../plan/netdevices';
import { addon, type NetAddr } from '../addon';
import { RuntimeError, errnoText } from '../util/errors';
import { tracer } from '../util/debug';

const trace = tracer('netdev');

// <linux/if_addr.h>, <linux/rtnetlink.h>
const IFA_F_PERMANENT = 0x80;
const RT_SCOPE_UNIVERSE = 0;
/** State the kernel keeps, not something to ask for (IFA_F_TENTATIVE, DADFAILED, DEPRECATED, OPTIMISTIC, PERMANENT). */
const IFA_F_STATE = 0x40 | 0x08 | 0x20 | 0x04 | IFA_F_PERMANENT;
const AF_INET = 2;

function formatAddr(a: NetAddr): string {
  const b = a.local ?? a.address;
  if (!b) return '?';
  const text = a.family === AF_INET
    ? [...b].join('.')
    : Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2).toString(16)).join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
  return `${text}/${a.prefixlen}`;
}

/** config-linux.md: only permanent addresses of global scope are carried over. */
export function addressesToKeep(addrs: NetAddr[]): NetAddr[] {
  return addrs.filter((a) => (a.flags & IFA_F_PERMANENT) !== 0 && a.scope === RT_SCOPE_UNIVERSE);
}

/** The address as it is added inside: same flags but the kernel's state ones; an alias label follows the rename. */
function addressFor(a: NetAddr, host: string, name: string): NetAddr {
  const out: NetAddr = { ...a, flags: a.flags & ~IFA_F_STATE };
  delete out.label;
  if (a.label?.startsWith(`${host}:`)) {
    const label = name + a.label.slice(host.length);
    if (Buffer.byteLength(label) <= 15) out.label = label;
  }
  return out;
}

/** The kernel's errno for a move, as the cause. */
function moveError(d: NetDeviceMove, e: NodeJS.ErrnoException & { errno?: number }): RuntimeError {
  const errno = typeof e.errno === 'number' ? e.errno : 0;
  switch (errno) {
    case 17: // EEXIST: the name is taken in the target
      return new RuntimeError(`${d.where}: ${JSON.stringify(d.name)} already exists in the container's network namespace`);
    case 19: // ENODEV: went away since we looked
      return new RuntimeError(`${d.where}: no such network device on the host`);
    case 1: // EPERM: no CAP_NET_ADMIN over one of the namespaces
      return new RuntimeError(`${d.where}: moving it into the container's network namespace needs CAP_NET_ADMIN over both namespaces: ${errnoText(errno)}`);
    case 22: // EINVAL: NETIF_F_NETNS_LOCAL (lo, bridges, ...) or a name the kernel refuses
      return new RuntimeError(`${d.where}: the kernel refuses to move it to another network namespace or to name it ${JSON.stringify(d.name)} (a device bound to its namespace, such as lo or a bridge?): ${errnoText(errno)}`);
    default:
      return new RuntimeError(`${d.where}: moving it into the container's network namespace: ${e.message}`);
  }
}

/**
 * Moves the devices into the network namespace at nsPath (/proc/<pid>/ns/net,
 * or a joined one's path). Every device is checked before any is moved: it
 * exists on the host, its name (not a template) is free in the container.
 */
export function moveNetDevices(devices: NetDeviceMove[], nsPath: string): void {
  const a = addon();
  const fds: number[] = [];
  try {
    const nsFd = fs.openSync(nsPath, 'r');
    fds.push(nsFd);
    const host = a.netlinkOpen(-1);
    fds.push(host);
    const ctr = a.netlinkOpen(nsFd);
    fds.push(ctr);
    const hostLinks = a.netlinkLinks(host);
    const ctrLinks = a.netlinkLinks(ctr);
    const found = devices.map((d) => {
      const link = hostLinks.find((l) => l.name === d.host);
      if (!link) throw new RuntimeError(`${d.where}: no such network device on the host`);
      if (!d.template && ctrLinks.some((l) => l.name === d.name)) {
        throw new RuntimeError(`${d.where}: ${JSON.stringify(d.name)} already exists in the container's network namespace`);
      }
      return { d, index: link.index };
    });
    for (const { d, index } of found) {
      const keep = addressesToKeep(a.netlinkAddrs(host, index));
      const before = new Set(a.netlinkLinks(ctr).map((l) => l.index));
      try {
        a.netlinkMoveLink(host, index, nsFd, d.name);
      } catch (e) {
        throw moveError(d, e as NodeJS.ErrnoException);
      }
      // Inside, the kernel keeps the ifindex if it is free there, else gives
      // a new one; a template's name is the kernel's: find the device that
      // was not there before (nothing else runs in the namespace yet).
      const after = a.netlinkLinks(ctr);
      const moved = d.template ? after.find((l) => !before.has(l.index)) : after.find((l) => l.name === d.name);
      if (!moved) throw new RuntimeError(`${d.where}: moved, but not found in the container's network namespace`);
      trace('%s moved in as %s (index %d)', d.host, moved.name, moved.index);
      for (const addr of keep) {
        try {
          a.netlinkAddAddr(ctr, moved.index, addressFor(addr, d.host, moved.name));
        } catch (e) {
          throw new RuntimeError(`${d.where}: add address ${formatAddr(addr)} to ${JSON.stringify(moved.name)}: ${(e as Error).message}`);
        }
      }
      try {
        a.netlinkSetUp(ctr, moved.index);
      } catch (e) {
        throw new RuntimeError(`${d.where}: set ${JSON.stringify(moved.name)} up: ${(e as Error).message}`);
      }
    }
  } finally {
    for (const fd of fds) fs.closeSync(fd);
  }
}
