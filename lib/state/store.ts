// The state directory: <root>/<id>/ (0700) holding state.json (written
// atomically: temp file + rename), config.json, seccomp.bpf (the compiled
// filter, for exec), front (the native front's recipe) and init.sock (the
// created container's start socket). A per-container lock is an flock on the
// directory itself.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { addon } from '../addon';
import { RuntimeError } from '../util/errors';
import type { CgroupLocation } from '../cgroups';
import type { Spec } from '../config/types';

import { defaultRoot, ROOT_DEFAULT } from './root';
import { testLockTimeoutMs } from '../util/testpoint';

/**
 * How long a call waits for a container's lock. Its holders are ocirun calls
 * whose every wait has a time limit of its own (hooks aside, whose limit is
 * the config's); past this one, something is stuck (a holder stopped, or in
 * the kernel), and the caller hears so instead of waiting for ever.
 */
const LOCK_TIMEOUT_MS = 120_000;
const lockTimeoutMs = () => testLockTimeoutMs ?? LOCK_TIMEOUT_MS;

/** The pid /proc/locks names for the flock on dir (the process that took it), if any. */
function lockHolder(dir: string): number | undefined {
  try {
    const st = fs.statSync(dir);
    const key = `:${st.ino} `;
    for (const line of fs.readFileSync('/proc/locks', 'utf8').split('\n')) {
      // "1: FLOCK  ADVISORY  WRITE 1234 00:19:5678 0 EOF"
      const f = line.trim().split(/\s+/);
      if (f[1] === 'FLOCK' && `${f[5]} `.endsWith(key) && !line.includes('->')) return Number(f[4]);
    }
  } catch { /* no /proc/locks: no pid in the message */ }
  return undefined;
}

export const DEFAULT_ROOT = ROOT_DEFAULT;

/** A rootfs set up in the host's mount namespace or one joined by path (lib/runtime/host-mounts.ts). */
export interface HostRootfs {
  /** The rootfs path (resolved), as the host sees it. */
  path: string;
  /** How many mounts sat on exactly that path before create. */
  mountsBefore: number;
  /** A mount namespace joined by path, not the host's: where it was and its nsfs inode. */
  mountNs?: { path: string; ino: number };
}

/** What we keep about a container (not the spec's State: that is derived). */
export interface Record {
  id: string;
  ociVersion: string;
  bundle: string;
  rootfs: string;
  created: string;
  owner: string;
  annotations?: { [k: string]: string };
  /** Host pid of the init; 0 while creating. */
  pid: number;
  /** /proc/<pid>/stat starttime, so a reused pid is not taken for ours. */
  startTime: string;
  /** "creating" until create finished. */
  phase: 'creating' | 'created';
  /** The `create` process, while phase is "creating": if it died, the container is stopped. */
  creator?: { pid: number; startTime: string };
  cgroup?: CgroupLocation;
  /** The container has a pid namespace of its own: killing the init ends all its processes. */
  ownPidNs?: boolean;
  /** No mount namespace of its own: the rootfs mounts made in the host's or a joined one (lib/runtime/host-mounts.ts). */
  hostRootfs?: HostRootfs;
  /** Namespaces the container made itself: their /proc/<pid>/ns names. */
  namespaces?: string[];
}

/** The state root is someone else's: never "fixed" by --force. */
export class StateAccessError extends RuntimeError {}

/** A container's lock stayed held past its time limit (the state itself is fine). */
export class LockTimeoutError extends RuntimeError {}

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.+:-]*$/;

export function validateId(id: unknown): string {
  if (typeof id !== 'string' || id === '') throw new RuntimeError('container id cannot be empty');
  if (id === '.' || id === '..' || id.includes('/') || !ID_RE.test(id) || id.length > 1024) {
    throw new RuntimeError(`invalid container id "${id.slice(0, 80)}": must match ${ID_RE.source} and not contain "/" or be ".."`);
  }
  return id;
}

