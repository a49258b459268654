// cgroup v2 with real containers. This host is cgroup v1 (hybrid), so the
// checks run in a throw-away QEMU guest with a pure cgroup v2 kernel
// (shared/tools/cgroup2-vm beside the repository; its README says how it
// works): test/v2/checks.sh creates containers there and prints TAP-like
// lines, which become one assertion each here (test/lib/vm.mjs).
//
// When the VM cannot run (the tool is missing, or it exits 125: the VM
// failed to boot), the test is reported as skipped with the reason, never
// as passed. The guest is CPU-emulated (~20x slower), so this takes minutes.
//
//   npx tap --disable-coverage test/cgroups-v2.test.mjs
import t from 'tap';
import * as path from 'node:path';
import { REPO, PREFIX } from './lib/harness.mjs';
import { vmChecks, VM_TIMEOUT_S } from './lib/vm.mjs';

// tap's own limit for this file: the VM's limit plus time to boot and report.
t.setTimeout((VM_TIMEOUT_S + 180) * 1000);

await vmChecks(t, {
  title: 'cgroup v2 checks in a VM',
  script: 'test/v2/checks.sh',
  tagEnv: 'OCIRUN_V2_TAG',
  work: (tag) => path.join(REPO, 'bundles', `${PREFIX}-v2-${tag}`),
});
