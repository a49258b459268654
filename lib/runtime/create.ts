// create: set up the container and leave its init waiting for `start`.
// Everything done here is undone if a later step fails.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Spec } from '../config/types';
import { loadConfig } from '../config/load';
import { buildPlan, type PlanHost } from '../plan/build';
import { planNamespaces, NS_PROC_NAME } from '../plan/namespaces';
import { capBounding, capLast, homeIn, isDir, mountPointOf } from '../plan/host';
import { locateCgroup, openCgroup, ownCgroupLocation, v1Hierarchies, type CgroupLocation } from '../cgroups';
import type { CgroupManager } from '../cgroups/types';
import { cgroupOwner, delegateCgroup } from '../cgroups/delegate';
import type { Store, Record } from '../state/store';
import { writeFront } from '../state/front';
import { addon } from '../addon';
import { openBirthDir, sendToSeccompAgent, spawnContainer } from './spawn';
import { planSeccomp } from '../plan/seccomp';
import { planNetDevices } from '../plan/netdevices';
import { moveNetDevices } from './netdevices';
import { connectPidfdSocket } from './pidfd-socket';
import { compileSeccompCached } from '../state/seccomp-cache';
import { noteHostRootfs, undoHostMounts } from './host-mounts';
import { containerHooks, hostHooks } from './run-hooks';
import { RuntimeError } from '../util/errors';
import { logWarn } from '../util/log';
import { tracer } from '../util/debug';
import { wasmMode } from '../wasm/select';
import { inUserNs, isRootless } from '../rootless/detect';
import { planIdMaps } from '../rootless/idmap';
import { checkRootlessProcess, rootlessOom } from '../rootless/limits';
import { noSetgroupsIfDenied } from '../rootless/setgroups';
import { asksResources, createRootlessCgroup, isPermissionError, noPermission } from '../cgroups/rootless';
import { testPoint } from '../util/testpoint';
import { creatingRecord, killAndDestroy, markCreated, resolveBundle, resolveRootfs, type NewContainerOptions } from './new-container';

const trace = tracer('create');

export interface CreateOptions extends NewContainerOptions {
  preserveFds?: number;
  /** --systemd-cgroup: the cgroup is a systemd unit (lib/cgroups/systemd.ts). */
  systemdCgroup?: boolean;
}

export interface Created {
  record: Record;
  spec: Spec;
}

function closeQuiet(fd: number | undefined): void {
  if (fd !== undefined && fd >= 0) {
    try {
      fs.closeSync(fd);
    } catch { /* already closed */ }
  }
}

/**
 * A cgroup that is there already (as runc): frozen, the init would freeze as
 * it joins and never report back: refuse. Non-empty: warn.
 */
function checkExistingCgroup(cg: CgroupManager): void {
  // (v1: the freezer's own dir decides, whatever the other hierarchies hold)
  if (cg.isFrozen()) throw new RuntimeError('container\'s cgroup unexpectedly frozen (thaw it or use another cgroupsPath)');
  const n = cg.exists() ? cg.pids().length : 0;
  if (n) logWarn(`container's cgroup is not empty: ${n} process(es) found`);
}

function planHost(rootfs: string, cgroup: CgroupLocation, spec: Spec, rootless: boolean): PlanHost {
  const prop = spec.linux?.rootfsPropagation ?? '';
  const parent = mountPointOf(rootfs);
  return {
    capLast: capLast(),
    capBounding: capBounding(),
    homeOf: (uid) => homeIn(rootfs, uid),
    // pivot_root refuses a shared parent; only touch it when we made "/" shared.
    rootfsParent: /shared/.test(prop) && parent ? parent.mountPoint : '',
    inUserNs: inUserNs(),
    rootless,
    isDir,
    cgroupV1: cgroup.version === 1
      ? v1Hierarchies().map((h) => ({ mountPoint: h.mountPoint, options: h.options, dir: cgroup.dirs[h.options] }))
      : [],
    cgroupV2: cgroup.version === 2 ? cgroup.dirs[''] : '',
  };
}

