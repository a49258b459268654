// Are we rootless? Either an ordinary user (euid != 0) or "root" inside a
// user namespace that some engine made (rootless podman runs the runtime so):
// uid_map is then not the identity map of the initial namespace.
import * as fs from 'node:fs';

let inUserNsCache: boolean | undefined;

/** True when this process is not in the initial user namespace. */
export function inUserNs(): boolean {
  if (inUserNsCache !== undefined) return inUserNsCache;
  let map = '';
  try {
    map = fs.readFileSync('/proc/self/uid_map', 'utf8');
  } catch {
    return (inUserNsCache = false);
  }
  // The initial namespace maps every id to itself: "0 0 4294967295".
  const f = map.trim().split(/\s+/);
  return (inUserNsCache = !(f.length === 3 && f[0] === '0' && f[1] === '0' && f[2] === '4294967295'));
}

/** Not real root: no cgroup writes, no mknod, no setgroups, ... unless granted. */
export function isRootless(): boolean {
  return process.geteuid!() !== 0 || inUserNs();
}
