// features: what this build of ocirun really supports, in the shape of
// runtime-spec's features.md (the same document `runc features` prints).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ALL_CAPS } from '../plan/capabilities';
import { PROPAGATION, RECURSIVE_OPTIONS } from '../plan/mount-options';
import { MEMPOLICY_FLAGS, MEMPOLICY_MODES } from '../plan/memory-policy';
import { SPEC_VERSION } from './main';

const MOUNT_OPTIONS = [
  'async', 'atime', 'bind', 'defaults', 'dev', 'diratime', 'dirsync', 'exec', 'iversion', 'lazytime', 'loud', 'mand',
  'noatime', 'nodev', 'nodiratime', 'noexec', 'noiversion', 'nolazytime', 'nomand', 'norelatime', 'nostrictatime',
  'nosuid', 'nosymfollow', 'rbind', 'relatime', 'idmap', 'ridmap', 'remount', 'ro', 'rw', 'silent', 'strictatime',
  'suid', 'symfollow', 'sync', 'tmpcopyup', 'notmpcopyup', ...RECURSIVE_OPTIONS, ...Object.keys(PROPAGATION),
].sort();

/** The version of the node that runs wasm modules (lib/wasm/host.ts wasmNode()). */
function wasmNodeVersion(): string {
  if (!process.versions.bun) return process.versions.node;
  try {
    const { wasmNode } = require('../wasm/host') as typeof import('../wasm/host');
    const pkg = path.join(path.dirname(wasmNode()), '..', 'package.json');
    return (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** "criu X.Y" when `criu check` passes here: only then can checkpoint and restore work. */
function checkpointSupport(): { [k: string]: string } {
  try {
    const { criuBinary, criuCheckError } = require('../runtime/criu/swrk') as typeof import('../runtime/criu/swrk');
    const bin = criuBinary();
    if (criuCheckError(bin)) return {};
    const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
    const v = /Version:\s*(\S+)/.exec(spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout ?? '')?.[1] ?? 'unknown';
    return { 'org.ocirun.checkpoint': `criu ${v}` };
  } catch {
    return {};
  }
}

export function features(): object {
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: SPEC_VERSION,
    hooks: ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'],
    mountOptions: MOUNT_OPTIONS,
    linux: {
      namespaces: ['cgroup', 'ipc', 'mount', 'network', 'pid', 'time', 'user', 'uts'],
      capabilities: ALL_CAPS,
      cgroup: { v1: true, v2: true, systemd: true, systemdUser: false, rdma: false },
      seccomp: {
        enabled: true,
        actions: ['SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD',
          'SCMP_ACT_LOG', 'SCMP_ACT_NOTIFY', 'SCMP_ACT_TRACE', 'SCMP_ACT_TRAP'],
        operators: ['SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_LE', 'SCMP_CMP_LT', 'SCMP_CMP_MASKED_EQ', 'SCMP_CMP_NE'],
        archs: ['SCMP_ARCH_X86', 'SCMP_ARCH_X86_64', 'SCMP_ARCH_X32'],
        knownFlags: [],
        supportedFlags: [],
      },
      apparmor: { enabled: false },
      selinux: { enabled: false },
      intelRdt: { enabled: false },
      mountExtensions: { idmap: { enabled: true } },
      memoryPolicy: { modes: Object.keys(MEMPOLICY_MODES), flags: Object.keys(MEMPOLICY_FLAGS) },
      netDevices: { enabled: true },
    },
    annotations: {
      'org.opencontainers.runtime-spec.features.ocirun': '1',
      // WebAssembly (lib/wasm): the annotations that select it, and the engine.
      'module.wasm.image/variant': 'compat,compat-smart',
      'run.oci.handler': 'wasm,wasm-smart',
      'org.ocirun.wasm.handler': `node-wasi-preview1 (node ${wasmNodeVersion()})`,
      // checkpoint / restore (lib/runtime/criu): listed only where CRIU works.
      ...checkpointSupport(),
    },
  };
}

export default function (): void {
  fs.writeSync(1, JSON.stringify(features(), null, 2) + '\n');
}
