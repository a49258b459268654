// Calls bin/ocirun and tells whether the CLI (bun or node) started for the
// call or the native front answered alone: a module that BUN_OPTIONS /
// NODE_OPTIONS preload into every start of the CLI appends to a file.
// Used by the front's tests (front.test.mjs, front-exec.test.mjs).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OCIRUN, CLEAN_ENV } from './harness.mjs';

const baseEnv = Object.fromEntries(CLEAN_ENV.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));

/**
 * Returns oci(args, { front, env, input, extraFds, cwd }): ocirun --root ROOT
 * ARGS with stdout/stderr to files in `work` (a created container keeps them
 * open); `node` says whether the CLI started. front: false sends everything
 * to the CLI (OCIRUN_FRONT=0), for comparisons.
 */
export function frontCaller(root, work) {
  const marker = path.join(work, 'node-ran.cjs');
  fs.writeFileSync(marker, `require('fs').appendFileSync(process.env.FRONT_TEST_NODE_LOG, JSON.stringify(process.argv.slice(2)) + '\\n');\n`);
  let calls = 0;
  return function oci(args, { front = true, env = {}, input, extraFds = [], cwd } = {}) {
    const n = ++calls;
    const log = path.join(work, `node-${n}.log`);
    const out = path.join(work, `out-${n}`), err = path.join(work, `err-${n}`);
    const o = fs.openSync(out, 'w'), e = fs.openSync(err, 'w');
    let i = 'ignore';
    if (input !== undefined) {
      fs.writeFileSync(path.join(work, `in-${n}`), input);
      i = fs.openSync(path.join(work, `in-${n}`), 'r');
    }
    try {
      const r = spawnSync(OCIRUN, ['--root', root, ...args], {
        stdio: [i, o, e, ...extraFds], timeout: 30_000, cwd,
        env: { ...baseEnv, NODE_OPTIONS: `--require ${marker}`, BUN_OPTIONS: `--preload=${marker}`, FRONT_TEST_NODE_LOG: log, ...(front ? {} : { OCIRUN_FRONT: '0' }), ...env },
      });
      return {
        status: r.status, signal: r.signal, stdout: fs.readFileSync(out, 'utf8'), stderr: fs.readFileSync(err, 'utf8'),
        node: fs.existsSync(log), nodeArgs: fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '',
      };
    } finally {
      fs.closeSync(o);
      fs.closeSync(e);
      if (typeof i === 'number') fs.closeSync(i);
    }
  };
}
