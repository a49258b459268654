// What checkpoint and restore both tell CRIU about a container: its bind
// mounts (external to its mount namespace: CRIU records them by key and is
// told on restore where they come from), namespaces it joined rather than
// made (external too), the cgroup mode, and the options both commands take.
import * as path from 'node:path';
import type { Spec } from '../../config/types';
import { RuntimeError } from '../../util/errors';
import { CG_MODE, type CriuOpts } from './proto';
import { criuHasFeature } from './swrk';

/** The options checkpoint and restore share (runc's flags). */
export interface CriuFlags {
  imagePath: string;
  workPath?: string;
  tcpEstablished?: boolean;
  extUnixSk?: boolean;
  shellJob?: boolean;
  fileLocks?: boolean;
  manageCgroupsMode?: string;
  /** CLONE_NEW* bits of the namespaces CRIU makes empty (runc: always the network). */
  emptyNs?: string[];
  /** Memory pages on demand (userfaultfd): a dump serves them, a restore fetches them from `criu lazy-pages`. */
  lazyPages?: boolean;
}

/** The log CRIU writes, in the work dir if there is one (as runc). */
export const DUMP_LOG = 'dump.log';
export const RESTORE_LOG = 'restore.log';
/** The container's stdio as it was at dump time (runc's name and format: a JSON array of 3 link targets). */
export const DESCRIPTORS = 'descriptors.json';

const CLONE_NEWNET = 0x40000000;

export function cgMode(mode: string | undefined): number {
  const m = CG_MODE[mode ?? ''];
  if (m === undefined) throw new RuntimeError(`invalid --manage-cgroups-mode "${mode}": must be soft, full, strict or ignore`);
  return m;
}

export function emptyNsMask(list: string[] | undefined): number {
  let mask = CLONE_NEWNET; // ocirun, as runc, doesn't manage network devices
  for (const ns of list ?? []) {
    if (ns !== 'network') throw new RuntimeError(`--empty-ns: namespace "${ns}" is not supported (only network)`);
    mask |= CLONE_NEWNET;
  }
  return mask >>> 0;
}

/** The options of both requests, from the flags. */
export function sharedOpts(f: CriuFlags, imagesDirFd: number, workDirFd: number | undefined, logFile: string): CriuOpts {
  const mode = cgMode(f.manageCgroupsMode);
  return {
    imagesDirFd, workDirFd, logLevel: 4, logFile, notifyScripts: true,
    manageCgroups: true, manageCgroupsMode: mode,
    shellJob: !!f.shellJob, tcpEstablished: !!f.tcpEstablished, extUnixSk: !!f.extUnixSk, fileLocks: !!f.fileLocks,
    emptyNs: emptyNsMask(f.emptyNs), orphanPtsMaster: true, lazyPages: !!f.lazyPages,
  };
}

/**
 * --page-server ADDRESS:PORT, as Go's net.SplitHostPort reads it (runc's
 * parser): an IPv6 address in brackets, a port from 1 to 65535.
 */
export function parsePageServer(s: string): { address: string; port: number } {
  const bad = (why: string) => new RuntimeError(`invalid --page-server "${s}": ${why}`);
  const m = /^\[([^\]]*)\]:([^:]*)$/.exec(s) ?? /^([^:[\]]*):([^:]*)$/.exec(s);
  if (!m) throw bad(s.includes(':') && !s.startsWith('[') && s.indexOf(':') !== s.lastIndexOf(':') ? 'an IPv6 address needs brackets: [ADDRESS]:PORT' : 'use ADDRESS:PORT');
  const [, address, port] = m;
  if (!address) throw bad('no address: use ADDRESS:PORT');
  if (!/^\d+$/.test(port) || +port < 1 || +port > 65535) throw bad(`port "${port}" is not a number from 1 to 65535`);
  return { address, port: +port };
}

/** Fails unless criu and the kernel can do lazy pages (CRIU's FEATURE_CHECK; runc asks the same). */
export async function requireLazyPages(what: string): Promise<void> {
  if (!(await criuHasFeature('lazyPages'))) {
    throw new RuntimeError(`${what} --lazy-pages: criu says it cannot do lazy pages here (its build or the kernel lacks userfaultfd; \`criu check --feature uffd-noncoop\` tells which)`);
  }
}

function isBind(m: { type?: string; options?: string[] }): boolean {
  return m.type === 'bind' || !!m.options?.some((o) => o === 'bind' || o === 'rbind');
}

/**
 * The config's bind mounts, as CRIU's external mount keys (the destination)
 * and their sources (relative sources are the bundle's).
 */
export function bindMounts(spec: Spec, bundle: string): { key: string; source: string }[] {
  return (spec.mounts ?? []).filter(isBind).map((m) => ({
    key: path.posix.normalize(`/${m.destination}`),
    source: path.resolve(bundle, m.source ?? ''),
  }));
}

/** Namespaces the container joined by path, that CRIU treats as external (as runc: network and pid). */
export const EXTERNAL_NS: { type: 'network' | 'pid'; proc: string; key: string }[] = [
  { type: 'network', proc: 'net', key: 'extRootNetNS' },
  { type: 'pid', proc: 'pid', key: 'extRootPidNS' },
];

export function joinedNamespace(spec: Spec, type: string): string | undefined {
  return spec.linux?.namespaces?.find((n) => n.type === type && n.path)?.path;
}
