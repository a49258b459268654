// config `mounts`, cgroup mounts, devices, maskedPaths and readonlyPaths ->
// primitive mount steps for the child.
import * as path from 'node:path';
import type { IDMapping, Mount, Spec } from '../config/types';
import { MountKind, TargetKind, MS, type DeviceOp, type MountOp, type SymlinkOp } from './types';
import { parseMountOptions, PROPAGATION } from './mount-options';
import { PlanError } from './errors';

/** Facts about the host the mount plan depends on (gathered by lib/plan/host.ts). */
export interface MountHost {
  /** Is this host path a directory? (bind sources: a file gets a file target). */
  isDir(p: string): boolean;
  /** v1 hierarchies: mount point, subsystem options ("cpu", "name=systemd") and the container's dir in it. */
  cgroupV1: { mountPoint: string; options: string; dir: string }[];
  /** On a pure v2 host: the container's cgroup dir, else "". */
  cgroupV2: string;
  /**
   * Rootless: a cgroup2 mount in the container's namespaces fails (EBUSY or
   * EPERM) where real root's would not: bind the cgroup's dir instead, which
   * shows the same tree (runc falls back to that bind on those errors).
   */
  rootless?: boolean;
}

function clean(dest: string): string {
  return path.posix.join('/', dest);
}

