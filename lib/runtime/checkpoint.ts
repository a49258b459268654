// checkpoint: dump a running container's processes to an image dir with
// CRIU (lib/runtime/criu). Without --leave-running (or --pre-dump) CRIU ends
// them once the images are written, and the container is stopped; a failed
// dump leaves it running as it was (CRIU thaws what it froze).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Store } from '../state/store';
import { openCgroup } from '../cgroups';
import { load, notExist } from './container';
import { RuntimeError } from '../util/errors';
import { tracer } from '../util/debug';
import { criuSwrk, criuFailure, criuBinary } from './criu/swrk';
import { REQ_TYPE, type CriuOpts } from './criu/proto';
import { DESCRIPTORS, DUMP_LOG, EXTERNAL_NS, bindMounts, joinedNamespace, parsePageServer, requireLazyPages, sharedOpts, type CriuFlags } from './criu/common';
import { logWarn } from '../util/log';

const trace = tracer('checkpoint');

export interface CheckpointOptions extends CriuFlags {
  id: string;
  /** Relative to the image path: the previous (pre-)dump. */
  parentPath?: string;
  leaveRunning?: boolean;
  preDump?: boolean;
  tcpSkipInFlight?: boolean;
  linkRemap?: boolean;
  autoDedup?: boolean;
  /** ADDRESS:PORT of a `criu page-server` that takes the memory pages (or, with lazyPages, where this dump serves them). */
  pageServer?: string;
  /** With lazyPages: an fd of ours that gets one '\0' byte when the lazy restore may start. */
  statusFd?: number;
}

/** --status-fd: an fd we have open for writing (runc checks the same with F_GETFL). */
function checkStatusFd(fd: number): void {
  let flags: number;
  try {
    flags = parseInt(/^flags:\s*([0-7]+)/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1] ?? '', 8);
  } catch {
    throw new RuntimeError(`invalid --status-fd ${fd}: not an open file descriptor`);
  }
  if ((flags & 3) === fs.constants.O_RDONLY) throw new RuntimeError(`invalid --status-fd ${fd}: not open for writing`);
}

function openDir(dir: string, what: string): number {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    return fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  } catch (e) {
    throw new RuntimeError(`${what} "${dir}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/**
 * The init's stdio as restore must reconnect it (descriptors.json): a pipe
 * by its name (restore hands its own stdio over for it, as runc), and a file
 * on a mount the container cannot see (an engine's /dev/null or log file)
 * as a CRIU external file, file[mnt_id:inode] (runc fails the dump there).
 */
function stdioDescriptors(pid: number): string[] {
  let visible: Set<string> | undefined;
  return [0, 1, 2].map((n) => {
    let link: string;
    try {
      link = fs.readlinkSync(`/proc/${pid}/fd/${n}`);
    } catch {
      return '';
    }
    if (!link.startsWith('/')) return link;
    const mnt = /^mnt_id:\s*(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/fdinfo/${n}`, 'utf8'))?.[1];
    if (!mnt) return link;
    visible ??= new Set(fs.readFileSync(`/proc/${pid}/mountinfo`, 'utf8').split('\n').map((l) => l.split(' ')[0]));
    if (visible.has(mnt)) return link;
    const ino = fs.statSync(`/proc/${pid}/fd/${n}`, { bigint: true }).ino;
    return `file[${Number(mnt).toString(16)}:${ino.toString(16)}]`;
  });
}

