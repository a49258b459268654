// The systemd cgroup driver (--systemd-cgroup) against a real systemd: one
// boot of the cgroup2-vm guest with systemd 252 as PID 1 and the system bus
// (cgroup2-vm --systemd), running test/systemd/checks.sh: containers whose
// cgroup is a transient scope (its properties in `systemctl show`, its limits
// in the scope's files and enforced), every command on them, the failure
// cases, kill -9 of ocirun during create, the same bundle under runc side by
// side, and podman --cgroup-manager systemd with ocirun as its runtime. Each
// line the script prints is one assertion here (test/lib/vm.mjs).
//
// When the VM cannot run, the test is reported as skipped with the reason.
// The guest is CPU-emulated (~20x slower), so this takes minutes.
//
//   npx tap --disable-coverage --timeout=1500 test/cgroups-systemd.test.mjs
import t from 'tap';
import * as path from 'node:path';
import { REPO, PREFIX } from './lib/harness.mjs';
import { vmChecks, VM_TIMEOUT_S } from './lib/vm.mjs';

t.setTimeout((VM_TIMEOUT_S + 180) * 1000);

await vmChecks(t, {
  title: 'systemd cgroup driver checks in a VM with systemd',
  script: 'test/systemd/checks.sh',
  tagEnv: 'OCIRUN_SD_TAG',
  vmArgs: ['--systemd'],
  work: (tag) => path.join(REPO, 'bundles', `${PREFIX}-sd-${tag}`),
});