function configMount(m: Mount, i: number, host: MountHost, bundle: string, opts: PlanMountOptions): MountOp {
  const o = parseMountOptions(m.options);
  const target = clean(m.destination);
  let idmap: MountOp['idmap'];
  const text = (x: IDMapping[]) => x.map((e) => `${e.containerID} ${e.hostID} ${e.size}\n`).join('');
  if (m.uidMappings?.length || m.gidMappings?.length) {
    if (!(o.bind || m.type === 'bind')) throw new PlanError(`mounts[${i}].uidMappings`, 'idmapped mounts must be bind mounts');
    if (!m.uidMappings?.length || !m.gidMappings?.length) {
      throw new PlanError(`mounts[${i}].uidMappings`, 'an idmapped mount needs both uidMappings and gidMappings');
    }
    idmap = { uidMap: text(m.uidMappings), gidMap: text(m.gidMappings) };
  } else if (m.options?.some((x) => x === 'idmap' || x === 'ridmap')) {
    // config.md: "idmap" without mappings of the mount takes the container's
    // user namespace mappings (a MAY, as crun), and MUST be an error when
    // there are none (no user namespace, or one joined by path).
    const maps = opts.userMaps;
    if (!maps) {
      throw new PlanError(`mounts[${i}].options`, '"idmap" needs uidMappings and gidMappings on the mount or a new user namespace with mappings');
    }
    if (!(o.bind || m.type === 'bind')) throw new PlanError(`mounts[${i}].options`, 'idmapped mounts must be bind mounts');
    idmap = { uidMap: text(maps.uid), gidMap: text(maps.gid) };
  }
  // In a user namespace without a network namespace of its own the kernel
  // refuses a new sysfs: bind the host's /sys instead (as runc does).
  if (m.type === 'sysfs' && opts.userns && !opts.netns) {
    m = { ...m, type: 'bind', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', ...(m.options ?? []).filter((x) => x === 'ro')] };
    return configMount(m, i, host, bundle, { ...opts, userns: false });
  }
  const isBind = o.bind || m.type === 'bind';
  if (isBind) {
    if (!m.source) throw new PlanError(`mounts[${i}].source`, 'is required for a bind mount');
    const source = path.resolve(bundle, m.source);
    // A bind with flags beyond "bind"/"rbind" needs a remount to apply them.
    const remount = (o.flags & ~(MS.REMOUNT)) !== 0;
    return {
      kind: MountKind.Bind,
      targetKind: host.isDir(source) ? TargetKind.Dir : TargetKind.File,
      source, target, fstype: '', data: '', flags: o.flags, propagation: o.propagation,
      recursive: o.recursive || (m.options ?? []).includes('ridmap'), remount, recSet: o.recSet, recClr: o.recClr, idmap,
    };
  }
  if (!m.type) throw new PlanError(`mounts[${i}].type`, 'is required unless the mount is a bind mount');
  return {
    kind: MountKind.Fs, targetKind: TargetKind.Dir,
    source: m.source ?? m.type, target, fstype: m.type, data: o.data.join(','),
    flags: o.flags, propagation: o.propagation, recursive: false, remount: false, recSet: o.recSet, recClr: o.recClr,
    copyup: o.copyup && m.type === 'tmpfs',
  };
}

/**
 * A `cgroup` mount: on v1 a tmpfs with one mount per hierarchy below it (a
 * cgroupfs mount when the container has a cgroup namespace, which shows its
 * own cgroup as the root; else a bind of the container's cgroup dir), on v2 a
 * cgroup2 mount or bind. Read-only when the options say so.
 */
function cgroupMounts(m: Mount, host: MountHost, cgroupns: boolean, late: MountOp[]): MountOp[] {
  const o = parseMountOptions(m.options);
  const target = clean(m.destination);
  const ro = (o.flags & MS.RDONLY) !== 0;
  const base = (o.flags & ~MS.RDONLY) | MS.NOSUID | MS.NODEV | MS.NOEXEC;
  const op = (x: Partial<MountOp>): MountOp => ({
    kind: MountKind.Fs, targetKind: TargetKind.Dir, source: '', target, fstype: '', data: '',
    flags: base, propagation: 0, recursive: false, remount: false, ...x,
  });
  if (host.cgroupV2) {
    if (cgroupns && !host.rootless) return [op({ source: 'cgroup', fstype: 'cgroup2', flags: base | (ro ? MS.RDONLY : 0) })];
    return [op({
      kind: MountKind.Bind, source: host.cgroupV2, recursive: true,
      flags: base | (ro ? MS.RDONLY : 0), remount: true,
    })];
  }
  const ops: MountOp[] = [op({ source: 'tmpfs', fstype: 'tmpfs', data: 'mode=755' })];
  for (const h of host.cgroupV1) {
    const sub = path.posix.join(target, path.basename(h.mountPoint));
    if (cgroupns) {
      ops.push(op({ source: 'cgroup', target: sub, fstype: 'cgroup', data: h.options, flags: base | (ro ? MS.RDONLY : 0) }));
    } else {
      ops.push(op({
        kind: MountKind.Bind, target: sub, source: h.dir,
        flags: base | (ro ? MS.RDONLY : 0), remount: true,
      }));
    }
  }
  // As runc: the tmpfs stays writable, the hierarchies below it are read-only.
  return ops;
}

function readonlyOp(target: string): MountOp {
  return {
    kind: MountKind.Readonly, targetKind: TargetKind.None, source: '', target, fstype: '',
    data: '', flags: MS.RDONLY, propagation: 0, recursive: true, remount: true,
  };
}

function maskOp(target: string): MountOp {
  return {
    kind: MountKind.Mask, targetKind: TargetKind.None, source: '', target, fstype: '',
    data: '', flags: MS.RDONLY, propagation: 0, recursive: false, remount: false,
  };
}

const S_IFCHR = 0o020000, S_IFBLK = 0o060000, S_IFIFO = 0o010000;

/** The devices every container gets unless the config lists them (as runc). */
const DEFAULT_DEVICES: [string, number, number][] = [
  ['/dev/null', 1, 3], ['/dev/zero', 1, 5], ['/dev/full', 1, 7],
  ['/dev/random', 1, 8], ['/dev/urandom', 1, 9], ['/dev/tty', 5, 0],
];

export interface PlanMountOptions {
  cgroupns: boolean;
  userns: boolean;
  netns: boolean;
  /** linux.uidMappings/gidMappings of a new user namespace (what a bare "idmap" option maps with). */
  userMaps?: { uid: IDMapping[]; gid: IDMapping[] };
}

export interface MountPlan {
  mounts: MountOp[];
  lateMounts: MountOp[];
  devices: DeviceOp[];
  symlinks: SymlinkOp[];
  rootPropagation: number;
  finalPropagation: number;
}

export function planMounts(
  spec: Spec, bundle: string, host: MountHost, opts: PlanMountOptions,
): MountPlan {
  const late: MountOp[] = [];
  const mounts: MountOp[] = [];
  (spec.mounts ?? []).forEach((m, i) => {
    if (m.type === 'cgroup' || m.type === 'cgroup2') mounts.push(...cgroupMounts(m, host, opts.cgroupns, late));
    else mounts.push(configMount(m, i, host, bundle, opts));
  });

  // /dev: unless the config bind-mounts a /dev of its own, create the devices
  // and the usual symlinks in it.
  const devBound = mounts.some((m) => m.target === '/dev' && m.kind === MountKind.Bind);
  const devices: DeviceOp[] = [];
  const symlinks: SymlinkOp[] = [];
  if (!devBound) {
    const listed = new Set<string>();
    for (const [i, d] of (spec.linux?.devices ?? []).entries()) {
      const p = clean(d.path);
      listed.add(p);
      const type = d.type === 'b' ? S_IFBLK : d.type === 'p' ? S_IFIFO : S_IFCHR;
      if (d.type !== 'p' && (d.major === undefined || d.minor === undefined)) {
        throw new PlanError(`linux.devices[${i}]`, 'major and minor are required for a device of type ' + d.type);
      }
      devices.push({
        path: p, mode: type | ((d.fileMode ?? 0o666) & 0o7777), major: d.major ?? 0, minor: d.minor ?? 0,
        uid: d.uid ?? 0, gid: d.gid ?? 0, bind: opts.userns, configured: true,
      });
    }
    for (const [p, major, minor] of DEFAULT_DEVICES) {
      if (!listed.has(p)) devices.push({ path: p, mode: S_IFCHR | 0o666, major, minor, uid: 0, gid: 0, bind: opts.userns });
    }
    symlinks.push(
      { target: '/proc/self/fd', path: '/dev/fd' },
      { target: '/proc/self/fd/0', path: '/dev/stdin' },
      { target: '/proc/self/fd/1', path: '/dev/stdout' },
      { target: '/proc/self/fd/2', path: '/dev/stderr' },
    );
    if (!listed.has('/dev/ptmx')) symlinks.push({ target: 'pts/ptmx', path: '/dev/ptmx' });
    if (!mounts.some((m) => m.target === '/dev/shm')) {
      // Programs expect a writable /dev/shm; give one (as docker does) when
      // the config has none.
      mounts.push({
        kind: MountKind.Fs, targetKind: TargetKind.Dir, source: 'shm', target: '/dev/shm',
        fstype: 'tmpfs', data: 'mode=1777,size=65536k', flags: MS.NOSUID | MS.NODEV | MS.NOEXEC,
        propagation: 0, recursive: false, remount: false,
      });
    }
  }

  for (const p of spec.linux?.maskedPaths ?? []) late.push(maskOp(clean(p)));
  for (const p of spec.linux?.readonlyPaths ?? []) late.push(readonlyOp(clean(p)));

  const prop = spec.linux?.rootfsPropagation;
  if (prop !== undefined && !(prop in PROPAGATION)) {
    throw new PlanError('linux.rootfsPropagation', `unknown propagation "${prop}"`);
  }
  const propFlags = prop ? PROPAGATION[prop] : 0;
  return {
    mounts, lateMounts: late, devices, symlinks,
    // "/" gets the configured propagation before anything is mounted (default
    // rslave, as runc), and the new root gets it after pivot_root, without
    // MS_REC: each mount keeps the propagation its own options gave it.
    // An unbindable "/" could not be bound as the new root: until then it
    // is private (unbindable mounts are private too, and no more), and
    // unbindable only once it is the root.
    rootPropagation: !prop ? MS.SLAVE | MS.REC : propFlags & MS.UNBINDABLE ? MS.PRIVATE | MS.REC : propFlags,
    finalPropagation: propFlags & ~MS.REC,
  };
}
