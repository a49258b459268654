// A container without a mount namespace of its own runs in the runtime's
// (config-linux.md: a namespace type not listed is inherited). Its rootfs
// bind and mounts are then made in the host's mount table; they are undone
// when the container is deleted, or when create fails. (runc leaves them.)
// Only the mounts stacked on the rootfs since create began are ours: if the
// rootfs was a mount point already (an engine's overlay), that one stays.
import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { logWarn } from '../util/log';
import type { HostRootfs } from '../state/store';


/** mountinfo escapes space, tab, newline and backslash as octal. */
const escapeMountPoint = (p: string) => p.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);

function mountsOn(p: string): number {
  const want = escapeMountPoint(p);
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.split(' ')[4] === want).length;
}

export function noteHostRootfs(rootfs: string): HostRootfs {
  return { path: rootfs, mountsBefore: mountsOn(rootfs) };
}

/** Detaches our rootfs bind (and everything under it) if it is still there. */
export function undoHostMounts(h: HostRootfs | undefined): void {
  if (!h) return;
  try {
    for (let n = mountsOn(h.path); n > h.mountsBefore; n--) {
      const r = spawnSync('umount', ['-l', h.path], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error((r.stderr || `umount exited ${r.status}`).trim());
    }
  } catch (e) {
    logWarn(`unmount the rootfs mounts made in the host's mount namespace (${h.path}): ${(e as Error).message}`);
  }
}
