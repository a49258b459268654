// Running a script of checks in the cgroup2-vm guest (../shared/tools/cgroup2-vm
// beside the repository; its README says how it works) and reading its
// TAP-like lines: "ok N - desc", "not ok N - desc # got ...", "ok N - desc #
// SKIP why", "1..N", "1..0 # SKIP why". vmChecks turns each line into a tap
// assertion; when the VM cannot run (the tool is missing, or it exits 125: the
// VM failed to boot), the test is reported as skipped with the reason, never
// as passed.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO } from './harness.mjs';

export const VM_TIMEOUT_S = Number(process.env.CGROUP2_VM_TIMEOUT) || 1200;

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

/**
 * One VM boot running `script` (test/<dir>/checks.sh) with the tag (this
 * process's pid) in $tagEnv; `work(tag)` is the bundles dir the script makes
 * (removed here too, in case the VM is killed midway). vmArgs go before "--"
 * (e.g. ["--systemd"]).
 */
export async function vmChecks(t, { title, script, tagEnv, work, vmArgs = [] }) {
  const tool = findVmTool();
  if (!tool) {
    t.test(title, { skip: 'cgroup2-vm not found (../shared/tools/cgroup2-vm beside the repository, or /work/shared/tools/cgroup2-vm)' }, () => {});
    return;
  }
  if (process.getuid() !== 0) {
    t.test(title, { skip: 'needs root (cgroup2-vm and the containers)' }, () => {});
    return;
  }
  const tag = `${process.pid}`;
  t.teardown(() => fs.rmSync(work(tag), { recursive: true, force: true }));

  const r = await runInVm(tool, [...vmArgs, '-e', `${tagEnv}=${tag}`], ['sh', script], VM_TIMEOUT_S);
  const tail = (s) => s.trim().split('\n').slice(-15).join('\n');
  t.comment(`cgroup2-vm exited ${r.status ?? r.signal} after ${(r.ms / 1000).toFixed(1)} s`);
  for (const l of r.stdout.split('\n').filter((l) => l.startsWith('# '))) t.comment(`guest: ${l.slice(2)}`);

  if (r.spawnError) {
    t.test(title, { skip: `cgroup2-vm could not be started: ${r.spawnError.message}` }, () => {});
  } else if (r.status === 125) {
    // The VM itself failed (no qemu, no kernel, no boot): not a test result.
    t.test(title, { skip: `the VM could not boot (cgroup2-vm exit 125): ${tail(r.stderr).split('\n').pop() || 'no message'}` }, () => {});
    t.comment(tail(r.stderr));
  } else {
    t.test(`${title} (${script})`, async (t) => {
      const { results, plan } = parseTap(r.stdout);
      for (const res of results) {
        // one assertion per line; "# got" is what the guest saw instead
        t.ok(res.ok, res.desc, res.skip ? { skip: res.skip } : res.ok ? {} : { got: res.got });
      }
      t.equal(r.status === 124 ? 'timeout' : 'finished', 'finished', `the guest finished within CGROUP2_VM_TIMEOUT=${VM_TIMEOUT_S}s`);
      t.ok(plan !== undefined, `${path.basename(script)} printed its plan (ran to the end)`, { stdoutTail: tail(r.stdout), stderrTail: tail(r.stderr) });
      if (plan !== undefined) t.equal(results.length, plan, 'as many results as planned');
      t.same(results.map((x) => x.num), results.map((_, i) => i + 1), 'results numbered 1..N in order');
      const failed = results.filter((x) => !x.ok).length;
      t.equal(r.status, failed ? 1 : 0, `${path.basename(script)} exit status (${failed} failed)`, { stderrTail: tail(r.stderr) });
    });
  }
}