/** Writes the '\0' that says the lazy dump is ready, once; a reader that went away is not our failure. */
function signalReady(fd: number): void {
  try {
    fs.writeSync(fd, Buffer.from([0]));
  } catch (e) {
    logWarn(`--status-fd ${fd}: cannot write the ready byte: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export async function checkpoint(store: Store, o: CheckpointOptions): Promise<void> {
  // The flags first: a bad one leaves no image dir behind.
  const ps = o.pageServer ? parsePageServer(o.pageServer) : undefined;
  let statusFd = o.statusFd !== undefined && o.statusFd >= 0 ? o.statusFd : undefined;
  if (statusFd !== undefined) {
    // runc ignores it then; a reader would wait for a byte that never comes.
    if (!o.lazyPages) throw new RuntimeError('--status-fd needs --lazy-pages (it says when a lazy dump is ready)');
    checkStatusFd(statusFd);
  }
  const lock = store.lock(o.id);
  if (lock === undefined) throw notExist(o.id);
  const fds: number[] = [];
  try {
    const { record, status } = load(store, o.id);
    // runc's words; a paused container's cgroup is frozen already and CRIU would thaw it.
    if (status !== 'running') throw new RuntimeError(`Container cannot be checkpointed in ${status} state`);
    const bin = criuBinary();
    if (o.lazyPages) await requireLazyPages('checkpoint');
    const spec = store.readSpec(o.id);
    const imagePath = path.resolve(o.imagePath);
    if (o.parentPath !== undefined && o.parentPath !== '') {
      if (path.isAbsolute(o.parentPath)) throw new RuntimeError('--parent-path must be relative (to --image-path)');
      const parent = path.join(imagePath, o.parentPath);
      if (!fs.statSync(parent, { throwIfNoEntry: false })?.isDirectory()) {
        throw new RuntimeError(`invalid --parent-path: ${parent} is not a directory`);
      }
    }
    const imgFd = openDir(imagePath, '--image-path');
    fds.push(imgFd);
    const workPath = o.workPath ? path.resolve(o.workPath) : undefined;
    const workFd = workPath ? openDir(workPath, '--work-path') : undefined;
    if (workFd !== undefined) fds.push(workFd);
    const logFile = path.join(workPath ?? imagePath, DUMP_LOG);

    const opts: CriuOpts = {
      ...sharedOpts(o, imgFd, workFd, DUMP_LOG),
      pid: record.pid, root: record.rootfs,
      leaveRunning: !!o.leaveRunning, tcpSkipInFlight: !!o.tcpSkipInFlight, linkRemap: !!o.linkRemap, autoDedup: !!o.autoDedup,
    };
    // CRIU freezes the container through its cgroup (not ptrace, which a
    // process could notice): v2's dir, or v1's freezer.
    if (record.cgroup) {
      const dirs = record.cgroup.dirs;
      const freezer = record.cgroup.version === 2 ? dirs[''] : Object.entries(dirs).find(([k]) => k.split(',').includes('freezer'))?.[1];
      if (freezer) opts.freezeCgroup = freezer;
    }
    for (const ns of EXTERNAL_NS) {
      if (!joinedNamespace(spec, ns.type)) continue;
      const ino = fs.statSync(`/proc/${record.pid}/ns/${ns.proc}`).ino;
      (opts.external ??= []).push(`${ns.proc}[${ino}]:${ns.key}`);
    }
    if (o.parentPath) {
      opts.parentImg = o.parentPath;
      opts.trackMem = true;
    }
    if (ps) opts.ps = ps;
    if (o.preDump) opts.trackMem = true;
    else {
      // A pre-dump only saves memory; the final dump says what to reconnect.
      opts.extMnt = bindMounts(spec, record.bundle).map((m) => ({ key: m.key, val: m.key }));
      const stdio = stdioDescriptors(record.pid);
      for (const d of stdio) if (d.startsWith('file[')) (opts.external ??= []).push(d);
      fs.writeFileSync(path.join(imagePath, DESCRIPTORS), JSON.stringify(stdio), { mode: 0o600 });
    }
    trace('dumping pid %d to %s', record.pid, imagePath);
    const type = o.preDump ? REQ_TYPE.PRE_DUMP : REQ_TYPE.DUMP;
    // A lazy dump answers only once the restore side has fetched every
    // page; until then CRIU keeps the processes stopped. It says
    // "status-ready" (CRIU >= 3.15) when its page server listens.
    const resp = await criuSwrk({
      req: { type, opts }, stdio: 'none', logFile,
      waitingFor: o.lazyPages ? `the lazy dump: no lazy restore fetched the memory pages from ${o.pageServer ?? "criu's page server"}` : undefined,
      onNotify: (n) => {
        trace('notify %s', n.script);
        if (n.script === 'status-ready' && statusFd !== undefined) {
          signalReady(statusFd);
          fs.closeSync(statusFd);
          statusFd = undefined;
        }
      },
    });
    if (!resp.success) throw criuFailure(o.preDump ? 'pre-dump' : 'checkpoint', resp, logFile, bin);
    trace('dumped');
    if (!o.leaveRunning && !o.preDump) {
      // CRIU killed the processes: the container is stopped (its state says
      // so, as after an exit); its cgroup goes now, the record with delete.
      if (record.cgroup) {
        try {
          openCgroup(record.cgroup).destroy(!record.ownPidNs);
        } catch (e) {
          trace('cgroup removal after dump: %s', (e as Error).message);
        }
      }
    }
  } finally {
    // Closed either way: a reader waiting for the byte sees EOF if the dump failed.
    if (statusFd !== undefined) fs.closeSync(statusFd);
    fds.forEach((fd) => fs.closeSync(fd));
    store.unlock(lock);
  }
}
