// Running a script of checks in the cgroup2-vm guest (shared/tools/cgroup2-vm,
// see its README) and reading its TAP-like lines: "ok N - desc", "not ok N -
// desc # got ...", "ok N - desc # SKIP why", "1..N", "1..0 # SKIP why".
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO } from './harness.mjs';

/** The tool: $OCIRUN_CGROUP2_VM, else beside the repository, else /work/shared. */
export function findVmTool() {
  const candidates = process.env.OCIRUN_CGROUP2_VM ? [process.env.OCIRUN_CGROUP2_VM]
    : [path.resolve(REPO, '../shared/tools/cgroup2-vm'), '/work/shared/tools/cgroup2-vm'];
  for (const p of candidates) {
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch { /* next */ }
  }
  return undefined;
}

/** Runs `tool [vmArgs] -- cmd...` from the repository: { status, signal, stdout, stderr, ms, spawnError? }. */
export function runInVm(tool, vmArgs, cmd, timeoutS) {
  return new Promise((resolve) => {
    const started = Date.now();
    const p = spawn(tool, [...vmArgs, '--', ...cmd], {
      cwd: REPO,
      env: { ...process.env, CGROUP2_VM_TIMEOUT: String(timeoutS) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group: qemu goes with it if we are torn down
    });
    const killGroup = () => {
      try { process.kill(-p.pid, 'SIGKILL'); } catch { /* gone */ }
    };
    process.once('exit', killGroup);
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', (e) => {
      process.removeListener('exit', killGroup);
      resolve({ status: null, signal: null, stdout, stderr: `${stderr}${e.message}`, ms: Date.now() - started, spawnError: e });
    });
    p.on('close', (status, signal) => {
      process.removeListener('exit', killGroup);
      resolve({ status, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** { results: [{ ok, num, desc, skip?, got? }], plan?, skipAll? } */
export function parseTap(stdout) {
  const results = [];
  let plan, skipAll;
  for (const line of stdout.split('\n')) {
    let m;
    if ((m = /^(not )?ok (\d+) - (.*)$/.exec(line))) {
      const [, not, num, rest] = m;
      const skip = /^(.*?) # SKIP\b ?(.*)$/.exec(rest);
      const got = / # got (.*)$/.exec(rest);
      results.push({
        ok: !not, num: Number(num),
        desc: skip ? skip[1] : got ? rest.slice(0, got.index) : rest,
        skip: skip ? skip[2] || 'skipped' : undefined,
        got: got ? got[1] : undefined,
      });
    } else if ((m = /^1\.\.0 # SKIP ?(.*)$/.exec(line))) {
      plan = 0;
      skipAll = m[1] || 'skipped';
    } else if ((m = /^1\.\.(\d+)$/.exec(line))) {
      plan = Number(m[1]);
    }
  }
  return { results, plan, skipAll };
}
