// Compiled seccomp filters, kept by profile: engines hand every container the
// same profile (podman's and Docker's default: ~350 rules), and compiling it
// with libseccomp cost ~15 ms of each create's CPU, more than the rest of
// create. A filter is kept in a file of its own under /run/ocirun-cache (a
// rootless caller: $XDG_RUNTIME_DIR/ocirun-cache; both tmpfs, gone at boot),
// holding the exact input it was compiled from and then the filter:
//
//   <key>    "ocirun-seccomp 1\n" + the addon's identity (device, inode,
//            size, mtime of ocirun.node: a rebuild may compile differently)
//            + "\n" + JSON of linux.seccomp + "\n"
//   <filter> struct sock_filter[] as addon.compileSeccomp returns it
//
// named seccomp-<hash of the key>. A file is used only if it starts with the
// very same key bytes (a hash collision or a half-written file is a miss),
// the directory is ours alone (owned by us, mode 0700: nobody else could
// plant a weaker filter) and the file is a regular one owned by us. Every
// failure to read or write the cache is a miss, never an error. At most
// MAX_ENTRIES files: the oldest go first.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { addon, addonPath } from '../addon';
import { honorXdg } from './root';
import { inputHash } from './front-exec';

const MAX_ENTRIES = 32;
const PREFIX = 'seccomp-';

function cacheDir(): string | undefined {
  if (!honorXdg()) return '/run/ocirun-cache';
  const xdg = process.env.XDG_RUNTIME_DIR;
  return xdg && path.isAbsolute(xdg) ? path.join(xdg, 'ocirun-cache') : undefined;
}

/** The cache dir, made if missing; undefined unless it is ours alone. */
function ownDir(): string | undefined {
  const d = cacheDir();
  if (!d) return undefined;
  let st: fs.Stats;
  try {
    st = fs.lstatSync(d);
  } catch {
    try {
      fs.mkdirSync(d, { mode: 0o700 });
      st = fs.lstatSync(d);
    } catch {
      return undefined;
    }
  }
  return st.isDirectory() && st.uid === process.geteuid!() && (st.mode & 0o077) === 0 ? d : undefined;
}

function keyOf(profile: object): Buffer {
  const a = fs.statSync(addonPath());
  return Buffer.from(`ocirun-seccomp 1\n${a.dev}:${a.ino}:${a.size}:${a.mtimeMs}\n${JSON.stringify(profile)}\n`);
}

// bun's own hash is native (~50 µs for Docker's profile; FNV in bun's
// interpreter takes ~1.5 ms); node (the fallback) has a JIT for FNV.
const bun = (globalThis as { Bun?: { hash(data: Uint8Array): number | bigint } }).Bun;
const hashOf = (key: Buffer): string => (bun ? bun.hash(key).toString(16) : inputHash(key));

function read(file: string, key: Buffer): Buffer | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.uid !== process.geteuid!()) return undefined;
    const b = fs.readFileSync(fd);
    if (b.length <= key.length || !b.subarray(0, key.length).equals(key)) return undefined;
    const filter = b.subarray(key.length);
    // (a copy: the addon is given a buffer of its own, not a view into this one)
    return filter.length % 8 === 0 ? Buffer.from(filter) : undefined;
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

function write(dir: string, name: string, key: Buffer, filter: Buffer): void {
  try {
    const have = fs.readdirSync(dir).filter((f) => f.startsWith(PREFIX));
    if (have.length >= MAX_ENTRIES) {
      const byAge = have.map((f) => {
        try {
          return { f, t: fs.lstatSync(path.join(dir, f)).mtimeMs };
        } catch {
          return { f, t: 0 };
        }
      }).sort((x, y) => x.t - y.t);
      for (const { f } of byAge.slice(0, have.length - MAX_ENTRIES + 1)) fs.rmSync(path.join(dir, f), { force: true });
    }
    const tmp = path.join(dir, `.${name}.${process.pid}`);
    fs.writeFileSync(tmp, Buffer.concat([key, filter]), { mode: 0o600 });
    fs.renameSync(tmp, path.join(dir, name));
  } catch { /* compiled again next time */ }
}

/** addon.compileSeccomp(profile), from the cache when this very profile was compiled before. */
export function compileSeccompCached(profile: object): Buffer {
  let dir: string | undefined;
  let key: Buffer | undefined;
  try {
    dir = ownDir();
    key = dir ? keyOf(profile) : undefined;
  } catch {
    dir = undefined;
  }
  const name = key && `${PREFIX}${hashOf(key)}`;
  if (dir && key && name) {
    const hit = read(path.join(dir, name), key);
    if (hit) return hit;
  }
  const filter = addon().compileSeccomp(profile);
  if (dir && key && name) write(dir, name, key, filter);
  return filter;
}