export function create(store: Store, o: CreateOptions): Created {
  const bundle = resolveBundle(o.bundle);
  const spec = loadConfig(bundle);
  trace('config parsed and validated');
  const rootfs = resolveRootfs(spec, bundle);
  const ns = planNamespaces(spec.linux?.namespaces);
  const cgroupLoc = locateCgroup(spec.linux?.cgroupsPath, o.id, o.systemdCgroup, spec.annotations);
  trace('rootfs, namespaces, cgroup located');
  // Compiled (Docker's default profile: ~20 ms; lib/state/seccomp-cache.ts
  // keeps it for the next create with the same profile) before the cgroup is
  // made: making it waits for the cgroup warm-up's grace period, which this
  // time overlaps, and the init's join then follows the mkdirs closely, while
  // the lock is still warm (lib/cgroups/warm.ts).
  const seccomp = spec.linux?.seccomp ? compileSeccompCached(spec.linux.seccomp) : undefined;

  const rootless = isRootless();
  if (rootless) checkRootlessProcess(spec.process);
  const netDevices = planNetDevices(spec, ns, ns.cloneFlags, rootless);
  const lockFd = store.createDir(o.id);
  const record = creatingRecord({
    id: o.id, spec, bundle, rootfs, cgroup: cgroupLoc, ownPidNs: ns.isNew('pid'),
    // (spawnContainer makes the init set up the rootfs; without a mount
    // namespace of its own those mounts land in ours or the joined one:
    // note what was there before.)
    hostRootfs: ns.isNew('mount') ? undefined : noteHostRootfs(rootfs, ns.joins.find((j) => j.type === 'mount')?.path),
  });
  const fds: number[] = [];
  let cg: CgroupManager | undefined;
  let initPid = 0;
  // runtime.md: from the prestart hooks on (step 3), a failure stops the
  // container and continues at step 12: destroy it, then the poststop hooks.
  let pastStep2 = false;
  try {
    store.write(record);
    trace('state dir written');
    testPoint('create:state-dir');
    // exec, update and the hooks of later commands read the config from here:
    // the bundle may change or go away.
    store.writeSpec(o.id, spec);
    let owned: { [k: string]: string };
    if (rootless) {
      ({ cg, owned } = createRootlessCgroup(cgroupLoc, spec.linux?.resources));
      if (!cg) delete record.cgroup;
    } else {
      const mgr = openCgroup(cgroupLoc);
      // Checked before the rollback owns it: a cgroup we did not make is never destroyed.
      checkExistingCgroup(mgr);
      cg = mgr;
      owned = cg.create(spec.linux?.resources);
      const owner = cgroupLoc.version === 2 ? cgroupOwner(spec) : undefined;
      if (owner !== undefined && fs.existsSync(cgroupLoc.dirs[''])) delegateCgroup(cgroupLoc.dirs[''], owner);
    }
    if (Object.keys(owned).length) record.cgroup = { ...cgroupLoc, owned };
    if (Object.keys(owned).length || !cg) store.write(record);
    trace('cgroup ready');
    testPoint('create:cgroup');

    const joinFds = ns.joins.map((j) => {
      let fd: number;
      try {
        fd = fs.openSync(j.path, 'r');
        fds.push(fd);
      } catch (e) {
        throw new RuntimeError(`linux.namespaces: open ${j.type} namespace ${j.path}: ${(e as Error).message}`);
      }
      // config-linux.md: a path that is not a namespace of that type MUST be
      // an error. Every namespace file is on nsfs (one device). An fd's link
      // reads "ipc:[4026531839]", unless the file was opened through a bind
      // mount (Docker's --network host: <exec-root>/netns/default): then it
      // is that path, and setns() itself checks the type.
      if (fs.fstatSync(fd).dev !== fs.statSync(`/proc/self/ns/${NS_PROC_NAME[j.type]}`).dev) {
        throw new RuntimeError(`linux.namespaces: ${j.path} is not a ${j.type} namespace (not a namespace file)`);
      }
      const is = fs.readlinkSync(`/proc/self/fd/${fd}`);
      if (/^\w+:\[\d+\]$/.test(is) && !is.startsWith(`${NS_PROC_NAME[j.type]}:[`)) {
        throw new RuntimeError(`linux.namespaces: ${j.path} is not a ${j.type} namespace (it is ${is})`);
      }
      return fd;
    });
    const a = addon();
    const consoleFd = !spec.process?.terminal ? -1
      : o.consoleFd !== undefined ? o.consoleFd
      : o.consoleSocket ? a.connectUnix(path.resolve(o.consoleSocket)) : -1;
    if (consoleFd >= 0 && o.consoleFd === undefined) fds.push(consoleFd);
    const pidfdSocketFd = connectPidfdSocket(o.pidfdSocket);
    fds.push(pidfdSocketFd);
    const startFd = a.listenUnix(store.startSocket(o.id));
    fds.push(startFd);

    const plan = buildPlan(spec, bundle, rootfs, planHost(rootfs, cg ? cgroupLoc : ownCgroupLocation(), spec, rootless), { startFd, consoleFd, joins: joinFds }, {
      noPivot: o.noPivot, preserveFds: o.preserveFds, warn: logWarn,
    }, ns);
    for (const m of plan.mounts) {
      if (m.idmap) {
        const userns = a.usernsFd(m.idmap.uidMap, m.idmap.gidMap);
        try {
          m.idmapTreeFd = a.idmapTree(m.source, m.recursive, userns);
        } finally {
          fs.closeSync(userns);
        }
        fds.push(m.idmapTreeFd);
      }
    }
    const idMaps = ns.isNew('user') ? planIdMaps(spec.linux?.uidMappings, spec.linux?.gidMappings) : undefined;
    noSetgroupsIfDenied(plan, !!idMaps?.denySetgroups);
    const oomScoreAdj = rootless ? rootlessOom(plan) : undefined;
    plan.dumpableUntilGo = (!!idMaps && process.geteuid!() !== 0) || oomScoreAdj !== undefined;
    const wasm = wasmMode(spec.annotations);
    // (lib/wasm only loads for wasm containers: it is not on the hot path)
    if (wasm) (require('../wasm/host') as typeof import('../wasm/host')).attachWasm(plan, wasm, fds);
    if (seccomp) store.writeSeccomp(o.id, seccomp);
    const sc = planSeccomp(spec.linux?.seccomp);
    plan.seccompFlags = sc.flags;
    plan.cgroupFd = openBirthDir(cg);
    plan.pidfdSocketFd = pidfdSocketFd;
    // A network namespace the child unshares after GO (a new user namespace
    // owns it) exists only from the pause before the hooks: stop there.
    // Its sysctls too, which may name a device moved in: written after the move.
    if (netDevices?.when === 'hooks') Object.assign(plan, { hooksPause: true, sysctlsAtHooks: plan.sysctls.length > 0 });
    fds.push(plan.cgroupFd);
    trace('plan built');

    const spawned = spawnContainer(plan, {
      uidMappings: spec.linux?.uidMappings,
      gidMappings: spec.linux?.gidMappings,
      idMaps,
      oomScoreAdj,
      joinCgroup: (pid, born) => {
        testPoint('create:clone');
        try {
          if (!born) cg?.addProcess(pid);
        } catch (e) {
          // Rootless: a cgroup we could make but not move into (a parent not delegated).
          if (!rootless || !isPermissionError(e)) throw e;
          if (asksResources(spec.linux?.resources)) throw noPermission(Object.values(cgroupLoc.dirs)[0] ?? '', e);
          cg!.destroy(false);
          cg = undefined;
          delete record.cgroup;
          store.write(record);
        }
        testPoint('create:cgroup-joined');
      },
      beforeGo: (pid) => {
        if (netDevices?.when === 'clone') moveNetDevices(netDevices.devices, `/proc/${pid}/ns/net`);
        else if (netDevices?.when === 'path') moveNetDevices(netDevices.devices, netDevices.path!);
      },
      seccomp,
      onSeccompFd: (fd, pid) => sendToSeccompAgent(sc.listenerPath!, fd, pid, {
        ociVersion: spec.ociVersion, id: o.id, status: 'creating', pid, bundle, annotations: spec.annotations,
      }, spec.linux?.seccomp?.listenerMetadata),
      beforeHooks: (pid) => {
        if (netDevices?.when === 'hooks') moveNetDevices(netDevices.devices, `/proc/${pid}/ns/net`);
      },
      onHooks: (pid) => {
        // runtime.md: "creating" is step 2 of the lifecycle (the environment
        // being built); these hooks are steps 3-5, after it: the container is
        // "created" (as crun; runc says "creating").
        const state = { ociVersion: spec.ociVersion, id: o.id, status: 'created' as const, pid, bundle, annotations: spec.annotations };
        pastStep2 = true;
        hostHooks(spec.hooks, 'prestart', state);
        hostHooks(spec.hooks, 'createRuntime', state);
        containerHooks(spec.hooks, 'createContainer', state, pid);
        testPoint('create:hooks');
      },
    });
    fds.push(spawned.syncFd);
    initPid = spawned.pid;
    pastStep2 = true;
    testPoint('create:ready');

    markCreated(store, record, initPid, o.pidFile, 'create:pid-file');
    // Only now, once state.json says created: the native front's recipe.
    // (The plan of `exec ID COMMAND...` is the first such exec's to write:
    // lib/runtime/exec.ts. Planning it here cost every create ~1.5 ms.)
    writeFront(store, record, spec);
    trace('created pid %d', initPid);
    return { record, spec };
  } catch (e) {
    // Roll back: the init (if any), the cgroup, the state dir.
    killAndDestroy(initPid, cg, !ns.isNew('pid') || !initPid);
    undoHostMounts(record.hostRootfs);
    store.remove(o.id);
    // (a failing poststop hook is only a warning: the error stays create's)
    if (pastStep2) hostHooks(spec.hooks, 'poststop', { ociVersion: spec.ociVersion, id: o.id, status: 'stopped', pid: 0, bundle, annotations: spec.annotations }, logWarn);
    throw e;
  } finally {
    fds.forEach(closeQuiet);
    store.unlock(lockFd);
  }
}
