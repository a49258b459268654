// Mount options (config.md `mounts[].options`, fstab words) -> MS_* flags,
// propagation flags and the data string passed to the filesystem.
import { MS } from './types';

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
  bind: { set: true, flag: MS.BIND },
  rbind: { set: true, flag: MS.BIND | MS.REC },
};

export const PROPAGATION: Record<string, number> = {
  private: MS.PRIVATE, rprivate: MS.PRIVATE | MS.REC,
  shared: MS.SHARED, rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE, rslave: MS.SLAVE | MS.REC,
  unbindable: MS.UNBINDABLE, runbindable: MS.UNBINDABLE | MS.REC,
};

// Options that are ours or other runtimes' extensions, not for the kernel.
const IGNORED = new Set(['tmpcopyup', 'notmpcopyup', 'copy-symlink', 'idmap', 'ridmap', 'rro', 'rrw']);

export interface ParsedOptions {
  flags: number;
  propagation: number;
  data: string[];
  bind: boolean;
  recursive: boolean;
  /** rro: read-only recursively (mount_setattr) */
  rro: boolean;
}

export function parseMountOptions(options: string[] = []): ParsedOptions {
  let flags = 0;
  let propagation = 0;
  const data: string[] = [];
  for (const opt of options) {
    const f = FLAGS[opt];
    if (f) flags = f.set ? flags | f.flag : flags & ~f.flag;
    else if (opt in PROPAGATION) propagation = PROPAGATION[opt];
    else if (!IGNORED.has(opt)) data.push(opt);
  }
  const bind = (flags & MS.BIND) !== 0;
  return {
    flags: flags & ~(MS.BIND | MS.REC),
    propagation,
    data,
    bind,
    recursive: (flags & MS.REC) !== 0,
    rro: options.includes('rro'),
  };
}