export class Store {
  private rootDir: string | undefined;

  /** root: --root; undefined: the default (state/root.ts), picked when first used. */
  constructor(root?: string) {
    if (root === undefined) return;
    // A ".." anywhere is refused before resolving: --root must say where it is.
    if (root.split('/').includes('..')) throw new RuntimeError(`invalid --root "${root}": must not contain ".."`);
    if (!path.isAbsolute(root)) root = path.resolve(root);
    this.rootDir = path.normalize(root);
  }

  /** The root is $XDG_RUNTIME_DIR/ocirun: sticky, so systemd's cleanup of that dir leaves it alone (as runc). */
  private sticky = false;

  get root(): string {
    if (this.rootDir === undefined) {
      this.rootDir = defaultRoot();
      this.sticky = this.rootDir !== ROOT_DEFAULT;
    }
    return this.rootDir;
  }

  dir(id: string): string {
    return path.join(this.root, validateId(id));
  }

  /** Whether the container's state dir is there; another user's root: permission denied. */
  exists(id: string): boolean {
    try {
      fs.statSync(this.dir(id));
      return true;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM') throw this.denied();
      return false;
    }
  }

  /** Makes the container's dir; fails if the id is taken. Returns the lock fd. */
  createDir(id: string): number {
    const d = this.dir(id);
    try {
      fs.mkdirSync(this.root, { recursive: true, mode: 0o700 });
      if (this.sticky) fs.chmodSync(this.root, 0o1700);
      fs.mkdirSync(d, { mode: 0o700 });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw new RuntimeError(`container with id "${id}" already exists`);
      if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') throw this.denied();
      throw e;
    }
    try {
      return this.lock(id)!;
    } catch (e) {
      // Nothing is in it yet: don't leave an id that "already exists".
      fs.rmSync(d, { recursive: true, force: true });
      throw e;
    }
  }

  /** Locks the container's dir; undefined if it does not exist (any more). */
  lock(id: string): number | undefined {
    const d = this.dir(id);
    let fd: number;
    try {
      fd = addon().lock(d, false, lockTimeoutMs());
    } catch (e) {
      const errno = (e as { errno?: number }).errno;
      if (errno === 2) return undefined;
      if (errno === 110) {
        const pid = lockHolder(d);
        throw new LockTimeoutError(`timed out after ${lockTimeoutMs() / 1000} s waiting for the lock of container "${id}": another ocirun call holds it${pid ? ` (pid ${pid})` : ''}`);
      }
      if (errno === 13 || errno === 1) throw this.denied();
      // ELOOP / ENOTDIR: a symlink or a file where the state dir should be.
      if (errno === 40 || errno === 20) throw new RuntimeError(`state of container "${id}" is corrupt (not a directory); "delete --force ${id}" removes it`);
      throw e;
    }
    // A concurrent delete may have removed it while we waited.
    if (!fs.existsSync(d)) {
      fs.closeSync(fd);
      return undefined;
    }
    return fd;
  }

  /**
   * Releases a lock from lock() or createDir(). Not a plain close: the
   * children we cloned meanwhile hold copies of its fd until they close
   * them, and one frozen before it got to (exec --ignore-paused) would hold
   * the lock until resume, which needs it.
   */
  unlock(fd: number): void {
    addon().unlock(fd);
  }

  /** Another user's (or root's) state root: nothing of it is ours to see. */
  private denied(): RuntimeError {
    return new StateAccessError(`state root ${this.root}: permission denied (it belongs to another user; use your own --root or $XDG_RUNTIME_DIR)`);
  }

