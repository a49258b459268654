// Mount options (config.md `mounts[].options`, fstab words) -> MS_* flags,
// propagation flags and the data string passed to the filesystem.
import { MS, MOUNT_ATTR } from './types';

interface FlagWord { set: boolean; flag: number }

const FLAGS: Record<string, FlagWord> = {
  ro: { set: true, flag: MS.RDONLY }, rw: { set: false, flag: MS.RDONLY },
  nosuid: { set: true, flag: MS.NOSUID }, suid: { set: false, flag: MS.NOSUID },
  nodev: { set: true, flag: MS.NODEV }, dev: { set: false, flag: MS.NODEV },
  noexec: { set: true, flag: MS.NOEXEC }, exec: { set: false, flag: MS.NOEXEC },
  sync: { set: true, flag: MS.SYNCHRONOUS }, async: { set: false, flag: MS.SYNCHRONOUS },
  dirsync: { set: true, flag: MS.DIRSYNC },
  remount: { set: true, flag: MS.REMOUNT },
  mand: { set: true, flag: MS.MANDLOCK }, nomand: { set: false, flag: MS.MANDLOCK },
  noatime: { set: true, flag: MS.NOATIME }, atime: { set: false, flag: MS.NOATIME },
  nodiratime: { set: true, flag: MS.NODIRATIME }, diratime: { set: false, flag: MS.NODIRATIME },
  relatime: { set: true, flag: MS.RELATIME }, norelatime: { set: false, flag: MS.RELATIME },
  strictatime: { set: true, flag: MS.STRICTATIME }, nostrictatime: { set: false, flag: MS.STRICTATIME },
  lazytime: { set: true, flag: MS.LAZYTIME }, nolazytime: { set: false, flag: MS.LAZYTIME },
  nosymfollow: { set: true, flag: MS.NOSYMFOLLOW }, symfollow: { set: false, flag: MS.NOSYMFOLLOW },
  iversion: { set: true, flag: MS.I_VERSION }, noiversion: { set: false, flag: MS.I_VERSION },
  silent: { set: true, flag: MS.SILENT }, loud: { set: false, flag: MS.SILENT },
  // mount(8)'s "rw,suid,dev,exec,auto,nouser,async": none of them a flag
  defaults: { set: false, flag: 0 },
  bind: { set: true, flag: MS.BIND },
  rbind: { set: true, flag: MS.BIND | MS.REC },
};

export const PROPAGATION: Record<string, number> = {
  private: MS.PRIVATE, rprivate: MS.PRIVATE | MS.REC,
  shared: MS.SHARED, rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE, rslave: MS.SLAVE | MS.REC,
  unbindable: MS.UNBINDABLE, runbindable: MS.UNBINDABLE | MS.REC,
};

/**
 * The recursive ones (config.md: SHOULD; mount_setattr(2) with AT_RECURSIVE
 * on the mount and all its submounts): set (or, `clear`, clear) a
 * MOUNT_ATTR_* bit. The access-time ones pick one mode of MOUNT_ATTR__ATIME.
 */
const RECURSIVE: Record<string, { attr: number; clear?: boolean; atime?: boolean }> = {
  rro: { attr: MOUNT_ATTR.RDONLY }, rrw: { attr: MOUNT_ATTR.RDONLY, clear: true },
  rnosuid: { attr: MOUNT_ATTR.NOSUID }, rsuid: { attr: MOUNT_ATTR.NOSUID, clear: true },
  rnodev: { attr: MOUNT_ATTR.NODEV }, rdev: { attr: MOUNT_ATTR.NODEV, clear: true },
  rnoexec: { attr: MOUNT_ATTR.NOEXEC }, rexec: { attr: MOUNT_ATTR.NOEXEC, clear: true },
  rnodiratime: { attr: MOUNT_ATTR.NODIRATIME }, rdiratime: { attr: MOUNT_ATTR.NODIRATIME, clear: true },
  rnosymfollow: { attr: MOUNT_ATTR.NOSYMFOLLOW }, rsymfollow: { attr: MOUNT_ATTR.NOSYMFOLLOW, clear: true },
  // as mount(8) without a recursive form: "atime", "norelatime" and
  // "nostrictatime" leave the kernel's default, relatime
  rnoatime: { attr: MOUNT_ATTR.NOATIME, atime: true }, rstrictatime: { attr: MOUNT_ATTR.STRICTATIME, atime: true },
  rrelatime: { attr: MOUNT_ATTR.RELATIME, atime: true }, ratime: { attr: MOUNT_ATTR.RELATIME, atime: true },
  rnorelatime: { attr: MOUNT_ATTR.RELATIME, atime: true }, rnostrictatime: { attr: MOUNT_ATTR.RELATIME, atime: true },
};

export const RECURSIVE_OPTIONS = Object.keys(RECURSIVE);

// Options that are ours or other runtimes' extensions, not for the kernel.
const IGNORED = new Set(['copy-symlink', 'idmap', 'ridmap']);

export interface ParsedOptions {
  flags: number;
  propagation: number;
  data: string[];
  bind: boolean;
  recursive: boolean;
  /** MOUNT_ATTR_* bits to set and clear on the mount and every submount (the r* options). */
  recSet: number;
  recClr: number;
  /** tmpcopyup (runc's and crun's extension; the last of tmpcopyup / notmpcopyup wins) */
  copyup: boolean;
}

export function parseMountOptions(options: string[] = []): ParsedOptions {
  let flags = 0;
  let propagation = 0;
  const data: string[] = [];
  let recSet = 0;
  let recClr = 0;
  let copyup = false;
  for (const opt of options) {
    if (opt === 'tmpcopyup' || opt === 'notmpcopyup') {
      copyup = opt === 'tmpcopyup';
      continue;
    }
    const f = Object.hasOwn(FLAGS, opt) ? FLAGS[opt] : undefined;
    const r = Object.hasOwn(RECURSIVE, opt) ? RECURSIVE[opt] : undefined;
    if (f) flags = f.set ? flags | f.flag : flags & ~f.flag;
    else if (Object.hasOwn(PROPAGATION, opt)) propagation = PROPAGATION[opt];
    else if (r?.atime) {
      recSet = (recSet & ~MOUNT_ATTR.ATIME_MASK) | r.attr;
      recClr |= MOUNT_ATTR.ATIME_MASK;
    } else if (r) {
      recSet = r.clear ? recSet & ~r.attr : recSet | r.attr;
      recClr = r.clear ? recClr | r.attr : recClr & ~r.attr;
    } else if (!IGNORED.has(opt)) data.push(opt);
  }
  const bind = (flags & MS.BIND) !== 0;
  return {
    flags: flags & ~(MS.BIND | MS.REC),
    propagation,
    data,
    bind,
    recursive: (flags & MS.REC) !== 0,
    recSet,
    recClr,
    copyup,
  };
}
