// Facts about the host that the planner needs, read once per command.
import * as fs from 'node:fs';

let mountinfoCache: MountInfo[] | undefined;

export interface MountInfo {
  mountPoint: string;
  /** The mounted dir's path inside its filesystem ("/" for the whole of it). */
  root: string;
  fstype: string;
  superOptions: string;
  optional: string; // "shared:1 master:2"
}

// Octal escapes in mountinfo paths ("\040" for a space).
const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));

export function mountinfo(): MountInfo[] {
  if (mountinfoCache) return mountinfoCache;
  const out: MountInfo[] = [];
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    if (!line) continue;
    const [left, right] = line.split(' - ');
    const f = left.split(' ');
    const r = right.split(' ');
    out.push({ mountPoint: unescape(f[4]), root: unescape(f[3]), optional: f.slice(6).join(' '), fstype: r[0], superOptions: r[2] ?? '' });
  }
  return (mountinfoCache = out);
}

/** The mount point that contains `p` (longest prefix). */
export function mountPointOf(p: string): MountInfo | undefined {
  let best: MountInfo | undefined;
  for (const m of mountinfo()) {
    const mp = m.mountPoint;
    if ((p === mp || p.startsWith(mp === '/' ? '/' : mp + '/')) && (!best || mp.length >= best.mountPoint.length)) best = m;
  }
  return best;
}

export function capLast(): number {
  try {
    return parseInt(fs.readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'), 10);
  } catch {
    return 40;
  }
}

/** The runtime's own bounding set (/proc/self/status CapBnd): what a
 * container's process can ever hold after execve. */
export function capBounding(): bigint | undefined {
  try {
    const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return m ? BigInt(`0x${m[1]}`) : undefined;
  } catch {
    return undefined;
  }
}

export function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return true; // missing sources fail in the child with the real error
  }
}

/**
 * The home directory of `uid` in <rootfs>/etc/passwd. The file is only read
 * if it really is inside the rootfs (a symlink out of it is ignored).
 */
export function homeIn(rootfs: string, uid: number): string | undefined {
  let text: string;
  try {
    const real = fs.realpathSync(`${rootfs}/etc/passwd`);
    if (!real.startsWith(rootfs + '/')) return undefined;
    text = fs.readFileSync(real, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length >= 6 && Number(f[2]) === uid && f[2] !== '') return f[5] || undefined;
  }
  return undefined;
}