  read(id: string): Record | undefined {
    let text: string;
    let fd: number;
    const file = path.join(this.dir(id), 'state.json');
    try {
      // Non-blocking and no symlinks: a fifo or a link in its place must not hang or redirect us.
      fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      if (code === 'EACCES') throw this.denied();
      throw new RuntimeError(`state of container "${id}" is unreadable (${code ?? (e as Error).message}); "delete --force ${id}" removes it`);
    }
    try {
      if (!fs.fstatSync(fd).isFile()) throw new RuntimeError(`state of container "${id}" is corrupt (state.json is not a file); "delete --force ${id}" removes it`);
      text = fs.readFileSync(fd, 'utf8');
    } catch (e) {
      if (e instanceof RuntimeError) throw e;
      throw new RuntimeError(`state of container "${id}" is unreadable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); "delete --force ${id}" removes it`);
    } finally {
      fs.closeSync(fd);
    }
    try {
      const r = JSON.parse(text) as Record;
      if (typeof r !== 'object' || !r || r.id !== id) throw new Error('wrong id');
      return r;
    } catch (e) {
      throw new RuntimeError(`state of container "${id}" is corrupt (${(e as Error).message}); "delete --force ${id}" removes it`);
    }
  }

  write(r: Record): void {
    this.writeFile(r.id, 'state.json', JSON.stringify(r));
  }

  /** A file of the container's dir, replaced atomically (temp file + rename). */
  private writeFile(id: string, name: string, data: string | Buffer): void {
    const d = this.dir(id);
    const tmp = path.join(d, `.${name}.${process.pid}`);
    fs.writeFileSync(tmp, data, { mode: 0o600 });
    fs.renameSync(tmp, path.join(d, name));
  }

  private configFile(id: string): string {
    return path.join(this.dir(id), 'config.json');
  }

  /** Replaces the kept config (update: the resources it changed). */
  writeSpec(id: string, spec: Spec): void {
    this.writeFile(id, 'config.json', JSON.stringify(spec));
  }

  /** The config the container was created with (a copy kept in its state dir; update keeps its resources current). */
  readSpec(id: string): Spec {
    try {
      return JSON.parse(fs.readFileSync(this.configFile(id), 'utf8')) as Spec;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EACCES') throw this.denied();
      throw e;
    }
  }

  /**
   * The container's seccomp filter as compiled at create (struct sock_filter[]):
   * every exec applies the same profile, and compiling a large one (Docker's
   * default: ~350 rules) costs more than the rest of an exec.
   */
  writeSeccomp(id: string, filter: Buffer): void {
    this.writeFile(id, 'seccomp.bpf', filter);
  }

  /** The filter create compiled; undefined if there is none (older state) or it is not a whole filter. */
  readSeccomp(id: string): Buffer | undefined {
    let fd: number;
    try {
      fd = fs.openSync(path.join(this.dir(id), 'seccomp.bpf'), fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW);
    } catch {
      return undefined;
    }
    try {
      if (!fs.fstatSync(fd).isFile()) return undefined;
      const b = fs.readFileSync(fd);
      return b.length > 0 && b.length % 8 === 0 ? b : undefined;
    } finally {
      fs.closeSync(fd);
    }
  }

  startSocket(id: string): string {
    return path.join(this.dir(id), 'init.sock');
  }

  /** Removes whatever is at the container's path (dir, file, symlink: the link, not its target). */
  remove(id: string): void {
    fs.rmSync(this.dir(id), { recursive: true, force: true });
  }

  /** Is there anything at the container's path (even a dangling symlink)? */
  present(id: string): boolean {
    try {
      fs.lstatSync(this.dir(id));
      return true;
    } catch {
      return false;
    }
  }

  list(): string[] {
    const root = this.root;
    try {
      return fs.readdirSync(root).filter((n) => ID_RE.test(n)).sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EACCES') throw this.denied();
      return [];
    }
  }
}

/** Writes a pid file atomically: decimal digits, no newline (containerd reads it raw). */
export function writePidFile(file: string, pid: number): void {
  const abs = path.resolve(file);
  const tmp = path.join(path.dirname(abs), `.${path.basename(abs)}.${process.pid}`);
  fs.writeFileSync(tmp, String(pid));
  fs.renameSync(tmp, abs);
}
