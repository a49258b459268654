// restore: bring a checkpointed container back with CRIU, in new namespaces,
// with the bundle's config: its cgroup (and resources), its bind mounts and
// rootfs (given to CRIU as external mounts), its terminal, the pid file.
// The result is an ordinary container: the same state dir and native-front
// recipe as `create` writes, status "running". A failure leaves nothing behind.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../config/load';
import { planNamespaces } from '../plan/namespaces';
import { locateCgroup, openCgroup } from '../cgroups';
import type { CgroupManager } from '../cgroups/types';
import type { Store, Record } from '../state/store';
import { status as statusOf } from '../state/status';
import { writeFront } from '../state/front';
import { compileSeccompCached } from '../state/seccomp-cache';
import { addon } from '../addon';
import { hostHooks } from './run-hooks';
import { del } from './delete';
import { creatingRecord, killAndDestroy, markCreated, resolveBundle, resolveRootfs, type NewContainerOptions } from './new-container';
import { RuntimeError } from '../util/errors';
import { logWarn } from '../util/log';
import { tracer } from '../util/debug';
import { criuSwrk, criuFailure, criuBinary, criuVersion } from './criu/swrk';
import { REQ_TYPE, type CriuOpts } from './criu/proto';
import { DESCRIPTORS, RESTORE_LOG, EXTERNAL_NS, bindMounts, joinedNamespace, requireLazyPages, sharedOpts, type CriuFlags } from './criu/common';

const trace = tracer('restore');

export interface RestoreOptions extends NewContainerOptions, CriuFlags {
  autoDedup?: boolean;
  lsmProfile?: string;
  /** SELinux context for the restored mounts' context= option (CRIU's lsm_mount_context). */
  lsmMountContext?: string;
}

/** --lsm-profile and --lsm-mount-context: CRIU before 3.16 ignores or mishandles them (runc's check). */
async function requireLsmSupport(o: RestoreOptions): Promise<void> {
  const flag = o.lsmProfile ? '--lsm-profile' : o.lsmMountContext ? '--lsm-mount-context' : undefined;
  if (flag && (await criuVersion()) < 31600) throw new RuntimeError(`${flag} requires at least CRIU 3.16`);
}

export interface Restored {
  record: Record;
}

/** The checkpoint's image dir, checked: CRIU's inventory is what makes a dir a checkpoint. */
function imageDir(p: string): string {
  const dir = path.resolve(p);
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new RuntimeError(`--image-path "${dir}" is not a directory`);
  if (!fs.existsSync(path.join(dir, 'inventory.img'))) {
    throw new RuntimeError(`--image-path "${dir}" is not a checkpoint (no inventory.img: was it written by checkpoint, and not by --pre-dump alone?)`);
  }
  return dir;
}

/** The stdio links the dump recorded (runc's descriptors.json); [] if absent. */
function dumpedStdio(dir: string): string[] {
  try {
    const v = JSON.parse(fs.readFileSync(path.join(dir, DESCRIPTORS), 'utf8')) as unknown;
    return Array.isArray(v) ? v.map(String) : [];
  } catch {
    return [];
  }
}

/** /proc/<pid>/cgroup as CRIU's cgroup roots: each hierarchy's controllers and path. */
function cgroupRoots(pid: number): { ctrl?: string; path: string }[] {
  const roots: { ctrl?: string; path: string }[] = [];
  for (const line of fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    roots.push(m[1] ? { ctrl: m[1], path: m[2] } : { path: m[2] });
  }
  return roots;
}

/** Mount points the bundle's bind mounts need in the rootfs (a fresh rootfs may lack them). */
function makeMountPoints(rootfs: string, binds: { key: string; source: string }[]): void {
  for (const b of binds) {
    const target = path.join(rootfs, b.key);
    // Inside the rootfs only: a symlink on the way must not lead out.
    let real: string;
    try {
      real = fs.realpathSync(path.dirname(target));
    } catch {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      real = fs.realpathSync(path.dirname(target));
    }
    if (real !== rootfs && !real.startsWith(rootfs + '/')) continue;
    if (fs.existsSync(target)) continue;
    const isDir = fs.statSync(b.source, { throwIfNoEntry: false })?.isDirectory() ?? true;
    if (isDir) fs.mkdirSync(target, { recursive: true });
    else fs.writeFileSync(target, '', { flag: 'a' });
  }
}

