// cgroup v2 with real containers. This host is cgroup v1 (hybrid), so the
// checks run in a throw-away QEMU guest with a pure cgroup v2 kernel
// (shared/tools/cgroup2-vm beside the repository; its README says how it
// works): test/v2/checks.sh creates containers there and prints TAP-like
// lines, which become one assertion each here.
//
// When the VM cannot run (the tool is missing, or it exits 125: the VM
// failed to boot), the test is reported as skipped with the reason, never
// as passed. The guest is CPU-emulated (~20x slower), so this takes minutes.
//
//   npx tap --disable-coverage test/cgroups-v2.test.mjs
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO, PREFIX } from './lib/harness.mjs';
import { findVmTool, runInVm, parseTap } from './lib/vm.mjs';

const VM_TIMEOUT_S = Number(process.env.CGROUP2_VM_TIMEOUT) || 1200;
// tap's own limit for this file: the VM's limit plus time to boot and report.
t.setTimeout((VM_TIMEOUT_S + 180) * 1000);

const tool = findVmTool();
if (!tool) {
  t.test('cgroup v2 checks in a VM', { skip: 'cgroup2-vm not found (../shared/tools/cgroup2-vm beside the repository, or /work/shared/tools/cgroup2-vm)' }, () => {});
} else if (process.getuid() !== 0) {
  t.test('cgroup v2 checks in a VM', { skip: 'needs root (cgroup2-vm and the containers)' }, () => {});
} else {
  const tag = `${process.pid}`;
  const work = path.join(REPO, 'bundles', `${PREFIX}-v2-${tag}`);
  // checks.sh removes its bundles itself; this covers a VM killed midway.
  t.teardown(() => fs.rmSync(work, { recursive: true, force: true }));

  const r = await runInVm(tool, ['-e', `OCIRUN_V2_TAG=${tag}`], ['sh', 'test/v2/checks.sh'], VM_TIMEOUT_S);
  const tail = (s) => s.trim().split('\n').slice(-15).join('\n');
  t.comment(`cgroup2-vm exited ${r.status ?? r.signal} after ${(r.ms / 1000).toFixed(1)} s`);
  for (const l of r.stdout.split('\n').filter((l) => l.startsWith('# '))) t.comment(`guest: ${l.slice(2)}`);

  if (r.spawnError) {
    t.test('cgroup v2 checks in a VM', { skip: `cgroup2-vm could not be started: ${r.spawnError.message}` }, () => {});
  } else if (r.status === 125) {
    // The VM itself failed (no qemu, no kernel, no boot): not a test result.
    t.test('cgroup v2 checks in a VM', { skip: `the cgroup v2 VM could not boot (cgroup2-vm exit 125): ${tail(r.stderr).split('\n').pop() || 'no message'}` }, () => {});
    t.comment(tail(r.stderr));
  } else {
    t.test('cgroup v2 checks in a VM (test/v2/checks.sh)', async (t) => {
      const { results, plan } = parseTap(r.stdout);
      for (const res of results) {
        // one assertion per line; "# got" is what the guest saw instead
        t.ok(res.ok, res.desc, res.skip ? { skip: res.skip } : res.ok ? {} : { got: res.got });
      }
      t.equal(r.status === 124 ? 'timeout' : 'finished', 'finished', `the guest finished within CGROUP2_VM_TIMEOUT=${VM_TIMEOUT_S}s`);
      t.ok(plan !== undefined, 'checks.sh printed its plan (ran to the end)', { stdoutTail: tail(r.stdout), stderrTail: tail(r.stderr) });
      if (plan !== undefined) t.equal(results.length, plan, 'as many results as planned');
      t.same(results.map((x) => x.num), results.map((_, i) => i + 1), 'results numbered 1..N in order');
      const failed = results.filter((x) => !x.ok).length;
      t.equal(r.status, failed ? 1 : 0, `checks.sh exit status (${failed} failed)`, { stderrTail: tail(r.stderr) });
    });
  }
}
