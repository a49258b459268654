// The WASI host: the JavaScript that Node runs as the container's process
// when the program is a wasm module. It is passed to node with `-e` (so no
// file of ours is reachable from the container), after the init has set up
// everything (namespaces, rootfs, pivot_root, cgroups, creds, caps, seccomp):
//
//   node --no-warnings -e <source> -- FDS MODULE NENV ENV... ARGS...
//
// (FDS: the fds node was loaded through, lib/wasm/host.ts; closed first.)
//
// node gets an empty environment (NODE_OPTIONS & co. in the container's env
// must not steer the host); the container's env goes to the module instead.
// The module runs in a worker thread so that the main thread stays free to
// take signals: `kill` stops the module even while it computes.
//
// Exit status: the module's proc_exit code (or 0 when _start returns);
// 126 when the module cannot run (not valid, no _start, unknown imports);
// 134 on a trap (as wasmtime); 128+N for a signal N.


function wasiWorker(): void {
  const fs = require('node:fs') as typeof import('node:fs');
  const { workerData } = require('node:worker_threads') as typeof import('node:worker_threads');
  const { WASI } = require('node:wasi') as typeof import('node:wasi');
  const { module: file, env, args, cwd } = workerData as { module: string; env: string[]; args: string[]; cwd: string };
  const fail = (code: number, msg: string): never => {
    fs.writeSync(2, `ocirun: wasm: ${file}: ${msg}\n`);
    process.exit(code);
  };
  let mod: WebAssembly.Module;
  try {
    mod = new WebAssembly.Module(fs.readFileSync(file));
  } catch (e) {
    return fail(126, `not a valid WebAssembly module: ${(e as Error).message}`);
  }
  if (!WebAssembly.Module.exports(mod).some((x) => x.name === '_start' && x.kind === 'function')) {
    return fail(126, 'no _start function: not a WASI command module');
  }
  const envObj: Record<string, string> = {};
  for (const kv of env) {
    const i = kv.indexOf('=');
    if (i > 0) envObj[kv.slice(0, i)] = kv.slice(i + 1);
  }
  // "/" is the container's root (we are past pivot_root); "." the cwd for
  // modules that resolve relative paths through a "." preopen.
  const preopens: Record<string, string> = { '/': '/' };
  if (cwd !== '/') preopens['.'] = cwd;
  const wasi = new WASI({ version: 'preview1', args, env: envObj, preopens, returnOnExit: true });
  let instance: WebAssembly.Instance;
  try {
    instance = new WebAssembly.Instance(mod, wasi.getImportObject() as WebAssembly.Imports);
  } catch (e) {
    return fail(126, (e as Error).message);
  }
  let code: number;
  try {
    code = wasi.start(instance);
  } catch (e) {
    return fail(134, `trap: ${(e as Error).message}`);
  }
  process.exit(code);
}

function wasiMain(): void {
  const os = require('node:os') as typeof import('node:os');
  const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
  const fs = require('node:fs') as typeof import('node:fs');
  const [fds, file, nenv, ...rest] = process.argv.slice(1);
  for (const fd of fds.split(',').filter(Boolean)) {
    try {
      fs.closeSync(Number(fd));
    } catch { /* not open */ }
  }
  const env = rest.slice(0, Number(nenv));
  const args = rest.slice(Number(nenv));
  process.title = file.slice(file.lastIndexOf('/') + 1);  // comm, as execve would name it
  // As pid 1 the kernel drops signals we have no handler for, and the worker
  // may be busy: the main thread takes them and ends the process. (Our
  // SIGUSR1 listener replaces node's start-the-inspector one; with
  // --disable-sigusr1 node would keep SIGUSR1 blocked instead.)
  // process.exit() would wait for the worker, which may sit in a blocking
  // WASI call (poll_oneoff, fd_read) for ever: leave with uvwasi's
  // proc_exit (C exit()) from a 100-byte module that only exports it.
  const exitNow = (code: number): never => {
    const { WASI } = require('node:wasi') as typeof import('node:wasi');
    const w = new WASI({ version: 'preview1', returnOnExit: false });
    const inst = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(EXIT_MODULE, 'hex')), w.getImportObject() as WebAssembly.Imports);
    w.start(inst);
    (inst.exports.exit as (c: number) => void)(code);
    process.exit(code);  // not reached
  };
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGALRM', 'SIGPIPE'] as const) {
    process.on(sig, () => {
      process.removeAllListeners(sig);
      try {
        process.kill(process.pid, sig);  // dies by the signal, unless we are pid 1
      } catch { /* ignore */ }
      exitNow(128 + os.constants.signals[sig]);
    });
  }
  const worker = new Worker(`(${WORKER_SOURCE})()`, {
    eval: true, workerData: { module: file, env, args, cwd: process.cwd() }, stdout: false, stderr: false,
  });
  worker.on('error', (e) => {
    fs.writeSync(2, `ocirun: wasm: ${file}: ${e.message}\n`);
    process.exit(134);
  });
  worker.on('exit', (code) => process.exit(code));
}

// What the worker evaluates; filled in the source below.
declare const WORKER_SOURCE: string;
declare const EXIT_MODULE: string;

// (module (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
//   (memory (export "memory") 0) (func (export "_start"))
//   (func (export "exit") (param i32) local.get 0 call $exit))   -- wat2wasm, hex
const EXIT_WASM = '0061736d0100000001080260017f0060000002240116776173695f736e617073686f745f70726576696577310970726f635f65786974000003030201000503010000071a03066d656d6f72790200065f73746172740001046578697400020a0b0202000b0600200010000b';

/** The script node runs with -e. */
export function runnerSource(): string {
  return `const WORKER_SOURCE = ${JSON.stringify(wasiWorker.toString())};\nconst EXIT_MODULE = '${EXIT_WASM}';\n(${wasiMain.toString()})();\n`;
}

/**
 * node's argv for a wasm process. The init fills the module's resolved path
 * in at `moduleSlot` (the PATH lookup happens inside the container).
 */
export function wasmArgv(args: string[], env: string[], closeFds: number[]): { argv: string[]; moduleSlot: number } {
  const head = [args[0] ?? 'wasm', '--no-warnings', '-e', runnerSource(), '--', closeFds.join(',')];
  return { argv: [...head, '', String(env.length), ...env, ...args], moduleSlot: head.length };
}
