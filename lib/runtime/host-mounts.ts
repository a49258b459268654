// A container without a mount namespace of its own runs in the runtime's
// (config-linux.md: a namespace type not listed is inherited) or in one it
// joins by path. Its rootfs bind and mounts are then made in that shared
// mount table; they are undone when the container is deleted, or when create
// fails. (runc leaves them in the runtime's; in a joined one, runc and crun
// pivot_root: the rootfs stays that namespace's "/".)
// Only the mounts stacked on the rootfs since create began are ours: if the
// rootfs was a mount point already (an engine's overlay), that one stays.
import * as fs from 'node:fs';
import { spawnSync } from '../util/spawn-sync';
import { logWarn } from '../util/log';
import type { HostRootfs } from '../state/store';


/** mountinfo escapes space, tab, newline and backslash as octal. */
const escapeMountPoint = (p: string) => p.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);

const countOn = (mountinfo: string, p: string) => {
  const want = escapeMountPoint(p);
  return mountinfo.split('\n').filter((l) => l.split(' ')[4] === want).length;
};

/**
 * Runs `args` in the mount namespace open at `nsFd` (nsenter, given the fd as
 * its fd 3: the namespace checked is the one entered). A namespace is
 * entered by a process of its own: the runtime's threads share their root.
 */
function inNs(nsFd: number, args: string[]): string {
  const r = spawnSync('nsenter', ['--mount=/proc/self/fd/3', '--', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe', nsFd] });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error((r.stderr || `${args[0]} exited ${r.status}`).trim());
  return r.stdout;
}

/**
 * Opens the joined namespace again, if it is still the one of create (same
 * nsfs inode): undefined when it is gone (its mounts went with it).
 */
function openNs(ns: NonNullable<HostRootfs['mountNs']>): number | undefined {
  let fd: number;
  try {
    fd = fs.openSync(ns.path, 'r');
  } catch {
    return undefined;
  }
  if (fs.fstatSync(fd).ino === ns.ino) return fd;
  fs.closeSync(fd);
  return undefined;
}

/** How many mounts sit on exactly `p`, in ours or the namespace at `nsFd`. */
function mountsOn(p: string, nsFd?: number): number {
  const info = nsFd === undefined ? fs.readFileSync('/proc/self/mountinfo', 'utf8') : inNs(nsFd, ['cat', '/proc/self/mountinfo']);
  return countOn(info, p);
}

/**
 * What sits on the rootfs before create stacks its mounts there: in the
 * runtime's mount namespace, or in the one at `nsPath` (joined by path). A
 * joined namespace whose mounts can't be read (no /proc in it, not ours to
 * enter) is noted with a warning and left alone at delete.
 */
export function noteHostRootfs(rootfs: string, nsPath?: string): HostRootfs | undefined {
  if (nsPath === undefined) return { path: rootfs, mountsBefore: mountsOn(rootfs) };
  let fd: number;
  try {
    fd = fs.openSync(nsPath, 'r');
  } catch {
    return undefined; // create reports the path it cannot open
  }
  try {
    return { path: rootfs, mountsBefore: mountsOn(rootfs, fd), mountNs: { path: nsPath, ino: fs.fstatSync(fd).ino } };
  } catch (e) {
    logWarn(`the rootfs mounts made in mount namespace ${nsPath} will stay there: its mounts can't be read: ${(e as Error).message}`);
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/** Detaches our rootfs bind (and everything under it) if it is still there. */
export function undoHostMounts(h: HostRootfs | undefined): void {
  if (!h) return;
  const nsFd = h.mountNs && openNs(h.mountNs);
  if (h.mountNs && nsFd === undefined) return;
  const where = h.mountNs ? `mount namespace ${h.mountNs.path}` : 'the host\'s mount namespace';
  try {
    for (let n = mountsOn(h.path, nsFd); n > h.mountsBefore; n--) {
      if (nsFd !== undefined) {
        inNs(nsFd, ['umount', '-l', h.path]);
        continue;
      }
      const r = spawnSync('umount', ['-l', h.path], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error((r.stderr || `umount exited ${r.status}`).trim());
    }
  } catch (e) {
    logWarn(`unmount the rootfs mounts made in ${where} (${h.path}): ${(e as Error).message}`);
  } finally {
    if (nsFd !== undefined) fs.closeSync(nsFd);
  }
}