export async function restore(store: Store, o: RestoreOptions): Promise<Restored> {
  const bin = criuBinary();
  const images = imageDir(o.imagePath);
  await requireLsmSupport(o);
  if (o.lazyPages) await requireLazyPages('restore');
  const bundle = resolveBundle(o.bundle);
  const spec = loadConfig(bundle);
  const rootfs = resolveRootfs(spec, bundle);
  const ns = planNamespaces(spec.linux?.namespaces);
  const cgroupLoc = locateCgroup(spec.linux?.cgroupsPath, o.id);
  if (spec.process?.terminal && o.consoleSocket === undefined && o.consoleFd === undefined) {
    throw new RuntimeError('cannot restore a terminal container without --console-socket when detached');
  }

  // The container this checkpoint was taken of, stopped by it, gives its id back.
  if (store.present(o.id)) {
    const old = store.read(o.id);
    if (!old || statusOf(old) !== 'stopped') throw new RuntimeError(`container with id "${o.id}" already exists`);
    del(store, o.id, true);
  }
  const lockFd = store.createDir(o.id);
  const record = creatingRecord({ id: o.id, spec, bundle, rootfs, cgroup: cgroupLoc, ownPidNs: ns.isNew('pid') });
  const fds: number[] = [];
  const criuRoot = path.join(store.dir(o.id), 'criu-root');
  let mounted = false;
  let cg: CgroupManager | undefined;
  let pid = 0;
  try {
    store.write(record);
    store.writeSpec(o.id, spec);
    // The filter every exec applies, as create keeps it (the restored
    // process has its own, restored by CRIU): execs into the restored
    // container, the CLI's and the native front's, load it.
    const seccomp = spec.linux?.seccomp ? compileSeccompCached(spec.linux.seccomp) : undefined;
    if (seccomp) store.writeSeccomp(o.id, seccomp);
    cg = openCgroup(cgroupLoc);
    const owned = cg.create(spec.linux?.resources);
    if (Object.keys(owned).length) {
      record.cgroup = { ...cgroupLoc, owned };
      store.write(record);
    }
    const a = addon();
    const consoleFd = !spec.process?.terminal ? -1
      : o.consoleFd !== undefined ? o.consoleFd
      : a.connectUnix(path.resolve(o.consoleSocket!));
    if (consoleFd >= 0 && o.consoleFd === undefined) fds.push(consoleFd);

    // CRIU wants its root to be a mount point whose parent is not overmounted.
    const binds = bindMounts(spec, bundle);
    makeMountPoints(rootfs, binds);
    fs.mkdirSync(criuRoot, { mode: 0o755 });
    a.bindMount(rootfs, criuRoot);
    mounted = true;

    const imgFd = fs.openSync(images, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    fds.push(imgFd);
    let workFd: number | undefined;
    if (o.workPath) {
      fs.mkdirSync(o.workPath, { recursive: true, mode: 0o700 });
      workFd = fs.openSync(o.workPath, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
      fds.push(workFd);
    }
    const logFile = path.join(o.workPath ? path.resolve(o.workPath) : images, RESTORE_LOG);
    const opts: CriuOpts = {
      ...sharedOpts(o, imgFd, workFd, RESTORE_LOG),
      root: criuRoot, rstSibling: true, evasiveDevices: true, autoDedup: !!o.autoDedup,
      extMnt: binds.map((b) => ({ key: b.key, val: b.source })),
    };
    if (o.lsmProfile) opts.lsmProfile = o.lsmProfile;
    if (o.lsmMountContext) opts.lsmMountContext = o.lsmMountContext;
    // Namespaces the config joins: CRIU gets them as inherited fds (4, 5, ...).
    const extraFds: number[] = [];
    for (const e of EXTERNAL_NS) {
      const p = joinedNamespace(spec, e.type);
      if (!p) continue;
      const fd = fs.openSync(p, 'r');
      fds.push(fd);
      (opts.inheritFd ??= []).push({ key: e.key, fd: 4 + extraFds.length });
      extraFds.push(fd);
    }
    // Pipes and host files the container had as stdio are ours now (an engine passes new ones).
    dumpedStdio(images).forEach((link, i) => {
      if (link.startsWith('pipe:') || link.startsWith('file[')) (opts.inheritFd ??= []).push({ key: link, fd: i });
    });
    const state = (p: number) => ({ ociVersion: spec.ociVersion, id: o.id, status: 'creating' as const, pid: p, bundle, annotations: spec.annotations });

    trace('restoring from %s', images);
    const resp = await criuSwrk({
      req: { type: REQ_TYPE.RESTORE, opts }, stdio: 'ours', extraFds, logFile,
      onStart: (criuPid) => {
        // CRIU puts what it restores where it itself is: the container's cgroup.
        cg!.addProcess(criuPid);
        opts.cgRoot = cgroupRoots(criuPid);
      },
      onNotify: (n) => {
        if (n.script === 'setup-namespaces') {
          hostHooks(spec.hooks, 'prestart', state(n.pid));
          hostHooks(spec.hooks, 'createRuntime', state(n.pid));
        } else if (n.script === 'post-restore') {
          pid = n.pid;
        } else if (n.script === 'orphan-pts-master' && n.fd >= 0 && consoleFd >= 0) {
          a.sendFd(consoleFd, '/dev/ptmx', n.fd);
        }
      },
    });
    if (!resp.success) throw criuFailure('restore', resp, logFile, bin);
    pid = resp.restore?.pid ?? pid;
    if (!pid) throw new RuntimeError('restore: criu did not say which process it restored');
    trace('restored pid %d', pid);
    markCreated(store, record, pid, o.pidFile);
    writeFront(store, record, spec);
    return { record };
  } catch (e) {
    killAndDestroy(pid, cg, true);
    throw e;
  } finally {
    if (mounted) {
      try {
        addon().detachMount(criuRoot);
      } catch (e) {
        logWarn((e as Error).message);
      }
    }
    fds.forEach((fd) => fs.closeSync(fd));
    store.unlock(lockFd);
    if (!pid || record.phase !== 'created') store.remove(o.id);
    else {
      try {
        fs.rmdirSync(criuRoot);
      } catch { /* still busy: delete removes it with the state dir */ }
    }
  }
}
