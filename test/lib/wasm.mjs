// Helpers for the WebAssembly tests: build the modules in test/wasm/*.wat
// with wabt's wat2wasm (Debian package wabt, installed by scripts/setup.sh).
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { REPO } from './harness.mjs';

export const WASM_DIR = path.join(REPO, 'test/wasm');

/** Compiles the text module watFile to the binary outFile with wat2wasm; throws (with its stderr) on failure. */
export function wat2wasm(watFile, outFile) {
  const r = spawnSync('wat2wasm', [watFile, '-o', outFile], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) throw new Error(`wat2wasm ${watFile}: ${r.error.message} (is the wabt package installed?)`);
  if (r.status !== 0) throw new Error(`wat2wasm ${watFile} failed (status ${r.status}, signal ${r.signal}): ${r.stderr}`);
  return outFile;
}

/** Builds test/wasm/NAME.wat (e.g. 'trap', 'nostart') to outFile; returns outFile. */
export function buildModule(name, outFile) {
  return wat2wasm(path.join(WASM_DIR, `${name}.wat`), outFile);
}

/** Builds the command-interpreter probe (test/wasm/probe.wat, see test/wasm/README.md) to outFile; returns outFile. */
export function buildProbe(outFile) {
  return buildModule('probe', outFile);
}

/**
 * WASI preview1 errno values (the `errno` enum of wasi_snapshot_preview1,
 * same numbers as uvwasi's UVWASI_E*), as printed by the probe in "E<letter><errno>".
 */
export const WASI_ERRNO = Object.freeze({
  SUCCESS: 0,
  E2BIG: 1,
  EACCES: 2,
  EAGAIN: 6,
  EBADF: 8,
  EBUSY: 10,
  EEXIST: 20,
  EFAULT: 21,
  EINTR: 27,
  EINVAL: 28,
  EIO: 29,
  EISDIR: 31,
  ELOOP: 32,
  EMFILE: 33,
  ENAMETOOLONG: 37,
  ENOENT: 44,
  ENOSPC: 51,
  ENOSYS: 52,
  ENOTDIR: 54,
  ENOTEMPTY: 55,
  ENOTSUP: 58,
  EPERM: 63,
  EPIPE: 64,
  EROFS: 69,
  ESPIPE: 70,
  ETXTBSY: 74,
  EXDEV: 75,
  ENOTCAPABLE: 76,
});
